"""The pre-send check: a create-order body against the contract view's OrderCreateRequest schema.

The rules are not written here. They are the JSON Schema keywords that `overlays/rules.overlay.yaml`
adds to the spec (oneOf patient/site, anyOf non-empty orderItems/orderKits, required ids, minimum 1),
each tagged `x-impilo-rule: {name, message}`; `make regen` ships the result as the contract view.
This module validates with jsonschema (Draft 2020-12, $refs resolved within that document) and turns
the errors into one `OrderRuleError`:

    $: exactly one of patient or site must be set; both were
    $.orderItems[0].count: counts must be positive (got 0)

A violation is named by the `x-impilo-rule` of the subschema that failed; an error in a subschema
without one (a wrong type, an unknown enum value) is named by its JSON Schema keyword.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

import jsonschema
import orjson
from jsonschema.exceptions import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from . import spec
from ._exceptions import OrderRuleError, RuleViolation

__all__ = [
    "OrderRuleError",
    "RuleViolation",
    "check_body",
    "check_order",
    "check_parameter",
    "json_violations",
    "order_violations",
]

CREATE_SCHEMA = "OrderCreateRequest"
RULE_KEY = "x-impilo-rule"
SECRET_KEY = "x-impilo-secret"


def _in_range(low: int, high: int, instance: object) -> bool:
    if isinstance(instance, bool) or not isinstance(instance, int | float):
        return True  # not a number: the `type` keyword reports it
    return low <= instance <= high


def _format_checker() -> jsonschema.FormatChecker:
    """Assert the OpenAPI integer formats, so an id of 2**63 is refused here rather than by the server."""
    checker = jsonschema.FormatChecker(formats=())
    for name, (low, high) in spec.INTEGER_FORMATS.items():
        checker.checks(name)(functools.partial(_in_range, low, high))
    return checker


def _inlined(node: Any, doc: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` replaced by what it points to (a cycle keeps its `$ref`).

    Resolving references is most of jsonschema's time on a small body; done once here, every
    check (and every create the mock server answers) skips it.
    """
    if isinstance(node, list):
        return [_inlined(item, doc, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    siblings = {k: _inlined(v, doc, seen) for k, v in node.items() if k != "$ref"}
    if not isinstance(ref, str):
        return siblings
    if not ref.startswith("#/") or ref in seen:
        # Left as a reference, made absolute so it resolves against the registered contract view.
        return {**siblings, "$ref": spec.CONTRACT_URI + ref if ref.startswith("#") else ref}
    target: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        target = target[int(part)] if isinstance(target, list) else target[part]
    resolved = _inlined(target, doc, (*seen, ref))
    return {"allOf": [resolved], **siblings} if siblings else resolved


@functools.cache
def _validator(pointer: str) -> jsonschema.protocols.Validator:
    doc = spec.contract_view()
    # A `$ref` left by a cycle still resolves, against the contract view registered under its URI.
    registry: Registry[Any] = Registry().with_resource(
        spec.CONTRACT_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    schema = _inlined({"$ref": f"#{pointer}"}, doc)
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=_format_checker())


def _to_json(body: Any) -> Any:
    """A dict, a generated model (anything with to_dict) or JSON text, as plain JSON data."""
    if isinstance(body, bytes | bytearray | str):
        return orjson.loads(body)
    to_dict = getattr(body, "to_dict", None)
    if callable(to_dict) and not isinstance(body, Mapping):
        return to_dict()
    return body


def _shown(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


_JSON_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}


def _where(error: SchemaError) -> str:
    return str(error.path[-1]) if error.path else "the body"


def _what_is_wrong(error: SchemaError) -> str:
    """A few words on why one branch of a oneOf/anyOf failed: 'site is missing', 'orderItems is empty'."""
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in cast(list[str], error.validator_value) if name not in error.instance]
        return " and ".join(f"{name} is missing" for name in missing) or error.message
    if error.validator == "type" and error.instance is None:
        return f"{_where(error)} is null"
    if error.validator == "minItems" and error.instance == []:
        return f"{_where(error)} is empty"
    if error.validator == "type":
        return f"{_where(error)} is {_JSON_TYPE_NAMES.get(type(error.instance), type(error.instance).__name__)}"
    return error.message


def _detail(error: SchemaError) -> str:
    """The part of a tagged rule's message that says what this body did."""
    if error.validator == "oneOf" and not error.context:
        branches = len(cast(list[Any], error.validator_value))
        return "; both were" if branches == 2 else "; more than one was"
    if error.validator in ("oneOf", "anyOf"):
        branches = len(cast(list[Any], error.validator_value))
        reasons = list(dict.fromkeys(_what_is_wrong(sub) for sub in error.context))
        return ("; neither was" if branches == 2 else "; none was") + f" ({', '.join(reasons)})"
    if error.validator == "required" and isinstance(error.instance, dict):
        return f" ({_what_is_wrong(error)})"
    return f" (got {_shown(error.instance)})"


def _branch_type_mismatch(error: SchemaError) -> bool:
    """True for a branch of a oneOf/anyOf that failed only because the value has another type."""
    return error.validator == "type" and len(error.relative_path) == 0


def _violations(error: SchemaError) -> Iterable[RuleViolation]:
    if isinstance(error.schema, dict) and error.schema.get(SECRET_KEY):
        # A secret's value is never quoted: name the rule (or keyword) and say nothing of what came.
        rule = error.schema.get(RULE_KEY)
        if isinstance(rule, dict) and error.validator not in ("type", "enum"):
            yield RuleViolation(str(rule["name"]), error.json_path, str(rule["message"]))
        else:
            yield RuleViolation(str(error.validator), error.json_path, f"the value breaks `{error.validator}`")
        return
    if error.validator == "format":  # int32/int64 range, whatever rule tags the field
        yield RuleViolation(
            "format", error.json_path, f"{_shown(error.instance)} is out of range for {error.validator_value}"
        )
        return
    rule = error.schema.get(RULE_KEY) if isinstance(error.schema, dict) else None
    # A wrong type or enum value beside a rule's keyword is not that rule's violation.
    if isinstance(rule, dict) and error.validator not in ("type", "enum"):
        yield RuleViolation(str(rule["name"]), error.json_path, str(rule["message"]) + _detail(error))
        return
    if error.validator in ("oneOf", "anyOf") and error.context:
        # An untagged oneOf/anyOf is a nullable wrapper (`anyOf: [X, null]`): report what is wrong
        # inside the branch whose type the value has, not that the value is "not null".
        branches: dict[Any, list[SchemaError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [subs for subs in branches.values() if not any(_branch_type_mismatch(s) for s in subs)]
        if len(fitting) == 1:
            for sub in fitting[0]:
                yield from _violations(sub)
            return
        if not fitting:
            types = " or ".join(
                dict.fromkeys(_shown(s.validator_value) for s in error.context if _branch_type_mismatch(s))
            )
            yield RuleViolation("type", error.json_path, f"{_shown(error.instance)} is not of type {types}")
            return
    yield RuleViolation(str(error.validator), error.json_path, error.message)


def _depth(violation: RuleViolation) -> int:
    return violation.path.count(".") + violation.path.count("[")


def order_violations(body: Any, *, limit: int | None = None) -> list[RuleViolation]:
    """Every rule `body` breaks (empty when it may be sent), most structural first.

    `body` is a dict, a generated `OrderCreateRequest`, or JSON text. `limit` stops after that
    many: a hostile body can break a rule a hundred thousand times.
    """
    return json_violations(_to_json(body), limit=limit)


def json_violations(data: Any, *, limit: int | None = None, schema: str = CREATE_SCHEMA) -> list[RuleViolation]:
    """Like order_violations, for a body already parsed from JSON (any JSON value), against any request schema."""
    found: dict[RuleViolation, None] = {}  # ordered and free of repeats
    for error in _validator(f"/components/schemas/{schema}").iter_errors(data):
        for violation in _violations(error):
            found[violation] = None
            if limit is not None and len(found) >= limit:
                break
        else:
            continue
        break
    # A value of the wrong type also fails every other keyword at its place; the type error says it all.
    mistyped = {v.path for v in found if v.rule == "type"}
    return sorted((v for v in found if v.rule == "type" or v.path not in mistyped), key=_depth)


def check_order(body: Any) -> None:
    """Raise OrderRuleError if a create-order body breaks a rule.

    `body` is a dict, a generated `OrderCreateRequest`, or the JSON text about to be sent.
    """
    try:
        violations = order_violations(body)
    except ValueError as exc:  # JSON text that is not JSON
        raise OrderRuleError([RuleViolation("json", "$", f"the body is not JSON: {exc}")]) from None
    if violations:
        raise OrderRuleError(violations)


def check_body(schema: str, body: Any) -> None:
    """Raise OrderRuleError if a request body (a dict or a generated model) breaks its schema's rules.

    `check_order` for the other request bodies: a webhook's registration, the secret, a test trigger.
    """
    violations = json_violations(_to_json(body), schema=schema)
    if violations:
        raise OrderRuleError(violations)


@functools.lru_cache(maxsize=4096)
def _parameter_violations(operation_id: str, name: str, kind: str, value: Any) -> tuple[RuleViolation, ...]:
    # Keyed by type too, or True would share 1's verdict. Parameters are scalars, so caching the
    # verdict keeps jsonschema's $ref lookup off the hot path of every get/list/void.
    validator = _validator(spec.parameter_pointer(operation_id, name))
    return tuple(RuleViolation(str(error.validator), name, error.message) for error in validator.iter_errors(value))


def check_parameter(operation_id: str, name: str, value: Any) -> None:
    """Raise OrderRuleError if a query or path parameter breaks its schema in the spec (e.g. size > 250)."""
    try:
        violations = _parameter_violations(operation_id, name, type(value).__qualname__, value)
    except TypeError:  # unhashable (a list): validate without the cache
        violations = _parameter_violations.__wrapped__(operation_id, name, type(value).__qualname__, value)
    if violations:
        raise OrderRuleError(list(violations))
