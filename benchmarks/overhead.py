"""Client overhead per call: `Impilo(...).orders.get` against raw httpx, on one in-process transport.

Both sides talk to the same `httpx.MockTransport` that answers every request with one full order,
so no socket or server is measured: only what each side does per call. The facade's side includes
the argument check, retry bookkeeping, status-to-exception mapping and the model decode; raw is
`httpx.Client.get` + `json.loads`. The goal compares the facade minus the model decode (measured
here too) with raw.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from impilo import Impilo
from impilo.spec import api_key_header
from impilo_orders_api.models import Order

from ._payloads import full_order
from ._report import Goal, Section, times, us
from ._timing import interleaved_medians, ratio

BASE_URL = "http://127.0.0.1:9"  # never dialled: the transport answers in-process
API_KEY = "bench-key"


def run(*, repeat: int) -> Section:
    body = orjson.dumps(full_order(1))
    headers = {"content-type": "application/json"}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers=headers)

    transport = httpx.MockTransport(answer)
    raw_client = httpx.Client(base_url=BASE_URL, transport=transport, headers={api_key_header(): API_KEY})
    facade = Impilo(API_KEY, base_url=BASE_URL, transport=transport)
    try:
        if facade.orders.get(1).to_dict() != orjson.loads(body):
            raise RuntimeError("the facade does not return the order the transport sent")
        cases: dict[str, Any] = {
            "raw: httpx.Client.get + json.loads": lambda: raw_client.get("/api/v3/order/1").json(),
            "facade: Impilo.orders.get": lambda: facade.orders.get(1),
            "model decode alone: orjson.loads + Order.from_dict": lambda: Order.from_dict(orjson.loads(body)),
        }
        medians = interleaved_medians(cases, number=200, repeat=repeat)
    finally:
        facade.close()
        raw_client.close()
    raw = medians["raw: httpx.Client.get + json.loads"]
    facade_time = medians["facade: Impilo.orders.get"]
    decode = medians["model decode alone: orjson.loads + Order.from_dict"]
    section = Section(
        title=f"Client overhead per call: GET one full order ({len(body)} bytes) on an in-process transport",
        columns=["case", "median", "÷ raw"],
    )
    for name, value in medians.items():
        section.rows.append([name, us(value), times(ratio(value, raw))])
    section.rows.append(
        ["facade minus model decode", us(facade_time - decode), times(ratio(facade_time - decode, raw))]
    )
    net = ratio(facade_time - decode, raw)
    section.goals.append(Goal("facade minus decode ≤ 1.3x raw", f"{net:.2f}x", net <= 1.3))
    return section
