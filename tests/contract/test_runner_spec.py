"""What the runner derives from the contract view."""

from __future__ import annotations

from impilo_contract import load_contract, open_response_enums
from impilo_contract._spec import documented_statuses, is_documented, request_examples

SCHEMAS = "#/components/schemas/"


def test_response_enums_are_opened_and_request_enums_stay_closed() -> None:
    opened = open_response_enums(load_contract())
    schemas = opened["components"]["schemas"]
    assert {"$ref": SCHEMAS + "OrderStatusOpen"} in schemas["Order"]["properties"]["currentStatus"]["anyOf"]
    assert "enum" not in schemas["OrderStatusOpen"]
    assert "voided" in schemas["OrderStatusOpen"]["x-impilo-known-values"]
    assert {"$ref": SCHEMAS + "SexOpen"} in schemas["Patient"]["properties"]["sex"]["anyOf"]
    # The request keeps closed enums: a client must send a value the server knows.
    assert schemas["PatientReference"]["properties"]["sex"] == {"$ref": SCHEMAS + "Sex"}
    assert {"$ref": SCHEMAS + "ShippingOption"} in schemas["OrderCreateRequest"]["properties"]["shippingOption"][
        "anyOf"
    ]
    assert "enum" in schemas["ShippingOption"]


def test_opening_enums_leaves_the_loaded_contract_alone() -> None:
    contract = load_contract()
    open_response_enums(contract)
    assert "OrderStatusOpen" not in contract["components"]["schemas"]


def test_documented_statuses_follow_the_spec() -> None:
    documented = documented_statuses(load_contract())
    create = documented["POST /api/v3/order"]
    assert {"200", "201", "422", "5XX"} <= create
    assert is_documented(201, create)
    assert is_documented(503, create)
    assert not is_documented(418, create)
    assert not is_documented(409, documented["GET /api/v3/order/{orderId}"])
    assert is_documented(409, documented["DELETE /api/v3/order/{orderId}"])


def test_request_examples_are_the_docs_orders() -> None:
    examples = request_examples(load_contract())
    recipients = sorted(next(key for key in ("patient", "site") if example.get(key)) for example in examples)
    assert recipients == ["patient", "site"]
    assert all(
        example.get(key, {}) in (None, {}) or example[key]["id"] == 1234
        for example in examples
        for key in ("patient", "site")
    )
