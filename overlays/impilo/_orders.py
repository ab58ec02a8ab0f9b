"""`client.orders`: create, get, list, iter, void; sync (`Orders`) and async (`AsyncOrders`).

Each method builds its request with the generated operation's request builder (`_get_kwargs`:
path, query, JSON body, exactly as the generated `sync_detailed` would) and decodes a success with
the generated model's `from_dict`. Only sending is the facade's own, because the generated
`*_detailed` functions parse every error body with `Error.from_dict(<JSON of the body>)` before the
caller sees the response: a proxy's HTML 502 would raise a JSONDecodeError there instead of a
`ServerError`, and a 429's Retry-After would be out of reach.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import orjson

from impilo_orders_api.api.orders import create_order, fetch_order, list_orders, void_order
from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_create_request import OrderCreateRequest
from impilo_orders_api.models.order_page import OrderPage
from impilo_orders_api.types import UNSET

from ._constants import DEFAULT_CREATE_RETRIES
from ._exceptions import unexpected_response
from ._pagination import walk_pages, walk_pages_async
from .rules import check_order, check_parameter
from .spec import parameter_schema

if TYPE_CHECKING:
    from ._client import AsyncImpilo, Impilo

Model = TypeVar("Model")
TimeoutArg = float | httpx.Timeout | None

DEFAULT_PAGE_SIZE: int = parameter_schema("listOrders", "size")["default"]
MAX_PAGE_SIZE: int = parameter_schema("listOrders", "size")["maximum"]


def _create_kwargs(body: OrderCreateRequest | Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(body, OrderCreateRequest):
        # Check the dict itself first: from_dict cannot take every broken body (a missing `item`
        # raises KeyError), and the error should name the rule, not a Python exception.
        check_order(dict(body))
        body = OrderCreateRequest.from_dict(body)
    # A model is checked by the httpx hook on its JSON, like any generated create call.
    return create_order._get_kwargs(body=body)


def _order_id_kwargs(operation_id: str, order_id: int, builder: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    check_parameter(operation_id, "orderId", order_id)
    return builder(order_id=order_id)


def _list_kwargs(
    page: int, size: int, patient_id: int | None, external_order_ids: str | Sequence[str] | None
) -> dict[str, Any]:
    check_parameter("listOrders", "page", page)
    check_parameter("listOrders", "size", size)
    if patient_id is not None:
        check_parameter("listOrders", "patientId", patient_id)
    ids = [external_order_ids] if isinstance(external_order_ids, str) else external_order_ids
    return list_orders._get_kwargs(
        page=page,
        size=size,
        patient_id=UNSET if patient_id is None else patient_id,
        external_order_id=UNSET if ids is None else list(ids),
    )


def decode(response: httpx.Response, parse: Callable[[dict[str, Any]], Model], secret: str | None) -> Model:
    """A success response as a generated model; UnexpectedResponseError if it is not a JSON object."""
    try:
        payload = orjson.loads(response.content)  # the JSON library the generated client uses
    except ValueError:
        raise unexpected_response(response, "a body that is not JSON", secret=secret) from None
    if not isinstance(payload, dict):
        raise unexpected_response(response, f"a JSON {type(payload).__name__} instead of an object", secret=secret)
    try:
        return parse(payload)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise unexpected_response(response, f"a body the models cannot read ({exc!r})", secret=secret) from exc


class Orders:
    """Orders through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def create(
        self,
        body: OrderCreateRequest | Mapping[str, Any],
        *,
        timeout: TimeoutArg = None,
        max_retries: int = DEFAULT_CREATE_RETRIES,
    ) -> Order:
        """Place an order. A body that breaks a rule raises OrderRuleError and is never sent.

        Not retried by default: a create is not idempotent, and a retry after a lost answer can
        place the order twice. Pass `max_retries` only with `externalOrderIds` you can look up.
        """
        response = self._client._send(_create_kwargs(body), timeout=timeout, max_retries=max_retries)
        return decode(response, Order.from_dict, self._client._api_key)

    def get(self, order_id: int, *, timeout: TimeoutArg = None) -> Order:
        """Fetch one order by id; NotFoundError if there is none."""
        kwargs = _order_id_kwargs("fetchOrder", order_id, fetch_order._get_kwargs)
        response = self._client._send(kwargs, timeout=timeout)
        return decode(response, Order.from_dict, self._client._api_key)

    def list(
        self,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
        *,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
    ) -> OrderPage:
        """One page of orders (pages count from 1; size at most 250), optionally filtered."""
        response = self._client._send(_list_kwargs(page, size, patient_id, external_order_ids), timeout=timeout)
        return decode(response, OrderPage.from_dict, self._client._api_key)

    def iter(
        self,
        *,
        size: int = MAX_PAGE_SIZE,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
    ) -> Iterator[Order]:
        """Every matching order, fetching pages lazily as the loop reaches them (see _pagination)."""
        _list_kwargs(1, size, patient_id, external_order_ids)  # refuse bad arguments now, not at first next()

        def fetch(page: int) -> OrderPage:
            return self.list(page, size, patient_id=patient_id, external_order_ids=external_order_ids, timeout=timeout)

        return walk_pages(fetch)

    def void(self, order_id: int, *, timeout: TimeoutArg = None) -> None:
        """Void an order (it is kept, with status `voided`); ConflictError if it can no longer be voided."""
        self._client._send(_order_id_kwargs("voidOrder", order_id, void_order._get_kwargs), timeout=timeout)


class AsyncOrders:
    """Orders through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def create(
        self,
        body: OrderCreateRequest | Mapping[str, Any],
        *,
        timeout: TimeoutArg = None,
        max_retries: int = DEFAULT_CREATE_RETRIES,
    ) -> Order:
        """Place an order; see `Orders.create` (never retried by default)."""
        response = await self._client._send(_create_kwargs(body), timeout=timeout, max_retries=max_retries)
        return decode(response, Order.from_dict, self._client._api_key)

    async def get(self, order_id: int, *, timeout: TimeoutArg = None) -> Order:
        """Fetch one order by id; NotFoundError if there is none."""
        kwargs = _order_id_kwargs("fetchOrder", order_id, fetch_order._get_kwargs)
        response = await self._client._send(kwargs, timeout=timeout)
        return decode(response, Order.from_dict, self._client._api_key)

    async def list(
        self,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
        *,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
    ) -> OrderPage:
        """One page of orders (pages count from 1; size at most 250), optionally filtered."""
        kwargs = _list_kwargs(page, size, patient_id, external_order_ids)
        response = await self._client._send(kwargs, timeout=timeout)
        return decode(response, OrderPage.from_dict, self._client._api_key)

    def iter(
        self,
        *,
        size: int = MAX_PAGE_SIZE,
        patient_id: int | None = None,
        external_order_ids: str | Sequence[str] | None = None,
        timeout: TimeoutArg = None,
    ) -> AsyncGenerator[Order, None]:
        """Every matching order (`async for`), with a few page requests in flight (see _pagination)."""
        _list_kwargs(1, size, patient_id, external_order_ids)

        async def fetch(page: int) -> OrderPage:
            return await self.list(
                page, size, patient_id=patient_id, external_order_ids=external_order_ids, timeout=timeout
            )

        return walk_pages_async(fetch)

    async def void(self, order_id: int, *, timeout: TimeoutArg = None) -> None:
        """Void an order; see `Orders.void`."""
        await self._client._send(_order_id_kwargs("voidOrder", order_id, void_order._get_kwargs), timeout=timeout)
