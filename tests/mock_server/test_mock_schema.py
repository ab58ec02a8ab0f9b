"""The mock's own JSON Schema evaluator (impilo_mock._schema): every keyword it claims, how it names
violations, that anything else fails when it is compiled, and that hostile values cannot blow it up."""

from __future__ import annotations

import time
from typing import Any

import pytest

from impilo_mock._schema import ERROR_CAP, SchemaCompileError, Validator, compile_schema
from impilo_spec import contract_view

RULE = {"x-impilo-rule": {"name": "my-rule", "message": "the rule says so"}}


def _validator(schema: Any, **others: Any) -> Validator:
    return compile_schema({"components": {"schemas": {"S": schema, **others}}}, "/components/schemas/S")


def _found(schema: Any, value: Any, **others: Any) -> list[tuple[str, str]]:
    validator = _validator(schema, **others)
    violations = validator.violations(value)
    assert validator.is_valid(value) == (not violations)
    return [(v.path, v.rule) for v in violations]


# (schema, a value it accepts, a value it refuses, the rule named for the refusal)
KEYWORDS = [
    ({"type": "integer"}, 3, 3.5, "type"),
    ({"type": "integer"}, 3.0, True, "type"),  # 2020-12: 3.0 is an integer, true is not a number
    ({"type": "number"}, 2.5, "2.5", "type"),
    ({"type": "string"}, "x", 1, "type"),
    ({"type": "boolean"}, False, 0, "type"),
    ({"type": "null"}, None, 0, "type"),
    ({"type": "array"}, [], {}, "type"),
    ({"type": "object"}, {}, [], "type"),
    ({"type": ["string", "null"]}, None, 5, "type"),
    ({"enum": ["a", "b"]}, "b", "c", "enum"),
    ({"enum": [1, True, None]}, 1.0, False, "enum"),
    ({"minimum": 1}, 1, 0.5, "minimum"),
    ({"maximum": 10}, 10, 11, "maximum"),
    ({"minItems": 1}, [0], [], "minItems"),
    ({"maxItems": 1}, [0], [0, 1], "maxItems"),
    ({"pattern": "^a+$"}, "aaa", "ab", "pattern"),
    ({"pattern": "b"}, "abc", "ac", "pattern"),  # search, not a full match
    ({"format": "int32"}, 2**31 - 1, 2**31, "format"),
    ({"format": "int64"}, -(2**63), -(2**63) - 1, "format"),
    ({"format": "date"}, "2024-02-29", "2023-02-29", "format"),
    ({"required": ["a", "b"]}, {"a": 1, "b": 2}, {"a": 1}, "required"),
    ({"properties": {"a": {"type": "string"}}}, {"a": "x", "b": 1}, {"a": 1}, "type"),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1}, {"a": 1, "b": 2}, "additionalProperties"),
    ({"additionalProperties": {"type": "integer"}}, {"a": 1}, {"a": "x"}, "type"),
    ({"items": {"type": "integer"}}, [1, 2], [1, "2"], "type"),
    ({"allOf": [{"minimum": 1}, {"maximum": 3}]}, 2, 4, "maximum"),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 3, None, "type"),
    ({"oneOf": [{"minimum": 0}, {"maximum": 10}]}, -5, 5, "oneOf"),
    ({"$ref": "#/components/schemas/T"}, "x", 1, "type"),
]


@pytest.mark.parametrize(("schema", "good", "bad", "rule"), KEYWORDS, ids=[str(k[0])[:40] for k in KEYWORDS])
def test_each_keyword_accepts_and_refuses_and_names_itself(schema: Any, good: Any, bad: Any, rule: str) -> None:
    others = {"T": {"type": "string"}}
    assert _found(schema, good, **others) == []
    found = _found(schema, bad, **others)
    assert found and found[0][1] == rule, found


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        *[("a", True), ("b", False), (5, True), (0, False), (2**40, False), ({"x": 1}, True), ({}, False)],
        *[([1, 2], True), ([1], False), (None, True), (True, True)],
    ],
)
def test_a_keyword_only_applies_to_values_of_its_type(value: Any, valid: bool) -> None:
    schema = {"minimum": 1, "pattern": "^a$", "required": ["x"], "minItems": 2, "format": "int32"}
    assert (_found(schema, value) == []) is valid


def test_a_tagged_keyword_is_named_by_its_rule_but_type_enum_and_format_keep_their_names() -> None:
    schema = {"type": "integer", "format": "int32", "minimum": 1, **RULE}
    assert _found(schema, 0) == [("$", "my-rule")]
    assert _found(schema, "1") == [("$", "type")]
    assert _found(schema, 2**31) == [("$", "format")]
    message = _validator(schema).violations(0)[0].message
    assert message.startswith("the rule says so") and "0" in message


def test_a_failed_alternation_is_its_rule_and_what_fits_one_typed_alternative_is_named_inside_it() -> None:
    schemas = {
        "Ref": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}}},
        "New": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    }
    tagged = {"anyOf": [{"$ref": "#/components/schemas/Ref"}, {"$ref": "#/components/schemas/New"}], **RULE}
    assert _found(tagged, {"id": 0}, **schemas) == [("$", "my-rule"), ("$.id", "minimum")]
    assert _found(tagged, {"other": 1}, **schemas) == [("$", "my-rule")]
    assert _found(tagged, 5, **schemas) == [("$", "my-rule")]
    # The nullable field: what is wrong inside the one alternative of the value's type.
    nullable = {"properties": {"a": {"anyOf": [{"$ref": "#/components/schemas/Ref"}, {"type": "null"}]}}}
    assert _found(nullable, {"a": None}, **schemas) == []
    assert _found(nullable, {"a": {"id": 0}}, **schemas) == [("$.a.id", "minimum")]
    assert _found(nullable, {"a": "x"}, **schemas) == [("$.a", "type")]


def test_a_oneof_matched_twice_is_refused() -> None:
    schema = {"oneOf": [{"required": ["a"]}, {"required": ["b"]}], **RULE}
    assert _found(schema, {"a": 1}) == []
    assert _found(schema, {"a": 1, "b": 2}) == [("$", "my-rule")]
    assert "both were" in _validator(schema).violations({"a": 1, "b": 2})[0].message


def test_paths_are_json_paths() -> None:
    schema = {"properties": {"lines": {"items": {"properties": {"count": {"type": "integer"}}}}}}
    assert _found(schema, {"lines": [{"count": 1}, {"count": "x"}]}) == [("$.lines[1].count", "type")]


@pytest.mark.parametrize(
    "schema",
    [
        {"const": 1},
        {"not": {"type": "string"}},
        {"patternProperties": {"^x": {}}},
        {"if": {}, "then": {}},
        {"exclusiveMinimum": 0},
        {"minLength": 1},
        {"format": "email"},
        {"items": [{"type": "string"}]},
        {"type": "decimal"},
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/components/schemas/Nowhere"},
        {"$ref": "#/components/schemas/S"},  # recursive
        {"x-impilo-rule": "just a string"},
        False,
    ],
    ids=str,
)
def test_anything_it_does_not_implement_fails_at_compile_time(schema: Any) -> None:
    with pytest.raises(SchemaCompileError, match=r"\S"):
        _validator(schema)


def test_every_schema_of_the_contract_view_compiles() -> None:
    doc = contract_view()
    for name in doc["components"]["schemas"]:
        compile_schema(doc, f"/components/schemas/{name}")


def test_a_hundred_thousand_bad_lines_give_a_short_answer_quickly() -> None:
    schema = {"items": {"properties": {"count": {"type": "integer", "minimum": 1}}, "required": ["item"]}}
    lines = [{"count": "y" * 50}] * 100_000
    started = time.process_time()
    violations = _validator(schema).violations(lines)
    assert time.process_time() - started < 5, "capped: the rest of the array is not looked at"
    assert 0 < len(violations) <= ERROR_CAP
    assert all(len(v.message) < 200 for v in violations), "shown values are cut short"


def test_deep_nesting_goes_no_deeper_than_the_schema() -> None:
    value: list[Any] = []
    for _ in range(100_000):
        value = [value]
    schema = {"type": "array", "items": {"type": "array", "items": {"type": "array"}}}
    assert _found(schema, value) == []
    assert _found({"items": {"items": {"type": "string"}}}, value) == [("$[0][0]", "type")]


def test_huge_numbers_are_shown_by_size_not_by_digits() -> None:
    violations = _validator({"type": "integer", "format": "int64"}).violations(10**5000)
    assert violations[0].rule == "format" and len(violations[0].message) < 100
