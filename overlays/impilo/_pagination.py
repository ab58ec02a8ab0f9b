"""Walking every page of the order list, lazily, without trusting the server to end the walk.

Pages are fetched from 1 and one at a time. The walk stops at the first of:
- a page that says `last: true`;
- an empty page (or one with no `content`);
- as many orders as the first page's `total` said there are;
- a page with exactly the orders of the page before it (a server that ignores `page`).
So a server that never says `last` cannot make it loop forever. A short page does not end the
walk by itself: a server may cap `size` below what was asked.

The async walk fetches the next page while the caller works through the current one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_page import OrderPage

FIRST_PAGE = 1


@dataclass
class PageWalk:
    """The state of one walk: how many orders so far, the previous page's ids, whether to go on."""

    seen: int = 0
    total: int | None = None
    more: bool = True
    _previous_ids: list[Any] | None = field(default=None, repr=False)

    def take(self, page: OrderPage) -> list[Order]:
        """The orders of `page` to hand out; sets `more` to whether another page should be fetched."""
        orders = page.content if isinstance(page.content, list) else []
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


def walk_pages(fetch: Callable[[int], OrderPage]) -> Iterator[Order]:
    """Every order of every page, fetching a page only when the caller gets to it."""
    walk = PageWalk()
    number = FIRST_PAGE
    while walk.more:
        yield from walk.take(fetch(number))
        number += 1


def _consume_result(task: asyncio.Task[OrderPage]) -> None:
    # A prefetch the caller never needed may fail; fetch its outcome so asyncio does not warn.
    if not task.cancelled():
        task.exception()


async def walk_pages_async(fetch: Callable[[int], Awaitable[OrderPage]]) -> AsyncGenerator[Order, None]:
    """Every order of every page; the next page is requested while this one is consumed."""
    walk = PageWalk()
    number = FIRST_PAGE
    pending: asyncio.Task[OrderPage] | None = asyncio.ensure_future(fetch(number))
    try:
        while pending is not None:
            page = await pending
            pending = None
            orders = walk.take(page)
            if walk.more:
                number += 1
                pending = asyncio.ensure_future(fetch(number))
                pending.add_done_callback(_consume_result)
            for order in orders:
                yield order
    finally:
        if pending is not None:
            pending.cancel()
