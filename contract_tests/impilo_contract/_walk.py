"""Walks a JSON value alongside its schema: every object, enum and array entry, with its JSON path and
the component names it was reached through. Drift and the response assumptions both read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._spec import JSON, REF_PREFIX

# A page holds up to 250 entries: looking at the first few of each array finds what there is to find.
MAX_ITEMS_WALKED = 5
MAX_REF_DEPTH = 20

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


@dataclass(frozen=True, slots=True)
class Node:
    path: str
    value: Any
    # The schema with `$ref`s followed and `allOf` merged.
    schema: JSON
    # Component schemas this node was reached through (ItemDetail is also an Item).
    names: tuple[str, ...]


def _deref(spec: JSON, schema: Any) -> tuple[Any, tuple[str, ...]]:
    names: list[str] = []
    for _ in range(MAX_REF_DEPTH):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        ref: str = schema["$ref"]
        if not ref.startswith(REF_PREFIX):
            return {}, tuple(names)
        name = ref[len(REF_PREFIX) :]
        names.append(name)
        schema = spec["components"]["schemas"].get(name, {})
    return schema, tuple(names)


# (id(spec), id(schema)) -> (spec, schema, result): every response walks the same few hundred
# schemas, so each is resolved once. The objects are kept, so an id is never reused meanwhile.
_RESOLVED: dict[tuple[int, int], tuple[Any, Any, tuple[JSON, tuple[str, ...]]]] = {}
_MAX_RESOLVED = 20_000


def resolved(spec: JSON, schema: Any) -> tuple[JSON, tuple[str, ...]]:
    """`schema` with refs followed and `allOf` branches merged into one object schema."""
    key = (id(spec), id(schema))
    hit = _RESOLVED.get(key)
    if hit is not None and hit[0] is spec and hit[1] is schema:
        return hit[2]
    result = _resolve(spec, schema)
    if len(_RESOLVED) >= _MAX_RESOLVED:
        _RESOLVED.clear()
    _RESOLVED[key] = (spec, schema, result)
    return result


def _resolve(spec: JSON, schema: Any) -> tuple[JSON, tuple[str, ...]]:
    schema, names = _deref(spec, schema)
    if not isinstance(schema, dict):
        return {}, names
    if "allOf" not in schema:
        return schema, names
    merged: JSON = {key: value for key, value in schema.items() if key != "allOf"}
    properties: JSON = dict(merged.get("properties", {}))
    required: list[str] = list(merged.get("required", []))
    all_names = list(names)
    for branch in schema["allOf"]:
        sub, sub_names = resolved(spec, branch)
        all_names.extend(sub_names)
        properties.update(sub.get("properties", {}))
        required.extend(r for r in sub.get("required", []) if r not in required)
        for key, value in sub.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged, tuple(dict.fromkeys(all_names))


def fits(spec: JSON, schema: Any, value: Any) -> bool:
    """Whether `value` has the JSON type `schema` declares (no deeper validation)."""
    schema, _ = resolved(spec, schema)
    declared = schema.get("type")
    if declared is None:
        if "properties" in schema:
            declared = "object"
        elif "enum" in schema:
            declared = "string"
        elif "anyOf" in schema or "oneOf" in schema:
            return any(fits(spec, branch, value) for branch in schema.get("anyOf", schema.get("oneOf", [])))
        else:
            return True
    kinds = declared if isinstance(declared, list) else [declared]
    if isinstance(value, bool):
        return "boolean" in kinds
    return any(isinstance(value, _PY_TYPES.get(kind, ())) for kind in kinds)


def walk(spec: JSON, schema: Any, value: Any, path: str = "$", names: tuple[str, ...] = ()) -> Iterator[Node]:
    """Every node of `value` under `schema`, parents before children."""
    schema, more = resolved(spec, schema)
    names = names + more
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branch = next((b for b in schema[key] if fits(spec, b, value)), None)
            if branch is not None:
                yield from walk(spec, branch, value, path, names)
            return
    yield Node(path, value, schema, names)
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        for name, item in value.items():
            if name in properties:
                yield from walk(spec, properties[name], item, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value[:MAX_ITEMS_WALKED]):
            yield from walk(spec, schema["items"], item, f"{path}[{index}]")
