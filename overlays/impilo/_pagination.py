"""Walking every page of a list (orders, items, kits, sites, patients, webhooks, delivery logs),
lazily, without trusting the server to end the walk.

Pages are fetched from 1 and one at a time. The walk stops at the first of:
- a page that says `last: true`;
- an empty page (or one with no `content`);
- as many orders as the first page's `total` said there are;
- a page with exactly the orders of the page before it (a server that ignores `page`).
So a server that never says `last` cannot make it loop forever. A short page does not end the
walk by itself: a server may cap `size` below what was asked.

The async walk keeps several page requests in flight (ASYNC_PAGES_IN_FLIGHT) once the first
page's `total` says how many pages there are, so it is not bound by one round trip per page.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from ._constants import ASYNC_PAGES_IN_FLIGHT

T = TypeVar("T")


class Page(Protocol[T]):
    """What the walk reads of a page: its entries and, when the server sends them, `total` and `last`."""

    @property
    def content(self) -> list[T]: ...
    @property
    def total(self) -> int: ...
    @property
    def last(self) -> bool: ...


FIRST_PAGE = 1


@dataclass
class PageWalk(Generic[T]):
    """The state of one walk: how many entries so far, the previous page's ids, whether to go on."""

    seen: int = 0
    total: int | None = None
    more: bool = True
    _previous_ids: list[Any] | None = field(default=None, repr=False)

    def take(self, page: Page[T]) -> list[T]:
        """The entries of `page` to hand out; sets `more` to whether another page should be fetched."""
        # A drifted page (content not a list, total not an integer) was reported when it was decoded.
        orders: list[T] = page.content if isinstance(page.content, list) else []
        ids = [getattr(order, "id", None) for order in orders]
        if not orders or ids == self._previous_ids:
            self.more = False
            return []
        self._previous_ids = ids
        self.seen += len(orders)
        if self.total is None and isinstance(page.total, int) and not isinstance(page.total, bool):
            self.total = page.total
        self.more = page.last is not True and (self.total is None or self.seen < self.total)
        return orders


def walk_pages(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    """Every entry of every page, fetching a page only when the caller gets to it."""
    walk: PageWalk[T] = PageWalk()
    number = FIRST_PAGE
    while walk.more:
        yield from walk.take(fetch(number))
        number += 1


def _consume_result(task: asyncio.Task[Any]) -> None:
    # A prefetch the caller never needed may fail; fetch its outcome so asyncio does not warn.
    if not task.cancelled():
        task.exception()


async def walk_pages_async(
    fetch: Callable[[int], Awaitable[Page[T]]], *, window: int = ASYNC_PAGES_IN_FLIGHT
) -> AsyncGenerator[T, None]:
    """Every entry of every page, with up to `window` page requests in flight.

    Pages are still handed out strictly in order and judged by the same rules as the sync walk.
    Requests run ahead only as far as the first page's `total` says there are pages; without a
    `total`, only the next page is fetched early. Requests still pending when the walk ends (or
    the caller stops) are cancelled.
    """
    walk: PageWalk[T] = PageWalk()
    in_flight: dict[int, asyncio.Task[Page[T]]] = {}
    last_expected: int | None = None  # the page where `total` says the walk ends

    def request(number: int) -> None:
        if number not in in_flight:
            task: asyncio.Task[Page[T]] = asyncio.ensure_future(fetch(number))
            task.add_done_callback(_consume_result)
            in_flight[number] = task

    number = FIRST_PAGE
    request(number)
    try:
        while True:
            orders = walk.take(await in_flight.pop(number))
            if walk.more:
                if last_expected is None and walk.total is not None:
                    last_expected = number + math.ceil((walk.total - walk.seen) / len(orders))
                ahead = number + 1 if last_expected is None else min(last_expected, number + window)
                for upcoming in range(number + 1, max(ahead, number + 1) + 1):
                    request(upcoming)
            for order in orders:
                yield order
            if not walk.more:
                return
            number += 1
    finally:
        for task in in_flight.values():
            task.cancel()
