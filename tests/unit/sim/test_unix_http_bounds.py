"""Requests to a machine's unix sockets are bounded before they are read whole (issue 22).

Headers over Go's ``DefaultMaxHeaderBytes`` are answered 431, as Go's net/http server (snapd's)
answers them; a declared body over 1 MiB (snapd's bound for what it reads of a form whole,
``daemon/api_sideload_n_try.go`` ``maxReadBuflen``) is answered 413 from its
``Content-Length``, before a byte of it is read or kept.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from orchestrator import sim
from orchestrator.agent.confinement import Captured, confined
from orchestrator.agent.dispatch import _agent_socket
from orchestrator.sim import MAX_BODY_BYTES, MAX_HEADER_BYTES, HttpRequest, HttpResponse
from orchestrator.sim.unix_http import RequestTooLargeError, error_response, parse_request

HEAD = b'POST /v2/snaps/maas HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n'


def test_a_body_is_refused_from_its_declared_length():
    with pytest.raises(RequestTooLargeError) as raised:
        parse_request(HEAD % (MAX_BODY_BYTES + 1))  # not a byte of the body yet
    assert raised.value.status == 413
    answer = error_response(raised.value)
    assert answer.status == 413
    assert answer.body.startswith(b'413 Request Entity Too Large: a body of 1048577 bytes')


def test_a_body_at_the_bound_is_read():
    request = parse_request(HEAD % MAX_BODY_BYTES + b'x' * MAX_BODY_BYTES)
    assert request is not None and len(request.body) == MAX_BODY_BYTES


def test_headers_without_end_are_refused_past_gos_bound():
    assert parse_request(b'GET / HTTP/1.1\r\nX: ' + b'a' * (MAX_HEADER_BYTES - 100)) is None
    with pytest.raises(RequestTooLargeError) as raised:
        parse_request(b'GET / HTTP/1.1\r\nX: ' + b'a' * MAX_HEADER_BYTES)
    assert error_response(raised.value).body.startswith(
        b'431 Request Header Fields Too Large: headers over'
    )


@pytest.mark.parametrize('length', [b'-5', b'lots', b'1e9'])
def test_a_length_that_is_not_a_number_is_a_bad_request(length: bytes):
    with pytest.raises(ValueError, match='bad Content-Length') as raised:
        parse_request(b'GET / HTTP/1.1\r\nContent-Length: ' + length + b'\r\n\r\n')
    assert error_response(raised.value).status == 400


def test_the_in_process_socket_keeps_at_most_one_request():
    """A charm writing 8 MiB to snapd's socket is answered 413; olm kept about 2 MiB."""
    world = sim.World(sleep=lambda _: None)
    host = world.add_machine('0', hostname='node-01', addresses=['10.0.0.1'])
    with confined(host, Captured()):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect('/run/snapd.socket')
        client.sendall(HEAD % (8 << 20))
        for _ in range(8):
            client.sendall(b'x' * (1 << 20))
        kept = len(client._sent)  # type: ignore[attr-defined]  # pyright: ignore
        client.shutdown(socket.SHUT_WR)
        received = b''
        while chunk := client.recv(65536):
            received += chunk
        client.close()
    assert received.startswith(b'HTTP/1.1 413 ')
    assert kept <= MAX_HEADER_BYTES + MAX_BODY_BYTES + 1


def test_the_dispatch_sockets_answer_413_before_reading_the_body(tmp_path: Path):
    """olm's end of a machine socket under the dispatch runner: one connection, one answer."""
    path = tmp_path / 'snapd.socket'
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    served: list[HttpRequest] = []

    def serve(request: HttpRequest) -> HttpResponse:
        served.append(request)
        return HttpResponse(200, b'{}')

    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(path))
    client.sendall(HEAD % (1 << 40))  # a terabyte declared, never sent
    server = threading.Thread(target=_agent_socket._serve_http, args=(listener, serve))  # pyright: ignore[reportPrivateUsage]
    server.start()
    server.join(timeout=30)
    received = b''
    while chunk := client.recv(65536):
        received += chunk
    client.close()
    listener.close()
    assert received.startswith(b'HTTP/1.1 413 ')
    assert served == []


def test_a_hook_tool_call_is_bounded():
    class Endless:
        def __init__(self) -> None:
            self.sent = 0

        def recv(self, size: int) -> bytes:
            self.sent += size
            return b'x' * size

    conn = Endless()
    with pytest.raises(ValueError, match='request over 67108864 bytes'):
        _agent_socket._read_request(conn)  # type: ignore[arg-type]  # pyright: ignore
    assert conn.sent <= _agent_socket.MAX_REQUEST_BYTES + 65536
