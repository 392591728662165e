"""The dispatch runner's sandbox: a packed charm's hook reaches its simulated machine only.

tests/charms/escaper's ``escape`` action tries one way out per run, here as the packed charm
run through its ``dispatch`` in bubblewrap (see tests/unit/agent/test_confinement.py for the
in-process runner). Every attempt must leave this computer byte for byte as it was; what the
charm writes lands on its simulated machine. The tests run as whatever user runs them (root
in CI), where an unconfined attempt would succeed. They need bubblewrap, which .ci/run
installs.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from escaping import (
    LAB_POOL,
    TEST_CHARMS,
    assert_hook_tools_reached,
    escape,
    escaper_engine,
    snapshot,
)

from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

pytestmark = pytest.mark.skipif(shutil.which('bwrap') is None, reason='needs bubblewrap')


@pytest.fixture(scope='module')
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[olm_engine.Engine]:
    yield from escaper_engine(tmp_path_factory.mktemp('dispatch'), 'dispatch')


EVERY_WAY_OUT = [
    'subprocess', 'popen', 'os-system', 'os-exec', 'os-spawn', 'write-etc', 'write-tmp',
    'write-home', 'mkdir', 'remove', 'rename', 'chmod', 'socket', 'sqlite', 'kill', 'print',
    'snap-list', 'missing-program', 'shell', 'hookcmds',
]  # fmt: skip


def test_the_escaper_is_deployed_in_the_dispatch_runner(engine: olm_engine.Engine):
    m = engine.status_view().model
    assert m.applications['escaper'].runner == 'dispatch'
    assert m.units['escaper/0'].agent.current == 'idle', m.units['escaper/0']


@pytest.mark.parametrize('how', EVERY_WAY_OUT)
def test_no_way_out_changes_this_computer(engine: olm_engine.Engine, tmp_path: Path, how: str):
    target = tmp_path / 'target'
    target.write_text('as it was')
    target.chmod(0o640)
    name = f'olm-escape-{uuid.uuid4().hex}'
    before = snapshot(tmp_path)

    escape(engine, how, target)

    assert snapshot(tmp_path) == before
    assert not (Path('/etc') / name).exists()
    assert not (Path.home() / 'target').exists() or how != 'write-home'


def test_a_file_written_under_etc_lands_on_the_simulated_machine(engine: olm_engine.Engine):
    name = f'olm-escape-{uuid.uuid4().hex}'

    results = escape(engine, 'write-etc', name)

    assert results['outcome'] == 'returned', results
    assert not (Path('/etc') / name).exists()
    assert engine.exec(f'cat /etc/{name}', unit='escaper/0').stdout == 'escaped'


def test_a_program_the_machine_does_not_have_is_not_found_inside_the_hook(
    engine: olm_engine.Engine, tmp_path: Path
):
    results = escape(engine, 'subprocess', tmp_path / 'target')

    assert results == {
        'outcome': 'raised',
        'error': 'FileNotFoundError',
        'message': "[Errno 2] No such file or directory: 'touch'",
    }


def test_an_emulated_program_answers_from_the_simulated_machine(engine: olm_engine.Engine):
    results = escape(engine, 'snap-list', '/unused')

    assert results['outcome'] == 'returned', results
    assert results['value'] == repr(engine.exec('snap list', unit='escaper/0').stdout)


def test_a_connection_leaves_no_network(engine: olm_engine.Engine):
    results = escape(engine, 'socket', '/unused')

    assert results['outcome'] == 'raised'
    assert results['error'] in {'OSError', 'ConnectionRefusedError'}, results


def test_what_the_charm_prints_goes_to_the_hook_log(engine: olm_engine.Engine):
    escape(engine, 'print', '/unused')

    details = [e.detail for e in engine.debug_log() if e.unit == 'escaper/0']
    assert any('stdout printed by the charm' in d for d in details)
    assert any('stderr and on stderr' in d for d in details)


def test_a_non_executable_entry_point_fails_the_first_hook_as_dash_refuses_it(tmp_path: Path):
    """The real /bin/sh running charmcraft's dispatch says what the in-process runner says.

    The in-process runner emulates dash's refusal (agent/runner.py ``_dispatch_refusal``); here
    the real dash refuses, and both texts must be the same.
    """
    charm = tmp_path / 'charms' / 'escaper'
    shutil.copytree(TEST_CHARMS / 'escaper', charm)
    (charm / 'src' / 'charm.py').chmod(0o644)
    store = Store(tmp_path / 'model')
    e = olm_engine.Engine(
        store, charms_dir=tmp_path / 'charms', seed=1,
        retry=olm_engine.RetryPolicy(initial=0, maximum=0),
    )  # fmt: skip
    try:
        e.import_pool(LAB_POOL)
        e.deploy(str(charm), application='packed', runner='dispatch')
        e.deploy(str(charm), application='emulated', runner='scenario')
        errors = {
            u.application: (
                u.agent.message,
                u.progress.failure.error if u.progress.failure else '',
            )
            for u in e.status_view().model.units.values()
        }
    finally:
        store.close()

    expected = (
        '/var/lib/juju/agents/unit-{}-0/charm/dispatch: 3: exec: ./src/charm.py: Permission denied'
    )
    assert errors['packed'] == ('hook failed: "install"', expected.format('packed'))
    assert errors['emulated'] == ('hook failed: "install"', expected.format('emulated'))


def test_hook_tools_are_programs_on_the_hooks_path(engine: olm_engine.Engine):
    assert_hook_tools_reached(engine)
