"""Custom Schemathesis checks and hooks of the suite.

Schemathesis keeps checks and `before_call`/`after_call` hooks in process-wide registries, so they
are registered once, here, at import. They act only while a run is active (`activate`), so a user's
own Schemathesis tests in the same process are left alone.

`use_after_void` stands in for the built-in `use_after_free`, which is disabled in our config: the
spec says a voided order is KEPT (status `voided`, fetch still 200), while `use_after_free`
demands a 404 after a successful DELETE and would flag every correct server. `use_after_void` runs
in the same place with the expectation the spec gives: after a successful void, a fetch of the
same order answers 200 with `currentStatus: voided`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, HookContext, Response

from ._echo import echo_mismatches

CREATE_LABEL = "POST /api/v3/order"
FETCH_LABEL = "GET /api/v3/order/{orderId}"
VOID_LABEL = "DELETE /api/v3/order/{orderId}"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The built-in check that `use_after_void` replaces, and why; the summary prints this.
REPLACED_CHECKS = {
    "use_after_free": "use_after_void (the spec keeps a voided order: fetch answers 200 with status `voided`, not 404)",
}


class WriteRefused(RuntimeError):
    """The suite refused to send a write: writes are off, or the cap for this run is reached."""


@dataclass(slots=True)
class ActiveRun:
    allow_writes: bool
    write_cap: int | None
    write_tag: str
    writes: int = 0
    refused_writes: int = 0
    created: list[int] = field(default_factory=list)
    # (check, case id) of every case a custom check really judged; its no-op passes are not counted.
    judged: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


_active: ActiveRun | None = None


@contextmanager
def activate(run: ActiveRun) -> Iterator[ActiveRun]:
    global _active
    _active = run
    try:
        yield run
    finally:
        _active = None


def tag_body(body: Any, tag: str) -> None:
    """Add the run's tag to externalOrderIds so the order can be found later (bodies of other shapes are left alone)."""
    if not isinstance(body, dict):
        return
    ids = body.get("externalOrderIds")
    if ids is None:
        body["externalOrderIds"] = [tag]
    elif isinstance(ids, list) and tag not in ids:
        ids.append(tag)


def take_write(run: ActiveRun) -> None:
    """Count one write against the run's cap; raise WriteRefused if writes are off or the cap is reached."""
    with run.lock:
        if not run.allow_writes or (run.write_cap is not None and run.writes >= run.write_cap):
            run.refused_writes += 1
            why = "writes are off (--allow-writes)" if not run.allow_writes else f"cap of {run.write_cap} reached"
            raise WriteRefused(f"write not sent: {why}")
        run.writes += 1


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    run = _active
    if run is None or case.method.upper() not in WRITE_METHODS:
        return
    take_write(run)
    if case.method.upper() == "POST":
        tag_body(case.body, run.write_tag)


@schemathesis.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    run = _active
    if run is None or case.method.upper() != "POST" or not 200 <= response.status_code < 300:
        return
    order_id = _json(response)
    if isinstance(order_id, dict) and isinstance(order_id.get("id"), int):
        with run.lock:
            run.created.append(order_id["id"])


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


@schemathesis.check
def created_order_echoes_request(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A 2xx create answers with an order carrying the patient or site, items, kits, counts and ids sent."""
    if _active is None or case.operation.label != CREATE_LABEL or not 200 <= response.status_code < 300:
        return None
    if not isinstance(case.body, dict):
        return None
    _judged("created_order_echoes_request", case)
    problems = echo_mismatches(case.body, _json(response))
    if problems:
        raise AssertionError("The created order does not echo the request: " + "; ".join(problems))
    return None


def _judged(check: str, case: Case[Any]) -> None:
    run = _active
    if run is not None:
        with run.lock:
            run.judged.add((check, case.id))


def _order_id(case: Case[Any]) -> Any:
    return (case.path_parameters or {}).get("orderId")


@schemathesis.check
def use_after_void(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """After a successful void, fetching the order gives 200 with `currentStatus: voided` (the spec keeps it)."""
    if _active is None or case.operation.label != FETCH_LABEL:
        return None
    order_id = _order_id(case)
    for related in ctx.internals.find_related(case_id=case.id):
        if related.id == case.id or related.operation.label != VOID_LABEL or _order_id(related) != order_id:
            continue
        voided = ctx.internals.find_response(case_id=related.id)
        if voided is None or not 200 <= voided.status_code < 300:
            continue
        _judged("use_after_void", case)
        if response.status_code == 404:
            raise AssertionError(
                f"Order {order_id} was voided (DELETE answered {voided.status_code}) and now fetches as 404; "
                "the spec says a voided order is kept with status `voided`"
            )
        if response.status_code == 200:
            status = (_json(response) or {}).get("currentStatus") if isinstance(_json(response), dict) else None
            if status != "voided":
                raise AssertionError(
                    f"Order {order_id} was voided but fetches with currentStatus {status!r}, not 'voided'"
                )
    return None


CUSTOM_CHECKS = ("created_order_echoes_request", "use_after_void")
