"""Stack benchmark: the whole metal-k8s bundle settled by olm, then 100 more workers.

Two measurements, both through olm's engine on a SIMULATED metal pool: the machines, their
disks and the workloads on them are simulated, while every hook runs the real charm code
(charms/) through Scenario, one sqlite transaction per hook.

1. Full stack: ``bundles/metal-k8s.yaml`` (15 units of six charms and a PostgreSQL offer)
   deployed on ``bundles/pools/lab.yaml`` (20 machines; the file also declares the ``ssd``
   storage pool the bundle's Ceph needs). Measured: wall time from the ``deploy`` call until
   the model has settled, the process's CPU time over the same span (which other load on a
   shared machine blurs less), hooks run and hooks per second. Every unit must end up
   ``active``.
   Repeated ``--repeat`` times; the median run is reported, with the range.
2. +100 workers: the same bundle on a generated pool of ``--pool`` machines
   (``inventory.generate``, seed ``--pool-seed``; the ``ssd`` storage pool created as an
   operator would), then ``add-unit kubernetes-worker -n 100 --constraints "mem=6G cores=2"``
   timed to settled. All 103 workers must be ``active`` and every control-plane unit must
   count the 106 nodes (103 workers and 3 control-plane nodes) in its status.

Targets (issue): full stack settled in at most 5 s; +100 workers settled in at most 30 s. Both
figures are wall time on whatever machine runs this; nothing fails on time, only on a unit that
is not active. ``--profile`` adds one cProfile run of the +100 workers phase (not the timed
one) and prints its top functions.

Run with ``tox -e bench``; results are prepended to benchmarks/RESULTS.md (newest first).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime
import io
import os
import pstats
import re
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
from orchestrator.cloud import inventory  # noqa: E402
from orchestrator.state.store import Store  # noqa: E402

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'
CHARMS = ROOT / 'charms'
WORKER = 'kubernetes-worker'
CONTROL_PLANE = 'kubernetes-control-plane'
ADDED = 100
ADD_CONSTRAINTS = 'mem=6G cores=2'
TARGET_STACK_S = 5.0
TARGET_SCALE_S = 30.0
NODES_RE = re.compile(r'control plane, (\d+) nodes')


class BenchError(Exception):
    """The model did not end up where the benchmark needs it: the figures would mean nothing."""


class HookClock:
    """The engine's progress callback: times every hook and files it by application and name.

    The engine calls ``progress`` once after each hook; the CPU time of this process since
    the previous call (or since :meth:`start`) is that hook's, the engine's share included. CPU
    rather than wall time, so that other processes on a shared machine do not blur it.
    """

    def __init__(self) -> None:
        self.last = time.process_time()
        self.by_app: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        self.by_hook: dict[tuple[str, str], list[float]] = collections.defaultdict(
            lambda: [0, 0.0]
        )

    def start(self) -> None:
        """Forget what was counted so far; time from now."""
        self.by_app.clear()
        self.by_hook.clear()
        self.last = time.process_time()

    def __call__(self, line: str) -> None:
        now = time.process_time()
        spent, self.last = now - self.last, now
        unit, _, rest = line.partition(': ')
        app = unit.rsplit('/', 1)[0]
        hook = rest.split(' ', 1)[0]
        for row in (self.by_app[app], self.by_hook[app, hook]):
            row[0] += 1
            row[1] += spent


def new_engine(tmp: str, seed: int, clock: HookClock) -> tuple[Store, olm_engine.Engine]:
    """An engine on a fresh model in ``tmp``; no retry back-off (nothing should fail)."""
    store = Store(Path(tmp) / 'model')
    engine = olm_engine.Engine(
        store,
        charms_dir=CHARMS,
        seed=seed,
        retry=olm_engine.RetryPolicy(initial=0, maximum=0),
        progress=clock,
    )
    return store, engine


def check_active(engine: olm_engine.Engine, workers: int) -> dict[str, int]:
    """Raise unless every unit is active, ``workers`` of them workers; units per application."""
    units = engine.status_view().model.units.values()
    bad = [f'{u.name}: {u.workload.current} ({u.workload.message})' for u in units
           if u.workload.current != 'active' or u.progress.failure is not None]  # fmt: skip
    if bad:
        raise BenchError('units not active: ' + '; '.join(bad))
    counts = collections.Counter(u.application for u in units)
    if counts[WORKER] != workers:
        raise BenchError(f'{counts[WORKER]} {WORKER} units, expected {workers}')
    nodes = workers + counts[CONTROL_PLANE]
    for unit in units:
        if unit.application != CONTROL_PLANE:
            continue
        match = NODES_RE.search(unit.workload.message)
        if match is None or int(match[1]) != nodes:
            raise BenchError(f'{unit.name} says {unit.workload.message!r}; expected {nodes} nodes')
    return dict(counts)


def timed_settle(
    clock: HookClock, action: Callable[[], olm_engine.SettleResult | None]
) -> dict[str, Any]:
    """Run a settling engine call; its wall time, hooks and hooks per second."""
    clock.start()
    start, cpu = time.perf_counter(), time.process_time()
    settle = action()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if settle is None or not settle.settled or settle.errors:
        raise BenchError(f'did not settle: {settle}')
    return {
        'seconds': elapsed,
        'cpu': cpu,
        'hooks': settle.hooks,
        'rate': settle.hooks / elapsed,
        'by_app': {app: tuple(row) for app, row in clock.by_app.items()},
        'by_hook': {key: tuple(row) for key, row in clock.by_hook.items()},
    }


def full_stack(seed: int) -> dict[str, Any]:
    """Deploy metal-k8s on the lab pool; time the deploy call until settled."""
    clock = HookClock()
    with tempfile.TemporaryDirectory() as tmp:
        store, engine = new_engine(tmp, seed, clock)
        try:
            engine.import_pool(LAB_POOL)
            run = timed_settle(clock, lambda: engine.deploy(str(BUNDLE), settle=True).settle)
            run['units'] = sum(check_active(engine, workers=3).values())
        finally:
            store.close()
    return run


def scale(pool: int, pool_seed: int, seed: int, *, profile: cProfile.Profile | None = None
          ) -> dict[str, Any]:  # fmt: skip
    """Deploy metal-k8s on a generated pool, then time ``add-unit`` of 100 workers."""
    clock = HookClock()
    with tempfile.TemporaryDirectory() as tmp:
        store, engine = new_engine(tmp, seed, clock)
        try:
            machines = inventory.generate(pool, seed=pool_seed)
            engine.add_to_pool(machines, inventory.GENERATED_NETWORK)
            engine.create_storage_pool('ssd', 'maas', {'tags': 'ssd'})
            deploy = timed_settle(clock, lambda: engine.deploy(str(BUNDLE), settle=True).settle)
            check_active(engine, workers=3)

            def add() -> olm_engine.SettleResult | None:
                if profile is not None:
                    profile.enable()
                try:
                    return engine.add_unit(WORKER, ADDED, constraints=ADD_CONSTRAINTS).settle
                finally:
                    if profile is not None:
                        profile.disable()

            run = timed_settle(clock, add)
            run['units'] = sum(check_active(engine, workers=3 + ADDED).values())
            run['deploy'] = deploy
            run['pool'] = ceph_candidates(machines)
        finally:
            store.close()
    return run


def ceph_candidates(machines: list[Any]) -> str:
    """Per zone, the machines the bundle's Ceph could take: a spare ssd disk of 900 GB or more.

    The bundle asks for ``osd-devices: ssd,1,900G`` on ``cores=8 mem=16G`` machines reaching
    the internal and storage spaces (its bindings), one unit per zone (three zones): the
    generated pool must offer that, or the deploy cannot succeed.
    """
    zones: collections.Counter[str] = collections.Counter()
    for machine in machines:
        if machine.cores < 8 or machine.memory < 16 * 1024:
            continue
        if not {'internal', 'storage'} <= machine.spaces:
            continue
        if any(not d.boot and 'ssd' in d.tags and d.size >= 900 * 1000**3 for d in machine.disks):
            zones[machine.zone] += 1
    return ', '.join(f'{zone} {count}' for zone, count in sorted(zones.items())) or 'none'


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run by wall time, with the range of all runs."""
    ordered = sorted(runs, key=lambda r: r['seconds'])
    row = dict(ordered[len(ordered) // 2])
    row['range'] = (f'{ordered[0]["seconds"]:.2f} to {ordered[-1]["seconds"]:.2f}'
                    if len(ordered) > 1 else '(one run)')  # fmt: skip
    return row


def breakdown(run: dict[str, Any], top: int = 6) -> list[str]:
    """Where the settle's time went: hooks and seconds per application, and the top hooks."""
    total = run['cpu']
    lines = ['| application | hooks | CPU s | share |', '|---|---:|---:|---:|']
    for app, (count, spent) in sorted(run['by_app'].items(), key=lambda kv: -kv[1][1]):
        lines.append(f'| {app} | {count:,} | {spent:.2f} | {spent / total:.0%} |')
    hooks = sorted(run['by_hook'].items(), key=lambda kv: -kv[1][1])[:top]
    lines += ['', 'Costliest hooks (application, hook: count, CPU seconds, ms each):', '']
    lines += [f'- {app}, `{hook}`: {count:,}, {spent:.2f} s, {spent / count * 1000:.1f} ms'
              for (app, hook), (count, spent) in hooks]  # fmt: skip
    return lines


def load_average() -> str:
    try:
        return ', '.join(f'{x:.1f}' for x in os.getloadavg())
    except OSError:
        return 'unknown'


def verdict(seconds: float, target: float) -> str:
    if seconds <= target:
        return f'met ({seconds:.2f} s, target ≤ {target:g} s)'
    return (f'MISSED: {seconds:.2f} s against ≤ {target:g} s, {seconds - target:.1f} s '
            f'({seconds / target:.1f}x) over')  # fmt: skip


def render(stack: dict[str, Any], repeat: int, big: dict[str, Any], args: argparse.Namespace
           ) -> str:  # fmt: skip
    today = datetime.date.today().isoformat()
    deploy = big['deploy']
    lines = [
        f'## Stack — {today}',
        '',
        f'Machine: {results.machine_description()}.',
        'The metal pool is simulated (machines, disks, workloads); every hook runs the real '
        'charm code through Scenario, one sqlite commit per hook. Wall time from the engine '
        'call until the model has settled (the target), and the CPU time of the process over '
        'the same span; every unit checked `active` afterwards. Load average (1, 5, 15 min) '
        f'when the runs ended: {load_average()}; hooks/s from wall time.',
        '',
        '| phase | units | hooks | settle (s) | range (s) | CPU (s) | hooks/s |',
        '|---|---:|---:|---:|---:|---:|---:|',
        f'| full stack: `metal-k8s.yaml` on `pools/lab.yaml` (median of {repeat}) | '
        f'{stack["units"]} | {stack["hooks"]:,} | {stack["seconds"]:.2f} | {stack["range"]} | '
        f'{stack["cpu"]:.2f} | {stack["rate"]:.0f} |',
        f'| the same bundle on a generated {args.pool:,}-machine pool (seed {args.pool_seed}) | '
        f'{big["units"] - ADDED} | {deploy["hooks"]:,} | {deploy["seconds"]:.2f} | | '
        f'{deploy["cpu"]:.2f} | {deploy["rate"]:.0f} |',
        f'| then `add-unit {WORKER} -n {ADDED} --constraints "{ADD_CONSTRAINTS}"` | '
        f'{big["units"]} | {big["hooks"]:,} | {big["seconds"]:.2f} | {big["range"]} | '
        f'{big["cpu"]:.2f} | {big["rate"]:.0f} |',
        '',
        f'The generated pool is used as `inventory.generate({args.pool}, seed={args.pool_seed})` '
        'makes it, with its spaces, the bundle unchanged: machines that fit Ceph (`cores=8 '
        'mem=16G` on the internal and storage spaces, with a spare ssd disk ≥ 900 GB), per '
        f'zone: {big["pool"]}.',
        '',
        f'- full stack settled: {verdict(stack["seconds"], TARGET_STACK_S)}',
        f'- +{ADDED} workers settled: {verdict(big["seconds"], TARGET_SCALE_S)}',
        '',
        f'Where the +{ADDED} workers settle spent its time, per application (CPU time between '
        "the engine's per-hook progress calls):",
        '',
        *breakdown(big),
        '',
    ]
    return '\n'.join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or '').splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3,
                        help='full-stack runs; the median run is reported')  # fmt: skip
    parser.add_argument('--scale-repeat', type=int, default=1,
                        help='+100 workers runs (each over a minute on a small VM)')  # fmt: skip
    parser.add_argument('--pool', type=int, default=1000, help='generated pool size')
    parser.add_argument('--pool-seed', type=int, default=42)
    parser.add_argument('--seed', type=int, default=1, help="the engine's hook-order seed")
    parser.add_argument('--profile', action='store_true',
                        help='also profile one +100 workers run; print the top calls')  # fmt: skip
    parser.add_argument('--no-write', action='store_true', help='do not update RESULTS.md')
    args = parser.parse_args()

    stacks: list[dict[str, Any]] = []
    for _ in range(max(1, args.repeat)):
        run = full_stack(args.seed)
        stacks.append(run)
        print(f'full stack: {run["units"]} units, {run["hooks"]} hooks, '
              f'{run["seconds"]:.2f} s, {run["rate"]:.0f} hooks/s', flush=True)  # fmt: skip
    scales: list[dict[str, Any]] = []
    for _ in range(max(1, args.scale_repeat)):
        run = scale(args.pool, args.pool_seed, args.seed)
        scales.append(run)
        print(f'{args.pool} machines: deploy {run["deploy"]["hooks"]} hooks '
              f'{run["deploy"]["seconds"]:.2f} s; +{ADDED} workers {run["hooks"]} hooks '
              f'{run["seconds"]:.2f} s, {run["rate"]:.0f} hooks/s', flush=True)  # fmt: skip
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        scale(args.pool, args.pool_seed, args.seed, profile=profile)
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats('cumulative')
        stats.print_stats(40)
        stats.sort_stats('tottime').print_stats(25)
        print(out.getvalue())
    report = render(median_run(stacks), max(1, args.repeat), median_run(scales), args)
    print(report)
    if not args.no_write:
        results.prepend(report)
        print(f'(written to {results.RESULTS})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
