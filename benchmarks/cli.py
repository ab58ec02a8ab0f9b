"""`python -m benchmarks [--smoke] [--only NAME ...] [--output PATH]`."""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from ._report import Section, machine_section, render, write_into

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ["decode", "encode", "overhead", "pagination", "throughput", "contract", "webhooks"]


def _sections(name: str, smoke: bool) -> Callable[[], list[Section]]:
    """The runner of one benchmark at full or smoke size (imports are lazy: each has its own needs)."""

    def run() -> list[Section]:
        if name in ("decode", "encode"):
            from . import decode
            from ._upstream import generate_release_client, generate_upstream_client, unchecked_client

            upstream = generate_upstream_client()
            if name == "decode":
                release = generate_release_client()
                size = {"orders": 5, "repeat": 3} if smoke else {"orders": 100, "repeat": 31}
                return [decode.run_decode(upstream, release, unchecked_client(), **size)]
            return [decode.run_encode(upstream, repeat=3 if smoke else 31)]
        if name == "overhead":
            from . import overhead

            return [overhead.run(repeat=3 if smoke else 31)]
        if name == "pagination":
            from . import pagination

            return pagination.run(smoke=smoke)
        if name == "throughput":
            from . import throughput

            return [throughput.run(smoke=smoke)]
        if name == "contract":
            from . import contract_speed

            return [contract_speed.run(smoke=smoke)]
        if name == "webhooks":
            from . import webhooks

            return webhooks.run(smoke=smoke)
        raise ValueError(name)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, every path once (CI); prints, writes nothing")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument(
        "--output", type=Path, help="file to write the results into (default: BENCHMARKS.md; none for --smoke)"
    )
    args = parser.parse_args(argv)
    output = args.output or (None if args.smoke else ROOT / "BENCHMARKS.md")
    started = time.perf_counter()
    sections: list[Section] = []
    failed = 0
    for name in args.only or BENCHMARKS:
        t0 = time.perf_counter()
        print(f"bench: {name} ...", flush=True)
        try:
            sections += _sections(name, args.smoke)()
        except Exception as exc:  # one broken benchmark must not hide the others' results
            failed += 1
            traceback.print_exc()
            sections.append(Section(title=f"{name}: FAILED", notes=[f"{type(exc).__name__}: {exc}"]))
        print(f"bench: {name} done in {time.perf_counter() - t0:.1f} s", flush=True)
    from .throughput import tool_versions

    results = render(sections, machine_section(tool_versions()), smoke=args.smoke)
    print(results)
    if output is not None:
        write_into(output, results)
        print(f"bench: results written to {output}")
    print(f"bench: {len(sections)} sections in {time.perf_counter() - started:.1f} s, {failed} failed")
    return 1 if failed else 0
