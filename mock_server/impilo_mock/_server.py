"""Run the mock in-process: uvicorn in a background thread on loopback."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from ._app import create_app
from ._constants import DEFAULT_API_KEY, DEFAULT_HOST
from ._store import OrderStore

_STARTUP_TIMEOUT = 30.0


class MockServer:
    """A running mock: where it listens and a key it accepts. The key stays out of repr."""

    def __init__(self, *, base_url: str, api_key: str, app: ASGIApp) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.app = app

    @property
    def store(self) -> OrderStore:
        """The served app's orders (an app from `create_app`; a wrapping ASGI app has none)."""
        if not isinstance(self.app, Starlette) or not isinstance(getattr(self.app.state, "store", None), OrderStore):
            raise AttributeError("this server's app was not made by create_app(); it has no order store")
        store: OrderStore = self.app.state.store
        return store

    def reset(self) -> None:
        """Forget every order, webhook, delivery and the webhook secret (seed data stays); ids start from 1."""
        self.store.clear()
        webhooks = getattr(getattr(self.app, "state", None), "webhooks", None)
        if webhooks is not None:
            webhooks.clear()

    def __repr__(self) -> str:
        return f"MockServer(base_url={self.base_url!r}, api_key=<redacted>)"


@contextlib.contextmanager
def run_in_thread(
    app: ASGIApp | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    api_key: str | None = None,
    **create_app_kwargs: Any,
) -> Iterator[MockServer]:
    """Serve `app` (any ASGI app; by default `create_app(**create_app_kwargs)`) until the block ends.

    Port 0 picks a free port.

    Yields a MockServer whose `api_key` is `api_key`, else the first of `api_keys`, else the
    development default.
    """
    if app is not None and create_app_kwargs:
        raise TypeError("pass either an app or create_app keyword arguments, not both")
    if "api_keys" in create_app_kwargs:
        create_app_kwargs["api_keys"] = list(create_app_kwargs["api_keys"])
    keys = create_app_kwargs.get("api_keys") or [DEFAULT_API_KEY]
    owned: Starlette | None = None
    served: ASGIApp
    if app is None:
        served = owned = create_app(**create_app_kwargs)
    else:
        served = app
    # loop="asyncio": uvloop would install its event loop policy for the whole host process.
    config = uvicorn.Config(
        served, host=host, port=port, log_level="warning", access_log=False, lifespan="auto", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"impilo-mock-{host}:{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the mock server did not start on {host}:{port}")
            time.sleep(0.005)
        bound_port = port
        for listener in server.servers:
            for sock in listener.sockets:
                bound_port = int(sock.getsockname()[1])
        yield MockServer(base_url=f"http://{host}:{bound_port}", api_key=api_key or keys[0], app=served)
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT)
        if owned is not None:
            owned.state.store.close()
            owned.state.webhooks.close()
