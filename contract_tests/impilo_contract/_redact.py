"""Keeps secrets (the API key, any webhook secret) out of everything the suite prints or writes.

A reproducing curl sends the key as `"$VAR"` from the variable the user named (`--api-key-env`),
so it pastes into a shell as is; a made-up key (ignored_auth sends some) is kept verbatim, since
that is what was sent and it is nobody's secret.
"""

from __future__ import annotations

import json
import shlex
import threading
from typing import Any

import httpx

from impilo_spec import api_key_header

REDACTED = "[REDACTED]"
__all__ = ["REDACTED", "Redactor", "api_key_header"]


class Redactor:
    """Replaces every known secret; learns webhook secrets as the run sees them."""

    def __init__(self, *, key: str | None, key_env: str, header: str | None = None) -> None:
        self.header = header or api_key_header()
        self.placeholder = f"${key_env}"
        self._key = key
        self._secrets: set[str] = {key} if key else set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Redactor(header={self.header!r}, placeholder={self.placeholder!r}, secrets=<{len(self._secrets)}>)"

    def learn(self, secret: Any) -> None:
        """Treat `secret` as secret from now on (a webhook secret sent or received)."""
        if isinstance(secret, str) and secret:
            with self._lock:
                self._secrets.add(secret)

    def secrets(self) -> tuple[str, ...]:
        with self._lock:
            # Longest first, so a secret containing another is replaced whole.
            return tuple(sorted(self._secrets, key=len, reverse=True))

    def text(self, text: str) -> str:
        """`text` with every secret replaced by [REDACTED]."""
        for secret in self.secrets():
            text = text.replace(secret, REDACTED)
        return text

    def curl(self, curl: str) -> str:
        """A curl command whose key header reads the key from the user's variable; other secrets redacted."""
        if self._key:
            for quoted in (f"'{self.header}: {self._key}'", f'"{self.header}: {self._key}"'):
                curl = curl.replace(quoted, f'"{self.header}: {self.placeholder}"')
        return self.text(curl)

    def build_curl(
        self, method: str, url: str, *, params: dict[str, Any] | None = None, body: Any = None, with_key: bool = True
    ) -> str:
        """A curl for a request the suite made itself (not through Schemathesis)."""
        full = str(httpx.URL(url, params=params)) if params else url
        parts = ["curl", "-X", method, shlex.quote(full)]
        if with_key:
            parts += ["-H", f'"{self.header}: {self.placeholder}"']
        if body is not None:
            parts += ["-H", shlex.quote("Content-Type: application/json"), "-d", shlex.quote(json.dumps(body))]
        return self.text(" ".join(parts))
