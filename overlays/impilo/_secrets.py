"""Keeping secrets (API keys, the webhook secret) out of everything a person may read: reprs, messages, logs.

Requests never log their headers (httpx logs method, URL and status; httpcore logs the request
method only). Responses are another matter: httpcore logs response headers at DEBUG, and a server
that echoes the key back (in a header or an error body) would put it in a log line. So every key
a client is made with is registered here, and a filter on the HTTP loggers redacts it.
"""

from __future__ import annotations

import logging
import re
import threading

from ._constants import MIN_SUBSTRING_SECRET_LENGTH

MASK = "***"

# The loggers of the HTTP stack and of this package; the filter must sit on the logger that emits.
HTTP_LOGGERS = (
    "impilo",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def _mask(text: str, secret: str) -> str:
    if len(secret) >= MIN_SUBSTRING_SECRET_LENGTH:
        return text.replace(secret, MASK)
    return re.sub(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", MASK, text)


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret`, and of every secret registered by `protect_logs`, masked.

    A short key (a test's "k") is masked only where it stands alone, so it cannot turn every log
    line into asterisks; a real key is masked wherever it appears.
    """
    for known in ({secret} if secret and secret.strip() else set()) | _FILTER.secrets:
        if known in text:
            text = _mask(text, known)
    return text


class _RedactingFilter(logging.Filter):
    """Rewrites a log record whose message contains a registered key; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: frozenset[str] = frozenset()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            redacted = redact(message, None)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


_FILTER = _RedactingFilter()
_LOCK = threading.Lock()


def protect_logs(secret: str) -> None:
    """Redact `secret` from every record the HTTP stack logs from now on (a blank one means nothing)."""
    if not secret.strip():
        return
    with _LOCK:
        if secret in _FILTER.secrets:
            return
        if not _FILTER.secrets:
            for name in HTTP_LOGGERS:
                logging.getLogger(name).addFilter(_FILTER)
        _FILTER.secrets = _FILTER.secrets | {secret}
