"""impilo: a typed client for the Impilo v3 API that refuses rule-breaking orders before sending.

    from impilo import Impilo
    client = Impilo()                      # IMPILO_API_KEY; production unless IMPILO_BASE_URL is set
    order = client.orders.create({"patient": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})
    client.orders.get(order.id)

Resources: `orders`, the catalog an order names (`items`, `kits`, `sites`, `patients`) and
`webhooks` (with `.secret` and `.logs`); receiving webhook deliveries is `impilo.webhooks`.
Models are the generated ones (`impilo_orders_api.models`), typed as a reader uses them: a field
the API always sends is its plain type, any other `X | None`. A response value of the wrong type
is never hidden: a `ResponseDriftWarning` by default, a `ResponseDriftError` with `strict=True`.
`client.generated` is the generated client, with the rule check and the drift policy wired in,
for the generated api functions.
"""

from impilo_orders_api.params import OrderCreateRequestParam
from impilo_orders_api.types import Drift, ResponseDriftWarning
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
    OrderOutcomeUnknownError,
    OrderRuleError,
    RateLimitError,
    ResponseDriftError,
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
    "Drift",
    "Environment",
    "Impilo",
    "ImpiloError",
    "NotFoundError",
    "OrderCreateRequestParam",
    "OrderOutcomeUnknownError",
    "OrderRuleError",
    "RateLimitError",
    "ResponseDriftError",
    "ResponseDriftWarning",
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
