"""The small HTTP/1.1 client the mock POSTs webhook deliveries with, against scripted receivers:
what it sends, how it reads each way an answer can be framed, and when it reuses a connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import pytest

from impilo_mock._delivery_http import AnswerError, HttpPoster, parse_target

Answer = bytes | None  # None: close the connection without answering


@dataclass
class ScriptedReceiver:
    """Answers the n-th request with `answers[n]` (raw bytes); closes after it when `close_after[n]`."""

    answers: Sequence[Answer]
    close_after: Sequence[bool] = ()
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while len(self.requests) < len(self.answers):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                self.requests.append(head + await reader.readexactly(length))
                n = len(self.requests) - 1
                answer = self.answers[n]
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if n < len(self.close_after) and self.close_after[n]:
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()


def run(receiver: ScriptedReceiver, scenario: Callable[[HttpPoster, str], Awaitable[object]]) -> object:
    async def main() -> object:
        server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        poster = HttpPoster(user_agent="test-agent")
        try:
            return await asyncio.wait_for(scenario(poster, f"http://127.0.0.1:{port}/hook"), timeout=10)
        finally:
            await poster.aclose()
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_the_request_carries_the_body_its_length_the_host_and_the_headers_verbatim() -> None:
    receiver = ScriptedReceiver([OK])

    async def scenario(poster: HttpPoster, url: str) -> object:
        return await poster.post(url + "?a=1", b'{"x":1}', [(b"Impilo-Webhook-Secret", "s\u00e9cret".encode())])

    assert run(receiver, scenario) == 200
    (request,) = receiver.requests
    head, body = request.split(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /hook?a=1 HTTP/1.1"
    assert lines[1].startswith(b"Host: 127.0.0.1:")
    assert b"Content-Length: 7" in lines
    assert "Impilo-Webhook-Secret: s\u00e9cret".encode() in lines
    assert body == b'{"x":1}'


def test_a_connection_is_reused_while_the_receiver_keeps_it_alive() -> None:
    chunked = b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n"
    receiver = ScriptedReceiver([OK, chunked, OK])

    async def scenario(poster: HttpPoster, url: str) -> object:
        return [await poster.post(url, b"{}", []) for _ in range(3)]

    assert run(receiver, scenario) == [200, 503, 200]
    assert receiver.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 204 No Content\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.0 204 No Content\r\n\r\n",
    ],
)
def test_an_answer_that_ends_the_connection_gets_a_new_one_next_time(answer: bytes) -> None:
    receiver = ScriptedReceiver([answer, OK], close_after=[True])

    async def scenario(poster: HttpPoster, url: str) -> object:
        return [await poster.post(url, b"{}", []) for _ in range(2)]

    assert run(receiver, scenario) == [204, 200]
    assert receiver.connections == 2


def test_an_idle_connection_the_receiver_closed_is_replaced_without_failing_the_post() -> None:
    # The receiver closes after its first answer without saying so: the next POST finds it closed.
    receiver = ScriptedReceiver([b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", OK], close_after=[True])

    async def scenario(poster: HttpPoster, url: str) -> object:
        first = await poster.post(url, b"{}", [])
        await asyncio.sleep(0.05)
        return [first, await poster.post(url, b"{}", [])]

    assert run(receiver, scenario) == [200, 200]
    assert receiver.connections == 2


def test_interim_answers_are_skipped_and_a_body_running_to_the_close_is_read() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n\r\nno length, ends at the close"
    receiver = ScriptedReceiver([answer], close_after=[True])

    async def scenario(poster: HttpPoster, url: str) -> object:
        return await poster.post(url, b"{}", [])

    assert run(receiver, scenario) == 201


def test_an_answer_that_is_not_http_is_an_answer_error() -> None:
    receiver = ScriptedReceiver([b"SSH-2.0-OpenSSH\r\n"], close_after=[True])

    async def scenario(poster: HttpPoster, url: str) -> object:
        return await poster.post(url, b"{}", [])

    with pytest.raises(AnswerError, match="status line"):
        run(receiver, scenario)


def test_a_fresh_connection_closed_without_an_answer_is_a_connection_error() -> None:
    receiver = ScriptedReceiver([None])

    async def scenario(poster: HttpPoster, url: str) -> object:
        return await poster.post(url, b"{}", [])

    with pytest.raises(ConnectionResetError):
        run(receiver, scenario)


@pytest.mark.parametrize(
    ("url", "host", "target"),
    [
        ("http://127.0.0.1/a b", b"127.0.0.1", b"/a%20b"),
        ("https://localhost:8443", b"localhost:8443", b"/"),
        ("http://[::1]:80/x?y=a b", b"[::1]", b"/x?y=a%20b"),
        ("http://user:pw@127.0.0.1:9/x#frag", b"127.0.0.1:9", b"/x"),
    ],
)
def test_a_url_becomes_a_host_header_and_a_request_target_with_nothing_unsafe(
    url: str, host: bytes, target: bytes
) -> None:
    parsed = parse_target(url)
    assert (parsed.host_header, parsed.request_target) == (host, target)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "/relative", "http:///nohost"])
def test_a_url_that_is_not_absolute_http_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        parse_target(url)
