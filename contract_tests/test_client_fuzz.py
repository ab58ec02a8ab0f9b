"""The client, fuzzed from the contract view.

It parses whatever an Impilo server may send (the spec's response schemas, plus unknown enum
values, unknown fields, nulls and missing fields) without losing data, and of create bodies it
sends the valid ones intact and refuses the invalid ones before anything goes on the wire.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode

from impilo import Impilo, OrderRuleError, ValidationError, check_order
from impilo_contract import load_contract
from impilo_contract.strategies import response_bodies
from impilo_orders_api.models import Error, Order, OrderCreateRequest, OrderPage

CONTRACT = load_contract()
MODELS: dict[str, Any] = {"Order": Order, "OrderPage": OrderPage, "Error": Error}
# IMPILO_CONTRACT_PROFILE=large (nightly) draws ten times as many examples as CI's small profile.
FUZZ_EXAMPLES = {"small": 60, "large": 600}[os.environ.get("IMPILO_CONTRACT_PROFILE", "small")]
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
CREATE = schemathesis.openapi.from_dict(load_contract())["/api/v3/order"]["POST"]
CREATE_SCHEMA = {
    "$ref": "#/components/schemas/OrderCreateRequest",
    "components": CONTRACT["components"],
}
CREATE_VALIDATOR = jsonschema.Draft202012Validator(CREATE_SCHEMA)


def _fixed_response(body: Any) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


@pytest.mark.parametrize(
    ("name", "drift"),
    [
        *[pytest.param(name, False, id=f"{name}-as-specified") for name in sorted(MODELS)],
        *[pytest.param(name, True, id=f"{name}-with-drift") for name in sorted(MODELS)],
    ],
)
def test_generated_models_parse_every_response_without_losing_data(name: str, drift: bool) -> None:
    @FUZZ
    @given(body=response_bodies(name, drift=drift))
    def parses(body: dict[str, Any]) -> None:
        parsed = MODELS[name].from_dict(body)
        # Unknown enum values, unknown fields and nulls all come back out as they went in.
        assert parsed.to_dict() == body

    parses()


@FUZZ
@given(body=response_bodies("Order", drift=True))
def test_facade_get_parses_any_order_a_server_sends(body: dict[str, Any]) -> None:
    with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=_fixed_response(body)) as client:
        order = client.orders.get(1)
    assert order.to_dict() == body


@FUZZ
@given(body=response_bodies("OrderPage", drift=True))
def test_facade_list_parses_any_page_a_server_sends(body: dict[str, Any]) -> None:
    with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=_fixed_response(body)) as client:
        page = client.orders.list()
    assert page.to_dict() == body


@FUZZ
@given(body=response_bodies("Error", drift=True))
def test_facade_maps_any_error_body_to_a_typed_exception(body: dict[str, Any]) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(422, json=body))
    with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=transport) as client:
        with pytest.raises(ValidationError) as raised:
            client.orders.get(1)
    assert raised.value.body == body
    assert "fuzz-key" not in str(raised.value)


@FUZZ
@given(case=CREATE.as_strategy(GenerationMode.POSITIVE))
def test_valid_bodies_from_the_contract_view_pass_the_rules_and_round_trip(case: Any) -> None:
    body = case.body
    check_order(body)  # raises OrderRuleError if the client would refuse a valid order
    assert OrderCreateRequest.from_dict(body).to_dict() == body


@FUZZ
@given(case=CREATE.as_strategy(GenerationMode.NEGATIVE))
def test_invalid_bodies_are_refused_before_anything_is_sent(case: Any) -> None:
    body = case.body
    assume(isinstance(body, dict) and not CREATE_VALIDATOR.is_valid(body))
    sent: list[httpx.Request] = []

    def must_not_send(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    with pytest.raises(OrderRuleError):
        check_order(body)
    with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=httpx.MockTransport(must_not_send)) as client:
        with pytest.raises(OrderRuleError):
            client.orders.create(body)
    assert sent == []


def test_drifted_responses_really_contain_drift() -> None:
    """The drift strategy is not a no-op: it draws unknown enum values, unknown fields and nulls."""
    seen = {"unknown enum": False, "unknown field": False, "null": False}
    known_statuses = set(CONTRACT["components"]["schemas"]["OrderStatus"]["enum"])

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=response_bodies("Order", drift=True))
    def look(body: dict[str, Any]) -> None:
        status = body.get("currentStatus")
        if isinstance(status, str) and status not in known_statuses:
            seen["unknown enum"] = True
        if any(key.startswith("x_") for key in body):
            seen["unknown field"] = True
        if any(value is None for value in body.values()):
            seen["null"] = True

    look()
    assert all(seen.values()), seen


def test_the_body_strategy_is_json() -> None:
    @settings(max_examples=20, deadline=None, database=None)
    @given(body=response_bodies("OrderPage", drift=True))
    def encodable(body: Any) -> None:
        assert json.loads(json.dumps(body)) == body

    encodable()
