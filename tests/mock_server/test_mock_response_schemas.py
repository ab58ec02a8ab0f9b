"""Every route and every status the mock can produce: the spec documents it for that operation, and
the body validates against the spec's response schema (the Error body for every refusal).

The other tests check every response they get the same way (see conftest); this one makes sure
no status is left out."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mock_helpers import ORDERS, check_against_spec, docs_example, route_of, site_order

from impilo_mock import MAX_BODY_BYTES, MockServer, OrderStore, run_in_thread
from impilo_spec import operation

ONE = ORDERS + "/{orderId}"
JSON = {"Content-Type": "application/json"}
NO_KEY: dict[str, str] = {"Impilo-API-Key": "not-a-key"}

# (method, path, keyword arguments for httpx, expected status)
SCENARIOS: list[tuple[str, str, dict[str, Any], int]] = [
    ("POST", ORDERS, {"json": docs_example("CreatePatientOrderRequest")}, 201),
    ("POST", ORDERS, {"content": b"{nope", "headers": JSON}, 400),
    ("POST", ORDERS, {"json": site_order(), "headers": NO_KEY}, 401),
    ("POST", ORDERS, {"json": site_order(site={"id": 4321})}, 404),
    ("POST", ORDERS, {"content": b" " * (MAX_BODY_BYTES + 1), "headers": JSON}, 413),
    ("POST", ORDERS, {"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 415),
    ("POST", ORDERS, {"json": {"site": {"id": 1234}}}, 422),
    ("GET", ORDERS, {}, 200),
    ("GET", ORDERS, {"params": {"externalOrderId": ["a", "b"], "patientId": 1234, "page": 2, "size": 1}}, 200),
    ("GET", ORDERS, {"params": {"size": 251}}, 400),
    ("GET", ORDERS, {"headers": NO_KEY}, 401),
    ("GET", f"{ORDERS}/1", {}, 200),
    ("GET", f"{ORDERS}/abc", {}, 400),
    ("GET", f"{ORDERS}/1", {"headers": NO_KEY}, 401),
    ("GET", f"{ORDERS}/999", {}, 404),
    ("DELETE", f"{ORDERS}/2", {}, 204),
    ("DELETE", f"{ORDERS}/0", {}, 400),
    ("DELETE", f"{ORDERS}/1", {"headers": NO_KEY}, 401),
    ("DELETE", f"{ORDERS}/999", {}, 404),
    ("DELETE", f"{ORDERS}/1", {}, 409),  # order 1 is shipped by then
    # Catalog look-ups: every status each can answer.
    ("GET", "/api/v3/item", {"params": {"sort": "itemName", "manufacturerId": [1, 2], "name": "o"}}, 200),
    ("GET", "/api/v3/item", {"params": {"size": 101}}, 400),
    ("GET", "/api/v3/item", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/item/1000", {}, 200),
    ("GET", "/api/v3/item/x", {}, 400),
    ("GET", "/api/v3/item/1000", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/item/999", {}, 404),
    ("GET", "/api/v3/kit", {"params": {"archived": "true", "itemId": 1000}}, 200),
    ("GET", "/api/v3/kit", {"params": {"archived": "maybe"}}, 400),
    ("GET", "/api/v3/kit", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/kit/1004", {}, 200),
    ("GET", "/api/v3/kit/0", {}, 400),
    ("GET", "/api/v3/kit/1000", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/kit/999", {}, 404),
    ("GET", "/api/v3/site", {"params": {"page": 2, "size": 1}}, 200),
    ("GET", "/api/v3/site", {"params": {"page": 0}}, 400),
    ("GET", "/api/v3/site", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/site/1236", {}, 200),
    ("GET", "/api/v3/site/-1", {}, 400),
    ("GET", "/api/v3/site/1234", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/site/999", {}, 404),
    (
        "GET",
        "/api/v3/patient",
        {"params": {"archived": "false", "sort": "lastName", "dateOfBirthMin": "1970-01-01"}},
        200,
    ),
    ("GET", "/api/v3/patient", {"params": {"dateOfBirthMax": "yesterday"}}, 400),
    ("GET", "/api/v3/patient", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/patient/1234", {}, 200),
    ("GET", "/api/v3/patient/1.5", {}, 400),
    ("GET", "/api/v3/patient/1234", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/patient/999", {}, 404),
    ("GET", "/api/v3/patient/identifier/1234abcd", {}, 200),
    ("GET", "/api/v3/patient/identifier/1234abcd", {"headers": NO_KEY}, 401),
    ("GET", "/api/v3/patient/identifier/nobody", {}, 404),
    ("GET", "/api/v3/orders", {}, 404),  # unknown route: not an operation
    ("PUT", ORDERS, {"json": {}}, 405),  # method the path lacks: not an operation
    ("PATCH", f"{ORDERS}/1", {"json": {}}, 405),
]

EXPECTED = {
    ("POST", ORDERS): {201, 400, 401, 404, 413, 415, 422},
    ("GET", ORDERS): {200, 400, 401},
    ("GET", ONE): {200, 400, 401, 404},
    ("DELETE", ONE): {204, 400, 401, 404, 409},
    ("GET", "/api/v3/item"): {200, 400, 401},
    ("GET", "/api/v3/item/{itemId}"): {200, 400, 401, 404},
    ("GET", "/api/v3/kit"): {200, 400, 401},
    ("GET", "/api/v3/kit/{kitId}"): {200, 400, 401, 404},
    ("GET", "/api/v3/site"): {200, 400, 401},
    ("GET", "/api/v3/site/{siteId}"): {200, 400, 401, 404},
    ("GET", "/api/v3/patient"): {200, 400, 401},
    ("GET", "/api/v3/patient/{patientId}"): {200, 400, 401, 404},
    # A path parameter that is text: every text names a patient or none, so no 400.
    ("GET", "/api/v3/patient/identifier/{identifier}"): {200, 401, 404},
}


def test_every_route_and_status_matches_the_spec(server: MockServer) -> None:
    seen: dict[tuple[str, str], set[int]] = {}
    with httpx.Client(base_url=server.base_url, headers={"Impilo-API-Key": server.api_key}) as http:
        for method, path, kwargs, status in SCENARIOS:
            if (method, path, status) == ("DELETE", f"{ORDERS}/2", 204):
                server.store.advance(0)
                http.post(ORDERS, json=site_order())
                server.store.advance(0)  # order 1 ships, order 2 awaits shipment
            response = http.request(method, path, **kwargs)
            assert response.status_code == status, f"{method} {path}: {response.text}"
            check_against_spec(response)
            seen.setdefault((method, route_of(path) or path), set()).add(status)
    for route, statuses in EXPECTED.items():
        assert seen[route] == statuses, route


ORDER_AND_CATALOG_OPERATIONS = [
    *["listOrders", "createOrder", "fetchOrder", "voidOrder", "listItems", "fetchItem", "listKits", "fetchKit"],
    *["listSites", "fetchSite", "listPatients", "fetchPatient", "fetchPatientByIdentifier"],
]


def test_every_order_and_catalog_operation_is_in_the_table() -> None:
    assert {operation(op) for op in ORDER_AND_CATALOG_OPERATIONS} == set(EXPECTED)


class _FailingStore(OrderStore):
    def get(self, order_id: int) -> bytes | None:
        raise RuntimeError("disk on fire")


def test_an_unexpected_failure_is_a_json_500_documented_as_5xx() -> None:
    with run_in_thread(store=_FailingStore()) as running:
        response = httpx.get(f"{running.base_url}{ORDERS}/1", headers={"Impilo-API-Key": running.api_key})
    assert response.status_code == 500
    check_against_spec(response)
    assert "disk on fire" not in response.text, "internals stay out of the answer"


@pytest.mark.parametrize("example", ["CreatePatientOrderRequest", "CreateSiteOrderRequest"])
def test_created_order_parses_with_the_generated_model(client: httpx.Client, example: str) -> None:
    from impilo_orders_api.models import Order

    created = client.post(ORDERS, json=docs_example(example)).json()
    assert Order.from_dict(created).to_dict() == json.loads(json.dumps(created))
