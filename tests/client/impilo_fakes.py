"""Helpers for the facade's tests: fake servers as httpx transports, on loopback URLs only."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import httpx
import pytest

from impilo import AsyncImpilo, Impilo, OrderCreateRequestParam
from impilo.spec import example_value

# A key distinctive enough that finding it anywhere is a leak, not a coincidence.
API_KEY = "ik_test_5f1e9c7a2b8d4e60"
BASE_URL = "http://127.0.0.1:9"  # never contacted: every test here injects a transport

Handler = Callable[[httpx.Request], httpx.Response]


def as_body(data: dict[str, Any]) -> OrderCreateRequestParam:
    """A create body built at run time (a rule case's), as the TypedDict `create` takes.

    A literal body type-checks as is; a dict built at run time is cast, or goes through
    `OrderCreateRequest.from_dict`, because `create` does not take any `dict[str, Any]` (that
    would let a misspelt key in a literal through the type checker).
    """
    return cast(OrderCreateRequestParam, data)


def order_json(order_id: int = 1, **changes: Any) -> dict[str, Any]:
    """The docs' full GET /order/{id} example, with its id (and any field) replaced."""
    order: dict[str, Any] = example_value("FetchOrderResponse")
    order["id"] = order_id
    order.update(changes)
    return order


def page_json(
    ids: list[int], *, page: int = 1, size: int = 15, total: int | None = None, last: bool | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"content": [order_json(i) for i in ids], "page": page, "size": size, "first": page == 1}
    if total is not None:
        body["total"] = total
    if last is not None:
        body["last"] = last
    return body


class Recorder:
    """An httpx transport (sync and async) that records every request and answers from a script.

    `replies` is a list consumed in order (a Response, or an exception to raise), or a handler.
    """

    def __init__(self, replies: list[httpx.Response | Exception] | Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._replies = replies
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if callable(self._replies):
            return self._replies(request)
        if not self._replies:
            pytest.fail(f"unexpected extra request {request.method} {request.url}")
        reply = self._replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        # A fresh copy: one scripted Response may be listed several times, or used sync and async.
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    @property
    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def nothing_may_be_sent(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"a request reached the transport: {request.method} {request.url}")


class SleepRecorder:
    """Stands in for time.sleep / asyncio.sleep: records the waits, never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(recorder: Recorder | Handler, **kwargs: Any) -> Impilo:
    transport = recorder.transport if isinstance(recorder, Recorder) else httpx.MockTransport(recorder)
    kwargs.setdefault("sleep", SleepRecorder())
    return Impilo(API_KEY, base_url=BASE_URL, transport=transport, **kwargs)


def make_async_client(recorder: Recorder | Handler, **kwargs: Any) -> AsyncImpilo:
    transport = recorder.transport if isinstance(recorder, Recorder) else httpx.MockTransport(recorder)
    kwargs.setdefault("sleep", SleepRecorder().async_sleep)
    return AsyncImpilo(API_KEY, base_url=BASE_URL, transport=transport, **kwargs)


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 (stdlib), for tests that need real sockets, e.g. httpcore's logs.

    `replies` are (status, headers, body bytes) served in order; the last one repeats.
    """

    def __init__(self, replies: list[tuple[int, dict[str, str], bytes]]) -> None:
        import http.server
        import threading

        self.replies = list(replies)
        self.seen_headers: list[dict[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.seen_headers.append(dict(self.headers.items()))
                status, headers, body = outer.replies.pop(0) if len(outer.replies) > 1 else outer.replies[0]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
