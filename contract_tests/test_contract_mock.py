"""The whole contract suite against the reference mock: it passes, reaches real successes on every
operation, and leaves the API key out of every report."""

from __future__ import annotations

from pathlib import Path

import pytest

from impilo_contract import EXIT_CONFORMANT, Settings, SuiteResult, run_suite
from impilo_contract._engine import BUILTIN_CHECKS

SECRET_KEY = "contract-suite-secret-key-0123456789"


@pytest.fixture(scope="module")
def mock_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteResult, Path]:
    from impilo_mock import create_app

    reports = tmp_path_factory.mktemp("reports")
    settings = Settings(max_examples=12, seed=20261122, report_dir=reports, quiet=True, api_key=SECRET_KEY)
    result = run_suite(settings, app=create_app(api_keys=(SECRET_KEY,)))
    return result, reports


def test_the_reference_mock_is_conformant(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    assert result.failures == [], "\n".join(f"{f.check} {f.operation}: {f.title}: {f.message}" for f in result.failures)
    assert result.errors == []
    assert dict(result.drift) == {}
    assert result.exit_code == EXIT_CONFORMANT, result.verdict()


def test_every_operation_reaches_real_successes(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    assert sorted(result.operations_tested) == [
        "DELETE /api/v3/order/{orderId}",
        "GET /api/v3/order",
        "GET /api/v3/order/{orderId}",
        "POST /api/v3/order",
    ]
    for operation in result.operations_tested:
        assert result.successes[operation] > 0, f"{operation}: {dict(result.statuses[operation])}"


def test_every_builtin_and_custom_check_really_ran(mock_run: tuple[SuiteResult, Path]) -> None:
    result, _ = mock_run
    ran = {check for (_, check), tally in result.tallies.items() if tally.passed}
    expected = set(BUILTIN_CHECKS) | {
        "created_order_echoes_request",
        "use_after_void",
        "rule_table",
        "pagination_invariants",
        "fetch_matches_list",
        "created_order_fetchable",
    }
    assert expected <= ran, sorted(expected - ran)
    assert "use_after_free" not in ran


def test_reports_are_written_and_never_contain_the_key(mock_run: tuple[SuiteResult, Path]) -> None:
    _, reports = mock_run
    files = sorted(p.name for p in reports.iterdir())
    assert files == ["contract-junit.xml", "contract-report.md"]
    for path in reports.iterdir():
        text = path.read_text(encoding="utf-8")
        assert SECRET_KEY not in text
        assert "POST /api/v3/order" in text
