"""The suite's own comparisons: echo of a created order, drift detection, redaction, write policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from impilo_contract import Settings, is_loopback, load_contract
from impilo_contract._checks import ActiveRun, WriteRefused, activate, before_call, tag_body
from impilo_contract._drift import walk
from impilo_contract._echo import echo_mismatches
from impilo_contract._redact import REDACTED, api_key_header, redact

SENT = {
    "externalOrderIds": ["a", "b"],
    "patient": {"id": 1234},
    "orderItems": [{"item": {"id": 1000}, "count": 2}, {"item": {"id": 1001}, "count": 1}],
    "orderKits": [{"kit": {"id": 1002}, "count": 3}],
    "shippingOption": "overnight",
}


def _answer(**changes: Any) -> dict[str, Any]:
    order = {
        "id": 7,
        "externalOrderIds": ["a", "b"],
        "patient": {"id": 1234, "firstName": "John"},
        "site": None,
        "orderItems": [{"item": {"id": 1001, "name": "x"}, "count": 1}, {"item": {"id": 1000}, "count": 2}],
        "orderKits": [{"kit": {"id": 1002}, "count": 3}],
        "shippingOption": "overnight",
        "currentStatus": "orderPlaced",
    }
    order.update(changes)
    return order


def test_an_order_that_echoes_the_request_passes_whatever_the_line_order() -> None:
    assert echo_mismatches(SENT, _answer()) == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"patient": {"id": 99}}, "patient.id"),
        ({"orderKits": None}, "orderKits"),
        ({"orderItems": [{"item": {"id": 1000}, "count": 2}, {"item": {"id": 1001}, "count": 5}]}, "orderItems"),
        ({"externalOrderIds": ["a"]}, "externalOrderIds"),
        ({"shippingOption": "standard"}, "shippingOption"),
    ],
)
def test_each_lost_or_changed_field_is_named(changes: dict[str, Any], named: str) -> None:
    problems = echo_mismatches(SENT, _answer(**changes))
    assert len(problems) == 1 and problems[0].startswith(named), problems


def test_a_non_object_answer_is_a_mismatch() -> None:
    assert echo_mismatches(SENT, [1, 2]) != []


def _order_schema() -> dict[str, Any]:
    return {"$ref": "#/components/schemas/Order"}


def test_drift_finds_unknown_enum_values_and_unknown_fields_at_any_depth() -> None:
    spec = load_contract()
    body = {"currentStatus": "lostInSpace", "surprise": 1, "patient": {"id": 1, "sex": "male", "nickname": "J"}}
    found = sorted(walk(spec, _order_schema(), body))
    assert found == [
        (
            "unknown enum value",
            "$.currentStatus = 'lostInSpace' (known: "
            + ", ".join(spec["components"]["schemas"]["OrderStatus"]["enum"])
            + ")",
        ),
        ("unknown field", "$.patient.nickname"),
        ("unknown field", "$.surprise"),
    ]


def test_the_docs_own_response_examples_show_no_drift() -> None:
    spec = load_contract()
    for name in ("FetchOrderResponse", "CreatePatientOrderResponse", "CreateSiteOrderResponse"):
        assert list(walk(spec, _order_schema(), spec["components"]["examples"][name]["value"])) == [], name
    page = spec["components"]["examples"]["ListOrdersResponse"]["value"]
    assert list(walk(spec, {"$ref": "#/components/schemas/OrderPage"}, page)) == []


def test_redaction_removes_the_key_and_any_value_of_the_key_header() -> None:
    header = api_key_header()
    assert header == "Impilo-API-Key"
    text = "curl -H 'Impilo-API-Key: s3cret' -H 'impilo-api-key: made-up' https://x?k=s3cret"
    cleaned = redact(text, secrets=("s3cret",), header=header)
    assert "s3cret" not in cleaned and "made-up" not in cleaned
    assert cleaned.count(REDACTED) == 3


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost:1", True),
        ("http://[::1]:8080", True),
        ("https://staging.impiloplatform.com", False),
        ("http://10.0.0.5", False),
    ],
)
def test_only_loopback_urls_count_as_local(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_settings_never_show_the_key() -> None:
    settings = Settings(base_url="https://x", api_key="top-secret-key")
    assert "top-secret-key" not in repr(settings)
    assert "top-secret-key" not in str(settings)


@dataclass
class _FakeCase:
    method: str
    body: Any = field(default_factory=dict)


def test_writes_are_tagged_and_capped() -> None:
    run = ActiveRun(allow_writes=True, write_cap=2, write_tag="impilo-contract-test")
    with activate(run):
        first, second = _FakeCase("POST", {"patient": {"id": 1}}), _FakeCase("POST", {"externalOrderIds": ["mine"]})
        before_call(None, first, {})
        before_call(None, second, {})
        with pytest.raises(WriteRefused, match="cap of 2"):
            before_call(None, _FakeCase("DELETE"), {})
        before_call(None, _FakeCase("GET"), {})  # reads are never capped
    assert first.body["externalOrderIds"] == ["impilo-contract-test"]
    assert second.body["externalOrderIds"] == ["mine", "impilo-contract-test"]
    assert (run.writes, run.refused_writes) == (2, 1)


def test_no_write_leaves_a_read_only_run() -> None:
    run = ActiveRun(allow_writes=False, write_cap=None, write_tag="t")
    with activate(run), pytest.raises(WriteRefused, match="writes are off"):
        before_call(None, _FakeCase("POST"), {})


def test_hooks_do_nothing_outside_a_run() -> None:
    case = _FakeCase("POST", {})
    before_call(None, case, {})
    assert case.body == {}


def test_tagging_leaves_bodies_of_other_shapes_alone() -> None:
    for body in ([1], "text", {"externalOrderIds": "not-a-list"}):
        before = repr(body)
        tag_body(body, "tag")
        assert repr(body) == before


def test_reproducible_curls_read_the_real_key_from_the_environment_and_mask_made_up_ones() -> None:
    from impilo_contract._redact import KEY_PLACEHOLDER, reproducible_curl

    real = reproducible_curl("curl -X GET -H 'Impilo-API-Key: k-123' http://127.0.0.1/x", key="k-123")
    assert real == f'curl -X GET -H "Impilo-API-Key: {KEY_PLACEHOLDER}" http://127.0.0.1/x'
    made_up = reproducible_curl("curl -X GET -H 'Impilo-API-Key: guessed' http://127.0.0.1/x", key="k-123")
    assert "guessed" not in made_up and REDACTED in made_up and KEY_PLACEHOLDER not in made_up


def test_pagination_walk_grows_the_page_size_instead_of_stopping_short(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from impilo_contract import _invariants
    from impilo_contract._known_ids import KnownIds
    from impilo_contract._results import SuiteResult
    from impilo_mock import run_in_thread

    monkeypatch.setattr(_invariants, "MAX_PAGES", 3)
    run = ActiveRun(allow_writes=True, write_cap=None, write_tag="impilo-contract-walk")
    body = {"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}
    with (
        run_in_thread() as server,
        httpx.Client(base_url=server.base_url, headers={"Impilo-API-Key": server.api_key}) as client,
    ):
        result = SuiteResult(base_url=server.base_url, seed=0, run_id="walk", profile="small", read_only=False)
        ctx = _invariants.InvariantContext(
            client=client,
            base_url=server.base_url,
            key_header="Impilo-API-Key",
            result=result,
            known=KnownIds(),
            writes=True,
            write_tag=run.write_tag,
            run=run,
            spec=load_contract(),
        )
        for _ in range(40):
            assert 200 <= ctx.create(dict(body, externalOrderIds=[run.write_tag])).status_code < 300
        _invariants.check_pagination(ctx)
    assert result.failures == [], result.failures
    assert result.tally("GET /api/v3/order", "pagination_invariants").passed >= 2
    assert not any("stopped after" in note for note in result.notes)
