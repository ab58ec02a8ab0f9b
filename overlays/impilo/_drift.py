"""What the client does with drift: a value of the wrong JSON type, or a field assumed sent that is missing.

The generated models find drift while they decode (`impilo_orders_api.types`); this is the
policy they report it to. By default each kind of drift of a call is one `ResponseDriftWarning`
and one WARNING record on the `impilo` logger, naming the operation, the JSON path, the expected
type and what came; the call returns, and the value stays behind its attribute as sent. With
`strict=True` the call raises `ResponseDriftError` instead. Messages are redacted of the API key,
in case a server echoes it into a field of the wrong type.

Unknown enum values and unknown fields are not drift: the spec declares them open.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import httpx

from impilo_orders_api.types import Drift, ResponseDriftWarning, describe, grouped

from ._exceptions import ResponseDriftError
from ._secrets import redact

logger = logging.getLogger("impilo")

__all__ = ["DriftReporter", "ResponseDriftWarning"]


@dataclass(frozen=True, slots=True)
class DriftReporter:
    """A drift policy (`impilo_orders_api.types.DriftPolicy`): warn and log, or raise when `strict`.

    `response` and `secret` let the raised error carry the response and keep the key out of it.
    """

    strict: bool = False
    response: httpx.Response | None = None
    secret: str | None = None

    def report(self, operation: str | None, drifts: list[Drift]) -> None:
        if self.strict:
            raise ResponseDriftError(operation, drifts, response=self.response, secret=self.secret)
        for first, count, shape in grouped(drifts):
            message = redact((f"{operation}: " if operation else "") + describe(first, count, shape), self.secret)
            logger.warning("response drift: %s", message)
            warnings.warn(ResponseDriftWarning(message), stacklevel=2)

    def __repr__(self) -> str:
        return f"DriftReporter(strict={self.strict})"
