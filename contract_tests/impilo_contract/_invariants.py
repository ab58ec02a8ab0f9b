"""The checks Schemathesis lacks, run against the target after it, in this order (the dialect probes
read what the rule table and the void check saw; the webhook check moves orders on, so it is last)."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._checks import WriteRefused
from ._context import Context, RequestFailed
from ._dialect import compile_dialect, probe
from ._order_checks import check_echo, check_fetch_matches_list, check_void
from ._pagination import check_pagination
from ._results import RunError
from ._rule_table import check_rule_table
from ._settings import INVARIANT_NAMES
from ._webhooks import check_webhooks

# name -> (function, needs writes)
INVARIANTS: dict[str, tuple[Callable[[Context], None], bool]] = {
    "rule_table": (check_rule_table, True),
    "echo": (check_echo, True),
    "void": (check_void, True),
    "dialect": (probe, False),
    "pagination": (check_pagination, False),
    "fetch_matches_list": (check_fetch_matches_list, False),
    "webhooks": (check_webhooks, True),
}
assert tuple(INVARIANTS) == INVARIANT_NAMES


def run_invariants(ctx: Context, names: tuple[str, ...] | None, progress: Callable[[str], None]) -> None:
    for name, (function, needs_writes) in INVARIANTS.items():
        if names is not None and name not in names:
            continue
        if needs_writes and not ctx.plan.writes:
            ctx.note(f"invariant {name} skipped: read-only run (--allow-writes enables it)")
            continue
        started = time.monotonic()
        failures_before = len(ctx.result.failures)
        try:
            function(ctx)
        except WriteRefused as exc:
            ctx.note(f"invariant {name} stopped early: {exc}")
        except RequestFailed as exc:
            ctx.result.add_error(RunError(f"invariant {name}", "No answer", str(exc), exc.reproduce))
        ctx.result.check_seconds[("(invariants)", name)] += time.monotonic() - started
        found = len(ctx.result.failures) - failures_before
        progress(
            f"invariant {name}: {'ok' if not found else f'{found} new failure(s)'} ({time.monotonic() - started:.1f} s)"
        )
    compile_dialect(ctx)
