"""Check a create body against the contract view and turn jsonschema errors into field errors.

Cross-field rules carry `x-impilo-rule: {name, message}` in the contract view; an error raised
inside such a rule is reported with the rule's name and message, at the field the rule is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from ._errors import FieldError
from ._spec import create_request_validator

_NULL_BRANCH = {"type": "null"}
# A hostile body can break a rule a hundred thousand times; the answer names the first few.
MAX_REPORTED_ERRORS = 20
_MAX_MESSAGE = 300
_RULE_KEYWORDS = frozenset({"oneOf", "anyOf", "minimum", "minItems", "required"})


def _rule_of(error: ValidationError) -> dict[str, Any] | None:
    schema = error.schema
    if isinstance(schema, dict):
        rule = schema.get("x-impilo-rule")
        if isinstance(rule, dict):
            return rule
    return None


def _rule_field(error: ValidationError) -> str:
    """The field a whole-object rule is about: the first property its first branch requires."""
    branches = error.validator_value
    if isinstance(branches, list) and branches and isinstance(branches[0], dict):
        required = branches[0].get("required") or []
        if required:
            return f"{error.json_path}.{required[0]}"
    return error.json_path


def _one_recipient_detail(instance: object) -> str:
    if isinstance(instance, dict):
        given = [name for name in ("patient", "site") if instance.get(name) is not None]
        return "both were" if len(given) == 2 else "neither was"
    return "neither was"


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Descend through `anyOf [X, null]` wrappers to the errors inside X."""
    if error.validator in ("anyOf", "oneOf") and error.context and _rule_of(error) is None:
        inner = [e for e in error.context if e.schema != _NULL_BRANCH]
        if error.instance is not None and inner:
            for sub in inner:
                yield from _leaf_errors(sub)
            return
    yield error


def _field_error(error: ValidationError) -> FieldError:
    if error.validator == "format":
        return FieldError(error.json_path, f"{error.instance!r} is out of range for {error.validator_value}")
    rule = _rule_of(error)
    if rule is None:
        return FieldError(error.json_path, error.message)
    name, message = str(rule.get("name")), str(rule.get("message"))
    if error.validator not in _RULE_KEYWORDS:  # e.g. the `type` beside a rule's `minimum`
        return FieldError(error.json_path, f"{error.message} ({name}: {message})")
    if error.validator == "oneOf":  # one-recipient: say which way it was broken
        message = f"{message}; {_one_recipient_detail(error.instance)}"
        return FieldError(_rule_field(error), f"{name}: {message}")
    if error.validator == "anyOf":
        return FieldError(_rule_field(error), f"{name}: {message}")
    return FieldError(error.json_path, f"{name}: {message} ({error.message})")


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def create_body_errors(body: object) -> list[FieldError]:
    """How `body` breaks the contract view's OrderCreateRequest (up to MAX_REPORTED_ERRORS), by field."""
    seen: set[tuple[str, str]] = set()
    found: list[FieldError] = []
    for error in create_request_validator().iter_errors(body):
        if not isinstance(body, dict) and error.validator != "type":
            continue  # a non-object body: its type is the one thing to say
        for leaf in _leaf_errors(error):
            field_error = _field_error(leaf)
            field_error = FieldError(_shorten(field_error.field), _shorten(field_error.message))
            key = (field_error.field, field_error.message)
            if key not in seen:
                seen.add(key)
                found.append(field_error)
            if len(found) >= MAX_REPORTED_ERRORS:
                return sorted(found, key=lambda e: e.field)
    return sorted(found, key=lambda e: e.field)
