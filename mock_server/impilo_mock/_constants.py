"""Settings of the mock server, in one place."""

from __future__ import annotations

# The documented development key: fine on loopback, never a real credential.
DEFAULT_API_KEY = "impilo-dev-key"
# Comma-separated keys; overrides the default when --api-key is not given.
API_KEYS_ENV = "IMPILO_MOCK_API_KEYS"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

# Request bodies above this many bytes get 413, counted on the wire, not only from Content-Length.
MAX_BODY_BYTES = 1024 * 1024

# Seconds between lifecycle steps of an order when the simulated lifecycle is on.
DEFAULT_LIFECYCLE_TICK = 2.0

ORDERS_PATH = "/api/v3/order"
