"""benchmarks/scale.py: what its figures rest on, pinned without running olm at scale.

The peak RSS must be each child's own (``os.wait4``), not the largest of all children so far
(``RUSAGE_CHILDREN``) nor the benchmark's; a command that hangs must be killed and reported,
not stop the run; olm's settle line and debug log must be read as olm prints them. No figure
is timed here.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def scale() -> ModuleType:
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    try:
        return importlib.import_module('scale')
    finally:
        sys.path.remove(str(ROOT / 'benchmarks'))


def child(scale: ModuleType, code: str, timeout: float = 60.0) -> Any:
    return scale.run_child([sys.executable, '-c', code], env={}, cwd=ROOT, timeout=timeout)


def test_peak_rss_is_each_childs_own(scale: ModuleType) -> None:
    # Linux counts the spawning process's resident memory into the child's ru_maxrss (the old
    # address space's high-water mark at exec), so the children are measured from a small
    # parent, as the benchmark is: pytest itself may hold hundreds of MB.
    measure = (
        'import sys; sys.path.insert(0, sys.argv[1]); import scale; from pathlib import Path\n'
        'def run(code): return scale.run_child([sys.executable, "-c", code], env={}, '
        'cwd=Path("."), timeout=60)\n'
        'big = run("b = bytearray(200 << 20); b[::4096] = bytes(len(b[::4096]))")\n'
        'small = run("pass")\n'
        'print(big.ok, small.ok, big.rss_mb, small.rss_mb)\n'
    )
    out = subprocess.run([sys.executable, '-c', measure, str(ROOT / 'benchmarks')],
                         capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert out[:2] == ['True', 'True']
    big, small = float(out[2]), float(out[3])
    assert big >= 200
    assert small < 100  # not the 200 MB of the child before it


def test_a_command_past_its_timeout_is_killed_and_reported(scale: ModuleType) -> None:
    run = child(scale, 'import time; print("started", flush=True); time.sleep(600)', timeout=0.5)
    assert run.code is None and not run.ok
    assert run.stdout == 'started\n'
    assert 'killed (timeout)' in run.failure()


def test_a_failure_names_the_error_line(scale: ModuleType) -> None:
    run = child(scale, 'import sys; print("ERROR no pool"); sys.exit(1)')
    assert run.failure().endswith('exit 1: ERROR no pool')
    sample = scale.sample_of([child(scale, 'pass'), run])
    assert sample.error is not None and sample.cell().startswith('FAILED: ')


def test_the_settle_line_and_the_debug_log_are_read_as_olm_prints_them(scale: ModuleType
                                                                      ) -> None:  # fmt: skip
    out = ('- unit kubernetes-worker/3 on machine 15\n'
           'Ran 274 hooks on embedded pool, simulated machines; settled (seed 1).\n')  # fmt: skip
    assert scale.parse_settled(out) == (274, 'settled')
    failed = 'Ran 9 hooks on embedded pool, simulated machines; units in error: a/0 (seed 1).'
    assert scale.parse_settled(failed) == (9, 'units in error: a/0')
    assert scale.parse_settled('') == (None, 'no settle line')
    log = '\n'.join([
        '19:45:06 kubernetes-worker/3 kube-cluster-relation-changed (4, x/0): ok',
        '19:45:06 kubernetes-worker/4 kube-cluster-relation-changed (4, x/0): ok',
        '19:45:07 kubernetes-control-plane/0 kube-cluster-relation-joined (4, y/3): ok',
    ])  # fmt: skip
    assert scale.count_hooks(log) == [
        ('kubernetes-worker kube-cluster-relation-changed', 2),
        ('kubernetes-control-plane kube-cluster-relation-joined', 1),
    ]


def test_units_not_active_are_named(scale: ModuleType) -> None:
    status = ('{"applications": {"kubernetes-worker": {"units": {'
              '"kubernetes-worker/0": {"workload-status": {"current": "active"}},'
              '"kubernetes-worker/1": {"workload-status": {"current": "waiting", '
              '"message": "no token"}}}}, "saas-only": {}}}')  # fmt: skip
    assert scale.not_active(status) == (('kubernetes-worker/1 waiting (no token)',), 2)


def test_checks_say_met_missed_or_not_measured(scale: ModuleType) -> None:
    assert scale.check('x', 2.5, 3.0, 'x').startswith('- x: met (2.50x')
    assert 'MISSED: 4.00x against ≤ 3x' in scale.check('x', 4.0, 3.0, 'x')
    assert 'MISSED' in scale.check('rss', 150.0, 150.0, ' MB', below=True)
    assert 'NOT MEASURED' in scale.check('rss', None, 150.0, ' MB', below=True)


def test_a_failed_command_is_reported_and_the_others_kept(scale: ModuleType) -> None:
    args = scale.parse(['--sizes', '1000,100000', '--only', 'pools,commands'])
    fig = scale.Figures(sizes=args.sizes, repeat=args.repeat)
    ok, slow = scale.Sample((0.5,), (60.0,)), scale.Sample((4.0,), (590.0,))
    fig.imports = {1000: ok, 100000: scale.Sample((30.0,), (180.0,))}
    fig.commands = {
        'olm status --format json': {1000: ok, 100000: slow},
        'olm machines --format json': {1000: ok, 100000: scale.Sample(error='timeout')},
    }
    fig.failures = ['100,000 machines: timeout']
    text = scale.render(fig, args)
    assert '`olm status --format json` on 100,000 machines, time against 1,000: MISSED' in text
    assert '`olm status --format json` on 100,000 machines, peak RSS: MISSED' in text
    assert '`olm machines --format json` on 100,000 machines, peak RSS: NOT MEASURED' in text
    assert '`olm pool import` of 100,000 machines, peak RSS: met (180 MB' in text
    assert "not the issue's" not in text
    assert '- 100,000 machines: timeout' in text


def test_bad_selectors_are_refused(scale: ModuleType, capsys: pytest.CaptureFixture[str]
                                   ) -> None:  # fmt: skip
    for argv in (['--only', 'pool'], ['--sizes', '1k'], ['--workers', '0']):
        with pytest.raises(SystemExit):
            scale.parse(argv)
        assert 'expected' in capsys.readouterr().err
    args = scale.parse(['--full', '--sizes', '5'])
    assert isinstance(args, argparse.Namespace)
    assert (args.sizes, args.workers) == ([1000, 10000, 100000], [100, 1000])
