"""Checking the account's webhook secret in a delivery's headers, in constant time.

Impilo sends the secret verbatim in one header (`impilo_spec.webhook_secret_header()`), a shared
secret compared as is, not a signature (FACTS). Headers arrive in many shapes; `secret_values`
finds every value of that header in any of them, case-insensitively:

    {"Impilo-Webhook-Secret": "..."}           a dict, httpx.Headers, starlette Headers (Mappings)
    [(b"impilo-webhook-secret", b"...")]      an ASGI scope's raw pairs, or any iterable of pairs
    {"HTTP_IMPILO_WEBHOOK_SECRET": "..."}      a WSGI environ

`SecretCheck` keeps only a SHA-256 digest of the secret, so no object of this package holds the
secret itself: nothing can leak it through a repr, a pickle or a debugger's variable view.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from impilo_spec import webhook_secret_header

from ._exceptions import WebhookVerificationError

# Anything that carries a request's headers (see the module docstring).
Headers = Mapping[str, Any] | Iterable[tuple[str | bytes, str | bytes]]

HEADER = webhook_secret_header()
_HEADER_LOWER = HEADER.lower()
# How a WSGI server (PEP 3333) names a request header in the environ.
_ENVIRON_KEY = "HTTP_" + HEADER.upper().replace("-", "_")


def _name(raw: str | bytes) -> str:
    return raw.decode("latin-1") if isinstance(raw, bytes) else raw


def _pairs(headers: Headers) -> Iterable[tuple[Any, Any]]:
    multi_items = getattr(headers, "multi_items", None)
    if callable(multi_items):  # httpx.Headers: items() would join repeated headers with ", "
        pairs: Iterable[tuple[Any, Any]] = multi_items()
        return pairs
    if isinstance(headers, Mapping):
        return headers.items()
    return headers


def secret_values(headers: Headers) -> Iterator[str | bytes]:
    """Every value of the secret header in `headers` (none when it is absent), as sent."""
    for raw_name, value in _pairs(headers):
        if not isinstance(raw_name, str | bytes):
            continue
        name = _name(raw_name)
        if name.lower() != _HEADER_LOWER and name != _ENVIRON_KEY:
            continue
        if value is None:  # a mapping that says "no such header"
            continue
        if not isinstance(value, str | bytes):
            # A caller's bug, not a delivery's: never quote the value, it may be the secret.
            raise TypeError(f"header values must be str or bytes, got {type(value).__name__}")
        yield value


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _candidates(value: str | bytes) -> list[bytes]:
    """The bytes a header value may have been sent as.

    Servers hand over header values decoded as latin-1 (WSGI, Starlette: the bytes survive
    `.encode("latin-1")`) or as text a caller typed (UTF-8). Both are tried, so a secret with
    non-ASCII characters matches whichever way the value was decoded.
    """
    if isinstance(value, bytes):
        return [value]
    found = []
    for encoding in ("utf-8", "latin-1"):
        try:
            found.append(value.encode(encoding))
        except UnicodeEncodeError:
            continue
    return found


class SecretCheck:
    """The account's webhook secret, as a digest, and the check of a delivery's headers against it.

    `None` means the account has no secret set: every delivery passes, one that carries a secret
    anyway too (setting the secret on the account before the receiver knows it must not make
    Impilo's deliveries fail; the receiver was accepting unauthenticated deliveries already).
    With a secret, a delivery must carry the header, every value of it equal to the secret.
    """

    __slots__ = ("_digest",)

    def __init__(self, secret: str | None) -> None:
        if secret is not None and not isinstance(secret, str):
            raise TypeError(f"secret must be a str or None, got {type(secret).__name__}")
        if secret == "":
            raise ValueError("secret is empty: pass None if the account has no webhook secret")
        self._digest: bytes | None = None if secret is None else _digest(secret.encode("utf-8"))

    def __repr__(self) -> str:
        return f"SecretCheck({'set' if self.is_set else 'none'})"

    @property
    def is_set(self) -> bool:
        """False when the account has no secret (every delivery passes)."""
        return self._digest is not None

    def failure(self, headers: Headers) -> Literal["missing-secret", "wrong-secret"] | None:
        """Why `headers` do not carry the secret, or None when they do (or no secret is set)."""
        if self._digest is None:
            return None
        values = [value for value in secret_values(headers) if value]
        if not values:  # an empty value carries no secret: a proxy that strips it, say
            return "missing-secret"
        matches = True
        for value in values:
            # Digests of equal length, compared in constant time: neither the secret's content
            # nor its length shows in how long a wrong guess takes.
            found = False
            for candidate in _candidates(value):
                found |= hmac.compare_digest(_digest(candidate), self._digest)
            matches &= found
        return None if matches else "wrong-secret"

    def verify(self, headers: Headers) -> None:
        """Raise WebhookVerificationError unless `headers` carry the secret (see `failure`)."""
        reason = self.failure(headers)
        if reason == "missing-secret":
            raise WebhookVerificationError(reason, f"the delivery has no {HEADER} header")
        if reason == "wrong-secret":
            raise WebhookVerificationError(reason, f"the {HEADER} header does not match the secret")
