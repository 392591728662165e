"""Settle benchmark: deploy N units of a test charm and settle them through olm's engine.

The test charm (tests/charms/bench) has a peer relation and a provider/requirer relation;
every event reconciles a little relation data. The benchmark deploys ``upstream`` (1 unit),
then N ``bench`` units in applications of ``--group`` units, each related ``upstream`` →
``upstream:api``, and settles. It reports the hooks run, the median and p90 wall time per
hook (the engine's overhead plus a tiny charm: projection, ``ops.testing`` run, diff, sqlite
commit) and the settle time.

Juju runs ``relation-joined`` and ``relation-changed`` for every pair of peer units, so a peer
relation alone makes the hook count grow as N²; the figures say so rather than hide it.

Run with ``tox -e bench``; results are appended to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'lib'))

from orchestrator import engine as olm_engine  # noqa: E402
from orchestrator.cloud import inventory  # noqa: E402
from orchestrator.state.store import Store  # noqa: E402

CHARMS = ROOT / 'tests' / 'charms'


def settle(units: int, seed: int = 1, *, group: int | None = None) -> dict[str, Any]:
    """Deploy and settle ``units`` bench units; in applications of ``group`` units if given."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / 'model')
        stamps: list[float] = []
        engine = olm_engine.Engine(
            store,
            charms_dir=CHARMS,
            seed=seed,
            retry=olm_engine.RetryPolicy(initial=0, maximum=0),
            progress=lambda _line: stamps.append(time.perf_counter()),
        )
        engine.add_to_pool(inventory.generate(units + 10, seed=seed), inventory.GENERATED_NETWORK)
        start = time.perf_counter()
        stamps.append(start)
        engine.deploy('bench', application='upstream', num_units=1, settle=False)
        size = group or units
        for index in range(0, units, size):
            name = 'bench' if group is None else f'bench{index // size}'
            engine.deploy('bench', application=name, num_units=min(size, units - index),
                          settle=False)  # fmt: skip
            engine.integrate(f'{name}:upstream', 'upstream:api', settle=False)
        stamps.clear()
        begin = time.perf_counter()
        stamps.append(begin)
        result = engine.wait(timeout=3600)
        elapsed = time.perf_counter() - begin
        store.close()
    per_hook = [b - a for a, b in itertools.pairwise(stamps)]
    per_hook.sort()
    return {
        'units': units,
        'hooks': result.hooks,
        'settle_s': elapsed,
        'median_ms': statistics.median(per_hook) * 1000,
        'p90_ms': per_hook[int(len(per_hook) * 0.9)] * 1000,
        'mean_ms': elapsed / max(1, result.hooks) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--units', type=int, nargs='*', default=[10, 100, 500])
    parser.add_argument('--group', type=int, default=10, help='units per application; 0: one')
    parser.add_argument('--single', type=int, nargs='*', default=[10, 50],
                        help='sizes also run as one application (N² peer hooks)')  # fmt: skip
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs per size; the median run is reported')  # fmt: skip
    parser.add_argument('--results', default=str(ROOT / 'benchmarks' / 'RESULTS.md'))
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    rows = []
    single_rows = []
    for n in args.single:
        row = settle(n)
        single_rows.append(row)
        print(f'one application, {n:>4} units: {row["hooks"]:>7} hooks, '
              f'settle {row["settle_s"]:8.2f} s, median {row["median_ms"]:.2f} ms',
              flush=True)  # fmt: skip
    for n in args.units:
        runs = []
        for _ in range(max(1, args.repeat)):
            run = settle(n, group=args.group or None)
            runs.append(run)
            print(
                f'{n:>4} units: {run["hooks"]:>7} hooks, settle {run["settle_s"]:8.2f} s, '
                f'per hook median {run["median_ms"]:.2f} ms, p90 {run["p90_ms"]:.2f} ms, '
                f'mean {run["mean_ms"]:.2f} ms',
                flush=True,
            )
        # A shared VM's noise moves one run by several per cent: report the median run.
        runs.sort(key=lambda r: r['settle_s'])
        row = dict(runs[len(runs) // 2])
        row['spread'] = f'{runs[0]["settle_s"]:.2f} to {runs[-1]["settle_s"]:.2f}'
        rows.append(row)
    by_units = {int(r['units']): r for r in rows}
    lines = [
        '',
        f'## Settle ({datetime.date.today().isoformat()}, '
        f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores, '
        f'Python {platform.python_version()})',
        '',
        f'N units of tests/charms/bench in applications of {args.group or "all"} units, each '
        'with its peer relation and related to one `upstream` unit (provider/requirer); '
        f'the median of {max(1, args.repeat)} runs per size, with the range of settle times:',
        '',
        '| units | hooks | settle (s) | range (s) | median per hook (ms) | p90 (ms) | mean (ms) |',
        '|---:|---:|---:|---:|---:|---:|---:|',
    ]
    lines += [
        f'| {r["units"]} | {r["hooks"]} | {r["settle_s"]:.2f} | {r["spread"]} | '
        f'{r["median_ms"]:.2f} | {r["p90_ms"]:.2f} | {r["mean_ms"]:.2f} |'
        for r in rows
    ]
    if single_rows:
        lines += [
            '',
            'The same charm as one application of N units: every pair of peers runs '
            '`relation-joined` and `relation-changed` (Juju semantics), so hooks grow as N²:',
            '',
            '| units | hooks | settle (s) | median per hook (ms) |',
            '|---:|---:|---:|---:|',
        ]
        lines += [
            f'| {r["units"]} | {r["hooks"]} | {r["settle_s"]:.2f} | {r["median_ms"]:.2f} |'
            for r in single_rows
        ]
    if 100 in by_units and 500 in by_units:
        ratio = by_units[500]['settle_s'] / by_units[100]['settle_s']
        hooks = by_units[500]['hooks'] / by_units[100]['hooks']
        lines += ['', f't(500)/t(100) = {ratio:.2f} (hooks ratio {hooks:.2f})']
    print('\n'.join(lines))
    if not args.no_write:
        with open(args.results, 'a') as results:
            results.write('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
