"""The one table of create-order bodies, valid and invalid, that every rule test reads.

The client's pre-send tests, the mock server's tests and the contract suite all walk `CASES`:
a server must accept every valid case and refuse every invalid one with a 4xx, and the client must
refuse every invalid one before sending. Valid cases name only seeded records (patient 1234,
site 1234, items and kits 1000-1003), so they succeed on the mock and on a sandbox that has them.

Each invalid case breaks one rule; `rule` is its name as the contract view tags it (or the JSON
Schema keyword for untagged checks such as `required` and `enum`), and `path` is where it breaks.
A body may break more than one rule (an empty body has no recipient and no content); `rule` is then
the one the case is about, and it is among the violations reported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .spec import example_value

__all__ = ["CASES", "INVALID_CASES", "VALID_CASES", "RuleCase", "case"]

SEEDED_PATIENT_ID = 1234
SEEDED_SITE_ID = 1234
SEEDED_ITEM_IDS = (1000, 1001, 1002, 1003)
SEEDED_KIT_IDS = (1000, 1001, 1002, 1003)


@dataclass(frozen=True)
class RuleCase:
    """One create body. `body` is a fresh deep copy on every access, so no test can spoil another's."""

    name: str
    _body: dict[str, Any] = field(repr=False)
    valid: bool
    rule: str | None = None
    path: str | None = None

    @property
    def body(self) -> dict[str, Any]:
        return copy.deepcopy(self._body)

    def __str__(self) -> str:
        return self.name


def _patient(**extra: Any) -> dict[str, Any]:
    return {"id": SEEDED_PATIENT_ID, **extra}


def _site() -> dict[str, Any]:
    return {"id": SEEDED_SITE_ID}


def _items(*pairs: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"item": {"id": item_id}, "count": count} for item_id, count in pairs]


def _kits(*pairs: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"kit": {"id": kit_id}, "count": count} for kit_id, count in pairs]


ITEM = _items((1000, 1))
KIT = _kits((1000, 1))


def _valid(name: str, body: dict[str, Any]) -> RuleCase:
    return RuleCase(name, body, True)


def _invalid(name: str, rule: str, path: str, body: dict[str, Any]) -> RuleCase:
    return RuleCase(name, body, False, rule, path)


VALID_CASES: tuple[RuleCase, ...] = (
    _valid("docs-patient-order", example_value("CreatePatientOrderRequest")),
    _valid("docs-site-order", example_value("CreateSiteOrderRequest")),
    _valid("patient-items-only", {"patient": _patient(), "orderItems": _items((1001, 2))}),
    _valid("site-kits-only", {"site": _site(), "orderKits": _kits((1002, 3))}),
    _valid("patient-with-null-site", {"patient": _patient(), "site": None, "orderKits": KIT}),
    _valid("null-patient-with-site", {"patient": None, "site": _site(), "orderItems": ITEM}),
    _valid("empty-items-with-kits", {"patient": _patient(), "orderItems": [], "orderKits": KIT}),
    _valid("items-with-null-kits", {"site": _site(), "orderItems": ITEM, "orderKits": None}),
    _valid("null-items-with-kits", {"site": _site(), "orderItems": None, "orderKits": _kits((1003, 1))}),
    _valid(
        "overnight-with-notes",
        {
            "externalOrderIds": ["rule-case-overnight"],
            "patient": _patient(sex="female"),
            "orderItems": _items((1002, 1), (1003, 250)),
            "orderNotes": [{"note": "Leave with the front desk."}],
            "shippingOption": "overnight",
        },
    ),
    _valid(
        "every-seeded-item-and-kit",
        {
            "site": _site(),
            "orderItems": _items(*((i, 1) for i in SEEDED_ITEM_IDS)),
            "orderKits": _kits(*((k, 1) for k in SEEDED_KIT_IDS)),
            "shippingOption": None,
            "externalOrderIds": None,
            "orderNotes": None,
        },
    ),
)

INVALID_CASES: tuple[RuleCase, ...] = (
    # one-recipient: exactly one of patient or site
    _invalid(
        "both-patient-and-site", "one-recipient", "$", {"patient": _patient(), "site": _site(), "orderItems": ITEM}
    ),
    _invalid("neither-patient-nor-site", "one-recipient", "$", {"orderItems": ITEM}),
    _invalid("null-patient-and-null-site", "one-recipient", "$", {"patient": None, "site": None, "orderItems": ITEM}),
    _invalid("null-patient-only", "one-recipient", "$", {"patient": None, "orderKits": KIT}),
    _invalid("null-site-only", "one-recipient", "$", {"site": None, "orderKits": KIT}),
    _invalid("empty-body", "one-recipient", "$", {}),
    # has-content: at least one non-empty list of items or kits
    _invalid("no-items-and-no-kits", "has-content", "$", {"patient": _patient()}),
    _invalid("empty-items-and-no-kits", "has-content", "$", {"patient": _patient(), "orderItems": []}),
    _invalid("no-items-and-empty-kits", "has-content", "$", {"site": _site(), "orderKits": []}),
    _invalid("empty-items-and-empty-kits", "has-content", "$", {"site": _site(), "orderItems": [], "orderKits": []}),
    _invalid(
        "null-items-and-null-kits", "has-content", "$", {"patient": _patient(), "orderItems": None, "orderKits": None}
    ),
    _invalid(
        "null-items-and-empty-kits", "has-content", "$", {"patient": _patient(), "orderItems": None, "orderKits": []}
    ),
    # identified-by-id: the patient or site, and each item and kit, carries an id
    _invalid("patient-without-id", "identified-by-id", "$.patient", {"patient": {"sex": "male"}, "orderItems": ITEM}),
    _invalid(
        "new-patient-instead-of-id",
        "identified-by-id",
        "$.patient",
        {
            "patient": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "sex": "female",
                "address": {
                    "lineOne": "1 Main St",
                    "city": "Boston",
                    "state": "MA",
                    "zipCode": "02110",
                    "country": "US",
                },
            },
            "orderItems": ITEM,
        },
    ),
    _invalid("site-without-id", "identified-by-id", "$.site", {"site": {}, "orderItems": ITEM}),
    _invalid(
        "item-without-id",
        "identified-by-id",
        "$.orderItems[0].item",
        {"patient": _patient(), "orderItems": [{"item": {}, "count": 1}]},
    ),
    _invalid(
        "kit-without-id",
        "identified-by-id",
        "$.orderKits[0].kit",
        {"site": _site(), "orderKits": [{"kit": {"name": "Starter"}, "count": 1}]},
    ),
    _invalid(
        "item-entry-without-item", "required", "$.orderItems[0]", {"patient": _patient(), "orderItems": [{"count": 1}]}
    ),
    _invalid(
        "kit-entry-without-count",
        "required",
        "$.orderKits[0]",
        {"patient": _patient(), "orderKits": [{"kit": {"id": 1000}}]},
    ),
    # positive-id
    _invalid("patient-id-zero", "positive-id", "$.patient.id", {"patient": {"id": 0}, "orderItems": ITEM}),
    _invalid("patient-id-negative", "positive-id", "$.patient.id", {"patient": {"id": -1234}, "orderItems": ITEM}),
    _invalid("site-id-zero", "positive-id", "$.site.id", {"site": {"id": 0}, "orderKits": KIT}),
    _invalid(
        "item-id-zero", "positive-id", "$.orderItems[0].item.id", {"patient": _patient(), "orderItems": _items((0, 1))}
    ),
    _invalid(
        "second-item-id-negative",
        "positive-id",
        "$.orderItems[1].item.id",
        {"patient": _patient(), "orderItems": _items((1000, 1), (-1000, 1))},
    ),
    _invalid("kit-id-negative", "positive-id", "$.orderKits[0].kit.id", {"site": _site(), "orderKits": _kits((-1, 1))}),
    # positive-count
    _invalid(
        "item-count-zero",
        "positive-count",
        "$.orderItems[0].count",
        {"patient": _patient(), "orderItems": _items((1000, 0))},
    ),
    _invalid(
        "item-count-negative",
        "positive-count",
        "$.orderItems[0].count",
        {"patient": _patient(), "orderItems": _items((1000, -5))},
    ),
    _invalid(
        "kit-count-zero", "positive-count", "$.orderKits[0].count", {"site": _site(), "orderKits": _kits((1000, 0))}
    ),
    _invalid(
        "kit-count-negative-beside-valid-items",
        "positive-count",
        "$.orderKits[0].count",
        {"site": _site(), "orderItems": ITEM, "orderKits": _kits((1001, -1))},
    ),
    # types, formats and enums of the spec itself
    _invalid("patient-id-as-string", "type", "$.patient.id", {"patient": {"id": "1234"}, "orderItems": ITEM}),
    _invalid(
        "item-count-as-string",
        "type",
        "$.orderItems[0].count",
        {"patient": _patient(), "orderItems": _items((1000, "10"))},
    ),
    _invalid("patient-id-over-int64", "format", "$.patient.id", {"patient": {"id": 2**63}, "orderItems": ITEM}),
    _invalid(
        "item-count-over-int32",
        "format",
        "$.orderItems[0].count",
        {"patient": _patient(), "orderItems": _items((1000, 2**31))},
    ),
    _invalid("patient-as-number", "type", "$.patient", {"patient": 1234, "orderItems": ITEM}),
    _invalid(
        "items-not-a-list",
        "type",
        "$.orderItems",
        {"patient": _patient(), "orderItems": {"item": {"id": 1000}, "count": 1}},
    ),
    _invalid(
        "unknown-shipping-option",
        "enum",
        "$.shippingOption",
        {"patient": _patient(), "orderItems": ITEM, "shippingOption": "teleport"},
    ),
    _invalid(
        "external-order-id-not-a-string",
        "type",
        "$.externalOrderIds[0]",
        {"patient": _patient(), "orderItems": ITEM, "externalOrderIds": [123]},
    ),
)

CASES: tuple[RuleCase, ...] = VALID_CASES + INVALID_CASES


def case(name: str) -> RuleCase:
    """The case called `name`."""
    for candidate in CASES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
