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
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impilo_mock import DEFAULT_API_KEY, create_app
from impilo_spec import api_key_header, operation, parameter_schema, view

ORDER_PATH = operation("createOrder")[1]
ITEM_PATH = operation("listItems")[1]
SECRET_PATH = operation("createWebhookSecret")[1]
SHIPPING_OPTIONS = tuple(view()["components"]["schemas"]["ShippingOption"]["enum"])
# The list paths, and the largest page each documents (None: no maximum).
PAGE_MAXIMA: dict[str, int | None] = {
    operation(op)[1]: parameter_schema(op, "size").get("maximum")
    for op in ("listOrders", "listItems", "listKits", "listSites", "listPatients", "listWebhooks", "listWebhookLogs")
}
# Creates whose success the docs leave as 201 or 200.
CREATED_200_PATHS = frozenset(operation(op)[1] for op in ("createOrder", "createWebhook", "createWebhookSecret"))
# The embedded mock retries a failed webhook delivery after FACTS' 15 minutes times this.
RETRY_SCALE = 0.00005


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
        self.headers = [(k, v) for k, v in self.headers if k.lower() not in (b"content-length", b"content-type")]
        self.headers.append((b"content-type", b"application/json"))
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

    def respond(self, scope: Scope, body: bytes) -> Answer | None:
        """An answer to send without asking the inner app (None: ask it)."""
        return None

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
        received = b"".join(chunks)
        early = self.respond(scope, received)
        if early is not None:
            await send({"type": "http.response.start", "status": early.status, "headers": early.headers})
            await send({"type": "http.response.body", "body": early.body})
            return
        scope, body = self.change_request(dict(scope), received)
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


class UndocumentedCreateStatus(Rewrite):
    """A create answers 202 Accepted: a 2xx the spec does not document for createOrder."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        if _is_create(scope) and answer.status in (200, 201):
            answer.status = 202


class UndocumentedFetchStatus(Rewrite):
    """An unknown order fetches as 410 Gone: a 4xx the spec does not document for fetchOrder."""

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        if _is_fetch(scope) and answer.status == 404:
            answer.status = 410


class WebhookSecretIgnored(Rewrite):
    """The secret a client sets is not the one deliveries carry (the server keeps one of its own)."""

    OWN_SECRET = "serverchosensecret0000000000"

    def change_request(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        data = _json_or_none(body)
        method, path = _route(scope)
        if path == SECRET_PATH and method in ("POST", "PATCH") and isinstance(data, dict) and "secret" in data:
            data["secret"] = self.OWN_SECRET
            return scope, _with_body(scope, data)
        return scope, body

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        sent = _json_or_none(body)
        got = answer.json()
        if isinstance(sent, dict) and isinstance(got, dict) and got.get("secret") == self.OWN_SECRET:
            got["secret"] = sent.get("secret")
            answer.set_json(got)


class ItemPaginationOffByOne(PaginationOffByOne):
    """Like PaginationOffByOne, on the item list only: pagination is walked on every list."""

    def applies(self, scope: Scope) -> bool:
        return _route(scope) == ("GET", ITEM_PATH)

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        page = answer.json()
        if answer.status == 200 and isinstance(page, dict):
            number, size, total = page.get("page"), page.get("size"), page.get("total")
            if isinstance(number, int) and isinstance(size, int) and isinstance(total, int) and number * size == total:
                page["last"] = False
                answer.set_json(page)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _with_body(scope: Scope, data: Any) -> bytes:
    body = json.dumps(data).encode()
    scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    scope["headers"].append((b"content-length", str(len(body)).encode()))
    return body


def _integer_text(value: Any) -> Any:
    """ "10" -> 10: a string that reads as an integer, read as one; anything else as it is."""
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return value


class OtherDialect(Rewrite):
    """Not a fault: a conformant server that makes every choice the docs leave open the other way
    from the mock. The suite must report it conformant, with its choices in the dialect report.

    - create answers 200 (the vendor's machine-readable description), not 201; so do webhook and
      webhook-secret creates;
    - an order naming a patient, site, item or kit it does not have is 422, not 404;
    - an explicit null anywhere at the top of an order is refused (422);
    - a new patient written into the order is refused (422): only existing patients by id;
    - a line without a count gets a count of 1; a count of zero or less is taken as 1;
    - a value of another JSON type that reads as the right one is taken (`"10"` for 10);
    - an unknown shipping option is taken as `standard`;
    - a note without its text is taken, as an empty note;
    - a webhook secret with blanks at its ends is taken, trimmed;
    - voiding a voided order is 409, not 204;
    - page 0 is read as page 1; a page size over the maximum is clamped to it, and 0 is the default;
    - error bodies are a framework's default shape (timestamp, status, error, path).
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.voided: set[str] = set()

    def respond(self, scope: Scope, body: bytes) -> Answer | None:
        data = _json_or_none(body)
        if not _is_create(scope) or not isinstance(data, dict):
            return None
        if any(value is None for value in data.values()):
            return self._error(scope, 422, "explicit nulls are not accepted")
        patient = data.get("patient")
        if isinstance(patient, dict) and "id" not in patient:
            return self._error(scope, 422, "patients are named by id")
        return None

    def change_request(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        method, path = _route(scope)
        if method == "GET" and path in PAGE_MAXIMA:
            scope["query_string"] = self._paging(scope, PAGE_MAXIMA[path])
            return scope, body
        data = _json_or_none(body)
        if path == SECRET_PATH and method in ("POST", "PATCH") and isinstance(data, dict):
            if isinstance(data.get("secret"), str) and data["secret"].strip():
                data["secret"] = data["secret"].strip()  # a secret with blanks at its ends is taken, trimmed
                return scope, _with_body(scope, data)
            return scope, body
        if not _is_create(scope) or not isinstance(data, dict):
            return scope, body
        for key in ("patient", "site"):
            if isinstance(data.get(key), dict) and "id" in data[key]:
                data[key]["id"] = _integer_text(data[key]["id"])
        for lines, ref in (("orderItems", "item"), ("orderKits", "kit")):
            for line in data.get(lines) or []:
                if not isinstance(line, dict):
                    continue
                if isinstance(line.get(ref), dict) and "id" in line[ref]:
                    line[ref]["id"] = _integer_text(line[ref]["id"])
                count = _integer_text(line.get("count", 1))
                line["count"] = 1 if isinstance(count, int) and not isinstance(count, bool) and count < 1 else count
        if isinstance(data.get("externalOrderIds"), list):
            data["externalOrderIds"] = [str(v) if isinstance(v, int) else v for v in data["externalOrderIds"]]
        if data.get("shippingOption") not in (None, *SHIPPING_OPTIONS):
            data["shippingOption"] = SHIPPING_OPTIONS[0]
        for note in data.get("orderNotes") or []:
            if isinstance(note, dict) and "note" not in note:
                note["note"] = ""  # a note without its text is taken, as an empty one
        return scope, _with_body(scope, data)

    def _paging(self, scope: Scope, maximum: int | None) -> bytes:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        page = query.get("page", [""])[0]
        if page.strip() == "0":
            query["page"] = ["1"]
        size = query.get("size", [""])[0].strip()
        if size.isdigit() and int(size) == 0:
            query.pop("size")
        elif size.isdigit() and maximum is not None and int(size) > maximum:
            query["size"] = [str(maximum)]
        return urlencode(query, doseq=True).encode("latin-1")

    def change(self, scope: Scope, body: bytes, answer: Answer) -> None:
        method, path = _route(scope)
        if answer.status == 201 and method == "POST" and path.rstrip("/") in CREATED_200_PATHS:
            answer.status = 200
        elif _is_create(scope) and answer.status == 404:
            answer.status = 422
        if method == "DELETE" and path.startswith(ORDER_PATH + "/") and answer.status == 204:
            order_id = path.rstrip("/").rsplit("/", 1)[-1]
            if order_id in self.voided:
                answer.status = 409
                answer.set_json({"message": f"order {order_id} is already voided"})
            self.voided.add(order_id)
        if answer.status >= 400:
            self._shape(scope, answer)

    def _error(self, scope: Scope, status: int, message: str) -> Answer:
        answer = Answer(status, [(b"content-type", b"application/json")], b"")
        answer.set_json({"message": message})
        self._shape(scope, answer)
        return answer

    @staticmethod
    def _shape(scope: Scope, answer: Answer) -> None:
        reasons = {
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            409: "Conflict",
            422: "Unprocessable Entity",
        }
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
        return self.wrapper(mock_app())


def mock_app(**kwargs: Any) -> ASGIApp:
    """The correct mock, retrying failed webhook deliveries within milliseconds (the webhook check waits for one)."""
    return create_app(webhook_retry_scale=RETRY_SCALE, **kwargs)


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
    "undocumented_create_status": Variant(
        UndocumentedCreateStatus, frozenset({"status_code_conformance"}), ("examples",), ()
    ),
    "undocumented_fetch_status": Variant(
        UndocumentedFetchStatus, frozenset({"status_code_conformance"}), ("fuzzing",), ("dialect",)
    ),
    "webhook_secret_ignored": Variant(WebhookSecretIgnored, frozenset({"webhook_deliveries"}), (), ("webhooks",)),
    "item_pagination_off_by_one": Variant(
        ItemPaginationOffByOne, frozenset({"pagination_invariants"}), (), ("pagination",)
    ),
}
