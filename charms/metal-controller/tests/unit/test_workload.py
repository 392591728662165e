"""workload: the maas snap and CLI, driven through a RecordingHost."""

from __future__ import annotations

import dataclasses
import json

import metal_host
import pytest
from orchestrator.sim import World

import workload
from conftest import API_KEY, SECRET_FILE, SHARED_SECRET, MaasHost, snap_list

PASSWORD = 'p@ss/w:rd%42'
DB = workload.DatabaseAccess(
    host='10.0.0.41', port=5432, name='maas', user='maas', password=PASSWORD
)
SPEC = workload.InitSpec(
    channel='3.6/stable',
    mode='region',
    maas_url='http://10.0.0.1:5240/MAAS',
    db_host='10.0.0.41',
    db_port=5432,
    db_name='maas',
    db_user='maas',
    credentials='0123456789abcdef',
)


def busy(argv: list[str]) -> metal_host.CommandError:
    return metal_host.CommandError(
        argv, 10, '', 'error: snap "maas" has "install-snap" change in progress'
    )


# -- snap ----------------------------------------------------------------------------------------


def test_snap_info_parses_snap_list() -> None:
    host = metal_host.RecordingHost({'snap list maas': snap_list('3.6/edge')})
    with metal_host.bound(host):
        info = workload.snap_info()
    assert info == workload.SnapInfo(version='3.6.1-16402-g.e7c84a3f1', channel='3.6/edge')
    assert info.maas_version == '3.6.1'
    assert host.calls_to('run')[0].kwargs == {'check': False}


def test_snap_info_is_none_when_not_installed() -> None:
    host = metal_host.RecordingHost()
    host.expect('snap list maas', returncode=1, stderr='error: no matching snaps installed')
    with metal_host.bound(host):
        assert workload.snap_info() is None


def test_install_installs_from_the_channel_and_holds() -> None:
    host = metal_host.RecordingHost()
    with metal_host.bound(host):
        workload.install('3.5/stable')
    assert host.snaps['maas'] == metal_host.SnapState('3.5/stable', held=True)
    assert [c.method for c in host.calls] == ['snap_install', 'snap_hold']


def test_install_failures_say_which_channel_and_whether_transient() -> None:
    host = metal_host.RecordingHost()
    host.fail(
        'snap_install', metal_host.CommandError(['snap'], 1, '', 'error: snap "maas" not found')
    )
    with metal_host.bound(host), pytest.raises(workload.SnapError) as caught:
        workload.install('9.9/stable')
    assert str(caught.value) == 'cannot install maas from 9.9/stable: error: snap "maas" not found'
    assert not caught.value.transient

    host.fail('snap_install', busy(['snap', 'install', 'maas']))
    with metal_host.bound(host), pytest.raises(workload.SnapError) as caught:
        workload.install('3.6/stable')
    assert caught.value.transient


def test_refresh_switches_channel_and_holds_again() -> None:
    host = MaasHost(installed='3.5/stable')
    with metal_host.bound(host):
        workload.refresh('3.6/stable')
        assert workload.snap_info() == workload.SnapInfo('3.6.0-16377-g.dc4fc3b74', '3.6/stable')
    assert [c.method for c in host.calls[:2]] == ['snap_refresh', 'snap_hold']
    assert host.snaps['maas'].held


def test_refresh_failure() -> None:
    host = metal_host.RecordingHost()  # nothing installed: snapd refuses
    with (
        metal_host.bound(host),
        pytest.raises(workload.SnapError, match=r'cannot refresh maas to 3\.6/edge'),
    ):
        workload.refresh('3.6/edge')


def test_stop_stops_and_disables_pebble() -> None:
    """The snap's only daemon since MAAS 3.5 is pebble; there is no snap.maas.supervisor."""
    host = metal_host.RecordingHost()
    host.snaps['maas'] = metal_host.SnapState('3.6/stable')  # systemd knows snap units only then
    with metal_host.bound(host):
        workload.stop()
    assert [c.args for c in host.calls_to('service')] == [
        ('stop', 'snap.maas.pebble'),
        ('disable', 'snap.maas.pebble'),
    ]


def test_stop_on_the_emulated_snap() -> None:
    """Against the emulated maas 3.6 snap: stopping MAAS works and init brings it back."""
    world = World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)
    host = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])
    host.snap_install('maas', channel='3.6/stable')
    spec = workload.InitSpec(
        channel='3.6/stable', mode='region', maas_url='http://10.0.0.10:5240/MAAS',
        db_host='10.0.0.5', db_port=5432, db_name='maas', db_user='maas', credentials='t',
    )  # fmt: skip
    database = workload.DatabaseAccess('10.0.0.5', 5432, 'maas', 'maas', 'pw')
    with metal_host.bound(host):
        workload.init(spec, database)
        workload.stop()
        assert not host.service_active(workload.PEBBLE)
        workload.init(spec, database)
        assert host.service_active(workload.PEBBLE)
    assert host.run(['systemctl', 'is-enabled', workload.PEBBLE]).stdout == 'enabled\n'


def test_a_stop_systemd_refuses_is_a_workload_error() -> None:
    host = metal_host.RecordingHost()
    host.fail('service', metal_host.CommandError(['systemctl', 'stop', workload.PEBBLE], 5))
    with metal_host.bound(host), pytest.raises(workload.WorkloadError, match='cannot stop MAAS'):
        workload.stop()


# -- init ----------------------------------------------------------------------------------------


def test_database_uri_escapes_credentials_and_is_sensitive() -> None:
    uri = DB.uri()
    assert isinstance(uri, metal_host.Sensitive)
    assert uri == 'postgres://maas:p%40ss%2Fw%3Ard%2542@10.0.0.41:5432/maas'
    assert PASSWORD not in repr(DB)
    v6 = dataclasses.replace(DB, host='fd00::5')
    assert v6.uri().endswith('@[fd00::5]:5432/maas')


@pytest.mark.parametrize('mode', ['region', 'region+rack'])
def test_init_runs_the_contract_command_line(mode: workload.Mode) -> None:
    host = MaasHost()
    with metal_host.bound(host):
        workload.init(dataclasses.replace(SPEC, mode=mode), DB)
    [call] = host.calls_to('run')
    argv = call.args[0]
    assert argv == (
        'maas',
        'init',
        mode,
        '--database-uri',
        'postgres://maas:p%40ss%2Fw%3Ard%2542@10.0.0.41:5432/maas',
        '--maas-url',
        'http://10.0.0.1:5240/MAAS',
        '--force',
    )
    assert isinstance(argv[4], metal_host.Sensitive)
    assert call.kwargs == {}


def test_init_failure_keeps_maas_message_without_credentials() -> None:
    host = metal_host.RecordingHost()
    host.snaps['maas'] = metal_host.SnapState('3.6/stable')  # systemd knows snap units only then
    uri = str(DB.uri())
    host.expect('maas init', returncode=1, stderr=f'No user found in URI: {uri}\n')
    with metal_host.bound(host), pytest.raises(workload.InitError) as caught:
        workload.init(SPEC, DB)
    message = str(caught.value)
    assert message == 'maas init region failed: No user found in URI: <redacted>'
    assert not caught.value.transient

    host.expect('maas init', error=metal_host.CommandTimeoutError(['maas', 'init'], 600))
    with metal_host.bound(host), pytest.raises(workload.InitError) as caught:
        workload.init(SPEC, DB)
    assert caught.value.transient
    assert 'timed out' in str(caught.value)


def test_init_scrubs_a_password_maas_echoes() -> None:
    host = metal_host.RecordingHost()
    host.expect('maas init', returncode=1, stderr=f'password authentication failed: {PASSWORD}')
    with metal_host.bound(host), pytest.raises(workload.InitError) as caught:
        workload.init(SPEC, DB)
    assert PASSWORD not in str(caught.value)


def test_shared_secret() -> None:
    host = metal_host.RecordingHost(files={SECRET_FILE: SHARED_SECRET + '\n'})
    with metal_host.bound(host):
        assert workload.shared_secret() == SHARED_SECRET
    with metal_host.bound(metal_host.RecordingHost()), pytest.raises(workload.WorkloadError):
        workload.shared_secret()


def test_init_spec_fingerprint_round_trip() -> None:
    text = SPEC.fingerprint()
    assert workload.InitSpec.parse(text) == SPEC
    assert json.loads(text)['db_user'] == 'maas'
    assert workload.InitSpec.parse(None) is None
    assert workload.InitSpec.parse('{"channel": "3.6/stable"}') is None  # another version
    assert workload.InitSpec.parse('not json') is None


def test_init_spec_needs_init_only_for_init_settings() -> None:
    assert SPEC.needs_init_after(None)
    assert not SPEC.needs_init_after(SPEC)
    assert not SPEC.needs_init_after(dataclasses.replace(SPEC, channel='3.5/stable'))
    for change in ({'mode': 'region+rack'}, {'db_host': 'x'}, {'credentials': 'f' * 16}):
        assert SPEC.needs_init_after(dataclasses.replace(SPEC, **change))  # type: ignore[arg-type]


def test_credentials_tag_is_keyed() -> None:
    key = bytes(32)
    tag = workload.credentials_tag(key, 'secret-one')
    assert len(tag) == 16 and 'secret-one' not in tag
    assert tag == workload.credentials_tag(key, 'secret-one')
    assert tag != workload.credentials_tag(key, 'secret-two')
    assert tag != workload.credentials_tag(bytes([1]) * 32, 'secret-one')


def test_url_for() -> None:
    assert workload.url_for('10.0.0.1') == 'http://10.0.0.1:5240/MAAS'
    assert workload.url_for('fd00::1') == 'http://[fd00::1]:5240/MAAS'


# -- users and keys ------------------------------------------------------------------------------


def test_create_admin_passes_the_password_as_sensitive() -> None:
    host = MaasHost()
    with metal_host.bound(host):
        workload.create_admin('alice', 'hunter22', 'alice@example.com')
    argv = host.commands[0]
    assert argv == (
        'maas', 'createadmin', '--username=alice', '--password=hunter22',
        '--email=alice@example.com',
    )  # fmt: skip
    assert isinstance(argv[3], metal_host.Sensitive)


def test_create_admin_failure_carries_maas_message() -> None:
    host = metal_host.RecordingHost()
    host.expect(
        'maas createadmin', returncode=1, stderr='A user with the username alice already exists.'
    )
    with metal_host.bound(host), pytest.raises(workload.MaasCommandError) as caught:
        workload.create_admin('alice', 'hunter22', 'alice@example.com')
    assert str(caught.value) == 'A user with the username alice already exists.'


def test_api_keys() -> None:
    host = metal_host.RecordingHost({'maas apikey': f'{API_KEY}\nsecond:key:here\n'})
    with metal_host.bound(host):
        assert workload.api_keys('alice') == [API_KEY, 'second:key:here']
    assert host.commands == [('maas', 'apikey', '--username=alice')]
    host.expect('maas apikey', returncode=1, stderr='CommandError: User does not exist.')
    with metal_host.bound(host), pytest.raises(workload.MaasCommandError, match='does not exist'):
        workload.api_keys('bob')


def test_ensure_admin_creates_only_a_missing_user() -> None:
    host = MaasHost()
    with metal_host.bound(host):
        assert not workload.ensure_admin('internal', 'pw-123456', 'i@localhost')
    assert [argv[1] for argv in host.commands] == ['apikey']

    host.expect('maas apikey', returncode=1, stderr='CommandError: User does not exist.')
    with metal_host.bound(host):
        assert workload.ensure_admin('internal', 'pw-123456', 'i@localhost')
    assert [argv[1] for argv in host.commands] == ['apikey', 'apikey', 'createadmin']


RACKS = json.dumps(
    [
        {'system_id': 'abc123', 'hostname': 'rack-1', 'fqdn': 'rack-1.maas'},
        {'system_id': 'def456', 'hostname': 'rack-2', 'fqdn': 'rack-2.maas'},
        {'system_id': 'ghi789', 'hostname': 'other', 'fqdn': 'rack-1.example.com'},
    ]
)


def api_host() -> metal_host.RecordingHost:
    host = metal_host.RecordingHost()
    host.expect('maas login', stdout='You are now logged in to the MAAS server at ...')
    host.expect('maas prof rack-controllers read', stdout=RACKS)
    host.expect('maas prof rack-controller delete')
    host.expect('maas logout')
    return host


def test_delete_racks_runs_the_api_sequence() -> None:
    host = api_host()
    with metal_host.bound(host):
        deleted = workload.delete_racks(
            'http://10.0.0.1:5240/MAAS', API_KEY, 'rack-1', profile='prof'
        )
    assert deleted == ['abc123', 'ghi789']  # by hostname, and by the FQDN's first label
    assert host.commands == [
        ('maas', 'login', 'prof', 'http://10.0.0.1:5240/MAAS', '-'),
        ('maas', 'prof', 'rack-controllers', 'read'),
        ('maas', 'prof', 'rack-controller', 'delete', 'abc123'),
        ('maas', 'prof', 'rack-controller', 'delete', 'ghi789'),
        ('maas', 'logout', 'prof'),
    ]
    login = host.calls_to('run')[0]
    assert login.kwargs == {'input': API_KEY}  # the key goes on stdin, never in argv


def test_delete_racks_counts_not_found_as_deleted_and_unknown_as_nothing() -> None:
    """A 404 prints only MAAS's body and exits 2 (maascli api.py: the status line only with
    --debug), as pinned by tests/unit/sim/test_sim_maas.py::test_rack_controller_delete."""
    host = api_host()
    host.expect(
        'maas prof rack-controller delete',
        returncode=2,
        stdout='No RackController matches the given query.',
    )
    with metal_host.bound(host):
        assert workload.delete_racks('http://x:5240/MAAS', API_KEY, 'rack-2', profile='prof') == [
            'def456'
        ]
        assert workload.delete_racks('http://x:5240/MAAS', API_KEY, 'gone', profile='prof') == []


def test_admin_and_rack_deletion_on_the_emulated_snap() -> None:
    """createadmin, apikey, then login/read/delete/logout against the emulated MAAS 3.6."""
    world = World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)
    region = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])
    rack = world.add_machine('1', hostname='node-1', addresses=['10.0.0.11'])
    for host in (region, rack):
        host.snap_install('maas', channel='3.6/stable')
    url = workload.url_for('10.0.0.10')
    spec = workload.InitSpec(
        channel='3.6/stable', mode='region', maas_url=url, db_host='10.0.0.5', db_port=5432,
        db_name='maas', db_user='maas', credentials='t',
    )  # fmt: skip
    with metal_host.bound(region):
        workload.init(spec, workload.DatabaseAccess('10.0.0.5', 5432, 'maas', 'maas', 'pw'))
        secret = workload.shared_secret()
    rack.run(['maas', 'init', 'rack', '--maas-url', url, '--secret', secret, '--force'])
    assert rack.exists('/var/snap/maas/common/maas/maas_id')
    with metal_host.bound(region):
        # values that start with "-" (a generated password does, one time in 64) reach MAAS
        workload.create_admin('-dash', '-Pw_0', 'dash@localhost')
        assert workload.api_keys('-dash')
        assert workload.ensure_admin('admin', 'pw', 'admin@localhost') is True
        assert workload.ensure_admin('admin', 'pw', 'admin@localhost') is False
        [key] = workload.api_keys('admin')
        system_id = rack.read_text('/var/snap/maas/common/maas/maas_id')
        rack.run(['snap', 'remove', 'maas'])  # the rack departed (its rackd would re-register)
        assert workload.delete_racks(url, key, 'node-1', profile='p') == [system_id]
        assert workload.delete_racks(url, key, 'node-1', profile='p') == []


def test_delete_racks_logs_out_after_a_failure() -> None:
    host = api_host()
    host.expect('maas prof rack-controller delete', returncode=1, stderr='Internal Server Error')
    with (
        metal_host.bound(host),
        pytest.raises(workload.MaasCommandError, match='Internal Server Error'),
    ):
        workload.delete_racks('http://x:5240/MAAS', API_KEY, 'rack-2', profile='prof')
    assert host.commands[-1] == ('maas', 'logout', 'prof')

    host = api_host()
    host.expect('maas prof rack-controllers read', stdout='<html>')
    with metal_host.bound(host), pytest.raises(workload.MaasCommandError, match='JSON'):
        workload.delete_racks('http://x:5240/MAAS', API_KEY, 'rack-2', profile='prof')
    assert host.commands[-1] == ('maas', 'logout', 'prof')


def test_delete_racks_login_failure_hides_the_key() -> None:
    host = api_host()
    host.expect('maas login', returncode=1, stderr=f'Invalid API key {API_KEY}')
    with metal_host.bound(host), pytest.raises(workload.MaasCommandError) as caught:
        workload.delete_racks('http://x:5240/MAAS', API_KEY, 'rack-2', profile='prof')
    assert API_KEY not in str(caught.value)
    assert 'cannot log in to http://x:5240/MAAS' in str(caught.value)
    assert all(argv[1] != 'prof' for argv in host.commands)  # nothing after a failed login
