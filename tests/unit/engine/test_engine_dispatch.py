"""The charm olm runs is the charm Juju runs: a packed charm whose dispatch cannot start it fails.

charmcraft's ``charm`` plugin generates a ``dispatch`` that ``exec``s ``./src/charm.py``
(charmcraft 4.4 ``const.py`` ``DISPATCH_CONTENT``): without the executable bit in git, the
packed charm's every hook fails with dash's ``Permission denied``. The ``uv`` plugin's dispatch
runs the venv's python on the file instead (``charmcraft/dispatch.py``), which needs no such bit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[3]
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'


def _engine(tmp_path: Path, plugin: str | None) -> tuple[olm_engine.Engine, Store]:
    charms = tmp_path / 'charms'
    shutil.copytree(ROOT / 'tests' / 'charms' / 'tracer', charms / 'tracer')
    meta = charms / 'tracer' / 'charmcraft.yaml'
    if plugin is not None:  # None: no parts, which charmcraft builds with the charm plugin
        meta.write_text(
            f'{meta.read_text()}parts:\n  charm:\n    plugin: {plugin}\n    source: .\n'
        )
    (charms / 'tracer' / 'src' / 'charm.py').chmod(0o644)
    store = Store(tmp_path / 'model')
    engine = olm_engine.Engine(
        store, charms_dir=charms, seed=1, retry=olm_engine.RetryPolicy(initial=3600, maximum=3600)
    )
    engine.import_pool(LAB_POOL)
    return engine, store


@pytest.mark.parametrize('plugin', ['charm', None])
def test_charm_plugin_dispatch_needs_an_executable_entry_point(tmp_path: Path, plugin: str | None):
    engine, store = _engine(tmp_path, plugin)
    try:
        engine.deploy('tracer')
        unit = engine.status_view().model.units['tracer/0']
        assert (unit.agent.current, unit.agent.message) == ('error', 'hook failed: "install"')
        failed = [e for e in engine.debug_log() if e.outcome == 'failed']
        assert failed[-1].detail.startswith(
            '/var/lib/juju/agents/unit-tracer-0/charm/dispatch: 3: exec: ./src/charm.py: '
            'Permission denied'
        )
    finally:
        store.close()


def test_uv_plugin_dispatch_runs_python_on_the_entry_point(tmp_path: Path):
    engine, store = _engine(tmp_path, 'uv')
    try:
        engine.deploy('tracer')
        unit = engine.status_view().model.units['tracer/0']
        assert unit.agent.current == 'idle' and unit.progress.started
    finally:
        store.close()
