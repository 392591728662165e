"""``olm --controller NAME add-unit``: the juju commands it runs on a real controller.

A fake ``juju`` client on the PATH records its arguments and answers as Juju does (machines
reported on standard error as ``created machine N``); no Juju is needed.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_JUJU = """#!/bin/sh
echo "$@" >> "$JUJU_LOG"
case "$1" in
  models) echo '{"models": [], "current-model": "admin/metal"}' ;;
  add-machine)
    if [ -n "$JUJU_FAIL_ADD_MACHINE" ]; then
      echo 'ERROR cannot add a new machine: matching instance not found' >&2; exit 1
    fi
    n=1; prev=''
    for a in "$@"; do [ "$prev" = '-n' ] && n=$a; prev=$a; done
    i=0; while [ $i -lt "$n" ]; do echo "created machine $((7 + i))" >&2; i=$((i + 1)); done ;;
  add-unit)
    if [ -n "$JUJU_FAIL_ADD_UNIT" ]; then echo 'ERROR application "x" not found' >&2; exit 1; fi ;;
esac
"""


@pytest.fixture
def juju(tmp_path: Path) -> Path:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    script = bin_dir / 'juju'
    script.write_text(FAKE_JUJU)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def olm(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        'OLM_HOME': str(home / 'olm'),
        'PATH': f'{home / "bin"}{os.pathsep}{os.environ["PATH"]}',
        'JUJU_LOG': str(home / 'juju.log'),
        **env,
    }
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        capture_output=True, text=True, env=environment, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip


def calls(home: Path) -> list[str]:
    return (home / 'juju.log').read_text().splitlines()


def test_add_unit_with_constraints_is_add_machine_then_add_unit_to_them(juju: Path):
    done = olm(juju, '--controller', 'lab', 'add-unit', 'kubernetes-worker', '-n', '2',
               '--constraints', 'mem=6G cores=2')  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert calls(juju) == [
        'models --controller lab --format json',
        'add-machine -m lab:metal -n 2 --constraints mem=6G cores=2',
        'add-unit -m lab:metal kubernetes-worker -n 2 --to 7,8',
    ]
    assert 'on machines 7, 8 of lab:metal (a real Juju controller)' in done.stdout
    assert not (juju / 'olm').exists() or 'state.db' not in os.listdir(juju / 'olm')


def test_the_model_can_be_named_and_the_flag_go_after_the_command(juju: Path):
    done = olm(juju, 'add-unit', 'ceph-storage', '--controller', 'lab', '-m', 'storage',
               '--constraints', 'cores=8')  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert calls(juju)[0] == 'add-machine -m lab:storage -n 1 --constraints cores=8'


def test_a_failing_juju_is_one_error_line(juju: Path):
    done = olm(juju, '--controller', 'lab', 'add-unit', 'x', '-n', '2',
               JUJU_FAIL_ADD_MACHINE='1')  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith('ERROR juju add-machine -m lab:metal -n 2 failed (exit 1): ')
    assert 'matching instance not found' in done.stderr and 'Traceback' not in done.stderr
    done = olm(juju, '--controller', 'lab', 'add-unit', 'x', '-n', '2', JUJU_FAIL_ADD_UNIT='1')
    assert done.returncode == 1
    assert 'machines 7, 8 were created for it' in done.stderr


def test_only_add_unit_goes_to_a_controller(juju: Path):
    done = olm(juju, '--controller', 'lab', 'status')
    assert done.returncode == 2
    assert done.stderr.strip() == 'ERROR --controller: only add-unit runs on a real controller'
