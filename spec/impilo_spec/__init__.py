"""The spec as data: the one place the client, the mock server and the contract suite read it from.

`make regen` ships openapi.yaml and its views (scripts/views.py) in the data package
`impilo_spec_data`; this module reads them and answers what the three need to know from the spec,
so none of them writes a path, a header name or a bound a second time:

    view("contract")           the spec + every request rule: what the client and the mock refuse
    view("docs") / ("accept")  what every server must refuse / accept (the contract suite's views)
    api_key_header()           Impilo-API-Key, from the security scheme
    operation("createOrder")   ("POST", "/api/v3/order")
    parameter_schema(...)      e.g. listOrders `size`: default 15, 1 to 250
    docs_ids()                 the ids the docs' examples name (patient 1234, items 1000-1003, ...)

It imports nothing but the standard library: the mock server reads it without the client's
packages (httpx, the generated models), so the mock stays a second implementation.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib.resources import files
from typing import Any

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "CONTRACT_URI",
    "DEV_API_KEY",
    "INTEGER_FORMATS",
    "MOCK_API_KEYS_ENV",
    "VIEWS",
    "api_key_header",
    "contract_view",
    "docs_ids",
    "example_value",
    "operation",
    "operations",
    "parameter_pointer",
    "parameter_schema",
    "resolve",
    "server_urls",
    "view",
    "webhook_secret_header",
]

# Environment variables: the client's key and base URL, and the keys the mock accepts.
API_KEY_ENV = "IMPILO_API_KEY"
BASE_URL_ENV = "IMPILO_BASE_URL"
MOCK_API_KEYS_ENV = "IMPILO_MOCK_API_KEYS"
# The mock's documented development key: fine on loopback, never a real credential.
DEV_API_KEY = "impilo-dev-key"

DATA_PACKAGE = "impilo_spec_data"
VIEWS = ("openapi", "contract", "docs", "accept")
# The id under which a view is registered for $ref resolution.
CONTRACT_URI = "urn:impilo:contract-view"
# What OpenAPI's integer formats allow; JSON Schema alone does not check them.
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@functools.cache
def view(name: str = "contract") -> dict[str, Any]:
    """One view of the spec, read once. Do not mutate it (copy.deepcopy first)."""
    if name not in VIEWS:
        raise KeyError(f"no view {name!r}; the views are {', '.join(VIEWS)}")
    text = files(DATA_PACKAGE).joinpath(f"{name}.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def contract_view() -> dict[str, Any]:
    """The spec with every request rule applied: what the client and the mock refuse."""
    return view("contract")


def _security_header(scheme_type: str) -> str:
    schemes = view()["components"]["securitySchemes"]
    names = [s["name"] for s in schemes.values() if s.get("type") == scheme_type and s.get("in") == "header"]
    if len(names) != 1:
        raise RuntimeError(f"the spec must declare exactly one {scheme_type} header scheme, found {names}")
    return str(names[0])


@functools.cache
def api_key_header() -> str:
    """The header that carries the API key: the spec's one apiKey-in-header security scheme."""
    return _security_header("apiKey")


@functools.cache
def webhook_secret_header() -> str:
    """The header every webhook delivery carries the account's secret in."""
    return str(view()["components"]["parameters"]["WebhookSecretHeader"]["name"])


@functools.cache
def server_urls() -> dict[str, str]:
    """Environment name -> base URL, from the spec's `servers` (named by their description's first word)."""
    urls: dict[str, str] = {}
    for server in view()["servers"]:
        name = str(server.get("description", "")).split(" ", 1)[0].rstrip(";,.").lower()
        urls[name] = str(server["url"]).rstrip("/")
    return urls


@functools.cache
def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (HTTP method in upper case, path template), for every path operation."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in view()["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and "operationId" in op:
                found[str(op["operationId"])] = (method.upper(), str(path))
    return found


def operation(operation_id: str) -> tuple[str, str]:
    """(HTTP method in upper case, path template) of an operation."""
    try:
        return operations()[operation_id]
    except KeyError:
        raise KeyError(f"no operation {operation_id!r} in the spec") from None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve(doc: dict[str, Any], pointer: str) -> Any:
    """The node at a JSON pointer (`/components/schemas/Order`) of `doc`, following a `$ref` at the end."""
    node: Any = doc
    for part in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        node = resolve(doc, node["$ref"][1:])
    return node


@functools.cache
def parameter_pointer(operation_id: str, name: str, view_name: str = "contract") -> str:
    """JSON pointer (within a view) to the schema of one parameter of an operation.

    Parameters given by `$ref` (components.parameters) point into components, where the rules
    overlay put their bounds.
    """
    method, path = operation(operation_id)
    doc = view(view_name)
    item = doc["paths"][path]
    places = (
        (f"/paths/{_escape(path)}/{method.lower()}", item[method.lower()].get("parameters", [])),
        (f"/paths/{_escape(path)}", item.get("parameters", [])),
    )
    for where, params in places:
        for index, param in enumerate(params):
            ref = param.get("$ref") if isinstance(param, dict) else None
            if isinstance(ref, str) and ref.startswith("#/"):
                if resolve(doc, ref[1:]).get("name") == name:
                    return f"{ref[1:]}/schema"
            elif param.get("name") == name:
                return f"{where}/parameters/{index}/schema"
    raise KeyError(f"{operation_id} has no parameter {name!r}")


def parameter_schema(operation_id: str, name: str, view_name: str = "contract") -> dict[str, Any]:
    """A copy of one parameter's schema, e.g. listOrders `size` (default 15, 1 to 250)."""
    return dict(resolve(view(view_name), parameter_pointer(operation_id, name, view_name)))


def example_value(name: str) -> Any:
    """A fresh copy of a named example from components.examples."""
    return copy.deepcopy(view()["components"]["examples"][name]["value"])


@functools.cache
def _docs_ids() -> dict[str, tuple[int, ...]]:
    ids: dict[str, dict[int, None]] = {kind: {} for kind in ("patients", "sites", "items", "kits")}
    for name, example in view()["components"]["examples"].items():
        body = example.get("value")
        if not name.endswith("Request") or not isinstance(body, dict):
            continue
        for field, kind in (("patient", "patients"), ("site", "sites")):
            ref = body.get(field)
            if isinstance(ref, dict) and isinstance(ref.get("id"), int):
                ids[kind][ref["id"]] = None
        for field, key, kind in (("orderItems", "item", "items"), ("orderKits", "kit", "kits")):
            for line in body.get(field) or []:
                ref = line.get(key) if isinstance(line, dict) else None
                if isinstance(ref, dict) and isinstance(ref.get("id"), int):
                    ids[kind][ref["id"]] = None
    return {kind: tuple(found) for kind, found in ids.items()}


def docs_ids() -> dict[str, list[int]]:
    """The patient, site, item and kit ids the docs' create examples name, by kind ("patients", ...)."""
    return {kind: list(found) for kind, found in _docs_ids().items()}
