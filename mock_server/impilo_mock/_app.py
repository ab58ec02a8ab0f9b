"""The ASGI app: the spec's order and catalog operations over the SQLite store and the seed.

Every route needs a valid API key (a pure ASGI middleware, checked before routing). Routes are
built from the spec (impilo_spec.operations()): one per path, with the methods the spec gives
it, so an unknown route is 404 and a method the path lacks is 405 with `Allow`. Every refusal
is the spec's Error body; nothing the client sends can produce a 500 or a half-written order.
Responses are not validated on the hot path: the tests validate every route and status instead.

Choices where the docs leave the answer open (the rest are in `_orders`, `_catalog` and `_parameters`):
- create answers 201 Created (the guide's word; the vendor's machine-readable description lists
  200, which the spec also allows) with the full Order and a Location header.
- a query or path parameter that breaks its schema is 400 naming it (the spec allows 400 and
  422 on lists; a malformed URL is a bad request, whatever the body rules say).
- voiding an order that is already voided is 204 again and changes nothing (the caller's intent
  holds); voiding one that has left the warehouse is 409.

Two fast paths skip Starlette's request and response objects: GET of an existing order by id
(the polling case) and POST create (`CreateOrder`, a plain ASGI endpoint): see `OrderFastPaths`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

import impilo_spec

from . import _orders
from ._catalog import Catalog
from ._constants import DEFAULT_API_KEY, DEFAULT_LIFECYCLE_TICK
from ._delivery import DEFAULT_RETRY_SCALE, Deliverer
from ._errors import ApiError, api_error_response, error_body, error_response
from ._paging import page_body, page_of, render_entry
from ._parameters import bounds, parameters_of
from ._requests import JSON_MEDIA_TYPE, parse_json, query_lists, read_body
from ._seed import Seed
from ._store import OrderStore, VoidOutcome
from ._validation import create_body_errors, request_validator
from ._webhook_routes import WebhookRoutes
from ._webhooks import WebhookStore

_JSON_HEADER = (b"content-type", JSON_MEDIA_TYPE.encode())
_BIG_BODY = 64 * 1024

Handler = Callable[[Request], Awaitable[Response]]
# A route handler, as Starlette tells them apart: a function or method takes a Request and returns
# a Response; any other callable (an object with __call__) is a plain ASGI app, for a fast path.
Endpoint = Handler | ASGIApp


def _path(operation_id: str) -> str:
    return impilo_spec.operation(operation_id)[1]


_log = logging.getLogger("impilo_mock")


class ApiKeyMiddleware:
    """401 with the Error body unless the request carries one of the configured keys."""

    def __init__(self, app: ASGIApp, *, api_keys: Sequence[str]) -> None:
        self.app = app
        name = impilo_spec.api_key_header()
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
        headers = [_JSON_HEADER, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class CreateOrder:
    """POST /api/v3/order as a plain ASGI endpoint: the busiest write, without Request/Response objects.

    Errors are raised as ApiError and answered by the app's exception handler like any other.
    """

    def __init__(self, store: OrderStore, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self.location = _path("fetchOrder").split("{", 1)[0]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(scope, receive)
        body, size = parse_json(raw), len(raw)
        # A big body takes a while to check; off the event loop, other requests keep flowing.
        errors = await run_in_threadpool(create_body_errors, body) if size > _BIG_BODY else create_body_errors(body)
        if errors:
            first = errors[0]
            raise ApiError(422, f"the order breaks the contract at {first.field}: {first.message}", errors)
        assert isinstance(body, dict)  # the schema's `type: object` held
        order, new_patient = _orders.build_order(body, self.catalog)
        rendered = self.store.create(order, new_patient, render=self.catalog.render_order)
        headers = [
            _JSON_HEADER,
            (b"content-length", str(len(rendered)).encode()),
            (b"location", f"{self.location}{order['id']}".encode()),
        ]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": rendered})


class _MockApp(Starlette):
    """Starlette, with the key check and the order fast paths in front of its own layers.

    Every request meets the key check first; the two busiest routes are then answered without
    Starlette's error and routing layers (they catch their own errors), the rest go through them.
    """

    def __init__(self, *, outside: list[Middleware], **kwargs: Any) -> None:
        self.outside = outside
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        for middleware in reversed(self.outside):
            stack = middleware.cls(stack, *middleware.args, **middleware.kwargs)
        return stack


class OrderFastPaths:
    """The two busiest order routes, answered before Starlette's routing and exception layers.

    GET /api/v3/order/{id} of an existing order (polling one order is what clients do most) is
    one store read; POST /api/v3/order goes straight to the create endpoint, its refusals
    rendered here. Anything else, a bad or unknown id included, goes on to the app, which
    answers it exactly as the fast path would have.
    """

    def __init__(self, app: ASGIApp, *, store: OrderStore, create: CreateOrder) -> None:
        self.app = app
        self.store = store
        self.create = create
        self.collection = _path("createOrder")
        self.prefix = _path("fetchOrder").split("{", 1)[0]
        self.max_digits = len(str(bounds("fetchOrder", "orderId")[1]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method = scope["method"]
            try:
                if method == "GET":
                    tail = scope["path"].removeprefix(self.prefix)
                    if tail != scope["path"] and tail.isascii() and tail.isdigit() and len(tail) < self.max_digits:
                        body = self.store.get(int(tail))
                        if body is not None:
                            headers = [_JSON_HEADER, (b"content-length", str(len(body)).encode())]
                            await send({"type": "http.response.start", "status": 200, "headers": headers})
                            await send({"type": "http.response.body", "body": body})
                            return
                elif method == "POST" and scope["path"] == self.collection:
                    await self.create(scope, receive, send)
                    return
            except ApiError as exc:
                await api_error_response(exc)(scope, receive, send)
                return
            except Exception as exc:
                # These routes run outside Starlette's error layer: answer as _server_error does
                # (the Error body, never HTML), unless the answer was already under way.
                _log.exception("%s %s failed", method, scope["path"])
                with contextlib.suppress(Exception):
                    await error_response(500, f"internal error ({type(exc).__name__})")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _json_response(body: bytes) -> Response:
    return Response(body, media_type=JSON_MEDIA_TYPE)


class _Routes:
    """Request handlers of the order and catalog operations, bound to one store and one catalog."""

    def __init__(self, store: OrderStore, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self.default_size = int(impilo_spec.parameter_schema("listOrders", "size")["default"])
        self.create_order = CreateOrder(store, catalog)

    def _read(self, operation_id: str, request: Request) -> dict[str, Any]:
        return parameters_of(operation_id).read(query_lists(request), request.path_params)

    def _page(self, operation_id: str, request: Request, records: Callable[[dict[str, Any]], list[Any]]) -> Response:
        query = self._read(operation_id, request)
        # The order list's default size where the spec gives this list none (see _catalog).
        size = query["size"] or self.default_size
        return _json_response(page_of(records(query), page=query["page"], size=size))

    async def list_orders(self, request: Request) -> Response:
        query = self._read("listOrders", request)
        page, size = query["page"], query["size"]
        orders, total = self.store.page(
            page, size, patient_id=query["patientId"], external_ids=query["externalOrderId"] or ()
        )
        return _json_response(page_body(orders, page=page, size=size, total=total))

    async def fetch_order(self, request: Request) -> Response:
        order_id = self._read("fetchOrder", request)["orderId"]
        rendered = self.store.get(order_id)
        if rendered is None:
            raise ApiError(404, f"order {order_id} does not exist")
        return _json_response(rendered)

    async def void_order(self, request: Request) -> Response:
        order_id = self._read("voidOrder", request)["orderId"]
        outcome, status = self.store.void(order_id)
        if outcome is VoidOutcome.NOT_FOUND:
            raise ApiError(404, f"order {order_id} does not exist")
        if outcome is VoidOutcome.TOO_LATE:
            raise ApiError(409, f"order {order_id} is {status} and can no longer be voided")
        return Response(status_code=204)

    def _one(self, operation_id: str, kind: str, request: Request, find: Callable[[Any], Any]) -> Response:
        """A record by the one path parameter of a fetch operation, or 404 naming it."""
        template = _path(operation_id)
        key = self._read(operation_id, request)[template[template.index("{") + 1 : template.index("}")]]
        found = find(key)
        if found is None:
            named = f"{key!r:.80}" if isinstance(key, str) else str(key)
            raise ApiError(404, f"{kind} {named} does not exist")
        return _json_response(render_entry(found))

    async def list_items(self, request: Request) -> Response:
        return self._page("listItems", request, self.catalog.items)

    async def fetch_item(self, request: Request) -> Response:
        return self._one("fetchItem", "item", request, self.catalog.item)

    async def list_kits(self, request: Request) -> Response:
        return self._page("listKits", request, self.catalog.kits)

    async def fetch_kit(self, request: Request) -> Response:
        return self._one("fetchKit", "kit", request, self.catalog.kit)

    async def list_sites(self, request: Request) -> Response:
        return self._page("listSites", request, self.catalog.sites)

    async def fetch_site(self, request: Request) -> Response:
        return self._one("fetchSite", "site", request, self.catalog.site)

    async def list_patients(self, request: Request) -> Response:
        return self._page("listPatients", request, self.catalog.patients_matching)

    async def fetch_patient(self, request: Request) -> Response:
        return self._one("fetchPatient", "patient", request, self.catalog.patient)

    async def fetch_patient_by_identifier(self, request: Request) -> Response:
        return self._one(
            "fetchPatientByIdentifier", "the patient with identifier", request, self.catalog.patient_by_identifier
        )

    def handlers(self) -> dict[str, Endpoint]:
        return {
            "listOrders": self.list_orders,
            "createOrder": self.create_order,
            "fetchOrder": self.fetch_order,
            "voidOrder": self.void_order,
            "listItems": self.list_items,
            "fetchItem": self.fetch_item,
            "listKits": self.list_kits,
            "fetchKit": self.fetch_kit,
            "listSites": self.list_sites,
            "fetchSite": self.fetch_site,
            "listPatients": self.list_patients,
            "fetchPatient": self.fetch_patient,
            "fetchPatientByIdentifier": self.fetch_patient_by_identifier,
        }


class _PathEndpoint:
    """The ASGI app of one path: each method goes to its operation's handler (HEAD to GET's)."""

    def __init__(self, by_method: Mapping[str, Endpoint]) -> None:
        self.by_method = dict(by_method)
        if "GET" in self.by_method:
            self.by_method.setdefault("HEAD", self.by_method["GET"])
        # Starlette's convention: functions and methods take a Request, anything else is an ASGI app.
        self.asgi = {
            method: not (inspect.isfunction(handler) or inspect.ismethod(handler))
            for method, handler in self.by_method.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        handler: Any = self.by_method[method]  # the Route let only these methods through
        if self.asgi[method]:
            await handler(scope, receive, send)
            return
        response = await handler(Request(scope, receive))
        await response(scope, receive, send)


def spec_routes(handlers: Mapping[str, Endpoint]) -> list[Route]:
    """One Route per spec path with a handler, allowing exactly the methods handled there.

    Literal paths come before templated ones of the same shape (`/webhook/logs` before
    `/webhook/{webhookId}`), so a fixed segment is never read as an id.
    """
    by_path: dict[str, dict[str, Endpoint]] = {}
    for operation_id, handler in handlers.items():
        method, path = impilo_spec.operation(operation_id)
        by_path.setdefault(path, {})[method] = handler
    ordered = sorted(by_path, key=lambda path: [segment.startswith("{") for segment in path.split("/")])
    return [Route(path, _PathEndpoint(by_path[path]), methods=list(by_path[path])) for path in ordered]


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


@contextlib.asynccontextmanager
async def running(coroutine: Callable[[], Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """Run `coroutine()` as a task while the app serves; cancel it at shutdown."""
    task = asyncio.create_task(coroutine())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _run_lifecycle(store: OrderStore, tick: float) -> None:
    while True:
        await asyncio.sleep(tick / 2)
        store.advance(tick)


def _seed_of(seed: Seed | Mapping[str, Any] | None) -> Seed:
    if seed is None:
        return Seed()
    if isinstance(seed, Seed):
        return seed
    return Seed.extended(seed)


def create_app(
    *,
    api_keys: Iterable[str] = (DEFAULT_API_KEY,),
    db_path: str | None = None,
    lifecycle: bool = False,
    lifecycle_tick: float = DEFAULT_LIFECYCLE_TICK,
    seed: Seed | Mapping[str, Any] | None = None,
    store: OrderStore | None = None,
    webhook_retry_scale: float = DEFAULT_RETRY_SCALE,
    webhook_allow_remote: bool = False,
) -> Starlette:
    """The mock as a Starlette app.

    api_keys: keys accepted in the spec's API key header (at least one).
    db_path: SQLite file that keeps orders (and patients created with them) across restarts;
        in memory when None.
    lifecycle: advance orders orderPlaced → awaitingShipment → shipped → delivered, one step per
        `lifecycle_tick` seconds, adding events and a tracking number.
    seed: the catalog: a Seed (`Seed.from_file(path)`), or seed data as a seed file holds it
        (`{"patients": [...], "sites": [...], "items": [...], "kits": [...]}`, records added to or
        replacing the built-in ones by id; SeedError if bad). The built-in catalog when None.
    store: an existing store to serve (then db_path is ignored); the app's store is `app.state.store`.
    webhook_retry_scale: the documented retry delays of a failed webhook delivery (15, 30, 60
        minutes) times this; the default makes them seconds. Webhooks, the secret and pending
        deliveries live in `db_path` too (see `_delivery`); the deliverer is `app.state.webhooks`.
    webhook_allow_remote: also send webhook deliveries to hosts that are not loopback.
    """
    keys = [key for key in api_keys if key]
    if not keys:
        raise ValueError("at least one non-empty API key is needed")
    if lifecycle_tick <= 0:
        raise ValueError("lifecycle_tick must be positive")
    catalog_seed = _seed_of(seed)
    # Compile every schema the mock checks now, not on the first request (and fail now if one cannot be).
    request_validator()
    order_store = store if store is not None else OrderStore(db_path)
    order_store.reserve_patient_ids(max(catalog_seed.patients, default=0))
    catalog = Catalog(catalog_seed, order_store)
    routes = _Routes(order_store, catalog)
    handlers = routes.handlers()
    webhooks = Deliverer(
        WebhookStore(db_path if store is None else None),
        retry_scale=webhook_retry_scale,
        allow_remote=webhook_allow_remote,
    )
    order_store.add_listener(webhooks.on_status_change)
    handlers.update(WebhookRoutes(webhooks.store, webhooks).handlers())
    for operation_id in handlers:
        parameters_of(operation_id)

    # Work that runs while the app serves: async context managers entered at start-up, left at shutdown.
    lifespan_contexts: list[contextlib.AbstractAsyncContextManager[Any]] = [webhooks.running()]
    if lifecycle:
        lifespan_contexts.append(running(lambda: _run_lifecycle(order_store, lifecycle_tick)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for context in lifespan_contexts:
                await stack.enter_async_context(context)
            yield

    exception_handlers: Any = {ApiError: _api_error, HTTPException: _http_error, Exception: _server_error}
    app = _MockApp(
        outside=[
            Middleware(ApiKeyMiddleware, api_keys=keys),
            Middleware(OrderFastPaths, store=order_store, create=routes.create_order),
        ],
        routes=spec_routes(handlers),
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    # A trailing slash is an unknown route (404), not a redirect the spec does not document.
    app.router.redirect_slashes = False
    app.state.store = order_store
    app.state.catalog = catalog
    app.state.webhooks = webhooks
    return app
