"""The catalog the mock starts with: patients, sites, items and kits, and how a seed file extends it.

Built in: the ids the docs' examples name (impilo_spec.docs_ids(): patient 1234, site 1234,
items and kits 1000-1003), so the docs' curl examples work verbatim, with the docs' sample
details (the guide's sample order: John Doe, archived, at site 1234, with the placeholder
address). Around them a few more records, so the catalog filters have something to filter:
item 1004 (not orderable) and 1005 (another manufacturer), kit 1004 (archived), site 1235 and
site 1236 (inactive), patients 1235-1237 (not archived; one at another site, one with no site).
The detail fields of an item whose shape the docs do not give (itemClass, size, ...) are null.

A seed file (`--seed-file`, `create_app(seed=Seed.from_file(path))`) is JSON
`{"patients": [...], "sites": [...], "items": [...], "kits": [...]}` (every key optional). Each
record is an object with a positive integer `id`; it replaces the built-in record with that id
or adds one. A record holds only the fields of its schema in the spec (Patient, Site,
ItemDetail, Kit) and must validate against it; fields left out are sent as null. A patient's
`site` names a seeded site by id and is sent as that site's id, name and active flag (the docs'
shape); a kit's `kitItems` name seeded items by id and carry the full item. Two patients may not
share an externalIdentifier (it names one patient). Anything else is a SeedError naming the
problem. Seed records are read-only: orders embed them, nothing changes them.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import impilo_spec

from ._schema import Validator, compile_schema

JsonObject = dict[str, Any]

KINDS = ("patients", "sites", "items", "kits")
_ONE = {"patients": "a patient", "sites": "a site", "items": "an item", "kits": "a kit"}
# The schema in the contract view that each kind of record is served as.
RECORD_SCHEMAS = {"patients": "Patient", "sites": "Site", "items": "ItemDetail", "kits": "Kit"}
_LARGEST_ID = impilo_spec.INTEGER_FORMATS["int64"][1]


class SeedError(ValueError):
    """A seed file or seed data the mock cannot serve; the message names the problem in one line."""


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = impilo_spec.contract_view()["components"]["schemas"]
    return schemas


@functools.cache
def property_names(schema_name: str) -> tuple[str, ...]:
    """The properties a component schema names, through its $refs and allOf parts, in order."""
    names: dict[str, None] = {}

    def collect(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("$ref"), str):
            collect(impilo_spec.resolve(impilo_spec.contract_view(), node["$ref"][1:]))
        names.update(dict.fromkeys(node.get("properties", {})))
        for part in node.get("allOf", []):
            collect(part)

    collect(_schemas()[schema_name])
    return tuple(names)


@functools.cache
def _record_validator(kind: str) -> Validator:
    return compile_schema(impilo_spec.contract_view(), f"/components/schemas/{RECORD_SCHEMAS[kind]}")


def item_summary(item: JsonObject) -> JsonObject:
    """An item as lists and orders carry it: the Item fields only (a fetch adds the details)."""
    return {name: item.get(name) for name in property_names("Item")}


def _sample_order() -> JsonObject:
    order: JsonObject = impilo_spec.example_value("FetchOrderResponse")
    return order


def site_summary(site: JsonObject) -> JsonObject:
    """A site as a patient carries it: the fields the docs' sample patient shows (id, name, active)."""
    return {name: site.get(name) for name in _sample_order()["patient"]["site"]}


def _builtin() -> dict[str, dict[int, JsonObject]]:
    ids = impilo_spec.docs_ids()
    sample = _sample_order()
    address = sample["site"]["address"]
    docs_site = {**sample["site"], "id": ids["sites"][0]}
    sites = [
        docs_site,
        {"id": 1235, "name": "Northside clinic", "active": True, "phoneNumber": "+15550101235", "address": address},
        {"id": 1236, "name": "Closed clinic", "active": False, "phoneNumber": None, "address": address},
    ]
    # The guide's sample patient (John Doe, archived) under the id the docs' orders name.
    docs_patient = {**sample["patient"], "id": ids["patients"][0], "site": {"id": docs_site["id"]}}

    def patient(pid: int, first: str, last: str, born: str, site: int | None, **more: Any) -> JsonObject:
        return {
            "id": pid,
            "externalIdentifier": f"ext-{pid}",
            "firstName": first,
            "lastName": last,
            "dateOfBirth": born,
            "email": f"{first}.{last}@example.com".lower(),
            "phoneNumber": f"+1555010{pid}",
            "archived": False,
            "address": {**address, **more.pop("address", {})},
            "site": None if site is None else {"id": site},
            "enrolled": True,
            "sex": "unknown",
            **more,
        }

    patients = [
        docs_patient,
        patient(1235, "Jane", "Smith", "1975-06-15", docs_site["id"], sex="female", address={"zipCode": "02110"}),
        patient(1236, "Ahmed", "Khan", "1990-11-30", 1235, sex="male", enrolled=False, address={"country": "CA"}),
        patient(1237, "Maria", "Garcia", "2001-02-28", None, address={"zipCode": "73301", "country": "US"}),
    ]
    makers = {1: {"id": 1, "name": "Impilo Devices"}, 2: {"id": 2, "name": "Acme Medical"}}
    item_rows = [
        # id, name, model, maker, orderable, identifier type
        (ids["items"][0], "Blood pressure monitor", "BP-100", 1, True, "serial"),
        (ids["items"][1], "Pulse oximeter", "OX-200", 1, True, "serial"),
        (ids["items"][2], "Weight scale", "WS-300", 1, True, "serial"),
        (ids["items"][3], "Glucose meter", "GM-400", 1, True, "serial"),
        (1004, "Thermometer (discontinued)", "TH-500", 2, False, "serial"),
        (1005, "Cellular hub", "HUB-600", 2, True, "imei"),
    ]
    items = [
        {
            "id": item_id,
            "manufacturer": makers[maker],
            "name": name,
            "model": model,
            "sku": f"SKU-{item_id}",
            "orderable": orderable,
            "deviceIdentifierType": identifier,
        }
        for item_id, name, model, maker, orderable, identifier in item_rows
    ]
    kit_names = ["Hypertension kit", "Respiratory kit", "Weight management kit", "Diabetes kit"]
    # Each docs kit holds one unit of the docs item in the same place.
    kits = [
        {"id": kit_id, "name": name, "archived": False, "kitItems": [{"item": {"id": ids["items"][i]}, "count": 1}]}
        for i, (kit_id, name) in enumerate(zip(ids["kits"], kit_names, strict=True))
    ]
    kits.append(
        {
            "id": 1004,
            "name": "Legacy starter kit",
            "archived": True,
            "kitItems": [{"item": {"id": ids["items"][0]}, "count": 1}, {"item": {"id": ids["items"][2]}, "count": 2}],
        }
    )
    return {
        "patients": {p["id"]: p for p in patients},
        "sites": {s["id"]: s for s in sites},
        "items": {i["id"]: i for i in items},
        "kits": {k["id"]: k for k in kits},
    }


def _record_id(kind: str, index: int, record: Any) -> int:
    where = f"{kind}[{index}]"
    if not isinstance(record, dict):
        raise SeedError(f"{where} must be an object, got {type(record).__name__}")
    record_id = record.get("id")
    if type(record_id) is not int or not 1 <= record_id <= _LARGEST_ID:
        raise SeedError(f"{where} needs an id that is a positive 64-bit integer, got {record_id!r:.40}")
    return record_id


def _check_fields(kind: str, record: JsonObject) -> None:
    where = f"{kind} {record['id']}"
    allowed = property_names(RECORD_SCHEMAS[kind])
    unknown = sorted(set(record) - set(allowed))
    if unknown:
        raise SeedError(f"{where}: unknown field(s) {', '.join(unknown)}; {_ONE[kind]} has {', '.join(allowed)}")
    address = record.get("address")
    if isinstance(address, dict):
        unknown = sorted(set(address) - set(property_names("Address")))
        if unknown:
            raise SeedError(f"{where}: unknown address field(s) {', '.join(unknown)}")
    violations = _record_validator(kind).violations(record, limit=1)
    if violations:
        v = violations[0]
        raise SeedError(f"{where}: {v.path.replace('$', kind[:-1], 1)}: {v.rule}: {v.message}")


def _complete(kind: str, record: JsonObject) -> JsonObject:
    """Every field of the record's schema, left-out ones as null; a nested address likewise."""
    complete = {name: record.get(name) for name in property_names(RECORD_SCHEMAS[kind])}
    address = complete.get("address")
    if isinstance(address, dict):
        complete["address"] = {name: address.get(name) for name in property_names("Address")}
    return complete


def _resolve_references(tables: dict[str, dict[int, JsonObject]]) -> None:
    """A patient's site and a kit's items, from the tables by id (SeedError naming an unknown one)."""
    seen_identifiers: dict[str, int] = {}
    for patient in tables["patients"].values():
        site = patient.get("site")
        if site is not None:
            site_id = site.get("id")
            if site_id not in tables["sites"]:
                raise SeedError(f"patients {patient['id']}: site {site_id!r:.40} is not a seeded site")
            patient["site"] = site_summary(tables["sites"][site_id])
        identifier = patient.get("externalIdentifier")
        if identifier is not None:
            if identifier in seen_identifiers:
                raise SeedError(
                    f"patients {patient['id']}: externalIdentifier {identifier!r:.40} is also patient "
                    f"{seen_identifiers[identifier]}'s"
                )
            seen_identifiers[identifier] = patient["id"]
    for kit in tables["kits"].values():
        for index, line in enumerate(kit.get("kitItems") or []):
            item = line.get("item")
            if item is None:
                continue
            item_id = item.get("id")
            if item_id not in tables["items"]:
                raise SeedError(f"kits {kit['id']}: kitItems[{index}] names item {item_id!r:.40}, not a seeded item")
            kit["kitItems"][index] = {"item": item_summary(tables["items"][item_id]), "count": line.get("count")}


def _build(extra: Mapping[str, Any] | None) -> dict[str, dict[int, JsonObject]]:
    tables = _builtin()
    if extra is not None:
        if not isinstance(extra, Mapping):
            raise SeedError(f"a seed must be a JSON object with {', '.join(KINDS)}, got {type(extra).__name__}")
        unknown = sorted(set(extra) - set(KINDS))
        if unknown:
            raise SeedError(f"unknown key(s) {', '.join(map(str, unknown))}; a seed has {', '.join(KINDS)}")
        for kind in KINDS:
            records = extra.get(kind, [])
            if not isinstance(records, list):
                raise SeedError(f"{kind} must be a list of records, got {type(records).__name__}")
            given: set[int] = set()
            for index, record in enumerate(records):
                record_id = _record_id(kind, index, record)
                if record_id in given:
                    raise SeedError(f"{kind}[{index}]: id {record_id} is given twice")
                given.add(record_id)
                tables[kind][record_id] = copy.deepcopy(record)
    for kind, table in tables.items():
        for record_id, record in table.items():
            _check_fields(kind, record)
            table[record_id] = _complete(kind, record)
    _resolve_references(tables)
    return tables


@functools.cache
def _builtin_tables() -> dict[str, dict[int, JsonObject]]:
    return _build(None)


def _builtin_copy(kind: str) -> Callable[[], dict[int, JsonObject]]:
    return lambda: copy.deepcopy(_builtin_tables()[kind])


@dataclass(frozen=True)
class Seed:
    """Patients, sites, items and kits by id, complete and cross-referenced.

    `Seed()` is the built-in catalog; `Seed.extended(data)` and `Seed.from_file(path)` add to it
    (see the module docstring). Each instance has its own copy of the records.
    """

    patients: dict[int, JsonObject] = field(default_factory=_builtin_copy("patients"))
    sites: dict[int, JsonObject] = field(default_factory=_builtin_copy("sites"))
    items: dict[int, JsonObject] = field(default_factory=_builtin_copy("items"))
    kits: dict[int, JsonObject] = field(default_factory=_builtin_copy("kits"))

    @classmethod
    def extended(cls, extra: Mapping[str, Any]) -> Seed:
        """The built-in catalog with `extra`'s records added or replacing theirs by id; SeedError if bad."""
        return cls(**_build(extra))

    @classmethod
    def from_file(cls, path: str | Path) -> Seed:
        """The built-in catalog extended by a JSON seed file; SeedError naming the problem if it is bad."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SeedError(f"cannot read {path}: {exc}") from None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SeedError(f"{path} is not JSON: {str(exc)[:200]}") from None
        try:
            return cls.extended(data)
        except SeedError as exc:
            raise SeedError(f"{path}: {exc}") from None
