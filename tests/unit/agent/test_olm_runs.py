"""olm's adaptations of ops and Scenario act during olm's own runs only, and leave nothing behind.

- Scenario's consistency checker stays on for every Scenario run that is not olm's (a charm's
  own tests in the same process), before and after olm has run hooks;
- the virtual charm directories are removed when the runner is closed, when it is collected,
  and at the latest when the interpreter exits.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import ops
import pytest
from ops import testing

from orchestrator import _compat
from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[3]
TEST_CHARMS = ROOT / 'tests' / 'charms'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[olm_engine.Engine]:
    store = Store(tmp_path / 'model')
    e = olm_engine.Engine(
        store,
        charms_dir=TEST_CHARMS,
        seed=3,
        retry=olm_engine.RetryPolicy(initial=0, maximum=0),
    )
    e.import_pool(LAB_POOL)
    yield e
    e.hook_runner.close()
    store.close()


class _Plain(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.start, self._on_start)

    def _on_start(self, _: ops.StartEvent) -> None:
        self.unit.status = ops.ActiveStatus()


def _inconsistent_run() -> None:
    """A charm's own Scenario test whose state sets an option the charm does not declare."""
    ctx = testing.Context(_Plain, meta={'name': 'plain'}, config={'options': {}})
    ctx.run(ctx.on.start(), testing.State(config={'undeclared': 'x'}))


def test_a_charms_own_scenario_test_is_checked_before_and_after_olm_runs(
    engine: olm_engine.Engine,
):
    # Importing olm's runner (done by now, in a whole test run) must not have switched the
    # checker off for the process, nor may running hooks.
    import orchestrator.agent.runner  # noqa: F401  # pyright: ignore[reportUnusedImport]

    with pytest.raises(testing.errors.InconsistentScenarioError):
        _inconsistent_run()
    engine.deploy('tracer', num_units=2)
    assert engine.status_view().model.units['tracer/1'].agent.current == 'idle'
    assert _compat.SKIP_CONSISTENCY_CHECKS not in os.environ
    assert _compat.current_roots() is None
    with pytest.raises(testing.errors.InconsistentScenarioError):
        _inconsistent_run()


def test_a_plain_scenario_run_gets_scenarios_own_storage_and_metadata(
    engine: olm_engine.Engine,
):
    engine.deploy('echo')
    ctx = testing.Context(_Plain, meta={'name': 'plain'})
    with ctx(ctx.on.start(), testing.State()) as manager:
        framework: ops.Framework = manager.ops.framework  # pyright: ignore[reportOptionalMemberAccess]
        storage = framework._storage  # pyright: ignore[reportPrivateUsage]
        assert type(storage).__name__ == 'SQLiteStorage'  # not olm's MemoryStorage
        manager.run()
    assert ctx.unit_status_history == [testing.UnknownStatus()]


def test_closing_the_runner_removes_its_charm_directories(engine: olm_engine.Engine):
    engine.deploy('echo')
    roots = engine.hook_runner.charm_roots.paths()
    assert len(roots) == 1 and roots[0].is_dir()
    assert (roots[0] / 'metadata.yaml').is_file() and (roots[0] / 'src').is_symlink()
    engine.hook_runner.close()
    assert not roots[0].exists()
    assert len(engine.hook_runner.charm_roots) == 0
    # A closed runner still runs: it makes the directory again.
    engine.deploy('echo', application='again')
    assert all(p.is_dir() for p in engine.hook_runner.charm_roots.paths())


def test_a_collected_runner_leaves_no_directory(tmp_path: Path):
    roots = _compat.CharmRoots()
    made = roots.root(TEST_CHARMS / 'echo', {'name': 'echo'}, {}, {})
    assert made.is_dir()
    del roots
    gc.collect()
    assert not made.exists()


def test_the_directories_go_at_interpreter_exit():
    script = (
        'from pathlib import Path; from orchestrator import _compat; '
        'roots = _compat.CharmRoots(); '
        f"print(roots.root(Path({str(TEST_CHARMS / 'echo')!r}), {{'name': 'echo'}}, {{}}, {{}}))"
    )
    env = {**os.environ, 'PYTHONPATH': str(ROOT / 'lib')}
    done = subprocess.run(
        [sys.executable, '-c', script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    made = Path(done.stdout.strip())
    assert made.name.startswith('olm-charm-echo-')
    assert not made.exists()


class _Deferring(ops.CharmBase):
    """Defers ``start`` once; a later dispatch re-emits it (ops' ``Framework.reemit``)."""

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.start, self._on_start)

    def _on_start(self, event: ops.StartEvent) -> None:
        if self.unit.status.name == 'unknown':
            self.unit.status = ops.MaintenanceStatus('deferred')
            event.defer()
            return
        self.unit.status = ops.ActiveStatus('re-emitted')


def test_an_event_the_charm_does_not_define_is_logged_and_the_hook_succeeds(
    monkeypatch: pytest.MonkeyPatch,
):
    # ops.main: "Event juju_info_relation_created not defined for <charm>." at debug, no
    # emission, and the dispatch still re-emits deferred events (ops/_main.py). Scenario
    # raises NoObserverError instead; olm's runs do as ops does, other Scenario runs not.
    meta = {'name': 'deferring'}
    relation = testing.Relation('juju-info', interface='juju-info')
    ctx = testing.Context(_Deferring, meta=meta)
    first = ctx.run(ctx.on.start(), testing.State())
    assert first.unit_status == testing.MaintenanceStatus('deferred')
    state = testing.State(
        relations=[relation], deferred=first.deferred, unit_status=first.unit_status
    )

    with monkeypatch.context() as patched:
        patched.setenv(_compat.SKIP_CONSISTENCY_CHECKS, '1')  # the endpoint is undeclared
        with pytest.raises(RuntimeError, match='invalid event'):
            ctx.run(ctx.on.relation_created(relation), state)

    roots = _compat.CharmRoots()
    try:
        with _compat.olm_run(roots):
            ctx = testing.Context(_Deferring, meta=meta)
            out = ctx.run(ctx.on.relation_created(relation), state)
    finally:
        roots.close()
    assert out.unit_status == testing.ActiveStatus('re-emitted')
    assert not out.deferred


def test_a_hook_runs_with_jujus_environment_and_olms_comes_back_after(
    engine: olm_engine.Engine, monkeypatch: pytest.MonkeyPatch
):
    # Juju's hooks get a fixed environment (orchestrator/agent/hook_environment.py); the
    # caller's variables are hidden for the hook only, and every one is back afterwards.
    monkeypatch.setenv('OLM_TEST_TOKEN', 'not-for-charms')
    before = dict(os.environ)
    engine.deploy('environ')
    status = engine.status_view().model.units['environ/0'].workload
    seen = set(status.message.split())
    assert 'OLM_TEST_TOKEN' not in seen and 'HOME' not in seen
    assert {'CHARM_DIR', 'LANG', 'PATH', 'DEBIAN_FRONTEND'} <= seen
    assert dict(os.environ) == before
