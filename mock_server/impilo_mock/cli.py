"""`impilo-mock`: serve the mock Impilo Orders API with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ._constants import (
    API_KEYS_ENV,
    DEFAULT_API_KEY,
    DEFAULT_HOST,
    DEFAULT_LIFECYCLE_TICK,
    DEFAULT_PORT,
    DEFAULT_WEBHOOK_RETRY_SCALE,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="impilo-mock",
        description="A stateful mock of the Impilo v3 API: orders and catalog look-ups (seed: the docs' "
        "patient 1234, site 1234, items and kits 1000-1003, and a few more).",
        epilog=f"API keys: --api-key, else ${API_KEYS_ENV} (comma-separated), else the development "
        f"key {DEFAULT_API_KEY!r}. Prefer the environment variable for anything secret: flags show in ps.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port, 0 for any free one (default %(default)s)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file that keeps orders across restarts (default: memory)")
    parser.add_argument(
        "--api-key", metavar="KEY", action="append", dest="api_keys", help="an accepted key; repeat for more"
    )
    parser.add_argument(
        "--lifecycle",
        action="store_true",
        help="advance orders orderPlaced → awaitingShipment → shipped → delivered over time",
    )
    parser.add_argument(
        "--tick",
        type=float,
        default=DEFAULT_LIFECYCLE_TICK,
        metavar="SECONDS",
        help="seconds per lifecycle step (default %(default)s)",
    )
    parser.add_argument(
        "--seed-file",
        metavar="PATH",
        help='JSON {"patients": [...], "sites": [...], "items": [...], "kits": [...]}: records added to '
        "the built-in catalog, or replacing its records by id",
    )
    parser.add_argument(
        "--webhook-retry-scale",
        type=float,
        default=DEFAULT_WEBHOOK_RETRY_SCALE,
        metavar="FACTOR",
        help="multiply the documented webhook retry delays (15, 30, 60 minutes) by this "
        "(default 1/60: 15, 30, 60 seconds; 0 retries at once)",
    )
    parser.add_argument(
        "--webhook-allow-remote",
        action="store_true",
        help="also deliver webhooks to hosts that are not loopback (off: such deliveries are logged, never sent)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (off by default, for speed)")
    return parser


def api_keys_from(flags: Sequence[str] | None, environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """Keys from the flags, else from the environment, else the development default."""
    if flags:
        keys = [key for key in flags if key]
    else:
        keys = [key.strip() for key in environ.get(API_KEYS_ENV, "").split(",") if key.strip()]
    return keys or [DEFAULT_API_KEY]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.tick <= 0:
        print("impilo-mock: --tick must be positive", file=sys.stderr)
        return 2
    if not 0 <= args.webhook_retry_scale < float("inf"):
        print("impilo-mock: --webhook-retry-scale must be a finite number, 0 or more", file=sys.stderr)
        return 2
    # Imported here so --help stays fast.
    import uvicorn

    from ._app import create_app
    from ._seed import Seed, SeedError

    seed = None
    if args.seed_file:
        try:
            seed = Seed.from_file(args.seed_file)
        except SeedError as exc:
            print(f"impilo-mock: --seed-file {exc}", file=sys.stderr)
            return 2
    keys = api_keys_from(args.api_keys, os.environ)
    app = create_app(
        api_keys=keys,
        db_path=args.db,
        lifecycle=args.lifecycle,
        lifecycle_tick=args.tick,
        seed=seed,
        webhook_retry_scale=args.webhook_retry_scale,
        webhook_allow_remote=args.webhook_allow_remote,
    )
    where = args.db or "memory"
    source = "the development default" if keys == [DEFAULT_API_KEY] else f"{len(keys)} configured"
    print(f"impilo-mock: orders in {where}; API keys: {source}", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=args.access_log)
    finally:
        app.state.store.close()
        app.state.webhooks.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
