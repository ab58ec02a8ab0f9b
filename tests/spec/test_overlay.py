"""The rules overlay: a small, deterministic step from openapi.yaml to the contract view."""

from __future__ import annotations

from typing import Any

import pytest

from overlay import OverlayError, apply_overlay, select


def doc() -> dict[str, Any]:
    return {
        "components": {
            "schemas": {
                "A": {"properties": {"id": {"type": "integer"}, "n": {"type": "integer"}}},
                "B": {"properties": {"id": {"type": "integer"}}},
                "C": {"properties": {"id": {"type": "string"}}},
            }
        },
        "tags": [{"name": "x"}, {"name": "y"}],
    }


def overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_update_merges_into_every_selected_node_and_leaves_the_input_alone() -> None:
    original = doc()
    result = apply_overlay(original, overlay({"target": "$.components.schemas['A','B'].properties.id",
                                              "update": {"minimum": 1}}))  # fmt: skip
    assert result["components"]["schemas"]["A"]["properties"]["id"] == {"type": "integer", "minimum": 1}
    assert result["components"]["schemas"]["B"]["properties"]["id"] == {"type": "integer", "minimum": 1}
    assert "minimum" not in result["components"]["schemas"]["C"]["properties"]["id"]
    assert original == doc()


def test_nested_objects_merge_key_by_key_and_scalars_are_replaced() -> None:
    result = apply_overlay(doc(), overlay({"target": "$.components.schemas.A",
                                           "update": {"properties": {"n": {"type": "number"}}, "x": [1]}}))  # fmt: skip
    assert result["components"]["schemas"]["A"]["properties"] == {"id": {"type": "integer"}, "n": {"type": "number"}}
    assert result["components"]["schemas"]["A"]["x"] == [1]


def test_remove_and_wildcards_and_indexes() -> None:
    result = apply_overlay(doc(), overlay({"target": "$.components.schemas.*.properties.id", "remove": True},
                                          {"target": "$.tags[1]", "remove": True}))  # fmt: skip
    assert all("id" not in s["properties"] for s in result["components"]["schemas"].values())
    assert result["tags"] == [{"name": "x"}]
    assert [n for _, n in select(doc(), "$.tags[*].name")] == ["name", "name"]
    assert [parent[key] for parent, key in select(doc(), "$.tags[1,0]")] == [{"name": "y"}, {"name": "x"}]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (overlay({"target": "$.components.schemas.Missing", "update": {}}), "selects nothing"),
        (overlay({"target": "$..id", "update": {}}), "unsupported JSONPath"),
        (overlay({"target": "components", "update": {}}), "must start with '$'"),
        (overlay({"target": "$.tags"}), "neither 'update' nor 'remove: true'"),
        ({"actions": [{"target": "$", "update": {}}]}, "not an Overlay 1.x document"),
        ({"overlay": "1.0.0", "actions": []}, "non-empty 'actions'"),
    ],
)
def test_malformed_overlays_are_refused_with_the_reason(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(OverlayError, match=message.replace("$", r"\$").replace("(", r"\(")):
        apply_overlay(doc(), bad)


def test_contract_view_carries_the_rules(contract_view: dict[str, Any], spec: dict[str, Any]) -> None:
    request = contract_view["components"]["schemas"]["OrderCreateRequest"]
    rules = {part["x-impilo-rule"]["name"]: part for part in request["allOf"]}
    assert set(rules) == {"one-recipient", "has-content"}
    assert len(rules["one-recipient"]["oneOf"]) == 2 and len(rules["has-content"]["anyOf"]) == 2
    count = contract_view["components"]["schemas"]["OrderItemRequest"]["properties"]["count"]
    assert count["minimum"] == 1
    # The generator reads the plain spec, which must not carry the rules (it would drop the model).
    assert "allOf" not in spec["components"]["schemas"]["OrderCreateRequest"]
