"""Settings of the mock server, in one place. Facts of the API itself come from the spec (impilo_spec)."""

from __future__ import annotations

import impilo_spec

# The documented development key (impilo_spec owns it): fine on loopback, never a real credential.
DEFAULT_API_KEY = impilo_spec.DEV_API_KEY
# Comma-separated keys; overrides the default when --api-key is not given.
API_KEYS_ENV = impilo_spec.MOCK_API_KEYS_ENV

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

# Request bodies above this many bytes get 413, counted on the wire, not only from Content-Length.
MAX_BODY_BYTES = 1024 * 1024

# Seconds between lifecycle steps of an order when the simulated lifecycle is on.
DEFAULT_LIFECYCLE_TICK = 2.0

# The documented webhook retry delays (15, 30, 60 minutes) are multiplied by this: minutes become seconds.
DEFAULT_WEBHOOK_RETRY_SCALE = 1 / 60

# How many violations one refusal lists: a hostile body can break a rule a hundred thousand times.
MAX_REPORTED_ERRORS = 20
