"""The contract view of the spec (openapi.yaml + the rules overlay) and what the suite derives from it.

The suite reads the contract view shipped as package data by `make regen`, never openapi.yaml itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from impilo.spec import contract_view

JSON = dict[str, Any]

REF_PREFIX = "#/components/schemas/"
# Request-side schemas keep their closed enums: a client must send a known value.
REQUEST_ROOT = "OrderCreateRequest"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def load_contract() -> JSON:
    """A fresh copy of the contract view (callers may change it); `impilo.spec` reads it once."""
    return copy.deepcopy(contract_view())


def iter_operations(spec: JSON) -> Iterator[tuple[str, str, JSON]]:
    """(METHOD, path, operation object) for every operation."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def operation_label(method: str, path: str) -> str:
    """Label the way Schemathesis labels an operation: `GET /api/v3/order/{orderId}`."""
    return f"{method.upper()} {path}"


def documented_statuses(spec: JSON) -> dict[str, set[str]]:
    """Operation label -> documented response keys ("201", "5XX", "default")."""
    return {
        operation_label(m, p): {str(code).upper() for code in op.get("responses", {})}
        for m, p, op in iter_operations(spec)
    }


def is_documented(status: int, documented: set[str]) -> bool:
    return str(status) in documented or f"{str(status)[0]}XX" in documented or "DEFAULT" in documented


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            yield ref[len(REF_PREFIX) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def reachable_schemas(spec: JSON, roots: list[str]) -> set[str]:
    schemas = spec["components"]["schemas"]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return seen


def response_schema_roots(spec: JSON) -> list[str]:
    """Component schemas named directly by any response (operations' and components.responses')."""
    roots: list[str] = []
    for _, _, op in iter_operations(spec):
        roots.extend(_refs(op.get("responses", {})))
    roots.extend(_refs(spec.get("components", {}).get("responses", {})))
    return roots


def enum_schemas(spec: JSON) -> dict[str, list[Any]]:
    """Named enum schemas -> their known values."""
    return {
        name: list(schema["enum"])
        for name, schema in spec["components"]["schemas"].items()
        if isinstance(schema, dict) and "enum" in schema
    }


OPEN_SUFFIX = "Open"


def open_response_enums(spec: JSON) -> JSON:
    """The contract view with every enum *in responses* opened up; request enums stay closed.

    The spec says every enumeration is open ("clients must keep an unknown value instead of
    failing"), so a 14th order status from a server is spec drift that the suite lists, not a
    schema violation. Enums shared with the request (ShippingOption, Sex) get an open copy
    (`<Name>Open`) that only response-side schemas point to.
    """
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    enums = enum_schemas(spec)
    request_side = reachable_schemas(spec, [REQUEST_ROOT])
    response_side = reachable_schemas(spec, response_schema_roots(spec))
    for name, values in enums.items():
        opened = {key: value for key, value in schemas[name].items() if key != "enum"}
        opened["x-impilo-known-values"] = values
        schemas[name + OPEN_SUFFIX] = opened
    for name in response_side - request_side:
        _retarget_enum_refs(schemas[name], set(enums))
    return spec


def _retarget_enum_refs(node: Any, enum_names: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX) and ref[len(REF_PREFIX) :] in enum_names:
            node["$ref"] = ref + OPEN_SUFFIX
        for value in node.values():
            _retarget_enum_refs(value, enum_names)
    elif isinstance(node, list):
        for value in node:
            _retarget_enum_refs(value, enum_names)


def response_schema(spec: JSON, label: str, status: int) -> JSON | None:
    """The JSON schema of a documented JSON response body, with `$ref`s left in place."""
    for method, path, op in iter_operations(spec):
        if operation_label(method, path) != label:
            continue
        responses = op.get("responses", {})
        entry = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        if entry is None:
            return None
        if "$ref" in entry:
            entry = spec["components"]["responses"][entry["$ref"].rsplit("/", 1)[-1]]
        content = entry.get("content", {}).get("application/json")
        if content is None:
            return None
        schema: JSON = content.get("schema", {})
        return schema
    return None


def request_examples(spec: JSON) -> list[JSON]:
    """The create-request examples embedded in the spec (the docs' curl bodies)."""
    out: list[JSON] = []
    for name, example in spec.get("components", {}).get("examples", {}).items():
        if name.endswith("Request") and isinstance(example.get("value"), dict):
            out.append(example["value"])
    return out
