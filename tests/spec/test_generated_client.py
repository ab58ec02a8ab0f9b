"""The generated client as a person uses it directly: auth header from the spec, bounded timeouts, open enums."""

from __future__ import annotations

from typing import Any

import httpx

from impilo._constants import DEFAULT_TIMEOUT
from impilo_orders_api import AuthenticatedClient, Client
from impilo_orders_api.api.orders import fetch_order
from impilo_orders_api.models import Order, OrderStatus


def test_key_goes_in_the_spec_header_with_no_prefix(spec: dict[str, Any]) -> None:
    header = spec["components"]["securitySchemes"]["ImpiloApiKey"]["name"]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 7, "currentStatus": "orderPlaced"})

    transport = httpx.MockTransport(handler)
    client = AuthenticatedClient(base_url="http://127.0.0.1:1", token="k-123", httpx_args={"transport": transport})
    order = fetch_order.sync(7, client=client)
    assert isinstance(order, Order) and order.id == 7
    assert seen[0].headers[header] == "k-123"
    assert "authorization" not in seen[0].headers


def test_no_client_has_an_unbounded_timeout() -> None:
    """The template's default is the facade's (one value, written in the template and _constants)."""
    for client in (Client(base_url="http://x"), AuthenticatedClient(base_url="http://x", token="t")):
        assert client.get_httpx_client().timeout == DEFAULT_TIMEOUT
    assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read) == (5.0, 30.0)


def test_unknown_enum_value_is_kept_as_the_raw_string() -> None:
    status = OrderStatus("returnedToSender")
    assert status == "returnedToSender" and status.value == "returnedToSender"
    assert not status.is_known and OrderStatus.SHIPPED.is_known
    order = Order.from_dict({"id": 3, "currentStatus": "returnedToSender"})
    assert order.current_status == "returnedToSender"
    assert order.to_dict() == {"id": 3, "currentStatus": "returnedToSender"}


def test_the_key_is_not_in_the_generated_clients_repr() -> None:
    client = AuthenticatedClient(base_url="http://127.0.0.1:1", token="k-secret-123")
    client.get_httpx_client()  # builds the httpx client, which copies the key into the headers
    assert "k-secret-123" not in repr(client)
    assert "k-secret-123" not in repr(client.with_headers({"X-Trace": "1"}))
