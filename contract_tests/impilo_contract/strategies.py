"""Hypothesis strategies for what an Impilo server may send, built from the contract view's response
schemas, for fuzzing clients (ours and yours).

`response_bodies(name)` draws JSON values valid under the named schema. With `drift=True` it also
draws what a tolerant client must survive even though the spec does not describe it: enum values
the spec does not know (every enum is open), fields it does not name, nulls where it promises a
value, and fields left out.

Create-request bodies are not built here: the tests draw them with Schemathesis from the same
contract view, so the rules overlay shapes them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ._spec import JSON, REF_PREFIX, load_contract
from ._walk import resolved

MAX_DEPTH = 5
MAX_ITEMS = 3
INT64 = 2**63 - 1
# Made-up names cannot collide with a spec field: the spec's names are camelCase letters only.
_UNKNOWN_NAME = st.from_regex(r"x_[a-z]{1,8}", fullmatch=True)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**31), 2**31), st.text(max_size=12))


def _build(spec: JSON, schema: JSON, drift: bool, depth: int) -> st.SearchStrategy[Any]:
    schema, _ = resolved(spec, schema)  # refs followed, allOf merged (ItemDetail is an Item and more)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_build(spec, branch, drift, depth) for branch in schema[key]])
    if "enum" in schema:
        known: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
        if drift:
            known = st.one_of(known, st.from_regex(r"[a-z][A-Za-z]{2,14}", fullmatch=True))
        return known
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(int(schema.get("minimum", -INT64)), INT64)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "string":
        return st.text(max_size=20)
    if kind == "array":
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(_build(spec, schema.get("items", {}), drift, depth + 1), max_size=MAX_ITEMS)
    if kind == "object":
        required = set(schema.get("required", [])) if not drift else set()
        if depth >= MAX_DEPTH:
            # Deep enough: only what the schema requires (an id, a status), so the value stays valid.
            return st.fixed_dictionaries(
                {
                    name: _build(spec, sub, drift, depth + 1)
                    for name, sub in schema.get("properties", {}).items()
                    if name in required
                }
            )
        properties = {
            name: _maybe_null(_build(spec, sub, drift, depth + 1), drift)
            for name, sub in schema.get("properties", {}).items()
        }
        body = st.fixed_dictionaries(
            {name: strategy for name, strategy in properties.items() if name in required},
            optional={name: strategy for name, strategy in properties.items() if name not in required},
        )
        if drift:
            extra = st.dictionaries(_UNKNOWN_NAME, _SCALARS, max_size=2)
            body = st.tuples(body, extra).map(lambda pair: {**pair[1], **pair[0]})
        return body
    return _SCALARS


def _maybe_null(strategy: st.SearchStrategy[Any], drift: bool) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy) if drift else strategy


def response_bodies(name: str, *, drift: bool = False, spec: JSON | None = None) -> st.SearchStrategy[Any]:
    """JSON values of the component schema `name` (e.g. "Order", "OrderPage", "Error")."""
    spec = spec if spec is not None else load_contract()
    return _build(spec, {"$ref": REF_PREFIX + name}, drift, 0)
