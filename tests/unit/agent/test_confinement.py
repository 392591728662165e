"""A charm's code under olm reaches its simulated machine, never the computer olm runs on.

tests/charms/escaper's ``escape`` action tries one way out per run; each must fail inside the
hook (or run on the simulated machine) and leave this computer as it was. The tests run as
whatever user runs them (root in CI), where an unconfined attempt would succeed.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from escaping import (
    assert_hook_tools_reached,
    escape,
    escaper_engine,
    snapshot,
)

from orchestrator import engine as olm_engine
from orchestrator import sim
from orchestrator.agent.confinement import Captured, confined

_REAL_SOCKET = socket.socket

REFUSED = 'charm code reaches only its simulated machine 0 (node-01, simulated)'


@pytest.fixture(scope='module')
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[olm_engine.Engine]:
    yield from escaper_engine(tmp_path_factory.mktemp('confinement'), 'scenario')


@pytest.mark.parametrize(
    ('how', 'refused'),
    [
        ('popen', "olm refused starting 'touch' on this computer"),
        ('os-exec', 'olm refused starting'),
        ('os-spawn', "olm refused starting 'touch' on this computer"),
        ('write-tmp', 'olm refused writing'),
        ('mkdir', 'olm refused creating the directory'),
        ('remove', 'olm refused removing'),
        ('rename', 'olm refused renaming'),
        ('chmod', 'olm refused changing the mode of'),
        ('socket', 'olm refused a network connection from this computer'),
        ('sqlite', 'olm refused opening the sqlite database'),
        ('kill', 'olm refused signalling a process of this computer'),
    ],
)
def test_a_way_out_fails_in_the_hook_and_changes_nothing_here(
    engine: olm_engine.Engine, tmp_path: Path, how: str, refused: str
):
    target = tmp_path / 'target'
    target.write_text('as it was')
    target.chmod(0o640)
    before = snapshot(tmp_path)

    results = escape(engine, how, target)

    assert results['outcome'] == 'raised', results
    assert results['error'] == 'ConfinementError'
    assert refused in results['message'] and REFUSED in results['message']
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ('how', 'where'), [('write-etc', Path('/etc')), ('write-home', Path.home())]
)
def test_writes_under_etc_and_home_are_refused(engine: olm_engine.Engine, how: str, where: Path):
    name = f'olm-escape-{uuid.uuid4().hex}'

    results = escape(engine, how, name)

    assert (results['outcome'], results['error']) == ('raised', 'ConfinementError'), results
    assert not (where / name).exists()


def test_subprocess_runs_the_machine_s_programs(engine: olm_engine.Engine):
    listed = escape(engine, 'snap-list', 'unused')

    assert listed == {'outcome': 'returned', 'value': "''"}  # the machine has no snap yet
    machine = engine.status_view().model.machines['0']
    assert machine.hostname == 'node-01'


def test_a_program_the_machine_lacks_is_a_missing_executable_naming_the_machine(
    engine: olm_engine.Engine,
):
    hostname = Path('/etc/hostname').read_bytes() if Path('/etc/hostname').exists() else b''

    results = escape(engine, 'missing-program', 'unused')

    assert results['error'] == 'FileNotFoundError'
    assert (
        "simulated machine 0 (node-01, simulated) has no program 'hostname'"
        in (results['message'])
    )
    after = Path('/etc/hostname').read_bytes() if Path('/etc/hostname').exists() else b''
    assert after == hostname


def test_a_shell_line_runs_on_the_machine_s_sh(engine: olm_engine.Engine, tmp_path: Path):
    assert escape(engine, 'shell', 'unused') == {'outcome': 'returned', 'value': "'routed'"}
    # os.system's wait status: the machine's touch ran, and failed (exit 1): the directory
    # is this computer's, not the simulated machine's.
    assert escape(engine, 'os-system', tmp_path / 'x') == {'outcome': 'returned', 'value': '256'}
    assert not (tmp_path / 'x').exists()


def test_what_the_charm_prints_goes_to_its_log_not_olm_s_output(
    engine: olm_engine.Engine, capfd: pytest.CaptureFixture[str]
):
    escape(engine, 'print', 'unused')

    printed = capfd.readouterr()
    assert 'printed by the charm' not in printed.out + printed.err
    (entry,) = [e for e in engine.debug_log() if 'printed by the charm' in e.detail][-1:]
    assert 'stdout printed by the charm' in entry.detail
    assert 'stderr and on stderr' in entry.detail


def test_outside_olm_s_hooks_nothing_is_confined(engine: olm_engine.Engine, tmp_path: Path):
    escape(engine, 'print', 'unused')  # a confined run has come and gone

    (tmp_path / 'free').write_text('written')
    done = subprocess.run(['true'], check=True)
    assert done.returncode == 0
    assert os.system('true') == 0


def test_hook_tools_are_in_reach_of_the_charms_own_calls(engine: olm_engine.Engine):
    assert_hook_tools_reached(engine)


def _snapd_get(path: str, socket_path: str = '/run/snapd.socket') -> tuple[int, Any]:
    """A GET as charmlibs-snap makes it: urllib over an ``http.client`` on a unix socket."""

    class UnixConnection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(self.timeout)
            self.sock.connect(socket_path)

    class UnixHandler(urllib.request.AbstractHTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(UnixConnection, req)  # pyright: ignore[reportArgumentType]

    opener = urllib.request.OpenerDirector()
    opener.add_handler(UnixHandler())
    request = urllib.request.Request(f'http://localhost{path}', headers={'Accept': 'json'})
    with opener.open(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_snapd_s_socket_is_answered_by_the_machine():
    world = sim.World(sleep=lambda _: None)
    host = world.add_machine('0', hostname='node-01', addresses=['10.0.0.1'])
    host.run(['snap', 'install', 'maas', '--channel=3.6'])

    with confined(host, Captured()):
        status, answer = _snapd_get('/v2/snaps/maas')
        missing, refused = _snapd_get('/v2/snaps/nope')

    assert (status, answer['result']['tracking-channel']) == (200, '3.6/stable')
    assert (missing, refused['result']['kind']) == (404, 'snap-not-found')
    assert socket.socket is _REAL_SOCKET  # put back after the hook


def test_other_unix_sockets_are_refused():
    world = sim.World(sleep=lambda _: None)
    host = world.add_machine('0', hostname='node-01', addresses=['10.0.0.1'])

    with confined(host, Captured()), pytest.raises(urllib.error.URLError) as raised:
        _snapd_get('/v2/snaps', socket_path='/run/dbus/system_bus_socket')

    assert 'olm refused a network connection from this computer' in str(raised.value.reason)


def test_a_raw_socket_client_that_shuts_down_its_side_is_answered_too():
    world = sim.World(sleep=lambda _: None)
    host = world.add_machine('0', hostname='node-01', addresses=['10.0.0.1'])

    with confined(host, Captured()):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect('/run/snapd.socket')
        client.sendall(b'GET /v2/snaps HTTP/1.1\r\nHost: localhost\r\n\r\n')
        client.shutdown(socket.SHUT_WR)
        received = b''
        while chunk := client.recv(7):
            received += chunk
        client.close()

    head, _, body = received.partition(b'\r\n\r\n')
    assert head.startswith(b'HTTP/1.1 200 OK\r\n')
    assert json.loads(body)['result'] == []
