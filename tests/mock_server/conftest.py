"""Fixtures for the mock server tests: a running mock, and clients that check every response
the mock sends against the spec's response schema for its route and status."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mock_helpers import check_against_spec

from impilo_mock import MockServer
from impilo_spec import api_key_header


def _check_hook(response: httpx.Response) -> None:
    response.read()
    check_against_spec(response)


@pytest.fixture
def server(impilo_mock_server: MockServer) -> MockServer:
    """The pytest plugin's fixture, as users get it: a running mock emptied for this test."""
    return impilo_mock_server


@pytest.fixture
def client(server: MockServer) -> Iterator[httpx.Client]:
    """Sends the key; every response it gets is checked against the spec."""
    headers = {api_key_header(): server.api_key}
    with httpx.Client(base_url=server.base_url, headers=headers, event_hooks={"response": [_check_hook]}) as http:
        yield http


@pytest.fixture
def anonymous(server: MockServer) -> Iterator[httpx.Client]:
    """Sends no key; responses are checked against the spec too."""
    with httpx.Client(base_url=server.base_url, event_hooks={"response": [_check_hook]}) as http:
        yield http
