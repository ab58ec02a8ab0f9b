"""One contract run end to end: pick the target, probe it, learn its ids, run Schemathesis, run the
invariants, write the reports."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from ._checks import tag_body, take_write
from ._engine import new_active_run, run_schemathesis, stderr_progress, writes_enabled
from ._invariants import InvariantContext, run_invariants
from ._known_ids import discover, from_spec
from ._redact import api_key_header, redact
from ._report import summary_text, write_reports
from ._results import SuiteResult
from ._settings import BASE_URL_ENV, Settings, run_id_for
from ._spec import load_contract, request_examples

EMBEDDED = "embedded mock"
PROBE_PATH = "/api/v3/order"


class UsageError(Exception):
    """Bad arguments or an unreachable target: exit code 2, with this one-line reason."""


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    api_key: str
    embedded: bool


@contextmanager
def open_target(settings: Settings, app: Any = None) -> Iterator[Target]:
    """The server under test: `settings.base_url`, else $IMPILO_BASE_URL, else the embedded mock (or `app`)."""
    base_url = settings.base_url or os.environ.get(BASE_URL_ENV) or None
    if base_url is not None and app is None:
        if not base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must start with http:// or https://, got {base_url!r}")
        key = settings.api_key or os.environ.get(settings.api_key_env)
        if not key:
            raise UsageError(f"no API key: set ${settings.api_key_env} (or name another variable with --api-key-env)")
        yield Target(base_url.rstrip("/"), key, embedded=False)
        return
    from impilo_mock import run_in_thread

    # Coverage sends malformed requests on purpose; uvicorn's warning for each is noise here.
    logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
    with run_in_thread(app) as server:
        yield Target(server.base_url, settings.api_key or server.api_key, embedded=app is None)


def probe(client: httpx.Client, base_url: str) -> None:
    try:
        response = client.get(PROBE_PATH, params={"page": 1, "size": 1})
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {base_url}: {type(exc).__name__}: {exc}") from None
    if response.status_code in (401, 403):
        raise UsageError(
            f"{base_url} refused the API key (HTTP {response.status_code}); check ${'{'}IMPILO_API_KEY{'}'}"
        )
    if response.status_code == 404:
        raise UsageError(f"{base_url}{PROBE_PATH} answered 404: is this an Impilo v3 Orders API base URL?")


def run_suite(settings: Settings, *, app: Any = None, progress: Callable[[str], None] | None = None) -> SuiteResult:
    """Run the whole contract suite and return what it found (reports are written if `settings.report_dir`)."""
    say = progress or (stderr_progress if not settings.quiet else (lambda line: None))
    spec = load_contract()
    started = time.monotonic()
    seed = settings.seed if settings.seed is not None else random.randrange(2**31)
    settings.seed = seed
    settings.run_id = settings.run_id or run_id_for(seed)
    with open_target(settings, app) as target:
        label = target.base_url + (f" ({EMBEDDED})" if target.embedded else "")
        writes = writes_enabled(settings, target.base_url)
        result = SuiteResult(
            base_url=label,
            seed=seed,
            run_id=settings.run_id,
            profile=settings.profile,
            read_only=not writes,
            embedded=target.embedded,
            fail_on_drift=settings.fail_on_drift or target.embedded,
        )
        header = api_key_header()
        with httpx.Client(base_url=target.base_url, headers={header: target.api_key}, timeout=30.0) as client:
            probe(client, target.base_url)
            known = from_spec(spec, settings.known_ids)
            seen = discover(client, known)
            run = new_active_run(settings, target.base_url)
            if writes and not known.orders:
                # An empty server: place the docs' example orders so fetch and list have something real.
                for example in request_examples(spec):
                    take_write(run)
                    example = known.remap(example)
                    tag_body(example, settings.write_tag)
                    answer = client.post(PROBE_PATH, json=example)
                    if answer.status_code in (200, 201) and isinstance(answer.json(), dict):
                        run.created.append(answer.json().get("id"))
                seen = discover(client, known)
            mode = "writes on" if writes else "read-only"
            say(f"target {label}; seed {seed}; {mode}; {seen} orders seen; known ids: {known.describe()}")
            run_schemathesis(
                settings,
                run,
                spec=spec,
                base_url=target.base_url,
                api_key=target.api_key,
                known=known,
                result=result,
                progress=say,
            )
            context = InvariantContext(
                client=client,
                base_url=target.base_url,
                key_header=header,
                result=result,
                known=known,
                writes=writes,
                write_tag=settings.write_tag,
                run=run,
                spec=spec,
            )
            run_invariants(context, settings.invariants, say)
            result.orders_created = [order_id for order_id in run.created if isinstance(order_id, int)]
            if run.refused_writes:
                why = "write cap reached" if writes else "read-only run"
                result.notes.append(f"{run.refused_writes} write(s) not sent: {why}")
        if writes and result.orders_created:
            result.notes.append(
                f"{len(result.orders_created)} order(s) created, tagged externalOrderIds `{settings.write_tag}`"
            )
        result.elapsed = time.monotonic() - started
        if settings.report_dir is not None:
            paths = write_reports(result, settings.report_dir, secret=target.api_key)
            result.notes.append("reports: " + ", ".join(str(p) for p in paths))
        if not settings.quiet:
            print(redact(summary_text(result), secrets=(target.api_key,), header=header), flush=True)
    return result
