"""impilo: a typed client for the Impilo v3 Orders API that refuses rule-breaking orders before sending.

    from impilo import Impilo
    client = Impilo()                      # IMPILO_API_KEY; production unless IMPILO_BASE_URL is set
    order = client.orders.create({"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})

Models are the generated ones (`impilo_orders_api.models`); `client.generated` is the generated
client, with the rule check wired in, for the generated api functions.
"""

from impilo_spec.distribution import version as _distribution_version

from . import webhooks
from ._client import AsyncImpilo, Environment, Impilo
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    ImpiloError,
    NotFoundError,
    OrderRuleError,
    RateLimitError,
    RuleViolation,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
    WebhookVerificationError,
)
from ._retry import RetryPolicy
from .rules import check_order

# From the installed metadata: pyproject.toml is the one place the version is written.
__version__ = _distribution_version()

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncImpilo",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "Environment",
    "Impilo",
    "ImpiloError",
    "NotFoundError",
    "OrderRuleError",
    "RateLimitError",
    "RetryPolicy",
    "RuleViolation",
    "ServerError",
    "UnexpectedResponseError",
    "ValidationError",
    "WebhookVerificationError",
    "__version__",
    "check_order",
    "webhooks",
]
