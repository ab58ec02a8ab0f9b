"""The ASGI and WSGI receivers, through real ASGI and WSGI calls and real servers on loopback.

What a user relies on: the answer Impilo gets decides whether it retries (anything but a 2xx is
retried), so every outcome's status is checked; a retry is not handled twice; a failed handling
is handled again on the retry; the secret is in no answer, repr or log line.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import warnings
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.util import setup_testing_defaults

import httpx
import pytest
from impilo_webhook_servers import serve_asgi

from impilo.webhooks import (
    Deduplicator,
    OrderStatusEvent,
    UnknownEvent,
    WebhookASGIApp,
    WebhookEvent,
    WebhookWSGIApp,
    asgi_app,
    wsgi_app,
)
from impilo_orders_api.types import ResponseDriftWarning
from impilo_spec import webhook_secret_header

SECRET = "whsec_3b9f0e2d71c4a856"
HEADER = webhook_secret_header()
GOOD = {HEADER: SECRET, "content-type": "application/json"}
URL = "http://receiver.test/impilo/webhooks"


def delivery(delivery_id: Any = "dlv-1", kind: str = "order.status", payload: Any = None) -> bytes:
    if payload is None:
        payload = {"id": 1234, "orderEvent": {"name": "shipped", "eventTimestamp": "2024-05-01T10:00:00Z"}}
    return json.dumps({"id": delivery_id, "type": kind, "payload": payload}).encode()


class Recorder:
    """A handler that records what it is given and fails the first `failures` times."""

    def __init__(self, failures: int = 0) -> None:
        self.events: list[WebhookEvent] = []
        self.failures = failures

    def __call__(self, event: WebhookEvent) -> None:
        self.events.append(event)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database unavailable")


Poster = Callable[..., httpx.Response]


def _asgi_poster(app: WebhookASGIApp) -> Poster:
    def post(content: bytes, headers: dict[str, str] = GOOD, method: str = "POST") -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
                return await client.request(method, URL, content=content, headers=headers)

        return asyncio.run(send())

    return post


def _wsgi_poster(app: WebhookWSGIApp) -> Poster:
    client = httpx.Client(transport=httpx.WSGITransport(app=app))

    def post(content: bytes, headers: dict[str, str] = GOOD, method: str = "POST") -> httpx.Response:
        return client.request(method, URL, content=content, headers=headers)

    return post


def receiver(kind: str, handler: Callable[[WebhookEvent], object], **options: Any) -> Poster:
    if kind == "asgi":
        return _asgi_poster(asgi_app(handler, secret=options.pop("secret", SECRET), **options))
    return _wsgi_poster(wsgi_app(handler, secret=options.pop("secret", SECRET), **options))


ADAPTERS = ["asgi", "wsgi"]


@pytest.fixture(autouse=True)
def _logs_never_hold_the_secret(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    formatter = logging.Formatter("%(message)s")
    records = caplog.get_records("call")  # in teardown, `caplog.records` would be teardown's own
    for record in records:
        text = formatter.format(record)  # message, traceback and all
        assert SECRET not in text, record


# ---- every outcome, both adapters ----


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_delivery_is_handled_and_answered_200(adapter: str) -> None:
    handler = Recorder()
    response = receiver(adapter, handler)(delivery())
    assert (response.status_code, response.json()) == (200, {"status": "handled"})
    assert len(handler.events) == 1 and isinstance(handler.events[0], OrderStatusEvent)
    assert handler.events[0].order_id == 1234


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_retry_is_answered_200_and_not_handled_again(adapter: str) -> None:
    handler = Recorder()
    post = receiver(adapter, handler)
    post(delivery("dlv-7"))
    retry = post(delivery("dlv-7"))
    assert (retry.status_code, retry.json()) == (200, {"status": "duplicate"})
    assert len(handler.events) == 1
    assert post(delivery("dlv-8")).json() == {"status": "handled"} and len(handler.events) == 2


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_failed_handling_is_answered_500_and_the_retry_is_handled(
    adapter: str, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Recorder(failures=1)
    post = receiver(adapter, handler)
    failed = post(delivery())
    assert failed.status_code == 500 and failed.json()["error"] == "handler-failed"
    assert "database" not in failed.text  # the receiver's own trouble is not told to the sender
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)
    retried = post(delivery())
    assert (retried.status_code, retried.json()) == (200, {"status": "handled"})
    assert len(handler.events) == 2


def _frame_variables(tb: TracebackType | None) -> Iterator[str]:
    while tb is not None:
        yield repr(tb.tb_frame.f_locals)
        tb = tb.tb_next


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_handlers_traceback_holds_no_frame_with_the_secret(adapter: str, caplog: pytest.LogCaptureFixture) -> None:
    # Error reporters (Sentry, say) record every frame's variables along the logged traceback.
    receiver(adapter, Recorder(failures=1))(delivery())
    [logged] = [r for r in caplog.records if r.exc_info]
    assert logged.exc_info is not None
    frames = list(_frame_variables(logged.exc_info[2]))
    assert frames and not any(SECRET in variables for variables in frames)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize(
    ("headers", "reason"),
    [({}, "missing-secret"), ({HEADER: ""}, "missing-secret"), ({HEADER: "whsec_guess"}, "wrong-secret")],
    ids=["absent", "empty", "wrong"],
)
def test_a_delivery_without_the_secret_is_answered_401_and_never_handled(
    adapter: str, headers: dict[str, str], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Recorder()
    response = receiver(adapter, handler)(delivery(), headers=headers)
    assert (response.status_code, response.json()["error"]) == (401, reason)
    assert SECRET not in response.text and "whsec_guess" not in response.text
    assert handler.events == []
    assert any(r.levelno == logging.WARNING and reason in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe not json", "not-json"),
        (b"", "not-json"),
        (b"[1, 2]", "not-an-object"),
        (b'{"type": "order.status"}', "missing-id"),
        (b'{"id": [1], "type": "order.status"}', "invalid-id"),
        (b'{"id": 1}', "missing-type"),
        (b'{"id": 1, "type": 7}', "invalid-type"),
        (b'{"id": 1, "type": "order.status", "payload": "shipped"}', "invalid-payload"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_delivery_that_cannot_be_read_is_answered_400_with_the_reason(
    adapter: str, content: bytes, reason: str
) -> None:
    handler = Recorder()
    response = receiver(adapter, handler)(content)
    assert response.status_code == 400
    assert response.json()["error"] == reason and response.json()["status"] == 400
    assert handler.events == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_unknown_type_reaches_the_handler_and_is_answered_200(adapter: str) -> None:
    handler = Recorder()
    response = receiver(adapter, handler)(delivery(5, "device.reading", {"value": 98.6}))
    assert response.status_code == 200
    assert handler.events == [
        UnknownEvent(
            5, "device.reading", {"value": 98.6}, {"id": 5, "type": "device.reading", "payload": {"value": 98.6}}
        )
    ]


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_anything_but_post_is_answered_405(adapter: str, method: str) -> None:
    response = receiver(adapter, Recorder())(delivery(), method=method)
    assert response.status_code == 405 and response.headers["allow"] == "POST"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_body_over_the_limit_is_answered_413(adapter: str) -> None:
    handler = Recorder()
    post = receiver(adapter, handler, max_body_bytes=1000)
    assert post(delivery(payload={"pad": "x" * 2000})).status_code == 413
    assert post(delivery()).status_code == 200  # under the limit
    assert len(handler.events) == 1


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_huge_body_within_the_default_limit_is_handled(adapter: str) -> None:
    handler = Recorder()
    big = delivery(1, "readings.batch", {"rows": ["x" * 1000] * 5000})  # 5 MB
    assert receiver(adapter, handler)(big).status_code == 200
    assert isinstance(handler.events[0], UnknownEvent) and len(handler.events[0].payload["rows"]) == 5000


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_payload_drift_is_a_warning_by_default_and_a_400_when_strict(adapter: str) -> None:
    drifted = delivery(payload={"id": "1234"})
    with pytest.warns(ResponseDriftWarning, match=r"\$\.id"):
        assert receiver(adapter, Recorder())(drifted).status_code == 200
    strict = receiver(adapter, Recorder(), strict=True)(drifted)
    assert (strict.status_code, strict.json()["error"]) == (400, "invalid-payload")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_no_secret_on_the_account_accepts_any_delivery(adapter: str) -> None:
    handler = Recorder()
    post = receiver(adapter, handler, secret=None)
    assert post(delivery(1), headers={}).status_code == 200
    assert post(delivery(2), headers={HEADER: "whatever"}).status_code == 200
    assert len(handler.events) == 2


def test_two_apps_can_share_one_deduplicator() -> None:
    shared = Deduplicator()
    first, second = Recorder(), Recorder()
    assert receiver("asgi", first, deduplicator=shared)(delivery()).json() == {"status": "handled"}
    assert receiver("wsgi", second, deduplicator=shared)(delivery()).json() == {"status": "duplicate"}
    assert (len(first.events), len(second.events)) == (1, 0)


@pytest.mark.parametrize("factory", [asgi_app, wsgi_app])
def test_the_apps_reprs_hold_no_secret(factory: Callable[..., Any]) -> None:
    app = factory(Recorder(), secret=SECRET)
    assert SECRET not in repr(app) and SECRET not in repr(app.receiver)
    assert "secret=set" in repr(app)
    assert "secret=none" in repr(factory(Recorder(), secret=None))


@pytest.mark.parametrize("factory", [asgi_app, wsgi_app])
def test_bad_options_are_refused_when_the_app_is_made(factory: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        factory(Recorder(), secret=SECRET, max_body_bytes=0)
    with pytest.raises(TypeError, match="callable"):
        factory("not a handler", secret=SECRET)
    with pytest.raises(ValueError, match="empty"):
        factory(Recorder(), secret="")


# ---- ASGI specifics ----


async def _call(app: WebhookASGIApp, messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]) -> list[Any]:
    sent: list[Any] = []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await app(scope, receive, send)
    return sent


RAW_GOOD = [(HEADER.lower().encode(), SECRET.encode())]


async def test_asgi_an_async_handler_is_awaited() -> None:
    got: list[WebhookEvent] = []

    async def handle(event: WebhookEvent) -> None:
        await asyncio.sleep(0)
        got.append(event)

    sent = await _call(asgi_app(handle, secret=SECRET), [{"type": "http.request", "body": delivery()}], RAW_GOOD)
    assert sent[0]["status"] == 200 and len(got) == 1


async def test_asgi_a_body_in_chunks_is_put_together() -> None:
    raw = delivery()
    chunks = [{"type": "http.request", "body": raw[i : i + 7], "more_body": True} for i in range(0, len(raw), 7)]
    chunks.append({"type": "http.request", "body": b"", "more_body": False})
    handler = Recorder()
    sent = await _call(asgi_app(handler, secret=SECRET), chunks, RAW_GOOD)
    assert sent[0]["status"] == 200 and len(handler.events) == 1


async def test_asgi_a_streamed_body_over_the_limit_is_413_without_reading_the_rest() -> None:
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True} for _ in range(1000)]
    sent = await _call(asgi_app(Recorder(), secret=SECRET, max_body_bytes=1000), chunks, RAW_GOOD)
    assert sent[0]["status"] == 413


async def test_asgi_a_declared_length_over_the_limit_is_413_before_reading() -> None:
    headers = [*RAW_GOOD, (b"content-length", b"5000")]
    sent = await _call(asgi_app(Recorder(), secret=SECRET, max_body_bytes=1000), [], headers)
    assert sent[0]["status"] == 413


async def test_asgi_a_sender_that_goes_away_gets_no_answer_and_nothing_is_handled() -> None:
    handler = Recorder()
    first = {"type": "http.request", "body": b'{"id"', "more_body": True}
    sent = await _call(asgi_app(handler, secret=SECRET), [first, {"type": "http.disconnect"}], RAW_GOOD)
    assert sent == [] and handler.events == []


async def test_asgi_a_delivery_in_progress_is_answered_409_so_impilo_retries_it() -> None:
    release = asyncio.Event()
    got: list[WebhookEvent] = []

    async def slow(event: WebhookEvent) -> None:
        got.append(event)
        await asyncio.wait_for(release.wait(), 5)  # bounded: a regression fails, it does not hang

    app = asgi_app(slow, secret=SECRET)
    body = [{"type": "http.request", "body": delivery()}]
    first = asyncio.create_task(_call(app, list(body), RAW_GOOD))
    for _ in range(1000):
        if got:
            break
        await asyncio.sleep(0)
    during = await _call(app, list(body), RAW_GOOD)
    assert during[0]["status"] == 409
    release.set()
    assert (await first)[0]["status"] == 200
    after = await _call(app, list(body), RAW_GOOD)
    assert after[0]["status"] == 200 and json.loads(after[1]["body"]) == {"status": "duplicate"}
    assert len(got) == 1


async def test_asgi_a_cancelled_handling_lets_the_retry_through() -> None:
    started = asyncio.Event()

    async def hangs(event: WebhookEvent) -> None:
        started.set()
        await asyncio.sleep(30)

    app = asgi_app(hangs, secret=SECRET)
    task = asyncio.create_task(_call(app, [{"type": "http.request", "body": delivery()}], RAW_GOOD))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(app.deduplicator) == 0


async def test_asgi_answers_the_lifespan_protocol() -> None:
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await asgi_app(Recorder(), secret=SECRET)({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_asgi_through_a_real_server_on_loopback() -> None:
    handler = Recorder()
    with serve_asgi(asgi_app(handler, secret=SECRET)) as base_url, httpx.Client(base_url=base_url) as client:
        assert client.post("/anywhere", content=delivery(), headers=GOOD).json() == {"status": "handled"}
        assert client.post("/anywhere", content=delivery(), headers=GOOD).json() == {"status": "duplicate"}
        assert client.post("/", content=delivery(), headers={HEADER: "nope"}).status_code == 401
    assert len(handler.events) == 1


# ---- WSGI specifics ----


def _wsgi_call(app: WebhookWSGIApp, body: bytes, **environ: Any) -> tuple[str, bytes]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "wsgi.input": io.BytesIO(body),
        "HTTP_IMPILO_WEBHOOK_SECRET": SECRET,
    }
    env.update(environ)
    setup_testing_defaults(env)
    status: list[str] = []
    chunks = app(env, lambda line, headers, exc_info=None: status.append(line))  # type: ignore[arg-type]
    return status[0], b"".join(chunks)


def test_wsgi_a_chunked_body_is_read_to_its_end_when_the_server_marks_it() -> None:
    handler = Recorder()
    status, _ = _wsgi_call(wsgi_app(handler, secret=SECRET), delivery(), **{"wsgi.input_terminated": True})
    assert status == "200 OK" and len(handler.events) == 1


def test_wsgi_no_length_and_no_end_marker_means_no_body() -> None:
    status, answer = _wsgi_call(wsgi_app(Recorder(), secret=SECRET), delivery())
    assert status == "400 Bad Request" and json.loads(answer)["error"] == "not-json"


def test_wsgi_a_declared_length_over_the_limit_is_413_before_reading() -> None:
    app = wsgi_app(Recorder(), secret=SECRET, max_body_bytes=10)
    assert _wsgi_call(app, delivery(), CONTENT_LENGTH="5000")[0] == "413 Request Entity Too Large"


def test_wsgi_refuses_an_async_handler() -> None:
    async def handle(event: WebhookEvent) -> None:
        return None

    with pytest.raises(TypeError, match="asgi_app"):
        wsgi_app(handle, secret=SECRET)


def test_wsgi_a_handler_that_returns_a_coroutine_fails_with_500_and_leaves_no_warning() -> None:
    async def later() -> None:
        return None

    app = wsgi_app(lambda event: later(), secret=SECRET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a never-awaited coroutine would warn
        status, _ = _wsgi_call(app, delivery(), CONTENT_LENGTH=str(len(delivery())))
    assert status == "500 Internal Server Error" and len(app.deduplicator) == 0


def test_wsgi_a_delivery_in_progress_in_another_thread_is_answered_409() -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(event: WebhookEvent) -> None:
        entered.set()
        release.wait(10)

    app = wsgi_app(slow, secret=SECRET)
    length = str(len(delivery()))
    first: list[str] = []
    worker = threading.Thread(target=lambda: first.append(_wsgi_call(app, delivery(), CONTENT_LENGTH=length)[0]))
    worker.start()
    assert entered.wait(10)
    assert _wsgi_call(app, delivery(), CONTENT_LENGTH=length)[0] == "409 Conflict"
    release.set()
    worker.join(10)
    assert first == ["200 OK"]
    assert _wsgi_call(app, delivery(), CONTENT_LENGTH=length)[0] == "200 OK"  # a duplicate now


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # wsgiref prints every request otherwise
        return None


def test_wsgi_through_a_real_server_on_loopback() -> None:
    handler = Recorder()
    server = make_server("127.0.0.1", 0, wsgi_app(handler, secret=SECRET), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with httpx.Client(base_url=base) as client:
            assert client.post("/hooks", content=delivery(), headers=GOOD).json() == {"status": "handled"}
            assert client.post("/hooks", content=delivery(), headers=GOOD).json() == {"status": "duplicate"}
            assert client.post("/hooks", content=b"{", headers=GOOD).status_code == 400
            assert client.post("/hooks", content=delivery(), headers={}).status_code == 401
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert len(handler.events) == 1
