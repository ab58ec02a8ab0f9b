"""The pre-send check: every case of the shared table, the error's shape, and where the rules come from."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

import impilo
from impilo import OrderRuleError, RuleViolation, rules, spec
from impilo_orders_api.models.order_create_request import OrderCreateRequest
from impilo_spec.rule_cases import CASES, case
from impilo_spec.rule_cases import REFUSED_CASES as INVALID_CASES
from impilo_spec.rule_cases import SENT_CASES as VALID_CASES

BODY_RULES = {"one-recipient", "has-content", "identified-by-id", "positive-id", "positive-count", "note-has-text"}
PARAMETER_RULES = {"page-from-one", "page-size", "positive-id"}
WEBHOOK_RULES = {"header-value"}


@pytest.mark.parametrize("rule_case", VALID_CASES, ids=str)
def test_valid_case_passes(rule_case: Any) -> None:
    rules.check_order(rule_case.body)
    assert rules.order_violations(rule_case.body) == []


@pytest.mark.parametrize("rule_case", INVALID_CASES, ids=str)
def test_invalid_case_is_refused_naming_its_rule_and_path(rule_case: Any) -> None:
    with pytest.raises(OrderRuleError) as caught:
        rules.check_order(rule_case.body)
    error = caught.value
    assert (rule_case.rule, rule_case.path) in {(v.rule, v.path) for v in error.errors}
    assert f"{rule_case.path}: " in str(error)
    assert error.rule == error.errors[0].rule and error.path == error.errors[0].path
    assert isinstance(error, ValueError) and isinstance(error, impilo.ImpiloError)


def test_table_breaks_every_body_rule_of_the_contract_view() -> None:
    tagged = {c.rule for c in INVALID_CASES}
    assert BODY_RULES <= tagged
    assert BODY_RULES | PARAMETER_RULES | WEBHOOK_RULES == set(_declared_rule_names(spec.contract_view()))


def _declared_rule_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get(rules.RULE_KEY), dict):
            yield node[rules.RULE_KEY]["name"]
        for value in node.values():
            yield from _declared_rule_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _declared_rule_names(value)


def test_valid_cases_name_only_seeded_records() -> None:
    seeded = {"patient": {1234}, "site": {1234}, "item": {1000, 1001, 1002, 1003}, "kit": {1000, 1001, 1002, 1003}}
    for rule_case in VALID_CASES:
        body = rule_case.body
        for key in ("patient", "site"):
            if body.get(key) is not None and "id" in body[key]:  # a new patient written out has none
                assert body[key]["id"] in seeded[key], rule_case.name
        for entry in body.get("orderItems") or []:
            assert entry["item"]["id"] in seeded["item"], rule_case.name
        for entry in body.get("orderKits") or []:
            assert entry["kit"]["id"] in seeded["kit"], rule_case.name


def test_docs_examples_are_valid_cases() -> None:
    contract = spec.contract_view()
    examples = contract["paths"]["/api/v3/order"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) == 2
    for name in ("CreatePatientOrderRequest", "CreateSiteOrderRequest"):
        assert spec.example_value(name) in [c.body for c in VALID_CASES]


def test_table_is_json_with_unique_names_and_bodies_cannot_be_spoiled() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    for rule_case in CASES:
        assert json.loads(json.dumps(rule_case.body)) == rule_case.body
        assert rule_case.valid == (rule_case.rule is None)
    first = case("docs-patient-order")
    first.body["patient"]["id"] = -1  # mutating the copy handed out ...
    rules.check_order(first.body)  # ... leaves the table intact


def test_messages_read_as_documented() -> None:
    with pytest.raises(OrderRuleError) as both:
        rules.check_order(case("both-patient-and-site").body)
    assert str(both.value) == "$: exactly one of patient or site must be set; both were"
    with pytest.raises(OrderRuleError) as zero:
        rules.check_order(case("item-count-zero").body)
    assert str(zero.value) == "$.orderItems[0].count: counts must be positive (got 0)"
    with pytest.raises(OrderRuleError) as neither:
        rules.check_order(case("null-patient-and-null-site").body)
    assert (
        str(neither.value)
        == "$: exactly one of patient or site must be set; neither was (patient is null, site is null)"
    )
    with pytest.raises(OrderRuleError) as empty:
        rules.check_order(case("empty-items-and-no-kits").body)
    assert "neither was (orderItems is empty, orderKits is missing)" in str(empty.value)


def test_every_violation_is_reported_structural_first() -> None:
    body = {"patient": {"id": 0}, "site": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": -1}]}
    with pytest.raises(OrderRuleError) as caught:
        rules.check_order(body)
    assert [(v.rule, v.path) for v in caught.value.errors] == [
        ("one-recipient", "$"),
        ("positive-id", "$.patient.id"),
        ("positive-count", "$.orderItems[0].count"),
    ]
    assert str(caught.value).startswith("3 rule violations: $: exactly one of patient or site")
    assert all(isinstance(v, RuleViolation) for v in caught.value.errors)


def test_accepts_models_and_json_text() -> None:
    valid = case("docs-site-order").body
    rules.check_order(OrderCreateRequest.from_dict(valid))
    rules.check_order(json.dumps(valid).encode())
    with pytest.raises(OrderRuleError, match=r"^\$: exactly one of patient or site must be set; both were$"):
        rules.check_order(OrderCreateRequest.from_dict(case("both-patient-and-site").body))
    with pytest.raises(OrderRuleError) as not_json:
        rules.check_order(b"{not json")
    assert not_json.value.rule == "json"


def test_a_body_that_is_not_an_object_is_a_type_error_only() -> None:
    with pytest.raises(OrderRuleError) as caught:
        rules.check_order([])
    assert [(v.rule, v.path) for v in caught.value.errors] == [("type", "$")]


def test_wrong_type_inside_a_nullable_field_names_the_field_not_null() -> None:
    with pytest.raises(OrderRuleError) as caught:
        rules.check_order(case("patient-as-number").body)
    by_path = {v.path: v for v in caught.value.errors}
    assert by_path["$.patient"].message == '1234 is not of type "object" or "null"'


def test_rules_come_from_the_contract_view_not_from_python(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loosen one rule and reword another in the contract view: the check follows, with no code change.
    view = copy.deepcopy(spec.contract_view())
    count = view["components"]["schemas"]["OrderItemRequest"]["properties"]["count"]
    count["minimum"] = 0
    one_of = view["components"]["schemas"]["OrderCreateRequest"]["allOf"][0]
    one_of["x-impilo-rule"]["message"] = "pick one recipient"
    monkeypatch.setattr(spec, "contract_view", lambda: view)
    rules._validator.cache_clear()
    try:
        rules.check_order(case("item-count-zero").body)
        with pytest.raises(OrderRuleError, match=r"^\$: pick one recipient; both were$"):
            rules.check_order(case("both-patient-and-site").body)
    finally:
        rules._validator.cache_clear()


@pytest.mark.parametrize(
    ("operation_id", "name", "value", "ok"),
    [
        ("listOrders", "size", 250, True),
        ("listOrders", "size", 251, False),
        ("listOrders", "size", 0, False),
        ("listOrders", "page", 0, False),
        ("fetchOrder", "orderId", 1, True),
        ("fetchOrder", "orderId", 0, False),
        ("voidOrder", "orderId", "12", False),
    ],
)
def test_parameters_are_checked_against_the_spec(operation_id: str, name: str, value: Any, ok: bool) -> None:
    if ok:
        rules.check_parameter(operation_id, name, value)
    else:
        with pytest.raises(OrderRuleError) as caught:
            rules.check_parameter(operation_id, name, value)
        assert caught.value.path == name and str(caught.value).startswith(f"{name}: ")


def test_a_body_broken_a_thousand_times_lists_every_violation_but_keeps_the_message_short() -> None:
    body = {"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 0}] * 1000}
    with pytest.raises(OrderRuleError) as caught:
        rules.check_order(body)
    assert len(caught.value.errors) == 1000
    assert caught.value.errors[999].path == "$.orderItems[999].count"
    assert str(caught.value).startswith("1000 rule violations: $.orderItems[0].count: counts must be positive (got 0)")
    assert str(caught.value).endswith("... 990 more in .errors") and len(str(caught.value)) < 1000


def test_a_rule_error_survives_pickling() -> None:
    import pickle

    with pytest.raises(OrderRuleError) as caught:
        rules.check_order(case("both-patient-and-site").body)
    copy_ = pickle.loads(pickle.dumps(caught.value))
    assert (str(copy_), copy_.rule, copy_.path, copy_.errors) == (
        str(caught.value),
        "one-recipient",
        "$",
        caught.value.errors,
    )


def test_a_self_referencing_schema_still_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    """References are inlined for speed; a cycle must stay a reference that still resolves."""
    view = copy.deepcopy(spec.contract_view())
    view["components"]["schemas"]["Node"] = {
        "type": "object",
        "properties": {"next": {"$ref": "#/components/schemas/Node"}, "n": {"type": "integer"}},
    }
    monkeypatch.setattr(spec, "contract_view", lambda: view)
    rules._validator.cache_clear()
    try:
        validator = rules._validator("/components/schemas/Node")
        assert validator.is_valid({"next": {"next": {"n": 1}}})
        assert not validator.is_valid({"next": {"next": {"n": "x"}}})
    finally:
        rules._validator.cache_clear()
