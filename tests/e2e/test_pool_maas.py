"""``olm pool import --maas``: a region's machines, read over HTTP, checked with ``olm plan``.

A small HTTP server stands in for the region (the MAAS-shaped JSON of tests/unit/cloud), so the
whole path runs as a user runs it: the CLI, the OAuth header, the listing, the pool, the plan.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import olmcli
import pytest

sys.path.insert(0, str(olmcli.ROOT / 'tests' / 'unit' / 'cloud'))

import maasfake

from orchestrator.juju import constraints

API_KEY: str = maasfake.API_KEY

# The region's networks: PXE on fabric 0 (space oam, MAAS id 2), storage on VLAN 30 of fabric 1
# (space storage, MAAS id 5), as MAAS 3.6 answers spaces/ and subnets/ (tests/unit/cloud/maasfake).
OAM_VLAN = maasfake.vlan_json(5001, 0, 0, 'oam')
STORAGE_VLAN = maasfake.vlan_json(5002, 30, 1, 'storage')
OAM = maasfake.subnet_json(1, '10.0.1.0/24', OAM_VLAN, gateway='10.0.1.1')
STORAGE = maasfake.subnet_json(4, '10.0.30.0/24', STORAGE_VLAN)
SPACES = [maasfake.space_json(2, 'oam', [OAM]), maasfake.space_json(5, 'storage', [STORAGE])]


def _nics(system_id: str, number: int, *, storage: bool) -> list[dict[str, object]]:
    boot = maasfake.interface_json(
        number * 10, 'eno1', 'physical', f'52:54:00:00:00:{number:02x}', OAM_VLAN,
        links=[maasfake.link_json(number * 10, 'auto', OAM, f'10.0.1.{20 + number}')],
        system_id=system_id,
    )  # fmt: skip
    if not storage:
        return [boot]
    return [
        boot,
        maasfake.interface_json(
            number * 10 + 1,
            'enp65s0f0',
            'physical',
            f'52:54:00:00:01:{number:02x}',
            STORAGE_VLAN,
            links=[maasfake.link_json(number * 10 + 1, 'auto', STORAGE, f'10.0.30.{20 + number}')],
            system_id=system_id,
        ),
    ]


MACHINES = [
    maasfake.machine_json(
        'aaa111', 'metal-1', cores=8, memory=32768, zone='rack-1',
        interfaces=_nics('aaa111', 1, storage=True), ip_addresses=['10.0.1.21', '10.0.30.21'],
    ),
    maasfake.machine_json(
        'bbb222', 'metal-2', cores=8, memory=32768, zone='rack-2',
        interfaces=_nics('bbb222', 2, storage=False), ip_addresses=['10.0.1.22'],
    ),
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
]  # fmt: skip
ANSWERS = {
    '/MAAS/api/2.0/machines/': MACHINES,
    '/MAAS/api/2.0/spaces/': SPACES,
    '/MAAS/api/2.0/subnets/': [OAM, STORAGE],
}


class _Region(http.server.BaseHTTPRequestHandler):
    authorizations: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Region.authorizations.append(self.headers.get('Authorization', ''))
        answer = ANSWERS.get(self.path.split('?')[0])
        if answer is None:
            self.send_error(404)
            return
        body = json.dumps(answer).encode()
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


def olm(state: Path, *args: str, key: str = API_KEY) -> subprocess.CompletedProcess[str]:
    """olm with the region's API key in ``MAAS_API_KEY``, where olm reads it."""
    return olmcli.olm(state, *args, env={'MAAS_API_KEY': key}, retry_delay=None, timeout=120)


def test_a_region_inventory_is_imported_and_planned(region: str, tmp_path: Path):
    done = olm(tmp_path, 'pool', 'import', '--maas', region)
    assert done.returncode == 0, done.stderr
    assert 'imported 3 machines from the MAAS region' in done.stdout
    assert 'with its 2 spaces and 2 subnets' in done.stdout
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


def test_a_region_s_spaces_place_bound_units(region: str, tmp_path: Path):
    assert olm(tmp_path, 'pool', 'import', '--maas', region).returncode == 0
    spaces = olm(tmp_path, 'spaces', '--format', 'json')
    listed = {s['name']: s for s in json.loads(spaces.stdout)['spaces']}
    assert listed['storage']['subnets']['10.0.30.0/24']['provider-id'] == '4'
    bundle = tmp_path / 'b.yaml'
    bundle.write_text(
        'applications:\n'
        '  kubernetes-worker:\n'
        '    charm: kubernetes-worker\n'
        '    num_units: 1\n'
        '    bindings: {"": storage}\n'
    )
    plan = json.loads(olm(tmp_path, 'plan', str(bundle), '--format', 'json').stdout)
    (unit,) = plan['units']
    assert unit['machine'] == 'metal-1'  # metal-2 is cheaper-equal but has no storage NIC
    assert {'space': 'storage', 'address': '10.0.30.21'} in unit['addresses']


def test_controller_add_unit_checks_the_region_first_and_asks_juju_nothing_on_a_no_fit(
    region: str,
):
    """``olm --controller … add-unit --maas URL``: the merged request is allocated on a copy of
    the region's inventory first; a no-fit is explained per constraint and no juju command that
    changes anything runs."""
    from orchestrator import controller
    from orchestrator.cli._units import _region_check  # pyright: ignore[reportPrivateUsage]

    ran: list[list[str]] = []

    def juju(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        args = list(argv[1:])
        ran.append(args)
        answers = {
            'model-constraints': '{}',
            'constraints': '{"cores": 8}',
            'status': json.dumps({'applications': {'kubernetes-worker': {
                'endpoint-bindings': {'': 'storage', 'kube-cluster': 'storage'}}}}),
        }  # fmt: skip
        return subprocess.CompletedProcess(argv, 0, answers.get(args[0], ''), '')

    check = _region_check(region, API_KEY)
    with pytest.raises(controller.ControllerError) as caught:
        # Two machines reach storage: only metal-1 is Ready with a storage NIC.
        controller.add_unit(
            'lab', 'kubernetes-worker', 2, '', model='admin/k8s', run=juju, check=check
        )
    message = str(caught.value)
    assert 'nothing was asked of Juju' in message
    assert 'interfaces=5:space=storage: excludes 1 of 2 Ready machines' in message
    assert [a[0] for a in ran] == ['model-constraints', 'constraints', 'status']
    # One machine fits: the check passes.
    check(constraints.parse('cores=8 spaces=storage'), 1)
