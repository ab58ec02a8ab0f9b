"""A stateful mock of the Impilo v3 API (orders and catalog look-ups), for tests and local development.

    from impilo_mock import run_in_thread

    with run_in_thread() as server:
        ...  # server.base_url, server.api_key (the development key `impilo-dev-key`)

Also: `create_app(...)` (a Starlette ASGI app), `Seed` (the catalog: `Seed.from_file(path)`
extends it), the `impilo-mock` command, and the pytest fixture `impilo_mock_server`.

It imports neither the client (`impilo`) nor the generated package: it is a second
implementation of the spec, with its own validator (impilo_spec gives it the spec as data).

Names are imported on first use: the pytest plugin is loaded into every pytest run of an
environment that has this package, and must not pay for Starlette and uvicorn there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._constants import API_KEYS_ENV, DEFAULT_API_KEY, MAX_BODY_BYTES

if TYPE_CHECKING:
    from ._app import create_app
    from ._seed import Seed, SeedError
    from ._server import MockServer, run_in_thread
    from ._store import OrderStore

__all__ = [
    "API_KEYS_ENV",
    "DEFAULT_API_KEY",
    "MAX_BODY_BYTES",
    "MockServer",
    "OrderStore",
    "Seed",
    "SeedError",
    "create_app",
    "run_in_thread",
]

_LAZY = {
    "create_app": "._app",
    "Seed": "._seed",
    "SeedError": "._seed",
    "MockServer": "._server",
    "run_in_thread": "._server",
    "OrderStore": "._store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
