"""Allocation throughput, latency and memory of the embedded pool at 1k, 10k and 100k machines.

Each pool size runs in its own process, so its RSS is its own. A run allocates in rounds of
``--round`` machines under mem+cores constraints (the calls are timed one by one with
``perf_counter_ns``), then releases them untimed, so every size is measured on the same
occupancy. The figures go to stdout and to benchmarks/RESULTS.md with the date and the machine.

Targets (issue 2): at least 20,000 allocations/s at 100k; time per allocation at 100k no more
than 4x that at 1k; 100k machines in at most 300 MB of process RSS. This is a measurement, not
a test: nothing here fails on wall time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import results  # benchmarks/results.py, beside this script

SIZES = (1_000, 10_000, 100_000)
SHAPES = ('mem=6G cores=2', 'mem=16G cores=4', 'mem=32G cores=8', 'mem=64G cores=16')
SPACES = 'spaces=internal,^storage'
"""Added to every shape for the spaces column: Juju sends it as ``interfaces=1:space=1`` and
``not_subnets=space:3``; every generated machine reaches internal, and the storage and NVMe
servers (about 17%) also storage, so the rest qualify."""
TARGET_RATE = 20_000
TARGET_GROWTH = 4.0
TARGET_RSS_MB = 300


def rss_mb() -> float:
    """Resident set size of this process, MB (10^6 bytes), from /proc."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError('no VmRSS in /proc/self/status')


def measure(size: int, rounds: int, per_round: int, seed: int) -> dict[str, float]:
    """Build one pool and time allocations on it; runs in a child process."""
    base_rss = rss_mb()
    from orchestrator.cloud import Pool, inventory
    from orchestrator.juju import constraints

    imports_rss = rss_mb()
    started = time.perf_counter()
    pool = Pool(inventory.generate(size, seed), network=inventory.GENERATED_NETWORK)
    build_s = time.perf_counter() - started
    pool_rss = rss_mb()

    requests = [constraints.parse(text) for text in SHAPES]
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        got = []
        for i in range(per_round):
            request = requests[i % len(requests)]
            t0 = clock()
            machines = pool.allocate(request)
            samples.append(clock() - t0)
            got.append(machines[0].system_id)
        for system_id in got:
            pool.release(system_id)
    total_s = sum(samples) / 1e9
    ordered = sorted(samples)

    # The same rounds with Juju's zone spreading over the round's own machines.
    spread_ns = 0
    for _ in range(rounds):
        group: list[str] = []
        for i in range(per_round):
            t0 = clock()
            machines = pool.allocate(requests[i % len(requests)], spread=group)
            spread_ns += clock() - t0
            group.append(machines[0].system_id)
        for system_id in group:
            pool.release(system_id)
    # The same rounds with a spaces constraint, as an application bound to a space asks.
    spaced = [constraints.parse(f'{text} {SPACES}') for text in SHAPES]
    spaces_ns = 0
    for _ in range(rounds):
        got = []
        for i in range(per_round):
            t0 = clock()
            machines = pool.allocate(spaced[i % len(spaced)])
            spaces_ns += clock() - t0
            got.append(machines[0].system_id)
        for system_id in got:
            pool.release(system_id)
    stored_rate = measure_stored(pool, requests, rounds, per_round)
    return {
        'stored_rate': stored_rate,
        'spaces_rate': rounds * per_round / (spaces_ns / 1e9),
        'spread_rate': rounds * per_round / (spread_ns / 1e9),
        'size': size,
        'allocations': len(samples),
        'rate': len(samples) / total_s,
        'median_us': statistics.median(samples) / 1e3,
        'p99_us': ordered[int(len(ordered) * 0.99) - 1] / 1e3,
        'build_s': build_s,
        'rss_mb': pool_rss,
        'pool_mb': pool_rss - imports_rss,
        'base_mb': base_rss,
    }


def measure_stored(memory: Any, requests: Sequence[Any], rounds: int, per_round: int) -> float:
    """The same plain rounds on the state directory's pool (sqlite), in one transaction.

    What olm's commands allocate from: the machines are rows, read through the database's
    indexes (orchestrator/state/store/_pool_index.py); a transaction's changes stay in memory
    until it commits, so the rounds run in one, as a settle's provisioning does.
    """
    import tempfile

    from orchestrator.cloud import inventory
    from orchestrator.state.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / 'state')
        with store.transaction() as txn:
            txn.pool.add(iter(memory), inventory.GENERATED_NETWORK)
        elapsed = 0
        clock = time.perf_counter_ns
        with store.transaction() as txn:
            pool = txn.pool
            for _ in range(rounds):
                got = []
                for i in range(per_round):
                    t0 = clock()
                    machines = pool.allocate(requests[i % len(requests)])
                    elapsed += clock() - t0
                    got.append(machines[0].system_id)
                for system_id in got:
                    pool.release(system_id)
        store.close()
    return rounds * per_round / (elapsed / 1e9)


def render(rows: list[dict[str, float]], machine: str, today: str) -> str:
    by_size = {int(r['size']): r for r in rows}
    lines = [
        '| machines | allocations | allocations/s | median µs | p99 µs | pool build s | '
        'process RSS MB | pool MB | with zone spreading, allocations/s | with '
        f'`{SPACES}`, allocations/s | state directory (sqlite), allocations/s |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    lines.extend(
        f'| {int(r["size"]):,} | {int(r["allocations"]):,} | {r["rate"]:,.0f} | '
        f'{r["median_us"]:.1f} | {r["p99_us"]:.1f} | {r["build_s"]:.2f} | '
        f'{r["rss_mb"]:.0f} | {r["pool_mb"]:.0f} | {r["spread_rate"]:,.0f} | '
        f'{r["spaces_rate"]:,.0f} | {r.get("stored_rate", 0):,.0f} |'
        for r in rows
    )
    verdicts: list[str] = []
    if 100_000 in by_size:
        big = by_size[100_000]
        ok = big['rate'] >= TARGET_RATE
        verdicts.append(f'- allocations/s at 100k: {big["rate"]:,.0f} (target ≥ {TARGET_RATE:,}) '
                        f'— {"met" if ok else "MISSED"}')  # fmt: skip
        if 1_000 in by_size:
            growth = (1 / big['rate']) / (1 / by_size[1_000]['rate'])
            ok = growth <= TARGET_GROWTH
            verdicts.append(f'- time per allocation, 100k vs 1k: {growth:.2f}x (target ≤ '
                            f'{TARGET_GROWTH:.0f}x) — {"met" if ok else "MISSED"}')  # fmt: skip
        ok = big['rss_mb'] <= TARGET_RSS_MB
        verdicts.append(f'- process RSS with 100k machines: {big["rss_mb"]:.0f} MB (target ≤ '
                        f'{TARGET_RSS_MB} MB) — {"met" if ok else "MISSED"}')  # fmt: skip
    return '\n'.join(
        [
            f'## Allocation — {today}',
            '',
            f'Machine: {machine}.',
            f'Constraints, in turn: {", ".join(f"`{s}`" for s in SHAPES)}; Juju constraints '
            'through `Pool.allocate`, one call per machine. Generated pools, seed 42: every '
            'machine has its NICs, bonds and VLAN interfaces with their links on three spaces. '
            "The last columns repeat the rounds with zone spreading over the round's machines "
            "(`spread=`), as Juju does for one application's units, and with "
            f'`{SPACES}` added to each shape. The last column repeats the plain rounds on the '
            "state directory's pool, the one olm's commands use: sqlite rows read through its "
            'indexes, in one transaction.',
            '',
            *lines,
            '',
            *verdicts,
            '',
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=lambda s: [int(x) for x in s.split(',')],
                        default=list(SIZES))  # fmt: skip
    parser.add_argument('--rounds', type=int, default=25)
    parser.add_argument('--round', dest='per_round', type=int, default=200)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--no-write', action='store_true', help='do not update RESULTS.md')
    parser.add_argument('--child', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.child, args.rounds, args.per_round, args.seed)))
        return 0

    rows: list[dict[str, float]] = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, '--child', str(size), '--rounds', str(args.rounds),
             '--round', str(args.per_round), '--seed', str(args.seed)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout))
    today = datetime.date.today().isoformat()
    report = render(rows, results.machine_description(), today)
    print(report)
    if not args.no_write:
        results.prepend(report)
        print(f'(written to {results.RESULTS})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
