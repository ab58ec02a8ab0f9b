"""What an order is in the mock: how a create body becomes an Order, how it is voided and how
the simulated lifecycle moves it on. Pure functions over JSON documents; storage is elsewhere.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from ._errors import ApiError, FieldError
from ._seed import Seed

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
    return (
        datetime.datetime.fromtimestamp(now, tz=datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def render(order: JsonObject) -> bytes:
    """The bytes served for an order: rendered once per change, never per request."""
    return json.dumps(order, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _lookup(table: dict[int, JsonObject], kind: str, ref: JsonObject, field: str, missing: list[FieldError]) -> Any:
    ref_id = int(ref["id"])
    found = table.get(ref_id)
    if found is None:
        missing.append(FieldError(field, f"{kind} {ref_id} does not exist"))
    return found


def build_order(body: JsonObject, seed: Seed) -> JsonObject:
    """The Order for a create body that passed the contract view, without `id` and events yet.

    Raises ApiError 404 naming every patient, site, item or kit id that does not exist.
    """
    missing: list[FieldError] = []
    patient = site = None
    if body.get("patient") is not None:
        patient = _lookup(seed.patients, "patient", body["patient"], "$.patient.id", missing)
        if patient is not None:
            # The patient's own site receives it, as in the docs' responses (both are set).
            site_ref = patient.get("site") or {}
            site = seed.sites.get(int(site_ref.get("id", 0)))
    else:
        site = _lookup(seed.sites, "site", body["site"], "$.site.id", missing)
    order_items = [
        {
            "item": _lookup(seed.items, "item", line["item"], f"$.orderItems[{i}].item.id", missing),
            "count": int(line["count"]),
        }
        for i, line in enumerate(body.get("orderItems") or [])
    ]
    order_kits = [
        {
            "kit": _lookup(seed.kits, "kit", line["kit"], f"$.orderKits[{i}].kit.id", missing),
            "count": int(line["count"]),
        }
        for i, line in enumerate(body.get("orderKits") or [])
    ]
    if missing:
        raise ApiError(404, "; ".join(e.message for e in missing), missing)
    return {
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
