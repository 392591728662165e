"""A deploy killed with SIGKILL mid-settle resumes, with the next olm command, to the same end."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / 'tests' / 'e2e' / 'bundles' / 'tracer-mirror.yaml'
POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'


def olm(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'OLM_HOME': str(home), 'OLM_RETRY_DELAY': '0'}
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        env=env, capture_output=True, text=True, check=check, cwd=ROOT,
    )  # fmt: skip


def end_state(home: Path) -> dict[str, Any]:
    """Status without times, plus every relation databag."""
    status = json.loads(olm(home, 'status', '--format', 'json').stdout)

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ('since', 'timestamp')}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

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
    return {'status': strip(status), 'relations': relations, 'progress': progress}


def log_count(home: Path) -> int:
    try:
        with sqlite3.connect(home / 'state.db', timeout=1) as conn:
            return int(conn.execute('SELECT count(*) FROM log').fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize('kill_after', [5, 25])
def test_sigkill_mid_settle_resumes_to_the_same_end_state(tmp_path: Path, kill_after: int):
    reference = tmp_path / 'reference'
    olm(reference, 'pool', 'import', str(POOL))
    olm(reference, 'deploy', str(BUNDLE), '--seed', '3')

    killed = tmp_path / 'killed'
    olm(killed, 'pool', 'import', str(POOL))
    env = {**os.environ, 'OLM_HOME': str(killed), 'OLM_RETRY_DELAY': '0'}
    proc = subprocess.Popen(
        [sys.executable, '-m', 'orchestrator.cli', 'deploy', str(BUNDLE), '--seed', '3'],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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
    olm(killed, 'wait', '--quiet', '--seed', '5')
    assert end_state(killed) == end_state(reference)
