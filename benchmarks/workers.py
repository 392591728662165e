"""Hooks per added worker: the metal-k8s stack, then ``add-unit kubernetes-worker -n N``.

For each N (``--added``, default 10 50 100), a fresh model: the bundle deployed on a generated
pool (``--pool`` machines, seed ``--pool-seed``, the ``ssd`` storage pool created as an operator
would), then ``add-unit kubernetes-worker -n N --constraints "mem=6G cores=2"`` timed until
settled, every unit checked ``active`` and every control-plane unit counting every node
(benchmarks/stack.py's checks). Reported per N: hooks run, hooks per added worker, the workers'
``kube-cluster-relation-changed`` per added worker, wall and CPU time per added worker, and the
hooks and CPU time per application.

Hook counts are exact and do not depend on the machine; times do (a shared 2-core VM is noisy).
The settle loop picks the next unit at random (``--seed``), so counts vary a little with it.

Run: ``python benchmarks/workers.py [--added 10 50 100] [--pool 2000]``; nothing is written
unless ``--write`` (then the report is prepended to benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results
import stack

from orchestrator.cloud import inventory

RELATION_CHANGED = 'kube-cluster-relation-changed'


def added(pool: int, pool_seed: int, seed: int, count: int) -> dict[str, Any]:
    """Deploy the stack on a generated pool, then time ``add-unit`` of ``count`` workers."""
    clock = stack.HookClock()
    with tempfile.TemporaryDirectory() as tmp:
        store, engine = stack.new_engine(tmp, seed, clock)
        try:
            engine.add_to_pool(
                inventory.generate(pool, seed=pool_seed), inventory.GENERATED_NETWORK
            )
            engine.create_storage_pool('ssd', 'maas', {'tags': 'ssd'})
            stack.timed_settle(clock, lambda: engine.deploy(str(stack.BUNDLE), settle=True).settle)
            stack.check_active(engine, workers=3)
            run = stack.timed_settle(
                clock,
                lambda: (
                    engine.add_unit(stack.WORKER, count, constraints=stack.ADD_CONSTRAINTS).settle
                ),
            )
            stack.check_active(engine, workers=3 + count)
        finally:
            store.close()
    run['added'] = count
    return run


def row(run: dict[str, Any]) -> str:
    n = run['added']
    changed = run['by_hook'].get((stack.WORKER, RELATION_CHANGED), (0, 0.0))[0]
    return (
        f'| +{n} | {run["hooks"]:,} | {run["hooks"] / n:.1f} | {changed / n:.1f} | '
        f'{run["seconds"]:.2f} | {run["seconds"] / n * 1000:.0f} | {run["cpu"] / n * 1000:.0f} |'
    )


def render(runs: list[dict[str, Any]], args: argparse.Namespace) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        f'## Hooks per added worker — {today}',
        '',
        f'Machine: {stack.results.machine_description()}. Load average at the end: '
        f'{stack.load_average()}.',
        f'The metal-k8s bundle on a generated {args.pool:,}-machine pool (seed {args.pool_seed}),'
        f' then `add-unit {stack.WORKER} -n N --constraints "{stack.ADD_CONSTRAINTS}"`; a fresh '
        f'model per N, engine seed {args.seed}; every unit active afterwards.',
        '',
        '| added | hooks | hooks/worker | worker relation-changed/worker | settle (s) | '
        'ms/worker (wall) | ms/worker (CPU) |',
        '|---|---:|---:|---:|---:|---:|---:|',
        *[row(run) for run in runs],
        '',
    ]
    for run in runs:
        lines += [f'+{run["added"]} workers:', '', *stack.breakdown(run), '']
    return '\n'.join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or '').splitlines()[0])
    parser.add_argument('--added', type=int, nargs='+', default=[10, 50, 100])
    parser.add_argument('--pool', type=int, default=2000, help='generated pool size')
    parser.add_argument('--pool-seed', type=int, default=42)
    parser.add_argument('--seed', type=int, default=1, help="the engine's hook-order seed")
    parser.add_argument('--write', action='store_true', help='prepend to RESULTS.md')
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    for count in args.added:
        run = added(args.pool, args.pool_seed, args.seed, count)
        runs.append(run)
        print(row(run), flush=True)
    report = render(runs, args)
    print(report)
    if args.write:
        results.prepend(report)
    return 0


if __name__ == '__main__':
    sys.exit(main())
