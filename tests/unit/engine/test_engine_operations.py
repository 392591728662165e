"""``juju run`` and ``juju exec`` outcomes as Juju 3.6 reports them (what jubilant asserts).

Sources: juju/juju ``worker/uniter/runner/runner.go`` (``updateActionResults``),
``worker/uniter/runner/context/context.go`` (``Flush``, ``finalizeAction``),
``cmd/juju/action/common.go`` (``processOperationResults``), ``apiserver/common/action.go``
(``TagToActionReceiverFn``), ``state/unit.go`` (``PrepareActionPayload``); juju/utils
``exec/exec.go`` (a non-zero exit is the return code, not an error).
"""

from __future__ import annotations

import shutil

import pytest
from enginetools import Clock

from orchestrator import engine as olm_engine


@pytest.fixture
def tracer(engine: olm_engine.Engine) -> olm_engine.Engine:
    engine.deploy('tracer', num_units=2)
    return engine


def test_event_fail_fails_the_action_with_return_code_0(tracer: olm_engine.Engine):
    action = tracer.run_action('tracer/1', 'refuse', {})
    assert (action.status, action.message) == ('failed', 'refused, as asked')
    assert (action.returncode, action.stdout, action.stderr) == (0, '', '')
    unit = tracer.status_view().model.units['tracer/1']
    assert unit.progress.failure is None and unit.agent.current != 'error'


def test_an_uncaught_exception_gives_the_process_return_code_and_ops_stderr(
    tracer: olm_engine.Engine,
):
    action = tracer.run_action('tracer/0', 'explode', {'message': 'boom'})
    assert (action.status, action.message, action.returncode) == ('failed', 'exit status 1', 1)
    assert action.stdout == 'about to explode\n'
    # ops' excepthook for an action (ops/log.py setup_root_logging, exc_stderr).
    assert action.stderr == (
        'Uncaught RuntimeError in charm code: boom\n'
        'Use `juju debug-log` to see the full traceback.\n'
    )
    # The action failed, not the unit: nothing is left to retry.
    unit = tracer.status_view().model.units['tracer/0']
    assert unit.progress.failure is None and not unit.progress.actions


def test_a_completed_action_has_return_code_0(tracer: olm_engine.Engine):
    action = tracer.run_action('tracer/leader', 'echo', {'message': 'hi'})
    assert (action.status, action.returncode, action.message) == ('completed', 0, '')
    assert action.results == {'echo': 'hi', 'unit': 'tracer/0'} and action.log == ['echoing']


@pytest.mark.parametrize(
    ('unit', 'action', 'params', 'message'),
    [
        ('tracer/9', 'echo', {'message': 'x'}, '"unit-tracer-9" not found'),
        ('nothing/0', 'echo', {'message': 'x'}, '"unit-nothing-0" not found'),
        ('nothing/leader', 'echo', {}, 'could not determine leader for "nothing"'),
        ('tracer/0', 'nope', {}, 'action "nope" not defined on unit "tracer/0"'),
    ],
)
def test_a_task_juju_cannot_queue_still_made_its_operation(
    tracer: olm_engine.Engine, unit: str, action: str, params: dict[str, object], message: str
):
    with pytest.raises(olm_engine.TaskNotScheduledError) as refused:
        tracer.run_action(unit, action, params)
    assert str(refused.value) == message
    assert refused.value.operation == '1'
    assert not tracer.status_view().model.actions


def test_parameters_the_schema_refuses_queue_no_task(tracer: olm_engine.Engine):
    with pytest.raises(olm_engine.TaskNotScheduledError, match='message'):
        tracer.run_action('tracer/0', 'echo', {})


def test_operations_and_tasks_share_one_sequence_from_1(tracer: olm_engine.Engine):
    first = tracer.run_action('tracer/0', 'echo', {'message': 'a'})
    assert (first.operation, first.id) == ('1', '2')
    done = tracer.exec('true', machine='0')
    assert (done.operation, done.id) == ('3', '4')
    second = tracer.run_action('tracer/1', 'echo', {'message': 'b'})
    assert (second.operation, second.id) == ('5', '6')


def test_exec_reports_the_command_as_a_completed_task(tracer: olm_engine.Engine, clock: Clock):
    ok = tracer.exec('echo foo', unit='tracer/leader')
    assert (ok.kind, ok.target, ok.returncode, ok.stdout, ok.stderr) == (
        'unit', 'tracer/0', 0, 'foo\n', ''
    )  # fmt: skip
    failed = tracer.exec('sleep x', machine='0')
    assert (failed.kind, failed.target, failed.returncode, failed.stdout) == (
        'machine',
        '0',
        1,
        '',
    )
    assert failed.stderr.startswith('sleep: invalid time interval \u2018x\u2019\n')
    # sleep passes the World's time: the engine's clock here, so the wait is exact.
    slept = tracer.exec('sleep 5', unit='tracer/1')
    assert slept.completed - slept.enqueued == 5.0
    assert clock() == slept.completed


def test_exec_targets_juju_cannot_queue(tracer: olm_engine.Engine):
    with pytest.raises(olm_engine.TaskNotScheduledError, match=r'^"unit-tracer-9" not found$'):
        tracer.exec('true', unit='tracer/9')
    with pytest.raises(olm_engine.TaskNotScheduledError, match=r'^"machine-9" not found$'):
        tracer.exec('true', machine='9')
    with pytest.raises(olm_engine.EngineError, match='"x" is not a valid machine id'):
        tracer.exec('true', machine='x')


@pytest.mark.skipif(shutil.which('bwrap') is None, reason='the dispatch runner needs bwrap')
def test_the_dispatch_runner_reports_what_the_process_printed(engine: olm_engine.Engine):
    engine.deploy('escaper', runner='dispatch')
    action = engine.run_action('escaper/0', 'escape', {'how': 'print'})
    assert (action.status, action.returncode) == ('completed', 0)
    assert (action.stdout, action.stderr) == ('printed by the charm\n', 'and on stderr\n')


def test_local_charm_revisions_count_uploads_from_0(engine: olm_engine.Engine):
    # juju/juju state/charm.go PrepareLocalCharmUpload: one sequence per local charm URL.
    engine.deploy('tracer')
    assert engine.status_view().model.applications['tracer'].charm_revision == 0
    engine.refresh('tracer')
    engine.deploy('tracer', application='other')
    apps = engine.status_view().model.applications
    assert (apps['tracer'].charm_revision, apps['other'].charm_revision) == (1, 2)
    engine.deploy('mirror')
    assert engine.status_view().model.applications['mirror'].charm_revision == 0
    unit = engine.show_unit('tracer/0')['tracer/0']
    assert unit['charm'] == 'local:tracer-1'


def test_exec_on_a_leader_nobody_holds_fails_the_command(tracer: olm_engine.Engine):
    # The leader is resolved for the whole call (getAllUnitNames): an error, not a task's.
    with pytest.raises(
        olm_engine.EngineError, match='could not determine leader for "nothing"'
    ) as e:
        tracer.exec('true', unit='nothing/leader')
    assert not isinstance(e.value, olm_engine.TaskNotScheduledError)


@pytest.mark.parametrize(
    ('target', 'shown'),
    [
        ({'unit': 'tracer/-1'}, '"tracer/-1" is not a valid unit name'),
        ({'unit': 'tracer'}, '"tracer" is not a valid unit name'),
        ({'machine': 'abc'}, '"abc" is not a valid machine id'),
    ],
)
def test_exec_refuses_a_target_juju_cannot_name_before_an_operation(
    tracer: olm_engine.Engine, target: dict[str, str], shown: str
):
    """juju/juju cmd/juju/action/exec.go Init: the targets are checked before any operation."""
    with pytest.raises(olm_engine.EngineError) as info:
        tracer.exec('true', **target)
    assert str(info.value) == f'The following exec targets are not valid:\n  {shown}'
    done = tracer.exec('true', machine='0')
    assert done.operation == '1'  # no operation was used up by the refusals
