"""olm's side of the agent socket's framing: netstrings, as :mod:`._client` writes them."""

# pyright: strict

from __future__ import annotations

import dataclasses

__all__ = ['PROTOCOL', 'Request', 'decode_request', 'encode_response']

PROTOCOL = b'olm-agent/1'


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """One call from the sandbox: a hook tool or an emulated program.

    Attributes:
        context_id: the ``JUJU_CONTEXT_ID`` the caller saw.
        cwd: its working directory.
        name: the program's name (the link it was run through).
        args: its arguments.
        stdin: what it read from standard input (empty unless a pipe or file).
    """

    context_id: str
    cwd: str
    name: str
    args: tuple[str, ...]
    stdin: bytes


class ProtocolError(ValueError):
    """A request that is not in the client's framing."""


def _fields(data: bytes) -> list[bytes]:
    out: list[bytes] = []
    view = memoryview(data)
    while view:
        colon = bytes(view[:21]).find(b':')
        if colon <= 0:
            raise ProtocolError('malformed netstring length')
        size = int(bytes(view[:colon]))
        end = colon + 1 + size
        if len(view) <= end or view[end] != ord(','):
            raise ProtocolError('truncated netstring')
        out.append(bytes(view[colon + 1 : end]))
        view = view[end + 1 :]
    return out


def decode_request(data: bytes) -> Request:
    """Parse one request; :class:`ProtocolError` for anything else."""
    fields = _fields(data)
    if len(fields) < 5 or fields[0] != PROTOCOL:
        raise ProtocolError('not an olm agent request')
    text = [f.decode('utf-8', 'surrogateescape') for f in fields[1:-1]]
    return Request(text[0], text[1], text[2], tuple(text[3:]), fields[-1])


def encode_response(returncode: int, stdout: bytes, stderr: bytes) -> bytes:
    """The answer the client writes out and exits with."""
    return b''.join(
        str(len(f)).encode() + b':' + f + b',' for f in (str(returncode).encode(), stdout, stderr)
    )
