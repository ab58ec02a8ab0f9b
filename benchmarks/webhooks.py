"""Webhook delivery: how soon an event reaches its receiver, and what a dead receiver costs the API.

Latency. The mock runs in this process (`run_in_thread` with `--lifecycle`); the receiver runs in
a subprocess (`python -m benchmarks.webhooks receive`), answers every POST 200 at once and notes
when each delivery arrived. Both order webhooks point at it. `orders` orders are created in one
burst, so each lifecycle tick moves all of them (or, when a tick falls inside the burst, nearly
all) one step in one transaction: that many status changes at once, two deliveries each.
Measured: from each change's eventTimestamp (as the mock recorded it) to the arrival, over the
three steps to `delivered` of every round.

Cost. Two mocks side by side (subprocesses, as in throughput.py): one with both order webhooks
registered at a receiver that accepts connections and never answers, one with no webhooks. Both
get the same open-loop load at the same time: creates and fetches alternating at a fixed rate,
each request timed from when it was due (so a stalled server cannot hide its stall by slowing the
load), from a load generator on asyncio streams (httpx would cost more CPU than the mock). The
rate is well under the mock's capacity: the question is whether deliveries block or delay
responses, not how much CPU a delivery takes (a saturated mock would show that instead).
Reported: per endpoint, the medians over rounds of each round's p50 and p99, and of the p99 ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

import impilo_spec
from impilo_mock._delivery import DEFAULT_ATTEMPT_TIMEOUT

from ._payloads import create_request
from ._report import Goal, Section, ms
from ._servers import DEV_KEY, HOST, KEY_HEADER, ROOT, python_server, serve

STATUS, FULL = "order.status", "order.statusFull"
WEBHOOKS_PATH = impilo_spec.operation("createWebhook")[1]
ORDERS_PATH = impilo_spec.operation("createOrder")[1]
LIFECYCLE_STEPS = 3  # orderPlaced -> awaitingShipment -> shipped -> delivered
INITIAL_STATUS = "orderPlaced"
P99_BUDGET = 1.10  # the API's p99 with a dead receiver within 10% of none


def percentile(values: list[float], fraction: float) -> float:
    """The value at `fraction` (0..1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


# ---- the receiver (a subprocess) ----


async def _receive(port: int) -> None:
    """Answer every POST 200 at once, noting its arrival; `GET /take/N` answers once N have arrived, with them."""
    arrivals: list[list[Any]] = []
    arrived_event = asyncio.Event()

    async def take(count: int) -> bytes:
        while len(arrivals) < count:
            arrived_event.clear()
            await arrived_event.wait()
        taken = json.dumps(arrivals[:count]).encode()
        del arrivals[:count]
        return taken

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.time()
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                length = next(
                    (int(v) for k, _, v in (line.partition(":") for line in lines) if k.lower() == "content-length"), 0
                )
                body = await reader.readexactly(length)
                if method == "POST":
                    envelope = json.loads(body)
                    payload = envelope["payload"]
                    event = payload["orderEvent"] if envelope["type"] == STATUS else payload["orderEvents"][-1]
                    arrivals.append([arrived, envelope["id"], envelope["type"], event["name"], event["eventTimestamp"]])
                    arrived_event.set()
                    answer = b""
                else:
                    answer = await take(int(target.rsplit("/", 1)[1]))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, HOST, port, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def receiver_process() -> Iterator[str]:
    """A receiver in a subprocess; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.webhooks", "receive"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://{HOST}:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class DeadReceiver:
    """Accepts connections and never answers (in a thread of this process: it does no work)."""

    def __init__(self) -> None:
        self._listener = socket.create_server((HOST, 0), backlog=512)
        self.url = f"http://{HOST}:{self._listener.getsockname()[1]}/hook"
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self._held.append(self._listener.accept()[0])

    def __enter__(self) -> DeadReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        for held in self._held:
            held.close()


# ---- latency ----


@dataclass
class LatencyResult:
    seconds: dict[str, list[float]]  # by event type
    expected: int
    received: int
    unique: int
    batches: list[int]  # how many orders each lifecycle step moved at the same moment


def _register(client: httpx.Client, url: str) -> None:
    for event_type, path in ((STATUS, "/status"), (FULL, "/full")):
        client.post(WEBHOOKS_PATH, json={"type": event_type, "url": url + path}).raise_for_status()


def _take_arrivals(client: httpx.Client, url: str, count: int) -> list[list[Any]]:
    """The next `count` arrivals at the receiver, once they are there (this thread waits in a socket read)."""
    arrivals: list[list[Any]] = client.get(f"{url}/take/{count}").json()
    return arrivals


def _epoch(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp).timestamp()


def measure_latency(*, orders: int, rounds: int, tick: float) -> LatencyResult:
    from impilo_mock import run_in_thread

    seconds: dict[str, list[float]] = {STATUS: [], FULL: []}
    received = 0
    ids: set[str] = set()
    batches: collections.Counter[tuple[str, str]] = collections.Counter()
    expected = rounds * orders * LIFECYCLE_STEPS * 2
    with contextlib.ExitStack() as stack:
        receiver = stack.enter_context(receiver_process())
        server = stack.enter_context(run_in_thread(lifecycle=True, lifecycle_tick=tick))
        plain = stack.enter_context(httpx.Client(timeout=120))
        client = stack.enter_context(
            httpx.Client(base_url=server.base_url, headers={KEY_HEADER: server.api_key}, timeout=30)
        )
        _register(client, receiver)
        body = create_request()
        for _ in range(rounds):
            for _ in range(orders):
                client.post(ORDERS_PATH, json=body).raise_for_status()
            # The creates' own events, then three lifecycle steps of every order.
            arrivals = _take_arrivals(plain, receiver, 2 * orders * (1 + LIFECYCLE_STEPS))
            for arrived, delivery_id, event_type, status, stamp in arrivals:
                if status == INITIAL_STATUS:
                    continue  # made by a request, not by a step of the lifecycle
                received += 1
                ids.add(delivery_id)
                seconds[event_type].append(arrived - _epoch(stamp))
                if event_type == STATUS:
                    batches[(status, stamp)] += 1
    return LatencyResult(seconds, expected, received, len(ids), sorted(batches.values()))


# ---- cost under load ----


class _LoopbackClient:
    """HTTP/1.1 over asyncio streams with idle keep-alive connections: a load generator light enough
    (about 30 µs of CPU a request) that its own cost stays out of the latencies it measures."""

    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        reader, writer = self.idle.pop() if self.idle else await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{KEY_HEADER}: {DEV_KEY}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        answer = await reader.readuntil(b"\r\n\r\n")
        lines = answer.decode("latin-1").split("\r\n")
        length = next(
            (int(v) for k, _, v in (line.partition(":") for line in lines) if k.lower() == "content-length"), 0
        )
        content = await reader.readexactly(length)
        self.idle.append((reader, writer))
        return int(lines[0].split(" ")[1]), content

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def _load(base_url: str, *, rate: float, seconds: float) -> dict[str, list[float]]:
    """Creates and fetches alternating at `rate` requests/s; seconds from each one's due time to its answer."""
    latencies: dict[str, list[float]] = {"create": [], "fetch": []}
    body = json.dumps(create_request()).encode()
    client = _LoopbackClient(base_url)
    _, content = await client.request("POST", ORDERS_PATH, body)
    created = json.loads(content)["id"]

    async def one(kind: str, due: float) -> None:
        nonlocal created
        if kind == "create":
            status, content = await client.request("POST", ORDERS_PATH, body)
        else:
            status, content = await client.request("GET", f"{ORDERS_PATH}/{created}")
        latencies[kind].append(time.perf_counter() - due)
        if status >= 300:
            raise RuntimeError(f"{kind} answered {status}: {content[:200]!r}")
        if kind == "create":
            created = json.loads(content)["id"]

    tasks = []
    start = time.perf_counter() + 0.05
    for n in range(int(rate * seconds)):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one("create" if n % 2 == 0 else "fetch", due)))
    await asyncio.gather(*tasks)
    client.close()
    return latencies


@dataclass
class CostResult:
    p50: dict[tuple[str, str], float]  # (server, endpoint) -> median over rounds of each round's p50
    p99: dict[tuple[str, str], float]  # the same for p99
    ratios: dict[str, list[float]]  # endpoint -> each round's p99 with a dead receiver / without
    requests: int


async def _load_both(urls: dict[str, str], *, rate: float, seconds: float) -> dict[str, dict[str, list[float]]]:
    loads = await asyncio.gather(*(_load(url, rate=rate, seconds=seconds) for url in urls.values()))
    return dict(zip(urls, loads, strict=True))


def measure_cost(*, rate: float, seconds: float, rounds: int) -> CostResult:
    servers = {"dead receiver": python_server("mock"), "no webhooks": python_server("mock")}
    per_round: dict[tuple[str, str], list[tuple[float, float]]] = {}
    ratios: dict[str, list[float]] = {}
    requests = 0
    with contextlib.ExitStack() as stack:
        dead = stack.enter_context(DeadReceiver())
        urls = {name: stack.enter_context(serve(cmd, port, timeout=60)) for name, (cmd, port) in servers.items()}
        with httpx.Client(base_url=urls["dead receiver"], headers={KEY_HEADER: DEV_KEY}, timeout=30) as client:
            for event_type in (STATUS, FULL):
                client.post(WEBHOOKS_PATH, json={"type": event_type, "url": dead.url}).raise_for_status()
        asyncio.run(_load_both(urls, rate=rate, seconds=min(seconds, 0.5)))  # warm-up
        for _ in range(rounds):
            # Both servers at once: a burst from a neighbour on the shared machine falls in the same round for both.
            by_server = asyncio.run(_load_both(urls, rate=rate, seconds=seconds))
            for name, latencies in by_server.items():
                for endpoint, values in latencies.items():
                    requests += len(values)
                    per_round.setdefault((name, endpoint), []).append(
                        (percentile(values, 0.5), percentile(values, 0.99))
                    )
            for endpoint in ("create", "fetch"):
                dead_p99 = per_round[("dead receiver", endpoint)][-1][1]
                ratios.setdefault(endpoint, []).append(dead_p99 / per_round[("no webhooks", endpoint)][-1][1])
    return CostResult(
        p50={key: statistics.median(r[0] for r in rounds_) for key, rounds_ in per_round.items()},
        p99={key: statistics.median(r[1] for r in rounds_) for key, rounds_ in per_round.items()},
        ratios=ratios,
        requests=requests,
    )


# ---- the sections ----


def _batch_summary(batches: list[int]) -> str:
    """`100 (x9)` or `37, 63 (x1), 100 (x6)`: how many orders moved together, and how often."""
    counts = collections.Counter(batches)
    return ", ".join(f"{size} (x{times})" for size, times in sorted(counts.items()))


def run(*, smoke: bool) -> list[Section]:
    orders, latency_rounds, tick = (10, 1, 0.2) if smoke else (100, 3, 1.0)
    rate, seconds, cost_rounds = (40.0, 0.5, 1) if smoke else (200.0, 2.5, 11)
    latency = measure_latency(orders=orders, rounds=latency_rounds, tick=tick)
    every = latency.seconds[STATUS] + latency.seconds[FULL]
    first = Section(
        title=f"Webhook delivery latency ({orders} orders changing at once)",
        columns=["event type", "deliveries", "p50", "p99", "max"],
    )
    for label, values in ((STATUS, latency.seconds[STATUS]), (FULL, latency.seconds[FULL]), ("both", every)):
        if values:
            first.rows.append(
                [label, str(len(values)), ms(percentile(values, 0.5)), ms(percentile(values, 0.99)), ms(max(values))]
            )
    first.goals.append(
        Goal(
            "every event delivered exactly once",
            f"{latency.received} deliveries ({latency.unique} distinct ids) of {latency.expected} expected",
            latency.received == latency.expected == latency.unique,
        )
    )
    first.notes.append(
        f"{latency_rounds} round(s) of {orders} orders taken through the {LIFECYCLE_STEPS} `--lifecycle` steps to "
        f"delivered (tick {tick:g} s); both order webhooks registered at one receiver (a subprocess answering 200 "
        "at once). From the change's own eventTimestamp (millisecond resolution) to the arrival at the receiver. "
        f"Orders changing at the same moment, per step: {_batch_summary(latency.batches)}."
    )

    cost = measure_cost(rate=rate, seconds=seconds, rounds=cost_rounds)
    second = Section(
        title="API latency with a webhook receiver that never answers",
        columns=["endpoint", "server", "p50", "p99"],
    )
    for endpoint in ("create", "fetch"):
        for name in ("no webhooks", "dead receiver"):
            second.rows.append([endpoint, name, ms(cost.p50[(name, endpoint)]), ms(cost.p99[(name, endpoint)])])
        ratio = statistics.median(cost.ratios[endpoint])
        second.goals.append(
            Goal(f"{endpoint} p99 with a dead receiver within 10% of no webhooks", f"{ratio:.2f}x", ratio <= P99_BUDGET)
        )
    spread = "; ".join(f"{endpoint} {min(r):.2f}x to {max(r):.2f}x" for endpoint, r in cost.ratios.items())
    second.notes.append(
        f"{cost_rounds} round(s) of {seconds:g} s, both servers loaded at once, each at {rate:g} requests/s "
        f"(creates and fetches alternating; {cost.requests} requests in all), open loop: each request is timed "
        "from when it was due. Each round's p50 and p99 per server; the table shows their medians over rounds, "
        "the goals the median over rounds of that round's p99 ratio (dead receiver ÷ no webhooks; single rounds "
        f"ranged {spread}). With the dead receiver both order webhooks are registered, so every create queues two "
        f"deliveries whose attempts hang until the mock's {DEFAULT_ATTEMPT_TIMEOUT:g} s attempt timeout."
    )
    return [first, second]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhooks")
    parser.add_argument("command", choices=["receive"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_receive(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
