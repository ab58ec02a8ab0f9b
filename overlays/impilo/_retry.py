"""When to retry a request, and how long to wait first.

The policy is pure (no I/O, no clock) so the sync and async clients share it and tests can drive
it without sleeping; the two small loops that apply it take the sleep function as an argument.
Which methods and statuses are retried is fixed in `_constants.py`:

- GET: connection errors, timeouts, 429, 502, 503, 504.
- DELETE (void): only a 429 or a connection that never opened, since a repeated void of an order
  that was in fact voided may answer 409.
- PATCH (a webhook's URL, the secret): like GET; each sets a value, so repeating one is harmless.
- POST (create, register): never; a create is retried only as a safe create (`_safe_create.py`).
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from ._constants import (
    CONNECTION_ERRORS,
    DEFAULT_MAX_RETRIES,
    IDEMPOTENT_METHODS,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_DELAY,
    MAX_TOTAL_RETRY_WAIT,
    RETRY_JITTER,
    RETRYABLE_STATUSES,
    UNPROCESSED_STATUSES,
    UNSENT_ERRORS,
)

logger = logging.getLogger("impilo")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry and how long to wait; see `_constants.py` for the defaults and why."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    jitter: float = RETRY_JITTER
    max_total_wait: float = MAX_TOTAL_RETRY_WAIT
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """The wait before retry number `attempt` (0-based) when the server gave no Retry-After."""
        delay = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return delay * (1.0 - self.jitter * self.rng())


def _retries_status(method: str, status_code: int) -> bool:
    if method in IDEMPOTENT_METHODS:
        return status_code in RETRYABLE_STATUSES
    if method == "DELETE":
        return status_code in UNPROCESSED_STATUSES
    return False  # POST: see _safe_create.py


def _retries_error(method: str, error: httpx.TransportError) -> bool:
    if method in IDEMPOTENT_METHODS:
        return isinstance(error, UNSENT_ERRORS + CONNECTION_ERRORS)
    if method == "DELETE":
        return isinstance(error, UNSENT_ERRORS)
    return False


@dataclass
class RetryBudget:
    """The retry state of one logical call: attempts used and seconds waited so far."""

    policy: RetryPolicy
    method: str
    max_retries: int
    attempt: int = 0
    waited: float = 0.0

    def spend(self, delay: float) -> float | None:
        """Count one more retry after waiting `delay`; None (and nothing counted) when the budget is spent."""
        if self.attempt >= self.max_retries or self.waited + delay > self.policy.max_total_wait:
            return None
        self.attempt += 1
        self.waited += delay
        return delay

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying this response, or None to keep it."""
        if not _retries_status(self.method, response.status_code):
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        delay = self.policy.backoff(self.attempt) if retry_after is None else retry_after
        return self.spend(delay)

    def after_error(self, error: httpx.TransportError) -> float | None:
        """Seconds to wait before retrying after a connection error, or None to raise it."""
        if not _retries_error(self.method, error):
            return None
        return self.spend(self.policy.backoff(self.attempt))


def _log_retry(request: str, delay: float, reason: str, budget: RetryBudget) -> None:
    logger.info(
        "retrying %s in %.2f s after %s (retry %d of %d)", request, delay, reason, budget.attempt, budget.max_retries
    )


def send_with_retries(
    send: Callable[[], httpx.Response], budget: RetryBudget, sleep: Callable[[float], object], what: str
) -> httpx.Response:
    """Call `send` until it gives a response the budget does not retry; transport errors propagate."""
    while True:
        try:
            response = send()
        except httpx.TransportError as exc:
            delay = budget.after_error(exc)
            if delay is None:
                raise
            _log_retry(what, delay, type(exc).__name__, budget)
        else:
            delay = budget.after_response(response)
            if delay is None:
                return response
            response.close()
            _log_retry(what, delay, f"status {response.status_code}", budget)
        sleep(delay)


async def send_with_retries_async(
    send: Callable[[], Awaitable[httpx.Response]],
    budget: RetryBudget,
    sleep: Callable[[float], Awaitable[object]],
    what: str,
) -> httpx.Response:
    """The async twin of `send_with_retries`."""
    while True:
        try:
            response = await send()
        except httpx.TransportError as exc:
            delay = budget.after_error(exc)
            if delay is None:
                raise
            _log_retry(what, delay, type(exc).__name__, budget)
        else:
            delay = budget.after_response(response)
            if delay is None:
                return response
            await response.aclose()
            _log_retry(what, delay, f"status {response.status_code}", budget)
        await sleep(delay)
