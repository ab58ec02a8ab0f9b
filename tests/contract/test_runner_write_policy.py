"""Against a live (non-loopback) server the suite is read-only unless told otherwise, and then capped."""

from __future__ import annotations

import pytest
import schemathesis

from impilo_contract import PROFILES, Settings, load_contract, open_response_enums, run_suite
from impilo_contract._engine import build_config, write_cap_for, writes_enabled
from impilo_contract._known_ids import KnownIds, from_spec, parse_ids
from impilo_contract.cli import main

STAGING = "https://staging.impiloplatform.com"
LOCAL = "http://127.0.0.1:8080"


def _operations(settings: Settings, base_url: str) -> dict[str, bool]:
    """Operation label -> whether coverage (which sends a write per schema boundary) runs on it."""
    config = build_config(settings, base_url, "key", KnownIds(), write_cap_for(settings, base_url))
    schema = schemathesis.openapi.from_dict(open_response_enums(load_contract()), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    return {op.label: schema.config.phases_for(operation=op).coverage.enabled for op in operations}


def test_a_live_server_gets_no_creates_or_voids_by_default() -> None:
    assert not writes_enabled(Settings(), STAGING)
    assert sorted(_operations(Settings(), STAGING)) == ["GET /api/v3/order", "GET /api/v3/order/{orderId}"]


def test_allow_writes_on_a_live_server_is_capped_and_skips_coverage_writes() -> None:
    settings = Settings(allow_writes=True)
    assert writes_enabled(settings, STAGING)
    assert write_cap_for(settings, STAGING) == PROFILES["small"].remote_write_cap
    assert write_cap_for(Settings(allow_writes=True, max_writes=7), STAGING) == 7
    assert _operations(settings, STAGING) == {
        "POST /api/v3/order": False,
        "GET /api/v3/order": True,
        "GET /api/v3/order/{orderId}": True,
        "DELETE /api/v3/order/{orderId}": False,
    }


def test_loopback_servers_get_every_phase_on_every_operation_uncapped() -> None:
    assert writes_enabled(Settings(), LOCAL)
    assert write_cap_for(Settings(), LOCAL) is None
    assert set(_operations(Settings(), LOCAL).values()) == {True}
    assert len(_operations(Settings(), LOCAL)) == 4
    assert not writes_enabled(Settings(read_only=True), LOCAL)


def test_known_ids_start_from_the_docs_examples() -> None:
    known = from_spec(load_contract())
    assert known.patients == [1234] and known.sites == [1234]
    assert known.items == [1000, 1001, 1002, 1003] and known.kits == [1000, 1001, 1002, 1003]


def test_configured_ids_replace_the_docs_guesses_kind_by_kind() -> None:
    known = from_spec(load_contract(), {"patients": [55, 56], "orders": [9]})
    assert known.patients == [55, 56] and known.orders == [9]
    assert known.sites == [1234]  # not configured: the docs' seed id stays
    body = known.remap({"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})
    assert body == {"patient": {"id": 55}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}
    assert known.remap({"patient": {"id": 0}}) == {"patient": {"id": 0}}  # a rule-breaking id stays broken


@pytest.mark.parametrize("text", ["patients", "people=1", "items=x", "kits=0", "orders="])
def test_bad_id_options_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ids(text)
    assert main(["--ids", text]) == 2


def test_a_server_with_other_seed_data_reaches_successes_with_configured_ids() -> None:
    """A server this repo has never seen: none of the docs' ids exist there; --ids makes creates succeed."""
    from impilo_mock import Seed, create_app

    seed = Seed(
        patients={77: {"id": 77}}, sites={88: {"id": 88}}, items={5000: {"id": 5000}}, kits={6000: {"id": 6000}}
    )
    ids = {"patients": [77], "sites": [88], "items": [5000], "kits": [6000]}
    result = run_suite(Settings(known_ids=ids, max_examples=8, seed=4, quiet=True), app=create_app(seed=seed))
    assert result.unreached == [], {op: dict(result.statuses[op]) for op in result.operations_tested}
    assert result.failures == [], [f"{f.check}: {f.title}: {f.message}" for f in result.failures]
    assert result.exit_code == 0, result.verdict()
