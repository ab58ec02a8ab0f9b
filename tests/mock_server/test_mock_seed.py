"""Extending the catalog: seed data added to or replacing the built-in records by id, served by the
look-ups and orderable, and a bad seed refused with one line naming the problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_helpers import ORDERS, check_against_spec

from impilo_mock import MockServer, Seed, SeedError, run_in_thread
from impilo_spec import api_key_header, docs_ids, operation

DOCS = docs_ids()
PATIENT, SITE = operation("fetchPatient")[1], operation("fetchSite")[1]
ITEM, KIT = operation("fetchItem")[1], operation("fetchKit")[1]
EXTRA: dict[str, Any] = {
    "sites": [{"id": 77, "name": "Team clinic", "active": True}],
    "patients": [
        {"id": 500, "firstName": "Team", "lastName": "Fixture", "site": {"id": 77}, "externalIdentifier": "team-500"},
        {"id": DOCS["patients"][0], "firstName": "Replaced", "lastName": "Record", "archived": False},
    ],
    "items": [{"id": 9001, "name": "Team sensor", "orderable": False, "manufacturer": {"id": 9, "name": "Team"}}],
    "kits": [{"id": 9100, "name": "Team kit", "archived": True, "kitItems": [{"item": {"id": 9001}, "count": 2}]}],
}


def _path(template: str, key: object) -> str:
    return template.split("{", 1)[0] + str(key)


@pytest.fixture
def extended() -> Iterator[tuple[MockServer, httpx.Client]]:
    with run_in_thread(seed=EXTRA) as server:

        def check(response: httpx.Response) -> None:
            response.read()
            check_against_spec(response)

        headers = {api_key_header(): server.api_key}
        with httpx.Client(base_url=server.base_url, headers=headers, event_hooks={"response": [check]}) as http:
            yield server, http


def test_added_records_are_served_complete_and_cross_referenced(extended: tuple[MockServer, httpx.Client]) -> None:
    _, client = extended
    patient = client.get(_path(PATIENT, 500)).json()
    assert patient["site"] == {"id": 77, "name": "Team clinic", "active": True}, "the site as the docs show a patient's"
    assert patient["email"] is None, "fields left out are null"
    assert client.get(_path(SITE, 77)).json()["phoneNumber"] is None
    item = client.get(_path(ITEM, 9001)).json()
    assert item["orderable"] is False and item["itemClass"] is None
    kit = client.get(_path(KIT, 9100)).json()
    assert kit["kitItems"] == [
        {"item": {k: item[k] for k in ("id", "manufacturer", "name", "model", "sku", "orderable")}, "count": 2}
    ]
    assert client.get(_path(operation("fetchPatientByIdentifier")[1], "team-500")).json() == patient


def test_a_record_with_a_built_in_id_replaces_it_and_the_others_stay(extended: tuple[MockServer, httpx.Client]) -> None:
    _, client = extended
    replaced = client.get(_path(PATIENT, DOCS["patients"][0])).json()
    assert (replaced["firstName"], replaced["archived"], replaced["externalIdentifier"]) == ("Replaced", False, None)
    for item_id in DOCS["items"]:
        assert client.get(_path(ITEM, item_id)).status_code == 200


def test_orders_may_name_any_seeded_record(extended: tuple[MockServer, httpx.Client]) -> None:
    _, client = extended
    body = {
        "patient": {"id": 500},
        "orderItems": [{"item": {"id": 9001}, "count": 1}],
        "orderKits": [{"kit": {"id": 9100}, "count": 1}],
    }
    order = client.post(ORDERS, json=body)
    assert order.status_code == 201, "an item that is not orderable and an archived kit are still seeded records"
    assert order.json()["site"]["id"] == 77, "a patient's order goes to the patient's site"
    inactive = next(s for s in client.get(operation("listSites")[1]).json()["content"] if s["active"] is False)
    assert (
        client.post(ORDERS, json={"site": {"id": inactive["id"]}, "orderKits": [{"kit": {"id": 9100}}]}).status_code
        == 201
    )


def test_a_seed_file_extends_the_catalog_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(EXTRA), encoding="utf-8")
    assert Seed.from_file(path) == Seed.extended(EXTRA)
    assert Seed.from_file(path).patients[500]["site"]["id"] == 77


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ([], "JSON object"),
        ({"patient": []}, "unknown key(s) patient"),
        ({"sites": {}}, "sites must be a list"),
        ({"items": ["x"]}, "items[0] must be an object"),
        ({"kits": [{"name": "no id"}]}, "kits[0] needs an id"),
        ({"kits": [{"id": 0}]}, "kits[0] needs an id"),
        ({"kits": [{"id": True}]}, "kits[0] needs an id"),
        ({"sites": [{"id": 5}, {"id": 5}]}, "id 5 is given twice"),
        ({"items": [{"id": 5, "colour": "red"}]}, "unknown field(s) colour"),
        ({"patients": [{"id": 5, "address": {"street": "x"}}]}, "unknown address field(s) street"),
        ({"sites": [{"id": 5, "active": "yes"}]}, "site.active: type"),
        ({"patients": [{"id": 5, "sex": "robot"}]}, "patient.sex: enum"),
        ({"patients": [{"id": 5, "site": {"id": 4242}}]}, "site 4242 is not a seeded site"),
        ({"kits": [{"id": 5, "kitItems": [{"item": {"id": 4242}}]}]}, "names item 4242"),
        ({"patients": [{"id": 5, "externalIdentifier": "1234abcd"}]}, "also patient"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_seed_is_refused_in_one_line_naming_the_problem(data: Any, named: str) -> None:
    with pytest.raises(SeedError) as refused:
        Seed.extended(data)
    assert named in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("text", "named"), [("{nope", "is not JSON"), (None, "cannot read")])
def test_a_seed_file_that_is_not_json_or_not_there_is_refused_naming_it(
    tmp_path: Path, text: str | None, named: str
) -> None:
    path = tmp_path / "seed.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedError, match=named) as refused:
        Seed.from_file(path)
    assert str(path) in str(refused.value)


def test_create_app_refuses_bad_seed_data() -> None:
    from impilo_mock import create_app

    with pytest.raises(SeedError, match="unknown key"):
        create_app(seed={"orders": []})
