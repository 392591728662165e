"""olm deploy, status, integrate, run, resolve and wait as separate processes (simulation)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
import yaml
from olmcli import BUNDLES, TEST_CHARMS, copy_state, ok, without_times
from olmcli import olm as run_olm

BUNDLE = BUNDLES / 'tracer-mirror.yaml'
olm = partial(run_olm, charms=TEST_CHARMS, timeout=300)
"""olm with the small test charms (tests/charms) found by name."""


@pytest.fixture(scope='module')
def model(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm'))
    out = ok(state, 'deploy', str(BUNDLE), '--seed', '4', charms=TEST_CHARMS)
    assert 'settled (seed 4)' in out
    return state


def test_status_json_has_juju_shape(model: Path):
    status = json.loads(olm(model, 'status', '--format', 'json').stdout)
    assert status['model']['type'] == 'iaas'
    tracer = status['applications']['tracer']
    assert tracer['application-status']['current'] == 'active'
    assert set(tracer['units']) == {'tracer/0', 'tracer/1', 'tracer/2'}
    assert tracer['units']['tracer/0']['leader'] is True
    assert tracer['units']['tracer/0']['juju-status']['current'] == 'idle'
    assert tracer['relations']['db'][0]['related-application'] == 'mirror'
    machine = tracer['units']['tracer/0']['machine']
    assert status['machines'][machine]['machine-status']['current'] == 'running'


def test_status_tabular_says_it_is_simulated(model: Path):
    out = olm(model, 'status', '--relations').stdout
    assert 'simulated machines' in out
    assert 'tracer/0*' in out
    assert 'tracer:db' in out and 'mirror:db' in out


def test_action_results_and_failures(model: Path):
    done = olm(model, 'run', 'tracer/1', 'echo', 'message=hello', '--format', 'json')
    assert done.returncode == 0, done.stderr
    # juju run --format json: the task, keyed by unit (what jubilant reads).
    task = json.loads(done.stdout)['tracer/1']
    assert task['results'] == {'echo': 'hello', 'unit': 'tracer/1', 'return-code': 0}
    assert (task['status'], task['unit']) == ('completed', 'tracer/1')
    # Each log line: the time as Go prints it, then the message (formatActionResult).
    (line,) = task['log']
    assert line.endswith(' echoing') and line.split()[-2] == 'UTC'
    plain = olm(model, 'run', 'tracer/1', 'echo', 'message=hi')
    assert yaml.safe_load(plain.stdout) == {'echo': 'hi', 'unit': 'tracer/1'}
    # event.fail(): the action failed, the hook did not: return code 0 and the command
    # succeeds (Juju only fails the command for a non-zero return code).
    refused = olm(model, 'run', 'tracer/1', 'refuse', '--format', 'json')
    assert refused.returncode == 0, refused.stderr
    failed = json.loads(refused.stdout)['tracer/1']
    assert (failed['status'], failed['message']) == ('failed', 'refused, as asked')
    assert failed['results'] == {'return-code': 0}
    shown = olm(model, 'run', 'tracer/1', 'refuse')
    assert shown.stdout.startswith('Action id ') and 'failed: refused, as asked' in shown.stdout
    # Parameters the schema refuses: Juju queues no task; the command says so and succeeds
    # with nothing on standard output (jubilant reads that as a ValueError).
    bad = olm(model, 'run', 'tracer/1', 'echo')
    assert (bad.returncode, bad.stdout) == (0, '')
    assert 'failed to schedule any tasks' in bad.stderr and 'Traceback' not in bad.stderr


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (('integrate', 'tracer:nope', 'mirror'), 'tracer:nope'),
        (('deploy', str(BUNDLE), '--config', 'greeting=x'),
         'options provided but not supported when deploying a bundle: --config'),
        (('config', 'tracer', 'workers=many'), 'workers'),
        (('resolve', 'tracer/0'), 'unit "tracer/0" is not in an error state'),
        (('add-unit', 'nope'), 'application "nope" not found'),
        (('remove-unit', 'tracer/9'), 'tracer/9'),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    model: Path, args: tuple[str, ...], message: str
):
    before = olm(model, 'status', '--format', 'json').stdout
    done = olm(model, *args)
    assert done.returncode != 0
    assert message in done.stderr
    assert done.stderr.count('\n') == 1 and 'Traceback' not in done.stderr
    after = olm(model, 'status', '--format', 'json').stdout
    assert without_times(json.loads(after)) == without_times(json.loads(before))


def test_error_wait_and_resolve(lab: Path):
    state = lab
    done = olm(state, 'deploy', 'tracer', '--config', 'fail-on=install')
    assert done.returncode == 0, done.stderr
    assert 'units in error: tracer/0' in done.stdout
    waited = olm(state, 'wait', '--quiet', '--timeout', '1')
    assert waited.returncode == 1
    assert 'tracer/0: hook failed: "install"' in waited.stderr
    status = json.loads(olm(state, 'status', '--format', 'json').stdout)
    unit = status['applications']['tracer']['units']['tracer/0']
    assert unit['workload-status'] == {**unit['workload-status'], 'current': 'error',
                                       'message': 'hook failed: "install"'}  # fmt: skip
    assert olm(state, 'config', 'tracer', 'fail-on=').returncode == 0
    assert olm(state, 'resolve', 'tracer/0').returncode == 0
    assert olm(state, 'wait', '--quiet').returncode == 0
    log = olm(state, 'debug-log').stdout
    assert 'tracer/0 install: failed' in log
    assert 'tracer/0 install: ok' in log
