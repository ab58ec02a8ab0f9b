"""The ASGI app: routes of the Impilo v3 Orders API over the SQLite store.

Every route needs a valid API key (a pure ASGI middleware, checked before routing). Every refusal
is the spec's Error body; nothing the client sends can produce a 500 or a half-written order.
Responses are not validated on the hot path: tests validate every route and status instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from impilo import spec

from . import _orders
from ._constants import DEFAULT_API_KEY, DEFAULT_LIFECYCLE_TICK, MAX_BODY_BYTES, ORDERS_PATH
from ._errors import ApiError, FieldError, api_error_response, error_body, error_response
from ._seed import Seed
from ._store import OrderStore, VoidOutcome
from ._validation import create_body_errors

_JSON = "application/json"
_BIG_BODY = 64 * 1024
_INTEGER = re.compile(r"[+-]?[0-9]{1,25}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ApiKeyMiddleware:
    """401 with the Error body unless the request carries one of the configured keys."""

    def __init__(self, app: ASGIApp, *, api_keys: Sequence[str]) -> None:
        self.app = app
        name = spec.api_key_header()
        self.header = name.lower().encode("latin-1")
        self.keys = [key.encode("utf-8") for key in api_keys]
        self.missing = error_body(401, f"missing {name} header")
        self.invalid = error_body(401, f"invalid {name}")

    def _accepts(self, given: bytes) -> bool:
        # Constant-time comparison against every key, so timing does not reveal a prefix.
        return any([hmac.compare_digest(given, key) for key in self.keys])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope["headers"] if name == self.header), None)
        if given is not None and self._accepts(given):
            await self.app(scope, receive, send)
            return
        body = self.missing if given is None else self.invalid
        headers = [(b"content-type", _JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _integer(text: str, name: str, low: int, high: int) -> int:
    """A query or path integer in [low, high]; anything else is a 400 naming the parameter."""
    if _INTEGER.fullmatch(text):
        value = int(text)
        if low <= value <= high:
            return value
    raise ApiError(
        400,
        f"{name} must be an integer from {low} to {high}",
        [FieldError(name, f"must be an integer from {low} to {high}, got {text[:40]!r}")],
    )


class FetchFastPath:
    """GET /api/v3/order/{id} of an existing order, answered without Starlette's routing.

    Polling one order is what clients do most, so that one case skips the router and the request
    and response objects. Anything else, a bad or unknown id included, goes on to the app, which
    answers it (and its errors) exactly as before.
    """

    def __init__(self, app: ASGIApp, *, store: OrderStore) -> None:
        self.app = app
        self.store = store
        self.prefix = ORDERS_PATH + "/"
        self.max_digits = len(str(_ORDER_ID[1]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            tail = scope["path"].removeprefix(self.prefix)
            if tail != scope["path"] and tail.isascii() and tail.isdigit() and len(tail) < self.max_digits:
                body = self.store.get(int(tail))
                if body is not None:
                    headers = [(b"content-type", _JSON.encode()), (b"content-length", str(len(body)).encode())]
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


def _bounds(operation_id: str, name: str) -> tuple[int, int]:
    """[low, high] for an integer parameter: its minimum/maximum in the spec, within its format."""
    schema = spec.parameter_schema(operation_id, name)
    low, high = spec.INTEGER_FORMATS[schema.get("format", "int64")]
    return max(low, schema.get("minimum", low)), min(high, schema.get("maximum", high))


# Read from the spec once, so the mock refuses exactly what the spec (and the client) refuse.
_ORDER_ID = _bounds("fetchOrder", "orderId")
_PAGE = _bounds("listOrders", "page")
_SIZE = _bounds("listOrders", "size")
_PATIENT_ID = _bounds("listOrders", "patientId")
DEFAULT_PAGE_SIZE: int = spec.parameter_schema("listOrders", "size")["default"]


def _order_id(request: Request) -> int:
    return _integer(str(request.path_params["orderId"]), "orderId", *_ORDER_ID)


def _query_value(request: Request, name: str) -> str | None:
    """A scalar query parameter; given twice it is ambiguous, so 400 rather than pick one."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"{name} is given {len(values)} times", [FieldError(name, "must be given at most once")])
    return values[0] if values else None


async def _read_body(request: Request) -> bytes:
    """The body, refused with 413 past the limit: by Content-Length, and by counting the stream."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise ApiError(400, "Content-Length must be a non-negative integer")
        if int(declared) > MAX_BODY_BYTES:
            raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # Nobody is left to read the answer; a 4xx keeps it out of the server-error log.
        raise ApiError(400, "the client went away before the body was complete") from None
    return b"".join(chunks)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(raw: bytes) -> object:
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_no_constants)
        if _SURROGATE_ESCAPE.search(text):
            # "\ud800" alone is legal JSON syntax but no character: it could never be stored or sent back.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "the body is not valid JSON: a string holds an unpaired UTF-16 surrogate") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {str(exc)[:200]}") from None
    return value


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == _JSON


class _Routes:
    """Route handlers bound to one store and one seed."""

    def __init__(self, store: OrderStore, seed: Seed) -> None:
        self.store = store
        self.seed = seed

    async def orders(self, request: Request) -> Response:
        return await (self.create_order(request) if request.method == "POST" else self.list_orders(request))

    async def order(self, request: Request) -> Response:
        return await (self.void_order(request) if request.method == "DELETE" else self.fetch_order(request))

    async def create_order(self, request: Request) -> Response:
        if not _is_json(request.headers.get("content-type")):
            raise ApiError(415, f"the body must be {_JSON}")
        raw = await _read_body(request)
        body = _parse_json(raw)
        # A big body takes a while to check; off the event loop, other requests keep flowing.
        errors = await run_in_threadpool(create_body_errors, body) if len(raw) > _BIG_BODY else create_body_errors(body)
        if errors:
            first = errors[0]
            raise ApiError(422, f"the order breaks the contract at {first.field}: {first.message}", errors)
        assert isinstance(body, dict)  # the schema's `type: object` held
        order = _orders.build_order(body, self.seed)
        rendered = self.store.create(order)
        return Response(
            rendered, status_code=201, media_type=_JSON, headers={"Location": f"{ORDERS_PATH}/{order['id']}"}
        )

    async def list_orders(self, request: Request) -> Response:
        page_text = _query_value(request, "page")
        size_text = _query_value(request, "size")
        patient_text = _query_value(request, "patientId")
        page = 1 if page_text is None else _integer(page_text, "page", *_PAGE)
        size = DEFAULT_PAGE_SIZE if size_text is None else _integer(size_text, "size", *_SIZE)
        patient_id = None if patient_text is None else _integer(patient_text, "patientId", *_PATIENT_ID)
        external_ids = request.query_params.getlist("externalOrderId")
        orders, total = self.store.page(page, size, patient_id=patient_id, external_ids=external_ids)
        tail = {"page": page, "size": size, "total": total, "first": page == 1, "last": page * size >= total}
        rendered = b'{"content":[' + b",".join(orders) + b"]," + json.dumps(tail, separators=(",", ":"))[1:].encode()
        return Response(rendered, media_type=_JSON)

    async def fetch_order(self, request: Request) -> Response:
        order_id = _order_id(request)
        rendered = self.store.get(order_id)
        if rendered is None:
            raise ApiError(404, f"order {order_id} does not exist")
        return Response(rendered, media_type=_JSON)

    async def void_order(self, request: Request) -> Response:
        order_id = _order_id(request)
        outcome, status = self.store.void(order_id)
        if outcome is VoidOutcome.NOT_FOUND:
            raise ApiError(404, f"order {order_id} does not exist")
        if outcome is VoidOutcome.TOO_LATE:
            raise ApiError(409, f"order {order_id} is {status} and can no longer be voided")
        return Response(status_code=204)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return api_error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (unknown route 404, wrong method 405) in the Error body."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"no route {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(exc.status_code, message, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Should never happen; if it does, the client still gets the Error body, not HTML.
    return error_response(500, f"internal error ({type(exc).__name__})")


async def _run_lifecycle(store: OrderStore, tick: float) -> None:
    while True:
        await asyncio.sleep(tick / 2)
        store.advance(tick)


def create_app(
    *,
    api_keys: Iterable[str] = (DEFAULT_API_KEY,),
    db_path: str | None = None,
    lifecycle: bool = False,
    lifecycle_tick: float = DEFAULT_LIFECYCLE_TICK,
    seed: Seed | None = None,
    store: OrderStore | None = None,
) -> Starlette:
    """The mock as a Starlette app.

    api_keys: keys accepted in the spec's API key header (at least one).
    db_path: SQLite file that keeps orders across restarts; in memory when None.
    lifecycle: advance orders orderPlaced → awaitingShipment → shipped → delivered, one step per
        `lifecycle_tick` seconds, adding events and a tracking number.
    seed: patients, sites, items and kits that orders may reference (the docs' ids by default).
    store: an existing store to serve (then db_path is ignored); the app's store is `app.state.store`.
    """
    keys = [key for key in api_keys if key]
    if not keys:
        raise ValueError("at least one non-empty API key is needed")
    if lifecycle_tick <= 0:
        raise ValueError("lifecycle_tick must be positive")
    create_body_errors({})  # compile the contract view's schema now, not on the first order
    order_store = store if store is not None else OrderStore(db_path)
    routes = _Routes(order_store, seed or Seed())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_run_lifecycle(order_store, lifecycle_tick)) if lifecycle else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    exception_handlers: Any = {ApiError: _api_error, HTTPException: _http_error, Exception: _server_error}
    app = Starlette(
        routes=[
            # One route per path, so a 405's Allow header lists every method of the path.
            Route(ORDERS_PATH, routes.orders, methods=["GET", "POST"]),
            Route(ORDERS_PATH + "/{orderId}", routes.order, methods=["GET", "DELETE"]),
        ],
        middleware=[Middleware(ApiKeyMiddleware, api_keys=keys), Middleware(FetchFastPath, store=order_store)],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    # A trailing slash is an unknown route (404), not a redirect the spec does not document.
    app.router.redirect_slashes = False
    app.state.store = order_store
    return app
