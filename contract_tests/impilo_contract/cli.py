"""`impilo-contract`: check any Impilo v3 API server against the spec, judged only where the docs decide.

The target is `--base-url` (nothing else: the client's IMPILO_BASE_URL is ignored), else the
embedded mock. Exit codes: 0 conformant, 1 violations found, 2 usage or connection error (one line).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from impilo_spec import API_KEY_ENV

from ._engine import stderr_progress
from ._known_ids import parse_ids
from ._plan import UsageError
from ._report import SecretLeak, summary_text
from ._results import EXIT_USAGE
from ._runner import run_suite
from ._settings import DEFAULT_REPORT_DIR, ID_KINDS, INVARIANT_NAMES, PHASES, PROFILES, Settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 too; keep its message to one line.
        print(f"impilo-contract: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _names(allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name for name in text.split(",") if name and name != "none")
        unknown = sorted(set(names) - set(allowed))
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
        return names

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="impilo-contract", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="server to check (default: the embedded mock)")
    parser.add_argument(
        "--api-key-env",
        default=API_KEY_ENV,
        metavar="VAR",
        help="environment variable holding the API key (default: %(default)s)",
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="send writes to a non-loopback server (capped, tagged, own records only)",
    )
    parser.add_argument("--read-only", action="store_true", help="no writes, even on a loopback server")
    parser.add_argument(
        "--max-writes",
        type=int,
        metavar="N",
        help="cap on the run's writes (default: by profile off loopback, none on it)",
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
        help=f"ids that exist on the target ({', '.join(ID_KINDS)}), e.g. --ids patients=55,56; overrides discovery",
    )
    parser.add_argument(
        "--phases",
        type=_names(PHASES),
        default=PHASES,
        metavar="P,...",
        help=f"Schemathesis phases to run (default: {','.join(PHASES)})",
    )
    parser.add_argument(
        "--invariants",
        type=_names(INVARIANT_NAMES),
        default=None,
        metavar="I,...",
        help=f"the suite's own checks to run after Schemathesis (default: all of {','.join(INVARIANT_NAMES)})",
    )
    parser.add_argument(
        "--fail-on-drift", action="store_true", help="spec drift fails the run (always on for the embedded mock)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines, summary only")
    return parser


def settings_from(argv: Sequence[str] | None) -> Settings:
    """Parse the command line into Settings (argparse errors exit 2 with one line)."""
    args = build_parser().parse_args(argv)
    known_ids: dict[str, list[Any]] = {}
    for text in args.ids:
        try:
            kind, ids = parse_ids(text)
        except ValueError as exc:
            raise UsageError(f"--ids: {exc}") from None
        known_ids.setdefault(kind, []).extend(ids)
    return Settings(
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
        known_ids=known_ids,
        phases=args.phases,
        invariants=args.invariants,
        quiet=args.quiet,
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = settings_from(argv)
    except SystemExit as exc:  # argparse: --help (0), or a bad argument it already printed (2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    except UsageError as exc:
        print(f"impilo-contract: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_suite(settings, progress=None if settings.quiet else stderr_progress)
    except (UsageError, SecretLeak) as exc:
        print(f"impilo-contract: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("impilo-contract: interrupted", file=sys.stderr)
        return EXIT_USAGE
    print(summary_text(result), flush=True)
    print(f"impilo-contract: {result.verdict()}", file=sys.stderr)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
