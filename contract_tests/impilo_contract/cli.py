"""`impilo-contract`: check any Impilo Orders API server against the contract view of the spec.

Exit codes: 0 conformant, 1 violations found, 2 usage or connection error (with a one-line reason).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._known_ids import parse_ids
from ._report import SecretLeak
from ._results import EXIT_USAGE
from ._runner import UsageError, run_suite
from ._settings import DEFAULT_API_KEY_ENV, PROFILES, Settings

DEFAULT_REPORT_DIR = Path("reports/contract")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 too; keep its message to one line.
        print(f"impilo-contract: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="impilo-contract", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="server to check (default: $IMPILO_BASE_URL, else the embedded mock)")
    parser.add_argument(
        "--api-key-env",
        default=DEFAULT_API_KEY_ENV,
        metavar="VAR",
        help="environment variable holding the API key (default: %(default)s)",
    )
    parser.add_argument(
        "--allow-writes", action="store_true", help="send creates and voids to a non-loopback server (capped, tagged)"
    )
    parser.add_argument("--read-only", action="store_true", help="no creates or voids, even on a loopback server")
    parser.add_argument(
        "--max-writes",
        type=int,
        metavar="N",
        help="cap on creates+voids of the run (default: by profile off loopback, none on it)",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help="Hypothesis examples per operation and phase (default: by profile)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=DEFAULT_REPORT_DIR,
        metavar="DIR",
        help="where the JUnit XML and Markdown reports go (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, metavar="S", help="seed for a reproducible run (default: random, printed)")
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), default="small", help="Hypothesis budget: small (CI) or large (nightly)"
    )
    parser.add_argument(
        "--ids",
        action="append",
        default=[],
        metavar="KIND=ID,...",
        help="ids that exist on the target (patients, sites, items, kits, orders), e.g. --ids patients=55,56",
    )
    parser.add_argument(
        "--fail-on-drift", action="store_true", help="spec drift fails the run (always on for the embedded mock)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines, summary only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.allow_writes and args.read_only:
        print("impilo-contract: error: --allow-writes and --read-only contradict each other", file=sys.stderr)
        return EXIT_USAGE
    if args.max_writes is not None and args.max_writes < 1:
        print("impilo-contract: error: --max-writes must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.max_examples is not None and args.max_examples < 1:
        print("impilo-contract: error: --max-examples must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    known_ids: dict[str, list[int]] = {}
    for text in args.ids:
        try:
            kind, ids = parse_ids(text)
        except ValueError as exc:
            print(f"impilo-contract: error: --ids: {exc}", file=sys.stderr)
            return EXIT_USAGE
        known_ids.setdefault(kind, []).extend(ids)
    settings = Settings(
        known_ids=known_ids,
        base_url=args.base_url,
        api_key_env=args.api_key_env,
        allow_writes=args.allow_writes,
        read_only=args.read_only,
        max_writes=args.max_writes,
        max_examples=args.max_examples,
        seed=args.seed,
        profile=args.profile,
        report_dir=args.report,
        fail_on_drift=args.fail_on_drift,
        # --quiet drops the progress lines (below); the summary is always printed.
        quiet=False,
    )
    try:
        result = run_suite(settings, progress=(lambda line: None) if args.quiet else None)
    except (UsageError, SecretLeak) as exc:
        print(f"impilo-contract: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("impilo-contract: interrupted", file=sys.stderr)
        return EXIT_USAGE
    print(f"impilo-contract: {result.verdict()}", file=sys.stderr)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
