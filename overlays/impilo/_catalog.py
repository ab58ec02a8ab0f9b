"""The catalog an order refers to: `client.items`, `client.kits`, `client.sites`, `client.patients`.

Read-only look-ups (FACTS, "Catalog look-ups"): `get`, one `list` page and a lazy `iter` over
every page, sync and async, with the filters the vendor documents. An order names its patient or
site and its items and kits by id; these are how a caller finds those ids (orderable items, kits
that are not archived, active sites, patients who are not archived).
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from impilo_orders_api.api.catalog import (
    fetch_item,
    fetch_kit,
    fetch_patient,
    fetch_patient_by_identifier,
    fetch_site,
    list_items,
    list_kits,
    list_patients,
    list_sites,
)
from impilo_orders_api.models import (
    ItemDetail,
    ItemPage,
    ItemSort,
    Kit,
    KitPage,
    Patient,
    PatientPage,
    PatientSort,
    Site,
    SitePage,
)
from impilo_orders_api.models.item import Item

from ._exceptions import OrderRuleError, RuleViolation
from ._pagination import walk_pages, walk_pages_async
from ._resource import Call, TimeoutArg, build, listed
from .spec import parameter_schema

if TYPE_CHECKING:
    from ._client import AsyncImpilo, Impilo

E = TypeVar("E", ItemSort, PatientSort)
# FACTS give items at most 100 a page, and no bound for the other catalog lists: 100 for every walk.
ITER_PAGE_SIZE: int = parameter_schema("listItems", "size")["maximum"]
ItemSortArg = ItemSort | str
PatientSortArg = PatientSort | str


def _enum(cls: type[E], value: E | str | None, name: str) -> E | None:
    """A known member of a closed request enumeration; OrderRuleError for any other value."""
    if value is None or (isinstance(value, cls) and value.is_known):
        return value
    known = [member.value for member in cls]
    if isinstance(value, str) and value in known:
        return cls(value)
    raise OrderRuleError([RuleViolation("enum", name, f"{value!r} is not one of {known}")])


def _day(value: datetime.date | str | None, name: str) -> datetime.date | None:
    """A day given as a date or as YYYY-MM-DD."""
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise OrderRuleError([RuleViolation("format", name, f"{value!r} is not a day as YYYY-MM-DD")]) from None


# Builders of the catalog's calls, shared by the sync and async resources.


def fetch_item_call(item_id: int) -> Call[ItemDetail]:
    return Call("fetchItem", build(fetch_item._get_kwargs, "fetchItem", item_id=item_id), ItemDetail)


def list_items_call(
    page: int,
    size: int | None,
    sort: ItemSortArg | None,
    sort_descending: bool | None,
    ids: int | Sequence[int] | None,
    name: str | None,
    model: str | None,
    sku: str | None,
    manufacturer_ids: int | Sequence[int] | None,
) -> Call[ItemPage]:
    kwargs = build(
        list_items._get_kwargs,
        "listItems",
        page=page,
        size=size,
        sort=_enum(ItemSort, sort, "sort"),
        sort_descending=sort_descending,
        id=listed(ids),
        name=name,
        model=model,
        sku=sku,
        manufacturer_id=listed(manufacturer_ids),
    )
    return Call("listItems", kwargs, ItemPage)


def fetch_kit_call(kit_id: int) -> Call[Kit]:
    return Call("fetchKit", build(fetch_kit._get_kwargs, "fetchKit", kit_id=kit_id), Kit)


def list_kits_call(page: int, size: int | None, item_id: int | None, archived: bool | None) -> Call[KitPage]:
    kwargs = build(list_kits._get_kwargs, "listKits", page=page, size=size, item_id=item_id, archived=archived)
    return Call("listKits", kwargs, KitPage)


def fetch_site_call(site_id: int) -> Call[Site]:
    return Call("fetchSite", build(fetch_site._get_kwargs, "fetchSite", site_id=site_id), Site)


def list_sites_call(page: int, size: int | None) -> Call[SitePage]:
    return Call("listSites", build(list_sites._get_kwargs, "listSites", page=page, size=size), SitePage)


def fetch_patient_call(patient_id: int) -> Call[Patient]:
    return Call("fetchPatient", build(fetch_patient._get_kwargs, "fetchPatient", patient_id=patient_id), Patient)


def patient_by_identifier_call(identifier: str) -> Call[Patient]:
    kwargs = build(fetch_patient_by_identifier._get_kwargs, "fetchPatientByIdentifier", identifier=identifier)
    return Call("fetchPatientByIdentifier", kwargs, Patient)


def list_patients_call(page: int, size: int | None, filters: dict[str, Any]) -> Call[PatientPage]:
    arguments = {
        **filters,
        "sort": _enum(PatientSort, filters.get("sort"), "sort"),
        "id": listed(filters.get("id")),
        "site_id": listed(filters.get("site_id")),
        "external_identifier": listed(filters.get("external_identifier")),
        "date_of_birth_min": _day(filters.get("date_of_birth_min"), "dateOfBirthMin"),
        "date_of_birth_max": _day(filters.get("date_of_birth_max"), "dateOfBirthMax"),
    }
    kwargs = build(list_patients._get_kwargs, "listPatients", page=page, size=size, **arguments)
    return Call("listPatients", kwargs, PatientPage)


class Items:
    """Catalogue items through a sync `Impilo` client (`orderable` says whether one can be ordered)."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def get(self, item_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> ItemDetail:
        """One item with its details; NotFoundError if there is none."""
        return self._client._run(fetch_item_call(item_id), timeout=timeout, strict=strict)

    def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        sort: ItemSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        name: str | None = None,
        model: str | None = None,
        sku: str | None = None,
        manufacturer_ids: int | Sequence[int] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> ItemPage:
        """One page of items (at most 100), optionally filtered and sorted."""
        call = list_items_call(page, size, sort, sort_descending, ids, name, model, sku, manufacturer_ids)
        return self._client._run(call, timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        sort: ItemSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        name: str | None = None,
        model: str | None = None,
        sku: str | None = None,
        manufacturer_ids: int | Sequence[int] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Iterator[Item]:
        """Every matching item, a page at a time as the loop gets there."""
        list_items_call(1, size, sort, sort_descending, ids, name, model, sku, manufacturer_ids)

        def fetch(page: int) -> ItemPage:
            call = list_items_call(page, size, sort, sort_descending, ids, name, model, sku, manufacturer_ids)
            return self._client._run(call, timeout=timeout, strict=strict)

        return walk_pages(fetch)


class Kits:
    """Kits through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def get(self, kit_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Kit:
        """One kit; NotFoundError if there is none."""
        return self._client._run(fetch_kit_call(kit_id), timeout=timeout, strict=strict)

    def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        item_id: int | None = None,
        archived: bool | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> KitPage:
        """One page of kits, optionally only those holding `item_id`, or only (not) archived ones."""
        return self._client._run(list_kits_call(page, size, item_id, archived), timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        item_id: int | None = None,
        archived: bool | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Iterator[Kit]:
        """Every matching kit, a page at a time as the loop gets there."""
        list_kits_call(1, size, item_id, archived)
        return walk_pages(
            lambda page: self.list(page, size, item_id=item_id, archived=archived, timeout=timeout, strict=strict)
        )


class Sites:
    """Sites through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def get(self, site_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Site:
        """One site; NotFoundError if there is none."""
        return self._client._run(fetch_site_call(site_id), timeout=timeout, strict=strict)

    def list(
        self, page: int = 1, size: int | None = None, *, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> SitePage:
        """One page of sites."""
        return self._client._run(list_sites_call(page, size), timeout=timeout, strict=strict)

    def iter(
        self, *, size: int = ITER_PAGE_SIZE, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> Iterator[Site]:
        """Every site, a page at a time as the loop gets there."""
        list_sites_call(1, size)
        return walk_pages(lambda page: self.list(page, size, timeout=timeout, strict=strict))


class Patients:
    """Patients through a sync `Impilo` client."""

    def __init__(self, client: Impilo) -> None:
        self._client = client

    def get(self, patient_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Patient:
        """One patient by Impilo's id; NotFoundError if there is none."""
        return self._client._run(fetch_patient_call(patient_id), timeout=timeout, strict=strict)

    def get_by_identifier(self, identifier: str, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Patient:
        """One patient by your own external identifier; NotFoundError if there is none."""
        return self._client._run(patient_by_identifier_call(identifier), timeout=timeout, strict=strict)

    def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        sort: PatientSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        site_ids: int | Sequence[int] | None = None,
        external_identifiers: str | Sequence[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        archived: bool | None = None,
        enrolled: bool | None = None,
        date_of_birth_min: datetime.date | str | None = None,
        date_of_birth_max: datetime.date | str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> PatientPage:
        """One page of patients, optionally filtered and sorted (days as dates or YYYY-MM-DD)."""
        filters = _patient_filters(locals())
        return self._client._run(list_patients_call(page, size, filters), timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        sort: PatientSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        site_ids: int | Sequence[int] | None = None,
        external_identifiers: str | Sequence[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        archived: bool | None = None,
        enrolled: bool | None = None,
        date_of_birth_min: datetime.date | str | None = None,
        date_of_birth_max: datetime.date | str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> Iterator[Patient]:
        """Every matching patient, a page at a time as the loop gets there."""
        filters = _patient_filters(locals())
        list_patients_call(1, size, filters)

        def fetch(page: int) -> PatientPage:
            return self._client._run(list_patients_call(page, size, filters), timeout=timeout, strict=strict)

        return walk_pages(fetch)


# The facade's names of the patient filters -> the generated request builder's.
_PATIENT_FILTERS = {
    "sort": "sort",
    "sort_descending": "sort_descending",
    "ids": "id",
    "site_ids": "site_id",
    "external_identifiers": "external_identifier",
    "email": "email",
    "name": "name",
    "archived": "archived",
    "enrolled": "enrolled",
    "date_of_birth_min": "date_of_birth_min",
    "date_of_birth_max": "date_of_birth_max",
    "postal_code": "postal_code",
    "country": "country",
}


def _patient_filters(arguments: dict[str, Any]) -> dict[str, Any]:
    return {generated: arguments[name] for name, generated in _PATIENT_FILTERS.items()}


class AsyncItems:
    """Catalogue items through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def get(self, item_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> ItemDetail:
        """One item with its details; NotFoundError if there is none."""
        return await self._client._run(fetch_item_call(item_id), timeout=timeout, strict=strict)

    async def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        sort: ItemSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        name: str | None = None,
        model: str | None = None,
        sku: str | None = None,
        manufacturer_ids: int | Sequence[int] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> ItemPage:
        """One page of items (at most 100), optionally filtered and sorted."""
        call = list_items_call(page, size, sort, sort_descending, ids, name, model, sku, manufacturer_ids)
        return await self._client._run(call, timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        sort: ItemSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        name: str | None = None,
        model: str | None = None,
        sku: str | None = None,
        manufacturer_ids: int | Sequence[int] | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> AsyncGenerator[Item, None]:
        """Every matching item (`async for`)."""
        list_items_call(1, size, sort, sort_descending, ids, name, model, sku, manufacturer_ids)

        async def fetch(page: int) -> ItemPage:
            call = list_items_call(page, size, sort, sort_descending, ids, name, model, sku, manufacturer_ids)
            return await self._client._run(call, timeout=timeout, strict=strict)

        return walk_pages_async(fetch)


class AsyncKits:
    """Kits through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def get(self, kit_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Kit:
        """One kit; NotFoundError if there is none."""
        return await self._client._run(fetch_kit_call(kit_id), timeout=timeout, strict=strict)

    async def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        item_id: int | None = None,
        archived: bool | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> KitPage:
        """One page of kits, optionally only those holding `item_id`, or only (not) archived ones."""
        return await self._client._run(list_kits_call(page, size, item_id, archived), timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        item_id: int | None = None,
        archived: bool | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> AsyncGenerator[Kit, None]:
        """Every matching kit (`async for`)."""
        list_kits_call(1, size, item_id, archived)

        async def fetch(page: int) -> KitPage:
            return await self.list(page, size, item_id=item_id, archived=archived, timeout=timeout, strict=strict)

        return walk_pages_async(fetch)


class AsyncSites:
    """Sites through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def get(self, site_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Site:
        """One site; NotFoundError if there is none."""
        return await self._client._run(fetch_site_call(site_id), timeout=timeout, strict=strict)

    async def list(
        self, page: int = 1, size: int | None = None, *, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> SitePage:
        """One page of sites."""
        return await self._client._run(list_sites_call(page, size), timeout=timeout, strict=strict)

    def iter(
        self, *, size: int = ITER_PAGE_SIZE, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> AsyncGenerator[Site, None]:
        """Every site (`async for`)."""
        list_sites_call(1, size)

        async def fetch(page: int) -> SitePage:
            return await self.list(page, size, timeout=timeout, strict=strict)

        return walk_pages_async(fetch)


class AsyncPatients:
    """Patients through an `AsyncImpilo` client; the same methods, awaited."""

    def __init__(self, client: AsyncImpilo) -> None:
        self._client = client

    async def get(self, patient_id: int, *, timeout: TimeoutArg = None, strict: bool | None = None) -> Patient:
        """One patient by Impilo's id; NotFoundError if there is none."""
        return await self._client._run(fetch_patient_call(patient_id), timeout=timeout, strict=strict)

    async def get_by_identifier(
        self, identifier: str, *, timeout: TimeoutArg = None, strict: bool | None = None
    ) -> Patient:
        """One patient by your own external identifier; NotFoundError if there is none."""
        return await self._client._run(patient_by_identifier_call(identifier), timeout=timeout, strict=strict)

    async def list(
        self,
        page: int = 1,
        size: int | None = None,
        *,
        sort: PatientSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        site_ids: int | Sequence[int] | None = None,
        external_identifiers: str | Sequence[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        archived: bool | None = None,
        enrolled: bool | None = None,
        date_of_birth_min: datetime.date | str | None = None,
        date_of_birth_max: datetime.date | str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> PatientPage:
        """One page of patients, optionally filtered and sorted (days as dates or YYYY-MM-DD)."""
        filters = _patient_filters(locals())
        return await self._client._run(list_patients_call(page, size, filters), timeout=timeout, strict=strict)

    def iter(
        self,
        *,
        size: int = ITER_PAGE_SIZE,
        sort: PatientSortArg | None = None,
        sort_descending: bool | None = None,
        ids: int | Sequence[int] | None = None,
        site_ids: int | Sequence[int] | None = None,
        external_identifiers: str | Sequence[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        archived: bool | None = None,
        enrolled: bool | None = None,
        date_of_birth_min: datetime.date | str | None = None,
        date_of_birth_max: datetime.date | str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        timeout: TimeoutArg = None,
        strict: bool | None = None,
    ) -> AsyncGenerator[Patient, None]:
        """Every matching patient (`async for`)."""
        filters = _patient_filters(locals())
        list_patients_call(1, size, filters)

        async def fetch(page: int) -> PatientPage:
            return await self._client._run(list_patients_call(page, size, filters), timeout=timeout, strict=strict)

        return walk_pages_async(fetch)
