"""`Impilo` and `AsyncImpilo`: configuration, the generated client they hold, and sending with retries."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx
from attrs import evolve

from impilo_spec import API_KEY_ENV, BASE_URL_ENV

from . import spec
from ._catalog import AsyncItems, AsyncKits, AsyncPatients, AsyncSites, Items, Kits, Patients, Sites
from ._checked_client import CheckedClient
from ._constants import DEFAULT_ENVIRONMENT, DEFAULT_TIMEOUT
from ._drift import DriftReporter
from ._exceptions import ConfigurationError, connection_error, error_from_response
from ._orders import AsyncOrders, Orders
from ._resource import Call, TimeoutArg, decode
from ._retry import RetryBudget, RetryPolicy, send_with_retries, send_with_retries_async
from ._secrets import MASK, protect_logs
from ._webhook_admin import AsyncWebhooks, Webhooks

Environment = Literal["production", "staging"]
T = TypeVar("T")
_UNCHANGED: Any = object()


def _settings(api_key: str | None, base_url: str | None, environment: str | None) -> tuple[str, str]:
    """(API key, base URL): arguments first, then IMPILO_API_KEY / IMPILO_BASE_URL, then production."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not key:
        raise ConfigurationError(f"no API key: pass api_key=... or set {API_KEY_ENV}")
    if base_url is None and environment is None:
        base_url = os.environ.get(BASE_URL_ENV) or None
    if base_url is None:
        urls = spec.server_urls()
        name = environment or DEFAULT_ENVIRONMENT
        if name not in urls:
            raise ConfigurationError(f"unknown environment {name!r}; the spec's servers are {sorted(urls)}")
        base_url = urls[name]
    return key, base_url.rstrip("/")


def _timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    # None means the default, never "no timeout": a call must not hang forever.
    if timeout is None:
        return DEFAULT_TIMEOUT
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _adopt(http_client: httpx.Client | httpx.AsyncClient, owner: _Base) -> None:
    """Make a caller's httpx client talk to Impilo: the key (as an auth flow), and our base URL if it has none."""
    http_client.auth = owner.generated.api_key_auth()
    if not str(http_client.base_url):
        http_client.base_url = httpx.URL(owner.base_url)


class _Base:
    _owns_http_client: bool

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        environment: Environment | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        strict: bool,
        httpx_args: dict[str, Any],
    ) -> None:
        self._api_key, self.base_url = _settings(api_key, base_url, environment)
        protect_logs(self._api_key)
        self.timeout = _timeout(timeout)
        policy = retry_policy or RetryPolicy()
        self.retry_policy = policy if max_retries is None else dataclasses.replace(policy, max_retries=max_retries)
        self.strict = strict
        self.generated = CheckedClient(
            base_url=self.base_url,
            token=self._api_key,
            auth_header_name=spec.api_key_header(),
            timeout=self.timeout,
            httpx_args=httpx_args,
            drift_policy=DriftReporter(strict=strict, secret=self._api_key),
        )
        """The generated client (`impilo_orders_api`), with the rule check wired in: pass it as
        `client=` to the generated api functions for anything the facade does not cover."""

    def _budget(self, kwargs: dict[str, Any], max_retries: int | None) -> tuple[str, RetryBudget]:
        method = str(kwargs["method"]).upper()
        retries = self.retry_policy.max_retries if max_retries is None else max_retries
        return f"{method} {kwargs['url']}", RetryBudget(self.retry_policy, method, retries)

    def _options(self, timeout: Any, max_retries: Any, strict: Any) -> Self:
        """A shallow copy with other defaults, sharing the connections (see `with_options`)."""
        other = copy.copy(self)
        if timeout is not _UNCHANGED:
            other.timeout = _timeout(timeout)
        if max_retries is not _UNCHANGED:
            other.retry_policy = dataclasses.replace(self.retry_policy, max_retries=max_retries)
        if strict is not _UNCHANGED:
            other.strict = bool(strict)
        # The generated client is copied too, so `other.generated` reports drift by the new setting.
        other.generated = evolve(
            self.generated, timeout=other.timeout, drift_policy=DriftReporter(strict=other.strict, secret=self._api_key)
        )
        other._owns_http_client = False
        other._bind()
        return other

    def _bind(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={MASK!r}, strict={self.strict})"

    __str__ = __repr__


class Impilo(_Base):
    """The Impilo v3 API client: `orders`, the catalog (`items`, `kits`, `sites`, `patients`), `webhooks`.

    `Impilo()` reads IMPILO_API_KEY (and IMPILO_BASE_URL, else production); `Impilo(environment="staging")`
    talks to the sandbox. Timeouts default to connect 5 s / read 30 s (`timeout=` here or per call).
    GETs are retried on connection errors, 429, 502, 503 and 504 with backoff and jitter, honouring
    Retry-After; a void or delete only on 429 or a connection that never opened; a create never,
    unless `retry_safely=True` (see `orders.create`).

    `strict=True` raises `ResponseDriftError` when a response value has the wrong JSON type or a field
    the spec says is always sent is missing; by default that is a `ResponseDriftWarning` and a log
    record, and the call returns. Every method also takes `strict=` for one call;
    `client.with_options(strict=..., timeout=..., max_retries=...)` gives a client with other defaults.

    `http_client=` takes your own httpx.Client (the key and the rule check are added to it, and the
    base URL if it has none; it keeps its own timeout and is not closed by `close()`);
    `transport=` an httpx transport (e.g. httpx.MockTransport in tests); `sleep=` replaces time.sleep
    between retries.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        environment: Environment | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        strict: bool = False,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            environment,
            timeout,
            max_retries,
            retry_policy,
            strict,
            {"transport": transport} if transport else {},
        )
        self._sleep = sleep
        self._owns_http_client = http_client is None
        if http_client is not None:
            _adopt(http_client, self)
            self.generated.set_httpx_client(http_client)
        self._bind()

    def _bind(self) -> None:
        self.orders = Orders(self)
        self.items = Items(self)
        self.kits = Kits(self)
        self.sites = Sites(self)
        self.patients = Patients(self)
        self.webhooks = Webhooks(self)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = _UNCHANGED,
        max_retries: int = _UNCHANGED,
        strict: bool = _UNCHANGED,
    ) -> Impilo:
        """A client with other defaults that shares this one's connections.

        `client.with_options(strict=True).orders.get(1)`: one strict call; the options not given stay.
        """
        shared = self.generated.get_httpx_client()
        other = self._options(timeout, max_retries, strict)
        other.generated.set_httpx_client(shared)
        return other

    def _send(
        self, kwargs: dict[str, Any], *, timeout: TimeoutArg = None, max_retries: int | None = None
    ) -> httpx.Response:
        """Send one generated request with retries; raise the mapped error for anything but a 2xx."""
        http = self.generated.get_httpx_client()
        what, budget = self._budget(kwargs, max_retries)
        per_call = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout
        try:
            response = send_with_retries(lambda: http.request(**kwargs, timeout=per_call), budget, self._sleep, what)
        except httpx.TransportError as exc:
            raise connection_error(exc, secret=self._api_key) from exc
        if not response.is_success:
            raise error_from_response(response, secret=self._api_key)
        return response

    def _run(self, call: Call[T], *, timeout: TimeoutArg = None, strict: bool | None = None) -> T:
        """Send a call and decode its answer with the call's model (None for a call without one)."""
        response = self._send(call.kwargs, timeout=timeout, max_retries=call.max_retries)
        if call.model is None:
            return None  # type: ignore[return-value]
        return decode(call, response, strict=self.strict if strict is None else strict, secret=self._api_key)

    def close(self) -> None:
        """Close the connections this client opened (not those of an http_client you passed)."""
        if self._owns_http_client:
            self.generated.get_httpx_client().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncImpilo(_Base):
    """The async Impilo client: like `Impilo`, with awaitable methods and `async for` over `.iter()`.

    `http_client=` takes an httpx.AsyncClient, `transport=` an async transport, `sleep=` replaces
    asyncio.sleep between retries.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        environment: Environment | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        strict: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            environment,
            timeout,
            max_retries,
            retry_policy,
            strict,
            {"transport": transport} if transport else {},
        )
        self._sleep = sleep
        self._owns_http_client = http_client is None
        if http_client is not None:
            _adopt(http_client, self)
            self.generated.set_async_httpx_client(http_client)
        self._bind()

    def _bind(self) -> None:
        self.orders = AsyncOrders(self)
        self.items = AsyncItems(self)
        self.kits = AsyncKits(self)
        self.sites = AsyncSites(self)
        self.patients = AsyncPatients(self)
        self.webhooks = AsyncWebhooks(self)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = _UNCHANGED,
        max_retries: int = _UNCHANGED,
        strict: bool = _UNCHANGED,
    ) -> AsyncImpilo:
        """A client with other defaults that shares this one's connections; see `Impilo.with_options`."""
        shared = self.generated.get_async_httpx_client()
        other = self._options(timeout, max_retries, strict)
        other.generated.set_async_httpx_client(shared)
        return other

    async def _send(
        self, kwargs: dict[str, Any], *, timeout: TimeoutArg = None, max_retries: int | None = None
    ) -> httpx.Response:
        """Send one generated request with retries; raise the mapped error for anything but a 2xx."""
        http = self.generated.get_async_httpx_client()
        what, budget = self._budget(kwargs, max_retries)
        per_call = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout
        try:
            response = await send_with_retries_async(
                lambda: http.request(**kwargs, timeout=per_call), budget, self._sleep, what
            )
        except httpx.TransportError as exc:
            raise connection_error(exc, secret=self._api_key) from exc
        if not response.is_success:
            raise error_from_response(response, secret=self._api_key)
        return response

    async def _run(self, call: Call[T], *, timeout: TimeoutArg = None, strict: bool | None = None) -> T:
        """Send a call and decode its answer with the call's model (None for a call without one)."""
        response = await self._send(call.kwargs, timeout=timeout, max_retries=call.max_retries)
        if call.model is None:
            return None  # type: ignore[return-value]
        return decode(call, response, strict=self.strict if strict is None else strict, secret=self._api_key)

    async def close(self) -> None:
        """Close the connections this client opened (not those of an http_client you passed)."""
        if self._owns_http_client:
            await self.generated.get_async_httpx_client().aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
