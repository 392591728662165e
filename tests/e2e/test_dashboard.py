"""``olm dashboard`` on the deployed stack: what it serves, live, and only to its token.

The page itself is tested in a real browser (tests/browser); these tests read the server as
any HTTP client would: the snapshot API, the event stream, the refusals.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashboardcli import Dashboard, related_pairs
from olmcli import OFFERS, ROOT, copy_state, ok, refused, status

pytest.importorskip('uvicorn', reason="the 'dashboard' extra is not installed")

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'


@pytest.fixture(scope='module')
def stack(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The metal-k8s bundle deployed and settled; copied by tests that change it."""
    state = copy_state(imported_lab, tmp_path_factory.mktemp('stack'))
    ok(state, 'deploy', str(BUNDLE), '--offers', str(OFFERS), '--seed', '1')
    return state


def _snapshot(dashboard: Dashboard) -> dict[str, Any]:
    response = httpx.get(f'{dashboard.base}/api/snapshot', params={'token': dashboard.token})
    response.raise_for_status()
    return response.json()


def test_it_serves_the_model_status_shows(stack: Path):
    document = status(stack)
    with Dashboard(stack) as dashboard:
        served = _snapshot(dashboard)['snapshot']
        assert dashboard.stop() == 0
    assert served['simulated'] is True and 'simulated' in served['source']
    apps = {a['name']: a for a in served['applications']}
    assert set(apps) == set(document['applications']) | set(document['application-endpoints'])
    assert apps['postgresql']['saas'] and apps['postgresql']['url'] == 'admin/database.postgresql'
    for name, app in document['applications'].items():
        assert apps[name]['status'] == app['application-status']['current']
        assert sorted(apps[name]['units']) == sorted(app.get('units', {}))
    edges = {(*r['apps'], r['interface']) for r in served['relations']}
    assert edges == related_pairs(document)
    assert 'Serving the dashboard of olm model' in dashboard.stdout
    assert dashboard.stderr == ''


def test_the_metal_is_the_pool_with_the_units_on_it(stack: Path):
    pool = json.loads(ok(stack, 'pool', 'list', '--format', 'json'))
    machines = {m['hostname']: m for m in pool['machines']}
    document = status(stack)
    with Dashboard(stack) as dashboard:
        served = _snapshot(dashboard)['snapshot']
    metal = {m['hostname']: m for m in served['metal']}
    assert set(metal) == set(machines)
    for hostname, m in metal.items():
        assert m['zone'] == machines[hostname]['zone']
        assert m['pool'] == machines[hostname]['pool']
        assert m['status'] == machines[hostname]['status']
    on_metal = {u for m in served['metal'] for u in m['units']}
    principals = {u for app in document['applications'].values() for u in app.get('units', {})}
    assert on_metal == principals


def test_free_capacity_is_what_plan_reports_as_headroom(stack: Path):
    plan = json.loads(ok(stack, 'plan', str(BUNDLE), '--offers', str(OFFERS), '--format', 'json'))
    with Dashboard(stack) as dashboard:
        served = _snapshot(dashboard)['snapshot']
    capacity = {c['application']: c['fits'] for c in served['capacity']}
    assert capacity == {app: h['more-units'] for app, h in plan['headroom'].items()}


def test_secrets_are_listed_by_metadata_and_never_their_content(stack: Path):
    listing = json.loads(ok(stack, 'secrets', '--format', 'json'))
    with Dashboard(stack) as dashboard:
        response = httpx.get(f'{dashboard.base}/api/snapshot', params={'token': dashboard.token})
        page = httpx.get(f'{dashboard.base}/', params={'token': dashboard.token}).text
    served = response.json()['snapshot']['secrets']
    assert sorted(s['uri'] for s in served) == sorted(f'secret:{k}' for k in listing)
    for key in listing:
        revealed = json.loads(ok(stack, 'show-secret', key, '--reveal', '--format', 'json'))
        for value in revealed[key]['content']['Data'].values():
            assert str(value) not in response.text and str(value) not in page


def test_a_unit_added_while_it_serves_is_sent_to_open_pages(stack: Path, tmp_path: Path):
    state = copy_state(stack, tmp_path)
    with Dashboard(state) as dashboard:
        events: list[dict[str, Any]] = []
        seen = threading.Event()

        def listen() -> None:
            with httpx.stream('GET', f'{dashboard.base}/events', timeout=60,
                              params={'token': dashboard.token}) as stream:  # fmt: skip
                for line in stream.iter_lines():
                    if line.startswith('data: '):
                        events.append(json.loads(line[6:]))
                        if 'kubernetes-worker/3' in line:
                            seen.set()
                            return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        # The dashboard holds no lock: the model changes under it as under olm status.
        ok(state, 'add-unit', 'kubernetes-worker', '--quiet')
        assert seen.wait(30), [e['revision'] for e in events]
    assert events[0]['revision'] == 1
    assert events[-1]['revision'] > 1
    assert 'data-unit="kubernetes-worker/3"' in events[-1]['views']['model']


def test_ctrl_c_with_a_page_open_stops_it_cleanly(stack: Path):
    with Dashboard(stack) as dashboard:
        opened = threading.Event()

        def listen() -> None:
            with httpx.stream('GET', f'{dashboard.base}/events', timeout=60,
                              params={'token': dashboard.token}) as stream:  # fmt: skip
                for _ in stream.iter_lines():
                    opened.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(30)
        assert dashboard.stop() == 0
        listener.join(10)
    assert dashboard.stderr == ''
    assert not listener.is_alive()  # the stream ended with the server


def test_without_the_token_nothing_is_served(stack: Path):
    with Dashboard(stack) as dashboard:
        for path in ('/', '/api/snapshot', '/events', '/static/dashboard.js'):
            assert httpx.get(f'{dashboard.base}{path}').status_code == 403
            wrong = httpx.get(f'{dashboard.base}{path}', params={'token': dashboard.token[:-1]})
            assert wrong.status_code == 403
        rebinding = httpx.get(dashboard.url, headers={'Host': 'attacker.example'})
        assert rebinding.status_code == 403
        assert httpx.get(dashboard.url).status_code == 200


def test_it_listens_on_the_loopback_only(stack: Path):
    with Dashboard(stack) as dashboard:
        port = int(dashboard.base.rsplit(':', 1)[1])
        listening = _listening(port)
    assert listening == ['127.0.0.1']


def _listening(port: int) -> list[str]:
    """The local addresses of the IPv4 and IPv6 sockets listening on ``port`` (Linux /proc)."""
    found: list[str] = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(':')
            if state == '0A' and int(hex_port, 16) == port:  # 0A: TCP_LISTEN
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    found.append(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def test_a_port_in_use_is_one_error_line(stack: Path):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        message = refused(stack, 'dashboard', '--port', str(port), returncode=1)
    assert message.strip() == f'ERROR cannot listen on 127.0.0.1:{port}: Address already in use'


def test_a_missing_state_directory_is_named_not_made(tmp_path: Path):
    message = refused(tmp_path / 'nowhere', 'dashboard', returncode=1)
    assert 'nowhere' in message and len(message.strip().splitlines()) == 1
    assert not (tmp_path / 'nowhere').exists()
