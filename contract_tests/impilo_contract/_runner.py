"""One contract run, in four steps: plan (settings -> Plan), prepare (target, probe, ids, seed
orders), execute (Schemathesis, then the invariants), report (the reports on disk). `run_suite`
returns the result; printing it is the caller's business (the CLI prints `summary_text`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ._checks import ActiveRun, activate
from ._cleanup import delete_webhooks, report_webhooks
from ._context import Context
from ._engine import run_schemathesis, tested_operations
from ._invariants import run_invariants
from ._observe import Observer
from ._plan import Plan, plan
from ._prepare import known_ids, seed_orders
from ._redact import Redactor
from ._report import write_reports
from ._results import SuiteResult
from ._settings import ID_KINDS, Settings
from ._spec import load_contract
from ._target import Target, open_target, probe

Progress = Callable[[str], None]
REQUEST_TIMEOUT = 30.0


def _silent(line: str) -> None:
    pass


def _new_result(the_plan: Plan, target: Target, contract: dict[str, Any], redactor: Redactor) -> SuiteResult:
    return SuiteResult(
        base_url=target.label,
        seed=the_plan.seed,
        run_id=the_plan.run_id,
        profile=the_plan.settings.profile,
        read_only=not the_plan.writes,
        embedded=target.embedded,
        fail_on_drift=the_plan.settings.fail_on_drift or target.embedded,
        rerun=the_plan.rerun(),
        operations_tested=tested_operations(the_plan, contract),
        redact=redactor.text,
        every_operation_sent="fuzzing" in the_plan.settings.phases,
    )


def _execute(the_plan: Plan, target: Target, client: httpx.Client, redactor: Redactor, say: Progress) -> SuiteResult:
    contract = load_contract()
    run = ActiveRun(
        allow_writes=the_plan.writes,
        write_cap=the_plan.write_cap,
        write_tag=the_plan.write_tag,
        own_records_only=the_plan.live,
    )
    # Prepare: everything here is before the run starts, so it fails as a UsageError.
    probe(client, target, the_plan)
    known = known_ids(client, the_plan)
    seeded = seed_orders(client, the_plan, run, known, contract, redactor)
    result = _new_result(the_plan, target, contract, redactor)
    result.known_ids = {kind: list(known.pools[kind]) for kind in ID_KINDS}
    result.id_sources = dict(known.sources)
    if seeded:
        result.id_sources["orders"] = f"the docs' {seeded} example orders, placed by this run on the empty server"
        result.notes.append(f"the server had no orders: placed the docs' {seeded} example orders first")
    mode = (
        "writes on" + (f", capped at {the_plan.write_cap}" if the_plan.write_cap else "")
        if the_plan.writes
        else "read-only"
    )
    say(f"target {target.label}; seed {the_plan.seed}; {mode}")
    say("ids: " + "; ".join(known.describe(kind) for kind in ID_KINDS))
    observer = Observer(result, contract=contract, redactor=redactor)
    ctx = Context(
        plan=the_plan,
        client=client,
        base_url=target.base_url,
        result=result,
        known=known,
        run=run,
        observer=observer,
        redactor=redactor,
        contract=contract,
        advance=target.advance,
        fast_retries=target.fast_retries,
    )
    try:
        run_schemathesis(
            the_plan,
            run,
            base_url=target.base_url,
            api_key=target.api_key,
            known=known,
            result=result,
            observer=observer,
            redactor=redactor,
            progress=say,
        )
        # The fuzzers' webhooks would hear of every order the invariants create: gone first.
        delete_webhooks(ctx)
        with activate(run):
            run_invariants(ctx, the_plan.settings.invariants, say)
    finally:
        report_webhooks(ctx, delete_webhooks(ctx))
    result.orders_created = [order_id for order_id in run.created if isinstance(order_id, int)]
    result.webhooks_created = list(run.created_webhooks)
    for why, count in sorted(run.refusals.items()):
        result.notes.append(f"{count} write(s) not sent: {why}")
    if the_plan.writes and result.orders_created:
        result.notes.append(
            f"{len(result.orders_created)} order(s) created, tagged externalOrderIds `{the_plan.write_tag}`"
        )
    return result


def run_suite(
    settings: Settings,
    *,
    app: Any = None,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> SuiteResult:
    """Run the whole contract suite and return what it found (reports are written if `settings.report_dir`).

    UsageError for anything that keeps the run from starting (bad settings, no key, an unreachable
    target, a server that cannot be seeded). `app`: serve this ASGI app instead of the embedded mock.
    """
    say = progress or _silent
    the_plan = plan(settings, environ)
    started = time.monotonic()
    with open_target(the_plan, app) as target:
        redactor = Redactor(key=target.api_key, key_env=the_plan.key_env)
        headers = {redactor.header: target.api_key}
        with httpx.Client(base_url=target.base_url, headers=headers, timeout=REQUEST_TIMEOUT) as client:
            result = _execute(the_plan, target, client, redactor, say)
        secrets = redactor.secrets()
    result.elapsed = time.monotonic() - started
    if settings.report_dir is not None:
        paths = write_reports(result, settings.report_dir, secrets=secrets)
        result.notes.append("reports: " + ", ".join(str(p) for p in paths))
    return result
