"""Serving a dashboard: bind 127.0.0.1, read the source once, print the URL, serve until Ctrl-C."""

# pyright: strict

from __future__ import annotations

import socket
import sys
import webbrowser
from types import FrameType
from typing import TextIO

from ._hub import Hub
from ._source import DashboardError, Source

__all__ = ['serve']

HOST = '127.0.0.1'
"""Loopback only: the page is for the user at this machine (an SSH tunnel reaches it from
another); it has no login beyond its token, so it never listens on a network."""


def serve(source: Source, *, port: int = 0, open_browser: bool = False,
          out: TextIO = sys.stdout) -> None:  # fmt: skip
    """Serve ``source``'s dashboard on ``HOST:port`` (0: a free port) until interrupted.

    Raises:
        DashboardError: the port cannot be bound, the extra is not installed, or the source
            cannot be read.
    """
    try:
        import uvicorn

        from ._server import make_app, new_token
    except ImportError as e:
        raise DashboardError(
            f"olm dashboard needs the 'dashboard' extra ({e.name} is not installed): "
            "pip install 'olm[dashboard]'"
        ) from None
    hub = Hub(source)
    reading = hub.first_reading()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise DashboardError(f'cannot listen on {HOST}:{port}: {e.strerror}') from None
    bound = sock.getsockname()[1]
    token = new_token()
    url = f'http://{HOST}:{bound}/?token={token}'
    config = uvicorn.Config(
        make_app(hub, token, bound),
        log_level='warning',
        access_log=False,  # the token is in the first request's URL: never logged
        timeout_graceful_shutdown=1,  # event streams never end by themselves
        lifespan='on',
    )
    what = reading.snapshot.source
    print(f'Serving the dashboard of {what} (read-only) at:', file=out)
    print(f'    {url}', file=out)
    print('Press Ctrl-C to stop it.', file=out, flush=True)
    if open_browser:
        webbrowser.open(url)
    server = uvicorn.Server(config)
    stop = server.handle_exit

    def handle_exit(sig: int, frame: FrameType | None) -> None:
        # Ctrl-C: the open pages' event streams end first, so uvicorn stops without cutting
        # them (which it reports with a traceback).
        hub.closing = True
        stop(sig, frame)

    server.handle_exit = handle_exit  # type: ignore[method-assign]
    server.run(sockets=[sock])
