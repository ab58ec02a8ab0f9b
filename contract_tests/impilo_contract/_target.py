"""Step 2a of a run: the server under test, started (the embedded mock) or reached (a base URL), and
probed once, so an unreachable server or a refused key is a one-line usage error."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from impilo_spec import operation

from ._plan import Plan, UsageError

EMBEDDED = "embedded mock"
PROBE_OPERATION = "listOrders"
# Server log lines (uvicorn's "Invalid HTTP request received." for each malformed request the
# coverage phase sends on purpose) must not reach the suite's output.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "impilo_mock")
# The embedded mock retries a failed webhook delivery after FACTS' 15 minutes times this: 45 ms.
EMBEDDED_RETRY_SCALE = 0.00005
# A retry sooner than this is waited for by the webhook check.
FAST_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    api_key: str = field(repr=False)
    embedded: bool
    # Moves every order of the mock one lifecycle step (None: not a mock this process drives).
    advance: Callable[[], int] | None = None
    # Whether a failed webhook delivery is retried within seconds (the mock, with a small retry scale).
    fast_retries: bool = False

    @property
    def label(self) -> str:
        return self.base_url + (f" ({EMBEDDED})" if self.embedded else "")


def find_store(app: Any) -> Any:
    """The order store of a mock app, through any wrappers that keep the inner app as `.app`."""
    for _ in range(10):
        state = getattr(app, "state", None)
        store = getattr(state, "store", None) if state is not None else None
        if store is not None and hasattr(store, "advance"):
            return store
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


def first_retry_seconds(app: Any) -> float | None:
    """How soon a mock app retries a failed webhook delivery (its deliverer's first retry delay)."""
    for _ in range(10):
        deliverer = getattr(getattr(app, "state", None), "webhooks", None)
        delays = getattr(deliverer, "retry_delays", None)
        if isinstance(delays, tuple) and delays and isinstance(delays[0], int | float):
            return float(delays[0])
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


@contextlib.contextmanager
def quiet_server_logs() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in SERVER_LOGGERS]
    before = [(logger.level, logger.propagate, list(logger.handlers)) for logger in loggers]
    try:
        yield
    finally:
        for logger, (level, propagate, handlers) in zip(loggers, before, strict=True):
            logger.setLevel(level)
            logger.propagate = propagate
            logger.handlers = handlers


def _silence() -> None:
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


def _embedded_app(plan: Plan) -> Any:
    from impilo_mock import create_app

    keys = (plan.settings.api_key,) if plan.settings.api_key else ()
    kwargs: dict[str, Any] = {"api_keys": keys} if keys else {}
    return create_app(webhook_retry_scale=EMBEDDED_RETRY_SCALE, **kwargs)


@contextlib.contextmanager
def open_target(plan: Plan, app: Any = None) -> Iterator[Target]:
    """The server under test: `plan.base_url`, else the embedded mock (or `app`, served the same way)."""
    if plan.base_url is not None and app is None:
        assert plan.api_key is not None  # plan() refuses a live target without a key
        yield Target(plan.base_url, plan.api_key, embedded=False)
        return
    from impilo_mock import run_in_thread

    served = app if app is not None else _embedded_app(plan)
    with quiet_server_logs(), contextlib.ExitStack() as stack:
        _silence()
        try:
            server = stack.enter_context(run_in_thread(served))
        except RuntimeError as exc:
            raise UsageError(f"the embedded mock could not start: {exc}") from None
        # uvicorn sets its loggers up as it starts: silence them again once it listens.
        _silence()
        store = find_store(served)
        retry = first_retry_seconds(served)
        yield Target(
            server.base_url,
            plan.settings.api_key or server.api_key,
            embedded=app is None,
            advance=(lambda: int(store.advance(0))) if store is not None else None,
            fast_retries=retry is not None and retry <= FAST_RETRY_SECONDS,
        )


def probe(client: httpx.Client, target: Target, plan: Plan) -> None:
    """One read before the run: the target answers, takes the key and serves this API."""
    _, path = operation(PROBE_OPERATION)
    try:
        response = client.get(path, params={"page": 1, "size": 1})
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {target.base_url}: {type(exc).__name__}: {exc}") from None
    if response.status_code in (401, 403):
        raise UsageError(f"{target.base_url} refused the API key (HTTP {response.status_code}); check ${plan.key_env}")
    if response.status_code == 404:
        raise UsageError(f"{target.base_url}{path} answered 404: is this an Impilo v3 API base URL?")
