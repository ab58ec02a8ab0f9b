"""Webhooks, the account's webhook secret and the deliveries, in SQLite (stdlib sqlite3).

Three tables next to the orders: in the same file with `--db` (this module opens its own
connection to it; with WAL both connections work side by side), in memory without it.

- `webhooks`: one row per registered URL and event type; ids from 1.
- `webhook_secret`: at most one row, the account's secret. It leaves this module only to be sent
  in the secret header or answered by GET /api/v3/webhook-secret: never in a repr or a log line.
- `webhook_deliveries`: one row per event and webhook. A row is written before its first attempt
  and holds the exact bytes sent, so every attempt sends the same body (the same envelope `id`)
  and a restart with `--db` resumes every delivery still `pending`. A row with at least one
  attempt is a delivery log (GET /api/v3/webhook/logs).

One connection under one lock, like the order store: every statement runs under it, so the
server's event loop, the delivery tasks and callers on other threads see whole transactions.
"""

from __future__ import annotations

import datetime
import enum
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    url TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_type ON webhooks (type, id);
CREATE TABLE IF NOT EXISTS webhook_secret (
    account INTEGER PRIMARY KEY CHECK (account = 1),
    secret TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    webhook_id INTEGER NOT NULL,
    webhook_type TEXT NOT NULL,
    stream TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    url TEXT,
    first_attempt_ms INTEGER,
    last_attempt_ms INTEGER,
    last_status INTEGER
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_state ON webhook_deliveries (state, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries (webhook_id, state);
"""


class DeliveryState(enum.Enum):
    PENDING = "pending"  # waiting for its first attempt or a retry
    DELIVERED = "delivered"  # a 2xx answered an attempt
    FAILED = "failed"  # no 2xx on the first attempt nor on any retry
    REFUSED = "refused"  # never sent: the URL is not one the mock may send to
    CANCELLED = "cancelled"  # its webhook was deleted before it was delivered


class SecretOutcome(enum.Enum):
    SET = "set"
    ALREADY_SET = "already set"
    NOT_SET = "not set"


@dataclass(frozen=True)
class Webhook:
    id: int
    type: str
    url: str

    def as_json(self) -> JsonObject:
        return {"id": self.id, "type": self.type, "url": self.url}


@dataclass(frozen=True)
class NewDelivery:
    """One event for one webhook, rendered: `body` is the envelope exactly as it will be sent."""

    delivery_id: str
    webhook_id: int
    webhook_type: str
    stream: str  # deliveries of one stream (a webhook and an order) are attempted in order
    body: bytes
    due_ms: int


@dataclass
class PendingDelivery:
    """What the delivery tasks keep in memory of a pending delivery: the rest stays in the row."""

    row_id: int
    delivery_id: str
    stream: str
    next_attempt_ms: int


@dataclass(frozen=True)
class AttemptTarget:
    """Everything one attempt needs, read when the attempt is made (the URL and secret as they are now)."""

    url: str
    body: bytes
    attempts: int  # made so far
    secret: str | None

    def __repr__(self) -> str:
        return f"AttemptTarget(url={self.url!r}, attempts={self.attempts}, secret=<redacted>)"


@dataclass(frozen=True)
class LogFilters:
    """listWebhookLogs' filters; None leaves one out. Times are milliseconds since the epoch."""

    webhook_type: str | None = None
    retry_attempts_min: int | None = None
    retry_attempts_max: int | None = None
    last_response_status: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    start_last_retry_ms: int | None = None
    end_last_retry_ms: int | None = None


def iso_timestamp(ms: int) -> str:
    """`2026-12-01T11:57:25.123Z`, the form the mock's order events use, exact to the millisecond."""
    seconds, millis = divmod(ms, 1000)
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).replace(microsecond=millis * 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A retry is the second and later attempts; its time is the last attempt's when there was one.
_LAST_RETRY_MS = "(CASE WHEN attempts > 1 THEN last_attempt_ms END)"


class WebhookStore:
    def __init__(self, db_path: str | None = None) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path or ":memory:", check_same_thread=False, isolation_level=None)
        if db_path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # Webhooks by type, replaced whole on every change: the status listener reads it on the
        # request's hot path without the lock or a query.
        self._by_type: dict[str, tuple[Webhook, ...]] = {}
        self._reload_webhooks()

    def __repr__(self) -> str:
        return f"WebhookStore(webhooks={sum(len(hooks) for hooks in self._by_type.values())})"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def clear(self) -> None:
        """Forget every webhook, the secret and every delivery; ids start again from 1."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM webhooks")
            self._db.execute("DELETE FROM webhook_secret")
            self._db.execute("DELETE FROM webhook_deliveries")
            self._db.execute("DELETE FROM sqlite_sequence WHERE name IN ('webhooks', 'webhook_deliveries')")
            self._db.execute("COMMIT")
            self._reload_webhooks()

    # ---- webhooks ----

    def _reload_webhooks(self) -> None:
        """Rebuild the by-type snapshot; called under the lock after every change to `webhooks`."""
        by_type: dict[str, list[Webhook]] = {}
        for row in self._db.execute("SELECT id, type, url FROM webhooks ORDER BY id"):
            by_type.setdefault(str(row[1]), []).append(Webhook(int(row[0]), str(row[1]), str(row[2])))
        self._by_type = {kind: tuple(hooks) for kind, hooks in by_type.items()}

    def webhooks_of(self, webhook_type: str) -> tuple[Webhook, ...]:
        """Every webhook registered for `webhook_type`, by id (a snapshot: no lock, no query)."""
        return self._by_type.get(webhook_type, ())

    def create_webhook(self, webhook_type: str, url: str) -> Webhook:
        with self._lock:
            cursor = self._db.execute("INSERT INTO webhooks (type, url) VALUES (?, ?)", (webhook_type, url))
            self._reload_webhooks()
        return Webhook(int(cursor.lastrowid or 0), webhook_type, url)

    def webhook(self, webhook_id: int) -> Webhook | None:
        with self._lock:
            row = self._db.execute("SELECT id, type, url FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
        return None if row is None else Webhook(int(row[0]), str(row[1]), str(row[2]))

    def webhooks_page(self, page: int, size: int) -> tuple[list[Webhook], int]:
        """One page (from 1) of the webhooks by id, and how many there are."""
        with self._lock:
            (total,) = self._db.execute("SELECT COUNT(*) FROM webhooks").fetchone()
            rows = self._db.execute(
                "SELECT id, type, url FROM webhooks ORDER BY id LIMIT ? OFFSET ?", (size, (page - 1) * size)
            ).fetchall()
        return [Webhook(int(r[0]), str(r[1]), str(r[2])) for r in rows], int(total)

    def update_webhook(self, webhook_id: int, url: str) -> Webhook | None:
        """Point a webhook at a new URL (its pending deliveries go there too); None if it does not exist."""
        with self._lock:
            cursor = self._db.execute("UPDATE webhooks SET url = ? WHERE id = ?", (url, webhook_id))
            self._reload_webhooks()
            row = self._db.execute("SELECT id, type, url FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
        if cursor.rowcount == 0 or row is None:
            return None
        return Webhook(int(row[0]), str(row[1]), str(row[2]))

    def delete_webhook(self, webhook_id: int) -> bool:
        """Delete a webhook and cancel its pending deliveries (its logs stay); False if it did not exist."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                deleted = self._db.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,)).rowcount
                self._db.execute(
                    "UPDATE webhook_deliveries SET state = ? WHERE webhook_id = ? AND state = ?",
                    (DeliveryState.CANCELLED.value, webhook_id, DeliveryState.PENDING.value),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._reload_webhooks()
        return deleted > 0

    # ---- the secret ----

    def secret(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT secret FROM webhook_secret WHERE account = 1").fetchone()
        return None if row is None else str(row[0])

    def set_secret(self, secret: str, *, replace: bool) -> SecretOutcome:
        """Set the secret: `replace=False` only when none is set, `replace=True` only when one is."""
        with self._lock:
            if replace:
                changed = self._db.execute("UPDATE webhook_secret SET secret = ? WHERE account = 1", (secret,))
                return SecretOutcome.SET if changed.rowcount else SecretOutcome.NOT_SET
            inserted = self._db.execute(
                "INSERT INTO webhook_secret (account, secret) VALUES (1, ?) ON CONFLICT (account) DO NOTHING",
                (secret,),
            )
            return SecretOutcome.SET if inserted.rowcount else SecretOutcome.ALREADY_SET

    def delete_secret(self) -> bool:
        """Remove the secret; False if none was set."""
        with self._lock:
            return self._db.execute("DELETE FROM webhook_secret WHERE account = 1").rowcount > 0

    # ---- deliveries ----

    def add_deliveries(self, deliveries: Sequence[NewDelivery]) -> list[PendingDelivery]:
        """Write new deliveries, pending, in one transaction; they come back in the order given."""
        added: list[PendingDelivery] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for new in deliveries:
                    cursor = self._db.execute(
                        "INSERT INTO webhook_deliveries (delivery_id, webhook_id, webhook_type, stream, body,"
                        " state, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            new.delivery_id,
                            new.webhook_id,
                            new.webhook_type,
                            new.stream,
                            new.body,
                            DeliveryState.PENDING.value,
                            new.due_ms,
                        ),
                    )
                    added.append(PendingDelivery(int(cursor.lastrowid or 0), new.delivery_id, new.stream, new.due_ms))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return added

    def pending_deliveries(self) -> list[PendingDelivery]:
        """Every delivery still pending, oldest first: what a (re)started mock has to send."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, delivery_id, stream, next_attempt_ms FROM webhook_deliveries WHERE state = ? ORDER BY id",
                (DeliveryState.PENDING.value,),
            ).fetchall()
        return [PendingDelivery(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    def attempt_target(self, pending: PendingDelivery) -> AttemptTarget | None:
        """The URL, body and secret for the next attempt; None once the delivery is no longer pending.

        Matched by row id and delivery id both: after `clear` row ids start again from 1, and a
        delivery task of before must not take over a new row.
        """
        with self._lock:
            row = self._db.execute(
                "SELECT w.url, d.body, d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
                " WHERE d.id = ? AND d.delivery_id = ? AND d.state = ?",
                (pending.row_id, pending.delivery_id, DeliveryState.PENDING.value),
            ).fetchone()
            secret = self._db.execute("SELECT secret FROM webhook_secret WHERE account = 1").fetchone()
        if row is None:
            return None
        return AttemptTarget(str(row[0]), bytes(row[1]), int(row[2]), None if secret is None else str(secret[0]))

    def record_attempt(
        self,
        pending: PendingDelivery,
        *,
        url: str,
        at_ms: int,
        status: int | None,
        state: DeliveryState,
        next_attempt_ms: int,
    ) -> None:
        """Count one attempt (made at `at_ms`, answered `status`, None for no answer) and the state after it."""
        with self._lock:
            self._db.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, url = ?, last_status = ?,"
                " first_attempt_ms = COALESCE(first_attempt_ms, ?), last_attempt_ms = ?, state = ?,"
                " next_attempt_ms = ? WHERE id = ? AND delivery_id = ? AND state = ?",
                (
                    url,
                    status,
                    at_ms,
                    at_ms,
                    state.value,
                    next_attempt_ms,
                    pending.row_id,
                    pending.delivery_id,
                    DeliveryState.PENDING.value,
                ),
            )

    def logs_page(self, filters: LogFilters, page: int, size: int) -> tuple[list[JsonObject], int]:
        """One page (from 1) of the deliveries attempted at least once that match every filter, by id."""
        where = ["attempts > 0"]
        params: list[object] = []
        conditions: list[tuple[str, object]] = [
            ("webhook_type = ?", filters.webhook_type),
            ("attempts - 1 >= ?", filters.retry_attempts_min),
            ("attempts - 1 <= ?", filters.retry_attempts_max),
            ("last_status = ?", filters.last_response_status),
            ("first_attempt_ms >= ?", filters.start_ms),
            ("first_attempt_ms <= ?", filters.end_ms),
            (f"{_LAST_RETRY_MS} >= ?", filters.start_last_retry_ms),
            (f"{_LAST_RETRY_MS} <= ?", filters.end_last_retry_ms),
        ]
        for condition, value in conditions:
            if value is not None:
                where.append(condition)
                params.append(value)
        clause = " WHERE " + " AND ".join(where)
        with self._lock:
            (total,) = self._db.execute(f"SELECT COUNT(*) FROM webhook_deliveries{clause}", params).fetchone()
            rows = self._db.execute(
                "SELECT id, webhook_id, webhook_type, url, body, first_attempt_ms, last_status, attempts,"
                f" last_attempt_ms FROM webhook_deliveries{clause} ORDER BY id LIMIT ? OFFSET ?",
                [*params, size, (page - 1) * size],
            ).fetchall()
        return [_log_entry(row) for row in rows], int(total)


def _log_entry(row: Sequence[Any]) -> JsonObject:
    row_id, webhook_id, webhook_type, url, body, first_ms, last_status, attempts, last_ms = row
    return {
        "id": int(row_id),
        "webhookId": int(webhook_id),
        "webhookType": str(webhook_type),
        "webhookUrl": None if url is None else str(url),
        "payload": bytes(body).decode("utf-8"),
        "createTimestamp": iso_timestamp(int(first_ms)),
        "lastResponseStatus": None if last_status is None else int(last_status),
        "retryAttempts": int(attempts) - 1,
        "lastRetryTimestamp": iso_timestamp(int(last_ms)) if int(attempts) > 1 else None,
    }
