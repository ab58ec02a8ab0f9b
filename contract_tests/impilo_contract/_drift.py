"""Spec drift: what a server sends that the spec declares open, so a tolerant client survives it.

Only two things are open (the spec says so): enum values it does not list, and fields it does not
name. Drift is listed apart from failures; it fails a run only with `--fail-on-drift` (always on
against the embedded mock, which must match the spec exactly). Anything else the spec does not
describe, an undocumented status code included, is a failure, not drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ._spec import JSON
from ._walk import Node, walk

UNKNOWN_ENUM = "unknown enum value"
UNKNOWN_FIELD = "unknown field"
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class Drift:
    kind: str  # UNKNOWN_ENUM | UNKNOWN_FIELD
    operation: str
    detail: str


def drift_in(spec: JSON, schema: Any, value: Any) -> Iterator[tuple[str, str]]:
    """(kind, detail) for each unknown enum value or unknown field in `value` under `schema`."""
    return drift_of(walk(spec, schema, value))


def drift_of(nodes: Iterable[Node]) -> Iterator[tuple[str, str]]:
    """(kind, detail) for each unknown enum value or unknown field among walked nodes."""
    for node in nodes:
        enum = node.schema.get("enum")
        if isinstance(enum, list) and isinstance(node.value, str) and node.value not in enum:
            yield UNKNOWN_ENUM, f"{node.path} = {node.value!r} (known: {', '.join(map(str, enum))})"
        properties = node.schema.get("properties")
        if isinstance(node.value, dict) and isinstance(properties, dict):
            for name in node.value:
                if name not in properties:
                    yield UNKNOWN_FIELD, f"{node.path}.{name}"


def generalised(detail: str) -> str:
    """`$.content[3].x` -> `$.content[].x`: one drift entry per place, not per array index."""
    return _INDEX.sub("[]", detail)
