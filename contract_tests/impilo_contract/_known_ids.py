"""Ids that exist on the target, so generated requests reach real successes.

Random ids never hit a real patient, site, item or kit, so without these every create is refused
and fetch, list and the stateful phase test nothing. Sources, merged: the spec's request examples
(the docs' seeded ids), ids given on the command line, and ids discovered from the target's own
order list (read-only, one page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._spec import JSON, request_examples

LIST_PATH = "/api/v3/order"
KINDS = ("patients", "sites", "items", "kits", "orders")
DISCOVERY_PAGE_SIZE = 50
MAX_KNOWN = 20


@dataclass(slots=True)
class KnownIds:
    patients: list[int] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    kits: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    # The docs' example ids, by kind: `remap` swaps these (and only these) for ids known here.
    docs_ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, value: Any) -> None:
        bucket: list[int] = getattr(self, kind)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1 and value not in bucket:
            if len(bucket) < MAX_KNOWN:
                bucket.append(value)

    def add_order_body(self, order: Any) -> None:
        """Ids named by a create request or an order returned by the server."""
        if not isinstance(order, dict):
            return
        for kind, key in (("patients", "patient"), ("sites", "site")):
            ref = order.get(key)
            if isinstance(ref, dict):
                self.add(kind, ref.get("id"))
        for kind, lines, key in (("items", "orderItems", "item"), ("kits", "orderKits", "kit")):
            for line in order.get(lines) or []:
                if isinstance(line, dict) and isinstance(line.get(key), dict):
                    self.add(kind, line[key].get("id"))

    def remap(self, body: Any) -> Any:
        """A copy of `body` with the docs' example ids swapped for ids known to exist on this target.

        Any other id is left alone, so a rule-table case with a broken or out-of-range id stays broken.
        """
        if not isinstance(body, dict):
            return body
        body = json.loads(json.dumps(body))

        def swap(ref: Any, kind: str, index: int) -> None:
            pool: list[int] = getattr(self, kind)
            if (
                isinstance(ref, dict)
                and ref.get("id") in self.docs_ids.get(kind, [])
                and ref["id"] not in pool
                and pool
            ):
                ref["id"] = pool[index % len(pool)]

        swap(body.get("patient"), "patients", 0)
        swap(body.get("site"), "sites", 0)
        for lines, key, kind in (("orderItems", "item", "items"), ("orderKits", "kit", "kits")):
            if isinstance(body.get(lines), list):
                for index, line in enumerate(body[lines]):
                    if isinstance(line, dict):
                        swap(line.get(key), kind, index)
        return body

    def describe(self) -> str:
        return ", ".join(
            f"{kind} {getattr(self, kind)[:6]}" for kind in ("patients", "sites", "items", "kits", "orders")
        )


def parse_ids(text: str) -> tuple[str, list[int]]:
    """`patients=55,56` -> ("patients", [55, 56]); ValueError with a one-line reason otherwise."""
    kind, sep, values = text.partition("=")
    if not sep or kind not in KINDS:
        raise ValueError(f"expected KIND=ID[,ID...] with KIND one of {', '.join(KINDS)}, got {text!r}")
    try:
        ids = [int(value) for value in values.split(",") if value.strip()]
    except ValueError:
        raise ValueError(f"ids must be integers: {text!r}") from None
    if not ids or min(ids) < 1:
        raise ValueError(f"ids must be positive integers: {text!r}")
    return kind, ids


def from_spec(spec: JSON, configured: dict[str, list[int]] | None = None) -> KnownIds:
    """Configured ids; for kinds not configured, the ids of the spec's request examples (the docs' seed)."""
    configured = configured or {}
    guessed = KnownIds()
    for example in request_examples(spec):
        guessed.add_order_body(example)
    known = KnownIds(docs_ids={kind: list(getattr(guessed, kind)) for kind in KINDS})
    for kind in KINDS:
        for value in configured.get(kind) or getattr(guessed, kind):
            known.add(kind, value)
    return known


def discover(client: httpx.Client, known: KnownIds) -> int:
    """Add ids from the first page of the target's order list; returns how many orders it saw."""
    response = client.get(LIST_PATH, params={"page": 1, "size": DISCOVERY_PAGE_SIZE})
    if response.status_code != 200:
        return 0
    try:
        content = response.json().get("content") or []
    except (ValueError, AttributeError):
        return 0
    for order in content:
        if isinstance(order, dict):
            known.add("orders", order.get("id"))
            known.add_order_body(order)
    return len(content)
