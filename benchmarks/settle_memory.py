"""Settle memory benchmark: RSS against hooks run in one long settle (issue 23).

One application of N ``tests/charms/bench`` units (a peer relation: Juju runs
``relation-joined`` and ``relation-changed`` for every ordered pair, ~2N² hooks) related to one
``upstream`` unit, settled in one ``wait``. The engine's progress callback samples the
process's resident set every ``--every`` hooks; the figure is the growth per 1,000 hooks
between the second sample and the last (the model itself barely grows: the same relations'
data is rewritten), and the CPU time per hook over the same span.

Run: ``python benchmarks/settle_memory.py --units 60`` (~7,800 hooks). Prints a table; nothing
fails on time or memory (the unit tests bound the memory by counting objects).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'lib'))

from orchestrator import engine as olm_engine  # noqa: E402
from orchestrator.cloud import inventory  # noqa: E402
from orchestrator.state.store import Store  # noqa: E402

CHARMS = ROOT / 'tests' / 'charms'


def rss_mb() -> float:
    """The resident set of this process now, in MB (Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 1e6


def long_settle(units: int, every: int, seed: int = 1) -> list[tuple[int, float, float]]:
    """Settle ``units`` bench peers; (hooks, RSS MB, CPU s) every ``every`` hooks."""
    samples: list[tuple[int, float, float]] = []
    hooks = 0
    start = time.process_time()

    def progress(_line: str) -> None:
        nonlocal hooks
        hooks += 1
        if hooks % every == 0:
            samples.append((hooks, rss_mb(), time.process_time() - start))

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / 'model')
        engine = olm_engine.Engine(
            store, charms_dir=CHARMS, seed=seed, retry=olm_engine.RetryPolicy(initial=0, maximum=0)
        )
        engine.add_to_pool(inventory.generate(units + 10, seed=seed), inventory.GENERATED_NETWORK)
        engine.deploy('bench', application='upstream', settle=False)
        engine.deploy('bench', num_units=units, settle=False)
        engine.integrate('bench:upstream', 'upstream:api', settle=False)
        engine.progress = progress
        start = time.process_time()
        result = engine.wait(timeout=36000)
        store.close()
    if not result.settled:
        raise SystemExit(f'did not settle: {result}')
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or '').partition('\n')[0])
    parser.add_argument('--units', type=int, default=60)
    parser.add_argument('--every', type=int, default=1000)
    args = parser.parse_args()
    samples = long_settle(args.units, args.every)
    print('| hooks | RSS (MB) | CPU (s) |')
    print('|---:|---:|---:|')
    for hooks, rss, cpu in samples:
        print(f'| {hooks:,} | {rss:.1f} | {cpu:.1f} |')
    if len(samples) >= 3:
        (h0, r0, c0), (h1, r1, c1) = samples[1], samples[-1]
        print(f'\n{args.units} units: {(r1 - r0) / (h1 - h0) * 1000:.2f} MB per 1,000 hooks, '
              f'{(c1 - c0) / (h1 - h0) * 1000:.2f} ms CPU per hook')  # fmt: skip
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
