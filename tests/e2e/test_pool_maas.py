"""``olm pool import --maas``: a region's machines, read over HTTP, checked with ``olm plan``.

A small HTTP server stands in for the region (the MAAS-shaped JSON of tests/unit/cloud), so the
whole path runs as a user runs it: the CLI, the OAuth header, the listing, the pool, the plan.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tests' / 'unit' / 'cloud'))

import maasfake  # noqa: E402

MACHINES = [
    maasfake.machine_json('aaa111', 'metal-1', cores=8, memory=32768, zone='rack-1'),
    maasfake.machine_json('bbb222', 'metal-2', cores=8, memory=32768, zone='rack-2'),
    maasfake.machine_json(
        'ccc333',
        'metal-3',
        cores=4,
        memory=8192,
        zone='rack-1',
        status=6,
        status_name='Deployed',
        owner='admin',
    ),
]


class _Region(http.server.BaseHTTPRequestHandler):
    authorizations: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Region.authorizations.append(self.headers.get('Authorization', ''))
        if self.path.split('?')[0] != '/MAAS/api/2.0/machines/':
            self.send_error(404)
            return
        body = json.dumps(MACHINES).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def region() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Region)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}/MAAS'
    server.shutdown()


def olm(state: Path, *args: str, key: str = maasfake.API_KEY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'OLM_HOME': str(state), 'MAAS_API_KEY': key}
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        capture_output=True, text=True, env=env, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip


def test_a_region_inventory_is_imported_and_planned(region: str, tmp_path: Path):
    done = olm(tmp_path, 'pool', 'import', '--maas', region)
    assert done.returncode == 0, done.stderr
    assert 'imported 3 machines from the MAAS region' in done.stdout
    header = _Region.authorizations[-1]
    assert header.startswith('OAuth ') and 'oauth_signature_method="PLAINTEXT"' in header
    pool = json.loads(olm(tmp_path, 'pool', 'list', '--format', 'json').stdout)
    listed = {m['hostname']: m for m in pool['machines']}
    assert sorted(listed) == ['metal-1', 'metal-2', 'metal-3']
    assert listed['metal-3']['status'] == 'Deployed'
    bundle = tmp_path / 'b.yaml'
    bundle.write_text(
        'applications:\n'
        '  kubernetes-worker: {charm: kubernetes-worker, num_units: 3, constraints: cores=4}\n'
    )
    plan = olm(tmp_path, 'plan', str(bundle), '--format', 'json')
    result = json.loads(plan.stdout)
    assert plan.returncode == 1 and result['fits'] is False
    placed = sorted(u['machine'] for u in result['units'] if u['machine'])
    assert placed == ['metal-1', 'metal-2']
    (unplaced,) = [u for u in result['units'] if u['problem']]
    # The plan's own allocations count: metal-1 and metal-2 are taken by then.
    assert (
        '3 machines would match but are not Ready (2 Allocated, 1 Deployed)' in unplaced['problem']
    )


def test_the_api_key_never_shows(region: str, tmp_path: Path):
    done = olm(tmp_path, 'pool', 'import', '--maas', region, key='not-a-key')
    assert done.returncode == 1
    assert done.stderr.startswith('ERROR ') and 'Traceback' not in done.stderr
    assert 'not-a-key' not in done.stderr + done.stdout
