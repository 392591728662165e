"""The World: machines, shared facts, persistence through JSON, change tracking."""

from __future__ import annotations

import json
from typing import Any

import pytest
from metal_host import CommandError, Completed

from orchestrator.sim import (
    SIMULATED,
    Invocation,
    MachineImage,
    SimHost,
    StateError,
    UnknownMachineError,
    World,
)


def make_world() -> World:
    world = World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)
    install_token_program(world)
    return world


def install_token_program(world: World) -> None:
    """A toy cross-machine program: one machine mints a token, exactly one other uses it."""

    def handle(invocation: Invocation) -> Completed:
        tokens: dict[str, Any] = invocation.world.namespace('token').setdefault('tokens', {})
        if invocation.args[:1] == ('mint',):
            token = f'tok-{len(tokens)}'
            tokens[token] = None
            invocation.host.namespace('token')['minted'] = token
            return invocation.result(f'{token}\n')
        token = invocation.args[1]
        if token not in tokens or tokens[token] is not None:
            return invocation.result('', f'error: token {token} is not valid\n', 1)
        tokens[token] = invocation.host.machine_id
        return invocation.result('joined\n')

    world.programs.register('token', handle)


def populate(world: World) -> tuple[SimHost, SimHost]:
    a = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])
    b = world.add_machine('1', hostname='node-1', addresses=['10.0.0.11'])
    a.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    a.run(['snap', 'start', '--enable', 'k8s.kubelet'])
    a.run(['snap', 'set', 'k8s', 'node.role=control-plane'])
    a.apt_install('haproxy')
    a.write_text('/etc/olm/secret', 'x', mode=0o600, owner='haproxy')
    world.faults.inject('apt-get', 'fail-always', machine='1', returncode=100, stderr='E: lock')
    return a, b


def observe(host: SimHost) -> list[tuple[int, str, str]]:
    """What a charm could see of a machine, through its programs."""
    commands = [
        ['snap', 'list'],
        ['snap', 'services'],
        ['snap', 'get', '-d', 'k8s'],
        ['systemctl', 'is-active', 'haproxy', 'snap.k8s.kubelet', 'snap.k8s.kube-proxy'],
        ['systemctl', 'is-enabled', 'haproxy', 'snap.k8s.kubelet'],
        ['dpkg-query', '-W', 'haproxy', 'liblua5.4-0'],
        ['apt-get', 'install', '-s', 'jq'],  # simulated: looks, changes nothing
    ]
    return [
        (r.returncode, r.stdout, r.stderr)
        for r in (host.run(argv, check=False) for argv in commands)
    ]


def test_machines_are_isolated_but_share_the_world() -> None:
    world = make_world()
    a, b = populate(world)
    assert b.run(['snap', 'list'], check=False).stderr.startswith('No snaps are installed yet')
    assert not b.exists('/etc/olm/secret')
    token = a.run(['token', 'mint']).stdout.strip()
    assert b.run(['token', 'join', token]).stdout == 'joined\n'
    c = world.add_machine('2', hostname='node-2', addresses=['10.0.0.12'])
    with pytest.raises(CommandError, match=f'token {token} is not valid'):
        c.run(['token', 'join', token])
    assert world.shared == {'token': {'tokens': {token: '1'}}}


def test_dump_and_load_reproduce_the_machines() -> None:
    world = make_world()
    a, b = populate(world)
    before = {'0': observe(a), '1': observe(b)}
    dumped = {m: world.dump_machine(m) for m in ('0', '1')}
    shared = world.dump_shared()
    assert json.loads(dumped['0'])['label'] == SIMULATED

    again = make_world()
    again.load_shared(shared)
    hosts = {m: again.load_machine(m, data) for m, data in dumped.items()}
    assert {m: observe(h) for m, h in hosts.items()} == before
    assert hosts['0'].files == world.host('0').files
    assert hosts['0'].read_text('/etc/olm/secret') == 'x'
    assert hosts['0'].hostname() == 'node-0' and hosts['1'].addresses() == ['10.0.0.11']
    assert list(again.faults) == list(world.faults)


def test_changed_tracks_machines_and_shared_state() -> None:
    world = make_world()
    assert world.changed == set()
    a, b = populate(world)
    assert world.changed == {'0', '1', ''}
    world.clear_changes()
    assert world.changed == set()
    a.run(['snap', 'list'])
    a.run(['systemctl', 'status', 'haproxy'])
    a.read_text('/etc/hostname')
    assert world.changed == set()  # looking changes nothing
    b.write_text('/etc/motd', 'hi\n')
    assert world.changed == {'1'}
    world.faults.clear()
    assert world.changed == {'1', ''}
    world.clear_changes()
    world.namespace('k8s')['cluster'] = 'up'
    assert world.changed == {''}
    world.clear_changes()
    world.remove_machine('0')
    assert world.changed == {'0'}


def test_loading_counts_as_unchanged() -> None:
    world = make_world()
    populate(world)
    dumped = world.dump_machine('0')
    shared = world.dump_shared()
    again = make_world()
    again.load_machine('0', dumped)
    again.load_shared(shared)
    assert again.changed == set()
    assert again.dump_machine('0') == dumped


def test_add_machine_is_idempotent() -> None:
    world = make_world()
    host = world.add_machine('0', hostname='node-0', addresses=['2001:db8::1', '10.0.0.10'])
    assert host.addresses() == ['10.0.0.10', '2001:db8::1']
    same = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10', '2001:db8::1'])
    assert same is host
    with pytest.raises(ValueError, match='exists as'):
        world.add_machine('0', hostname='other', addresses=['10.0.0.10'])
    with pytest.raises(ValueError):
        world.add_machine('9', hostname='x', addresses=['not-an-ip'])
    assert set(world.machines) == {'0'}


def test_unknown_machines() -> None:
    world = make_world()
    with pytest.raises(UnknownMachineError, match="no simulated machine '7'") as missing:
        world.host('7')
    assert isinstance(missing.value, KeyError)
    with pytest.raises(UnknownMachineError):
        world.remove_machine('7')
    with pytest.raises(UnknownMachineError):
        world.dump_machine('7')


def test_bad_state_is_refused() -> None:
    world = make_world()
    populate(world)
    with pytest.raises(StateError, match='cannot load machine'):
        world.load_machine('0', 'not json')
    with pytest.raises(StateError, match="the data is machine '0'"):
        world.load_machine('5', world.dump_machine('0'))
    with pytest.raises(StateError, match='unsupported machine state format'):
        world.load_machine('0', json.dumps({'format': 99}))
    with pytest.raises(StateError, match='cannot load shared state'):
        world.load_shared('{"format": 1, "shared": {}, "faults": [{"program": "x"}]}')
    world.namespace('bad')['value'] = object()
    with pytest.raises(StateError, match='not JSON-able'):
        world.dump_shared()


def test_program_registry() -> None:
    world = make_world()
    assert {'snap', 'apt-get', 'dpkg', 'dpkg-query', 'systemctl', 'token'} <= set(world.programs)
    with pytest.raises(ValueError, match='already registered'):
        world.programs.register('snap', lambda inv: inv.result())
    world.programs.register('snap', lambda inv: inv.result('wrapped\n'), replace=True)
    host = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])
    assert host.run(['snap', 'list']).stdout == 'wrapped\n'
    world.programs.unregister('snap')
    assert host.run(['snap', 'list'], check=False).returncode == 127
    with pytest.raises(ValueError, match='base name'):
        world.programs.register('/bin/x', lambda inv: inv.result())


def test_activity_and_fault_versions_move_with_what_can_change_shared_facts() -> None:
    world = World()
    start = world.activity
    host = world.add_machine('0', hostname='node-0', addresses=['10.0.0.1'])
    assert world.activity == start + 1
    host.run(['hostname'], check=False)
    assert world.activity == start + 2
    host.write_text('/etc/motd', 'hello\n')  # a machine's own file: not shared
    assert world.activity == start + 2
    version = world.faults.version
    world.faults.inject('snap', 'fail-once')
    host.run(['snap', 'list'], check=False)  # used up
    world.faults.clear()
    assert world.faults.version == version + 3
    world.remove_machine('0')
    assert world.activity == start + 4


def test_a_machine_version_moves_with_every_change_of_the_machine() -> None:
    world = World()
    host = world.add_machine('0', hostname='node-0', addresses=['10.0.0.1'])
    seen = host.version
    host.read_text('/etc/hostname')
    host.exists('/etc/motd')
    assert host.version == seen  # reads change nothing
    for change in (
        lambda: host.write_text('/etc/motd', 'hello\n'),
        lambda: host.mkdir('/srv/data'),
        lambda: host.remove('/etc/motd'),
        lambda: host.remove_tree('/srv'),
        lambda: host.run(['hostname'], check=False),
    ):
        change()
        assert host.version > seen
        seen = host.version
    host.write_text('/etc/issue.olm', 'x\n')
    seen = host.version
    host.write_text('/etc/issue.olm', 'x\n')  # the same content: no change
    assert host.version == seen


def test_a_world_runs_the_programs_of_its_image_and_knows_no_other() -> None:
    """The World imports no program: what its machines run and start with is its image's."""
    provisioned: list[str] = []

    def hello(invocation: Invocation) -> Completed:
        return invocation.result(f'hello from {invocation.host.hostname()}\n')

    image = MachineImage(
        programs={'hello': hello},
        snaps={},
        packages={},
        provision=lambda host: provisioned.append(host.machine_id),
    )
    world = World(sleep=lambda _: None, image=image)
    host = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])
    assert list(world.programs) == ['hello']
    assert world.catalog.snaps == {} and world.catalog.packages == {}
    assert provisioned == ['0']
    assert host.run(['hello']).stdout == 'hello from node-0\n'
    assert host.call(['snap', 'list']).returncode == 127
    assert host.exists('/etc/os-release')  # the base system is the World's own
    assert 'snap' in World().programs  # the default image: the built-in programs
