"""``olm pool import`` of a generated pool: progress on standard error, all or none."""

from __future__ import annotations

import json
import re
from pathlib import Path

from olmcli import ok, olm, refused

PROGRESS = re.compile(
    r'importing (?P<file>\S+): (?P<n>[\d,]+) machines? read in [\d.]+s '
    r'\([\d,]+/s\), \d+% of [\d.,]+ [kM]B(, about \S+ left)?'
)
ADDING = re.compile(
    r'importing (?P<file>\S+): (?P<n>[\d,]+) of (?P<total>[\d,]+) machines added to the pool '
    r'in [\d.]+s \([\d,]+/s\)(, about \S+ left)?'
)


def _generate(state: Path, path: Path, count: int, *extra: str) -> Path:
    ok(state, 'pool', 'generate', '--count', str(count), '--seed', '5', '-o', str(path), *extra)
    return path


def _pool(state: Path) -> list[str]:
    listed = json.loads(ok(state, 'pool', 'list', '--format', 'json'))
    return sorted(m['hostname'] for m in listed['machines'])


def test_an_import_shows_its_progress_on_stderr_every_interval(tmp_path: Path):
    pool = _generate(tmp_path / 'gen', tmp_path / 'pool.yaml', 30)
    state = tmp_path / 'olm'
    done = olm(state, 'pool', 'import', str(pool), env={'OLM_PROGRESS_INTERVAL': '0'})
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f'imported 30 machines from {pool} into the embedded pool, simulated machines\n'
    )
    lines = done.stderr.splitlines()
    read = [line for line in lines if ' read in ' in line]
    added = [line for line in lines if ' added to the pool ' in line]
    assert len(read) == len(added) == 30, done.stderr
    assert len(lines) == 60
    assert all(PROGRESS.fullmatch(line) for line in read), done.stderr
    assert all(ADDING.fullmatch(line) for line in added), done.stderr
    last = ADDING.fullmatch(added[-1])
    assert last is not None
    assert (last['file'], last['n'], last['total']) == (str(pool), '30', '30')
    assert len(_pool(state)) == 30


def test_a_quick_import_shows_no_progress(tmp_path: Path):
    pool = _generate(tmp_path / 'gen', tmp_path / 'pool.yaml', 30)
    done = olm(tmp_path / 'olm', 'pool', 'import', str(pool))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''


def test_a_bad_last_entry_imports_nothing(tmp_path: Path):
    state = tmp_path / 'olm'
    first = _generate(tmp_path / 'gen', tmp_path / 'first.yaml', 5)
    ok(state, 'pool', 'import', str(first))
    before = _pool(state)
    pool = _generate(tmp_path / 'gen', tmp_path / 'pool.yaml', 40, '--prefix', 'other')
    with pool.open('a') as f:
        f.write('- {hostname: last, cores: 1, memory: 1G, disks: [{name: sda, size: 0}]}\n')
    error = refused(state, 'pool', 'import', str(pool))
    assert error.splitlines()[0] == (
        f'ERROR {pool}: machine 41 (last): disks[0].size: must be at least 1 byte, got 0'
    )
    assert _pool(state) == before


def test_a_machine_already_in_the_pool_imports_nothing(tmp_path: Path):
    state = tmp_path / 'olm'
    first = _generate(tmp_path / 'gen', tmp_path / 'first.yaml', 5)
    ok(state, 'pool', 'import', str(first))
    before = _pool(state)
    pool = _generate(tmp_path / 'gen', tmp_path / 'pool.yaml', 8)
    error = refused(state, 'pool', 'import', str(pool))
    assert error == f'ERROR {pool}: machine "node-01" is already in the pool\n'
    assert _pool(state) == before


def test_a_refused_import_into_a_new_state_directory_leaves_none(tmp_path: Path):
    pool = _generate(tmp_path / 'gen', tmp_path / 'pool.yaml', 10)
    with pool.open('a') as f:
        f.write('- {hostname: node-01, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}]}\n')
    state = tmp_path / 'olm'
    error = refused(state, 'pool', 'import', str(pool))
    assert error == f'ERROR {pool}: duplicate hostname "node-01" (machines 1 and 11)\n'
    assert not state.exists()
