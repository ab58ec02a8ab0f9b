"""openapi.yaml is a valid, faithful transcription of the docs, and its examples hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from impilo_orders_api import models

OPERATIONS = {"createOrder", "listOrders", "fetchOrder", "voidOrder"}


def test_spec_and_contract_view_validate(spec: dict[str, Any], contract_view: dict[str, Any]) -> None:
    validate(spec)
    validate(contract_view)


def test_operations_and_auth(spec: dict[str, Any]) -> None:
    ops = {op["operationId"]: op for path in spec["paths"].values() for op in path.values() if "operationId" in op}
    assert set(ops) == OPERATIONS
    scheme = spec["components"]["securitySchemes"]["ImpiloApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Impilo-API-Key")
    assert spec["security"] == [{"ImpiloApiKey": []}]
    assert all("security" not in op for op in ops.values()), "no operation may opt out of the key"
    list_params = {p["name"] for p in ops["listOrders"]["parameters"]}
    assert list_params == {"page", "size", "patientId", "externalOrderId"}


@pytest.mark.parametrize("op", ["createOrder", "listOrders", "fetchOrder", "voidOrder"])
def test_every_operation_documents_errors_with_the_one_error_body(spec: dict[str, Any], op: str) -> None:
    operation = next(
        o for p in spec["paths"].values() for o in p.values() if isinstance(o, dict) and o.get("operationId") == op
    )
    codes = set(operation["responses"])
    assert {"400", "401", "429", "5XX"} <= codes
    for code, response in operation["responses"].items():
        if code.startswith(("4", "5")):
            ref = response["$ref"].rsplit("/", 1)[-1]
            body = spec["components"]["responses"][ref]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (op, code)
    assert "assumption" in spec["components"]["schemas"]["Error"]["description"]


def test_create_links_to_fetch_by_id(spec: dict[str, Any]) -> None:
    created = spec["paths"]["/api/v3/order"]["post"]["responses"]["201"]
    link = created["links"]["FetchCreatedOrder"]
    assert link["operationId"] == "fetchOrder"
    assert link["parameters"] == {"orderId": "$response.body#/id"}


def test_named_enums_carry_the_known_values(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["ShippingOption"]["enum"] == ["standard", "overnight"]
    assert len(schemas["OrderStatus"]["enum"]) == 13
    assert schemas["Sex"]["enum"] == ["male", "female", "other", "unknown"]


def test_every_object_the_docs_describe_has_a_named_schema(spec: dict[str, Any]) -> None:
    expected = {
        "Order", "OrderCreateRequest", "PatientReference", "SiteReference", "Patient", "Site", "Address",
        "OrderItem", "OrderKit", "OrderNote", "EndUser", "OrderEvent", "TrackingNumber", "Device",
        "DeviceIdentifier", "DeviceEvent", "PackedKit", "Kit", "KitItem", "Item", "Manufacturer",
        "OrderPage", "Error",
    }  # fmt: skip
    assert expected <= set(spec["components"]["schemas"])


def test_every_response_field_is_nullable(spec: dict[str, Any]) -> None:
    """The docs say "or null" for every response field; a non-nullable one would crash on a real null."""
    response_models = ["Order", "OrderPage", "Patient", "Site", "Address", "OrderItem", "OrderKit", "Item", "Device"]
    for name in response_models:
        for field, schema in spec["components"]["schemas"][name]["properties"].items():
            assert {"type": "null"} in schema.get("anyOf", []), f"{name}.{field} is not nullable"


def _media_types_with_examples(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            body = op.get("requestBody", {}).get("content", {})
            for ptr, media in [(f"/paths/{_esc(path)}/{method}/requestBody/content", body)]:
                for mt, content in media.items():
                    if "examples" in content:
                        yield f"{op['operationId']} request", f"{ptr}/{_esc(mt)}", content
            for code, response in op["responses"].items():
                for mt, content in response.get("content", {}).items():
                    if "examples" in content:
                        ptr = f"/paths/{_esc(path)}/{method}/responses/{code}/content/{_esc(mt)}"
                        yield f"{op['operationId']} {code}", ptr, content


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _example_value(doc: dict[str, Any], example: dict[str, Any]) -> Any:
    if "$ref" in example:
        example = doc["components"]["examples"][example["$ref"].rsplit("/", 1)[-1]]
    return example["value"]


@pytest.mark.parametrize("view", ["spec", "contract_view"])
def test_every_embedded_example_validates_against_its_schema(view: str, request: pytest.FixtureRequest) -> None:
    doc = request.getfixturevalue(view)
    registry = Registry().with_resource("urn:spec", Resource.from_contents(doc, default_specification=DRAFT202012))
    checked = 0
    for where, pointer, content in _media_types_with_examples(doc):
        validator = Draft202012Validator({"$ref": f"urn:spec#{pointer}/schema"}, registry=registry)
        for name, example in content["examples"].items():
            errors = [e.message for e in validator.iter_errors(_example_value(doc, example))]
            assert not errors, f"{where} example {name}: {errors}"
            checked += 1
    assert checked == 6  # two create requests, two create responses, the list and the fetch response


def test_examples_are_the_docs_verbatim(spec: dict[str, Any]) -> None:
    examples = spec["components"]["examples"]
    patient = examples["CreatePatientOrderRequest"]["value"]
    assert patient["patient"] == {"id": 1234, "sex": "unknown"}
    assert [i["item"]["id"] for i in patient["orderItems"]] == [1000, 1001, 1002, 1003]
    assert examples["CreateSiteOrderRequest"]["value"]["site"] == {"id": 1234}
    fetched = examples["FetchOrderResponse"]["value"]
    assert fetched == examples["CreatePatientOrderResponse"]["value"] == examples["CreateSiteOrderResponse"]["value"]
    assert fetched["orderKits"] == [{"count": 1}]  # partial entries, as the guide shows them
    assert examples["ListOrdersResponse"]["value"]["content"][0]["orderItems"] == [{}]


RESPONSE_MODELS: dict[str, Any] = {
    "CreatePatientOrderResponse": models.Order,
    "CreateSiteOrderResponse": models.Order,
    "FetchOrderResponse": models.Order,
    "ListOrdersResponse": models.OrderPage,
}


@pytest.mark.parametrize("name", sorted(RESPONSE_MODELS))
def test_documented_responses_parse_and_round_trip(spec: dict[str, Any], name: str) -> None:
    value = spec["components"]["examples"][name]["value"]
    parsed = RESPONSE_MODELS[name].from_dict(value)
    assert parsed.to_dict() == value


def test_documented_response_parses_to_typed_values(spec: dict[str, Any]) -> None:
    order = models.Order.from_dict(spec["components"]["examples"]["FetchOrderResponse"]["value"])
    assert order.current_status is models.OrderStatus.AVAILABLE_FOR_PICKUP
    assert order.shipping_option is models.ShippingOption.STANDARD
    assert isinstance(order.patient, models.Patient) and order.patient.sex is models.Sex.OTHER
    assert isinstance(order.patient.address, models.Address) and order.patient.address.zip_code == "zipCode"
    assert isinstance(order.devices, list) and isinstance(order.devices[0].current_patient, models.Patient)


@pytest.mark.parametrize("name", ["CreatePatientOrderRequest", "CreateSiteOrderRequest"])
def test_documented_requests_round_trip_through_the_request_model(spec: dict[str, Any], name: str) -> None:
    value = spec["components"]["examples"][name]["value"]
    assert models.OrderCreateRequest.from_dict(value).to_dict() == value
