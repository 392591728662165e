"""The maas emulation: the MAAS snap's CLI texts, exit statuses and cross-machine facts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from metal_host import CommandTimeoutError, Completed, RetryPolicy, Sensitive

from orchestrator.sim import SimError, SimHost, World
from orchestrator.sim.programs.maas import MAAS_ID_FILE, MODE_FILE, PEBBLE_SERVICE, SECRET_FILE

NOW = 1_700_000_000.0
URL = 'http://10.0.0.10:5240/MAAS'
DB_URI = 'postgres://maas:db-password@10.0.0.5:5432/maasdb'
LOG = 'provisioningserver.rpc.clusterservice: [info]'
SET_UP = (
    'MAAS has been set up.\n'
    '\n'
    'If you want to configure external authentication or use\n'
    'MAAS with Canonical RBAC, please run\n'
    '\n'
    '  sudo maas configauth\n'
    '\n'
    'To create admins when not using external authentication, run\n'
    '\n'
    '  sudo maas createadmin\n'
    '\n'
    'To enable TLS for secured communication, please run\n'
    '\n'
    '  sudo maas config-tls enable\n'
    '\n'
)


class Clock:
    """A settable clock, so uptimes move."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(clock: Clock) -> World:
    return World(sleep=lambda _: None, clock=clock, retry=RetryPolicy(attempts=1))


def machine(world: World, number: int, *, snap: bool = True) -> SimHost:
    host = world.add_machine(
        str(number), hostname=f'node-{number}', addresses=[f'10.0.0.{10 + number}']
    )
    if snap:
        host.snap_install('maas', channel='3.6/stable')
    return host


def maas(host: SimHost, *args: str, input: str | None = None) -> Completed:
    return host.run(['maas', *args], check=False, input=input)


def init_region(
    host: SimHost, mode: str = 'region', uri: str = DB_URI, url: str = URL
) -> Completed:
    return maas(host, 'init', mode, '--database-uri', Sensitive(uri), '--maas-url', url, '--force')


def init_rack(host: SimHost, secret: str, url: str = URL) -> Completed:
    return maas(host, 'init', 'rack', '--maas-url', url, '--secret', Sensitive(secret), '--force')


def secret_of(host: SimHost) -> str:
    return host.read_text(SECRET_FILE)


def log_lines(host: SimHost) -> list[str]:
    """rackd's lines, read from the journal as the rack charm reads them."""
    result = host.run(['journalctl', '-t', 'maas-rackd', '-o', 'cat', '--no-pager'])
    return result.stdout.splitlines()


def admin_key(region: SimHost) -> str:
    assert maas(region, 'createadmin', '--username', 'admin', '--password',
                Sensitive('pw'), '--email', 'admin@example.com').returncode == 0  # fmt: skip
    return maas(region, 'apikey', '--username', 'admin').stdout.strip()


def login(region: SimHost, key: str, url: str = URL) -> Completed:
    return maas(region, 'login', 'admin', url, '-', input=f'{key}\n')


def racks(region: SimHost) -> list[dict[str, Any]]:
    result = maas(region, 'admin', 'rack-controllers', 'read')
    assert result.returncode == 0, result
    return json.loads(result.stdout)


@pytest.fixture
def region(world: World) -> SimHost:
    host = machine(world, 0)
    assert init_region(host).returncode == 0
    return host


# -- the program is the snap's --------------------------------------------------------------------


def test_no_snap_no_program(world: World) -> None:
    host = machine(world, 0, snap=False)
    assert maas(host, 'status') == Completed(
        ('maas', 'status'), 127, '', 'maas: No such file or directory'
    )
    host.snap_install('maas', channel='3.6/stable')
    assert maas(host, 'status').returncode == 1  # there now, not configured
    host.run(['snap', 'remove', 'maas'])
    assert maas(host, 'status').returncode == 127
    assert not host.exists(MODE_FILE)


# -- init region ----------------------------------------------------------------------------------


def test_first_region_migrates_and_creates_the_secret(world: World) -> None:
    host = machine(world, 0)
    result = init_region(host)
    assert result.returncode == 0
    assert result.stdout == 'Performing database migrations\nStarting services\n' + SET_UP
    assert result.stderr == ''
    assert host.read_text(MODE_FILE) == 'region'
    secret = secret_of(host)
    assert len(secret) == 32 and int(secret, 16) >= 0 and secret == secret.lower()
    system_id = host.read_text(MAAS_ID_FILE)
    assert len(system_id) == 6 and set(system_id) <= set('34678abcdefghkmnpqrstwxy')
    db = world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']
    assert db['secret'] == secret
    assert db['regions'][system_id]['hostname'] == 'node-0'
    assert db['regions'][system_id]['addresses'] == ['10.0.0.10']


def test_second_region_shares_the_secret_without_migrating(world: World, region: SimHost) -> None:
    other = machine(world, 1)
    result = init_region(other, url='http://10.0.0.11:5240/MAAS')
    assert (result.returncode, result.stdout) == (0, 'Starting services\n')
    assert secret_of(other) == secret_of(region)
    assert other.read_text(MAAS_ID_FILE) != region.read_text(MAAS_ID_FILE)
    regions = world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']['regions']
    assert sorted(r['hostname'] for r in regions.values()) == ['node-0', 'node-1']


def test_another_database_is_another_maas(world: World, region: SimHost) -> None:
    other = machine(world, 1)
    result = init_region(other, uri='postgres://maas:x@10.0.0.6/maasdb')
    assert 'Performing database migrations' in result.stdout
    assert secret_of(other) != secret_of(region)


def test_reinit_with_the_same_arguments_is_harmless(world: World, region: SimHost) -> None:
    secret, system_id = secret_of(region), region.read_text(MAAS_ID_FILE)
    result = init_region(region)
    assert (result.returncode, result.stdout) == (0, 'Stopping services\nStarting services\n')
    assert (secret_of(region), region.read_text(MAAS_ID_FILE)) == (secret, system_id)
    regions = world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']['regions']
    assert list(regions) == [system_id]


@pytest.mark.parametrize(
    ('uri', 'message'),
    [
        (
            'postgresql://maas:pw@db/maasdb',
            "Database URI needs to be either 'maas-test-db:///' or start with 'postgres://'",
        ),
        (
            'postgres://maas:pw@db/maasdb?sslmode=require',
            'Error parsing database URI: Unsupported parameters: sslmode',
        ),
        (
            'postgres://maas:pw@db/maasdb?colour=blue',
            'Error parsing database URI: invalid dsn: invalid URI query parameter: "colour"',
        ),
        (
            'postgres://maas:pw@db/maasdb?sslmode',
            'Error parsing database URI: invalid dsn: missing key/value separator "=" in URI '
            'query parameter: "sslmode"',
        ),
        (
            'postgres://maas:p%zzw@db/maasdb',
            'Error parsing database URI: invalid dsn: invalid percent-encoded token: "<redacted>"',
        ),
        (
            'postgres://maas:pw@[::1/maasdb',
            'Error parsing database URI: invalid dsn: end of string reached when looking for '
            'matching "]" in IPv6 host address in URI: "postgres://maas:<redacted>@[::1/maasdb"',
        ),
        ('postgres://db:5432/maasdb', 'No user found in URI: postgres://db:5432/maasdb'),
        (
            'postgres://:pw@db:5432/maasdb',
            'No user found in URI: postgres://:<redacted>@db:5432/maasdb',
        ),
    ],
)
def test_bad_database_uris(world: World, uri: str, message: str) -> None:
    host = machine(world, 0)
    result = maas(host, 'init', 'region', '--database-uri', uri, '--maas-url', URL, '--force')
    assert (result.returncode, result.stdout, result.stderr) == (1, '', message + '\n')
    assert not host.exists(MODE_FILE)
    assert world.namespace('maas').get('databases', {}) == {}


def test_uris_libpq_accepts(world: World) -> None:
    host = machine(world, 0)
    uri = 'postgres://maas:p%40ss@[fd00::5]:6432/maas%2Ddb?user=ops&'
    assert init_region(host, uri=uri).returncode == 0
    lines = maas(host, 'config', '--parsable', '--show-database-password').stdout.splitlines()
    assert lines[2:] == [
        'database_host=fd00::5',
        'database_port=6432',
        'database_name=maas-db',
        'database_user=ops',
        'database_pass=p@ss',
    ]
    assert '[fd00::5]:6432/maas-db' not in world.namespace('maas')['databases']
    assert 'fd00::5:6432/maas-db' in world.namespace('maas')['databases']


def test_a_port_that_is_not_a_number_is_a_traceback(world: World) -> None:
    host = machine(world, 0)
    result = init_region(host, uri='postgres://maas:pw@db:fivefour/maasdb')
    assert result.returncode == 1
    assert result.stderr.startswith('Traceback (most recent call last):\n')
    assert result.stderr.endswith(
        "ValueError: invalid literal for int() with base 10: 'fivefour'\n"
    )


def test_the_database_uri_never_shows(world: World) -> None:
    host = machine(world, 0)
    uri = Sensitive('postgres://maas:db-password@db/maasdb?bad')
    result = maas(host, 'init', 'region', '--database-uri', uri, '--maas-url', URL, '--force')
    assert result.returncode == 1
    assert 'db-password' not in result.stderr + result.stdout
    misplaced = maas(host, 'init', 'region', '--force', Sensitive('s3cret-value'))
    assert misplaced.returncode == 2
    assert misplaced.stderr == (
        'usage: maas [-h] COMMAND ...\n\nunrecognized arguments: <redacted>\n'
    )


def test_database_without_port_prints_none(world: World) -> None:
    host = machine(world, 0)
    assert init_region(host, uri='postgres://maas@10.0.0.5/maasdb').returncode == 0
    result = maas(host, 'config', '--parsable')
    assert 'database_port=None\n' in result.stdout
    assert 'database_pass=(hidden)\n' in result.stdout


# -- without --force ------------------------------------------------------------------------------


def test_reinit_without_force_asks_and_no_means_nothing(region: SimHost) -> None:
    args = ('init', 'rack', '--maas-url', URL, '--secret', Sensitive('x' * 32))
    result = maas(region, *args, input='\n')
    assert result == Completed(
        ('maas', *args),
        0,
        'Controller has already been initialized.\n'
        'Are you sure you want to initialize again (yes/no) [default=no]? ',
        '',
    )
    assert region.read_text(MODE_FILE) == 'region'
    again = maas(region, *args, input='maybe\nno\n')
    assert 'Invalid input, try again.\n\n' in again.stdout
    assert region.read_text(MODE_FILE) == 'region'
    assert maas(region, *args, input='yes\n').returncode == 0
    assert region.read_text(MODE_FILE) == 'rack'


def test_reinit_without_force_and_without_input_waits_for_ever(region: SimHost) -> None:
    argv = ['maas', 'init', 'region', '--database-uri', Sensitive(DB_URI), '--maas-url', URL]
    with pytest.raises(CommandTimeoutError) as caught:
        region.call(argv, timeout=60)
    assert caught.value.stdout == (
        'Controller has already been initialized.\n'
        'Are you sure you want to initialize again (yes/no) [default=no]? \n'
    )
    with pytest.raises(SimError, match='waits for ever'):
        region.call(argv)


def test_a_missing_maas_url_is_asked_for(world: World) -> None:
    host = machine(world, 1)
    result = maas(host, 'init', 'rack', '--secret', Sensitive('x' * 32), input='\n')
    assert result.stdout.startswith('MAAS URL [default=http://10.0.0.11:5240/MAAS]: ')
    assert maas(host, 'config', '--parsable').stdout.splitlines()[1] == (
        'maas_url=http://10.0.0.11:5240/MAAS'
    )


# -- region+rack ----------------------------------------------------------------------------------


def test_region_and_rack(world: World) -> None:
    host = machine(world, 0)
    result = init_region(host, 'region+rack')
    assert result.returncode == 0 and 'Performing database migrations' in result.stdout
    assert host.read_text(MODE_FILE) == 'region+rack'
    status = maas(host, 'status')
    assert {'rackd', 'regiond'} <= {line.split()[0] for line in status.stdout.splitlines()}
    login(host, admin_key(host))
    (node,) = racks(host)
    assert node['system_id'] == host.read_text(MAAS_ID_FILE)
    assert (node['node_type'], node['node_type_name']) == (4, 'Region and rack controller')


# -- init rack ------------------------------------------------------------------------------------


def test_rack_with_the_right_secret_registers(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    result = init_rack(rack, secret_of(region))
    assert (result.returncode, result.stdout, result.stderr) == (0, 'Starting services\n', '')
    assert rack.read_text(MODE_FILE) == 'rack'
    assert rack.read_text(SECRET_FILE) == secret_of(region)
    system_id = rack.read_text(MAAS_ID_FILE)
    db = world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']
    assert db['racks'][system_id]['hostname'] == 'node-1'
    eventloop = log_lines(rack)[0].rsplit(' ', 1)[1]
    assert eventloop.startswith('node-0:pid=')
    assert log_lines(rack) == [
        f'{LOG} Making connections to event-loops: {eventloop}',
        f"{LOG} Event-loop '{eventloop}' authenticated.",
        f"{LOG} Rack controller '{system_id}' registered (via {eventloop}) with MAAS "
        'version 3.6.0-16377-g.dc4fc3b74.',
        f'{LOG} Fully connected to all 1 event-loops on all 1 region controllers (node-0).',
    ]
    login(region, admin_key(region))
    (node,) = racks(region)
    assert {k: node[k] for k in ('system_id', 'hostname', 'fqdn', 'ip_addresses')} == {
        'system_id': system_id,
        'hostname': 'node-1',
        'fqdn': 'node-1.maas',
        'ip_addresses': ['10.0.0.11'],
    }
    assert (node['node_type'], node['node_type_name']) == (2, 'Rack controller')
    assert node['resource_uri'] == f'/MAAS/api/2.0/rackcontrollers/{system_id}/'


def test_rack_with_the_wrong_secret_is_rejected(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    result = init_rack(rack, '0' * 32)
    assert (result.returncode, result.stdout) == (0, 'Starting services\n')
    assert not rack.exists(MAAS_ID_FILE)
    eventloop = log_lines(rack)[0].rsplit(' ', 1)[1]
    assert log_lines(rack) == [
        f'{LOG} Making connections to event-loops: {eventloop}',
        f"{LOG} Event-loop '{eventloop}' FAILED authentication; dropping connection.",
    ]
    assert world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']['racks'] == {}
    maas(rack, 'status')
    assert len(log_lines(rack)) == 2  # the same outcome is not logged again


def test_rack_pointed_at_a_machine_without_a_region(world: World) -> None:
    machine(world, 0, snap=False)
    rack = machine(world, 1)
    assert init_rack(rack, 'f' * 32).returncode == 0
    assert log_lines(rack) == [
        f'{LOG} Region not available: Connection was refused by other side: 111: '
        f'Connection refused. (While requesting RPC info at {URL}).'
    ]
    assert not rack.exists(MAAS_ID_FILE)


def test_rack_pointed_at_an_address_nobody_has(world: World) -> None:
    rack = machine(world, 1)
    url = 'http://10.9.9.9:5240/MAAS'
    assert init_rack(rack, 'f' * 32, url=url).returncode == 0
    assert log_lines(rack) == [
        f'{LOG} Region not available: An error occurred while connecting: 113: No '
        f'route to host. (While requesting RPC info at {url}).'
    ]


def test_rack_registers_once_the_region_comes_up(world: World) -> None:
    rack = machine(world, 1)
    region = machine(world, 0)
    init_rack(rack, 'f' * 32)
    assert 'Region not available' in log_lines(rack)[-1]
    init_region(region)
    assert 'FAILED authentication' in log_lines(rack)[-1]  # rackd retried on its own
    assert init_rack(rack, secret_of(region)).returncode == 0
    assert rack.exists(MAAS_ID_FILE)


def test_rack_reinit_with_the_corrected_secret_registers(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, '0' * 32)
    assert not rack.exists(MAAS_ID_FILE)
    init_rack(rack, secret_of(region))
    system_id = rack.read_text(MAAS_ID_FILE)
    assert init_rack(rack, '1' * 32).stdout == 'Stopping services\nStarting services\n'
    assert 'FAILED authentication' in log_lines(rack)[-1]
    assert rack.read_text(MAAS_ID_FILE) == system_id  # the file stays, as MAAS_ID does
    init_rack(rack, secret_of(region))
    assert rack.read_text(MAAS_ID_FILE) == system_id  # the same node again
    racks_ = world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']['racks']
    assert list(racks_) == [system_id]


def test_rack_reaches_regions_behind_their_maas_url(world: World) -> None:
    vip = 'http://10.0.0.100:5240/MAAS'
    region = machine(world, 0)
    init_region(region, url=vip)
    rack = machine(world, 1)
    init_rack(rack, secret_of(region), url=vip)
    assert rack.exists(MAAS_ID_FILE)


def test_init_starts_a_stopped_pebble(world: World, region: SimHost) -> None:
    """``restart_pebble(restart_inactive=True)``: init starts MAAS even when it was stopped."""
    rack = machine(world, 1)
    rack.run(['snap', 'stop', '--disable', 'maas'])
    assert init_rack(rack, secret_of(region)).returncode == 0
    assert rack.run(['systemctl', 'is-active', PEBBLE_SERVICE], check=False).stdout == 'active\n'
    assert rack.exists(MAAS_ID_FILE)
    enabled = rack.run(['systemctl', 'is-enabled', PEBBLE_SERVICE], check=False)
    assert enabled.stdout == 'disabled\n'  # snapctl restart starts it; it does not enable it


def test_rack_stops_trying_when_its_services_stop(
    world: World, region: SimHost, clock: Clock
) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    rack.run(['snap', 'stop', 'maas'])
    rack.remove(MAAS_ID_FILE)
    lines = log_lines(rack)
    maas(rack, 'status')
    assert not rack.exists(MAAS_ID_FILE) and log_lines(rack) == lines  # rackd is not running
    clock.now += 10
    rack.run(['snap', 'start', 'maas'])
    maas(rack, 'status')  # any maas command lets the World's daemons catch up
    assert rack.exists(MAAS_ID_FILE)


# -- createadmin and apikey -----------------------------------------------------------------------


def test_createadmin(region: SimHost) -> None:
    args = ('createadmin', '--username', 'admin', '--password', Sensitive('pw'), '--email', 'a@b')
    assert maas(region, *args) == Completed(('maas', *args), 0, '', '')
    assert maas(region, *args) == Completed(
        ('maas', *args), 1, '', 'AlreadyExistingUser: A user with the email a@b already exists.\n'
    )


def test_createadmin_asks_for_what_is_missing(region: SimHost) -> None:
    result = maas(region, 'createadmin', '--username', 'ops', input='pw\npw\nops@example.com\n\n')
    assert result.returncode == 0
    assert result.stdout == 'Email: Import SSH keys [] (lp:user-id or gh:user-id): '
    assert result.stderr == (
        'Warning: Password input may be echoed.\nPassword: \n'
        'Warning: Password input may be echoed.\nAgain: \n'
    )
    assert maas(region, 'apikey', '--username', 'ops').returncode == 0
    mismatch = maas(region, 'createadmin', '--username', 'x', '--email', 'x@y', input='a\nb\n\n')
    assert (mismatch.returncode, mismatch.stderr.splitlines()[-1]) == (
        1,
        'InconsistentPassword: Passwords do not match',
    )
    empty = maas(region, 'createadmin', '--password', 'p', '--email', 'x@y', input='\n')
    assert empty.stderr == (
        'EmptyUsername: You must input a username or provide it with --username.\n'
    )


def users_of(world: World) -> dict[str, Any]:
    return world.namespace('maas')['databases']['10.0.0.5:5432/maasdb']['users']


def createadmin(region: SimHost, username: str, email: str, *more: str) -> Completed:
    return maas(region, 'createadmin', '--username', username, '--password', Sensitive('pw'),
                '--email', email, *more)  # fmt: skip


def test_createadmin_validates_no_username_as_maas_s_user_form_does(
    world: World, region: SimHost
) -> None:
    """createadmin saves through Django's create_superuser, which runs no validator: the
    names MAAS's web UI and API refuse (Django's UnicodeUsernameValidator) are created."""
    done = createadmin(region, 'root;rm -rf /', 'root@example.com')
    assert (done.returncode, done.stdout, done.stderr) == (0, '', '')
    assert users_of(world)['root;rm -rf /']['email'] == 'root@example.com'


def test_createadmin_limits_are_the_database_columns(world: World, region: SimHost) -> None:
    too_long = createadmin(region, 'u' * 151, 'long@example.com')
    assert too_long.returncode == 1
    assert too_long.stderr.startswith('Traceback (most recent call last):\n')
    assert too_long.stderr.endswith(
        '\ndjango.db.utils.DataError: value too long for type character varying(150)\n'
    )
    # PostgreSQL clips trailing spaces past the length instead of failing.
    assert createadmin(region, 'u' * 150 + '  ', 'clipped@example.com').returncode == 0
    assert 'u' * 150 in users_of(world)
    email = 'e' * 250 + '@x.io'
    assert createadmin(region, 'mail', email).stderr.endswith(
        'django.db.utils.DataError: value too long for type character varying(254)\n'
    )
    empty = createadmin(region, '', 'empty@example.com')
    assert (empty.returncode, empty.stderr.splitlines()[-1]) == (
        1,
        'ValueError: The given username must be set',
    )
    assert set(users_of(world)) == {'u' * 150}


def test_createadmin_emails_are_unique_with_the_domain_lowercased(
    world: World, region: SimHost
) -> None:
    assert createadmin(region, 'ops', 'Ops@Example.COM').returncode == 0
    assert users_of(world)['ops']['email'] == 'Ops@example.com'
    again = createadmin(region, 'ops2', 'Ops@example.com')
    assert (again.returncode, again.stderr) == (
        1,
        'AlreadyExistingUser: A user with the email Ops@example.com already exists.\n',
    )
    assert set(users_of(world)) == {'ops'}


@pytest.mark.parametrize(
    ('value', 'message'),
    [
        ('lp:bad id', 'The protocol or user-id entered is not in a correct format.'),
        ('gh', 'The protocol or user-id entered is not in a correct format.'),
        ('sf:someone', 'The input entered is not in a correct format.'),
    ],
)
def test_createadmin_refuses_a_malformed_ssh_import_and_keeps_no_user(
    world: World, region: SimHost, value: str, message: str
) -> None:
    done = createadmin(region, 'keys', 'keys@example.com', '--ssh-import', value)
    assert (done.returncode, done.stderr) == (
        1,
        f'SSHKeysError: {message} Your SSH keys will not be imported.\n',
    )
    assert 'keys' not in users_of(world)


def test_createadmin_without_options_or_input_waits_for_ever(region: SimHost) -> None:
    with pytest.raises(CommandTimeoutError) as caught:
        region.call(['maas', 'createadmin', '--username', 'admin'], timeout=30)
    assert 'Password: ' in caught.value.stderr


def test_apikey(world: World, region: SimHost) -> None:
    key = admin_key(region)
    consumer, token, secret = key.split(':')
    assert (len(consumer), len(token), len(secret)) == (18, 18, 32)
    generated = maas(region, 'apikey', '--username', 'admin', '--generate')
    assert generated.returncode == 0 and generated.stdout.count(':') == 2
    assert generated.stdout.strip() != key
    listed = maas(region, 'apikey', '--username', 'admin')
    assert listed.stdout == f'{key}\n{generated.stdout}'
    unknown = maas(region, 'apikey', '--username', 'nobody')
    assert (unknown.returncode, unknown.stderr) == (1, 'CommandError: User does not exist.\n')
    nameless = maas(region, 'apikey')
    assert nameless.stderr == 'CommandError: You must provide a username with --username.\n'


def test_django_commands_need_the_database(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    result = maas(rack, 'apikey', '--username', 'admin')
    assert result.returncode == 1
    assert result.stderr.endswith(
        'django.db.utils.OperationalError: connection to server at "localhost" (127.0.0.1), '
        'port 5432 failed: Connection refused\n'
        '\tIs the server running on that host and accepting TCP/IP connections?\n'
    )


# -- status and config ----------------------------------------------------------------------------


def test_status_when_unconfigured(world: World) -> None:
    host = machine(world, 0)
    assert maas(host, 'status') == Completed(('maas', 'status'), 1, 'MAAS is not configured\n', '')


def test_status_of_a_region(region: SimHost, clock: Clock) -> None:
    """``run-pebble services``: pebble's table of the base and region layers, exit 0."""
    clock.now += 3723
    result = maas(region, 'status')
    assert result == Completed(
        ('maas', 'status'),
        0,
        'Service          Startup   Current  Since\n'
        'apiserver        enabled   active   today at 22:13 UTC\n'
        'bind9            disabled  active   today at 22:13 UTC\n'
        'http             disabled  active   today at 22:13 UTC\n'
        'ntp              disabled  active   today at 22:13 UTC\n'
        'proxy            disabled  active   today at 22:13 UTC\n'
        'regiond          enabled   active   today at 22:13 UTC\n'
        'syslog           disabled  active   today at 22:13 UTC\n'
        'temporal         disabled  active   today at 22:13 UTC\n'
        'temporal-worker  disabled  active   today at 22:13 UTC\n',
        '',
    )
    clock.now += 86400
    assert 'yesterday at 22:13 UTC' in maas(region, 'status').stdout


def test_status_of_a_rack(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, '0' * 32)  # rejected: the region has not taken the rack
    result = maas(rack, 'status')
    assert result.returncode == 0  # pebble lists inactive services without failing
    rows = [line.split()[:3] for line in result.stdout.splitlines()]
    assert rows == [
        ['Service', 'Startup', 'Current'],
        ['agent', 'disabled', 'active'],
        ['bind9', 'disabled', 'inactive'],
        ['dhcpd', 'disabled', 'inactive'],
        ['dhcpd6', 'disabled', 'inactive'],
        ['http', 'disabled', 'active'],
        ['ntp', 'disabled', 'inactive'],
        ['proxy', 'disabled', 'inactive'],
        ['rackd', 'enabled', 'active'],
        ['syslog', 'disabled', 'inactive'],
    ]
    assert 'dhcpd    disabled  inactive  -\n' in result.stdout
    init_rack(rack, secret_of(region))
    registered = maas(rack, 'status').stdout
    assert [line.split()[2] for line in registered.splitlines()[1:]] == [
        'active', 'active', 'inactive', 'inactive', 'active', 'active', 'active', 'active',
        'active',
    ]  # fmt: skip


def test_status_of_a_region_and_rack(world: World) -> None:
    host = machine(world, 0)
    init_region(host, mode='region+rack')
    services = [line.split()[0] for line in maas(host, 'status').stdout.splitlines()[1:]]
    assert services == [
        'agent', 'apiserver', 'bind9', 'dhcpd', 'dhcpd6', 'http', 'ntp', 'proxy', 'rackd',
        'regiond', 'syslog', 'temporal', 'temporal-worker',
    ]  # fmt: skip


def test_status_when_pebble_is_down(region: SimHost, clock: Clock) -> None:
    """pebble's client cannot connect; cmd_status says so and exits with pebble's status."""
    region.run(['snap', 'stop', 'maas'])
    assert maas(region, 'status') == Completed(
        ('maas', 'status'),
        1,
        'Pebble exited with error code 1 and the following output:\n',
        'error: cannot communicate with server: Get "http://localhost/v1/services?names=": '
        'dial unix /var/snap/maas/common/pebble/.pebble.socket: connect: no such file or '
        'directory\n',
    )
    region.run(['snap', 'start', 'maas'])
    assert maas(region, 'status').returncode == 0


def test_the_snap_runs_pebble_not_supervisor(world: World) -> None:
    """The maas snap's only service since 3.5 is pebble (snapcraft.yaml, epoch 4)."""
    host = machine(world, 0)
    services = host.run(['snap', 'services', 'maas']).stdout.splitlines()
    assert [line.split()[:3] for line in services] == [
        ['Service', 'Startup', 'Current'],
        ['maas.pebble', 'enabled', 'active'],
    ]
    stop = host.run(['systemctl', 'stop', 'snap.maas.supervisor'], check=False)
    assert (stop.returncode, stop.stderr) == (
        5,
        'Failed to stop snap.maas.supervisor.service: Unit snap.maas.supervisor.service not '
        'loaded.\n',
    )


def test_a_refresh_restarts_pebble_and_the_rack_registers_its_new_version(
    world: World, region: SimHost, clock: Clock
) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    login(region, admin_key(region))
    assert [node['version'] for node in racks(region)] == ['3.6.0-16377-g.dc4fc3b74']
    clock.now += 60
    rack.snap_refresh('maas', channel='3.6/edge')  # snapd restarts the running pebble
    assert [node['version'] for node in racks(region)] == ['3.6.1-16402-g.e7c84a3f1']


def test_3_5_runs_pebble_too(world: World) -> None:
    host = world.add_machine('5', hostname='node-5', addresses=['10.0.0.15'])
    host.snap_install('maas', channel='3.5/stable')
    assert host.service_active(PEBBLE_SERVICE)
    assert init_region(host).returncode == 0
    assert maas(host, 'status').stdout.startswith('Service ')


def test_config_change_restarts_only_a_running_pebble(world: World, region: SimHost) -> None:
    region.run(['snap', 'stop', 'maas'])
    result = maas(region, 'config', '--maas-url', 'http://10.0.0.99:5240/MAAS')
    assert (result.returncode, result.stdout) == (0, 'Restarting services\n')
    active = region.run(['systemctl', 'is-active', PEBBLE_SERVICE], check=False)
    assert active.stdout == 'inactive\n'  # restart_pebble() leaves a stopped pebble stopped


def test_config_of_a_region(region: SimHost) -> None:
    assert maas(region, 'config', '--parsable').stdout == (
        'mode=region\n'
        f'maas_url={URL}\n'
        'database_host=10.0.0.5\n'
        'database_port=5432\n'
        'database_name=maasdb\n'
        'database_user=maas\n'
        'database_pass=(hidden)\n'
    )
    shown = maas(region, 'config', '--parsable', '--show-database-password')
    assert 'database_pass=db-password\n' in shown.stdout
    assert maas(region, 'config').stdout.startswith('Mode: region\nSettings:\nmaas_url=')


def test_config_of_a_rack(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    secret = secret_of(region)
    init_rack(rack, secret)
    assert maas(rack, 'config', '--parsable').stdout == (
        f'mode=rack\nmaas_url={URL}\nsecret=(hidden)\n'
    )
    assert maas(rack, 'config', '--parsable', '--show-secret').stdout == (
        f'mode=rack\nmaas_url={URL}\nsecret={secret}\n'
    )


def test_config_when_unconfigured(world: World) -> None:
    host = machine(world, 0)
    assert maas(host, 'config', '--parsable').stdout == 'mode=none\n'


def test_config_changes(world: World, region: SimHost) -> None:
    refused = maas(region, 'config', '--secret', Sensitive('x' * 32))
    assert (refused.returncode, refused.stdout) == (
        1,
        "Following flags are not supported in 'region' mode: --secret\n",
    )
    rack = machine(world, 1)
    init_rack(rack, secret_of(region), url='http://10.0.0.99:5240/MAAS')
    assert not rack.exists(MAAS_ID_FILE)
    moved = maas(rack, 'config', '--maas-url', URL)
    assert (moved.returncode, moved.stdout) == (0, 'Restarting services\n')
    assert rack.exists(MAAS_ID_FILE)


# -- the API --------------------------------------------------------------------------------------


def test_login_and_logout(region: SimHost) -> None:
    key = admin_key(region)
    result = login(region, key)
    assert result == Completed(
        ('maas', 'login', 'admin', URL, '-'),
        0,
        '\n'
        'You are now logged in to the MAAS server at\n'
        f"{URL}/api/2.0/ with the profile name 'admin'.\n"
        '\n'
        'For help with the available commands, try:\n'
        '\n'
        '  maas admin --help\n'
        '\n',
        '',
    )
    assert key not in result.stdout + result.stderr
    assert racks(region) == []
    assert maas(region, 'logout', 'admin') == Completed(('maas', 'logout', 'admin'), 0, '', '')
    gone = maas(region, 'admin', 'rack-controllers', 'read')
    assert gone.returncode == 2
    assert "invalid choice: 'admin'" in gone.stderr


def test_login_with_a_bad_key(region: SimHost) -> None:
    admin_key(region)
    result = login(region, 'aaa:bbb:ccc')
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        '',
        'The MAAS server rejected your API key.\n',
    )
    malformed = login(region, 'not-a-key')
    assert malformed.returncode == 2
    assert malformed.stderr.endswith(
        "Malformed credentials string.  Expected 3 colon-separated items, got '<redacted>'.\n"
    )
    assert 'not-a-key' not in malformed.stderr


def test_login_prompts_for_the_key_without_an_argument(region: SimHost) -> None:
    key = admin_key(region)
    result = maas(region, 'login', 'admin', URL, input=f'{key}\n')
    assert result.returncode == 0
    assert result.stderr == (
        'Warning: Password input may be echoed.\nAPI key (leave empty for anonymous access): \n'
    )
    assert racks(region) == []


def test_a_region_by_host_name(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region), url='http://node-0:5240/MAAS')
    assert rack.exists(MAAS_ID_FILE)


def test_help_says_it_is_a_simulation(region: SimHost) -> None:
    result = maas(region, '--help')
    assert result.returncode == 0
    assert result.stdout.startswith('usage: maas [-h] COMMAND ...')
    assert 'simulated machine' in result.stdout


def test_login_to_nothing(world: World) -> None:
    host = machine(world, 1)
    result = login(host, 'a:b:c', url='http://10.0.0.10:5240/MAAS')
    assert result.returncode == 2
    assert result.stderr == 'usage: maas [-h] COMMAND ...\n\n[Errno 113] No route to host\n'
    machine(world, 0)
    refused = login(host, 'a:b:c', url='http://10.0.0.10:5240/MAAS')
    assert refused.stderr.endswith('\n[Errno 111] Connection refused\n')


def test_logout_before_any_login(region: SimHost) -> None:
    result = maas(region, 'logout', 'admin')
    assert (result.returncode, result.stderr) == (
        2,
        'usage: maas [-h] COMMAND ...\n\n/root/.maascli.db\n',
    )


def test_rack_controller_delete(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    system_id = rack.read_text(MAAS_ID_FILE)
    login(region, admin_key(region))
    missing = maas(region, 'admin', 'rack-controller', 'delete', 'xxxxxx')
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        2,
        'No RackController matches the given query.',
        '',
    )
    debug = maas(region, 'admin', 'rack-controller', 'delete', 'xxxxxx', '--debug')
    assert debug.stderr.startswith('404 Not Found\n\n')
    rack.run(['snap', 'remove', 'maas'])  # the rack departed
    deleted = maas(region, 'admin', 'rack-controller', 'delete', system_id)
    assert deleted == Completed(
        ('maas', 'admin', 'rack-controller', 'delete', system_id), 0, '', ''
    )
    assert racks(region) == []


def test_a_deleted_rack_that_still_runs_comes_back(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    old = rack.read_text(MAAS_ID_FILE)
    login(region, admin_key(region))
    assert maas(region, 'admin', 'rack-controller', 'delete', old).returncode == 0
    (node,) = racks(region)  # rackd registered again, as a new node
    assert node['system_id'] != old
    assert rack.read_text(MAAS_ID_FILE) == node['system_id']


def test_rack_controller_read_and_filters(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    login(region, admin_key(region))
    system_id = rack.read_text(MAAS_ID_FILE)
    one = maas(region, 'admin', 'rack-controller', 'read', system_id)
    assert json.loads(one.stdout)['hostname'] == 'node-1'
    assert not one.stdout.endswith('\n')  # no terminal: the body as is
    filtered = maas(region, 'admin', 'rack-controllers', 'read', 'hostname=node-9')
    assert filtered.stdout == '[]'
    bad = maas(region, 'admin', 'rack-controllers', 'read', 'hostname')
    assert (bad.returncode, bad.stderr) == (
        1,
        "'hostname' is not a name=value or name@=filename pair\n",
    )


def test_api_calls_to_a_region_that_is_down(region: SimHost) -> None:
    login(region, admin_key(region))
    region.run(['snap', 'stop', 'maas'])
    result = maas(region, 'admin', 'rack-controllers', 'read')
    assert (result.returncode, result.stderr) == (
        2,
        'usage: maas [-h] COMMAND ...\n\n[Errno 111] Connection refused\n',
    )


def test_unemulated_commands_say_so(region: SimHost) -> None:
    with pytest.raises(SimError, match='not emulated'):
        region.run(['maas', 'changepassword', 'admin'])
    login(region, admin_key(region))
    with pytest.raises(SimError, match="API resource 'machines'"):
        region.run(['maas', 'admin', 'machines', 'read'])


# -- the World ------------------------------------------------------------------------------------


def build(world: World) -> tuple[SimHost, SimHost]:
    region = machine(world, 0)
    init_region(region)
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    login(region, admin_key(region))
    return region, rack


def observe(region: SimHost, rack: SimHost) -> list[str]:
    return [
        maas(region, 'status').stdout,
        maas(region, 'apikey', '--username', 'admin').stdout,
        maas(region, 'admin', 'rack-controllers', 'read').stdout,
        maas(rack, 'config', '--parsable', '--show-secret').stdout,
        rack.read_text(MAAS_ID_FILE),
        '\n'.join(log_lines(rack)),
    ]


def test_persistence_round_trip(world: World, clock: Clock) -> None:
    region, rack = build(world)
    before = observe(region, rack)
    dumped = {m: world.dump_machine(m) for m in ('0', '1')}
    shared = world.dump_shared()

    again = World(sleep=lambda _: None, clock=clock, retry=RetryPolicy(attempts=1))
    again.load_shared(shared)
    hosts = [again.load_machine(m, data) for m, data in dumped.items()]
    assert observe(*hosts) == before
    assert again.changed == set()  # looking changes nothing
    assert init_rack(hosts[1], '0' * 32).returncode == 0
    assert again.changed == {'1'}


def test_the_same_story_draws_the_same_values(clock: Clock) -> None:
    worlds = [World(sleep=lambda _: None, clock=clock) for _ in range(2)]
    assert observe(*build(worlds[0])) == observe(*build(worlds[1]))


def test_a_connected_rack_registers_once_per_connection(world: World, region: SimHost) -> None:
    rack = machine(world, 1)
    init_rack(rack, secret_of(region))
    rack.remove(MAAS_ID_FILE)
    assert maas(rack, 'status').returncode == 0  # rackd keeps its connection
    assert not rack.exists(MAAS_ID_FILE)
    init_rack(rack, 'f' * 32)  # init restarts rackd: a new connection, refused
    assert not rack.exists(MAAS_ID_FILE)
    assert 'FAILED authentication' in log_lines(rack)[-1]
