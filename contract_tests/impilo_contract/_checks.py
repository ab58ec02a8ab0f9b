"""Custom Schemathesis checks and hooks of the suite, and the write guard every write passes.

Schemathesis keeps checks and `before_call`/`after_call` hooks in process-wide registries, so they
are registered once, here, at import. They act only while a run is active (`activate`), so a user's
own Schemathesis tests in the same process are left alone.

`use_after_void` stands in for the built-in `use_after_free`, which is disabled in our config: the
spec says a voided order is KEPT (status `voided`, fetch still 200), while `use_after_free`
demands a 404 after a successful DELETE and would flag every correct server.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, HookContext, Response

from impilo_spec import operation

from ._echo import echo_mismatches
from ._spec import label_of

CREATE_ORDER = label_of("createOrder")
FETCH_ORDER = label_of("fetchOrder")
VOID_ORDER = label_of("voidOrder")
CREATE_WEBHOOK = label_of("createWebhook")
UPDATE_WEBHOOK = label_of("updateWebhook")
DELETE_WEBHOOK = label_of("deleteWebhook")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Every URL the suite registers resolves nowhere (`.invalid` is reserved, RFC 2606), except the
# loopback receiver of the webhook check; the accept view draws URLs of this form.
SAFE_WEBHOOK_URL = "https://impilo-contract.invalid/"
_SAFE_URL = re.compile(r"^https://impilo-contract\.invalid/[a-z0-9]{0,16}$")
# Writes that change what the account does beyond this run: never sent to a live server.
#   the webhook secret: every real delivery would carry another one;
#   the test triggers: they send an event to every URL the account registered, the customer's too.
ACCOUNT_WIDE_WRITES = tuple(
    label_of(op)
    for op in (
        "createWebhookSecret",
        "updateWebhookSecret",
        "deleteWebhookSecret",
        "triggerOrderStatusWebhook",
        "triggerOrderStatusFullWebhook",
    )
)
# The path parameter of each write that names a record, and which of the run's records it may name.
OWN_RECORDS = {
    VOID_ORDER: ("orderId", "orders"),
    UPDATE_WEBHOOK: ("webhookId", "webhooks"),
    DELETE_WEBHOOK: ("webhookId", "webhooks"),
}

# The built-in check that `use_after_void` replaces, and why; the summary prints this.
REPLACED_CHECKS = {
    "use_after_free": "use_after_void (the spec keeps a voided order: fetch answers 200 with status `voided`, not 404)",
}


class WriteRefused(RuntimeError):
    """The suite refused to send a write: writes are off, the cap is reached, or it is not the run's own."""


@dataclass(slots=True)
class ActiveRun:
    allow_writes: bool
    write_cap: int | None
    write_tag: str
    # A live server: writes that name a record may only name one this run created.
    own_records_only: bool = False
    writes: int = 0
    refused_writes: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    created: list[int] = field(default_factory=list)
    created_webhooks: list[int] = field(default_factory=list)
    deleted_webhooks: set[int] = field(default_factory=set)
    # True while the accept pass runs (positive data), False in the docs pass.
    positive: bool = True
    # (check, case id) of every case a custom check really judged; its no-op passes are not counted.
    judged: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def owns(self, kind: str, record_id: Any) -> bool:
        with self.lock:
            pool = self.created if kind == "orders" else self.created_webhooks
            return record_id in pool or str(record_id) in {str(i) for i in pool}


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


def safe_webhook_url(body: Any) -> None:
    """A URL about to be registered that could point somewhere real becomes one under `.invalid`."""
    if isinstance(body, dict) and isinstance(body.get("url"), str) and not _SAFE_URL.match(body["url"]):
        body["url"] = SAFE_WEBHOOK_URL + "x"


def _refuse(run: ActiveRun, why: str) -> WriteRefused:
    run.refused_writes += 1
    run.refusals[why] = run.refusals.get(why, 0) + 1
    return WriteRefused(f"write not sent: {why}")


def take_write(run: ActiveRun, label: str = "", path_parameters: dict[str, Any] | None = None) -> None:
    """Count one write against the run's cap; raise WriteRefused if it may not be sent."""
    with run.lock:
        if not run.allow_writes:
            raise _refuse(run, "read-only run (--allow-writes enables writes)")
        if run.own_records_only and label in ACCOUNT_WIDE_WRITES:
            raise _refuse(run, "changes the whole account on a live server")
        if run.write_cap is not None and run.writes >= run.write_cap:
            raise _refuse(run, f"write cap of {run.write_cap} reached")
    if run.own_records_only and label in OWN_RECORDS:
        name, kind = OWN_RECORDS[label]
        if not run.owns(kind, (path_parameters or {}).get(name)):
            with run.lock:
                raise _refuse(run, "names a record this run did not create, on a live server")
    with run.lock:
        run.writes += 1


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    run = _active
    if run is None or case.method.upper() not in WRITE_METHODS:
        return
    label = case.operation.label
    take_write(run, label, case.path_parameters)
    if label == CREATE_ORDER:
        tag_body(case.body, run.write_tag)
    elif label in (CREATE_WEBHOOK, UPDATE_WEBHOOK):
        safe_webhook_url(case.body)


def _integral(value: Any) -> Any:
    """3231388523.0 -> 3231388523, at any depth: JSON Schema counts the float as an integer, but no
    client writes an id or a count that way, and a server may refuse it (an open choice)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


@schemathesis.hook
def map_path_parameters(context: HookContext, path_parameters: dict[str, Any]) -> dict[str, Any]:
    run = _active
    return _integral(path_parameters) if run is not None and run.positive and path_parameters else path_parameters


@schemathesis.hook
def map_query(context: HookContext, query: dict[str, Any]) -> dict[str, Any]:
    run = _active
    return _integral(query) if run is not None and run.positive and query else query


@schemathesis.hook
def map_body(context: HookContext, body: Any) -> Any:
    run = _active
    return _integral(body) if run is not None and run.positive else body


def response_json(content: bytes | None) -> Any:
    try:
        return json.loads(content or b"null")
    except ValueError:
        return None


def record_write(run: ActiveRun, label: str, status: int, body: Any, path_parameters: dict[str, Any] | None) -> None:
    """Remember what a successful write made or removed, so the run can clean up and touch only its own."""
    if not 200 <= status < 300:
        return
    record_id = body.get("id") if isinstance(body, dict) else None
    with run.lock:
        if label == CREATE_ORDER and isinstance(record_id, int):
            run.created.append(record_id)
        elif label == CREATE_WEBHOOK and isinstance(record_id, int):
            run.created_webhooks.append(record_id)
        elif label == DELETE_WEBHOOK:
            webhook_id = (path_parameters or {}).get("webhookId")
            if isinstance(webhook_id, int):
                run.deleted_webhooks.add(webhook_id)


@schemathesis.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    run = _active
    if run is None or case.method.upper() not in WRITE_METHODS:
        return
    record_write(run, case.operation.label, response.status_code, response_json(response.content), case.path_parameters)


@schemathesis.check
def created_order_echoes_request(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A 2xx create answers with an order carrying the patient or site, items, kits, counts and ids sent."""
    if _active is None or case.operation.label != CREATE_ORDER or not 200 <= response.status_code < 300:
        return None
    if not isinstance(case.body, dict):
        return None
    _judged("created_order_echoes_request", case)
    problems = echo_mismatches(case.body, response_json(response.content))
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
    if _active is None or case.operation.label != FETCH_ORDER:
        return None
    order_id = _order_id(case)
    for related in ctx.internals.find_related(case_id=case.id):
        if related.id == case.id or related.operation.label != VOID_ORDER or _order_id(related) != order_id:
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
            body = response_json(response.content)
            status = body.get("currentStatus") if isinstance(body, dict) else None
            if status != "voided":
                raise AssertionError(
                    f"Order {order_id} was voided but fetches with currentStatus {status!r}, not 'voided'"
                )
    return None


CUSTOM_CHECKS = ("created_order_echoes_request", "use_after_void")
# The operation paths the guard knows, for code that builds requests by hand.
ORDER_PATH = operation("createOrder")[1]
