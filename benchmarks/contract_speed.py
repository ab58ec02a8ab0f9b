"""Contract suite speed: test cases per second through `impilo-contract` against bare `schemathesis run`.

Both run as a user would start them (a process each, wall-clock time), against a fresh mock server
each time, with the same settings: every phase, every check, the same seed, the same examples per
operation and phase. Runs alternate between the two. Bare Schemathesis reads the contract view; the
suite runs its two passes (positive data from the accept view, negative from the docs view) and does
more per case (custom checks, known ids, the rule table, the dialect probes, pagination on every
list, echo and webhook invariants), which is what the ratio prices. Also timed: `impilo-contract`
with no arguments (embedded mock, CI profile), which is what `make contract` runs.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from impilo_spec import API_KEY_ENV

from ._report import Goal, Section
from ._servers import DEV_KEY, KEY_HEADER, python_server, serve

PHASES = "examples,coverage,fuzzing,stateful"
SEED = 1
_SUITE_CASES = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) \S+\s+(\d+)\s+\d+\s+\S*x\d+", re.MULTILINE)
_BARE_CASES = re.compile(r"^\s*(\d+) generated", re.MULTILINE)


def suite_cases(output: str) -> int:
    """Test cases in an `impilo-contract` summary (its per-operation `cases` column, summed)."""
    found = [int(n) for n in _SUITE_CASES.findall(output)]
    if not found:
        raise ValueError(f"no per-operation case counts in impilo-contract output: {output[-300:]!r}")
    return sum(found)


def bare_cases(output: str) -> int:
    """Test cases in a `schemathesis run` summary ("N generated, ...")."""
    found = _BARE_CASES.search(output)
    if found is None:
        raise ValueError(f"no test case count in schemathesis output: {output[-300:]!r}")
    return int(found.group(1))


def _bin(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def _timed(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, str, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    return time.perf_counter() - start, proc.stdout + proc.stderr, proc.returncode


def _one_round(contract: str, schemathesis: str, examples: int, report_dir: str) -> tuple[float, float]:
    """(suite cases/s, bare cases/s), each against a fresh mock."""
    spec = str(files("impilo_spec_data") / "contract.json")
    env = {**os.environ, API_KEY_ENV: DEV_KEY}
    rates: list[float] = []
    for which in ("suite", "bare"):
        cmd, port = python_server("mock")
        with serve(cmd, port) as base_url:
            if which == "suite":
                run = [contract, "--base-url", base_url, "--max-examples", str(examples), "--seed", str(SEED)]
                run += ["--report", report_dir]
            else:
                run = [schemathesis, "run", spec, "--url", base_url, "-H", f"{KEY_HEADER}: {DEV_KEY}"]
                run += ["--max-examples", str(examples), "--seed", str(SEED), "--phases", PHASES, "-c", "all"]
                run += ["--no-color"]
            seconds, output, code = _timed(run, env, timeout=900)
            if which == "suite" and code != 0:
                raise RuntimeError(f"impilo-contract exited {code} against the mock: {output[-500:]}")
            cases = suite_cases(output) if which == "suite" else bare_cases(output)
            rates.append(cases / seconds)
    return rates[0], rates[1]


def run(*, smoke: bool) -> Section:
    section = Section(title="Contract suite speed", columns=["run", "median", "note"])
    contract, schemathesis = _bin("impilo-contract"), _bin("schemathesis")
    if contract is None or schemathesis is None:
        missing = "impilo-contract" if contract is None else "schemathesis"
        section.notes.append(f"{missing} is not installed: contract suite speed is pending.")
        section.goals.append(Goal("suite ≥ 0.8x bare schemathesis, examples/s", "nothing", None))
        return section
    examples, rounds = (2, 1) if smoke else (25, 3)
    suite_rates: list[float] = []
    bare_rates: list[float] = []
    with tempfile.TemporaryDirectory(prefix="impilo-bench-contract-") as report_dir:
        for _ in range(rounds):
            suite_rate, bare_rate = _one_round(contract, schemathesis, examples, report_dir)
            suite_rates.append(suite_rate)
            bare_rates.append(bare_rate)
        end_to_end, code = 0.0, 0
        if not smoke:  # the same path as above, and the slowest part of a smoke run
            end_to_end, _, code = _timed([contract, "--quiet", "--report", report_dir], dict(os.environ), timeout=900)
    suite, bare = statistics.median(suite_rates), statistics.median(bare_rates)
    section.rows += [
        ["impilo-contract --base-url MOCK", f"{suite:,.1f} cases/s", f"{examples} examples per operation and phase"],
        ["schemathesis run (bare, same settings)", f"{bare:,.1f} cases/s", f"phases {PHASES}, checks all, seed {SEED}"],
    ]
    if not smoke:
        section.rows.append(
            ["`impilo-contract` with no arguments (= make contract)", f"{end_to_end:.1f} s", f"exit {code}"]
        )
    section.goals.append(Goal("suite ≥ 0.8x bare schemathesis, cases/s", f"{suite / bare:.2f}x", suite >= 0.8 * bare))
    if not smoke:
        section.goals.append(Goal("make contract under 120 s", f"{end_to_end:.0f} s", end_to_end < 120 and code == 0))
    else:
        section.notes.append("Smoke: `make contract` end to end is timed only in the full run.")
    section.notes.append(
        f"{rounds} round(s); wall-clock time per process, which includes start-up (imports, spec loading)."
    )
    return section
