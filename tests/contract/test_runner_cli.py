"""impilo-contract as a user runs it: exit codes with one-line reasons, the target only from
--base-url, the key's variable named as given, a summary of failing rows, curls that paste as is,
and a rerun command that reproduces the whole invocation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Scope

from impilo_contract import Settings, UsageError, run_suite
from impilo_contract.broken_servers import VARIANTS, Answer, Rewrite, mock_app
from impilo_contract.cli import main
from impilo_mock import run_in_thread

KEY = "impilo-dev-key"
QUICK = ["--max-examples", "3", "--phases", "examples", "--invariants", "none"]


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IMPILO_API_KEY", "IMPILO_BASE_URL", "MY_KEY"):
        monkeypatch.delenv(name, raising=False)


def _one_line_error(text: str) -> str:
    errors = [line for line in text.splitlines() if line.startswith("impilo-contract: error")]
    assert len(errors) == 1, text[-2000:]
    return errors[0]


def test_missing_key_for_a_live_server_names_the_variable_given(
    no_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--base-url", "http://127.0.0.1:9"]) == 2
    assert "$IMPILO_API_KEY" in _one_line_error(capsys.readouterr().err)
    assert main(["--base-url", "http://127.0.0.1:9", "--api-key-env", "MY_KEY"]) == 2
    assert "$MY_KEY" in _one_line_error(capsys.readouterr().err)


def test_key_is_read_from_the_named_variable(
    no_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MY_KEY", "x")
    # Port 9 (discard) on loopback: nothing listens there, so the probe fails to connect.
    assert main(["--base-url", "http://127.0.0.1:9", "--api-key-env", "MY_KEY"]) == 2
    assert "cannot reach http://127.0.0.1:9" in _one_line_error(capsys.readouterr().err)


def test_the_clients_base_url_variable_never_picks_the_target(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPILO_BASE_URL", "http://127.0.0.1:9")
    assert main([*QUICK, "--quiet", "--report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "(embedded mock)" in out and "127.0.0.1:9/" not in out


def test_bad_arguments_are_one_line_usage_errors(no_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, named in (
        (["--base-url", "ftp://127.0.0.1"], "http://"),
        (["--allow-writes", "--read-only"], "contradict"),
        (["--max-examples", "0"], "--max-examples"),
        (["--profile", "huge"], "--profile"),
        (["--phases", "warp"], "--phases"),
        (["--ids", "items=x"], "--ids"),
    ):
        assert main(argv) == 2, argv
        assert named in _one_line_error(capsys.readouterr().err), argv


def test_a_refused_key_is_a_usage_error_that_never_shows_the_key(
    no_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MY_KEY", "wrong-key-1234567")
    with run_in_thread() as server:
        assert main(["--base-url", server.base_url, "--api-key-env", "MY_KEY"]) == 2
    out = capsys.readouterr()
    assert "refused the API key" in _one_line_error(out.err) and "$MY_KEY" in out.err
    assert "wrong-key-1234567" not in out.err + out.out


def test_seeding_an_empty_server_within_one_write_is_a_one_line_usage_error(
    no_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*QUICK, "--max-writes", "1"]) == 2
    assert "--max-writes 1 is too low" in _one_line_error(capsys.readouterr().err)


class _CreatedWithoutJson(Rewrite):
    """Creates answer 201 with a body that is not JSON."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        if scope["method"] == "POST" and scope["path"] == "/api/v3/order" and answer.status == 201:
            answer.body = b"<html>created</html>"
            answer.headers = [(b"content-type", b"text/html"), (b"content-length", str(len(answer.body)).encode())]


def test_a_create_answered_without_json_while_seeding_is_a_one_line_usage_error(
    no_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", KEY)
    with run_in_thread(_CreatedWithoutJson(mock_app())) as server:
        assert main(["--base-url", server.base_url, *QUICK]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "answered 201 with a body that is not a JSON object: <html>created</html>" in line
    with pytest.raises(UsageError):
        run_suite(Settings(quiet=True), app=_CreatedWithoutJson(mock_app()))


def test_a_conformant_server_exits_0_with_a_summary_of_failing_rows_and_no_server_log_lines(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # The embedded mock. Coverage sends malformed requests on purpose: its warnings must not show.
    code = main(
        ["--max-examples", "3", "--phases", "examples,coverage", "--invariants", "none", "--report", str(tmp_path)]
    )
    out, err = capfd.readouterr()
    assert code == 0, out[-3000:]
    assert "WARNING" not in out + err and "Invalid HTTP request" not in out + err
    assert "checks: " in out and "pairs passing" in out
    assert "pass  fail error" not in out  # no table when nothing fails
    assert "DIALECT" in out and "RESPONSE ASSUMPTIONS" in out
    assert "accept pass" in err and "docs pass" in err  # progress while it runs
    assert "conformant" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract-junit.xml", "contract-report.md"]


def test_violations_exit_1_with_the_failing_row_a_curl_that_pastes_and_the_whole_invocation_to_rerun(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MY_KEY", KEY)
    with run_in_thread(VARIANTS["mistyped_field"].app()) as server:
        argv = ["--base-url", server.base_url, "--api-key-env", "MY_KEY", "--max-examples", "5", "--seed", "11"]
        argv += ["--phases", "examples,stateful", "--invariants", "none", "--ids", "sites=1234", "--max-writes", "500"]
        code = main([*argv, "--report", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "GET /api/v3/order/{orderId}" in out and "response_schema_conformance" in out
    assert 'curl -X GET -H "Impilo-API-Key: $MY_KEY"' in out
    assert KEY not in out and "[Filtered]" not in out
    rerun = out.rsplit("rerun: ", 1)[1].strip()
    assert rerun == "impilo-contract " + " ".join(
        [
            "--base-url", server.base_url, "--api-key-env", "MY_KEY", "--max-writes", "500", "--max-examples", "5",
            "--seed", "11", "--ids", "sites=1234", "--phases", "examples,stateful", "--invariants", "none",
            "--report", str(tmp_path),
        ]
    )  # fmt: skip
    junit = ET.parse(tmp_path / "contract-junit.xml").getroot()
    assert junit.get("time") and junit.get("errors") == "0" and int(junit.get("failures") or 0) >= 1
    for suite in junit.iter("testsuite"):
        assert {"tests", "failures", "errors", "time"} <= set(suite.attrib), suite.attrib
    assert all(case.get("time") is not None for case in junit.iter("testcase"))
    assert KEY not in (tmp_path / "contract-junit.xml").read_text()


class _MethodRecorder:
    """Passes requests to the mock and remembers which methods reached it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.methods: list[str] = []
        # Methods of the requests that carried the valid key (ignored_auth sends copies without it).
        self.keyed: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.methods.append(scope["method"])
            if (b"impilo-api-key", KEY.encode()) in scope["headers"]:
                self.keyed.append(scope["method"])
        await self.app(scope, receive, send)


@pytest.fixture
def recorder() -> Iterator[_MethodRecorder]:
    yield _MethodRecorder(mock_app())


def test_a_read_only_run_sends_no_writes(recorder: _MethodRecorder) -> None:
    result = run_suite(Settings(read_only=True, max_examples=3, seed=1, quiet=True), app=recorder)
    assert recorder.methods, "the run sent nothing at all"
    assert not {"POST", "DELETE", "PUT", "PATCH"} & set(recorder.methods), sorted(set(recorder.methods))
    assert result.read_only and all(op.startswith("GET ") for op in result.operations_tested)
    assert any("rule_table skipped: read-only" in note for note in result.notes)
    assert result.dialect["unknown-id"].answer == "not asked (read-only run; --allow-writes asks it)"
    assert result.dialect["explicit-null"].answer == "not asked (read-only run; --allow-writes asks it)"
    assert result.dialect["page-zero"].answer.startswith("refused (400)")  # a read: asked anyway


def test_max_writes_caps_every_write_of_the_run(recorder: _MethodRecorder) -> None:
    result = run_suite(Settings(max_writes=10, max_examples=3, seed=2, quiet=True), app=recorder)
    writes = [method for method in recorder.keyed if method in ("POST", "DELETE", "PUT", "PATCH")]
    # The cap counts every write sent with the key; deleting the webhooks the run made is cleanup, on top.
    assert 0 < len(writes) - len(result.webhooks_created) <= 10, len(writes)
    assert any("write(s) not sent: write cap of 10 reached" in note for note in result.notes), result.notes
    assert result.errors == []


def test_the_same_seed_reproduces_the_same_run() -> None:
    def statuses(seed: int) -> dict[str, dict[int, int]]:
        settings = Settings(max_examples=3, seed=seed, quiet=True, phases=("examples", "fuzzing"), invariants=())
        result = run_suite(settings, app=mock_app())
        return {op: dict(counts) for op, counts in result.statuses.items()}

    first = statuses(31)
    assert statuses(31) == first
    assert sum(sum(counts.values()) for counts in first.values()) > 50


def test_the_markdown_report_shows_whole_bodies(tmp_path: Path) -> None:
    from impilo_contract import markdown
    from impilo_contract._results import Failure, SuiteResult

    body = json.dumps({"content": [{"id": i, "note": "x" * 50} for i in range(40)]})
    result = SuiteResult(base_url="x", seed=1, run_id="r", profile="small", read_only=False)
    result.add_failure(Failure("GET /api/v3/order", "some_check", "A title", f"answered {body}", "curl x"))
    assert body in markdown(result)
