"""Sending webhook events: what the mock POSTs, to whom, when, and how often it tries.

Every committed status change of an order (a create, each `--lifecycle` step, a void) is one
event of each order type the spec's `webhooks` name: `order.status` (the payload is the order's
id and the new status event) and `order.statusFull` (the payload is the order as a fetch answers
it). Each goes to every URL registered for its type as an HTTP POST of the JSON envelope
`{id, type, payload}`; `id` is a fresh UUID per delivery and the same on its retries, so a
receiver can drop a repeat. When the account has a secret, the header the spec names
(`Impilo-Webhook-Secret`) carries it verbatim.

Order (FACTS say nothing; this is the mock's promise): the events of one order reach one webhook
in the order they happened. A delivery is not attempted before every earlier event of the same
order to the same webhook was delivered or given up, so a receiver never sees `shipped` after
`delivered`. Deliveries to other webhooks, and of other orders, do not wait for each other. A
test trigger's event is a stream of its own.

Retries (FACTS): an attempt that gets no 2xx (an error status, a timeout, a refused connection)
is retried three times, 15, 30 and then 60 minutes after the attempt before, the minutes scaled
by `retry_scale` (`--webhook-retry-scale`; the default 1/60 makes them 15, 30 and 60 seconds).
After the fourth attempt fails the delivery is given up. Each attempt goes to the webhook's URL
as it is then (a PATCH moves pending deliveries along; a DELETE cancels them) with the secret as
it is then. Redirects are not followed (a 3xx is no 2xx) and no proxy is used: the mock sends
only to the URLs it was given.

Loopback only, unless `allow_remote` (`--webhook-allow-remote`): generated test data registers
arbitrary URLs, and a mock must not send traffic off the machine. Loopback means the name
`localhost` or an IP address in 127.0.0.0/8 or ::1; other names are not resolved (what a name
resolves to can change by the time of sending). A delivery to any other host, or to something
that is not an absolute http(s) URL, is never sent: its delivery log shows one attempt with no
response status, it is not retried (no retry could change the answer), and a warning names each
such URL once.

Never in the way of the API: the store's listener only appends the change to a list and wakes
one dispatcher task on the event loop, which writes the deliveries to SQLite (one transaction for
whatever has piled up) and queues them by stream. `max_concurrent` sender tasks take the streams
whose next delivery is due; each attempt is cut off after `attempt_timeout` seconds, so a slow
or dead receiver holds a few connections, not the server. POSTs go through `_delivery_http`
(asyncio streams, about a hundredth of httpx's CPU per POST: see there). Nothing is lost while
the mock runs: a delivery is in memory only until the next turn of the event loop, then in
SQLite until it is delivered, given up or cancelled; on shutdown the list is written out (a kill
can lose only what changed in the last turn of the loop), and with `--db` a restarted mock
resumes every pending delivery at the time it was due (an attempt cut short by the stop is made
again and not counted: receivers deduplicate by `id`).

Secrets: the secret is read from the store for each attempt and goes only into that request's
header; log lines name the delivery, the URL without user info or query, and the outcome.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import functools
import ipaddress
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import impilo_spec

from ._constants import DEFAULT_WEBHOOK_RETRY_SCALE
from ._delivery_http import HttpPoster
from ._webhooks import DeliveryState, NewDelivery, PendingDelivery, WebhookStore, iso_timestamp

JsonObject = dict[str, Any]

# FACTS: a failed delivery is retried three times, 15, 30 and 60 minutes after the attempt before.
RETRY_DELAYS_MINUTES = (15, 30, 60)
# The default compresses each documented minute into a second (the setting lives with the others).
DEFAULT_RETRY_SCALE = DEFAULT_WEBHOOK_RETRY_SCALE
# Seconds one attempt may take, connecting and answering included (the mock's own choice).
DEFAULT_ATTEMPT_TIMEOUT = 10.0
# Attempts in flight at once, over all receivers.
DEFAULT_MAX_CONCURRENT = 32
# How much of a receiver's answer is read (and dropped): the status is all that counts.
_MAX_ANSWER_BYTES = 64 * 1024
# After an unexpected error in a delivery task (a full disk, say), wait this long and try again.
_TROUBLE_PAUSE = 1.0
_SHUTDOWN_WAIT = 5.0
_USER_AGENT = "impilo-mock-webhooks"
_MAX_REFUSED_URLS_NOTED = 1000
_SECRET_HEADER = impilo_spec.webhook_secret_header().encode("ascii")
_CONTENT_TYPE = (b"Content-Type", b"application/json")

_log = logging.getLogger("impilo_mock.webhooks")


def _order_event_types() -> tuple[str, str]:
    """(status, full) event type names, from the spec's `webhooks`: the full one's payload is the Order."""
    doc = impilo_spec.view()
    status: str | None = None
    full: str | None = None
    for name, item in doc["webhooks"].items():
        envelope_ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        envelope = impilo_spec.resolve(doc, envelope_ref.removeprefix("#"))
        if envelope["properties"]["payload"].get("$ref") == "#/components/schemas/Order":
            full = str(name)
        else:
            status = str(name)
    if status is None or full is None:
        raise RuntimeError("the spec's webhooks must name one order status event and one full order event")
    return status, full


ORDER_STATUS_EVENT, ORDER_STATUS_FULL_EVENT = _order_event_types()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def retry_delays(scale: float) -> tuple[float, ...]:
    """Seconds from each failed attempt to the next one."""
    return tuple(minutes * 60 * scale for minutes in RETRY_DELAYS_MINUTES)


@functools.lru_cache(maxsize=1024)
def refusal(url: str, *, allow_remote: bool) -> str | None:
    """Why the mock will not send to `url`, or None when it may."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here, not while sending
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "not an absolute http or https URL"
    if allow_remote or host == "localhost":
        return None
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    # Names other than localhost are not resolved: what a name resolves to can change by the time of sending.
    return None if loopback else "not a loopback host (start the mock with --webhook-allow-remote to allow it)"


def loggable_url(url: str) -> str:
    """The URL for a log line: scheme, host, port and path, without user info, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "<invalid URL>"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}{parts.path}"[:200]


def render(envelope: JsonObject) -> bytes:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def status_payload(order: JsonObject) -> JsonObject:
    """order.status's payload: the order's id and the event of the change (the last one recorded)."""
    events = order.get("orderEvents") or []
    event = events[-1] if events else {"name": order.get("currentStatus"), "eventTimestamp": None}
    return {"id": order.get("id"), "orderEvent": event}


Event = tuple[str, JsonObject, str]  # (event type, payload, which order it is about)


class Deliverer:
    """Turns status changes and test triggers into deliveries, and sends them (see the module).

    On the event loop: one dispatcher task writes incoming events to SQLite; `max_concurrent`
    sender tasks take streams whose next delivery is due from the ready queue. A stream is the
    deliveries of one order to one webhook, oldest first; only its first delivery is ever
    attempted, so they go out in order. Each stream is in exactly one place at a time: the ready
    queue, a sender's hands, or a timer waiting for its retry.
    """

    def __init__(
        self,
        store: WebhookStore,
        *,
        retry_scale: float = DEFAULT_RETRY_SCALE,
        allow_remote: bool = False,
        attempt_timeout: float = DEFAULT_ATTEMPT_TIMEOUT,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    ) -> None:
        if not (0 <= retry_scale < float("inf")):
            raise ValueError("retry_scale must be a finite number, 0 or more")
        if not attempt_timeout > 0:
            raise ValueError("attempt_timeout must be positive")
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.store = store
        self.retry_delays = retry_delays(retry_scale)
        self.allow_remote = allow_remote
        self.attempt_timeout = attempt_timeout
        self.max_concurrent = max_concurrent
        # Changes and test events not yet written to SQLite; appended from any thread.
        self._incoming: collections.deque[Event] = collections.deque()
        self._incoming_lock = threading.Lock()
        self._wake_scheduled = False
        # Loop-side state, set while running.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._senders: list[asyncio.Task[None]] = []
        self._poster: HttpPoster | None = None
        self._streams: dict[str, collections.deque[PendingDelivery]] = {}
        self._ready: asyncio.Queue[str] = asyncio.Queue()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._refused_urls: set[str] = set()

    def __repr__(self) -> str:
        state = "running" if self._dispatcher is not None else "stopped"
        return f"Deliverer({state}, streams={len(self._streams)}, allow_remote={self.allow_remote})"

    # ---- what comes in (any thread) ----

    def on_status_change(self, order: JsonObject, previous_status: str | None) -> None:
        """The order store's listener: queue the change's events. Only appends; never blocks."""
        store = self.store
        if not (store.webhooks_of(ORDER_STATUS_EVENT) or store.webhooks_of(ORDER_STATUS_FULL_EVENT)):
            return
        about = f"order:{order.get('id')}"
        self._enqueue([(ORDER_STATUS_EVENT, status_payload(order), about), (ORDER_STATUS_FULL_EVENT, order, about)])

    def send_test_event(self, event_type: str, payload: JsonObject) -> None:
        """Queue a test event of `event_type` for every URL registered for it (in a stream of its own)."""
        self._enqueue([(event_type, payload, f"test:{uuid.uuid4().hex}")])

    def _enqueue(self, events: Iterable[Event]) -> None:
        with self._incoming_lock:
            self._incoming.extend(events)
            loop, loop_thread = self._loop, self._loop_thread
            if self._wake_scheduled or loop is None:
                return  # a wake-up is on its way already, or start() picks the events up
            self._wake_scheduled = True
        if threading.get_ident() == loop_thread:
            self._wake.set()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: stop() writes the list out
                loop.call_soon_threadsafe(self._wake.set)

    # ---- running (the event loop of the server) ----

    async def start(self) -> None:
        """Resume the pending deliveries in SQLite and start sending; call in the app's lifespan."""
        if self._dispatcher is not None:
            raise RuntimeError("the deliverer is already running")
        self._poster = HttpPoster(
            user_agent=_USER_AGENT, max_idle_per_origin=self.max_concurrent, max_answer_bytes=_MAX_ANSWER_BYTES
        )
        # Made here, on the loop that will use them.
        self._wake = asyncio.Event()
        self._ready = asyncio.Queue()
        self._start_senders()
        resumed = self.store.pending_deliveries()
        if resumed:
            _log.info("resuming %d pending webhook deliveries", len(resumed))
        self._schedule(resumed)
        with self._incoming_lock:
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            self._wake_scheduled = True
        self._wake.set()  # anything that came in before the start
        self._dispatcher = asyncio.create_task(self._dispatch(), name="impilo-mock-webhook-dispatcher")

    async def stop(self) -> None:
        """Stop sending and write out what is not written yet; pending deliveries stay in SQLite."""
        with self._incoming_lock:
            self._loop = None
            self._loop_thread = None
        tasks = [task for task in (self._dispatcher, *self._senders) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=_SHUTDOWN_WAIT)
        self._dispatcher = None
        self._senders = []
        self._forget_streams()
        with self._incoming_lock:
            self._wake_scheduled = False
        try:
            self._write_incoming()
        except Exception:
            _log.exception("could not write the last webhook events to the database")
        if self._poster is not None:
            await self._poster.aclose()
            self._poster = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Send while the block runs (the app's lifespan): `start()` on entry, `stop()` on exit."""
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def close(self) -> None:
        """Close the store's database connection (after the app stopped serving)."""
        self.store.close()

    def clear(self) -> None:
        """Forget every webhook, the secret and every delivery, waiting or in flight (any thread)."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            self._clear_now()
            return
        done: concurrent.futures.Future[None] = concurrent.futures.Future()

        def clear_on_loop() -> None:
            try:
                self._clear_now()
                done.set_result(None)
            except BaseException as exc:
                done.set_exception(exc)

        try:
            loop.call_soon_threadsafe(clear_on_loop)
        except RuntimeError:  # the loop closed meanwhile
            self._clear_now()
            return
        done.result(timeout=_SHUTDOWN_WAIT)

    def _clear_now(self) -> None:
        running = bool(self._senders)
        for task in self._senders:
            task.cancel()  # an attempt in flight ends here; its row is about to go
        self._senders = []
        self._forget_streams()
        with self._incoming_lock:
            self._incoming.clear()
        self.store.clear()
        if running:
            self._start_senders()

    def _start_senders(self) -> None:
        self._senders = [
            asyncio.create_task(self._send_loop(), name=f"impilo-mock-webhook-sender-{n}")
            for n in range(self.max_concurrent)
        ]

    def _forget_streams(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._streams.clear()
        self._ready = asyncio.Queue()

    async def _dispatch(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            with self._incoming_lock:
                self._wake_scheduled = False
            try:
                self._schedule(self._write_incoming())
            except Exception:
                # The events stay in memory when the write failed; try again shortly.
                _log.exception("could not write webhook events to the database; trying again")
                await asyncio.sleep(_TROUBLE_PAUSE)
                self._wake.set()

    def _write_incoming(self) -> list[PendingDelivery]:
        """Write every queued event as deliveries, one per webhook of its type, in one transaction."""
        with self._incoming_lock:
            events = list(self._incoming)
        if not events:
            return []
        due = now_ms()
        deliveries = [
            NewDelivery(
                delivery_id=(delivery_id := str(uuid.uuid4())),
                webhook_id=webhook.id,
                webhook_type=event_type,
                stream=f"{webhook.id}:{about}",
                body=render({"id": delivery_id, "type": event_type, "payload": payload}),
                due_ms=due,
            )
            for event_type, payload, about in events
            for webhook in self.store.webhooks_of(event_type)
        ]
        added = self.store.add_deliveries(deliveries)
        with self._incoming_lock:
            # Only now are they in SQLite; anything appended meanwhile stays for the next round.
            for _ in range(len(events)):
                self._incoming.popleft()
        return added

    def _schedule(self, deliveries: Sequence[PendingDelivery]) -> None:
        """Queue each delivery behind the earlier ones of its stream; a new stream gets going."""
        for pending in deliveries:
            queue = self._streams.get(pending.stream)
            if queue is None:
                self._streams[pending.stream] = collections.deque([pending])
                self._activate(pending.stream, pending)
            else:
                queue.append(pending)

    def _activate(self, stream: str, head: PendingDelivery) -> None:
        """Put a stream in the ready queue, or on a timer until its first delivery is due."""
        wait = head.next_attempt_ms / 1000 - time.time()
        if wait <= 0:
            self._ready.put_nowait(stream)
        else:
            self._timers[stream] = asyncio.get_running_loop().call_later(wait, self._due, stream)

    def _due(self, stream: str) -> None:
        self._timers.pop(stream, None)
        if stream in self._streams:
            self._ready.put_nowait(stream)

    async def _send_loop(self) -> None:
        while True:
            stream = await self._ready.get()
            queue = self._streams.get(stream)
            if not queue:
                continue
            head = queue[0]
            try:
                finished = await self._attempt(head)
            except Exception:
                # The delivery stays pending in SQLite; try it again shortly.
                _log.exception("webhook delivery %s ran into trouble; trying again", head.delivery_id)
                head.next_attempt_ms = now_ms() + round(_TROUBLE_PAUSE * 1000)
                finished = False
            if self._streams.get(stream) is not queue:
                continue  # cleared meanwhile
            if finished:
                queue.popleft()
                if not queue:
                    del self._streams[stream]
                    continue
            self._activate(stream, queue[0])

    async def _attempt(self, pending: PendingDelivery) -> bool:
        """One attempt of a delivery; True when it is finished (delivered, given up, refused, cancelled)."""
        target = self.store.attempt_target(pending)
        if target is None:
            return True  # its webhook was deleted, or the store cleared
        started = now_ms()
        where = loggable_url(target.url)
        why_not = refusal(target.url, allow_remote=self.allow_remote)
        if why_not is not None:
            if target.url not in self._refused_urls and len(self._refused_urls) < _MAX_REFUSED_URLS_NOTED:
                # Once per URL: generated test data registers many, and every delivery is in the logs anyway.
                self._refused_urls.add(target.url)
                _log.warning("webhook deliveries to %s are not sent: %s", where, why_not)
            self.store.record_attempt(
                pending, url=target.url, at_ms=started, status=None, state=DeliveryState.REFUSED, next_attempt_ms=0
            )
            return True
        status, failure = await self._post(target.url, target.body, target.secret)
        made = target.attempts + 1
        if status is not None and 200 <= status < 300:
            state, next_ms = DeliveryState.DELIVERED, 0
        elif made <= len(self.retry_delays):
            state, next_ms = DeliveryState.PENDING, started + round(self.retry_delays[made - 1] * 1000)
        else:
            state, next_ms = DeliveryState.FAILED, 0
        self.store.record_attempt(
            pending, url=target.url, at_ms=started, status=status, state=state, next_attempt_ms=next_ms
        )
        if state is DeliveryState.DELIVERED:
            return True
        outcome = f"answered {status}" if status is not None else f"no answer ({failure})"
        if state is DeliveryState.FAILED:
            _log.warning(
                "webhook delivery %s to %s %s; given up after %d attempts", pending.delivery_id, where, outcome, made
            )
            return True
        _log.info(
            "webhook delivery %s to %s %s; retry %d of %d at %s",
            pending.delivery_id,
            where,
            outcome,
            made,
            len(self.retry_delays),
            iso_timestamp(next_ms),
        )
        pending.next_attempt_ms = next_ms
        return False

    async def _post(self, url: str, body: bytes, secret: str | None) -> tuple[int | None, str]:
        """One POST: the status the receiver answered, or None and what went wrong."""
        assert self._poster is not None
        headers = [_CONTENT_TYPE]
        if secret is not None:
            # Verbatim: the secret's own bytes (UTF-8), whatever characters it has.
            headers.append((_SECRET_HEADER, secret.encode("utf-8")))
        try:
            async with asyncio.timeout(self.attempt_timeout):
                return await self._poster.post(url, body, headers), ""
        except TimeoutError:
            return None, f"no answer within {self.attempt_timeout:g} s"
        except Exception as exc:  # whatever went wrong, the attempt failed; the mock carries on
            return None, type(exc).__name__
