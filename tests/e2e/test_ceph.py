"""Three MicroCeph units form a cluster and serve a ceph_client consumer, under olm (simulation).

The ceph-storage charm drives the emulated ``microceph`` and ``ceph`` on simulated machines
whose disks are the lab pool's; OSDs are made on the blank ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrator import sim
from orchestrator.sim.host import maas_id_path
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
BUNDLE = ROOT / 'tests' / 'e2e' / 'bundles' / 'ceph.yaml'


def olm(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'OLM_HOME': str(state), 'OLM_RETRY_DELAY': '3600'}
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        capture_output=True, text=True, env=env, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip


def world(state: Path) -> sim.World:
    store = Store(state)
    try:
        with store.snapshot() as txn:
            loaded = sim.World()
            loaded.load_shared(txn.records('sim-shared')[''])
            for machine_id, data in txn.records('sim-machine').items():
                loaded.load_machine(machine_id, data)
    finally:
        store.close()
    return loaded


def units(state: Path, app: str) -> dict[str, Any]:
    status = json.loads(olm(state, 'status', '--format', 'json').stdout)
    return status['applications'][app]['units']


@pytest.fixture(scope='module')
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp('olm-ceph')
    assert olm(state, 'pool', 'import', str(LAB)).returncode == 0
    done = olm(state, 'deploy', str(BUNDLE), '--seed', '13')
    assert done.returncode == 0, done.stdout + done.stderr
    return state


def ceph(state: Path, *args: str) -> Any:
    """Run ``ceph ... -f json`` on the first storage unit's simulated machine."""
    machine = sorted(units(state, 'ceph-storage').values(), key=lambda u: u['machine'])[0]
    host = world(state).host(machine['machine'])
    done = host.run(['microceph.ceph', *args, '-f', 'json'])
    return json.loads(done.stdout)


def test_three_units_form_a_cluster_with_three_mons_and_osds(model: Path):
    for app in ('ceph-storage', 'consumer'):
        for name, unit in units(model, app).items():
            assert unit['workload-status']['current'] == 'active', (name, unit)
    status = ceph(model, 'status')
    assert status['monmap']['num_mons'] == 3
    assert status['osdmap']['num_up_osds'] >= 3
    mons = ceph(model, 'mon', 'dump')['mons']
    addresses = {u['public-address'] for u in units(model, 'ceph-storage').values()}
    assert {m['addr'].split(':')[0] for m in mons} == addresses


def test_the_consumer_gets_its_pool_and_key(model: Path):
    (unit,) = units(model, 'consumer').values()
    message = unit['workload-status']['message']
    fsid = ceph(model, 'fsid')
    fsid = fsid['fsid'] if isinstance(fsid, dict) else fsid
    assert f'fsid {fsid}' in message
    assert 'pools olm-test' in message
    pools = ceph(model, 'osd', 'pool', 'ls')
    assert 'olm-test' in pools
    # The key itself is in no status and no log.
    (entry,) = ceph(model, 'auth', 'get-or-create', 'client.olm-test')
    shown = olm(model, 'status', '--format', 'json').stdout + olm(model, 'debug-log').stdout
    assert entry['key'] not in shown


def test_failure_domain_zone_puts_each_host_under_its_zone(model: Path):
    done = olm(model, 'config', 'ceph-storage', 'failure-domain=zone')
    assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads(olm(model, 'status', '--format', 'json').stdout)
    storage = status['applications']['ceph-storage']['units']
    zones = {status['machines'][u['machine']]['hardware'].split('availability-zone=')[1].split()[0]
             for u in storage.values()}  # fmt: skip
    leader = next(u for u in storage.values() if u.get('leader'))
    assert leader['workload-status']['current'] == 'active', leader['workload-status']
    assert f'failure domain zone ({len(zones)} zones)' in leader['workload-status']['message']
    tree = ceph(model, 'osd', 'tree')['nodes']
    by_id = {n['id']: n for n in tree}
    zone_buckets = [n for n in tree if n['type'] == 'zone']
    assert {z['name'] for z in zone_buckets} == zones
    for zone in zone_buckets:
        assert all(by_id[child]['type'] == 'host' for child in zone['children'])


def test_juju_storage_by_id_becomes_one_osd_per_unit(tmp_path_factory: pytest.TempPathFactory):
    """Juju reports a MAAS disk with a serial by its /dev/disk/by-id link (juju/juju
    provider/maas/volumes.go, core/blockdevice/path.go) and MicroCeph records OSDs by theirs
    (microceph/ceph/osd.go setStablePath): the charm sees both as the lsblk device."""
    state = tmp_path_factory.mktemp('olm-ceph-storage')
    bundle = state / 'bundle.yaml'
    bundle.write_text(
        'applications:\n'
        '  ceph-storage:\n'
        f'    charm: {ROOT / "charms" / "ceph-storage"}\n'
        '    num_units: 1\n'
        '    constraints: tags=hdd\n'
        "    options: {osd-devices: ''}\n"
        '    storage: {osd-devices: "maas,1"}\n'
    )
    assert olm(state, 'pool', 'import', str(LAB)).returncode == 0
    done = olm(state, 'deploy', str(bundle), '--seed', '13')
    assert done.returncode == 0, done.stdout + done.stderr
    (unit,) = units(state, 'ceph-storage').values()
    assert unit['workload-status']['current'] == 'active', unit
    assert '1 OSD here' in unit['workload-status']['message']
    host = world(state).host(unit['machine'])
    listed = json.loads(host.run(['microceph', 'disk', 'list', '--json']).stdout)
    (osd,) = listed['ConfiguredDisks']
    assert osd['path'].startswith('/dev/disk/by-id/')
    # the location Juju gives the hook (storage-get location) is that same by-id path
    located = {maas_id_path(host.hostname(), d) for d in host.block_devices}
    assert osd['path'] in located
