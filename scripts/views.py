"""The views of the spec that `make regen` ships, each built from openapi.yaml and the overlays.

    openapi   the spec as written (what the generator reads)
    contract  openapi + every rule of overlays/rules.overlay.yaml: what the client and the mock refuse
    docs      openapi + only the rules the docs decide (`x-impilo-server: refuse`), with the
              scalar constraints of requests taken out, responses relaxed: a request invalid
              here is one every server must refuse
    accept    contract + overlays/accept.overlay.yaml, responses relaxed: a request valid here is
              one every server must accept

"Relaxed" undoes this project's assumptions about responses: a schema marked
`x-impilo-assumed-sent` loses its `required` list and each of those fields may be null again,
as the docs render them; a schema marked `x-impilo-assumed-shape` (the Error body, which the
docs do not give at all) takes any JSON value. The contract suite judges servers by the two relaxed views only.

Why the docs view drops the scalar constraints of requests (types, formats, enums, bounds of
strings, numbers and booleans, in bodies and query parameters): the docs give each field's type,
but never say a server refuses a value it can read another way. Many servers take `"10"` for a
count of 10, or clamp a page size; that is a choice, not a breach. What stays is structure the
docs do decide: objects and lists, `required`, and the cross-field rules. Path parameters keep
their types: a value that is not an id names no record, so every server refuses it.
"""

from __future__ import annotations

import copy
from typing import Any

from overlay import apply_overlay

ASSUMED_SENT = "x-impilo-assumed-sent"
ASSUMED_SHAPE = "x-impilo-assumed-shape"
SERVER_KEY = "x-impilo-server"
VIEW_NAMES = ("openapi", "contract", "docs", "accept")
SCHEMA_REF = "#/components/schemas/"
SCALAR_TYPES = frozenset({"integer", "number", "string", "boolean"})
SCALAR_KEYWORDS = (
    "format", "enum", "const", "pattern", "minLength", "maxLength",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
)  # fmt: skip


def schema_refs(node: Any) -> set[str]:
    """The component schemas a node of the spec names by `$ref`, at any depth."""
    return _refs(node)


def closure(schemas: dict[str, Any], roots: set[str]) -> set[str]:
    """`roots` and every component schema they reach through `$ref`s."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
                found.add(ref[len(SCHEMA_REF) :])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def request_schemas(doc: dict[str, Any]) -> set[str]:
    """Component schemas reachable from any request body."""
    roots = {name for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)
             for name in _refs(op.get("requestBody", {}))}  # fmt: skip
    return closure(doc["components"]["schemas"], roots)


def _untyped_scalars(schema: Any) -> Any:
    """A schema with the constraints on scalar values removed, at every depth (refs are not followed)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {name: _untyped_scalars(sub) for name, sub in value.items()}
        elif key in ("allOf", "anyOf", "oneOf", "prefixItems") and isinstance(value, list):
            out[key] = [_untyped_scalars(sub) for sub in value]
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _untyped_scalars(value)
        else:
            out[key] = value
    if out.get("type") in SCALAR_TYPES or "enum" in out:
        out.pop("type", None)
        for keyword in SCALAR_KEYWORDS:
            out.pop(keyword, None)
    return out


def docs_decided(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the scalar constraints of request bodies and query parameters taken out."""
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    for name in request_schemas(doc):
        schemas[name] = _untyped_scalars(schemas[name])
    parameters = [p for p in doc["components"].get("parameters", {}).values()]
    for item in doc["paths"].values():
        parameters += item.get("parameters", [])
        parameters += [p for op in item.values() if isinstance(op, dict) for p in op.get("parameters", [])]
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("in") == "query" and "schema" in parameter:
            parameter["schema"] = _untyped_scalars(parameter["schema"])
    return doc


def only_refusals(overlay: dict[str, Any]) -> dict[str, Any]:
    """The overlay with just the actions whose rule every server must enforce."""
    kept = [action for action in overlay["actions"] if action.get(SERVER_KEY) == "refuse"]
    return {**overlay, "actions": kept}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in schema and {"type": "null"} in schema["anyOf"]:
        return schema
    annotations = {k: v for k, v in schema.items() if k in ("description", "title")}
    core = {k: v for k, v in schema.items() if k not in annotations}
    return {**annotations, "anyOf": [core, {"type": "null"}]}


def relaxed(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with every response field this project assumes is sent made optional and nullable again,
    and every shape it assumes whole (the Error body) allowed to be any JSON value."""
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        if isinstance(schema, dict) and ASSUMED_SHAPE in schema:
            schemas[name] = {key: schema[key] for key in ("description", ASSUMED_SHAPE) if key in schema}
    for schema in schemas.values():
        if not isinstance(schema, dict) or ASSUMED_SENT not in schema:
            continue
        properties = schema.get("properties", {})
        for name in schema.pop("required", []):
            if name in properties:
                properties[name] = _nullable(properties[name])
    return doc


def build(spec: dict[str, Any], rules: dict[str, Any], accept: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every view, by name (see the module docstring). Raises overlay.OverlayError on a bad overlay."""
    contract = apply_overlay(spec, rules)
    refusals = only_refusals(rules)
    docs = docs_decided(relaxed(apply_overlay(spec, refusals) if refusals["actions"] else spec))
    return {
        "openapi": spec,
        "contract": contract,
        "docs": docs,
        "accept": relaxed(apply_overlay(contract, accept)),
    }
