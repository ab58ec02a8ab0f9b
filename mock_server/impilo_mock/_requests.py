"""Reading a request: its JSON body (with the size limit, the content type and strict JSON), and
its query parameters as lists. Shared by every route that takes a body or a query.

Refusals, as the spec's write operations document them: 415 unless Content-Type is
application/json; 413 past MAX_BODY_BYTES, by Content-Length and by counting the stream (a
chunked body has no length); 400 for a bad Content-Length, a client gone mid-body, a body that is
not UTF-8 JSON, NaN/Infinity, nesting too deep to parse, or a lone UTF-16 surrogate (legal JSON
syntax, but no character: it could never be stored or sent back).
"""

from __future__ import annotations

import json
import re

from starlette.requests import Request
from starlette.types import Receive, Scope

from ._constants import MAX_BODY_BYTES
from ._errors import ApiError

JSON_MEDIA_TYPE = "application/json"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes) -> object:
    """A request body as JSON, or ApiError 400 saying why not."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_no_constants)
        if _SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "the body is not valid JSON: a string holds an unpaired UTF-16 surrogate") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {str(exc)[:200]}") from None
    return value


def is_json(content_type: str | bytes | None) -> bool:
    """Whether a Content-Type header value is application/json (parameters such as charset allowed)."""
    if content_type is None:
        return False
    text = content_type.decode("latin-1") if isinstance(content_type, bytes) else content_type
    return text.split(";", 1)[0].strip().lower() == JSON_MEDIA_TYPE


async def read_body(scope: Scope, receive: Receive) -> bytes:
    """The raw body of an ASGI request, refused with 400/413/415 as the module docstring says."""
    content_type = declared = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            declared = value
    if not is_json(content_type):
        raise ApiError(415, f"the body must be {JSON_MEDIA_TYPE}")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise ApiError(400, "Content-Length must be a non-negative integer")
        if int(declared) > MAX_BODY_BYTES:
            raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # Nobody is left to read the answer; a 4xx keeps it out of the server-error log.
            raise ApiError(400, "the client went away before the body was complete")
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > MAX_BODY_BYTES:
            raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_json(request: Request) -> object:
    """A Starlette request's body as JSON (see read_body and parse_json)."""
    return parse_json(await read_body(request.scope, request.receive))


def query_lists(request: Request) -> dict[str, list[str]]:
    """Every query parameter with all its values, in the order given."""
    found: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        found.setdefault(name, []).append(value)
    return found
