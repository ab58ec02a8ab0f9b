"""What a user relies on: create, fetch, list with paging and filters, void, the lifecycle."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from mock_helpers import ORDERS, check_against_spec, site_order

from impilo_mock import MockServer, run_in_thread


def _create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(ORDERS, json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def test_fetch_of_unknown_order_is_404_naming_it(client: httpx.Client) -> None:
    response = client.get(f"{ORDERS}/424242")
    assert response.status_code == 404
    assert "424242" in response.json()["message"]


def test_ids_are_distinct_and_fetch_returns_what_create_answered(client: httpx.Client) -> None:
    created = [_create(client, site_order(externalOrderIds=[f"x{i}"])) for i in range(3)]
    assert len({order["id"] for order in created}) == 3
    for order in created:
        assert client.get(f"{ORDERS}/{order['id']}").json() == order


def test_create_echoes_notes_and_shipping_option_and_defaults_to_standard(client: httpx.Client) -> None:
    order = _create(client, site_order(orderNotes=[{"note": "leave at the door"}], shippingOption="overnight"))
    assert order["shippingOption"] == "overnight"
    assert [note["note"] for note in order["orderNotes"]] == ["leave at the door"]
    assert _create(client, site_order())["shippingOption"] == "standard"


@pytest.mark.parametrize(
    ("body", "field", "named"),
    [
        ({"patient": {"id": 77}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}, "$.patient.id", "77"),
        ({"site": {"id": 78}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}, "$.site.id", "78"),
        (
            site_order(orderItems=[{"item": {"id": 1000}, "count": 1}, {"item": {"id": 79}, "count": 1}]),
            "$.orderItems[1].item.id",
            "79",
        ),
        (site_order(orderKits=[{"kit": {"id": 80}, "count": 1}]), "$.orderKits[0].kit.id", "80"),
    ],
)
def test_unknown_reference_is_refused_naming_the_id(
    client: httpx.Client, body: dict[str, Any], field: str, named: str
) -> None:
    response = client.post(ORDERS, json=body)
    assert response.status_code == 404
    assert named in response.json()["message"]
    assert {"field": field, "message": response.json()["errors"][0]["message"]} in response.json()["errors"]
    assert client.get(ORDERS).json()["total"] == 0, "a refused order must not be stored"


def test_pages_cover_every_order_once_in_id_order(client: httpx.Client) -> None:
    ids = [_create(client, site_order())["id"] for _ in range(37)]
    seen: list[int] = []
    page_number = 1
    while True:
        page = client.get(ORDERS, params={"page": page_number, "size": 15}).json()
        assert page["page"] == page_number and page["size"] == 15 and page["total"] == 37
        assert page["first"] is (page_number == 1)
        assert len(page["content"]) == (15 if page_number < 3 else 7)
        seen += [order["id"] for order in page["content"]]
        if page["last"]:
            break
        page_number += 1
    assert page_number == 3
    assert seen == sorted(ids)

    beyond = client.get(ORDERS, params={"page": 9}).json()
    assert beyond["content"] == [] and beyond["last"] is True and beyond["first"] is False


def test_list_defaults_and_size_bounds(client: httpx.Client) -> None:
    for _ in range(16):
        _create(client, site_order())
    default = client.get(ORDERS).json()
    assert (default["page"], default["size"], len(default["content"]), default["last"]) == (1, 15, 15, False)
    assert len(client.get(ORDERS, params={"size": 250}).json()["content"]) == 16
    for params in ({"size": 251}, {"size": 0}, {"page": 0}, {"page": -1}, {"size": "x"}):
        response = client.get(ORDERS, params=params)
        assert response.status_code == 400, params
        assert next(iter(params)) in response.json()["message"]


def test_empty_list_is_one_first_and_last_page(client: httpx.Client) -> None:
    page = client.get(ORDERS).json()
    assert page == {"content": [], "page": 1, "size": 15, "total": 0, "first": True, "last": True}


def test_filters_by_patient_and_by_any_external_order_id(client: httpx.Client) -> None:
    patient_order = _create(
        client,
        {"patient": {"id": 1234}, "orderKits": [{"kit": {"id": 1001}, "count": 2}], "externalOrderIds": ["p-1"]},
    )
    site_a = _create(client, site_order(externalOrderIds=["a-1", "shared"]))
    site_b = _create(client, site_order(externalOrderIds=["b-1", "shared"]))

    def ids(**params: Any) -> list[int]:
        page = client.get(ORDERS, params=params).json()
        assert page["total"] == len(page["content"])
        return [order["id"] for order in page["content"]]

    assert ids(patientId=1234) == [patient_order["id"]]
    assert ids(patientId=9999) == []
    assert ids(externalOrderId="shared") == [site_a["id"], site_b["id"]]
    assert ids(externalOrderId=["a-1", "p-1"]) == [patient_order["id"], site_a["id"]]
    assert ids(externalOrderId=["a-1", "p-1"], patientId=1234) == [patient_order["id"]]
    assert ids(externalOrderId="nobody") == []


def test_void_keeps_the_order_with_status_voided_and_an_event(client: httpx.Client) -> None:
    order = _create(client, site_order())
    assert client.delete(f"{ORDERS}/{order['id']}").status_code == 204
    voided = client.get(f"{ORDERS}/{order['id']}").json()
    assert voided["currentStatus"] == "voided"
    assert [event["name"] for event in voided["orderEvents"]] == ["orderPlaced", "voided"]
    # Voiding again is a no-op success: the caller's intent already holds (documented choice).
    assert client.delete(f"{ORDERS}/{order['id']}").status_code == 204
    assert client.get(f"{ORDERS}/{order['id']}").json() == voided
    assert client.get(ORDERS).json()["content"] == [voided]


def test_void_of_unknown_order_is_404(client: httpx.Client) -> None:
    assert client.delete(f"{ORDERS}/31337").status_code == 404


def test_void_after_shipping_is_409_and_changes_nothing(client: httpx.Client, server: MockServer) -> None:
    order = _create(client, site_order())
    server.store.advance(0)  # awaitingShipment: still voidable
    server.store.advance(0)  # shipped
    shipped = client.get(f"{ORDERS}/{order['id']}").json()
    assert shipped["currentStatus"] == "shipped"
    response = client.delete(f"{ORDERS}/{order['id']}")
    assert response.status_code == 409
    assert "shipped" in response.json()["message"]
    assert client.get(f"{ORDERS}/{order['id']}").json() == shipped


def test_lifecycle_steps_add_events_and_a_tracking_number(client: httpx.Client, server: MockServer) -> None:
    order = _create(client, site_order())
    statuses = []
    for _ in range(4):
        server.store.advance(0)
        statuses.append(client.get(f"{ORDERS}/{order['id']}").json()["currentStatus"])
    assert statuses == ["awaitingShipment", "shipped", "delivered", "delivered"]
    final = client.get(f"{ORDERS}/{order['id']}").json()
    assert [event["name"] for event in final["orderEvents"]] == [
        "orderPlaced",
        "awaitingShipment",
        "shipped",
        "delivered",
    ]
    assert len(final["trackingNumbers"]) == 1 and final["trackingNumbers"][0]["carrier"] == "USPS"


def test_lifecycle_waits_a_tick_per_step(server: MockServer, client: httpx.Client) -> None:
    order = _create(client, site_order())
    assert server.store.advance(3600) == 0, "an order younger than the tick must not move"
    assert client.get(f"{ORDERS}/{order['id']}").json()["currentStatus"] == "orderPlaced"


def test_lifecycle_flag_moves_orders_on_its_own() -> None:
    with run_in_thread(lifecycle=True, lifecycle_tick=0.05) as running:
        headers = {"Impilo-API-Key": running.api_key}
        with httpx.Client(base_url=running.base_url, headers=headers) as http:
            order_id = http.post(ORDERS, json=site_order()).json()["id"]
            # Poll as a user's code would; generous deadline, no timing assertion.
            deadline = time.monotonic() + 30
            order = http.get(f"{ORDERS}/{order_id}")
            while order.json()["currentStatus"] != "delivered" and time.monotonic() < deadline:
                time.sleep(0.02)
                order = http.get(f"{ORDERS}/{order_id}")
            check_against_spec(order)
            assert [event["name"] for event in order.json()["orderEvents"]] == [
                "orderPlaced",
                "awaitingShipment",
                "shipped",
                "delivered",
            ]
