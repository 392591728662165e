"""Three MicroCeph units form a cluster and serve a ceph_client consumer, under olm (simulation).

The ceph-storage charm drives the emulated ``microceph`` and ``ceph`` on simulated machines
whose disks are the lab pool's; OSDs are made on the blank ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from olmcli import BUNDLES, ROOT, copy_state, ok, status, world

from orchestrator.sim.host import maas_id_path

BUNDLE = BUNDLES / 'ceph.yaml'


def units(state: Path, app: str) -> dict[str, Any]:
    return status(state)['applications'][app]['units']


@pytest.fixture(scope='module')
def model(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm-ceph'))
    ok(state, 'deploy', str(BUNDLE), '--seed', '13')
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
    health = ceph(model, 'status')
    assert health['monmap']['num_mons'] == 3
    assert health['osdmap']['num_up_osds'] >= 3
    mons = ceph(model, 'mon', 'dump')['mons']
    addresses = {u['public-address'] for u in units(model, 'ceph-storage').values()}
    assert {m['addr'].split(':')[0] for m in mons} == addresses


def test_the_consumer_gets_its_pool_and_key(model: Path):
    (unit,) = units(model, 'consumer').values()
    message = unit['workload-status']['message']
    shown: dict[str, str] | str = ceph(model, 'fsid')
    fsid = shown['fsid'] if isinstance(shown, dict) else shown
    assert f'fsid {fsid}' in message
    assert 'pools olm-test' in message
    pools = ceph(model, 'osd', 'pool', 'ls')
    assert 'olm-test' in pools
    # The key itself is in no status and no log.
    (entry,) = ceph(model, 'auth', 'get-or-create', 'client.olm-test')
    shown = ok(model, 'status', '--format', 'json') + ok(model, 'debug-log')
    assert entry['key'] not in shown


def test_failure_domain_zone_puts_each_host_under_its_zone(model: Path):
    ok(model, 'config', 'ceph-storage', 'failure-domain=zone')
    now = status(model)
    storage = now['applications']['ceph-storage']['units']
    zones = {now['machines'][u['machine']]['hardware'].split('availability-zone=')[1].split()[0]
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


def test_juju_storage_by_id_becomes_one_osd_per_unit(lab: Path):
    """Juju reports a MAAS disk with a serial by its /dev/disk/by-id link (juju/juju
    provider/maas/volumes.go, core/blockdevice/path.go) and MicroCeph records OSDs by theirs
    (microceph/ceph/osd.go setStablePath): the charm sees both as the lsblk device."""
    state = lab
    bundle = state.parent / 'bundle.yaml'
    bundle.write_text(
        'applications:\n'
        '  ceph-storage:\n'
        f'    charm: {ROOT / "charms" / "ceph-storage"}\n'
        '    num_units: 1\n'
        '    constraints: tags=hdd\n'
        "    options: {osd-devices: ''}\n"
        '    storage: {osd-devices: "maas,1"}\n'
    )
    ok(state, 'deploy', str(bundle), '--seed', '13')
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


UP_OF = re.compile(r'\((\d+) up of (\d+) in cluster\)')


@pytest.mark.parametrize(
    ('bundle', 'seed'),
    [
        (BUNDLE, '2'),
        (BUNDLE, '5'),
        (BUNDLE, '9'),
        (ROOT / 'bundles' / 'metal-k8s.yaml', '7'),
        (ROOT / 'bundles' / 'metal-k8s.yaml', '8'),
    ],
    ids=['ceph-2', 'ceph-5', 'ceph-9', 'metal-k8s-7', 'metal-k8s-8'],
)
def test_every_units_status_follows_the_cluster_without_update_status(
    lab: Path, bundle: Path, seed: str
):
    """Issue 22: with these seeds one or two units kept an older "N up of N" (metal-k8s seed 7:
    two units "2 up of 2" with 3 OSDs up) once the last OSD was added elsewhere: a unit joins
    in one hook and adds its OSDs in a later one, which changed nothing its peers watch, so
    only update-status would have corrected them. Each unit now publishes its OSD count on the
    peer relation, and Juju's relation-changed makes the others read the cluster again."""
    ok(lab, 'deploy', str(bundle), '--seed', seed)
    osdmap = ceph(lab, 'status')['osdmap']
    expected = (osdmap['num_up_osds'], osdmap['num_osds'])
    assert expected[1] >= 3
    for name, unit in units(lab, 'ceph-storage').items():
        shown = UP_OF.search(unit['workload-status']['message'])
        assert shown is not None, (name, unit['workload-status'])
        assert (int(shown[1]), int(shown[2])) == expected, (name, unit['workload-status'])
