"""A deploy killed with SIGKILL, mid-settle or at random points, resumes to the same end."""

from __future__ import annotations

import contextlib
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from olmcli import BUNDLES, ROOT, command, copy_state, environment, ok, status, without_times

from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

BUNDLE = BUNDLES / 'tracer-mirror.yaml'


def end_state(home: Path) -> dict[str, Any]:
    """Status without times, plus every relation databag."""
    store = Store(home)
    try:
        m = olm_engine.Engine(store).status_view().model
    finally:
        store.close()
    relations = {r.key(): {'apps': r.app_data, 'units': r.unit_data} for r in m.relations.values()}
    # Databag versions count writes, which differ between legal interleavings; what each unit
    # has run and whom it has seen join must not.
    progress = {
        u.name: {
            'installed': u.progress.installed,
            'started': u.progress.started,
            'leader': u.progress.leader_elected,
            'failure': u.progress.failure,
            'members': {rid: sorted(v.members) for rid, v in u.progress.relations.items()},
        }
        for u in m.units.values()
    }
    now = status(home, retry_delay='0')
    return {'status': without_times(now), 'relations': relations, 'progress': progress}


def log_count(home: Path) -> int:
    try:
        with sqlite3.connect(home / 'state.db', timeout=1) as conn:
            return int(conn.execute('SELECT count(*) FROM log').fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize('kill_after', [5, 25])
def test_sigkill_mid_settle_resumes_to_the_same_end_state(
    imported_lab: Path, tmp_path: Path, kill_after: int
):
    reference = copy_state(imported_lab, tmp_path / 'reference')
    ok(reference, 'deploy', str(BUNDLE), '--seed', '3', retry_delay='0')

    killed = copy_state(imported_lab, tmp_path / 'killed')
    proc = subprocess.Popen(  # not olmcli.olm: this deploy is killed from here, mid-way
        command('deploy', str(BUNDLE), '--seed', '3'),
        env=environment(killed, retry_delay='0'), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while log_count(killed) < kill_after and proc.poll() is None:
        assert time.monotonic() < deadline, 'the deploy never got going'
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    interrupted = log_count(killed)
    assert interrupted < log_count(reference), 'the deploy finished before it was killed'

    # The next olm command picks the queues up where the last committed hook left them.
    ok(killed, 'wait', '--quiet', '--seed', '5', retry_delay='0')
    assert end_state(killed) == end_state(reference)


def test_sigkill_at_random_points_of_a_deploy_resumes_to_the_same_end_state(
    imported_lab: Path, tmp_path: Path
):
    """Killed anywhere — starting up, loading the bundle, committing it, mid-settle — a deploy
    either committed whole (the next ``olm wait`` finishes it) or left nothing (deploying again
    does); either way the model ends as an uninterrupted deploy's, and the database is sound.

    Four kill points are random times in the deploy's life (most land before its commit, which
    comes late in a short deploy), four are random counts of hooks run (after its commit).
    """
    reference = copy_state(imported_lab, tmp_path / 'reference')
    started = time.monotonic()
    ok(reference, 'deploy', str(BUNDLE), '--seed', '3', retry_delay='0')
    took = time.monotonic() - started  # only to spread the kill points over a deploy's life
    hooks = log_count(reference)
    expected = end_state(reference)

    rng = random.Random(22)  # reproducible kill points
    points: list[tuple[str, float]] = [('seconds', rng.uniform(0.0, took)) for _ in range(4)]
    points += [('hooks', rng.randrange(1, hooks)) for _ in range(4)]
    for i, (unit, point) in enumerate(points):
        killed = copy_state(imported_lab, tmp_path / f'killed-{i}')
        proc = subprocess.Popen(  # not olmcli.olm: this deploy is killed from here
            command('deploy', str(BUNDLE), '--seed', '3'),
            env=environment(killed, retry_delay='0'), cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if unit == 'seconds':
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=point)
        else:
            deadline = time.monotonic() + 60
            while log_count(killed) < point and proc.poll() is None:
                assert time.monotonic() < deadline, 'the deploy never got going'
                time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(killed / 'state.db') as conn:
            assert conn.execute('PRAGMA integrity_check').fetchone() == ('ok',)
        if proc.returncode == 0:
            outcome = 'finished'
        elif status(killed, retry_delay='0')['applications']:
            outcome = f'committed, {log_count(killed)} hooks run'
            ok(killed, 'wait', '--quiet', '--seed', '5', retry_delay='0')
        else:
            outcome = 'nothing committed'
            ok(killed, 'deploy', str(BUNDLE), '--seed', '3', '--quiet', retry_delay='0')
        assert end_state(killed) == expected, (unit, point, outcome)


@pytest.mark.parametrize(
    'change',
    [
        ['add-unit', 'tracer', '-n', '2'],
        ['remove-unit', 'mirror/1'],
        ['remove-application', 'mirror'],
    ],
    ids=['add-unit', 'remove-unit', 'remove-application'],
)
def test_sigkill_at_random_points_of_a_change_resumes_to_the_same_end_state(
    imported_lab: Path, tmp_path: Path, change: list[str]
):
    """As above for changes to a settled model: a change killed before its commit is made
    again; one killed after is finished by ``olm wait``; both end as the uninterrupted one."""
    deployed = copy_state(imported_lab, tmp_path / 'deployed')
    ok(deployed, 'deploy', str(BUNDLE), '--seed', '3', '--quiet', retry_delay='0')
    before = end_state(deployed)
    reference = copy_state(deployed, tmp_path / 'reference')
    started = time.monotonic()
    ok(reference, *change, '--seed', '3', retry_delay='0')
    took = time.monotonic() - started
    expected = end_state(reference)

    rng = random.Random(' '.join(change))  # reproducible kill points
    for i, delay in enumerate(sorted(rng.uniform(0.0, took) for _ in range(4))):
        killed = copy_state(deployed, tmp_path / f'killed-{i}')
        proc = subprocess.Popen(
            command(*change, '--seed', '3'), env=environment(killed, retry_delay='0'),
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if proc.returncode != 0:
            unchanged = end_state(killed) == before
            ok(killed, *(change if unchanged else ['wait']), '--seed', '5', retry_delay='0')
        assert end_state(killed) == expected, delay
