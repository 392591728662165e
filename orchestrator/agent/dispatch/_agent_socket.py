"""The unit agent's side of a sandboxed hook: its socket, and the process it waits for.

Juju's unit agent answers hook tools on a socket while the hook runs (juju/juju
``internal/worker/uniter/runner/jujuc/server.go``: one request per connection, the hook's
context looked up by ``JUJU_CONTEXT_ID``). olm does it in the thread that runs the hook: one
loop waits on the socket, the hook's stdout and stderr, and its exit, and answers each call
before taking the next, so the model is only ever touched from one thread.

The same loop answers the unix sockets the simulated machine serves (snapd's API on
``/run/snapd.socket``): one HTTP request per connection, read whole (:func:`parse_request
<orchestrator.sim.parse_request>`), answered by the machine, and the connection closed, as
``urllib`` (``Connection: close``) expects.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import io
import selectors
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, cast

from ...sim import HttpRequest, HttpResponse, error_response, parse_request
from ...sim import encode_response as encode_http
from ._protocol import ProtocolError, Request, decode_request, encode_response

__all__ = ['Answer', 'HookProcess', 'ServeHttp', 'run_hook_process']

Answer = Callable[[Request], tuple[int, bytes, bytes]]
"""What olm does with a call: its exit status, stdout and stderr."""

ServeHttp = Callable[[HttpRequest], HttpResponse]
"""What the machine answers one HTTP request on one of its sockets."""

_HTTP_READ_TIMEOUT = 30.0
"""Seconds a client has to send its whole request once connected."""


class HookProcess:
    """What a finished hook process left: exit status and output, line by line."""

    def __init__(self, returncode: int, output: list[tuple[str, str]], timed_out: bool) -> None:
        self.returncode = returncode
        self.output = output
        self.timed_out = timed_out


MAX_REQUEST_BYTES: Final = 64 << 20
"""The most a hook tool's call may send (arguments and standard input): olm's bound, not Juju's.
The largest input a hook tool takes whole is secret content, which Juju caps at 1 MB
(``secret-add``); relation settings and action results are far smaller in practice."""


def _read_request(conn: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return b''.join(chunks)
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ProtocolError(f'request over {MAX_REQUEST_BYTES} bytes')
        chunks.append(chunk)


def _listen(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(8)
    listener.setblocking(False)
    return listener


def run_hook_process(
    argv: list[str],
    socket_path: Path,
    answer: Answer,
    *,
    timeout: float,
    served: Mapping[Path, ServeHttp] | None = None,
) -> HookProcess:
    """Run ``argv`` (the sandbox) with the agent socket listening; answer its calls.

    ``served`` are the machine's sockets (bound here, mounted in the sandbox) and what answers
    each. ``timeout`` bounds the hook's wall time; past it the process is killed.
    """
    listener = _listen(socket_path)
    http_listeners = {_listen(path): serve for path, serve in (served or {}).items()}
    output: list[tuple[str, str]] = []
    partial = {'stdout': b'', 'stderr': b''}
    with contextlib.ExitStack() as stack:
        stack.callback(listener.close)
        for extra in http_listeners:
            stack.callback(extra.close)
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        stack.callback(_reap, proc)
        assert proc.stdout is not None and proc.stderr is not None
        selector = selectors.DefaultSelector()
        stack.callback(selector.close)
        selector.register(listener, selectors.EVENT_READ, 'listen')
        for extra in http_listeners:
            selector.register(extra, selectors.EVENT_READ, 'http')
        selector.register(proc.stdout, selectors.EVENT_READ, 'stdout')
        selector.register(proc.stderr, selectors.EVENT_READ, 'stderr')
        open_streams = 2
        deadline = time.monotonic() + timeout
        timed_out = False
        while open_streams:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                proc.kill()
                break
            for key, _ in selector.select(min(left, 1.0)):
                if key.data == 'listen':
                    _serve_one(listener, answer)
                    continue
                if key.data == 'http':
                    extra = cast('socket.socket', key.fileobj)
                    _serve_http(extra, http_listeners[extra])
                    continue
                stream = key.data
                reader = cast('io.BufferedReader', key.fileobj)
                chunk = reader.read1(65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                lines = (partial[stream] + chunk).split(b'\n')
                partial[stream] = lines.pop()
                output += [(stream, line.decode('utf-8', 'replace')) for line in lines]
        for stream, rest in partial.items():
            if rest:
                output.append((stream, rest.decode('utf-8', 'replace')))
        returncode = proc.wait()
    return HookProcess(returncode, output, timed_out)


def _serve_one(listener: socket.socket, answer: Answer) -> None:
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return
    with conn:
        conn.setblocking(True)
        try:
            request = decode_request(_read_request(conn))
        except (ProtocolError, ValueError, UnicodeDecodeError) as error:
            conn.sendall(encode_response(1, b'', f'ERROR bad request: {error}\n'.encode()))
            return
        code, out, err = answer(request)
        with contextlib.suppress(OSError):  # the caller may be gone (killed by its parent)
            conn.sendall(encode_response(code, out, err))


def _serve_http(listener: socket.socket, serve: ServeHttp) -> None:
    """Read one HTTP request from a new connection, answer it, close the connection."""
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return
    with conn:
        conn.setblocking(True)
        conn.settimeout(_HTTP_READ_TIMEOUT)
        data = b''
        request: HttpRequest | None = None
        try:
            while request is None:
                chunk = conn.recv(65536)
                if not chunk:
                    return  # the client went away before its request was whole
                data += chunk
                request = parse_request(data)
        except ValueError as error:
            response = error_response(error)
        except OSError as error:
            response = HttpResponse(400, f'400 Bad Request: {error}\n'.encode(), 'text/plain')
        else:
            response = serve(request)
        with contextlib.suppress(OSError):
            conn.sendall(encode_http(response))


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
