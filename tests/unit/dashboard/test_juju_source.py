"""``olm dashboard --controller``'s source: a real controller read through the ``juju`` client.

The client is tests/data/juju/stub_juju, put first on the PATH as ``juju`` and run as a real
subprocess: it prints published ``juju status``/``juju secrets`` outputs and Juju's own error
texts, and records every command line it is given.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from orchestrator.dashboard._juju_source import CAPACITY_NOTE, POOL_NOTE, JujuSource, hook_runs
from orchestrator.dashboard._snapshot import HookRun, Relation
from orchestrator.dashboard._source import DashboardError

DATA = Path(__file__).resolve().parents[2] / 'data' / 'juju'


@pytest.fixture
def juju(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stub first on the PATH as ``juju``; the file its command lines are logged to."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'juju').symlink_to(DATA / 'stub_juju')
    monkeypatch.setenv('PATH', f'{bin_dir}:/usr/bin:/bin')
    log = tmp_path / 'juju.log'
    monkeypatch.setenv('STUB_JUJU_LOG', str(log))
    return log


def commands(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_current_model_is_read_when_no_model_is_given(juju: Path) -> None:
    source = JujuSource('lab', None)

    snapshot = source.snapshot()

    assert source.describe() == 'juju controller lab, model k8s'
    assert snapshot.source == 'juju: lab:k8s'
    assert (snapshot.model, snapshot.simulated) == ('k8s2', False)
    assert len(snapshot.applications) == 6
    zones = {m.machine: m.zone for m in snapshot.metal}
    assert zones == {'0': 'us-west-2d', '1': 'us-west-2c'}
    assert snapshot.capacity == ()
    assert POOL_NOTE in snapshot.notes and CAPACITY_NOTE in snapshot.notes
    assert commands(juju)[:2] == [
        ['models', '--controller', 'lab', '--format', 'json'],
        ['status', '-m', 'lab:k8s', '--format', 'json'],
    ]


def test_a_model_shows_relations_subordinates_units_and_secrets(juju: Path) -> None:
    snapshot = JujuSource('lab', 'subs').snapshot()

    apps = {app.name: app for app in snapshot.applications}
    assert apps['nrpe'].subordinate_to == ('ubun2', 'ubuntu')
    assert (
        Relation(('nrpe', 'ubuntu'), ('general-info', 'juju-info'), 'juju-info', 'container')
        in snapshot.relations
    )
    units = {unit.name: unit for unit in snapshot.units}
    assert (units['ubuntu/1'].machine, units['nrpe/1'].principal) == ('1', 'ubuntu/1')
    assert {m.machine: m.units for m in snapshot.metal} == {'1': ('ubuntu/1',), '2': ('ubun2/0',)}
    assert {s.label for s in snapshot.secrets} == {'admin-account', 'admin-password'}
    assert all(s.uri.startswith('secret:') for s in snapshot.secrets)


def test_a_saas_entry_of_a_consuming_model_is_shown(juju: Path) -> None:
    snapshot = JujuSource('lab', 'lab:admin/consumer').snapshot()

    saas = [app for app in snapshot.applications if app.saas]
    assert [(app.name, app.url) for app in saas] == [
        ('mysql-cmi', 'jaas-staging:huwshimi@external/cmi-provider.mysql-cmi')
    ]
    assert [r.interface for r in snapshot.relations] == ['mysql']


def test_hooks_come_from_the_status_history_with_their_failures(juju: Path) -> None:
    snapshot = JujuSource('lab', 'subs').snapshot()

    by_unit: dict[str, list[HookRun]] = {}
    for run in snapshot.hooks:
        by_unit.setdefault(run.unit, []).append(run)
    assert [run.hook for run in by_unit['ubuntu/1']] == [
        'install', 'leader-elected', 'config-changed', 'start'
    ]  # fmt: skip
    assert not any(run.failed for run in by_unit['ubuntu/1'])
    nrpe2 = [(run.hook, run.outcome, run.detail) for run in by_unit['nrpe/2']]
    assert nrpe2 == [
        ('install', 'error', 'hook failed: "install"'),
        ('install', 'ok', ''),
        ('general-info-relation-created', 'ok', ''),
        ('config-changed', 'ok', ''),
        ('start', 'ok', ''),
        ('general-info-relation-joined', 'ok', ''),
        ('general-info-relation-changed', 'error', 'hook failed: "general-info-relation-changed"'),
        ('general-info-relation-changed', 'ok', ''),
        ('update-status', 'error', 'hook failed: "update-status"'),
    ]
    assert 'ubun2/0' not in by_unit  # Juju answers "no status history available": no hooks
    assert [run.seq for run in snapshot.hooks] == list(range(1, len(snapshot.hooks) + 1))
    times = [run.time for run in snapshot.hooks]
    assert times == sorted(times)
    assert not any(note.startswith('hooks of') for note in snapshot.notes)


def test_secrets_are_never_revealed_and_nothing_is_changed(juju: Path) -> None:
    source = JujuSource('lab', 'subs')
    for _ in range(2):
        source.snapshot()

    argvs = commands(juju)
    assert argvs
    assert not any('--reveal' in argv for argv in argvs)
    assert {argv[0] for argv in argvs} == {'status', 'secrets', 'show-status-log'}


def test_status_history_is_read_for_few_units_and_only_when_their_agent_moved(
    juju: Path,
) -> None:
    source = JujuSource('lab', 'subs', history_calls=2)

    def history_reads() -> list[str]:
        return [argv[3] for argv in commands(juju) if argv[0] == 'show-status-log']

    first = source.snapshot()
    assert history_reads() == ['nrpe/1', 'nrpe/2']
    assert any('hooks of 2 more unit(s)' in note for note in first.notes)
    assert {run.unit for run in first.hooks} == {'nrpe/1', 'nrpe/2'}

    second = source.snapshot()
    assert history_reads() == ['nrpe/1', 'nrpe/2', 'ubun2/0', 'ubuntu/1']
    assert {run.unit for run in second.hooks} == {'nrpe/1', 'nrpe/2', 'ubuntu/1'}

    third = source.snapshot()  # no agent status changed: no history read
    assert len(history_reads()) == 4
    assert third.hooks == second.hooks
    reads = [argv for argv in commands(juju) if argv[0] == 'show-status-log']
    assert all(argv[4:8] == ['--type', 'juju-unit', '-n', '20'] for argv in reads)


def test_a_run_still_going_is_replaced_by_its_outcome() -> None:
    """The first read sees a hook starting; the next (the unit's agent moved) sees it fail."""
    entries = json.loads((DATA / 'show-status-log-nrpe-2.json').read_text())
    status = json.loads((DATA / 'status-subordinates-3.6.json').read_text())
    answers = {'history': entries[:1]}

    def run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        command = argv[1]
        if command == 'status':
            out = json.dumps(status)
        elif command == 'secrets':
            out = '{}'
        elif argv[4] == 'nrpe/2':
            out = json.dumps(answers['history'])
        else:
            return subprocess.CompletedProcess(argv, 1, '', 'ERROR no status history available\n')
        return subprocess.CompletedProcess(argv, 0, out, '')

    source = JujuSource('lab', 'subs', run=run)
    first = source.snapshot()
    assert [(r.unit, r.hook, r.outcome) for r in first.hooks] == [('nrpe/2', 'install', 'ok')]

    answers['history'] = entries[:2]
    agent = status['applications']['ubun2']['units']['ubun2/0']['subordinates']['nrpe/2']
    agent['juju-status']['since'] = '09 Jun 2025 11:22:50+12:00'
    second = source.snapshot()
    assert [(r.hook, r.outcome, r.detail) for r in second.hooks] == [
        ('install', 'error', 'hook failed: "install"')
    ]


def test_hook_runs_ignore_workload_entries_and_actions() -> None:
    entries = [
        {'status': 'executing', 'message': 'running install hook', 'since': '2025-01-01T00:00:01Z',
         'type': 'juju-unit'},
        {'status': 'maintenance', 'message': 'installing', 'since': '2025-01-01T00:00:02Z',
         'type': 'workload'},
        {'status': 'executing', 'message': 'running action backup', 'since':
         '2025-01-01T00:00:03Z', 'type': 'juju-unit'},
        {'status': 'error', 'message': 'hook failed: "install"', 'since': '2025-01-01T00:00:04Z',
         'type': 'juju-unit'},
    ]  # fmt: skip

    runs = hook_runs('db/0', entries)

    assert [(r.hook, r.outcome) for r in runs] == [('install', 'ok'), ('install', 'error')]
    assert runs[0].time == 1735689601.0


def test_the_interval_paces_the_re_reads(juju: Path) -> None:
    now = [100.0]
    source = JujuSource('lab', 'subs', interval=2.0, clock=lambda: now[0])

    assert source.changed()
    source.snapshot()
    assert not source.changed()
    now[0] = 101.5
    assert not source.changed()
    now[0] = 102.0
    assert source.changed()


@pytest.mark.parametrize(
    ('controller', 'model', 'message'),
    [
        (
            'lab',
            'nope',
            'juju status -m lab:nope --format json failed (exit 1): '
            'ERROR model lab:admin/nope not found',
        ),
        (
            'other',
            None,
            'juju models --controller other --format json failed (exit 1): '
            'ERROR controller other not found',
        ),
        (
            'other',
            'k8s',
            'juju status -m other:k8s --format json failed (exit 1): '
            'ERROR controller other not found',
        ),
        (
            'lab',
            'other:k8s',
            '-m other:k8s is a model of controller "other", not of --controller lab',
        ),
    ],
)
def test_an_unknown_controller_or_model_is_one_clear_error(
    juju: Path, controller: str, model: str | None, message: str
) -> None:
    with pytest.raises(DashboardError) as raised:
        JujuSource(controller, model).snapshot()

    assert str(raised.value) == message


def test_no_juju_client_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('PATH', str(tmp_path))

    with pytest.raises(DashboardError) as raised:
        JujuSource('lab', 'k8s').snapshot()

    assert str(raised.value) == 'juju: not found; install the Juju client'


def test_an_answer_that_is_not_json_is_one_clear_error(
    juju: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('STUB_JUJU_GARBLE', 'status')

    with pytest.raises(DashboardError) as raised:
        JujuSource('lab', 'k8s').snapshot()

    assert str(raised.value).startswith(
        'juju status -m lab:k8s --format json did not answer JSON ('
    )


def test_secrets_failing_only_adds_a_note(juju: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('STUB_JUJU_FAIL', 'secrets')

    snapshot = JujuSource('lab', 'subs').snapshot()

    assert snapshot.secrets == ()
    assert len(snapshot.applications) == 3
    assert (
        'secrets not shown: juju secrets -m lab:subs --format json failed (exit 1): '
        'ERROR cannot connect to API: dial tcp 10.0.0.2:17070: connect: connection refused'
    ) in snapshot.notes


def test_a_failed_reading_is_not_retried_before_the_interval(
    juju: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    source = JujuSource('lab', 'subs', interval=2.0, clock=lambda: now[0])
    monkeypatch.setenv('STUB_JUJU_FAIL', 'status')

    with pytest.raises(DashboardError, match='ERROR cannot connect to API'):
        source.snapshot()

    assert not source.changed()
    now[0] = 102.0
    assert source.changed()
