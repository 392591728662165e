"""The dispatch runner's parts, each against the real thing it stands in front of.

- the agent client (run as the sandbox runs it, ``python3 -IS``) and olm's socket loop agree
  on the framing, arguments, standard input, exit status and output;
- the machine root: what a hook does to the files under it goes back into the simulated
  machine, and only that;
- staging: the staged charm has charmcraft's layout (dispatch, metadata, venv, shared lib).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator import sim
from orchestrator.agent.dispatch import _machine_root, _protocol, _staging
from orchestrator.agent.dispatch._agent_socket import run_hook_process
from orchestrator.juju import charmspec

ROOT = Path(__file__).resolve().parents[3]
CLIENT = ROOT / 'orchestrator' / 'agent' / 'dispatch' / '_client.py'


@pytest.fixture(params=['c', 'python'])
def client(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The agent client, both builds: C where a compiler is (CI), Python otherwise."""
    if request.param == 'c' and shutil.which('cc') is None:
        pytest.skip('no C compiler')
    program = _staging.install_client(
        CLIENT, cache=tmp_path / 'cache', compiled=request.param == 'c'
    )
    assert (program.read_bytes()[:2] == b'#!') == (request.param == 'python')
    link = tmp_path / 'bin' / 'relation-get'
    link.parent.mkdir()
    link.symlink_to(program)
    return link


def test_a_call_carries_name_arguments_stdin_and_returns_status_and_output(
    client: Path, tmp_path: Path
):
    seen: list[_protocol.Request] = []

    def answer(request: _protocol.Request) -> tuple[int, bytes, bytes]:
        seen.append(request)
        return 3, b'out \xff\n', b'ERROR no\n'

    socket_path = tmp_path / 'agent.socket'
    script = (
        f'printf "a b\\0c" | {client} -r db:1 "two words" ""; echo "exit=$?"; '
        f'{client} --format=json < /dev/null'
    )
    env = {
        'JUJU_AGENT_SOCKET_ADDRESS': str(socket_path),
        'JUJU_CONTEXT_ID': 'app/0-install-1',
        'PATH': os.environ['PATH'],
    }
    argv = ['env', '-i', *(f'{k}={v}' for k, v in env.items()), 'sh', '-c', script]

    done = run_hook_process(argv, socket_path, answer, timeout=30)

    assert done.returncode == 3
    assert [r.args for r in seen] == [('-r', 'db:1', 'two words', ''), ('--format=json',)]
    assert [r.stdin for r in seen] == [b'a b\0c', b'']
    assert {r.name for r in seen} == {'relation-get'}
    assert seen[0].context_id == 'app/0-install-1'
    assert ('stdout', 'exit=3') in done.output
    assert ('stderr', 'ERROR no') in done.output


def test_a_client_outside_a_hook_says_so(client: Path):
    done = subprocess.run([str(client)], capture_output=True, text=True, env={}, check=False)

    assert done.returncode == 1
    assert done.stderr == 'ERROR relation-get: JUJU_AGENT_SOCKET_ADDRESS not set (not in a hook)\n'


def test_a_malformed_request_is_refused():
    with pytest.raises(_protocol.ProtocolError):
        _protocol.decode_request(b'5:hello,')


@pytest.fixture
def host() -> sim.SimHost:
    world = sim.World()
    machine = world.add_machine('0', hostname='node-0', addresses=['10.0.0.2'])
    machine.write_text('/etc/kept', 'same\n')
    machine.write_text('/etc/changed', 'before\n')
    machine.write_text('/etc/removed', 'bye\n', mode=0o600)
    return machine


def test_what_a_hook_does_to_the_machine_root_goes_back_to_the_machine(
    host: sim.SimHost, tmp_path: Path
):
    before = _machine_root.materialize(host, tmp_path)
    assert (tmp_path / 'etc' / 'removed').stat().st_mode & 0o777 == 0o600

    (tmp_path / 'etc' / 'changed').write_text('after\n')
    (tmp_path / 'etc' / 'removed').unlink()
    (tmp_path / 'var' / 'lib').mkdir(parents=True, exist_ok=True)
    (tmp_path / 'var' / 'lib' / 'new').write_text('new\n')
    (tmp_path / 'var' / 'lib' / 'new').chmod(0o640)
    (tmp_path / 'usr' / 'bin').mkdir(parents=True)
    (tmp_path / 'usr' / 'bin' / 'not-the-machines').write_text('mount point')
    charm = tmp_path / 'var' / 'lib' / 'juju' / 'agents' / 'unit-a-0' / 'charm'
    charm.mkdir(parents=True)
    (charm / 'x').write_text("the unit agent's, not the machine's")

    changed = _machine_root.sync_back(host, tmp_path, before)

    assert changed == ['/etc/changed', '/var/lib/new', '/etc/removed']
    assert host.read_text('/etc/changed') == 'after\n'
    assert host.read_text('/var/lib/new') == 'new\n'
    assert host.files['/var/lib/new'].mode == 0o640
    assert not host.exists('/etc/removed')
    assert host.read_text('/etc/kept') == 'same\n'
    assert not host.exists('/usr/bin/not-the-machines')
    assert not host.exists(str(charm / 'x').removeprefix(str(tmp_path)))


def test_a_charm_is_staged_as_charmcraft_packs_it(tmp_path: Path):
    spec = charmspec.load(ROOT / 'charms' / 'kubernetes-worker')

    staged = _staging.stage(spec, cache=tmp_path)

    files = {p.name for p in staged.path.iterdir()}
    assert {'dispatch', 'metadata.yaml', 'config.yaml', 'src', 'lib'} <= files
    assert not files & {'tests', 'pyproject.toml', 'README.md'}  # the uv plugin packs src/, lib/
    assert (staged.path / 'lib' / 'metal_host' / '__init__.py').is_file()
    dispatch = (staged.path / 'dispatch').read_text()
    assert dispatch.startswith('#!/bin/sh\n') and 'exec "${python_path}"' in dispatch
    assert os.access(staged.path / 'dispatch', os.X_OK)
    assert staged.venv is not None
    assert os.readlink(staged.venv / 'bin' / 'python') == '/usr/bin/python3'
    assert list(staged.venv.glob('lib/python3*/site-packages/ops/__init__.py'))
    assert _staging.stage(spec, cache=tmp_path).path == staged.path  # once per content


def test_a_charm_plugin_charm_gets_charmcrafts_exec_dispatch(tmp_path: Path):
    spec = charmspec.load(ROOT / 'tests' / 'charms' / 'escaper')

    staged = _staging.stage(spec, cache=tmp_path)

    assert (staged.path / 'dispatch').read_text() == (
        '#!/bin/sh\n\n'
        'JUJU_DISPATCH_PATH="${JUJU_DISPATCH_PATH:-$0}" PYTHONPATH=lib:venv \\\n'
        '  exec ./src/charm.py\n'
    )
    assert staged.venv is not None and (staged.venv / 'ops' / '__init__.py').is_file()


def test_a_plugin_olm_does_not_stage_is_named(tmp_path: Path):
    charm = tmp_path / 'poetic'
    shutil.copytree(ROOT / 'tests' / 'charms' / 'escaper', charm)
    text = (charm / 'charmcraft.yaml').read_text()
    (charm / 'charmcraft.yaml').write_text(text + 'parts:\n  charm:\n    plugin: poetry\n')
    spec = charmspec.load(charm)

    with pytest.raises(_staging.StagingError, match="the 'poetry' plugin is not staged by olm"):
        _staging.stage(spec, cache=tmp_path / 'cache')


def test_without_bubblewrap_a_dispatch_deploy_says_so_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from orchestrator import engine as olm_engine
    from orchestrator.agent.dispatch import _sandbox
    from orchestrator.state.store import Store

    monkeypatch.setattr(_sandbox.shutil, 'which', lambda name: None)
    store = Store(tmp_path / 'model')
    e = olm_engine.Engine(store, charms_dir=ROOT / 'tests' / 'charms', seed=1)
    try:
        e.import_pool(ROOT / 'bundles' / 'pools' / 'lab.yaml')
        with pytest.raises(olm_engine.EngineError) as raised:
            e.deploy('escaper', runner='dispatch')
        assert not e.status_view().model.applications
    finally:
        store.close()

    assert str(raised.value) == (
        'the dispatch runner needs bubblewrap (bwrap) to keep the charm on its simulated '
        'machine: install it (Debian and Ubuntu: apt-get install bubblewrap) or use '
        '--runner scenario'
    )


def test_an_unknown_runner_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from orchestrator import engine as olm_engine
    from orchestrator.state.store import Store

    monkeypatch.setenv('OLM_RUNNER', 'docker')
    store = Store(tmp_path / 'model')
    e = olm_engine.Engine(store, charms_dir=ROOT / 'tests' / 'charms', seed=1)
    try:
        with pytest.raises(olm_engine.EngineError, match='invalid OLM_RUNNER "docker": expected'):
            e.deploy('escaper')
    finally:
        store.close()


def test_a_hook_gets_jujus_environment(tmp_path: Path):
    from orchestrator.agent.dispatch import _runner, _sandbox

    layout = _sandbox.SandboxLayout(
        machine_root=tmp_path, skeleton=tmp_path, charm=tmp_path, venv=None,
        unit_state=tmp_path / 'db', client=tmp_path / 'c', socket=tmp_path / 's',
        unit_dir='/var/lib/juju/agents/unit-app-0', tools_dir='/var/lib/juju/tools/unit-app-0',
        devices={}, hostname='node-0',
    )  # fmt: skip
    scenario_env = {
        'JUJU_UNIT_NAME': 'app/0',
        'JUJU_DISPATCH_PATH': 'hooks/install',
        'JUJU_CHARM_DIR': '/tmp/scenario-root',
        'SCENARIO_ONLY': 'x',
    }

    env = _runner._hook_env(scenario_env, 'app/0', layout, 'app/0-install-1')

    charm = '/var/lib/juju/agents/unit-app-0/charm'
    assert env['JUJU_UNIT_NAME'] == 'app/0'
    assert env['JUJU_DISPATCH_PATH'] == 'hooks/install'
    assert (env['CHARM_DIR'], env['JUJU_CHARM_DIR']) == (charm, charm)
    assert env['JUJU_CONTEXT_ID'] == 'app/0-install-1'
    assert env['JUJU_AGENT_SOCKET_ADDRESS'] == '/var/lib/juju/agents/unit-app-0/agent.socket'
    assert env['JUJU_AGENT_SOCKET_NETWORK'] == 'unix'
    assert env['PATH'].startswith('/var/lib/juju/tools/unit-app-0:/usr/local/sbin:')
    assert (env['LANG'], env['TERM'], env['DEBIAN_FRONTEND']) == (
        'C.UTF-8',
        'tmux-256color',
        'noninteractive',
    )
    assert 'SCENARIO_ONLY' not in env


_HTTP_CLIENT = """
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'GET /v2/snaps/nope HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n')
print(s.makefile('rb').read().decode())
"""


def test_a_socket_the_machine_serves_is_answered_while_the_hook_runs(
    host: sim.SimHost, tmp_path: Path
):
    """What the sandbox mounts at ``/run/snapd.socket``: one HTTP request per connection."""
    served = tmp_path / 'served.socket'

    def serve(request: sim.HttpRequest) -> sim.HttpResponse:
        answered = host.request('/run/snapd.socket', request)
        assert answered is not None
        return answered

    def no_tools(request: _protocol.Request) -> tuple[int, bytes, bytes]:
        raise AssertionError(request)

    argv = [shutil.which('python3') or 'python3', '-c', _HTTP_CLIENT, str(served)]
    done = run_hook_process(
        argv, tmp_path / 'agent.socket', no_tools, timeout=30, served={served: serve}
    )

    assert done.returncode == 0, done.output
    lines = [line for stream, line in done.output if stream == 'stdout']
    assert lines[0] == 'HTTP/1.1 404 Not Found\r'
    assert lines[-1] == (
        '{"type": "error", "status-code": 404, "status": "Not Found", "result": '
        '{"message": "snap not installed", "kind": "snap-not-found", "value": "nope"}}'
    )


def test_a_served_sockets_mount_point_is_not_the_machines_file(host: sim.SimHost, tmp_path: Path):
    """bubblewrap leaves an empty file where it mounted ``/run/snapd.socket``."""
    before = _machine_root.materialize(host, tmp_path)
    (tmp_path / 'run' / 'snapd.socket').write_text('')

    assert _machine_root.sync_back(host, tmp_path, before) == []
    assert not host.exists('/run/snapd.socket')
