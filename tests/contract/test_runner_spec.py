"""What the runner derives from the views of the spec."""

from __future__ import annotations

from impilo_contract import load_contract, load_view, open_response_enums
from impilo_contract._spec import (
    assumed_sent,
    documented_statuses,
    is_documented,
    open_rules,
    page_schema_name,
    request_examples,
    secret_fields,
)

SCHEMAS = "#/components/schemas/"


def test_response_enums_are_opened_and_request_enums_stay_closed() -> None:
    opened = open_response_enums(load_contract())
    schemas = opened["components"]["schemas"]
    assert schemas["Order"]["properties"]["currentStatus"]["$ref"] == SCHEMAS + "OrderStatusOpen"
    assert "enum" not in schemas["OrderStatusOpen"]
    assert "voided" in schemas["OrderStatusOpen"]["x-impilo-known-values"]
    assert {"$ref": SCHEMAS + "SexOpen"} in schemas["Patient"]["properties"]["sex"]["anyOf"]
    assert {"$ref": SCHEMAS + "WebhookEventTypeOpen"} in schemas["Webhook"]["properties"]["type"]["anyOf"]
    # Requests keep closed enums: a client must send a value the server knows.
    shipping = schemas["OrderCreateRequest"]["properties"]["shippingOption"]["anyOf"]
    assert {"$ref": SCHEMAS + "ShippingOption"} in shipping
    assert "enum" in schemas["ShippingOption"] and "enum" in schemas["Sex"]


def test_opening_enums_leaves_the_loaded_view_alone() -> None:
    contract = load_contract()
    open_response_enums(contract)
    assert "OrderStatusOpen" not in contract["components"]["schemas"]


def test_the_judging_views_have_relaxed_responses_and_the_contract_keeps_the_assumptions() -> None:
    assert load_contract()["components"]["schemas"]["Order"]["required"] == ["id", "currentStatus"]
    for name in ("accept", "docs"):
        assert "required" not in load_view(name)["components"]["schemas"]["Order"], name
    assert assumed_sent(load_contract())["Order"] == ["id", "currentStatus"]
    assert set(assumed_sent(load_contract())) >= {"OrderPage", "Item", "Kit", "Site", "Patient", "Webhook"}


def test_documented_statuses_follow_the_spec() -> None:
    documented = documented_statuses(load_contract())
    create = documented["POST /api/v3/order"]
    assert {"200", "201", "422", "5XX"} <= create
    assert is_documented(201, create) and is_documented(503, create)
    assert not is_documented(202, create) and not is_documented(418, create)
    assert not is_documented(409, documented["GET /api/v3/order/{orderId}"])
    assert not is_documented(410, documented["GET /api/v3/order/{orderId}"])
    assert is_documented(409, documented["DELETE /api/v3/order/{orderId}"])


def test_the_open_rules_are_the_ones_the_docs_view_leaves_out() -> None:
    assert {"positive-id", "positive-count", "page-from-one", "page-size"} <= open_rules()
    # The docs decide these: every server must refuse what breaks them.
    assert not {"one-recipient", "has-content", "identified-by-id"} & open_rules()


def test_request_examples_are_the_docs_orders() -> None:
    examples = request_examples(load_contract())
    assert sorted(next(k for k in ("patient", "site") if example.get(k)) for example in examples) == ["patient", "site"]


def test_secret_fields_and_page_schemas_come_from_the_spec() -> None:
    assert secret_fields(load_contract()) == {"secret"}
    assert page_schema_name(load_contract(), "GET /api/v3/item") == "ItemPage"
    assert page_schema_name(load_contract(), "GET /api/v3/item/{itemId}") is None
