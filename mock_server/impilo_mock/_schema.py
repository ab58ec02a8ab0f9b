"""The mock's own JSON Schema evaluator: a schema of the contract view, compiled once into closures.

The mock shares the spec with the client, never code: this is a second implementation of the
same declaration (the client checks with jsonschema; the tests run both over the rule table and
over generated bodies and require them to agree). It knows exactly the keywords the views use:

    $ref (local), type (a name or a list), properties, required, items, additionalProperties,
    anyOf, oneOf, allOf, enum, minimum, maximum, minItems, maxItems, pattern,
    format int32 / int64 (integer ranges) and date (YYYY-MM-DD)

plus annotations (description, title, default, examples, x-...). Any other keyword, a format it
does not know, a remote or recursive $ref, fails at compile time with SchemaCompileError: a
keyword silently ignored would be a rule silently dropped. Semantics are Draft 2020-12's (an
integer is a number with no fraction, so 1.0 is one; booleans are not numbers).

A violation is named as the client's evaluator names it (overlays/impilo/rules.py): by the
`x-impilo-rule` of the subschema whose keyword failed, else by the keyword ("type", "required",
"enum", ...); an out-of-range integer is always "format", and a wrong type or enum value beside
a tagged keyword is "type" / "enum", not the tag. An alternation (anyOf/oneOf) that fails is
reported under its rule; when the value fits exactly one alternative that declares a type (the
value has that type and every property it requires), what is wrong inside that alternative is
reported as well, so `{"patient": {"id": 0}}` names positive-id at `$.patient.id`. An untagged
`anyOf: [X, null]` reports what is wrong inside X. Where a value has the wrong type, only the
type is reported at that place.

Hostile values cannot blow it up: validation only goes as deep as the schema (no recursive
schemas), an array stops being checked once it has produced `ERROR_CAP` violations, and shown
values are cut short.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import impilo_spec

from ._schema_fast import is_date, validity_test

__all__ = ["ERROR_CAP", "SchemaCompileError", "Validator", "Violation", "compile_schema", "json_path", "shown"]

# Violations collected from one array (and reported from one value) before the rest is skipped.
ERROR_CAP = 50
RULE_KEY = "x-impilo-rule"
# What OpenAPI's integer formats allow (impilo_spec owns the ranges); JSON Schema alone does not check them.
INTEGER_FORMATS = impilo_spec.INTEGER_FORMATS
_ANNOTATIONS = frozenset({"description", "title", "default", "examples", "example", "deprecated", "readOnly"})
_SUPPORTED = frozenset(
    {
        "$ref", "type", "properties", "required", "items", "additionalProperties", "anyOf", "oneOf",
        "allOf", "enum", "minimum", "maximum", "minItems", "maxItems", "pattern", "format",
    }
)  # fmt: skip
_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})


class SchemaCompileError(ValueError):
    """The schema uses something this evaluator does not implement; it names the place and the keyword."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (a JSON path such as `$.orderItems[0].count`), which rule, and why."""

    path: str
    rule: str
    message: str


# A place in the value, built lazily: None is the root, else (parent, key). Turned into text only
# for a violation, so checking a valid body builds no strings.
_Path = tuple[Any, str | int] | None


class _Error:
    __slots__ = ("expected", "message", "path", "reason", "rule")

    def __init__(self, path: _Path, rule: str, message: str, reason: str, expected: str | None = None) -> None:
        self.path = path
        self.rule = rule
        self.message = message
        self.reason = reason  # a few words for an enclosing rule's message: "site is missing"
        self.expected = expected  # set on a type mismatch: the types the schema wanted


_Errors = Sequence[_Error]
_Check = Callable[[Any, _Path], _Errors]
_OK: _Errors = ()


def json_path(path: _Path) -> str:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in reversed(keys))


def _name(path: _Path) -> str:
    return "the body" if path is None else str(path[1])


def shown(value: Any) -> str:
    """A short rendering of a value for a message: a hostile body must not make a huge answer."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        # str() of a huge int is slow (and refused past 4300 digits): say how big it is instead.
        return (
            str(value)
            if value.bit_length() <= 128
            else f"an integer of about {int(value.bit_length() * 0.30103)} digits"
        )
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, list):
        return f"an array of {len(value)}" if value else "[]"
    if isinstance(value, dict):
        return f"an object with {len(value)} member(s)" if value else "{}"
    return type(value).__name__


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


def _is_number(value: Any) -> bool:
    # type() rather than isinstance: bool is an int subclass, and JSON's true is not a number.
    return type(value) is int or type(value) is float


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "number": _is_number,
    "integer": _is_integer,
    "string": lambda v: isinstance(v, str),
}
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "string": (str,),
}


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1, and containers compare member by member."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


@dataclass(frozen=True)
class _Rule:
    name: str
    message: str


# A keyword test on one value: None when it holds, else (message, reason). The reason is a few
# words for an enclosing rule's message, "{name}" standing for the value's property name.
_Test = Callable[[Any], "tuple[str, str] | None"]


class _Node:
    """A compiled schema: its check, and whether it (or its $ref target) declares a type."""

    __slots__ = ("check", "declares_type")

    def __init__(self, check: _Check, declares_type: bool) -> None:
        self.check = check
        self.declares_type = declares_type


_ACCEPT_ALL = _Node(lambda value, path: _OK, False)


class _Compiler:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.done: dict[str, _Node] = {}
        self.active: list[str] = []

    def ref(self, ref: Any, where: str) -> _Node:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise SchemaCompileError(f"{where}: only local $refs (#/...) are supported, got {ref!r}")
        if ref in self.done:
            return self.done[ref]
        if ref in self.active:
            raise SchemaCompileError(f"{where}: recursive $ref {ref} is not supported")
        target: Any = self.doc
        try:
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SchemaCompileError(f"{where}: $ref {ref} points nowhere") from None
        self.active.append(ref)
        try:
            node = self.node(target, ref)
        finally:
            self.active.pop()
        self.done[ref] = node
        return node

    def node(self, schema: Any, where: str) -> _Node:
        if schema is True:
            return _ACCEPT_ALL
        if not isinstance(schema, dict):
            raise SchemaCompileError(f"{where}: a schema must be an object or true, got {schema!r}")
        unknown = sorted(
            key for key in schema if key not in _SUPPORTED and key not in _ANNOTATIONS and not key.startswith("x-")
        )
        if unknown:
            raise SchemaCompileError(f"{where}: unsupported keyword(s) {', '.join(unknown)}")
        rule = self.rule(schema.get(RULE_KEY), where)
        parts: list[_Node] = []
        declares_type = "type" in schema
        if "$ref" in schema:
            target = self.ref(schema["$ref"], f"{where}/$ref")
            declares_type = declares_type or target.declares_type
            parts.append(target)
        types = self.types(schema, where)
        tests = self.tests(schema, where, rule)
        children = self.children(schema, where)
        alternations = [
            self.alternation(keyword, schema[keyword], f"{where}/{keyword}", rule)
            for keyword in ("anyOf", "oneOf")
            if keyword in schema
        ]
        for index, sub in enumerate(self.list_of(schema.get("allOf", []), f"{where}/allOf")):
            parts.append(self.node(sub, f"{where}/allOf/{index}"))
        if types is not None or tests or children is not None or alternations:
            parts.insert(0, _Node(_own_check(types, tests, children, alternations), declares_type))
        return _all_of(parts, declares_type)

    @staticmethod
    def rule(tag: Any, where: str) -> _Rule | None:
        if tag is None:
            return None
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str) or not isinstance(tag.get("message"), str):
            raise SchemaCompileError(f"{where}: {RULE_KEY} must be {{name, message}}, got {tag!r}")
        return _Rule(tag["name"], tag["message"])

    @staticmethod
    def list_of(value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise SchemaCompileError(f"{where}: must be a list")
        return value

    @staticmethod
    def types(schema: dict[str, Any], where: str) -> tuple[str, ...] | None:
        if "type" not in schema:
            return None
        given = schema["type"]
        names = tuple(given) if isinstance(given, list) else (given,)
        if not names or any(name not in _TYPES for name in names):
            raise SchemaCompileError(f"{where}: unsupported type {given!r}")
        return names

    def tests(self, schema: dict[str, Any], where: str, rule: _Rule | None) -> list[tuple[str, _Test, str | None]]:
        """The keywords that test the value itself: the rule name each reports, the test, the rule's message."""
        tests: list[tuple[str, _Test]] = []
        tagged = rule.name if rule else None
        if "enum" in schema:
            tests.append(("enum", _enum_test(self.list_of(schema["enum"], f"{where}/enum"))))
        if "format" in schema:
            tests.append(("format", _format_test(schema["format"], where)))
        for keyword, test in (("minimum", _minimum_test), ("maximum", _maximum_test)):
            if keyword in schema:
                bound = schema[keyword]
                if not _is_number(bound):
                    raise SchemaCompileError(f"{where}/{keyword}: must be a number")
                tests.append((tagged or keyword, test(bound)))
        if "pattern" in schema:
            try:
                tests.append((tagged or "pattern", _pattern_test(re.compile(schema["pattern"]))))
            except (re.error, TypeError) as exc:
                raise SchemaCompileError(f"{where}/pattern: {exc}") from None
        for keyword, count_test in (("minItems", _min_items_test), ("maxItems", _max_items_test)):
            if keyword in schema:
                count = schema[keyword]
                if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                    raise SchemaCompileError(f"{where}/{keyword}: must be a non-negative integer")
                tests.append((tagged or keyword, count_test(count)))
        if "required" in schema:
            names = self.list_of(schema["required"], f"{where}/required")
            if not all(isinstance(name, str) for name in names):
                raise SchemaCompileError(f"{where}/required: must list property names")
            if names:
                tests.append((tagged or "required", _required_test(tuple(names))))
        return [(name, test, rule.message if rule and name == rule.name else None) for name, test in tests]

    def children(self, schema: dict[str, Any], where: str) -> _Children | None:
        properties: dict[str, _Node] = {}
        if "properties" in schema:
            given = schema["properties"]
            if not isinstance(given, dict):
                raise SchemaCompileError(f"{where}/properties: must be an object")
            properties = {name: self.node(sub, f"{where}/properties/{name}") for name, sub in given.items()}
        items = None
        if "items" in schema:
            if isinstance(schema["items"], list):
                raise SchemaCompileError(f"{where}/items: the list form (prefixItems) is not supported")
            items = self.node(schema["items"], f"{where}/items")
        extra: _Node | bool = True
        if "additionalProperties" in schema:
            given_extra = schema["additionalProperties"]
            extra = given_extra if isinstance(given_extra, bool) else self.node(given_extra, f"{where}/ap")
        if not properties and items is None and extra is True:
            return None
        return _Children(properties, items, extra)

    def alternation(self, keyword: str, branches: Any, where: str, rule: _Rule | None) -> _Check:
        nodes = [self.node(sub, f"{where}/{i}") for i, sub in enumerate(self.list_of(branches, where))]
        if not nodes:
            raise SchemaCompileError(f"{where}: must not be empty")
        return _alternation(keyword, nodes, rule)


class _Children:
    __slots__ = ("extra", "items", "properties")

    def __init__(self, properties: dict[str, _Node], items: _Node | None, extra: _Node | bool) -> None:
        self.properties = properties
        self.items = items
        self.extra = extra


def _enum_test(options: list[Any]) -> _Test:
    listed = ", ".join(shown(option) for option in options)
    if all(isinstance(option, str) for option in options):
        allowed = frozenset(options)

        def string_enum(value: Any) -> tuple[str, str] | None:
            if isinstance(value, str) and value in allowed:
                return None
            return f"{shown(value)} is not one of {listed}", "{name} is not one of " + listed

        return string_enum

    def enum(value: Any) -> tuple[str, str] | None:
        if any(_json_equal(value, option) for option in options):
            return None
        return f"{shown(value)} is not one of {listed}", "{name} is not one of " + listed

    return enum


def _format_test(name: Any, where: str) -> _Test:
    if name in INTEGER_FORMATS:
        low, high = INTEGER_FORMATS[name]

        def integer_range(value: Any) -> tuple[str, str] | None:
            if not _is_number(value) or low <= value <= high:
                return None
            return f"{shown(value)} is out of range for {name}", "{name} is out of range"

        return integer_range
    if name == "date":

        def date(value: Any) -> tuple[str, str] | None:
            if not isinstance(value, str) or is_date(value):
                return None
            return f"{shown(value)} is not a date (YYYY-MM-DD)", "{name} is not a date"

        return date
    raise SchemaCompileError(f"{where}/format: unsupported format {name!r}")


def _minimum_test(bound: float) -> _Test:
    def minimum(value: Any) -> tuple[str, str] | None:
        if not _is_number(value) or value >= bound:
            return None
        return f"got {shown(value)}, the minimum is {bound}", f"{{name}} is below {bound}"

    return minimum


def _maximum_test(bound: float) -> _Test:
    def maximum(value: Any) -> tuple[str, str] | None:
        if not _is_number(value) or value <= bound:
            return None
        return f"got {shown(value)}, the maximum is {bound}", f"{{name}} is above {bound}"

    return maximum


def _pattern_test(pattern: re.Pattern[str]) -> _Test:
    def matches(value: Any) -> tuple[str, str] | None:
        if not isinstance(value, str) or pattern.search(value):
            return None
        return f"{shown(value)} does not match {pattern.pattern!r}", "{name} does not match its pattern"

    return matches


def _min_items_test(count: int) -> _Test:
    def min_items(value: Any) -> tuple[str, str] | None:
        if not isinstance(value, list) or len(value) >= count:
            return None
        return (
            f"{shown(value)} has fewer than {count} entries",
            "{name} is empty" if not value else "{name} is too short",
        )

    return min_items


def _max_items_test(count: int) -> _Test:
    def max_items(value: Any) -> tuple[str, str] | None:
        if not isinstance(value, list) or len(value) <= count:
            return None
        return f"{shown(value)} has more than {count} entries", "{name} is too long"

    return max_items


def _required_test(names: tuple[str, ...]) -> _Test:
    wanted = frozenset(names)

    def required(value: Any) -> tuple[str, str] | None:
        if not isinstance(value, dict) or wanted <= value.keys():
            return None
        missing = [name for name in names if name not in value]
        if not missing:
            return None
        listed = " and ".join(missing)
        return f"{listed} {'is' if len(missing) == 1 else 'are'} required", " and ".join(
            f"{m} is missing" for m in missing
        )

    return required


def _type_test(types: tuple[str, ...]) -> Callable[[Any], bool]:
    if len(types) == 1:
        return _TYPE_TESTS[types[0]]
    if all(name in _PYTHON_TYPES for name in types):
        python_types = tuple(t for name in types for t in _PYTHON_TYPES[name])
        # bool is an int in Python, but no JSON type here lets an int through, so isinstance is exact.
        return lambda value: isinstance(value, python_types)
    tests = [_TYPE_TESTS[name] for name in types]
    return lambda value: any(test(value) for test in tests)


def _own_check(
    types: tuple[str, ...] | None,
    tests: list[tuple[str, _Test, str | None]],
    children: _Children | None,
    alternations: list[_Check],
) -> _Check:
    """One closure for the keywords of one schema object (the $ref and allOf parts are added beside it)."""
    type_ok = _type_test(types) if types is not None else None
    expected = " or ".join(types) if types is not None else ""
    properties = [(name, node.check) for name, node in children.properties.items()] if children else []
    items = children.items.check if children and children.items else None
    extra: _Check | bool = True
    if children and children.extra is not True:
        extra = children.extra if children.extra is False else children.extra.check
    known = frozenset(children.properties) if children else frozenset()

    def check(value: Any, path: _Path) -> _Errors:
        if type_ok is not None and not type_ok(value):
            message = f"{shown(value)} is not of type {expected}"
            return [_Error(path, "type", message, f"{_name(path)} is {_type_name(value)}", expected)]
        errors: list[_Error] | None = None
        for rule, test, rule_message in tests:
            failed = test(value)
            if failed is not None:
                message = failed[0] if rule_message is None else f"{rule_message} ({failed[0]})"
                if errors is None:
                    errors = []
                errors.append(_Error(path, rule, message, failed[1].replace("{name}", _name(path))))
        if properties and isinstance(value, dict):
            for name, sub in properties:
                if name in value:
                    found = sub(value[name], (path, name))
                    if found:
                        errors = [*(errors or ()), *found]
        if extra is not True and isinstance(value, dict):
            for key in value:
                if key not in known:
                    if extra is False:
                        message = f"{shown(key)} is not a property this object may have"
                        errors = [*(errors or ()), _Error(path, "additionalProperties", message, "unknown property")]
                    else:
                        found = extra(value[key], (path, key))
                        if found:
                            errors = [*(errors or ()), *found]
                    if errors and len(errors) >= ERROR_CAP:
                        break
        if items is not None and isinstance(value, list):
            for index, entry in enumerate(value):
                found = items(entry, (path, index))
                if found:
                    errors = [*(errors or ()), *found]
                    if len(errors) >= ERROR_CAP:
                        break
        for alternation in alternations:
            found = alternation(value, path)
            if found:
                errors = [*(errors or ()), *found]
        return errors or _OK

    return check


def _all_of(parts: list[_Node], declares_type: bool) -> _Node:
    if not parts:
        return _ACCEPT_ALL
    if len(parts) == 1:
        only = parts[0]
        return only if only.declares_type == declares_type else _Node(only.check, declares_type)
    checks = [part.check for part in parts]

    def all_of(value: Any, path: _Path) -> _Errors:
        errors: list[_Error] | None = None
        for check in checks:
            found = check(value, path)
            if found:
                errors = [*(errors or ()), *found]
        return errors or _OK

    return _Node(all_of, declares_type)


def _is_root_type_mismatch(errors: _Errors, path: _Path) -> bool:
    return any(error.expected is not None and error.path is path for error in errors)


def _alternation(keyword: str, nodes: list[_Node], rule: _Rule | None) -> _Check:
    checks = [node.check for node in nodes]
    typed = [node.declares_type for node in nodes]

    def report(value: Any, path: _Path, failures: list[_Errors]) -> _Errors:
        """All alternatives failed: the errors to report (see the module docstring)."""
        candidates = [i for i, errors in enumerate(failures) if not _is_root_type_mismatch(errors, path)]
        fitting = [i for i in candidates if typed[i] and all(error.path is not path for error in failures[i])]
        inside: _Errors = failures[fitting[0]] if len(fitting) == 1 else _OK
        if rule is None:
            if len(candidates) == 1:
                return failures[candidates[0]]
            if not candidates:
                wanted = " or ".join(dict.fromkeys(e.expected or "" for errs in failures for e in errs if e.expected))
                message = f"{shown(value)} is not of type {wanted}"
                return [_Error(path, "type", message, f"{_name(path)} is {_type_name(value)}", wanted)]
            message = f"{shown(value)} fits none of the {len(checks)} alternatives"
            return [_Error(path, keyword, message, "fits no alternative"), *inside]
        reasons = list(dict.fromkeys(error.reason for errors in failures for error in errors))
        detail = ("neither was" if len(checks) == 2 else "none was") + (
            f": {', '.join(reasons[:4])}" if reasons else ""
        )
        return [_Error(path, rule.name, f"{rule.message} ({detail})", rule.message), *inside]

    if keyword == "anyOf":

        def any_of(value: Any, path: _Path) -> _Errors:
            failures: list[_Errors] = []
            for check in checks:
                errors = check(value, path)
                if not errors:
                    return _OK
                failures.append(errors)
            return report(value, path, failures)

        return any_of

    def one_of(value: Any, path: _Path) -> _Errors:
        failures: list[_Errors] = []
        passed = 0
        for check in checks:
            errors = check(value, path)
            if errors:
                failures.append(errors)
            else:
                passed += 1
        if passed == 1:
            return _OK
        if passed == 0:
            return report(value, path, failures)
        name = rule.name if rule else "oneOf"
        several = "both were" if len(checks) == 2 and passed == 2 else "more than one was"
        message = f"{rule.message} ({several})" if rule else f"{shown(value)} fits {passed} alternatives, not one"
        return [_Error(path, name, message, several)]

    return one_of


class Validator:
    """A compiled schema: `violations(value)` lists what is wrong, most structural first."""

    def __init__(self, node: _Node, holds: Callable[[Any], bool], where: str) -> None:
        self._check = node.check
        self._holds = holds  # the generated yes/no test (_schema_fast): asked first
        self.where = where

    def __repr__(self) -> str:
        return f"Validator({self.where!r})"

    def is_valid(self, value: Any) -> bool:
        return self._holds(value)

    def violations(self, value: Any, *, limit: int = ERROR_CAP) -> list[Violation]:
        """What is wrong with `value` (parsed JSON): at most `limit`, repeats and shadowed ones dropped."""
        if self._holds(value):
            return []
        errors = self._check(value, None)
        if not errors:  # the two implementations here disagree: say so rather than accept
            return [Violation("$", "schema", "the value fails the schema, but no rule could be named")]
        found = {
            (json_path(error.path), error.rule, error.message): (error.path, error.expected is not None)
            for error in errors
        }
        # A value of the wrong type fails nothing else at its place: the type error says it all.
        mistyped = {path for (path, rule, _), (_, is_type) in found.items() if is_type}
        kept = [
            Violation(path, rule, message)
            for (path, rule, message), (_, is_type) in found.items()
            if is_type or path not in mistyped
        ]
        kept.sort(key=lambda v: v.path.count(".") + v.path.count("["))
        return kept[:limit]


def compile_schema(doc: dict[str, Any], pointer: str) -> Validator:
    """The schema at `pointer` (e.g. `/components/schemas/OrderCreateRequest`) of `doc`, compiled.

    Raises SchemaCompileError naming the place of anything the evaluator does not implement.
    """
    compiler = _Compiler(doc)
    node = compiler.ref("#" + pointer, pointer)
    return Validator(node, validity_test(doc, pointer, _json_equal), pointer)
