"""Spec drift: what a server sends that the spec does not describe, but a tolerant client survives.

Undocumented status codes, enum values the spec does not list (every enum is open) and fields the
schema does not name. Drift is listed apart from hard failures; it fails a run only with
`--fail-on-drift` (always on against the embedded mock, which must match the spec exactly).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._spec import JSON, REF_PREFIX

# A page holds up to 250 orders: looking at the first few entries of each array finds the drift.
MAX_ITEMS_WALKED = 5


@dataclass(frozen=True, slots=True)
class Drift:
    kind: str  # "undocumented status" | "unknown enum value" | "unknown field"
    operation: str
    detail: str


def _resolve(spec: JSON, schema: Any) -> Any:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 20:
        ref: str = schema["$ref"]
        if not ref.startswith(REF_PREFIX):
            return {}
        schema = spec["components"]["schemas"].get(ref[len(REF_PREFIX) :], {})
        seen += 1
    return schema


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _fits(spec: JSON, schema: Any, value: Any) -> bool:
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    if declared is None:
        if "properties" in schema:
            declared = "object"
        elif "enum" in schema:
            declared = "string"
        else:
            return True
    names = declared if isinstance(declared, list) else [declared]
    if isinstance(value, bool):
        return "boolean" in names
    return any(isinstance(value, _PY_TYPES.get(name, ())) for name in names)


def walk(spec: JSON, schema: Any, value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """(kind, detail) for each unknown enum value or unknown field in `value` under `schema`."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branch = next((b for b in schema[key] if _fits(spec, b, value)), None)
            if branch is not None:
                yield from walk(spec, branch, value, path)
            return
    if "enum" in schema and isinstance(value, str) and value not in schema["enum"]:
        yield "unknown enum value", f"{path} = {value!r} (known: {', '.join(map(str, schema['enum']))})"
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        for name, item in value.items():
            if name not in properties:
                yield "unknown field", f"{path}.{name}"
            else:
                yield from walk(spec, properties[name], item, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value[:MAX_ITEMS_WALKED]):
            yield from walk(spec, schema["items"], item, f"{path}[{index}]")
