"""Does a created order carry what was sent? One comparison, used by the Schemathesis check and the invariants."""

from __future__ import annotations

from collections import Counter
from typing import Any


def _ref_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None


def _lines(entries: Any, key: str) -> Counter[tuple[Any, Any]]:
    if not isinstance(entries, list):
        return Counter()
    return Counter((_ref_id(entry.get(key)), entry.get("count")) for entry in entries if isinstance(entry, dict))


def echo_mismatches(sent: dict[str, Any], order: Any) -> list[str]:
    """What the created `order` lost or changed of the create request `sent`; empty when it echoes it."""
    if not isinstance(order, dict):
        return [f"the created order is not a JSON object but {type(order).__name__}"]
    problems: list[str] = []
    for recipient in ("patient", "site"):
        wanted = _ref_id(sent.get(recipient))
        got = _ref_id(order.get(recipient))
        if wanted is not None and got != wanted:
            problems.append(f"{recipient}.id is {got!r}, sent {wanted!r}")
    for field, key in (("orderItems", "item"), ("orderKits", "kit")):
        wanted_lines = _lines(sent.get(field), key)
        got_lines = _lines(order.get(field), key)
        if wanted_lines != got_lines:
            got = sorted(got_lines.elements(), key=repr)
            wanted = sorted(wanted_lines.elements(), key=repr)
            problems.append(f"{field} (id, count) are {got}, sent {wanted}")
    wanted_ext = sent.get("externalOrderIds") or []
    got_ext = order.get("externalOrderIds") or []
    if list(wanted_ext) != list(got_ext):
        problems.append(f"externalOrderIds are {got_ext!r}, sent {wanted_ext!r}")
    if sent.get("shippingOption") is not None and order.get("shippingOption") != sent["shippingOption"]:
        problems.append(f"shippingOption is {order.get('shippingOption')!r}, sent {sent['shippingOption']!r}")
    return problems
