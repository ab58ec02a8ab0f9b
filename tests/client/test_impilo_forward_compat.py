"""Responses Impilo may really send parse through the facade, lose nothing, and are never silent.

At every position of the docs' full order: a null where the spec allows one, or anything the
spec declares open (a 14th order status, unknown fields, timestamps that are not timestamps)
parses with no warning; a null where the spec assumes a value, and a value of the wrong JSON
type anywhere, parse too, keep the value as sent, and are reported once as drift naming the
path. "Lose nothing" is `to_dict()` giving back what the server sent, key for key.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from impilo_fakes import Recorder, make_async_client, make_client, order_json, page_json

from impilo.spec import contract_view, example_value
from impilo_orders_api.models.order_status import OrderStatus
from impilo_orders_api.models.sex import Sex
from impilo_orders_api.models.shipping_option import ShippingOption
from impilo_orders_api.types import ResponseDriftWarning

Path = tuple[str | int, ...]
SCHEMAS = contract_view()["components"]["schemas"]


def _get_through_facade(payload: dict[str, Any]) -> tuple[Any, list[str]]:
    """The order the facade returns for `payload`, and the drift warnings the call gave."""
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResponseDriftWarning)
        order = make_client(recorder).orders.get(1)
    return order, [str(w.message) for w in caught if issubclass(w.category, ResponseDriftWarning)]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema)
    return [_resolve(b) for b in schema["anyOf"]] if "anyOf" in schema else [schema]


def _allows_null(schema: dict[str, Any]) -> bool:
    return any(b.get("type") == "null" for b in _branches(schema))


def _child(schema: dict[str, Any], key: str | int) -> dict[str, Any]:
    """The schema of `key` inside a value of `schema` (an object's property or an array's entry)."""
    for branch in _branches(schema):
        if isinstance(key, int) and branch.get("type") == "array":
            return dict(branch["items"])
        if isinstance(key, str) and key in branch.get("properties", {}):
            return dict(branch["properties"][key])
    raise KeyError(key)


def _paths(node: Any, schema: dict[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        sub = _child(schema, key)
        yield (*prefix, key), sub
        yield from _paths(value, sub, (*prefix, key))


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


def _json_path(path: Path) -> str:
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)


FULL_ORDER = example_value("FetchOrderResponse")
EVERY_PATH = list(_paths(FULL_ORDER, {"$ref": "#/components/schemas/Order"}))
NULLABLE = [p for p, s in EVERY_PATH if _allows_null(s)]
NOT_NULLABLE = [p for p, s in EVERY_PATH if not _allows_null(s)]


def _id(path: Path) -> str:
    return ".".join(map(str, path))


def raw(value: object) -> Any:
    """A value as it came: after drift, the attribute's declared type no longer holds."""
    return value


def test_the_docs_full_order_parses_and_round_trips_with_no_drift() -> None:
    order, drift = _get_through_facade(FULL_ORDER)
    assert order.id == 1 and order.patient.first_name == "John" and drift == []
    assert order.to_dict() == FULL_ORDER


def test_the_spec_covers_both_kinds_of_position() -> None:
    """The parametrised tests below see nullable positions and positions the project assumes sent."""
    assert len(NULLABLE) > 50 and len(NOT_NULLABLE) > 10
    assert ("id",) in NOT_NULLABLE and ("patient", "id") in NOT_NULLABLE and ("orderItems", 0) in NOT_NULLABLE


def test_a_fourteenth_order_status_is_kept_as_the_raw_string_and_is_not_drift() -> None:
    order, drift = _get_through_facade(order_json(1, currentStatus="returnedToSender"))
    status = order.current_status
    assert isinstance(status, str) and status == "returnedToSender" and str(status) == "returnedToSender"
    assert isinstance(status, OrderStatus) and status.is_known is False
    assert OrderStatus.DELIVERED.is_known is True
    assert order.to_dict()["currentStatus"] == "returnedToSender" and drift == []


def test_unknown_values_of_every_open_enum_are_kept() -> None:
    payload = order_json(1, shippingOption="drone")
    payload["patient"]["sex"] = "nonBinary"
    payload["devices"][0]["deviceIdentifiers"] = [{"type": "eSimProfile", "value": "89"}]
    order, drift = _get_through_facade(payload)
    assert order.shipping_option == "drone" and isinstance(order.shipping_option, ShippingOption)
    assert order.patient.sex == "nonBinary" and isinstance(order.patient.sex, Sex) and not order.patient.sex.is_known
    assert order.to_dict() == payload and drift == []


def test_unknown_fields_stay_reachable_at_every_depth_and_are_not_drift() -> None:
    payload = order_json(1, priority="high")
    payload["patient"]["loyaltyTier"] = "gold"
    payload["orderItems"][0]["item"]["colour"] = "blue"
    order, drift = _get_through_facade(payload)
    assert order.additional_properties["priority"] == "high"
    assert order.patient.additional_properties["loyaltyTier"] == "gold"
    assert order.order_items[0].item.additional_properties["colour"] == "blue"
    assert order.to_dict() == payload and drift == []


def test_timestamps_that_are_not_timestamps_are_kept_as_text() -> None:
    payload = order_json(1)
    payload["orderEvents"] = [
        {"name": "orderPlaced", "eventTimestamp": "eventTimestamp"},
        {"eventTimestamp": "31/02/2026 25:61"},
    ]
    payload["devices"][0]["lastHealthCheck"] = "last tuesday"
    payload["patient"]["dateOfBirth"] = "1980-02-31"
    payload["orderNotes"] = [{"note": "n", "createdAt": "soon"}]
    order, drift = _get_through_facade(payload)
    assert [e.event_timestamp for e in order.order_events] == ["eventTimestamp", "31/02/2026 25:61"]
    assert order.devices[0].last_health_check == "last tuesday"
    assert order.to_dict() == payload and drift == []


def test_absent_and_null_read_as_none_and_come_back_as_they_came() -> None:
    payload = {"id": 5, "currentStatus": "shipped", "site": None}
    order, drift = _get_through_facade(payload)
    assert (order.site, order.patient) == (None, None) and drift == []
    assert order.to_dict() == payload  # the null stays a null; the absent patient stays absent
    assert "Unset" not in repr(order) and "site=None" in repr(order)


def test_an_empty_order_and_an_order_of_nulls_parse_and_say_what_is_missing() -> None:
    order, drift = _get_through_facade({})
    assert order.to_dict() == {} and order.id is None
    assert drift == [
        "fetchOrder: $.id: expected integer, got nothing (the field is missing)",
        "fetchOrder: $.currentStatus: expected string (OrderStatus), got nothing (the field is missing)",
    ]
    nulls = dict.fromkeys(FULL_ORDER)
    order, drift = _get_through_facade(nulls)
    assert order.id is None and order.current_status is None and order.to_dict() == nulls
    assert drift == [
        "fetchOrder: $.id: expected integer, got null",
        "fetchOrder: $.currentStatus: expected string (OrderStatus), got null",
    ]


@pytest.mark.parametrize("path", NULLABLE, ids=_id)
def test_a_null_where_the_spec_allows_one_parses_silently_and_round_trips(path: Path) -> None:
    payload = _replaced(FULL_ORDER, path, None)
    order, drift = _get_through_facade(payload)
    assert order.to_dict() == payload and drift == []


@pytest.mark.parametrize("path", NOT_NULLABLE, ids=_id)
def test_a_null_where_the_spec_assumes_a_value_is_drift_and_round_trips(path: Path) -> None:
    payload = _replaced(FULL_ORDER, path, None)
    order, drift = _get_through_facade(payload)
    assert order.to_dict() == payload
    assert len(drift) == 1 and drift[0].startswith(f"fetchOrder: {_json_path(path)}: expected ")
    assert drift[0].endswith("got null")


@pytest.mark.parametrize("path", [p for p, _ in EVERY_PATH], ids=_id)
def test_a_wrong_type_anywhere_is_drift_the_value_kept_as_sent(path: Path) -> None:
    wrong = _wrong_type(_value_at(FULL_ORDER, path))
    payload = _replaced(FULL_ORDER, path, wrong)
    order, drift = _get_through_facade(payload)
    assert order.to_dict() == payload
    assert len(drift) == 1 and drift[0].startswith(f"fetchOrder: {_json_path(path)}: expected "), drift
    assert repr(wrong) in drift[0]


def test_a_page_with_drifted_orders_and_unknown_fields_parses() -> None:
    page = page_json([1, 2], total=2, last=True)
    page["content"][0]["currentStatus"] = "returnedToSender"
    page["content"][1]["id"] = None
    page["cursor"] = "abc"
    page["total"] = "2"
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    with pytest.warns(ResponseDriftWarning) as caught:
        result = make_client(recorder).orders.list()
    assert sorted(str(w.message) for w in caught) == [
        "listOrders: $.content[1].id: expected integer, got null",
        "listOrders: $.total: expected integer, got string '2'",
    ]
    assert result.additional_properties["cursor"] == "abc" and raw(result.total) == "2"
    assert isinstance(result.content, list) and result.content[0].current_status == "returnedToSender"
    assert result.to_dict() == page


def test_iteration_survives_drifted_pages() -> None:
    page = page_json([1, 2], total=2, last=True)
    page["content"][0]["currentStatus"] = "returnedToSender"
    page["content"][1]["orderItems"] = "lots"
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    with pytest.warns(ResponseDriftWarning, match=r"\$\.content\[1\]\.orderItems: expected array"):
        orders = list(make_client(recorder).orders.iter())
    assert [o.current_status for o in orders] == ["returnedToSender", "availableForPickup"]
    assert raw(orders[1].order_items) == "lots"


async def test_async_facade_keeps_open_things_silent_too() -> None:
    payload = order_json(1, currentStatus="returnedToSender", somethingNew={"a": [1]})
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResponseDriftWarning)
        order = await make_async_client(recorder).orders.get(1)
    assert order.current_status == "returnedToSender" and order.additional_properties["somethingNew"] == {"a": [1]}
