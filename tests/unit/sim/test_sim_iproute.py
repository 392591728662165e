"""``ip`` and ``/sys/class/net`` on a machine whose NICs the pool describes (iproute2 6.1).

The expected shapes follow iproute2/iproute2 ``ip/ipaddress.c`` (``print_linkinfo``,
``print_link_flags``, ``print_linkinfo_brief``) and ``lib/utils.c`` (``print_name_and_link``)
@ v6.1.0, and the kernel's bonding, bridge and VLAN drivers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrator.sim import NetworkDevice, SimHost, World
from orchestrator.sim.programs import iproute

MAC1 = '52:54:00:AA:00:01'
MAC2 = '52:54:00:aa:00:02'
MAC3 = '52:54:00:aa:00:03'

# A MAAS machine: two NICs bonded, a VLAN on the bond, a bridge over a third NIC.
DEVICES = (
    NetworkDevice('eno1', 'physical', MAC1, mtu=9000),
    NetworkDevice('eno2', 'physical', MAC2, mtu=9000),
    NetworkDevice(
        'bond0', 'bond', MAC1, parents=('eno1', 'eno2'), mtu=9000, addresses=('10.20.0.5/22',)
    ),
    NetworkDevice(
        'bond0.30',
        'vlan',
        MAC1,
        parents=('bond0',),
        vid=30,
        mtu=9000,
        addresses=('10.30.0.5/24', '2001:db8:30::5/64'),
    ),
    NetworkDevice('eno3', 'physical', MAC3),
    NetworkDevice('br-ex', 'bridge', MAC3, parents=('eno3',), addresses=('192.168.9.5/25',)),
)


@pytest.fixture
def metal(world: World) -> SimHost:
    return world.add_machine('3', hostname='metal-3', addresses=['10.20.0.5'], interfaces=DEVICES)


def ip(host: SimHost, *args: str) -> Any:
    return json.loads(host.run(['ip', *args]).stdout)


def test_links_are_the_pools_in_order_after_lo(metal: SimHost) -> None:
    listing = ip(metal, '-j', 'addr', 'show')
    assert [(link['ifindex'], link['ifname']) for link in listing] == [
        (1, 'lo'),
        (2, 'eno1'),
        (3, 'eno2'),
        (4, 'bond0'),
        (5, 'bond0.30'),
        (6, 'eno3'),
        (7, 'br-ex'),
    ]
    assert iproute.interface_names(metal) == [
        'lo',
        'eno1',
        'eno2',
        'bond0',
        'bond0.30',
        'eno3',
        'br-ex',
    ]


def test_a_bond_and_its_members(metal: SimHost) -> None:
    """MASTER on the bond, SLAVE and "master" on members; bonding gives members its MAC."""
    by_name = {link['ifname']: link for link in ip(metal, '-j', 'addr', 'show')}
    assert by_name['bond0'] == {
        'ifindex': 4,
        'ifname': 'bond0',
        'flags': ['BROADCAST', 'MULTICAST', 'MASTER', 'UP', 'LOWER_UP'],
        'mtu': 9000,
        'qdisc': 'noqueue',
        'operstate': 'UP',
        'group': 'default',
        'txqlen': 1000,
        'link_type': 'ether',
        'address': '52:54:00:aa:00:01',
        'broadcast': 'ff:ff:ff:ff:ff:ff',
        'addr_info': [
            {
                'family': 'inet',
                'local': '10.20.0.5',
                'prefixlen': 22,
                'broadcast': '10.20.3.255',
                'scope': 'global',
                'label': 'bond0',
                'valid_life_time': 4294967295,
                'preferred_life_time': 4294967295,
            }
        ],
    }
    eno1, eno2 = by_name['eno1'], by_name['eno2']
    assert list(eno1)[:8] == [
        'ifindex', 'ifname', 'flags', 'mtu', 'qdisc', 'master', 'operstate', 'group',
    ]  # fmt: skip
    assert eno1['flags'] == ['BROADCAST', 'MULTICAST', 'SLAVE', 'UP', 'LOWER_UP']
    assert (eno1['master'], eno1['qdisc'], eno1['addr_info']) == ('bond0', 'fq_codel', [])
    assert 'permaddr' not in eno1  # its own MAC is the bond's
    assert (eno2['address'], eno2['permaddr']) == ('52:54:00:aa:00:01', MAC2)
    assert list(eno2)[-3:] == ['broadcast', 'permaddr', 'addr_info']


def test_a_vlan_names_its_parent_in_link(metal: SimHost) -> None:
    """JSON has the bare name in ifname and the parent in "link" (text: bond0.30@bond0)."""
    vlan = ip(metal, '-j', 'addr', 'show', 'dev', 'bond0.30')
    assert len(vlan) == 1
    assert list(vlan[0])[:3] == ['ifindex', 'link', 'ifname']
    assert (vlan[0]['link'], vlan[0]['ifname'], vlan[0]['qdisc']) == (
        'bond0',
        'bond0.30',
        'noqueue',
    )
    assert 'master' not in vlan[0]
    info = vlan[0]['addr_info']
    assert [(a['family'], a['local'], a['prefixlen']) for a in info] == [
        ('inet', '10.30.0.5', 24),
        ('inet6', '2001:db8:30::5', 64),
    ]
    assert info[0]['label'] == 'bond0.30' and info[0]['broadcast'] == '10.30.0.255'


def test_a_bridge_and_its_port(metal: SimHost) -> None:
    """A bridge port has "master" but not SLAVE (IFF_SLAVE is bonding's); no MASTER flag."""
    by_name = {link['ifname']: link for link in ip(metal, '-j', 'addr')}
    assert by_name['eno3']['master'] == 'br-ex'
    assert by_name['eno3']['flags'] == ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']
    assert by_name['br-ex']['flags'] == ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']
    assert by_name['br-ex']['addr_info'][0]['broadcast'] == '192.168.9.127'


def test_ip_link_has_linkmode_and_no_addresses(metal: SimHost) -> None:
    listing = ip(metal, '-j', 'link', 'show')
    assert all('addr_info' not in link for link in listing)
    lo, eno1 = listing[0], listing[1]
    assert list(lo) == [
        'ifindex', 'ifname', 'flags', 'mtu', 'qdisc', 'operstate', 'linkmode', 'group',
        'txqlen', 'link_type', 'address', 'broadcast',
    ]  # fmt: skip
    assert list(eno1)[5:8] == ['master', 'operstate', 'linkmode']
    assert ip(metal, '-j', 'l') == listing
    brief = ip(metal, '-j', '-br', 'link', 'show', 'bond0.30')
    assert brief == [
        {
            'link': 'bond0',
            'ifname': 'bond0.30',
            'operstate': 'UP',
            'address': '52:54:00:aa:00:01',
            'flags': ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        }
    ]
    missing = metal.call(['ip', '-j', 'link', 'show', 'dev', 'eth0'])
    assert (missing.returncode, missing.stderr) == (1, 'Device "eth0" does not exist.\n')


def test_brief_addresses(metal: SimHost) -> None:
    assert ip(metal, '-j', '-br', 'a', 'show', 'dev', 'bond0.30') == [
        {
            'link': 'bond0',
            'ifname': 'bond0.30',
            'operstate': 'UP',
            'addr_info': [
                {'local': '10.30.0.5', 'prefixlen': 24},
                {'local': '2001:db8:30::5', 'prefixlen': 64},
            ],
        }
    ]


def test_addresses_and_subnets_are_the_pools(metal: SimHost) -> None:
    """SimHost.addresses is what LocalHost reads from ip -j address: every IP, IPv4 first."""
    assert metal.addresses() == ['10.20.0.5', '10.30.0.5', '192.168.9.5', '2001:db8:30::5']
    assert iproute.subnet_of('10.20.0.5', metal) == '10.20.0.0/22'
    assert iproute.subnet_of('192.168.9.5', metal) == '192.168.9.0/25'
    assert iproute.subnet_of('2001:db8:30::5', metal) == '2001:db8:30::/64'
    # without the machine (or a device carrying it) the simulation's /24 and /64 remain
    assert iproute.subnet_of('10.20.0.5') == '10.20.0.0/24'


def test_a_second_address_in_a_subnet_is_secondary(world: World) -> None:
    """net/ipv4/devinet.c __inet_insert_ifa: same mask and subnet -> IFA_F_SECONDARY, last."""
    host = world.add_machine(
        '4',
        hostname='metal-4',
        addresses=['10.0.0.4'],
        interfaces=[
            NetworkDevice(
                'eno1', 'physical', MAC1, addresses=('10.0.0.4/24', '10.0.0.5/24', '10.9.0.4/16')
            )
        ],
    )
    info = ip(host, '-j', 'addr', 'show', 'eno1')[0]['addr_info']
    assert [(a['local'], a.get('secondary', False)) for a in info] == [
        ('10.0.0.4', False),
        ('10.9.0.4', False),
        ('10.0.0.5', True),
    ]


def test_sys_class_net_shows_the_same_interfaces(metal: SimHost) -> None:
    """net/core/net-sysfs.c and bonding's sysfs: one value a line."""
    assert metal.listdir('/sys/class/net') == [
        'bond0', 'bond0.30', 'br-ex', 'eno1', 'eno2', 'eno3', 'lo',
    ]  # fmt: skip
    assert metal.read_text('/sys/class/net/bond0.30/address') == '52:54:00:aa:00:01\n'
    assert metal.read_text('/sys/class/net/eno2/address') == '52:54:00:aa:00:01\n'
    assert metal.read_text('/sys/class/net/eno1/mtu') == '9000\n'
    assert metal.read_text('/sys/class/net/br-ex/mtu') == '1500\n'
    assert metal.read_text('/sys/class/net/eno3/operstate') == 'up\n'
    assert metal.read_text('/sys/class/net/lo/operstate') == 'unknown\n'
    assert metal.read_text('/sys/class/net/bond0/type') == '1\n'
    assert metal.read_text('/sys/class/net/lo/type') == '772\n'
    assert metal.read_text('/sys/class/net/bond0/bonding/slaves') == 'eno1 eno2\n'
    assert metal.files['/sys/class/net/eno1/address'].mode == 0o444
    assert metal.files['/sys/class/net/eno1/mtu'].mode == 0o644


def test_a_machine_without_interfaces_is_as_before(host: SimHost) -> None:
    """No pool interfaces: lo and eth0 with the machine's addresses, no /sys/class/net."""
    listing = ip(host, '-j', 'addr')
    assert [link['ifname'] for link in listing] == ['lo', 'eth0']
    assert [a['local'] for a in listing[1]['addr_info']] == ['10.0.0.10', '2001:db8::10']
    assert not host.exists('/sys/class/net')
    assert host.network_devices == []
    assert [link['ifname'] for link in ip(host, '-j', 'link')] == ['lo', 'eth0']


def test_interfaces_persist_and_are_checked(world: World, metal: SimHost) -> None:
    again = World()
    loaded = again.load_machine('3', world.dump_machine('3'))
    assert loaded.network_devices == list(DEVICES)
    assert loaded.addresses() == metal.addresses()
    with pytest.raises(ValueError, match='on none of its interfaces'):
        world.add_machine('5', hostname='m5', addresses=['10.99.0.1'], interfaces=DEVICES)
    with pytest.raises(ValueError, match='sits on missing'):
        world.add_machine(
            '6',
            hostname='m6',
            addresses=[],
            interfaces=[NetworkDevice('bond0', 'bond', MAC1, parents=('eno1',))],
        )
    with pytest.raises(ValueError, match='type'):
        NetworkDevice('wl0', 'wifi', MAC1)
    assert NetworkDevice.from_json(DEVICES[3].to_json()) == DEVICES[3]
