"""Query and path parameters, read and checked against their schemas in the contract view.

Each operation's parameters are compiled once (the mock's own evaluator, `_schema`): a text from
the URL is turned into the type its schema declares (an integer: optional sign and decimal
digits, no more than 25 of them; a boolean: `true` or `false`; a string as is; an array: the
parameter repeated, each value turned by the items' type), then checked against the schema
(bounds, formats, enums). Anything else is a 400 naming the parameter, as is a scalar parameter
given twice (ambiguous: the mock does not pick one). Unknown parameters are ignored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import impilo_spec

from ._errors import ApiError, FieldError
from ._schema import SchemaCompileError, Validator, compile_schema, shown

_INTEGER = re.compile(r"[+-]?[0-9]{1,25}")
_BOOLEANS = {"true": True, "false": False}


class _NotOfType(ValueError):
    pass


def _integer(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise _NotOfType(f"{shown(text)} is not an integer")
    return int(text)


def _boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text]
    except KeyError:
        raise _NotOfType(f"{shown(text)} is not a boolean (true or false)") from None


def _string(text: str) -> str:
    return text


_CONVERTERS = {"integer": _integer, "boolean": _boolean, "string": _string}


def _declared_type(schema: dict[str, Any], where: str) -> str:
    resolved = impilo_spec.resolve(impilo_spec.contract_view(), schema["$ref"][1:]) if "$ref" in schema else schema
    kind = resolved.get("type")
    if not isinstance(kind, str):
        raise SchemaCompileError(f"{where}: a parameter needs one declared type to be read from a URL")
    return kind


@dataclass(frozen=True)
class Parameter:
    """One parameter of one operation: where it is, how its text is read, its check and default."""

    name: str
    location: str
    repeated: bool
    convert: Callable[[str], Any]
    validator: Validator
    default: Any

    def refusal(self, message: str, rule: str = "type") -> ApiError:
        return ApiError(400, f"{self.name}: {message}", [FieldError(self.name, f"{rule}: {message}")])

    def read(self, texts: Sequence[str]) -> Any:
        """The parameter's value from its texts in the URL (none: the default); ApiError 400 if it is bad."""
        if not texts:
            return self.default
        if not self.repeated and len(texts) > 1:
            raise self.refusal(f"given {len(texts)} times; give it at most once", "repeated")
        try:
            value = [self.convert(text) for text in texts] if self.repeated else self.convert(texts[0])
        except _NotOfType as exc:
            raise self.refusal(str(exc)) from None
        violations = self.validator.violations(value, limit=1)
        if violations:
            raise self.refusal(violations[0].message, violations[0].rule)
        return value


def _compile(operation_id: str, name: str) -> Parameter:
    doc = impilo_spec.contract_view()
    pointer = impilo_spec.parameter_pointer(operation_id, name)
    declaration = impilo_spec.resolve(doc, pointer.rsplit("/schema", 1)[0])
    schema = impilo_spec.parameter_schema(operation_id, name)
    where = f"{operation_id} {name}"
    kind = _declared_type(schema, where)
    repeated = kind == "array"
    if repeated:
        kind = _declared_type(schema.get("items", {}), f"{where} items")
    if kind not in _CONVERTERS:
        raise SchemaCompileError(f"{where}: parameters of type {kind!r} are not supported")
    return Parameter(
        name=name,
        location=str(declaration.get("in", "query")),
        repeated=repeated,
        convert=_CONVERTERS[kind],
        validator=compile_schema(doc, pointer),
        default=schema.get("default"),
    )


def _declared_names(operation_id: str) -> list[str]:
    method, path = impilo_spec.operation(operation_id)
    doc = impilo_spec.contract_view()
    item = doc["paths"][path]
    names = []
    for declared in [*item[method.lower()].get("parameters", []), *item.get("parameters", [])]:
        if "$ref" in declared:
            declared = impilo_spec.resolve(doc, declared["$ref"][1:])
        if declared.get("in") in ("query", "path"):
            names.append(str(declared["name"]))
    return names


class OperationParameters:
    """The query and path parameters of one operation, compiled once."""

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        self.parameters = {name: _compile(operation_id, name) for name in _declared_names(operation_id)}

    def read(self, query: Mapping[str, Sequence[str]], path: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Every declared parameter by name: its value, or its default (None without one)."""
        values: dict[str, Any] = {}
        for name, parameter in self.parameters.items():
            if parameter.location == "path":
                values[name] = parameter.read([path[name]] if path and name in path else [])
            else:
                values[name] = parameter.read(query.get(name, ()))
        return values


def bounds(operation_id: str, name: str) -> tuple[int, int]:
    """[low, high] for an integer parameter: its minimum/maximum in the spec, within its format."""
    schema = impilo_spec.parameter_schema(operation_id, name)
    low, high = impilo_spec.INTEGER_FORMATS[schema.get("format", "int64")]
    return max(low, schema.get("minimum", low)), min(high, schema.get("maximum", high))


@functools.cache
def parameters_of(operation_id: str) -> OperationParameters:
    """The compiled parameters of an operation (compiled on first use; create_app asks for all at start)."""
    return OperationParameters(operation_id)
