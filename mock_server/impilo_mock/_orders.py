"""What an order is in the mock: how a create body becomes an Order, how it is voided and how
the simulated lifecycle moves it on. Pure functions over JSON documents; storage is elsewhere.

The mock's choices where the docs leave a create body open (impilo_spec.rule_cases.QUESTIONS):
- explicit-null: null for a field left out (patient or site, orderItems or orderKits,
  shippingOption, externalOrderIds, orderNotes) is taken as left out: accepted.
- line-without-count: an item or kit line without a count is accepted and stored with no count;
  every later answer shows `count: null` for it.
- new-patient: a patient written out with no id (firstName and lastName, see PatientRequest) is
  accepted and creates a patient in the mock's catalog: a new id, the fields as written, no
  site, not archived, not enrolled. The order names that patient (and so has no site); the
  patient is then fetched and listed like any other. A new patient whose externalIdentifier
  already names a patient is refused with 422 (an identifier names one patient).
- non-positive ids and counts, coerced types ("10"), out-of-range integers and request enum
  values the spec does not list are refused with 422, as the contract view refuses them
  (`_validation`).
- An id that names no seeded (or created) patient, site, item or kit is 404 with an `errors`
  entry naming the field. Every seeded record may be ordered, an archived kit or patient, an
  inactive site or an item that is not orderable included: the docs do not say otherwise.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._errors import ApiError, FieldError
from ._seed import property_names

if TYPE_CHECKING:
    from ._catalog import Catalog

JsonObject = dict[str, Any]

INITIAL_STATUS = "orderPlaced"
VOIDED_STATUS = "voided"
DEFAULT_SHIPPING_OPTION = "standard"

# Voiding is allowed until the order leaves the warehouse; afterwards it is a 409.
VOIDABLE_STATUSES = frozenset(
    {
        "orderPlaced",
        "pendingInventory",
        "pendingAdditionalInformation",
        "reconfirmAddress",
        "onHold",
        "awaitingShipment",
    }
)
# The simulated lifecycle: each step happens one tick after the previous one.
LIFECYCLE_NEXT = {"orderPlaced": "awaitingShipment", "awaitingShipment": "shipped", "shipped": "delivered"}
TRACKING_CARRIER = "USPS"


def timestamp(now: float) -> str:
    """`now` as ISO 8601 in UTC, to the millisecond (2026-12-01T13:25:01.123Z)."""
    second = int(now)
    millis = int((now - second) * 1000)
    return f"{_second(second)}.{millis:03d}Z"


@functools.lru_cache(maxsize=4)
def _second(second: int) -> str:
    # Orders created within one second share this part: formatted once, not on every create.
    return datetime.datetime.fromtimestamp(second, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def render(order: JsonObject) -> bytes:
    """The bytes served for an order: rendered once per change, never per request."""
    return json.dumps(order, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_NO_COUNT = object()
_quoted = json.encoder.encode_basestring  # the json module's own string escaping (ensure_ascii=False)


class OrderRenderer:
    """Renders a new order as `render` does, with the catalog records it embeds rendered once.

    An order embeds its patient, site, items and kits whole; those are the catalog's own
    (read-only) records, so their JSON is made at start-up and reused: most of an order's bytes
    are then copied, not encoded. A record is known by identity, and the renderer keeps it alive.
    """

    MAX_LINES = 4096

    def __init__(self, records: Iterable[JsonObject]) -> None:
        self._lines: dict[tuple[str, int, int | None], str] = {}
        self._known: dict[int, tuple[JsonObject, str]] = {
            id(record): (record, render(record).decode("utf-8")) for record in records
        }

    def _line(self, entry: Any) -> str | None:
        """An order line naming a known record, `{"item": <record>, "count": n}`, as rendered before.

        Orders name the same catalog records with the same few counts over and over: each such
        line is encoded once (at most MAX_LINES of them are kept) and its text reused.
        """
        if type(entry) is not dict or len(entry) != 2:
            return None
        record_key = "item" if "item" in entry else "kit" if "kit" in entry else None
        if record_key is None:
            return None
        record, count = entry[record_key], entry.get("count", _NO_COUNT)
        known = self._known.get(id(record))
        if known is None or known[0] is not record or not (count is None or type(count) is int):
            return None
        key = (record_key, id(record), count)
        text = self._lines.get(key)
        if text is None:
            if len(self._lines) >= self.MAX_LINES:
                return None
            count_text = "null" if count is None else str(count)
            text = self._lines[key] = f'{{"{record_key}":{known[1]},"count":{count_text}}}'
        return text

    def __call__(self, order: JsonObject) -> bytes:
        out: list[str] = []
        self._encode(order, out)
        return "".join(out).encode("utf-8")

    def _encode(self, value: Any, out: list[str]) -> None:
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            out.append(known[1])
        elif type(value) is dict:
            separator = "{"
            for key, entry in value.items():
                kind = type(entry)
                # Scalars and known records inline: an order is mostly those, and a call each adds up.
                if kind is str:
                    out.append(f"{separator}{_quoted(key)}:{_quoted(entry)}")
                elif kind is int:
                    out.append(f"{separator}{_quoted(key)}:{entry}")
                elif entry is None:
                    out.append(f"{separator}{_quoted(key)}:null")
                else:
                    known = self._known.get(id(entry))
                    if known is not None and known[0] is entry:
                        out.append(f"{separator}{_quoted(key)}:{known[1]}")
                    else:
                        out.append(f"{separator}{_quoted(key)}:")
                        self._encode(entry, out)
                separator = ","
            out.append("}" if separator == "," else "{}")
        elif type(value) is list:
            if not value:
                out.append("[]")
                return
            separator = "["
            for entry in value:
                if type(entry) is str:
                    out.append(separator + _quoted(entry))
                else:
                    line = self._line(entry)
                    if line is not None:
                        out.append(separator + line)
                    else:
                        out.append(separator)
                        self._encode(entry, out)
                separator = ","
            out.append("]")
        elif type(value) is str:
            out.append(_quoted(value))
        else:
            # true, false, null, numbers, as the json module writes them
            out.append(json.dumps(value))


def _lookup(
    table: Callable[[int], JsonObject | None], kind: str, ref: JsonObject, field: str, missing: list[FieldError]
) -> Any:
    ref_id = int(ref["id"])
    found = table(ref_id)
    if found is None:
        missing.append(FieldError(field, f"{kind} {ref_id} does not exist"))
    return found


def _count(line: JsonObject) -> int | None:
    # A line without a count is stored without one (documented choice: the docs leave it open).
    count = line.get("count")
    return None if count is None else int(count)


def new_patient(written: JsonObject) -> JsonObject:
    """The Patient a create body writes out (no id yet): its fields as written, no site, not archived.

    Fields left out are null; a new patient is not enrolled (enrolment is outside this API).
    """
    address = written.get("address")
    return {
        **dict.fromkeys(property_names("Patient")),
        **{name: written.get(name) for name in property_names("PatientRequest") if name not in ("id", "address")},
        "id": None,
        "address": None if address is None else {name: address.get(name) for name in property_names("Address")},
        "site": None,
        "archived": False,
        "enrolled": False,
    }


def build_order(body: JsonObject, catalog: Catalog) -> tuple[JsonObject, JsonObject | None]:
    """The Order for a create body that passed the contract view, without `id` and events yet,
    and the new patient it writes out (None when it names an existing one or a site).

    Raises ApiError 404 naming every patient, site, item or kit id that does not exist, and 422
    when a new patient's externalIdentifier already names a patient.
    """
    missing: list[FieldError] = []
    patient = site = created = None
    written = body.get("patient")
    if written is not None and written.get("id") is None:
        # No id: a new patient (the contract view's identified-by-id rule made sure of its names).
        identifier = written.get("externalIdentifier")
        holder = None if identifier is None else catalog.patient_by_identifier(identifier)
        if holder is not None:
            message = f"externalIdentifier {identifier!r:.60} already names patient {holder['id']}"
            raise ApiError(422, message, [FieldError("$.patient.externalIdentifier", f"unique-identifier: {message}")])
        patient = created = new_patient(written)
    elif written is not None:
        patient = _lookup(catalog.patient, "patient", written, "$.patient.id", missing)
        if patient is not None and patient.get("site"):
            # The patient's own site receives it, as in the docs' responses (both are set).
            site = catalog.site(int(patient["site"]["id"]))
    else:
        site = _lookup(catalog.site, "site", body["site"], "$.site.id", missing)
    order_items = [
        {
            "item": _lookup(catalog.item_summary, "item", line["item"], f"$.orderItems[{i}].item.id", missing),
            "count": _count(line),
        }
        for i, line in enumerate(body.get("orderItems") or [])
    ]
    order_kits = [
        {"kit": _lookup(catalog.kit, "kit", line["kit"], f"$.orderKits[{i}].kit.id", missing), "count": _count(line)}
        for i, line in enumerate(body.get("orderKits") or [])
    ]
    if missing:
        raise ApiError(404, "; ".join(e.message for e in missing), missing)
    order = {
        "id": None,
        "externalOrderIds": list(body.get("externalOrderIds") or []),
        "patient": patient,
        "site": site,
        "currentStatus": INITIAL_STATUS,
        "orderItems": order_items,
        "orderKits": order_kits,
        "orderNotes": [{"note": n["note"], "createdAt": None, "createdBy": None} for n in body.get("orderNotes") or []],
        "orderEvents": [],
        "trackingNumbers": [],
        "devices": [],
        "packedKits": [],
        "shippingOption": body.get("shippingOption") or DEFAULT_SHIPPING_OPTION,
    }
    return order, created


def place(order: JsonObject, order_id: int, now: float) -> JsonObject:
    """Give a built order its id and the first event."""
    stamp = timestamp(now)
    order["id"] = order_id
    for note in order["orderNotes"]:
        note["createdAt"] = stamp
    order["orderEvents"] = [{"name": INITIAL_STATUS, "eventTimestamp": stamp}]
    return order


def move_to(order: JsonObject, status: str, now: float) -> JsonObject:
    """Set a new status and record it as an event; shipping adds a tracking number."""
    order["currentStatus"] = status
    order["orderEvents"].append({"name": status, "eventTimestamp": timestamp(now)})
    if status == "shipped":
        order["trackingNumbers"].append({"carrier": TRACKING_CARRIER, "value": f"9400{order['id']:018d}"})
    return order
