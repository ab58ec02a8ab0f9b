"""Status -> exception mapping, error bodies the server may really send, and failures without an answer."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import httpx
import pytest
from impilo_fakes import Recorder, make_async_client, make_client

import impilo
from impilo import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    ImpiloError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
    _exceptions,
)

ERROR_BODY = {"status": 404, "error": "Not Found", "message": "order 99 does not exist", "errors": []}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, ValidationError),
        (422, ValidationError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (599, ServerError),
        (413, APIStatusError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_its_exception(status: int, expected: type[APIStatusError]) -> None:
    client = make_client(Recorder(lambda request: httpx.Response(status, json=ERROR_BODY)), max_retries=0)
    with pytest.raises(expected) as caught:
        client.orders.get(99)
    error = caught.value
    assert type(error) is expected
    assert isinstance(error, ImpiloError)
    assert error.status_code == status
    assert error.body == ERROR_BODY
    assert error.text is not None and '"order 99 does not exist"' in error.text
    assert str(error).startswith(f"GET /api/v3/order/99: {status}")
    assert "order 99 does not exist" in str(error)


def test_not_found_through_every_operation() -> None:
    client = make_client(Recorder(lambda request: httpx.Response(404, json=ERROR_BODY)))
    with pytest.raises(NotFoundError):
        client.orders.get(99)
    with pytest.raises(NotFoundError):
        client.orders.void(99)


def test_validation_error_quotes_the_fields() -> None:
    body = {
        "status": 422,
        "message": "order refused",
        "errors": [{"field": "patient.id", "message": "no such patient"}],
    }
    client = make_client(Recorder([httpx.Response(422, json=body)]))
    with pytest.raises(ValidationError, match=r"order refused; patient.id: no such patient") as caught:
        client.orders.create({"patient": {"id": 4321}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})
    assert caught.value.body["errors"][0]["field"] == "patient.id"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (b"", "text/plain"),
        (b'"just a string"', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"message": 42, "errors": "nope"}', "application/json"),
    ],
)
def test_error_bodies_that_are_not_the_specs_still_map(content: bytes, content_type: str) -> None:
    reply = httpx.Response(502, content=content, headers={"Content-Type": content_type})
    client = make_client(Recorder([reply]), max_retries=0)
    with pytest.raises(ServerError) as caught:
        client.orders.get(1)
    assert caught.value.text == content.decode()
    assert caught.value.status_code == 502


def test_rate_limit_error_carries_retry_after() -> None:
    client = make_client(Recorder([httpx.Response(429, headers={"Retry-After": "120"}, json={})]), max_retries=0)
    with pytest.raises(RateLimitError) as caught:
        client.orders.list()
    assert caught.value.retry_after == 120.0


def test_rate_limit_without_retry_after() -> None:
    client = make_client(Recorder([httpx.Response(429)]), max_retries=0)
    with pytest.raises(RateLimitError) as caught:
        client.orders.list()
    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ConnectError("connection refused"), APIConnectionError),
        (httpx.ReadError("connection reset"), APIConnectionError),
        (httpx.ConnectTimeout("timed out"), APITimeoutError),
        (httpx.ReadTimeout("timed out"), APITimeoutError),
    ],
)
def test_no_answer_is_a_connection_error_wrapping_httpx(failure: Exception, expected: type[Exception]) -> None:
    client = make_client(Recorder([failure]), max_retries=0)
    with pytest.raises(expected) as caught:
        client.orders.get(1)
    assert caught.value.__cause__ is failure
    assert getattr(caught.value, "status_code", "missing") is None
    assert str(caught.value).startswith("GET /api/v3/order/1: ")


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"<html>maintenance</html>", "not JSON"), (b"[]", "JSON list"), (b"null", "JSON NoneType")],
)
def test_a_success_that_is_not_an_object_is_an_unexpected_response(content: bytes, why: str) -> None:
    client = make_client(Recorder([httpx.Response(200, content=content)]))
    with pytest.raises(UnexpectedResponseError, match=why) as caught:
        client.orders.get(1)
    assert caught.value.status_code == 200 and caught.value.text == content.decode()


async def test_async_errors_map_the_same_way() -> None:
    client = make_async_client(
        Recorder([httpx.Response(404, json=ERROR_BODY), httpx.ConnectError("refused")]), max_retries=0
    )
    with pytest.raises(NotFoundError):
        await client.orders.get(99)
    with pytest.raises(APIConnectionError):
        await client.orders.get(99)


def test_the_status_mapping_lives_in_one_function() -> None:
    # Only error_from_response decides an exception type from a status code.
    package = Path(inspect.getfile(impilo)).parent
    deciders = []
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Name) and node.id == "_BY_STATUS":
                deciders.append(source.name)
    assert set(deciders) == {"_exceptions.py"}
    assert "_BY_STATUS" in inspect.getsource(_exceptions.error_from_response)


def test_the_exception_tree_is_drawn_in_the_module_docstring() -> None:
    doc = _exceptions.__doc__ or ""
    for name in impilo.__all__:
        obj = getattr(impilo, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert name in doc, name
