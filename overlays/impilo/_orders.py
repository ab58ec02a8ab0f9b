"""`client.orders`: create (safely, if asked), get, list, iter, void; sync (`Orders`) and async (`AsyncOrders`).

Requests are built by the generated request builders and sent by the client (see `_resource`).
A create body is a generated `OrderCreateRequest` or a dict (typed as `OrderCreateRequestParam`,
so a type checker flags a misspelt key); either way the rules are checked before it is sent.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import httpx

from impilo_orders_api.api.orders import create_order, fetch_order, list_orders, void_order
from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_create_request import OrderCreateRequest
from impilo_orders_api.models.order_page import OrderPage
from impilo_orders_api.params import OrderCreateRequestParam

from ._pagination import walk_pages, walk_pages_async
from ._resource import Call, TimeoutArg, build, decode, listed
from ._retry import RetryBudget, logger
from ._safe_create import SafeCreate, create_safely, create_safely_async, new_tag, tagged
from .rules import check_order
from .spec import parameter_schema

if TYPE_CHECKING:
    from ._client import AsyncImpilo, Impilo

DEFAULT_PAGE_SIZE: int = parameter_schema("listOrders", "size")["default"]
MAX_PAGE_SIZE: int = parameter_schema("listOrders", "size")["maximum"]
CreateBody = OrderCreateRequest | OrderCreateRequestParam


def _body_dict(body: CreateBody | Mapping[str, Any]) -> dict[str, Any]:
    """The create body as JSON data, checked against the rules (OrderRuleError names what is wrong)."""
    data = body.to_dict() if isinstance(body, OrderCreateRequest) else dict(body)
    # Check the dict itself first: from_dict cannot take every broken body (a missing `item`
    # raises KeyError), and the error should name the rule, not a Python exception.
    check_order(data)
    return data


def create_call(body: dict[str, Any]) -> Call[Order]:
    # Through the request model, as the generated create_order sends it; the httpx hook checks it again.
    kwargs = create_order._get_kwargs(body=OrderCreateRequest.from_dict(body))
    return Call("createOrder", kwargs, Order, max_retries=0)


def fetch_call(order_id: int) -> Call[Order]:
    return Call("fetchOrder", build(fetch_order._get_kwargs, "fetchOrder", order_id=order_id), Order)


def list_call(
    page: int, size: int, patient_id: int | None, external_order_ids: str | Sequence[str] | None
) -> Call[OrderPage]:
    kwargs = build(
        list_orders._get_kwargs,
        "listOrders",
        page=page,
        size=size,
        patient_id=patient_id,
        external_order_id=listed(external_order_ids),
    )
    return Call("listOrders", kwargs, OrderPage)


def void_call(order_id: int) -> Call[None]:
    return Call("voidOrder", build(void_order._get_kwargs, "voidOrder", order_id=order_id))


def _first_tagged(page: OrderPage, tag: str) -> Order | None:
    """The order carrying `tag`, filtered here too: a server may ignore the list's filter.

    More than one means the server stored the create twice (it can only happen to a server that
    stores an order later than the client's second look-up): the first is returned, and said.
    """
    found = [
        order
        for order in (page.content if isinstance(page.content, list) else [])
        if isinstance(order, Order) and isinstance(order.external_order_ids, list) and tag in order.external_order_ids
    ]
    if len(found) > 1:
        logger.warning(
            "safe create %s: %d orders carry the tag (ids %s); returning the first",
            tag,
            len(found),
            ", ".join(str(order.id) for order in found),
        )
    return found[0] if found else None


def _safe_plan(client: Impilo | AsyncImpilo, tag: str, max_retries: int | None) -> SafeCreate:
    retries = client.retry_policy.max_retries if max_retries is None else max_retries
    return SafeCreate(tag, RetryBudget(client.retry_policy, "POST", retries), secret=client._api_key)


class Orders:
    """Orders through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def create(
        self,
        body: CreateBody,
        *,
        retry_safely: bool = False,
        unique_external_id: str | None = None,
        max_retries: int | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Order:
        """Place an order. A body that breaks a rule raises OrderRuleError and is never sent.

        By default a create is sent once and never retried: it is not idempotent, and a retry after
        a lost answer can place the order twice. With `retry_safely=True` it is tagged with an
        external order id unique to the call (`unique_external_id`, if you have one of your own
        that no other order carries, else a new one), and after an ambiguous failure the client
        looks the tag up before sending again (see `impilo._safe_create`): one call, at most one
        order. `max_retries` caps those re-sends (default: the client's retry policy).
        """
        data = _body_dict(body)
        if not retry_safely:
            return self._client._run(create_call(data), timeout=timeout, strict=strict)
        tag = unique_external_id or new_tag()
        call = create_call(tagged(data, tag))
        http = self._client.generated.get_httpx_client()
        per_call = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout

        def lookup(tag: str) -> Order | None:
            return _first_tagged(self.list(1, MAX_PAGE_SIZE, external_order_ids=[tag], timeout=timeout), tag)

        plan = _safe_plan(self._client, tag, max_retries)
        outcome = create_safely(
            plan, lambda: http.request(**call.kwargs, timeout=per_call), lookup, self._client._sleep
        )
        if isinstance(outcome, Order):
            return outcome
        strict_now = self._client.strict if strict is None else strict
        return decode(call, outcome, strict=strict_now, secret=self._client._api_key)

    def get(self, order_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Order:
        """Fetch one order by id; NotFoundError if there is none."""
        return self._client._run(fetch_call(order_id), timeout=timeout, strict=strict)

    def list(
        self,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
        *,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> OrderPage:
        """One page of orders (pages count from 1; size at most 250), optionally filtered."""
        call = list_call(page, size, patient_id, external_order_ids)
        return self._client._run(call, timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = MAX_PAGE_SIZE,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Iterator[Order]:
        """Every matching order, fetching pages lazily as the loop reaches them (see _pagination)."""
        list_call(1, size, patient_id, external_order_ids)  # refuse bad arguments now, not at first next()

        def fetch(page: int) -> OrderPage:
            return self.list(
                page, size, patient_id=patient_id, external_order_ids=external_order_ids, timeout=timeout, strict=strict
            )

        return walk_pages(fetch)

    def void(self, order_id: int, *, timeout: TimeoutArg = None) -> None:
        """Void an order (it is kept, with status `voided`); ConflictError if it can no longer be voided."""
        self._client._run(void_call(order_id), timeout=timeout)


class AsyncOrders:
    """Orders through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def create(
        self,
        body: CreateBody,
        *,
        retry_safely: bool = False,
        unique_external_id: str | None = None,
        max_retries: int | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Order:
        """Place an order; see `Orders.create` (sent once, unless `retry_safely=True`)."""
        data = _body_dict(body)
        if not retry_safely:
            return await self._client._run(create_call(data), timeout=timeout, strict=strict)
        tag = unique_external_id or new_tag()
        call = create_call(tagged(data, tag))
        http = self._client.generated.get_async_httpx_client()
        per_call = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout

        async def lookup(tag: str) -> Order | None:
            page = await self.list(1, MAX_PAGE_SIZE, external_order_ids=[tag], timeout=timeout)
            return _first_tagged(page, tag)

        plan = _safe_plan(self._client, tag, max_retries)
        outcome = await create_safely_async(
            plan, lambda: http.request(**call.kwargs, timeout=per_call), lookup, self._client._sleep
        )
        if isinstance(outcome, Order):
            return outcome
        strict_now = self._client.strict if strict is None else strict
        return decode(call, cast(Any, outcome), strict=strict_now, secret=self._client._api_key)

    async def get(self, order_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Order:
        """Fetch one order by id; NotFoundError if there is none."""
        return await self._client._run(fetch_call(order_id), timeout=timeout, strict=strict)

    async def list(
        self,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
        *,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> OrderPage:
        """One page of orders (pages count from 1; size at most 250), optionally filtered."""
        call = list_call(page, size, patient_id, external_order_ids)
        return await self._client._run(call, timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = MAX_PAGE_SIZE,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> AsyncGenerator[Order, None]:
        """Every matching order (`async for`), with a few page requests in flight (see _pagination)."""
        list_call(1, size, patient_id, external_order_ids)

        async def fetch(page: int) -> OrderPage:
            return await self.list(
                page, size, patient_id=patient_id, external_order_ids=external_order_ids, timeout=timeout, strict=strict
            )

        return walk_pages_async(fetch)

    async def void(self, order_id: int, *, timeout: TimeoutArg = None) -> None:
        """Void an order; see `Orders.void`."""
        await self._client._run(void_call(order_id), timeout=timeout)
