"""Check a create body against the contract view's OrderCreateRequest, with the mock's own evaluator.

The rules live once, in the contract view (openapi.yaml plus overlays/rules.overlay.yaml); the
client checks them with jsonschema, the mock with `_schema` (its own implementation, compiled
once at start-up), and the tests require the two to agree. This module only shapes violations
as the Error body's field errors: `field` is the JSON path, `message` starts with the rule's name.
"""

from __future__ import annotations

import functools

import impilo_spec

from ._constants import MAX_REPORTED_ERRORS
from ._errors import FieldError
from ._schema import Validator, compile_schema

CREATE_SCHEMA = "/components/schemas/OrderCreateRequest"
_MAX_MESSAGE = 300


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


@functools.cache
def request_validator(pointer: str = CREATE_SCHEMA) -> Validator:
    """The compiled schema at `pointer` of the contract view (compiled once, on first use)."""
    return compile_schema(impilo_spec.contract_view(), pointer)


def create_body_errors(body: object) -> list[FieldError]:
    """How `body` (parsed JSON) breaks the contract view's OrderCreateRequest, by field; empty if it does not."""
    return [
        FieldError(_shorten(v.path), _shorten(f"{v.rule}: {v.message}"))
        for v in request_validator().violations(body, limit=MAX_REPORTED_ERRORS)
    ]
