"""Responses Impilo may really send parse through the facade without raising, and lose nothing.

These guard whatever model template generates `impilo_orders_api`: a 14th order status, unknown
fields at any depth, nulls and wrong types at every position of the docs' full order, timestamps
that are not timestamps. "Lose nothing" is checked as `to_dict()` giving back what the server sent.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from impilo_fakes import Recorder, make_async_client, make_client, order_json, page_json

from impilo.spec import example_value
from impilo_orders_api.models.order_status import OrderStatus
from impilo_orders_api.models.sex import Sex
from impilo_orders_api.models.shipping_option import ShippingOption

Path = tuple[str | int, ...]


def _get_through_facade(payload: dict[str, Any]) -> Any:
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    return make_client(recorder).orders.get(1)


def _paths(node: Any, prefix: Path = ()) -> Iterator[Path]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


def _replaced(doc: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    node: Any = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


def _value_at(doc: Any, path: Path) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return "12"
    if isinstance(value, str):
        return 12
    if isinstance(value, list):
        return "many"
    if isinstance(value, dict):
        return 7
    return "x"


FULL_ORDER = example_value("FetchOrderResponse")
EVERY_PATH = list(_paths(FULL_ORDER))


def test_the_docs_full_order_parses_and_round_trips() -> None:
    order = _get_through_facade(FULL_ORDER)
    assert order.id == 1 and order.patient.first_name == "John"
    assert order.to_dict() == FULL_ORDER


def test_a_fourteenth_order_status_is_kept_as_the_raw_string() -> None:
    order = _get_through_facade(order_json(1, currentStatus="returnedToSender"))
    status = order.current_status
    assert isinstance(status, str) and status == "returnedToSender" and str(status) == "returnedToSender"
    assert isinstance(status, OrderStatus) and status.is_known is False
    assert OrderStatus.DELIVERED.is_known is True
    assert order.to_dict()["currentStatus"] == "returnedToSender"


def test_unknown_values_of_every_open_enum_are_kept() -> None:
    payload = order_json(1, shippingOption="drone")
    payload["patient"]["sex"] = "nonBinary"
    payload["devices"][0]["deviceIdentifiers"] = [{"type": "eSimProfile", "value": "89"}]
    order = _get_through_facade(payload)
    assert order.shipping_option == "drone" and isinstance(order.shipping_option, ShippingOption)
    assert order.patient.sex == "nonBinary" and isinstance(order.patient.sex, Sex) and not order.patient.sex.is_known
    assert order.to_dict() == payload


def test_unknown_fields_stay_reachable_at_every_depth() -> None:
    payload = order_json(1, priority="high")
    payload["patient"]["loyaltyTier"] = "gold"
    payload["orderItems"][0]["item"]["colour"] = "blue"
    order = _get_through_facade(payload)
    assert order.additional_properties["priority"] == "high"
    assert order.patient.additional_properties["loyaltyTier"] == "gold"
    assert order.order_items[0].item.additional_properties["colour"] == "blue"
    assert order.to_dict() == payload


def test_timestamps_that_are_not_timestamps_are_kept_as_text() -> None:
    payload = order_json(1)
    payload["orderEvents"] = [
        {"name": "orderPlaced", "eventTimestamp": "eventTimestamp"},
        {"eventTimestamp": "31/02/2026 25:61"},
    ]
    payload["devices"][0]["lastHealthCheck"] = "last tuesday"
    payload["patient"]["dateOfBirth"] = "1980-02-31"
    payload["orderNotes"] = [{"note": "n", "createdAt": "soon"}]
    order = _get_through_facade(payload)
    assert [e.event_timestamp for e in order.order_events] == ["eventTimestamp", "31/02/2026 25:61"]
    assert order.devices[0].last_health_check == "last tuesday"
    assert order.to_dict() == payload


def test_an_empty_order_and_an_order_of_nulls_parse() -> None:
    assert _get_through_facade({}).to_dict() == {}
    nulls = dict.fromkeys(FULL_ORDER)
    order = _get_through_facade(nulls)
    assert order.id is None and order.current_status is None
    assert order.to_dict() == nulls


@pytest.mark.parametrize("path", EVERY_PATH, ids=lambda p: ".".join(map(str, p)))
def test_null_anywhere_parses_and_round_trips(path: Path) -> None:
    payload = _replaced(FULL_ORDER, path, None)
    assert _get_through_facade(payload).to_dict() == payload


@pytest.mark.parametrize("path", EVERY_PATH, ids=lambda p: ".".join(map(str, p)))
def test_a_wrong_type_anywhere_parses_and_round_trips(path: Path) -> None:
    payload = _replaced(FULL_ORDER, path, _wrong_type(_value_at(FULL_ORDER, path)))
    assert _get_through_facade(payload).to_dict() == payload


def test_a_page_with_drifted_orders_and_unknown_fields_parses() -> None:
    page = page_json([1, 2], total=2, last=True)
    page["content"][0]["currentStatus"] = "returnedToSender"
    page["content"][1]["id"] = None
    page["cursor"] = "abc"
    page["total"] = "2"
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    result = make_client(recorder).orders.list()
    assert result.additional_properties["cursor"] == "abc"
    assert isinstance(result.content, list) and result.content[0].current_status == "returnedToSender"
    assert result.to_dict() == page


def test_iteration_survives_drifted_pages() -> None:
    page = page_json([1, 2], total=2, last=True)
    page["content"][0]["currentStatus"] = "returnedToSender"
    page["content"][1]["orderItems"] = "lots"
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    orders = list(make_client(recorder).orders.iter())
    assert [o.current_status for o in orders] == ["returnedToSender", "availableForPickup"]


async def test_async_facade_parses_drift_too() -> None:
    payload = order_json(1, currentStatus="returnedToSender", somethingNew={"a": [1]})
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    order = await make_async_client(recorder).orders.get(1)
    assert order.current_status == "returnedToSender" and order.additional_properties["somethingNew"] == {"a": [1]}
