"""Retries: which calls, which failures, how long to wait, and when to give up. No real sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from impilo_fakes import Recorder, SleepRecorder, as_body, make_async_client, make_client, order_json, page_json

from impilo import APIConnectionError, APIStatusError, APITimeoutError, Impilo, RateLimitError, RetryPolicy, ServerError
from impilo._constants import DEFAULT_MAX_RETRIES, MAX_TOTAL_RETRY_WAIT
from impilo._retry import parse_retry_after
from impilo_spec.rule_cases import case

OK = httpx.Response(200, json=order_json(1))
NO_JITTER = RetryPolicy(rng=lambda: 0.0)


def _client(replies: list[httpx.Response | Exception], **kwargs: Any) -> tuple[Impilo, Recorder, SleepRecorder]:
    recorder, sleep = Recorder(replies), SleepRecorder()
    kwargs.setdefault("retry_policy", NO_JITTER)
    return make_client(recorder, sleep=sleep, **kwargs), recorder, sleep


def test_503_twice_then_200_succeeds_with_growing_waits() -> None:
    client, recorder, sleep = _client([httpx.Response(503), httpx.Response(503), OK])
    assert client.orders.get(1).id == 1
    assert len(recorder.requests) == 3
    assert sleep.waits == [0.5, 1.0]


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_retries_each_retryable_status(status: int) -> None:
    client, recorder, _ = _client([httpx.Response(status), OK])
    client.orders.get(1)
    assert len(recorder.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 409, 500, 501])
def test_other_statuses_are_not_retried(status: int) -> None:
    client, recorder, sleep = _client([httpx.Response(status)])
    with pytest.raises(APIStatusError) as raised:  # which subclass is test_impilo_errors' business
        client.orders.get(1)
    assert raised.value.status_code == status
    assert len(recorder.requests) == 1 and sleep.waits == []


def test_429_waits_as_long_as_retry_after_says() -> None:
    client, _, sleep = _client([httpx.Response(429, headers={"Retry-After": "7"}), OK])
    client.orders.get(1)
    assert sleep.waits == [7.0]


def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    page = httpx.Response(200, json=page_json([1], total=1, last=True))
    client, _, sleep = _client([httpx.Response(429, headers={"Retry-After": when}), page])
    client.orders.list()
    assert 18.0 <= sleep.waits[0] <= 20.0


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


def test_retry_after_beyond_the_total_cap_raises_at_once_with_the_wait() -> None:
    long_wait = str(int(MAX_TOTAL_RETRY_WAIT) + 60)
    client, recorder, sleep = _client([httpx.Response(429, headers={"Retry-After": long_wait})])
    with pytest.raises(RateLimitError) as caught:
        client.orders.get(1)
    assert caught.value.retry_after == float(long_wait)
    assert len(recorder.requests) == 1 and sleep.waits == []


def test_total_wait_is_capped() -> None:
    policy = RetryPolicy(max_retries=50, initial_delay=4.0, max_delay=8.0, max_total_wait=20.0, rng=lambda: 0.0)
    client, recorder, sleep = _client([httpx.Response(503)] * 51, retry_policy=policy)
    with pytest.raises(ServerError):
        client.orders.get(1)
    assert sleep.waits == [4.0, 8.0, 8.0]  # a fourth wait would pass 20 s
    assert sum(sleep.waits) <= 20.0 and len(recorder.requests) == 4


def test_gives_up_after_max_retries_with_the_last_error() -> None:
    client, recorder, sleep = _client([httpx.Response(503)] * 10)
    with pytest.raises(ServerError):
        client.orders.get(1)
    assert len(recorder.requests) == DEFAULT_MAX_RETRIES + 1
    assert len(sleep.waits) == DEFAULT_MAX_RETRIES


def test_max_retries_zero_disables_retries() -> None:
    client, recorder, _ = _client([httpx.Response(503), OK], max_retries=0)
    with pytest.raises(ServerError):
        client.orders.get(1)
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("hung up")]
)
def test_get_retries_connection_errors_and_timeouts(failure: Exception) -> None:
    client, recorder, _ = _client([failure, OK])
    assert client.orders.get(1).id == 1
    assert len(recorder.requests) == 2


def test_connection_errors_that_persist_raise_a_connection_error() -> None:
    client, recorder, _ = _client([httpx.ConnectError("refused")] * 10)
    with pytest.raises(APIConnectionError):
        client.orders.get(1)
    assert len(recorder.requests) == DEFAULT_MAX_RETRIES + 1


@pytest.mark.parametrize(
    "reply", [httpx.Response(503), httpx.Response(429), httpx.ConnectError("refused"), httpx.ReadTimeout("slow")]
)
def test_create_is_never_retried_by_default(reply: httpx.Response | Exception) -> None:
    client, recorder, sleep = _client([reply, httpx.Response(201, json=order_json(1))])
    with pytest.raises((ServerError, RateLimitError, APIConnectionError)):
        client.orders.create(as_body(case("docs-patient-order").body))
    assert len(recorder.requests) == 1 and sleep.waits == []


def test_void_is_retried_only_when_the_server_did_not_act() -> None:
    client, recorder, _ = _client(
        [httpx.Response(429, headers={"Retry-After": "1"}), httpx.ConnectError("x"), httpx.Response(204)]
    )
    client.orders.void(5)
    assert len(recorder.requests) == 3
    for ambiguous in (httpx.Response(503), httpx.ReadTimeout("slow")):
        client, recorder, _ = _client([ambiguous, httpx.Response(204)])
        with pytest.raises((ServerError, APITimeoutError)):
            client.orders.void(5)
        assert len(recorder.requests) == 1


def test_backoff_grows_to_its_cap_with_jitter_below_it() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25, rng=lambda: 0.0)
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    most_jitter = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25, rng=lambda: 0.999999)
    assert 0.375 <= most_jitter.backoff(0) < 0.5
    real = RetryPolicy()
    assert all(0.75 * 2.0 <= real.backoff(2) <= 2.0 for _ in range(200))
    assert len({real.backoff(2) for _ in range(50)}) > 1


def test_iteration_retries_each_page() -> None:
    client, recorder, _ = _client(
        [
            httpx.Response(200, json=page_json([1], total=2, last=False)),
            httpx.Response(502),
            httpx.Response(200, json=page_json([2], page=2, total=2, last=True)),
        ]
    )
    assert [o.id for o in client.orders.iter()] == [1, 2]
    assert len(recorder.requests) == 3


async def test_async_retries_and_sleeps_through_the_injected_sleep() -> None:
    recorder, sleep = (
        Recorder([httpx.Response(503), httpx.Response(429, headers={"Retry-After": "2"}), OK]),
        SleepRecorder(),
    )
    client = make_async_client(recorder, sleep=sleep.async_sleep, retry_policy=NO_JITTER)
    assert (await client.orders.get(1)).id == 1
    assert sleep.waits == [0.5, 2.0]


async def test_async_create_is_not_retried() -> None:
    recorder = Recorder([httpx.Response(503)])
    with pytest.raises(ServerError):
        await make_async_client(recorder).orders.create(as_body(case("docs-site-order").body))
    assert len(recorder.requests) == 1
