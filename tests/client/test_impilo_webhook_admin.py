"""`client.webhooks`: register a URL, the account's secret, delivery logs, the test triggers.

Against the mock on loopback, with a real receiver: what the client registers is what the mock
delivers to, with the secret the client set, and the logs list every attempt.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from impilo_fakes import Recorder, SleepRecorder, as_body, make_client, nothing_may_be_sent

from impilo import AsyncImpilo, ConflictError, Impilo, NotFoundError, OrderRuleError, ServerError, webhooks
from impilo_mock import MockServer, run_in_thread
from impilo_orders_api.models import Webhook, WebhookEventType
from impilo_spec.rule_cases import case

SECRET = "whsec-0123456789abcdef0123"
T = TypeVar("T")


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every delivery (body and headers)."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.deliveries.append((body, dict(self.headers.items())))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/impilo"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.deliveries) >= count, f"{len(self.deliveries)} deliveries, expected {count}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def eventually(read: Callable[[], T], ready: Callable[[T], bool], timeout: float = 10.0) -> T:
    """`read()` once `ready` holds for it (the mock logs an attempt just after the receiver has it)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not ready(value) and time.monotonic() < deadline:
        time.sleep(0.02)
        value = read()
    return value


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiving = Receiver()
    yield receiving
    receiving.close()


@pytest.fixture
def client(impilo_mock_server: MockServer) -> Iterator[Impilo]:
    with Impilo(impilo_mock_server.api_key, base_url=impilo_mock_server.base_url) as connected:
        yield connected


def test_register_fetch_list_change_and_delete_a_webhook(client: Impilo) -> None:
    made = client.webhooks.create("order.status", "http://127.0.0.1:9/first")
    assert isinstance(made, Webhook) and made.type_ is WebhookEventType.ORDER_STATUS
    assert made.url is not None and made.url.endswith("/first")
    assert client.webhooks.get(made.id).url == made.url
    assert made.id in [w.id for w in client.webhooks.iter()]
    changed = client.webhooks.update(made.id, url="http://127.0.0.1:9/second")
    assert changed.url == "http://127.0.0.1:9/second" == client.webhooks.get(made.id).url
    client.webhooks.delete(made.id)
    with pytest.raises(NotFoundError):
        client.webhooks.get(made.id)


def test_the_secret_is_set_read_changed_and_removed_and_never_shown(client: Impilo) -> None:
    with pytest.raises(NotFoundError):
        client.webhooks.secret.get()
    shown = client.webhooks.secret.set(SECRET)
    assert shown.secret == SECRET and SECRET not in repr(shown)
    with pytest.raises(ConflictError):
        client.webhooks.secret.set(SECRET + "x")
    assert client.webhooks.secret.get().secret == SECRET
    assert client.webhooks.secret.update(SECRET + "2").secret == SECRET + "2"
    client.webhooks.secret.delete()
    with pytest.raises(NotFoundError):
        client.webhooks.secret.get()


def test_an_order_reaches_the_registered_receiver_with_the_secret(client: Impilo, receiver: Receiver) -> None:
    client.webhooks.secret.set(SECRET)
    client.webhooks.create("order.status", receiver.url)
    client.webhooks.create("order.statusFull", receiver.url)
    order = client.orders.create(as_body(case("docs-patient-order").body))
    receiver.wait_for(2)
    events = [webhooks.parse(body, headers, secret=SECRET) for body, headers in receiver.deliveries]
    status = next(e for e in events if isinstance(e, webhooks.OrderStatusEvent))
    full = next(e for e in events if isinstance(e, webhooks.OrderStatusFullEvent))
    assert status.order_id == order.id and status.status == "orderPlaced"
    assert full.order.id == order.id and full.order.current_status == "orderPlaced"
    logs = eventually(
        lambda: list(client.webhooks.logs.iter()),
        lambda found: len(found) == 2 and all(log.last_response_status is not None for log in found),
    )
    assert {log.webhook_type for log in logs} == {"order.status", "order.statusFull"}
    assert all(log.last_response_status == 204 and log.retry_attempts == 0 for log in logs)
    assert {json.loads(log.payload or "{}")["id"] for log in logs} == {e.id for e in events}
    only_status = client.webhooks.logs.list(webhook_type="order.status")
    assert [log.webhook_type for log in only_status.content] == ["order.status"]


def test_the_test_triggers_send_test_events(client: Impilo, receiver: Receiver) -> None:
    client.webhooks.create("order.status", receiver.url)
    client.webhooks.create("order.statusFull", receiver.url)
    client.webhooks.test_order_status("shipped", order_id=77, external_order_ids=["po-9"])
    client.webhooks.test_order_status_full(order_id=78, order_status="delivered", tracking_number="9400123")
    receiver.wait_for(2)
    events = [webhooks.parse(body, headers, secret=None) for body, headers in receiver.deliveries]
    kinds = sorted(type(e).__name__ for e in events)
    assert kinds == ["OrderStatusEvent", "OrderStatusFullEvent"]
    status = next(e for e in events if isinstance(e, webhooks.OrderStatusEvent))
    assert (status.order_id, status.status) == (77, "shipped")


def test_registering_is_never_retried_and_a_patch_is() -> None:
    recorder = Recorder([httpx.Response(503)])
    client = make_client(recorder, sleep=SleepRecorder())
    with pytest.raises(ServerError):
        client.webhooks.create("order.status", "http://127.0.0.1:9/x")
    assert len(recorder.requests) == 1
    webhook = {"id": 5, "type": "order.status", "url": "http://127.0.0.1:9/y"}
    recorder = Recorder([httpx.Response(503), httpx.Response(200, json=webhook)])
    assert make_client(recorder, sleep=SleepRecorder()).webhooks.update(5, url="http://127.0.0.1:9/y").id == 5
    assert len(recorder.requests) == 2


async def test_async_webhooks(receiver: Receiver) -> None:
    with run_in_thread() as server:
        async with AsyncImpilo(server.api_key, base_url=server.base_url) as client:
            await client.webhooks.secret.set(SECRET)
            made = await client.webhooks.create("order.status", receiver.url)
            assert (await client.webhooks.get(made.id)).id == made.id
            assert [w.id async for w in client.webhooks.iter()] == [made.id]
            order = await client.orders.create(as_body(case("docs-site-order").body))
            receiver.wait_for(1)
            event = webhooks.parse(*receiver.deliveries[0], secret=SECRET)
            assert isinstance(event, webhooks.OrderStatusEvent) and event.order_id == order.id
            deadline = time.monotonic() + 10
            logs = [log async for log in client.webhooks.logs.iter()]
            while not (logs and logs[0].last_response_status) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                logs = [log async for log in client.webhooks.logs.iter()]
            assert len(logs) == 1 and logs[0].last_response_status == 204
            assert (await client.webhooks.secret.get()).secret == SECRET
            await client.webhooks.update(made.id, url=receiver.url + "/v2")
            await client.webhooks.test_order_status("delivered")
            await client.webhooks.delete(made.id)
            await client.webhooks.secret.delete()


@pytest.mark.parametrize("secret", ["two\nlines", " padded", "tab\t", "nul\x00", ""])
def test_a_secret_no_header_can_carry_is_refused_before_sending(secret: str) -> None:
    client = make_client(Recorder(nothing_may_be_sent))
    with pytest.raises(OrderRuleError) as refused:
        client.webhooks.secret.set(secret)
    assert refused.value.rule == "header-value" and refused.value.path == "$.secret"
    if secret.strip():
        assert secret.strip() not in str(refused.value)


def test_a_registration_without_a_url_is_refused_before_sending() -> None:
    client = make_client(Recorder(nothing_may_be_sent))
    with pytest.raises(OrderRuleError):
        client.webhooks.create("order.status", 7)  # type: ignore[arg-type]
