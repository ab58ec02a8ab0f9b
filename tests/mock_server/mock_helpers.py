"""Helpers for the mock server tests: the spec check every response goes through, and bodies."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from impilo_spec import contract_view, operation

ORDERS = operation("listOrders")[1]
# Statuses the spec cannot document because they belong to no operation: an unknown route
# (404) and a method the path does not have (405). Both still send the Error body.
OUTSIDE_OPERATIONS = {404, 405}


@functools.cache
def _route_patterns() -> list[tuple[re.Pattern[str], str]]:
    # Literal paths first, as the mock routes them (`/patient/identifier/{x}` is not `/patient/{id}`).
    paths = sorted(contract_view()["paths"], key=lambda p: [seg.startswith("{") for seg in p.split("/")])
    return [
        (re.compile("/".join("[^/]+" if seg.startswith("{") else re.escape(seg) for seg in p.split("/"))), p)
        for p in paths
    ]


def route_of(path: str) -> str | None:
    """The spec path template a request path falls under, None when it is no route of the spec."""
    for pattern, template in _route_patterns():
        if pattern.fullmatch(path):
            return template
    return None


def load_spec() -> dict[str, Any]:
    return contract_view()


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema` whose `#/components/...` references resolve inside the spec."""
    return Draft202012Validator({**schema, "components": load_spec()["components"]})


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = load_spec()
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_schema(path: str, method: str, status: int) -> dict[str, Any] | None:
    """The schema the spec gives a response, None when it documents no body; KeyError if undocumented."""
    responses = load_spec()["paths"][path][method.lower()]["responses"]
    key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
    content = _resolve(responses[key]).get("content")
    return None if not content else dict(content["application/json"]["schema"])


_ERROR = _validator({"$ref": "#/components/schemas/Error"})


def check_against_spec(response: httpx.Response) -> None:
    """Fail unless the response is documented for its route and status and its body fits the schema."""
    request = response.request
    route = route_of(request.url.path)
    method = request.method
    status = response.status_code
    documented = route is not None and method.lower() in load_spec()["paths"][route]
    if not documented:
        assert status in OUTSIDE_OPERATIONS | {401}, f"{method} {request.url.path}: undocumented {status}"
        schema: dict[str, Any] | None = {"$ref": "#/components/schemas/Error"}
    else:
        assert route is not None
        try:
            schema = response_schema(route, method, status)
        except KeyError:
            pytest.fail(f"{method} {route} answered {status}, which the spec does not document")
    if method == "HEAD":
        return
    if schema is None:
        assert response.content == b"", f"{method} {route} {status} must have no body"
        return
    assert response.headers["content-type"].startswith("application/json")
    errors = sorted(_validator(schema).iter_errors(response.json()), key=str)
    assert not errors, f"{method} {request.url.path} {status}: {errors[0].message}"
    if status >= 400:
        assert not list(_ERROR.iter_errors(response.json()))
        assert response.json()["status"] == status
        assert response.json()["message"]


def docs_example(name: str) -> dict[str, Any]:
    """A request example from the docs, embedded verbatim in the spec."""
    return copy.deepcopy(load_spec()["components"]["examples"][name]["value"])


def site_order(**overrides: Any) -> dict[str, Any]:
    """The smallest valid order: site 1234, one item."""
    body: dict[str, Any] = {"site": {"id": 1234}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}
    body.update(overrides)
    return body
