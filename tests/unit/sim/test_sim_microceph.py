"""microceph and ceph on simulated machines: a cluster shared through the World."""

from __future__ import annotations

import base64
import json

import pytest

from orchestrator.sim import BlockDevice, SimError, World
from orchestrator.sim.host import NetworkDevice

TB = 1_000_204_886_016


def machine(world: World, n: int):
    host = world.add_machine(
        str(n),
        hostname=f'node-{n}',
        addresses=[f'10.0.0.{10 + n}'],
        disks=[
            BlockDevice('sda', 480_103_981_056, boot=True),
            BlockDevice('sdb', TB),
            BlockDevice('sdc', TB),
        ],
    )
    host.snap_install('microceph', channel='squid/stable')
    return host


def run(host, *argv: str):
    return host.run(list(argv), check=False)


def bootstrap(host):
    done = run(
        host, 'microceph', 'cluster', 'bootstrap', '--public-network', '10.0.0.0/24',
        '--microceph-ip', host.addresses()[0],
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, '', '')


def join(first, other):
    token = run(first, 'microceph', 'cluster', 'add', other.hostname()).stdout.strip()
    done = run(
        other, 'microceph', 'cluster', 'join', token, '--microceph-ip', other.addresses()[0]
    )
    assert done.returncode == 0, done.stderr
    return token


@pytest.fixture
def world():
    return World()


@pytest.fixture
def three(world):
    hosts = [machine(world, n) for n in range(3)]
    bootstrap(hosts[0])
    join(hosts[0], hosts[1])
    join(hosts[0], hosts[2])
    return hosts


def ceph_json(host, *argv: str):
    done = run(host, 'microceph.ceph', *argv, '-f', 'json')
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_not_installed_is_127(world):
    host = world.add_machine('9', hostname='bare', addresses=['10.0.0.99'])
    for program in ('microceph', 'ceph', 'microceph.ceph'):
        done = run(host, program, 'status')
        assert done.returncode == 127
        assert done.stderr == f'{program}: No such file or directory'


def test_a_bare_ceph_is_not_on_the_path(three):
    """The snap has no auto-alias: ceph is only microceph.ceph until someone runs snap alias
    (canonical/microceph tests/scripts/actionutils.sh does)."""
    done = run(three[0], 'ceph', 'fsid')
    assert (done.returncode, done.stderr) == (127, 'ceph: No such file or directory')
    assert run(three[0], 'microceph.ceph', 'fsid').returncode == 0


def test_bootstrap_twice_fails(world):
    host = machine(world, 0)
    bootstrap(host)
    done = run(host, 'microceph', 'cluster', 'bootstrap')
    assert done.returncode == 1
    # microcluster v2 controlPost refuses a second initialisation with the database status
    assert done.stderr == 'Error: Unable to initialize cluster: Database is online\n'
    other = machine(world, 1)
    bootstrap(other)
    token = run(host, 'microceph', 'cluster', 'add', 'node-1').stdout.strip()
    assert run(other, 'microceph', 'cluster', 'join', token).stderr == (
        'Error: Unable to initialize cluster: Database is online\n'
    )


def test_ceph_without_a_cluster(world):
    host = machine(world, 0)
    done = run(host, 'microceph.ceph', 'status', '-f', 'json')
    assert done.returncode == 1
    assert 'RADOS object not found (error calling conf_read_file)' in done.stderr


def test_join_token_shape_and_single_use(world):
    first, second = machine(world, 0), machine(world, 1)
    bootstrap(first)
    token = run(first, 'microceph', 'cluster', 'add', 'node-1').stdout.strip()
    body = json.loads(base64.b64decode(token))
    # microcluster v2 internal/rest/types/tokens.go Token: no name (the record keeps it)
    assert list(body) == ['secret', 'fingerprint', 'join_addresses']
    assert body['join_addresses'] == ['10.0.0.10:7443']
    assert len(body['secret']) == 64
    assert run(second, 'microceph', 'cluster', 'join', token).returncode == 0
    third = machine(world, 2)
    again = run(third, 'microceph', 'cluster', 'join', token)
    assert again.returncode == 1
    assert again.stderr == (
        'Error: 1 join attempts were unsuccessful. Last error: CoreTokenRecord not found\n'
    )


def test_token_expires_after_three_hours():
    now = [1_700_000_000.0]
    world = World(clock=lambda: now[0])
    first, second = machine(world, 0), machine(world, 1)
    bootstrap(first)
    token = run(first, 'microceph', 'cluster', 'add', 'node-1').stdout.strip()
    now[0] += 3 * 3600 + 1  # microceph cluster add --timeout defaults to 3h
    done = run(second, 'microceph', 'cluster', 'join', token)
    assert done.returncode == 1
    assert done.stderr == ('Error: 1 join attempts were unsuccessful. Last error: Token expired\n')
    # the expired record is deleted when the next token is made, so node-1 gets a new one
    fresh = run(first, 'microceph', 'cluster', 'add', 'node-1', '--timeout', '10m')
    assert fresh.returncode == 0
    assert run(second, 'microceph', 'cluster', 'join', fresh.stdout.strip()).returncode == 0


def test_second_token_for_a_name_is_a_unique_violation(world):
    first = machine(world, 0)
    bootstrap(first)
    assert run(first, 'microceph', 'cluster', 'add', 'node-1').returncode == 0
    again = run(first, 'microceph', 'cluster', 'add', 'node-1')
    assert again.returncode == 1
    assert again.stderr == (
        'Error: Failed to create "core_token_records" entry: UNIQUE constraint failed: '
        'core_token_records.name\n'
    )
    bad = run(first, 'microceph', 'cluster', 'add', 'node-2', '-t', '3x')
    assert bad.stderr == 'Error: Invalid value for timeout flag: time: invalid duration "3x"\n'


def test_token_for_another_name_is_refused(world):
    first, second = machine(world, 0), machine(world, 1)
    bootstrap(first)
    token = run(first, 'microceph', 'cluster', 'add', 'node-7').stdout.strip()
    done = run(second, 'microceph', 'cluster', 'join', token)
    assert done.returncode == 1
    assert done.stderr.endswith(
        'Last error: Joining server certificate SAN does not contain join token name\n'
    )
    # the token was not spent on the failure; the right machine can still use it
    assert 'node-1' not in run(first, 'microceph', 'status').stdout


def test_three_members_three_mons(three):
    status = ceph_json(three[1], 'status')
    assert status['monmap']['num_mons'] == 3
    assert status['quorum_names'] == ['node-0', 'node-1', 'node-2']
    dump = ceph_json(three[2], 'mon', 'dump')
    assert dump['fsid'] == status['fsid']
    assert dump['mons'][1] == {
        'rank': 1,
        'name': 'node-1',
        'public_addrs': {
            'addrvec': [
                {'type': 'v2', 'addr': '10.0.0.11:3300', 'nonce': 0},
                {'type': 'v1', 'addr': '10.0.0.11:6789', 'nonce': 0},
            ]
        },
        'addr': '10.0.0.11:6789/0',
        'public_addr': '10.0.0.11:6789/0',
        'priority': 0,
        'weight': 0,
        'crush_location': '{}',
    }
    assert run(three[0], 'microceph.ceph', 'fsid').stdout == status['fsid'] + '\n'
    text = run(three[0], 'microceph', 'status').stdout
    assert text.startswith('MicroCeph deployment summary:\n- node-0 (10.0.0.10)\n')
    assert '  Services: mds, mgr, mon\n  Disks: 0\n' in text


def by_id(host, name: str) -> str:
    """The /dev/disk/by-id path LXD (and so MicroCeph and MAAS) names a disk of ``host`` by."""
    disk = next(d for d in host.block_devices if d.name == name)
    return f'/dev/disk/by-id/{host.disk_identity(disk).device_id}'


def test_disk_add_and_failures(three):
    host = three[0]
    sda, sdb, sdc = (by_id(host, n) for n in ('sda', 'sdb', 'sdc'))
    assert sdb.startswith('/dev/disk/by-id/wwn-0x5')
    done = run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--wipe')
    assert done.returncode == 0, done.stderr
    assert done.stdout == (  # the table names the path as given
        '\n'
        '+----------+---------+\n'
        '|   PATH   | STATUS  |\n'
        '+----------+---------+\n'
        '| /dev/sdb | Success |\n'
        '+----------+---------+\n'
    )
    twice = run(host, 'microceph', 'disk', 'add', '/dev/sdb')
    assert twice.returncode == 1
    assert '| /dev/sdb | Failure |' in twice.stdout
    assert twice.stderr == 'Error: failed to record disk: This "disks" entry already exists\n'
    # the same disk by its by-id link is the same record
    assert run(host, 'microceph', 'disk', 'add', sdb).stderr == twice.stderr
    missing = run(host, 'microceph', 'disk', 'add', '/dev/sdz')
    assert missing.stderr == (
        'Error: failed to set stable disk path: invalid disk path: /dev/sdz\n'
    )
    boot = run(host, 'microceph', 'disk', 'add', '/dev/sda')
    assert boot.stderr == f'Error: data device {sda} has partitions - use --wipe to override\n'
    assert run(host, 'microceph', 'disk', 'add', '/dev/sda', '--wipe').returncode == 1
    root = run(host, 'microceph', 'disk', 'add', '/dev/sda2')
    assert root.stderr == (
        'Error: data device /dev/sda2 is not pristine (contains data) - use --wipe to override\n'
    )
    wiped = run(host, 'microceph', 'disk', 'add', f'{sda}-part2', '--wipe')
    assert wiped.stderr == (
        f'Error: failed to prepare data device: device {sda}-part2 is currently mounted and '
        'cannot be used - aborting\n'
    )
    both = run(host, 'microceph', 'disk', 'add', '/dev/sdc', '/dev/sdy')
    assert both.returncode == 1
    assert '| /dev/sdc | Success |' in both.stdout
    listed = json.loads(run(host, 'microceph', 'disk', 'list', '--json').stdout)
    assert listed['ConfiguredDisks'] == [
        {'osd': 1, 'path': sdb, 'location': 'node-0'},
        {'osd': 2, 'path': sdc, 'location': 'node-0'},
    ]
    assert list(listed['ConfiguredDisks'][0]) == ['osd', 'path', 'location']
    assert listed['AvailableDisks'] == []
    other = json.loads(run(three[1], 'microceph', 'disk', 'list', '--json').stdout)
    assert [d['Path'] for d in other['AvailableDisks']] == [
        by_id(three[1], 'sdb'),
        by_id(three[1], 'sdc'),
    ]
    assert other['AvailableDisks'][0]['Size'] == '931.51GiB'
    assert len(other['ConfiguredDisks']) == 2
    mine = json.loads(run(three[1], 'microceph', 'disk', 'list', '--json', '--host-only').stdout)
    assert mine['ConfiguredDisks'] == []


def test_disk_add_records_the_stable_by_id_path(three):
    """setStablePath: MicroCeph records /dev/disk/by-id/<LXD DeviceID>, not /dev/sdX."""
    host = three[1]
    assert run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--wipe').returncode == 0
    by_link = run(host, 'microceph', 'disk', 'add', by_id(host, 'sdc'), '--wipe')
    assert by_link.returncode == 0, by_link.stderr
    assert f'| {by_id(host, "sdc")} | Success |' in by_link.stdout
    listed = json.loads(run(host, 'microceph', 'disk', 'list', '--json').stdout)
    assert [d['path'] for d in listed['ConfiguredDisks']] == [
        by_id(host, 'sdb'),
        by_id(host, 'sdc'),
    ]
    text = run(host, 'microceph', 'disk', 'list').stdout
    assert f'| 1   | node-1   | {by_id(host, "sdb")} |' in text


def test_disk_add_all_available(three):
    host = three[2]
    done = run(host, 'microceph', 'disk', 'add', '--all-available', '--wipe')
    assert done.returncode == 0, done.stderr
    assert f'| {by_id(host, "sdb")} | Success |' in done.stdout
    again = run(host, 'microceph', 'disk', 'add', '--all-available', '--wipe')
    assert again.stdout == 'No available disks found on this system.\n'


def test_ceph_status_counts_osds(three):
    assert ceph_json(three[0], 'status')['health']['status'] == 'HEALTH_WARN'
    for host in three:
        assert run(host, 'microceph', 'disk', 'add', '/dev/sdb', '/dev/sdc').returncode == 0
    status = ceph_json(three[0], 'status')
    assert status['osdmap']['num_osds'] == 6
    assert status['osdmap']['num_up_osds'] == 6
    assert status['osdmap']['num_in_osds'] == 6
    assert status['health'] == {'status': 'HEALTH_OK', 'checks': {}, 'mutes': []}
    assert (
        'Services: mds, mgr, mon, osd\n  Disks: 2' in run(three[2], 'microceph', 'status').stdout
    )


def test_pools_auth_and_volumes(three):
    host = three[0]
    done = run(host, 'microceph.ceph', 'osd', 'pool', 'create', 'rbd-pool')
    assert (done.returncode, done.stderr) == (0, "pool 'rbd-pool' created\n")
    done = run(host, 'microceph.ceph', 'osd', 'pool', 'create', 'rbd-pool')
    assert (done.returncode, done.stderr) == (0, "pool 'rbd-pool' already exists\n")
    checks = ceph_json(host, 'status')['health']['checks']
    assert 'POOL_APP_NOT_ENABLED' in checks
    done = run(host, 'microceph.ceph', 'osd', 'pool', 'application', 'enable', 'rbd-pool', 'rbd')
    assert done.stderr == "enabled application 'rbd' on pool 'rbd-pool'\n"
    assert run(host, 'microceph.ceph', 'osd', 'pool', 'set', 'rbd-pool', 'size', '2').stderr == (
        'set pool 2 size to 2\n'
    )
    missing = run(host, 'microceph.ceph', 'osd', 'pool', 'application', 'enable', 'nope', 'rbd')
    assert (missing.returncode, missing.stderr) == (2, "Error ENOENT: unrecognized pool 'nope'\n")
    assert ceph_json(three[1], 'osd', 'pool', 'ls') == ['.mgr', 'rbd-pool']

    caps = ('mon', 'profile rbd', 'osd', 'profile rbd pool=rbd-pool')
    first = ceph_json(host, 'auth', 'get-or-create', 'client.k8s', *caps)
    again = ceph_json(three[2], 'auth', 'get-or-create', 'client.k8s', *caps)
    assert first == again
    assert first[0]['entity'] == 'client.k8s'
    assert first[0]['caps'] == {'mon': 'profile rbd', 'osd': 'profile rbd pool=rbd-pool'}
    assert first[0]['key'].startswith('AQ') and len(first[0]['key']) == 40
    other = ceph_json(host, 'auth', 'get-or-create', 'client.other', 'mon', 'profile rbd')
    assert other[0]['key'] != first[0]['key']
    clash = run(host, 'microceph.ceph', 'auth', 'get-or-create', 'client.k8s', 'mon', 'allow r')
    assert clash.returncode == 22

    done = run(host, 'microceph.ceph', 'fs', 'volume', 'create', 'cephfs')
    assert (done.returncode, done.stdout, done.stderr) == (0, '', '')
    assert ceph_json(host, 'osd', 'pool', 'ls')[-2:] == [
        'cephfs.cephfs.meta',
        'cephfs.cephfs.data',
    ]
    assert ceph_json(host, 'fs', 'ls')[0]['name'] == 'cephfs'
    assert ceph_json(host, 'status')['fsmap']['by_rank'][0]['status'] == 'up:active'


def test_persistence_round_trip(three):
    world = three[0].world
    run(three[0], 'microceph', 'disk', 'add', '/dev/sdb')
    key = ceph_json(three[0], 'auth', 'get-or-create', 'client.a', 'mon', 'profile rbd')
    shared = world.dump_shared()
    machine0 = world.dump_machine('0')
    fresh = World()
    fresh.load_shared(shared)
    host = fresh.load_machine('0', machine0)
    assert ceph_json(host, 'status')['osdmap']['num_osds'] == 1
    assert ceph_json(host, 'auth', 'get-or-create', 'client.a', 'mon', 'profile rbd') == key


def test_reinstalled_snap_starts_fresh(world):
    host = machine(world, 0)
    bootstrap(host)
    host.run(['snap', 'remove', 'microceph'])
    host.snap_install('microceph', channel='squid/stable')
    assert run(host, 'microceph', 'status').stderr == ('Error: Database is not yet initialized\n')


def test_unemulated_commands_raise(three):
    with pytest.raises(SimError):
        run(three[0], 'microceph', 'disk', 'remove', '1')
    with pytest.raises(SimError):
        run(three[0], 'microceph.ceph', 'osd', 'tree')
    with pytest.raises(SimError):
        run(three[0], 'microceph.ceph', 'osd', 'crush', 'rule', 'rm', 'replicated_rule')


def ceph(host, *argv: str):
    done = run(host, 'microceph.ceph', *argv)
    return done.returncode, done.stdout, done.stderr


def test_crush_tree_starts_with_hosts_under_default(three):
    run(three[1], 'microceph', 'disk', 'add', '/dev/sdb')
    tree = ceph_json(three[0], 'osd', 'tree')
    assert tree['stray'] == []
    buckets = {n['name']: n for n in tree['nodes'] if n['type'] != 'osd'}
    assert buckets['default'] == {
        'id': -1,
        'name': 'default',
        'type': 'root',
        'type_id': 11,
        'children': [-2, -3, -4],
    }
    assert [n['name'] for n in tree['nodes']] == ['default', 'node-0', 'node-1', 'osd.1', 'node-2']
    assert buckets['node-1'] == {
        'id': -3,
        'name': 'node-1',
        'type': 'host',
        'type_id': 1,
        'children': [1],
    }
    osd = tree['nodes'][3]
    assert (osd['id'], osd['type'], osd['depth'], osd['status']) == (1, 'osd', 2, 'up')
    # microceph/ceph/crush.go ensureCrushRules makes MicroCeph's rules at bootstrap
    assert ceph_json(three[0], 'osd', 'crush', 'rule', 'ls') == [
        'replicated_rule',
        'microceph_auto_osd',
        'microceph_auto_host',
        'microceph_auto_rack',
    ]


def test_crush_zones_rule_and_pool(three):
    host = three[0]
    assert ceph(host, 'osd', 'crush', 'add-bucket', 'az1', 'zone') == (
        0,
        '',
        'added bucket az1 type zone to crush map\n',
    )
    assert ceph(host, 'osd', 'crush', 'add-bucket', 'az1', 'zone') == (
        0,
        '',
        "bucket 'az1' already exists\n",
    )
    assert ceph(host, 'osd', 'crush', 'move', 'az1', 'root=default') == (
        0,
        '',
        "moved item id -5 name 'az1' to location {root=default} in crush map\n",
    )
    assert ceph(host, 'osd', 'crush', 'move', 'az1', 'root=default') == (
        0,
        '',
        "no need to move item id -5 name 'az1' to location {root=default} in crush map\n",
    )
    assert ceph(host, 'osd', 'crush', 'move', 'node-1', 'zone=az1') == (
        0,
        '',
        "moved item id -3 name 'node-1' to location {zone=az1} in crush map\n",
    )
    assert ceph(host, 'osd', 'crush', 'move', 'nope', 'zone=az1') == (
        2,
        '',
        'Error ENOENT: item nope does not exist\n',
    )
    assert ceph(host, 'osd', 'crush', 'move', 'default', 'zone=az1')[0] == 22
    assert ceph(host, 'osd', 'crush', 'add-bucket', 'x', 'planet')[0] == 22
    nodes = {n['name']: n for n in ceph_json(host, 'osd', 'tree')['nodes']}
    assert nodes['default']['children'] == [-2, -4, -5]
    assert nodes['az1'] == {
        'id': -5,
        'name': 'az1',
        'type': 'zone',
        'type_id': 9,
        'children': [-3],
    }

    rule = ('osd', 'crush', 'rule', 'create-replicated', 'replicated-zone', 'default', 'zone')
    assert ceph(host, *rule) == (0, '', '')
    assert ceph(host, *rule) == (0, '', '')
    assert ceph(host, 'osd', 'crush', 'rule', 'create-replicated', 'r', 'nowhere', 'zone') == (
        2,
        '',
        'Error ENOENT: root item nowhere does not exist\n',
    )
    assert ceph_json(host, 'osd', 'crush', 'rule', 'ls') == [
        *['replicated_rule', 'microceph_auto_osd', 'microceph_auto_host', 'microceph_auto_rack'],
        'replicated-zone',
    ]
    assert run(host, 'microceph.ceph', 'osd', 'crush', 'rule', 'ls').stdout == (
        'replicated_rule\nmicroceph_auto_osd\nmicroceph_auto_host\nmicroceph_auto_rack\n'
        'replicated-zone\n'
    )
    run(host, 'microceph.ceph', 'osd', 'pool', 'create', 'rbd')
    assert ceph(host, 'osd', 'pool', 'set', 'rbd', 'crush_rule', 'replicated-zone') == (
        0,
        '',
        'set pool 2 crush_rule to replicated-zone\n',
    )
    assert ceph(host, 'osd', 'pool', 'set', 'rbd', 'crush_rule', 'nope') == (
        2,
        '',
        'Error ENOENT: crush rule nope does not exist\n',
    )
    assert ceph(host, 'osd', 'pool', 'set', 'gone', 'crush_rule', 'replicated-zone')[0] == 2


def test_detached_bucket_is_a_top_level_node(three):
    run(three[0], 'microceph.ceph', 'osd', 'crush', 'add-bucket', 'az9', 'zone')
    run(three[0], 'microceph.ceph', 'osd', 'crush', 'move', 'node-2', 'zone=az8')  # made detached
    names = [(n['name'], n['type']) for n in ceph_json(three[0], 'osd', 'tree')['nodes']]
    assert names == [
        ('default', 'root'), ('node-0', 'host'), ('node-1', 'host'),
        ('az9', 'zone'), ('az8', 'zone'), ('node-2', 'host'),
    ]  # fmt: skip


def test_an_osd_disk_carries_a_bluestore_label(world):
    """ceph-osd --mkfs labels the disk: lsblk's FSTYPE says ceph_bluestore, and the label
    outlives the snap, so a new cluster finds the disk not pristine without --wipe."""
    host = machine(world, 0)
    bootstrap(host)
    assert run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--wipe').returncode == 0
    listed = json.loads(run(host, 'lsblk', '--json', '-o', 'NAME,FSTYPE').stdout)
    assert [d['fstype'] for d in listed['blockdevices']] == [None, 'ceph_bluestore', None]
    host.run(['snap', 'remove', 'microceph'])
    host.snap_install('microceph', channel='squid/stable')
    bootstrap(host)
    done = run(host, 'microceph', 'disk', 'add', '/dev/sdb')
    assert done.stderr == (
        f'Error: data device {by_id(host, "sdb")} is not pristine (contains data) - use --wipe '
        'to override\n'
    )
    assert run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--wipe').returncode == 0


def test_auth_caps_replaces_the_caps_of_an_existing_client(three):
    host = three[0]
    (entry,) = ceph_json(host, 'auth', 'get-or-create', 'client.k', 'mon', 'profile rbd')
    clash = run(
        host, 'microceph.ceph', 'auth', 'get-or-create', 'client.k', 'mon', 'allow r', '-f', 'json'
    )
    assert (clash.returncode, clash.stderr) == (
        22,
        'Error EINVAL: key for client.k exists but cap mon does not match\n',
    )
    done = run(
        host, 'microceph.ceph', 'auth', 'caps', 'client.k', 'mon', 'allow r', 'mgr', 'allow rw'
    )
    assert (done.returncode, done.stderr) == (0, 'updated caps for client.k\n')
    (again,) = ceph_json(host, 'auth', 'get-or-create', 'client.k', 'mon', 'allow r')
    assert again == {**entry, 'caps': {'mon': 'allow r', 'mgr': 'allow rw'}}
    missing = run(host, 'microceph.ceph', 'auth', 'caps', 'client.z', 'mon', 'allow r')
    assert (missing.returncode, missing.stderr) == (
        2,
        "Error ENOENT: couldn't find entry client.z\n",
    )


def test_the_snap_has_squids_services_and_base(world):
    """canonical/microceph snap/snapcraft.yaml @ squid: core24, daemon enabled, the rest off."""
    host = machine(world, 0)
    services = run(host, 'snap', 'services', 'microceph').stdout.splitlines()[1:]
    startup = {line.split()[0]: line.split()[1] for line in services}
    assert startup['microceph.daemon'] == 'enabled'
    for name in ('mds', 'mgr', 'mon', 'nfs', 'osd', 'rgw', 'rbd-mirror', 'cephfs-mirror'):
        assert startup[f'microceph.{name}'] == 'disabled'
    assert 'core24' in run(host, 'snap', 'list').stdout


def test_bootstrap_refuses_a_mon_ip_off_the_public_network(world):
    host = machine(world, 0)
    done = run(
        host, 'microceph', 'cluster', 'bootstrap', '--public-network', '10.9.0.0/24',
        '--mon-ip', '10.0.0.10', '--cluster-network', '10.0.0.0/24', '--v2-only',
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        1,
        'Error: provided mon-ip 10.0.0.10 is not available on provided public network '
        '10.9.0.0/24\n',
    )
    assert run(host, 'microceph', 'status').stderr == 'Error: Database is not yet initialized\n'


def test_a_mon_needs_an_address_on_the_public_network(world):
    """PopulateDefaultNetworkParams / join.go updateDbForMon: FindIpOnSubnet or fail."""
    host = machine(world, 0)
    done = run(host, 'microceph', 'cluster', 'bootstrap', '--public-network', '10.9.0.0/24')
    assert (done.returncode, done.stderr) == (
        1,
        'Error: Failed to run pre-init hook before starting the API: no local IP belongs to any '
        'of the listed subnets [10.9.0.0/24]\n',
    )
    assert run(host, 'microceph', 'status').returncode == 1
    bootstrap(host)  # 10.0.0.0/24
    other = world.add_machine(
        '7', hostname='node-7', addresses=['10.0.1.17'], disks=[BlockDevice('sda', TB, boot=True)]
    )
    other.snap_install('microceph', channel='squid/stable')
    token = run(host, 'microceph', 'cluster', 'add', 'node-7').stdout.strip()
    joined = run(other, 'microceph', 'cluster', 'join', token, '--microceph-ip', '10.0.1.17')
    assert joined.stderr == (
        'Error: failed to record mon db entries: failed to locate ip on subnet 10.0.0.0/24: no '
        'local IP belongs to any of the listed subnets [10.0.0.0/24]\n'
    )
    assert run(other, 'microceph', 'status').returncode == 1


def test_pools_follow_microcephs_automatic_failure_domain(world):
    """crush.go BootstrapCrushRules, osd.go updateFailureDomain: osd, then host at 3 members."""
    first, second = machine(world, 0), machine(world, 1)
    bootstrap(first)
    join(first, second)
    assert run(first, 'microceph.ceph', 'osd', 'pool', 'create', 'early').returncode == 0
    rule = run(first, 'microceph.ceph', 'osd', 'pool', 'get', 'early', 'crush_rule')
    assert rule.stdout == 'crush_rule: microceph_auto_osd\n'
    assert run(second, 'microceph', 'disk', 'add', '/dev/sdb').returncode == 0
    assert ceph_json(first, 'osd', 'pool', 'get', 'early', 'crush_rule')['crush_rule'] == (
        'microceph_auto_osd'
    )
    third = machine(world, 2)
    join(first, third)
    assert run(third, 'microceph', 'disk', 'add', '/dev/sdb').returncode == 0
    for pool in ('early', '.mgr'):
        assert ceph_json(first, 'osd', 'pool', 'get', pool, 'crush_rule') == {
            'pool': pool,
            'pool_id': 2 if pool == 'early' else 1,
            'crush_rule': 'microceph_auto_host',
        }
    assert run(first, 'microceph.ceph', 'osd', 'pool', 'create', 'late').returncode == 0
    assert ceph_json(first, 'osd', 'pool', 'get', 'late', 'crush_rule')['crush_rule'] == (
        'microceph_auto_host'
    )


def test_flags_a_command_lacks_are_cobras_unknown_flag(three):
    """cobra (SilenceUsage, main.go): Error: unknown flag, exit 1; real ones not emulated raise."""
    host = three[0]
    done = run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--force')
    assert (done.returncode, done.stdout, done.stderr) == (1, '', 'Error: unknown flag: --force\n')
    done = run(host, 'microceph', 'disk', 'list', '-x')
    assert done.stderr == "Error: unknown shorthand flag: 'x' in -x\n"
    assert run(host, 'microceph', 'cluster', 'join', 'x', '--wipe').returncode == 1
    with pytest.raises(SimError, match='not emulated'):
        run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--encrypt')


def test_pool_size_one_is_refused(three):
    """OSDMonitor check_size_one; MicroCeph leaves mon_allow_pool_size_one off by default."""
    host = three[0]
    assert run(host, 'microceph.ceph', 'osd', 'pool', 'create', 'p').returncode == 0
    done = run(host, 'microceph.ceph', 'osd', 'pool', 'set', 'p', 'size', '1')
    assert (done.returncode, done.stderr) == (
        1,
        'Error EPERM: configuring pool size as 1 is disabled by default.\n',
    )


def test_reef_speaks_the_older_microcluster(world):
    """reef builds with microcluster 3d587817830c: InternalTokenRecord, no token lifetime."""
    first, second = machine(world, 0), machine(world, 1)
    for host in (first, second):
        host.run(['snap', 'remove', 'microceph'])
        host.snap_install('microceph', channel='reef/stable')
    bootstrap(first)
    timed = run(first, 'microceph', 'cluster', 'add', 'node-1', '--timeout', '1h')
    assert timed.stderr == 'Error: unknown flag: --timeout\n'
    token = run(first, 'microceph', 'cluster', 'add', 'node-1').stdout.strip()
    again = run(first, 'microceph', 'cluster', 'add', 'node-1')
    assert again.stderr == (
        'Error: Failed to create "internal_token_records" entry: UNIQUE constraint failed: '
        'internal_token_records.name\n'
    )
    assert run(second, 'microceph', 'cluster', 'join', token).returncode == 0
    third = machine(world, 2)
    third.run(['snap', 'remove', 'microceph'])
    third.snap_install('microceph', channel='reef/stable')
    assert run(third, 'microceph', 'cluster', 'join', token).stderr == (
        'Error: 1 join attempts were unsuccessful. Last error: InternalTokenRecord not found\n'
    )


def multi_nic(world: World, n: int):
    """A MAAS machine: PXE/OAM on eno1, the Ceph public space on eno2, the cluster one on eno3."""
    host = world.add_machine(
        str(n),
        hostname=f'node-{n}',
        addresses=[f'10.0.0.{10 + n}', f'10.20.0.{10 + n}', f'10.30.0.{10 + n}'],
        disks=[BlockDevice('sda', 480_103_981_056, boot=True), BlockDevice('sdb', TB)],
        interfaces=[
            NetworkDevice(name, 'physical', f'52:54:00:00:0{i}:{n:02x}', addresses=(f'{net}/24',))
            for i, (name, net) in enumerate(
                (
                    ('eno1', f'10.0.0.{10 + n}'),
                    ('eno2', f'10.20.0.{10 + n}'),
                    ('eno3', f'10.30.0.{10 + n}'),
                )
            )
        ],
    )
    host.snap_install('microceph', channel='squid/stable')
    return host


def config_list(host) -> list[tuple[str, str]]:
    done = run(host, 'microceph', 'cluster', 'config', 'list')
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith('| ')][1:]
    return [tuple(cell.strip() for cell in row.strip('|').split('|')[1:]) for row in rows]


def test_bootstrap_records_the_cluster_network_in_the_config_database(world):
    """BootstrapCephConfigs (ceph/bootstrap.go @ squid); cluster config list shows them."""
    host = multi_nic(world, 0)
    done = run(
        host, 'microceph', 'cluster', 'bootstrap', '--public-network', '10.20.0.0/24',
        '--cluster-network', '10.30.0.0/24', '--microceph-ip', '10.0.0.10',
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, '')
    assert config_list(host) == [
        ('cluster_network', '10.30.0.0/24'),
        ('public_network', '10.20.0.0/24'),
        ('rbd_default_features', '63'),
    ]
    table = run(host, 'microceph', 'cluster', 'config', 'list').stdout.splitlines()
    assert table[:3] == [
        '+---+----------------------+--------------+',
        '| # |         KEY          |    VALUE     |',
        '+---+----------------------+--------------+',
    ]
    assert table[3] == '| 0 | cluster_network      | 10.30.0.0/24 |'


def test_the_cluster_network_defaults_to_the_public_one(world):
    """PopulateDefaultNetworkParams (cmd/microcephd/bootstrapper.go @ squid)."""
    host = multi_nic(world, 0)
    done = run(host, 'microceph', 'cluster', 'bootstrap', '--public-network', '10.20.0.0/24')
    assert done.returncode == 0, done.stderr
    assert dict(config_list(host))['cluster_network'] == '10.20.0.0/24'


def test_without_networks_the_public_one_is_the_mon_ips_local_address_and_prefix(world):
    """FindNetworkAddress (common/network.go @ squid): Go's IPNet.String() of the address."""
    host = multi_nic(world, 0)
    done = run(host, 'microceph', 'cluster', 'bootstrap', '--microceph-ip', '10.20.0.10')
    assert done.returncode == 0, done.stderr
    found = dict(config_list(host))
    assert (found['public_network'], found['cluster_network']) == ('10.20.0.10/24',) * 2


def test_bootstrap_refuses_a_cluster_network_the_machine_has_no_address_on(world):
    """ValidateNetworkParams (cmd/microcephd/bootstrapper.go @ squid), run by PreInit."""
    host = multi_nic(world, 0)
    done = run(
        host, 'microceph', 'cluster', 'bootstrap', '--public-network', '10.20.0.0/24',
        '--cluster-network', '10.40.0.0/24,10.50.0.0/24',
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        1,
        'Error: Failed to run pre-init hook before starting the API: no local IP belongs to any '
        'of the listed subnets [10.40.0.0/24,10.50.0.0/24]\n',
    )
    assert run(host, 'microceph', 'status').stderr == 'Error: Database is not yet initialized\n'
    assert run(host, 'microceph', 'cluster', 'config', 'list').returncode == 1
