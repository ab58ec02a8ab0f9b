"""The dialect report: for every choice the docs leave open, which one this server made.

The choices come from the rule table's open cases (`rule_cases.QUESTIONS`), from the rules the
contract view applies and the docs view does not (pages from 1, page sizes, positive ids), from
what the run saw (the create status, the error body's shape, voiding a voided order) and from a
few probes sent for the purpose. Nothing here fails a run, except the one probe the docs do
decide: an order for a patient that does not exist is refused.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from impilo_spec import example_value
from impilo_spec.rule_cases import CASES, QUESTIONS

from ._checks import CREATE_ORDER, FETCH_ORDER, ORDER_PATH, tag_body
from ._context import Context, Outcome
from ._results import DialectChoice
from ._spec import label_of

# An id no server has: far beyond any real sequence, well inside int64 and JavaScript's safe integers.
UNKNOWN_ID = 9_007_199_254_740_000
UNKNOWN_ID_CHECK = "unknown_patient_refused"
LIST_ORDERS = label_of("listOrders")
LIST_ITEMS = label_of("listItems")
# Probes of the open paging rules: (key, question, operation, query).
PAGE_PROBES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    (
        "page-zero",
        "page 0 (FACTS: pages are numbered from 1): refused, or read as some page",
        LIST_ORDERS,
        {"page": 0, "size": 1},
    ),
    (
        "orders-page-size-over",
        "an order page size over 250 (FACTS: at most 250): refused, or clamped",
        LIST_ORDERS,
        {"page": 1, "size": 251},
    ),
    (
        "items-page-size-over",
        "an item page size over 100 (FACTS: at most 100): refused, or clamped",
        LIST_ITEMS,
        {"page": 1, "size": 101},
    ),
    (
        "page-size-zero",
        "a page size of 0 (assumption: at least 1): refused, or read as some size",
        LIST_ORDERS,
        {"page": 1, "size": 0},
    ),
)
# Where the dialect report answers each rule the project applies and the docs leave open
# (`_spec.open_rules()`: in the contract view, not the docs view).
OPEN_RULE_ANSWERS: dict[str, tuple[str, ...]] = {
    "positive-id": ("non-positive-id", "path-id-zero"),
    "positive-count": ("non-positive-count",),
    "page-from-one": ("page-zero",),
    "page-size": ("orders-page-size-over", "items-page-size-over", "page-size-zero"),
    "header-value": ("secret-header-value",),
    "note-has-text": ("note-without-text",),
}
CREATE_SECRET = label_of("createWebhookSecret")
UPDATE_SECRET = label_of("updateWebhookSecret")
# A secret no HTTP header carries verbatim (blanks at both ends): the header-value rule's probe.
BLANK_ENDED_SECRET = " impilo contract probe secret "
CREATE_STATUS_QUESTIONS = (
    ("createOrder", "create-status", "createOrder's success status: 201 'Created' (seeds/004) or 200 (FACTS)"),
    ("createWebhook", "webhook-create-status", "createWebhook's success status: 201 or 200 (FACTS do not say)"),
    (
        "createWebhookSecret",
        "webhook-secret-create-status",
        "createWebhookSecret's success status: 201 or 200 (FACTS do not say)",
    ),
)


def probe(ctx: Context) -> None:
    """Send the probes: an unknown patient (judged), page bounds and a non-positive path id (recorded)."""
    if ctx.plan.writes:
        body = ctx.known.remap(example_value("CreatePatientOrderRequest"))
        body["patient"] = {"id": UNKNOWN_ID}
        tag_body(body, ctx.plan.write_tag)
        answer = ctx.request("POST", ORDER_PATH, operation=CREATE_ORDER, body=body)
        ctx.outcomes.append(Outcome("unknown-id", f"patient {UNKNOWN_ID}", answer.status, answer.body, body))
        if 400 <= answer.status < 500:
            ctx.passed(CREATE_ORDER, UNKNOWN_ID_CHECK)
        else:
            ctx.failed(
                CREATE_ORDER,
                UNKNOWN_ID_CHECK,
                f"An order for a patient that does not exist answered {answer.status}",
                f"seeds/004: an order goes to an existing patient or site; patient {UNKNOWN_ID} "
                f"got HTTP {answer.status}: {answer.text}",
                answer.curl,
            )
    for key, _, operation, params in PAGE_PROBES:
        if operation not in ctx.result.operations_tested:
            continue
        path = operation.split(" ", 1)[1]
        answer = ctx.request("GET", path, operation=operation, params=params)
        ctx.outcomes.append(Outcome(key, json.dumps(params), answer.status, answer.body, params))
    if CREATE_SECRET in ctx.result.operations_tested:
        # Sets the account's secret: only where account-wide writes go (never a live server).
        path = CREATE_SECRET.split(" ", 1)[1]
        answer = ctx.request("POST", path, operation=CREATE_SECRET, body={"secret": BLANK_ENDED_SECRET})
        if answer.status == 409:  # one is set already: change it
            answer = ctx.request("PATCH", path, operation=UPDATE_SECRET, body={"secret": BLANK_ENDED_SECRET})
        ctx.outcomes.append(
            Outcome("secret-header-value", "a secret with blanks at both ends", answer.status, answer.body)
        )
    if FETCH_ORDER in ctx.result.operations_tested:
        answer = ctx.request("GET", f"{ORDER_PATH}/0", operation=FETCH_ORDER)
        ctx.outcomes.append(Outcome("path-id-zero", "GET order 0", answer.status, answer.body))
        answer = ctx.request("GET", f"{ORDER_PATH}/{UNKNOWN_ID}", operation=FETCH_ORDER)
        ctx.outcomes.append(Outcome("unknown-order", f"GET order {UNKNOWN_ID}", answer.status, answer.body))


def _verdict(status: int) -> str:
    if 200 <= status < 300:
        return f"accepted ({status})"
    return f"refused ({status})"


def _summary(outcomes: list[Outcome], detail: Any = None) -> str:
    """One phrase for several outcomes of one question: all the same, or mixed."""
    verdicts = Counter(_verdict(o.status).split(" ")[0] for o in outcomes)
    codes = sorted({o.status for o in outcomes})
    if len(verdicts) == 1:
        word = next(iter(verdicts))
        return f"{word} ({', '.join(map(str, codes))})" + (f"; {detail}" if detail else "")
    return "mixed: " + ", ".join(f"{o.name} {_verdict(o.status)}" for o in outcomes)


def _stored(body: Any, path: str | None) -> Any:
    """The value at a `$.a[0].b` path of a response body, or a marker when absent."""
    if path is None:
        return None
    node: Any = body
    for part in path.lstrip("$").replace("[", ".").replace("]", "").split("."):
        if not part:
            continue
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return "(absent)"
    return node


def _case_evidence(outcome: Outcome) -> str:
    case = next((c for c in CASES if c.name == outcome.name), None)
    text = f"{outcome.name}: {_verdict(outcome.status)}"
    if case is not None and 200 <= outcome.status < 300:
        where = case.path
        if case.question == "line-without-count":
            where = "$.orderItems[0].count" if "orderItems" in (outcome.sent or {}) else "$.orderKits[0].count"
        if where is not None:
            text += f", stored {where} = {json.dumps(_stored(outcome.body, where))}"
    return text


def _line_counts(outcomes: list[Outcome]) -> str | None:
    stored = sorted(
        {
            json.dumps(
                _stored(o.body, "$.orderItems[0].count" if "orderItems" in (o.sent or {}) else "$.orderKits[0].count")
            )
            for o in outcomes
            if 200 <= o.status < 300
        }
    )
    return f"count stored as {', '.join(stored)}" if stored else None


def _page_answer(outcome: Outcome) -> str:
    if not 200 <= outcome.status < 300:
        return f"refused ({outcome.status})"
    body = outcome.body if isinstance(outcome.body, dict) else {}
    content = body.get("content")
    held = len(content) if isinstance(content, list) else "?"
    return f"read ({outcome.status}): the page says page {body.get('page')}, size {body.get('size')}, and holds {held}"


def _error_shape(ctx: Context) -> DialectChoice:
    question = "the error body's shape (the docs document none; the spec's Error is this project's assumption)"
    shapes = ctx.observer.error_shapes
    known = set(ctx.contract["components"]["schemas"]["Error"]["properties"])
    if not shapes:
        return DialectChoice("error-shape", question, "no error body seen")
    seen = "; ".join(f"{', '.join(keys)} ({count}x)" for keys, count in shapes.most_common())
    fits = all(set(keys) <= known for keys in shapes)
    answer = f"the spec's Error fields: {seen}" if fits else f"its own shape: {seen}"
    return DialectChoice("error-shape", question, answer)


def _unasked(ctx: Context, needs_writes: bool, invariant: str) -> str:
    if needs_writes and not ctx.plan.writes:
        return "not asked (read-only run; --allow-writes asks it)"
    if ctx.plan.settings.invariants is not None and invariant not in ctx.plan.settings.invariants:
        return f"not asked (--invariants left out {invariant})"
    return "not asked"


def compile_dialect(ctx: Context) -> None:
    """Every open choice, answered from what the run saw; questions the run never asked say so."""
    by_key: dict[str, list[Outcome]] = {}
    for outcome in ctx.outcomes:
        by_key.setdefault(outcome.key, []).append(outcome)
    for operation_id, key, question in CREATE_STATUS_QUESTIONS:
        label = label_of(operation_id)
        if label not in ctx.result.operations_tested:
            continue
        codes = ctx.observer.successes.get(label, Counter())
        if codes:
            answer = " and ".join(f"{code} ({count}x)" for code, count in sorted(codes.items()))
        else:
            answer = "no create succeeded"
        ctx.result.choose(DialectChoice(key, question, answer))
    unknown = by_key.get("unknown-id", [])
    ctx.result.choose(
        DialectChoice(
            "unknown-id",
            "an order naming an id the server does not have: 404 or 422 (the docs document neither)",
            _verdict(unknown[0].status) if unknown else _unasked(ctx, True, "dialect"),
            tuple(f"{o.name}: {_verdict(o.status)}" for o in unknown),
        )
    )
    for question, text in QUESTIONS.items():
        outcomes = by_key.get(f"rule:{question}", [])
        if not outcomes:
            answer = _unasked(ctx, True, "rule_table")
        else:
            answer = _summary(outcomes, _line_counts(outcomes) if question == "line-without-count" else None)
        ctx.result.choose(DialectChoice(question, text, answer, tuple(_case_evidence(o) for o in outcomes)))
    voided = by_key.get("void-voided", [])
    ctx.result.choose(
        DialectChoice(
            "void-voided",
            "voiding an order that is already voided: 204 (done, nothing changes) or 409 (conflict)",
            _verdict(voided[0].status).replace("accepted", "done") if voided else _unasked(ctx, True, "void"),
        )
    )
    for key, question, _, _ in PAGE_PROBES:
        found = by_key.get(key, [])
        ctx.result.choose(
            DialectChoice(key, question, _page_answer(found[0]) if found else _unasked(ctx, False, "dialect"))
        )
    secret = by_key.get("secret-header-value", [])
    ctx.result.choose(
        DialectChoice(
            "secret-header-value",
            "a webhook secret a header cannot carry verbatim (blanks at both ends; assumption): refused or taken",
            _verdict(secret[0].status) if secret else "not asked (no account-wide writes: read-only or a live server)",
        )
    )
    unknown_order = by_key.get("unknown-order", [])
    ctx.result.choose(
        DialectChoice(
            "unknown-order",
            "a fetch of an order that does not exist: which refusal (the spec documents 400 and 404)",
            (f"answered {unknown_order[0].status}" if unknown_order else _unasked(ctx, False, "dialect")),
        )
    )
    zero = by_key.get("path-id-zero", [])
    ctx.result.choose(
        DialectChoice(
            "path-id-zero",
            "a record id of 0 in the path (assumption: ids are positive): which refusal",
            (f"answered {zero[0].status}" if zero else _unasked(ctx, False, "dialect")),
        )
    )
    ctx.result.choose(_error_shape(ctx))
