"""Safe creates: one call, at most one order, never a stored order reported as failed.

Real servers on loopback: the mock, behind a proxy that breaks creates the way networks do
(fault_proxy.py). After each call the orders the mock holds are counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fault_proxy import FaultProxy
from impilo_fakes import SleepRecorder, as_body

from impilo import (
    APIConnectionError,
    APITimeoutError,
    AsyncImpilo,
    Impilo,
    NotFoundError,
    OrderOutcomeUnknownError,
    RetryPolicy,
    ServerError,
)
from impilo._constants import SAFE_CREATE_TAG_PREFIX
from impilo_mock import MockServer
from impilo_spec.rule_cases import case

BODY = case("docs-patient-order").body
TIMEOUT = httpx.Timeout(1.0, connect=1.0)
FAST = RetryPolicy(rng=lambda: 0.0)


@pytest.fixture
def mock(impilo_mock_server: MockServer) -> MockServer:
    return impilo_mock_server


def _orders_held(mock: MockServer) -> list[dict[str, Any]]:
    """Every order the mock holds, read straight from it (not through the proxy)."""
    answer = httpx.get(f"{mock.base_url}/api/v3/order", params={"size": 250}, headers={"Impilo-API-Key": mock.api_key})
    content: list[dict[str, Any]] = answer.json()["content"]
    return content


@pytest.fixture
def proxied(mock: MockServer) -> Iterator[tuple[FaultProxy, Impilo]]:
    with FaultProxy(mock.base_url, []) as proxy:
        with Impilo(
            mock.api_key, base_url=proxy.base_url, timeout=TIMEOUT, retry_policy=FAST, sleep=SleepRecorder()
        ) as client:
            yield proxy, client


@pytest.mark.parametrize("fault", ["drop-after-store", "502-after-store", "slow-after-store"])
def test_an_order_stored_before_the_answer_was_lost_is_found_not_placed_again(
    proxied: tuple[FaultProxy, Impilo], mock: MockServer, fault: str
) -> None:
    proxy, client = proxied
    proxy.faults = [fault]
    order = client.orders.create(as_body(BODY), retry_safely=True)
    held = _orders_held(mock)
    assert len(held) == 1 and proxy.posts_forwarded == 1
    assert held[0]["id"] == order.id
    tag = next(t for t in order.external_order_ids or [] if t.startswith(SAFE_CREATE_TAG_PREFIX))
    assert order.external_order_ids == [*BODY["externalOrderIds"], tag]


@pytest.mark.parametrize("fault", ["503-before-store", "reset-before-store"])
def test_an_order_never_stored_is_sent_again_once(
    proxied: tuple[FaultProxy, Impilo], mock: MockServer, fault: str
) -> None:
    proxy, client = proxied
    proxy.faults = [fault]
    order = client.orders.create(as_body(BODY), retry_safely=True)
    assert [o["id"] for o in _orders_held(mock)] == [order.id]
    assert proxy.posts_forwarded == 1
    assert proxy.lookups == 2  # looked up at once, and again after the backoff, before sending again


def test_when_the_budget_is_spent_it_fails_with_no_order_left_behind(
    proxied: tuple[FaultProxy, Impilo], mock: MockServer
) -> None:
    proxy, client = proxied
    proxy.faults = ["503-before-store"] * 10
    with pytest.raises(ServerError, match="503"):
        client.orders.create(as_body(BODY), retry_safely=True, max_retries=2)
    assert _orders_held(mock) == [] and proxy.posts_forwarded == 0


def test_a_lookup_that_fails_says_the_outcome_is_unknown_and_names_the_tag(
    proxied: tuple[FaultProxy, Impilo], mock: MockServer
) -> None:
    proxy, client = proxied
    proxy.faults = ["drop-after-store"]
    proxy.break_lookups = True
    with pytest.raises(OrderOutcomeUnknownError) as raised:
        client.orders.create(as_body(BODY), retry_safely=True, unique_external_id="po-4711")
    assert raised.value.tag == "po-4711" and "po-4711" in str(raised.value)
    assert isinstance(raised.value.__cause__, ServerError)
    held = _orders_held(mock)
    assert len(held) == 1 and "po-4711" in held[0]["externalOrderIds"]  # the order may exist: it does


def test_a_refusal_is_never_retried(proxied: tuple[FaultProxy, Impilo], mock: MockServer) -> None:
    proxy, client = proxied
    unknown_item = {"patient": {"id": 1234}, "orderItems": [{"item": {"id": 999_999}, "count": 1}]}
    with pytest.raises(NotFoundError) as raised:  # the mock's choice for an unknown id: 404
        client.orders.create(as_body(unknown_item), retry_safely=True)
    assert raised.value.status_code == 404
    assert proxy.posts_forwarded == 1 and proxy.lookups == 0 and _orders_held(mock) == []


def test_the_callers_own_unique_id_is_the_tag(proxied: tuple[FaultProxy, Impilo], mock: MockServer) -> None:
    proxy, client = proxied
    proxy.faults = ["502-after-store"]
    body = {**BODY, "externalOrderIds": ["po-1"]}
    order = client.orders.create(as_body(body), retry_safely=True, unique_external_id="po-1")
    assert order.external_order_ids == ["po-1"] and len(_orders_held(mock)) == 1


def test_without_retry_safely_a_lost_answer_is_an_error_though_the_order_exists(
    proxied: tuple[FaultProxy, Impilo], mock: MockServer
) -> None:
    """Why safe creates exist: a plain create is sent once, and a lost answer leaves an order behind."""
    proxy, client = proxied
    proxy.faults = ["slow-after-store"]
    with pytest.raises(APITimeoutError):
        client.orders.create(as_body(BODY))
    assert len(_orders_held(mock)) == 1 and proxy.posts_forwarded == 1
    proxy.faults = ["drop-after-store"]
    with pytest.raises(APIConnectionError):
        client.orders.create(as_body(BODY))
    assert len(_orders_held(mock)) == 2


@pytest.mark.parametrize("fault", ["drop-after-store", "502-after-store", "slow-after-store", "503-before-store"])
async def test_async_safe_create_ends_with_exactly_one_order(mock: MockServer, fault: str) -> None:
    waits = SleepRecorder()
    with FaultProxy(mock.base_url, [fault]) as proxy:
        async with AsyncImpilo(
            mock.api_key, base_url=proxy.base_url, timeout=TIMEOUT, retry_policy=FAST, sleep=waits.async_sleep
        ) as client:
            order = await client.orders.create(as_body(BODY), retry_safely=True)
    assert [o["id"] for o in _orders_held(mock)] == [order.id]


def test_two_orders_under_one_tag_are_said_not_hidden(
    proxied: tuple[FaultProxy, Impilo], mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A server that stored the first create late: the look-up finds two; the first is returned, and logged."""
    proxy, client = proxied
    body = {**BODY, "externalOrderIds": ["po-twice"]}
    Impilo(mock.api_key, base_url=mock.base_url).orders.create(as_body(body))  # stored earlier, answer lost
    Impilo(mock.api_key, base_url=mock.base_url).orders.create(as_body(body))
    proxy.faults = ["503-before-store"]
    with caplog.at_level("WARNING", logger="impilo"):
        order = client.orders.create(as_body(body), retry_safely=True, unique_external_id="po-twice")
    first = _orders_held(mock)[0]
    assert order.id == first["id"] and proxy.posts_forwarded == 0
    assert any("2 orders carry the tag" in record.getMessage() for record in caplog.records)
