"""Drift is surfaced, never hidden: every JSON type against every schema type, at any depth.

Drift is a response value that does not have the JSON type the spec gives it, or a field the
spec declares always sent that is missing or null. By default the call returns, the value stays
behind its attribute as sent, and each kind of drift of the call is one ResponseDriftWarning and
one log record naming the operation, the JSON path, the expected type and what came. With
strict mode (client-wide, per call, or `with_options`) the call raises ResponseDriftError.
Unknown enum values and unknown fields are open by the spec: never drift.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from impilo_fakes import Recorder, make_async_client, make_client, order_json, page_json

from impilo import ResponseDriftError, ResponseDriftWarning
from impilo_orders_api.api.catalog import fetch_item
from impilo_orders_api.api.orders import fetch_order, list_orders
from impilo_orders_api.models import Order

# One value of each JSON type.
SAMPLES: dict[str, Any] = {
    "null": None,
    "boolean": True,
    "integer": 7,
    "number": 1.5,
    "string": "s",
    "array": [1],
    "object": {"k": 1},
}


class Place:
    """A position in the docs' full order, what the spec says is there, and a value of that type."""

    def __init__(self, path: str, keys: tuple[str | int, ...], accepts: str, nullable: bool, good: Any) -> None:
        self.path, self.keys, self.accepts, self.nullable, self.good = path, keys, accepts, nullable, good

    def __repr__(self) -> str:
        return self.path


PLACES = [
    Place("$.id", ("id",), "integer", False, 5),
    Place("$.orderItems[0].count", ("orderItems", 0, "count"), "integer", True, 3),
    Place("$.patient.firstName", ("patient", "firstName"), "string", True, "Ada"),
    Place("$.patient.archived", ("patient", "archived"), "boolean", True, False),
    Place("$.currentStatus", ("currentStatus",), "string", False, "shipped"),
    Place("$.patient", ("patient",), "object", True, {"id": 9}),
    Place("$.patient.site", ("patient", "site"), "object", True, {"id": 8}),
    Place("$.orderItems", ("orderItems",), "array", True, [{"count": 1}]),
    Place("$.orderItems[0]", ("orderItems", 0), "object", False, {"count": 2}),
    Place("$.externalOrderIds", ("externalOrderIds",), "array", True, ["a"]),
    Place("$.externalOrderIds[0]", ("externalOrderIds", 0), "string", False, "b"),
    Place("$.devices[0].currentPatient.address", ("devices", 0, "currentPatient", "address"), "object", True, {}),
]


def raw(value: object) -> Any:
    """A value as it came: after drift, the attribute's declared type no longer holds."""
    return value


def _json_type_of(name: str) -> str:
    return {"number": "number", "integer": "integer"}.get(name, name)


def _with(value: Any, keys: tuple[str | int, ...], base: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = copy.deepcopy(base or order_json(1))
    node: Any = payload
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return payload


def _drifts_expected(place: Place, sample: str) -> bool:
    if sample == "null":
        return not place.nullable
    return sample != place.accepts


def _at(model: Any, keys: tuple[str | int, ...]) -> Any:
    """The value behind the attributes (snake_case) that `keys` (JSON names) lead to."""
    for key in keys:
        if isinstance(key, int):
            model = model[key]
            continue
        attribute = next(a for a, k in type(model)._json_fields if k == key)
        model = getattr(model, attribute)
    return model


def _calls(payload: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Every way to fetch an order: the sync and async facades, and the generated functions."""
    reply = Recorder(lambda request: httpx.Response(200, json=payload))

    async def async_facade() -> Any:
        return await make_async_client(reply).orders.get(1)

    async def generated_async() -> Any:
        return await fetch_order.asyncio(1, client=make_async_client(reply).generated)

    return {
        "sync facade": lambda: make_client(reply).orders.get(1),
        "generated sync": lambda: fetch_order.sync(1, client=make_client(reply).generated),
        "async facade": async_facade,
        "generated asyncio": generated_async,
    }


async def _call(fn: Callable[[], Any]) -> Any:
    result = fn()
    return await result if isinstance(result, Awaitable) else result


def _recorded(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ResponseDriftWarning)]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("place", PLACES, ids=repr)
async def test_every_json_type_at_every_kind_of_place(place: Place, sample: str) -> None:
    value = place.good if sample == place.accepts else SAMPLES[sample]
    payload = _with(value, place.keys)
    for how, fn in _calls(payload).items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResponseDriftWarning)
            order = await _call(fn)
        drift = _recorded(caught)
        assert isinstance(order, Order), how
        assert order.to_dict() == payload, how  # nothing lost: the raw value is still there
        if _drifts_expected(place, sample):
            assert len(drift) == 1, (how, drift)
            got = "null" if sample == "null" else _json_type_of(sample)
            assert drift[0].startswith(f"fetchOrder: {place.path}: expected "), (how, drift)
            assert f"got {got}" in drift[0], (how, drift)
            if sample not in ("null", "object", "array"):
                assert _at(order, place.keys) == value  # the value, as sent, behind its attribute
        else:
            assert drift == [], (how, drift)


@pytest.mark.parametrize("how", ["client-wide", "per call", "with_options"])
def test_strict_mode_raises_naming_operation_path_expected_and_what_came(how: str) -> None:
    payload = _with("10", ("orderItems", 0, "count"))
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    calls = {
        "client-wide": lambda: make_client(recorder, strict=True).orders.get(1),
        "per call": lambda: make_client(recorder).orders.get(1, strict=True),
        "with_options": lambda: make_client(recorder).with_options(strict=True).orders.get(1),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResponseDriftWarning)
        with pytest.raises(ResponseDriftError) as raised:
            calls[how]()
    error = raised.value
    assert str(error) == (
        "fetchOrder response does not match the spec: $.orderItems[0].count: expected integer, got string '10'"
    )
    assert [(d.operation, d.path, d.expected, d.got, d.value) for d in error.drifts] == [
        ("fetchOrder", "$.orderItems[0].count", "integer", "string", "10")
    ]
    assert error.status_code == 200 and error.body == payload


def test_strict_client_can_be_relaxed_for_one_call() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=_with("10", ("orderItems", 0, "count"))))
    client = make_client(recorder, strict=True)
    with pytest.warns(ResponseDriftWarning):
        assert raw(client.orders.get(1, strict=False)).order_items[0].count == "10"
    with pytest.warns(ResponseDriftWarning):
        assert client.with_options(strict=False).orders.get(1).id == 1


def test_strict_generated_functions_raise_too() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=_with("x", ("id",))))
    with pytest.raises(ResponseDriftError, match=r"fetchOrder response does not match the spec: \$\.id"):
        fetch_order.sync(1, client=make_client(recorder, strict=True).generated)
    with pytest.raises(ResponseDriftError):
        fetch_order.sync(1, client=make_client(recorder).with_options(strict=True).generated)


def test_each_kind_of_drift_is_reported_once_per_call_with_a_log_record(caplog: pytest.LogCaptureFixture) -> None:
    """Three orders with a string count give one warning naming the first and counting the rest."""
    orders = [order_json(i) for i in (1, 2, 3)]
    for order in orders:
        order["orderItems"][0]["count"] = "10"
    orders[2]["patient"]["archived"] = "yes"
    page = {**page_json([], total=3, last=True), "content": orders}
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    with caplog.at_level(logging.WARNING, logger="impilo"), pytest.warns(ResponseDriftWarning) as caught:
        make_client(recorder).orders.list()
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "listOrders: $.content[0].orderItems[0].count: expected integer, got string '10' "
        "(and 2 more like it at $.content[*].orderItems[*].count)",
        "listOrders: $.content[2].patient.archived: expected boolean, got string 'yes'",
    ]
    logged = sorted(r.getMessage() for r in caplog.records if r.name == "impilo")
    assert logged == [f"response drift: {m}" for m in messages]


def test_nested_in_lists_of_lists_names_every_index() -> None:
    payload = order_json(1)
    payload["packedKits"] = [{"devices": [{"id": 1}, {"id": "two"}]}]
    recorder = Recorder(lambda request: httpx.Response(200, json=payload))
    with pytest.warns(
        ResponseDriftWarning, match=r"^fetchOrder: \$\.packedKits\[0\]\.devices\[1\]\.id: expected integer"
    ):
        order = make_client(recorder).orders.get(1)
    assert raw(order).packed_kits[0].devices[1].id == "two"


def test_generated_list_parser_reports_under_its_operation() -> None:
    page = {**page_json([1], total=1, last=True), "total": "1"}
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    with pytest.warns(ResponseDriftWarning, match=r"^listOrders: \$\.total: expected integer, got string '1'$"):
        parsed = list_orders.sync(client=make_client(recorder).generated)
    assert parsed is not None and parsed.to_dict() == page


def test_an_untyped_detail_field_takes_any_json_value() -> None:
    """ItemDetail's `itemClass` has no documented shape: nothing it holds is drift."""
    for value in SAMPLES.values():
        body = {"id": 1000, "itemClass": value}

        def answer(request: httpx.Request, sent: dict[str, Any] = body) -> httpx.Response:
            return httpx.Response(200, json=sent)

        recorder = Recorder(answer)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResponseDriftWarning)
            item = make_client(recorder).items.get(1000)
            generated = fetch_item.sync(1000, client=make_client(recorder).generated)
        assert item.item_class == value and item.to_dict() == body
        assert generated is not None and generated.to_dict() == body


def test_a_secret_is_never_shown_in_a_drift_message() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"secret": 123456789}))
    with pytest.warns(ResponseDriftWarning) as caught:
        found = make_client(recorder).webhooks.secret.get()
    assert str(caught[0].message) == "fetchWebhookSecret: $.secret: expected string, got integer ***"
    assert "123456789" not in repr(found) and raw(found.secret) == 123456789


def test_a_non_object_body_is_an_unexpected_response_not_drift() -> None:
    from impilo import UnexpectedResponseError

    recorder = Recorder(lambda request: httpx.Response(200, json=[1, 2]))
    with pytest.raises(UnexpectedResponseError, match="a JSON list instead of an object"):
        make_client(recorder).orders.get(1)
    with pytest.warns(ResponseDriftWarning, match=r"^fetchOrder: \$: expected object, got array"):
        assert raw(fetch_order.sync(1, client=make_client(recorder).generated)) == [1, 2]
