"""The order checks Schemathesis lacks: the docs' example orders echo what was sent and fetch back
as created; a voided order is kept; a record on a list page is the record its fetch answers."""

from __future__ import annotations

from typing import Any

from ._checks import CREATE_ORDER, FETCH_ORDER, ORDER_PATH, VOID_ORDER, tag_body
from ._context import Context, Outcome
from ._echo import echo_mismatches
from ._jsondiff import differences, not_contained
from ._spec import label_of, request_examples

# Up to this many entries of each list's first page are fetched and compared.
MAX_FETCH_COMPARED = 10
# Each list, and the fetch of one of its entries by id.
LIST_AND_FETCH = (
    ("listOrders", "fetchOrder"),
    ("listItems", "fetchItem"),
    ("listKits", "fetchKit"),
    ("listSites", "fetchSite"),
    ("listPatients", "fetchPatient"),
    ("listWebhooks", "fetchWebhook"),
)


def writable_fields(ctx: Context) -> list[str]:
    """The Order fields a client writes (the create request's), plus the id: a fetch must give them back.

    The rest (status, events, tracking, devices) is the server's to change at any time.
    """
    return ["id", *ctx.contract["components"]["schemas"]["OrderCreateRequest"]["properties"]]


def _pick(order: Any, names: list[str]) -> Any:
    return {name: order.get(name) for name in names} if isinstance(order, dict) else order


def check_echo(ctx: Context) -> None:
    """Orders created from the docs' examples echo what was sent, and fetch back as created."""
    for example in request_examples(ctx.contract):
        body = ctx.known.remap(example)
        tag_body(body, ctx.plan.write_tag)
        created = ctx.request("POST", ORDER_PATH, operation=CREATE_ORDER, body=body)
        if not created.ok:
            ctx.failed(
                CREATE_ORDER,
                "created_order_echoes_request",
                "The docs' example order was refused",
                f"HTTP {created.status}: {created.text}",
                created.curl,
            )
            continue
        problems = echo_mismatches(body, created.body)
        if problems:
            ctx.failed(
                CREATE_ORDER,
                "created_order_echoes_request",
                "The created order does not echo the request",
                "; ".join(problems),
                created.curl,
            )
        else:
            ctx.passed(CREATE_ORDER, "created_order_echoes_request")
        order_id = created.body.get("id") if isinstance(created.body, dict) else None
        fetched = ctx.request("GET", f"{ORDER_PATH}/{order_id}", operation=FETCH_ORDER)
        steps = created.curl + "\n" + fetched.curl
        if fetched.status != 200:
            ctx.failed(
                FETCH_ORDER,
                "created_order_fetchable",
                "A created order cannot be fetched",
                f"POST answered {created.status} with id {order_id}; GET answered {fetched.status}: {fetched.text}",
                steps,
            )
            continue
        fields = writable_fields(ctx)
        diffs = differences(_pick(created.body, fields), _pick(fetched.body, fields))
        if diffs:
            ctx.failed(
                FETCH_ORDER,
                "created_order_fetchable",
                "A created order fetches differently from the create answer",
                f"order {order_id}, create answer != fetch: " + "; ".join(diffs),
                steps,
            )
        else:
            ctx.passed(FETCH_ORDER, "created_order_fetchable")


def check_void(ctx: Context) -> None:
    """A voided order is kept: fetch answers 200 with status `voided`. Voiding it again is open (204 or 409)."""
    examples = request_examples(ctx.contract)
    if not examples:
        return
    body = ctx.known.remap(examples[0])
    tag_body(body, ctx.plan.write_tag)
    created = ctx.request("POST", ORDER_PATH, operation=CREATE_ORDER, body=body)
    order_id = created.body.get("id") if isinstance(created.body, dict) else None
    if not created.ok or not isinstance(order_id, int):
        ctx.failed(
            CREATE_ORDER,
            "use_after_void",
            "No order to void: the docs' example order was refused",
            f"HTTP {created.status}: {created.text}",
            created.curl,
        )
        return
    path = f"{ORDER_PATH}/{order_id}"
    ids = {"orderId": order_id}
    voided = ctx.request("DELETE", path, operation=VOID_ORDER, path_parameters=ids)
    if voided.status != 204:
        ctx.failed(
            VOID_ORDER,
            "use_after_void",
            "A fresh order could not be voided",
            f"DELETE answered {voided.status} (FACTS: 204): {voided.text}",
            created.curl + "\n" + voided.curl,
        )
        return
    fetched = ctx.request("GET", path, operation=FETCH_ORDER)
    status = fetched.body.get("currentStatus") if isinstance(fetched.body, dict) else None
    again = ctx.request("DELETE", path, operation=VOID_ORDER, path_parameters=ids)
    ctx.outcomes.append(Outcome("void-voided", f"void order {order_id} again", again.status, again.body))
    steps = "\n".join(answer.curl for answer in (created, voided, fetched, again))
    if fetched.status != 200 or status != "voided":
        ctx.failed(
            FETCH_ORDER,
            "use_after_void",
            "A voided order is not kept as voided",
            f"after the void, fetch answered {fetched.status} with currentStatus {status!r}: {fetched.text}",
            steps,
        )
    elif not 200 <= again.status < 300 and again.status != 409:
        ctx.failed(
            VOID_ORDER,
            "use_after_void",
            "Voiding a voided order is neither done nor a conflict",
            f"the second DELETE answered {again.status}, not 204 or 409: {again.text}",
            steps,
        )
    else:
        ctx.passed(FETCH_ORDER, "use_after_void")


def check_fetch_matches_list(ctx: Context) -> None:
    """Each record on a list's first page fetches by id as the same record (a list entry may leave fields out)."""
    for list_id, fetch_id in LIST_AND_FETCH:
        list_label, fetch_label = label_of(list_id), label_of(fetch_id)
        if list_label not in ctx.result.operations_tested:
            continue
        list_path = list_label.split(" ", 1)[1]
        fetch_path = fetch_label.split(" ", 1)[1].split("{", 1)[0]
        listed = ctx.request("GET", list_path, operation=list_label, params={"page": 1, "size": MAX_FETCH_COMPARED})
        content = listed.body.get("content") if isinstance(listed.body, dict) else None
        for entry in (content if isinstance(content, list) else [])[:MAX_FETCH_COMPARED]:
            record_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(record_id, int):
                continue
            fetched = ctx.request("GET", f"{fetch_path}{record_id}", operation=fetch_label)
            problems = (
                not_contained(entry, fetched.body)
                if fetched.status == 200
                else [f"fetch answered {fetched.status}: {fetched.text}"]
            )
            if problems:
                ctx.failed(
                    fetch_label,
                    "fetch_matches_list",
                    "A fetched record differs from its entry in the list",
                    f"{record_id}: list entry != fetch: " + "; ".join(problems),
                    listed.curl + "\n" + fetched.curl,
                )
            else:
                ctx.passed(fetch_label, "fetch_matches_list")
