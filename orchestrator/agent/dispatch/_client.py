"""The program behind every hook tool and every emulated program on a sandboxed machine.

Installed (read-only) in the sandbox as ``/usr/libexec/olm/agent-call`` and run through the links
that name it: ``/var/lib/juju/tools/unit-<app>-<n>/relation-get``, ``/usr/bin/snap``... As
Juju's ``jujuc`` does (juju/juju ``cmd/jujud/main.go`` ``hookToolMain``: argv, the working
directory and the context id go to the unit agent over ``JUJU_AGENT_SOCKET_ADDRESS``), it sends
its name, arguments, working directory, ``JUJU_CONTEXT_ID`` and standard input to olm over the
unit's socket and exits with the status olm answers, after writing olm's stdout and stderr.

It runs as ``python3 -IS`` on the machine's interpreter and imports nothing but built-in
modules: it starts in about 15 ms where ``import socket`` alone would double that. Standard
input is read only when it is a pipe, a file or a socket (what ``subprocess.run(input=...)``
and ``--file -`` give); a hook's own stdin is /dev/null and is not read.

The framing is netstrings (``<length>:<bytes>,``) both ways; :mod:`._protocol` is olm's side.
"""

# pyright: strict

import _socket
import os
import sys

_READABLE = (0o010000, 0o100000, 0o140000)  # S_IFIFO, S_IFREG, S_IFSOCK


def _netstring(data: bytes) -> bytes:
    return str(len(data)).encode() + b':' + data + b','


def _fields(data: bytes) -> list[bytes]:
    out: list[bytes] = []
    while data:
        head, _, rest = data.partition(b':')
        size = int(head)
        out.append(rest[:size])
        data = rest[size + 1 :]
    return out


def main() -> int:
    name = os.path.basename(sys.argv[0])
    address = os.environ.get('JUJU_AGENT_SOCKET_ADDRESS', '')
    if not address:
        sys.stderr.write(f'ERROR {name}: JUJU_AGENT_SOCKET_ADDRESS not set (not in a hook)\n')
        return 1
    stdin = b''
    try:
        if os.fstat(0).st_mode & 0o170000 in _READABLE:
            stdin = sys.stdin.buffer.read()
    except OSError:
        pass
    request = [b'olm-agent/1', os.environ.get('JUJU_CONTEXT_ID', '').encode(), os.getcwdb()]
    request += [name.encode()] + [os.fsencode(a) for a in sys.argv[1:]] + [stdin]
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(address)
        sock.sendall(b''.join(_netstring(f) for f in request))
        sock.shutdown(_socket.SHUT_WR)
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError as error:
        sys.stderr.write(f'ERROR {name}: cannot reach the unit agent: {error.strerror}\n')
        return 1
    finally:
        sock.close()
    code, out, err = _fields(b''.join(chunks))
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.stderr.buffer.write(err)
    return int(code)


if __name__ == '__main__':
    sys.exit(main())
