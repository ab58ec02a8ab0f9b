"""Reference data the docs' examples name: patient 1234, site 1234, items and kits 1000 to 1003.

Details follow the docs' sample responses (John Doe, the placeholder address). Seed data is
read-only: orders reference it, nothing changes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]

_ADDRESS: JsonObject = {
    "lineOne": "lineOne",
    "lineTwo": "lineTwo",
    "lineThree": "lineThree",
    "city": "city",
    "state": "state",
    "zipCode": "zipCode",
    "country": "country",
    "note": "note",
}

_SITE: JsonObject = {"id": 1234, "name": "name", "active": True, "address": _ADDRESS}

_PATIENT: JsonObject = {
    "id": 1234,
    "externalIdentifier": "1234abcd",
    "firstName": "John",
    "lastName": "Doe",
    "dateOfBirth": "1980-01-01",
    "email": "john.doe@example.com",
    "phoneNumber": "+1234567890",
    "archived": True,
    "address": _ADDRESS,
    "site": {"id": 1234, "name": "name", "active": True},
    "enrolled": True,
    "sex": "other",
}

_MANUFACTURER: JsonObject = {"id": 1, "name": "Impilo Devices"}

_ITEM_NAMES = {
    1000: ("Blood pressure monitor", "BP-100"),
    1001: ("Pulse oximeter", "OX-200"),
    1002: ("Weight scale", "WS-300"),
    1003: ("Glucose meter", "GM-400"),
}
_ITEMS: dict[int, JsonObject] = {
    item_id: {
        "id": item_id,
        "manufacturer": _MANUFACTURER,
        "name": name,
        "model": model,
        "sku": f"SKU-{item_id}",
        "orderable": True,
    }
    for item_id, (name, model) in _ITEM_NAMES.items()
}

_KIT_NAMES = {1000: "Hypertension kit", 1001: "Respiratory kit", 1002: "Weight management kit", 1003: "Diabetes kit"}
_KITS: dict[int, JsonObject] = {
    kit_id: {
        "id": kit_id,
        "name": name,
        "archived": False,
        # Each kit holds one unit of the item with the same number.
        "kitItems": [{"item": _ITEMS[kit_id], "count": 1}],
    }
    for kit_id, name in _KIT_NAMES.items()
}


@dataclass(frozen=True)
class Seed:
    """Patients, sites, items and kits by id, as the mock renders them inside orders."""

    patients: dict[int, JsonObject] = field(default_factory=lambda: {1234: copy.deepcopy(_PATIENT)})
    sites: dict[int, JsonObject] = field(default_factory=lambda: {1234: copy.deepcopy(_SITE)})
    items: dict[int, JsonObject] = field(default_factory=lambda: copy.deepcopy(_ITEMS))
    kits: dict[int, JsonObject] = field(default_factory=lambda: copy.deepcopy(_KITS))
