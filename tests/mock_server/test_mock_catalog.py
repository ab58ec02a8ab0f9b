"""Catalog look-ups as a user relies on them: the docs' ids answer as the docs show them, every list
filters, sorts and pages as documented (FACTS "Catalog look-ups"), and bad parameters are 400
naming the parameter. Every answer is checked against the spec (conftest)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_spec import docs_ids, example_value, operation, parameter_schema

ITEMS, ITEM = operation("listItems")[1], operation("fetchItem")[1]
KITS, KIT = operation("listKits")[1], operation("fetchKit")[1]
SITES, SITE = operation("listSites")[1], operation("fetchSite")[1]
PATIENTS, PATIENT = operation("listPatients")[1], operation("fetchPatient")[1]
BY_IDENTIFIER = operation("fetchPatientByIdentifier")[1]
DOCS = docs_ids()
ITEM_FIELDS = {"id", "manufacturer", "name", "model", "sku", "orderable"}
DETAIL_FIELDS = {"deviceIdentifierType", "itemClass", "itemClassType", "size", "dimensions", "readingType"}


def _one(client: httpx.Client, template: str, key: object) -> httpx.Response:
    return client.get(template.replace(template[template.index("{") : template.index("}") + 1], str(key)))


def _ids(client: httpx.Client, path: str, **params: Any) -> list[int]:
    response = client.get(path, params={"size": 100, **params})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["content"]), "one page holds them all here"
    return [entry["id"] for entry in page["content"]]


def test_the_docs_patient_is_the_guides_sample_patient(client: httpx.Client) -> None:
    patient = _one(client, PATIENT, DOCS["patients"][0]).json()
    sample = example_value("FetchOrderResponse")["patient"]
    for field in ("externalIdentifier", "firstName", "lastName", "dateOfBirth", "email", "archived", "sex"):
        assert patient[field] == sample[field], field
    assert patient["address"] == sample["address"]
    assert patient["site"]["id"] == DOCS["sites"][0]
    assert patient["archived"] is True, "the docs' sample says archived: true"


@pytest.mark.parametrize(("template", "kind"), [(SITE, "sites"), (ITEM, "items"), (KIT, "kits"), (PATIENT, "patients")])
def test_every_docs_id_answers(client: httpx.Client, template: str, kind: str) -> None:
    for record_id in DOCS[kind]:
        response = _one(client, template, record_id)
        assert response.status_code == 200
        assert response.json()["id"] == record_id


def test_a_fetched_item_has_its_details_and_a_listed_one_does_not(client: httpx.Client) -> None:
    detail = _one(client, ITEM, DOCS["items"][0]).json()
    assert set(detail) >= ITEM_FIELDS | DETAIL_FIELDS
    listed = client.get(ITEMS).json()["content"]
    assert all(set(item) == ITEM_FIELDS for item in listed)
    assert {k: v for k, v in detail.items() if k in ITEM_FIELDS} == listed[0]


def test_a_kit_carries_its_items_whole(client: httpx.Client) -> None:
    kit = _one(client, KIT, DOCS["kits"][0]).json()
    assert [line["item"]["id"] for line in kit["kitItems"]] == [DOCS["items"][0]]
    listed = client.get(ITEMS, params={"id": DOCS["items"][0]}).json()["content"]
    assert kit["kitItems"][0]["item"] == listed[0], "the item as the item list shows it"


@pytest.mark.parametrize(
    ("template", "key", "named"),
    [
        *[(ITEM, 999, "item 999"), (KIT, 999, "kit 999"), (SITE, 999, "site 999"), (PATIENT, 999, "patient 999")],
        (BY_IDENTIFIER, "nobody-here", "nobody-here"),
    ],
)
def test_an_unknown_record_is_404_naming_it(client: httpx.Client, template: str, key: object, named: str) -> None:
    response = _one(client, template, key)
    assert response.status_code == 404
    assert named in response.json()["message"]


@pytest.mark.parametrize("template", [ITEM, KIT, SITE, PATIENT])
@pytest.mark.parametrize("key", ["0", "-3", "abc", "1.5", str(2**63)])
def test_an_id_that_is_not_a_positive_int64_is_400_naming_it(client: httpx.Client, template: str, key: str) -> None:
    response = _one(client, template, key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == template[template.index("{") + 1 : template.index("}")]


def test_a_patient_is_found_by_the_customers_identifier(client: httpx.Client) -> None:
    patient = _one(client, PATIENT, DOCS["patients"][0]).json()
    assert _one(client, BY_IDENTIFIER, patient["externalIdentifier"]).json() == patient
    assert _one(client, BY_IDENTIFIER, patient["externalIdentifier"].upper()).status_code == 404, "exact match"


def test_items_filter_and_sort(client: httpx.Client) -> None:
    everything = _ids(client, ITEMS)
    assert everything == sorted(everything) and set(DOCS["items"]) <= set(everything)
    assert _ids(client, ITEMS, id=[1001, 1003, 4242]) == [1001, 1003]
    assert _ids(client, ITEMS, name="OXIMETER") == [1001], "a part of the name, ignoring case"
    assert _ids(client, ITEMS, model="bp-") == [1000]
    assert _ids(client, ITEMS, sku="SKU-1002") == [1002]
    makers = {
        item["id"]: item["manufacturer"]["id"] for item in client.get(ITEMS, params={"size": 100}).json()["content"]
    }
    for maker in set(makers.values()):
        assert _ids(client, ITEMS, manufacturerId=maker) == [i for i in everything if makers[i] == maker]
    assert _ids(client, ITEMS, manufacturerId=list(set(makers.values()))) == everything
    assert _ids(client, ITEMS, name="oximeter", model="nope") == [], "every filter must hold"
    by_name = client.get(ITEMS, params={"sort": "itemName", "size": 100}).json()["content"]
    assert [i["name"].casefold() for i in by_name] == sorted(i["name"].casefold() for i in by_name)
    assert _ids(client, ITEMS, sort="itemId", sortDescending="true") == everything[::-1]
    assert _ids(client, ITEMS, sort="itemSku", sortDescending="false") == everything
    assert any(not item["orderable"] for item in by_name), "the seed has an item that cannot be ordered"


def test_kits_filter_by_item_and_archived(client: httpx.Client) -> None:
    everything = _ids(client, KITS)
    archived = _ids(client, KITS, archived="true")
    assert archived and set(archived) | set(_ids(client, KITS, archived="false")) == set(everything)
    assert not set(archived) & set(DOCS["kits"]), "the docs' kits are orderable as shown"
    holding = _ids(client, KITS, itemId=DOCS["items"][0])
    assert DOCS["kits"][0] in holding
    for kit_id in holding:
        assert DOCS["items"][0] in [line["item"]["id"] for line in _one(client, KIT, kit_id).json()["kitItems"]]
    assert _ids(client, KITS, itemId=4242) == []


def test_sites_list_and_include_an_inactive_one(client: httpx.Client) -> None:
    sites = client.get(SITES, params={"size": 100}).json()["content"]
    assert [s["id"] for s in sites] == sorted(s["id"] for s in sites)
    assert DOCS["sites"][0] in [s["id"] for s in sites]
    assert any(s["active"] is False for s in sites)


def test_patients_filter(client: httpx.Client) -> None:
    everyone = client.get(PATIENTS, params={"size": 100}).json()["content"]
    by_id = {p["id"]: p for p in everyone}
    docs_patient = by_id[DOCS["patients"][0]]
    not_archived = _ids(client, PATIENTS, archived="false")
    assert len(not_archived) >= 3 and docs_patient["id"] not in not_archived
    assert _ids(client, PATIENTS, archived="true") == [docs_patient["id"]]
    site = docs_patient["site"]["id"]
    assert _ids(client, PATIENTS, siteId=site) == [p["id"] for p in everyone if (p["site"] or {}).get("id") == site]
    assert _ids(client, PATIENTS, id=[docs_patient["id"], 999_999]) == [docs_patient["id"]]
    assert _ids(client, PATIENTS, externalIdentifier=[docs_patient["externalIdentifier"], "x"]) == [docs_patient["id"]]
    assert _ids(client, PATIENTS, email=docs_patient["email"].upper()) == [docs_patient["id"]]
    assert _ids(client, PATIENTS, name="john d") == [docs_patient["id"]], "a part of the full name"
    assert _ids(client, PATIENTS, name=docs_patient["lastName"].lower()) == [docs_patient["id"]]
    enrolled = _ids(client, PATIENTS, enrolled="false")
    assert enrolled and all(by_id[i]["enrolled"] is False for i in enrolled)
    born = docs_patient["dateOfBirth"]
    assert docs_patient["id"] in _ids(client, PATIENTS, dateOfBirthMin=born, dateOfBirthMax=born)
    assert _ids(client, PATIENTS, dateOfBirthMin="2100-01-01") == []
    assert sorted(_ids(client, PATIENTS, dateOfBirthMax="1985-12-31")) == sorted(
        p["id"] for p in everyone if p["dateOfBirth"] and p["dateOfBirth"] <= "1985-12-31"
    )
    zip_code = docs_patient["address"]["zipCode"]
    assert docs_patient["id"] in _ids(client, PATIENTS, postalCode=zip_code)
    countries = {p["address"]["country"] for p in everyone if p["address"]}
    assert len(countries) > 1, "the seed has patients in more than one country"
    for country in countries:
        assert _ids(client, PATIENTS, country=country.lower()) == [
            p["id"] for p in everyone if p["address"] and p["address"]["country"] == country
        ]


def test_patients_sort(client: httpx.Client) -> None:
    everyone = _ids(client, PATIENTS)
    assert everyone == sorted(everyone)
    assert _ids(client, PATIENTS, sortDescending="true") == everyone[::-1]
    by_last = client.get(PATIENTS, params={"sort": "lastName", "size": 100}).json()["content"]
    assert [p["lastName"].casefold() for p in by_last] == sorted(p["lastName"].casefold() for p in by_last)
    by_first_desc = client.get(PATIENTS, params={"sort": "firstName", "sortDescending": "true"}).json()["content"]
    names = [p["firstName"].casefold() for p in by_first_desc]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize("path", [ITEMS, KITS, SITES, PATIENTS])
def test_every_list_pages_from_one_with_consistent_flags(client: httpx.Client, path: str) -> None:
    everything = _ids(client, path)
    walked: list[int] = []
    page_number = 1
    while True:
        page = client.get(path, params={"page": page_number, "size": 2}).json()
        assert (page["page"], page["size"], page["total"]) == (page_number, 2, len(everything))
        assert page["first"] is (page_number == 1)
        assert page["last"] is (page_number * 2 >= len(everything))
        walked += [entry["id"] for entry in page["content"]]
        if page["last"]:
            break
        page_number += 1
    assert walked == everything
    beyond = client.get(path, params={"page": page_number + 5, "size": 2}).json()
    assert beyond["content"] == [] and beyond["last"] is True and beyond["first"] is False


@pytest.mark.parametrize("path", [ITEMS, KITS, SITES, PATIENTS])
def test_a_page_without_a_size_has_the_order_lists_default_size(client: httpx.Client, path: str) -> None:
    assert client.get(path).json()["size"] == parameter_schema("listOrders", "size")["default"]


def test_items_pages_hold_at_most_100_and_the_other_lists_have_no_maximum(client: httpx.Client) -> None:
    assert parameter_schema("listItems", "size")["maximum"] == 100
    assert client.get(ITEMS, params={"size": 100}).status_code == 200
    refused = client.get(ITEMS, params={"size": 101})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "size"
    for path in (KITS, SITES, PATIENTS):
        assert client.get(path, params={"size": 100_000}).status_code == 200
        assert client.get(path, params={"size": 2**31}).status_code == 400, "beyond int32"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (ITEMS, {"sort": "price"}),
        (ITEMS, {"sortDescending": "yes"}),
        (ITEMS, {"id": "abc"}),
        (ITEMS, {"manufacturerId": ["1", "x"]}),
        (ITEMS, {"name": ["a", "b"]}),
        (ITEMS, {"page": "0"}),
        (KITS, {"archived": "1"}),
        (KITS, {"itemId": "1.5"}),
        (SITES, {"size": "0"}),
        (PATIENTS, {"sort": "email"}),
        (PATIENTS, {"dateOfBirthMin": "1980-13-01"}),
        (PATIENTS, {"dateOfBirthMax": "01/01/1980"}),
        (PATIENTS, {"enrolled": "True"}),
        (PATIENTS, {"siteId": str(2**63)}),
    ],
    ids=lambda p: str(p) if isinstance(p, dict) else p.rsplit("/", 1)[-1],
)
def test_a_bad_parameter_is_400_naming_it(client: httpx.Client, path: str, params: dict[str, Any]) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == next(iter(params))


def test_unknown_parameters_are_ignored(client: httpx.Client) -> None:
    assert _ids(client, SITES, colour="blue") == _ids(client, SITES)
