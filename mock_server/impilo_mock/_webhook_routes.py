"""The webhook routes: registering URLs, the account's secret, the delivery logs, the test triggers.

`WebhookRoutes.handlers()` maps the spec's operation ids (createWebhook, listWebhooks,
fetchWebhook, updateWebhook, deleteWebhook, the four webhook-secret operations, listWebhookLogs
and the two test triggers) to handlers; the app routes them with its own (paths and methods from
the spec). Bodies and parameters are read and checked as every other route's are (`_requests`,
`_parameters`, and the contract view's schema of each body through `_validation`). Every refusal
is the spec's Error body with a 4xx.

Choices where FACTS are silent (the mock's own, so a test can rely on them):
- createWebhook answers 201 (the spec accepts 200 too). `type` may be any string (FACTS: the
  vendor has more than twenty event types), but only the order events are ever sent. `url` may be
  any string; one the mock may not send to is logged as a refused delivery when an event comes.
- Pages of webhooks and of logs: `size` defaults to the order list's default; by id ascending.
- The secret: GET 404 when none is set; POST 201, or 409 when one is set already (change it with
  PATCH); PATCH 200, or 404 when none is set; DELETE 204, also when none was set (the end state
  is the one asked for). A secret must be sendable verbatim as a header value: no control
  characters and no space or tab at either end (a header would lose them), else 422.
- Logs: a delivery appears once its first attempt is made (`createTimestamp` is that attempt's
  time); `retryAttempts` counts the attempts after the first; `lastRetryTimestamp` is null until
  a retry is made; `lastResponseStatus` is null when the last attempt got no answer. The time
  filters are ISO 8601 (a time without an offset is UTC) and include their bounds, to the
  millisecond the log shows. The spec declares them plain strings, so any text is accepted: one
  that is not an ISO 8601 time bounds nothing a log has, and the page is empty.
- Test triggers answer 201 whether or not a URL is registered for the type, and whatever
  `orderId` names: the event is a test, made from the request. order.status carries
  `{id: orderId, orderEvent: {name: orderStatusName, eventTimestamp: now}}` (and
  `externalOrderIds` when given); order.statusFull carries an Order made of the request's fields
  (`id` 0 when no orderId is given, status `orderPlaced` when none is).
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

import impilo_spec

from . import _orders
from ._constants import MAX_REPORTED_ERRORS
from ._delivery import ORDER_STATUS_EVENT, ORDER_STATUS_FULL_EVENT, Deliverer, now_ms
from ._errors import ApiError, FieldError
from ._paging import page_body, render_entry
from ._parameters import parameters_of
from ._requests import JSON_MEDIA_TYPE, query_lists, read_json
from ._validation import request_validator
from ._webhooks import LogFilters, SecretOutcome, WebhookStore, iso_timestamp

JsonObject = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# Where the spec gives a list no default size, the order list's (as the catalog lists do).
DEFAULT_PAGE_SIZE = int(impilo_spec.parameter_schema("listOrders", "size")["default"])


class _BodyCheck:
    """An operation's request body: JSON, and valid against the contract view's schema of it.

    `secret`: the body holds a secret, so a refusal names the rule broken but never the value.
    """

    def __init__(self, operation_id: str, *, secret: bool = False) -> None:
        method, path = impilo_spec.operation(operation_id)
        request_body = impilo_spec.contract_view()["paths"][path][method.lower()]["requestBody"]
        self.pointer = str(request_body["content"][JSON_MEDIA_TYPE]["schema"]["$ref"]).removeprefix("#")
        self.validator = request_validator(self.pointer)
        self.what = self.pointer.rsplit("/", 1)[-1]
        self.secret = secret

    async def read(self, request: Request) -> JsonObject:
        body = await read_json(request)
        violations = self.validator.violations(body, limit=MAX_REPORTED_ERRORS)
        if violations:
            errors = [
                FieldError(v.path, f"{v.rule}: the value is not repeated, it may be a secret")
                if self.secret
                else FieldError(v.path, f"{v.rule}: {v.message}")
                for v in violations
            ]
            first = errors[0]
            raise ApiError(422, f"the {self.what} breaks the contract at {first.field}: {first.message}", errors)
        assert isinstance(body, dict)  # the schema's `type: object` held
        return body


def _json(body: JsonObject, status: int = 200) -> Response:
    return Response(render_entry(body), status_code=status, media_type=JSON_MEDIA_TYPE)


def _page(entries: list[JsonObject], *, page: int, size: int, total: int) -> Response:
    rendered = page_body([render_entry(entry) for entry in entries], page=page, size=size, total=total)
    return Response(rendered, media_type=JSON_MEDIA_TYPE)


class _NotATime(ValueError):
    pass


def _timestamp_ms(text: str | None) -> int | None:
    """An ISO 8601 time as milliseconds since the epoch (UTC when it has no offset); _NotATime otherwise."""
    if text is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return (moment - _EPOCH) // datetime.timedelta(milliseconds=1)
    except (ValueError, OverflowError):
        raise _NotATime(text) from None


class WebhookRoutes:
    """Handlers of the webhook operations, bound to one webhook store and one deliverer."""

    def __init__(self, store: WebhookStore, deliverer: Deliverer) -> None:
        self.store = store
        self.deliverer = deliverer
        self.create_body = _BodyCheck("createWebhook")
        self.update_body = _BodyCheck("updateWebhook")
        self.secret_body = _BodyCheck("createWebhookSecret", secret=True)
        self.secret_update_body = _BodyCheck("updateWebhookSecret", secret=True)
        self.status_test_body = _BodyCheck("triggerOrderStatusWebhook")
        self.full_test_body = _BodyCheck("triggerOrderStatusFullWebhook")

    def handlers(self) -> dict[str, Handler]:
        """The handler of every webhook operation, by operation id."""
        handlers: dict[str, Handler] = {
            "createWebhook": self.create_webhook,
            "listWebhooks": self.list_webhooks,
            "listWebhookLogs": self.list_logs,
            "fetchWebhook": self.fetch_webhook,
            "updateWebhook": self.update_webhook,
            "deleteWebhook": self.delete_webhook,
            "fetchWebhookSecret": self.fetch_secret,
            "createWebhookSecret": self.create_secret,
            "updateWebhookSecret": self.update_secret,
            "deleteWebhookSecret": self.delete_secret,
            "triggerOrderStatusWebhook": self.trigger_status,
            "triggerOrderStatusFullWebhook": self.trigger_status_full,
        }
        for operation_id in handlers:
            parameters_of(operation_id)  # compiled now, not on the first request
        return handlers

    @staticmethod
    def _read(operation_id: str, request: Request) -> dict[str, Any]:
        return parameters_of(operation_id).read(query_lists(request), request.path_params)

    # ---- webhooks ----

    async def create_webhook(self, request: Request) -> Response:
        body = await self.create_body.read(request)
        webhook = self.store.create_webhook(str(body["type"]), str(body["url"]))
        return _json(webhook.as_json(), 201)

    async def list_webhooks(self, request: Request) -> Response:
        query = self._read("listWebhooks", request)
        page, size = query["page"], query["size"] or DEFAULT_PAGE_SIZE
        webhooks, total = self.store.webhooks_page(page, size)
        return _page([webhook.as_json() for webhook in webhooks], page=page, size=size, total=total)

    async def fetch_webhook(self, request: Request) -> Response:
        webhook_id = self._read("fetchWebhook", request)["webhookId"]
        webhook = self.store.webhook(webhook_id)
        if webhook is None:
            raise ApiError(404, f"webhook {webhook_id} does not exist")
        return _json(webhook.as_json())

    async def update_webhook(self, request: Request) -> Response:
        webhook_id = self._read("updateWebhook", request)["webhookId"]
        body = await self.update_body.read(request)
        webhook = self.store.update_webhook(webhook_id, str(body["url"]))
        if webhook is None:
            raise ApiError(404, f"webhook {webhook_id} does not exist")
        return _json(webhook.as_json())

    async def delete_webhook(self, request: Request) -> Response:
        webhook_id = self._read("deleteWebhook", request)["webhookId"]
        if not self.store.delete_webhook(webhook_id):
            raise ApiError(404, f"webhook {webhook_id} does not exist")
        return Response(status_code=204)

    # ---- the secret ----

    @staticmethod
    def _secret_of(body: JsonObject) -> str:
        # The body check has held it to the contract view, whose `header-value` rule keeps out
        # what a header cannot carry verbatim.
        return str(body["secret"])

    async def fetch_secret(self, request: Request) -> Response:
        secret = self.store.secret()
        if secret is None:
            raise ApiError(404, "no webhook secret is set")
        return _json({"secret": secret})

    async def create_secret(self, request: Request) -> Response:
        secret = self._secret_of(await self.secret_body.read(request))
        if self.store.set_secret(secret, replace=False) is SecretOutcome.ALREADY_SET:
            raise ApiError(409, "a webhook secret is set already; change it with PATCH or delete it first")
        return _json({"secret": secret}, 201)

    async def update_secret(self, request: Request) -> Response:
        secret = self._secret_of(await self.secret_update_body.read(request))
        if self.store.set_secret(secret, replace=True) is SecretOutcome.NOT_SET:
            raise ApiError(404, "no webhook secret is set; set one with POST")
        return _json({"secret": secret})

    async def delete_secret(self, request: Request) -> Response:
        self.store.delete_secret()
        return Response(status_code=204)

    # ---- logs ----

    async def list_logs(self, request: Request) -> Response:
        query = self._read("listWebhookLogs", request)
        page, size = query["page"], query["size"] or DEFAULT_PAGE_SIZE
        try:
            filters = LogFilters(
                webhook_type=query["webhookType"],
                retry_attempts_min=query["retryAttemptsMin"],
                retry_attempts_max=query["retryAttemptsMax"],
                last_response_status=query["lastResponseStatus"],
                start_ms=_timestamp_ms(query["startTimestamp"]),
                end_ms=_timestamp_ms(query["endTimestamp"]),
                start_last_retry_ms=_timestamp_ms(query["startLastRetryTimestamp"]),
                end_last_retry_ms=_timestamp_ms(query["endLastRetryTimestamp"]),
            )
        except _NotATime:
            return _page([], page=page, size=size, total=0)  # no log was made at a time that is not one
        logs, total = self.store.logs_page(filters, page, size)
        return _page(logs, page=page, size=size, total=total)

    # ---- test triggers ----

    async def trigger_status(self, request: Request) -> Response:
        body = await self.status_test_body.read(request)
        payload: JsonObject = {
            "id": body.get("orderId"),
            "orderEvent": {"name": body["orderStatusName"], "eventTimestamp": iso_timestamp(now_ms())},
        }
        if body.get("externalOrderIds") is not None:
            payload["externalOrderIds"] = body["externalOrderIds"]
        self.deliverer.send_test_event(ORDER_STATUS_EVENT, payload)
        return Response(status_code=201)

    async def trigger_status_full(self, request: Request) -> Response:
        body = await self.full_test_body.read(request)
        status = body.get("orderStatus") or _orders.INITIAL_STATUS
        tracking = body.get("trackingNumber")
        order: JsonObject = {
            "id": body.get("orderId") or 0,
            "externalOrderIds": list(body.get("externalOrderIds") or []),
            "patient": None if body.get("patientId") is None else {"id": body["patientId"]},
            "currentStatus": status,
            "orderEvents": [{"name": status, "eventTimestamp": iso_timestamp(now_ms())}],
            "trackingNumbers": [] if tracking is None else [{"carrier": None, "value": tracking}],
        }
        self.deliverer.send_test_event(ORDER_STATUS_FULL_EVENT, order)
        return Response(status_code=201)
