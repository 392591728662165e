"""Waits that say why, in the engine: Ctrl-C mid-settle, a deploy that never committed, backlog.

Ctrl-C arrives as KeyboardInterrupt wherever Python is: here it is raised at chosen points
of a hook (in the charm's run, in its commit) to pin what the settle keeps of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator import engine as olm_engine
from orchestrator.agent import backlog, commit, runner
from orchestrator.engine import _deploy, _intent

MakeEngine = Callable[..., olm_engine.Engine]


def hook_entries(engine: olm_engine.Engine) -> list[str]:
    return [f'{e.unit} {e.event}' for e in engine.debug_log() if e.outcome in ('ok', 'failed')]


def end_state(engine: olm_engine.Engine) -> dict[str, Any]:
    """What each unit has run and seen, and its status: what any interleaving ends with."""
    m = engine.status_view().model
    return {
        u.name: (
            u.progress.installed, u.progress.started, u.workload.current, u.workload.message,
            {rid: sorted(v.members) for rid, v in u.progress.relations.items()},
        )
        for u in m.units.values()
    }  # fmt: skip


def interrupt_on(call: int, original: Callable[..., Any]) -> Callable[..., Any]:
    """``original``, raising KeyboardInterrupt on its ``call``-th call, after it ran."""
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        result = original(*args, **kwargs)
        if calls[0] == call:
            raise KeyboardInterrupt
        return result

    return wrapped


@pytest.mark.parametrize(
    'where',
    [
        # The hook's changes applied to the model in memory, its transaction not committed.
        (commit, 'apply_success'),
        # The charm's code ran; nothing of it is in the model yet.
        (runner.Runner, 'run'),
    ],
    ids=['in-the-commit', 'in-the-charm'],
)
def test_ctrl_c_mid_hook_keeps_every_committed_hook_and_none_of_the_one_in_flight(
    make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch, where: tuple[Any, str]
):
    reference = make_engine('reference')
    reference.deploy('tracer', num_units=3)
    engine = make_engine('interrupted')
    owner, name = where
    monkeypatch.setattr(owner, name, interrupt_on(6, getattr(owner, name)))
    with pytest.raises(olm_engine.SettleInterrupted) as raised:
        engine.deploy('tracer', num_units=3)
    monkeypatch.undo()
    assert raised.value.hooks == 5
    assert len(hook_entries(engine)) == 5  # the sixth hook left nothing in the store
    resumed = make_engine('interrupted')  # the next olm command
    left = resumed.unsettled()
    assert left and set(left) <= {'tracer/0', 'tracer/1', 'tracer/2'}
    resumed.wait()
    assert resumed.unsettled() == []
    assert end_state(resumed) == end_state(reference)


def test_a_deploy_that_never_committed_is_reported_once_then_forgotten(
    make_engine: MakeEngine, caplog: pytest.LogCaptureFixture
):
    engine = make_engine()
    # What a deploy killed before its commit leaves: its intent, its process gone.
    engine.store.lock_wait = type(engine.store.lock_wait)(command='olm deploy big.yaml')
    with engine.store.exclusive():
        _intent.begin(engine.store, 'deploy of big.yaml', now=1_800_000_000.0)
    unfinished = engine.status_view().unfinished
    assert unfinished is not None
    assert unfinished.startswith('the deploy of big.yaml started at 2027-01-15T08:00:00Z')
    assert unfinished.endswith(
        ': olm deploy big.yaml) never committed: nothing was deployed; run it again'
    )
    with caplog.at_level(logging.WARNING, logger='orchestrator'):
        result = engine.wait()
    assert result.settled and result.hooks == 0
    assert [r.getMessage() for r in caplog.records] == [unfinished]
    assert engine.status_view().unfinished is None
    caplog.clear()
    engine.wait()
    assert caplog.records == []


def test_a_refused_or_interrupted_deploy_leaves_no_intent(
    make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    engine = make_engine()
    with pytest.raises(olm_engine.EngineError):
        engine.deploy('tracer', application='Bad_Name')
    assert engine.status_view().unfinished is None

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_deploy, 'prepare_scenario', interrupted)
    with caplog.at_level(logging.WARNING, logger='orchestrator'), pytest.raises(KeyboardInterrupt):
        engine.deploy('tracer', num_units=2)
    assert [r.getMessage() for r in caplog.records] == [
        'the deploy of tracer was interrupted before it committed: nothing was deployed'
    ]
    data = engine.status_view()
    assert data.unfinished is None and data.model.applications == {}


def test_a_committed_deploy_leaves_no_intent(make_engine: MakeEngine):
    engine = make_engine()
    engine.deploy('tracer', num_units=1, settle=False)
    assert engine.status_view().unfinished is None


def test_the_backlog_counts_each_peer_pair_and_is_a_lower_bound(make_engine: MakeEngine):
    engine = make_engine()
    engine.deploy('tracer', num_units=3, settle=False)
    m = engine.status_view().model
    before = backlog.backlog(m)
    # Each of 3 units: install, config-changed, start, peers-relation-created, leader-elected
    # (the leader) or leader-settings-changed (the others), and a joined and a changed for
    # each of its 2 peers.
    assert before == backlog.Backlog(units=3, settled=0, hooks=3 * (5 + 2 * 2))
    result = engine.wait()
    assert result.hooks >= before.hooks
    after = backlog.backlog(engine.status_view().model)
    assert after == backlog.Backlog(units=3, settled=3, hooks=0)


def test_the_backlog_of_a_dying_unit_is_its_teardown(make_engine: MakeEngine):
    engine = make_engine()
    engine.deploy('tracer', num_units=3)
    engine.remove_unit(['tracer/2'], settle=False)
    m = engine.status_view().model
    # peers-relation-departed for each of its 2 peers, stop, remove (no broken: a peer).
    assert backlog.hooks_left(m, m.units['tracer/2']) == 2 + 1 + 1
