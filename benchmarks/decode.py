"""Client decode and encode: the generated client against json, orjson, pydantic v2 and msgspec.

Decode goes through the client's real path: the generated `list_orders` response parser on an
`httpx.Response` holding the page's bytes (orjson, then `OrderPage.from_dict`). The peers start
from the same bytes. Encode is what `create_order` puts on the wire: `OrderCreateRequest.to_dict`
and the JSON bytes, against pydantic's `model_dump_json` of an equal model.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import httpx
import orjson

from impilo_orders_api import AuthenticatedClient
from impilo_orders_api.api.orders import create_order, list_orders
from impilo_orders_api.models import OrderCreateRequest, OrderPage

from . import _peers
from ._payloads import create_request, order_page
from ._report import Goal, Section, ms, times, us
from ._timing import interleaved_medians, interleaved_samples, ratio
from ._upstream import UpstreamClient


def _httpx_json(body: Any) -> bytes:
    # What httpx's `json=` sends (httpx 0.28): json.dumps, compact, UTF-8.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _check_equivalent(page: dict[str, Any], raw: bytes, client: AuthenticatedClient) -> None:
    """Every case must decode to the same data, or the comparison means nothing."""
    response = httpx.Response(200, content=raw)
    parsed = list_orders._parse_response(client=client, response=response)
    if not isinstance(parsed, OrderPage) or parsed.to_dict() != page:
        raise RuntimeError("the generated client does not round-trip the benchmark page")
    peer = _peers.POrderPage.model_validate_json(raw).model_dump(by_alias=True, exclude_unset=True)
    if peer != page:
        raise RuntimeError("the pydantic models do not round-trip the benchmark page")


def run_decode(
    upstream: UpstreamClient, release: UpstreamClient, unchecked: UpstreamClient, *, orders: int, repeat: int
) -> Section:
    page = order_page(orders)
    raw = orjson.dumps(page)
    client = AuthenticatedClient(base_url="http://127.0.0.1", token="unused")
    _check_equivalent(page, raw, client)
    models = upstream.models
    released = release.models

    def client_now() -> object:
        return list_orders._parse_response(client=client, response=httpx.Response(200, content=raw))

    cases: dict[str, Any] = {
        "json.loads alone": lambda: json.loads(raw),
        "orjson.loads alone": lambda: orjson.loads(raw),
    }
    if models is not None:
        cases["client before: upstream templates (json.loads + from_dict)"] = lambda: models.OrderPage.from_dict(
            json.loads(raw)
        )
    if released is not None:
        if released.OrderPage.from_dict(orjson.loads(raw)).to_dict() != page:
            raise RuntimeError("the release client does not round-trip the benchmark page")
        cases["client without drift detection (release templates, orjson + from_dict)"] = lambda: (
            released.OrderPage.from_dict(orjson.loads(raw))
        )
    ablated = unchecked.models
    if ablated is not None:
        if ablated.OrderPage.from_dict(orjson.loads(raw)).to_dict() != page:
            raise RuntimeError("the ablated client does not round-trip the benchmark page")
        cases["client now, type checks taken out (ablation)"] = lambda: ablated.OrderPage._from_response(
            orjson.loads(raw)
        )
    cases["client now: generated list_orders parser"] = client_now
    cases["pydantic v2 model_validate_json"] = lambda: _peers.POrderPage.model_validate_json(raw)
    cases["msgspec typed decode (the floor)"] = lambda: _peers.MSGSPEC_PAGE_DECODER.decode(raw)

    # One page per sample: a full collection (rare, costly, and due to the whole heap, not to the
    # call it lands in) then shows in the mean but not in the median; young collections show in both.
    samples = interleaved_samples(cases, number=1, repeat=repeat * 3, gc_enabled=True)
    with_gc = {name: statistics.median(values) for name, values in samples.items()}
    mean_gc = {name: statistics.fmean(values) for name, values in samples.items()}
    without_gc = interleaved_medians(cases, number=3, repeat=repeat, gc_enabled=False)
    pyd = "pydantic v2 model_validate_json"
    section = Section(
        title=f"Client decode: a page of {orders} full orders ({len(raw) / 1024:.0f} KiB of JSON), bytes to models",
        columns=["case", "median, GC on", "÷ pydantic", "mean, GC on", "÷ pydantic", "median, GC off", "÷ pydantic"],
    )
    for name in cases:
        section.rows.append(
            [
                name,
                ms(with_gc[name]),
                times(ratio(with_gc[name], with_gc[pyd])),
                ms(mean_gc[name]),
                times(ratio(mean_gc[name], mean_gc[pyd])),
                ms(without_gc[name]),
                times(ratio(without_gc[name], without_gc[pyd])),
            ]
        )
    now = "client now: generated list_orders parser"
    r_on, r_mean, r_off = (ratio(m[now], m[pyd]) for m in (with_gc, mean_gc, without_gc))
    section.goals.append(
        Goal(
            "no slower than pydantic v2 with the GC on, as programs run (median ratio ≤ 1.0)",
            f"{r_on:.2f} (mean {r_mean:.2f})",
            r_on <= 1.0,
        )
    )
    section.goals.append(
        Goal("with drift detection on, 0.75 of pydantic v2 (median, GC on)", f"{r_on:.2f}", r_on <= 0.75)
    )
    section.goals.append(Goal("the same with the GC off (timeit's convention)", f"{r_off:.2f}", r_off <= 1.0))
    section.notes.append(
        "GC on is what a program sees; GC off is timeit's default. With GC on, a full collection walks the "
        "whole heap of this process and lands in whichever call crosses the threshold: the mean carries that "
        "noise, the median shows a typical call."
    )
    section.notes.append(f"'client before': {upstream.note}.")
    section.notes.append(f"'client without drift detection': {release.note}.")
    section.notes.append(f"'type checks taken out': {unchecked.note}.")
    ablation = "client now, type checks taken out (ablation)"
    if ablation in with_gc:
        section.notes.append(
            "What drift detection costs, now ÷ the same decoders without their type checks: "
            f"{with_gc[now] / with_gc[ablation]:.2f}x (GC on), {without_gc[now] / without_gc[ablation]:.2f}x (GC off)."
        )
    without = "client without drift detection (release templates, orjson + from_dict)"
    if without in with_gc:
        section.notes.append(
            "Now ÷ the release without detection: "
            f"{with_gc[now] / with_gc[without]:.2f}x (GC on), {without_gc[now] / without_gc[without]:.2f}x (GC off): "
            "the decoders now consume the JSON they have just parsed instead of copying every object first, "
            "which pays for the checks and more."
        )
    before = "client before: upstream templates (json.loads + from_dict)"
    if before in with_gc:
        section.notes.append(
            f"Speed-up of the decode path, before ÷ now: {with_gc[before] / with_gc[now]:.1f}x (GC on), "
            f"{without_gc[before] / without_gc[now]:.1f}x (GC off)."
        )
    return section


def run_encode(upstream: UpstreamClient, *, repeat: int) -> Section:
    body = create_request()
    request = OrderCreateRequest.from_dict(body)
    peer = _peers.pydantic_create_request(body)
    sent = create_order._get_kwargs(body=request)["content"]
    if orjson.loads(sent) != body or orjson.loads(_peers.pydantic_encode(peer)) != body:
        raise RuntimeError("the encoders do not produce the same JSON")
    cases: dict[str, Any] = {
        "client now: create_order request body (to_dict + orjson)": lambda: create_order._get_kwargs(body=request),
    }
    if upstream.models is not None:
        old = upstream.models.OrderCreateRequest.from_dict(body)
        cases["client before: upstream to_dict + httpx's json.dumps"] = lambda: _httpx_json(old.to_dict())
    cases["pydantic v2 model_dump_json"] = lambda: _peers.pydantic_encode(peer)
    medians = interleaved_medians(cases, number=1000, repeat=repeat)
    pyd = medians["pydantic v2 model_dump_json"]
    section = Section(
        title=f"Client encode: the docs' create request for a patient ({len(sent)} bytes of JSON)",
        columns=["case", "median", "÷ pydantic"],
    )
    for name, value in medians.items():
        section.rows.append([name, us(value), times(ratio(value, pyd))])
    now = medians["client now: create_order request body (to_dict + orjson)"]
    section.goals.append(Goal("no slower than pydantic's model_dump_json", f"{now / pyd:.2f}", now <= pyd))
    section.notes.append(
        "'client before': upstream templates' to_dict, then what httpx's `json=` sends (json.dumps, compact, UTF-8)."
    )
    return section
