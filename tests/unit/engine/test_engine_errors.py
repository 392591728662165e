"""Commit-on-success, hook errors, retries, resolve, actions and secrets under olm."""

from __future__ import annotations

import pytest
from enginetools import Clock, last_seq, trace

from orchestrator import engine as olm_engine


def test_failed_hook_commits_nothing_and_blocks_the_unit(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=2)
    mark = last_seq(engine)
    engine.set_config('tracer', {'greeting': 'bonjour', 'fail-on': 'config-changed'})

    m = engine.status_view().model
    peers = m.relations[0]
    for unit in ('tracer/0', 'tracer/1'):
        assert m.units[unit].agent.current == 'error'
        assert m.units[unit].agent.message == 'hook failed: "config-changed"'
        # The failed hook's relation writes were discarded.
        assert peers.unit_data[unit]['greeting'] == 'hello'
        assert trace(engine, unit, since=mark) == ['config-changed']
    failed = [e for e in engine.debug_log(after=mark) if e.outcome == 'failed']
    assert len(failed) == 2
    assert 'RuntimeError: told to fail in config-changed' in failed[0].detail


def test_failed_hook_is_retried_automatically(engine: olm_engine.Engine):
    engine.deploy('tracer')
    engine.set_config('tracer', {'fail-on': 'config-changed'})
    # Back-off is 0 s in these tests: every settle runs the failed hook again, and it fails.
    with pytest.raises(
        olm_engine.EngineError, match='timed out after 0s; still in error: tracer/0'
    ):
        engine.wait(stop_on_error=False, timeout=0)
    failures = [
        e for e in engine.debug_log() if e.event == 'config-changed' and e.outcome == 'failed'
    ]
    assert len(failures) >= 2
    # Once the cause is gone the next retry succeeds.
    engine.set_config('tracer', {'fail-on': ''})
    unit = engine.status_view().model.units['tracer/0']
    assert unit.agent.current == 'idle'
    assert unit.progress.failure is None


def test_resolve_retries_the_failed_hook(make_engine):
    engine = make_engine(retry_delay=3600.0)
    engine.deploy('tracer')
    engine.set_config('tracer', {'fail-on': 'config-changed'})
    engine.set_config('tracer', {'fail-on': ''})
    unit = engine.status_view().model.units['tracer/0']
    assert unit.agent.message == 'hook failed: "config-changed"'  # its retry is not due yet
    assert unit.progress.failure.attempts == 1
    engine.resolve(['tracer/0'])
    unit = engine.status_view().model.units['tracer/0']
    assert unit.agent.current == 'idle'
    assert unit.progress.failure is None
    with pytest.raises(olm_engine.EngineError, match='unit "tracer/0" is not in an error state'):
        engine.resolve(['tracer/0'])


def test_resolve_no_retry_skips_the_hook_and_carries_on(engine: olm_engine.Engine):
    engine.deploy('tracer', config={'fail-on': 'install'})
    unit = engine.status_view().model.units['tracer/0']
    assert unit.agent.message == 'hook failed: "install"'
    mark = last_seq(engine)
    engine.resolve(['tracer/0'], no_retry=True)
    events = trace(engine, 'tracer/0', since=mark)
    assert events[:4] == [
        'install',
        'peers-relation-created (0)',
        'leader-elected',
        'config-changed',
    ]
    assert engine.debug_log(after=mark)[0].outcome == 'skipped'
    assert engine.status_view().model.units['tracer/0'].progress.started


def test_actions_validate_params_and_report_results(engine: olm_engine.Engine):
    engine.deploy('tracer')
    action = engine.run_action('tracer/0', 'echo', {'message': 'hi'})
    assert action.status == 'completed'
    assert action.results == {'echo': 'hi', 'unit': 'tracer/0'}
    assert action.log == ['echoing']

    failed = engine.run_action('tracer/0', 'refuse', {})
    assert failed.status == 'failed'
    assert failed.message == 'refused, as asked'
    assert engine.status_view().model.units['tracer/0'].agent.current == 'idle'

    with pytest.raises(Exception, match='message'):
        engine.run_action('tracer/0', 'echo', {})
    with pytest.raises(Exception, match='extra'):
        engine.run_action('tracer/0', 'echo', {'message': 'x', 'extra': 1})
    with pytest.raises(olm_engine.EngineError, match='action "nope" not defined'):
        engine.run_action('tracer/0', 'nope', {})


def test_actions_run_on_app_slash_leader(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=2)
    engine.remove_unit(['tracer/0'])
    action = engine.run_action('tracer/leader', 'echo', {'message': 'hi'})
    assert (action.unit, action.results['unit']) == ('tracer/1', 'tracer/1')
    # Juju's apiserver refuses the task: no leader for an application it does not know.
    with pytest.raises(olm_engine.TaskNotScheduledError, match='leader for "nothing"'):
        engine.run_action('nothing/leader', 'echo', {'message': 'hi'})


def test_secret_grant_track_changed_remove_and_rotate(engine: olm_engine.Engine, clock: Clock):
    engine.deploy('tracer', application='db', num_units=1)
    engine.deploy('tracer', application='app', num_units=2)
    engine.integrate('db:db', 'app:backend')
    m = engine.status_view().model
    (secret,) = [s for s in m.secrets.values() if s.owner == 'db']
    assert secret.grants == {2: ['app']}
    assert set(secret.consumers) == {'app/0', 'app/1'}
    assert all(c.tracked == 1 for c in secret.consumers.values())
    relation = m.relations[2]
    token_value = secret.revisions[1]['token']
    # Only the secret id travels in relation data, never the token.
    assert relation.app_data['db']['token'] == secret.id
    assert token_value not in str(relation.app_data) + str(relation.unit_data)

    mark = last_seq(engine)
    engine.run_action('db/0', 'rotate-token', {})
    for unit in ('app/0', 'app/1'):
        assert f'secret-changed ({secret.id})' in trace(engine, unit, since=mark)
    m = engine.status_view().model
    secret = m.secrets[secret.id]
    assert secret.latest == 2
    assert all(c.tracked == 2 for c in secret.consumers.values())
    # Revision 1 is tracked by nobody now: its owner is told it can remove it.
    assert f'secret-remove ({secret.id} revision 1)' in trace(engine, 'db/0', since=mark)

    mark = last_seq(engine)
    clock.now += 3601
    engine.update_status(['db'])
    assert f'secret-rotate ({secret.id})' in trace(engine, 'db/0', since=mark)
    assert engine.status_view().model.secrets[secret.id].latest == 3


def test_seed_fixes_the_interleaving(make_engine):
    def run(name: str, seed: int) -> tuple[list[str], dict[str, dict[str, str]]]:
        e = make_engine(name, seed=seed)
        e.deploy('tracer', num_units=3)
        e.deploy('mirror', num_units=2)
        e.integrate('tracer', 'mirror')
        m = e.status_view().model
        data = {u: dict(d) for r in m.relations.values() for u, d in r.unit_data.items()}
        return trace(e), data

    first, data1 = run('a', 1)
    again, data2 = run('b', 1)
    other, data3 = run('c', 2)
    assert first == again
    assert other != first

    # Whatever the interleaving, every unit runs its install phase in Juju's order.
    def setup(lines: list[str], unit: str) -> list[str]:
        return [line.split(' ', 1)[1] for line in lines if line.startswith(f'{unit} ')][:4]

    for unit in ('tracer/0', 'tracer/1', 'tracer/2', 'mirror/0', 'mirror/1'):
        assert setup(other, unit) == setup(first, unit)

    def strip(d):
        return {
            u: {k: v for k, v in bag.items() if 'address' not in k and k != 'egress-subnets'}
            for u, bag in d.items()
        }

    assert strip(data1) == strip(data3)
    del data2


def test_a_hook_fault_fails_the_hook_until_resolved(make_engine):
    engine = make_engine(retry_delay=3600.0)
    engine.inject_fault(olm_engine.HOOK_FAULT, 'fail-once', match=['install'])
    engine.deploy('tracer')
    unit = engine.status_view().model.units['tracer/0']
    assert (unit.agent.current, unit.agent.message) == ('error', 'hook failed: "install"')
    failed = [e for e in engine.debug_log() if e.outcome == 'failed']
    assert failed[-1].event == 'install'
    assert 'ERROR connection is shut down (simulated fault' in failed[-1].detail
    assert engine.faults() == []  # used up
    engine.resolve(['tracer/0'])
    unit = engine.status_view().model.units['tracer/0']
    assert unit.agent.current == 'idle' and unit.progress.started


def test_a_hook_loop_is_stopped_with_a_diagnosis(make_engine):
    engine = make_engine()
    with pytest.raises(olm_engine.EngineError) as caught:
        engine.deploy('echo', num_units=2)
    message = str(caught.value)
    limit = olm_engine.LOOP_HOOKS_BASE + olm_engine.LOOP_HOOKS_PER_UNIT * 2
    assert message.startswith('stopped settling: echo/')
    assert f' ran {limit + 1} hooks in this settle (the last: chatter-relation-changed' in message
    assert 'hook loop' in message
    # What ran is committed: the debug log has it, and the model is consistent.
    assert len(engine.debug_log()) > limit
    assert engine.status_view().model.units['echo/0'].progress.started
