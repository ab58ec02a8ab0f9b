"""A webhook delivery's body, read into a typed event: the envelope, then the payload by type.

A delivery is JSON `{id, type, payload}` (FACTS): `id` identifies the delivery and is the same on
every retry, `type` names the event. The spec's `OrderStatusWebhook`/`OrderStatusFullWebhook`
give `id` as a string or an integer and `type` as a string. Two types are order events; the vendor
has more than twenty others, and "a receiver must accept and skip a type it does not know"
(FACTS), so any other type becomes an `UnknownEvent` holding what was sent, never an error.

The envelope is checked here: a delivery without a usable `id` or `type` is an error. The
payloads are read with the generated models (`OrderStatusPayload`, `Order`), which report drift
(a value of the wrong JSON type, a field assumed sent that is missing) as they do for responses:
a warning and a log record by default, the value kept as sent; with `strict=True`, an error.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_event import OrderEvent
from impilo_orders_api.models.order_status import OrderStatus
from impilo_orders_api.models.order_status_payload import OrderStatusPayload
from impilo_orders_api.models.webhook_event_type import WebhookEventType
from impilo_orders_api.types import Drift, describe, grouped
from impilo_spec import view

from ._drift import DriftReporter
from ._exceptions import WebhookErrorReason, WebhookVerificationError
from ._webhook_secret import Headers, SecretCheck

ORDER_STATUS = WebhookEventType.ORDER_STATUS.value
ORDER_STATUS_FULL = WebhookEventType.ORDER_STATUS_FULL.value

# A delivery id or type quoted in an error message is cut to this many characters: the message
# says which delivery, it does not copy a hostile megabyte.
SHOWN_CHARS = 80

_JSON_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}

DeliveryId = str | int
# A delivery's body as a web framework hands it over; a str is text already decoded.
Body = bytes | bytearray | memoryview | str


@dataclass(frozen=True, slots=True)
class OrderStatusEvent:
    """`order.status`: an order's status changed; the payload is the order's id and the status event.

    `status` is the event's name as an `OrderStatus` (an open enum: a status the spec does not list
    is kept, with `.is_known` False); None when the event has no name. `raw` is the whole envelope
    as sent, unknown fields included.
    """

    id: DeliveryId
    type: str
    order_id: int | None
    status: OrderStatus | None
    event: OrderEvent | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class OrderStatusFullEvent:
    """`order.statusFull`: an order's status changed; the payload is the full Order."""

    id: DeliveryId
    type: str
    order: Order
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """A delivery of a type this client does not model. Accept it (answer 2xx) and skip it.

    `payload` is the envelope's `payload` as sent (any JSON value; None when absent).
    """

    id: DeliveryId
    type: str
    payload: Any
    raw: dict[str, Any] = field(repr=False)


WebhookEvent = OrderStatusEvent | OrderStatusFullEvent | UnknownEvent


def _json_name(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def shown(value: Any) -> str:
    """A delivery id or type for a message: JSON-quoted if a string, cut to SHOWN_CHARS."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _fail(reason: WebhookErrorReason, detail: str) -> NoReturn:
    raise WebhookVerificationError(reason, detail)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def load_json(body: Body) -> Any:
    """The JSON value of a body: UTF-8 text (a leading byte-order mark is allowed, as RFC 8259 lets
    a parser ignore it). `not-json` for anything else, including NaN and Infinity."""
    if isinstance(body, str):
        text = body
    else:
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            _fail("not-json", f"the body is not UTF-8 (invalid byte at offset {exc.start})")
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        _fail("not-json", f"the body is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except RecursionError:
        _fail("not-json", "the body is nested too deeply to read")
    except ValueError as exc:  # NaN/Infinity; an integer beyond Python's digit limit
        _fail("not-json", f"the body is not JSON ({exc})")


def _delivery_id(envelope: dict[str, Any]) -> DeliveryId:
    value = envelope.get("id")
    if value is None:
        _fail("missing-id", "the envelope has no id" if "id" not in envelope else "the envelope's id is null")
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    # JSON Schema counts 1.0 as an integer; the same delivery always carries the same text, so
    # reading it as 1 keeps retries equal.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    _fail("invalid-id", f"the envelope's id is {_json_name(value)}, not a string or an integer")


def _event_type(envelope: dict[str, Any]) -> str:
    value = envelope.get("type")
    if value is None:
        _fail("missing-type", "the envelope has no type" if "type" not in envelope else "the envelope's type is null")
    if not isinstance(value, str):
        _fail("invalid-type", f"the envelope's type is {_json_name(value)}, not a string")
    return value


def _bad_payload(kind: str, delivery_id: DeliveryId, detail: str) -> NoReturn:
    _fail("invalid-payload", f"{kind} delivery {shown(delivery_id)}: {detail}")


def _object_payload(envelope: dict[str, Any], kind: str, delivery_id: DeliveryId) -> dict[str, Any]:
    # FACTS: a delivery is {id, type, payload}; an order event without its payload says nothing,
    # and one that is not an object cannot be read at all (as a response body that is not one).
    if "payload" not in envelope:
        _bad_payload(kind, delivery_id, "there is no payload")
    payload = envelope["payload"]
    if not isinstance(payload, dict):
        _bad_payload(kind, delivery_id, f"$.payload is {_json_name(payload)}, not an object")
    copied: dict[str, Any] = _copied(payload)
    return copied


def _copied(value: Any) -> Any:
    """A copy of the JSON containers of `value`: the models consume what they decode, `raw` keeps it."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value


@functools.cache
def _operation_id(kind: str) -> str:
    """The spec's operationId for a webhook (`orderStatusEvent`): what drift reports are named after."""
    return str(view("openapi")["webhooks"][kind]["post"]["operationId"])


@dataclass(frozen=True, slots=True)
class _PayloadDrift:
    """The drift policy for a payload: the client's default (warn and log), or, when strict, the error.

    Drift is what the generated models report: a value of the wrong JSON type, or a field the spec
    says every order has that is missing. The value is kept as sent, behind its attribute, and
    reported, as in a response (impilo._drift), never hidden.
    """

    kind: str
    delivery_id: DeliveryId
    strict: bool

    def report(self, operation: str | None, drifts: list[Drift]) -> None:
        if not self.strict:
            DriftReporter().report(operation, drifts)
            return
        lines = [describe(first, count, shape) for first, count, shape in grouped(drifts)]
        _bad_payload(self.kind, self.delivery_id, " | ".join(lines))


def _order_status_event(envelope: dict[str, Any], delivery_id: DeliveryId, kind: str, strict: bool) -> OrderStatusEvent:
    payload = OrderStatusPayload._from_response(
        _object_payload(envelope, kind, delivery_id),
        operation=_operation_id(kind),
        policy=_PayloadDrift(kind, delivery_id, strict),
    )
    event = payload.order_event
    name: Any = None if not isinstance(event, OrderEvent) else event.name
    # A drifted name (not a string) was reported and stays as sent, like every drifted value.
    status = OrderStatus.from_value(name) if isinstance(name, str) else name
    return OrderStatusEvent(delivery_id, kind, payload.id, status, event, envelope)


def _order_status_full_event(
    envelope: dict[str, Any], delivery_id: DeliveryId, kind: str, strict: bool
) -> OrderStatusFullEvent:
    order = Order._from_response(
        _object_payload(envelope, kind, delivery_id),
        operation=_operation_id(kind),
        policy=_PayloadDrift(kind, delivery_id, strict),
    )
    return OrderStatusFullEvent(delivery_id, kind, order, envelope)


def event_from_json(envelope: Any, *, strict: bool = False) -> WebhookEvent:
    """The typed event of a delivery's parsed JSON body; WebhookVerificationError if it is not one."""
    if not isinstance(envelope, dict):
        _fail("not-an-object", f"the body is {_json_name(envelope)}, not a JSON object")
    delivery_id = _delivery_id(envelope)
    kind = _event_type(envelope)
    if kind == ORDER_STATUS:
        return _order_status_event(envelope, delivery_id, kind, strict)
    if kind == ORDER_STATUS_FULL:
        return _order_status_full_event(envelope, delivery_id, kind, strict)
    return UnknownEvent(delivery_id, kind, envelope.get("payload"), envelope)


def read_delivery(check: SecretCheck, body: Body, headers: Headers, *, strict: bool = False) -> WebhookEvent:
    """The event of one delivery: the secret first (no unauthenticated byte is parsed), then the body."""
    check.verify(headers)
    # Verified: the headers (the secret among them) leave this frame, so an error raised below
    # does not carry them to a reporter that records each frame's variables (Sentry, --showlocals).
    del headers
    return event_from_json(load_json(body), strict=strict)


def parse(body: Body, headers: Headers, *, secret: str | None, strict: bool = False) -> WebhookEvent:
    """Verify a webhook delivery and read it into a typed event.

    body: the request body as received (bytes; a str is taken as already decoded text).
    headers: the request headers (a mapping or an iterable of name/value pairs, any case; a WSGI
        environ works too).
    secret: the account's webhook secret, or None if the account has none set. With None, a
        delivery that carries a secret anyway is accepted too (see `SecretCheck`).
    strict: what to do with drift in an order event's payload (a value of the wrong JSON type, a
        field every order has that is missing): by default, as for responses, a
        `ResponseDriftWarning` and a log record, the value kept as sent; strict, an
        `invalid-payload` error.

    Returns an OrderStatusEvent, an OrderStatusFullEvent, or an UnknownEvent for any other type
    (accept it and skip it; it is never an error). Raises WebhookVerificationError, whose
    `.reason` says which check failed: missing-secret, wrong-secret, not-json, not-an-object,
    missing-id, invalid-id, missing-type, invalid-type, invalid-payload.
    """
    check = SecretCheck(secret)
    # Out of this frame's variables once used, for the reason given in read_delivery.
    del secret
    check.verify(headers)
    del headers
    return event_from_json(load_json(body), strict=strict)
