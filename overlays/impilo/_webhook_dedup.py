"""Knowing a delivery seen before: Impilo retries a delivery without a 2xx answer, with the same `id`.

FACTS: a failed delivery is retried three times, 15, 30 and 60 minutes apart, so the same event
can arrive up to four times over about 1 h 45 min. A retry also arrives when the first answer was
lost or late, after the receiver had already acted.

In memory, for one process. A receiver that runs several processes or hosts (gunicorn workers,
replicas behind a load balancer) needs a shared store instead: a table with a unique key on
(type, id), inserted before handling, say. This one is a bounded, thread-safe record.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict

from ._webhook_events import DeliveryId, OrderStatusEvent, OrderStatusFullEvent, UnknownEvent, WebhookEvent

# Enough for 10,000 deliveries within the retry window (about 1.6 a second for 1 h 45 min) at a
# few hundred bytes each; raise it for a busier account.
DEFAULT_MAX_ENTRIES = 10_000

_Key = tuple[str, type, DeliveryId]


class Claim(enum.Enum):
    """What `Deduplicator.claim` found."""

    NEW = "new"  # never seen, or its handling failed: handle it now (it is marked in progress)
    DUPLICATE = "duplicate"  # handled before: answer 2xx and do nothing
    IN_PROGRESS = "in-progress"  # being handled right now, by another thread or task


def _key(event: WebhookEvent) -> _Key:
    # By type and id: the docs say the id identifies the delivery, and keying by type too costs
    # nothing if ids are unique across types and loses no event if they are not. The id's Python
    # type keeps "1" and 1 apart: two deliveries wrongly taken as one would lose an event.
    return (event.type, type(event.id), event.id)


class Deduplicator:
    """The deliveries already handled, the most recent `max_entries` of them (oldest forgotten first).

    Simple use, where a failed handling is followed by `forget` so Impilo's retry is handled:

        if seen.first_time(event):
            try:
                handle(event)
            except Exception:
                seen.forget(event)
                raise

    The ASGI and WSGI adapters use `claim`/`release` instead, which also tell apart a delivery
    that is still being handled (answered with a non-2xx, so Impilo tries it again later, in case
    the handling in progress fails).
    """

    __slots__ = ("_entries", "_lock", "max_entries")

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a positive integer, got {max_entries!r}")
        self.max_entries = max_entries
        self._lock = threading.Lock()
        # key -> True once handled, False while in progress; in order of first claim.
        self._entries: OrderedDict[_Key, bool] = OrderedDict()

    def __repr__(self) -> str:
        return f"Deduplicator({len(self)} of max_entries={self.max_entries})"

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, event: object) -> bool:
        """True if `event` was handled (or is being handled)."""
        if not isinstance(event, OrderStatusEvent | OrderStatusFullEvent | UnknownEvent):
            return False
        return _key(event) in self._entries

    def _add(self, key: _Key, handled: bool) -> None:
        self._entries[key] = handled
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def first_time(self, event: WebhookEvent) -> bool:
        """True, once, for a delivery not seen before, which is recorded as handled; False after."""
        key = _key(event)
        with self._lock:
            if key in self._entries:
                return False
            self._add(key, True)
            return True

    def forget(self, event: WebhookEvent) -> None:
        """Undo `first_time` (the handling failed): the next delivery of it is a first time again."""
        with self._lock:
            self._entries.pop(_key(event), None)

    def claim(self, event: WebhookEvent) -> Claim:
        """Check and mark in one step: NEW (now marked in progress), DUPLICATE or IN_PROGRESS."""
        key = _key(event)
        with self._lock:
            state = self._entries.get(key)
            if state is None:
                self._add(key, False)
                return Claim.NEW
            return Claim.DUPLICATE if state else Claim.IN_PROGRESS

    def release(self, event: WebhookEvent, *, handled: bool) -> None:
        """End a NEW claim: recorded as handled, or forgotten so that a retry is handled afresh."""
        key = _key(event)
        with self._lock:
            if handled:
                if key in self._entries:
                    self._entries[key] = True
                else:  # pushed out while in progress; keep the newest record
                    self._add(key, True)
            else:
                self._entries.pop(key, None)
