"""Pagination at scale: walking every order of the mock through the facade's iterators.

One mock server (a subprocess) holds the orders and answers every list request 20 ms late, through
the latency wrapper in `apps.py` (the mock is unchanged). Memory: a child process walks every
order with the sync iterator and reports how far its peak RSS rose. Speed: the sync and the async
iterator (which prefetches the next page) walk the same orders, in turns.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time

from impilo import AsyncImpilo, Impilo

from ._payloads import create_request
from ._report import Goal, Section, times
from ._servers import DEV_KEY, ROOT, create_orders, python_server, serve

LATENCY_MS = 20.0


def _walk_sync(base_url: str, size: int) -> tuple[int, float]:
    with Impilo(DEV_KEY, base_url=base_url) as client:
        start = time.perf_counter()
        count = sum(1 for _ in client.orders.iter(size=size))
        return count, time.perf_counter() - start


async def _walk_async_inner(base_url: str, size: int) -> tuple[int, float]:
    async with AsyncImpilo(DEV_KEY, base_url=base_url) as client:
        start = time.perf_counter()
        count = 0
        async for _ in client.orders.iter(size=size):
            count += 1
        return count, time.perf_counter() - start


def _walk_async(base_url: str, size: int) -> tuple[int, float]:
    return asyncio.run(_walk_async_inner(base_url, size))


def _memory(base_url: str, size: int, orders: int) -> Section:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks._memory_child", base_url, str(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed: {proc.stderr[-500:]}")
    result = json.loads(proc.stdout)
    growth = result["peak_kib"] - result["baseline_kib"]
    budget = 2 * result["page_kib"] + 10 * 1024
    section = Section(
        title=f"Pagination memory: the sync iterator over {orders:,} orders, pages of {size}",
        columns=["measure", "value"],
        rows=[
            ["orders walked", f"{result['orders']:,}"],
            ["RSS high-water before the walk", f"{result['baseline_kib'] / 1024:.1f} MiB"],
            ["RSS high-water after the walk", f"{result['peak_kib'] / 1024:.1f} MiB"],
            ["growth", f"{growth / 1024:.1f} MiB"],
            ["one page at its peak (tracemalloc: bytes, JSON, models)", f"{result['page_kib'] / 1024:.1f} MiB"],
        ],
    )
    section.goals.append(
        Goal(
            "peak RSS grows by less than two pages + 10 MiB",
            f"{growth / 1024:.1f} MiB against a budget of {budget / 1024:.1f} MiB",
            growth < budget and result["orders"] == orders,
        )
    )
    section.notes.append("Measured in a child process of its own; RSS is the kernel's high-water mark (ru_maxrss).")
    return section


def _speed(base_url: str, size: int, orders: int, rounds: int) -> Section:
    sync_times: list[float] = []
    async_times: list[float] = []
    for _ in range(rounds):
        count, seconds = _walk_sync(base_url, size)
        if count != orders:
            raise RuntimeError(f"the sync iterator walked {count} orders, not {orders}")
        sync_times.append(seconds)
        count, seconds = _walk_async(base_url, size)
        if count != orders:
            raise RuntimeError(f"the async iterator walked {count} orders, not {orders}")
        async_times.append(seconds)
    sync_median, async_median = statistics.median(sync_times), statistics.median(async_times)
    pages = -(-orders // size)
    speedup = sync_median / async_median
    section = Section(
        title=f"Pagination speed: {orders:,} orders in {pages} pages of {size}, {LATENCY_MS:.0f} ms added per page",
        columns=["iterator", "median", "orders/s", "speed-up"],
        rows=[
            ["sync `Impilo.orders.iter`", f"{sync_median:.2f} s", f"{orders / sync_median:,.0f}", "1.00x"],
            [
                "async `AsyncImpilo.orders.iter`",
                f"{async_median:.2f} s",
                f"{orders / async_median:,.0f}",
                times(speedup),
            ],
        ],
    )
    section.goals.append(Goal("async with prefetch ≥ 1.5x the sync iterator", times(speedup), speedup >= 1.5))
    floor = pages * LATENCY_MS / 1000
    section.notes.append(
        f"The added latency alone is {floor:.2f} s per walk for one request at a time, the sync iterator's floor. "
        "Prefetching only the next page can hide no more than the caller's per-page work; the async iterator "
        "gets further by keeping several page requests in flight."
    )
    return section


def run(*, smoke: bool) -> list[Section]:
    orders = 300 if smoke else 10_000
    memory_size, speed_size = (50, 50) if smoke else (250, 100)
    cmd, port = python_server("mock-latency", latency_ms=LATENCY_MS)
    with serve(cmd, port) as base_url:
        create_orders(base_url, orders, create_request())
        memory = _memory(base_url, memory_size, orders)
        speed = _speed(base_url, speed_size, orders, rounds=1 if smoke else 3)
    return [memory, speed]
