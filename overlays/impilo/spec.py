"""The contract view of the spec (openapi.yaml + rules overlay), read once from the generated package.

Everything the facade needs to know about the API that the spec already says lives here, read
from the spec rather than written a second time: the API key header, the server URLs, the create
operation's method and path, and the schemas the pre-send check validates against.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

CONTRACT_PACKAGE = "impilo_orders_api"
CONTRACT_RESOURCE = ("spec", "contract.json")
# The id under which the contract view is registered for $ref resolution (see rules.py).
CONTRACT_URI = "urn:impilo:contract-view"
# What OpenAPI's integer formats allow; JSON Schema alone does not check them.
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


@functools.cache
def contract_view() -> dict[str, Any]:
    """The spec with the rules overlay applied, as `make regen` ships it. Do not mutate."""
    resource = files(CONTRACT_PACKAGE).joinpath(*CONTRACT_RESOURCE)
    view: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return view


@functools.cache
def api_key_header() -> str:
    """The header that carries the API key: the spec's one apiKey-in-header security scheme."""
    schemes = contract_view()["components"]["securitySchemes"]
    names = [s["name"] for s in schemes.values() if s.get("type") == "apiKey" and s.get("in") == "header"]
    if len(names) != 1:
        raise RuntimeError(f"the spec must declare exactly one apiKey header scheme, found {names}")
    return str(names[0])


@functools.cache
def server_urls() -> dict[str, str]:
    """Environment name -> base URL, from the spec's `servers` (named by their description's first word)."""
    urls: dict[str, str] = {}
    for server in contract_view()["servers"]:
        name = str(server.get("description", "")).split(" ", 1)[0].rstrip(";,.").lower()
        urls[name] = str(server["url"]).rstrip("/")
    return urls


@functools.cache
def operation(operation_id: str) -> tuple[str, str]:
    """(HTTP method in upper case, path template) of an operation."""
    for path, item in contract_view()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), str(path)
    raise KeyError(f"no operation {operation_id!r} in the spec")


@functools.cache
def parameter_pointer(operation_id: str, name: str) -> str:
    """JSON pointer (within the contract view) to the schema of one parameter of an operation."""
    for path, item in contract_view()["paths"].items():
        escaped = path.replace("~", "~0").replace("/", "~1")
        for method, op in item.items():
            if not isinstance(op, dict) or op.get("operationId") != operation_id:
                continue
            places = (
                (f"/paths/{escaped}/{method}", op.get("parameters", [])),
                (f"/paths/{escaped}", item.get("parameters", [])),
            )
            for where, params in places:
                for index, param in enumerate(params):
                    if param.get("name") == name:
                        return f"{where}/parameters/{index}/schema"
    raise KeyError(f"{operation_id} has no parameter {name!r}")


def parameter_schema(operation_id: str, name: str) -> dict[str, Any]:
    """The schema of one parameter of an operation, e.g. listOrders `size` (default 15, maximum 250)."""
    node: Any = contract_view()
    for part in parameter_pointer(operation_id, name).lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return dict(node)


def example_value(name: str) -> Any:
    """A fresh copy of a named example from components.examples."""
    return json.loads(json.dumps(contract_view()["components"]["examples"][name]["value"]))
