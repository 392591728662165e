"""Who may read the page: the token, the cookie, the Host header; and what the page is sent."""

from __future__ import annotations

import warnings

import pytest
from dashboardtools import ListSource, stack

pytest.importorskip('starlette', reason="the 'dashboard' extra is not installed")

# Starlette 1.x would have its test client run on httpx2; httpx (olm's) still works.
with warnings.catch_warnings():
    warnings.filterwarnings('ignore', 'Using `httpx` with `starlette.testclient`')
    from starlette.testclient import TestClient

from orchestrator.dashboard._hub import Hub
from orchestrator.dashboard._server import COOKIE, make_app, new_token

PORT = 8123


@pytest.fixture
def client() -> TestClient:
    hub = Hub(ListSource(stack()))
    hub.first_reading()
    app = make_app(hub, 'the-token', PORT)
    return TestClient(app, base_url=f'http://127.0.0.1:{PORT}')


def test_tokens_are_long_and_random():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes, base64


@pytest.mark.parametrize('path', ['/', '/api/snapshot', '/events', '/static/dashboard.js'])
def test_without_the_token_everything_is_refused(client: TestClient, path: str):
    assert client.get(path).status_code == 403
    assert client.get(path, params={'token': 'the-tokeN'}).status_code == 403
    client.cookies.set(COOKIE, 'wrong')
    assert client.get(path).status_code == 403


def test_the_token_in_the_url_sets_a_strict_http_only_cookie(client: TestClient):
    response = client.get('/', params={'token': 'the-token'})
    assert response.status_code == 200
    cookie = response.headers['set-cookie']
    assert cookie.startswith(f'{COOKIE}=the-token;')
    assert 'HttpOnly' in cookie and 'SameSite=Strict' in cookie and 'Path=/' in cookie
    # The page's own requests carry the cookie, not the token.
    assert client.get('/static/dashboard.css').status_code == 200
    assert client.get('/api/snapshot').json()['snapshot']['model'] == 'lab'


def test_a_foreign_host_is_refused_even_with_the_token(client: TestClient):
    for host in ('evil.example', f'evil.example:{PORT}', '127.0.0.1:1', f'0.0.0.0:{PORT}'):
        response = client.get('/', params={'token': 'the-token'}, headers={'host': host})
        assert response.status_code == 403, host
    for host in (f'127.0.0.1:{PORT}', f'localhost:{PORT}'):
        response = client.get('/', params={'token': 'the-token'}, headers={'host': host})
        assert response.status_code == 200, host


def test_the_page_allows_only_its_own_script_and_style(client: TestClient):
    response = client.get('/', params={'token': 'the-token'})
    policy = response.headers['content-security-policy']
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert 'unsafe-inline' not in policy
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['cache-control'] == 'no-store'
    assert 'data-simulated="true"' in response.text


def test_static_files_are_the_script_and_the_sheet_only(client: TestClient):
    client.cookies.set(COOKIE, 'the-token')
    assert client.get('/static/dashboard.js').headers['content-type'].startswith('text/javascript')
    assert client.get('/static/dashboard.css').headers['content-type'].startswith('text/css')
    assert client.get('/static/../_server.py').status_code == 404
    assert client.get('/static/page.html').status_code == 404


def test_the_snapshot_api_is_the_snapshot_as_json(client: TestClient):
    document = client.get('/api/snapshot', params={'token': 'the-token'}).json()
    assert document['revision'] == 1
    snapshot = document['snapshot']
    assert snapshot['simulated'] is True
    assert [a['name'] for a in snapshot['applications']] == ['region', 'rack', 'app', 'logging',
                                                             'db']  # fmt: skip
    assert snapshot['secrets'][0] == {
        'uri': 'secret:d1', 'owner': 'region', 'label': 'shared-secret', 'revision': 2,
        'rotation': 'monthly', 'created': 'c', 'updated': 'u',
    }  # fmt: skip


def test_a_refusal_of_the_api_is_json(client: TestClient):
    response = client.get('/api/snapshot')
    assert response.status_code == 403
    assert 'token' in response.json()['error']
