"""The peers' engines, as models of the same shape as the generated client's response models.

pydantic v2 is what Fern- and Speakeasy-style SDKs decode with; msgspec is the practical floor.
Both get every field optional and nullable, as the spec has it. pydantic keeps unknown fields
(`extra="allow"`, like the generated `additional_properties`); enum fields are plain `str` here,
which only makes pydantic faster (an open enum would need a custom validator), so the baseline
is, if anything, a little generous to the peer.
"""

from __future__ import annotations

from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class PManufacturer(_Model):
    id: int | None = None
    name: str | None = None


class PItem(_Model):
    id: int | None = None
    manufacturer: PManufacturer | None = None
    name: str | None = None
    model: str | None = None
    sku: str | None = None
    orderable: bool | None = None


class PKitItem(_Model):
    item: PItem | None = None
    count: int | None = None


class PKit(_Model):
    id: int | None = None
    name: str | None = None
    archived: bool | None = None
    kit_items: list[PKitItem] | None = None


class PAddress(_Model):
    line_one: str | None = None
    line_two: str | None = None
    line_three: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    note: str | None = None


class PSite(_Model):
    id: int | None = None
    name: str | None = None
    active: bool | None = None
    phone_number: str | None = None
    address: PAddress | None = None


class PPatient(_Model):
    id: int | None = None
    external_identifier: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = None
    email: str | None = None
    phone_number: str | None = None
    archived: bool | None = None
    address: PAddress | None = None
    site: PSite | None = None
    enrolled: bool | None = None
    sex: str | None = None


class POrderItem(_Model):
    item: PItem | None = None
    count: int | None = None


class POrderKit(_Model):
    kit: PKit | None = None
    count: int | None = None


class PEndUser(_Model):
    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


class POrderNote(_Model):
    note: str | None = None
    created_at: str | None = None
    created_by: PEndUser | None = None


class POrderEvent(_Model):
    name: str | None = None
    event_timestamp: str | None = None


class PTrackingNumber(_Model):
    carrier: str | None = None
    value: str | None = None


class PDeviceIdentifier(_Model):
    type: str | None = None
    value: str | None = None


class PDeviceEvent(_Model):
    type: str | None = None
    event_timestamp: str | None = None


class PDevice(_Model):
    id: int | None = None
    item: PItem | None = None
    current_status: str | None = None
    used: bool | None = None
    current_patient: PPatient | None = None
    site: PSite | None = None
    last_health_check: str | None = None
    device_identifiers: list[PDeviceIdentifier] | None = None
    device_events: list[PDeviceEvent] | None = None
    external_identifier: str | None = None
    disabled_readings: bool | None = None


class PPackedKit(_Model):
    kit: PKit | None = None
    devices: list[PDevice] | None = None


class POrder(_Model):
    id: int | None = None
    external_order_ids: list[str] | None = None
    patient: PPatient | None = None
    site: PSite | None = None
    current_status: str | None = None
    order_items: list[POrderItem] | None = None
    order_kits: list[POrderKit] | None = None
    order_notes: list[POrderNote] | None = None
    order_events: list[POrderEvent] | None = None
    tracking_numbers: list[PTrackingNumber] | None = None
    devices: list[PDevice] | None = None
    packed_kits: list[PPackedKit] | None = None
    shipping_option: str | None = None


class POrderPage(_Model):
    content: list[POrder] | None = None
    page: int | None = None
    size: int | None = None
    total: int | None = None
    first: bool | None = None
    last: bool | None = None


# ---- create request (encode side) ----


class PIdReference(_Model):
    id: int


class PPatientReference(_Model):
    id: int
    sex: str | None = None


class POrderItemRequest(_Model):
    item: PIdReference
    count: int


class POrderKitRequest(_Model):
    kit: PIdReference
    count: int


class POrderNoteRequest(_Model):
    note: str


class POrderCreateRequest(_Model):
    external_order_ids: list[str] | None = None
    patient: PPatientReference | None = None
    site: PIdReference | None = None
    order_items: list[POrderItemRequest] | None = None
    order_kits: list[POrderKitRequest] | None = None
    order_notes: list[POrderNoteRequest] | None = None
    shipping_option: str | None = None


def pydantic_create_request(body: dict[str, Any]) -> POrderCreateRequest:
    return POrderCreateRequest.model_validate(body)


def pydantic_encode(request: POrderCreateRequest) -> str:
    """What a pydantic SDK sends: camelCase keys, only the fields that were set."""
    return request.model_dump_json(by_alias=True, exclude_unset=True)


# ---- msgspec: the floor ----


class _Struct(msgspec.Struct, rename="camel", omit_defaults=True):
    pass


class MManufacturer(_Struct):
    id: int | None = None
    name: str | None = None


class MItem(_Struct):
    id: int | None = None
    manufacturer: MManufacturer | None = None
    name: str | None = None
    model: str | None = None
    sku: str | None = None
    orderable: bool | None = None


class MKitItem(_Struct):
    item: MItem | None = None
    count: int | None = None


class MKit(_Struct):
    id: int | None = None
    name: str | None = None
    archived: bool | None = None
    kit_items: list[MKitItem] | None = None


class MAddress(_Struct):
    line_one: str | None = None
    line_two: str | None = None
    line_three: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    note: str | None = None


class MSite(_Struct):
    id: int | None = None
    name: str | None = None
    active: bool | None = None
    phone_number: str | None = None
    address: MAddress | None = None


class MPatient(_Struct):
    id: int | None = None
    external_identifier: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = None
    email: str | None = None
    phone_number: str | None = None
    archived: bool | None = None
    address: MAddress | None = None
    site: MSite | None = None
    enrolled: bool | None = None
    sex: str | None = None


class MOrderItem(_Struct):
    item: MItem | None = None
    count: int | None = None


class MOrderKit(_Struct):
    kit: MKit | None = None
    count: int | None = None


class MEndUser(_Struct):
    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


class MOrderNote(_Struct):
    note: str | None = None
    created_at: str | None = None
    created_by: MEndUser | None = None


class MOrderEvent(_Struct):
    name: str | None = None
    event_timestamp: str | None = None


class MTrackingNumber(_Struct):
    carrier: str | None = None
    value: str | None = None


class MDeviceIdentifier(_Struct):
    type: str | None = None
    value: str | None = None


class MDeviceEvent(_Struct):
    type: str | None = None
    event_timestamp: str | None = None


class MDevice(_Struct):
    id: int | None = None
    item: MItem | None = None
    current_status: str | None = None
    used: bool | None = None
    current_patient: MPatient | None = None
    site: MSite | None = None
    last_health_check: str | None = None
    device_identifiers: list[MDeviceIdentifier] | None = None
    device_events: list[MDeviceEvent] | None = None
    external_identifier: str | None = None
    disabled_readings: bool | None = None


class MPackedKit(_Struct):
    kit: MKit | None = None
    devices: list[MDevice] | None = None


class MOrder(_Struct):
    id: int | None = None
    external_order_ids: list[str] | None = None
    patient: MPatient | None = None
    site: MSite | None = None
    current_status: str | None = None
    order_items: list[MOrderItem] | None = None
    order_kits: list[MOrderKit] | None = None
    order_notes: list[MOrderNote] | None = None
    order_events: list[MOrderEvent] | None = None
    tracking_numbers: list[MTrackingNumber] | None = None
    devices: list[MDevice] | None = None
    packed_kits: list[MPackedKit] | None = None
    shipping_option: str | None = None


class MOrderPage(_Struct):
    content: list[MOrder] | None = None
    page: int | None = None
    size: int | None = None
    total: int | None = None
    first: bool | None = None
    last: bool | None = None


MSGSPEC_PAGE_DECODER = msgspec.json.Decoder(MOrderPage)
