"""The one error a webhook delivery can raise (moves into _exceptions.py once the lead's edit lands)."""

from __future__ import annotations

from typing import Literal

from ._exceptions import ImpiloError

WebhookErrorReason = Literal[
    "missing-secret",
    "wrong-secret",
    "not-json",
    "not-an-object",
    "missing-id",
    "invalid-id",
    "missing-type",
    "invalid-type",
    "invalid-payload",
]


class WebhookVerificationError(ImpiloError, ValueError):
    """A webhook delivery that cannot be trusted or read; `.reason` says which check failed.

    missing-secret / wrong-secret   the secret header is absent (or empty) / does not match
    not-json / not-an-object        the body is not UTF-8 JSON / is JSON but not an object
    missing-id / invalid-id         the envelope has no `id` (or null) / one not a string or integer
    missing-type / invalid-type     the envelope has no `type` (or null) / one not a string
    invalid-payload                 an order event whose payload does not have the spec's shape

    The message never quotes the secret or the header's value. It is a ValueError too.
    """

    def __init__(self, reason: WebhookErrorReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: WebhookErrorReason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[WebhookVerificationError], tuple[WebhookErrorReason, str]]:
        return (type(self), (self.reason, self.detail))
