"""MAAS under olm: two region controllers, two racks, the PostgreSQL offer (simulation).

The region and the racks are the real charms (charms/metal-controller, charms/rack-agent)
driving the emulated ``maas`` program on simulated machines; the database is the offer file
bundles/offers/postgresql.yaml. What the World knows (regions, racks, shared secrets per
database) is read from the model's store, as the next ``olm`` command would load it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
BUNDLES = ROOT / 'tests' / 'e2e' / 'bundles'
DATABASE = '10.0.0.5:5432/maas'


def olm(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'OLM_HOME': str(state), 'OLM_RETRY_DELAY': '3600'}
    env.pop('OLM_CHARMS', None)  # the product charms, found by name under charms/
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        capture_output=True, text=True, env=env, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip


def maas_world(state: Path) -> dict[str, Any]:
    """The emulated MAAS facts shared by every simulated machine of the model."""
    store = Store(state)
    try:
        with store.snapshot() as txn:
            shared = json.loads(txn.records('sim-shared')[''])
    finally:
        store.close()
    return shared['shared']['maas']


def units(state: Path, app: str) -> dict[str, Any]:
    status = json.loads(olm(state, 'status', '--format', 'json').stdout)
    return status['applications'][app]['units']


@pytest.fixture(scope='module')
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp('olm-maas')
    assert olm(state, 'pool', 'import', str(LAB)).returncode == 0
    done = olm(state, 'deploy', str(BUNDLES / 'maas.yaml'),
               '--offers', str(ROOT / 'bundles' / 'offers'), '--seed', '5')  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return state


def test_regions_and_racks_are_active(model: Path):
    regions = units(model, 'metal-controller')
    racks = units(model, 'rack-agent')
    assert len(regions) == 2 and len(racks) == 2
    for name, unit in {**regions, **racks}.items():
        assert unit['workload-status']['current'] == 'active', (name, unit['workload-status'])
    for unit in racks.values():
        assert unit['workload-status']['message'].startswith('registered with http://')


def test_both_regions_share_one_database_and_both_racks_registered(model: Path):
    database = maas_world(model)['databases'][DATABASE]
    assert database['migrated'] is True
    assert len(database['regions']) == 2
    racks = {r['hostname'] for r in database['racks'].values()}
    machines = {u['machine'] for u in units(model, 'rack-agent').values()}
    status = json.loads(olm(model, 'status', '--format', 'json').stdout)
    hostnames = {status['machines'][m]['hostname'] for m in machines}
    assert racks == hostnames


def test_no_credential_in_status_or_log(model: Path):
    secret = maas_world(model)['databases'][DATABASE]['secret']
    shown = olm(model, 'status', '--format', 'json').stdout + olm(model, 'debug-log').stdout
    assert secret not in shown
    assert 'olm-simulated-db-password' not in shown


def test_a_rack_given_another_regions_url_is_blocked_on_the_secret(model: Path):
    # An operator error: maas-url points at a different MAAS (its own database, so its own
    # shared secret). The racks present this region's secret there and are refused.
    done = olm(model, 'deploy', str(BUNDLES / 'region-b.yaml'), '--seed', '5')
    assert done.returncode == 0, done.stdout + done.stderr
    other = units(model, 'region-b')['region-b/0']
    assert other['workload-status']['current'] == 'active'
    url = f'http://{other["public-address"]}:5240/MAAS'
    done = olm(model, 'config', 'metal-controller', f'maas-url={url}')
    assert done.returncode == 0, done.stdout + done.stderr
    for name, unit in units(model, 'rack-agent').items():
        status = unit['workload-status']
        assert status['current'] == 'blocked', (name, status)
        assert 'rejected the shared secret' in status['message']
    world = maas_world(model)['databases']
    assert len(world['10.0.1.5:5432/maas']['racks']) == 0


def test_losing_the_database_stops_maas_and_a_new_one_starts_it(model: Path):
    # MAAS 3.5+ runs every service under the snap's pebble (there is no snap.maas.supervisor):
    # without its database a region stops and disables it, and maas init brings it back.
    done = olm(model, 'config', 'metal-controller', '--reset', 'maas-url')
    assert done.returncode == 0, done.stdout + done.stderr
    done = olm(model, 'remove-relation', 'metal-controller:database', 'postgresql')
    assert done.returncode == 0, done.stdout + done.stderr
    for name, unit in units(model, 'metal-controller').items():
        status = unit['workload-status']
        assert status['current'] == 'blocked', (name, status)
        assert status['message'].startswith('needs a PostgreSQL database'), (name, status)
        pebble = olm(model, 'ssh', name, 'systemctl', 'is-active', 'snap.maas.pebble')
        assert pebble.stdout.strip() == 'inactive', (name, pebble.stdout, pebble.stderr)
    done = olm(model, 'integrate', 'metal-controller:database', 'postgresql')
    assert done.returncode == 0, done.stdout + done.stderr
    for name, unit in {**units(model, 'metal-controller'), **units(model, 'rack-agent')}.items():
        assert unit['workload-status']['current'] == 'active', (name, unit['workload-status'])
