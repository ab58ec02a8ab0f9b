"""The facade as a user meets it: configuration, what each call sends, what it returns, timeouts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from impilo_fakes import API_KEY, BASE_URL, Recorder, as_body, make_async_client, make_client, order_json, page_json

import impilo
from impilo import AsyncImpilo, ConfigurationError, Impilo, OrderRuleError
from impilo_orders_api.client import AuthenticatedClient
from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_page import OrderPage
from impilo_orders_api.models.order_status import OrderStatus
from impilo_spec.rule_cases import case


def test_public_api_is_small_and_complete() -> None:
    assert sorted(impilo.__all__) == sorted(set(impilo.__all__))
    for name in impilo.__all__:
        assert getattr(impilo, name) is not None
    public = {n for n in vars(impilo) if not n.startswith("_")} - {"rules", "rule_cases", "spec", "annotations"}
    assert public <= set(impilo.__all__)


def test_key_and_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", API_KEY)
    monkeypatch.setenv("IMPILO_BASE_URL", "http://127.0.0.1:8080/")
    client = Impilo()
    assert client.base_url == "http://127.0.0.1:8080"
    assert client.generated.token == API_KEY


def test_production_by_default_and_staging_one_argument_away() -> None:
    assert Impilo("k").base_url == "https://app.impiloplatform.com"
    assert Impilo("k", environment="staging").base_url == "https://staging.impiloplatform.com"
    assert AsyncImpilo("k", environment="staging").base_url == "https://staging.impiloplatform.com"


def test_server_urls_are_the_specs() -> None:
    servers = [s["url"] for s in impilo.spec.contract_view()["servers"]]
    assert [Impilo("k").base_url, Impilo("k", environment="staging").base_url] == servers


def test_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", "from-env")
    monkeypatch.setenv("IMPILO_BASE_URL", "http://127.0.0.1:1")
    assert Impilo("from-arg").generated.token == "from-arg"
    assert Impilo(base_url="http://127.0.0.1:2").base_url == "http://127.0.0.1:2"
    assert Impilo(environment="staging").base_url == "https://staging.impiloplatform.com"


def test_missing_key_and_unknown_environment_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="IMPILO_API_KEY"):
        Impilo()
    with pytest.raises(ConfigurationError, match="unknown environment 'moon'"):
        Impilo("k", environment="moon")  # type: ignore[arg-type]


def test_generated_client_is_an_authenticated_client_sending_the_bare_key() -> None:
    recorder = Recorder([httpx.Response(200, json=order_json(5))])
    client = make_client(recorder)
    assert isinstance(client.generated, AuthenticatedClient)
    client.orders.get(5)
    assert recorder.requests[0].headers["Impilo-API-Key"] == API_KEY


def test_create_sends_the_body_and_returns_the_order() -> None:
    recorder = Recorder([httpx.Response(201, json=order_json(42))])
    order = make_client(recorder).orders.create(as_body(case("docs-patient-order").body))
    sent = recorder.requests[0]
    assert (sent.method, str(sent.url)) == ("POST", f"{BASE_URL}/api/v3/order")
    assert sent.headers["Content-Type"] == "application/json"
    assert recorder.bodies == [case("docs-patient-order").body]
    assert isinstance(order, Order) and order.id == 42 and order.current_status == OrderStatus.AVAILABLE_FOR_PICKUP


def test_create_accepts_the_200_the_vendor_lists() -> None:
    order = make_client(Recorder([httpx.Response(200, json=order_json(43))])).orders.create(
        as_body(case("site-kits-only").body)
    )
    assert order.id == 43


def test_get_fetches_by_id() -> None:
    recorder = Recorder([httpx.Response(200, json=order_json(9))])
    order = make_client(recorder).orders.get(9)
    assert str(recorder.requests[0].url) == f"{BASE_URL}/api/v3/order/9" and order.id == 9


def test_list_sends_page_size_and_filters() -> None:
    recorder = Recorder([httpx.Response(200, json=page_json([1, 2], page=2, size=2, total=4, last=False))])
    page = make_client(recorder).orders.list(2, 2, patient_id=1234, external_order_ids=["a", "b"])
    url = recorder.requests[0].url
    assert url.path == "/api/v3/order"
    assert url.params.multi_items() == [
        ("page", "2"),
        ("size", "2"),
        ("patientId", "1234"),
        ("externalOrderId", "a"),
        ("externalOrderId", "b"),
    ]
    assert isinstance(page, OrderPage) and page.total == 4 and [o.id for o in page.content or []] == [1, 2]


def test_list_defaults_are_the_specs_and_one_external_id_may_be_a_string() -> None:
    recorder = Recorder([httpx.Response(200, json=page_json([], total=0, last=True))] * 2)
    client = make_client(recorder)
    client.orders.list()
    client.orders.list(external_order_ids="xyz_123_0")
    assert recorder.requests[0].url.params.multi_items() == [("page", "1"), ("size", "15")]
    assert recorder.requests[1].url.params.get_list("externalOrderId") == ["xyz_123_0"]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.orders.list(size=251),
        lambda c: c.orders.list(page=0),
        lambda c: c.orders.get(0),
        lambda c: c.orders.void(-3),
        lambda c: c.orders.iter(size=1000),
    ],
)
def test_out_of_range_arguments_are_refused_before_sending(call: Any) -> None:
    client = make_client(Recorder([]))
    with pytest.raises(OrderRuleError):
        call(client)


def test_void_sends_delete_and_returns_none() -> None:
    recorder = Recorder([httpx.Response(204)])
    make_client(recorder).orders.void(7)
    assert (recorder.requests[0].method, recorder.requests[0].url.path) == ("DELETE", "/api/v3/order/7")


def test_default_timeouts_are_connect_5_read_30() -> None:
    recorder = Recorder([httpx.Response(200, json=order_json(1))])
    client = make_client(recorder)
    client.orders.get(1)
    assert recorder.requests[0].extensions["timeout"] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert client.generated.get_httpx_client().timeout == httpx.Timeout(30.0, connect=5.0)
    assert client.generated.get_async_httpx_client().timeout == httpx.Timeout(30.0, connect=5.0)


def test_timeouts_are_overridable_per_client_and_per_call() -> None:
    recorder = Recorder([httpx.Response(200, json=order_json(1))] * 2)
    client = make_client(recorder, timeout=httpx.Timeout(10.0, connect=2.0))
    client.orders.get(1)
    client.orders.get(1, timeout=1.5)
    assert recorder.requests[0].extensions["timeout"] == {"connect": 2.0, "read": 10.0, "write": 10.0, "pool": 10.0}
    assert recorder.requests[1].extensions["timeout"] == {"connect": 1.5, "read": 1.5, "write": 1.5, "pool": 1.5}
    # A per-call timeout does not stick to the client.
    recorder2 = Recorder([httpx.Response(200, json=order_json(1))])
    client2 = make_client(recorder2)
    client2.orders.get(1, timeout=1.0)
    assert client2.generated.get_httpx_client().timeout == httpx.Timeout(30.0, connect=5.0)


def test_context_manager_closes_the_connections() -> None:
    with make_client(Recorder([httpx.Response(200, json=order_json(1))])) as client:
        client.orders.get(1)
        http = client.generated.get_httpx_client()
    assert http.is_closed


async def test_async_facade_does_the_same() -> None:
    recorder = Recorder(
        [
            httpx.Response(201, json=order_json(1)),
            httpx.Response(200, json=order_json(1)),
            httpx.Response(200, json=page_json([1], total=1, last=True)),
            httpx.Response(204),
        ]
    )
    async with make_async_client(recorder) as client:
        assert (await client.orders.create(as_body(case("docs-site-order").body))).id == 1
        assert (await client.orders.get(1, timeout=2.0)).id == 1
        assert (await client.orders.list(patient_id=1234)).total == 1
        await client.orders.void(1)
        http = client.generated.get_async_httpx_client()
    assert [r.method for r in recorder.requests] == ["POST", "GET", "GET", "DELETE"]
    assert recorder.requests[1].extensions["timeout"]["read"] == 2.0
    assert http.is_closed
