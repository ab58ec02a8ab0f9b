"""What a receiver of the mock's webhooks relies on: every status change arrives, once per attempt,
in order, with the secret and the right payload; failures are retried on the (scaled) documented
schedule and logged; test triggers deliver; a dead receiver holds nothing up; pending deliveries
survive a restart; only loopback is ever contacted; the secret shows nowhere."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from test_mock_cli import running_cli
from webhook_receivers import DeadReceiver, Receiver, by_type, wait_until

import impilo_spec
from impilo_mock import MockServer, cli, run_in_thread
from impilo_mock._delivery import RETRY_DELAYS_MINUTES, Deliverer, loggable_url, refusal

WEBHOOKS = impilo_spec.operation("createWebhook")[1]
WEBHOOK_LOGS = impilo_spec.operation("listWebhookLogs")[1]
SECRET = impilo_spec.operation("createWebhookSecret")[1]
ORDERS = impilo_spec.operation("createOrder")[1]
STATUS_TEST = impilo_spec.operation("triggerOrderStatusWebhook")[1]
FULL_TEST = impilo_spec.operation("triggerOrderStatusFullWebhook")[1]
SECRET_HEADER = impilo_spec.webhook_secret_header().lower()
STATUS = "order.status"
FULL = "order.statusFull"
SITE_ORDER = {"site": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}
THE_SECRET = "Zk7Qw2Lp9Xc4Vb6Nm1Rt8Ys3Hd5Gf0J"
# 15 documented minutes become 0.18 s: retries come quickly, and never before they are due.
TINY_SCALE = 0.0002
# How much later than it was sent an attempt may arrive on a busy shared machine.
ARRIVAL_JITTER = 0.05


def _deliverer(server: MockServer) -> Deliverer:
    assert isinstance(server.app, Starlette)
    deliverer: Deliverer = server.app.state.webhooks
    return deliverer


def _client(server: MockServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={impilo_spec.api_key_header(): server.api_key}, timeout=10)


def _register(client: httpx.Client, url: str, event_type: str) -> int:
    response = client.post(WEBHOOKS, json={"type": event_type, "url": url})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _create(client: httpx.Client) -> dict[str, Any]:
    response = client.post(ORDERS, json=SITE_ORDER)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def _logs(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = client.get(WEBHOOK_LOGS, params={"size": 100, **params})
    assert response.status_code == 200
    logs: list[dict[str, Any]] = response.json()["content"]
    return logs


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_every_status_change_arrives_once_in_order_with_the_secret_and_payload(receiver: Receiver) -> None:
    with run_in_thread(lifecycle=True, lifecycle_tick=0.05) as server, _client(server) as client:
        assert client.post(SECRET, json={"secret": THE_SECRET}).status_code == 201
        _register(client, receiver.url("/status"), STATUS)
        _register(client, receiver.url("/full"), FULL)
        shipped = _create(client)
        wait_until(
            lambda: client.get(f"{ORDERS}/{shipped['id']}").json()["currentStatus"] == "delivered",
            what="the lifecycle reaching delivered",
        )
        voided = _create(client)
        assert client.delete(f"{ORDERS}/{voided['id']}").status_code == 204
        final = {order["id"]: client.get(f"{ORDERS}/{order['id']}").json() for order in (shipped, voided)}
        expected = sum(len(order["orderEvents"]) for order in final.values())
        arrivals = receiver.wait_for(2 * expected)

    assert len(arrivals) == 2 * expected  # nothing twice: every attempt was answered 200
    assert len({a.body["id"] for a in arrivals}) == len(arrivals)
    for arrival in arrivals:
        assert arrival.headers[SECRET_HEADER] == THE_SECRET
        assert arrival.headers["content-type"] == "application/json"
        assert arrival.path == {STATUS: "/status", FULL: "/full"}[arrival.body["type"]]
    for order_id, order in final.items():
        events = order["orderEvents"]
        statuses = [a for a in by_type(arrivals, STATUS) if a.body["payload"]["id"] == order_id]
        assert [a.body["payload"] for a in statuses] == [{"id": order_id, "orderEvent": e} for e in events]
        fulls = [a.body["payload"] for a in by_type(arrivals, FULL) if a.body["payload"]["id"] == order_id]
        assert [full["orderEvents"] for full in fulls] == [events[: n + 1] for n in range(len(events))]
        assert fulls[-1] == order  # the last one is the order as a fetch answers it
    assert [a.status_name for a in by_type(arrivals, STATUS) if a.body["payload"]["id"] == voided["id"]][-1] == "voided"


def test_a_failed_delivery_is_retried_after_the_scaled_delay_with_the_same_body_and_logged() -> None:
    with Receiver({"/hook": [500]}) as receiver, run_in_thread(webhook_retry_scale=TINY_SCALE) as server:
        with _client(server) as client:
            _register(client, receiver.url(), STATUS)
            order = _create(client)
            first, retry = receiver.wait_for(2)
            logs = wait_until(lambda: [log for log in _logs(client) if log["lastResponseStatus"] == 200], what="log")

    assert retry.raw == first.raw  # the same envelope: same id, same payload
    assert SECRET_HEADER not in first.headers  # no secret is set, so none is sent
    assert first.body["payload"]["id"] == order["id"]
    assert retry.at - first.at >= RETRY_DELAYS_MINUTES[0] * 60 * TINY_SCALE - ARRIVAL_JITTER
    (log,) = logs
    assert (log["retryAttempts"], log["lastResponseStatus"], log["payload"]) == (1, 200, first.raw.decode())
    assert log["lastRetryTimestamp"] > log["createTimestamp"]


def test_a_delivery_never_answered_2xx_is_tried_four_times_on_the_schedule_then_given_up() -> None:
    with Receiver(then=503) as receiver, run_in_thread(webhook_retry_scale=TINY_SCALE) as server:
        with _client(server) as client:
            _register(client, receiver.url(), STATUS)
            _create(client)
            attempts = receiver.wait_for(4)
            log = wait_until(lambda: [e for e in _logs(client) if e["retryAttempts"] == 3], what="three retries")[0]
            arrived = len(receiver.arrivals)
            # The documented schedule ends after three retries: nothing more comes.
            retry_window = 2 * RETRY_DELAYS_MINUTES[-1] * 60 * TINY_SCALE
            with pytest.raises(AssertionError, match="4 of 5 deliveries"):
                receiver.wait_for(5, timeout=retry_window)

    assert arrived == 4
    assert log["lastResponseStatus"] == 503
    assert len({a.raw for a in attempts}) == 1
    # Gaps as arrivals show them: each retry comes its delay after the attempt before (15, 30 and
    # 60 minutes, scaled), give or take how long one attempt took to arrive on a busy machine.
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(attempts)]
    delays = [minutes * 60 * TINY_SCALE for minutes in RETRY_DELAYS_MINUTES]
    for gap, delay in zip(gaps, delays, strict=True):
        assert gap >= delay - ARRIVAL_JITTER
    assert gaps[0] < gaps[1] < gaps[2]


def test_later_events_of_an_order_wait_for_the_retry_of_an_earlier_one() -> None:
    with Receiver({"/hook": [500]}) as receiver, run_in_thread(webhook_retry_scale=TINY_SCALE) as server:
        with _client(server) as client:
            _register(client, receiver.url(), STATUS)
            order = _create(client)
            assert client.delete(f"{ORDERS}/{order['id']}").status_code == 204
            arrivals = receiver.wait_for(3)
    assert [a.status_name for a in arrivals] == ["orderPlaced", "orderPlaced", "voided"]


def test_the_test_triggers_send_a_test_event_of_their_type(receiver: Receiver) -> None:
    with run_in_thread() as server, _client(server) as client:
        _register(client, receiver.url("/status"), STATUS)
        _register(client, receiver.url("/full"), FULL)
        status_trigger = {"orderId": 5, "externalOrderIds": ["x-1"], "orderStatusName": "shipped"}
        assert client.post(STATUS_TEST, json=status_trigger).status_code == 201
        full_trigger = {"orderId": 6, "patientId": 1234, "orderStatus": "delivered", "trackingNumber": "9400111"}
        assert client.post(FULL_TEST, json=full_trigger).status_code == 201
        assert client.post(FULL_TEST, json={}).status_code == 201
        refused = client.post(STATUS_TEST, json={"orderId": 5})
        arrivals = receiver.wait_for(3)

    assert refused.status_code == 422
    (status,) = by_type(arrivals, STATUS)
    assert status.path == "/status"
    assert status.body["payload"]["id"] == 5
    assert status.body["payload"]["orderEvent"]["name"] == "shipped"
    assert status.body["payload"]["externalOrderIds"] == ["x-1"]
    fulls = {a.body["payload"]["id"]: a.body["payload"] for a in by_type(arrivals, FULL)}
    assert fulls[6]["currentStatus"] == "delivered"
    assert fulls[6]["patient"] == {"id": 1234}
    assert fulls[6]["trackingNumbers"][0]["value"] == "9400111"
    assert fulls[0]["currentStatus"] == "orderPlaced"


def test_a_dead_receiver_holds_up_no_create_or_fetch() -> None:
    # Each attempt hangs for the mock's 10 s attempt timeout: were the API waiting on one, the 5 s
    # client timeout would fire.
    with DeadReceiver() as dead, run_in_thread() as server:
        with _client(server) as client:
            client.timeout = httpx.Timeout(5.0)
            _register(client, dead.url("/status"), STATUS)
            _register(client, dead.url("/full"), FULL)
            for _ in range(20):
                order = _create(client)
                assert client.get(f"{ORDERS}/{order['id']}").status_code == 200
            wait_until(lambda: dead.connections >= 2, what="the deliveries reaching the dead receiver")
            assert _logs(client) == []  # every attempt is still hanging: none has finished


def test_a_pending_delivery_survives_a_restart_with_db(tmp_path: Path) -> None:
    db = str(tmp_path / "mock.sqlite")
    with Receiver(then=503) as failing, run_in_thread(db_path=db, webhook_retry_scale=0.001) as server:
        with _client(server) as client:
            assert client.post(SECRET, json={"secret": THE_SECRET}).status_code == 201
            webhook_id = _register(client, failing.url(), STATUS)
            order = _create(client)
            (first,) = failing.wait_for(1)
            wait_until(lambda: _logs(client), what="the first attempt in the log")
    # Stopped before the retry is due (0.9 s after the first attempt); the next mock on the file makes it.
    with Receiver() as receiver, run_in_thread(db_path=db, webhook_retry_scale=0.0001) as server:
        with _client(server) as client:
            assert client.patch(f"{WEBHOOKS}/{webhook_id}", json={"url": receiver.url()}).status_code == 200
            (retry,) = receiver.wait_for(1)
            logs = wait_until(lambda: [e for e in _logs(client) if e["lastResponseStatus"] == 200], what="log")
            assert client.get(f"{ORDERS}/{order['id']}").status_code == 200
    assert retry.raw == first.raw
    assert retry.headers[SECRET_HEADER] == THE_SECRET
    assert logs[0]["retryAttempts"] == 1
    assert logs[0]["webhookUrl"] == receiver.url()


def test_deliveries_cut_short_or_not_yet_made_are_sent_after_a_restart_in_order(tmp_path: Path) -> None:
    db = str(tmp_path / "mock.sqlite")
    with DeadReceiver() as dead, run_in_thread(db_path=db) as server, _client(server) as client:
        webhook_id = _register(client, dead.url(), STATUS)
        order = _create(client)
        assert client.delete(f"{ORDERS}/{order['id']}").status_code == 204
        # The first attempt hangs at the dead receiver; the voided event waits behind it.
        wait_until(lambda: dead.connections >= 1, what="the first attempt reaching the dead receiver")
    with Receiver() as receiver, run_in_thread(db_path=db, webhook_retry_scale=0.0001) as server:
        with _client(server) as client:
            assert client.patch(f"{WEBHOOKS}/{webhook_id}", json={"url": receiver.url()}).status_code == 200
            arrivals = receiver.wait_for(2)
    assert [a.status_name for a in arrivals] == ["orderPlaced", "voided"]
    assert {a.body["payload"]["id"] for a in arrivals} == {order["id"]}


def test_deleting_a_webhook_cancels_its_pending_retries() -> None:
    with Receiver(then=500) as receiver, run_in_thread(webhook_retry_scale=TINY_SCALE) as server:
        with _client(server) as client:
            webhook_id = _register(client, receiver.url(), STATUS)
            _create(client)
            receiver.wait_for(1)
            assert client.delete(f"{WEBHOOKS}/{webhook_id}").status_code == 204
            with pytest.raises(AssertionError, match="1 of 2 deliveries"):
                receiver.wait_for(2, timeout=3 * RETRY_DELAYS_MINUTES[0] * 60 * TINY_SCALE)


def test_a_host_that_is_not_loopback_is_never_contacted_and_the_refusal_is_logged() -> None:
    with Receiver() as receiver, run_in_thread(webhook_retry_scale=0.0) as server, _client(server) as client:
        # 0.0.0.0 reaches this machine's listeners on Linux, but it is not a loopback address.
        _register(client, f"http://0.0.0.0:{receiver.port}/hook", STATUS)
        _register(client, "https://impilo-contract.invalid/abc", STATUS)
        _register(client, receiver.url(), STATUS)
        _create(client)
        receiver.wait_for(1)
        logs = wait_until(lambda: len(_logs(client)) == 3 and _logs(client), what="three logged deliveries")
        assert len(receiver.arrivals) == 1
        assert receiver.arrivals[0].path == "/hook"
    refused = [log for log in logs if log["webhookUrl"] != receiver.url()]
    assert len(refused) == 2
    for log in refused:
        assert (log["lastResponseStatus"], log["retryAttempts"]) == (None, 0)


def test_with_allow_remote_the_same_url_is_contacted() -> None:
    # The other side of the test above: that URL does reach the receiver once the operator allows it.
    with Receiver() as receiver, run_in_thread(webhook_allow_remote=True) as server, _client(server) as client:
        _register(client, f"http://0.0.0.0:{receiver.port}/hook", STATUS)
        _create(client)
        (arrival,) = receiver.wait_for(1)
    assert arrival.body["type"] == STATUS


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8/x", True),
        ("http://127.8.9.10/x", True),
        ("https://localhost/x", True),
        ("http://[::1]:8/x", True),
        ("http://10.0.0.1/x", False),
        ("http://example.com/x", False),
        ("http://localhost.example.com/x", False),
        ("http://127.0.0.1.nip.io/x", False),
        ("http://0.0.0.0/x", False),
        ("ftp://127.0.0.1/x", False),
        ("127.0.0.1:80/x", False),
        ("http://127.0.0.1:port/x", False),
        ("not a url", False),
    ],
)
def test_only_loopback_http_urls_may_be_sent_to(url: str, allowed: bool) -> None:
    assert (refusal(url, allow_remote=False) is None) is allowed


def test_urls_in_log_lines_lose_their_credentials_and_query() -> None:
    assert loggable_url("http://user:pw@127.0.0.1:8/x?token=abc#f") == "http://127.0.0.1:8/x"


def test_the_secret_shows_in_no_log_line_repr_or_log_entry(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver({"/hook": [500]}) as receiver, run_in_thread(webhook_retry_scale=0.0) as server:
        with _client(server) as client:
            assert client.post(SECRET, json={"secret": THE_SECRET}).status_code == 201
            _register(client, receiver.url(), STATUS)
            _register(client, "http://example.com/hook", FULL)
            _create(client)
            assert client.post(STATUS_TEST, json={"orderStatusName": "shipped"}).status_code == 201
            receiver.wait_for(3)
            wait_until(lambda: len(_logs(client)) == 3, what="three logged deliveries")
            logs = client.get(WEBHOOK_LOGS).text
            deliverer = _deliverer(server)
            shown = [repr(server), repr(deliverer), repr(deliverer.store)]
            assert client.post(SECRET, json={"secret": THE_SECRET}).status_code == 409
    assert all(a.headers[SECRET_HEADER] == THE_SECRET for a in receiver.arrivals)  # it was in play
    assert THE_SECRET not in caplog.text
    assert "retry" in caplog.text and "are not sent" in caplog.text  # the log lines were captured
    assert THE_SECRET not in logs
    for text in shown:
        assert THE_SECRET not in text


def test_the_command_line_flags_set_the_retry_scale_and_allow_remote_hosts() -> None:
    # At the default scale the retry would come 15 s later; with 0 it comes at once. 0.0.0.0 is
    # refused unless remote hosts are allowed.
    with Receiver({"/local": [500]}) as receiver:
        with running_cli("--webhook-retry-scale", "0", "--webhook-allow-remote") as (base_url, _):
            headers = {impilo_spec.api_key_header(): impilo_spec.DEV_API_KEY}
            with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
                _register(client, receiver.url("/local"), STATUS)
                _register(client, f"http://0.0.0.0:{receiver.port}/remote", STATUS)
                _create(client)
                arrivals = receiver.wait_for(3, timeout=5)
    assert sorted(a.path for a in arrivals) == ["/local", "/local", "/remote"]


def test_a_negative_retry_scale_is_refused_at_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--webhook-retry-scale", "-1"]) == 2
    assert "--webhook-retry-scale" in capsys.readouterr().err


def test_a_refused_url_is_warned_about_once_and_each_refused_delivery_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="impilo_mock.webhooks")
    with run_in_thread() as server, _client(server) as client:
        _register(client, "https://impilo-contract.invalid/abc", STATUS)
        for _ in range(3):
            _create(client)
        wait_until(lambda: len(_logs(client)) == 3, what="three logged refusals")
    warnings = [r for r in caplog.records if "are not sent" in r.getMessage()]
    assert len(warnings) == 1
    assert "impilo-contract.invalid" in warnings[0].getMessage()
