"""The suite's own comparisons: echo, drift, assumptions, JSON paths, redaction, the write guard,
a request of an invariant that gets no answer, and the pagination walk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from impilo_contract import Settings, is_loopback, load_contract, plan
from impilo_contract._assumptions import check_body, new_table
from impilo_contract._checks import ActiveRun, WriteRefused, activate, before_call, safe_webhook_url, tag_body
from impilo_contract._context import Context, RequestFailed
from impilo_contract._drift import drift_in
from impilo_contract._echo import echo_mismatches
from impilo_contract._jsondiff import differences, not_contained
from impilo_contract._known_ids import KnownIds
from impilo_contract._observe import Observer
from impilo_contract._redact import REDACTED, Redactor
from impilo_contract._results import SuiteResult

SENT = {
    "externalOrderIds": ["a", "b"],
    "patient": {"id": 1234},
    "orderItems": [{"item": {"id": 1000}, "count": 2}, {"item": {"id": 1001}, "count": 1}],
    "orderKits": [{"kit": {"id": 1002}, "count": 3}],
    "shippingOption": "overnight",
}
ORDER = {"$ref": "#/components/schemas/Order"}


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


def test_drift_is_only_what_the_spec_declares_open() -> None:
    spec = load_contract()
    body = {
        "id": 1,
        "currentStatus": "lostInSpace",
        "surprise": 1,
        "patient": {"id": 1, "sex": "male", "nickname": "J"},
    }
    found = sorted(drift_in(spec, ORDER, body))
    known = ", ".join(spec["components"]["schemas"]["OrderStatus"]["enum"])
    assert found == [
        ("unknown enum value", f"$.currentStatus = 'lostInSpace' (known: {known})"),
        ("unknown field", "$.patient.nickname"),
        ("unknown field", "$.surprise"),
    ]


def test_the_docs_own_response_examples_show_no_drift() -> None:
    spec = load_contract()
    for name in ("FetchOrderResponse", "CreatePatientOrderResponse", "CreateSiteOrderResponse"):
        assert list(drift_in(spec, ORDER, spec["components"]["examples"][name]["value"])) == [], name
    page = spec["components"]["examples"]["ListOrdersResponse"]["value"]
    assert list(drift_in(spec, {"$ref": "#/components/schemas/OrderPage"}, page)) == []


def test_response_assumptions_count_where_they_hold_and_say_where_they_first_broke() -> None:
    spec = load_contract()
    table = new_table(spec)
    page = {"content": [{"id": 1, "currentStatus": "shipped"}, {"id": None, "currentStatus": "shipped"}], "page": 1}
    check_body(table, spec, {"$ref": "#/components/schemas/OrderPage"}, page, operation="GET /api/v3/order", status=200)
    assert (table["Order"].held, table["Order"].broken) == (1, 1)
    assert table["Order"].first_breach is not None and "$.content[1] has null id" in table["Order"].first_breach
    assert table["OrderPage"].broken == 1 and "missing size, total, first, last" in (
        table["OrderPage"].first_breach or ""
    )
    assert table["Site"].verdict() == "not seen"


def test_a_mismatch_names_the_json_path_that_differs() -> None:
    created = {"id": 1, "orderItems": [{"item": {"id": 1000}, "count": 2}], "shippingOption": "standard"}
    fetched = {"id": 1, "orderItems": [{"item": {"id": 1000}, "count": 5}], "shippingOption": "standard"}
    assert differences(created, fetched) == ["$.orderItems[0].count: 2 != 5"]
    assert differences({"a": 1}, {"b": 1}) == ["$.a: 1 != (absent)", "$.b: (absent) != 1"]
    # A list entry may leave fields out; it may not say something else.
    assert not_contained({"id": 1, "orderItems": [{}]}, fetched) == []
    assert not_contained({"id": 1, "shippingOption": "overnight"}, fetched) == [
        '$.shippingOption: "overnight" != "standard"'
    ]


def test_a_curl_pastes_as_is_with_the_key_from_the_variable_given_and_other_secrets_redacted() -> None:
    redactor = Redactor(key="k-123", key_env="MY_KEY")
    curl = redactor.curl("curl -X GET -H 'Impilo-API-Key: k-123' -d '{\"x\": \"k-123\"}' http://127.0.0.1/x")
    assert curl == 'curl -X GET -H "Impilo-API-Key: $MY_KEY" -d \'{"x": "[REDACTED]"}\' http://127.0.0.1/x'
    # A made-up key (ignored_auth sends some) is what was sent, and nobody's secret: kept.
    made_up = redactor.curl("curl -X GET -H 'Impilo-API-Key: guessed' http://127.0.0.1/x")
    assert "guessed" in made_up and REDACTED not in made_up
    redactor.learn("webhook-secret-value-0001")
    assert redactor.text("the secret is webhook-secret-value-0001") == f"the secret is {REDACTED}"
    own = redactor.build_curl("POST", "http://127.0.0.1/api/v3/order", body={"a": 1})
    assert own == (
        'curl -X POST http://127.0.0.1/api/v3/order -H "Impilo-API-Key: $MY_KEY" '
        "-H 'Content-Type: application/json' -d '{\"a\": 1}'"
    )


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
    assert "top-secret-key" not in repr(settings) and "top-secret-key" not in str(settings)
    assert "top-secret-key" not in repr(plan(settings, environ={}))


@dataclass
class _FakeOperation:
    label: str


@dataclass
class _FakeCase:
    method: str
    body: Any = field(default_factory=dict)
    label: str = "POST /api/v3/order"
    path_parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def operation(self) -> _FakeOperation:
        return _FakeOperation(self.label)


def test_writes_are_tagged_and_capped() -> None:
    run = ActiveRun(allow_writes=True, write_cap=2, write_tag="impilo-contract-test")
    with activate(run):
        first, second = _FakeCase("POST", {"patient": {"id": 1}}), _FakeCase("POST", {"externalOrderIds": ["mine"]})
        before_call(None, first, {})
        before_call(None, second, {})
        with pytest.raises(WriteRefused, match="cap of 2"):
            before_call(None, _FakeCase("DELETE", label="DELETE /api/v3/order/{orderId}"), {})
        before_call(None, _FakeCase("GET"), {})  # reads are never capped
    assert first.body["externalOrderIds"] == ["impilo-contract-test"]
    assert second.body["externalOrderIds"] == ["mine", "impilo-contract-test"]
    assert (run.writes, run.refused_writes) == (2, 1)


def test_no_write_leaves_a_read_only_run_and_hooks_do_nothing_outside_a_run() -> None:
    run = ActiveRun(allow_writes=False, write_cap=None, write_tag="t")
    with activate(run), pytest.raises(WriteRefused, match="read-only"):
        before_call(None, _FakeCase("POST"), {})
    case = _FakeCase("POST", {})
    before_call(None, case, {})
    assert case.body == {}


def test_every_url_the_suite_registers_points_nowhere_real() -> None:
    for url in ("https://example.com/hook", "http://10.0.0.1/x", "https://impilo-contract.invalid/../x"):
        body = {"type": "order.status", "url": url}
        safe_webhook_url(body)
        assert body["url"] == "https://impilo-contract.invalid/x", url
    kept = {"url": "https://impilo-contract.invalid/abc1"}
    safe_webhook_url(kept)
    assert kept["url"] == "https://impilo-contract.invalid/abc1"
    run = ActiveRun(allow_writes=True, write_cap=None, write_tag="t")
    case = _FakeCase("POST", {"type": "order.status", "url": "https://real.example/hook"}, label="POST /api/v3/webhook")
    with activate(run):
        before_call(None, case, {})
    assert case.body["url"].startswith("https://impilo-contract.invalid/")


def test_tagging_leaves_bodies_of_other_shapes_alone() -> None:
    for body in ([1], "text", {"externalOrderIds": "not-a-list"}):
        before = repr(body)
        tag_body(body, "tag")
        assert repr(body) == before


def _context(transport: httpx.BaseTransport, *, key_env: str = "MY_KEY") -> Context:
    the_plan = plan(Settings(base_url="http://127.0.0.1:9", api_key_env=key_env), environ={key_env: "k-1"})
    result = SuiteResult(base_url="x", seed=0, run_id="r", profile="small", read_only=False)
    redactor = Redactor(key="k-1", key_env=key_env)
    contract = load_contract()
    return Context(
        plan=the_plan,
        client=httpx.Client(base_url="http://127.0.0.1:9", transport=transport),
        base_url="http://127.0.0.1:9",
        result=result,
        known=KnownIds(),
        run=ActiveRun(allow_writes=True, write_cap=None, write_tag=the_plan.write_tag),
        observer=Observer(result, contract=contract, redactor=redactor),
        redactor=redactor,
        contract=contract,
    )


def test_a_request_that_gets_no_answer_carries_its_curl() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    ctx = _context(httpx.MockTransport(timeout))
    with pytest.raises(RequestFailed) as raised:
        ctx.request("GET", "/api/v3/order/5", operation="GET /api/v3/order/{orderId}")
    assert raised.value.reproduce == 'curl -X GET http://127.0.0.1:9/api/v3/order/5 -H "Impilo-API-Key: $MY_KEY"'
    assert "ReadTimeout" in str(raised.value)


def test_an_undocumented_status_on_the_suites_own_request_fails_the_status_check() -> None:
    ctx = _context(httpx.MockTransport(lambda request: httpx.Response(418, json={"message": "teapot"})))
    answer = ctx.request("GET", "/api/v3/order/5", operation="GET /api/v3/order/{orderId}")
    assert answer.status == 418
    [failure] = ctx.result.failures
    assert failure.check == "status_code_conformance" and "418" in failure.title
    assert failure.reproduce.endswith('-H "Impilo-API-Key: $MY_KEY"')


def test_pagination_walk_grows_the_page_size_instead_of_stopping_short(monkeypatch: pytest.MonkeyPatch) -> None:
    from impilo_contract import _pagination
    from impilo_mock import run_in_thread

    monkeypatch.setattr(_pagination, "MAX_PAGES", 3)
    body = {"patient": {"id": 1235}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}
    with run_in_thread() as server:
        ctx = _context(httpx.HTTPTransport())
        ctx.client = httpx.Client(base_url=server.base_url, headers={"Impilo-API-Key": server.api_key})
        ctx.base_url = server.base_url
        ctx.result.operations_tested = ["GET /api/v3/order"]
        for _ in range(40):
            tagged = dict(body, externalOrderIds=[ctx.plan.write_tag])
            assert ctx.request("POST", "/api/v3/order", operation="POST /api/v3/order", body=tagged).ok
        _pagination.check_pagination(ctx)
    assert ctx.result.failures == [], ctx.result.failures
    assert ctx.result.tally("GET /api/v3/order", "pagination_invariants").passed >= 2
    assert not any("stopped after" in note for note in ctx.result.notes)


def test_an_engine_error_such_as_a_reset_is_reported_with_a_curl_that_pastes_as_is() -> None:
    from schemathesis.engine import events

    from impilo_contract._engine import Collector, Pass

    ctx = _context(httpx.MockTransport(lambda request: httpx.Response(200)))
    collector = Collector(ctx.result, ctx.observer, ctx.redactor, ctx.run)
    reset = events.NonFatalError(
        error=ConnectionResetError("Connection reset by peer"),
        phase=None,
        label="GET /api/v3/order",
        related_to_operation=True,
        code_sample="curl -X GET -H 'Impilo-API-Key: k-1' http://127.0.0.1:9/api/v3/order",
    )
    assert collector.error(reset, Pass("accept", "accept", "positive", ("fuzzing",)))
    [error] = ctx.result.errors
    assert error.reproduce == 'curl -X GET -H "Impilo-API-Key: $MY_KEY" http://127.0.0.1:9/api/v3/order'
    assert "k-1" not in error.message + error.title + error.where
    refused = events.NonFatalError(
        error=WriteRefused("write not sent"), phase=None, label="POST /api/v3/order", related_to_operation=True
    )
    assert not collector.error(refused, Pass("accept", "accept", "positive", ("fuzzing",)))
