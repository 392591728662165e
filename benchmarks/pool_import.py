"""Pool-file benchmark: generate, read and import a generated pool, as whole processes.

For each count, ``olm pool generate`` writes the file, the reader alone (machines built one
by one into the spool, then read back: what ``olm pool import`` does but for the pool) reads
it, and ``olm pool import`` imports it into a new state directory. Wall time and peak RSS
(``os.wait4``) of each process. Issue 23's target: a 100,000-machine file imports in
under 200 MB RSS.

No target fails the run; print only (copy the figures to benchmarks/RESULTS.md with the date
and the machine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER = (
    'import sys\n'
    'from orchestrator.cloud import inventory\n'
    'with inventory.check_file(sys.argv[1]) as checked:\n'
    '    print(sum(1 for _ in checked))\n'
)


def measured(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one process."""
    began = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f'{" ".join(args)} failed ({status})')
    return time.perf_counter() - began, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description='generate, read and import generated pools')
    parser.add_argument('--counts', default='1000,10000,100000')
    parser.add_argument('--seed', type=int, default=42)
    options = parser.parse_args()
    env = {**os.environ, 'OLM_PROGRESS_INTERVAL': '3600'}
    olm = [sys.executable, '-m', 'orchestrator.cli']
    with tempfile.TemporaryDirectory() as scratch:
        for count in (int(c) for c in options.counts.split(',')):
            pool = Path(scratch) / f'pool-{count}.yaml'
            state = Path(scratch) / f'state-{count}'
            generate = measured(
                [*olm, 'pool', 'generate', '--count', str(count), '--seed', str(options.seed),
                 '-o', str(pool)], env,
            )  # fmt: skip
            reader = measured([sys.executable, '-c', READER, str(pool)], env)
            imported = measured(
                [*olm, '--state-dir', str(state), 'pool', 'import', str(pool)], env
            )
            size = pool.stat().st_size / 1e6
            print(
                f'{count:>7,} machines ({size:.1f} MB): generate {generate[0]:.1f} s '
                f'{generate[1]:.0f} MB; reader {reader[0]:.1f} s {reader[1]:.0f} MB; '
                f'import {imported[0]:.1f} s {imported[1]:.0f} MB',
                flush=True,
            )


if __name__ == '__main__':
    main()
