"""The haproxy emulation: texts verified against HAProxy 2.6.12 (Debian bookworm)."""

from __future__ import annotations

import re

import pytest

from orchestrator.sim import World
from orchestrator.sim.host import SimHost

GOOD = """\
global
\tlog /dev/log\tlocal0
\tstats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners
\tuser haproxy
\tgroup haproxy
\tdaemon

defaults
\tmode tcp
\ttimeout client 30s
\ttimeout server 30s
\ttimeout connect 5s
\ttimeout tunnel 1h

frontend api
\tbind 10.0.0.100:6443
\tdefault_backend api

backend api
\toption httpchk GET /livez
\thttp-check expect status 200
\tserver k8s-0 10.0.0.1:6443 check check-ssl verify none
\tserver k8s-1 10.0.0.2:6443 check check-ssl verify none
"""


@pytest.fixture
def host() -> SimHost:
    world = World(clock=lambda: 1_700_000_000.0, sleep=lambda _: None)
    machine = world.add_machine('0', hostname='node-0', addresses=['10.0.0.1'])
    machine.apt_install('haproxy')
    return machine


def check(host: SimHost, text: str, *extra: str) -> tuple[int, str, str]:
    host.write_text('/root/t.cfg', text)
    result = host.call(['haproxy', '-c', *extra, '-f', '/root/t.cfg'])
    return result.returncode, result.stdout, re.sub(r'\(\d+\)', '(PID)', result.stderr)


def alerts(*lines: str) -> str:
    head = (
        '[NOTICE]   (PID) : haproxy version is 2.8.5-1ubuntu3.3\n'
        '[NOTICE]   (PID) : path to executable is /usr/sbin/haproxy\n'
    )
    return head + ''.join(f'[ALERT]    (PID) : config : {line}\n' for line in lines)


def test_valid(host: SimHost) -> None:
    assert check(host, GOOD) == (0, 'Configuration file is valid\n', '')
    assert check(host, GOOD, '-q') == (0, '', '')


@pytest.mark.parametrize(
    ('old', 'new', 'messages'),
    [
        (
            'mode tcp',
            'mode tcp\n\tfoo bar',
            [
                "parsing [/root/t.cfg:10] : unknown keyword 'foo' in 'defaults' section",
                'Error(s) found in configuration file : /root/t.cfg',
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'bind 10.0.0.100:6443',
            'bind 10.0.0.300:6443',
            [
                "parsing [/root/t.cfg:16] : 'bind' : invalid address: '10.0.0.300' in "
                "'10.0.0.300:6443'",
                'Error(s) found in configuration file : /root/t.cfg',
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'bind 10.0.0.100:6443',
            'bind 10.0.0.100',
            [
                "parsing [/root/t.cfg:16] : 'bind' : missing port specification in '10.0.0.100'",
                'Error(s) found in configuration file : /root/t.cfg',
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'bind 10.0.0.100:6443',
            'bind 10.0.0.100:99999',
            [
                "parsing [/root/t.cfg:16] : 'bind' : invalid port '99999'",
                'Error(s) found in configuration file : /root/t.cfg',
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'default_backend api',
            'default_backend nope',
            [
                "Proxy 'api': unable to find required default_backend: 'nope'.",
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'timeout client 30s',
            'timeout client 30x',
            [
                "parsing [/root/t.cfg:10] : unexpected character 'x' in 'timeout client'",
                'Error(s) found in configuration file : /root/t.cfg',
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'mode tcp',
            'mode foo',
            [
                "parsing [/root/t.cfg:9] : unknown proxy mode 'foo'.",
                'Error(s) found in configuration file : /root/t.cfg',
                'Fatal errors found in configuration.',
            ],
        ),
        (
            'server k8s-1 10.0.0.2:6443',
            'server k8s-1 10.0.0.999:6443',
            [
                "[/root/t.cfg:23] : 'server api/k8s-1' : could not resolve address '10.0.0.999'.",
                'Failed to initialize server(s) addr.',
            ],
        ),
        (
            'server k8s-1 10.0.0.2:6443',
            'server k8s-1 10.0.0.2',
            [
                "config: backend 'api': server 'k8s-1' has neither service port nor check port "
                "nor tcp_check rule 'connect' with port information.",
                'Fatal errors found in configuration.',
            ],
        ),
    ],
)
def test_invalid(host: SimHost, old: str, new: str, messages: list[str]) -> None:
    assert check(host, GOOD.replace(old, new)) == (1, '', alerts(*messages))
    assert check(host, GOOD.replace(old, new), '-q') == (1, '', '')


def test_duplicate_proxy(host: SimHost) -> None:
    text = GOOD + '\nbackend api\n\tserver x 10.0.0.3:1\n'
    assert check(host, text) == (
        1,
        '',
        alerts(
            "Parsing [/root/t.cfg:25]: backend 'api' has the same name as backend 'api' "
            'declared at /root/t.cfg:19.',
            'Error(s) found in configuration file : /root/t.cfg',
            'Fatal errors found in configuration.',
        ),
    )


def test_missing_file(host: SimHost) -> None:
    result = host.call(['haproxy', '-c', '-f', 'nonexist.cfg'])
    assert result.returncode == 1
    assert re.sub(r'\(\d+\)', '(PID)', result.stderr) == alerts(
        'Cannot open configuration file/directory nonexist.cfg : No such file or directory'
    )


def test_reload_fails_through_systemctl_on_a_bad_config(host: SimHost) -> None:
    host.write_text('/etc/haproxy/haproxy.cfg', GOOD)
    assert host.call(['systemctl', 'reload', 'haproxy']).returncode == 0
    host.write_text('/etc/haproxy/haproxy.cfg', GOOD.replace('mode tcp', 'mode foo'))
    result = host.call(['systemctl', 'reload', 'haproxy'])
    assert result.returncode == 1
    assert result.stderr == (
        'Job for haproxy.service failed because the control process exited with error code.\n'
        'See "systemctl status haproxy.service" and "journalctl -xeu haproxy.service" '
        'for details.\n'
    )
    assert host.call(['systemctl', 'is-active', 'haproxy']).stdout == 'active\n'
    assert host.call(['systemctl', 'restart', 'haproxy']).returncode == 1
    assert host.call(['systemctl', 'is-active', 'haproxy']).stdout == 'failed\n'


def test_not_installed() -> None:
    world = World(sleep=lambda _: None)
    machine = world.add_machine('1', hostname='node-1', addresses=['10.0.0.2'])
    result = machine.call(['haproxy', '-c', '-f', '/etc/haproxy/haproxy.cfg'])
    assert (result.returncode, result.stderr) == (127, 'haproxy: No such file or directory')
