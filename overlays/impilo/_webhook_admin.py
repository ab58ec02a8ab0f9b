"""`client.webhooks`: register URLs for events, the account's secret (`.secret`), delivery logs (`.logs`).

FACTS, "Webhooks (order status)": a URL is registered per event type (`order.status`,
`order.statusFull`, or any other type the vendor has); one shared secret per account is sent
verbatim in `Impilo-Webhook-Secret` with every delivery; every delivery attempt is logged. To
receive events, see `impilo.webhooks` (parse, verify, deduplicate).

Registering (POST) is never retried: a second registration would deliver every event twice.
Changing a URL or the secret (PATCH) is retried like a GET; deleting like a void. The secret is
never shown in a repr, a log line or an error message.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from impilo_orders_api.api.webhooks import (
    create_webhook,
    create_webhook_secret,
    delete_webhook,
    delete_webhook_secret,
    fetch_webhook,
    fetch_webhook_secret,
    list_webhook_logs,
    list_webhooks,
    trigger_order_status_full_webhook,
    trigger_order_status_webhook,
    update_webhook,
    update_webhook_secret,
)
from impilo_orders_api.models import (
    OrderStatusFullWebhookTest,
    OrderStatusWebhookTest,
    Webhook,
    WebhookCreateRequest,
    WebhookLog,
    WebhookLogPage,
    WebhookPage,
    WebhookSecret,
    WebhookSecretRequest,
    WebhookUpdateRequest,
)

from ._pagination import walk_pages, walk_pages_async
from ._resource import Call, TimeoutArg, build, checked, unset
from ._secrets import protect_logs
from .rules import check_body

if TYPE_CHECKING:
    from ._client import AsyncImpilo, Impilo

ITER_PAGE_SIZE = 100
T = TypeVar("T")


def _checked(body: T) -> T:
    """A request model, held to its schema's rules in the contract view before it is sent."""
    check_body(type(body).__name__, body)
    return body


def create_call(type: str, url: str) -> Call[Webhook]:
    kwargs = create_webhook._get_kwargs(body=_checked(WebhookCreateRequest(type_=type, url=url)))
    return Call("createWebhook", kwargs, Webhook, max_retries=0)


def list_call(page: int, size: int | None) -> Call[WebhookPage]:
    return Call("listWebhooks", build(list_webhooks._get_kwargs, "listWebhooks", page=page, size=size), WebhookPage)


def fetch_call(webhook_id: int) -> Call[Webhook]:
    return Call("fetchWebhook", build(fetch_webhook._get_kwargs, "fetchWebhook", webhook_id=webhook_id), Webhook)


def update_call(webhook_id: int, url: str) -> Call[Webhook]:
    arguments = checked("updateWebhook", webhook_id=webhook_id)
    kwargs = update_webhook._get_kwargs(arguments["webhook_id"], body=_checked(WebhookUpdateRequest(url=url)))
    return Call("updateWebhook", kwargs, Webhook)


def delete_call(webhook_id: int) -> Call[None]:
    return Call("deleteWebhook", build(delete_webhook._get_kwargs, "deleteWebhook", webhook_id=webhook_id))


def logs_call(page: int, size: int | None, filters: dict[str, Any]) -> Call[WebhookLogPage]:
    kwargs = build(list_webhook_logs._get_kwargs, "listWebhookLogs", page=page, size=size, **filters)
    return Call("listWebhookLogs", kwargs, WebhookLogPage)


def fetch_secret_call() -> Call[WebhookSecret]:
    return Call("fetchWebhookSecret", fetch_webhook_secret._get_kwargs(), WebhookSecret)


def set_secret_call(secret: str, *, first: bool) -> Call[WebhookSecret]:
    """POST the secret (`first`: set one; sent once) or PATCH it (change it; retried like a GET)."""
    body = _checked(WebhookSecretRequest(secret=secret))
    protect_logs(secret)  # a server that echoes it back has it redacted from log lines and messages
    if first:
        return Call("createWebhookSecret", create_webhook_secret._get_kwargs(body=body), WebhookSecret, max_retries=0)
    return Call("updateWebhookSecret", update_webhook_secret._get_kwargs(body=body), WebhookSecret)


def delete_secret_call() -> Call[None]:
    return Call("deleteWebhookSecret", delete_webhook_secret._get_kwargs())


def test_status_call(
    order_status_name: str, order_id: int | None, external_order_ids: Sequence[str] | None
) -> Call[None]:
    body = OrderStatusWebhookTest(
        order_status_name=order_status_name,
        order_id=unset(order_id),
        external_order_ids=unset(None if external_order_ids is None else list(external_order_ids)),
    )
    kwargs = trigger_order_status_webhook._get_kwargs(body=_checked(body))
    return Call("triggerOrderStatusWebhook", kwargs, max_retries=0)


def test_status_full_call(
    order_id: int | None,
    external_order_ids: Sequence[str] | None,
    patient_id: int | None,
    order_status: str | None,
    tracking_number: str | None,
) -> Call[None]:
    body = OrderStatusFullWebhookTest(
        order_id=unset(order_id),
        external_order_ids=unset(None if external_order_ids is None else list(external_order_ids)),
        patient_id=unset(patient_id),
        order_status=unset(order_status),
        tracking_number=unset(tracking_number),
    )
    kwargs = trigger_order_status_full_webhook._get_kwargs(body=_checked(body))
    return Call("triggerOrderStatusFullWebhook", kwargs, max_retries=0)


class WebhookSecretAPI:
    """The account's webhook secret through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def get(self, *, timeout: TimeoutArg = None, strict: bool | None = None) -> WebhookSecret:
        """The secret deliveries carry; NotFoundError when none is set."""
        found = self._client._run(fetch_secret_call(), timeout=timeout, strict=strict)
        if isinstance(found.secret, str):
            protect_logs(found.secret)
        return found

    def set(self, secret: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> WebhookSecret:
        """Set the secret (the server may refuse with ConflictError when one is set: then `update`)."""
        return self._client._run(set_secret_call(secret, first=True), timeout=timeout, strict=strict)

    def update(self, secret: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> WebhookSecret:
        """Change the secret."""
        return self._client._run(set_secret_call(secret, first=False), timeout=timeout, strict=strict)

    def delete(self, *, timeout: TimeoutArg = None) -> None:
        """Remove the secret: deliveries then carry none."""
        self._client._run(delete_secret_call(), timeout=timeout)


class WebhookLogs:
    """Delivery attempts through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        webhook_type: str | None = None,
        retry_attempts_min: int | None = None,
        retry_attempts_max: int | None = None,
        last_response_status: int | None = None,
        start_timestamp: str | None = None,
        end_timestamp: str | None = None,
        start_last_retry_timestamp: str | None = None,
        end_last_retry_timestamp: str | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> WebhookLogPage:
        """One page of delivery logs, optionally filtered (timestamps in ISO 8601)."""
        filters = dict(
            webhook_type=webhook_type,
            retry_attempts_min=retry_attempts_min,
            retry_attempts_max=retry_attempts_max,
            last_response_status=last_response_status,
            start_timestamp=start_timestamp,
            end_timestamp=end_timestamp,
            start_last_retry_timestamp=start_last_retry_timestamp,
            end_last_retry_timestamp=end_last_retry_timestamp,
        )
        return self._client._run(logs_call(page, size, filters), timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        webhook_type: str | None = None,
        last_response_status: int | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Iterator[WebhookLog]:
        """Every matching delivery log, a page at a time as the loop gets there."""
        filters = dict(webhook_type=webhook_type, last_response_status=last_response_status)
        logs_call(1, size, filters)
        return walk_pages(
            lambda page: self._client._run(logs_call(page, size, filters), timeout=timeout, strict=strict)
        )


class Webhooks:
    """Webhooks through a sync `Impilo` client; `.secret` and `.logs` are the account's secret and delivery logs."""

    def __init__(self, client: Impilo) -> None:
        self._client = client
        self.secret = WebhookSecretAPI(client)
        self.logs = WebhookLogs(client)

    def create(self, type: str, url: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Webhook:
        """Register `url` for the events of `type` (`"order.status"`, `"order.statusFull"`, ...). Sent once."""
        return self._client._run(create_call(type, url), timeout=timeout, strict=strict)

    def get(self, webhook_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Webhook:
        """One webhook; NotFoundError if there is none."""
        return self._client._run(fetch_call(webhook_id), timeout=timeout, strict=strict)

    def list(
        self, page: int = 1, size: int | None = None, *, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> WebhookPage:
        """One page of registered webhooks."""
        return self._client._run(list_call(page, size), timeout=timeout, strict=strict)

    def iter(
        self, *, size: int = ITER_PAGE_SIZE, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> Iterator[Webhook]:
        """Every registered webhook, a page at a time as the loop gets there."""
        list_call(1, size)
        return walk_pages(lambda page: self.list(page, size, timeout=timeout, strict=strict))

    def update(self, webhook_id: int, *, url: str, timeout: TimeoutArg = None, strict: bool | None = None) -> Webhook:
        """Point a webhook at another URL."""
        return self._client._run(update_call(webhook_id, url), timeout=timeout, strict=strict)

    def delete(self, webhook_id: int, *, timeout: TimeoutArg = None) -> None:
        """Stop sending events to a webhook's URL."""
        self._client._run(delete_call(webhook_id), timeout=timeout)

    def test_order_status(
        self,
        order_status_name: str,
        *,
        order_id: int | None = None,
        external_order_ids: Sequence[str] | None = None,
        timeout: TimeoutArg = None,
    ) -> None:
        """Make Impilo send a test `order.status` event to the URLs registered for it."""
        self._client._run(test_status_call(order_status_name, order_id, external_order_ids), timeout=timeout)

    def test_order_status_full(
        self,
        *,
        order_id: int | None = None,
        external_order_ids: Sequence[str] | None = None,
        patient_id: int | None = None,
        order_status: str | None = None,
        tracking_number: str | None = None,
        timeout: TimeoutArg = None,
    ) -> None:
        """Make Impilo send a test `order.statusFull` event to the URLs registered for it."""
        call = test_status_full_call(order_id, external_order_ids, patient_id, order_status, tracking_number)
        self._client._run(call, timeout=timeout)


class AsyncWebhookSecretAPI:
    """The account's webhook secret through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def get(self, *, timeout: TimeoutArg = None, strict: bool | None = None) -> WebhookSecret:
        """The secret deliveries carry; NotFoundError when none is set."""
        found = await self._client._run(fetch_secret_call(), timeout=timeout, strict=strict)
        if isinstance(found.secret, str):
            protect_logs(found.secret)
        return found

    async def set(self, secret: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> WebhookSecret:
        """Set the secret (the server may refuse with ConflictError when one is set: then `update`)."""
        return await self._client._run(set_secret_call(secret, first=True), timeout=timeout, strict=strict)

    async def update(self, secret: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> WebhookSecret:
        """Change the secret."""
        return await self._client._run(set_secret_call(secret, first=False), timeout=timeout, strict=strict)

    async def delete(self, *, timeout: TimeoutArg = None) -> None:
        """Remove the secret: deliveries then carry none."""
        await self._client._run(delete_secret_call(), timeout=timeout)


class AsyncWebhookLogs:
    """Delivery attempts through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        webhook_type: str | None = None,
        retry_attempts_min: int | None = None,
        retry_attempts_max: int | None = None,
        last_response_status: int | None = None,
        start_timestamp: str | None = None,
        end_timestamp: str | None = None,
        start_last_retry_timestamp: str | None = None,
        end_last_retry_timestamp: str | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> WebhookLogPage:
        """One page of delivery logs, optionally filtered (timestamps in ISO 8601)."""
        filters = dict(
            webhook_type=webhook_type,
            retry_attempts_min=retry_attempts_min,
            retry_attempts_max=retry_attempts_max,
            last_response_status=last_response_status,
            start_timestamp=start_timestamp,
            end_timestamp=end_timestamp,
            start_last_retry_timestamp=start_last_retry_timestamp,
            end_last_retry_timestamp=end_last_retry_timestamp,
        )
        return await self._client._run(logs_call(page, size, filters), timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        webhook_type: str | None = None,
        last_response_status: int | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> AsyncGenerator[WebhookLog, None]:
        """Every matching delivery log (`async for`)."""
        filters = dict(webhook_type=webhook_type, last_response_status=last_response_status)
        logs_call(1, size, filters)

        async def fetch(page: int) -> WebhookLogPage:
            return await self._client._run(logs_call(page, size, filters), timeout=timeout, strict=strict)

        return walk_pages_async(fetch)


class AsyncWebhooks:
    """Webhooks through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client
        self.secret = AsyncWebhookSecretAPI(client)
        self.logs = AsyncWebhookLogs(client)

    async def create(self, type: str, url: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Webhook:
        """Register `url` for the events of `type`. Sent once."""
        return await self._client._run(create_call(type, url), timeout=timeout, strict=strict)

    async def get(self, webhook_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Webhook:
        """One webhook; NotFoundError if there is none."""
        return await self._client._run(fetch_call(webhook_id), timeout=timeout, strict=strict)

    async def list(
        self, page: int = 1, size: int | None = None, *, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> WebhookPage:
        """One page of registered webhooks."""
        return await self._client._run(list_call(page, size), timeout=timeout, strict=strict)

    def iter(
        self, *, size: int = ITER_PAGE_SIZE, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> AsyncGenerator[Webhook, None]:
        """Every registered webhook (`async for`)."""
        list_call(1, size)

        async def fetch(page: int) -> WebhookPage:
            return await self.list(page, size, timeout=timeout, strict=strict)

        return walk_pages_async(fetch)

    async def update(
        self, webhook_id: int, *, url: str, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> Webhook:
        """Point a webhook at another URL."""
        return await self._client._run(update_call(webhook_id, url), timeout=timeout, strict=strict)

    async def delete(self, webhook_id: int, *, timeout: TimeoutArg = None) -> None:
        """Stop sending events to a webhook's URL."""
        await self._client._run(delete_call(webhook_id), timeout=timeout)

    async def test_order_status(
        self,
        order_status_name: str,
        *,
        order_id: int | None = None,
        external_order_ids: Sequence[str] | None = None,
        timeout: TimeoutArg = None,
    ) -> None:
        """Make Impilo send a test `order.status` event to the URLs registered for it."""
        await self._client._run(test_status_call(order_status_name, order_id, external_order_ids), timeout=timeout)

    async def test_order_status_full(
        self,
        *,
        order_id: int | None = None,
        external_order_ids: Sequence[str] | None = None,
        patient_id: int | None = None,
        order_status: str | None = None,
        tracking_number: str | None = None,
        timeout: TimeoutArg = None,
    ) -> None:
        """Make Impilo send a test `order.statusFull` event to the URLs registered for it."""
        call = test_status_full_call(order_id, external_order_ids, patient_id, order_status, tracking_number)
        await self._client._run(call, timeout=timeout)
