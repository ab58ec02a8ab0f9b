"""The spec's `Error` body {status, error, message, errors: [{field, message}]}, for every 4xx and 5xx.

Handlers raise `ApiError`; one exception handler in the app renders it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus

from starlette.responses import Response


class FieldError:
    """One field that broke a rule: `field` is a JSON path such as `$.orderItems[0].count`."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"FieldError({self.field!r}, {self.message!r})"


class ApiError(Exception):
    """A refusal the client should see, with the status and a message naming what was wrong."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors)
        self.headers = dict(headers or {})


def error_body(status: int, message: str, errors: Sequence[FieldError] = ()) -> bytes:
    body: dict[str, object] = {"status": status, "error": HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    # ASCII escapes: an error message may quote any text the client sent.
    return json.dumps(body).encode("ascii")


def error_response(
    status: int,
    message: str,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        error_body(status, message, errors), status_code=status, media_type="application/json", headers=headers
    )


def api_error_response(error: ApiError) -> Response:
    return error_response(error.status, error.message, error.errors, error.headers)
