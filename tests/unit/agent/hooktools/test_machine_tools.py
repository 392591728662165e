"""open-port, close-port, opened-ports, storage-* and network-get as Juju answers them."""

# pyright: reportPrivateUsage=false

from __future__ import annotations

from ops import testing
from toolhook import fails, make_hook, ok


def test_ports() -> None:
    hook = make_hook(testing.State(opened_ports={testing.TCPPort(22)}))
    assert ok(hook.run('open-port', '80/TCP')) == ''
    assert ok(hook.run('open-port', '53/udp', '--endpoints', 'db,website')) == ''
    assert ok(hook.run('open-port', 'icmp')) == ''
    assert ok(hook.run('close-port', '22')) == ''
    assert ok(hook.run('opened-ports')) == 'icmp\n80/tcp\n53/udp\n'
    assert ok(hook.run('opened-ports', '--format=json', '--endpoints')) == (
        '["icmp (*)","80/tcp (*)","53/udp (*)"]\n'
    )
    assert hook.ctx.state.opened_ports == {
        testing.TCPPort(80),
        testing.UDPPort(53),
        testing.ICMPPort(),
    }
    done = hook.run('close-port', '--format', 'json', '80')
    assert (done.returncode, done.stderr) == (
        0,
        b'--format flag deprecated for command "close-port"',
    )


def test_port_refusals() -> None:
    hook = make_hook()
    assert fails(hook.run('open-port'), 2) == 'no port or range specified'
    assert fails(hook.run('open-port', '80/sctp'), 2) == (
        'invalid protocol "sctp", expected "tcp", "udp", or "icmp"'
    )
    assert fails(hook.run('open-port', 'http'), 2) == (
        'invalid port "http": strconv.Atoi: parsing "http": invalid syntax'
    )
    assert fails(hook.run('open-port', '90-80'), 2) == 'invalid port range 90-80/tcp'
    assert fails(hook.run('open-port', '1-2-3'), 2) == 'invalid port range "1-2-3"'
    assert fails(hook.run('open-port', '70000/udp'), 2) == (
        'port range bounds must be between 0 and 65535, got 70000-70000'
    )
    assert fails(hook.run('open-port', '80', '443'), 2) == 'unrecognized args: ["443"]'
    assert fails(hook.run('opened-ports', 'x'), 2) == 'unrecognized args: ["x"]'
    # a range Scenario cannot hold: olm's own refusal
    assert fails(hook.run('open-port', '8000-8080/tcp'), 1) == (
        'olm: port range 8000-8080/tcp not supported (one port at a time)'
    )


def test_storage() -> None:
    state = testing.State(
        storages={
            testing.Storage('data', index=0),
            testing.Storage('data', index=1),
            testing.Storage('disks', index=0),
        }
    )
    hook = make_hook(state)
    assert sorted(ok(hook.run('storage-list')).splitlines()) == ['data/0', 'data/1', 'disks/0']
    assert sorted(ok(hook.run('storage-list', 'data')).splitlines()) == ['data/0', 'data/1']
    assert ok(hook.run('storage-list', 'none', '--format=json')) == '[]\n'
    location = hook.ctx.backend.storage_get('data/1', 'location')
    assert ok(hook.run('storage-get', '-s', 'data/1')) == (
        f'kind: filesystem\nlocation: {location}\n'
    )
    assert ok(hook.run('storage-get', '-s', 'disks/0', 'kind')) == 'block\n'
    assert ok(hook.run('storage-get', '-s', 'data/1', 'location', '--format=json')) == (
        f'"{location}"\n'
    )
    in_storage_hook = make_hook(state, env={'JUJU_STORAGE_ID': 'data/0'})
    assert ok(in_storage_hook.run('storage-get', 'kind')) == 'filesystem\n'


def test_storage_refusals_and_add() -> None:
    hook = make_hook(testing.State(storages={testing.Storage('data', index=0)}))
    assert fails(hook.run('storage-get'), 2) == 'no storage instance specified'
    assert fails(hook.run('storage-get', '-s', 'Data'), 2) == (
        'invalid value "Data" for flag -s: invalid storage ID "Data"'
    )
    assert fails(hook.run('storage-get', '-s', 'data/0', 'size'), 1) == (
        'invalid storage attribute "size"'
    )
    assert fails(hook.run('storage-get', '-s', 'data/0', 'kind', 'x'), 2) == (
        'unrecognized args: ["x"]'
    )
    assert fails(hook.run('storage-add'), 2) == 'storage add requires a storage directive'
    assert (
        fails(hook.run('storage-add', 'disks=ssd'), 2) == 'only count can be specified for "disks"'
    )
    assert fails(hook.run('storage-add', 'a=1=2'), 2) == (
        'expected "name=directive" or "name", got "a=1=2"'
    )
    assert (
        fails(hook.run('storage-add', 'a=1', 'a=2'), 2) == 'storage "a" specified more than once'
    )
    assert ok(hook.run('storage-add', 'disks=2', 'data')) == ''
    assert hook.context.requested_storages == {'disks': 2, 'data': 1}


def _net_hook() -> testing.Network:
    return testing.Network(
        'db',
        bind_addresses=[
            testing.BindAddress(
                [testing.Address('10.1.2.3', cidr='10.1.2.0/24')],
                interface_name='eth1',
                mac_address='aa:bb:cc:dd:ee:ff',
            )
        ],
        ingress_addresses=['192.0.2.7'],
        egress_subnets=['10.1.2.0/24', '10.9.0.0/16'],
    )


def test_network_get() -> None:
    hook = make_hook(testing.State(networks={_net_hook()}))
    assert ok(hook.run('network-get', 'db')) == (
        'bind-addresses:\n'
        '- mac-address: aa:bb:cc:dd:ee:ff\n'
        '  interface-name: eth1\n'
        '  addresses:\n'
        '  - hostname: ""\n'
        '    value: 10.1.2.3\n'
        '    cidr: 10.1.2.0/24\n'
        '    address: 10.1.2.3\n'
        '  macaddress: aa:bb:cc:dd:ee:ff\n'
        '  interfacename: eth1\n'
        'egress-subnets:\n'
        '- 10.1.2.0/24\n'
        '- 10.9.0.0/16\n'
        'ingress-addresses:\n'
        '- 192.0.2.7\n'
    )
    assert ok(hook.run('network-get', 'db', '--format=json')) == (
        '{"bind-addresses":[{"mac-address":"aa:bb:cc:dd:ee:ff","interface-name":"eth1",'
        '"addresses":[{"hostname":"","value":"10.1.2.3","cidr":"10.1.2.0/24"}]}],'
        '"egress-subnets":["10.1.2.0/24","10.9.0.0/16"],"ingress-addresses":["192.0.2.7"]}\n'
    )
    assert ok(hook.run('network-get', 'db', '--ingress-address')) == '192.0.2.7\n'
    assert ok(hook.run('network-get', 'db', '--egress-subnets')) == '10.1.2.0/24\n10.9.0.0/16\n'
    assert ok(hook.run('network-get', 'db', '--primary-address')) == '10.1.2.3\n'
    assert ok(hook.run('network-get', 'db', '--bind-address', '--ingress-address')) == (
        'bind-address: 10.1.2.3\ningress-address: 192.0.2.7\n'
    )


def test_network_get_refusals() -> None:
    hook = make_hook(testing.State(networks={_net_hook()}))
    assert fails(hook.run('network-get'), 2) == 'no arguments specified'
    assert fails(hook.run('network-get', ''), 2) == 'no binding name specified'
    assert (
        fails(hook.run('network-get', 'nope'), 1) == 'no network config found for binding "nope"'
    )
    assert fails(hook.run('network-get', 'db', '--primary-address', '--bind-address'), 1) == (
        '--primary-address must be the only flag specified'
    )
    assert ok(hook.run('network-get', 'metrics', '--primary-address')) != ''
