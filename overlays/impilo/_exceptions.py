"""The exceptions the facade raises, and the one function that maps an HTTP status to one of them.

    ImpiloError                     base: .status_code, .body (parsed JSON or None), .text (raw)
    ├── ConfigurationError          no API key, unknown environment (also a ValueError)
    ├── OrderRuleError              a create body breaks a rule; refused before sending (also a ValueError)
    ├── APIConnectionError          no answer: connect error, reset, ... (wraps the httpx error as __cause__)
    │   └── APITimeoutError         ... because a timeout expired
    ├── OrderOutcomeUnknownError    a safe create failed ambiguously and the look-up of its tag failed too
    ├── WebhookVerificationError    a webhook delivery without its secret, or unreadable; .reason (a ValueError)
    ├── UnexpectedResponseError     a 2xx whose body is not the JSON object the spec describes
    │   └── ResponseDriftError      strict mode: a value of the wrong JSON type, or a field assumed sent missing
    └── APIStatusError              the server answered with a status outside 2xx
        ├── ValidationError         400, 422: the server refused the request's content
        ├── AuthenticationError     401, 403: key missing, unknown, expired or not allowed
        ├── NotFoundError           404
        ├── ConflictError           409: e.g. an order that can no longer be voided
        ├── RateLimitError          429; .retry_after in seconds when the server said
        └── ServerError             5xx

Other statuses (413, 415, ...) raise `APIStatusError` itself. `error_from_response` is the only
place a status becomes an exception type. Error messages never contain the API key: the server's
own message is redacted before it is quoted. `.body` and `.text` keep what the server sent.

`ValidationError` is the server refusing a request; a local refusal is always `OrderRuleError`
(not jsonschema's `ValidationError`, which never escapes this package).

Drift (see `impilo_orders_api.types`) is a `ResponseDriftWarning` by default; `strict=True` makes
it a `ResponseDriftError`, which names each drift (operation, JSON path, expected type, what came).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from impilo_orders_api.types import Drift, describe, grouped

from ._constants import MAX_VIOLATIONS_IN_MESSAGE
from ._retry import parse_retry_after
from ._secrets import redact


class ImpiloError(Exception):
    """Base of every error this package raises."""

    status_code: int | None = None
    body: Any = None
    text: str | None = None


class ConfigurationError(ImpiloError, ValueError):
    """The client cannot be configured: no API key, or an unknown environment."""


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: its name, where in the body (a JSON path like `$.orderItems[0].count`), and what."""

    rule: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class OrderRuleError(ImpiloError, ValueError):
    """A create-order body breaks a rule of the contract view; nothing was sent.

    `.errors` lists every violation, most structural first; `.rule` and `.path` are the first one's.
    It is a ValueError too, so code that treats bad input generically catches it.
    """

    def __init__(self, errors: list[RuleViolation]) -> None:
        if not errors:
            raise ValueError("OrderRuleError needs at least one violation")
        self.errors = errors
        self.rule = errors[0].rule
        self.path = errors[0].path
        if len(errors) == 1:
            text = str(errors[0])
        else:
            shown = " | ".join(map(str, errors[:MAX_VIOLATIONS_IN_MESSAGE]))
            hidden = len(errors) - MAX_VIOLATIONS_IN_MESSAGE
            text = f"{len(errors)} rule violations: {shown}" + (
                f" | ... {hidden} more in .errors" if hidden > 0 else ""
            )
        super().__init__(text)

    def __reduce__(self) -> tuple[type[OrderRuleError], tuple[list[RuleViolation]]]:
        # Pickle by violations, not by message, so it survives a trip to another process.
        return (type(self), (self.errors,))


class APIConnectionError(ImpiloError):
    """The request got no answer; the httpx error is the __cause__."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class OrderOutcomeUnknownError(ImpiloError):
    """A safe create (`retry_safely=True`) failed ambiguously and looking its tag up failed too.

    The order may or may not exist. `.tag` is the external order id it was sent with: list orders
    with `external_order_ids=tag` once the server answers again. The last error is the __cause__.
    """

    def __init__(self, message: str, *, tag: str) -> None:
        super().__init__(message)
        self.tag = tag


WebhookErrorReason = Literal[
    "missing-secret",
    "wrong-secret",
    "not-json",
    "not-an-object",
    "missing-id",
    "invalid-id",
    "missing-type",
    "invalid-type",
    "invalid-payload",
]


class WebhookVerificationError(ImpiloError, ValueError):
    """A webhook delivery that cannot be trusted or read (`impilo.webhooks`); `.reason` says which check failed.

    missing-secret / wrong-secret   the secret header is absent (or empty) / does not match
    not-json / not-an-object        the body is not UTF-8 JSON / is JSON but not an object
    missing-id / invalid-id         the envelope has no `id` (or null) / one not a string or integer
    missing-type / invalid-type     the envelope has no `type` (or null) / one not a string
    invalid-payload                 an order event whose payload is not an object, or (strict) drifts

    The message never quotes the secret or the header's value. It is a ValueError too.
    """

    def __init__(self, reason: WebhookErrorReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: WebhookErrorReason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[WebhookVerificationError], tuple[WebhookErrorReason, str]]:
        # Pickle by reason and detail, so it survives a trip to another process.
        return (type(self), (self.reason, self.detail))


class _ResponseError(ImpiloError):
    """An error that carries a response: status, headers, parsed body and raw text (None without one)."""

    def __init__(self, message: str, *, response: httpx.Response | None, body: Any, text: str | None) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = None if response is None else response.status_code
        self.headers = None if response is None else response.headers
        self.body = body
        self.text = text


class UnexpectedResponseError(_ResponseError):
    """A successful status whose body cannot be read as the JSON object the spec describes."""


class ResponseDriftError(UnexpectedResponseError):
    """Strict mode: a response value does not have the JSON type the spec gives it, or a field the spec
    declares always sent is missing or null. `.drifts` lists every one (`impilo_orders_api.types.Drift`:
    operation, path, expected, got, value); `.body` is the response as sent."""

    def __init__(
        self,
        operation: str | None,
        drifts: list[Drift],
        *,
        response: httpx.Response | None = None,
        secret: str | None = None,
    ) -> None:
        self.operation = operation
        self.drifts = drifts
        lines = [describe(first, count, shape) for first, count, shape in grouped(drifts)]
        shown = " | ".join(lines[:MAX_VIOLATIONS_IN_MESSAGE])
        hidden = len(lines) - MAX_VIOLATIONS_IN_MESSAGE
        what = f"{operation or 'the'} response does not match the spec: {shown}"
        what += f" | ... {hidden} more in .drifts" if hidden > 0 else ""
        body, text = read_body(response) if response is not None else (None, None)
        super().__init__(redact(what, secret), response=response, body=body, text=text)


class APIStatusError(_ResponseError):
    """The server answered with a status outside 2xx."""


class ValidationError(APIStatusError):
    """400 or 422: the server refused the request's content."""


class AuthenticationError(APIStatusError):
    """401 or 403: the API key is missing, unknown, expired, deactivated or not allowed to do this."""


class NotFoundError(APIStatusError):
    """404: no such order (or a referenced patient, site, item or kit does not exist)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the order's state, e.g. it can no longer be voided."""


class RateLimitError(APIStatusError):
    """429: too many requests. `.retry_after` is the wait the server asked for, in seconds, or None."""

    def __init__(self, message: str, *, response: httpx.Response, body: Any, text: str) -> None:
        super().__init__(message, response=response, body=body, text=text)
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))


class ServerError(APIStatusError):
    """5xx: the server failed."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    422: ValidationError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def read_body(response: httpx.Response) -> tuple[Any, str]:
    """(parsed JSON or None, raw text) of a response that has been read."""
    text = response.text
    try:
        return json.loads(text), text
    except ValueError:
        return None, text


def _server_message(body: Any, text: str) -> str:
    """What the server said, from the spec's Error body ({message, error, errors[{field, message}]})."""
    if not isinstance(body, dict):
        return " ".join(text.split())[:200]
    parts = [str(body[key]) for key in ("message", "error") if isinstance(body.get(key), str) and body[key]][:1]
    errors = body.get("errors")
    if isinstance(errors, list):
        for entry in errors[:5]:
            if isinstance(entry, dict):
                field_name, message = entry.get("field"), entry.get("message")
                parts.append(f"{field_name}: {message}" if field_name else str(message))
    return "; ".join(parts)


def _describe(response: httpx.Response, what: str, said: str, secret: str | None) -> str:
    request = response.request
    prefix = f"{request.method} {request.url.raw_path.decode('ascii', 'replace')}"
    return redact(f"{prefix}: {what}" + (f": {said}" if said else ""), secret)


def error_from_response(response: httpx.Response, *, secret: str | None = None) -> APIStatusError:
    """The exception for a non-2xx response (which must have been read). The only status mapping."""
    body, text = read_body(response)
    status = response.status_code
    if status in _BY_STATUS:
        cls = _BY_STATUS[status]
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    what = f"{status} {response.reason_phrase}".rstrip()
    return cls(_describe(response, what, _server_message(body, text), secret), response=response, body=body, text=text)


def unexpected_response(response: httpx.Response, why: str, *, secret: str | None = None) -> UnexpectedResponseError:
    """The exception for a 2xx whose body cannot be used."""
    body, text = read_body(response)
    what = f"{response.status_code} with {why}"
    return UnexpectedResponseError(_describe(response, what, "", secret), response=response, body=body, text=text)


def connection_error(error: httpx.TransportError, *, secret: str | None = None) -> APIConnectionError:
    """The exception for a request that got no answer; chain it with `raise ... from error`."""
    try:
        request: httpx.Request | None = error.request
    except RuntimeError:  # httpx raises when the error was made without a request
        request = None
    where = f"{request.method} {request.url.raw_path.decode('ascii', 'replace')}: " if request is not None else ""
    cls = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    detail = str(error) or type(error).__name__
    return cls(redact(f"{where}{type(error).__name__}: {detail}", secret), request=request)
