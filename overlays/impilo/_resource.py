"""What every resource (`client.orders`, `client.items`, `client.webhooks`, ...) shares.

A method builds a `Call`: the request from the generated operation's request builder
(`_get_kwargs`: path, query and JSON body exactly as the generated `sync_detailed` would send
them), the generated model that decodes a success, and the operation id that reports name.
`Impilo._run` and `AsyncImpilo._run` send it (with retries, the status-to-exception mapping and
the key kept out of every message) and decode it, so the sync and async resources differ only in
`await`. Sending is the facade's own, not the generated `sync_detailed`: that one parses every
error body as JSON before the caller sees it, so a proxy's HTML 502 would raise a JSONDecodeError
instead of a `ServerError`, and a 429's Retry-After would be out of reach.

Arguments are checked against the contract view before anything is sent (`check_parameter`:
types, formats and the bounds the rules overlay gives), so a page size of 251 is refused here.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx
import orjson

from impilo_orders_api.types import UNSET, DriftPolicy, Unset

from ._drift import DriftReporter
from ._exceptions import unexpected_response
from .rules import check_parameter

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
TimeoutArg = float | httpx.Timeout | None


class Decodable(Protocol[T_co]):
    """A generated response model: decodes JSON it is given, reporting drift to a policy."""

    @classmethod
    def _from_response(cls, data: Any, *, operation: str | None = ..., policy: DriftPolicy | None = ...) -> T_co: ...


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to send and how to read its answer (`model` None: no body, e.g. a 204)."""

    operation: str
    kwargs: dict[str, Any]
    model: type[Decodable[T]] | None = None
    # None: the client's retry policy decides (by method); an int overrides it for this call.
    max_retries: int | None = None
    # Arguments already checked; kept for error messages and look-ups.
    arguments: Mapping[str, Any] = field(default_factory=dict)


def checked(operation_id: str, **arguments: Any) -> dict[str, Any]:
    """The arguments as the generated `_get_kwargs` takes them, each checked against its spec schema.

    Keyword names are the generated ones (snake_case); the spec's (camelCase) are derived to find
    the schema. None means "not given" and becomes UNSET; a str given for a list parameter is one
    value. Raises OrderRuleError naming the parameter and the rule.
    """
    out: dict[str, Any] = {}
    for name, value in arguments.items():
        if value is None:
            out[name] = UNSET
            continue
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            value = list(value)
        check_parameter(operation_id, _spec_name(name), _as_json(value))
        out[name] = value
    return out


def _as_json(value: Any) -> Any:
    """How a parameter value goes on the wire, for the check: a day as YYYY-MM-DD, an enum as its value."""
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def listed(value: str | int | Sequence[Any] | None) -> list[Any] | None:
    """A repeatable parameter from one value or several."""
    if value is None:
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


def _spec_name(python_name: str) -> str:
    """The spec's name of a generated parameter (sort_descending -> sortDescending)."""
    head, *rest = python_name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def unset(value: T | None) -> T | Unset:
    return UNSET if value is None else value


def decode(
    call: Call[T], response: httpx.Response, *, strict: bool, secret: str | None, policy: DriftPolicy | None = None
) -> T:
    """A success response as the call's model; UnexpectedResponseError if it is not a JSON object.

    Drift goes to `policy`, by default a DriftReporter (a warning, or ResponseDriftError when strict).
    """
    assert call.model is not None
    try:
        payload = orjson.loads(response.content)  # the JSON library the generated client uses
    except ValueError:
        raise unexpected_response(response, "a body that is not JSON", secret=secret) from None
    if not isinstance(payload, dict):
        raise unexpected_response(response, f"a JSON {type(payload).__name__} instead of an object", secret=secret)
    reporter = policy or DriftReporter(strict=strict, response=response, secret=secret)
    return call.model._from_response(payload, operation=call.operation, policy=reporter)


def build(builder: Callable[..., dict[str, Any]], operation_id: str, **arguments: Any) -> dict[str, Any]:
    """The generated request builder's kwargs for checked arguments."""
    return builder(**checked(operation_id, **arguments))
