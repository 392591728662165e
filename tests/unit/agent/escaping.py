"""What the unit agent's engine tests share: an engine on the lab pool; for the confinement
tests of both runners, tests/charms/escaper deployed, one way out tried per ``escape`` action,
and the host's files compared before and after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[3]
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'
TEST_CHARMS = ROOT / 'tests' / 'charms'


def lab_engine(
    model_dir: Path, deploy: Callable[[olm_engine.Engine], object]
) -> Iterator[olm_engine.Engine]:
    """An engine on the lab pool with the test charms, after ``deploy`` (a fixture's body)."""
    store = Store(model_dir / 'model')
    e = olm_engine.Engine(
        store, charms_dir=TEST_CHARMS, seed=1, retry=olm_engine.RetryPolicy(initial=0, maximum=0)
    )
    try:
        e.import_pool(LAB_POOL)
        deploy(e)
        yield e
    finally:
        e.hook_runner.close()
        store.close()


def escaper_engine(model_dir: Path, runner: str) -> Iterator[olm_engine.Engine]:
    """An engine with escaper/0 deployed with ``runner`` on the lab pool (a fixture's body)."""
    yield from lab_engine(model_dir, lambda e: e.deploy('escaper', runner=runner))


def escape(engine: olm_engine.Engine, how: str, target: Path | str) -> dict[str, Any]:
    """Run one ``escape``; its results (the action must complete)."""
    action = engine.run_action('escaper/0', 'escape', {'how': how, 'target': str(target)})
    assert action.status == 'completed', action
    return dict(action.results)


def snapshot(directory: Path) -> dict[str, tuple[int, bytes]]:
    """Every path below ``directory`` with its mode and content: what must not change."""
    return {
        str(p.relative_to(directory)): (p.stat().st_mode, p.read_bytes() if p.is_file() else b'')
        for p in sorted(directory.rglob('*'))
    }


def assert_hook_tools_reached(engine: olm_engine.Engine) -> None:
    """``ops.hookcmds`` (canonical/operator's test_hookcmds use) and a plain ``is-leader``
    reach the unit's hook tools, and what they set commits."""
    results = escape(engine, 'hookcmds', '/unused')

    assert results == {'outcome': 'returned', 'value': "[True, 'true', 'yes', ['escaper/0']]"}
    unit = engine.status_view().model.units['escaper/0']
    assert (unit.workload.current, unit.workload.message) == (
        'maintenance',
        'set through ops.hookcmds',
    )
    assert unit.charm_state == {'seen': 'yes'}
