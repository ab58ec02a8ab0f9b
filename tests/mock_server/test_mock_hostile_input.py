"""Bad and hostile input: always a 4xx with the Error body, never a 500, and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from mock_helpers import ORDERS, site_order

from impilo_mock import MAX_BODY_BYTES

JSON = {"Content-Type": "application/json"}
VALID = json.dumps(site_order()).encode()

# (name, content-type, body bytes, expected status)
BODIES = [
    ("malformed JSON", JSON, b'{"site": {"id": 1234}', 400),
    ("empty body", JSON, b"", 400),
    ("not UTF-8", JSON, b'{"site": {"id": 1234}, "x": "\xff\xfe"}', 400),
    ("NaN constant", JSON, b'{"site": {"id": NaN}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}', 400),
    (
        "Infinity constant",
        JSON,
        b'{"site": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": Infinity}]}',
        400,
    ),
    ("deep nesting", JSON, b"[" * 100_000 + b"]" * 100_000, 400),
    ("lone surrogate in a value", JSON, VALID[:-1] + b', "externalOrderIds": ["\\ud800"]}', 400),
    ("lone surrogate in a key", JSON, VALID[:-1] + b', "\\udfff": 1}', 400),
    ("lone surrogate in an enum", JSON, VALID[:-1] + b', "shippingOption": "\\uDBFF"}', 400),
    ("text/plain", {"Content-Type": "text/plain"}, VALID, 415),
    ("form encoded", {"Content-Type": "application/x-www-form-urlencoded"}, VALID, 415),
    ("no content type", {}, VALID, 415),
    ("JSON array", JSON, b"[]", 422),
    ("JSON string", JSON, b'"order"', 422),
    ("JSON null", JSON, b"null", 422),
    ("id as string", JSON, json.dumps(site_order(site={"id": "1234"})).encode(), 422),
    ("count as string", JSON, json.dumps(site_order(orderItems=[{"item": {"id": 1000}, "count": "1"}])).encode(), 422),
    ("count as bool", JSON, json.dumps(site_order(orderItems=[{"item": {"id": 1000}, "count": True}])).encode(), 422),
    ("count 1.5", JSON, json.dumps(site_order(orderItems=[{"item": {"id": 1000}, "count": 1.5}])).encode(), 422),
    ("count 1e400", JSON, b'{"site": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1e400}]}', 422),
    (
        "count over int32",
        JSON,
        json.dumps(site_order(orderItems=[{"item": {"id": 1000}, "count": 2**31}])).encode(),
        422,
    ),
    ("id over int64", JSON, json.dumps(site_order(site={"id": 2**63})).encode(), 422),
    ("id of 200 digits", JSON, json.dumps(site_order(site={"id": 10**200})).encode(), 422),
    (
        "patient as number",
        JSON,
        json.dumps({"patient": 1234, "orderKits": [{"kit": {"id": 1000}, "count": 1}]}).encode(),
        422,
    ),
    ("items not a list", JSON, json.dumps(site_order(orderItems={"item": {"id": 1000}})).encode(), 422),
    ("unknown shipping option", JSON, json.dumps(site_order(shippingOption="teleport")).encode(), 422),
    ("note without text", JSON, json.dumps(site_order(orderNotes=[{}])).encode(), 422),
    ("external ids not strings", JSON, json.dumps(site_order(externalOrderIds=[1, 2])).encode(), 422),
]


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b" " * min(65536, total - sent)
        sent += len(chunk)
        yield chunk


@pytest.mark.parametrize(("name", "headers", "body", "status"), BODIES, ids=[b[0] for b in BODIES])
def test_bad_create_body_is_refused(
    client: httpx.Client, name: str, headers: dict[str, str], body: bytes, status: int
) -> None:
    request = client.build_request("POST", ORDERS, content=body, headers=headers)
    assert request.headers.get("Content-Type") == headers.get("Content-Type")
    response = client.send(request)
    assert response.status_code == status, response.text
    assert client.get(ORDERS).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (site_order(site={"id": "1234"}), "$.site.id"),
        (site_order(orderItems=[{"item": {"id": 1000}, "count": "1"}]), "$.orderItems[0].count"),
        (site_order(orderItems=[{"item": {"id": 1000}, "count": 2**31}]), "$.orderItems[0].count"),
        (site_order(orderKits=[{"kit": {"id": 1000}, "count": 1.5}]), "$.orderKits[0].count"),
        (site_order(shippingOption="teleport"), "$.shippingOption"),
    ],
)
def test_wrong_type_names_the_field(client: httpx.Client, body: object, field: str) -> None:
    response = client.post(ORDERS, json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert field in response.json()["message"]


def test_non_ascii_text_round_trips(client: httpx.Client) -> None:
    sent = ["\U0001f600 emoji", "caf\u00e9", "\u4e2d\u6587"]
    created = client.post(ORDERS, json=site_order(externalOrderIds=sent, orderNotes=[{"note": sent[0]}])).json()
    assert created["externalOrderIds"] == sent and created["orderNotes"][0]["note"] == sent[0]
    found = client.get(ORDERS, params={"externalOrderId": sent[1]}).json()
    assert [order["id"] for order in found["content"]] == [created["id"]]


def test_body_over_the_limit_by_content_length_is_413(client: httpx.Client) -> None:
    response = client.post(ORDERS, content=b" " * (MAX_BODY_BYTES + 1), headers=JSON)
    assert response.status_code == 413


def test_body_over_the_limit_without_content_length_is_413(client: httpx.Client) -> None:
    # A generator body goes out chunked: the server has to count the bytes as they arrive.
    response = client.post(ORDERS, content=_chunks(MAX_BODY_BYTES + 1), headers=JSON)
    assert response.status_code == 413
    assert client.get(ORDERS).json()["total"] == 0


def test_body_at_the_limit_is_read(client: httpx.Client) -> None:
    padded = VALID + b" " * (MAX_BODY_BYTES - len(VALID))
    assert client.post(ORDERS, content=padded, headers=JSON).status_code == 201
    streamed = client.post(ORDERS, content=iter([VALID, b" " * (MAX_BODY_BYTES - len(VALID))]), headers=JSON)
    assert streamed.status_code == 201


def test_bad_content_length_is_400(client: httpx.Client) -> None:
    request = client.build_request("POST", ORDERS, content=VALID, headers=JSON)
    request.headers["Content-Length"] = "12abc"
    try:
        response = client.send(request)
    except httpx.HTTPError:
        return  # the server's HTTP parser refused it before the app: also not a 500
    assert response.status_code == 400


BAD_IDS = ["0", "-1", "abc", "1.5", "1e3", "9223372036854775808", "18446744073709551616", "9" * 5000, "%C2%B9", "%20"]


@pytest.mark.parametrize("order_id", BAD_IDS, ids=[i[:20] for i in BAD_IDS])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_bad_order_id_is_400(client: httpx.Client, method: str, order_id: str) -> None:
    response = client.request(method, f"{ORDERS}/{order_id}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "orderId"


@pytest.mark.parametrize("order_id", ["9223372036854775807", "1", "+1", "001"])
def test_well_formed_unknown_order_id_is_404(client: httpx.Client, order_id: str) -> None:
    assert client.get(f"{ORDERS}/{order_id}").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": ""},
        {"page": "2147483648"},
        {"size": "1.5"},
        {"size": "-5"},
        {"size": "251"},
        {"patientId": "abc"},
        {"patientId": str(2**63)},
        {"page": "9" * 5000},
    ],
    ids=lambda p: f"{next(iter(p))}={str(next(iter(p.values())))[:12]}",
)
def test_bad_list_query_is_400_naming_the_parameter(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get(ORDERS, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == next(iter(params))


def test_unknown_route_and_wrong_method_answer_with_the_error_body(client: httpx.Client) -> None:
    for path in ["/", "/api/v3/orders", f"{ORDERS}/", f"{ORDERS}/1/summary", "/api/v2/order"]:
        assert client.get(path).status_code == 404
    wrong = client.put(ORDERS, json={})
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].split(", ")) >= {"GET", "POST"}
    assert client.patch(f"{ORDERS}/1").status_code == 405


def test_refusals_leave_earlier_orders_intact(client: httpx.Client) -> None:
    kept = client.post(ORDERS, json=site_order(externalOrderIds=["keep"])).json()
    for _, headers, body, _ in BODIES:
        client.post(ORDERS, content=body, headers=headers)
    for order_id in BAD_IDS:
        client.delete(f"{ORDERS}/{order_id}")
    page = client.get(ORDERS).json()
    assert page["total"] == 1 and page["content"] == [kept]


def test_a_body_breaking_rules_thousands_of_times_gets_a_short_answer(client: httpx.Client) -> None:
    from impilo_mock._constants import MAX_REPORTED_ERRORS

    lines = [{"item": {"id": "x"}, "count": "y" * 50}] * 10_000
    response = client.post(ORDERS, json={"site": {"id": 1234}, "orderItems": lines})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert 0 < len(errors) <= MAX_REPORTED_ERRORS
    assert errors[0]["field"].startswith("$.orderItems[")
    assert len(response.content) < 20_000


@pytest.mark.parametrize("query", ["page=x&page=1", "page=1&page=x", "size=5&size=6", "patientId=1&patientId=2"])
def test_a_scalar_query_parameter_given_twice_is_refused(client: httpx.Client, query: str) -> None:
    response = client.get(f"{ORDERS}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == query.split("=", 1)[0]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v3/patient?name=" + "x" * 10_000,
        "/api/v3/patient?" + "&".join(f"id={i}" for i in range(1500)),
        "/api/v3/patient?name=%00%ff&email=%ED%A0%80&country=%C0%AF",
        "/api/v3/patient?dateOfBirthMin=%F0%9F%98%80",
        "/api/v3/patient?dateOfBirthMax=9999-99-99",
        "/api/v3/item?sort=itemId&sort=itemName",
        "/api/v3/item?id=" + "9" * 5000,
        "/api/v3/kit?itemId=%ED%A0%80",
        "/api/v3/patient/identifier/%00%20x",
        "/api/v3/patient/identifier/" + "a" * 5000,
        "/api/v3/site/%ED%A0%80",
    ],
    ids=lambda url: url[:40],
)
def test_hostile_catalog_queries_get_an_answer_never_a_500(client: httpx.Client, url: str) -> None:
    # The conftest hook checks every answer against the spec: a 200 page, or the Error body with a 4xx.
    assert client.get(url).status_code in (200, 400, 404)
