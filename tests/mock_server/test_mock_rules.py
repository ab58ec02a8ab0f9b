"""The rule table (`impilo_spec.rule_cases.CASES`) over HTTP: the mock refuses every body the table
says the contract view refuses with 422, naming the case's field and rule, and creates every other
one. Where the docs leave a case open, the mock's documented choice is the client's verdict."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mock_helpers import ORDERS

from impilo_spec import contract_view
from impilo_spec.rule_cases import CASES, QUESTIONS, RuleCase


def _tagged_rules(node: Any) -> set[str]:
    """Names of the rules the contract view tags with `x-impilo-rule`, in request bodies and parameters."""
    if isinstance(node, dict):
        found = {str(node["x-impilo-rule"]["name"])} if "x-impilo-rule" in node else set()
        return found.union(*(_tagged_rules(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_tagged_rules(value) for value in node))
    return set()


def _reachable(name: str) -> dict[str, Any]:
    """The component schemas a create body's schema refers to, itself included."""
    schemas = contract_view()["components"]["schemas"]
    found: dict[str, Any] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found[current] = schemas[current]
        stack: list[Any] = [schemas[current]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    todo.append(ref.rsplit("/", 1)[-1])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return found


CREATE_RULES = _tagged_rules(_reachable("OrderCreateRequest"))


def test_the_table_covers_every_tagged_rule_of_a_create_body() -> None:
    assert {"one-recipient", "has-content", "identified-by-id", "positive-id", "positive-count"} <= CREATE_RULES
    assert CREATE_RULES <= {case.rule for case in CASES if not case.valid}
    assert {case.question for case in CASES if case.server == "open"} == set(QUESTIONS)


@pytest.mark.parametrize("case", [c for c in CASES if not c.valid], ids=str)
def test_a_refused_case_is_422_naming_its_field_and_rule(client: httpx.Client, case: RuleCase) -> None:
    response = client.post(ORDERS, json=case.body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert case.path is not None and case.rule is not None
    named = [error for error in errors if error["field"] == case.path]
    assert named, f"no error at {case.path}: {errors}"
    assert any(error["message"].startswith(f"{case.rule}: ") for error in named), errors
    assert client.get(ORDERS).json()["total"] == 0, "a refused order must not be stored"


@pytest.mark.parametrize("case", [c for c in CASES if c.valid], ids=str)
def test_an_accepted_case_is_created_as_sent(client: httpx.Client, case: RuleCase) -> None:
    body = case.body
    response = client.post(ORDERS, json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert client.get(f"{ORDERS}/{order['id']}").json() == order
    patient = body.get("patient")
    if patient and patient.get("id") is not None:
        assert order["patient"]["id"] == patient["id"]
    elif patient:
        assert (order["patient"]["firstName"], order["patient"]["lastName"]) == (
            patient["firstName"],
            patient["lastName"],
        )
    else:
        assert order["patient"] is None and order["site"]["id"] == body["site"]["id"]
    sent_items = [(line["item"]["id"], line.get("count")) for line in body.get("orderItems") or []]
    assert [(line["item"]["id"], line["count"]) for line in order["orderItems"]] == sent_items
    sent_kits = [(line["kit"]["id"], line.get("count")) for line in body.get("orderKits") or []]
    assert [(line["kit"]["id"], line["count"]) for line in order["orderKits"]] == sent_kits
    assert order["externalOrderIds"] == (body.get("externalOrderIds") or [])
    assert order["shippingOption"] == (body.get("shippingOption") or "standard")


@pytest.mark.parametrize("case", [c for c in CASES if c.server != "open"], ids=str)
def test_where_the_docs_decide_the_mock_does_as_they_say(client: httpx.Client, case: RuleCase) -> None:
    status = client.post(ORDERS, json=case.body).status_code
    assert (status == 201) if case.server == "accept" else (400 <= status < 500), status
