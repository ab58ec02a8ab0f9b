"""The payloads every benchmark uses, built from the spec's own examples so they track openapi.yaml.

A "full order" is the docs' GET /order/{id} example (components.examples.FetchOrderResponse) with the
entries the docs leave partial (a kit line with only a count, empty device identifiers and events,
no notes) filled in with every field the schema lists, so every model of the response is decoded.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import impilo_spec

# What the docs' example leaves out, in the shapes the schema gives them.
_ITEM = {
    "id": 1000,
    "manufacturer": {"id": 7, "name": "Acme Medical"},
    "name": "Blood pressure monitor",
    "model": "BP-200",
    "sku": "BP-200-US",
    "orderable": True,
}
_KIT = {
    "id": 1000,
    "name": "Hypertension starter kit",
    "archived": False,
    "kitItems": [{"item": _ITEM, "count": 1}],
}
_END_USER = {"id": 3, "firstName": "Jane", "lastName": "Roe", "email": "jane.roe@example.com"}
_FILLS: dict[str, Any] = {
    "orderItems": [{"item": _ITEM, "count": 1}],
    "orderKits": [{"kit": _KIT, "count": 1}],
    "orderNotes": [{"note": "Leave at the front desk", "createdAt": "2024-05-01T10:00:00Z", "createdBy": _END_USER}],
    "orderEvents": [
        {"name": "orderPlaced", "eventTimestamp": "2024-05-01T10:00:00Z"},
        {"name": "shipped", "eventTimestamp": "2024-05-02T09:30:00Z"},
    ],
}
_DEVICE_FILLS: dict[str, Any] = {
    "item": _ITEM,
    "deviceIdentifiers": [{"type": "serial", "value": "SN-0001"}, {"type": "imei", "value": "356938035643809"}],
    "deviceEvents": [{"type": "healthCheck", "eventTimestamp": "2024-05-03T08:00:00Z"}],
}


def spec() -> dict[str, Any]:
    """The plain spec, as `make regen` ships it."""
    return impilo_spec.view("openapi")


def docs_example(name: str) -> dict[str, Any]:
    """One of the docs' examples embedded in openapi.yaml, as a fresh copy."""
    return copy.deepcopy(spec()["components"]["examples"][name]["value"])


@cache
def _full_order_template() -> dict[str, Any]:
    order = docs_example("FetchOrderResponse")
    order.update(copy.deepcopy(_FILLS))
    for device in order["devices"]:
        device.update(copy.deepcopy(_DEVICE_FILLS))
    for packed in order["packedKits"]:
        packed["kit"] = copy.deepcopy(_KIT)
        packed["devices"] = [copy.deepcopy(d) for d in order["devices"]]
    return order


def full_order(order_id: int = 1) -> dict[str, Any]:
    """A full order (see the module docstring) with its own id and external id."""
    order = copy.deepcopy(_full_order_template())
    order["id"] = order_id
    order["externalOrderIds"] = [f"ext-{order_id}"]
    return order


def order_page(n: int = 100, *, page: int = 1) -> dict[str, Any]:
    """A page of `n` full orders, as GET /api/v3/order returns it."""
    start = (page - 1) * n
    return {
        "content": [full_order(start + i + 1) for i in range(n)],
        "page": page,
        "size": n,
        "total": n,
        "first": page == 1,
        "last": True,
    }


def page_bytes(n: int = 100) -> bytes:
    """A page of `n` full orders as the server sends it: compact JSON bytes."""
    return json.dumps(order_page(n), separators=(",", ":")).encode()


def create_request() -> dict[str, Any]:
    """The docs' create-order request for a patient, with a note: the body a client encodes."""
    body = docs_example("CreatePatientOrderRequest")
    body["orderNotes"] = [{"note": "Leave at the front desk"}]
    return body
