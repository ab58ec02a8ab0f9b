"""Step 2b of a run: learn the target's ids, and give an empty server the docs' example orders.

Everything here happens before the run starts, so every problem is a UsageError (exit 2, one line).
"""

from __future__ import annotations

import httpx

from ._checks import CREATE_ORDER, ORDER_PATH, ActiveRun, WriteRefused, record_write, tag_body, take_write
from ._known_ids import KnownIds, discover, start
from ._observe import parse_json
from ._plan import Plan, UsageError
from ._redact import Redactor
from ._spec import JSON, request_examples


def known_ids(client: httpx.Client, plan: Plan) -> KnownIds:
    known = start(plan.settings.known_ids)
    discover(client, known)
    return known


def seed_orders(
    client: httpx.Client, plan: Plan, run: ActiveRun, known: KnownIds, spec: JSON, redactor: Redactor
) -> int:
    """Place the docs' example orders on a server with none, so fetch and list have something real.

    Returns how many were placed.
    """
    if not plan.writes or known.orders:
        return 0
    examples = request_examples(spec)
    placed = 0
    for example in examples:
        body = known.remap(example)
        tag_body(body, plan.write_tag)
        try:
            take_write(run, CREATE_ORDER)
        except WriteRefused as exc:
            raise UsageError(
                f"--max-writes {plan.write_cap} is too low to seed the empty server with the docs' "
                f"{len(examples)} example orders ({exc}); raise it, or create an order first"
            ) from None
        try:
            response = client.post(ORDER_PATH, json=body)
        except httpx.HTTPError as exc:
            raise UsageError(
                f"seeding the empty server: POST {ORDER_PATH} failed: {type(exc).__name__}: {exc}"
            ) from None
        is_json, parsed = parse_json(response.content)
        if 200 <= response.status_code < 300 and not (is_json and isinstance(parsed, dict)):
            # One line: the start of the body says what it is.
            shown = redactor.text(response.text).replace("\n", " ")[:200]
            raise UsageError(
                f"seeding the empty server: POST {ORDER_PATH} answered {response.status_code} "
                f"with a body that is not a JSON object: {shown}"
            )
        record_write(run, CREATE_ORDER, response.status_code, parsed, None)
        if 200 <= response.status_code < 300:
            placed += 1
            known.add("orders", parsed.get("id"))
    return placed
