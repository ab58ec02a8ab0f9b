"""The checks Schemathesis lacks, run against the target after it: the rule table, pagination
walked page by page, a created order echoing its request, and a fetched order equal to its copy in
the list. Each records passes and failures in the same operation x check table.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ._checks import CREATE_LABEL, FETCH_LABEL, VOID_LABEL, ActiveRun, WriteRefused, tag_body, take_write
from ._echo import echo_mismatches
from ._known_ids import KnownIds
from ._redact import KEY_PLACEHOLDER
from ._results import Failure, SuiteResult
from ._spec import JSON, request_examples

LIST_LABEL = "GET /api/v3/order"
ORDER_PATH = "/api/v3/order"
# A small page size makes even a small server answer several pages.
WALK_PAGE_SIZE = 7
WALK_PAGE_SIZE_LARGE = 250
MAX_PAGES = 200
# Up to this many orders, the list is also walked one order per page.
SMALL_TOTAL = 30
MAX_FETCH_COMPARED = 20


@dataclass(slots=True)
class InvariantContext:
    client: httpx.Client
    base_url: str
    key_header: str
    result: SuiteResult
    known: KnownIds
    writes: bool
    write_tag: str
    run: ActiveRun
    spec: JSON

    @property
    def created(self) -> list[int]:
        return self.run.created

    def curl(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> str:
        url = str(httpx.URL(self.base_url.rstrip("/") + path, params=params))
        parts = ["curl", "-X", method, shlex.quote(url), "-H", f'"{self.key_header}: {KEY_PLACEHOLDER}"']
        if body is not None:
            parts += ["-H", shlex.quote("Content-Type: application/json"), "-d", shlex.quote(json.dumps(body))]
        return " ".join(parts)

    def passed(self, operation: str, check: str) -> None:
        self.result.tally(operation, check).passed += 1

    def failed(self, operation: str, check: str, title: str, message: str, reproduce: str) -> None:
        self.result.add_failure(Failure(operation, check, title, message, reproduce, phase="invariants"))

    def create(self, body: dict[str, Any]) -> httpx.Response:
        take_write(self.run)
        response = self.client.post(ORDER_PATH, json=body)
        if 200 <= response.status_code < 300:
            order_id = _json(response).get("id") if isinstance(_json(response), dict) else None
            if isinstance(order_id, int):
                with self.run.lock:
                    self.run.created.append(order_id)
        return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def check_rule_table(ctx: InvariantContext) -> None:
    """The server refuses every invalid case of the shared rule table with a 4xx and accepts every valid one."""
    from impilo.rule_cases import CASES

    for case in CASES:
        body = ctx.known.remap(case.body)
        tag_body(body, ctx.write_tag)
        response = ctx.create(body)
        code = response.status_code
        ok = 200 <= code < 300 if case.valid else 400 <= code < 500
        if ok:
            ctx.passed(CREATE_LABEL, "rule_table")
            continue
        want = "a 2xx (valid order)" if case.valid else f"a 4xx (breaks rule {case.rule})"
        ctx.failed(
            CREATE_LABEL,
            "rule_table",
            f"Rule table case `{case.name}` answered {code}",
            f"Expected {want}; got HTTP {code}: {response.text[:300]}",
            ctx.curl("POST", ORDER_PATH, body=body),
        )


def check_echo(ctx: InvariantContext) -> None:
    """Orders created from the docs' examples echo what was sent, and fetch back as created."""
    for example in request_examples(ctx.spec):
        body = ctx.known.remap(example)
        tag_body(body, ctx.write_tag)
        response = ctx.create(body)
        reproduce = ctx.curl("POST", ORDER_PATH, body=body)
        if not 200 <= response.status_code < 300:
            ctx.failed(
                CREATE_LABEL,
                "created_order_echoes_request",
                "The docs' example order was refused",
                f"HTTP {response.status_code}: {response.text[:300]}",
                reproduce,
            )
            continue
        created = _json(response)
        problems = echo_mismatches(body, created)
        if problems:
            ctx.failed(
                CREATE_LABEL,
                "created_order_echoes_request",
                "The created order does not echo the request",
                "; ".join(problems),
                reproduce,
            )
        else:
            ctx.passed(CREATE_LABEL, "created_order_echoes_request")
        order_id = created.get("id") if isinstance(created, dict) else None
        fetched = ctx.client.get(f"{ORDER_PATH}/{order_id}")
        fetch_curl = ctx.curl("GET", f"{ORDER_PATH}/{order_id}")
        if fetched.status_code != 200:
            ctx.failed(
                FETCH_LABEL,
                "created_order_fetchable",
                "A created order cannot be fetched",
                f"POST answered {response.status_code} with id {order_id}; GET answered {fetched.status_code}",
                reproduce + "\n" + fetch_curl,
            )
        elif _json(fetched) != created:
            ctx.failed(
                FETCH_LABEL,
                "created_order_fetchable",
                "A created order fetches differently from the create answer",
                f"create answered {json.dumps(created)[:400]}; fetch answered {fetched.text[:400]}",
                reproduce + "\n" + fetch_curl,
            )
        else:
            ctx.passed(FETCH_LABEL, "created_order_fetchable")


def _walk(ctx: InvariantContext, size: int, params: dict[str, Any]) -> tuple[list[Any], list[str], int | None, bool]:
    """Every page of the list; returns (ids in order, problems, total, whether it reached the end)."""
    ids: list[Any] = []
    problems: list[str] = []
    total: int | None = None
    page = 1
    while page <= MAX_PAGES:
        response = ctx.client.get(ORDER_PATH, params={**params, "page": page, "size": size})
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict):
            problems.append(f"page {page}: HTTP {response.status_code}")
            return ids, problems, total, False
        content = body.get("content") or []
        if total is None:
            total = body.get("total")
        elif body.get("total") != total:
            problems.append(f"page {page}: total changed from {total} to {body.get('total')}")
        pages = max(1, math.ceil(total / size)) if isinstance(total, int) else None
        if body.get("page") != page:
            problems.append(f"page {page}: says page {body.get('page')}")
        if body.get("size") != size:
            problems.append(f"page {page}: says size {body.get('size')}, asked {size}")
        if len(content) > size:
            problems.append(f"page {page}: {len(content)} orders on a page of size {size}")
        if body.get("first") is not (page == 1):
            problems.append(f"page {page}: first is {body.get('first')}")
        if pages is not None and body.get("last") is not (page == pages):
            problems.append(f"page {page} of {pages}: last is {body.get('last')}")
        if pages is not None and page < pages and len(content) != size:
            problems.append(f"page {page} of {pages}: {len(content)} orders, a full page holds {size}")
        ids.extend(order.get("id") if isinstance(order, dict) else None for order in content)
        if body.get("last") is True or not content or (pages is not None and page >= pages):
            return ids, problems, total, True
        page += 1
    return ids, problems, total, False


def _total(ctx: InvariantContext, params: dict[str, Any]) -> int | None:
    first = _json(ctx.client.get(ORDER_PATH, params={**params, "page": 1, "size": 1}))
    total = first.get("total") if isinstance(first, dict) else None
    return total if isinstance(total, int) else None


def _page_size(total: int | None, preferred: int) -> int:
    """`preferred`, or larger when the walk would otherwise take more than MAX_PAGES pages."""
    if total is None:
        return preferred
    return min(WALK_PAGE_SIZE_LARGE, max(preferred, math.ceil(total / MAX_PAGES)))


def check_pagination(ctx: InvariantContext) -> None:
    """Walk every page: no id missing or repeated, total equals the count, first/last right, size respected."""
    total = _total(ctx, {})
    walks: list[tuple[dict[str, Any], int]] = [({}, _page_size(total, WALK_PAGE_SIZE))]
    if total is not None and 1 <= total <= WALK_PAGE_SIZE_LARGE and total != walks[0][1]:
        # One page holding everything: catches a `last` computed off by one on a full page.
        walks.append(({}, total))
    if total is not None and 1 < total <= SMALL_TOTAL:
        walks.append(({}, 1))
    if ctx.writes and ctx.created:
        tagged = {"externalOrderId": ctx.write_tag}
        walks.append((tagged, _page_size(_total(ctx, tagged), 2)))
    for params, page_size in walks:
        ids, problems, walked_total, complete = _walk(ctx, page_size, params)
        seen = [i for i in ids if i is not None]
        repeated = sorted({i for i in seen if seen.count(i) > 1}, key=repr)
        if repeated:
            problems.append(f"ids repeated across pages: {repeated[:10]}")
        if not complete:
            ctx.result.notes.append(f"pagination walk at size {page_size} stopped after {MAX_PAGES} pages")
        elif isinstance(walked_total, int) and len(ids) != walked_total:
            problems.append(f"total is {walked_total} but the pages hold {len(ids)} orders")
        missing = sorted(set(ctx.created) - set(seen))
        if complete and missing:
            where = "the list filtered by this run's tag" if params else "the list"
            problems.append(f"orders created by this run missing from {where}: {missing[:10]}")
        reproduce = ctx.curl("GET", ORDER_PATH, params={**params, "page": 1, "size": page_size})
        if problems:
            ctx.failed(
                LIST_LABEL, "pagination_invariants", "Pagination is inconsistent", "; ".join(problems[:12]), reproduce
            )
        else:
            ctx.passed(LIST_LABEL, "pagination_invariants")


def check_fetch_matches_list(ctx: InvariantContext) -> None:
    """Each order on the first list page fetches by id as the same JSON."""
    listed = _json(ctx.client.get(ORDER_PATH, params={"page": 1, "size": MAX_FETCH_COMPARED}))
    content = listed.get("content") if isinstance(listed, dict) else None
    for order in (content or [])[:MAX_FETCH_COMPARED]:
        order_id = order.get("id") if isinstance(order, dict) else None
        if not isinstance(order_id, int):
            continue
        fetched = ctx.client.get(f"{ORDER_PATH}/{order_id}")
        if fetched.status_code == 200 and _json(fetched) == order:
            ctx.passed(FETCH_LABEL, "fetch_matches_list")
            continue
        ctx.failed(
            FETCH_LABEL,
            "fetch_matches_list",
            "A fetched order differs from its copy in the list",
            f"order {order_id}: list has {json.dumps(order)[:400]}; "
            f"fetch answered {fetched.status_code} {fetched.text[:400]}",
            ctx.curl("GET", ORDER_PATH, params={"page": 1, "size": MAX_FETCH_COMPARED})
            + "\n"
            + ctx.curl("GET", f"{ORDER_PATH}/{order_id}"),
        )


def check_void(ctx: InvariantContext) -> None:
    """A voided order is kept: fetch answers 200 with status `voided`; voiding it again is 204 or 409."""
    examples = request_examples(ctx.spec)
    if not examples:
        return
    body = ctx.known.remap(examples[0])
    tag_body(body, ctx.write_tag)
    created = _json(ctx.create(body))
    order_id = created.get("id") if isinstance(created, dict) else None
    if not isinstance(order_id, int):
        ctx.failed(CREATE_LABEL, "use_after_void", "No order to void", f"create answered {created!r}", "")
        return
    path = f"{ORDER_PATH}/{order_id}"
    steps = "\n".join(ctx.curl(method, path) for method in ("DELETE", "GET", "DELETE"))
    take_write(ctx.run)
    voided = ctx.client.delete(path)
    if voided.status_code != 204:
        ctx.failed(
            VOID_LABEL,
            "use_after_void",
            "A fresh order could not be voided",
            f"DELETE answered {voided.status_code}: {voided.text[:300]}",
            steps,
        )
        return
    fetched = ctx.client.get(path)
    status = _json(fetched).get("currentStatus") if isinstance(_json(fetched), dict) else None
    take_write(ctx.run)
    again = ctx.client.delete(path)
    problems = []
    if fetched.status_code != 200 or status != "voided":
        problems.append(f"after the void, fetch answered {fetched.status_code} with currentStatus {status!r}")
    if again.status_code not in (204, 409):
        problems.append(f"voiding it again answered {again.status_code}, not 204 or 409")
    if problems:
        ctx.failed(FETCH_LABEL, "use_after_void", "A voided order is not kept as voided", "; ".join(problems), steps)
    else:
        ctx.passed(FETCH_LABEL, "use_after_void")


# name -> (function, needs writes)
INVARIANTS: dict[str, tuple[Callable[[InvariantContext], None], bool]] = {
    "rule_table": (check_rule_table, True),
    "echo": (check_echo, True),
    "void": (check_void, True),
    "pagination": (check_pagination, False),
    "fetch_matches_list": (check_fetch_matches_list, False),
}


def run_invariants(ctx: InvariantContext, names: tuple[str, ...] | None, progress: Callable[[str], None]) -> None:
    for name, (function, needs_writes) in INVARIANTS.items():
        if names is not None and name not in names:
            continue
        if needs_writes and not ctx.writes:
            ctx.result.notes.append(f"invariant {name} skipped: read-only run (--allow-writes enables it)")
            continue
        progress(f"invariant {name} ...")
        try:
            function(ctx)
        except WriteRefused as exc:
            ctx.result.notes.append(f"invariant {name} stopped early: {exc}")
        except (httpx.HTTPError, ImportError) as exc:
            ctx.result.errors.append(f"invariant {name} could not run: {type(exc).__name__}: {exc}")
