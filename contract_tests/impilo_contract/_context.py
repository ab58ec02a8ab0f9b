"""What the suite's own checks (the invariants) share: one client, one way to send a request that
is counted, observed and reproducible, and one way to record a pass or a failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._checks import ActiveRun, record_write, take_write
from ._known_ids import KnownIds
from ._observe import Observer, parse_json
from ._plan import Plan
from ._redact import Redactor
from ._results import Failure, SuiteResult
from ._spec import JSON

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestFailed(Exception):
    """A request of an invariant got no answer (timeout, reset); carries the curl that reproduces it."""

    def __init__(self, message: str, reproduce: str) -> None:
        super().__init__(message)
        self.reproduce = reproduce


@dataclass(slots=True)
class Answer:
    """A response, with the curl of its request and its body parsed once."""

    status: int
    text: str
    body: Any
    is_json: bool
    curl: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(slots=True)
class Outcome:
    """What a server did with one open request: recorded for the dialect report, never judged."""

    key: str
    name: str
    status: int
    body: Any
    sent: Any = None


@dataclass(slots=True)
class Context:
    plan: Plan
    client: httpx.Client
    base_url: str
    result: SuiteResult
    known: KnownIds
    run: ActiveRun
    observer: Observer
    redactor: Redactor
    contract: JSON
    # Moves the embedded mock's orders one lifecycle step (None when the target is not ours to drive).
    advance: Callable[[], int] | None = None
    # Whether the target retries a failed webhook delivery within seconds.
    fast_retries: bool = False
    outcomes: list[Outcome] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        path_parameters: dict[str, Any] | None = None,
        counted: bool = True,
    ) -> Answer:
        """Send one request (a write takes one from the cap unless `counted=False`), and observe its answer."""
        curl = self.redactor.build_curl(method, self.base_url + path, params=params, body=body)
        if method in WRITE_METHODS and counted:
            take_write(self.run, operation, path_parameters)
        elif method in WRITE_METHODS:
            with self.run.lock:
                self.run.writes += 1
        self.observer.learn_secrets(body)
        started = time.monotonic()
        try:
            response = self.client.request(method, path, params=params, json=body)
        except httpx.HTTPError as exc:
            raise RequestFailed(f"{method} {path}: {type(exc).__name__}: {self.redactor.text(str(exc))}", curl) from exc
        self.result.check_seconds[(operation, "(requests)")] += time.monotonic() - started
        self.observer.response(operation, response.status_code, response.content, judge_status=True, reproduce=curl)
        is_json, parsed = parse_json(response.content)
        if method in WRITE_METHODS:
            record_write(self.run, operation, response.status_code, parsed, path_parameters)
        return Answer(response.status_code, self.redactor.text(response.text), parsed, is_json, curl)

    def passed(self, operation: str, check: str) -> None:
        self.result.tally(operation, check).passed += 1

    def failed(self, operation: str, check: str, title: str, message: str, reproduce: str) -> None:
        self.result.add_failure(
            Failure(
                operation,
                check,
                self.redactor.text(title),
                self.redactor.text(message),
                self.redactor.curl(reproduce),
                phase="invariants",
            )
        )

    def note(self, text: str) -> None:
        self.result.notes.append(self.redactor.text(text))
