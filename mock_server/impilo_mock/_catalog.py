"""Catalog look-ups: the seed's items, kits, sites and patients (plus patients created with orders),
found by id or listed with the documented filters, a page at a time.

Pages are the order list's: numbered from 1, `first`/`last`/`total` consistent, a page past the
end is empty and last. Page sizes come from the spec (impilo_spec): items 1 to 100; the other
catalog lists have no documented maximum, so the mock takes any size up to the int32 limit the
spec gives (choice: refusing a size the spec allows would be the mock's invention). Where the
spec gives no default size, the order list's default is used.

Filters (FACTS "Catalog look-ups"); every filter given must hold, a repeatable one holds when
the record matches any of its values. The docs do not say how text filters match; the mock's
choices:
- items: `id` and `manufacturerId` (repeatable); `name`, `model` and `sku` match a part of the
  field, ignoring case. `sort` itemId (default), itemName, itemModel or itemSku.
- kits: `itemId` (kits holding that item), `archived`.
- sites: page and size only.
- patients: `id`, `siteId`, `externalIdentifier` (repeatable, exact); `email` (whole address,
  ignoring case); `name` (a part of "firstName lastName", ignoring case); `archived`,
  `enrolled`; `dateOfBirthMin` / `dateOfBirthMax` (YYYY-MM-DD, inclusive); `postalCode` (the
  address's zipCode) and `country`, whole, ignoring case. `sort` patientId (default),
  firstName or lastName. A record without the field filtered on never matches.
- Sorting by text ignores case, puts records without the field last, and breaks ties by id;
  `sortDescending=true` reverses the whole order (ties by id descending). Kits and sites are
  in id order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._orders import OrderRenderer
from ._seed import Seed, item_summary

if TYPE_CHECKING:
    from ._store import OrderStore

JsonObject = dict[str, Any]
Filter = Callable[[JsonObject], bool]

ITEM_SORT_FIELDS = {"itemId": "id", "itemName": "name", "itemModel": "model", "itemSku": "sku"}
PATIENT_SORT_FIELDS = {"patientId": "id", "firstName": "firstName", "lastName": "lastName"}


def _folded(value: Any) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _contains(get: Callable[[JsonObject], Any], wanted: str) -> Filter:
    needle = wanted.casefold()

    def contains(record: JsonObject) -> bool:
        text = _folded(get(record))
        return text is not None and needle in text

    return contains


def _equal_folded(get: Callable[[JsonObject], Any], wanted: str) -> Filter:
    target = wanted.casefold()
    return lambda record: _folded(get(record)) == target


def _one_of(get: Callable[[JsonObject], Any], wanted: Iterable[Any]) -> Filter:
    allowed = frozenset(wanted)
    return lambda record: get(record) in allowed


def _is(field: str, wanted: bool) -> Filter:
    return lambda record: record.get(field) is wanted


def _nested(record: JsonObject, outer: str, inner: str) -> Any:
    container = record.get(outer)
    return container.get(inner) if isinstance(container, dict) else None


def _field(name: str) -> Callable[[JsonObject], Any]:
    return lambda record: record.get(name)


def _full_name(record: JsonObject) -> str | None:
    parts = [str(record[f]) for f in ("firstName", "lastName") if isinstance(record.get(f), str)]
    return " ".join(parts) if parts else None


def _sorted(records: Iterable[JsonObject], field: str, descending: bool) -> list[JsonObject]:
    def key(record: JsonObject) -> tuple[Any, ...]:
        value = record.get(field)
        if field == "id":
            return (int(record["id"]),)
        folded = _folded(value)
        return (folded is None, folded or "", int(record["id"]))

    return sorted(records, key=key, reverse=descending)


def _matching(records: Iterable[JsonObject], filters: Sequence[Filter]) -> list[JsonObject]:
    return [record for record in records if all(f(record) for f in filters)]


class Catalog:
    """The seed plus the patients created with orders (kept by the store, so they outlive a restart)."""

    def __init__(self, seed: Seed, store: OrderStore) -> None:
        self.seed = seed
        self.store = store
        self._summaries = {item_id: item_summary(item) for item_id, item in seed.items.items()}
        # Orders embed these very records, so their JSON is made once (see OrderRenderer).
        self.render_order = OrderRenderer(
            [*self._summaries.values(), *seed.kits.values(), *seed.sites.values(), *seed.patients.values()]
        )

    # ---- by id -------------------------------------------------------------------------------

    def patient(self, patient_id: int) -> JsonObject | None:
        found = self.seed.patients.get(patient_id)
        return found if found is not None else self.store.created_patient(patient_id)

    def patient_by_identifier(self, identifier: str) -> JsonObject | None:
        """The patient whose externalIdentifier is `identifier` exactly (it names at most one)."""
        return next((p for p in self.patients() if p.get("externalIdentifier") == identifier), None)

    def site(self, site_id: int) -> JsonObject | None:
        return self.seed.sites.get(site_id)

    def item(self, item_id: int) -> JsonObject | None:
        """The item with its details (ItemDetail), as a fetch answers it."""
        return self.seed.items.get(item_id)

    def item_summary(self, item_id: int) -> JsonObject | None:
        """The item as lists and orders carry it (Item)."""
        return self._summaries.get(item_id)

    def kit(self, kit_id: int) -> JsonObject | None:
        return self.seed.kits.get(kit_id)

    def patients(self) -> list[JsonObject]:
        """Every patient: the seed's, then those created with orders (a seeded id wins)."""
        created = [p for p in self.store.created_patients() if p["id"] not in self.seed.patients]
        return [*self.seed.patients.values(), *created]

    # ---- lists: (the matching records in order, as served) ------------------------------------

    def items(self, query: dict[str, Any]) -> list[JsonObject]:
        filters: list[Filter] = []
        if query.get("id"):
            filters.append(_one_of(lambda r: r.get("id"), query["id"]))
        for field in ("name", "model", "sku"):
            if query.get(field) is not None:
                filters.append(_contains(_field(field), query[field]))
        if query.get("manufacturerId"):
            filters.append(_one_of(lambda r: _nested(r, "manufacturer", "id"), query["manufacturerId"]))
        found = _matching(self.seed.items.values(), filters)
        field = ITEM_SORT_FIELDS[query.get("sort") or "itemId"]
        return [self._summaries[item["id"]] for item in _sorted(found, field, bool(query.get("sortDescending")))]

    def kits(self, query: dict[str, Any]) -> list[JsonObject]:
        filters: list[Filter] = []
        if query.get("itemId") is not None:
            wanted = query["itemId"]
            filters.append(
                lambda kit: any(
                    isinstance(line.get("item"), dict) and line["item"].get("id") == wanted
                    for line in kit.get("kitItems") or []
                )
            )
        if query.get("archived") is not None:
            filters.append(_is("archived", query["archived"]))
        return _sorted(_matching(self.seed.kits.values(), filters), "id", False)

    def sites(self, query: dict[str, Any]) -> list[JsonObject]:
        return _sorted(self.seed.sites.values(), "id", False)

    def patients_matching(self, query: dict[str, Any]) -> list[JsonObject]:
        filters: list[Filter] = []
        if query.get("id"):
            filters.append(_one_of(lambda r: r.get("id"), query["id"]))
        if query.get("siteId"):
            filters.append(_one_of(lambda r: _nested(r, "site", "id"), query["siteId"]))
        if query.get("externalIdentifier"):
            filters.append(_one_of(lambda r: r.get("externalIdentifier"), query["externalIdentifier"]))
        if query.get("email") is not None:
            filters.append(_equal_folded(lambda r: r.get("email"), query["email"]))
        if query.get("name") is not None:
            filters.append(_contains(_full_name, query["name"]))
        for field in ("archived", "enrolled"):
            if query.get(field) is not None:
                filters.append(_is(field, query[field]))
        if query.get("dateOfBirthMin") is not None:
            low = query["dateOfBirthMin"]
            filters.append(lambda r: isinstance(r.get("dateOfBirth"), str) and r["dateOfBirth"] >= low)
        if query.get("dateOfBirthMax") is not None:
            high = query["dateOfBirthMax"]
            filters.append(lambda r: isinstance(r.get("dateOfBirth"), str) and r["dateOfBirth"] <= high)
        if query.get("postalCode") is not None:
            filters.append(_equal_folded(lambda r: _nested(r, "address", "zipCode"), query["postalCode"]))
        if query.get("country") is not None:
            filters.append(_equal_folded(lambda r: _nested(r, "address", "country"), query["country"]))
        field = PATIENT_SORT_FIELDS[query.get("sort") or "patientId"]
        return _sorted(_matching(self.patients(), filters), field, bool(query.get("sortDescending")))
