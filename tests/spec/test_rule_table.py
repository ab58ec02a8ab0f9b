"""Every rule says where it comes from, and the rule table, the overlays and the views agree.

- Each overlay action names its source and what the docs make of a server (refuse or open).
- Each request-side `required`, bound or rule in the contract view says where it comes from.
- Each case of the table: its client verdict is the contract view's, and its server verdict is
  what the docs view (must refuse) and the accept view (must accept) say, computed here with
  jsonschema, a third evaluator beside the client's and the mock's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import impilo_spec
from impilo_spec.rule_cases import CASES, OPEN_CASES, QUESTIONS, RuleCase

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("seeds/000", "seeds/004", "FACTS", "assumption")


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name, (low, high) in impilo_spec.INTEGER_FORMATS.items():
        checker.checks(name)(
            lambda v, low=low, high=high: not isinstance(v, int) or isinstance(v, bool) or low <= v <= high
        )
    return checker


def _validator(view: str) -> jsonschema.protocols.Validator:
    doc = impilo_spec.view(view)
    registry: Registry[Any] = Registry().with_resource(
        "urn:v", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": "urn:v#/components/schemas/OrderCreateRequest"}, registry=registry, format_checker=_format_checker()
    )


VALIDATORS = {name: _validator(name) for name in ("contract", "docs", "accept")}


@pytest.mark.parametrize("rule_case", CASES, ids=str)
def test_each_case_agrees_with_the_views(rule_case: RuleCase) -> None:
    body = rule_case.body
    client = "accept" if VALIDATORS["contract"].is_valid(body) else "refuse"
    if not VALIDATORS["docs"].is_valid(body):
        server = "refuse"
    elif VALIDATORS["accept"].is_valid(body):
        server = "accept"
    else:
        server = "open"
    assert (client, server) == (rule_case.client, rule_case.server)


@pytest.mark.parametrize("rule_case", CASES, ids=str)
def test_each_case_says_where_its_verdict_comes_from(rule_case: RuleCase) -> None:
    assert any(source in rule_case.source for source in SOURCES), rule_case.source
    if rule_case.server == "open":
        assert rule_case.question in QUESTIONS
    else:
        assert rule_case.question is None
    assert (rule_case.rule is None) == (rule_case.client == "accept")


def test_every_open_question_has_a_case_and_the_table_covers_each_verdict() -> None:
    table_questions = {c.question for c in OPEN_CASES}
    assert table_questions <= set(QUESTIONS)
    assert {(c.client, c.server) for c in CASES} == {
        ("accept", "accept"),
        ("accept", "open"),
        ("refuse", "open"),
        ("refuse", "refuse"),
    }


def _actions(name: str) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = yaml.safe_load((ROOT / "overlays" / name).read_text())["actions"]
    return actions


@pytest.mark.parametrize("action", _actions("rules.overlay.yaml"), ids=lambda a: a["target"][:60])
def test_every_rule_says_its_source_and_what_a_server_must_do(action: dict[str, Any]) -> None:
    assert any(source in action["x-impilo-source"] for source in SOURCES)
    assert action["x-impilo-server"] in ("refuse", "open")
    if "assumption" in action["x-impilo-source"].split("(")[0]:
        assert action["x-impilo-server"] == "open", "a project assumption cannot bind a server"


def _nodes(node: Any, path: str = "", ruled: bool = False) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(path, node, whether the node or one around it carries an x-impilo-rule) for every object."""
    if isinstance(node, dict):
        ruled = ruled or "x-impilo-rule" in node
        yield path, node, ruled
        for key, value in node.items():
            yield from _nodes(value, f"{path}/{key}", ruled)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{path}/{index}", ruled)


BOUNDS = ("minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength", "pattern")


def test_every_request_bound_and_required_says_where_it_comes_from() -> None:
    """The audit: in the contract view, a bound comes with its rule, and a schema's `required` with a source."""
    doc = impilo_spec.view("contract")
    schemas = doc["components"]["schemas"]
    request_side = {"OrderCreateRequest", "PatientRequest", "AddressRequest", "SiteReference", "ItemReference",
                    "KitReference", "OrderItemRequest", "OrderKitRequest", "OrderNoteRequest", "WebhookCreateRequest",
                    "WebhookUpdateRequest", "WebhookSecretRequest", "OrderStatusWebhookTest",
                    "OrderStatusFullWebhookTest"}  # fmt: skip
    for name in request_side:
        schema = schemas[name]
        assert "x-impilo-source" in schema, name
        for where, node, ruled in _nodes(schema, name):
            if any(bound in node for bound in BOUNDS):
                assert ruled, f"{where}: a bound with no rule saying where it comes from"
    parameters = list(doc["components"]["parameters"].values())
    parameters += [p for item in doc["paths"].values() for p in item.get("parameters", [])]
    parameters += [p for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)
                   for p in op.get("parameters", []) if "$ref" not in p]  # fmt: skip
    for parameter in parameters:
        schema = parameter.get("schema", {})
        if any(bound in schema for bound in BOUNDS):
            assert "x-impilo-rule" in schema, parameter["name"]


def test_the_docs_view_holds_only_what_the_docs_decide() -> None:
    """No project assumption reaches the docs view: no positive-id, positive-count or page bounds."""
    names = {
        node["x-impilo-rule"]["name"] for _, node, _ in _nodes(impilo_spec.view("docs")) if "x-impilo-rule" in node
    }
    assert names == {"one-recipient", "has-content", "identified-by-id"}
