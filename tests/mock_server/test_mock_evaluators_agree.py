"""Two implementations of one declaration: the mock's own validator (impilo_mock._schema) and the
client's pre-send check (impilo.rules, on jsonschema) judge create bodies against the same
contract view. They must agree on every rule-table case, and on bodies Schemathesis draws from
the contract view, valid and invalid.

Tests may import the client; the mock package may not (test_mock_independence)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from impilo.rules import json_violations
from impilo_mock._validation import request_validator
from impilo_spec import contract_view, operation
from impilo_spec.rule_cases import CASES, RuleCase

CREATE = schemathesis.openapi.from_dict(contract_view())[operation("createOrder")[1]]["POST"]
# A few hundred bodies in all: enough to reach every branch of the create schema, quick in CI.
DRAWN = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _mock_rules(body: Any) -> set[str]:
    return {v.rule for v in request_validator().violations(body)}


def _client_rules(body: Any) -> set[str]:
    return {v.rule for v in json_violations(body)}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_both_evaluators_give_the_table_verdict_and_name_its_rule(case: RuleCase) -> None:
    mock, client = _mock_rules(case.body), _client_rules(case.body)
    assert (not mock) is case.valid, f"mock: {mock}"
    assert (not client) is case.valid, f"client: {client}"
    if not case.valid:
        assert case.rule in mock, f"mock names {mock}, the table {case.rule}"
        assert case.rule in client, f"client names {client}, the table {case.rule}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.valid], ids=str)
def test_the_mock_names_the_tables_field(case: RuleCase) -> None:
    found = {(v.path, v.rule) for v in request_validator().violations(case.body)}
    assert (case.path, case.rule) in found, found


def _agree(body: Any) -> None:
    mock = request_validator().violations(body)
    client = json_violations(body)
    assert (not mock) == (not client), f"mock {[(v.path, v.rule) for v in mock]}, client {client}"
    # The generated yes/no test and the rule-naming closures are two halves of the mock's own
    # evaluator; a body the first refuses and the second cannot explain is reported as `schema`.
    assert all(v.rule != "schema" for v in mock), mock
    assert request_validator().is_valid(body) == (not mock)


@DRAWN
@given(case=CREATE.as_strategy(GenerationMode.POSITIVE))
def test_they_agree_on_bodies_drawn_as_valid(case: Any) -> None:
    _agree(case.body)


@DRAWN
@given(case=CREATE.as_strategy(GenerationMode.NEGATIVE))
def test_they_agree_on_bodies_drawn_as_invalid(case: Any) -> None:
    _agree(case.body)


def test_the_drawn_bodies_include_both_verdicts() -> None:
    """The strategies are not vacuous: each draws bodies of its own verdict."""
    seen: dict[str, set[bool]] = {"positive": set(), "negative": set()}

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(valid=CREATE.as_strategy(GenerationMode.POSITIVE), invalid=CREATE.as_strategy(GenerationMode.NEGATIVE))
    def look(valid: Any, invalid: Any) -> None:
        seen["positive"].add(request_validator().is_valid(valid.body))
        seen["negative"].add(request_validator().is_valid(invalid.body))

    look()
    assert seen["positive"] == {True}
    assert False in seen["negative"]
