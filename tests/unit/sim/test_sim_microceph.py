"""microceph and ceph on simulated machines: a cluster shared through the World."""

from __future__ import annotations

import base64
import json

import pytest

from orchestrator.sim import BlockDevice, SimError, World

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
    done = run(host, 'ceph', *argv, '-f', 'json')
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_not_installed_is_127(world):
    host = world.add_machine('9', hostname='bare', addresses=['10.0.0.99'])
    for program in ('microceph', 'ceph', 'microceph.ceph'):
        done = run(host, program, 'status')
        assert done.returncode == 127
        assert done.stderr == f'{program}: No such file or directory'


def test_bootstrap_twice_fails(world):
    host = machine(world, 0)
    bootstrap(host)
    done = run(host, 'microceph', 'cluster', 'bootstrap')
    assert done.returncode == 1
    assert done.stderr == (
        'Error: Failed to initialize local remote entry: A remote with name "node-0" '
        'already exists\n'
    )


def test_ceph_without_a_cluster(world):
    host = machine(world, 0)
    done = run(host, 'ceph', 'status', '-f', 'json')
    assert done.returncode == 1
    assert 'RADOS object not found (error calling conf_read_file)' in done.stderr


def test_join_token_shape_and_single_use(world):
    first, second = machine(world, 0), machine(world, 1)
    bootstrap(first)
    token = run(first, 'microceph', 'cluster', 'add', 'node-1').stdout.strip()
    body = json.loads(base64.b64decode(token))
    assert list(body) == ['name', 'secret', 'fingerprint', 'join_addresses']
    assert body['name'] == 'node-1'
    assert body['join_addresses'] == ['10.0.0.10:7443']
    assert len(body['secret']) == 64
    assert run(second, 'microceph', 'cluster', 'join', token).returncode == 0
    third = machine(world, 2)
    again = run(third, 'microceph', 'cluster', 'join', token)
    assert again.returncode == 1
    assert again.stderr == (
        'Error: 1 join attempts were unsuccessful. Last error: InternalTokenRecord not found\n'
    )


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


def test_disk_add_and_failures(three):
    host = three[0]
    done = run(host, 'microceph', 'disk', 'add', '/dev/sdb', '--wipe')
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
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
    missing = run(host, 'microceph', 'disk', 'add', '/dev/sdz')
    assert missing.stderr == (
        'Error: failed to set stable disk path: invalid disk path: /dev/sdz\n'
    )
    boot = run(host, 'microceph', 'disk', 'add', '/dev/sda')
    assert boot.stderr == 'Error: data device /dev/sda has partitions - use --wipe to override\n'
    assert run(host, 'microceph', 'disk', 'add', '/dev/sda', '--wipe').returncode == 1
    both = run(host, 'microceph', 'disk', 'add', '/dev/sdc', '/dev/sdy')
    assert both.returncode == 1
    assert '| /dev/sdc | Success |' in both.stdout
    listed = json.loads(run(host, 'microceph', 'disk', 'list', '--json').stdout)
    assert listed['ConfiguredDisks'] == [
        {'osd': 1, 'location': 'node-0', 'path': '/dev/sdb'},
        {'osd': 2, 'location': 'node-0', 'path': '/dev/sdc'},
    ]
    assert listed['AvailableDisks'] == []
    other = json.loads(run(three[1], 'microceph', 'disk', 'list', '--json').stdout)
    assert [d['Path'] for d in other['AvailableDisks']] == ['/dev/sdb', '/dev/sdc']
    assert other['AvailableDisks'][0]['Size'] == '931.51GiB'


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
    done = run(host, 'ceph', 'osd', 'pool', 'create', 'rbd-pool')
    assert (done.returncode, done.stderr) == (0, "pool 'rbd-pool' created\n")
    done = run(host, 'ceph', 'osd', 'pool', 'create', 'rbd-pool')
    assert (done.returncode, done.stderr) == (0, "pool 'rbd-pool' already exists\n")
    checks = ceph_json(host, 'status')['health']['checks']
    assert 'POOL_APP_NOT_ENABLED' in checks
    done = run(host, 'ceph', 'osd', 'pool', 'application', 'enable', 'rbd-pool', 'rbd')
    assert done.stderr == "enabled application 'rbd' on pool 'rbd-pool'\n"
    assert run(host, 'ceph', 'osd', 'pool', 'set', 'rbd-pool', 'size', '2').stderr == (
        'set pool 2 size to 2\n'
    )
    missing = run(host, 'ceph', 'osd', 'pool', 'application', 'enable', 'nope', 'rbd')
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
    clash = run(host, 'ceph', 'auth', 'get-or-create', 'client.k8s', 'mon', 'allow r')
    assert clash.returncode == 22

    done = run(host, 'ceph', 'fs', 'volume', 'create', 'cephfs')
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
    assert run(host, 'microceph', 'status').stderr == 'Error: Daemon not yet initialized\n'


def test_unemulated_commands_raise(three):
    with pytest.raises(SimError):
        run(three[0], 'microceph', 'disk', 'remove', '1')
    with pytest.raises(SimError):
        run(three[0], 'ceph', 'osd', 'tree')
    with pytest.raises(SimError):
        run(three[0], 'ceph', 'osd', 'crush', 'rule', 'rm', 'replicated_rule')


def ceph(host, *argv: str):
    done = run(host, 'ceph', *argv)
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
    assert ceph_json(three[0], 'osd', 'crush', 'rule', 'ls') == ['replicated_rule']


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
    assert ceph_json(host, 'osd', 'crush', 'rule', 'ls') == ['replicated_rule', 'replicated-zone']
    assert run(host, 'ceph', 'osd', 'crush', 'rule', 'ls').stdout == (
        'replicated_rule\nreplicated-zone\n'
    )
    run(host, 'ceph', 'osd', 'pool', 'create', 'rbd')
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
    run(three[0], 'ceph', 'osd', 'crush', 'add-bucket', 'az9', 'zone')
    run(three[0], 'ceph', 'osd', 'crush', 'move', 'node-2', 'zone=az8')  # made detached
    names = [(n['name'], n['type']) for n in ceph_json(three[0], 'osd', 'tree')['nodes']]
    assert names == [
        ('default', 'root'), ('node-0', 'host'), ('node-1', 'host'),
        ('az9', 'zone'), ('az8', 'zone'), ('node-2', 'host'),
    ]  # fmt: skip
