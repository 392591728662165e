"""Runner benchmark: what one hook costs in each runner, and the stack's settle time in each.

``bundles/metal-k8s.yaml`` (15 units) deployed on ``bundles/pools/lab.yaml`` twice, on a fresh
model each time: once with ``runner='scenario'`` (the charm in olm's process, through
Scenario) and once with ``runner='dispatch'`` (the packed charm as its own process through its
``dispatch``, in a bubblewrap sandbox, hook tools over the agent socket). Measured per hook:
the time spent in the runner's ``run`` (projection, the charm, its hook tools and programs,
the output state; not the commit), as median, 90th percentile and mean; per stack: the wall
time from the ``deploy`` call until settled, and the hooks run. Every unit must end active.

Charms are staged (and their venvs built) once before the timed runs; that one-off cost is
reported apart. Target (issue 20): the dispatch runner's median hook at most 300 ms on this
machine, the scenario runner's unchanged. Nothing fails on time, only on a unit not active.

Run with ``tox -e bench`` (or ``python benchmarks/runners.py``); the report is prepended to
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'lib'))

import results  # noqa: E402  (benchmarks/results.py, beside this script)

from orchestrator import engine as olm_engine  # noqa: E402
from orchestrator.agent import runner as scenario_runner  # noqa: E402
from orchestrator.agent.dispatch import DispatchRunner, cache_dir, stage  # noqa: E402
from orchestrator.juju import charmspec  # noqa: E402
from orchestrator.state.store import Store  # noqa: E402

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'
CHARMS = ROOT / 'charms'


class BenchError(Exception):
    """The stack did not end as it should."""


def _timed(durations: list[float], run: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - start)

    return timed


def stack(runner: str, seed: int) -> dict[str, Any]:
    """Deploy the bundle with ``runner``; per-hook durations and the settle time."""
    durations: list[float] = []
    cls = DispatchRunner if runner == 'dispatch' else scenario_runner.Runner
    original = cls.run
    cls.run = _timed(durations, original)  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / 'model')
            try:
                engine = olm_engine.Engine(
                    store, charms_dir=CHARMS, seed=seed,
                    retry=olm_engine.RetryPolicy(initial=0, maximum=0),
                )  # fmt: skip
                engine.import_pool(LAB_POOL)
                start = time.perf_counter()
                settle = engine.deploy(str(BUNDLE), runner=runner, settle=True).settle
                seconds = time.perf_counter() - start
                units = engine.status_view().model.units.values()
                bad = [u.name for u in units if u.workload.current != 'active']
                if settle is None or not settle.settled or bad:
                    raise BenchError(f'{runner}: not settled or not active: {bad}')
            finally:
                store.close()
    finally:
        cls.run = original  # type: ignore[method-assign]
    ordered = sorted(durations)
    return {
        'seconds': seconds,
        'hooks': len(durations),
        'median': statistics.median(ordered),
        'p90': ordered[int(0.9 * (len(ordered) - 1))],
        'mean': statistics.fmean(ordered),
    }


def staging() -> float:
    """Stage every charm once (venvs built from their locks); the time it took.

    olm's cache is a fresh one ($XDG_CACHE_HOME is pointed at a temporary directory for the
    whole run); uv's wheel cache is whatever this computer has.
    """
    start = time.perf_counter()
    for charm in sorted(CHARMS.glob('*/charmcraft.yaml')):
        stage(charmspec.load(charm.parent), cache=cache_dir())
    return time.perf_counter() - start


def report(staged: float, runs: dict[str, dict[str, Any]], seed: int) -> str:
    """The RESULTS.md section."""
    today = datetime.date.today().isoformat()
    lines = [
        f'## Runners: the cost of a hook, scenario and dispatch — {today}',
        '',
        f'Machine: {results.machine_description()}. `benchmarks/runners.py`: '
        f'`metal-k8s.yaml` on `pools/lab.yaml`, seed {seed}, once per runner on a fresh model; '
        'per hook, the time in the runner (the charm, its hook tools and programs, not the '
        f'commit). Staging the six charms beforehand into an empty olm cache (venvs from their '
        f"locks, uv's wheel cache warm): {staged:.1f} s.",
        '',
        '| runner | hooks | settle (s) | median hook (ms) | p90 (ms) | mean (ms) |',
        '|---|---:|---:|---:|---:|---:|',
    ]
    for name, run in runs.items():
        lines.append(
            f'| {name} | {run["hooks"]} | {run["seconds"]:.2f} | {run["median"] * 1000:.1f} | '
            f'{run["p90"] * 1000:.1f} | {run["mean"] * 1000:.1f} |'
        )
    return '\n'.join(lines) + '\n'


def main() -> int:
    """Run both stacks; print and record the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or '').splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--no-write', action='store_true', help='print only')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        uv_cache = os.environ.get('UV_CACHE_DIR') or str(Path.home() / '.cache' / 'uv')
        os.environ.update(XDG_CACHE_HOME=cache, UV_CACHE_DIR=uv_cache)
        staged = staging()
        runs = {name: stack(name, args.seed) for name in ('scenario', 'dispatch')}
    text = report(staged, runs, args.seed)
    print(text)
    if not args.no_write:
        results.prepend(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
