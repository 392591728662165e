"""jubilant's API, method by method, on olm: what a charm author's integration tests call.

The stack suite (test_metal_k8s.py) runs on both targets; this one checks that each jubilant
method olm claims to support works on olm with the small test charms (tests/charms), which are
not packed for a real controller. It runs on olm only.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import jubilant
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHARMS = ROOT / 'tests' / 'charms'


def test_deploy_integrate_and_wait(juju: jubilant.Juju):
    juju.deploy(CHARMS / 'tracer', num_units=2, config={'greeting': 'hi', 'workers': 3},
                constraints={'cores': 2, 'mem': '4G'})  # fmt: skip
    juju.deploy(CHARMS / 'mirror')
    juju.integrate('tracer:db', 'mirror:db')
    status = juju.wait(lambda s: jubilant.all_active(s, 'tracer'), error=jubilant.any_error)
    assert set(status.apps['tracer'].units) == {'tracer/0', 'tracer/1'}
    assert status.apps['tracer'].relations['db'][0].related_app == 'mirror'
    machine = status.apps['tracer'].units['tracer/0'].machine
    assert 'cores=2' in status.machines[machine].constraints


def test_config_get_set_and_reset(juju: jubilant.Juju):
    assert juju.config('tracer')['greeting'] == 'hi'
    assert juju.config('tracer')['workers'] == 3
    juju.config('tracer', {'greeting': 'hello there'})
    assert juju.config('tracer')['greeting'] == 'hello there'
    juju.config('tracer', reset='greeting')
    assert juju.config('tracer')['greeting'] == 'hello'


def test_run_an_action_and_a_failing_one(juju: jubilant.Juju):
    task = juju.run('tracer/leader', 'echo', {'message': 'ping'})
    assert task.success and task.results == {'echo': 'ping', 'unit': 'tracer/0'}
    (line,) = task.log  # Juju's: the time, then the message
    assert line.endswith(' echoing')
    # event.fail(): failed, with the message, and return code 0 (jubilant's test_run_error).
    with pytest.raises(jubilant.TaskError) as failed:
        juju.run('tracer/1', 'refuse')
    assert (failed.value.task.status, failed.value.task.message) == ('failed', 'refused, as asked')
    assert failed.value.task.return_code == 0


def test_run_errors_as_jubilant_reads_them_from_juju(juju: jubilant.Juju):
    # An uncaught exception: the process's return code and ops' words on stderr
    # (jubilant's test_run_exception).
    with pytest.raises(jubilant.TaskError) as raised:
        juju.run('tracer/0', 'explode', {'message': 'boom'})
    task = raised.value.task
    assert (task.status, task.return_code, task.message) == ('failed', 1, 'exit status 1')
    assert task.stderr.startswith('Uncaught RuntimeError in charm code: boom\n')
    assert task.stdout == 'about to explode\n'
    # No such action, no such unit: Juju queues no task (test_run_action_not_defined,
    # test_run_unit_not_found).
    with pytest.raises(ValueError, match='not defined on unit "tracer/0"'):
        juju.run('tracer/0', 'action-not-defined')
    with pytest.raises(ValueError, match='"unit-tracer-42" not found'):
        juju.run('tracer/42', 'echo', {'message': 'x'})
    with pytest.raises(TimeoutError):
        juju.run('tracer/0', 'echo', {'message': 'x'}, wait=0.0001)


def test_status_reports_the_juju_olm_models(juju: jubilant.Juju):
    status = juju.status()
    # The Juju release olm models, not olm's own version: a suite checking Juju 3 sees 3.
    assert status.model.version.split('.')[0] == '3'
    assert status.model.model_status.current == 'available' and status.model.model_status.since
    # Local charms count from revision 0 (mirror was deployed once, never refreshed).
    assert (status.apps['mirror'].charm, status.apps['mirror'].charm_rev) == ('local:mirror-0', 0)
    raw = json.loads(juju.cli('status', '--format', 'json'))
    assert raw['model']['sla'] == 'unsupported'
    assert set(raw['applications']['tracer']['endpoint-bindings']) == {
        '', 'backend', 'db', 'juju-info', 'peers'
    }  # fmt: skip


def test_exec_and_ssh_on_the_simulated_machine(juju: jubilant.Juju):
    status = juju.status()
    hostname = status.machines[status.apps['tracer'].units['tracer/1'].machine].hostname
    assert juju.exec('hostname', unit='tracer/1').stdout.strip() == hostname
    assert juju.ssh('tracer/1', 'hostname').strip() == hostname
    with pytest.raises(jubilant.TaskError):
        juju.exec('cat', '/etc/no-such-file', unit='tracer/1')
    # jubilant's test_exec_success, test_exec_error, test_exec_timeout, test_exec_unit_not_found.
    task = juju.exec('echo', 'bar', 'baz', unit='tracer/leader')
    assert (task.stdout, task.stderr, task.return_code) == ('bar baz\n', '', 0)
    with pytest.raises(jubilant.TaskError) as failed:
        juju.exec('sleep x', unit='tracer/1')
    assert failed.value.task.stdout == '' and 'invalid time interval' in failed.value.task.stderr
    with pytest.raises(TimeoutError):
        juju.exec('sleep 0.01', unit='tracer/1', wait=0.001)
    with pytest.raises(ValueError, match='"unit-tracer-42" not found'):
        juju.exec('echo foo', unit='tracer/42')


def test_scale_out_and_in(juju: jubilant.Juju):
    juju.add_unit('tracer')
    juju.wait(lambda s: len(s.apps['tracer'].units) == 3 and jubilant.all_active(s, 'tracer'))
    juju.remove_unit('tracer/2')
    status = juju.wait(lambda s: set(s.apps['tracer'].units) == {'tracer/0', 'tracer/1'})
    assert jubilant.all_active(status, 'tracer')


def test_user_secrets_from_add_to_remove(juju: jubilant.Juju):
    uri = juju.add_secret('api-key', {'key': 'first'}, info='for tracer')
    juju.grant_secret('api-key', 'tracer')
    # str(): jubilant's YAML dumper cannot represent its own SecretURI type in action params.
    read = juju.run('tracer/0', 'read-secret', {'id': str(uri)})
    assert read.results['content'] == {'key': 'first'}
    juju.update_secret(uri, {'key': 'second'})
    assert juju.show_secret(uri, reveal=True).content == {'key': 'second'}
    assert juju.show_secret(uri, revisions=True).revisions is not None
    juju.remove_secret(uri)
    assert uri not in {s.uri for s in juju.secrets()}


def test_show_unit_debug_log_and_model(juju: jubilant.Juju):
    info = juju.show_unit('tracer/0')
    assert info.leader and info.charm.startswith('local:tracer-')
    (db,) = [r for r in info.relation_info if r.endpoint == 'db']
    assert set(db.related_units) == {'mirror/0'}
    log = juju.debug_log(limit=5)
    assert len(log.splitlines()) == 5
    assert juju.show_model().short_name == juju.model
    juju.model_constraints({'arch': 'amd64'})
    assert juju.model_constraints() == {'arch': 'amd64'}


def test_trust_refresh_and_remove(juju: jubilant.Juju):
    juju.trust('tracer')
    before = juju.status().apps['tracer'].charm_rev
    juju.refresh('tracer', path=CHARMS / 'tracer')
    status = juju.wait(lambda s: jubilant.all_active(s, 'tracer'))
    assert status.apps['tracer'].charm_rev == before + 1
    juju.remove_relation('tracer:db', 'mirror:db')
    juju.remove_application('mirror')
    status = juju.wait(lambda s: 'mirror' not in s.apps)
    assert set(status.apps) == {'tracer'}
    listing = json.loads(juju.cli('status', '--format', 'json'))
    assert listing['model']['name'] == juju.model


def test_version_model_config_and_trusts_application_config(juju: jubilant.Juju):
    assert juju.version().major == 3
    assert juju.show_model().agent_version.startswith('3.')
    assert juju.model_config()['update-status-hook-interval'] == '5m'
    juju.model_config({'update-status-hook-interval': '10s'})
    assert juju.model_config()['update-status-hook-interval'] == '10s'
    juju.model_config(reset=['update-status-hook-interval'])
    assert juju.model_config()['update-status-hook-interval'] == '5m'
    juju.trust('tracer', remove=True, scope='cluster')
    assert juju.config('tracer', app_config=True)['trust'] is False
    juju.trust('tracer', scope='cluster')
    assert juju.config('tracer', app_config=True)['trust'] is True


def test_ssh_keys_ssh_options_and_scp(juju: jubilant.Juju, tmp_path: Path):
    key = (
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK8/uDJZ2eZST8dhI/1ZkL+isw50oyvdSTpiH/KSQzde me@host'
    )
    juju.add_ssh_key(key)
    assert 'me@host' in juju.cli('ssh-keys')
    assert juju.ssh('tracer/0', 'echo', 'UNIT', ssh_options=['-i', '/no/key']) == 'UNIT\n'
    source = tmp_path / 'mydir'
    source.mkdir()
    (source / 'a.txt').write_text('A')
    juju.scp(str(source), 'tracer/0:/tmp/mydir', scp_options=['-r', '-i', '/no/key'])
    back = tmp_path / 'back'
    juju.scp('tracer/0:/tmp/mydir', str(back), scp_options=['-r'])
    assert (back / 'a.txt').read_text() == 'A'
    juju.remove_ssh_key(key)


def test_offer_and_consume_across_models(juju: jubilant.Juju):
    assert juju.model is not None
    juju.offer('tracer', endpoint='db', name='tokens')
    other = jubilant.Juju(cli_binary=juju.cli_binary, wait_timeout=60)
    model = f'jubilant-{secrets.token_hex(4)}'
    other.add_model(model)
    try:
        other.deploy(CHARMS / 'tracer', 'reader')
        other.consume(f'{juju.model}.tokens', 'upstream')
        other.integrate('reader:backend', 'upstream')
        status = other.wait(lambda s: jubilant.all_active(s, 'reader'), error=jubilant.any_error)
        assert status.apps['reader'].relations['backend'][0].related_app == 'upstream'
        assert status.app_endpoints['upstream'].relations['db'] == ['reader']
        (related,) = juju.status().apps['tracer'].relations['db']
        assert related.related_app.startswith('remote-')
    finally:
        other.destroy_model(model, destroy_storage=True, force=True)
