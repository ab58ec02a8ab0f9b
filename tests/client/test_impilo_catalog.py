"""The catalog look-ups an order needs: items, kits, sites and patients, sync and async.

Against the mock on loopback (its seed: the docs' ids plus records the filters can tell apart),
and against fake transports for what a request carries and how errors and drift come back.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

import httpx
import pytest
from impilo_fakes import Recorder, make_client, nothing_may_be_sent

from impilo import AsyncImpilo, Impilo, NotFoundError, OrderRuleError, ResponseDriftWarning
from impilo_mock import MockServer
from impilo_orders_api.models import Item, ItemDetail, ItemSort, Kit, Patient, PatientSort, Site
from impilo_spec import docs_ids


@pytest.fixture
def client(impilo_mock_server: MockServer) -> Impilo:
    return Impilo(impilo_mock_server.api_key, base_url=impilo_mock_server.base_url)


def test_each_resource_gets_one_record_by_id(client: Impilo) -> None:
    ids = docs_ids()
    item = client.items.get(ids["items"][0])
    assert isinstance(item, ItemDetail) and item.id == ids["items"][0] and isinstance(item.orderable, bool)
    kit = client.kits.get(ids["kits"][0])
    assert isinstance(kit, Kit) and kit.id == ids["kits"][0]
    site = client.sites.get(ids["sites"][0])
    assert isinstance(site, Site) and site.id == ids["sites"][0]
    patient = client.patients.get(ids["patients"][0])
    assert isinstance(patient, Patient) and patient.id == ids["patients"][0]
    assert patient.external_identifier is not None
    assert client.patients.get_by_identifier(patient.external_identifier).id == patient.id


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.items.get(999_999),
        lambda c: c.kits.get(999_999),
        lambda c: c.sites.get(999_999),
        lambda c: c.patients.get(999_999),
        lambda c: c.patients.get_by_identifier("nobody-has-this"),
    ],
)
def test_an_unknown_record_is_not_found(client: Impilo, call: Any) -> None:
    with pytest.raises(NotFoundError) as missing:
        call(client)
    assert missing.value.status_code == 404


def test_iter_walks_every_page_and_list_gives_one(client: Impilo) -> None:
    every = list(client.items.iter(size=2))
    assert len(every) == client.items.list().total and len({i.id for i in every}) == len(every)
    first = client.items.list(1, 2)
    assert [i.id for i in first.content] == [i.id for i in every[:2]] and first.first and first.size == 2
    for resource in (client.kits, client.sites, client.patients):
        walked = list(resource.iter(size=1))
        assert len(walked) == resource.list().total >= 2


def test_filters_find_what_an_order_may_name(client: Impilo) -> None:
    orderable = [i for i in client.items.iter() if i.orderable]
    assert orderable and len(orderable) < client.items.list().total  # the seed has an item that is not orderable
    current = list(client.kits.iter(archived=False))
    assert current and all(k.archived is False for k in current)
    assert all(k.archived is True for k in client.kits.iter(archived=True))
    holding = list(client.kits.iter(item_id=docs_ids()["items"][0]))
    assert holding and all(
        any(line.item is not None and line.item.id == docs_ids()["items"][0] for line in k.kit_items or [])
        for k in holding
    )
    active = [s for s in client.sites.iter() if s.active]
    assert active and len(active) < client.sites.list().total
    patients = list(client.patients.iter(archived=False))
    assert patients and all(p.archived is False for p in patients)


def test_patient_filters_and_sorting(client: Impilo) -> None:
    by_last = [p.last_name for p in client.patients.iter(sort=PatientSort.LAST_NAME)]
    assert by_last == sorted(by_last, key=lambda n: n or "")
    descending = [p.id for p in client.patients.iter(sort="patientId", sort_descending=True)]
    assert descending == sorted(descending, reverse=True)
    one = docs_ids()["patients"][0]
    assert [p.id for p in client.patients.iter(ids=one)] == [one]
    born = client.patients.get(one).date_of_birth
    assert born is not None
    day = datetime.date.fromisoformat(born)
    assert one in [p.id for p in client.patients.iter(date_of_birth_min=day, date_of_birth_max=born)]


def test_item_filters_and_sorting(client: Impilo) -> None:
    names = [i.name for i in client.items.iter(sort=ItemSort.ITEM_NAME)]
    assert names == sorted(names, key=lambda n: n or "")
    wanted = docs_ids()["items"][:2]
    assert sorted(i.id for i in client.items.iter(ids=wanted)) == sorted(wanted)
    item = client.items.get(wanted[0])
    assert item.sku is not None and [i.id for i in client.items.iter(sku=item.sku)] == [wanted[0]]


def test_what_a_list_request_carries() -> None:
    page = {"content": [], "page": 1, "size": 100, "total": 0, "first": True, "last": True}
    recorder = Recorder(lambda request: httpx.Response(200, json=page))
    client = make_client(recorder)
    client.items.list(2, 50, sort="itemSku", sort_descending=True, ids=[1, 2], name="Scale", manufacturer_ids=7)
    client.patients.list(
        site_ids=[1234, 1235], external_identifiers="abc", enrolled=True, date_of_birth_min="1980-01-02", country="US"
    )
    client.kits.list(item_id=1000, archived=False)
    items, patients, kits = (r.url.params for r in recorder.requests)
    assert items.multi_items() == [
        ("page", "2"), ("size", "50"), ("sort", "itemSku"), ("sortDescending", "true"),
        ("id", "1"), ("id", "2"), ("name", "Scale"), ("manufacturerId", "7"),
    ]  # fmt: skip
    assert patients.get_list("siteId") == ["1234", "1235"] and patients["externalIdentifier"] == "abc"
    assert (patients["enrolled"], patients["dateOfBirthMin"], patients["country"]) == ("true", "1980-01-02", "US")
    assert (kits["itemId"], kits["archived"]) == ("1000", "false")


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda c: c.items.list(size=101), "size"),
        (lambda c: c.items.iter(size=0), "size"),
        (lambda c: c.items.list(sort="price"), "sort"),
        (lambda c: c.patients.list(sort="age"), "sort"),
        (lambda c: c.patients.list(date_of_birth_min="01/02/1980"), "dateOfBirthMin"),
        (lambda c: c.kits.get(0), "kitId"),
        (lambda c: c.sites.list(page=0), "page"),
        (lambda c: c.patients.get(-1), "patientId"),
    ],
)
def test_bad_arguments_are_refused_before_sending(call: Any, where: str) -> None:
    client = make_client(Recorder(nothing_may_be_sent))
    with pytest.raises(OrderRuleError) as refused:
        call(client)
    assert refused.value.path == where


def test_a_drifted_catalog_answer_is_reported() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"id": 1000, "orderable": "yes"}))
    with pytest.warns(ResponseDriftWarning, match=r"^fetchItem: \$\.orderable: expected boolean, got string 'yes'$"):
        item = make_client(recorder).items.get(1000)
    assert cast(Any, item.orderable) == "yes"  # kept as sent, behind an attribute typed `bool | None`


def test_catalog_gets_are_retried_like_every_get() -> None:
    recorder = Recorder([httpx.Response(503), httpx.Response(200, json={"id": 1234})])
    assert make_client(recorder).sites.get(1234).id == 1234
    assert len(recorder.requests) == 2


async def test_async_catalog(impilo_mock_server: MockServer) -> None:
    async with AsyncImpilo(impilo_mock_server.api_key, base_url=impilo_mock_server.base_url) as client:
        items = [i async for i in client.items.iter(size=2)]
        assert all(isinstance(i, Item) for i in items) and len(items) == (await client.items.list()).total
        kits = [k async for k in client.kits.iter(archived=False)]
        assert kits and all(k.archived is False for k in kits)
        sites = [s async for s in client.sites.iter(size=1)]
        patients = [p async for p in client.patients.iter(archived=False)]
        assert sites and patients
        one = docs_ids()["patients"][0]
        patient = await client.patients.get(one)
        assert (await client.items.get(items[0].id)).id == items[0].id
        assert (await client.kits.get(kits[0].id)).id == kits[0].id
        assert (await client.sites.get(sites[0].id)).id == sites[0].id
        assert patient.external_identifier is not None
        assert (await client.patients.get_by_identifier(patient.external_identifier)).id == one
