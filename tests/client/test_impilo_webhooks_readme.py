"""The README's webhook receiver, run as written, against the mock delivering for real over loopback.

The two README blocks (the receiver, and the registration) are taken from README.md and executed;
only the registration's example URL is replaced by where the receiver listens. The mock sends
every order status change and the test triggers' events, retries an attempt without a 2xx
(FACTS' 15, 30 and 60 minutes, scaled to a fraction of a second here), and logs each delivery.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from impilo_webhook_servers import serve_asgi

from impilo import Impilo
from impilo_mock import MockServer, run_in_thread
from impilo_orders_api.models.webhook_log import WebhookLog
from impilo_spec import API_KEY_ENV, BASE_URL_ENV

README = Path(__file__).resolve().parents[2] / "README.md"
README_URL = "https://receiver.example.org/impilo"
SECRET_ENV = "IMPILO_WEBHOOK_SECRET"  # the README's own choice of variable, not a project setting
SECRET = "whsec_readme_51c0e8d2a9f4"
# 15 minutes becomes 0.09 s: the three retries of a delivery take about 0.6 s in all.
RETRY_SCALE = 1e-4
WAIT_SECONDS = 15.0


def readme_block(containing: str) -> str:
    every: list[str] = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    blocks = [block for block in every if containing in block]
    assert len(blocks) == 1, f"README.md needs exactly one python block with {containing!r}"
    return blocks[0]


RECEIVER = readme_block("asgi_app(handle")
REGISTRATION = readme_block("client.webhooks.create(")


class LoseFirstAnswers:
    """ASGI middleware: the receiver handles every delivery, but Impilo gets a 500 instead of the
    receiver's answer for the first `lost` of them, as when an answer is lost on the way back."""

    def __init__(self, app: Any, lost: int) -> None:
        self.app = app
        self.lost = lost

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.lost <= 0:
            await self.app(scope, receive, send)
            return
        self.lost -= 1

        async def swallow(message: Any) -> None:
            return None

        await self.app(scope, receive, swallow)
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class Printed:
    """Everything the receiver printed so far (it prints from the server's thread)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self.lines: list[str] = []

    def __call__(self) -> list[str]:
        self.lines += self._capsys.readouterr().out.splitlines()
        return self.lines


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with run_in_thread(webhook_retry_scale=RETRY_SCALE) as server:
        yield server


def logs(client: Impilo) -> list[WebhookLog]:
    return list(client.webhooks.logs.iter())


def test_the_readme_receiver_is_twenty_lines() -> None:
    assert len(RECEIVER.splitlines()) <= 20


def test_the_readme_receiver_against_the_mock(
    mock: MockServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(API_KEY_ENV, mock.api_key)
    monkeypatch.setenv(BASE_URL_ENV, mock.base_url)
    receiver: dict[str, Any] = {}
    exec(compile(RECEIVER, "README.md (receiver)", "exec"), receiver)
    printed = Printed(capsys)
    client = Impilo(api_key=mock.api_key, base_url=mock.base_url)

    with serve_asgi(LoseFirstAnswers(receiver["app"], lost=1)) as base_url:
        exec(compile(REGISTRATION.replace(README_URL, f"{base_url}/impilo"), "README.md (registration)", "exec"), {})
        assert sorted(str(hook.type_) for hook in client.webhooks.iter()) == ["order.status", "order.statusFull"]

        # A new order: one event of each type. The first answer is lost, so Impilo retries that
        # delivery; the receiver answers the retry 200 without handling it a second time.
        order = client.orders.create({"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})
        wait_until(lambda: len(printed()) >= 2, "both events of the new order")
        wait_until(lambda: any(log.retry_attempts for log in logs(client)), "the retry of the lost answer")
        retried = [log for log in logs(client) if log.retry_attempts]
        assert [(log.retry_attempts, log.last_response_status) for log in retried] == [(1, 200)]
        assert sorted(printed()) == sorted(
            [f"order {order.id} is orderPlaced", f"order {order.id} is orderPlaced, tracking []"]
        )

        # The test triggers reach it too.
        client.webhooks.test_order_status("shipped", order_id=order.id)
        client.webhooks.test_order_status_full(order_id=order.id, order_status="shipped", tracking_number="1Z999")
        wait_until(lambda: len(printed()) >= 4, "the two test events")
        assert sorted(printed()[2:]) == [
            f"order {order.id} is shipped",
            f"order {order.id} is shipped, tracking ['1Z999']",
        ]

        # A wrong secret: every attempt is refused with 401 and nothing is handled.
        client.webhooks.secret.update("whsec_not_the_one_the_receiver_has")
        client.webhooks.test_order_status("delivered", order_id=order.id)
        wait_until(lambda: any(log.last_response_status == 401 for log in logs(client)), "the refused delivery")
        refused = [log for log in logs(client) if log.last_response_status == 401]
        assert len(refused) == 1 and "delivered" in (refused[0].payload or "")
        wait_until(lambda: logs(client)[-1].retry_attempts == 3, "the three retries of the refused delivery")
        assert len(printed()) == 4
    assert SECRET not in capsys.readouterr().err
