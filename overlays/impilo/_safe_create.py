"""Creates that are safe to retry: tag the order, and look the tag up before sending it again.

A create whose answer is lost (a read timeout, a dropped connection, a 5xx or a proxy's 502/504
after the order was stored) leaves the caller unable to tell whether the order exists, and a
blind retry can place it twice. Impilo documents no idempotency keys (stripe-python sends one
with every retried POST, which needs server support), but it does document client-side order
ids, `externalOrderIds`, and a list filter on them. So a safe create:

1. sends the order tagged with an external order id unique to the call (the caller's own, if
   they declare one unique, else `impilo-safe-<uuid4>`);
2. on an unambiguous refusal (a 4xx other than 429) raises at once: the server did not act;
3. on a failure where the request provably never reached the server (no connection, a 429),
   sends it again after the usual backoff (or Retry-After);
4. on an ambiguous failure (any other transport error, a 5xx) looks the tag up before doing
   anything else: if the order is there it is the answer; if not, it waits the backoff, looks
   once more (a slow server may store it late), and only then sends again;
5. when the retry budget is spent, raises the last error: by then the look-up showed no order.
A look-up that itself fails raises `OrderOutcomeUnknownError` naming the tag.

Outcome: one call, at most one order, and never an order the call reports as failed. What it
cannot cover: a server that stores an order later than the second look-up (longer than the
backoff after the failure) and a server that ignores the externalOrderId filter on a list (the
look-up filters the answer itself, so that only costs a longer page).

`SafeCreate` decides; `create_safely` and `create_safely_async` carry its decisions out.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx

from ._constants import SAFE_CREATE_TAG_PREFIX, UNSENT_ERRORS
from ._exceptions import ImpiloError, OrderOutcomeUnknownError, connection_error, error_from_response
from ._retry import RetryBudget, logger, parse_retry_after

T = TypeVar("T")
Failure = Literal["refused", "unsent", "ambiguous"]


def new_tag() -> str:
    """An external order id no other call uses."""
    return f"{SAFE_CREATE_TAG_PREFIX}{uuid.uuid4().hex}"


def tagged(body: dict[str, Any], tag: str) -> dict[str, Any]:
    """The create body with `tag` among its externalOrderIds (added once)."""
    ids = body.get("externalOrderIds")
    ids = list(ids) if isinstance(ids, list) else []
    if tag not in ids:
        ids.append(tag)
    return {**body, "externalOrderIds": ids}


def classify(error: httpx.TransportError | None, response: httpx.Response | None) -> Failure:
    """What a failed attempt says about whether the server acted."""
    if error is not None:
        return "unsent" if isinstance(error, UNSENT_ERRORS) else "ambiguous"
    assert response is not None
    if response.status_code == 429:
        return "unsent"
    if response.status_code >= 500:
        return "ambiguous"
    return "refused"


@dataclass
class SafeCreate:
    """The decisions of one safe create (pure: no I/O, no clock)."""

    tag: str
    budget: RetryBudget
    secret: str | None = None

    def delay(self, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None when the budget is spent."""
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
        wait = self.budget.policy.backoff(self.budget.attempt) if retry_after is None else retry_after
        return self.budget.spend(wait)

    def error(self, error: httpx.TransportError | None, response: httpx.Response | None) -> ImpiloError:
        """The exception a failed attempt raises when nothing more is tried."""
        if error is not None:
            return connection_error(error, secret=self.secret)
        assert response is not None
        return error_from_response(response, secret=self.secret)

    def unknown(self, cause: Exception) -> OrderOutcomeUnknownError:
        return OrderOutcomeUnknownError(
            f"the create failed ambiguously and looking up its tag failed too ({type(cause).__name__}); "
            f"the order may exist: list orders with externalOrderId {self.tag!r}",
            tag=self.tag,
        )


def _log(plan: SafeCreate, what: str) -> None:
    logger.info("safe create %s: %s (attempt %d)", plan.tag, what, plan.budget.attempt + 1)


def create_safely(
    plan: SafeCreate,
    send: Callable[[], httpx.Response],
    lookup: Callable[[str], T | None],
    sleep: Callable[[float], object],
) -> httpx.Response | T:
    """A 2xx response to the create, or the order the look-up found; raises as the module says."""
    while True:
        error: httpx.TransportError | None = None
        response: httpx.Response | None = None
        try:
            response = send()
        except httpx.TransportError as exc:
            error = exc
        if response is not None and response.is_success:
            return response
        kind = classify(error, response)
        if kind == "refused":
            raise plan.error(error, response)
        if kind == "ambiguous":
            found = _look(plan, lookup)
            if found is not None:
                return found
        wait = plan.delay(response)
        if wait is None:
            raise plan.error(error, response) from error
        _log(plan, f"{kind} failure; sending again in {wait:.2f} s")
        if response is not None:
            response.close()
        sleep(wait)
        if kind == "ambiguous":
            found = _look(plan, lookup)
            if found is not None:
                return found


async def create_safely_async(
    plan: SafeCreate,
    send: Callable[[], Awaitable[httpx.Response]],
    lookup: Callable[[str], Awaitable[T | None]],
    sleep: Callable[[float], Awaitable[object]],
) -> httpx.Response | T:
    """The async twin of `create_safely`."""
    while True:
        error: httpx.TransportError | None = None
        response: httpx.Response | None = None
        try:
            response = await send()
        except httpx.TransportError as exc:
            error = exc
        if response is not None and response.is_success:
            return response
        kind = classify(error, response)
        if kind == "refused":
            raise plan.error(error, response)
        if kind == "ambiguous":
            found = await _look_async(plan, lookup)
            if found is not None:
                return found
        wait = plan.delay(response)
        if wait is None:
            raise plan.error(error, response) from error
        _log(plan, f"{kind} failure; sending again in {wait:.2f} s")
        if response is not None:
            await response.aclose()
        await sleep(wait)
        if kind == "ambiguous":
            found = await _look_async(plan, lookup)
            if found is not None:
                return found


def _look(plan: SafeCreate, lookup: Callable[[str], T | None]) -> T | None:
    try:
        return lookup(plan.tag)
    except ImpiloError as exc:
        raise plan.unknown(exc) from exc


async def _look_async(plan: SafeCreate, lookup: Callable[[str], Awaitable[T | None]]) -> T | None:
    try:
        return await lookup(plan.tag)
    except ImpiloError as exc:
        raise plan.unknown(exc) from exc
