"""`impilo.webhooks.Deduplicator`: a retried delivery is handled once; bounded; safe across threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from impilo.webhooks import Claim, Deduplicator, UnknownEvent, WebhookEvent


def event(delivery_id: Any = 1, kind: str = "order.status") -> WebhookEvent:
    return UnknownEvent(id=delivery_id, type=kind, payload=None, raw={"id": delivery_id, "type": kind})


def test_a_retry_of_the_same_delivery_is_not_a_first_time() -> None:
    seen = Deduplicator()
    assert seen.first_time(event(1)) is True
    assert seen.first_time(event(1)) is False  # Impilo's retry: same id, same type
    assert seen.first_time(event(2)) is True
    assert event(1) in seen and event(3) not in seen and len(seen) == 2


def test_forget_lets_the_retry_of_a_failed_handling_through() -> None:
    seen = Deduplicator()
    assert seen.first_time(event(1))
    seen.forget(event(1))
    assert seen.first_time(event(1)) is True
    seen.forget(event(99))  # forgetting what was never seen is fine


def test_string_and_integer_ids_are_different_deliveries() -> None:
    seen = Deduplicator()
    assert seen.first_time(event(1)) and seen.first_time(event("1"))


def test_the_same_id_under_another_type_is_another_delivery() -> None:
    seen = Deduplicator()
    assert seen.first_time(event(1, "order.status")) and seen.first_time(event(1, "order.statusFull"))


def test_it_keeps_only_the_newest_max_entries() -> None:
    seen = Deduplicator(max_entries=3)
    for delivery_id in range(5):
        assert seen.first_time(event(delivery_id))
    assert len(seen) == 3
    assert [event(i) in seen for i in range(5)] == [False, False, True, True, True]
    assert seen.first_time(event(0)) is True  # forgotten, so handled again: at least once, never zero times


def test_claim_tells_new_in_progress_and_duplicate_apart() -> None:
    seen = Deduplicator()
    assert seen.claim(event(1)) is Claim.NEW
    assert seen.claim(event(1)) is Claim.IN_PROGRESS
    seen.release(event(1), handled=True)
    assert seen.claim(event(1)) is Claim.DUPLICATE
    assert seen.first_time(event(1)) is False


def test_releasing_a_failed_claim_lets_the_next_delivery_be_handled() -> None:
    seen = Deduplicator()
    assert seen.claim(event(1)) is Claim.NEW
    seen.release(event(1), handled=False)
    assert event(1) not in seen and seen.claim(event(1)) is Claim.NEW


def test_a_claim_pushed_out_while_in_progress_is_still_recorded_when_handled() -> None:
    seen = Deduplicator(max_entries=1)
    assert seen.claim(event(1)) is Claim.NEW
    assert seen.first_time(event(2))  # pushes 1 out
    seen.release(event(1), handled=True)
    assert seen.claim(event(1)) is Claim.DUPLICATE


def test_only_one_of_many_threads_gets_the_first_time() -> None:
    seen = Deduplicator()
    winners: list[int] = []
    start = threading.Barrier(16)

    def race(worker: int) -> None:
        start.wait()
        for delivery_id in range(500):
            if seen.first_time(event(delivery_id)):
                winners.append(delivery_id)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == list(range(500))  # each delivery exactly once


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_max_entries_must_be_a_positive_integer(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        Deduplicator(max_entries=bad)


def test_anything_but_an_event_is_never_in_it() -> None:
    seen = Deduplicator()
    seen.first_time(event(1))
    assert 1 not in seen and ("order.status", 1) not in seen


def test_repr_says_how_full_it_is() -> None:
    seen = Deduplicator(max_entries=5)
    seen.first_time(event(1))
    assert repr(seen) == "Deduplicator(1 of max_entries=5)"
