"""The command forms jubilant sends, as separate olm processes (simulation).

Models (``-m`` on every command, add-model, destroy-model, models, show-model, switch), user
secrets (add-secret, grant-secret, secrets, show-secret), ``exec`` on a simulated machine,
``show-unit`` and ``run --format json``. tests/integration drives the same commands through
jubilant itself.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import olmcli
import pytest
from olmcli import TEST_CHARMS, copy_state

from orchestrator.state.store import Store

# The small test charms (tests/charms), found by name.
olm = partial(olmcli.olm, charms=TEST_CHARMS, timeout=300)
ok = partial(olmcli.ok, charms=TEST_CHARMS, timeout=300)
refused = partial(olmcli.refused, charms=TEST_CHARMS, timeout=300)


def pool(state: Path) -> dict[str, Any]:
    listing = json.loads(ok(state, 'pool', 'list', '--format', 'json'))
    return {m['hostname']: m for m in listing['machines']}


@pytest.fixture(scope='module')
def two_models(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab pool with tracer deployed in the model 'default' and in 'second'."""
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm'))
    ok(state, 'deploy', 'tracer', '-n', '2', '--seed', '1')
    ok(state, 'add-model', '--no-switch', 'second')
    ok(state, 'deploy', '--model', 'second', 'tracer', '--seed', '1')
    return state


def test_a_new_state_dir_has_the_default_model_selected(tmp_path: Path):
    # A command that changes state makes the state directory (one that reads never does).
    ok(tmp_path, 'set-model-constraints', 'mem=1G')
    listing = json.loads(ok(tmp_path, 'models', '--format', 'json'))
    assert listing['current-model'] == 'default'
    (only,) = listing['models']
    assert (only['short-name'], only['name'], only['controller-name']) == (
        'default', 'admin/default', 'olm',
    )  # fmt: skip
    assert 'simulated machines' in ok(tmp_path, 'models')


def test_models_share_the_pool_and_keep_everything_else_apart(two_models: Path):
    default = json.loads(ok(two_models, 'status', '--format', 'json'))
    second = json.loads(ok(two_models, 'status', '-m', 'olm:admin/second', '--format', 'json'))
    assert default['model']['name'] == 'default' and second['model']['name'] == 'second'
    assert set(default['applications']['tracer']['units']) == {'tracer/0', 'tracer/1'}
    assert set(second['applications']['tracer']['units']) == {'tracer/0'}
    # Machine numbers are per model, but each model's machine is its own pool machine.
    hosts = {m['hostname'] for m in default['machines'].values()}
    (second_host,) = {m['hostname'] for m in second['machines'].values()}
    assert second_host not in hosts
    assert second['machines']['0']['hostname'] == second_host
    machines = pool(two_models)
    assert {machines[h]['status'] for h in hosts | {second_host}} == {'Deployed'}


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (
            ('add-model', 'default'),
            'failed to create new model: model "default" for admin already exists',
        ),
        (
            ('add-model', 'Not_valid'),
            '"Not_valid" is not a valid name: model names may only '
            'contain lowercase letters, digits and hyphens',
        ),
        (('add-model', 'x', 'aws'), 'cloud "aws" not found'),
        (('add-model', 'x', '--controller', 'lab'), 'controller lab not found'),
        (('status', '-m', 'nope'), 'model olm:admin/nope not found'),
        (('status', '-m', 'lxd:admin/default'), 'controller lxd not found'),
        (('destroy-model', 'nope', '--no-prompt'), 'model olm:admin/nope not found'),
        (('switch', 'nope'), 'model olm:admin/nope not found'),
        (('show-secret', 'nope'), 'secret "nope" not found'),
        (('exec', '--machine', 'x', '--', 'hostname'), '"x" is not a valid machine id'),
        (('ssh', 'tracer/9', 'hostname'), 'unit "tracer/9" not found'),
        (('exec', '--unit', 'tracer/0'), 'missing command'),
    ],
)
def test_bad_requests_get_one_error_line_and_change_nothing(
    two_models: Path, args: tuple[str, ...], message: str
):
    before = ok(two_models, 'models', '--format', 'json')
    assert message in refused(two_models, *args)
    assert ok(two_models, 'models', '--format', 'json') == before


def test_with_every_model_destroyed_commands_say_how_to_go_on(tmp_path: Path):
    ok(tmp_path, 'destroy-model', 'default', '--no-prompt')
    assert 'No models to display' in ok(tmp_path, 'models')
    assert 'no selected model' in refused(tmp_path, 'status')
    assert 'no selected model' in refused(tmp_path, 'switch')
    ok(tmp_path, 'add-model', 'next')
    assert ok(tmp_path, 'switch').strip() == 'olm:admin/next'


def test_switch_selects_the_model_commands_act_on(tmp_path: Path):
    ok(tmp_path, 'add-model', 'other')  # add-model selects the new model
    assert ok(tmp_path, 'switch').strip() == 'olm:admin/other'
    assert json.loads(ok(tmp_path, 'status', '--format', 'json'))['model']['name'] == 'other'
    ok(tmp_path, 'switch', 'default')
    shown = json.loads(ok(tmp_path, 'show-model', 'other', '--format', 'json'))
    assert shown['other']['short-name'] == 'other' and shown['other']['is-current'] is False


def test_destroy_model_runs_teardown_and_returns_the_machines(two_models: Path, tmp_path: Path):
    state = copy_state(two_models, tmp_path)
    second = json.loads(ok(state, 'status', '-m', 'second', '--format', 'json'))
    (host,) = {m['hostname'] for m in second['machines'].values()}
    assert pool(state)[host]['status'] == 'Deployed'

    declined = olm(state, 'destroy-model', 'second', stdin='n\n')
    assert declined.returncode == 1 and 'aborted' in declined.stderr
    assert pool(state)[host]['status'] == 'Deployed'

    done = olm(state, 'destroy-model', 'second', '--no-prompt', '--destroy-storage', '--force')
    assert done.returncode == 0, done.stderr
    assert f'released 1 machine(s) to the pool: {host}' in done.stderr
    assert pool(state)[host]['status'] == 'Ready'
    models = json.loads(ok(state, 'models', '--format', 'json'))
    assert [m['short-name'] for m in models['models']] == ['default']
    assert 'model olm:admin/second not found' in refused(state, 'status', '-m', 'second')
    # The other model is untouched.
    default = json.loads(ok(state, 'status', '--format', 'json'))
    assert set(default['applications']['tracer']['units']) == {'tracer/0', 'tracer/1'}


def test_a_user_secret_is_read_only_by_the_applications_it_was_granted_to(two_models: Path):
    uri = ok(two_models, 'add-secret', 'db-password', 'password=hunter2', '--info', 'for the db')
    assert uri.startswith('secret:') and len(uri.strip()) == len('secret:') + 20
    uri = uri.strip()
    listing = json.loads(ok(two_models, 'secrets', '--format', 'json'))
    entry = listing[uri.removeprefix('secret:')]
    assert (entry['name'], entry['owner'], entry['revision']) == ('db-password', '<model>', 1)
    assert 'hunter2' not in ok(two_models, 'secrets')  # never shown without --reveal
    assert 'hunter2' not in ok(two_models, 'show-secret', 'db-password')

    before = olm(two_models, 'run', 'tracer/0', 'read-secret', f'id={uri}', '--format', 'json')
    assert json.loads(before.stdout)['tracer/0']['status'] == 'failed'  # event.fail()

    ok(two_models, 'grant-secret', 'db-password', 'tracer')
    done = json.loads(ok(two_models, 'run', 'tracer/0', 'read-secret', f'id={uri}',
                         '--format', 'json'))  # fmt: skip
    assert done['tracer/0']['results']['content'] == {'password': 'hunter2'}

    # A new revision: the unit that read it runs secret-changed (tracer refreshes there).
    ok(two_models, 'update-secret', 'db-password', 'password=correct-horse')
    log = ok(two_models, 'debug-log', '--limit', '5', '--include', 'tracer/0')
    assert 'secret-changed' in log, log
    again = json.loads(ok(two_models, 'run', 'tracer/0', 'read-secret', f'id={uri}',
                          '--format', 'json'))  # fmt: skip
    assert again['tracer/0']['results']['content'] == {'password': 'correct-horse'}
    ok(two_models, 'update-secret', 'db-password', 'password=hunter2')
    ok(two_models, 'remove-secret', 'db-password', '--revision', '1')
    gone = olm(two_models, 'show-secret', uri, '--reveal', '--revision', '1')
    assert gone.returncode == 1 and 'secret revision 1 not found' in gone.stderr, gone.stderr

    shown = json.loads(ok(two_models, 'show-secret', uri, '--reveal', '--format', 'json'))
    assert shown[uri.removeprefix('secret:')]['content'] == {'Data': {'password': 'hunter2'}}
    (access,) = shown[uri.removeprefix('secret:')]['access']
    assert access['target'] == 'application-tracer'
    # A secret belongs to its model: the other model knows nothing of it.
    other = json.loads(ok(two_models, 'secrets', '-m', 'second', '--format', 'json'))
    assert uri.removeprefix('secret:') not in other
    assert {e['owner'] for e in other.values()} == {'tracer'}  # only its own charm's secret


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (('add-secret', 'db-password', 'password=x'), 'secret with name "db-password" already'),
        (('add-secret', 'fresh', 'Bad_Key=x'), 'key "Bad_Key" not valid'),
        (('add-secret', 'fresh'), 'missing secret value'),
        (('grant-secret', 'db-password', 'nope'), 'application "nope" not found'),
        (('update-secret', 'db-password'), 'nothing to update'),
        (('update-secret', 'db-password', 'Bad=x'), 'key "Bad" not valid'),
        (('remove-secret', 'db-password', '--revision', '99'), 'secret revision 99 not found'),
    ],
)
def test_bad_secret_requests_are_refused(two_models: Path, args: tuple[str, ...], message: str):
    olm(two_models, 'add-secret', 'db-password', 'password=hunter2')  # may exist already
    before = ok(two_models, 'secrets', '--format', 'json')
    assert message in refused(two_models, *args)
    assert ok(two_models, 'secrets', '--format', 'json') == before


def test_exec_runs_on_the_units_simulated_machine(two_models: Path):
    status = json.loads(ok(two_models, 'status', '--format', 'json'))
    unit = status['applications']['tracer']['units']['tracer/1']
    host = status['machines'][unit['machine']]['hostname']
    assert ok(two_models, 'exec', '--unit', 'tracer/1', '--', 'hostname').strip() == host
    task = json.loads(ok(two_models, 'exec', '--format', 'json', '--unit', 'tracer/leader',
                         '--', 'hostname', '-I'))  # fmt: skip
    (result,) = task.values()
    assert result['status'] == 'completed'
    assert result['results']['return-code'] == 0
    # hostname -I: every address of every interface (net-tools' hostname), boot address first
    machine = status['machines']['0']
    assert result['results']['stdout'].split() == machine['ip-addresses']
    assert machine['ip-addresses'][0] == machine['dns-name']

    failed = olm(two_models, 'exec', '--format', 'json', '--machine', unit['machine'], '--',
                 'cat', '/etc/no-such-file')  # fmt: skip
    assert failed.returncode == 1
    assert 'ERROR the following task failed' in failed.stderr
    # The task itself completed: a command's non-zero exit is its return code, not an error
    # of the task (juju/utils exec.go Wait).
    (result,) = json.loads(failed.stdout).values()
    assert result['status'] == 'completed' and result['results']['return-code'] == 1
    assert result['machine'] == unit['machine']
    # A unit that does not exist: Juju queues no task, says so, and succeeds.
    missing = olm(two_models, 'exec', '--format', 'json', '--unit', 'tracer/9', '--', 'hostname')
    assert (missing.returncode, missing.stdout) == (0, '')
    assert missing.stderr.endswith('failed to schedule any tasks:\n"unit-tracer-9" not found\n')
    assert result['results']['stderr'] == 'cat: /etc/no-such-file: No such file or directory\n'
    assert 'exec' in ok(two_models, 'debug-log', '--limit', '3')
    # juju ssh: the command's own output and exit status (jubilant.Juju.ssh returns stdout).
    assert ok(two_models, 'ssh', 'ubuntu@tracer/1', 'hostname').strip() == host
    assert ok(two_models, 'ssh', unit['machine'], 'echo', 'hi').strip() == 'hi'
    missing = olm(two_models, 'ssh', 'tracer/1', 'cat', '/etc/no-such-file')
    assert missing.returncode == 1 and 'No such file' in missing.stderr


def test_show_unit_has_jujus_shape(two_models: Path):
    shown = json.loads(ok(two_models, 'show-unit', 'tracer/0', '--format', 'json'))
    info = shown['tracer/0']
    assert info['leader'] is True and info['charm'].startswith('local:tracer-')
    assert info['machine'] == '0'
    peers = [r for r in info['relation-info'] if r['endpoint'] == r['related-endpoint']]
    (peer,) = peers
    assert peer['local-unit']['in-scope'] is True
    assert set(peer['related-units']) == {'tracer/1'}


def test_run_takes_params_from_a_file(two_models: Path, tmp_path: Path):
    params = tmp_path / 'params.yaml'
    params.write_text('message: from a file\n')
    done = json.loads(ok(two_models, 'run', 'tracer/1', 'echo', '--params', str(params),
                         '--format', 'json'))  # fmt: skip
    assert done['tracer/1']['results']['echo'] == 'from a file'


def test_deploy_a_charm_with_storage_trust_and_base(two_models: Path, tmp_path: Path):
    state = copy_state(two_models, tmp_path)
    # jubilant passes each constraint as its own --constraints.
    ok(state, 'deploy', 'disks', '--storage', 'data=ssd,1,200G', '--trust', '--base',
       'ubuntu@24.04', '--constraints', 'cores=4', '--constraints', 'mem=8G')  # fmt: skip
    status = json.loads(ok(state, 'status', '--format', 'json'))
    app = status['applications']['disks']
    assert app['base'] == {'name': 'ubuntu', 'channel': '24.04'}
    machine = status['machines'][app['units']['disks/0']['machine']]
    assert 'cores=4' in machine['constraints'] and 'mem=8192M' in machine['constraints']
    store = Store(state)
    try:
        with store.snapshot() as txn:
            unit = txn.records('unit')['disks/0']
            record = txn.records('application')['disks']
    finally:
        store.close()
    assert record['trust'] is True and record['storage'] == {'data': 'ssd,1,200G'}
    # The MAAS volume is a disk; the charm's required filesystem store is made on the machine.
    assert set(unit['storage']) == {'data/0', 'scratch/0'}
    assert unit['storage']['data/0'].startswith('/dev/')
    assert unit['storage']['scratch/0'] == '/var/lib/juju/storage/scratch/0'
    assert 'has no store called "nope"' in refused(state, 'deploy', 'disks', 'd2', '--storage',
                                                   'nope=ssd,1,1G')  # fmt: skip
    assert 'invalid base "focal"' in refused(state, 'deploy', 'disks', 'd3', '--base', 'focal')


def test_remove_application_takes_jujus_flags(two_models: Path, tmp_path: Path):
    state = copy_state(two_models, tmp_path)
    ok(state, 'remove-application', '-m', 'second', '--no-prompt', '--destroy-storage', 'tracer')
    assert (
        json.loads(ok(state, 'status', '-m', 'second', '--format', 'json'))['applications'] == {}
    )


def test_refresh_to_a_path_upgrades_every_unit_and_keeps_the_charms_name(
    two_models: Path, tmp_path: Path
):
    state = copy_state(two_models, tmp_path)
    before = json.loads(ok(state, 'status', '--format', 'json'))['applications']['tracer']
    ok(state, 'refresh', 'tracer', '--path', str(TEST_CHARMS / 'tracer'))
    after = json.loads(ok(state, 'status', '--format', 'json'))['applications']['tracer']
    assert after['charm-rev'] == before['charm-rev'] + 1
    log = ok(state, 'debug-log', '--limit', '40')
    assert {f'tracer/{n} upgrade-charm: ok' for n in (0, 1)} <= {
        line.split(' ', 1)[1] for line in log.splitlines()
    }
    message = refused(state, 'refresh', 'tracer', '--path', str(TEST_CHARMS / 'echo'))
    assert 'cannot refresh "tracer" to charm "echo"' in message


def test_trust_is_application_config_so_units_see_config_changed(two_models: Path, tmp_path: Path):
    state = copy_state(two_models, tmp_path)
    ok(state, 'trust', 'tracer')
    log = ok(state, 'debug-log', '--limit', '2')
    assert {line.split(' ', 1)[1] for line in log.splitlines()} == {
        'tracer/0 config-changed: ok', 'tracer/1 config-changed: ok',
    }  # fmt: skip
    store = Store(state)
    try:
        with store.snapshot() as txn:
            assert txn.records('application')['tracer']['trust'] is True
    finally:
        store.close()
    assert _trust_of(state, 'tracer') == {
        'default': False, 'description': 'Does this application have access to trusted '
        'credentials', 'source': 'user', 'type': 'bool', 'value': True,
    }  # fmt: skip
    ok(state, 'trust', 'tracer', '--remove')
    assert _trust_of(state, 'tracer')['value'] is False
    # Juju checks --scope on Kubernetes models only; a machine model ignores it (jubilant's
    # own suite trusts with scope='cluster' on machine models).
    ok(state, 'trust', 'tracer', '--scope', 'cluster')
    assert _trust_of(state, 'tracer')['value'] is True


def _trust_of(state: Path, app: str) -> dict[str, Any]:
    """``juju config APP --format json``'s application-config trust entry."""
    return json.loads(ok(state, 'config', app, '--format', 'json'))['application-config']['trust']
