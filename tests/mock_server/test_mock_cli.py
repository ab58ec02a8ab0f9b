"""The `impilo-mock` command as a user runs it: --help, keys from the environment, and a restart
with --db that loses nothing (after a clean stop and after a kill)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from mock_helpers import ORDERS, check_against_spec, site_order

from impilo_mock import API_KEYS_ENV, DEFAULT_API_KEY
from impilo_mock.cli import api_keys_from

CONSOLE_SCRIPT = Path(sys.executable).with_name("impilo-mock")
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@contextmanager
def running_cli(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`impilo-mock --port 0 ARGS` in a subprocess; yields its base URL once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "impilo_mock.cli", "--port", "0", *args],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stderr is not None
        base_url = None
        deadline = time.monotonic() + 60
        while base_url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            match = _LISTENING.search(line)
            base_url = match.group(1) if match else None
        assert base_url, "impilo-mock did not start"
        yield base_url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()


def test_help_works_and_names_the_options() -> None:
    result = subprocess.run([str(CONSOLE_SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    for option in (
        "--host",
        "--port",
        "--db",
        "--api-key",
        "--lifecycle",
        "--seed-file",
        API_KEYS_ENV,
        DEFAULT_API_KEY,
    ):
        assert option in result.stdout


def test_keys_come_from_flags_then_environment_then_the_default() -> None:
    assert api_keys_from(["a", "b"], {API_KEYS_ENV: "c"}) == ["a", "b"]
    assert api_keys_from(None, {API_KEYS_ENV: " c , d,,"}) == ["c", "d"]
    assert api_keys_from(None, {API_KEYS_ENV: " , "}) == [DEFAULT_API_KEY]
    assert api_keys_from(None, {}) == [DEFAULT_API_KEY]


def test_restart_with_db_loses_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "orders.sqlite")
    env = {API_KEYS_ENV: "env-key-1,env-key-2"}
    headers = {"Impilo-API-Key": "env-key-2"}

    with running_cli("--db", db, env=env) as (base_url, process):
        with httpx.Client(base_url=base_url, headers=headers) as http:
            assert http.get(ORDERS, headers={"Impilo-API-Key": DEFAULT_API_KEY}).status_code == 401
            created = [http.post(ORDERS, json=site_order(externalOrderIds=[f"keep-{i}"])).json() for i in range(5)]
            assert http.delete(f"{ORDERS}/{created[0]['id']}").status_code == 204
            before = http.get(ORDERS).json()
        process.send_signal(signal.SIGTERM)  # a clean stop, as Ctrl-C or a service manager would
        # uvicorn shuts down gracefully, then re-raises the signal: the exit status says SIGTERM.
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)
        assert process.stderr is not None
        log = process.stderr.read()
        assert "Finished server process" in log
        assert "env-key" not in log, "the key must not be logged"

    with running_cli("--db", db, env=env) as (base_url, process):
        with httpx.Client(base_url=base_url, headers=headers) as http:
            after = http.get(ORDERS)
            check_against_spec(after)
            assert after.json() == before
            assert http.get(ORDERS, params={"externalOrderId": "keep-3"}).json()["content"] == [created[3]]
            newer = http.post(ORDERS, json=site_order()).json()
            assert newer["id"] > max(order["id"] for order in created), "ids are never reused"
            expected = http.get(ORDERS).json()
        process.kill()  # a crash: committed orders must survive it too
        process.wait(timeout=60)

    with running_cli("--db", db, env=env) as (base_url, _):
        assert httpx.get(base_url + ORDERS, headers=headers).json() == expected


@pytest.mark.parametrize("args", [["--tick", "0"], ["--port", "nope"]])
def test_bad_arguments_exit_2(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "impilo_mock.cli", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2


def test_a_seed_file_drives_the_catalog(tmp_path: Path) -> None:
    seed = tmp_path / "team.json"
    seed.write_text(json.dumps({"patients": [{"id": 4321, "firstName": "Team", "lastName": "Fixture"}]}))
    with running_cli("--seed-file", str(seed)) as (base_url, _):
        headers = {"Impilo-API-Key": DEFAULT_API_KEY}
        patient = httpx.get(f"{base_url}/api/v3/patient/4321", headers=headers)
        check_against_spec(patient)
        assert patient.json()["firstName"] == "Team"
        order = httpx.post(
            base_url + ORDERS, json={"patient": {"id": 4321}, "orderItems": [{"item": {"id": 1000}}]}, headers=headers
        )
        assert order.status_code == 201


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('{"patients": [{"id": -1}]}', "patients[0] needs an id"),
        ("[1, 2", "is not JSON"),
        (None, "cannot read"),
    ],
)
def test_a_bad_seed_file_is_exit_2_with_one_line_naming_the_problem(
    tmp_path: Path, content: str | None, named: str
) -> None:
    seed = tmp_path / "bad.json"
    if content is not None:
        seed.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "impilo_mock.cli", "--port", "0", "--seed-file", str(seed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and str(seed) in lines[0], result.stderr


def test_pytest_plugin_imports_nothing_heavy() -> None:
    """The plugin loads into every pytest run here; it must not drag in the server stack."""
    code = (
        "import sys, impilo_mock.pytest_plugin\n"
        "heavy = [m for m in ('starlette', 'uvicorn', 'jsonschema', 'sqlite3', 'httpx') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
