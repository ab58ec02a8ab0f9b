"""Every path that sends an order refuses a rule-breaking body before a single byte is sent.

The paths: the facade's create (sync and async, dict or model body) and the generated
`create_order.sync/sync_detailed/asyncio/asyncio_detailed` called with `client.generated`, for the
sync and the async facade, and with an httpx client the caller brought. Each runs on a transport
that fails the test if it is called at all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from impilo_fakes import (
    API_KEY,
    BASE_URL,
    Recorder,
    as_body,
    make_async_client,
    make_client,
    nothing_may_be_sent,
    order_json,
)

from impilo import AsyncImpilo, Impilo, OrderRuleError
from impilo_orders_api.api.orders import create_order
from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_create_request import OrderCreateRequest
from impilo_spec.rule_cases import REFUSED_CASES as INVALID_CASES
from impilo_spec.rule_cases import SENT_CASES as VALID_CASES


def as_model(body: dict[str, Any]) -> OrderCreateRequest:
    """The generated model whose to_dict() is exactly `body`, however broken the body is."""
    try:
        model = OrderCreateRequest.from_dict(body)
        if model.to_dict() == body:
            return model
    except (KeyError, TypeError, ValueError, AttributeError):
        pass  # from_dict cannot take this body; carry it verbatim instead
    model = OrderCreateRequest()
    model.additional_properties.update(body)
    assert model.to_dict() == body
    return model


def _facade_dict(client: Impilo, body: dict[str, Any]) -> Any:
    return client.orders.create(as_body(body))


def _facade_model(client: Impilo, body: dict[str, Any]) -> Any:
    return client.orders.create(as_model(body))


def _generated_sync(client: Impilo, body: dict[str, Any]) -> Any:
    return create_order.sync(client=client.generated, body=as_model(body))


def _generated_sync_detailed(client: Impilo, body: dict[str, Any]) -> Any:
    return create_order.sync_detailed(client=client.generated, body=as_model(body)).parsed


def _generated_asyncio(client: Impilo, body: dict[str, Any]) -> Any:
    return asyncio.run(create_order.asyncio(client=client.generated, body=as_model(body)))


def _generated_asyncio_detailed(client: Impilo, body: dict[str, Any]) -> Any:
    return asyncio.run(create_order.asyncio_detailed(client=client.generated, body=as_model(body))).parsed


SYNC_PATHS: dict[str, Callable[[Impilo, dict[str, Any]], Any]] = {
    "facade-create-dict": _facade_dict,
    "facade-create-model": _facade_model,
    "generated-sync": _generated_sync,
    "generated-sync_detailed": _generated_sync_detailed,
    "generated-asyncio": _generated_asyncio,
    "generated-asyncio_detailed": _generated_asyncio_detailed,
}


async def _async_facade_dict(client: AsyncImpilo, body: dict[str, Any]) -> Any:
    return await client.orders.create(as_body(body))


async def _async_facade_model(client: AsyncImpilo, body: dict[str, Any]) -> Any:
    return await client.orders.create(as_model(body))


async def _async_generated_asyncio(client: AsyncImpilo, body: dict[str, Any]) -> Any:
    return await create_order.asyncio(client=client.generated, body=as_model(body))


async def _async_generated_asyncio_detailed(client: AsyncImpilo, body: dict[str, Any]) -> Any:
    return (await create_order.asyncio_detailed(client=client.generated, body=as_model(body))).parsed


ASYNC_PATHS = {
    "async-facade-create-dict": _async_facade_dict,
    "async-facade-create-model": _async_facade_model,
    "async-generated-asyncio": _async_generated_asyncio,
    "async-generated-asyncio_detailed": _async_generated_asyncio_detailed,
}


def _assert_refused_for_its_rule(error: OrderRuleError, rule_case: Any) -> None:
    assert (rule_case.rule, rule_case.path) in {(v.rule, v.path) for v in error.errors}


@pytest.mark.parametrize("path", SYNC_PATHS)
@pytest.mark.parametrize("rule_case", INVALID_CASES, ids=str)
def test_invalid_body_never_leaves_the_machine(path: str, rule_case: Any) -> None:
    client = make_client(nothing_may_be_sent)
    with pytest.raises(OrderRuleError) as caught:
        SYNC_PATHS[path](client, rule_case.body)
    _assert_refused_for_its_rule(caught.value, rule_case)


@pytest.mark.parametrize("path", ASYNC_PATHS)
@pytest.mark.parametrize("rule_case", INVALID_CASES, ids=str)
async def test_invalid_body_never_leaves_the_machine_async(path: str, rule_case: Any) -> None:
    client = make_async_client(nothing_may_be_sent)
    with pytest.raises(OrderRuleError) as caught:
        await ASYNC_PATHS[path](client, rule_case.body)
    _assert_refused_for_its_rule(caught.value, rule_case)


def _created(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json=order_json(77))


@pytest.mark.parametrize("path", SYNC_PATHS)
@pytest.mark.parametrize("rule_case", VALID_CASES, ids=str)
def test_valid_body_is_sent_exactly_as_given(path: str, rule_case: Any) -> None:
    recorder = Recorder(_created)
    result = SYNC_PATHS[path](make_client(recorder), rule_case.body)
    assert isinstance(result, Order) and result.id == 77
    assert recorder.bodies == [rule_case.body]
    assert recorder.requests[0].headers["Impilo-API-Key"] == API_KEY


@pytest.mark.parametrize("path", ASYNC_PATHS)
@pytest.mark.parametrize("rule_case", VALID_CASES[:3], ids=str)
async def test_valid_body_is_sent_exactly_as_given_async(path: str, rule_case: Any) -> None:
    recorder = Recorder(_created)
    result = await ASYNC_PATHS[path](make_async_client(recorder), rule_case.body)
    assert isinstance(result, Order) and result.id == 77
    assert recorder.bodies == [rule_case.body]


def test_a_callers_own_http_client_gets_the_check_and_the_key() -> None:
    refused = httpx.Client(transport=httpx.MockTransport(nothing_may_be_sent))
    client = Impilo(API_KEY, base_url=BASE_URL, http_client=refused)
    with pytest.raises(OrderRuleError):
        create_order.sync(client=client.generated, body=as_model(INVALID_CASES[0].body))
    with pytest.raises(OrderRuleError):
        client.orders.create(as_model(INVALID_CASES[0].body))

    recorder = Recorder(_created)
    own = httpx.Client(transport=recorder.transport)
    Impilo(API_KEY, base_url=BASE_URL, http_client=own).orders.create(as_body(VALID_CASES[0].body))
    sent = recorder.requests[0]
    assert str(sent.url) == f"{BASE_URL}/api/v3/order" and sent.headers["Impilo-API-Key"] == API_KEY


async def test_a_callers_own_async_http_client_gets_the_check() -> None:
    refused = httpx.AsyncClient(transport=httpx.MockTransport(nothing_may_be_sent))
    client = AsyncImpilo(API_KEY, base_url=BASE_URL, http_client=refused)
    with pytest.raises(OrderRuleError):
        await create_order.asyncio(client=client.generated, body=as_model(INVALID_CASES[0].body))


def test_a_streamed_create_body_is_checked_too() -> None:
    # Not what the generated code sends, but a caller using the httpx client directly is guarded as well.
    client = make_client(nothing_may_be_sent)
    body = json.dumps(INVALID_CASES[0].body).encode()
    with pytest.raises(OrderRuleError):
        client.generated.get_httpx_client().post("/api/v3/order", content=iter([body]))


def test_other_requests_are_not_checked() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=order_json(5)))
    make_client(recorder).generated.get_httpx_client().post("/api/v3/order/5/notes", json={"anything": True})
    assert len(recorder.requests) == 1
