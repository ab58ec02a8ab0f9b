"""orders.iter(): lazy, from page 1, filters kept, and it ends even when the server never says `last`."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest
from impilo_fakes import API_KEY, BASE_URL, Recorder, make_async_client, make_client, page_json

from impilo import AsyncImpilo
from impilo._constants import ASYNC_PAGES_IN_FLIGHT

# Many pages here leave out `total` or `last` on purpose (servers that never end a walk by
# themselves). That is drift, a ResponseDriftWarning, tested in test_impilo_drift.py; here it is
# the walk that is under test.
pytestmark = pytest.mark.filterwarnings("ignore::impilo_orders_api.types.ResponseDriftWarning")


def _server(pages: dict[int, dict[str, object]]) -> Recorder:
    """Answers GET /order?page=N from `pages`, and with an empty page beyond them."""

    def handle(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        return httpx.Response(200, json=pages.get(number, page_json([], page=number)))

    return Recorder(handle)


def _pages(recorder: Recorder) -> list[int]:
    return [int(r.url.params["page"]) for r in recorder.requests]


def test_walks_every_page_until_last() -> None:
    recorder = _server(
        {
            1: page_json([1, 2], page=1, size=2, total=5, last=False),
            2: page_json([3, 4], page=2, size=2, total=5, last=False),
            3: page_json([5], page=3, size=2, total=5, last=True),
        }
    )
    assert [o.id for o in make_client(recorder).orders.iter(size=2)] == [1, 2, 3, 4, 5]
    assert _pages(recorder) == [1, 2, 3]
    assert {r.url.params["size"] for r in recorder.requests} == {"2"}


def test_is_lazy() -> None:
    recorder = _server({n: page_json([n], page=n, size=1, last=False) for n in range(1, 100)})
    orders = make_client(recorder).orders.iter(size=1)
    assert recorder.requests == []
    assert [o.id for o in itertools.islice(orders, 3)] == [1, 2, 3]
    assert _pages(recorder) == [1, 2, 3]


def test_default_page_size_is_the_specs_maximum_and_filters_are_kept() -> None:
    recorder = _server({1: page_json([1], total=1, last=True)})
    list(make_client(recorder).orders.iter(patient_id=1234, external_order_ids=["xyz_123_0"]))
    params = recorder.requests[0].url.params
    assert (params["page"], params["size"], params["patientId"], params["externalOrderId"]) == (
        "1",
        "250",
        "1234",
        "xyz_123_0",
    )


def test_a_server_that_never_says_last_stops_at_an_empty_page() -> None:
    recorder = _server({1: page_json([1, 2], size=2), 2: page_json([3], page=2, size=2)})
    assert [o.id for o in make_client(recorder).orders.iter(size=2)] == [1, 2, 3]
    assert _pages(recorder) == [1, 2, 3]


def test_a_server_that_never_says_last_stops_at_total() -> None:
    recorder = _server({n: page_json([n], page=n, size=1, total=3) for n in range(1, 100)})
    assert [o.id for o in make_client(recorder).orders.iter(size=1)] == [1, 2, 3]
    assert _pages(recorder) == [1, 2, 3]


def test_a_server_that_ignores_page_does_not_loop_forever() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=page_json([1, 2], size=2, last=False)))
    # islice bounds the test itself: a regression fails here instead of hanging the suite.
    assert [o.id for o in itertools.islice(make_client(recorder).orders.iter(size=2), 100)] == [1, 2]
    assert len(recorder.requests) == 2


def test_a_page_without_content_ends_the_walk() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"page": 1, "last": False, "content": None}))
    assert list(make_client(recorder).orders.iter()) == []
    assert len(recorder.requests) == 1


def test_a_short_page_does_not_end_the_walk_when_more_remain() -> None:
    # A server that caps size below the request (100 of 250) must not make us skip orders.
    recorder = _server(
        {1: page_json([1], size=100, total=2, last=False), 2: page_json([2], page=2, size=100, total=2, last=True)}
    )
    assert [o.id for o in make_client(recorder).orders.iter()] == [1, 2]


async def test_async_iteration_walks_every_page() -> None:
    recorder = _server(
        {1: page_json([1, 2], size=2, total=3, last=False), 2: page_json([3], page=2, size=2, total=3, last=True)}
    )
    client = make_async_client(recorder)
    assert [o.id async for o in client.orders.iter(size=2)] == [1, 2, 3]
    assert _pages(recorder) == [1, 2]


async def test_async_iteration_fetches_ahead_while_this_page_is_consumed() -> None:
    recorder = _server({n: page_json([n], page=n, size=1, total=3) for n in range(1, 4)})
    orders = make_async_client(recorder).orders.iter(size=1)
    first = await anext(orders)
    await asyncio.sleep(0)  # let the look-ahead requests run
    assert first.id == 1 and _pages(recorder) == [1, 2, 3]
    assert [o.id async for o in orders] == [2, 3]
    assert _pages(recorder) == [1, 2, 3]  # nothing requested past the last page `total` implies


async def test_async_look_ahead_is_bounded_by_the_window() -> None:
    recorder = _server({n: page_json([n], page=n, size=1, total=20) for n in range(1, 21)})
    orders = make_async_client(recorder).orders.iter(size=1)
    await anext(orders)
    await asyncio.sleep(0)
    assert _pages(recorder) == [1, *range(2, 2 + ASYNC_PAGES_IN_FLIGHT)]
    assert [o.id async for o in orders] == list(range(2, 21))
    assert sorted(_pages(recorder)) == list(range(1, 21))


async def test_async_requests_overlap() -> None:
    in_flight, most = 0, 0

    async def slow_server(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        number = int(request.url.params["page"])
        return httpx.Response(200, json=page_json([number], page=number, size=1, total=12))

    client = AsyncImpilo(API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(slow_server))
    assert [o.id async for o in client.orders.iter(size=1)] == list(range(1, 13))
    assert 2 <= most <= ASYNC_PAGES_IN_FLIGHT


async def test_async_without_total_fetches_only_the_next_page_early() -> None:
    recorder = _server({n: page_json([n], page=n, size=1) for n in range(1, 6)})
    orders = make_async_client(recorder).orders.iter(size=1)
    await anext(orders)
    await asyncio.sleep(0)
    assert _pages(recorder) == [1, 2]
    assert [o.id async for o in orders] == [2, 3, 4, 5]
    assert _pages(recorder) == [1, 2, 3, 4, 5, 6]  # page 6 is the empty one that ends the walk


async def test_async_look_ahead_recovers_when_pages_are_smaller_than_the_first() -> None:
    recorder = _server(
        {
            1: page_json([1, 2], size=2, total=5),
            2: page_json([3], page=2, size=2, total=5),
            3: page_json([4], page=3, size=2, total=5),
            4: page_json([5], page=4, size=2, total=5),
        }
    )
    assert [o.id async for o in make_async_client(recorder).orders.iter(size=2)] == [1, 2, 3, 4, 5]


async def test_async_iteration_stops_on_a_server_that_never_says_last() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=page_json([7], size=1, last=False)))
    seen = []
    async for order in make_async_client(recorder).orders.iter(size=1):
        seen.append(order.id)
        if len(seen) >= 100:  # bounds the test itself: a regression fails instead of hanging
            break
    assert seen == [7]


async def test_breaking_out_early_cancels_the_prefetch_cleanly() -> None:
    recorder = _server({n: page_json([n], page=n, size=1) for n in range(1, 50)})
    orders = make_async_client(recorder).orders.iter(size=1)
    async for order in orders:
        assert order.id == 1
        break
    await orders.aclose()
    assert len(recorder.requests) <= 2


def test_bad_size_is_refused_before_iteration_starts() -> None:
    from impilo import OrderRuleError

    recorder = Recorder([])
    with pytest.raises(OrderRuleError):
        make_client(recorder).orders.iter(size=251)
    assert recorder.requests == []
