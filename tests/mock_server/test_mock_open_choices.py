"""The mock's documented choice for each case the docs leave open (impilo_spec.rule_cases.QUESTIONS),
and what a user then sees: counts left out stay out, a new patient joins the catalog, nulls are
taken as left out, unknown ids are 404 naming the field, a second void is 204."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_helpers import ORDERS, site_order

from impilo_mock import MockServer, run_in_thread
from impilo_spec import api_key_header, docs_ids, operation
from impilo_spec.rule_cases import CASES, NEW_PATIENT, QUESTIONS, RuleCase

PATIENTS, PATIENT = operation("listPatients")[1], operation("fetchPatient")[1]
BY_IDENTIFIER = operation("fetchPatientByIdentifier")[1].split("{", 1)[0]
DOCS = docs_ids()

# The mock's answer to each open question: the status a body of that kind gets.
CHOICES = {
    "explicit-null": 201,
    "line-without-count": 201,
    "new-patient": 201,
    "non-positive-id": 422,
    "non-positive-count": 422,
    "coerced-type": 422,
    "out-of-range": 422,
    "unknown-enum": 422,
    "note-without-text": 422,
}


def test_every_open_question_has_a_choice() -> None:
    assert set(CHOICES) == set(QUESTIONS)


@pytest.mark.parametrize("case", [c for c in CASES if c.server == "open"], ids=str)
def test_each_open_case_gets_the_documented_choice(client: httpx.Client, case: RuleCase) -> None:
    assert case.question is not None
    response = client.post(ORDERS, json=case.body)
    assert response.status_code == CHOICES[case.question], response.text


def test_create_answers_201_with_the_order_and_where_it_lives(client: httpx.Client) -> None:
    response = client.post(ORDERS, json=site_order())
    assert response.status_code == 201
    assert response.headers["location"] == f"{ORDERS}/{response.json()['id']}"
    assert client.get(response.headers["location"]).json() == response.json()


def test_explicit_nulls_are_taken_as_left_out(client: httpx.Client) -> None:
    body = {
        "patient": None,
        "site": {"id": DOCS["sites"][0]},
        "orderItems": [{"item": {"id": DOCS["items"][0]}, "count": 1}],
        "orderKits": None,
        "shippingOption": None,
        "externalOrderIds": None,
        "orderNotes": None,
    }
    order = client.post(ORDERS, json=body).json()
    assert order["patient"] is None and order["site"]["id"] == DOCS["sites"][0]
    assert (order["orderKits"], order["externalOrderIds"], order["orderNotes"]) == ([], [], [])
    assert order["shippingOption"] == "standard"


def test_a_line_without_a_count_is_stored_without_one_in_every_later_answer(
    client: httpx.Client, server: MockServer
) -> None:
    body = site_order(
        orderItems=[{"item": {"id": DOCS["items"][0]}}, {"item": {"id": DOCS["items"][1]}, "count": 3}],
        orderKits=[{"kit": {"id": DOCS["kits"][0]}}],
    )
    created = client.post(ORDERS, json=body).json()

    def counts(order: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        return [line["count"] for line in order["orderItems"]], [line["count"] for line in order["orderKits"]]

    assert counts(created) == ([None, 3], [None])
    assert counts(client.get(f"{ORDERS}/{created['id']}").json()) == ([None, 3], [None])
    assert counts(client.get(ORDERS).json()["content"][0]) == ([None, 3], [None])
    server.store.advance(0)
    assert client.delete(f"{ORDERS}/{created['id']}").status_code == 204
    voided = client.get(f"{ORDERS}/{created['id']}").json()
    assert voided["currentStatus"] == "voided" and counts(voided) == ([None, 3], [None])


def test_a_new_patient_joins_the_catalog_and_the_order_names_it(client: httpx.Client) -> None:
    seeded = [p["id"] for p in client.get(PATIENTS, params={"size": 1000}).json()["content"]]
    written = {**NEW_PATIENT, "externalIdentifier": "new-ada", "dateOfBirth": "1815-12-10"}
    order = client.post(ORDERS, json={"patient": written, "orderItems": [{"item": {"id": DOCS["items"][0]}}]}).json()
    patient = order["patient"]
    assert patient["id"] > max(seeded), "a new id, after every seeded one"
    assert (patient["site"], patient["archived"], order["site"]) == (None, False, None)
    for field in ("firstName", "lastName", "email", "sex", "externalIdentifier", "dateOfBirth"):
        assert patient[field] == written[field], field
    assert {k: v for k, v in patient["address"].items() if v is not None} == written["address"]
    assert client.get(PATIENT.replace("{patientId}", str(patient["id"]))).json() == patient
    assert client.get(BY_IDENTIFIER + "new-ada").json() == patient
    listed = client.get(PATIENTS, params={"size": 1000}).json()["content"]
    assert [p["id"] for p in listed] == [*seeded, patient["id"]]
    assert client.get(PATIENTS, params={"archived": "false", "name": "lovelace"}).json()["content"] == [patient]
    assert client.get(ORDERS, params={"patientId": patient["id"]}).json()["content"] == [order]
    # The next one gets the next id; the first is named by id like any other patient.
    second = client.post(ORDERS, json={"patient": NEW_PATIENT, "orderKits": [{"kit": {"id": DOCS["kits"][0]}}]})
    assert second.json()["patient"]["id"] == patient["id"] + 1
    again = client.post(ORDERS, json={"patient": {"id": patient["id"]}, "orderItems": [{"item": {"id": 1000}}]})
    assert again.status_code == 201 and again.json()["patient"] == patient


def test_a_new_patient_with_a_taken_identifier_is_422_and_nothing_is_stored(client: httpx.Client) -> None:
    taken = client.get(PATIENT.replace("{patientId}", str(DOCS["patients"][0]))).json()["externalIdentifier"]
    before = client.get(PATIENTS, params={"size": 1000}).json()
    body = {"patient": {**NEW_PATIENT, "externalIdentifier": taken}, "orderItems": [{"item": {"id": 1000}}]}
    response = client.post(ORDERS, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.patient.externalIdentifier"
    assert client.get(PATIENTS, params={"size": 1000}).json() == before
    assert client.get(ORDERS).json()["total"] == 0


def test_a_refused_order_creates_no_patient(client: httpx.Client) -> None:
    before = client.get(PATIENTS, params={"size": 1000}).json()
    body = {"patient": NEW_PATIENT, "orderItems": [{"item": {"id": 4242}, "count": 1}]}
    assert client.post(ORDERS, json=body).status_code == 404
    assert client.get(PATIENTS, params={"size": 1000}).json() == before


def test_the_fixture_forgets_created_patients(server: MockServer, client: httpx.Client) -> None:
    seeded = client.get(PATIENTS, params={"size": 1000}).json()["total"]
    client.post(ORDERS, json={"patient": NEW_PATIENT, "orderItems": [{"item": {"id": 1000}}]})
    server.reset()
    assert client.get(PATIENTS, params={"size": 1000}).json()["total"] == seeded


def test_created_patients_outlive_a_restart_with_db(tmp_path: Path) -> None:
    db = str(tmp_path / "mock.sqlite")
    with run_in_thread(db_path=db) as first:
        headers = {api_key_header(): first.api_key}
        body = {"patient": NEW_PATIENT, "orderItems": [{"item": {"id": 1000}}]}
        created = httpx.post(first.base_url + ORDERS, json=body, headers=headers).json()["patient"]
    with run_in_thread(db_path=db) as second:
        headers = {api_key_header(): second.api_key}
        fetched = httpx.get(second.base_url + PATIENT.replace("{patientId}", str(created["id"])), headers=headers)
        assert fetched.json() == created
        newer = httpx.post(second.base_url + ORDERS, json=body, headers=headers).json()["patient"]
        assert newer["id"] == created["id"] + 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"patient": {"id": 77}, "orderItems": [{"item": {"id": 1000}}]}, "$.patient.id"),
        ({"site": {"id": 78}, "orderItems": [{"item": {"id": 1000}}]}, "$.site.id"),
        (site_order(orderItems=[{"item": {"id": 1000}}, {"item": {"id": 79}}]), "$.orderItems[1].item.id"),
        (site_order(orderKits=[{"kit": {"id": 80}}]), "$.orderKits[0].kit.id"),
    ],
)
def test_an_unknown_id_is_404_naming_its_field(client: httpx.Client, body: dict[str, Any], field: str) -> None:
    response = client.post(ORDERS, json=body)
    assert response.status_code == 404
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_every_unknown_id_of_one_order_is_named_at_once(client: httpx.Client) -> None:
    body = {"site": {"id": 78}, "orderItems": [{"item": {"id": 79}}], "orderKits": [{"kit": {"id": 80}}]}
    fields = [error["field"] for error in client.post(ORDERS, json=body).json()["errors"]]
    assert fields == ["$.site.id", "$.orderItems[0].item.id", "$.orderKits[0].kit.id"]


def test_voiding_a_voided_order_is_204_and_changes_nothing(client: httpx.Client) -> None:
    order_id = client.post(ORDERS, json=site_order()).json()["id"]
    assert client.delete(f"{ORDERS}/{order_id}").status_code == 204
    voided = client.get(f"{ORDERS}/{order_id}").json()
    assert client.delete(f"{ORDERS}/{order_id}").status_code == 204
    assert client.get(f"{ORDERS}/{order_id}").json() == voided
