"""The keepalived and ip emulations: texts verified against keepalived 2.2.7, iproute2 6.1."""

from __future__ import annotations

import json

import pytest

from orchestrator.sim import NetworkDevice, SimError, World
from orchestrator.sim.host import SimHost
from orchestrator.sim.programs.keepalived import vip_holders

CONF = """\
global_defs {
    enable_script_security
    script_user root
}

vrrp_script chk_haproxy {
    script "/usr/bin/killall -0 haproxy"
    interval 2
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority PRIO
    advert_int 1
    unicast_src_ip SRC
    unicast_peer {
        10.0.0.2
    }
    authentication {
        auth_type PASS
        auth_pass PASSWORD
    }
    virtual_ipaddress {
        10.0.0.100/24 dev eth0
    }
    track_script {
        chk_haproxy
    }
}
"""


def conf(priority: int, src: str, password: str = 's3cretpw') -> str:
    return CONF.replace('PRIO', str(priority)).replace('SRC', src).replace('PASSWORD', password)


@pytest.fixture
def world() -> World:
    return World(clock=lambda: 1_700_000_000.0, sleep=lambda _: None)


def lb(world: World, n: int, priority: int, password: str = 's3cretpw') -> SimHost:
    address = f'10.0.0.{n + 1}'
    host = world.add_machine(str(n), hostname=f'node-{n}', addresses=[address])
    host.apt_install('haproxy', 'keepalived')
    host.write_text(
        '/etc/keepalived/keepalived.conf', conf(priority, address, password), mode=0o600
    )
    host.service('restart', 'keepalived')
    return host


def test_config_test(world: World) -> None:
    host = lb(world, 0, 150)
    result = host.call(['keepalived', '-t', '-f', '/etc/keepalived/keepalived.conf'])
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


@pytest.mark.parametrize(
    ('old', 'new', 'code', 'stderr'),
    [
        ('priority 150', 'priority 300', 5,
         "(k.conf: Line 15) number '300' outside range [1, 255]\n"
         '(k.conf: Line 15) (VI_1) Priority not valid! must be between 1 & 255. '
         'Using default 100\n'),
        ('advert_int 1', 'advert_intx 1', 5, "(k.conf: Line 16) Unknown keyword 'advert_intx'\n"),
        ('s3cretpw', 's3cretpassword', 5,
         '(k.conf: Line 23) Truncating auth_pass to 8 characters\n'),
        ('interface eth0', 'interface eth9', 5,
         "(k.conf: Line 13) WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist\n"
         'Non-existent interface specified in configuration\n'),
        ('    enable_script_security\n', '', 6,
         'SECURITY VIOLATION - scripts are being executed but script_security not enabled.\n'),
        # keepalived 2.2.8 vrrp_parser.c / vrrp.c chk_min_cfg: no VRRP on the loopback.
        ('eth0', 'lo', 5,
         '(k.conf: Line 13) (VI_1) cannot use a loopback interface (lo) for vrrp - ignoring\n'
         '(VI_1) Unknown interface!\n'),
        # vrrp_ipaddress.c: the VIP's dev is checked too, then vrrp_daemon.c's summary line.
        ('eth0', 'eno1', 5,
         "(k.conf: Line 13) WARNING - interface eno1 for vrrp_instance VI_1 doesn't exist\n"
         "(k.conf: Line 26) WARNING - interface eno1 for ip address 10.0.0.100/24 doesn't "
         'exist\n'
         'Non-existent interface specified in configuration\n'),
        # vrrp.c vrrp_complete_instance: unicast keywords without any peer (deprecated since
        # 2.2.4, an error for the config test).
        ('        10.0.0.2\n', '', 5,
         '(VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to '
         'multicast. This usage is deprecated - please update your configuration.\n'),
        ('    unicast_peer {\n        10.0.0.2\n    }\n', '', 5,
         '(VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to '
         'multicast. This usage is deprecated - please update your configuration.\n'),
        ('    state BACKUP\n', '    state MASTER\n    nopreempt\n', 5,
         '(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing\n'),
        ('\nvrrp_instance', 'vrrp_bogus {\n}\nvrrp_instance', 5,
         "(Line 10) Unknown keyword 'vrrp_bogus'\n(Line 10) Unexpected '{' - ignoring\n"
         "(Line 11) Unknown keyword '}'\n"
         + "(k.conf: Line 10) Unknown keyword 'vrrp_bogus'\n"
         "(k.conf: Line 10) Unexpected '{' - ignoring\n(k.conf: Line 11) Unknown keyword '}'\n"
         * 3),
    ],
)  # fmt: skip
def test_config_test_errors(world: World, old: str, new: str, code: int, stderr: str) -> None:
    host = lb(world, 0, 150)
    host.write_text('/k.conf', conf(150, '10.0.0.1').replace(old, new))
    result = host.call(['keepalived', '-t', '-f', 'k.conf'])
    assert (result.returncode, result.stdout, result.stderr) == (code, '', stderr)


def test_missing_config_only_warns(world: World) -> None:
    host = lb(world, 0, 150)
    result = host.call(['keepalived', '-t', '-f', 'nonexist.conf'])
    assert (result.returncode, result.stderr) == (0, "Config files missing 'nonexist.conf'.\n")


def test_election_and_failover(world: World) -> None:
    a, b, c = lb(world, 0, 100), lb(world, 1, 150), lb(world, 2, 150)
    assert vip_holders(world) == {'10.0.0.100': '2'}  # tie: highest unicast_src_ip
    c.service('stop', 'keepalived')
    assert vip_holders(world) == {'10.0.0.100': '1'}
    b.service('stop', 'haproxy')  # its tracked haproxy is down
    assert vip_holders(world) == {'10.0.0.100': '0'}
    assert world.shared['keepalived']['vips']['10.0.0.100']['holder'] == '0'
    b.service('start', 'haproxy')
    assert vip_holders(world) == {'10.0.0.100': '1'}
    del a


def test_auth_mismatch_is_excluded(world: World) -> None:
    lb(world, 0, 100)
    lb(world, 1, 120)
    lb(world, 2, 200, password='other')
    assert vip_holders(world) == {'10.0.0.100': '1'}


def test_ip_addr_show_on_holder_and_other(world: World) -> None:
    lb(world, 0, 100)
    holder = lb(world, 1, 150)
    other = world.host('0')
    shown = json.loads(holder.run(['ip', '-j', 'addr', 'show', 'dev', 'eth0']).stdout)
    assert [a['local'] for a in shown[0]['addr_info']] == ['10.0.0.2', '10.0.0.100']
    assert shown[0]['addr_info'][1] == {
        'family': 'inet',
        'local': '10.0.0.100',
        'prefixlen': 24,
        'scope': 'global',
        'secondary': True,
        'label': 'eth0',
        'valid_life_time': 4294967295,
        'preferred_life_time': 4294967295,
    }
    assert shown[0]['addr_info'][0]['broadcast'] == '10.0.0.255'
    brief = json.loads(other.run(['ip', '-j', '-br', 'addr', 'show', 'dev', 'eth0']).stdout)
    assert brief == [
        {
            'ifname': 'eth0',
            'operstate': 'UP',
            'addr_info': [{'local': '10.0.0.1', 'prefixlen': 24}],
        }
    ]
    missing = other.call(['ip', '-j', 'addr', 'show', 'dev', 'eth9'])
    assert (missing.returncode, missing.stderr) == (1, 'Device "eth9" does not exist.\n')


def test_persistence_round_trip(world: World) -> None:
    lb(world, 0, 100)
    lb(world, 1, 150)
    world.host('0').run(['ip', '-j', 'addr'])
    again = World(clock=lambda: 1_700_000_000.0, sleep=lambda _: None)
    again.load_shared(world.dump_shared())
    for machine_id in world.machines:
        again.load_machine(machine_id, world.dump_machine(machine_id))
    assert again.shared['keepalived'] == world.shared['keepalived']
    assert vip_holders(again) == {'10.0.0.100': '1'}


def test_not_installed(world: World) -> None:
    host = world.add_machine('9', hostname='node-9', addresses=['10.0.0.10'])
    result = host.call(['keepalived', '-t'])
    assert (result.returncode, result.stderr) == (127, 'keepalived: No such file or directory')


def test_interfaces_are_the_machines(world: World) -> None:
    """A MAAS machine's interface is eno1, not eth0: keepalived and ip see the same names."""
    host = world.add_machine('5', hostname='node-5', addresses=['10.0.0.6'])
    host.state['iproute'] = {'interfaces': ['eno1', 'br0']}
    host.apt_install('keepalived')
    listing = json.loads(host.run(['ip', '-j', 'addr', 'show']).stdout)
    assert [link['ifname'] for link in listing] == ['lo', 'eno1', 'br0']
    assert [a['local'] for a in listing[1]['addr_info']] == ['10.0.0.6']
    assert listing[1]['addr_info'][0]['label'] == 'eno1'
    assert listing[2]['addr_info'] == []
    host.write_text('/k.conf', conf(150, '10.0.0.6'))
    result = host.call(['keepalived', '-t', '-f', '/k.conf'])
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        5,
        'Non-existent interface specified in configuration',
    )
    host.write_text('/k.conf', conf(150, '10.0.0.6').replace('eth0', 'eno1'))
    assert host.call(['keepalived', '-t', '-f', '/k.conf']).returncode == 0


def test_an_instance_on_a_missing_interface_never_holds_the_vip(world: World) -> None:
    lb(world, 0, 100)
    high = lb(world, 1, 150)
    assert vip_holders(world) == {'10.0.0.100': '1'}
    high.state['iproute'] = {'interfaces': ['eno1']}  # its eth0 is gone: FAULT state
    assert vip_holders(world) == {'10.0.0.100': '0'}


def test_known_top_level_keywords_are_not_taken_for_unknown(world: World) -> None:
    """keepalived knows virtual_server (LVS); the simulation does not model it: it says so."""
    host = lb(world, 0, 150)
    host.write_text('/k.conf', conf(150, '10.0.0.1') + 'virtual_server 10.0.0.100 80 {\n}\n')
    with pytest.raises(SimError, match='not emulated'):
        host.call(['keepalived', '-t', '-f', '/k.conf'])


def test_a_vip_on_another_interface_is_listed_there(world: World) -> None:
    host = lb(world, 0, 150)
    host.state['iproute'] = {'interfaces': ['eth0', 'bond0']}
    text = conf(150, '10.0.0.1').replace('10.0.0.100/24 dev eth0', '10.0.0.100/24 dev bond0')
    host.write_text('/etc/keepalived/keepalived.conf', text, mode=0o600)
    host.service('restart', 'keepalived')
    listing = json.loads(host.run(['ip', '-j', 'addr', 'show']).stdout)
    by_name = {link['ifname']: [a['local'] for a in link['addr_info']] for link in listing}
    assert by_name == {'lo': ['127.0.0.1', '::1'], 'eth0': ['10.0.0.1'], 'bond0': ['10.0.0.100']}


def test_the_pools_interfaces_are_keepalived_s(world: World) -> None:
    """keepalived takes the interfaces the pool gave the machine (ip link), not lo/eth0; the VIP
    it holds is listed on the VLAN interface it was put on, secondary in the /24 there."""
    mac = '52:54:00:00:00:07'
    host = world.add_machine(
        '7',
        hostname='node-7',
        addresses=['10.0.0.7'],
        interfaces=[
            NetworkDevice('enp5s0', 'physical', mac),
            NetworkDevice(
                'enp5s0.30', 'vlan', mac, parents=('enp5s0',), vid=30, addresses=('10.0.0.7/24',)
            ),
        ],
    )
    host.apt_install('haproxy', 'keepalived')
    text = conf(150, '10.0.0.7')
    host.write_text('/k.conf', text)
    result = host.call(['keepalived', '-t', '-f', '/k.conf'])
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        5,
        'Non-existent interface specified in configuration',
    )
    text = text.replace('eth0', 'enp5s0.30')
    host.write_text('/etc/keepalived/keepalived.conf', text, mode=0o600)
    assert host.call(['keepalived', '-t']).returncode == 0
    host.service('restart', 'haproxy')
    host.service('restart', 'keepalived')
    assert vip_holders(world) == {'10.0.0.100': '7'}
    listing = json.loads(host.run(['ip', '-j', 'addr', 'show', 'enp5s0.30']).stdout)
    info = [(a['local'], a['prefixlen'], a.get('secondary')) for a in listing[0]['addr_info']]
    assert info == [('10.0.0.7', 24, None), ('10.0.0.100', 24, True)]
