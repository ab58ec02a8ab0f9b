"""The page every list answers with: {content, page, size, total, first, last}.

Pages are numbered from 1; `first` is page 1, `last` is the page holding the final entry (an
empty list has one page, both first and last); a page past the end is empty and last.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def render_entry(entry: Any) -> bytes:
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def page_body(entries: Sequence[bytes], *, page: int, size: int, total: int) -> bytes:
    """A page of entries already rendered as JSON (orders are stored rendered)."""
    tail = {"page": page, "size": size, "total": total, "first": page == 1, "last": page * size >= total}
    return b'{"content":[' + b",".join(entries) + b"]," + json.dumps(tail, separators=(",", ":"))[1:].encode()


def page_of(records: Sequence[Any], *, page: int, size: int) -> bytes:
    """One page of `records` (every match, in order), rendered."""
    start = (page - 1) * size
    shown = records[start : start + size] if start < len(records) else []
    return page_body([render_entry(record) for record in shown], page=page, size=size, total=len(records))
