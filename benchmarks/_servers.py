"""Starting servers in subprocesses for the benchmarks, and waiting until they answer."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from impilo_mock import DEFAULT_API_KEY
from impilo_spec import api_key_header

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEV_KEY = DEFAULT_API_KEY  # the mock's documented development key
KEY_HEADER = api_key_header()  # the spec's security scheme
PRISM_DIR = Path(os.environ.get("IMPILO_BENCH_CACHE", Path.home() / ".cache" / "impilo-bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering")
        try:
            httpx.get(url, headers={KEY_HEADER: DEV_KEY}, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer {url} within {timeout:.0f} s")


@contextlib.contextmanager
def serve(cmd: list[str], port: int, *, probe: str = "/api/v3/order/1", timeout: float = 30.0) -> Iterator[str]:
    """Run `cmd` (a server listening on `port`) until the block ends; yields its base URL."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base_url = f"http://{HOST}:{port}"
    try:
        try:
            _wait_until_up(proc, base_url + probe, timeout)
        except RuntimeError as exc:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise RuntimeError(f"{cmd[0]}: {exc}: {err.decode(errors='replace')[-500:]}") from None
        yield base_url
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # prism spawns children; end the whole group
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def python_server(kind: str, *, latency_ms: float = 20.0) -> tuple[list[str], int]:
    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks._serve", kind, "--port", str(port), "--latency-ms", str(latency_ms)]
    return cmd, port


def prism_binary() -> Path | None:
    """Prism installed by `npm install --prefix ~/.cache/impilo-bench @stoplight/prism-cli@5.16.0`, if it is."""
    path = PRISM_DIR / "node_modules" / ".bin" / "prism"
    return path if path.exists() and shutil.which("node") else None


def prism_server() -> tuple[list[str], int] | None:
    binary = prism_binary()
    if binary is None:
        return None
    port = free_port()
    # -v silent: Prism's fastest setting (its default logs every request, which costs it about half its speed).
    return [str(binary), "mock", "-v", "silent", "-h", HOST, "-p", str(port), str(ROOT / "openapi.yaml")], port


def create_orders(base_url: str, count: int, body: dict[str, object], *, concurrency: int = 16) -> None:
    """POST `count` creates to a running mock, `concurrency` at a time."""
    import asyncio

    async def fill() -> None:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(base_url=base_url, headers={KEY_HEADER: DEV_KEY}, limits=limits) as client:
            semaphore = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with semaphore:
                    response = await client.post("/api/v3/order", json=body)
                    response.raise_for_status()

            await asyncio.gather(*(one() for _ in range(count)))

    asyncio.run(fill())
