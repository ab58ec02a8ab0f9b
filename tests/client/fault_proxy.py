"""A loopback HTTP proxy in front of the mock that breaks order creates in the ways networks do.

Every POST to the order path takes the next fault from a script; everything else passes through.
- "pass": forwarded, and the answer relayed.
- "drop-after-store": forwarded (the mock stores the order), then the connection is closed with no answer.
- "502-after-store": forwarded, then a proxy's 502 Bad Gateway instead of the answer.
- "slow-after-store": forwarded, then the answer is held back past the client's timeout.
- "503-before-store": not forwarded; a 503 (the order is never stored).
- "reset-before-store": not forwarded; the connection is closed with no answer.
GETs fail with 500 while `break_lookups` is set (a look-up that itself fails).
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from typing import Any

import httpx

ORDER_PATH = "/api/v3/order"
SLOW_SECONDS = 1.5


class FaultProxy:
    def __init__(self, upstream: str, faults: list[str]) -> None:
        self.upstream = upstream
        self.faults = list(faults)
        self.break_lookups = False
        self.posts_forwarded = 0
        self.lookups = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _relay(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self, body: bytes) -> httpx.Response:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                return httpx.request(self.command, outer.upstream + self.path, headers=headers, content=body)

            def _drop(self) -> None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

            def do_GET(self) -> None:
                outer.lookups += self.path.startswith(ORDER_PATH + "?")
                if outer.break_lookups:
                    self._relay(500, {"Content-Type": "application/json"}, b'{"message": "down"}')
                    return
                answer = self._forward(b"")
                self._relay(answer.status_code, dict(answer.headers), answer.content)

            def do_POST(self) -> None:
                body = self._body()
                fault = outer.faults.pop(0) if outer.faults else "pass"
                if fault == "503-before-store":
                    self._relay(503, {"Content-Type": "text/plain"}, b"unavailable")
                    return
                if fault == "reset-before-store":
                    self._drop()
                    return
                answer = self._forward(body)
                outer.posts_forwarded += 1
                if fault == "drop-after-store":
                    self._drop()
                elif fault == "502-after-store":
                    self._relay(502, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>")
                elif fault == "slow-after-store":
                    time.sleep(SLOW_SECONDS)
                    self._relay(answer.status_code, dict(answer.headers), answer.content)
                else:
                    self._relay(answer.status_code, dict(answer.headers), answer.content)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a held-back answer must not hold up the test's teardown
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
