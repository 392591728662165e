"""Hooks per added worker: adding workers must not wake every worker once per new worker.

kube_cluster's join tokens are delivered through one map in the control plane's application
databag, and every write of that databag runs ``relation-changed`` on every worker unit
(Juju's semantics). Issued one write per new worker, adding N workers ran O(N) such hooks per
worker (11 per worker at +10, 41 at +50, 83 at +100); the leader now issues one batch once
every unit goal-state says is coming has asked. These tests count hooks in olm's event trace
(what ``olm debug-log`` shows), never time.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from olmcli import ROOT, ok, status

from orchestrator.state.store import Store

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
WORKER = 'kubernetes-worker'
CP = 'kubernetes-control-plane'
ADDED = 10
WORKER_SHAPE = 'mem=6G cores=2'
CHANGED_PER_WORKER = 6
"""At most this many ``kube-cluster-relation-changed`` per added worker (5.3 measured at +10,
5.0 at +100): three for the control-plane units it joins, one for the cluster and one for the
token batch, with some slack for the random hook order."""
HOOKS_PER_WORKER = 25
"""At most this many hooks in all per added worker (22.6 measured at +10, 22.2 at +100)."""


def events_since(state: Path, seq: int) -> list[tuple[str, str]]:
    """(unit, event) of every trace entry after ``seq``."""
    store = Store(state)
    try:
        with store.snapshot() as txn:
            return [(e.unit, e.event) for e in txn.log() if e.seq > seq]
    finally:
        store.close()


def last_seq(state: Path) -> int:
    store = Store(state)
    try:
        with store.snapshot() as txn:
            return max((e.seq for e in txn.log()), default=0)
    finally:
        store.close()


@pytest.fixture(scope='module')
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    """The bundle on a generated 200-machine pool, then ``add-unit`` of ten workers.

    Returns the state and the (unit, event) trace of the add-unit alone.
    """
    state = tmp_path_factory.mktemp('grown') / 'olm'
    ok(state, 'pool', 'generate', '--count', '200', '--seed', '42', '--import')
    ok(state, 'create-storage-pool', 'ssd', 'maas', 'tags=ssd')
    ok(state, 'deploy', str(BUNDLE), '--seed', '1')
    before = last_seq(state)
    ok(state, 'add-unit', WORKER, '-n', str(ADDED), '--constraints', WORKER_SHAPE)
    return state, events_since(state, before)


def test_every_added_worker_joined(grown: tuple[Path, list[tuple[str, str]]]) -> None:
    state, _ = grown
    now: dict[str, Any] = status(state)
    units = {
        name: unit
        for app in now['applications'].values()
        for name, unit in (app.get('units') or {}).items()
    }
    workers = [u for name, u in units.items() if name.startswith(f'{WORKER}/')]
    assert len(workers) == 3 + ADDED
    assert all(u['workload-status']['current'] == 'active' for u in units.values())
    for name, unit in units.items():
        if name.startswith(f'{CP}/'):
            message = unit['workload-status']['message']
            assert re.search(rf'control plane, {3 + ADDED + 3} nodes', message), message


def test_workers_relation_changed_per_added_worker_is_bounded(
    grown: tuple[Path, list[tuple[str, str]]],
) -> None:
    _, trace = grown
    # An entry's event is the hook's name and its details: 'kube-cluster-relation-changed (6,
    # kubernetes-control-plane/0)'.
    per_app = Counter((unit.rsplit('/', 1)[0], event.split(' ', 1)[0]) for unit, event in trace)
    changed = per_app[WORKER, 'kube-cluster-relation-changed']
    assert ADDED <= changed <= CHANGED_PER_WORKER * ADDED, per_app
    assert len(trace) <= HOOKS_PER_WORKER * ADDED, per_app
