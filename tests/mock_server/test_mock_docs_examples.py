"""The docs' curl examples, sent byte for byte as the guide shows them, against a running mock."""

from __future__ import annotations

import json

import httpx
import pytest
from mock_helpers import ORDERS, docs_example

from impilo_mock import MockServer


@pytest.mark.parametrize("example", ["CreatePatientOrderRequest", "CreateSiteOrderRequest"])
def test_docs_create_example_is_created_as_sent(client: httpx.Client, example: str) -> None:
    body = docs_example(example)
    # -H "Content-Type: application/json" -d '<the body>', as in the curl example.
    response = client.post(ORDERS, content=json.dumps(body, indent=1), headers={"Content-Type": "application/json"})

    assert response.status_code == 201
    order = response.json()
    assert isinstance(order["id"], int) and order["id"] >= 1
    assert order["externalOrderIds"] == body["externalOrderIds"]
    assert order["currentStatus"] == "orderPlaced"
    assert [event["name"] for event in order["orderEvents"]] == ["orderPlaced"]
    assert order["shippingOption"] == "standard"
    assert [(line["item"]["id"], line["count"]) for line in order["orderItems"]] == [
        (line["item"]["id"], line["count"]) for line in body["orderItems"]
    ]
    assert [(line["kit"]["id"], line["count"]) for line in order["orderKits"]] == [
        (line["kit"]["id"], line["count"]) for line in body["orderKits"]
    ]
    if "patient" in body:
        assert order["patient"]["id"] == 1234
        assert (order["patient"]["firstName"], order["patient"]["lastName"]) == ("John", "Doe")
        assert order["patient"]["address"]["lineOne"] == "lineOne"
    else:
        assert order["patient"] is None
        assert order["site"]["id"] == 1234
    assert order["site"]["address"]["city"] == "city"
    # Items and kits come back expanded from the seed, not just as ids.
    assert all(line["item"]["name"] for line in order["orderItems"])
    assert all(line["kit"]["kitItems"] for line in order["orderKits"])


def test_docs_fetch_and_list_examples_after_create(client: httpx.Client, server: MockServer) -> None:
    created = client.post(ORDERS, json=docs_example("CreatePatientOrderRequest")).json()

    # curl https://app.impiloplatform.com/api/v3/order/1 -H "Impilo-API-Key: <apiKey>"
    fetched = httpx.get(f"{server.base_url}{ORDERS}/1", headers={"Impilo-API-Key": server.api_key})
    assert fetched.status_code == 200
    assert fetched.json() == created

    # curl https://app.impiloplatform.com/api/v3/order -H "Impilo-API-Key: <apiKey>"
    listed = client.get(ORDERS)
    assert listed.status_code == 200
    page = listed.json()
    assert page["content"] == [created]
    assert (page["page"], page["size"], page["total"], page["first"], page["last"]) == (1, 15, 1, True, True)
