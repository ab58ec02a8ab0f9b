"""Every tunable number of the facade, in one place.

Retry decisions: which statuses and errors are retried, and for which methods, are part of the
policy here too, so the docstrings, the README and the code cannot drift apart.
"""

from __future__ import annotations

import httpx

# The environment variables the client reads (IMPILO_API_KEY, IMPILO_BASE_URL) live in impilo_spec.
DEFAULT_ENVIRONMENT = "production"

# Connect 5 s, read (and write, pool) 30 s; overridable per client and per call.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

# An OrderRuleError lists every violation in .errors, but its message quotes only the first few:
# a body with thousands of broken lines should not make a message of thousands of lines.
MAX_VIOLATIONS_IN_MESSAGE = 10

# Keys at least this long are masked wherever they appear in a message or log line; shorter ones
# (only ever seen in tests) only where they stand alone, so "k" does not mask every "k".
MIN_SUBSTRING_SECRET_LENGTH = 8

# Retries. A retry waits INITIAL_RETRY_DELAY * 2**attempt (capped at MAX_RETRY_DELAY), minus up to
# RETRY_JITTER of that at random so many clients do not retry in lock step. A Retry-After header
# replaces the computed wait. Retrying stops early when the next wait would push the total wait
# over MAX_TOTAL_RETRY_WAIT: better to raise than to hang a caller for minutes.
DEFAULT_MAX_RETRIES = 3
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_JITTER = 0.25
MAX_TOTAL_RETRY_WAIT = 30.0

# GET is safe to repeat: retried on these statuses and on any connection error or timeout.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# DELETE (void) changes state, and voiding twice may answer 409; so it is retried only when the
# server provably did not act: a 429, or a connection that never opened.
UNPROCESSED_STATUSES = frozenset({429})
# Methods whose repeat is harmless: GET reads; Impilo's PATCHes set a value (a webhook's URL, the secret).
IDEMPOTENT_METHODS = frozenset({"GET", "PATCH"})
# POST (create, register) is not idempotent: never retried, except a create made with retry_safely=True,
# which tags the order with an external order id starting with this and looks it up before resending.
SAFE_CREATE_TAG_PREFIX = "impilo-safe-"

# Failures where the request never reached the server.
UNSENT_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after which the server may or may not have acted (retried only for safe methods).
CONNECTION_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

# The async iterator's look-ahead: page requests in flight at once, once `total` says how many
# pages there are. Each holds at most one decoded page, so memory grows by this many pages.
ASYNC_PAGES_IN_FLIGHT = 4
