"""Orders in SQLite (stdlib sqlite3): in memory by default, in a file that outlives the process
with `db_path`. Each order is kept as its rendered JSON, so a fetch is one indexed read.

The client's own ids (`externalOrderIds`) are in each order's body; which orders carry an id is
also kept in memory (rebuilt from the bodies when a file is opened), so listing by them is a
lookup and a create writes one row. (Files written before kept them in a side table
`order_external_ids` as well; it is no longer read or written.)

Patients created with an order (a new patient written out in the create body) are kept here
too, in the same transaction as the order, so they outlive a restart with the orders that name
them; their ids follow the highest seeded patient id (`reserve_patient_ids`).

One connection guarded by one lock: every statement runs under it, so concurrent requests (and
the lifecycle task) see whole transactions only. SQL is parameterised throughout.

Listeners (`OrderStore.add_listener`) hear of every committed status change: a create (previous
status None), each lifecycle step, a void. Voiding an order that is already voided changes
nothing, so nobody hears of it.
"""

from __future__ import annotations

import enum
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from . import _orders

JsonObject = dict[str, Any]
StatusListener = Callable[[JsonObject, "str | None"], None]

_log = logging.getLogger("impilo_mock")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER,
    status TEXT NOT NULL,
    status_changed_at REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_patient ON orders (patient_id, id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status, status_changed_at);
CREATE TABLE IF NOT EXISTS patients (
    id INTEGER PRIMARY KEY,
    body BLOB NOT NULL
);
"""


class VoidOutcome(enum.Enum):
    VOIDED = "voided"
    ALREADY_VOIDED = "already voided"
    NOT_FOUND = "not found"
    TOO_LATE = "too late"


class OrderStore:
    """The mock's orders, by id, each kept as its rendered JSON.

    Status listeners: `add_listener(callback)` registers `callback(order, previous_status)`, called
    after every committed status change, in commit order: `create` (previous_status None), each
    step of `advance`, and `void` (not a repeated void: it changes nothing). `order` is the order
    as now stored, equal to what a fetch answers, parsed. It is read-only: it is shared by every
    listener and, on create, with the catalog's records it embeds (so no copy is made for it).
    Callbacks run on the thread that made the change (the server's event loop for requests and
    the lifecycle), after the store's lock is released, so a callback may read the store; they
    must be quick and must not block. An exception in a callback is logged and
    swallowed: it never fails the request, never undoes the change and never keeps the other
    listeners from hearing of it. With no listener, a change costs nothing extra.
    """

    def __init__(self, db_path: str | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._listeners: list[StatusListener] = []
        self._lock = threading.Lock()
        # Autocommit mode; writes open their own transaction. The lock makes sharing one
        # connection across the server thread and callers (tests, lifecycle) safe.
        self._db = sqlite3.connect(db_path or ":memory:", check_same_thread=False, isolation_level=None)
        if db_path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # The last order id given out, kept here under the lock: a create needs no query for it, and
        # no AUTOINCREMENT bookkeeping (orders are never deleted, but all at once by `clear`).
        (last,) = self._db.execute("SELECT MAX(id) FROM orders").fetchone()
        self._last_order_id = int(last or 0)
        self._patient_id_floor = 0
        rows = self._db.execute("SELECT body FROM patients ORDER BY id").fetchall()
        # Created patients are few and read on every catalog look-up: kept in memory, replaced on write.
        self._patients: dict[int, JsonObject] = {p["id"]: p for p in (json.loads(row[0]) for row in rows)}
        # external id -> the ids of the orders carrying it, ascending (orders only ever get added).
        self._by_external_id: dict[str, list[int]] = {}
        for order_id, external_ids in self._db.execute(
            "SELECT id, json_extract(body, '$.externalOrderIds') FROM orders ORDER BY id"
        ):
            self._index_external_ids(int(order_id), json.loads(external_ids) if external_ids else [])

    def add_listener(self, callback: StatusListener) -> None:
        """Call `callback(order, previous_status)` after every committed status change (see the class)."""
        self._listeners = [*self._listeners, callback]  # copy on write: a notification in flight keeps its list

    def remove_listener(self, callback: StatusListener) -> None:
        """Stop calling `callback`; ValueError if it was never added."""
        listeners = list(self._listeners)
        listeners.remove(callback)
        self._listeners = listeners

    def _notify(self, changes: Sequence[tuple[JsonObject, str | None]]) -> None:
        for callback in self._listeners:
            for order, previous in changes:
                try:
                    callback(order, previous)
                except Exception:
                    # A listener's fault is its own: the change is committed and the request answered.
                    _log.exception("order status listener %r failed on order %s", callback, order.get("id"))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def clear(self) -> None:
        """Forget every order and every patient created with one; order ids start again from 1."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM orders")
            self._db.execute("DELETE FROM patients")
            self._db.execute("COMMIT")
            self._last_order_id = 0
            self._patients = {}
            self._by_external_id = {}

    def reserve_patient_ids(self, up_to: int) -> None:
        """New patients get ids above `up_to` (the highest seeded patient id), and above every created one."""
        self._patient_id_floor = max(self._patient_id_floor, up_to)

    def created_patient(self, patient_id: int) -> JsonObject | None:
        """A patient created with an order, as stored (read-only)."""
        return self._patients.get(patient_id)

    def created_patients(self) -> list[JsonObject]:
        """Every patient created with an order, by id (read-only)."""
        return list(self._patients.values())

    def create(
        self,
        order: JsonObject,
        new_patient: JsonObject | None = None,
        *,
        render: Callable[[JsonObject], bytes] = _orders.render,
    ) -> bytes:
        """Store a built order under the next id; returns its rendered JSON.

        `new_patient` (a Patient without an id) is stored in the same transaction under the next
        patient id, and becomes the order's patient. `render` turns the placed order into the
        bytes served (an `_orders.OrderRenderer` is quicker than the default, with equal JSON).
        """
        now = self._clock()
        patient = order.get("patient")
        patient_id = patient["id"] if patient else None
        insert = "INSERT INTO orders (id, patient_id, status, status_changed_at, body) VALUES (?, ?, ?, ?, ?)"
        with self._lock:
            # The next id is known here (one connection, under the lock): the order is rendered
            # with it and written once.
            order_id = self._last_order_id + 1
            if new_patient is None:
                placed = _orders.place(order, order_id, now)
                body = render(placed)
                # One statement: atomic by itself in autocommit mode, no transaction to open.
                self._db.execute(insert, (order_id, patient_id, _orders.INITIAL_STATUS, now, body))
            else:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    (highest,) = self._db.execute("SELECT MAX(id) FROM patients").fetchone()
                    patient_id = max(self._patient_id_floor, int(highest or 0)) + 1
                    new_patient = {**new_patient, "id": patient_id}
                    self._db.execute(
                        "INSERT INTO patients (id, body) VALUES (?, ?)", (patient_id, _orders.render(new_patient))
                    )
                    order["patient"] = new_patient
                    placed = _orders.place(order, order_id, now)
                    body = render(placed)
                    self._db.execute(insert, (order_id, patient_id, _orders.INITIAL_STATUS, now, body))
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            self._last_order_id = order_id
            self._index_external_ids(order_id, order["externalOrderIds"])
            if new_patient is not None:
                self._patients = {**self._patients, new_patient["id"]: new_patient}
        if self._listeners:
            self._notify([(placed, None)])
        return body

    def _index_external_ids(self, order_id: int, external_ids: Sequence[Any]) -> None:
        for external_id in dict.fromkeys(e for e in external_ids if isinstance(e, str)):
            self._by_external_id.setdefault(external_id, []).append(order_id)

    def get(self, order_id: int) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def page(
        self, page: int, size: int, *, patient_id: int | None = None, external_ids: Sequence[str] = ()
    ) -> tuple[list[bytes], int]:
        """One page (from 1) of the orders matching every filter given, by id ascending, and the total."""
        where: list[str] = []
        params: list[object] = []
        if patient_id is not None:
            where.append("patient_id = ?")
            params.append(patient_id)
        with self._lock:
            if external_ids:
                carrying = sorted({i for e in external_ids for i in self._by_external_id.get(e, ())})
                # The ids bind as one JSON parameter: no SQL built from values, no variable limit.
                where.append("id IN (SELECT value FROM json_each(?))")
                params.append(json.dumps(carrying))
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            (total,) = self._db.execute(f"SELECT COUNT(*) FROM orders{clause}", params).fetchone()
            rows = self._db.execute(
                f"SELECT body FROM orders{clause} ORDER BY id LIMIT ? OFFSET ?", [*params, size, (page - 1) * size]
            ).fetchall()
        return [bytes(row[0]) for row in rows], int(total)

    def _update(self, order_id: int, order: JsonObject, now: float) -> None:
        self._db.execute(
            "UPDATE orders SET status = ?, status_changed_at = ?, body = ? WHERE id = ?",
            (order["currentStatus"], now, _orders.render(order), order_id),
        )

    def void(self, order_id: int) -> tuple[VoidOutcome, str | None]:
        """Void an order; the outcome and the status it had."""
        now = self._clock()
        voided: JsonObject | None = None
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT status, body FROM orders WHERE id = ?", (order_id,)).fetchone()
                if row is None:
                    outcome, status = VoidOutcome.NOT_FOUND, None
                else:
                    status = str(row[0])
                    if status == _orders.VOIDED_STATUS:
                        outcome = VoidOutcome.ALREADY_VOIDED
                    elif status not in _orders.VOIDABLE_STATUSES:
                        outcome = VoidOutcome.TOO_LATE
                    else:
                        voided = _orders.move_to(json.loads(row[1]), _orders.VOIDED_STATUS, now)
                        self._update(order_id, voided, now)
                        outcome = VoidOutcome.VOIDED
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if voided is not None and self._listeners:
            self._notify([(voided, status)])
        return outcome, status

    def advance(self, min_age: float) -> int:
        """Move every order that has sat in a lifecycle status for `min_age` seconds one step on."""
        now = self._clock()
        moved: list[tuple[JsonObject, str | None]] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Read first, then write: an order moves at most one step per call.
                rows = self._db.execute(
                    "SELECT id, status, body FROM orders WHERE status IN (SELECT value FROM json_each(?))"
                    " AND status_changed_at <= ?",
                    (json.dumps(list(_orders.LIFECYCLE_NEXT)), now - min_age),
                ).fetchall()
                for order_id, status, body in rows:
                    order = _orders.move_to(json.loads(body), _orders.LIFECYCLE_NEXT[status], now)
                    self._update(order_id, order, now)
                    moved.append((order, str(status)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if moved and self._listeners:
            self._notify(moved)
        return len(moved)
