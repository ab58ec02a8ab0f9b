"""The spec as package data: the plain OpenAPI document and the contract view (spec + rules overlay).

Both come from `impilo_orders_api/spec/`, written by `make regen`, so the mock reads the same
rules as the client and cannot drift from them.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any, cast

from jsonschema import Draft202012Validator, FormatChecker

from ._constants import INT32_MAX, INT64_MAX

JsonObject = dict[str, Any]


@functools.cache
def load_spec(name: str = "openapi.json") -> JsonObject:
    """`openapi.json` (the plain spec) or `contract.json` (the contract view)."""
    text = (files("impilo_orders_api") / "spec" / name).read_text(encoding="utf-8")
    return cast(JsonObject, json.loads(text))


def api_key_header_name() -> str:
    """The header the spec's apiKey security scheme names (`Impilo-API-Key`)."""
    for scheme in load_spec()["components"]["securitySchemes"].values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return str(scheme["name"])
    raise LookupError("the spec declares no apiKey security scheme in a header")


def _fits(low: int, high: int, instance: object) -> bool:
    if isinstance(instance, bool) or not isinstance(instance, int | float):
        return True  # not a number: the `type` keyword reports it
    return low <= instance <= high


def _format_checker() -> FormatChecker:
    """Assert the OpenAPI integer formats, so a 70-bit id is refused instead of reaching SQLite."""
    checker = FormatChecker(formats=())
    checker.checks("int32")(functools.partial(_fits, -INT32_MAX - 1, INT32_MAX))
    checker.checks("int64")(functools.partial(_fits, -INT64_MAX - 1, INT64_MAX))
    return checker


def schema_validator(document: JsonObject, schema: JsonObject) -> Draft202012Validator:
    """A validator for `schema` whose `#/components/...` references resolve inside `document`."""
    root = {**schema, "components": document["components"]}
    return Draft202012Validator(root, format_checker=_format_checker())


@functools.cache
def create_request_validator() -> Draft202012Validator:
    """OrderCreateRequest from the contract view, with the cross-field rules. Compiled once."""
    contract = load_spec("contract.json")
    return schema_validator(contract, {"$ref": "#/components/schemas/OrderCreateRequest"})


def _resolve(document: JsonObject, node: JsonObject) -> JsonObject:
    while "$ref" in node:
        ref = str(node["$ref"])
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_schema(path: str, method: str, status: int) -> JsonObject | None:
    """The JSON schema the plain spec gives a response, or None when it documents no body.

    Raises KeyError when the spec does not document `status` for this operation (an exact code
    or its `5XX`-style range).
    """
    spec = load_spec()
    operation = spec["paths"][path][method.lower()]
    responses = operation["responses"]
    key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
    response = _resolve(spec, responses[key])
    content = response.get("content")
    if not content:
        return None
    return cast(JsonObject, content["application/json"]["schema"])
