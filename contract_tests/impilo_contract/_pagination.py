"""Every list walked page by page: no id missing or repeated, `total` equals the count, `first` and
`last` right, `page` and `size` as asked, every page but the last full. Orders also: the run's
own orders are all there, and the filter by the run's tag finds exactly them."""

from __future__ import annotations

import math
import time
from typing import Any

from impilo_spec import parameter_schema

from ._context import Context
from ._spec import iter_operations, operation_ids, operation_label, page_schema_name

CHECK = "pagination_invariants"
# A small page size makes even a small server answer several pages.
WALK_PAGE_SIZE = 7
MAX_PAGES = 200
# Up to this many entries, a list is also walked one entry per page.
SMALL_TOTAL = 30
ORDERS_LIST = "listOrders"
SETTLE_TRIES = 20
SETTLE_PAUSE = 0.05
TAG_FILTER = "externalOrderId"


# Where the docs give no maximum, a server may cap pages anywhere; the orders' default (FACTS) is a
# size no server is expected to cut.
UNBOUNDED_LARGEST = 15


def largest_page(operation_id: str) -> int:
    """The largest page size every server takes whole for this list: the documented maximum, else 15."""
    maximum = parameter_schema(operation_id, "size", "accept").get("maximum")
    return int(maximum) if isinstance(maximum, int) else UNBOUNDED_LARGEST


def page_lists(ctx: Context) -> list[tuple[str, str, str]]:
    """(operation id, label, path) of every list operation that answers pages."""
    ids = operation_ids(ctx.contract)
    found = []
    for method, path, _ in iter_operations(ctx.contract):
        label = operation_label(method, path)
        if method == "GET" and page_schema_name(ctx.contract, label) and label in ctx.result.operations_tested:
            found.append((ids[label], label, path))
    return found


def _walk(
    ctx: Context, label: str, path: str, size: int, params: dict[str, Any]
) -> tuple[list[Any], list[Any], list[str], int | None, bool, str]:
    """Every page; returns (ids in order, entries, problems, total, whether it reached the end, curl of page 1)."""
    ids: list[Any] = []
    entries: list[Any] = []
    problems: list[str] = []
    total: int | None = None
    first_curl = ""
    page = 1
    while page <= MAX_PAGES:
        answer = ctx.request("GET", path, operation=label, params={**params, "page": page, "size": size})
        first_curl = first_curl or answer.curl
        body = answer.body
        if answer.status != 200 or not isinstance(body, dict):
            problems.append(f"page {page}: HTTP {answer.status}: {answer.text}")
            return ids, entries, problems, total, False, first_curl
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
            problems.append(f"page {page}: {len(content)} entries on a page of size {size}")
        if body.get("first") is not (page == 1):
            problems.append(f"page {page}: first is {body.get('first')}")
        if pages is not None and body.get("last") is not (page == pages):
            problems.append(f"page {page} of {pages}: last is {body.get('last')}")
        if pages is not None and page < pages and len(content) != size:
            problems.append(f"page {page} of {pages}: {len(content)} entries, a full page holds {size}")
        entries.extend(content)
        ids.extend(entry.get("id") if isinstance(entry, dict) else None for entry in content)
        if body.get("last") is True or not content or (pages is not None and page >= pages):
            return ids, entries, problems, total, True, first_curl
        page += 1
    return ids, entries, problems, total, False, first_curl


def _total(ctx: Context, label: str, path: str, params: dict[str, Any]) -> int | None:
    answer = ctx.request("GET", path, operation=label, params={**params, "page": 1, "size": 1})
    total = answer.body.get("total") if isinstance(answer.body, dict) else None
    return total if isinstance(total, int) else None


def _page_size(total: int | None, preferred: int, largest: int) -> int:
    """`preferred`, or larger when the walk would otherwise take more than MAX_PAGES pages."""
    if total is None:
        return preferred
    return min(largest, max(preferred, math.ceil(total / MAX_PAGES)))


def _settled_total(ctx: Context, label: str, path: str, params: dict[str, Any]) -> int | None:
    """The list's total once two reads a moment apart agree (webhook logs grow while deliveries finish)."""
    total = _total(ctx, label, path, params)
    for _ in range(SETTLE_TRIES):
        time.sleep(SETTLE_PAUSE)
        again = _total(ctx, label, path, params)
        if again == total:
            return total
        total = again
    return None


def check_pagination(ctx: Context) -> None:
    for operation_id, label, path in page_lists(ctx):
        largest = largest_page(operation_id)
        total = _settled_total(ctx, label, path, {})
        if total is None:
            ctx.note(f"{label} kept changing while the suite waited for it to settle: its pages were not judged")
            continue
        walks: list[tuple[dict[str, Any], int]] = [({}, _page_size(total, WALK_PAGE_SIZE, largest))]
        if total is not None and 1 <= total <= largest and total != walks[0][1]:
            # One page holding everything: catches a `last` computed off by one on a full page.
            walks.append(({}, total))
        if total is not None and 1 < total <= SMALL_TOTAL:
            walks.append(({}, 1))
        mine = list(ctx.run.created) if operation_id == ORDERS_LIST else []
        if mine:
            tagged = {TAG_FILTER: ctx.plan.write_tag}
            walks.append((tagged, _page_size(_total(ctx, label, path, tagged), 2, largest)))
        for params, size in walks:
            _judge_walk(ctx, label, path, size, params, mine)


def _judge_walk(ctx: Context, label: str, path: str, size: int, params: dict[str, Any], mine: list[int]) -> None:
    ids, entries, problems, total, complete, curl = _walk(ctx, label, path, size, params)
    if _total(ctx, label, path, params) != total:
        # Someone else wrote to it meanwhile (a live server in use): a moving list proves nothing.
        ctx.note(f"{label} changed during the walk at size {size}: that walk was not judged")
        return
    seen = [i for i in ids if i is not None]
    repeated = sorted({i for i in seen if seen.count(i) > 1}, key=repr)
    if repeated:
        problems.append(f"ids repeated across pages: {repeated}")
    if not complete and not problems:
        ctx.note(f"{label} walked at size {size} for its first {MAX_PAGES} pages only ({len(ids)} of {total} entries)")
    elif isinstance(total, int) and len(ids) != total:
        problems.append(f"total is {total} but the pages hold {len(ids)} entries")
    missing = sorted(set(mine) - set(seen))
    if complete and missing:
        where = "the list filtered by this run's tag" if params else "the list"
        problems.append(f"orders created by this run missing from {where}: {missing}")
    if params:
        untagged = [
            entry.get("id")
            for entry in entries
            if isinstance(entry, dict) and ctx.plan.write_tag not in (entry.get("externalOrderIds") or [])
        ]
        if untagged:
            problems.append(f"the filter {TAG_FILTER}={ctx.plan.write_tag} also found orders without it: {untagged}")
    where = f"{label} at size {size}" + (f" filtered by {params}" if params else "")
    if problems:
        ctx.failed(label, CHECK, "Pagination is inconsistent", f"{where}: " + "; ".join(problems), curl)
    else:
        ctx.passed(label, CHECK)
