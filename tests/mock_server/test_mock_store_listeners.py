"""OrderStore listeners: told of every committed status change, in order, and never able to break one."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from mock_helpers import site_order

from impilo_mock import OrderStore, Seed
from impilo_mock._catalog import Catalog
from impilo_mock._orders import build_order

Change = tuple[int, str, str | None]


def _store_with_log() -> tuple[OrderStore, list[Change]]:
    store = OrderStore()
    heard: list[Change] = []
    store.add_listener(lambda order, previous: heard.append((order["id"], order["currentStatus"], previous)))
    return store, heard


def _create(store: OrderStore, seed: Seed | None = None) -> int:
    order, new_patient = build_order(site_order(), Catalog(seed or Seed(), store))
    return int(json.loads(store.create(order, new_patient))["id"])


def test_create_each_lifecycle_step_and_void_are_heard_with_the_previous_status() -> None:
    store, heard = _store_with_log()
    first, second = _create(store), _create(store)
    store.advance(0)
    store.void(second)
    store.void(second)  # already voided: nothing changes, nothing is heard
    store.advance(0)
    store.advance(0)
    store.advance(0)  # delivered is the end: nothing moves
    assert heard == [
        (first, "orderPlaced", None),
        (second, "orderPlaced", None),
        (first, "awaitingShipment", "orderPlaced"),
        (second, "awaitingShipment", "orderPlaced"),
        (second, "voided", "awaitingShipment"),
        (first, "shipped", "awaitingShipment"),
        (first, "delivered", "shipped"),
    ]


def test_each_listener_call_carries_the_order_as_a_fetch_then_answers_it() -> None:
    store = OrderStore()
    heard: list[tuple[dict[str, Any], bytes | None]] = []
    # What a fetch answers at the moment of each call (the listener may read the store).
    store.add_listener(lambda order, previous: heard.append((order, store.get(order["id"]))))
    order_id = _create(store)
    store.advance(0)
    store.advance(0)
    store.void(order_id)  # shipped: too late, nothing changes and nobody hears of it
    assert [order["currentStatus"] for order, _ in heard] == ["orderPlaced", "awaitingShipment", "shipped"]
    for order, fetched in heard:
        assert fetched is not None and order == json.loads(fetched)
    assert heard[-1][0]["trackingNumbers"], "the shipped order carries its tracking number"


def test_a_failing_listener_is_logged_and_breaks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    store, heard = _store_with_log()

    def broken(order: dict[str, Any], previous: str | None) -> None:
        raise RuntimeError("listener on fire")

    store.add_listener(broken)
    also: list[int] = []
    store.add_listener(lambda order, previous: also.append(order["id"]))
    with caplog.at_level(logging.ERROR, logger="impilo_mock"):
        order_id = _create(store)
        assert store.advance(0) == 1
    assert store.get(order_id) is not None
    assert [change[1] for change in heard] == ["orderPlaced", "awaitingShipment"]
    assert also == [order_id, order_id], "a listener after the broken one still hears every change"
    assert sum("listener on fire" in record.exc_text for record in caplog.records if record.exc_text) == 2


def test_a_removed_listener_hears_nothing_more() -> None:
    store = OrderStore()
    heard: list[str | None] = []

    def listener(order: dict[str, Any], previous: str | None) -> None:
        heard.append(previous)

    store.add_listener(listener)
    _create(store)
    store.remove_listener(listener)
    _create(store)
    assert len(heard) == 1
    with pytest.raises(ValueError, match=r"not in list"):
        store.remove_listener(listener)
