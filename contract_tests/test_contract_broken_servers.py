"""The suite catches real faults: each broken variant of the mock is reported by the check meant
to catch it, and the correct mock, run with the same narrowed settings, is not."""

from __future__ import annotations

import pytest

from impilo_contract import Settings, SuiteResult, run_suite
from impilo_contract.broken_servers import VARIANTS, Variant
from impilo_mock import create_app

# Few examples and only the phases/invariants that reach each fault keep this quick in CI.
MAX_EXAMPLES = 8
SEED = 5


def _run(variant: Variant, app: object) -> SuiteResult:
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
    result = _run(VARIANTS[name], create_app())
    assert result.failures == [], [f"{f.check}: {f.title}" for f in result.failures]
    assert result.errors == []


def test_spec_drift_is_listed_apart_and_fails_only_when_asked() -> None:
    from impilo_contract.broken_servers import SpecDrift

    settings = Settings(max_examples=MAX_EXAMPLES, seed=SEED, phases=("examples", "stateful"), quiet=True)
    result = run_suite(settings, app=SpecDrift(create_app()))  # type: ignore[arg-type]
    kinds = {(drift.kind, drift.operation) for drift in result.drift}
    assert ("unknown enum value", "GET /api/v3/order/{orderId}") in kinds
    assert ("unknown field", "GET /api/v3/order/{orderId}") in kinds
    assert any("lostInTransit" in drift.detail for drift in result.drift)
    assert result.failures == [], [f"{f.check}: {f.title}" for f in result.failures]
    assert result.exit_code == 0, result.verdict()
    result.fail_on_drift = True
    assert result.exit_code == 1


def test_a_conformant_server_in_another_dialect_is_not_flagged() -> None:
    """What a live server may do differently and still be right: 200 on create, 422 for unknown ids,
    its own error-body shape. Every phase runs; nothing may be reported as a failure."""
    from impilo_contract.broken_servers import OtherDialect

    result = run_suite(Settings(max_examples=MAX_EXAMPLES, seed=SEED, quiet=True), app=OtherDialect(create_app()))  # type: ignore[arg-type]
    assert result.failures == [], [f"{f.check}: {f.title}" for f in result.failures]
    assert result.errors == []
    assert result.exit_code == 0, result.verdict()
    assert any(drift.kind == "unknown field" and "timestamp" in drift.detail for drift in result.drift)
