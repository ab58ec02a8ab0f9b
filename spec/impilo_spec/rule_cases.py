"""The one table of create-order bodies every rule test reads, each with where its verdict comes from.

Every case says two things:
- `client`: whether the client sends it ("accept") or refuses it before sending ("refuse"). The
  client refuses what the docs forbid and what this project assumes, and nothing the docs allow.
- `server`: what the docs make of any server: "accept" (every server must take it), "refuse"
  (every server must refuse it with a 4xx), or "open" (the docs do not decide; `question` names
  the choice, and the contract suite's dialect report says which way the server went).

`source` says where the verdict comes from: seeds/000 (the Create Order reference), seeds/004
(the Order Management Guide), FACTS (the vendor's other pages), or assumption. `rule` names the
rule a refused case breaks, as the contract view tags it (or the JSON Schema keyword of untagged
checks such as `required` and `type`), and `path` says where.

The client's pre-send check (impilo.rules, on jsonschema) and the mock server's own validator
are two implementations of one declaration, the contract view; the tests run both over this
table, so a case they disagree on fails. Valid cases name only the docs' ids (patient 1234, site
1234, items and kits 1000-1003), which the mock seeds; the contract suite maps them onto ids the
target has.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from . import docs_ids, example_value

__all__ = ["CASES", "OPEN_CASES", "QUESTIONS", "REFUSED_CASES", "SENT_CASES", "RuleCase", "case"]

Verdict = Literal["accept", "refuse"]
ServerVerdict = Literal["accept", "refuse", "open"]

_IDS = docs_ids()
SEEDED_PATIENT_ID = _IDS["patients"][0]
SEEDED_SITE_ID = _IDS["sites"][0]
SEEDED_ITEM_IDS = tuple(_IDS["items"])
SEEDED_KIT_IDS = tuple(_IDS["kits"])

SEEDS_000 = "seeds/000"
SEEDS_004 = "seeds/004"

# The open questions: what a server may decide either way. The dialect report answers each.
QUESTIONS: dict[str, str] = {
    "explicit-null": "an explicit null for a field left out (the absent recipient, an empty list, an option)",
    "line-without-count": "an item or kit line with no count: refused, or accepted with some count",
    "new-patient": "a new patient written out in the order instead of an existing one by id",
    "non-positive-id": "a patient, site, item or kit id of zero or less",
    "non-positive-count": "a count of zero or less",
    "coerced-type": "a value of another JSON type that reads as the right one (the string '10' for 10)",
    "out-of-range": "an id or count beyond its integer format (int64, int32)",
    "unknown-enum": "a value of a closed request enumeration that the spec does not list",
    "note-without-text": "an order note without its `note` text",
}


@dataclass(frozen=True)
class RuleCase:
    """One create body. `body` is a fresh deep copy on every access, so no test can spoil another's."""

    name: str
    _body: dict[str, Any] = field(repr=False)
    client: Verdict
    server: ServerVerdict
    source: str
    rule: str | None = None
    path: str | None = None
    question: str | None = None

    @property
    def body(self) -> dict[str, Any]:
        return copy.deepcopy(self._body)

    @property
    def valid(self) -> bool:
        """Whether the client sends it (the contract view accepts it)."""
        return self.client == "accept"

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


ITEM = _items((SEEDED_ITEM_IDS[0], 1))
KIT = _kits((SEEDED_KIT_IDS[0], 1))
NEW_PATIENT = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada@example.com",
    "sex": "female",
    "address": {"lineOne": "1 Main St", "city": "Boston", "state": "MA", "zipCode": "02110", "country": "US"},
}


def _accepted(name: str, source: str, body: dict[str, Any]) -> RuleCase:
    return RuleCase(name, body, "accept", "accept", source)


def _refused(name: str, rule: str, path: str, source: str, body: dict[str, Any]) -> RuleCase:
    return RuleCase(name, body, "refuse", "refuse", source, rule, path)


def _open(
    name: str, question: str, source: str, body: dict[str, Any], *, rule: str | None = None, path: str | None = None
) -> RuleCase:
    """A case the docs leave open: the client refuses it when it breaks a rule (`rule`), else sends it."""
    return RuleCase(name, body, "refuse" if rule else "accept", "open", source, rule, path, question)


VALID_CASES: tuple[RuleCase, ...] = (
    _accepted(
        "docs-patient-order", f"{SEEDS_004} (the guide's patient order)", example_value("CreatePatientOrderRequest")
    ),
    _accepted("docs-site-order", f"{SEEDS_004} (the guide's site order)", example_value("CreateSiteOrderRequest")),
    _accepted(
        "patient-items-only",
        f"{SEEDS_004} (items alone are content)",
        {"patient": _patient(), "orderItems": _items((SEEDED_ITEM_IDS[1], 2))},
    ),
    _accepted(
        "site-kits-only",
        f"{SEEDS_004} (kits alone are content)",
        {"site": _site(), "orderKits": _kits((SEEDED_KIT_IDS[2], 3))},
    ),
    _accepted(
        "empty-items-with-kits",
        f"{SEEDS_000} (at least one of orderItems or orderKits; an empty list beside kits)",
        {"patient": _patient(), "orderItems": [], "orderKits": KIT},
    ),
    _accepted(
        "overnight-with-notes",
        f"{SEEDS_000} (notes, shippingOption and externalOrderIds are optional attributes); FACTS (overnight)",
        {
            "externalOrderIds": ["rule-case-overnight"],
            "patient": _patient(sex="female"),
            "orderItems": _items((SEEDED_ITEM_IDS[2], 1), (SEEDED_ITEM_IDS[3], 25)),
            "orderNotes": [{"note": "Leave with the front desk."}],
            "shippingOption": "overnight",
        },
    ),
    _accepted(
        "every-seeded-item-and-kit",
        f"{SEEDS_004} (any number of items and kits)",
        {
            "site": _site(),
            "orderItems": _items(*((i, 1) for i in SEEDED_ITEM_IDS)),
            "orderKits": _kits(*((k, 1) for k in SEEDED_KIT_IDS)),
        },
    ),
)

OPEN_CASES: tuple[RuleCase, ...] = (
    # Sent by the client (the docs allow them); a server may refuse them.
    _open(
        "patient-with-null-site",
        "explicit-null",
        f"{SEEDS_000} (exactly one of patient or site must be not null)",
        {"patient": _patient(), "site": None, "orderKits": KIT},
    ),
    _open(
        "null-patient-with-site",
        "explicit-null",
        f"{SEEDS_000} (exactly one of patient or site must be not null)",
        {"patient": None, "site": _site(), "orderItems": ITEM},
    ),
    _open(
        "items-with-null-kits",
        "explicit-null",
        f"{SEEDS_000} (at least one of orderItems or orderKits must be not null)",
        {"site": _site(), "orderItems": ITEM, "orderKits": None},
    ),
    _open(
        "null-items-with-kits",
        "explicit-null",
        f"{SEEDS_000} (at least one of orderItems or orderKits must be not null)",
        {"site": _site(), "orderItems": None, "orderKits": _kits((SEEDED_KIT_IDS[3], 1))},
    ),
    _open(
        "null-options",
        "explicit-null",
        f"{SEEDS_000} (optional attributes; null is not excluded)",
        {
            "patient": _patient(),
            "orderItems": ITEM,
            "shippingOption": None,
            "externalOrderIds": None,
            "orderNotes": None,
        },
    ),
    _open(
        "item-line-without-count",
        "line-without-count",
        f"{SEEDS_004} (each item with only the id property required)",
        {"patient": _patient(), "orderItems": [{"item": {"id": SEEDED_ITEM_IDS[0]}}]},
    ),
    _open(
        "kit-line-without-count",
        "line-without-count",
        f"{SEEDS_004} (each kit with only the id property required)",
        {"site": _site(), "orderKits": [{"kit": {"id": SEEDED_KIT_IDS[0]}}]},
    ),
    _open(
        "new-patient-instead-of-id",
        "new-patient",
        "FACTS (the vendor shows a create body with a new patient); seeds/004 (an existing patient by id)",
        {"patient": NEW_PATIENT, "orderItems": ITEM},
    ),
    # Refused by the client, as this project's assumption or reading of a type; a server may take them.
    _open(
        "patient-id-zero",
        "non-positive-id",
        "assumption (ids are positive)",
        {"patient": {"id": 0}, "orderItems": ITEM},
        rule="positive-id",
        path="$.patient.id",
    ),
    _open(
        "patient-id-negative",
        "non-positive-id",
        "assumption (ids are positive)",
        {"patient": {"id": -1234}, "orderItems": ITEM},
        rule="positive-id",
        path="$.patient.id",
    ),
    _open(
        "site-id-zero",
        "non-positive-id",
        "assumption (ids are positive)",
        {"site": {"id": 0}, "orderKits": KIT},
        rule="positive-id",
        path="$.site.id",
    ),
    _open(
        "item-id-zero",
        "non-positive-id",
        "assumption (ids are positive)",
        {"patient": _patient(), "orderItems": _items((0, 1))},
        rule="positive-id",
        path="$.orderItems[0].item.id",
    ),
    _open(
        "second-item-id-negative",
        "non-positive-id",
        "assumption (ids are positive)",
        {"patient": _patient(), "orderItems": _items((SEEDED_ITEM_IDS[0], 1), (-1000, 1))},
        rule="positive-id",
        path="$.orderItems[1].item.id",
    ),
    _open(
        "kit-id-negative",
        "non-positive-id",
        "assumption (ids are positive)",
        {"site": _site(), "orderKits": _kits((-1, 1))},
        rule="positive-id",
        path="$.orderKits[0].kit.id",
    ),
    _open(
        "item-count-zero",
        "non-positive-count",
        "assumption (counts are positive)",
        {"patient": _patient(), "orderItems": _items((SEEDED_ITEM_IDS[0], 0))},
        rule="positive-count",
        path="$.orderItems[0].count",
    ),
    _open(
        "item-count-negative",
        "non-positive-count",
        "assumption (counts are positive)",
        {"patient": _patient(), "orderItems": _items((SEEDED_ITEM_IDS[0], -5))},
        rule="positive-count",
        path="$.orderItems[0].count",
    ),
    _open(
        "kit-count-zero",
        "non-positive-count",
        "assumption (counts are positive)",
        {"site": _site(), "orderKits": _kits((SEEDED_KIT_IDS[0], 0))},
        rule="positive-count",
        path="$.orderKits[0].count",
    ),
    _open(
        "kit-count-negative-beside-valid-items",
        "non-positive-count",
        "assumption (counts are positive)",
        {"site": _site(), "orderItems": ITEM, "orderKits": _kits((SEEDED_KIT_IDS[1], -1))},
        rule="positive-count",
        path="$.orderKits[0].count",
    ),
    _open(
        "patient-id-as-string",
        "coerced-type",
        "FACTS (ids are int64)",
        {"patient": {"id": str(SEEDED_PATIENT_ID)}, "orderItems": ITEM},
        rule="type",
        path="$.patient.id",
    ),
    _open(
        "item-count-as-string",
        "coerced-type",
        "FACTS (counts are int32)",
        {"patient": _patient(), "orderItems": _items((SEEDED_ITEM_IDS[0], "10"))},
        rule="type",
        path="$.orderItems[0].count",
    ),
    _open(
        "external-order-id-not-a-string",
        "coerced-type",
        f"{SEEDS_000} (externalOrderIds is a list of strings)",
        {"patient": _patient(), "orderItems": ITEM, "externalOrderIds": [123]},
        rule="type",
        path="$.externalOrderIds[0]",
    ),
    _open(
        "patient-id-over-int64",
        "out-of-range",
        "FACTS (ids are int64)",
        {"patient": {"id": 2**63}, "orderItems": ITEM},
        rule="format",
        path="$.patient.id",
    ),
    _open(
        "item-count-over-int32",
        "out-of-range",
        "FACTS (counts are int32)",
        {"patient": _patient(), "orderItems": _items((SEEDED_ITEM_IDS[0], 2**31))},
        rule="format",
        path="$.orderItems[0].count",
    ),
    _open(
        "note-without-text",
        "note-without-text",
        "assumption (a note carries its text)",
        {"patient": _patient(), "orderItems": ITEM, "orderNotes": [{}]},
        rule="note-has-text",
        path="$.orderNotes[0]",
    ),
    _open(
        "unknown-shipping-option",
        "unknown-enum",
        "FACTS (shippingOption is standard or overnight)",
        {"patient": _patient(), "orderItems": ITEM, "shippingOption": "teleport"},
        rule="enum",
        path="$.shippingOption",
    ),
)

INVALID_CASES: tuple[RuleCase, ...] = (
    # one-recipient: exactly one of patient or site
    _refused(
        "both-patient-and-site",
        "one-recipient",
        "$",
        f"{SEEDS_000} (exactly one of patient or site)",
        {"patient": _patient(), "site": _site(), "orderItems": ITEM},
    ),
    _refused(
        "neither-patient-nor-site",
        "one-recipient",
        "$",
        f"{SEEDS_000} (exactly one of patient or site)",
        {"orderItems": ITEM},
    ),
    _refused(
        "null-patient-and-null-site",
        "one-recipient",
        "$",
        f"{SEEDS_000} (exactly one must be not null)",
        {"patient": None, "site": None, "orderItems": ITEM},
    ),
    _refused(
        "null-patient-only",
        "one-recipient",
        "$",
        f"{SEEDS_000} (exactly one must be not null)",
        {"patient": None, "orderKits": KIT},
    ),
    _refused(
        "null-site-only",
        "one-recipient",
        "$",
        f"{SEEDS_000} (exactly one must be not null)",
        {"site": None, "orderKits": KIT},
    ),
    _refused("empty-body", "one-recipient", "$", f"{SEEDS_004} (a recipient and content are required)", {}),
    _refused(
        "patient-as-number",
        "one-recipient",
        "$",
        f"{SEEDS_000} (the patient is an object)",
        {"patient": SEEDED_PATIENT_ID, "orderItems": ITEM},
    ),
    # has-content: at least one non-empty list of items or kits
    _refused(
        "no-items-and-no-kits", "has-content", "$", f"{SEEDS_004} (at least one item or kit)", {"patient": _patient()}
    ),
    _refused(
        "empty-items-and-no-kits",
        "has-content",
        "$",
        f"{SEEDS_004} (you must provide at least one item)",
        {"patient": _patient(), "orderItems": []},
    ),
    _refused(
        "no-items-and-empty-kits",
        "has-content",
        "$",
        f"{SEEDS_004} (at least one kit must be specified)",
        {"site": _site(), "orderKits": []},
    ),
    _refused(
        "empty-items-and-empty-kits",
        "has-content",
        "$",
        f"{SEEDS_004} (at least one item or kit)",
        {"site": _site(), "orderItems": [], "orderKits": []},
    ),
    _refused(
        "null-items-and-null-kits",
        "has-content",
        "$",
        f"{SEEDS_000} (at least one must be not null)",
        {"patient": _patient(), "orderItems": None, "orderKits": None},
    ),
    _refused(
        "null-items-and-empty-kits",
        "has-content",
        "$",
        f"{SEEDS_004} (at least one item or kit)",
        {"patient": _patient(), "orderItems": None, "orderKits": []},
    ),
    _refused(
        "items-not-a-list",
        "has-content",
        "$",
        f"{SEEDS_000} (orderItems is a list)",
        {"patient": _patient(), "orderItems": {"item": {"id": SEEDED_ITEM_IDS[0]}, "count": 1}},
    ),
    # identified-by-id: the patient or site, and each item and kit, carries an id
    _refused(
        "patient-without-id",
        "identified-by-id",
        "$.patient",
        f"{SEEDS_004} (by id); FACTS (a new patient has firstName and lastName)",
        {"patient": {"sex": "male"}, "orderItems": ITEM},
    ),
    _refused(
        "site-without-id",
        "identified-by-id",
        "$.site",
        f"{SEEDS_004} (only the id property of the site is required)",
        {"site": {}, "orderItems": ITEM},
    ),
    _refused(
        "item-without-id",
        "identified-by-id",
        "$.orderItems[0].item",
        f"{SEEDS_004} (each item with the id property)",
        {"patient": _patient(), "orderItems": [{"item": {}, "count": 1}]},
    ),
    _refused(
        "kit-without-id",
        "identified-by-id",
        "$.orderKits[0].kit",
        f"{SEEDS_004} (each kit with the id property)",
        {"site": _site(), "orderKits": [{"kit": {"name": "Starter"}, "count": 1}]},
    ),
    _refused(
        "item-line-without-item",
        "required",
        "$.orderItems[0]",
        f"{SEEDS_004} (an item line names its item)",
        {"patient": _patient(), "orderItems": [{"count": 1}]},
    ),
)

CASES: tuple[RuleCase, ...] = VALID_CASES + OPEN_CASES + INVALID_CASES
# By the client's verdict: what it sends, and what it refuses before sending.
SENT_CASES: tuple[RuleCase, ...] = tuple(c for c in CASES if c.client == "accept")
REFUSED_CASES: tuple[RuleCase, ...] = tuple(c for c in CASES if c.client == "refuse")


def case(name: str) -> RuleCase:
    """The case called `name`."""
    for candidate in CASES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
