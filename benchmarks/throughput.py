"""Server throughput with wrk on loopback: the mock against Prism and a bare ASGI app (the ceiling).

All three servers run at once, each in its own process, and wrk visits them in turns for each
endpoint and round, so load from neighbours on the shared machine falls on all of them alike.
Reported: the median over rounds of requests/s, and of wrk's 99th-percentile latency.
Missing tools (wrk, Prism) are reported as missing; they never fail the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ._payloads import docs_example
from ._report import Goal, Section
from ._servers import DEV_KEY, KEY_HEADER, PRISM_DIR, create_orders, prism_server, python_server, serve

LUA_CREATE = Path(__file__).resolve().parent / "wrk" / "create_order.lua"
ENDPOINTS = {
    "GET /api/v3/order/{id}": ("GET", "/api/v3/order/1"),
    "GET /api/v3/order (page of 15)": ("GET", "/api/v3/order?page=1&size=15"),
    "POST /api/v3/order (create)": ("POST", "/api/v3/order"),
}
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
PRISM = "Prism 5.16.0 (-v silent)"


@dataclass
class WrkResult:
    requests_per_second: float
    p99_seconds: float
    non_2xx: int


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, the 99% latency and the count of non-2xx/3xx answers from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if rps is None or p99 is None:
        raise ValueError(f"not wrk --latency output: {output[-300:]!r}")
    return WrkResult(float(rps.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)], int(bad.group(1)) if bad else 0)


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def tool_versions() -> dict[str, list[str]]:
    tools: dict[str, list[str]] = {}
    if wrk_binary():
        tools["wrk"] = ["wrk", "--version"]
    prism = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if prism.exists():
        tools["prism"] = [str(prism), "--version"]
    return tools


def run_wrk(url: str, method: str, *, seconds: int, connections: int) -> WrkResult:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"{KEY_HEADER}: {DEV_KEY}"]
    env = dict(os.environ)
    if method == "POST":
        cmd += ["-s", str(LUA_CREATE)]
        env["IMPILO_BENCH_BODY"] = json.dumps(docs_example("CreatePatientOrderRequest"))
    proc = subprocess.run([*cmd, url], capture_output=True, text=True, env=env, timeout=seconds + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-300:]}")
    return parse_wrk(proc.stdout)


def run(*, smoke: bool) -> Section:
    section = Section(
        title="Server throughput on loopback (wrk, 1 thread)",
        columns=["endpoint", "server", "requests/s", "p99 latency", "non-2xx", "÷ Prism", "÷ bare"],
    )
    if wrk_binary() is None:
        section.notes.append("wrk is not installed (`apt-get install -y wrk`): throughput not measured.")
        section.goals.append(
            Goal("mock ≥ 10x Prism and ≥ 25% of bare on GET by id; ≥ 4x and ≥ 25% on create", "nothing", None)
        )
        return section
    seconds, rounds, connections = (1, 1, 4) if smoke else (3, 3, 16)
    servers: dict[str, tuple[list[str], int]] = {
        "impilo_mock": python_server("mock"),
        "bare ASGI": python_server("bare"),
    }
    prism = prism_server()
    if prism is None:
        section.notes.append(
            f"Prism is not installed (`npm install --prefix {PRISM_DIR} @stoplight/prism-cli@5.16.0`): no Prism column."
        )
    else:
        servers[PRISM] = prism
    samples: dict[tuple[str, str], list[WrkResult]] = {}
    with contextlib.ExitStack() as stack:
        urls = {name: stack.enter_context(serve(cmd, port, timeout=60)) for name, (cmd, port) in servers.items()}
        # GET by id needs order 1; a page of 15 needs 15 orders.
        create_orders(urls["impilo_mock"], 15, docs_example("CreatePatientOrderRequest"))
        for url in urls.values():  # warm-up: connections, JIT-less but cache-warm paths
            run_wrk(url + "/api/v3/order/1", "GET", seconds=1, connections=connections)
        for _ in range(rounds):
            for endpoint, (method, path) in ENDPOINTS.items():
                for name, url in urls.items():
                    result = run_wrk(url + path, method, seconds=seconds, connections=connections)
                    samples.setdefault((endpoint, name), []).append(result)
    medians = {
        key: (
            statistics.median(r.requests_per_second for r in results),
            statistics.median(r.p99_seconds for r in results),
            sum(r.non_2xx for r in results),
        )
        for key, results in samples.items()
    }
    for endpoint in ENDPOINTS:
        prism_rps = medians.get((endpoint, PRISM), (0.0, 0.0, 0))[0]
        bare_rps = medians[(endpoint, "bare ASGI")][0]
        for name in servers:
            rps, p99, bad = medians[(endpoint, name)]
            vs_prism = f"{rps / prism_rps:.1f}x" if prism_rps else "-"
            section.rows.append(
                [endpoint, name, f"{rps:,.0f}", f"{p99 * 1e3:.2f} ms", str(bad), vs_prism, f"{rps / bare_rps:.0%}"]
            )
    # (endpoint, times Prism, share of bare): the goals, each measured side by side in this run.
    goals = [("GET /api/v3/order/{id}", 10, 0.25), ("POST /api/v3/order (create)", 4, 0.25)]
    for endpoint, times_prism, share in goals:
        mock_rps = medians[(endpoint, "impilo_mock")][0]
        prism_rps = medians.get((endpoint, PRISM), (0.0, 0.0, 0))[0]
        bare_share = mock_rps / medians[(endpoint, "bare ASGI")][0]
        name = endpoint.split(" (", 1)[0] if "create" not in endpoint else "create"
        if prism_rps:
            section.goals.append(
                Goal(
                    f"mock ≥ {times_prism}x Prism (-v silent) on {name}",
                    f"{mock_rps / prism_rps:.1f}x",
                    mock_rps >= times_prism * prism_rps,
                )
            )
            ceiling = medians[(endpoint, "bare ASGI")][0] / prism_rps
            if ceiling < times_prism:
                section.notes.append(
                    f"On {name}, even the bare ASGI app is only {ceiling:.1f}x Prism (-v silent) in this run: "
                    f"no app on uvicorn here can reach {times_prism}x."
                )
        else:
            section.goals.append(Goal(f"mock ≥ {times_prism}x Prism (-v silent) on {name}", "no Prism", None))
        section.goals.append(
            Goal(f"mock ≥ {share:.0%} of the bare ASGI app on {name}", f"{bare_share:.0%}", bare_share >= share)
        )
    section.notes.append(
        f"{rounds} round(s) of {seconds:g} s per endpoint and server, {connections} connections; medians over rounds. "
        "The bare app answers every request with one fixed full order (no routing, auth or validation), "
        "so its POST row is a ceiling, not a create. Prism is stateless: it answers with the spec's examples; "
        "it runs with -v silent, its fastest setting (no per-request log)."
    )
    return section
