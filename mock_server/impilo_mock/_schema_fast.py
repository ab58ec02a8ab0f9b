"""A schema's yes/no validity test, generated once as Python source: what `_schema` asks first.

`_schema`'s closures say *what* is wrong, with paths and rule names, and cost a call per
keyword; most bodies a server sees are valid, and for those only the verdict matters. So the
same schema is also turned into plain Python (one function per $ref target and per
alternative, checks inline, no paths, no error lists) and compiled with `compile()`; a valid
create body then costs a few microseconds. The test is exact (True exactly when the schema
holds: 1.0 is an integer, true is not, as in `_schema`), which the tests check against the
closures on generated bodies. Only the keywords `_schema` knows are here; it compiles a schema
first, so anything unsupported has already failed loudly there.

The source holds no text from the schema: constants (enum sets, property names, patterns) are
passed in by name, so nothing in a spec can turn into code.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import impilo_spec

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MISSING = object()

_TYPE_TESTS = {
    "null": "{x} is None",
    "boolean": "type({x}) is bool",
    "object": "isinstance({x}, dict)",
    "array": "isinstance({x}, list)",
    "string": "type({x}) is str",
    "number": "type({x}) in _NUMBERS",
    "integer": "(type({x}) is int or (type({x}) is float and {x}.is_integer()))",
}


def is_date(text: str) -> bool:
    """Whether `text` is a calendar date written YYYY-MM-DD (format `date`, as the spec uses it)."""
    if not _DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class _Generator:
    def __init__(self, doc: dict[str, Any], json_equal: Callable[[Any, Any], bool]) -> None:
        self.doc = doc
        self.functions: list[list[str]] = []
        self.by_ref: dict[str, str] = {}
        self.constants: dict[str, Any] = {
            "_MISSING": _MISSING,
            "_NUMBERS": (int, float),
            "_is_date": is_date,
            "_json_equal": json_equal,
        }
        self.names = 0

    def fresh(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any) -> str:
        name = self.fresh("c")
        self.constants[name] = value
        return name

    def resolve(self, ref: str) -> Any:
        target: Any = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
        return target

    def ref_function(self, ref: str) -> str:
        if ref not in self.by_ref:
            name = self.fresh("ref")
            self.by_ref[ref] = name  # set before the body: a recursive schema never gets here (_schema refuses it)
            self.function(name, self.resolve(ref))
        return self.by_ref[ref]

    def function(self, name: str, schema: Any) -> None:
        lines = [f"def {name}(v):"]
        self.emit(schema, "v", lines, 1)
        lines.append("    return True")
        self.functions.append(lines)

    def branch(self, schema: Any) -> str:
        """An expression template (with {x}) true when `schema` holds for {x}."""
        if isinstance(schema, dict) and set(schema) == {"type"} and isinstance(schema["type"], str):
            return _TYPE_TESTS[schema["type"]]
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and _only_annotations(schema, "$ref"):
            return self.ref_function(schema["$ref"]) + "({x})"
        name = self.fresh("alt")
        self.function(name, schema)
        return name + "({x})"

    def emit(self, schema: Any, x: str, lines: list[str], depth: int) -> None:
        pad = "    " * depth

        def fail_unless(condition: str) -> None:
            lines.append(f"{pad}if not ({condition}): return False")

        if schema is True:
            return
        if "$ref" in schema:
            fail_unless(self.ref_function(schema["$ref"]) + f"({x})")
        given = schema.get("type")
        types = tuple(given) if isinstance(given, list) else (given,) if given is not None else ()
        if types:
            fail_unless(" or ".join(_TYPE_TESTS[t].format(x=x) for t in types))
        only = types[0] if len(types) == 1 else None
        if "enum" in schema:
            options = list(schema["enum"])
            if all(type(option) is str for option in options):
                fail_unless(f"type({x}) is str and {x} in {self.constant(frozenset(options))}")
            else:
                fail_unless(f"any(_json_equal({x}, o) for o in {self.constant(options)})")
        numeric: list[str] = []
        low, high = impilo_spec.INTEGER_FORMATS.get(schema.get("format", ""), (None, None))
        if low is not None:
            numeric.append(f"{self.constant(low)} <= {x} <= {self.constant(high)}")
        if "minimum" in schema:
            numeric.append(f"{x} >= {self.constant(schema['minimum'])}")
        if "maximum" in schema:
            numeric.append(f"{x} <= {self.constant(schema['maximum'])}")
        self.guarded(numeric, f"type({x}) in _NUMBERS", only in ("integer", "number"), x, lines, pad)
        text: list[str] = []
        if schema.get("format") == "date":
            text.append(f"_is_date({x})")
        if "pattern" in schema:
            text.append(f"{self.constant(re.compile(schema['pattern']))}.search({x})")
        self.guarded(text, f"type({x}) is str", only == "string", x, lines, pad)
        self.array(schema, x, lines, depth, only == "array")
        self.object(schema, x, lines, depth, only == "object")
        for part in schema.get("allOf", []):
            self.emit(part, x, lines, depth)
        if "anyOf" in schema:
            branches = schema["anyOf"]
            nullable = len(branches) == 2 and branches[1] == {"type": "null"}
            if nullable and isinstance(branches[0], dict):
                # The nullable field, `anyOf: [X, {type: null}]`: X inline unless the value is null.
                lines.append(f"{pad}if {x} is not None:")
                before = len(lines)
                self.emit(branches[0], x, lines, depth + 1)
                if len(lines) == before:
                    lines.append(f"{pad}    pass")
            else:
                fail_unless(" or ".join(self.branch(b).format(x=x) for b in branches))
        if "oneOf" in schema:
            fail_unless(" + ".join(f"bool({self.branch(b).format(x=x)})" for b in schema["oneOf"]) + " == 1")

    @staticmethod
    def guarded(conditions: list[str], guard: str, known: bool, x: str, lines: list[str], pad: str) -> None:
        """Conditions that only apply to one JSON type: as is when the type is declared, else behind a test."""
        if not conditions:
            return
        joined = " and ".join(conditions)
        if known:
            lines.append(f"{pad}if not ({joined}): return False")
        else:
            lines.append(f"{pad}if {guard} and not ({joined}): return False")

    def array(self, schema: dict[str, Any], x: str, lines: list[str], depth: int, known: bool) -> None:
        if not ({"minItems", "maxItems", "items"} & set(schema)):
            return
        pad = "    " * depth
        if not known:
            lines.append(f"{pad}if isinstance({x}, list):")
            depth += 1
            pad = "    " * depth
        start = len(lines)
        if "minItems" in schema:
            lines.append(f"{pad}if len({x}) < {self.constant(schema['minItems'])}: return False")
        if "maxItems" in schema:
            lines.append(f"{pad}if len({x}) > {self.constant(schema['maxItems'])}: return False")
        if "items" in schema and schema["items"] is not True:
            entry = self.fresh("e")
            lines.append(f"{pad}for {entry} in {x}:")
            before = len(lines)
            self.emit(schema["items"], entry, lines, depth + 1)
            if len(lines) == before:
                lines.append(f"{pad}    pass")
        if len(lines) == start:
            lines.append(f"{pad}pass")

    def object(self, schema: dict[str, Any], x: str, lines: list[str], depth: int, known: bool) -> None:
        if not ({"required", "properties", "additionalProperties"} & set(schema)):
            return
        pad = "    " * depth
        if not known:
            lines.append(f"{pad}if isinstance({x}, dict):")
            depth += 1
            pad = "    " * depth
        start = len(lines)
        if schema.get("required"):
            lines.append(f"{pad}if not ({self.constant(frozenset(schema['required']))} <= {x}.keys()): return False")
        properties = schema.get("properties", {})
        for name, sub in properties.items():
            value = self.fresh("p")
            lines.append(f"{pad}{value} = {x}.get({self.constant(name)}, _MISSING)")
            lines.append(f"{pad}if {value} is not _MISSING:")
            before = len(lines)
            self.emit(sub, value, lines, depth + 1)
            if len(lines) == before:
                lines.append(f"{pad}    pass")
        extra = schema.get("additionalProperties", True)
        if extra is not True:
            known_names = self.constant(frozenset(properties))
            if extra is False:
                lines.append(f"{pad}if not ({x}.keys() <= {known_names}): return False")
            else:
                key, value = self.fresh("k"), self.fresh("p")
                lines.append(f"{pad}for {key}, {value} in {x}.items():")
                lines.append(f"{pad}    if {key} not in {known_names}:")
                before = len(lines)
                self.emit(extra, value, lines, depth + 2)
                if len(lines) == before:
                    lines.append(f"{pad}        pass")
        if len(lines) == start:
            lines.append(f"{pad}pass")


def _only_annotations(schema: dict[str, Any], keep: str) -> bool:
    return all(key == keep or key.startswith("x-") or key in ("description", "title") for key in schema)


def validity_test(doc: dict[str, Any], pointer: str, json_equal: Callable[[Any, Any], bool]) -> Callable[[Any], bool]:
    """`test(value)`: whether the schema at `pointer` of `doc` holds for `value` (parsed JSON)."""
    generator = _Generator(doc, json_equal)
    entry = generator.ref_function("#" + pointer)
    source = "\n\n".join("\n".join(lines) for lines in generator.functions)
    namespace: dict[str, Any] = dict(generator.constants)
    exec(compile(source, f"<impilo_mock schema {pointer}>", "exec"), namespace)
    test: Callable[[Any], bool] = namespace[entry]
    return test
