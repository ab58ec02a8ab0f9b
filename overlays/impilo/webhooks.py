"""Receiving Impilo's webhook deliveries: verify the secret, read the event, skip retries.

    from impilo import webhooks

    event = webhooks.parse(body, headers, secret=SECRET)   # WebhookVerificationError if it fails
    if isinstance(event, webhooks.OrderStatusEvent):
        print(event.order_id, event.status)
    elif isinstance(event, webhooks.OrderStatusFullEvent):
        print(event.order.id, event.order.current_status)
    # else: webhooks.UnknownEvent, one of the vendor's many other types: accept it and skip it

    app = webhooks.asgi_app(handle, secret=SECRET)   # or wsgi_app: verify, deduplicate, call handle

A delivery is an HTTP POST of JSON `{id, type, payload}`; when the account has a secret, each one
carries it verbatim in the header `impilo_spec.webhook_secret_header()` (FACTS). `parse` compares
it in constant time, reads the body, and returns a typed event. Impilo retries every delivery
without a 2xx answer, with the same `id`: `Deduplicator` remembers the ones handled (in memory,
one process). The secret never appears in a repr, a log line or an error message.

Registering a URL, setting the secret and reading delivery logs are API calls, on the client.
"""

from __future__ import annotations

from ._exceptions import WebhookErrorReason, WebhookVerificationError
from ._webhook_apps import DEFAULT_MAX_BODY_BYTES, WebhookASGIApp, WebhookWSGIApp, asgi_app, wsgi_app
from ._webhook_dedup import DEFAULT_MAX_ENTRIES, Claim, Deduplicator
from ._webhook_events import (
    ORDER_STATUS,
    ORDER_STATUS_FULL,
    DeliveryId,
    OrderStatusEvent,
    OrderStatusFullEvent,
    UnknownEvent,
    WebhookEvent,
    parse,
)
from ._webhook_secret import HEADER as SECRET_HEADER
from ._webhook_secret import Headers

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_ENTRIES",
    "ORDER_STATUS",
    "ORDER_STATUS_FULL",
    "SECRET_HEADER",
    "Claim",
    "Deduplicator",
    "DeliveryId",
    "Headers",
    "OrderStatusEvent",
    "OrderStatusFullEvent",
    "UnknownEvent",
    "WebhookASGIApp",
    "WebhookErrorReason",
    "WebhookEvent",
    "WebhookVerificationError",
    "WebhookWSGIApp",
    "asgi_app",
    "parse",
    "wsgi_app",
]
