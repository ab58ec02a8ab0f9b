"""Keeps the API key out of everything the suite prints or writes."""

from __future__ import annotations

import re

from impilo.spec import api_key_header

REDACTED = "[REDACTED]"
# What a reproducible curl sends instead of the key: the shell fills it in from the environment.
KEY_PLACEHOLDER = "$IMPILO_API_KEY"
__all__ = ["KEY_PLACEHOLDER", "REDACTED", "api_key_header", "redact", "reproducible_curl"]


def redact(text: str, *, secrets: tuple[str | None, ...], header: str | None = None) -> str:
    """`text` with every secret replaced and any value of the key header (the spec's, by default) masked."""
    header = header or api_key_header()
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    # Also masks keys the suite did not know about (ignored_auth sends made-up ones).
    pattern = re.compile(
        rf"({re.escape(header)}\s*:)(?!\s*{re.escape(KEY_PLACEHOLDER)})(\s*)([^'\"\r\n]+)", re.IGNORECASE
    )
    return pattern.sub(lambda m: m.group(1) + m.group(2) + (REDACTED if m.group(3).strip() else m.group(3)), text)


def reproducible_curl(curl: str, *, key: str, header: str | None = None) -> str:
    """A curl command that sends the real key from $IMPILO_API_KEY, with every other key value masked.

    Only the header carrying the run's own key gets the placeholder; a made-up key (ignored_auth
    sends some) stays masked, so the command reproduces what was really sent.
    """
    header = header or api_key_header()
    curl = curl.replace(f"'{header}: {key}'", f'"{header}: {KEY_PLACEHOLDER}"')
    return redact(curl, secrets=(key,), header=header)
