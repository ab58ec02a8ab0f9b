"""Deliberately broken variants of the reference mock, to prove the contract suite catches real faults.

Used by the suite's self-test (contract_tests/test_contract_broken_servers.py); also handy to see
what a report of each fault looks like: `run_suite(Settings(), app=VARIANTS["ignored_auth"].app())`.

Each variant is a thin ASGI wrapper around the correct `impilo_mock.create_app()`: it changes one
thing on the way in or out and leaves the rest of the mock's behaviour alone. `VARIANTS` maps a
variant's name to (factory, the checks that must report it, the phases and invariants that are
enough to find it quickly).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from impilo.spec import api_key_header
from impilo_mock import DEFAULT_API_KEY, create_app

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ORDER_PATH = "/api/v3/order"


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value).encode()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        self.headers.append((b"content-length", str(len(self.body)).encode()))


class Rewrite:
    """Runs the inner app, buffers its answer and lets `change(scope, request_body, answer)` alter it.

    `change_request(scope, body)` may return a new (scope, body) before the inner app sees them.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def applies(self, scope: Scope) -> bool:
        return True

    def change_request(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        return scope, body

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        pass

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies(scope):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        scope, body = self.change_request(dict(scope), b"".join(chunks))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        answer = Answer(500, [], b"")

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.body += message.get("body", b"")

        await self.app(scope, replay, capture)
        self.change(scope, body, answer)
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})


def _query(scope: Scope) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"))


def _route(scope: Scope) -> tuple[str, str]:
    return str(scope["method"]), str(scope["path"])


def _is_fetch(scope: Scope) -> bool:
    method, path = _route(scope)
    return method == "GET" and path.startswith(ORDER_PATH + "/")


def _is_list(scope: Scope) -> bool:
    method, path = _route(scope)
    return method == "GET" and path.rstrip("/") == ORDER_PATH


def _is_create(scope: Scope) -> bool:
    method, path = _route(scope)
    return method == "POST" and path.rstrip("/") == ORDER_PATH


class ServerErrorOnLargePage(Rewrite):
    """A 500 on some input: listing with a page size of 200 or more crashes."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        size = _query(scope).get("size", ["0"])[0]
        if _is_list(scope) and size.isdigit() and 200 <= int(size) <= 250:
            answer.status = 500
            answer.set_json({"status": 500, "error": "Internal Server Error", "message": "page too large"})


class WrongContentType(Rewrite):
    """Fetch answers its JSON as text/plain."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        if _is_fetch(scope) and answer.status == 200:
            answer.headers = [(k, v) for k, v in answer.headers if k.lower() != b"content-type"]
            answer.headers.append((b"content-type", b"text/plain; charset=utf-8"))


class MistypedField(Rewrite):
    """A fetched order's id comes back as a string."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        order = answer.json()
        if _is_fetch(scope) and answer.status == 200 and isinstance(order, dict):
            order["id"] = str(order.get("id"))
            answer.set_json(order)


class MissingField(Rewrite):
    """The create answer leaves out the order's kits (every field is optional, so no schema sees it)."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        order = answer.json()
        if _is_create(scope) and 200 <= answer.status < 300 and isinstance(order, dict):
            order.pop("orderKits", None)
            answer.set_json(order)


class AcceptsInvalidOrder(Rewrite):
    """An order naming both a patient and a site is accepted: the site is silently dropped."""

    def change_request(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        try:
            data = json.loads(body)
        except ValueError:
            return scope, body
        if _is_create(scope) and isinstance(data, dict) and data.get("patient") and data.get("site"):
            data.pop("site")
            body = json.dumps(data).encode()
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        return scope, body


class RefusesValidSiteOrder(Rewrite):
    """Every order for a site is refused with 422, though it names only ids that exist. Since a 422
    for an unknown id counts as accepting valid data, the rule table is what must catch this."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        try:
            sent = json.loads(body)
        except ValueError:
            return
        if _is_create(scope) and 200 <= answer.status < 300 and isinstance(sent, dict) and sent.get("site"):
            answer.status = 422
            answer.set_json({"status": 422, "message": "site orders are not accepted"})


class IgnoredAuth(Rewrite):
    """Any key, or none, is let through: the wrapper swaps in the valid key."""

    def change_request(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        name = api_key_header().lower().encode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != name]
        headers.append((name, DEFAULT_API_KEY.encode()))
        scope["headers"] = headers
        return scope, body


class PaginationOffByOne(Rewrite):
    """`last` is computed with `>` instead of `>=`: on a full last page it says there is more."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        page = answer.json()
        if _is_list(scope) and answer.status == 200 and isinstance(page, dict):
            number, size, total = page.get("page"), page.get("size"), page.get("total")
            if isinstance(number, int) and isinstance(size, int) and isinstance(total, int) and number * size == total:
                page["last"] = False
                answer.set_json(page)


class UnfetchableCreatedOrder(Rewrite):
    """The create answer carries an id no fetch can find."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        order = answer.json()
        if (
            _is_create(scope)
            and 200 <= answer.status < 300
            and isinstance(order, dict)
            and isinstance(order.get("id"), int)
        ):
            order["id"] = order["id"] + 1_000_000
            answer.set_json(order)


class VoidForgetsOrder(Rewrite):
    """A voided order vanishes: fetching it afterwards answers 404 (the spec says it is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.voided: set[str] = set()

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        order_id = scope["path"].rstrip("/").rsplit("/", 1)[-1]
        if scope["method"] == "DELETE" and answer.status == 204:
            self.voided.add(order_id)
        elif _is_fetch(scope) and order_id in self.voided:
            answer.status = 404
            answer.set_json({"status": 404, "error": "Not Found", "message": f"no order {order_id}"})


class SpecDrift(Rewrite):
    """Not a fault: a server a little ahead of the spec. New orders report a status the spec does not
    list and every order a field it does not name, consistently in create, fetch and list. The suite
    lists this as drift and passes unless told to fail on it."""

    NEW_STATUS = "lostInTransit"

    def _drift(self, order: Any) -> None:
        if isinstance(order, dict):
            if order.get("currentStatus") == "orderPlaced":
                order["currentStatus"] = self.NEW_STATUS
            order["carbonFootprint"] = 1.5

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        data = answer.json()
        if not 200 <= answer.status < 300 or not isinstance(data, dict):
            return
        if _is_fetch(scope) or _is_create(scope):
            self._drift(data)
        elif _is_list(scope):
            for order in data.get("content") or []:
                self._drift(order)
        answer.set_json(data)


class OtherDialect(Rewrite):
    """Not a fault: a conformant server that makes the other choices the spec leaves open. Create
    answers 200 (the vendor's machine-readable description) instead of 201; an unknown patient,
    site, item or kit is 422 instead of 404; error bodies are a framework's default shape
    (timestamp, status, error, path) rather than the mock's. The suite must pass it: only the
    unknown error-body fields show, as drift."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        if _is_create(scope) and answer.status == 201:
            answer.status = 200
        elif _is_create(scope) and answer.status == 404:
            answer.status = 422
        if answer.status >= 400:
            reasons = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity"}
            answer.set_json(
                {
                    "timestamp": "2026-11-22T08:00:00.000+00:00",
                    "status": answer.status,
                    "error": reasons.get(answer.status, "Error"),
                    "path": scope.get("path", ""),
                }
            )


@dataclass(frozen=True)
class Variant:
    wrapper: type[Rewrite]
    # A report by any one of these checks counts as catching the fault.
    caught_by: frozenset[str]
    phases: tuple[str, ...]
    invariants: tuple[str, ...]

    def app(self) -> ASGIApp:
        return self.wrapper(create_app())  # type: ignore[arg-type]


VARIANTS: dict[str, Variant] = {
    "server_error": Variant(ServerErrorOnLargePage, frozenset({"not_a_server_error"}), ("coverage",), ()),
    "wrong_content_type": Variant(
        WrongContentType, frozenset({"content_type_conformance"}), ("examples", "stateful"), ()
    ),
    "mistyped_field": Variant(MistypedField, frozenset({"response_schema_conformance"}), ("examples", "stateful"), ()),
    "missing_field": Variant(MissingField, frozenset({"created_order_echoes_request"}), ("examples",), ("echo",)),
    "accepts_invalid_order": Variant(
        AcceptsInvalidOrder, frozenset({"rule_table", "negative_data_rejection"}), (), ("rule_table",)
    ),
    "ignored_auth": Variant(IgnoredAuth, frozenset({"ignored_auth"}), ("examples",), ()),
    "refuses_valid_order": Variant(RefusesValidSiteOrder, frozenset({"rule_table"}), (), ("rule_table",)),
    "pagination_off_by_one": Variant(PaginationOffByOne, frozenset({"pagination_invariants"}), (), ("pagination",)),
    "void_forgets_order": Variant(VoidForgetsOrder, frozenset({"use_after_void"}), (), ("void",)),
    "unfetchable_created_order": Variant(
        UnfetchableCreatedOrder,
        frozenset({"ensure_resource_availability", "created_order_fetchable"}),
        ("stateful",),
        ("echo",),
    ),
}
