"""The API key never shows: not in a repr or str, not in an exception message, not in a log line."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from impilo_fakes import (
    API_KEY,
    BASE_URL,
    LoopbackServer,
    Recorder,
    SleepRecorder,
    as_body,
    make_async_client,
    make_client,
    order_json,
)

from impilo import APIConnectionError, AsyncImpilo, AuthenticationError, Impilo, OrderRuleError, spec
from impilo_spec.rule_cases import case

JSON = {"Content-Type": "application/json"}


def test_the_header_name_is_the_specs_security_scheme() -> None:
    schemes = spec.contract_view()["components"]["securitySchemes"]
    assert spec.api_key_header() == schemes["ImpiloApiKey"]["name"] == "Impilo-API-Key"
    assert Impilo(API_KEY).generated.auth_header_name == spec.api_key_header()


def test_reprs_and_strs_never_show_the_key() -> None:
    sync_client = make_client(Recorder([httpx.Response(200, json=order_json(1))]))
    sync_client.orders.get(1)  # the generated client has now built its httpx client and headers
    async_client = make_async_client(Recorder([]))
    async_client.generated.get_async_httpx_client()
    for thing in (sync_client, async_client, sync_client.generated, async_client.generated, sync_client.orders):
        for text in (repr(thing), str(thing), f"{thing}", format(thing, "")):
            assert API_KEY not in text
    assert repr(sync_client) == f"Impilo(base_url='{BASE_URL}', api_key='***', strict=False)"
    assert "Impilo-API-Key='***'" in repr(sync_client.generated)


def test_masking_follows_the_spec_if_the_header_is_renamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec, "api_key_header", lambda: "X-Impilo-Key")
    recorder = Recorder([httpx.Response(200, json=order_json(1))])
    client = Impilo(API_KEY, base_url=BASE_URL, transport=recorder.transport)
    client.orders.get(1)
    assert recorder.requests[0].headers["X-Impilo-Key"] == API_KEY
    assert "Impilo-API-Key" not in recorder.requests[0].headers
    assert "X-Impilo-Key='***'" in repr(client.generated) and API_KEY not in repr(client.generated)


def test_exception_messages_never_show_the_key_even_when_the_server_echoes_it() -> None:
    echoed = {
        "status": 401,
        "message": f"API key {API_KEY} is not valid",
        "errors": [{"field": "Impilo-API-Key", "message": API_KEY}],
    }
    client = make_client(Recorder([httpx.Response(401, json=echoed)]))
    with pytest.raises(AuthenticationError) as caught:
        client.orders.get(1)
    for text in (str(caught.value), repr(caught.value), *map(str, caught.value.args)):
        assert API_KEY not in text
    assert "API key *** is not valid" in str(caught.value)
    assert caught.value.body == echoed  # the data itself is kept as the server sent it


def test_connection_errors_never_show_the_key() -> None:
    client = make_client(Recorder([httpx.ConnectError(f"cannot reach host for {API_KEY}")]), max_retries=0)
    with pytest.raises(APIConnectionError) as caught:
        client.orders.get(1)
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)


def test_rule_errors_never_show_the_key() -> None:
    client = make_client(Recorder([]))
    with pytest.raises(OrderRuleError) as caught:
        client.orders.create(as_body(case("both-patient-and-site").body))
    assert API_KEY not in str(caught.value)


def test_no_log_line_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    # Real sockets on loopback, so httpx's and httpcore's own DEBUG logging runs too.
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "impilo", "impilo_orders_api"):
        caplog.set_level(logging.DEBUG, logger=name)
    error_body = json.dumps({"message": f"bad key {API_KEY}"}).encode()
    replies = [
        (503, JSON, b"{}"),
        (200, JSON, json.dumps(order_json(1)).encode()),
        (201, JSON, json.dumps(order_json(2)).encode()),
        (401, {**JSON, "X-Echo": API_KEY}, error_body),
    ]
    with LoopbackServer(replies) as server:
        with Impilo(API_KEY, base_url=server.base_url, sleep=SleepRecorder()) as client:
            assert client.orders.get(1).id == 1  # after one retry
            assert client.orders.create(as_body(case("docs-patient-order").body)).id == 2
            with pytest.raises(AuthenticationError) as caught:
                client.orders.get(1)
            logging.getLogger("impilo.test").exception("what a user logs", exc_info=caught.value)
    assert server.seen_headers[0]["Impilo-API-Key"] == API_KEY  # the key did go where it belongs
    records = caplog.records
    assert any(r.name.startswith("httpcore") for r in records), "httpcore DEBUG logging did not run"
    assert any(r.name == "impilo" and "retrying GET" in r.getMessage() for r in records)
    for record in records:
        assert API_KEY not in record.getMessage(), record.name
    handler_output = caplog.text
    assert API_KEY not in handler_output


async def test_no_log_line_shows_the_key_async(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with LoopbackServer([(200, JSON, json.dumps(order_json(1)).encode())]) as server:
        async with AsyncImpilo(API_KEY, base_url=server.base_url) as client:
            assert (await client.orders.get(1)).id == 1
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert API_KEY not in caplog.text


def test_redaction_of_real_and_toy_keys() -> None:
    from impilo._secrets import redact

    assert redact(f"x{API_KEY}y and {API_KEY}", API_KEY) == "x***y and ***"
    assert redact("key k is wrong; kits kept", "k") == "key *** is wrong; kits kept"
    assert redact("nothing here", None) == "nothing here"


def test_a_toy_key_does_not_mangle_other_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    Impilo("k", base_url=BASE_URL)
    caplog.set_level(logging.INFO, logger="httpx")
    logging.getLogger("httpx").info("kept kits for key %s", "k")
    assert caplog.records[-1].getMessage() == "kept kits for key ***"


async def test_the_key_is_in_no_httpx_clients_headers_yet_every_request_carries_it() -> None:
    """httpx masks only Authorization in repr(headers): the key goes through an httpx.Auth flow instead."""
    recorder = Recorder(lambda request: httpx.Response(200, json=order_json(1)))
    sync_client, async_client = make_client(recorder), make_async_client(recorder)
    own = httpx.Client(transport=recorder.transport)
    adopted = Impilo(API_KEY, base_url=BASE_URL, http_client=own)
    sync_client.orders.get(1)
    await async_client.orders.get(1)
    adopted.orders.get(1)
    for http in (
        sync_client.generated.get_httpx_client(),
        async_client.generated.get_async_httpx_client(),
        adopted.generated.get_httpx_client(),
    ):
        assert API_KEY not in repr(http.headers) and API_KEY not in str(dict(http.headers))
        assert API_KEY not in repr(http.auth)
    assert [r.headers["Impilo-API-Key"] for r in recorder.requests] == [API_KEY] * 3
