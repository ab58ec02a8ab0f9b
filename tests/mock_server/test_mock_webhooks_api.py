"""The mock's webhook routes: registering URLs, the account's secret, the delivery logs and their
filters, and every refusal as the spec's Error body. Every response is checked against the spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from mock_helpers import response_schema
from webhook_receivers import Receiver, wait_until

import impilo_spec
from impilo_mock import MockServer, run_in_thread

WEBHOOKS = impilo_spec.operation("createWebhook")[1]
WEBHOOK_LOGS = impilo_spec.operation("listWebhookLogs")[1]
SECRET = impilo_spec.operation("createWebhookSecret")[1]
ORDERS = impilo_spec.operation("createOrder")[1]
STATUS_TEST = impilo_spec.operation("triggerOrderStatusWebhook")[1]
STATUS = "order.status"
FULL = "order.statusFull"
SITE_ORDER = {"site": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}


def _template(path: str) -> str | None:
    """The spec's path template a request path belongs to (a literal path before a templated one)."""
    templates = {template for _, template in impilo_spec.operations().values()}
    if path in templates:
        return path
    wanted = path.split("/")
    for template in templates:
        parts = template.split("/")
        if len(parts) == len(wanted) and all(p == w or p.startswith("{") for p, w in zip(parts, wanted, strict=True)):
            return template
    return None


def check_webhook_response(response: httpx.Response) -> None:
    """Fail unless the status is documented for the operation and the body fits its schema."""
    response.read()
    template = _template(response.request.url.path)
    assert template is not None, f"no operation has the path {response.request.url.path}"
    status = response.status_code
    try:
        schema = response_schema(template, response.request.method, status)
    except KeyError:
        pytest.fail(f"{response.request.method} {template} answered {status}, which the spec does not document")
    if schema is None:
        assert response.content == b""
        return
    validator = Draft202012Validator({**schema, "components": impilo_spec.contract_view()["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, f"{response.request.method} {template} {status}: {errors[0].message}"
    if status >= 400:
        assert response.json()["status"] == status
        assert response.json()["message"]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with run_in_thread(webhook_retry_scale=0.0) as running:
        yield running


@pytest.fixture
def client(server: MockServer) -> Iterator[httpx.Client]:
    server.reset()
    headers = {impilo_spec.api_key_header(): server.api_key}
    hooks = {"response": [check_webhook_response]}
    with httpx.Client(base_url=server.base_url, headers=headers, event_hooks=hooks, timeout=10) as http:
        yield http


def _register(client: httpx.Client, url: str, event_type: str = STATUS) -> dict[str, Any]:
    response = client.post(WEBHOOKS, json={"type": event_type, "url": url})
    assert response.status_code == 201, response.text
    webhook: dict[str, Any] = response.json()
    return webhook


def test_a_registered_webhook_is_answered_fetched_listed_changed_and_deleted(client: httpx.Client) -> None:
    created = _register(client, "http://127.0.0.1:9/a", STATUS)
    assert created == {"id": created["id"], "type": STATUS, "url": "http://127.0.0.1:9/a"}
    second = _register(client, "http://127.0.0.1:9/b", FULL)
    assert client.get(f"{WEBHOOKS}/{created['id']}").json() == created
    page = client.get(WEBHOOKS, params={"page": 1, "size": 1}).json()
    assert page == {"content": [created], "page": 1, "size": 1, "total": 2, "first": True, "last": False}
    assert client.get(WEBHOOKS, params={"page": 2, "size": 1}).json()["content"] == [second]

    changed = client.patch(f"{WEBHOOKS}/{created['id']}", json={"url": "http://127.0.0.1:9/c"})
    assert changed.status_code == 200
    assert changed.json() == {**created, "url": "http://127.0.0.1:9/c"}
    assert client.get(f"{WEBHOOKS}/{created['id']}").json()["url"] == "http://127.0.0.1:9/c"

    assert client.delete(f"{WEBHOOKS}/{created['id']}").status_code == 204
    assert client.get(f"{WEBHOOKS}/{created['id']}").status_code == 404
    assert client.delete(f"{WEBHOOKS}/{created['id']}").status_code == 404
    assert client.get(WEBHOOKS).json()["content"] == [second]


def test_any_event_type_and_url_string_is_stored_as_given(client: httpx.Client) -> None:
    # FACTS: the vendor has more than twenty event types; the contract view asks only for strings.
    created = client.post(
        WEBHOOKS, json={"type": STATUS, "url": "not a url at all", "note": "extra fields are kept out"}
    )
    assert created.status_code == 201
    assert created.json()["url"] == "not a url at all"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1:9/a"}, "$"),
        ({"type": STATUS}, "$"),
        ({"type": 7, "url": "http://127.0.0.1:9/a"}, "$.type"),
        ({"type": STATUS, "url": None}, "$.url"),
        ([], "$"),
    ],
)
def test_create_refuses_a_body_that_breaks_the_contract_naming_the_field(
    client: httpx.Client, body: Any, field: str
) -> None:
    response = client.post(WEBHOOKS, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_bodies_that_are_not_json_are_refused_with_the_error_body(client: httpx.Client) -> None:
    assert client.post(WEBHOOKS, content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post(WEBHOOKS, content=b"type=x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.patch(f"{WEBHOOKS}/1", content=b"[", headers={"Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize("webhook_id", ["abc", "0", "-1", "1.5", "99999999999999999999999"])
def test_a_webhook_id_that_is_not_a_positive_int64_is_400(client: httpx.Client, webhook_id: str) -> None:
    response = client.get(f"{WEBHOOKS}/{webhook_id}")
    assert response.status_code == 400
    assert "webhookId" in response.json()["message"]


def test_unknown_webhooks_are_404_naming_the_id(client: httpx.Client) -> None:
    assert "4242" in client.get(f"{WEBHOOKS}/4242").json()["message"]
    assert client.patch(f"{WEBHOOKS}/4242", json={"url": "http://127.0.0.1:9/"}).status_code == 404
    assert client.delete(f"{WEBHOOKS}/4242").status_code == 404


@pytest.mark.parametrize(("params", "name"), [({"page": 0}, "page"), ({"size": 0}, "size"), ({"page": "x"}, "page")])
def test_paging_outside_the_spec_is_400(client: httpx.Client, params: dict[str, Any], name: str) -> None:
    for path in (WEBHOOKS, WEBHOOK_LOGS):
        response = client.get(path, params=params)
        assert response.status_code == 400
        assert name in response.json()["message"]


def test_the_secret_is_set_once_fetched_changed_and_deleted(client: httpx.Client) -> None:
    assert client.get(SECRET).status_code == 404
    assert client.patch(SECRET, json={"secret": "b" * 24}).status_code == 404
    created = client.post(SECRET, json={"secret": "a" * 24})
    assert created.status_code == 201
    assert created.json() == {"secret": "a" * 24}
    assert client.get(SECRET).json() == {"secret": "a" * 24}
    again = client.post(SECRET, json={"secret": "b" * 24})
    assert again.status_code == 409
    assert "b" * 24 not in again.text and "a" * 24 not in again.text
    assert client.patch(SECRET, json={"secret": "b" * 24}).json() == {"secret": "b" * 24}
    assert client.get(SECRET).json() == {"secret": "b" * 24}
    assert client.delete(SECRET).status_code == 204
    assert client.get(SECRET).status_code == 404
    assert client.delete(SECRET).status_code == 204  # the end state asked for holds


@pytest.mark.parametrize("secret", ["zq-secret\nvalue", "zq-secret\x00", " zq-secret", "zq-secret\t"])
def test_a_secret_no_header_can_carry_verbatim_is_422_without_repeating_it(client: httpx.Client, secret: str) -> None:
    response = client.post(SECRET, json={"secret": secret})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.secret"
    assert "zq-secret" not in response.text
    assert client.get(SECRET).status_code == 404


def test_a_secret_of_the_wrong_type_is_422_without_repeating_the_value(client: httpx.Client) -> None:
    response = client.post(SECRET, json={"secret": ["hunter2-hunter2-hunter2"]})
    assert response.status_code == 422
    assert "hunter2" not in response.text


def test_every_webhook_route_needs_the_api_key(server: MockServer) -> None:
    operations = _webhook_operations()
    assert len(operations) == 12  # create/list/fetch/update/delete, 4 secret, logs, 2 triggers
    with httpx.Client(base_url=server.base_url, timeout=10) as anonymous:
        for method, path in (impilo_spec.operation(op) for op in operations):
            response = anonymous.request(method, path.replace("{webhookId}", "1"), json={})
            assert response.status_code == 401, (method, path)
            check_webhook_response(response)


def _webhook_operations() -> list[str]:
    doc = impilo_spec.view()
    return [
        str(op["operationId"])
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "webhooks" in op.get("tags", [])
    ]


# ---- delivery logs ----


@pytest.fixture
def logged(client: httpx.Client) -> Iterator[tuple[httpx.Client, Receiver]]:
    """Two logged deliveries: order.status answered 500 (then retried, answered 200) and order.statusFull (200)."""
    with Receiver({"/status": [500]}) as receiver:
        _register(client, receiver.url("/status"), STATUS)
        _register(client, receiver.url("/full"), FULL)
        assert client.post(ORDERS, json=SITE_ORDER).status_code == 201
        receiver.wait_for(3)

        def both_answered() -> bool:
            logs = client.get(WEBHOOK_LOGS).json()["content"]
            return len(logs) == 2 and all(log["lastResponseStatus"] == 200 for log in logs)

        wait_until(both_answered, what="two deliveries logged as answered 200")
        yield client, receiver


def test_logs_show_each_delivery_with_its_attempts(logged: tuple[httpx.Client, Receiver]) -> None:
    client, receiver = logged
    logs = {log["webhookType"]: log for log in client.get(WEBHOOK_LOGS).json()["content"]}
    status, full = logs[STATUS], logs[FULL]
    sent = {a.body["type"]: a.raw.decode() for a in receiver.arrivals}
    assert status["payload"] == sent[STATUS] and full["payload"] == sent[FULL]
    assert status["webhookUrl"] == receiver.url("/status")
    assert (status["retryAttempts"], status["lastResponseStatus"]) == (1, 200)
    assert (full["retryAttempts"], full["lastResponseStatus"], full["lastRetryTimestamp"]) == (0, 200, None)
    assert status["lastRetryTimestamp"] >= status["createTimestamp"]


@pytest.mark.parametrize(
    ("params", "types"),
    [
        ({"webhookType": FULL}, {FULL}),
        ({"webhookType": "patient.created"}, set()),
        ({"retryAttemptsMin": 1}, {STATUS}),
        ({"retryAttemptsMax": 0}, {FULL}),
        ({"lastResponseStatus": 200}, {STATUS, FULL}),
        ({"lastResponseStatus": 500}, set()),
        ({"startTimestamp": "2000-01-01T00:00:00Z"}, {STATUS, FULL}),
        ({"endTimestamp": "2000-01-01T00:00:00"}, set()),
        ({"startLastRetryTimestamp": "2000-01-01T00:00:00+00:00"}, {STATUS}),
        ({"endLastRetryTimestamp": "2999-01-01T00:00:00Z"}, {STATUS}),
    ],
)
def test_log_filters_select_the_matching_deliveries(
    logged: tuple[httpx.Client, Receiver], params: dict[str, Any], types: set[str]
) -> None:
    client, _ = logged
    page = client.get(WEBHOOK_LOGS, params=params).json()
    assert {log["webhookType"] for log in page["content"]} == types
    assert page["total"] == len(types)


def test_time_filters_include_their_bounds_to_the_millisecond_shown(logged: tuple[httpx.Client, Receiver]) -> None:
    client, _ = logged
    for log in client.get(WEBHOOK_LOGS).json()["content"]:
        at = log["createTimestamp"]
        ids = [
            e["id"]
            for e in client.get(WEBHOOK_LOGS, params={"startTimestamp": at, "endTimestamp": at}).json()["content"]
        ]
        assert log["id"] in ids


@pytest.mark.parametrize(
    "params",
    [
        {"startTimestamp": "yesterday"},
        {"endLastRetryTimestamp": "2026-13-01"},
        {"startTimestamp": "", "endTimestamp": ""},
        {"endTimestamp": "2999-01-01T00:00:00Z", "startLastRetryTimestamp": "not a time"},
    ],
)
def test_a_time_filter_that_is_no_time_is_accepted_and_matches_nothing(
    logged: tuple[httpx.Client, Receiver], params: dict[str, Any]
) -> None:
    # The spec declares them plain strings: any text is valid, so it is no 400.
    client, _ = logged
    page = client.get(WEBHOOK_LOGS, params=params).json()
    assert (page["content"], page["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"retryAttemptsMin": "one"}, "retryAttemptsMin"),
        ({"lastResponseStatus": 2**31}, "lastResponseStatus"),
        ({"webhookType": [STATUS, FULL]}, "webhookType"),
    ],
)
def test_a_bad_log_filter_is_400_naming_it(client: httpx.Client, params: dict[str, Any], name: str) -> None:
    response = client.get(WEBHOOK_LOGS, params=params)
    assert response.status_code == 400
    assert name in response.json()["message"]


def test_reset_forgets_webhooks_the_secret_and_the_logs(server: MockServer, client: httpx.Client) -> None:
    with Receiver() as receiver:
        _register(client, receiver.url())
        assert client.post(SECRET, json={"secret": "c" * 24}).status_code == 201
        assert client.post(STATUS_TEST, json={"orderStatusName": "shipped"}).status_code == 201
        receiver.wait_for(1)
        wait_until(lambda: client.get(WEBHOOK_LOGS).json()["total"] == 1, what="the logged test delivery")
    server.reset()
    assert client.get(WEBHOOKS).json()["total"] == 0
    assert client.get(WEBHOOK_LOGS).json()["total"] == 0
    assert client.get(SECRET).status_code == 404
    assert _register(client, "http://127.0.0.1:9/")["id"] == 1


def _body_operations() -> list[tuple[str, str]]:
    """(method, path) of every webhook operation that takes a body, ids filled in."""
    found = []
    for operation_id in _webhook_operations():
        method, path = impilo_spec.operation(operation_id)
        if "requestBody" in impilo_spec.view()["paths"][path][method.lower()]:
            found.append((method, path.replace("{webhookId}", "1")))
    return found


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{", "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b'{"url": "\\ud800"}', "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"url": NaN}', "application/json", 400),
        (b"{}", "text/plain", 415),
        (b"{" + b" " * (2 * 1024 * 1024) + b"}", "application/json", 413),
    ],
)
def test_hostile_bodies_get_a_4xx_error_body_on_every_webhook_write(
    client: httpx.Client, content: bytes, content_type: str, status: int
) -> None:
    _register(client, "http://127.0.0.1:9/")  # so PATCH /webhook/1 reaches its body
    operations = _body_operations()
    assert len(operations) == 6
    for method, path in operations:
        response = client.request(method, path, content=content, headers={"Content-Type": content_type})
        assert response.status_code == status, (method, path, response.text[:200])
    assert client.get(WEBHOOKS).json()["total"] == 1
    assert client.get(SECRET).status_code == 404
