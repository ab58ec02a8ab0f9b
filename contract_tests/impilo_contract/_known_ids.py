"""Ids that exist on the target, so generated requests reach real successes.

Random ids never hit a real patient, site, item or kit, so without these every create is refused
and every fetch is a 404. For each kind the ids come from one place, said in the summary:
`--ids` if given; else the target's own look-ups (orderable items, kits that are not archived,
active sites, patients who are not archived, and the order and webhook lists); else the ids the
docs' examples name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

import impilo_spec

from ._settings import ID_KINDS

DISCOVERY_PAGE_SIZE = 50
MAX_KNOWN = 20
FROM_IDS_OPTION = "--ids"
FROM_DOCS = "the docs' examples"


@dataclass(frozen=True, slots=True)
class Lookup:
    """How one kind of id is discovered: a list operation, a filter, and which entries count."""

    operation_id: str
    params: Mapping[str, Any]
    # (field, value) an entry must have to be used, e.g. ("orderable", True); None: any entry.
    keep: tuple[str, Any] | None
    # Which field of an entry is the id.
    id_field: str = "id"


LOOKUPS: dict[str, Lookup] = {
    "items": Lookup("listItems", {}, ("orderable", True)),
    "kits": Lookup("listKits", {"archived": "false"}, ("archived", False)),
    "sites": Lookup("listSites", {}, ("active", True)),
    "patients": Lookup("listPatients", {"archived": "false"}, ("archived", False)),
    # Any patient's identifier fetches, archived or not.
    "identifiers": Lookup("listPatients", {}, None, "externalIdentifier"),
    "orders": Lookup("listOrders", {}, None),
    "webhooks": Lookup("listWebhooks", {}, None),
}


def _valid(kind: str, value: Any) -> bool:
    if kind == "identifiers":
        return isinstance(value, str) and bool(value) and "/" not in value
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass(slots=True)
class KnownIds:
    pools: dict[str, list[Any]] = field(default_factory=lambda: {kind: [] for kind in ID_KINDS})
    sources: dict[str, str] = field(default_factory=dict)
    # The docs' example ids, by kind: `remap` swaps these (and only these) for ids known here.
    docs_ids: dict[str, list[int]] = field(default_factory=dict)

    def __getattr__(self, kind: str) -> list[Any]:
        # `known.items`, `known.patients`, ...: the pool of that kind.
        if kind in ID_KINDS:
            pools: dict[str, list[Any]] = object.__getattribute__(self, "pools")
            return pools[kind]
        raise AttributeError(kind)

    def add(self, kind: str, value: Any) -> None:
        pool = self.pools[kind]
        if _valid(kind, value) and value not in pool and len(pool) < MAX_KNOWN:
            pool.append(value)

    def remap(self, body: Any) -> Any:
        """A copy of `body` with the docs' example ids swapped for ids known to exist on this target.

        Any other id is left alone, so a rule-table case with a broken or out-of-range id stays broken.
        """
        if not isinstance(body, dict):
            return body
        body = json.loads(json.dumps(body))

        def swap(ref: Any, kind: str, index: int) -> None:
            pool = self.pools[kind]
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

    def describe(self, kind: str) -> str:
        pool = self.pools[kind]
        shown = ", ".join(str(v) for v in pool[:6]) + (", ..." if len(pool) > 6 else "")
        return f"{kind} [{shown}] ({self.sources.get(kind, 'none')})"


def parse_ids(text: str) -> tuple[str, list[Any]]:
    """`patients=55,56` -> ("patients", [55, 56]); ValueError with a one-line reason otherwise."""
    kind, sep, values = text.partition("=")
    if not sep or kind not in ID_KINDS:
        raise ValueError(f"expected KIND=ID[,ID...] with KIND one of {', '.join(ID_KINDS)}, got {text!r}")
    parts = [value.strip() for value in values.split(",") if value.strip()]
    if not parts:
        raise ValueError(f"no ids given: {text!r}")
    if kind == "identifiers":
        return kind, parts
    try:
        ids = [int(value) for value in parts]
    except ValueError:
        raise ValueError(f"ids must be integers: {text!r}") from None
    if min(ids) < 1:
        raise ValueError(f"ids must be positive integers: {text!r}")
    return kind, ids


def from_docs() -> dict[str, list[int]]:
    """The ids the docs' create examples name, by kind."""
    return impilo_spec.docs_ids()


def start(configured: Mapping[str, Sequence[Any]]) -> KnownIds:
    """Known ids before discovery: the configured ones, kind by kind."""
    known = KnownIds(docs_ids=from_docs())
    for kind, values in configured.items():
        for value in values:
            known.add(kind, value)
        known.sources[kind] = FROM_IDS_OPTION
    return known


def _lookup(client: httpx.Client, kind: str, lookup: Lookup) -> tuple[list[Any], str]:
    _, path = impilo_spec.operation(lookup.operation_id)
    params = {**lookup.params, "page": 1, "size": DISCOVERY_PAGE_SIZE}
    where = f"GET {path}" + "".join(f"?{k}={v}" for k, v in lookup.params.items())
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        return [], f"{where} failed: {type(exc).__name__}"
    if response.status_code != 200:
        return [], f"{where} answered {response.status_code}"
    try:
        content = response.json().get("content") or []
    except (ValueError, AttributeError):
        return [], f"{where} answered a body that is not a page"
    found = []
    for entry in content if isinstance(content, list) else []:
        if not isinstance(entry, dict):
            continue
        if lookup.keep is not None and entry.get(lookup.keep[0]) != lookup.keep[1]:
            continue
        value = entry.get(lookup.id_field)
        if _valid(kind, value):
            found.append(value)
    return found, where


def discover(client: httpx.Client, known: KnownIds, kinds: Sequence[str] = ID_KINDS) -> None:
    """Fill every kind not configured from the target's look-ups, else from the docs' examples."""
    docs = known.docs_ids
    for kind in kinds:
        if known.sources.get(kind) == FROM_IDS_OPTION:
            continue
        found, where = _lookup(client, kind, LOOKUPS[kind])
        known.pools[kind] = []
        for value in found:
            known.add(kind, value)
        if known.pools[kind]:
            known.sources[kind] = f"discovered: {where}"
        elif docs.get(kind):
            for value in docs[kind]:
                known.add(kind, value)
            known.sources[kind] = f"{FROM_DOCS} ({where}: none usable)"
        else:
            known.sources[kind] = f"none ({where}: none usable)"
