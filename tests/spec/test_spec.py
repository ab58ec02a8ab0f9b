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

ORDER_OPERATIONS = {"createOrder", "listOrders", "fetchOrder", "voidOrder"}
CATALOG_OPERATIONS = {
    "listItems", "fetchItem", "listKits", "fetchKit", "listSites", "fetchSite",
    "listPatients", "fetchPatient", "fetchPatientByIdentifier",
}  # fmt: skip
WEBHOOK_OPERATIONS = {
    "createWebhook", "listWebhooks", "fetchWebhook", "updateWebhook", "deleteWebhook", "listWebhookLogs",
    "fetchWebhookSecret", "createWebhookSecret", "updateWebhookSecret", "deleteWebhookSecret",
    "triggerOrderStatusWebhook", "triggerOrderStatusFullWebhook",
}  # fmt: skip
OPERATIONS = ORDER_OPERATIONS | CATALOG_OPERATIONS | WEBHOOK_OPERATIONS


def _operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for path in spec["paths"].values() for op in path.values() if "operationId" in op}


def _parameter_names(spec: dict[str, Any], op: dict[str, Any]) -> set[str]:
    names = set()
    for param in op.get("parameters", []):
        if "$ref" in param:
            param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        names.add(param["name"])
    return names


def test_spec_and_contract_view_validate(spec: dict[str, Any], contract_view: dict[str, Any]) -> None:
    validate(spec)
    validate(contract_view)


def test_operations_and_auth(spec: dict[str, Any]) -> None:
    ops = _operations(spec)
    assert set(ops) == OPERATIONS
    scheme = spec["components"]["securitySchemes"]["ImpiloApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Impilo-API-Key")
    assert spec["security"] == [{"ImpiloApiKey": []}]
    assert all("security" not in op for op in ops.values()), "no operation may opt out of the key"
    assert _parameter_names(spec, ops["listOrders"]) == {"page", "size", "patientId", "externalOrderId"}
    assert _parameter_names(spec, ops["listItems"]) == {
        "page", "size", "sort", "sortDescending", "id", "name", "model", "sku", "manufacturerId",
    }  # fmt: skip
    assert _parameter_names(spec, ops["listKits"]) == {"page", "size", "itemId", "archived"}
    assert _parameter_names(spec, ops["listPatients"]) == {
        "page", "size", "sort", "sortDescending", "id", "siteId", "externalIdentifier", "email", "name",
        "archived", "enrolled", "dateOfBirthMin", "dateOfBirthMax", "postalCode", "country",
    }  # fmt: skip
    assert _parameter_names(spec, ops["listWebhookLogs"]) == {
        "page", "size", "webhookType", "retryAttemptsMin", "retryAttemptsMax", "lastResponseStatus",
        "startTimestamp", "endTimestamp", "startLastRetryTimestamp", "endLastRetryTimestamp",
    }  # fmt: skip


@pytest.mark.parametrize("op", sorted(OPERATIONS))
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
        "Order", "OrderCreateRequest", "PatientRequest", "SiteReference", "Patient", "Site", "Address",
        "OrderItem", "OrderKit", "OrderNote", "EndUser", "OrderEvent", "TrackingNumber", "Device",
        "DeviceIdentifier", "DeviceEvent", "PackedKit", "Kit", "KitItem", "Item", "ItemDetail", "Manufacturer",
        "OrderPage", "ItemPage", "KitPage", "SitePage", "PatientPage", "Error",
        "Webhook", "WebhookPage", "WebhookSecret", "WebhookLog", "WebhookLogPage",
        "OrderStatusWebhook", "OrderStatusPayload", "OrderStatusFullWebhook",
    }  # fmt: skip
    assert expected <= set(spec["components"]["schemas"])
    assert set(spec["webhooks"]) == {"order.status", "order.statusFull"}


def _nullable(schema: dict[str, Any]) -> bool:
    return {"type": "null"} in schema.get("anyOf", []) or not schema.keys() - {"description"}


RESPONSE_OBJECTS = sorted({
    "Order", "OrderPage", "Patient", "Site", "Address", "OrderItem", "OrderKit", "Item", "Device", "Kit",
    "Webhook", "WebhookLog", "WebhookSecret", "ItemPage", "KitPage", "SitePage", "PatientPage", "WebhookPage",
})  # fmt: skip


@pytest.mark.parametrize("name", RESPONSE_OBJECTS)
def test_response_fields_are_nullable_but_those_assumed_sent(spec: dict[str, Any], name: str) -> None:
    """The docs say "or null" for every response field. Fields this project assumes are always sent are
    required and non-null, and their schema says why; every other field may be null or absent."""
    schema = spec["components"]["schemas"][name]
    required = set(schema.get("required", []))
    assert not required or len(schema.get("x-impilo-assumed-sent", "")) > 40, f"{name}: say why"
    for field, sub in schema["properties"].items():
        assert (field in required) != _nullable(sub), f"{name}.{field}"


@pytest.mark.parametrize("view", ["docs", "accept"])
def test_the_views_servers_are_judged_by_relax_every_assumption(view: str) -> None:
    """The contract suite fails a server only where the docs decide: in its views, nothing is assumed sent."""
    import impilo_spec

    doc = impilo_spec.view(view)
    for name, schema in doc["components"]["schemas"].items():
        if "x-impilo-assumed-sent" in schema:
            assert "required" not in schema, name
            assert all(_nullable(sub) for sub in schema["properties"].values()), name


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
