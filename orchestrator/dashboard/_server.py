"""The dashboard's web server: 127.0.0.1 only, a token in the URL, read-only, live.

Who may read the page is decided as Jupyter decides it (jupyter_server v2.20.0,
``jupyter_server/auth/identity.py``: a random token, ``binascii.hexlify(os.urandom(24))``, in the
URL printed at start; the login that shows it sets an HttpOnly cookie): the URL ``olm
dashboard`` prints carries a token of 32 random bytes; the first request that shows it gets an
HttpOnly, SameSite=Strict cookie (SameSite is olm's addition), so the page's own requests carry
it without putting it in every URL.
Anything without the token, in the query or the cookie, is refused (403): another local user
can reach 127.0.0.1 but cannot guess the token, and another site's page cannot make the
browser send the cookie (SameSite) nor read an answer (no CORS headers).

A page on another site could still point a name it controls at 127.0.0.1 (DNS rebinding) to
read as if same-origin: the Host header must then be 127.0.0.1 or localhost with the port
served, as Jupyter checks it unless ``allow_remote_access`` is set (jupyter_server v2.20.0
``jupyter_server/base/handlers.py`` ``check_host``), or the request is refused.

The page carries a Content-Security-Policy that allows only its own script and style sheet:
every name and message in it comes from charms and pool files, and none of it may run.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import AsyncGenerator, AsyncIterator
from importlib import resources

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._hub import Hub
from ._page import render_page

__all__ = ['COOKIE', 'make_app', 'new_token']

COOKIE = 'olm-dashboard-token'
_STATIC = {'dashboard.js': 'text/javascript', 'dashboard.css': 'text/css'}
_SECURITY_HEADERS = {
    'Content-Security-Policy': (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
}


def new_token() -> str:
    """An unguessable token: 32 random bytes, URL-safe (Jupyter's: 24 bytes, in hex)."""
    return secrets.token_urlsafe(32)


def make_app(hub: Hub, token: str, port: int) -> ASGIApp:
    """The ASGI application serving ``hub``'s readings to holders of ``token``."""
    hosts = {f'127.0.0.1:{port}', f'localhost:{port}'}

    async def page(request: Request) -> Response:
        reading = hub.reading
        return HTMLResponse(render_page(reading.snapshot, reading.views, reading.revision))

    async def snapshot(request: Request) -> Response:
        return JSONResponse(hub.reading.to_json())

    async def static(request: Request) -> Response:
        name = request.path_params['name']
        if name not in _STATIC:
            return PlainTextResponse('not found', status_code=404)
        text = (
            resources.files('orchestrator.dashboard').joinpath('static', name).read_text('utf-8')
        )
        return Response(text, media_type=_STATIC[name])

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            async for event in hub.stream():
                if await request.is_disconnected():
                    break
                yield event

        return StreamingResponse(stream(), media_type='text/event-stream',
                                 headers={'X-Accel-Buffering': 'no'})  # fmt: skip

    app = Starlette(
        routes=[
            Route('/', page),
            Route('/api/snapshot', snapshot),
            Route('/events', events),
            Route('/static/{name}', static),
        ],
        lifespan=lambda _app: _running(hub),
    )
    return _Guard(app, token, hosts)


@contextlib.asynccontextmanager
async def _running(hub: Hub) -> AsyncGenerator[None]:
    await hub.start()
    try:
        yield
    finally:
        await hub.stop()


class _Guard:
    """ASGI middleware: the Host check, the token check, the cookie, the security headers."""

    def __init__(self, app: ASGIApp, token: str, hosts: set[str]) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.headers.get('host', '') not in self.hosts:
            await _refuse(scope, receive, send, 'this dashboard answers to 127.0.0.1 only')
            return
        from_query = request.query_params.get('token', '')
        from_cookie = request.cookies.get(COOKIE, '')
        if not (self._valid(from_query) or self._valid(from_cookie)):
            await _refuse(scope, receive, send, "the dashboard's token is missing or wrong: "
                          'open the URL olm dashboard printed')  # fmt: skip
            return
        set_cookie = self._valid(from_query) and not self._valid(from_cookie)

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers: list[tuple[bytes, bytes]] = list(message.get('headers', []))
                headers += [(k.lower().encode(), v.encode()) for k, v in _SECURITY_HEADERS.items()]
                if set_cookie:
                    cookie = f'{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict'
                    headers.append((b'set-cookie', cookie.encode()))
                message = {**message, 'headers': headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _valid(self, candidate: str) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.token.encode())


async def _refuse(scope: Scope, receive: Receive, send: Send, why: str) -> None:
    response: Response
    if scope.get('path', '').startswith('/api/'):
        response = JSONResponse({'error': why}, 403, headers=_SECURITY_HEADERS)
    else:
        response = PlainTextResponse(f'403 Forbidden: {why}', 403, headers=_SECURITY_HEADERS)
    await response(scope, receive, send)
