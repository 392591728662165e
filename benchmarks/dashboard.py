"""Dashboard benchmark: what one refresh of ``olm dashboard`` costs, and how soon a page sees it.

On SIMULATED machines (olm's embedded pool), with the real charms:

1. Reading: one refresh of the page's source, :class:`OlmSource.snapshot
   <orchestrator.dashboard.OlmSource>` (status, pool, headroom, secrets, new hooks) and the
   rendering of its four views, timed in this process on (a) the metal-k8s stack on the lab
   pool (15 units) and (b) the same stack with 100 more workers on a generated 1,000-machine
   pool (115 units, ~2,500 hooks in the timeline). Median of ``--repeat`` refreshes; the size of
   the page (its four views) is reported with it.
2. Latency: ``olm dashboard`` as a process on (b) with an event-stream client, then ``olm
   add-unit kubernetes-worker`` as another; the time from that command's start, and from its
   exit, until the stream carries the new unit (the issue's browser test allows 2 s from the
   exit). Median of ``--repeat`` units.

Nothing fails on time. Run with ``tox -e bench`` (or ``python benchmarks/dashboard.py``);
results are prepended to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'lib'))

import httpx  # noqa: E402
import results  # noqa: E402  (benchmarks/results.py, beside this script)

from orchestrator.dashboard import OlmSource  # noqa: E402
from orchestrator.dashboard._page import render_views  # noqa: E402
from orchestrator.state.store import Store  # noqa: E402

LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
URL = re.compile(r'http://127\.0\.0\.1:(\d+)/\?token=(\S+)')


def olm(state: Path, *args: str) -> str:
    env = {**os.environ, 'OLM_HOME': str(state)}
    done = subprocess.run([sys.executable, '-m', 'orchestrator.cli', *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f'olm {" ".join(args)} failed:\n{done.stdout}{done.stderr}')
    return done.stdout


def stack(state: Path, pool: int) -> None:
    if pool:
        spool = state.parent / 'pool.yaml'
        spool.parent.mkdir(parents=True, exist_ok=True)
        olm(state, 'pool', 'generate', '--count', str(pool), '--seed', '42', '-o', str(spool))
        olm(state, 'pool', 'import', str(spool))
        olm(state, 'create-storage-pool', 'ssd', 'maas', 'tags=ssd')
    else:
        olm(state, 'pool', 'import', str(LAB))
    olm(state, 'deploy', str(BUNDLE), '--offers', str(ROOT / 'bundles' / 'offers'), '--seed', '1')
    if pool:
        olm(state, 'add-unit', 'kubernetes-worker', '-n', '100', '--constraints', 'mem=6G cores=2',
            '--quiet')  # fmt: skip


def reading(state: Path, repeat: int) -> dict[str, float]:
    """Median seconds of one refresh (read + render), and the page's size."""
    times: list[float] = []
    size = units = hooks = 0
    for _ in range(repeat):
        source = OlmSource(Store(state, create=False))  # a fresh source reads every hook too
        began = time.perf_counter()
        snapshot = source.snapshot()
        views = render_views(snapshot)
        times.append(time.perf_counter() - began)
        size = sum(len(v) for v in views.values())
        units, hooks = len(snapshot.units), len(snapshot.hooks)
        source.close()
    return {'seconds': statistics.median(times), 'low': min(times), 'high': max(times),
            'kib': size / 1024, 'units': units, 'hooks': hooks}  # fmt: skip


def latency(state: Path, repeat: int) -> list[tuple[float, float]]:
    """For each ``olm add-unit``: seconds from its start, and from its exit, until the event
    stream carries the new unit (negative: before it exited, as the unit is recorded before
    its hooks run)."""
    env = {**os.environ, 'OLM_HOME': str(state)}
    server = subprocess.Popen([sys.executable, '-m', 'orchestrator.cli', 'dashboard'], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert server.stdout is not None
    match = None
    while match is None:
        line = server.stdout.readline()
        if not line:
            sys.exit('olm dashboard printed no URL')
        match = URL.search(line)
    base, token = f'http://127.0.0.1:{match.group(1)}', match.group(2)
    seen: dict[str, float] = {}

    def listen() -> None:
        try:
            with httpx.stream('GET', f'{base}/events', params={'token': token}, timeout=60) as s:
                for line in s.iter_lines():
                    if line.startswith('data: '):
                        now = time.perf_counter()
                        for unit in re.findall(r'data-unit=\\"(kubernetes-worker/\d+)\\"', line):
                            seen.setdefault(unit, now)
        except httpx.HTTPError:  # the server stops at the end
            return

    threading.Thread(target=listen, daemon=True).start()
    delays: list[tuple[float, float]] = []
    try:
        for _ in range(repeat):
            began = time.perf_counter()
            out = olm(state, 'add-unit', 'kubernetes-worker', '--quiet')
            done = time.perf_counter()
            unit = re.search(r'kubernetes-worker/\d+', out)
            assert unit is not None, out
            while unit.group(0) not in seen and time.perf_counter() - done < 30:
                time.sleep(0.005)
            shown = seen.get(unit.group(0), float('inf'))
            delays.append((shown - began, shown - done))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--no-write', action='store_true', help='print, do not touch RESULTS.md')
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        lab = Path(tmp) / 'lab' / 'olm'
        stack(lab, 0)
        small = reading(lab, args.repeat)
        big = Path(tmp) / 'big' / 'olm'
        stack(big, 1000)
        large = reading(big, args.repeat)
        delays = latency(big, args.repeat)
    for name, r in (('metal-k8s on the lab pool (20 machines)', small),
                    ('the same + 100 workers on a 1,000-machine pool', large)):  # fmt: skip
        rows.append(
            f'| {name} | {r["units"]:.0f} | {r["hooks"]:,.0f} | {r["seconds"] * 1000:.0f} '
            f'| {r["low"] * 1000:.0f} to {r["high"] * 1000:.0f} | {r["kib"]:,.0f} |'
        )
    since_start = statistics.median(d[0] for d in delays)
    since_exit = statistics.median(d[1] for d in delays)
    report = '\n'.join([
        f'## Dashboard — {datetime.date.today().isoformat()}',
        '',
        f'Machine: {results.machine_description()}.',
        'Simulated machines, real charms. One refresh of `olm dashboard`: its source read '
        '(status, pool, headroom, secrets, the hooks) and its four views rendered, in one '
        f'process, median of {args.repeat} (a fresh source each time, so every hook is read).',
        '',
        '| model | units | hooks in the timeline | refresh (ms) | range (ms) | page (KiB) |',
        '|---|---:|---:|---:|---:|---:|',
        *rows,
        '',
        f'- a unit added by `olm add-unit` (on the second model) reaches an open page '
        f'{since_start:.2f} s after the command starts, {since_exit:+.2f} s from its exit '
        f'(median of {len(delays)}; negative: shown while its hooks still ran; the browser test '
        'allows 2 s from the exit)',
        '',
    ])  # fmt: skip
    print(report)
    if not args.no_write:
        results.prepend(report + '\n')


if __name__ == '__main__':
    main()
