"""The client, fuzzed from the contract view.

It parses whatever an Impilo server may send without losing data: the spec's response schemas,
plus what the spec declares open (unknown enum values, unknown fields) silently, and what breaks
the project's response assumptions (a required field missing or null) with a ResponseDriftWarning,
never a crash. Of create bodies it sends the valid ones intact and refuses the invalid ones before
anything goes on the wire.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode

from impilo import Impilo, OrderRuleError, ResponseDriftWarning, ValidationError, check_order
from impilo_contract import load_contract, open_response_enums
from impilo_contract.strategies import response_bodies
from impilo_orders_api import models

CONTRACT = load_contract()


# The strict response schemas, every enum open: a body valid here parses without a warning. A null
# is valid only where the spec allows one (the docs render most fields "or null"; the Error body's
# fields, for one, are typed without it).
RESPONSES = open_response_enums(CONTRACT)
MODELS: dict[str, Any] = {
    name: getattr(models, name)
    for name in (
        "Order",
        "OrderPage",
        "Error",
        "ItemPage",
        "ItemDetail",
        "KitPage",
        "SitePage",
        "PatientPage",
        "Webhook",
        "WebhookPage",
        "WebhookLogPage",
        "WebhookSecret",
    )
}
# IMPILO_CONTRACT_PROFILE=large (nightly) draws ten times as many examples as CI's small profile.
FUZZ_EXAMPLES = {"small": 40, "large": 400}[os.environ.get("IMPILO_CONTRACT_PROFILE", "small")]
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
CREATE = schemathesis.openapi.from_dict(load_contract())["/api/v3/order"]["POST"]
CREATE_VALIDATOR = jsonschema.Draft202012Validator(
    {"$ref": "#/components/schemas/OrderCreateRequest", "components": CONTRACT["components"]}
)


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": RESPONSES["components"]}
    )


VALIDATORS = {name: _validator(name) for name in MODELS}


def _fixed_response(body: Any, status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def _drift_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if isinstance(w.message, ResponseDriftWarning)]


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
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResponseDriftWarning)
            parsed = MODELS[name].from_dict(json.loads(json.dumps(body)))
        # Unknown enum values, unknown fields and nulls all come back out as they went in.
        assert parsed.to_dict() == body
        # Only a body that breaks the strict schema (a required field missing or null) is warned about.
        assert bool(_drift_warnings(caught)) == (not VALIDATORS[name].is_valid(body)), _drift_warnings(caught)

    parses()


@FUZZ
@given(body=response_bodies("Order", drift=True))
def test_facade_get_parses_any_order_a_server_sends(body: dict[str, Any]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResponseDriftWarning)
        with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=_fixed_response(body)) as client:
            order = client.orders.get(1)
    assert order.to_dict() == body
    assert bool(_drift_warnings(caught)) == (not VALIDATORS["Order"].is_valid(body))
    assert all("fuzz-key" not in text for text in _drift_warnings(caught))


@FUZZ
@given(body=response_bodies("OrderPage", drift=True))
def test_facade_list_parses_any_page_a_server_sends(body: dict[str, Any]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResponseDriftWarning)
        with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=_fixed_response(body)) as client:
            page = client.orders.list()
    assert page.to_dict() == body
    assert bool(_drift_warnings(caught)) == (not VALIDATORS["OrderPage"].is_valid(body))


@FUZZ
@given(body=response_bodies("ItemDetail", drift=True))
def test_facade_parses_any_catalog_item_a_server_sends(body: dict[str, Any]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResponseDriftWarning)
        with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=_fixed_response(body)) as client:
            item = client.items.get(1)
    assert item.to_dict() == body
    assert bool(_drift_warnings(caught)) == (not VALIDATORS["ItemDetail"].is_valid(body))


@FUZZ
@given(body=response_bodies("Error", drift=True))
def test_facade_maps_any_error_body_to_a_typed_exception(body: dict[str, Any]) -> None:
    with Impilo("fuzz-key", base_url="http://127.0.0.1:9", transport=_fixed_response(body, 422)) as client:
        with pytest.raises(ValidationError) as raised:
            client.orders.get(1)
    assert raised.value.body == body
    assert "fuzz-key" not in str(raised.value)


@FUZZ
@given(case=CREATE.as_strategy(GenerationMode.POSITIVE))
def test_valid_bodies_from_the_contract_view_pass_the_rules_and_round_trip(case: Any) -> None:
    body = case.body
    check_order(body)  # raises OrderRuleError if the client would refuse a valid order
    assert models.OrderCreateRequest.from_dict(body).to_dict() == body


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
    """The drift strategy is not a no-op: it draws unknown enum values, unknown fields, nulls and missing ids."""
    seen = {"unknown enum": False, "unknown field": False, "null": False, "missing id": False}
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
        if "id" not in body:
            seen["missing id"] = True

    look()
    assert all(seen.values()), seen


def test_as_specified_bodies_are_valid_under_the_strict_schemas() -> None:
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=response_bodies("OrderPage"))
    def valid(body: Any) -> None:
        assert VALIDATORS["OrderPage"].is_valid(body)
        assert json.loads(json.dumps(body)) == body

    valid()
