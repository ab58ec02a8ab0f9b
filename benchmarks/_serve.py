"""Serve one benchmark app with uvicorn in this process: `python -m benchmarks._serve KIND --port P`.

Kinds: `mock` (impilo_mock.create_app), `bare` (the fixed-order ceiling), `mock-latency` (the mock
with --latency-ms added to every list request). Every kind runs on the same uvicorn settings (one
worker, no access log), so the servers differ only in the app.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn


def build(kind: str, latency_ms: float) -> object:
    from .apps import bare_order_app, with_latency

    if kind == "bare":
        return bare_order_app()
    from impilo_mock import create_app

    app = create_app()
    return with_latency(app, latency_ms / 1000) if kind == "mock-latency" else app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._serve")
    parser.add_argument("kind", choices=["mock", "bare", "mock-latency"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    app = build(args.kind, args.latency_ms)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
