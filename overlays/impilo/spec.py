"""What the client reads from the spec: re-exported from `impilo_spec`, the one reader of it.

Kept as `impilo.spec` for code that looks the spec up through the client (the API key header,
the server URLs, an operation's method and path, a parameter's schema).
"""

from __future__ import annotations

from impilo_spec import (
    CONTRACT_URI,
    INTEGER_FORMATS,
    api_key_header,
    contract_view,
    example_value,
    operation,
    operations,
    parameter_pointer,
    parameter_schema,
    server_urls,
    view,
    webhook_secret_header,
)

__all__ = [
    "CONTRACT_URI",
    "INTEGER_FORMATS",
    "api_key_header",
    "contract_view",
    "example_value",
    "operation",
    "operations",
    "parameter_pointer",
    "parameter_schema",
    "server_urls",
    "view",
    "webhook_secret_header",
]
