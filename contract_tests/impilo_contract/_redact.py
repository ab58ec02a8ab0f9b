"""Keeps the API key out of everything the suite prints or writes."""

from __future__ import annotations

import re

from ._spec import JSON

REDACTED = "[REDACTED]"
# What a reproducible curl sends instead of the key: the shell fills it in from the environment.
KEY_PLACEHOLDER = "$IMPILO_API_KEY"
_FALLBACK_HEADER = "Impilo-API-Key"


def api_key_header(spec: JSON) -> str:
    """The header the key travels in, read from the spec's apiKey security scheme."""
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return str(scheme["name"])
    return _FALLBACK_HEADER


def redact(text: str, *, secrets: tuple[str | None, ...], header: str = _FALLBACK_HEADER) -> str:
    """`text` with every secret replaced and any value of the key header masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    # Also masks keys the suite did not know about (ignored_auth sends made-up ones).
    pattern = re.compile(
        rf"({re.escape(header)}\s*:)(?!\s*{re.escape(KEY_PLACEHOLDER)})(\s*)([^'\"\r\n]+)", re.IGNORECASE
    )
    return pattern.sub(lambda m: m.group(1) + m.group(2) + (REDACTED if m.group(3).strip() else m.group(3)), text)


def reproducible_curl(curl: str, *, key: str, header: str = _FALLBACK_HEADER) -> str:
    """A curl command that sends the real key from $IMPILO_API_KEY, with every other key value masked.

    Only the header carrying the run's own key gets the placeholder; a made-up key (ignored_auth
    sends some) stays masked, so the command reproduces what was really sent.
    """
    curl = curl.replace(f"'{header}: {key}'", f'"{header}: {KEY_PLACEHOLDER}"')
    return redact(curl, secrets=(key,), header=header)
