"""What ``olm run``/``olm exec`` print about a task, as Juju 3.6's client prints it.

juju/juju ``cmd/juju/action/common.go`` @ 0cdccd5: ``formatActionResult`` (keys, timing as
Go's ``time.Time.String()``, log lines with their time), ``convertActionOutput`` (streams only
when not empty), ``processOperationResults`` (exit 1 for a return code of 1 or more),
``handleTimeout``; ``exec.go`` ``printExecOutput``.
"""

from __future__ import annotations

import json
import time

import pytest

from orchestrator.cli import _tasks
from orchestrator.engine import TaskNotScheduledError

WHEN = 1_796_652_827.9  # 2026-12-07 14:13:47.9 UTC


def report(**overrides: object) -> _tasks.TaskReport:
    fields: dict[str, object] = {
        'task': '2', 'operation': '1', 'kind': 'unit', 'receiver': 'db/0', 'status': 'completed',
        'message': '', 'results': {'b': 1, 'a': {'z': 1, 'y': 2}}, 'returncode': 0,
        'stdout': '', 'stderr': '', 'log': ['hello'], 'enqueued': WHEN, 'completed': WHEN + 1,
    }  # fmt: skip
    fields.update(overrides)
    return _tasks.TaskReport(**fields)  # type: ignore[arg-type]


def test_go_time_is_to_the_second_with_zone():
    assert _tasks.go_time(WHEN, utc=True) == '2026-12-07 14:13:47 +0000 UTC'


def test_the_task_document_has_jujus_keys_in_gos_order():
    doc = report().document(utc=True)
    assert list(doc) == ['id', 'log', 'results', 'status', 'timing', 'unit']
    assert doc['results'] == {'a': {'y': 2, 'z': 1}, 'b': 1, 'return-code': 0}
    assert list(doc['results']['a']) == ['y', 'z']
    assert doc['log'] == ['2026-12-07 14:13:48 +0000 UTC hello']
    assert doc['timing'] == {
        'completed': '2026-12-07 14:13:48 +0000 UTC',
        'enqueued': '2026-12-07 14:13:47 +0000 UTC',
        'started': '2026-12-07 14:13:47 +0000 UTC',
    }


def test_streams_are_in_the_results_only_when_not_empty():
    assert 'stdout' not in report(stdout='', stderr='x\n').results
    assert report(stdout='', stderr='x\n').results['stderr'] == 'x\n'
    doc = report(kind='machine', receiver='0', stdout='out\n').document()
    assert doc['machine'] == '0' and doc['results']['stdout'] == 'out\n'


def test_the_command_fails_only_for_a_non_zero_return_code(capsys: pytest.CaptureFixture[str]):
    failed = report(status='failed', message='refused', results={})
    assert _tasks.print_tasks(failed, 'json', plain='run') == 0
    out = capsys.readouterr()
    assert json.loads(out.out)['db/0']['message'] == 'refused' and out.err == ''
    crashed = report(status='failed', message='exit status 1', returncode=1)
    assert _tasks.print_tasks(crashed, 'json', plain='run') == 1
    assert (
        'ERROR the following task failed:\n id "2" with return code 1' in capsys.readouterr().err
    )


def test_plain_run_and_exec_output(capsys: pytest.CaptureFixture[str]):
    failed = report(status='failed', message='no', results={}, stdout='o', stderr='e\n')
    _tasks.print_tasks(failed, 'plain', plain='run')
    assert capsys.readouterr().out == 'Action id 2 failed: no\n\no\ne\n'
    done = report(results={'k': 'v'})
    _tasks.print_tasks(done, 'plain', plain='run')
    assert capsys.readouterr().out == 'k: v\n\n'
    _tasks.print_tasks(report(stdout='a', stderr='b\n', returncode=2), 'plain', plain='exec')
    assert capsys.readouterr().out == 'a\nb\n'


def test_a_task_slower_than_the_wait_times_out(capsys: pytest.CaptureFixture[str]):
    assert not _tasks.timed_out(report(), 1.0)
    assert not _tasks.timed_out(report(), -1.0)  # a negative wait waits for ever
    assert _tasks.timed_out(report(), 0.5)
    assert capsys.readouterr().err == 'ERROR timed out waiting for results from: unit db/0\n'
    assert _tasks.timed_out(report(kind='machine', receiver='3'), 0.5)
    assert capsys.readouterr().err.endswith('from: machine 3\n')


def test_an_unscheduled_task_is_reported_and_succeeds(capsys: pytest.CaptureFixture[str]):
    assert _tasks.not_scheduled(TaskNotScheduledError('"unit-db-9" not found', operation='7')) == 0
    out = capsys.readouterr()
    assert (out.out, out.err) == (
        '',
        'Operation 7 failed to schedule any tasks:\n"unit-db-9" not found\n',
    )


def test_local_times_carry_the_zone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('TZ', 'Europe/Paris')
    time.tzset()
    try:
        assert _tasks.go_time(WHEN) == '2026-12-07 15:13:47 +0100 CET'
    finally:
        monkeypatch.delenv('TZ')
        time.tzset()
