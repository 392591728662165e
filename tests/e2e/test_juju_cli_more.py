"""The rest of the juju command line jubilant sends, on olm: version, model-config, resources.

Each test is one user's session of ``olm`` processes on its own copy of the lab pool.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from functools import partial
from pathlib import Path

import olmcli
import pytest
from olmcli import TEST_CHARMS, copy_state

from orchestrator.juju.version import JUJU_VERSION

ok = partial(olmcli.ok, charms=TEST_CHARMS, timeout=300)
refused = partial(olmcli.refused, charms=TEST_CHARMS, timeout=300)


@pytest.fixture(scope='module')
def deployed(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab pool with tracer deployed (two units)."""
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm'))
    ok(state, 'deploy', 'tracer', '-n', '2', '--seed', '1')
    return state


def test_version_is_the_juju_version_olm_models(lab: Path):
    plain = ok(lab, 'version').strip()
    assert plain.startswith(f'{JUJU_VERSION}-ubuntu-')
    detail = json.loads(ok(lab, 'version', '--format', 'json', '--all'))
    assert detail['version'] == plain
    assert json.loads(ok(lab, 'show-model', '--format', 'json'))['default']['agent-version'] == (
        JUJU_VERSION
    )


def test_model_config_get_set_and_reset(deployed: Path, tmp_path: Path):
    state = copy_state(deployed, tmp_path)
    listing = json.loads(ok(state, 'model-config', '--format', 'json'))
    assert listing['update-status-hook-interval'] == {'Value': '5m', 'Source': 'default'}
    assert ok(state, 'model-config', 'update-status-hook-interval').strip() == '5m'
    ok(state, 'model-config', 'update-status-hook-interval=10s', 'test-mode=true')
    listing = json.loads(ok(state, 'model-config', '--format', 'json'))
    assert listing['update-status-hook-interval'] == {'Value': '10s', 'Source': 'model'}
    assert listing['test-mode'] == {'Value': True, 'Source': 'model'}
    ok(state, 'model-config', '--reset', 'update-status-hook-interval,test-mode')
    listing = json.loads(ok(state, 'model-config', '--format', 'json'))
    assert listing['update-status-hook-interval']['Value'] == '5m'
    assert listing['test-mode'] == {'Value': False, 'Source': 'default'}


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (('update-status-hook-interval=soon',), 'invalid update status hook interval'),
        (('test-mode=maybe',), 'test-mode: expected bool, got string("maybe")'),
        (('a=1', '--reset', 'a'), 'key "a" cannot be both set and reset in the same command'),
        (('--reset', 'agent-version'), '"agent-version" cannot be reset'),
        (('no-such-key',), 'key "no-such-key" not found in "default" model.'),
        (('a', 'b'), 'can only retrieve a single value, or all values'),
    ],
)
def test_model_config_refusals_change_nothing(
    deployed: Path, tmp_path: Path, args: tuple[str, ...], message: str
):
    state = copy_state(deployed, tmp_path)
    before = ok(state, 'model-config', '--format', 'json')
    assert message in refused(state, 'model-config', *args)
    assert ok(state, 'model-config', '--format', 'json') == before


def test_the_update_status_interval_takes_effect(deployed: Path, tmp_path: Path):
    state = copy_state(deployed, tmp_path)
    ok(state, 'model-config', 'update-status-hook-interval=0s')
    ok(state, 'config', 'tracer', 'greeting=first')  # a settle: the timers start
    ok(state, 'config', 'tracer', 'greeting=second')  # the next one: they have run out
    log = ok(state, 'debug-log', '--limit', '20')
    assert 'tracer/0 update-status: ok' in log
    assert 'tracer/1 update-status: ok' in log


def _echo_with_resource(charm: Path, name: str, filename: str) -> Path:
    """The echo test charm with a file resource declared."""
    shutil.copytree(TEST_CHARMS / 'echo', charm)
    with (charm / 'charmcraft.yaml').open('a') as declared:
        declared.write(f'\nresources:\n  {name}:\n    type: file\n    filename: {filename}\n')
    return charm


def test_deploy_with_a_file_resource_puts_it_on_the_units_machine(lab: Path, tmp_path: Path):
    charm = _echo_with_resource(tmp_path / 'withres', 'blob', 'blob.txt')
    blob = tmp_path / 'upload.txt'
    blob.write_text('resource content\n')
    assert 'unrecognized resource "nope"' in refused(
        lab, 'deploy', str(charm), '--resource', f'nope={blob}'
    )
    assert 'file for resource "blob": stat /no/such: no such file or directory' in refused(
        lab, 'deploy', str(charm), '--resource', 'blob=/no/such'
    )
    assert 'revision 3 would come from Charmhub' in refused(
        lab, 'deploy', str(charm), '--resource', 'blob=3'
    )
    assert not json.loads(ok(lab, 'status', '--format', 'json'))['applications']
    ok(lab, 'deploy', str(charm), '--resource', f'blob={blob}', '--channel', 'latest/edge')
    path = ok(lab, 'exec', '--unit', 'echo/0', '--', 'resource-get', 'blob').strip()
    assert path == '/var/lib/juju/agents/unit-echo-0/resources/blob/blob.txt'
    assert ok(lab, 'exec', '--unit', 'echo/0', '--', 'cat', path) == 'resource content\n'


def test_an_empty_tar_resource_deploys(lab: Path, tmp_path: Path):
    """jubilant's own suite uploads an empty .tar (all NUL bytes) as a file resource."""
    empty = tmp_path / 'empty.tar'
    with tarfile.open(empty, 'w'):
        pass
    charm = _echo_with_resource(tmp_path / 'tarres', 'test-file', 'test-file.tar')
    ok(lab, 'deploy', str(charm), '--resource', f'test-file={empty}')
    assert (
        'echo/0'
        in json.loads(ok(lab, 'status', '--format', 'json'))['applications']['echo']['units']
    )


def test_a_charmhub_name_is_refused_clearly(lab: Path):
    message = refused(lab, 'deploy', 'snappass-test')
    assert 'would come from Charmhub, which olm cannot reach' in message
    assert not json.loads(ok(lab, 'status', '--format', 'json'))['applications']


KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK8/uDJZ2eZST8dhI/1ZkL+isw50oyvdSTpiH/KSQzde me@host'
KEY_MD5 = 'e2:c3:da:7e:74:a7:43:b8:cb:64:a6:d9:98:91:81:db'
"""``ssh-keygen -l -E md5`` of KEY."""


def test_ssh_keys_are_kept_per_model(deployed: Path, tmp_path: Path):
    state = copy_state(deployed, tmp_path)
    ok(state, 'add-ssh-key', KEY)
    assert ok(state, 'ssh-keys') == f'Keys used in model: admin/default\n{KEY_MD5} (me@host)\n'
    assert KEY in ok(state, 'ssh-keys', '--full')
    result = olmcli.olm(state, 'add-ssh-key', KEY, 'not-a-key', charms=TEST_CHARMS)
    assert result.returncode == 0  # Juju reports refused keys and exits 0
    assert f'duplicate ssh key: {KEY}' in result.stderr
    assert 'invalid ssh key: not-a-key' in result.stderr
    ok(state, 'add-model', '--no-switch', 'other')
    assert 'No keys to display.' in olmcli.olm(state, 'ssh-keys', '-m', 'other').stderr
    ok(state, 'remove-ssh-key', KEY)  # jubilant names the key by its text
    assert 'No keys to display.' in olmcli.olm(state, 'ssh-keys').stderr


def test_ssh_takes_and_ignores_openssh_options(deployed: Path):
    assert ok(deployed, 'ssh', 'tracer/0', '-i', '/no/key', '-o', 'X=y', 'echo', 'UNIT') == (
        'UNIT\n'
    )
    assert ok(deployed, 'ssh', '--container', 'c', '0', '-Ai', '/no/key', 'echo', 'M') == 'M\n'


def test_scp_copies_directories_both_ways_on_the_simulated_machine(deployed: Path, tmp_path: Path):
    state = copy_state(deployed, tmp_path)
    source = tmp_path / 'src' / 'mydir'
    (source / 'sub').mkdir(parents=True)
    (source / 'a.txt').write_text('A')
    (source / 'sub' / 'b.txt').write_text('B')
    assert 'not a regular file' in refused(state, 'scp', str(source), 'tracer/0:/tmp/mydir')
    ok(state, 'scp', '--', '-r', '-i', '/no/key', str(source), 'tracer/0:/tmp/mydir')
    assert ok(state, 'ssh', 'tracer/0', 'cat', '/tmp/mydir/sub/b.txt') == 'B'
    back = tmp_path / 'dst' / 'mydir'
    back.parent.mkdir()
    ok(state, 'scp', '--', '-r', 'tracer/0:/tmp/mydir', str(back))
    assert (back / 'a.txt').read_text() == 'A'
    assert (back / 'sub' / 'b.txt').read_text() == 'B'
    machine = json.loads(ok(state, 'status', '--format', 'json'))['applications']['tracer'][
        'units'
    ]['tracer/0']['machine']
    ok(state, 'scp', str(source / 'a.txt'), f'{machine}:notes.txt')
    assert ok(state, 'ssh', machine, 'cat', '/home/ubuntu/notes.txt') == 'A'
    assert 'scp: /home/ubuntu/nope: No such file or directory' in refused(
        state, 'scp', f'{machine}:nope', str(tmp_path / 'x')
    )


def test_an_offer_relates_two_models_data_and_secrets_included(lab: Path):
    """tracer offers db in one model; tracer in another consumes it through backend."""
    ok(lab, 'add-model', '--no-switch', 'provider')
    ok(lab, 'add-model', '--no-switch', 'consumer')
    ok(lab, 'deploy', '-m', 'provider', 'tracer', '--seed', '1')
    ok(lab, 'offer', 'provider.tracer:db', 'tokens')
    assert 'admin/provider.tokens' in ok(lab, 'find-offers')
    ok(lab, 'deploy', '-m', 'consumer', 'tracer', 'reader', '--seed', '1')
    ok(lab, 'consume', '-m', 'consumer', 'provider.tokens', 'upstream')
    ok(lab, 'integrate', '-m', 'consumer', 'reader:backend', 'upstream')
    consumer = json.loads(ok(lab, 'status', '-m', 'consumer', '--format', 'json'))
    assert consumer['application-endpoints']['upstream']['relations'] == {'db': ['reader']}
    assert (
        consumer['applications']['reader']['units']['reader/0']['workload-status']['current']
        != 'error'
    )
    (backend,) = [
        r
        for r in json.loads(
            ok(lab, 'show-unit', '-m', 'consumer', 'reader/0', '--format', 'json')
        )['reader/0']['relation-info']
        if r['endpoint'] == 'backend'
    ]
    # The offered application's unit, named after the SAAS, with what it wrote in its model.
    assert backend['related-units']['upstream/0']['data']['greeting'] == 'hello'
    provider = json.loads(ok(lab, 'status', '-m', 'provider', '--format', 'json'))
    (related,) = provider['applications']['tracer']['relations']['db']
    assert related['related-application'].startswith('remote-')
    assert 'application-endpoints' not in provider  # the stand-in is not a SAAS
    # juju status's offers section (formatted.go offerStatus), between the SAAS and controller.
    assert list(provider)[-2:] == ['offers', 'controller']
    assert provider['offers'] == {
        'tokens': {
            'application': 'tracer',
            'charm': provider['applications']['tracer']['charm'],
            'total-connected-count': 1,
            'active-connected-count': 1,
            'endpoints': {'db': {'interface': 'olm-test-db', 'role': 'provider'}},
        }
    }
    assert 'offers' not in consumer
    assert '1/1' in ok(lab, 'offers', '-m', 'provider')
    listed = json.loads(ok(lab, 'find-offers', '--format', 'json'))
    assert (
        listed['olm:admin/provider.tokens']['endpoints']
        == provider['offers']['tokens']['endpoints']
    )
    assert 'offer has 1 or more relations' in refused(lab, 'remove-offer', 'provider.tokens')
    ok(lab, 'remove-relation', '-m', 'consumer', 'reader:backend', 'upstream')
    log = ok(lab, 'debug-log', '-m', 'provider', '--limit', '2')
    assert 'db-relation-broken' in log
    ok(lab, 'remove-offer', 'provider.tokens')
    assert 'not found' in refused(lab, 'consume', '-m', 'consumer', 'provider.tokens', 'again')


def test_removing_a_consumed_offer_ends_the_offering_side(lab: Path):
    ok(lab, 'add-model', '--no-switch', 'provider')
    ok(lab, 'deploy', '-m', 'provider', 'tracer', '--seed', '1')
    ok(lab, 'offer', 'provider.tracer:db')
    ok(lab, 'deploy', 'tracer', 'reader', '--seed', '1')
    ok(lab, 'consume', 'provider.tracer', 'upstream')
    ok(lab, 'integrate', 'reader:backend', 'upstream')
    assert json.loads(ok(lab, 'status', '-m', 'provider', '--format', 'json'))['applications'][
        'tracer'
    ].get('relations')
    missing = olmcli.olm(lab, 'remove-saas', 'reader', charms=TEST_CHARMS)
    assert missing.returncode == 1  # Juju reports each failure, then exits silently
    assert 'saas application "reader" not found' in missing.stderr
    ok(lab, 'remove-saas', 'upstream')
    assert 'db-relation-broken' in ok(lab, 'debug-log', '-m', 'provider', '--limit', '1')
    assert 'upstream' not in json.loads(ok(lab, 'status', '--format', 'json')).get(
        'application-endpoints', {}
    )


def test_machine_local_storage_attaches_and_is_listed(lab: Path):
    ok(lab, 'deploy', 'disks', '--storage', 'data=loop,2,1G', '--seed', '1')
    log = ok(lab, 'debug-log', '--limit', '7')
    for storage_id in ('data/0', 'data/1', 'scratch/0'):
        assert f'storage-attached ({storage_id}): ok' in log
    mount = '/var/lib/juju/storage/scratch/0'
    assert ok(lab, 'exec', '--unit', 'disks/0', '--', 'storage-get', '-s', 'scratch/0',
              'location').strip() == mount  # fmt: skip
    assert ok(lab, 'exec', '--unit', 'disks/0', '--', 'ls', '/var/lib/juju/storage') == 'scratch\n'
    listing = json.loads(ok(lab, 'storage', '--format', 'json'))
    assert listing['storage']['scratch/0']['kind'] == 'filesystem'
    assert listing['storage']['data/1']['attachments']['units']['disks/0']['location'] == (
        '/dev/loop1'
    )
    (filesystem,) = listing['filesystems'].values()
    assert filesystem['pool'] == 'rootfs' and filesystem['storage'] == 'scratch/0'
    assert {v['storage'] for v in listing['volumes'].values()} == {'data/0', 'data/1'}
    # jubilant's statustypes.VolumeInfo needs size and persistent on every volume.
    assert all({'size', 'persistent'} <= set(v) for v in listing['volumes'].values())
    status = json.loads(ok(lab, 'status', '--format', 'json'))
    assert status['storage'] == listing
    assert ok(lab, 'add-storage', 'disks/0', 'data=loop') == 'added storage data/2 to disks/0\n'
    assert 'data-storage-attached (data/2): ok' in ok(lab, 'debug-log', '--limit', '1')
    assert 'at most 1 instances supported' in refused(lab, 'add-storage', 'disks/0', 'scratch=1')
    assert 'does not support "block" storage' in refused(
        lab, 'add-storage', 'disks/0', 'data=tmpfs'
    )
    assert 'is a MAAS pool' in refused(lab, 'add-storage', 'disks/0', 'data=maas')


def test_wait_is_honoured_by_run_and_exec(deployed: Path):
    """Juju's client prints the task's progress, then gives up with its error, exit 1."""
    for args in (
        ('run', 'tracer/0', 'echo', 'message=hi', '--wait', '0.001s'),
        ('exec', '--unit', 'tracer/0', '--wait', '1ms', '--', 'echo', 'hi'),
    ):
        done = olmcli.olm(deployed, *args, charms=TEST_CHARMS)
        assert done.returncode == 1, done
        assert done.stderr.splitlines()[-1] == (
            'ERROR timed out waiting for results from: unit tracer/0'
        )
    assert ok(deployed, 'exec', '--unit', 'tracer/0', '--wait', '5m', '--', 'echo', 'hi') == (
        'hi\n'
    )


def test_refresh_replaces_a_resource(lab: Path, tmp_path: Path):
    charm = _echo_with_resource(tmp_path / 'withres', 'blob', 'blob.txt')
    first, second = tmp_path / 'first.txt', tmp_path / 'second.txt'
    first.write_text('one\n')
    second.write_text('two\n')
    ok(lab, 'deploy', str(charm), '--resource', f'blob={first}')
    ok(lab, 'refresh', 'echo', '--resource', f'blob={second}')
    path = '/var/lib/juju/agents/unit-echo-0/resources/blob/blob.txt'
    assert ok(lab, 'exec', '--unit', 'echo/0', '--', 'cat', path) == 'two\n'
    assert 'echo/0 upgrade-charm: ok' in ok(lab, 'debug-log', '--limit', '3')


def test_add_model_takes_its_configuration(lab: Path):
    assert 'invalid update status hook interval' in refused(
        lab, 'add-model', '--no-switch', 'bad', '--config', 'update-status-hook-interval=soon'
    )
    assert 'bad' not in ok(lab, 'models')
    ok(lab, 'add-model', '--no-switch', 'tuned', '--config', 'update-status-hook-interval=1m')
    assert ok(lab, 'model-config', '-m', 'tuned', 'update-status-hook-interval') == '1m\n'
