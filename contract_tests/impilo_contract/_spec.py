"""The views of the spec the suite reads (through `impilo_spec`), and what it derives from them.

    accept    requests valid here must be accepted by every server: positive data comes from it
    docs      requests invalid here must be refused by every server: negative data comes from it
    contract  every rule this project applies, and the strict response schemas whose
              `x-impilo-assumed-sent` assumptions the suite reports on (never fails on)

The accept and docs views have relaxed responses (what the project only assumes is sent is
optional again there); the suite judges servers by those two only.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import impilo_spec

JSON = dict[str, Any]

REF_PREFIX = "#/components/schemas/"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ASSUMED_SENT = "x-impilo-assumed-sent"
SECRET_MARK = "x-impilo-secret"
RULE_MARK = "x-impilo-rule"
OPEN_SUFFIX = "Open"


def load_view(name: str) -> JSON:
    """A fresh copy of one view (callers may change it); `impilo_spec` reads each once."""
    return copy.deepcopy(impilo_spec.view(name))


def load_contract() -> JSON:
    """A fresh copy of the contract view."""
    return load_view("contract")


def iter_operations(spec: JSON) -> Iterator[tuple[str, str, JSON]]:
    """(METHOD, path, operation object) for every path operation."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def operation_label(method: str, path: str) -> str:
    """Label the way Schemathesis labels an operation: `GET /api/v3/order/{orderId}`."""
    return f"{method.upper()} {path}"


def label_of(operation_id: str) -> str:
    method, path = impilo_spec.operation(operation_id)
    return operation_label(method, path)


def operation_ids(spec: JSON) -> dict[str, str]:
    """Operation label -> operationId."""
    return {operation_label(m, p): str(op.get("operationId", "")) for m, p, op in iter_operations(spec)}


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


def request_schema_roots(spec: JSON) -> list[str]:
    """Component schemas named by any request body or parameter."""
    roots: list[str] = []
    for _, path, op in iter_operations(spec):
        roots.extend(_refs(op.get("requestBody", {})))
        roots.extend(_refs(op.get("parameters", [])))
        roots.extend(_refs(spec["paths"][path].get("parameters", [])))
    roots.extend(_refs(spec.get("components", {}).get("parameters", {})))
    return roots


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


def open_response_enums(spec: JSON) -> JSON:
    """`spec` with every enum *in responses* opened up; request enums stay as they are.

    The spec says every enumeration is open ("clients must keep an unknown value instead of
    failing"), so a 14th order status from a server is spec drift that the suite lists, not a
    schema violation. Enums shared with requests (ShippingOption, Sex) get an open copy
    (`<Name>Open`) that only response-side schemas point to.
    """
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    enums = enum_schemas(spec)
    request_side = reachable_schemas(spec, request_schema_roots(spec))
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


def _operation(spec: JSON, label: str) -> JSON | None:
    for method, path, op in iter_operations(spec):
        if operation_label(method, path) == label:
            return op
    return None


def response_schema(spec: JSON, label: str, status: int) -> JSON | None:
    """The JSON schema of a documented JSON response body, with `$ref`s left in place."""
    op = _operation(spec, label)
    if op is None:
        return None
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


def has_request_body(spec: JSON, label: str) -> bool:
    op = _operation(spec, label)
    return op is not None and "requestBody" in op


def path_parameters(spec: JSON, label: str) -> list[str]:
    """Names of the path parameters of an operation."""
    method, _, path = label.partition(" ")
    item = spec["paths"].get(path, {})
    op = item.get(method.lower(), {})
    names: list[str] = []
    for param in [*item.get("parameters", []), *op.get("parameters", [])]:
        if isinstance(param, dict) and "$ref" in param:
            param = impilo_spec.resolve(spec, param["$ref"][1:])
        if isinstance(param, dict) and param.get("in") == "path":
            names.append(str(param["name"]))
    return names


def request_examples(spec: JSON) -> list[JSON]:
    """The create-order request examples embedded in the spec (the docs' curl bodies)."""
    out: list[JSON] = []
    for name, example in spec.get("components", {}).get("examples", {}).items():
        if name.endswith("OrderRequest") and isinstance(example.get("value"), dict):
            out.append(copy.deepcopy(example["value"]))
    return out


def assumed_sent(spec: JSON) -> dict[str, list[str]]:
    """Schema name -> the fields this project assumes every server sends (required there)."""
    return {
        name: list(schema.get("required", []))
        for name, schema in spec["components"]["schemas"].items()
        if isinstance(schema, dict) and ASSUMED_SENT in schema
    }


def secret_fields(spec: JSON) -> set[str]:
    """Names of the body fields marked as secret (`x-impilo-secret`), request or response."""
    found: set[str] = set()
    stack: list[Any] = [spec["components"]["schemas"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get(SECRET_MARK):
                    found.add(str(name))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def rule_names(spec: JSON) -> set[str]:
    """Names of the rules (`x-impilo-rule`) a view carries."""
    found: set[str] = set()
    stack: list[Any] = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            rule = node.get(RULE_MARK)
            if isinstance(rule, dict) and isinstance(rule.get("name"), str):
                found.add(rule["name"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def open_rules() -> set[str]:
    """Rules the project applies that the docs leave open: in the contract view but not the docs view."""
    return rule_names(impilo_spec.view("contract")) - rule_names(impilo_spec.view("docs"))


def page_schema_name(spec: JSON, label: str) -> str | None:
    """The component name of a list operation's 200 body when it is a page (`content` + paging fields)."""
    schema = response_schema(spec, label, 200)
    if not schema or "$ref" not in schema:
        return None
    name = str(schema["$ref"])[len(REF_PREFIX) :]
    body = spec["components"]["schemas"].get(name, {})
    return name if {"content", "page", "size", "total"} <= set(body.get("properties", {})) else None
