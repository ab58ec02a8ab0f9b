"""TypedDicts for every request body of the spec, written into the generated package by `make regen`.

openapi-python-client gives request bodies as attrs models only. A body written as a literal
dict is what most callers write, and a TypedDict lets a type checker catch a misspelt key or a
wrong value type in it (`{"patinet": {"id": 1}}`). Each schema reachable from a request body
becomes `<Schema>Param`: required properties are `Required[...]`, the rest may be left out;
`anyOf [X, null]` is `X | None`; a closed enumeration is a `Literal` of its values.
"""

from __future__ import annotations

import keyword
from typing import Any

from views import request_schemas

SCHEMA_REF = "#/components/schemas/"
SUFFIX = "Param"
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


class ParamsError(ValueError):
    """A request schema this generator cannot express as a TypedDict."""


def _type(schema: dict[str, Any], schemas: dict[str, Any], where: str) -> str:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.removeprefix(SCHEMA_REF)
        target = schemas[name]
        if "enum" in target:
            return "Literal[" + ", ".join(repr(value) for value in target["enum"]) + "]"
        return name + SUFFIX
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = list(dict.fromkeys(_type(branch, schemas, where) for branch in schema[key]))
            return " | ".join(part for part in parts if part != "None") + (" | None" if "None" in parts else "")
    if "enum" in schema:
        return "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
    kind = schema.get("type")
    if kind == "array":
        return f"list[{_type(schema.get('items', {}), schemas, where)}]"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind is None and not schema.keys() - {"description", "title"}:
        return "Any"
    raise ParamsError(f"{where}: cannot express {schema!r} as a TypedDict type")


def render(spec: dict[str, Any], stamp: str) -> str:
    """The module's source: one TypedDict per request-side object schema, in name order."""
    schemas = spec["components"]["schemas"]
    lines = [
        stamp.rstrip("\n"),
        '"""Request bodies as TypedDicts, for literal dicts a type checker can check (see scripts/typed_params.py)."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Literal, Required, TypedDict",
        "",
    ]
    names = sorted(name for name in request_schemas(spec) if "enum" not in schemas[name])
    for name in names:
        schema = schemas[name]
        if schema.get("type") != "object":
            raise ParamsError(f"{name}: a request schema must be an object to become a TypedDict")
        required = set(schema.get("required", []))
        lines += ["", "", f"class {name}{SUFFIX}(TypedDict, total=False):"]
        description = " ".join(str(schema.get("description", name)).split())
        lines.append(f'    """{description.replace(chr(34) * 3, "")}"""')
        lines.append("")
        for prop, sub in schema.get("properties", {}).items():
            if not prop.isidentifier() or keyword.iskeyword(prop):
                raise ParamsError(f"{name}.{prop}: not a Python identifier; a TypedDict class cannot name it")
            annotation = _type(sub, schemas, f"{name}.{prop}")
            lines.append(f"    {prop}: {f'Required[{annotation}]' if prop in required else annotation}")
    lines += ["", "", "__all__ = ["] + [f'    "{name}{SUFFIX}",' for name in names] + ["]", ""]
    return "\n".join(lines)
