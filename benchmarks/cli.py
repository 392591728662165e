"""CLI benchmark: how long one read-only ``olm`` command takes, start-up included.

jubilant drives olm one process per call and polls ``status --format json`` every second
while it waits, so a read-only command's whole run (interpreter start, imports, one sqlite
read, the output) is what an integration test pays again and again. Measured on the
metal-k8s bundle deployed on the lab pool (SIMULATED machines), each command run
``--repeat`` times as its own process; the median and range of wall time are reported, and
which heavy modules the command imported (a read-only command should load neither ops,
Scenario nor pydantic: see orchestrator/lazy.py).

No target fails the run; the figures go to benchmarks/RESULTS.md (newest first) unless
``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results  # benchmarks/results.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'
BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
COMMANDS = (
    ('status', '--format', 'json'),
    ('models', '--format', 'json'),
    ('show-unit', 'kubernetes-worker/0', '--format', 'json'),
    ('secrets', '--format', 'json'),
    ('config', 'load-balancer', '--format', 'json'),
)
HEAVY = ('ops', 'scenario', 'pydantic')
PROBE = (
    'import runpy, sys; sys.argv = ["olm", *sys.argv[1:]]\n'
    'try:\n'
    '    runpy.run_module("orchestrator.cli", run_name="__main__")\n'
    'except SystemExit:\n'
    '    pass\n'
    'print(",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n'
)


def olm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip


def heavy_imports(env: dict[str, str], args: tuple[str, ...]) -> str:
    """The heavy modules the command imported (run once more, reporting sys.modules)."""
    done = subprocess.run(
        [sys.executable, '-c', PROBE.format(heavy=HEAVY), *args],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''


def measure(repeat: int) -> list[tuple[str, float, float, float, str]]:
    rows: list[tuple[str, float, float, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, 'OLM_HOME': str(Path(tmp) / 'state'), 'OLM_RETRY_DELAY': '3600'}
        env['PYTHONPATH'] = os.pathsep.join(
            p for p in (str(ROOT / 'lib'), env.get('PYTHONPATH', '')) if p
        )
        olm(env, 'pool', 'import', str(LAB_POOL))
        olm(env, 'deploy', str(BUNDLE), '--quiet', '--seed', '1')
        olm(env, 'add-secret', 'bench', 'token=not-a-secret')
        for args in COMMANDS:
            times: list[float] = []
            for _ in range(repeat):
                start = time.perf_counter()
                olm(env, *args)
                times.append(time.perf_counter() - start)
            rows.append((
                'olm ' + ' '.join(args), statistics.median(times), min(times), max(times),
                heavy_imports(env, args) or 'none',
            ))  # fmt: skip
    return rows


def report(rows: list[tuple[str, float, float, float, str]], repeat: int) -> str:
    now = datetime.date.today().isoformat()
    lines = [
        f'## CLI start-up — {now}',
        '',
        f'Machine: {results.machine_description()}. Each command as its own process on the '
        'metal-k8s bundle deployed on the lab pool (simulated machines); median of '
        f'{repeat} runs, with the range; "heavy" lists which of {", ".join(HEAVY)} it imported.',
        '',
        '| command | median (s) | range (s) | heavy |',
        '|---|---:|---:|---|',
        *(
            f'| `{name}` | {median:.3f} | {low:.3f} to {high:.3f} | {heavy} |'
            for name, median, low, high, heavy in rows
        ),
        '',
    ]
    return '\n'.join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=10, help='runs per command')
    parser.add_argument('--no-write', action='store_true', help='do not update RESULTS.md')
    args = parser.parse_args()
    text = report(measure(args.repeat), args.repeat)
    print(text)
    if not args.no_write:
        results.prepend(text)
        print(f'(written to {results.RESULTS})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
