"""ASGI apps the benchmarks serve: the bare ceiling and a latency wrapper for the mock.

`bare_order_app` answers every request with one fixed order and nothing else: no routing, no
auth, no validation. It is the ceiling any Python ASGI server on uvicorn can reach here.
`with_latency` delays list requests (GET on the orders collection) the way a distant server
would, without touching the mock itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from ._payloads import full_order

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ORDERS_PATH = "/api/v3/order"


def bare_order_app() -> ASGIApp:
    body = orjson.dumps(full_order(1))
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    done = {"type": "http.response.body", "body": body}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan and websockets: nothing to set up
        await send(start)
        await send(done)

    return app


def with_latency(app: ASGIApp, seconds: float) -> ASGIApp:
    """`app`, with every GET of the order list answered `seconds` later."""

    async def delayed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].rstrip("/") == ORDERS_PATH:
            await asyncio.sleep(seconds)
        await app(scope, receive, send)

    return delayed
