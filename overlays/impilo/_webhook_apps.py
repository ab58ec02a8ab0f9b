"""Receiving deliveries in a web app: an ASGI app and a WSGI app around `parse` and a Deduplicator.

Both do the same thing, in this order, and answer what makes Impilo do the right thing next
(it retries anything but a 2xx; FACTS):

    not POST                              405, Allow: POST
    body over max_body_bytes              413
    missing or wrong secret               401   (WebhookVerificationError; logged as a warning)
    body not JSON, bad envelope/payload   400   (the same; the reason is in the answer and the log)
    handled before (a retry)              200   {"status": "duplicate"}; the handler is not called
    being handled right now               409   so Impilo tries again later, in case this one fails
    the handler raised                    500   so Impilo retries; the delivery is not marked handled
    the handler returned                  200   {"status": "handled"}

Every event reaches the handler, an UnknownEvent too (skip it there). The content type is not
checked: the body is read as JSON whatever it says. Only the path's owner decides the URL: the
apps answer on any path, so they can be mounted anywhere.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from ._exceptions import WebhookVerificationError
from ._webhook_dedup import Claim, Deduplicator
from ._webhook_events import WebhookEvent, read_delivery, shown
from ._webhook_secret import Headers, SecretCheck

# Far above any order event (the docs' full order is about 3 KB), yet bounded: a sender cannot
# make the receiver hold an unbounded body in memory.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024

logger = logging.getLogger("impilo.webhooks")

Handler = Callable[[WebhookEvent], object]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer to a delivery: status, a small JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()

    def encoded(self) -> bytes:
        return json.dumps(self.body).encode("utf-8")

    def header_pairs(self) -> list[tuple[str, str]]:
        body = self.encoded()
        return [("content-type", "application/json"), ("content-length", str(len(body))), *self.headers]


def _error(status: int, error: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, {"status": status, "error": error, "message": message}, headers)


METHOD_NOT_ALLOWED = _error(405, "method-not-allowed", "webhook deliveries are POST", (("allow", "POST"),))
_SECRET_REASONS = frozenset({"missing-secret", "wrong-secret"})


class Receiver:
    """What both adapters share: verify, deduplicate, hand over, and the answer for each outcome."""

    __slots__ = ("_check", "deduplicator", "handler", "max_body_bytes", "strict")

    def __init__(
        self,
        handler: Handler,
        *,
        secret: str | None,
        deduplicator: Deduplicator | None,
        max_body_bytes: int,
        strict: bool,
    ) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {type(handler).__name__}")
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be a positive integer, got {max_body_bytes!r}")
        self.handler = handler
        self._check = SecretCheck(secret)
        self.deduplicator = Deduplicator() if deduplicator is None else deduplicator
        self.max_body_bytes = max_body_bytes
        self.strict = strict

    def settings(self) -> str:
        """The receiver's settings for a repr: the secret only as set or none."""
        return (
            f"handler={self.handler!r}, secret={'set' if self._check.is_set else 'none'}, "
            f"deduplicator={self.deduplicator!r}, max_body_bytes={self.max_body_bytes}, strict={self.strict}"
        )

    def __repr__(self) -> str:
        return f"Receiver({self.settings()})"

    def too_large(self) -> Reply:
        return _error(413, "too-large", f"the body is over {self.max_body_bytes} bytes")

    def start(self, body: bytes, headers: Headers) -> Reply | WebhookEvent:
        """The event to hand to the handler (claimed as in progress), or the answer without it."""
        try:
            event = read_delivery(self._check, body, headers, strict=self.strict)
        except WebhookVerificationError as refused:
            logger.warning("webhook delivery refused: %s", refused)
            return _error(401 if refused.reason in _SECRET_REASONS else 400, refused.reason, refused.detail)
        claim = self.deduplicator.claim(event)
        if claim is Claim.DUPLICATE:
            logger.info("webhook delivery %s %s handled before; not handled again", event.type, shown(event.id))
            return Reply(200, {"status": "duplicate"})
        if claim is Claim.IN_PROGRESS:
            logger.info("webhook delivery %s %s is being handled; asked for a retry", event.type, shown(event.id))
            return _error(409, "in-progress", "this delivery is being handled; try again later")
        return event

    # The handler runs in these two methods, whose frames hold the event and nothing else: the
    # traceback of a handler's exception starts here, so a reporter that records each frame's
    # variables (Sentry does) finds no request headers, hence no secret, in it.

    def handle(self, event: WebhookEvent) -> Reply:
        """Call a plain-function handler with a claimed event; the answer for what it did."""
        try:
            result = self.handler(event)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()  # never awaited: close it rather than leave a warning behind
                raise TypeError("the handler returned an awaitable; a WSGI app needs a plain function (use asgi_app)")
        except Exception as failure:
            return self.finish(event, failure)
        except BaseException:
            self.abandon(event)
            raise
        return self.finish(event, None)

    async def handle_async(self, event: WebhookEvent) -> Reply:
        """Call the handler with a claimed event, awaiting what it returns if it is awaitable."""
        try:
            result = self.handler(event)
            if inspect.isawaitable(result):
                await result
        except Exception as failure:
            return self.finish(event, failure)
        except BaseException:  # cancelled, or the process is stopping: nothing to answer
            self.abandon(event)
            raise
        return self.finish(event, None)

    def abandon(self, event: WebhookEvent) -> None:
        """Release the claim of a handling stopped from outside (cancelled): a retry is handled afresh."""
        self.deduplicator.release(event, handled=False)

    def finish(self, event: WebhookEvent, failure: Exception | None) -> Reply:
        """The answer once the handler returned (failure None) or raised; the claim is released."""
        self.deduplicator.release(event, handled=failure is None)
        if failure is None:
            return Reply(200, {"status": "handled"})
        logger.error(
            "webhook handler failed on %s delivery %s; answered 500 so Impilo retries",
            event.type,
            shown(event.id),
            exc_info=failure,
        )
        # Not the exception's text: it may say things about the receiver its sender should not see.
        return _error(500, "handler-failed", "the receiver failed to handle the delivery")


def _content_length(value: str | bytes | None) -> int | None:
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


class WebhookASGIApp:
    """An ASGI 3 app that receives deliveries (see the module docstring); made by `asgi_app`.

    An `async def` handler is awaited; a plain function runs on the event loop, so keep it quick
    (queue the work) or make it async. Answers the lifespan protocol, so it can run on its own
    (`uvicorn module:app`) or be mounted in a Starlette or FastAPI app.
    """

    __slots__ = ("receiver",)

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def __repr__(self) -> str:
        return f"WebhookASGIApp({self.receiver.settings()})"

    @property
    def deduplicator(self) -> Deduplicator:
        return self.receiver.deduplicator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"WebhookASGIApp serves HTTP only, not {scope['type']!r}")
        if scope["method"] != "POST":
            await _send_reply(send, METHOD_NOT_ALLOWED)
            return
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        declared = _content_length(next((v for k, v in headers if k.lower() == b"content-length"), None))
        if declared is not None and declared > self.receiver.max_body_bytes:
            await _send_reply(send, self.receiver.too_large())
            return
        body = await self._read_body(receive)
        if body is None:
            return  # the sender went away
        if len(body) > self.receiver.max_body_bytes:
            await _send_reply(send, self.receiver.too_large())
            return
        started = self.receiver.start(body, headers)
        del headers, scope  # see Receiver.handle
        if isinstance(started, Reply):
            await _send_reply(send, started)
            return
        await _send_reply(send, await self.receiver.handle_async(started))

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or the first max_body_bytes + 1 of it; None if the client disconnected."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > self.receiver.max_body_bytes or not message.get("more_body", False):
                return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _send_reply(send: Send, reply: Reply) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in reply.header_pairs()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.encoded()})


class WebhookWSGIApp:
    """A WSGI app that receives deliveries (see the module docstring); made by `wsgi_app`.

    The handler is a plain function (for an `async def` one, use `asgi_app`). Mount it in Flask
    with `DispatcherMiddleware`, or serve it alone (`gunicorn module:app`).
    """

    __slots__ = ("receiver",)

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def __repr__(self) -> str:
        return f"WebhookWSGIApp({self.receiver.settings()})"

    @property
    def deduplicator(self) -> Deduplicator:
        return self.receiver.deduplicator

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        reply = self._reply(environ)
        status = HTTPStatus(reply.status)
        start_response(f"{status.value} {status.phrase}", reply.header_pairs())
        return [reply.encoded()]

    def _reply(self, environ: WSGIEnvironment) -> Reply:
        if environ.get("REQUEST_METHOD") != "POST":
            return METHOD_NOT_ALLOWED
        limit = self.receiver.max_body_bytes
        declared = _content_length(environ.get("CONTENT_LENGTH") or None)
        if declared is not None and declared > limit:
            return self.receiver.too_large()
        stream = environ["wsgi.input"]
        if declared is not None:
            body = stream.read(declared)
        elif environ.get("wsgi.input_terminated"):  # chunked: the server marks the end of the body
            body = stream.read(limit + 1)
        else:  # PEP 3333: no CONTENT_LENGTH and no end marker means no body
            body = b""
        if len(body) > limit:
            return self.receiver.too_large()
        started = self.receiver.start(body, environ)
        return started if isinstance(started, Reply) else self.receiver.handle(started)


def asgi_app(
    handler: Handler,
    *,
    secret: str | None,
    deduplicator: Deduplicator | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    strict: bool = False,
) -> WebhookASGIApp:
    """An ASGI app that verifies each delivery, skips retries already handled, and calls `handler`.

    handler: called with each new event (an `async def` is awaited); raising makes the answer a
        500, so Impilo delivers it again later.
    secret: the account's webhook secret, or None if none is set (see `parse`).
    deduplicator: where handled deliveries are remembered; a new in-memory one by default
        (one process only: see Deduplicator).
    max_body_bytes: a longer body is answered 413 without being read whole.
    strict: drift in an order event's payload is a 400 instead of a warning (see `parse`).
    """
    return WebhookASGIApp(
        Receiver(handler, secret=secret, deduplicator=deduplicator, max_body_bytes=max_body_bytes, strict=strict)
    )


def wsgi_app(
    handler: Handler,
    *,
    secret: str | None,
    deduplicator: Deduplicator | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    strict: bool = False,
) -> WebhookWSGIApp:
    """A WSGI app that does what `asgi_app` does, for a plain-function handler."""
    if inspect.iscoroutinefunction(handler):
        raise TypeError("wsgi_app needs a plain function; for an async def handler use asgi_app")
    return WebhookWSGIApp(
        Receiver(handler, secret=secret, deduplicator=deduplicator, max_body_bytes=max_body_bytes, strict=strict)
    )
