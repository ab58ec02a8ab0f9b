"""Webhook receivers for the mock's webhook tests, on 127.0.0.1: one that records every delivery
and answers from a script of statuses, and one that accepts connections and never answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Arrival:
    """One POST the receiver got: when, where, its headers (lower-case names) and its JSON body."""

    at: float
    path: str
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.raw)
        return parsed

    @property
    def status_name(self) -> str:
        """The status the event reports, whatever its type."""
        payload = self.body["payload"]
        if "orderEvent" in payload:
            return str(payload["orderEvent"]["name"])
        return str(payload["currentStatus"])


class Receiver:
    """Records every POST; answers a path the statuses its `scripts` entry lists in turn, then `then`."""

    def __init__(self, scripts: Mapping[str, Sequence[int]] | None = None, then: int = 200) -> None:
        self.scripts = {path: list(statuses) for path, statuses in (scripts or {}).items()}
        self.then = then
        self.arrivals: list[Arrival] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrival = Arrival(time.time(), self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
                with receiver._changed:
                    script = receiver.scripts.get(self.path)
                    status = script.pop(0) if script else receiver.then
                    receiver.arrivals.append(arrival)
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="receiver", daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[Arrival]:
        """The arrivals once there are at least `count` (AssertionError naming what came, after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.arrivals) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.arrivals)} of {count} deliveries arrived: {self.summary()}")
                self._changed.wait(left)
            return list(self.arrivals)

    def summary(self) -> list[tuple[str, str, str]]:
        return [(a.path, a.body["type"], a.status_name) for a in self.arrivals]


class DeadReceiver:
    """Accepts every connection, reads what comes and never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = int(self._listener.getsockname()[1])
        self.connections = 0
        self._open: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="dead-receiver", daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._open.append(connection)  # held open, never read from, never answered

    def __enter__(self) -> DeadReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        for connection in self._open:
            connection.close()
        self._listener.close()


def wait_until(condition: Any, *, timeout: float = 10.0, what: str = "the condition") -> Any:
    """Poll `condition()` until it is truthy; its value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout:g} s (last: {value!r})")
        time.sleep(0.01)


def by_type(arrivals: Sequence[Arrival], event_type: str) -> Iterator[Arrival]:
    return (a for a in arrivals if a.body["type"] == event_type)
