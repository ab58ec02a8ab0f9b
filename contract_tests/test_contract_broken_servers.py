"""The suite catches real faults: each broken variant of the mock is reported by the check meant
to catch it, and the correct mock, run with the same narrowed settings, is not. A conformant
server that makes every open choice the other way is reported conformant, with its choices."""

from __future__ import annotations

from typing import Any

import pytest

from impilo_contract import Settings, SuiteResult, run_suite
from impilo_contract.broken_servers import VARIANTS, OtherDialect, SpecDrift, Variant, mock_app

# Few examples and only the phases/invariants that reach each fault keep this quick in CI.
MAX_EXAMPLES = 6
SEED = 5
# Every choice OtherDialect makes the other way, and how the dialect report must word it.
OTHER_WAY = {
    "create-status": "200 (",
    "webhook-create-status": "200 (",
    "unknown-id": "refused (422)",
    "explicit-null": "refused (422)",
    "line-without-count": "accepted (200); count stored as 1",
    "new-patient": "refused (422)",
    "non-positive-count": "accepted (200)",
    "coerced-type": "accepted (200)",
    "unknown-enum": "accepted (200)",
    "note-without-text": "accepted (200)",
    "void-voided": "refused (409)",
    "page-zero": "read (200): the page says page 1",
    "orders-page-size-over": "read (200): the page says page 1, size 250",
    "items-page-size-over": "read (200): the page says page 1, size 100",
    "error-shape": "its own shape: error, path, status, timestamp",
    "secret-header-value": "accepted (",
}


def _run(variant: Variant, app: Any) -> SuiteResult:
    settings = Settings(
        max_examples=MAX_EXAMPLES, seed=SEED, phases=variant.phases, invariants=variant.invariants, quiet=True
    )
    return run_suite(settings, app=app)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_broken_variant_is_reported(name: str) -> None:
    variant = VARIANTS[name]
    result = _run(variant, variant.app())
    reported = {failure.check for failure in result.failures}
    assert reported & variant.caught_by, (
        f"{name}: reported {sorted(reported)}, expected one of {sorted(variant.caught_by)}"
    )
    assert result.exit_code == 1
    assert all(failure.reproduce for failure in result.failures if failure.check in variant.caught_by)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_correct_mock_is_not_flagged_with_the_same_settings(name: str) -> None:
    result = _run(VARIANTS[name], mock_app())
    assert result.failures == [], [f"{f.check}: {f.title}" for f in result.failures]
    assert result.errors == []


def test_spec_drift_is_listed_apart_and_fails_only_when_asked() -> None:
    settings = Settings(
        max_examples=MAX_EXAMPLES, seed=SEED, phases=("examples", "stateful"), invariants=(), quiet=True
    )
    result = run_suite(settings, app=SpecDrift(mock_app()))
    kinds = {(drift.kind, drift.operation) for drift in result.drift}
    assert ("unknown enum value", "GET /api/v3/order/{orderId}") in kinds
    assert ("unknown field", "GET /api/v3/order/{orderId}") in kinds
    assert any("lostInTransit" in drift.detail for drift in result.drift)
    assert result.failures == [], [f"{f.check}: {f.title}" for f in result.failures]
    assert result.exit_code == 0, result.verdict()
    result.fail_on_drift = True
    assert result.exit_code == 1


@pytest.fixture(scope="module")
def mock_dialect() -> dict[str, str]:
    settings = Settings(max_examples=2, seed=SEED, phases=("examples",), quiet=True)
    return {key: choice.answer for key, choice in run_suite(settings, app=mock_app()).dialect.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_server_making_every_open_choice_the_other_way_is_conformant_and_reported(
    seed: int, mock_dialect: dict[str, str]
) -> None:
    """Every phase and every invariant; nothing may be flagged, and the dialect says how it differs."""
    result = run_suite(Settings(max_examples=3, seed=seed, quiet=True), app=OtherDialect(mock_app()))
    assert result.failures == [], [f"{f.check} {f.operation}: {f.title}: {f.message[:300]}" for f in result.failures]
    assert result.errors == []
    assert result.exit_code == 0, result.verdict()
    answers = {key: choice.answer for key, choice in result.dialect.items()}
    for key, wording in OTHER_WAY.items():
        assert answers[key].startswith(wording), (key, answers[key])
        assert answers[key] != mock_dialect[key], (key, answers[key])
    assert any(drift.kind == "unknown field" and "timestamp" in drift.detail for drift in result.drift)
