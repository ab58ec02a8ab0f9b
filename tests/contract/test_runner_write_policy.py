"""Against a live (non-loopback) server the suite is read-only unless told otherwise, then capped,
and it touches only what it created; it finds the target's ids by itself."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from impilo_contract import Settings, open_response_enums, plan, run_suite
from impilo_contract._checks import ACCOUNT_WIDE_WRITES, ActiveRun, WriteRefused, take_write
from impilo_contract._engine import build_config, passes
from impilo_contract._known_ids import KnownIds, parse_ids, start
from impilo_contract._spec import load_view
from impilo_contract.cli import main

STAGING = "https://staging.impiloplatform.com"
LOCAL = "http://127.0.0.1:8080"
KEY = {"IMPILO_API_KEY": "k"}
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _operations(settings: Settings) -> dict[str, bool]:
    """Operation label -> whether coverage runs on it, in the accept pass."""
    the_plan = plan(settings, environ=KEY)
    accept = passes(the_plan)[0]
    spec = load_view("accept")
    config = build_config(the_plan, accept, settings.base_url or LOCAL, "key", KnownIds(), spec)
    schema = schemathesis.openapi.from_dict(open_response_enums(spec), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    return {
        op.label: schema.config.phases_for(operation=op).coverage.enabled
        for op in operations
        if schema.config.operations.get_for_operation(op).enabled
    }


def test_a_live_server_gets_no_writes_by_default() -> None:
    labels = _operations(Settings(base_url=STAGING))
    assert labels and all(label.split(" ")[0] == "GET" for label in labels), sorted(labels)
    assert "GET /api/v3/item/{itemId}" in labels and "GET /api/v3/webhook/logs" in labels


def test_allow_writes_on_a_live_server_is_capped_skips_coverage_writes_and_account_wide_writes() -> None:
    operations = _operations(Settings(base_url=STAGING, allow_writes=True))
    assert not set(ACCOUNT_WIDE_WRITES) & set(operations)
    assert {label for label, coverage in operations.items() if not coverage} == {
        label for label in operations if label.split(" ")[0] in WRITES
    }
    assert "POST /api/v3/order" in operations and "DELETE /api/v3/webhook/{webhookId}" in operations
    assert plan(Settings(base_url=STAGING, allow_writes=True), environ=KEY).write_cap == 60
    assert plan(Settings(base_url=STAGING, allow_writes=True, max_writes=7), environ=KEY).write_cap == 7


def test_loopback_servers_get_every_phase_on_every_operation_uncapped() -> None:
    operations = _operations(Settings(base_url=LOCAL))
    assert len(operations) == 25 and set(operations.values()) == {True}
    assert plan(Settings(base_url=LOCAL), environ=KEY).write_cap is None


def _live_run() -> ActiveRun:
    return ActiveRun(allow_writes=True, write_cap=None, write_tag="t", own_records_only=True)


def test_on_a_live_server_writes_name_only_records_the_run_created() -> None:
    run = _live_run()
    with pytest.raises(WriteRefused, match="did not create"):
        take_write(run, "DELETE /api/v3/order/{orderId}", {"orderId": 5})
    with pytest.raises(WriteRefused, match="did not create"):
        take_write(run, "PATCH /api/v3/webhook/{webhookId}", {"webhookId": 9})
    run.created.append(5)
    run.created_webhooks.append(9)
    take_write(run, "DELETE /api/v3/order/{orderId}", {"orderId": 5})
    take_write(run, "DELETE /api/v3/webhook/{webhookId}", {"webhookId": "9"})
    with pytest.raises(WriteRefused, match="whole account"):
        take_write(run, "POST /api/v3/webhook-secret")
    assert (run.writes, run.refused_writes) == (2, 3)


def test_on_loopback_any_record_may_be_written() -> None:
    run = ActiveRun(allow_writes=True, write_cap=None, write_tag="t")
    take_write(run, "DELETE /api/v3/order/{orderId}", {"orderId": 5})
    take_write(run, "POST /api/v3/webhook-secret")
    assert run.writes == 2


@pytest.mark.parametrize("text", ["patients", "people=1", "items=x", "kits=0", "orders="])
def test_bad_id_options_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ids(text)
    assert main(["--ids", text]) == 2


def test_configured_ids_replace_discovery_kind_by_kind() -> None:
    known = start({"patients": [55, 56], "orders": [9]})
    assert known.patients == [55, 56] and known.orders == [9]
    assert known.sources == {"patients": "--ids", "orders": "--ids"}
    body = known.remap({"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})
    assert body["patient"] == {"id": 55}
    assert known.remap({"patient": {"id": 0}}) == {"patient": {"id": 0}}  # a rule-breaking id stays broken


def _foreign_catalog() -> Any:
    """The mock with a catalog that holds none of the docs' ids (patient 1234, items 1000-1003, ...)."""
    from impilo_mock import Seed, create_app

    extra: dict[str, list[dict[str, Any]]] = {
        "sites": [{"id": 88, "name": "Far clinic", "active": True}, {"id": 89, "name": "Shut", "active": False}],
        "patients": [
            {
                "id": 77,
                "firstName": "Ann",
                "lastName": "Lee",
                "archived": False,
                "site": {"id": 88},
                "externalIdentifier": "x-77",
            },
            {"id": 78, "firstName": "Old", "lastName": "Case", "archived": True},
        ],
        "items": [{"id": 5000, "name": "Scale", "orderable": True}, {"id": 5001, "name": "Gone", "orderable": False}],
        "kits": [{"id": 6000, "name": "Kit", "archived": False, "kitItems": [{"item": {"id": 5000}, "count": 1}]}],
    }
    full = Seed.extended(extra)
    only: dict[str, dict[int, dict[str, Any]]] = {
        kind: {int(r["id"]): getattr(full, kind)[r["id"]] for r in records} for kind, records in extra.items()
    }
    return create_app(seed=Seed(**only))


def test_a_server_holding_none_of_the_docs_ids_reaches_real_creates_with_ids_it_discovers() -> None:
    result = run_suite(Settings(max_examples=8, seed=4, quiet=True), app=_foreign_catalog())
    assert result.known_ids["patients"] == [77]  # not archived only
    assert result.known_ids["sites"] == [88]  # active only
    assert result.known_ids["items"] == [5000]  # orderable only
    assert result.known_ids["kits"] == [6000]
    assert result.id_sources["patients"].startswith("discovered: GET /api/v3/patient")
    assert result.id_sources["items"] == "discovered: GET /api/v3/item"
    assert result.successes["POST /api/v3/order"] > 0
    assert result.unreached == [], {op: dict(result.statuses[op]) for op in result.unreached}
    assert result.failures == [], [f"{f.check}: {f.title}: {f.message}" for f in result.failures]
    assert result.exit_code == 0, result.verdict()


def test_ids_given_override_what_discovery_would_find() -> None:
    settings = Settings(
        max_examples=3, seed=4, quiet=True, phases=("examples",), invariants=(), known_ids={"items": [5000]}
    )
    result = run_suite(settings, app=_foreign_catalog())
    assert result.known_ids["items"] == [5000] and result.id_sources["items"] == "--ids"
    assert result.id_sources["kits"].startswith("discovered")
