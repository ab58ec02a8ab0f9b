"""The whole contract suite against the reference mock: it passes, reaches real successes on every
operation, runs every check, answers every open question in its dialect report, and leaves the
API key out of every report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from impilo_contract import EXIT_CONFORMANT, Settings, SuiteResult, run_suite
from impilo_contract._dialect import OPEN_RULE_ANSWERS
from impilo_contract._engine import BUILTIN_CHECKS
from impilo_contract._spec import iter_operations, load_contract, open_rules, operation_label
from impilo_contract.broken_servers import mock_app
from impilo_spec.rule_cases import QUESTIONS

SECRET_KEY = "contract-suite-secret-key-0123456789"
# Run on the mock, judged: the built-in checks, ours, and the invariants'.
OWN_CHECKS = {
    "created_order_echoes_request",
    "use_after_void",
    "rule_table",
    "pagination_invariants",
    "fetch_matches_list",
    "created_order_fetchable",
    "unknown_patient_refused",
    "webhook_deliveries",
    "webhook_retry",
}
# Schemathesis's object_level_authorization needs two identities; one key gives it nothing to judge.
NOT_JUDGED_WITH_ONE_KEY = {"object_level_authorization"}


@pytest.fixture(scope="module")
def mock_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteResult, Path]:
    reports = tmp_path_factory.mktemp("reports")
    settings = Settings(max_examples=10, seed=20261122, report_dir=reports, quiet=True, api_key=SECRET_KEY)
    return run_suite(settings, app=mock_app(api_keys=(SECRET_KEY,))), reports


def test_the_reference_mock_is_conformant(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    assert result.failures == [], "\n".join(f"{f.check} {f.operation}: {f.title}: {f.message}" for f in result.failures)
    assert result.errors == []
    assert dict(result.drift) == {}
    assert result.exit_code == EXIT_CONFORMANT, result.verdict()


def test_every_operation_reaches_real_successes(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    every = sorted(operation_label(m, p) for m, p, _ in iter_operations(load_contract()))
    assert sorted(result.operations_tested) == every and len(every) == 25
    for operation in every:
        assert result.successes[operation] > 0, f"{operation}: {dict(result.statuses[operation])}"


def test_every_check_really_ran(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    ran = {check for (_, check), tally in result.tallies.items() if tally.passed}
    expected = (set(BUILTIN_CHECKS) - NOT_JUDGED_WITH_ONE_KEY) | OWN_CHECKS
    assert expected <= ran, sorted(expected - ran)
    assert "use_after_free" not in ran


def test_the_dialect_report_answers_every_open_question(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    assert set(OPEN_RULE_ANSWERS) == open_rules()
    keys = set(QUESTIONS) | {key for keys in OPEN_RULE_ANSWERS.values() for key in keys}
    keys |= {"create-status", "webhook-create-status", "webhook-secret-create-status", "unknown-id", "void-voided"}
    keys |= {"error-shape"}
    assert keys <= set(result.dialect), sorted(keys - set(result.dialect))
    unanswered = {key: c.answer for key, c in result.dialect.items() if c.answer.startswith(("not asked", "no "))}
    assert unanswered == {}
    assert result.dialect["create-status"].answer.startswith("201 (")
    assert result.dialect["unknown-id"].answer == "refused (404)"


def test_the_response_assumptions_hold_on_the_mock(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    assert {"Order", "OrderPage", "Item", "Kit", "Site", "Patient", "Webhook", "WebhookLog"} <= set(result.assumptions)
    assert [a.schema for a in result.assumptions.values() if a.broken] == []
    assert all(result.assumptions[name].held for name in ("Order", "OrderPage", "ItemPage", "WebhookLogPage"))


def test_reports_are_written_complete_and_never_contain_the_key(mock_run: tuple[SuiteResult, Path]) -> None:
    result, reports = mock_run
    assert sorted(p.name for p in reports.iterdir()) == ["contract-junit.xml", "contract-report.md"]
    for path in reports.iterdir():
        text = path.read_text(encoding="utf-8")
        assert SECRET_KEY not in text
        assert "POST /api/v3/order" in text
    markdown = (reports / "contract-report.md").read_text(encoding="utf-8")
    for choice in result.dialect.values():
        assert choice.answer.replace("|", "\\|") in markdown
    junit = ET.parse(reports / "contract-junit.xml").getroot()
    dialect = next(suite for suite in junit.iter("testsuite") if suite.get("name") == "dialect")
    properties = {p.get("name"): p.get("value") for p in dialect.iter("property")}
    assert properties["dialect.create-status"] == result.dialect["create-status"].answer
    assert junit.get("errors") == "0" and junit.get("failures") == "0"
