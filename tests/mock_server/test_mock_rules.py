"""The rule table shared with the client and the contract suite (`impilo.rule_cases.CASES`): the
mock refuses every invalid create body with a 4xx naming the field, and creates every valid one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mock_helpers import ORDERS

from impilo.rule_cases import CASES, RuleCase
from impilo.spec import contract_view


def _tagged_rules(node: Any) -> set[str]:
    """Names of the rules the contract view tags with `x-impilo-rule`."""
    if isinstance(node, dict):
        found = {str(node["x-impilo-rule"]["name"])} if "x-impilo-rule" in node else set()
        return found.union(*(_tagged_rules(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_tagged_rules(value) for value in node))
    return set()


TAGGED_RULES = _tagged_rules(contract_view())


def test_the_table_covers_every_tagged_rule() -> None:
    assert {"one-recipient", "has-content", "positive-id", "positive-count"} <= TAGGED_RULES
    assert TAGGED_RULES <= {case.rule for case in CASES if not case.valid}


@pytest.mark.parametrize("case", [c for c in CASES if not c.valid], ids=str)
def test_invalid_case_is_refused_naming_the_field(client: httpx.Client, case: RuleCase) -> None:
    response = client.post(ORDERS, json=case.body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert case.path is not None
    assert any(error["field"].startswith(case.path) for error in errors), errors
    if case.rule in TAGGED_RULES:
        assert any(case.rule in error["message"] for error in errors), errors
    assert client.get(ORDERS).json()["total"] == 0


@pytest.mark.parametrize("case", [c for c in CASES if c.valid], ids=str)
def test_valid_case_is_created(client: httpx.Client, case: RuleCase) -> None:
    body = case.body
    response = client.post(ORDERS, json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert client.get(f"{ORDERS}/{order['id']}").json() == order
    if body.get("patient"):
        assert order["patient"]["id"] == body["patient"]["id"]
    else:
        assert order["patient"] is None and order["site"]["id"] == body["site"]["id"]
    sent_items = [(line["item"]["id"], line["count"]) for line in body.get("orderItems") or []]
    assert [(line["item"]["id"], line["count"]) for line in order["orderItems"]] == sent_items
    sent_kits = [(line["kit"]["id"], line["count"]) for line in body.get("orderKits") or []]
    assert [(line["kit"]["id"], line["count"]) for line in order["orderKits"]] == sent_kits
    assert order["externalOrderIds"] == (body.get("externalOrderIds") or [])
