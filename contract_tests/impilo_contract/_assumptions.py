"""The project's response assumptions (`x-impilo-assumed-sent`), checked and reported, never failed.

Where the docs render a field "or null", the spec still makes a few required: an order's id and
status, a page's paging fields, a record's id. Those are this project's assumptions, not the
docs' rules, so a server that breaks one is not wrong; the report says, for each assumption,
whether it held in every response or where it first broke.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._spec import ASSUMED_SENT, JSON
from ._walk import Node, walk


@dataclass(slots=True)
class Assumption:
    schema: str
    fields: tuple[str, ...]
    why: str
    held: int = 0
    broken: int = 0
    # Where it first broke: operation, status, JSON path and what was missing or null.
    first_breach: str | None = None

    def verdict(self) -> str:
        if self.broken:
            return f"broken in {self.broken} of {self.held + self.broken} responses; first: {self.first_breach}"
        if self.held:
            return f"held in {self.held} responses"
        return "not seen"


def new_table(contract: JSON) -> dict[str, Assumption]:
    table: dict[str, Assumption] = {}
    for name, schema in contract["components"]["schemas"].items():
        if isinstance(schema, dict) and ASSUMED_SENT in schema:
            why = " ".join(str(schema[ASSUMED_SENT]).split())
            table[name] = Assumption(name, tuple(schema.get("required", [])), why)
    return table


def check_body(
    table: dict[str, Assumption], contract: JSON, schema: Any, body: Any, *, operation: str, status: int
) -> None:
    """Count, for every object in `body` that an assumption covers, whether its assumed fields are there."""
    check_nodes(table, walk(contract, schema, body), operation=operation, status=status)


def check_nodes(table: dict[str, Assumption], nodes: Iterable[Node], *, operation: str, status: int) -> None:
    """`check_body` over nodes already walked."""
    for node in nodes:
        if not isinstance(node.value, dict):
            continue
        for name in node.names:
            assumption = table.get(name)
            if assumption is None:
                continue
            missing = [f for f in assumption.fields if f not in node.value]
            null = [f for f in assumption.fields if f in node.value and node.value[f] is None]
            if not missing and not null:
                assumption.held += 1
                continue
            assumption.broken += 1
            if assumption.first_breach is None:
                what = "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"null {', '.join(null)}" if null else "",
                    )
                    if part
                )
                shown = json.dumps(node.value, sort_keys=True)
                assumption.first_breach = f"{operation} answered {status}: {node.path} has {what}: {shown}"
