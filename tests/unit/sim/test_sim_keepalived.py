"""The keepalived and ip emulations: texts verified against keepalived 2.2.7, iproute2 6.1."""

from __future__ import annotations

import json

import pytest

from orchestrator.sim import World
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
