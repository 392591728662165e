"""HTTP over a simulated machine's unix sockets: what a daemon's API is asked, and answers.

Some daemons a charm talks to are reached over HTTP on a unix socket rather than through a
program: snapd's REST API on ``/run/snapd.socket`` is what charmlibs-snap and
``charms.operator_libs_linux.v2.snap`` use. A simulated machine answers such a socket with a
:data:`SocketService` its World holds for the socket's path (:attr:`World.sockets
<orchestrator.sim.World.sockets>`). This module is the wire between the charm's HTTP client and
that service, the same for both runners: it reads a request from the bytes the client sent
(:func:`parse_request`, None until the request is whole) and writes the service's answer as
HTTP/1.1 bytes (:func:`encode_response`), one request per connection, then closing, as Python's
``urllib`` asks (``Connection: close``).

Only what an HTTP/1.1 client sends a daemon API is read: a request line, headers, and a body of
``Content-Length`` bytes. A chunked body (which neither library sends) is not read: the
request is answered 400 (:func:`bad_request`), as Go's net/http server answers a request it
cannot read with a 4xx.

A request is bounded before it is read whole (:func:`error_response` answers one that is not):
headers by Go's net/http ``DefaultMaxHeaderBytes`` (1 MiB, plus the 4096 bytes of slack its
reader allows), answered ``431 Request Header Fields Too Large`` as Go's server answers them
(snapd's ``http.Server`` leaves ``MaxHeaderBytes`` at the default: canonical/snapd
``daemon/daemon.go``, commit bee548f747; Go's own ``net/http/server.go`` is not mirrored here,
so the wording is from its documented behaviour); a body by :data:`MAX_BODY_BYTES`, checked
against ``Content-Length`` before a byte of it is read. snapd has no bound of its own for a JSON
body (it decodes as it reads); the form fields of a snap upload it reads into at most 1 MiB
(``daemon/api_sideload_n_try.go`` ``maxReadBuflen``), and olm, which holds a request whole,
takes the same bound for every body, answering 413.
"""

# pyright: strict

from __future__ import annotations

import http
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    'MAX_BODY_BYTES',
    'MAX_HEADER_BYTES',
    'HttpRequest',
    'HttpResponse',
    'RequestTooLargeError',
    'bad_request',
    'encode_response',
    'error_response',
    'parse_request',
]

_END_OF_HEADERS = b'\r\n\r\n'

MAX_HEADER_BYTES: Final = (1 << 20) + 4096
"""Go's ``http.DefaultMaxHeaderBytes`` and the slack its server's reader adds."""

MAX_BODY_BYTES: Final = 1 << 20
"""The largest request body read: snapd's bound for the parts of a form it reads whole."""


@dataclass(frozen=True)
class HttpRequest:
    """One request a client sent on a machine's socket.

    Attributes:
        method: ``GET``, ``POST``, ``PUT`` ...
        path: the URL's path, percent-decoded (``/v2/snaps/hello``).
        query: the URL's query, each name with its values in order.
        headers: the headers, names lower-cased.
        body: the request body (empty without one).
    """

    method: str
    path: str
    query: Mapping[str, tuple[str, ...]] = field(default_factory=dict[str, tuple[str, ...]])
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    body: bytes = b''

    def first(self, name: str) -> str:
        """The query parameter's first value ('' when absent), as Go's ``Query().Get``."""
        values = self.query.get(name, ())
        return values[0] if values else ''


@dataclass(frozen=True)
class HttpResponse:
    """What the service answers.

    Attributes:
        status: the HTTP status code.
        body: the response body.
        content_type: its ``Content-Type``.
    """

    status: int
    body: bytes
    content_type: str = 'application/json'


class _MalformedError(ValueError):
    """The bytes are not an HTTP/1.x request."""


class RequestTooLargeError(ValueError):
    """A request whose headers or declared body are over the bounds; nothing more is read.

    Attributes:
        status: 431 for headers, 413 for a body.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def parse_request(data: bytes) -> HttpRequest | None:
    """The request in ``data``, or None while it is not yet whole.

    Raises:
        ValueError: ``data`` is not an HTTP/1.x request this module can read.
    """
    end = data.find(_END_OF_HEADERS)
    if end < 0 or end > MAX_HEADER_BYTES:
        if len(data) > MAX_HEADER_BYTES:
            raise RequestTooLargeError(431, f'headers over {MAX_HEADER_BYTES} bytes')
        return None
    head = data[:end].decode('iso-8859-1')
    lines = head.split('\r\n')
    parts = lines[0].split(' ')
    if len(parts) != 3 or not parts[2].startswith('HTTP/1.'):
        raise _MalformedError(f'not an HTTP/1.x request line: {lines[0]!r}')
    method, target, _ = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(':')
        if not sep:
            raise _MalformedError(f'not a header line: {line!r}')
        headers[name.strip().lower()] = value.strip()
    if 'chunked' in headers.get('transfer-encoding', '').lower():
        raise _MalformedError('a chunked body is not read')
    declared = headers.get('content-length', '0') or '0'
    if not declared.isdigit():
        raise _MalformedError(f'bad Content-Length {declared!r}')
    length = int(declared)
    if length > MAX_BODY_BYTES:
        raise RequestTooLargeError(
            413, f'a body of {length} bytes is over the {MAX_BODY_BYTES} bytes olm reads'
        )
    body = data[end + len(_END_OF_HEADERS) :]
    if len(body) < length:
        return None
    url = urllib.parse.urlsplit(target)
    query = {
        name: tuple(values)
        for name, values in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()
    }
    return HttpRequest(method, urllib.parse.unquote(url.path), query, headers, body[:length])


def encode_response(response: HttpResponse) -> bytes:
    """The response as HTTP/1.1 bytes, the connection closing after it."""
    try:
        reason = http.HTTPStatus(response.status).phrase
    except ValueError:
        reason = ''
    head = (
        f'HTTP/1.1 {response.status} {reason}\r\n'
        f'Content-Type: {response.content_type}\r\n'
        f'Content-Length: {len(response.body)}\r\n'
        'Connection: close\r\n'
        '\r\n'
    )
    return head.encode('iso-8859-1') + response.body


def error_response(error: ValueError) -> HttpResponse:
    """The answer to bytes :func:`parse_request` refused, as a plain-text line.

    431 or 413 for a request too large, else 400; the status line's words, then the reason.
    """
    status = error.status if isinstance(error, RequestTooLargeError) else 400
    phrase = http.HTTPStatus(status).phrase
    return HttpResponse(
        status, f'{status} {phrase}: {error}\n'.encode(), 'text/plain; charset=utf-8'
    )


def bad_request(message: str) -> HttpResponse:
    """What a server answers bytes it cannot read as a request: 400 and a plain-text line."""
    return HttpResponse(400, f'400 Bad Request: {message}\n'.encode(), 'text/plain; charset=utf-8')
