"""Webhook deliveries end to end, against a mock this process drives (the embedded mock).

A receiver listens on loopback; the suite sets the account's secret, registers the receiver for
`order.status` and `order.statusFull`, creates an order and moves it through its lifecycle, then
asserts what FACTS say a receiver gets: one POST per status event, `{id, type, payload}`, the
secret verbatim in the spec's header, the order's id and status in the payload, in order, once
each after deduplication by the envelope's `id`. A second order's first delivery is answered 500:
the retry must still arrive.

A live server cannot reach a loopback receiver, and its URLs must never point anywhere real, so
there this check does not run (the webhook operations are still fuzzed, with `.invalid` URLs).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from impilo_spec import example_value, operation, webhook_secret_header

from ._checks import CREATE_ORDER, FETCH_ORDER, ORDER_PATH, tag_body
from ._cleanup import delete_webhooks
from ._context import Answer, Context
from ._spec import label_of

CHECK = "webhook_deliveries"
RETRY_CHECK = "webhook_retry"
CREATE_WEBHOOK = label_of("createWebhook")
CREATE_SECRET = label_of("createWebhookSecret")
UPDATE_SECRET = label_of("updateWebhookSecret")
EVENT_TYPES = ("order.status", "order.statusFull")
# Deliveries run in the background: how long to wait for them.
DELIVERY_WAIT = 5.0
RETRY_WAIT = 10.0
POLL = 0.02
LIFECYCLE_STEPS = 3


@dataclass(frozen=True, slots=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: Any
    answered: int


@dataclass(slots=True)
class Receiver:
    """A loopback HTTP server that records every POST; it can answer the next N with 500."""

    base_url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    # Path -> how many of the next deliveries to it are answered 500.
    fail_next: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self.lock:
            failing = self.fail_next.get(path, 0)
            status = 500 if failing > 0 else 200
            if failing > 0:
                self.fail_next[path] = failing - 1
            self.deliveries.append(Delivery(path, headers, body, status))
        return status

    def at(self, path: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.path == path]

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(POLL)
        return condition()


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status = receiver.answer(
                self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the suite's output carries no server log lines

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="impilo-contract-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def _status_of(event_type: str, payload: Any) -> Any:
    if not isinstance(payload, dict):
        return None
    if event_type == "order.status":
        event = payload.get("orderEvent")
        return event.get("name") if isinstance(event, dict) else None
    return payload.get("currentStatus")


def _for_order(deliveries: list[Delivery], order_id: int) -> list[Delivery]:
    return [
        d
        for d in deliveries
        if isinstance(d.body, dict)
        and isinstance(d.body.get("payload"), dict)
        and d.body["payload"].get("id") == order_id
    ]


def _deduplicated(deliveries: list[Delivery]) -> list[Delivery]:
    seen: set[str] = set()
    kept = []
    for delivery in deliveries:
        envelope = json.dumps(delivery.body.get("id")) if isinstance(delivery.body, dict) else ""
        if envelope not in seen:
            seen.add(envelope)
            kept.append(delivery)
    return kept


def _secret(ctx: Context) -> str:
    # Letters and digits, 24 to 40 of them (what every server takes, as the accept view says).
    return f"impilocontract{ctx.plan.run_id}webhooks"


def _set_secret(ctx: Context, secret: str) -> Answer:
    ctx.redactor.learn(secret)
    create_path = operation("createWebhookSecret")[1]
    answer = ctx.request("POST", create_path, operation=CREATE_SECRET, body={"secret": secret})
    if answer.status == 409:  # one is set already: change it
        answer = ctx.request("PATCH", create_path, operation=UPDATE_SECRET, body={"secret": secret})
    return answer


def _create_order(ctx: Context) -> tuple[Answer, int | None]:
    body = ctx.known.remap(example_value("CreateSiteOrderRequest"))
    tag_body(body, ctx.plan.write_tag)
    answer = ctx.request("POST", ORDER_PATH, operation=CREATE_ORDER, body=body)
    order_id = answer.body.get("id") if isinstance(answer.body, dict) else None
    return answer, order_id if isinstance(order_id, int) else None


def _event_names(ctx: Context, order_id: int) -> list[Any]:
    fetched = ctx.request("GET", f"{ORDER_PATH}/{order_id}", operation=FETCH_ORDER)
    events = fetched.body.get("orderEvents") if isinstance(fetched.body, dict) else None
    return [e.get("name") for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def _judge(
    receiver: Receiver, path: str, event_type: str, order_id: int, expected: list[Any], secret: str
) -> list[str]:
    problems = []
    header = webhook_secret_header().lower()
    mine = _for_order(receiver.at(path), order_id)
    for delivery in mine:
        if delivery.headers.get(header) != secret:
            shown = "missing" if header not in delivery.headers else "a different value"
            problems.append(f"a delivery's {webhook_secret_header()} header is {shown}")
            break
    wrong_type = [d.body.get("type") for d in mine if d.body.get("type") != event_type]
    if wrong_type:
        problems.append(f"deliveries of type {sorted(set(map(str, wrong_type)))}, registered for {event_type}")
    statuses = [_status_of(event_type, d.body.get("payload")) for d in _deduplicated(mine)]
    if statuses != expected:
        problems.append(
            f"after deduplication by envelope id the statuses arrived as {statuses}; the order's events are {expected}"
        )
    return problems


def check_webhooks(ctx: Context) -> None:
    if CREATE_WEBHOOK not in ctx.result.operations_tested or CREATE_SECRET not in ctx.result.operations_tested:
        return
    if ctx.advance is None:
        ctx.note(
            "webhook delivery check skipped: it needs a mock this process drives "
            "(a live server cannot reach a loopback receiver)"
        )
        return
    # Only the receiver may hear of what follows: webhooks the fuzzing registered would each get
    # every event of every order the lifecycle moves.
    delete_webhooks(ctx)
    secret = _secret(ctx)
    with receiving() as receiver:
        set_secret = _set_secret(ctx, secret)
        if not set_secret.ok:
            ctx.failed(
                CREATE_SECRET,
                CHECK,
                "The webhook secret could not be set",
                f"HTTP {set_secret.status}: {set_secret.text}",
                set_secret.curl,
            )
            return
        steps = [set_secret.curl]
        for event_type in EVENT_TYPES:
            registered = ctx.request(
                "POST",
                operation("createWebhook")[1],
                operation=CREATE_WEBHOOK,
                body={"type": event_type, "url": f"{receiver.base_url}/{event_type}"},
            )
            steps.append(registered.curl)
            if not registered.ok:
                ctx.failed(
                    CREATE_WEBHOOK,
                    CHECK,
                    "A loopback receiver could not be registered",
                    f"{event_type}: HTTP {registered.status}: {registered.text}",
                    "\n".join(steps),
                )
                return
        created, order_id = _create_order(ctx)
        steps.append(created.curl)
        if order_id is None:
            ctx.failed(
                CREATE_ORDER,
                CHECK,
                "No order to follow: the docs' site order was refused",
                f"HTTP {created.status}: {created.text}",
                "\n".join(steps),
            )
            return
        for _ in range(LIFECYCLE_STEPS):
            ctx.advance()
        expected = _event_names(ctx, order_id)
        receiver.wait_for(
            lambda: all(
                len(_deduplicated(_for_order(receiver.at(f"/{t}"), order_id))) >= len(expected) for t in EVENT_TYPES
            ),
            DELIVERY_WAIT,
        )
        for event_type in EVENT_TYPES:
            problems = _judge(receiver, f"/{event_type}", event_type, order_id, expected, secret)
            if problems:
                ctx.failed(
                    CREATE_WEBHOOK,
                    CHECK,
                    f"{event_type} deliveries are not what FACTS describe",
                    f"order {order_id}: " + "; ".join(problems),
                    "\n".join(steps),
                )
            else:
                ctx.passed(CREATE_WEBHOOK, CHECK)
        _check_retry(ctx, receiver, steps)


def _check_retry(ctx: Context, receiver: Receiver, steps: list[str]) -> None:
    """A receiver registered now hears only of the next order; its first delivery is answered 500."""
    if not ctx.fast_retries:
        ctx.note(
            "webhook retry check skipped: this mock retries after FACTS' 15 minutes "
            "(create_app(webhook_retry_scale=...) shortens it)"
        )
        return
    path = "/retry"
    with receiver.lock:
        receiver.fail_next[path] = 1
    registered = ctx.request(
        "POST",
        operation("createWebhook")[1],
        operation=CREATE_WEBHOOK,
        body={"type": EVENT_TYPES[0], "url": receiver.base_url + path},
    )
    created, order_id = _create_order(ctx)
    steps = [*steps, registered.curl, created.curl]
    if not registered.ok or order_id is None:
        ctx.failed(
            CREATE_WEBHOOK,
            RETRY_CHECK,
            "No delivery to retry: the receiver or the order was refused",
            f"webhook HTTP {registered.status}: {registered.text}; order HTTP {created.status}: {created.text}",
            "\n".join(steps),
        )
        return

    def retried() -> bool:
        mine = _for_order(receiver.at(path), order_id)
        failed = [d for d in mine if d.answered == 500]
        return bool(failed) and any(d.answered == 200 and d.body.get("id") == failed[0].body.get("id") for d in mine)

    if receiver.wait_for(retried, RETRY_WAIT):
        ctx.passed(CREATE_WEBHOOK, RETRY_CHECK)
        return
    mine = _for_order(receiver.at(path), order_id)
    ctx.failed(
        CREATE_WEBHOOK,
        RETRY_CHECK,
        "A delivery answered 500 was not retried",
        f"order {order_id}: {len(mine)} deliveries in {RETRY_WAIT:.0f} s, answered {[d.answered for d in mine]} "
        "(FACTS: a delivery without a 2xx is retried three times)",
        "\n".join(steps),
    )
