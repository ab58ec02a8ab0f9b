"""`impilo.webhooks.parse`: the secret, the envelope, the payloads, unknown types; nothing leaks the secret."""

from __future__ import annotations

import copy
import hmac
import json
import pickle
import warnings
from typing import Any

import httpx
import pytest
from impilo_fakes import order_json
from starlette.datastructures import Headers as StarletteHeaders

import impilo
from impilo import ImpiloError, webhooks
from impilo.webhooks import (
    OrderStatusEvent,
    OrderStatusFullEvent,
    UnknownEvent,
    WebhookVerificationError,
    parse,
)
from impilo_orders_api.models.order import Order
from impilo_orders_api.models.order_event import OrderEvent
from impilo_orders_api.models.order_status import OrderStatus
from impilo_orders_api.types import ResponseDriftWarning
from impilo_spec import webhook_secret_header

# Distinctive, so finding it anywhere is a leak and not a coincidence.
SECRET = "whsec_7c1d93ab44e0f6a2"
HEADER = webhook_secret_header()
GOOD = {HEADER: SECRET}

# One value of every JSON type (and the edge cases of the integer and string ones).
MISSING = object()
JSON_VALUES: dict[str, Any] = {
    "absent": MISSING,
    "null": None,
    "true": True,
    "false": False,
    "zero": 0,
    "int": 42,
    "negative": -7,
    "int-beyond-64-bits": 2**70,
    "integral-float": 3.0,
    "float": 1.5,
    "empty-string": "",
    "string": "abc",
    "empty-array": [],
    "array": [1, "a"],
    "empty-object": {},
    "object": {"a": 1},
}


def status_envelope(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "id": "dlv-1",
        "type": "order.status",
        "payload": {"id": 1234, "orderEvent": {"name": "shipped", "eventTimestamp": "2024-05-01T10:00:00Z"}},
    }
    for key, value in changes.items():
        if value is MISSING:
            envelope.pop(key, None)
        else:
            envelope[key] = value
    return envelope


def full_envelope(order: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": 77, "type": "order.statusFull", "payload": order_json(1234) if order is None else order}


def body(envelope: Any) -> bytes:
    return json.dumps(envelope).encode()


def refused(
    raw: bytes | str, headers: Any = GOOD, secret: str | None = SECRET, *, strict: bool = False
) -> WebhookVerificationError:
    with pytest.raises(WebhookVerificationError) as caught:
        parse(raw, headers, secret=secret, strict=strict)
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    return caught.value


# ---- the events ----


def test_an_order_status_delivery_is_a_typed_event() -> None:
    envelope = status_envelope()
    event = parse(body(envelope), GOOD, secret=SECRET)
    assert event == OrderStatusEvent(
        id="dlv-1",
        type="order.status",
        order_id=1234,
        status=OrderStatus.SHIPPED,
        event=OrderEvent.from_dict({"name": "shipped", "eventTimestamp": "2024-05-01T10:00:00Z"}),
        raw=envelope,
    )
    assert isinstance(event.event, OrderEvent) and event.event.event_timestamp == "2024-05-01T10:00:00Z"


def test_an_order_status_full_delivery_carries_the_whole_order_as_the_generated_model() -> None:
    envelope = full_envelope()
    event = parse(body(envelope), GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusFullEvent)
    assert (event.id, event.type) == (77, "order.statusFull")
    assert isinstance(event.order, Order) and event.order.id == 1234
    assert event.order.to_dict() == envelope["payload"]  # nothing lost
    assert event.raw == envelope


def test_an_unknown_type_is_kept_raw_and_never_raised() -> None:
    envelope = {"id": 9, "type": "patient.created", "payload": {"patientId": 5}, "sentAt": "now"}
    event = parse(body(envelope), GOOD, secret=SECRET)
    assert event == UnknownEvent(id=9, type="patient.created", payload={"patientId": 5}, raw=envelope)


def test_a_status_the_spec_does_not_list_is_kept_as_an_open_enum_member() -> None:
    envelope = status_envelope(payload={"id": 1, "orderEvent": {"name": "returnedToSender"}})
    event = parse(body(envelope), GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusEvent)
    assert event.status == "returnedToSender" and event.status is not None and not event.status.is_known


def test_unknown_fields_at_every_level_are_kept() -> None:
    envelope = status_envelope(payload={"id": 1, "orderEvent": {"name": "shipped", "by": "ups"}, "extra": [1]})
    envelope["attempt"] = 2
    event = parse(body(envelope), GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusEvent) and event.event is not None
    assert event.event.additional_properties == {"by": "ups"}
    assert event.raw == envelope


def test_the_docs_full_order_with_drift_parses_like_a_response() -> None:
    order = order_json(5, currentStatus="returnedToSender", brandNewField={"x": 1})
    event = parse(body(full_envelope(order)), GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusFullEvent)
    assert event.order.current_status == "returnedToSender"
    assert event.order.to_dict() == order


def test_str_bytes_bytearray_and_memoryview_bodies_read_the_same() -> None:
    raw = body(status_envelope())
    events = {repr(parse(form, GOOD, secret=SECRET)) for form in (raw, raw.decode(), bytearray(raw), memoryview(raw))}
    assert len(events) == 1


def test_a_byte_order_mark_is_allowed() -> None:
    assert isinstance(parse(b"\xef\xbb\xbf" + body(status_envelope()), GOOD, secret=SECRET), OrderStatusEvent)


def test_non_ascii_text_in_the_body_is_read_as_utf8() -> None:
    envelope = {"id": "ß-1", "type": "note.créée", "payload": {"text": "naïve 🚚"}}
    event = parse(json.dumps(envelope, ensure_ascii=False).encode(), GOOD, secret=SECRET)
    assert event == UnknownEvent(id="ß-1", type="note.créée", payload={"text": "naïve 🚚"}, raw=envelope)


def test_a_huge_body_is_read_whole() -> None:
    payload = {"rows": ["x" * 1000] * 10_000}  # about 10 MB
    event = parse(body({"id": 1, "type": "readings.batch", "payload": payload}), GOOD, secret=SECRET)
    assert isinstance(event, UnknownEvent) and len(event.payload["rows"]) == 10_000


def test_events_are_frozen_and_keep_raw_out_of_their_repr() -> None:
    event = parse(body(full_envelope()), GOOD, secret=SECRET)
    with pytest.raises(AttributeError):
        event.id = 2  # type: ignore[misc]
    assert "raw=" not in repr(event)


# ---- every JSON type in every envelope field ----

ID_OUTCOMES = {
    "absent": "missing-id",
    "null": "missing-id",
    "true": "invalid-id",
    "false": "invalid-id",
    "float": "invalid-id",
    "empty-array": "invalid-id",
    "array": "invalid-id",
    "empty-object": "invalid-id",
    "object": "invalid-id",
}


@pytest.mark.parametrize("name", JSON_VALUES)
def test_every_json_type_as_the_id(name: str) -> None:
    value = JSON_VALUES[name]
    raw = body(status_envelope(id=value))
    if name in ID_OUTCOMES:
        assert refused(raw).reason == ID_OUTCOMES[name]
        return
    event = parse(raw, GOOD, secret=SECRET)
    assert event.id == value and type(event.id) is (int if name == "integral-float" else type(value))


TYPE_OUTCOMES = {"absent": "missing-type", "null": "missing-type"}


@pytest.mark.parametrize("name", JSON_VALUES)
def test_every_json_type_as_the_type(name: str) -> None:
    value = JSON_VALUES[name]
    raw = body(status_envelope(type=value))
    if name in TYPE_OUTCOMES:
        assert refused(raw).reason == "missing-type"
    elif not isinstance(value, str):
        assert refused(raw).reason == "invalid-type"
    else:  # "" and "abc" are types this client does not know
        event = parse(raw, GOOD, secret=SECRET)
        assert event == UnknownEvent(id="dlv-1", type=value, payload=status_envelope()["payload"], raw=event.raw)


@pytest.mark.parametrize("name", JSON_VALUES)
@pytest.mark.parametrize("kind", ["order.status", "order.statusFull"])
def test_every_json_type_as_an_order_events_payload(kind: str, name: str) -> None:
    value = JSON_VALUES[name]
    raw = body(status_envelope(type=kind, payload=value))
    if not isinstance(value, dict):  # no event can be made of it, strict or not
        error = refused(raw)
        assert error.reason == "invalid-payload" and kind in str(error)
    elif kind == "order.status":  # every field of this payload may be absent
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            event = parse(raw, GOOD, secret=SECRET, strict=True)
        assert isinstance(event, OrderStatusEvent) and event.order_id is None and event.event is None
    else:  # an Order without the id and status the spec assumes every order has: drift
        with pytest.warns(ResponseDriftWarning) as drift:
            event = parse(raw, GOOD, secret=SECRET)
        assert sorted(str(w.message).split(":")[1].strip() for w in drift) == ["$.currentStatus", "$.id"]
        assert all(str(w.message).startswith("orderStatusFullEvent: ") for w in drift)
        assert isinstance(event, OrderStatusFullEvent) and event.order.id is None
        error = refused(raw, strict=True)
        assert error.reason == "invalid-payload" and "$.currentStatus" in str(error)


@pytest.mark.parametrize("name", JSON_VALUES)
def test_every_json_type_as_an_unknown_events_payload(name: str) -> None:
    value = JSON_VALUES[name]
    event = parse(body(status_envelope(type="device.reading", payload=value)), GOOD, secret=SECRET, strict=True)
    assert isinstance(event, UnknownEvent) and event.payload == (None if value is MISSING else value)


def _status_payload(field: str, value: Any) -> dict[str, Any]:
    payload: dict[str, Any] = copy.deepcopy(status_envelope()["payload"])
    node = payload["orderEvent"] if field in ("name", "eventTimestamp") else payload
    if value is MISSING:
        node.pop(field)
    else:
        node[field] = value
    return payload


# The JSON type each field of an order.status payload has in the spec (bool is not an integer).
PAYLOAD_FIELDS: dict[str, type] = {"id": int, "orderEvent": dict, "name": str, "eventTimestamp": str}


def _attribute(event: OrderStatusEvent, field: str) -> Any:
    if field == "id":
        return event.order_id
    if field == "orderEvent":
        return event.event
    assert event.event is not None
    return event.status if field == "name" else event.event.event_timestamp


@pytest.mark.parametrize("name", JSON_VALUES)
@pytest.mark.parametrize("field", PAYLOAD_FIELDS)
def test_every_json_type_in_every_order_status_payload_field(field: str, name: str) -> None:
    value = JSON_VALUES[name]
    raw = body(status_envelope(payload=_status_payload(field, value)))
    if value is MISSING or value is None or type(value) is PAYLOAD_FIELDS[field]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            event = parse(raw, GOOD, secret=SECRET, strict=True)
        assert isinstance(event, OrderStatusEvent)
        expected: Any = None if value is MISSING or value is None else value
        if field == "orderEvent":
            assert event.event == (None if expected is None else OrderEvent.from_dict(expected))
            assert event.status == (None if expected is None else expected.get("name"))
        else:
            assert _attribute(event, field) == expected
        return
    # Drift: by default reported (a warning naming the field) and kept as sent, never hidden ...
    with pytest.warns(ResponseDriftWarning, match=rf"orderStatusEvent: \$(\.orderEvent)?\.{field}: expected"):
        event = parse(raw, GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusEvent) and _attribute(event, field) == value
    # ... and strict, refused.
    error = refused(raw, strict=True)
    assert error.reason == "invalid-payload" and f".{field}: expected" in str(error)


def test_payload_drift_is_logged_too(caplog: pytest.LogCaptureFixture) -> None:
    raw = body(status_envelope(payload={"id": "1234"}))
    with pytest.warns(ResponseDriftWarning):
        parse(raw, GOOD, secret=SECRET)
    assert any("$.id: expected integer, got string" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("field", ["id", "currentStatus"])
def test_a_full_order_without_a_field_every_order_has_is_drift(field: str) -> None:
    order = order_json(1)
    del order[field]
    with pytest.warns(ResponseDriftWarning, match=rf"\$\.{field}: expected"):
        event = parse(body(full_envelope(order)), GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusFullEvent) and event.order.to_dict() == order
    error = refused(body(full_envelope(order)), strict=True)
    assert error.reason == "invalid-payload" and field in error.detail


def test_a_wrong_type_deep_in_a_full_order_is_drift_with_its_path() -> None:
    order = order_json(1)
    order["orderItems"][0]["count"] = "2"
    with pytest.warns(ResponseDriftWarning, match=r"\$\.orderItems\[0\]\.count: expected integer"):
        event = parse(body(full_envelope(order)), GOOD, secret=SECRET)
    assert isinstance(event, OrderStatusFullEvent) and event.order.to_dict() == order


# ---- bodies that are not a JSON object ----


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"{", b"not json", b'{"id": 1,}', b"NaN", b'{"id": Infinity}', b"\xff\xfe{}", b"\x80abc",
     '{"id": 1'.encode("utf-16"), b"[" * 100_000 + b"]" * 100_000],
    ids=["empty", "blank", "truncated", "text", "trailing-comma", "nan", "infinity", "utf16-bom", "bad-utf8",
         "utf16", "deep-nesting"],
)  # fmt: skip
def test_a_body_that_is_not_json_is_refused(raw: bytes) -> None:
    assert refused(raw).reason == "not-json"


def test_a_not_json_error_does_not_quote_the_body() -> None:
    assert "hello" not in str(refused(b"hello world"))


@pytest.mark.parametrize("value", [[], [1], "text", 1, 1.5, True, None], ids=repr)
def test_json_that_is_not_an_object_is_refused(value: Any) -> None:
    assert refused(body(value)).reason == "not-an-object"


def test_a_long_delivery_id_is_cut_short_in_a_message() -> None:
    error = refused(body(status_envelope(id="x" * 10_000, payload=[])))
    assert error.reason == "invalid-payload" and len(str(error)) < 300


# ---- the secret ----


def test_a_missing_secret_is_refused_before_the_body_is_read() -> None:
    assert refused(b"not json", {}).reason == "missing-secret"


def test_a_wrong_secret_is_refused_before_the_body_is_read() -> None:
    assert refused(b"not json", {HEADER: "whsec_guess"}).reason == "wrong-secret"


@pytest.mark.parametrize(
    "value",
    [SECRET[:-1], SECRET + "0", " " + SECRET, SECRET + " ", SECRET.upper(), "x", SECRET * 2],
    ids=["prefix", "longer", "leading-space", "trailing-space", "upper", "short", "doubled"],
)
def test_anything_but_the_secret_verbatim_is_wrong(value: str) -> None:
    error = refused(body(status_envelope()), {HEADER: value})
    assert error.reason == "wrong-secret" and value not in str(error)


def test_an_empty_secret_header_counts_as_missing() -> None:
    assert refused(body(status_envelope()), {HEADER: ""}).reason == "missing-secret"


def test_a_repeated_header_must_be_the_secret_every_time() -> None:
    raw = body(status_envelope())
    assert isinstance(parse(raw, [(HEADER, SECRET), (HEADER, SECRET)], secret=SECRET), OrderStatusEvent)
    assert refused(raw, [(HEADER, SECRET), (HEADER, "whsec_other")]).reason == "wrong-secret"
    assert refused(raw, [(HEADER, "whsec_other"), (HEADER.lower(), SECRET)]).reason == "wrong-secret"


HEADER_FORMS: dict[str, Any] = {
    "dict": {HEADER: SECRET, "Content-Type": "application/json"},
    "dict-lower": {HEADER.lower(): SECRET},
    "dict-upper": {HEADER.upper(): SECRET},
    "str-pairs": [("content-type", "application/json"), (HEADER.lower(), SECRET)],
    "asgi-raw-pairs": [(b"content-type", b"application/json"), (HEADER.lower().encode(), SECRET.encode())],
    "httpx": httpx.Headers({HEADER: SECRET}),
    "starlette": StarletteHeaders(raw=[(HEADER.lower().encode(), SECRET.encode())]),
    "wsgi-environ": {"REQUEST_METHOD": "POST", "HTTP_" + HEADER.upper().replace("-", "_"): SECRET, "wsgi.input": 0},
}


@pytest.mark.parametrize("form", HEADER_FORMS)
def test_headers_in_every_shape_are_read_case_insensitively(form: str) -> None:
    assert isinstance(parse(body(status_envelope()), HEADER_FORMS[form], secret=SECRET), OrderStatusEvent)


@pytest.mark.parametrize("form", ["dict", "httpx", "starlette", "str-pairs"])
def test_other_headers_do_not_count_as_the_secret(form: str) -> None:
    headers: Any = {
        "dict": {"X-Secret": SECRET},
        "httpx": httpx.Headers({"Impilo-API-Key": SECRET}),
        "starlette": StarletteHeaders({"authorization": SECRET}),
        "str-pairs": [("Impilo-Webhook", SECRET)],
    }[form]
    assert refused(body(status_envelope()), headers).reason == "missing-secret"


def test_a_non_ascii_secret_matches_however_the_server_decoded_the_header() -> None:
    secret = "clé-secrète-üñ"
    sent = secret.encode("utf-8")
    raw = body(status_envelope())
    for headers in (
        {HEADER: secret},  # text, as a caller typed it
        {HEADER: sent.decode("latin-1")},  # as WSGI and Starlette decode header bytes
        [(HEADER.encode(), sent)],  # raw bytes, as in an ASGI scope
    ):
        assert isinstance(parse(raw, headers, secret=secret), OrderStatusEvent)
    assert refused(raw, {HEADER: "clé-secrète-un"}, secret=secret).reason == "wrong-secret"


def test_no_secret_on_the_account_accepts_deliveries_with_or_without_one() -> None:
    raw = body(status_envelope())
    assert isinstance(parse(raw, {}, secret=None), OrderStatusEvent)
    assert isinstance(parse(raw, {HEADER: "anything"}, secret=None), OrderStatusEvent)


def test_the_secret_argument_is_required_and_must_be_a_real_secret() -> None:
    raw = body(status_envelope())
    with pytest.raises(TypeError):
        parse(raw, GOOD)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="empty"):
        parse(raw, GOOD, secret="")
    with pytest.raises(TypeError, match="str or None"):
        parse(raw, GOOD, secret=b"bytes")  # type: ignore[arg-type]


def test_a_header_value_of_another_type_is_a_callers_bug_and_not_quoted() -> None:
    with pytest.raises(TypeError, match="str or bytes") as caught:
        parse(body(status_envelope()), {HEADER: 12345}, secret=SECRET)
    assert "12345" not in str(caught.value)


def test_the_comparison_is_constant_time_over_equal_length_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr("impilo._webhook_secret.hmac.compare_digest", spy)
    refused(body(status_envelope()), {HEADER: "short"})
    parse(body(status_envelope()), GOOD, secret=SECRET)
    assert compared and all(pair == (32, 32) for pair in compared)


# ---- the error ----


def test_the_error_is_an_impilo_error_and_a_value_error_with_its_reason() -> None:
    error = refused(b"[]")
    assert isinstance(error, ImpiloError) and isinstance(error, ValueError)
    assert error.reason == "not-an-object" and str(error) == f"not-an-object: {error.detail}"


@pytest.mark.parametrize("raw", [b"not json", b"{}", body(status_envelope(payload=[]))], ids=["body", "id", "payload"])
def test_an_error_after_the_secret_check_carries_no_frame_holding_the_secret(raw: bytes) -> None:
    # Error reporters (Sentry, pytest --showlocals) record the variables of every frame a
    # traceback passes through; past the caller's own frame, none may hold the secret.
    headers = [(HEADER, SECRET)]
    try:
        parse(raw, headers, secret=SECRET)
    except WebhookVerificationError as error:
        tb = error.__traceback__
        assert tb is not None
        tb = tb.tb_next  # this test's own frame holds it, as the caller's always does
        assert tb is not None
        while tb is not None:
            assert SECRET not in repr(tb.tb_frame.f_locals), tb.tb_frame.f_code.co_name
            tb = tb.tb_next
    else:
        pytest.fail("parse accepted a broken delivery")


def test_the_error_survives_pickling() -> None:
    error = refused(b"{}")
    copied = pickle.loads(pickle.dumps(error))
    assert (type(copied), copied.reason, str(copied)) == (WebhookVerificationError, "missing-id", str(error))


def test_no_secret_failure_quotes_the_secret_or_the_sent_value() -> None:
    sent = "whsec_almost_right_value"
    for headers in ({}, {HEADER: sent}, {HEADER: ""}):
        error = refused(b"{}", headers)
        for text in (str(error), repr(error), error.detail, repr(error.args), repr(error.__reduce__())):
            assert SECRET not in text and sent not in text


def test_the_public_module_exports_what_it_documents() -> None:
    for name in webhooks.__all__:
        assert hasattr(webhooks, name), name
    assert webhooks.SECRET_HEADER == HEADER
    assert impilo.webhooks is webhooks and impilo.WebhookVerificationError is WebhookVerificationError
    assert {"WebhookVerificationError", "webhooks"} <= set(impilo.__all__)
    assert (webhooks.ORDER_STATUS, webhooks.ORDER_STATUS_FULL) == ("order.status", "order.statusFull")
