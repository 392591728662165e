"""One bad charm never wedges a model.

A charm that cannot load fails its hook as it would under Juju (its process dies at import):
its unit is in error with ``hook failed: "install"`` and the reason in the event log, and the
rest of the model goes on. ``--force`` removal removes what teardown could not, and a commit
the store refuses fails the hook without leaving any of it behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from enginetools import Clock

from orchestrator import engine as olm_engine
from orchestrator.agent import commit, runner
from orchestrator.agent.hooks import Hook
from orchestrator.state import model
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[3]
TEST_CHARMS = ROOT / 'tests' / 'charms'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'

VARIANTS: dict[str, tuple[str, str]] = {
    # how it fails: (src/charm.py, what the event log says)
    'import': ('', 'RuntimeError: broken on purpose: this charm cannot be imported'),
    'syntax': ('import ops\ndef broken(:\n', 'SyntaxError'),
    'no-class': (
        'import ops\n',
        'must define exactly one charm class (ops.CharmBase), found: none',
    ),
    'main-only': (
        'import ops\n\n'
        "if __name__ == '__main__':\n"
        '    class Made(ops.CharmBase):\n'
        '        pass\n\n'
        '    ops.main(Made)\n',
        'deploy with --runner dispatch',
    ),
    'init-exits': (
        'import sys\nimport ops\n\n'
        'class Exiting(ops.CharmBase):\n'
        '    def __init__(self, framework):\n'
        '        super().__init__(framework)\n'
        '        sys.exit(3)\n',
        'exit status 3',
    ),
    'init-raises': (
        'import ops\n\n'
        'class Raising(ops.CharmBase):\n'
        '    def __init__(self, framework):\n'
        '        super().__init__(framework)\n'
        "        raise ValueError('no config file')\n",
        'ValueError: no config file',
    ),
}


@pytest.fixture
def charms(tmp_path: Path) -> Path:
    """A charms directory with tracer and a copy of broken to spoil further."""
    root = tmp_path / 'charms'
    for name in ('tracer', 'broken'):
        shutil.copytree(TEST_CHARMS / name, root / name)
    return root


@pytest.fixture
def lab(charms: Path, tmp_path: Path, clock: Clock) -> Iterator[Callable[..., olm_engine.Engine]]:
    stores: list[Store] = []

    def make(name: str = 'model') -> olm_engine.Engine:
        store = Store(tmp_path / name)
        stores.append(store)
        engine = olm_engine.Engine(
            store, charms_dir=charms, clock=clock, sleep=clock.sleep, seed=3,
            retry=olm_engine.RetryPolicy(initial=0.0, maximum=0.0),
        )  # fmt: skip
        if not engine.pool_machines():
            engine.import_pool(LAB_POOL)
        return engine

    yield make
    for store in stores:
        store.close()


def _spoil(charms: Path, variant: str) -> None:
    source, _ = VARIANTS[variant]
    if source:
        (charms / 'broken' / 'src' / 'charm.py').write_text(source)


def _failures(engine: olm_engine.Engine, unit: str) -> list[str]:
    return [e.detail for e in engine.debug_log() if e.unit == unit and e.outcome == 'failed']


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_a_charm_that_cannot_load_puts_its_unit_in_error_and_nothing_else(
    lab: Callable[..., olm_engine.Engine], charms: Path, variant: str
):
    _spoil(charms, variant)
    engine = lab()
    engine.deploy('broken')
    engine.deploy('tracer')

    model = engine.status_view().model
    broken = model.units['broken/0']
    assert (broken.agent.current, broken.agent.message) == ('error', 'hook failed: "install"')
    assert VARIANTS[variant][1] in _failures(engine, 'broken/0')[-1]
    assert model.units['tracer/0'].progress.started  # the rest of the model settled

    # Later commands still work: a resolve retries (and fails again), config changes settle.
    engine.resolve(['broken/0'])
    assert len(_failures(engine, 'broken/0')) >= 2
    engine.set_config('tracer', {'greeting': 'hi'})
    assert engine.status_view().model.units['tracer/0'].agent.current == 'idle'


def test_a_charm_fixed_on_disk_loads_on_the_next_retry(
    lab: Callable[..., olm_engine.Engine], charms: Path
):
    engine = lab()
    engine.deploy('broken')
    (charms / 'broken' / 'src' / 'charm.py').write_text(
        'import ops\n\nclass Fixed(ops.CharmBase):\n    pass\n'
    )
    engine.resolve(['broken/0'])
    unit = engine.status_view().model.units['broken/0']
    assert unit.agent.current == 'idle' and unit.progress.started


def test_without_force_a_unit_whose_teardown_fails_stays_in_error(
    lab: Callable[..., olm_engine.Engine],
):
    engine = lab()
    engine.deploy('broken')
    engine.remove_application(['broken'])
    unit = engine.status_view().model.units['broken/0']
    assert unit.life == 'dying' and unit.agent.current == 'error'


@pytest.mark.parametrize('no_wait', [False, True])
def test_force_removes_a_broken_application_and_its_machine(
    lab: Callable[..., olm_engine.Engine], no_wait: bool
):
    engine = lab()
    engine.deploy('broken')
    engine.deploy('tracer')
    engine.integrate('broken:backend', 'tracer:db')
    machine = engine.status_view().model.units['broken/0'].machine

    engine.remove_application(['broken'], force=True, no_wait=no_wait)

    model = engine.status_view().model
    assert 'broken' not in model.applications and 'broken/0' not in model.units
    assert machine not in model.machines  # made for the unit, released with it
    assert not model.relations_of('tracer') or all(r.is_peer for r in model.relations_of('tracer'))
    assert model.units['tracer/0'].agent.current == 'idle'
    forced = [e for e in engine.debug_log() if e.outcome == 'forced']
    assert [(e.unit, e.event) for e in forced] == [('broken/0', 'removed')]


def test_no_wait_needs_force(lab: Callable[..., olm_engine.Engine]):
    engine = lab()
    engine.deploy('tracer')
    with pytest.raises(olm_engine.EngineError, match=r'^--no-wait without --force not valid$'):
        engine.remove_application(['tracer'], no_wait=True)
    with pytest.raises(olm_engine.EngineError, match=r'^--no-wait without --force not valid$'):
        engine.remove_unit(['tracer/0'], no_wait=True)
    assert 'tracer/0' in engine.status_view().model.units


def test_remove_unit_force_and_remove_machine_force(lab: Callable[..., olm_engine.Engine]):
    engine = lab()
    engine.deploy('broken', num_units=2)
    engine.remove_unit(['broken/0'], force=True)
    model = engine.status_view().model
    assert sorted(model.units) == ['broken/1']

    machine = model.units['broken/1'].machine
    with pytest.raises(olm_engine.EngineError, match='is hosting units'):
        engine.remove_machines([machine])
    removed = engine.remove_machines([machine], force=True)
    assert [record.id for record, _ in removed] == [machine]
    model = engine.status_view().model
    assert not model.units and machine not in model.machines


def test_destroy_model_force_always_goes(lab: Callable[..., olm_engine.Engine]):
    engine = lab()
    engine.deploy('broken')
    engine.deploy('tracer')
    with pytest.raises(olm_engine.EngineError, match='units still being removed: broken/0'):
        engine.destroy_model()
    left = engine.status_view().model
    assert list(left.units) == ['broken/0']  # tracer went; broken's teardown failed
    released = engine.destroy_model(force=True)
    assert [m.id for m in released] == [left.units['broken/0'].machine]
    pool = {m.system_id: m.status.label for m in engine.pool_machines()}
    assert pool[released[0].instance_id] == 'Ready'  # back in the pool


def test_a_commit_the_store_refuses_fails_the_hook_and_leaves_nothing_behind(
    lab: Callable[..., olm_engine.Engine], monkeypatch: pytest.MonkeyPatch
):
    engine = lab()
    engine.deploy('tracer')
    before = engine.status_view().model.units['tracer/0'].progress.config_version
    original = commit.apply_success

    def half_then_fail(
        m: model.Model, unit: model.Unit, hook: Hook, outcome: runner.Outcome, **kwargs: Any
    ) -> set[str]:
        affected = original(m, unit, hook, outcome, **kwargs)  # the model in memory changes ...
        config: dict[str, Any] = m.applications['tracer'].config
        config['greeting'] = object()  # ... with what JSON refuses
        m.touch('application', 'tracer')
        return affected

    monkeypatch.setattr(commit, 'apply_success', half_then_fail)
    engine.set_config('tracer', {'greeting': 'hi'})
    monkeypatch.undo()

    model = engine.status_view().model
    unit = model.units['tracer/0']
    assert (unit.agent.current, unit.agent.message) == ('error', 'hook failed: "config-changed"')
    assert unit.progress.config_version == before  # nothing of the hook committed
    assert model.applications['tracer'].config == {'greeting': 'hi'}  # the command's own change
    assert 'is not JSON serializable' in _failures(engine, 'tracer/0')[-1]
    engine.resolve(['tracer/0'])  # and the model goes on
    assert engine.status_view().model.units['tracer/0'].agent.current == 'idle'


def test_the_dispatch_runner_fails_a_broken_charm_the_same_way(
    lab: Callable[..., olm_engine.Engine],
):
    if shutil.which('bwrap') is None:
        pytest.skip('the dispatch runner needs bubblewrap')
    engine = lab()
    engine.deploy('broken', runner='dispatch')
    engine.deploy('tracer')
    model = engine.status_view().model
    unit = model.units['broken/0']
    assert (unit.agent.current, unit.agent.message) == ('error', 'hook failed: "install"')
    assert 'broken on purpose' in _failures(engine, 'broken/0')[-1]
    assert model.units['tracer/0'].progress.started
    engine.remove_application(['broken'], force=True)
    assert 'broken' not in engine.status_view().model.applications


def test_a_dispatch_charm_that_can_no_longer_be_staged_fails_its_hook(
    lab: Callable[..., olm_engine.Engine], charms: Path
):
    if shutil.which('bwrap') is None:
        pytest.skip('the dispatch runner needs bubblewrap')
    (charms / 'broken' / 'src' / 'charm.py').write_text(
        '#!/usr/bin/env python3\nimport ops\n\nclass Fixed(ops.CharmBase):\n    pass\n\n'
        'ops.main(Fixed)\n'
    )
    first = lab()
    first.deploy('broken', runner='dispatch')
    assert first.status_view().model.units['broken/0'].progress.started
    meta = charms / 'broken' / 'charmcraft.yaml'
    meta.write_text(f'{meta.read_text()}parts:\n  charm:\n    plugin: poetry\n')

    engine = lab()  # the next command: a new process stages the charm again
    engine.refresh('broken')
    unit = engine.status_view().model.units['broken/0']
    assert (unit.agent.current, unit.agent.message) == ('error', 'hook failed: "upgrade-charm"')
    assert "the 'poetry' plugin is not staged by olm" in _failures(engine, 'broken/0')[-1]


def test_a_charm_directory_gone_after_deploy_fails_hooks_not_commands(
    lab: Callable[..., olm_engine.Engine], charms: Path
):
    lab().deploy('tracer')
    shutil.rmtree(charms / 'tracer')
    engine = lab()  # a new command reads the charm again
    engine.update_status(['tracer'])
    unit = engine.status_view().model.units['tracer/0']
    assert (unit.agent.current, unit.agent.message) == ('error', 'hook failed: "update-status"')
    assert 'not a charm directory' in _failures(engine, 'tracer/0')[-1]
    engine.remove_application(['tracer'], force=True)
    assert not engine.status_view().model.units
