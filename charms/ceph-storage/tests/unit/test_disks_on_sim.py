"""OSD device identity, with the charm driving olm's emulated microceph and lsblk.

The emulation models MicroCeph squid and util-linux 2.39 as upstream behaves (see
orchestrator/sim/conformance/microceph.md): MicroCeph records an OSD by its stable
``/dev/disk/by-id`` path (``setStablePath``), Juju reports a MAAS disk with a serial by its
by-id link (``storage-get location``), lsblk names the device ``/dev/sdX`` and reports a disk
that became an OSD as ``ceph_bluestore``. The charm must see through the names.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import metal_host
from metal_interfaces import ceph_client, ceph_client_testing
from ops import testing
from orchestrator.sim import BlockDevice, SimHost, World
from orchestrator.sim.host import maas_id_path

from conftest import PEER_ID, context, networks

TB = 1_000_204_886_016


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class AttachedStorage(testing.Storage):
    """Block storage where Juju attached it: ``storage-get location`` is a device path."""

    location: str = ''

    def get_filesystem(self, ctx: Any) -> Path:
        return Path(self.location)


def machine() -> SimHost:
    world = World()
    return world.add_machine(
        '0',
        hostname='node-0',
        addresses=['10.0.0.10'],
        disks=[
            BlockDevice('sda', 480_103_981_056, boot=True),
            BlockDevice('sdb', TB),
            BlockDevice('sdc', TB),
        ],
    )


def reconcile(host: SimHost, state: testing.State) -> testing.State:
    ctx = context()
    with metal_host.bound(host):
        return ctx.run(ctx.on.config_changed(), state)


def leader(**kwargs: Any) -> testing.State:
    kwargs.setdefault('relations', {testing.PeerRelation('ceph-peers', id=PEER_ID)})
    return testing.State(leader=True, networks=networks('10.0.0.10'), **kwargs)


def osd_paths(host: SimHost) -> list[str]:
    listed = json.loads(host.run(['microceph', 'disk', 'list', '--json']).stdout)
    return [d['path'] for d in listed['ConfiguredDisks']]


def adds(host: SimHost) -> list[tuple[str, ...]]:
    return [r.argv for r in host.history if r.argv[:3] == ('microceph', 'disk', 'add')]


def test_juju_storage_located_by_id_becomes_an_osd_once() -> None:
    host = machine()
    location = maas_id_path('node-0', 'sdc')
    assert location.startswith('/dev/disk/by-id/wwn-')
    storage = AttachedStorage('osd-devices', index=0, location=location)
    out = reconcile(host, leader(config={'osd-devices': ''}, storages={storage}))
    assert out.unit_status == testing.ActiveStatus(
        'MicroCeph: 1 mon, 1 OSD here (1 up of 1 in cluster); serving 0 pools '
        '(monitor-count 3: add units for more mons)'
    )
    assert osd_paths(host) == [location]
    again = reconcile(host, dataclasses.replace(out))
    assert again.unit_status == out.unit_status
    assert len(adds(host)) == 1


def test_a_listed_device_that_became_an_osd_is_not_refused() -> None:
    host = machine()
    out = reconcile(host, leader(config={'osd-devices': '/dev/sdb'}))
    assert out.unit_status.name == 'active', out.unit_status
    (recorded,) = osd_paths(host)
    assert recorded == maas_id_path('node-0', 'sdb')
    again = reconcile(host, dataclasses.replace(out))
    # lsblk now says ceph_bluestore on /dev/sdb; it is this unit's OSD, not a foreign disk
    assert again.unit_status == out.unit_status
    assert len(adds(host)) == 1


def test_all_blank_adds_each_disk_once() -> None:
    host = machine()
    out = reconcile(host, leader())
    assert 'MicroCeph: 1 mon, 2 OSDs here' in out.unit_status.message
    again = reconcile(host, dataclasses.replace(out))
    assert again.unit_status == out.unit_status
    assert len(adds(host)) == 2


def test_a_listed_by_id_path_that_does_not_exist_is_refused() -> None:
    host = machine()
    missing = '/dev/disk/by-id/wwn-0x5000000000000000'
    out = reconcile(host, leader(config={'osd-devices': f'/dev/sdb {missing}'}))
    assert out.unit_status == testing.BlockedStatus(
        f'osd-devices: {missing} not found (not wiped)'
    )
    assert osd_paths(host) == [maas_id_path('node-0', 'sdb')]


def test_a_pool_asking_for_one_replica_is_named_and_the_rest_served() -> None:
    """Ceph refuses size 1 unless mon_allow_pool_size_one, which MicroCeph leaves off."""
    host = machine()
    pools = [ceph_client.Pool(name='one', replicas=1), ceph_client.Pool(name='two', replicas=2)]
    relation = ceph_client_testing.relation_for_provider(id=20, pools=pools)
    out = reconcile(
        host, leader(relations={testing.PeerRelation('ceph-peers', id=PEER_ID), relation})
    )
    assert out.unit_status == testing.BlockedStatus(
        'ceph-client kubernetes-control-plane: pool one asks for 1 replica, which Ceph refuses '
        'by default; it gets the cluster default'
    )
    assert 'client-key-secret' in out.get_relation(20).local_app_data
    listed = json.loads(host.run(['microceph.ceph', 'osd', 'pool', 'ls', '-f', 'json']).stdout)
    assert {'one', 'two'} <= set(listed)
