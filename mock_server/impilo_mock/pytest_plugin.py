"""pytest plugin (entry point `pytest11`): the `impilo_mock_server` fixture.

Loaded into every pytest run of an environment that has this package installed, so it imports
nothing but pytest at load time; the server code is imported when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._server import MockServer


@pytest.fixture(scope="session")
def impilo_mock_session_server() -> Iterator[MockServer]:
    """One mock for the whole session (seed data, development key) on a free loopback port."""
    from ._server import run_in_thread

    with run_in_thread() as server:
        yield server


@pytest.fixture
def impilo_mock_server(impilo_mock_session_server: MockServer) -> MockServer:
    """A running mock with no orders yet, reachable at `.base_url` with `.api_key`.

    The server is shared by the session and emptied before each test, so tests see no one
    else's orders and ids start from 1.
    """
    impilo_mock_session_server.reset()
    return impilo_mock_session_server
