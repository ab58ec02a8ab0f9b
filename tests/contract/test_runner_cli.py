"""impilo-contract as a user runs it: exit codes with one-line reasons, read-only by default off
loopback, a summary with counts, and failures with a curl and the seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from impilo_contract import Settings, run_suite
from impilo_contract.cli import main
from impilo_mock import create_app, run_in_thread

KEY = "impilo-dev-key"


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IMPILO_API_KEY", "IMPILO_BASE_URL", "MY_KEY"):
        monkeypatch.delenv(name, raising=False)


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("impilo-contract: error")]
    assert len(err) == 1, err
    return err[0]


def test_missing_key_for_a_live_server_is_a_usage_error(no_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base-url", "http://127.0.0.1:9"]) == 2
    assert "IMPILO_API_KEY" in _one_line_error(capsys)


def test_key_is_read_from_the_named_variable(
    no_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MY_KEY", "x")
    # Port 9 (discard) on loopback: nothing listens there, so the probe fails to connect.
    assert main(["--base-url", "http://127.0.0.1:9", "--api-key-env", "MY_KEY"]) == 2
    assert "cannot reach http://127.0.0.1:9" in _one_line_error(capsys)


def test_bad_arguments_are_usage_errors(no_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base-url", "ftp://127.0.0.1"]) == 2
    assert "http://" in _one_line_error(capsys)
    assert main(["--allow-writes", "--read-only"]) == 2
    assert "contradict" in _one_line_error(capsys)
    assert main(["--max-examples", "0"]) == 2
    with pytest.raises(SystemExit) as raised:
        main(["--profile", "huge"])
    assert raised.value.code == 2


def test_a_refused_key_is_a_usage_error_that_never_shows_the_key(
    no_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", "wrong-key-1234567")
    with run_in_thread() as server:
        assert main(["--base-url", server.base_url]) == 2
    out = capsys.readouterr()
    assert "refused the API key" in out.err
    assert "wrong-key-1234567" not in out.err + out.out


def test_conformant_server_exits_0_with_summary_and_reports(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", KEY)
    with run_in_thread() as server:
        code = main(["--base-url", server.base_url, "--max-examples", "5", "--seed", "3", "--report", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.out[-3000:]
    assert "operation" in out.out and "2xx" in out.out and "not_a_server_error" in out.out
    assert "phase fuzzing" in out.err  # progress while it runs
    assert "conformant" in out.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract-junit.xml", "contract-report.md"]


def test_violations_exit_1_with_a_curl_and_the_seed(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from impilo_contract.broken_servers import VARIANTS

    monkeypatch.setenv("IMPILO_API_KEY", KEY)
    with run_in_thread(VARIANTS["mistyped_field"].app()) as server:  # type: ignore[arg-type]
        code = main(["--base-url", server.base_url, "--max-examples", "5", "--seed", "11", "--report", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "response_schema_conformance" in out
    assert "curl -X GET" in out and "--seed 11" in out
    assert KEY not in out
    junit = (tmp_path / "contract-junit.xml").read_text()
    assert "<failure" in junit and KEY not in junit


class _MethodRecorder:
    """Passes requests to the mock and remembers which methods reached it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.methods: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.methods.append(scope["method"])
        await self.app(scope, receive, send)


@pytest.fixture
def recorder() -> Iterator[_MethodRecorder]:
    yield _MethodRecorder(create_app())


def test_a_read_only_run_sends_no_creates_or_voids(recorder: _MethodRecorder) -> None:
    result = run_suite(Settings(read_only=True, max_examples=5, seed=1, quiet=True), app=recorder)
    assert recorder.methods, "the run sent nothing at all"
    assert not {"POST", "DELETE", "PUT", "PATCH"} & set(recorder.methods), sorted(set(recorder.methods))
    assert result.read_only
    assert sorted(result.operations_tested) == ["GET /api/v3/order", "GET /api/v3/order/{orderId}"]
    assert any("rule_table skipped: read-only" in note for note in result.notes)


def test_max_writes_caps_every_write_of_the_run(recorder: _MethodRecorder) -> None:
    result = run_suite(Settings(max_writes=10, max_examples=5, seed=2, quiet=True), app=recorder)
    writes = [method for method in recorder.methods if method in ("POST", "DELETE")]
    assert 0 < len(writes) <= 10, len(writes)
    assert any("write(s) not sent: write cap reached" in note for note in result.notes), result.notes
    assert result.errors == []


def test_target_and_key_come_from_the_environment(
    no_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPILO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("IMPILO_API_KEY", "x")
    assert main([]) == 2
    assert "cannot reach http://127.0.0.1:9" in _one_line_error(capsys)


def test_the_same_seed_reproduces_the_same_run() -> None:
    def statuses(seed: int) -> dict[str, dict[int, int]]:
        result = run_suite(Settings(max_examples=5, seed=seed, quiet=True), app=create_app())
        return {op: dict(counts) for op, counts in result.statuses.items()}

    first = statuses(31)
    assert statuses(31) == first
    assert sum(sum(counts.values()) for counts in first.values()) > 50
