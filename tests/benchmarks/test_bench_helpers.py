"""Unit tests of the benchmark harness's helpers: parsing tool output, payloads, report writing.

No timing is asserted here (benchmarks are never timed tests); these check that the harness reads
its tools right and compares like with like.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from benchmarks import _peers
from benchmarks._payloads import create_request, full_order, order_page, page_bytes, spec
from benchmarks._report import END, START, Goal, Section, write_into
from benchmarks._timing import interleaved_medians
from benchmarks.apps import bare_order_app, with_latency
from benchmarks.contract_speed import bare_cases, suite_cases
from benchmarks.throughput import parse_wrk
from impilo_orders_api.models import OrderCreateRequest, OrderPage

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8080/api/v3/order/1
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms  512.00us  12.00ms   90.00%
    Req/Sec     5.20k   200.00     5.50k    70.00%
  Latency Distribution
     50%    3.00ms
     75%    3.20ms
     90%    3.50ms
     99%  850.00us
  15600 requests in 3.00s, 50.00MB read
  Non-2xx or 3xx responses: 7
Requests/sec:   5200.13
Transfer/sec:     16.67MB
"""


def test_parse_wrk_reads_requests_per_second_p99_and_errors() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests_per_second == pytest.approx(5200.13)
    assert result.p99_seconds == pytest.approx(850e-6)
    assert result.non_2xx == 7


def test_parse_wrk_converts_second_units_and_counts_no_errors_when_none_reported() -> None:
    output = WRK_OUTPUT.replace("850.00us", "1.25s").replace("  Non-2xx or 3xx responses: 7\n", "")
    result = parse_wrk(output)
    assert result.p99_seconds == pytest.approx(1.25)
    assert result.non_2xx == 0


def test_parse_wrk_refuses_output_without_latency_percentiles() -> None:
    with pytest.raises(ValueError, match="not wrk --latency output"):
        parse_wrk("Requests/sec: 10.0\n")


def test_suite_cases_sums_the_per_operation_cases_column_only() -> None:
    summary = """operation                           cases    2xx  statuses
DELETE /api/v3/order/{orderId}         19      5  204x5 400x7 401x5 404x2
GET /api/v3/order                      85     37  200x37 400x44 401x4
POST /api/v3/order                    191      9  201x9 422x182

operation                          check                              pass  fail error
GET /api/v3/order                  not_a_server_error                   89     0     0
"""
    assert suite_cases(summary) == 19 + 85 + 191


def test_bare_cases_reads_schemathesis_summary() -> None:
    assert bare_cases("Test cases:\n  336 generated, 336 passed, 8 skipped\n") == 336
    with pytest.raises(ValueError):
        bare_cases("nothing here")


def test_full_order_is_a_valid_order_covering_every_response_model() -> None:
    doc = spec()
    schema = {"$ref": "#/components/schemas/Order", "components": doc["components"]}
    order = full_order(7)
    jsonschema.validate(order, schema)
    assert order["id"] == 7
    # Every model of the response shape appears at least once, so the decode benchmark covers all.
    text = json.dumps(order)
    for key in ("kitItems", "manufacturer", "createdBy", "deviceIdentifiers", "deviceEvents", "currentPatient"):
        assert f'"{key}"' in text


def test_page_bytes_decode_to_the_same_page_through_client_and_peers() -> None:
    raw = page_bytes(3)
    page = orjson.loads(raw)
    assert page == order_page(3)
    assert OrderPage.from_dict(page).to_dict() == page
    assert _peers.POrderPage.model_validate_json(raw).model_dump(by_alias=True, exclude_unset=True) == page
    assert len(_peers.MSGSPEC_PAGE_DECODER.decode(raw).content or []) == 3


def test_create_request_encodes_the_same_through_client_and_pydantic() -> None:
    body = create_request()
    assert OrderCreateRequest.from_dict(body).to_dict() == body
    assert orjson.loads(_peers.pydantic_encode(_peers.pydantic_create_request(body))) == body


def test_interleaved_medians_runs_every_case_in_every_round() -> None:
    calls: dict[str, int] = {"a": 0, "b": 0}

    def case(name: str) -> Any:
        def run() -> None:
            calls[name] += 1

        return run

    medians = interleaved_medians({"a": case("a"), "b": case("b")}, number=4, repeat=3)
    assert set(medians) == {"a", "b"}
    assert calls == {"a": 1 + 4 * 3, "b": 1 + 4 * 3}  # one warm-up call, then number x repeat


def test_write_into_replaces_only_the_measured_part(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Benchmarks\n\nProse kept by hand.\n\n{START}\nold numbers\n{END}\n\n## After\nMore prose.\n")
    write_into(path, "new numbers\n")
    text = path.read_text()
    assert "old numbers" not in text
    assert f"{START}\nnew numbers\n{END}\n" in text
    assert text.startswith("# Benchmarks\n\nProse kept by hand.\n")
    assert text.endswith("## After\nMore prose.\n")


def test_write_into_creates_the_file_with_markers(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    write_into(path, "numbers\n")
    assert path.read_text() == f"# Benchmarks\n\n{START}\nnumbers\n{END}\n"


def test_section_markdown_shows_goals_with_their_status() -> None:
    section = Section("T", columns=["a", "b"], rows=[["1", "2"]])
    section.goals += [Goal("fast", "0.9", True), Goal("small", "2", False), Goal("other", "-", None)]
    text = section.markdown()
    assert "| a | b |" in text and "| 1 | 2 |" in text
    assert "**met**" in text and "**NOT met**" in text and "**not measured**" in text


def _call_asgi(app: Any, method: str, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent


def test_bare_app_answers_every_request_with_the_fixed_order() -> None:
    sent = _call_asgi(bare_order_app(), "POST", "/anything")
    assert sent[0]["status"] == 200
    assert orjson.loads(sent[1]["body"]) == full_order(1)


def test_latency_wrapper_delays_list_requests_only(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    app = with_latency(bare_order_app(), 0.02)
    _call_asgi(app, "GET", "/api/v3/order")
    _call_asgi(app, "GET", "/api/v3/order/1")
    _call_asgi(app, "POST", "/api/v3/order")
    assert delays == [0.02]


def test_throughput_reports_missing_wrk_instead_of_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import throughput

    monkeypatch.setattr(throughput, "wrk_binary", lambda: None)
    section = throughput.run(smoke=True)
    assert any("wrk is not installed" in note for note in section.notes)
    assert [goal.met for goal in section.goals] == [None]
    assert not section.rows


def test_contract_speed_reports_a_missing_runner_as_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import contract_speed

    monkeypatch.setattr(contract_speed, "_bin", lambda name: None if name == "impilo-contract" else "/bin/true")
    section = contract_speed.run(smoke=True)
    assert any("impilo-contract is not installed" in note and "pending" in note for note in section.notes)
    assert [goal.met for goal in section.goals] == [None]
