"""Ids that exist on the target, so generated requests reach real successes.

Random ids never hit a real patient, site, item or kit, so without these every create is refused
and fetch, list and the stateful phase test nothing. Sources, merged: the spec's request examples
(the docs' seeded ids), ids given on the command line, and ids discovered from the target's own
order list (read-only, one page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from ._spec import JSON, request_examples

LIST_PATH = "/api/v3/order"
DISCOVERY_PAGE_SIZE = 50
MAX_KNOWN = 20


@dataclass(slots=True)
class KnownIds:
    patients: list[int] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    kits: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)

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

    def describe(self) -> str:
        return ", ".join(
            f"{kind} {getattr(self, kind)[:6]}" for kind in ("patients", "sites", "items", "kits", "orders")
        )


def from_spec(spec: JSON) -> KnownIds:
    known = KnownIds()
    for example in request_examples(spec):
        known.add_order_body(example)
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
