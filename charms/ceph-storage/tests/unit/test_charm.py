"""The charm through ops.testing: bootstrap, per-unit join tokens, OSDs, ceph-client, statuses."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from typing import Any

import metal_host
import pytest
from metal_interfaces import ceph_client, ceph_client_testing
from ops import testing

import charm
import clients
import config
import disks
import workload
from conftest import FSID, PEER_ID, CephHost, Cluster, context, lsblk, network, networks

CLIENT_ID = 20


def solo(host: CephHost, *extra: testing.RelationBase, **kwargs: Any) -> testing.State:
    state = testing.State(
        leader=True,
        relations={testing.PeerRelation('ceph-peers', id=PEER_ID), *extra},
        networks=networks('10.0.0.1'),
        **kwargs,
    )
    with metal_host.bound(host):
        return context().run(context().on.config_changed(), state)


def run(host: CephHost, state: testing.State, event: Any = None) -> testing.State:
    ctx = context()
    with metal_host.bound(host):
        return ctx.run(event(ctx, state) if event else ctx.on.config_changed(), state)


# -- install and bootstrap -------------------------------------------------------------------


def test_install_installs_and_holds_the_snap_from_the_channel() -> None:
    host = CephHost(installed=False)
    ctx = context()
    with metal_host.bound(host):
        out = ctx.run(ctx.on.install(), testing.State(config={'channel': 'reef/stable'}))
    assert host.snaps['microceph'] == metal_host.SnapState('reef/stable', held=True)
    assert out.unit_status == testing.WaitingStatus('waiting for the ceph-peers relation')


def test_snap_failure_blocks_and_retries() -> None:
    host = CephHost(installed=False)
    host.fail('snap_install', metal_host.CommandError(['snap'], 1, '', 'error: no such channel'))
    out = solo(host)
    assert out.unit_status.name == 'blocked'
    assert 'cannot install microceph from squid/stable' in out.unit_status.message


def test_invalid_config_blocks_naming_the_option() -> None:
    out = solo(CephHost(), config={'osd-devices': 'sdb'})
    assert out.unit_status == testing.BlockedStatus(
        "invalid config: osd-devices 'sdb' is not a /dev path (or use 'all-blank' alone)"
    )


def test_leader_bootstraps_with_derived_network_and_adds_blank_disks() -> None:
    host = CephHost()
    out = solo(host)
    assert (
        'microceph', 'cluster', 'bootstrap',
        '--public-network', '10.0.0.0/24', '--microceph-ip', '10.0.0.1',
    ) in host.commands  # fmt: skip
    assert ('microceph', 'disk', 'add', '/dev/sdb', '--wipe') in host.commands
    assert ('microceph', 'disk', 'add', '/dev/sdc', '--wipe') in host.commands
    assert not any(c[:4] == ('microceph', 'disk', 'add', '/dev/sda') for c in host.commands)
    assert out.unit_status == testing.ActiveStatus(
        'MicroCeph: 1 mon, 2 OSDs here (2 up of 2 in cluster); serving 0 pools '
        '(monitor-count 3: add units for more mons)'
    )
    app = out.get_relation(PEER_ID).local_app_data
    assert json.loads(app['bootstrap']) == {'node': 'ceph-0', 'public-network': '10.0.0.0/24'}


def test_bootstrap_is_idempotent() -> None:
    host = CephHost()
    out = solo(host)
    host.calls.clear()
    run(host, dataclasses.replace(out))
    assert not any(c[:3] == ('microceph', 'cluster', 'bootstrap') for c in host.commands)
    assert not any(c[:3] == ('microceph', 'disk', 'add') for c in host.commands)


def multi_nic(**extra: str) -> set[testing.Network]:
    """A MAAS machine with a NIC per space; the peers' (default) space is the PXE/OAM one.

    The machine's first address, 10.0.0.1, is the OAM one; MicroCeph's daemon listens in the
    admin space, Ceph's public and cluster networks are their spaces' subnets. ``extra``
    replaces an endpoint's address (endpoint name -> ``ip/prefix``).
    """
    where = {
        'ceph-peers': '10.0.0.1/24',
        'admin': '10.10.0.1/24',
        'public': '10.20.0.1/22',
        'cluster': '10.30.0.1/24',
        **extra,
    }
    return {
        network(ip.split('/')[0], endpoint, str(ipaddress.ip_interface(ip).network))
        for endpoint, ip in where.items()
    }


def test_bootstrap_takes_its_networks_and_address_from_the_bindings() -> None:
    """canonical/charm-microceph _get_bootstrap_params: public/cluster subnets, admin address."""
    host = CephHost()
    state = testing.State(
        leader=True,
        relations={testing.PeerRelation('ceph-peers', id=PEER_ID)},
        networks=multi_nic(),
    )
    out = run(host, state)
    assert (
        'microceph', 'cluster', 'bootstrap',
        '--public-network', '10.20.0.0/22', '--cluster-network', '10.30.0.0/24',
        '--microceph-ip', '10.10.0.1',
    ) in host.commands  # fmt: skip
    assert json.loads(out.get_relation(PEER_ID).local_app_data['bootstrap']) == {
        'node': 'ceph-0',
        'public-network': '10.20.0.0/22',
        'cluster-network': '10.30.0.0/24',
    }


def test_configured_networks_win_over_the_bindings() -> None:
    host = CephHost()
    state = testing.State(
        leader=True,
        relations={testing.PeerRelation('ceph-peers', id=PEER_ID)},
        networks=multi_nic(),
        config={'public-network': '10.21.0.0/24', 'cluster-network': '10.31.0.0/24'},
    )
    run(host, state)
    [bootstrap] = [c for c in host.commands if c[:3] == ('microceph', 'cluster', 'bootstrap')]
    assert bootstrap[3:] == (
        '--public-network', '10.21.0.0/24', '--cluster-network', '10.31.0.0/24',
        '--microceph-ip', '10.10.0.1',
    )  # fmt: skip


def test_a_member_joins_on_its_admin_binding() -> None:
    cluster = Cluster(2)
    cluster.networks = {0: multi_nic(), 1: multi_nic(admin='10.10.0.2/24')}
    cluster.settle()
    joins = [c for c in cluster.hosts[1].commands if c[:3] == ('microceph', 'cluster', 'join')]
    assert joins and joins[0][4:] == ('--microceph-ip', '10.10.0.2')
    assert json.loads(cluster.unit_data[1]['address']) == '10.10.0.2'


def test_no_address_on_the_admin_binding_blocks_without_bootstrapping() -> None:
    host = CephHost()
    empty = testing.Network('admin', bind_addresses=[], ingress_addresses=[], egress_subnets=[])
    state = testing.State(
        leader=True,
        relations={testing.PeerRelation('ceph-peers', id=PEER_ID)},
        networks={n for n in multi_nic() if n.binding_name != 'admin'} | {empty},
    )
    out = run(host, state)
    assert out.unit_status == testing.BlockedStatus(charm.NO_ADMIN_ADDRESS)
    assert not any(c[:3] == ('microceph', 'cluster', 'bootstrap') for c in host.commands)


def test_an_invalid_cluster_network_blocks_naming_the_option() -> None:
    out = solo(CephHost(), config={'cluster-network': '10.30.0.1/24'})
    assert out.unit_status == testing.BlockedStatus(
        "invalid config: cluster-network '10.30.0.1/24' is not a CIDR"
    )


def test_configured_public_network_is_used() -> None:
    host = CephHost()
    solo(host, config={'public-network': '192.168.10.0/24'})
    assert any('192.168.10.0/24' in c for c in host.commands)


def test_bootstrap_failure_blocks() -> None:
    host = CephHost()
    host.expect('microceph cluster bootstrap', returncode=1, stderr='Error: boom')
    out = solo(host)
    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith('bootstrap failed:')


# -- joins -------------------------------------------------------------------------------------


def test_three_units_join_with_per_unit_token_secrets() -> None:
    cluster = Cluster(3)
    cluster.run(0)
    cluster.run(1)
    cluster.run(2)
    cluster.run(0)  # the leader mints tokens for 1 and 2
    entries = json.loads(cluster.app_data['join-tokens'])
    assert set(entries) == {'ceph-storage/1', 'ceph-storage/2'}
    leader_out = cluster.outs[0]
    for unit, entry in entries.items():
        secret = leader_out.get_secret(id=entry['secret'])
        grants = {u for units in secret.remote_grants.values() for u in units}
        assert grants == {unit}, 'each token is granted to its own unit only'
        assert secret.tracked_content['token'] in cluster.world.tokens
    cluster.settle()
    assert set(cluster.world.members) == {'ceph-0', 'ceph-1', 'ceph-2'}
    # The token is passed Sensitive; it never shows in a databag (checked by run) or status.
    joins = [
        c.args[0]
        for c in cluster.hosts[1].calls_to('run')
        if c.args[0][:3] == ('microceph', 'cluster', 'join')  # type: ignore[index]
    ]
    assert joins
    argv: Any = joins[0]
    assert argv[4:] == ('--microceph-ip', '10.0.0.2')
    assert 'join-tokens' not in cluster.app_data, 'tokens revoked once joined'
    assert not cluster.secrets
    for n in range(3):
        assert cluster.statuses[n] == testing.ActiveStatus(
            'MicroCeph: 3 mons, 2 OSDs here (6 up of 6 in cluster)'
            + ('; serving 0 pools' if n == 0 else '')
        )


def test_a_unit_adding_an_osd_publishes_its_count_and_peers_follow() -> None:
    """Issue 22: only the unit that adds an OSD gets an event for it; the others showed the
    old cluster count until update-status. The unit's OSD count in its peer databag changes,
    which is what makes Juju run relation-changed on the others, and that re-reads the
    cluster."""
    cluster = Cluster(3)
    cluster.settle()
    assert [json.loads(cluster.unit_data[n]['osds']) for n in range(3)] == [2, 2, 2]
    before = {n: dict(cluster.unit_data[n]) for n in range(3)}
    # A reconcile that adds nothing changes nothing: no event for the peers.
    cluster.run(2)
    assert cluster.unit_data[2] == before[2]
    # A disk appears on ceph-1 (hot-plugged, seen by its next reconcile): it becomes an OSD.
    cluster.hosts[1].disks = lsblk('/dev/sdb', '/dev/sdc', '/dev/sdd')
    cluster.run(1)
    assert cluster.statuses[1].message.startswith('MicroCeph: 3 mons, 3 OSDs here (7 up of 7 ')
    assert json.loads(cluster.unit_data[1]['osds']) == 3
    changed = {k for k, v in cluster.unit_data[1].items() if before[1].get(k) != v}
    assert changed == {'osds'}
    # The event Juju delivers the others for that change: each reads the new count.
    for n in (0, 2):
        cluster.run(
            n,
            lambda ctx, state: ctx.on.relation_changed(state.get_relation(PEER_ID), remote_unit=1),
        )
        assert '(7 up of 7 in cluster)' in cluster.statuses[n].message, cluster.statuses[n]
        assert cluster.unit_data[n] == before[n], 'no new event for the peers in turn'


def test_join_passes_the_token_as_sensitive() -> None:
    cluster = Cluster(2)
    cluster.run(0)
    cluster.run(1)
    cluster.run(0)
    seen: list[Any] = []
    host = cluster.hosts[1]
    original = host.run

    def spy(argv: Any, **kwargs: Any) -> metal_host.Completed:
        seen.append(list(argv))
        return original(argv, **kwargs)

    host.run = spy  # type: ignore[method-assign]
    cluster.run(1)
    joins = [a for a in seen if a[:3] == ['microceph', 'cluster', 'join']]
    assert joins and isinstance(joins[0][3], metal_host.Sensitive)


def test_non_leader_waits_for_bootstrap_then_for_a_token() -> None:
    cluster = Cluster(2)
    cluster.run(1)
    assert cluster.statuses[1] == testing.WaitingStatus(
        'waiting for the leader to bootstrap MicroCeph'
    )
    assert json.loads(cluster.unit_data[1]['state']) == 'pending'
    assert json.loads(cluster.unit_data[1]['node-name']) == 'ceph-1'
    cluster = Cluster(2)
    cluster.run(0)  # bootstraps before unit 1 has asked
    cluster.run(1)
    assert cluster.statuses[1] == testing.WaitingStatus('waiting for a join token from the leader')
    cluster.run(0)
    cluster.run(1)
    assert cluster.statuses[1] == testing.MaintenanceStatus(
        'joined MicroCeph; adding OSDs on the next event'
    )


def test_rejected_token_gets_exactly_one_new_token() -> None:
    cluster = Cluster(2)
    cluster.run(0)
    cluster.run(1)
    cluster.run(0)
    cluster.world.tokens.clear()  # the token expired
    cluster.run(1)
    assert cluster.statuses[1] == testing.WaitingStatus(
        'join token rejected; asked the leader for a new one'
    )
    assert json.loads(cluster.unit_data[1]['state']) == 'token-failed'
    cluster.run(1)
    assert cluster.statuses[1] == testing.WaitingStatus(
        'join token rejected; waiting for a new one'
    )
    minted = cluster.world.minted
    cluster.run(0)
    cluster.run(0)
    assert cluster.world.minted == minted + 1
    cluster.run(1)
    assert 'ceph-1' in cluster.world.members


def test_a_join_that_fails_on_the_network_retries_the_same_token() -> None:
    """microcluster refuses a second token for a name while one is alive: keep the token."""
    cluster = Cluster(2)
    cluster.run(0)
    cluster.run(1)
    cluster.run(0)
    minted = cluster.world.minted
    host = cluster.hosts[1]
    host.expect(
        'microceph cluster join',
        returncode=1,
        stderr=(
            'Error: 1 join attempts were unsuccessful. Last error: Post "https://10.0.0.1:7443'
            '/core/internal/cluster": dial tcp 10.0.0.1:7443: connect: connection refused\n'
        ),
    )
    cluster.run(1)
    assert cluster.statuses[1].name == 'waiting'
    assert cluster.statuses[1].message.startswith('joining MicroCeph failed: ')
    assert json.loads(cluster.unit_data[1]['state']) == 'pending'
    host.injected.clear()
    host.responses.clear()
    cluster.run(0)
    assert cluster.world.minted == minted
    cluster.run(1)
    assert 'ceph-1' in cluster.world.members


def test_spent_tokens_as_squid_and_reef_refuse_them() -> None:
    last = 'Error: 1 join attempts were unsuccessful. Last error: '
    assert workload.token_is_spent(last + 'CoreTokenRecord not found')  # squid, microcluster v2
    assert workload.token_is_spent(last + 'InternalTokenRecord not found')  # reef
    assert workload.token_is_spent(last + 'Token expired')
    assert not workload.token_is_spent(last + 'dial tcp 10.0.0.1:7443: connection refused')


def test_departed_unit_token_is_revoked() -> None:
    cluster = Cluster(2)
    cluster.run(0)
    cluster.run(1)
    cluster.run(0)
    assert len(cluster.secrets) == 1
    cluster.members.discard(1)
    cluster.run(0, lambda ctx, s: ctx.on.update_status())
    assert not cluster.secrets
    assert 'join-tokens' not in cluster.app_data


def test_leader_outside_the_cluster_blocks() -> None:
    cluster = Cluster(2)
    cluster.run(0)
    cluster.leader = 1
    cluster.run(1)
    assert cluster.statuses[1].name == 'blocked'
    assert 'leader is not a MicroCeph member' in cluster.statuses[1].message


def test_secret_remove_drops_the_revision() -> None:
    ctx = context()
    secret = testing.Secret({'token': 'x'}, owner='app')
    with metal_host.bound(CephHost()):
        ctx.run(
            ctx.on.secret_remove(secret, revision=3), testing.State(leader=True, secrets={secret})
        )
    assert ctx.removed_secret_revisions == [3]


# -- OSDs ----------------------------------------------------------------------------------------


def test_no_blank_disks_blocks_naming_the_option() -> None:
    host = CephHost(disks=lsblk(mounted='/dev/sdb'))
    out = solo(host)
    assert out.unit_status == testing.BlockedStatus(
        "no blank disks for OSDs (osd-devices='all-blank'); attach a disk or list devices"
    )


def test_explicit_devices_refuse_non_blank_ones() -> None:
    host = CephHost(disks=lsblk('/dev/sdc', mounted='/dev/sdb'))
    out = solo(host, config={'osd-devices': '/dev/sdb /dev/sdc /dev/sdz'})
    assert ('microceph', 'disk', 'add', '/dev/sdc', '--wipe') in host.commands
    assert not any(c[:4] == ('microceph', 'disk', 'add', '/dev/sdb') for c in host.commands)
    assert out.unit_status == testing.BlockedStatus(
        'osd-devices: /dev/sdb not blank, /dev/sdz not found (not wiped)'
    )


def test_existing_osds_are_not_added_again() -> None:
    host = CephHost()
    host.world.members['ceph-0'] = '10.0.0.1'
    host.world.osds.append(('ceph-0', '/dev/sdb'))
    solo(host)
    adds = [c for c in host.commands if c[:3] == ('microceph', 'disk', 'add')]
    assert adds == [('microceph', 'disk', 'add', '/dev/sdc', '--wipe')]


def test_juju_storage_devices_are_added() -> None:
    host = CephHost(disks=lsblk())
    storage = testing.Storage('osd-devices')
    out = solo(host, storages={storage})
    # The test storage location is not a device on the machine: refused, never wiped.
    assert out.unit_status.name == 'blocked'
    assert 'not found (not wiped)' in out.unit_status.message


def test_disk_add_failure_blocks() -> None:
    host = CephHost()
    host.world.members['ceph-0'] = '10.0.0.1'
    host.expect(
        'microceph disk add /dev/sdb',
        stdout='| /dev/sdb | Failure: unable to wipe |\n',
    )
    out = solo(host)
    assert out.unit_status.name == 'blocked'
    assert 'cannot add OSD /dev/sdb' in out.unit_status.message


def test_choose_all_blank_skips_boot_partitioned_and_mounted() -> None:
    devices = disks.parse_lsblk(lsblk('/dev/sdb', mounted='/dev/sdc'))
    assert disks.choose(devices, None, [], []).add == ('/dev/sdb',)
    assert disks.choose(devices, None, [], ['/dev/sdb']).add == ()


def test_public_network_derivation() -> None:
    assert config.public_network('', '10.1.2.3', '10.1.0.0/22') == '10.1.0.0/22'
    assert config.public_network('', '10.1.2.3') == '10.1.2.0/24'
    assert config.public_network('', 'fd00::5') == 'fd00::/64'
    assert config.public_network('10.9.0.0/16', '10.1.2.3') == '10.9.0.0/16'


# -- ceph-client -------------------------------------------------------------------------------


def test_ceph_client_pools_key_secret_fsid_and_mons() -> None:
    cluster = Cluster(3)
    cluster.extra = [ceph_client_testing.relation_for_provider(id=CLIENT_ID)]
    cluster.settle()
    world = cluster.world
    assert world.pools['kubernetes'] == {'application': 'rbd', 'size': 3}
    assert world.filesystems == {'kubernetes-fs'}
    key, caps = world.clients['client.kubernetes']
    assert caps == tuple(clients.caps(ceph_client_testing.DEFAULT_POOLS))
    out = cluster.outs[0]
    relation = out.get_relation(CLIENT_ID)
    data = relation.local_app_data
    assert json.loads(data['fsid']) == FSID
    assert json.loads(data['mon-addresses']) == [
        {'address': '10.0.0.1'},
        {'address': '10.0.0.2'},
        {'address': '10.0.0.3'},
    ]
    assert json.loads(data['ready']) is True
    secret = out.get_secret(id=json.loads(data['client-key-secret']))
    assert secret.tracked_content == {ceph_client.CONTENT_KEY: key}
    assert all(key not in v for v in data.values())
    assert cluster.statuses[0] == testing.ActiveStatus(
        'MicroCeph: 3 mons, 2 OSDs here (6 up of 6 in cluster); serving 2 pools'
    )


def test_ceph_client_not_ready_without_osds() -> None:
    host = CephHost(disks=lsblk())
    rel = ceph_client_testing.relation_for_provider(id=CLIENT_ID)
    out = solo(host, rel)
    assert json.loads(out.get_relation(CLIENT_ID).local_app_data['ready']) is False


def test_caps_rbd_only() -> None:
    """ceph/ceph-csi docs/capabilities.md: RBD needs mon, mgr and osd rbd profiles."""
    pools = [ceph_client.Pool(name='b'), ceph_client.Pool(name='a')]
    assert clients.caps(pools) == [
        'mon',
        'profile rbd',
        'mgr',
        'profile rbd pool=a, profile rbd pool=b',
        'osd',
        'profile rbd pool=a, profile rbd pool=b',
    ]


def test_caps_cephfs_as_ceph_csi_documents() -> None:
    """CephFS needs the mgr (subvolumes), the metadata pool (the CSI journal) and /volumes."""
    pools = [ceph_client.Pool(name='fs', application='cephfs'), ceph_client.Pool(name='a')]
    assert clients.caps(pools) == [
        'mon',
        'profile rbd, allow r fsname=fs',
        'mgr',
        'allow rw',
        'osd',
        'profile rbd pool=a, allow rw tag cephfs metadata=fs, allow rw tag cephfs data=fs',
        'mds',
        'allow r fsname=fs path=/volumes, allow rws fsname=fs path=/volumes/csi',
    ]


def test_a_client_with_other_caps_gets_them_updated_and_keeps_its_key() -> None:
    host = CephHost()
    host.world.members['ceph-0'] = '10.0.0.1'
    host.world.clients['client.kubernetes'] = ('AQCkOLDcephxkeyfortests00==', ('mon', 'x'))
    rel = ceph_client_testing.relation_for_provider(id=CLIENT_ID)
    out = solo(host, rel)
    wanted = tuple(clients.caps(ceph_client_testing.DEFAULT_POOLS))
    assert ('microceph.ceph', 'auth', 'caps', 'client.kubernetes', *wanted) in host.commands
    assert host.world.clients['client.kubernetes'] == ('AQCkOLDcephxkeyfortests00==', wanted)
    assert 'client-key-secret' in out.get_relation(CLIENT_ID).local_app_data


# -- failure-domain zone ----------------------------------------------------------------------

ZONES = {0: 'az1', 1: 'az2', 2: 'az3'}
CRUSH_VERBS = ('add-bucket', 'move', 'create-replicated', 'crush_rule')


def crush_writes(commands: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The ceph commands that change the CRUSH map or a pool's rule, in order."""
    return [c for c in commands if c[0] == 'microceph.ceph' and any(v in c for v in CRUSH_VERBS)]


def zone_cluster(zones: dict[int, str], size: int = 3) -> Cluster:
    cluster = Cluster(size, config={'failure-domain': 'zone'}, zones=zones)
    cluster.extra = [ceph_client_testing.relation_for_provider(id=CLIENT_ID)]
    return cluster


def test_each_unit_publishes_its_availability_zone() -> None:
    cluster = zone_cluster(ZONES)
    cluster.settle()
    assert {n: json.loads(cluster.unit_data[n]['availability-zone']) for n in ZONES} == ZONES
    plain = zone_cluster({})
    plain.run(0)
    assert 'availability-zone' not in plain.unit_data[0]


def test_zone_failure_domain_builds_the_crush_map_and_sets_the_rule() -> None:
    cluster = zone_cluster(ZONES)
    cluster.config = {}  # a host cluster first, then the operator asks for zones
    cluster.settle()
    cluster.config = {'failure-domain': 'zone'}
    before = len(cluster.hosts[0].commands)
    cluster.run(0)
    world = cluster.world
    assert world.crush() == {
        'default': ('root', None),
        'ceph-0': ('host', 'az1'), 'ceph-1': ('host', 'az2'), 'ceph-2': ('host', 'az3'),
        'az1': ('zone', 'default'), 'az2': ('zone', 'default'), 'az3': ('zone', 'default'),
    }  # fmt: skip
    assert world.rules == ['replicated_rule', 'replicated-zone']
    pools = ['kubernetes', 'cephfs.kubernetes-fs.meta', 'cephfs.kubernetes-fs.data']
    assert {p: world.pools[p].get('crush_rule') for p in pools} == dict.fromkeys(
        pools, 'replicated-zone'
    )
    osd_crush = ('microceph.ceph', 'osd', 'crush')
    assert crush_writes(cluster.hosts[0].commands[before:]) == [
        (*osd_crush, 'add-bucket', 'az1', 'zone'),
        (*osd_crush, 'move', 'az1', 'root=default'),
        (*osd_crush, 'add-bucket', 'az2', 'zone'),
        (*osd_crush, 'move', 'az2', 'root=default'),
        (*osd_crush, 'add-bucket', 'az3', 'zone'),
        (*osd_crush, 'move', 'az3', 'root=default'),
        (*osd_crush, 'move', 'ceph-0', 'zone=az1'),
        (*osd_crush, 'move', 'ceph-1', 'zone=az2'),
        (*osd_crush, 'move', 'ceph-2', 'zone=az3'),
        (*osd_crush, 'rule', 'create-replicated', 'replicated-zone', 'default', 'zone'),
        *[
            ('microceph.ceph', 'osd', 'pool', 'set', p, 'crush_rule', 'replicated-zone')
            for p in pools
        ],
    ]
    cluster.settle()
    for n in range(1, 3):  # only the leader touches CRUSH
        assert crush_writes(cluster.hosts[n].commands) == []
    assert cluster.statuses[0] == testing.ActiveStatus(
        'MicroCeph: 3 mons, 2 OSDs here (6 up of 6 in cluster); serving 2 pools'
        '; failure domain zone (3 zones)'
    )
    assert cluster.statuses[1].message.endswith('; failure domain zone (3 zones)')

    before = len(cluster.hosts[0].commands)
    cluster.run(0)  # idempotent: the reads, no CRUSH or pool change
    again = cluster.hosts[0].commands[before:]
    assert ('microceph.ceph', 'osd', 'tree', '-f', 'json') in again
    assert crush_writes(again) == []
    assert cluster.statuses[0].name == 'active'


def test_units_sharing_a_zone_share_its_bucket() -> None:
    cluster = zone_cluster({0: 'az1', 1: 'az1', 2: 'az2', 3: 'az3'}, size=4)
    cluster.settle()
    crush = cluster.world.crush()
    assert (crush['ceph-0'], crush['ceph-1']) == (('host', 'az1'), ('host', 'az1'))
    adds = [c for c in cluster.hosts[0].commands if 'add-bucket' in c]
    assert [c[4] for c in adds] == ['az1', 'az2', 'az3']
    assert cluster.statuses[0].message.endswith('; failure domain zone (3 zones)')


def test_fewer_than_three_zones_blocks_and_keeps_the_pool_rule() -> None:
    cluster = zone_cluster({0: 'az1', 1: 'az2', 2: 'az2'})
    cluster.settle()
    world = cluster.world
    assert world.crush()['ceph-2'] == ('host', 'az2')
    assert 'replicated-zone' in world.rules
    assert not any('crush_rule' in p for p in world.pools.values())
    assert cluster.statuses[0] == testing.BlockedStatus(
        'failure-domain zone: 2 availability zones, 3 needed for 3 replicas; '
        'pools keep their CRUSH rule'
    )
    assert cluster.statuses[1].message.endswith('; failure domain zone (2 zones)')
    cluster.zones[2] = 'az3'  # a unit in a third zone: the rule follows
    cluster.settle()
    assert world.crush()['ceph-2'] == ('host', 'az3')
    assert world.pools['kubernetes']['crush_rule'] == 'replicated-zone'
    assert cluster.statuses[0].name == 'active'


def test_a_member_without_a_zone_blocks_naming_it() -> None:
    cluster = zone_cluster({0: 'az1', 1: 'az2', 2: 'az3', 3: ''}, size=4)
    cluster.settle()
    assert cluster.world.crush()['ceph-3'] == ('host', 'default')
    assert cluster.statuses[0] == testing.BlockedStatus(
        'failure-domain zone: no availability zone for ceph-3'
    )
    solo_out = solo(CephHost(), config={'failure-domain': 'zone'})
    assert solo_out.unit_status == testing.BlockedStatus(
        'failure-domain zone: 0 availability zones, 3 needed for 3 replicas; pools keep '
        'their CRUSH rule; no availability zone for ceph-0'
    )


def test_crush_failure_is_retried() -> None:
    cluster = zone_cluster(ZONES)
    cluster.settle()
    host = cluster.hosts[0]
    cluster.world.buckets.clear()
    host.expect(
        'microceph.ceph osd crush add-bucket az1 zone', returncode=13, stderr='Error EACCES: no\n'
    )
    cluster.run(0)
    assert cluster.statuses[0].name == 'maintenance'
    assert cluster.statuses[0].message.startswith('failure-domain zone: ')


def test_host_failure_domain_runs_no_crush_command() -> None:
    cluster = Cluster(3, zones=ZONES)
    cluster.extra = [ceph_client_testing.relation_for_provider(id=CLIENT_ID)]
    cluster.settle()
    for host in cluster.hosts.values():
        assert not any(c[:3] == ('microceph.ceph', 'osd', 'crush') for c in host.commands)
        assert not any(
            'crush_rule' in c or c[:3] == ('microceph.ceph', 'osd', 'tree') for c in host.commands
        )
    assert cluster.world.rules == ['replicated_rule']
    assert 'failure domain' not in cluster.statuses[0].message


@pytest.mark.parametrize('event', ['start', 'update_status', 'upgrade_charm', 'leader_elected'])
def test_every_event_reconciles(event: str) -> None:
    host = CephHost()
    ctx = context()
    state = testing.State(
        leader=True,
        relations={testing.PeerRelation('ceph-peers', id=PEER_ID)},
        networks=networks('10.0.0.1'),
    )
    with metal_host.bound(host):
        out = ctx.run(getattr(ctx.on, event)(), state)
    assert out.unit_status.name == 'active'
    assert charm.PEERS == 'ceph-peers'


def test_bootstrap_refused_as_already_initialised_counts_as_done() -> None:
    """microcluster v2 refuses a second initialisation with the database status."""
    host = CephHost()
    host.expect(
        'microceph cluster bootstrap',
        returncode=1,
        stderr='Error: Unable to initialize cluster: Database is online\n',
    )
    out = solo(host)
    assert not out.unit_status.message.startswith('bootstrap failed')
    assert 'bootstrap' in out.get_relation(PEER_ID).local_app_data
