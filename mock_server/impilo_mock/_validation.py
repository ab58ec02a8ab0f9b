"""Check a create body with the client's own rule check, so the mock and the client cannot drift.

The rules live once, in the contract view (`overlays/rules.overlay.yaml`); `impilo.rules` turns a
body's violations into paths and messages, and this module only shapes them as the Error body's
field errors.
"""

from __future__ import annotations

from impilo.rules import json_violations

from ._errors import FieldError

# A hostile body can break a rule a hundred thousand times; the answer names the first few.
MAX_REPORTED_ERRORS = 20
_MAX_MESSAGE = 300


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def create_body_errors(body: object) -> list[FieldError]:
    """How `body` (parsed JSON) breaks the contract view's OrderCreateRequest, by field."""
    return [
        FieldError(_shorten(v.path), _shorten(f"{v.rule}: {v.message}"))
        for v in json_violations(body, limit=MAX_REPORTED_ERRORS)
    ]
