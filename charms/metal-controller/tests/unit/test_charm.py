"""The charm through ops.testing: every event path, statuses, secrets, HA turns and actions."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

import metal_host
import pytest
from metal_interfaces import metal_region_testing
from ops import testing

import charm
from conftest import (
    API_KEY,
    DB_PASSWORD,
    DB_USER,
    PEER_ID,
    SHARED_SECRET,
    Cluster,
    MaasHost,
    context,
    database,
    leaks,
    networks,
    peers,
)

URL = 'http://10.0.0.1:5240/MAAS'
ACTIVE = testing.ActiveStatus(f'MAAS 3.6.0 region at {URL}')
NO_DATABASE = testing.BlockedStatus(
    'needs a PostgreSQL database: integrate metal-controller:database with a '
    'postgresql_client provider (e.g. postgresql)'
)
RACK_ID = 30


def state(
    *relations: testing.RelationBase,
    secrets: tuple[testing.Secret, ...] = (),
    leader: bool = True,
    config: dict[str, str | bool] | None = None,
    peer: testing.PeerRelation | None = None,
) -> testing.State:
    return testing.State(
        leader=leader,
        config=config or {},
        relations={peer or peers(), *relations},
        secrets=set(secrets),
        networks=networks('10.0.0.1'),
    )


def with_db(**kwargs: Any) -> testing.State:
    db, secret = database()
    extra: tuple[testing.RelationBase, ...] = kwargs.pop('relations', ())
    return state(db, *extra, secrets=(secret,), **kwargs)


def run(host: MaasHost, event_of: Any, before: testing.State, unit_id: int = 0) -> testing.State:
    """Run one event with ``host`` bound; nothing the charm wrote may hold a credential."""
    ctx = context(unit_id)
    with metal_host.bound(host):
        out = ctx.run(event_of(ctx, before), before)
    assert not leaks(out), leaks(out)
    return out


def config_changed(ctx: testing.Context[Any], _: testing.State) -> Any:
    return ctx.on.config_changed()


def update_status(ctx: testing.Context[Any], _: testing.State) -> Any:
    return ctx.on.update_status()


def peer_bag(out: testing.State) -> dict[str, str]:
    return dict(out.get_relation(PEER_ID).local_unit_data)


def app_bag(out: testing.State) -> dict[str, str]:
    return dict(out.get_relation(PEER_ID).local_app_data)


def secret_labelled(out: testing.State, label: str) -> testing.Secret:
    [secret] = [s for s in out.secrets if s.label == label]
    return secret


@pytest.fixture
def active(host: MaasHost) -> testing.State:
    """A single leader unit, initialised and active."""
    out = run(host, config_changed, with_db())
    assert out.unit_status == ACTIVE
    host.calls.clear()
    return out


# -- install and config --------------------------------------------------------------------------


def test_install_installs_and_holds_the_snap_from_the_channel() -> None:
    host = MaasHost(installed=None)
    out = run(host, lambda ctx, _: ctx.on.install(), state(config={'channel': '3.5/stable'}))
    assert host.snaps['maas'] == metal_host.SnapState('3.5/stable', held=True)
    assert [c.method for c in host.calls if c.method.startswith('snap')] == [
        'snap_install',
        'snap_hold',
    ]
    assert host.calls_to('snap_install')[0].kwargs == {'channel': '3.5/stable'}
    assert host.inits == []
    assert out.unit_status == NO_DATABASE
    assert out.opened_ports == {testing.TCPPort(5240)}


def test_an_installed_snap_is_not_installed_again(host: MaasHost) -> None:
    run(host, lambda ctx, _: ctx.on.install(), state())
    assert host.calls_to('snap_install') == []


@pytest.mark.parametrize('channel', ['3.6', 'stable', 'latest/stabel', '3.6/stable/', 'ba d'])
def test_an_invalid_channel_blocks_naming_option_and_value(channel: str) -> None:
    host = MaasHost(installed=None)
    out = run(host, config_changed, with_db(config={'channel': channel}))
    assert out.unit_status == testing.BlockedStatus(
        f'invalid config: channel {channel!r} is not a snap channel '
        '<track>/<risk>[/<branch>], e.g. 3.6/stable'
    )
    assert host.snaps == {}
    assert host.inits == []


@pytest.mark.parametrize('channel', ['3.4/stable', '2.9/edge', '3.0/candidate/fix'])
def test_a_channel_before_maas_3_5_blocks(channel: str) -> None:
    """MAAS 3.4 and older run supervisord, not pebble: not what this charm drives."""
    host = MaasHost()
    out = run(host, config_changed, with_db(config={'channel': channel}))
    assert out.unit_status == testing.BlockedStatus(
        f'invalid config: channel {channel!r} is not MAAS 3.5 or later (the snap runs its '
        'services under pebble since 3.5), e.g. 3.6/stable'
    )
    assert host.inits == []


def test_a_track_that_installs_maas_before_3_5_blocks() -> None:
    """A track that names no series is checked by the version it installed."""
    host = MaasHost(installed='latest/stable')
    out = run(host, config_changed, with_db(config={'channel': 'latest/stable'}))
    assert out.unit_status == testing.BlockedStatus(
        'MAAS 3.4.2 (from latest/stable) is older than 3.5, which this charm needs (pebble); '
        'set channel to e.g. 3.6/stable'
    )
    assert host.inits == []


def test_valid_channels_are_accepted() -> None:
    for channel in ('3.6/stable', 'latest/edge', '3.6/beta/fix-123', '1.32-classic/candidate'):
        assert charm.Settings.load({'channel': channel}).channel == channel  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ('url', 'shown'),
    [
        ('10.0.0.100:5240/MAAS', "'10.0.0.100:5240/MAAS'"),
        ('http://10.0.0.100:5240/', "'http://10.0.0.100:5240/'"),
        ('ftp://10.0.0.100/MAAS', "'ftp://10.0.0.100/MAAS'"),
        ('http://10.0.0.100:99999/MAAS', "'http://10.0.0.100:99999/MAAS'"),
        ('http://admin:hunter2@10.0.0.100/MAAS', '(a URL with credentials)'),
    ],
)
def test_an_invalid_maas_url_blocks(url: str, shown: str) -> None:
    host = MaasHost()
    out = run(host, config_changed, with_db(config={'maas-url': url}))
    assert out.unit_status == testing.BlockedStatus(
        f'invalid config: maas-url {shown} must be http(s)://host[:port]/MAAS'
    )
    assert host.inits == []
    assert 'hunter2' not in out.unit_status.message


def test_snap_install_failure_blocks_naming_the_channel() -> None:
    host = MaasHost(installed=None)
    host.fail(
        'snap_install',
        metal_host.CommandError(
            ['snap', 'install', 'maas'], 1, '', 'error: requested a non-existing branch on 9.9'
        ),
    )
    out = run(host, lambda ctx, _: ctx.on.install(), state(config={'channel': '9.9/stable'}))
    assert out.unit_status == testing.BlockedStatus(
        'cannot install maas from 9.9/stable: error: requested a non-existing branch on 9.9; '
        'will retry on the next event'
    )


def test_a_busy_snapd_is_maintenance_installing() -> None:
    host = MaasHost(installed=None)
    host.fail(
        'snap_install',
        metal_host.CommandError(['snap'], 10, '', 'error: snap "maas" has "x" change in progress'),
    )
    out = run(host, lambda ctx, _: ctx.on.install(), state())
    assert out.unit_status == testing.MaintenanceStatus(
        'installing MAAS: cannot install maas from 3.6/stable: error: snap "maas" has "x" '
        'change in progress; will retry'
    )
    host.fail('snap_install', None)
    out = run(host, update_status, dataclasses.replace(out))
    assert out.unit_status == NO_DATABASE


def test_a_snap_not_listed_yet_after_install_is_maintenance_installing() -> None:
    host = metal_host.RecordingHost()
    host.expect('snap list maas', returncode=1, stderr='error: no matching snaps installed')
    ctx = context()
    with metal_host.bound(host):
        out = ctx.run(ctx.on.install(), with_db())
    assert out.unit_status == testing.MaintenanceStatus('installing MAAS from 3.6/stable')
    assert host.calls_to('snap_install')


def test_rack_mode_opens_the_rack_ports(host: MaasHost) -> None:
    out = run(host, config_changed, state(config={'enable-rack-mode': True}))
    assert out.opened_ports == {
        testing.TCPPort(5240),
        testing.UDPPort(69),
        testing.TCPPort(5248),
    }


# -- database ------------------------------------------------------------------------------------


def test_related_but_not_created_waits(host: MaasHost) -> None:
    db = testing.Relation('database', remote_app_name='postgresql', remote_app_data={})
    out = run(host, lambda ctx, s: ctx.on.relation_created(db), state(db))
    assert out.unit_status == testing.WaitingStatus(
        'waiting for postgresql to create database maas'
    )
    # the leader asked for the database, listing the fields to send as secrets
    local = out.get_relation(db.id).local_app_data
    assert local['database'] == 'maas'
    assert 'password' in json.loads(local['requested-secrets'])
    assert host.inits == []


def test_an_ungranted_user_secret_waits(host: MaasHost) -> None:
    db, _ = database()
    out = run(host, config_changed, state(db))  # the secret is not in the state
    assert out.unit_status == testing.WaitingStatus(
        'waiting for the database user secret of postgresql'
    )
    assert host.inits == []


def test_init_with_the_database(host: MaasHost) -> None:
    out = run(host, config_changed, with_db())
    [argv] = host.inits
    assert argv == (
        'maas',
        'init',
        'region',
        '--database-uri',
        f'postgres://{DB_USER}:{DB_PASSWORD}@10.0.0.41:5432/maas',
        '--maas-url',
        URL,
        '--force',
    )
    assert isinstance(argv[4], metal_host.Sensitive)
    assert out.unit_status == ACTIVE
    assert out.workload_version == '3.6.0'
    bag = peer_bag(out)
    assert bag['wants'] == bag['applied']
    wants = json.loads(bag['wants'])
    assert wants == {
        'channel': '3.6/stable',
        'mode': 'region',
        'maas_url': URL,
        'db_host': '10.0.0.41',
        'db_port': 5432,
        'db_name': 'maas',
        'db_user': DB_USER,
        'credentials': wants['credentials'],
    }
    assert DB_PASSWORD not in wants['credentials']
    assert json.loads(bag['address']) == '10.0.0.1'
    assert 'turn' not in app_bag(out)  # granted, used and handed back in one hook


def test_reconcile_is_idempotent(host: MaasHost, active: testing.State) -> None:
    out = run(host, update_status, active)
    assert host.inits == []
    assert host.calls_to('snap_install') == []
    assert out.unit_status == ACTIVE
    assert peer_bag(out) == peer_bag(active)


def test_rack_mode_inits_region_and_rack(host: MaasHost) -> None:
    out = run(host, config_changed, with_db(config={'enable-rack-mode': True}))
    assert host.inits[0][2] == 'region+rack'
    assert out.unit_status == testing.ActiveStatus(f'MAAS 3.6.0 region at {URL} (region+rack)')


def test_switching_rack_mode_on_reinitialises(host: MaasHost, active: testing.State) -> None:
    out = run(host, config_changed, dataclasses.replace(active, config={'enable-rack-mode': True}))
    assert [argv[2] for argv in host.inits] == ['region+rack']
    assert out.unit_status.message.endswith('(region+rack)')


def test_maas_url_is_used_for_init(host: MaasHost) -> None:
    vip = 'https://maas.example.com/MAAS'
    out = run(host, config_changed, with_db(config={'maas-url': vip}))
    assert host.inits[0][6] == vip
    assert out.unit_status == testing.ActiveStatus(f'MAAS 3.6.0 region at {vip}')


def test_init_failure_blocks_with_maas_message_and_no_credential(host: MaasHost) -> None:
    host.expect(
        'maas init',
        returncode=1,
        stderr=f'psycopg2.OperationalError: password authentication failed ({DB_PASSWORD})',
    )
    out = run(host, config_changed, with_db())
    assert out.unit_status == testing.BlockedStatus(
        'maas init region failed: psycopg2.OperationalError: password authentication failed '
        '(<redacted>); will retry on the next event'
    )
    bag = peer_bag(out)
    assert bag['failed'] == bag['wants']
    assert 'applied' not in bag
    # it retries with the turn on the next event, and succeeds
    host.expect('maas init')
    out = run(host, update_status, out)
    assert len(host.inits) == 2
    assert out.unit_status == ACTIVE
    assert 'failed' not in peer_bag(out)


def test_init_timeout_is_maintenance_initialising(host: MaasHost) -> None:
    host.expect('maas init', error=metal_host.CommandTimeoutError(['maas', 'init'], 1800))
    out = run(host, config_changed, with_db())
    assert out.unit_status == testing.MaintenanceStatus(
        "initialising MAAS: maas init region failed: command 'maas init' timed out after 1800s; "
        'will retry'
    )
    bag = peer_bag(out)
    assert bag['failed'] == bag['wants']


def test_credentials_rotation_reinitialises(host: MaasHost, active: testing.State) -> None:
    [user_secret] = [s for s in active.secrets if s.owner is None]
    rotated = dataclasses.replace(
        user_secret, latest_content={'username': DB_USER, 'password': 'n3w-Passw0rd-x'}
    )
    before = dataclasses.replace(
        active, secrets={*(s for s in active.secrets if s.id != rotated.id), rotated}
    )
    out = run(host, lambda ctx, s: ctx.on.secret_changed(rotated), before)
    [argv] = host.inits
    assert argv[4] == f'postgres://{DB_USER}:n3w-Passw0rd-x@10.0.0.41:5432/maas'
    assert isinstance(argv[4], metal_host.Sensitive)
    assert peer_bag(out)['applied'] != peer_bag(active)['applied']
    assert not leaks(out, 'n3w-Passw0rd-x')
    assert out.unit_status == ACTIVE


def test_a_new_primary_reinitialises(host: MaasHost, active: testing.State) -> None:
    db = active.get_relation(8)
    moved = dataclasses.replace(
        db, remote_app_data={**db.remote_app_data, 'endpoints': '10.0.0.42:5432'}
    )
    before = dataclasses.replace(
        active, relations={*(r for r in active.relations if r.id != 8), moved}
    )
    out = run(host, lambda ctx, s: ctx.on.relation_changed(moved), before)
    assert '@10.0.0.42:5432/maas' in host.inits[0][4]
    assert out.unit_status == ACTIVE


def test_database_broken_stops_maas_and_blocks(host: MaasHost, active: testing.State) -> None:
    db = active.get_relation(8)
    out = run(host, lambda ctx, s: ctx.on.relation_broken(db), active)
    assert [c.args for c in host.calls_to('service')] == [
        ('stop', 'snap.maas.pebble'),
        ('disable', 'snap.maas.pebble'),
    ]
    assert out.unit_status == NO_DATABASE
    bag = peer_bag(out)
    assert 'applied' not in bag and 'wants' not in bag
    # a new database: init again
    host.calls.clear()
    again = run(host, config_changed, with_db(peer=out.get_relation(PEER_ID)))
    assert len(host.inits) == 1
    assert again.unit_status == ACTIVE


def test_no_peer_relation_waits() -> None:
    host = MaasHost()
    db, secret = database()
    before = testing.State(leader=True, relations={db}, secrets={secret})
    out = run(host, config_changed, before)
    assert out.unit_status == testing.WaitingStatus(
        'waiting for the region-peers relation: init runs in turns granted through it'
    )
    assert host.inits == []


def test_an_action_hook_keeps_the_last_status(host: MaasHost, active: testing.State) -> None:
    before = dataclasses.replace(active, leader=False)
    with pytest.raises(testing.ActionFailed):
        run(host, lambda ctx, s: ctx.on.action('get-api-key', params={'username': 'a'}), before)
    ctx = context()
    with metal_host.bound(host):
        out = ctx.run(ctx.on.action('get-api-key', params={'username': 'alice'}), active)
    assert out.unit_status == ACTIVE
    assert host.commands == [('maas', 'apikey', '--username=alice')]  # no reconcile


EVENTS: dict[str, Any] = {
    'install': lambda ctx, s: ctx.on.install(),
    'start': lambda ctx, s: ctx.on.start(),
    'config-changed': lambda ctx, s: ctx.on.config_changed(),
    'upgrade-charm': lambda ctx, s: ctx.on.upgrade_charm(),
    'update-status': lambda ctx, s: ctx.on.update_status(),
    'leader-elected': lambda ctx, s: ctx.on.leader_elected(),
    'region-peers-relation-created': lambda ctx, s: ctx.on.relation_created(
        s.get_relation(PEER_ID)
    ),
    'region-peers-relation-changed': lambda ctx, s: ctx.on.relation_changed(
        s.get_relation(PEER_ID), remote_unit=1
    ),
    'region-peers-relation-departed': lambda ctx, s: ctx.on.relation_departed(
        s.get_relation(PEER_ID), remote_unit=1, departing_unit=1
    ),
    'database-relation-created': lambda ctx, s: ctx.on.relation_created(s.get_relation(8)),
    'database-relation-changed': lambda ctx, s: ctx.on.relation_changed(s.get_relation(8)),
    'secret-changed': lambda ctx, s: ctx.on.secret_changed(
        next(x for x in s.secrets if x.owner is None)
    ),
    'metal-region-relation-joined': lambda ctx, s: ctx.on.relation_joined(
        s.get_relation(RACK_ID), remote_unit=0
    ),
    'metal-region-relation-broken': lambda ctx, s: ctx.on.relation_broken(s.get_relation(RACK_ID)),
}


@pytest.mark.parametrize('event', sorted(EVENTS))
def test_every_event_reconciles_once(host: MaasHost, event: str) -> None:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    out = run(host, EVENTS[event], with_db(relations=(rack,), peer=peers(others={1: {}})))
    assert len(host.inits) == 1
    assert out.unit_status == ACTIVE
    host.calls.clear()
    again = run(host, EVENTS[event], out)
    assert host.inits == []
    assert again.unit_status == ACTIVE


def test_lib_problems_outrank_the_charm_status(host: MaasHost) -> None:
    db = testing.Relation(
        'database',
        remote_app_name='postgresql',
        remote_app_data={'endpoints': '10.0.0.41:5432', 'password': DB_PASSWORD},
    )
    out = run(host, lambda ctx, s: ctx.on.relation_changed(db), state(db))
    assert out.unit_status.name == 'blocked'
    assert 'provider sent credentials in plain relation data' in out.unit_status.message
    assert host.inits == []


# -- channel refresh ------------------------------------------------------------------------------


def test_channel_change_refreshes_without_init(host: MaasHost, active: testing.State) -> None:
    out = run(host, config_changed, dataclasses.replace(active, config={'channel': '3.6/edge'}))
    assert host.calls_to('snap_refresh')[0].kwargs == {'channel': '3.6/edge'}
    assert [c.method for c in host.calls if c.method.startswith('snap_')] == [
        'snap_refresh',
        'snap_hold',
    ]
    assert host.inits == []
    assert out.unit_status == testing.ActiveStatus(f'MAAS 3.6.1 region at {URL}')
    assert json.loads(peer_bag(out)['applied'])['channel'] == '3.6/edge'
    assert out.workload_version == '3.6.1'


def test_refresh_failure_blocks_and_keeps_the_old_applied(
    host: MaasHost, active: testing.State
) -> None:
    host.fail(
        'snap_refresh',
        metal_host.CommandError(
            ['snap'], 1, '', 'error: snap "maas" is not available on 4.0/stable'
        ),
    )
    out = run(host, config_changed, dataclasses.replace(active, config={'channel': '4.0/stable'}))
    assert out.unit_status == testing.BlockedStatus(
        'cannot refresh maas to 4.0/stable: error: snap "maas" is not available on 4.0/stable; '
        'will retry on the next event'
    )
    assert peer_bag(out)['applied'] == peer_bag(active)['applied']


# -- HA: turns -----------------------------------------------------------------------------------


def test_two_units_init_one_at_a_time_leader_first() -> None:
    cluster = Cluster(2, leader=0)
    cluster.run(1)  # the non-leader publishes what it wants, but has no turn
    assert cluster.inits() == {0: 0, 1: 0}
    assert cluster.statuses[1] == testing.WaitingStatus(
        'init: waiting for the leader to grant the init turn'
    )
    cluster.run(0)  # the leader goes first and hands the turn on in the same hook
    assert cluster.inits() == {0: 1, 1: 0}
    assert cluster.turn == 'metal-controller/1'
    cluster.run(1)
    assert cluster.inits() == {0: 1, 1: 1}
    cluster.run(0)  # the leader sees unit 1 done
    assert cluster.turn is None
    assert cluster.statuses == {
        0: testing.ActiveStatus('MAAS 3.6.0 region at http://10.0.0.1:5240/MAAS'),
        1: testing.ActiveStatus('MAAS 3.6.0 region at http://10.0.0.2:5240/MAAS'),
    }


def test_three_units_turns_follow_leader_then_unit_number() -> None:
    cluster = Cluster(3, leader=2)
    cluster.run(0)
    cluster.run(1)
    assert cluster.inits() == {0: 0, 1: 0, 2: 0}

    cluster.run(2)  # leader first
    assert cluster.inits() == {0: 0, 1: 0, 2: 1}
    assert cluster.turn == 'metal-controller/0'

    cluster.run(1)  # not its turn: it waits and names the holder
    assert cluster.inits() == {0: 0, 1: 0, 2: 1}
    assert cluster.statuses[1] == testing.WaitingStatus(
        'init: waiting for the init turn, held by metal-controller/0'
    )
    cluster.run(2)  # unit 0 has not reported done: the turn stays
    assert cluster.turn == 'metal-controller/0'

    cluster.run(0)
    assert cluster.inits() == {0: 1, 1: 0, 2: 1}
    cluster.run(2)
    assert cluster.turn == 'metal-controller/1'
    cluster.run(1)
    cluster.run(2)
    assert cluster.inits() == {0: 1, 1: 1, 2: 1}
    assert cluster.turn is None
    cluster.settle()
    assert cluster.inits() == {0: 1, 1: 1, 2: 1}  # settled: nobody inits twice


def test_the_turn_moves_on_when_its_holder_departs() -> None:
    cluster = Cluster(3, leader=0)
    cluster.run(1)
    cluster.run(2)
    cluster.run(0)
    assert cluster.turn == 'metal-controller/1'
    cluster.depart(1)  # before it ever ran init
    assert cluster.turn == 'metal-controller/2'
    cluster.run(2)
    assert cluster.inits() == {0: 1, 1: 0, 2: 1}


def test_a_failing_unit_does_not_stall_the_others() -> None:
    cluster = Cluster(3, leader=0)
    cluster.hosts[1].expect('maas init', returncode=1, stderr='could not connect to server')
    cluster.settle()
    assert cluster.inits() == {0: 1, 1: cluster.inits()[1], 2: 1}
    assert cluster.statuses[2].name == 'active'
    assert cluster.statuses[1] == testing.BlockedStatus(
        'maas init region failed: could not connect to server; will retry on the next event'
    )
    assert cluster.turn == 'metal-controller/1'  # nobody else needs it: it keeps retrying
    cluster.hosts[1].expect('maas init')
    cluster.settle()
    assert cluster.statuses[1].name == 'active'
    assert cluster.turn is None


def test_channel_refresh_is_serialized() -> None:
    cluster = Cluster(3, leader=1)
    cluster.settle()
    cluster.config = {'channel': '3.6/edge'}
    cluster.run(0)
    cluster.run(2)
    refreshed = {n: len(h.calls_to('snap_refresh')) for n, h in cluster.hosts.items()}
    assert refreshed == {0: 0, 1: 0, 2: 0}
    assert cluster.statuses[0] == testing.WaitingStatus(
        'new settings: waiting for the leader to grant the init turn'
    )
    cluster.run(1)  # the leader refreshes itself, then hands the turn to unit 0
    assert {n: len(h.calls_to('snap_refresh')) for n, h in cluster.hosts.items()} == {
        0: 0,
        1: 1,
        2: 0,
    }
    assert cluster.turn == 'metal-controller/0'
    cluster.run(2)
    assert len(cluster.hosts[2].calls_to('snap_refresh')) == 0
    assert cluster.statuses[2] == testing.WaitingStatus(
        'new settings: waiting for the init turn, held by metal-controller/0'
    )
    cluster.settle()
    assert {n: len(h.calls_to('snap_refresh')) for n, h in cluster.hosts.items()} == {
        0: 1,
        1: 1,
        2: 1,
    }
    assert cluster.inits() == {0: 1, 1: 1, 2: 1}  # a refresh alone does not re-init
    assert all(s.message.startswith('MAAS 3.6.1 region') for s in cluster.statuses.values())


def test_a_new_leader_keeps_the_turn_where_it_is() -> None:
    cluster = Cluster(3, leader=0)
    cluster.run(1)
    cluster.run(2)
    cluster.run(0)
    assert cluster.turn == 'metal-controller/1'
    cluster.leader = 2  # unit 2 still needs the turn, but unit 1 holds it
    cluster.run(2, lambda ctx, s: ctx.on.leader_elected())
    assert cluster.turn == 'metal-controller/1'
    assert cluster.inits() == {0: 1, 1: 0, 2: 0}
    cluster.run(1)
    cluster.run(2)
    assert cluster.inits() == {0: 1, 1: 1, 2: 1}
    assert cluster.turn is None


def test_the_leader_publishes_every_initialised_region() -> None:
    cluster = Cluster(3, leader=0)
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    cluster.extra_relations = [rack]
    cluster.run(1)
    cluster.run(0)  # only the leader is initialised so far
    out = cluster.run(0)
    data = out.get_relation(RACK_ID).local_app_data
    assert json.loads(data['region-addresses']) == [{'address': '10.0.0.1'}]
    cluster.settle()
    out = cluster.run(0)
    data = out.get_relation(RACK_ID).local_app_data
    assert json.loads(data['region-addresses']) == [
        {'address': '10.0.0.1'},
        {'address': '10.0.0.2'},
        {'address': '10.0.0.3'},
    ]
    assert json.loads(data['api-url']) == 'http://10.0.0.1:5240/MAAS'


def test_on_several_nics_racks_get_the_metal_region_bindings_addresses() -> None:
    # Each machine's first address (10.0.0.N) is its PXE/OAM one; metal-region is bound to the
    # space the racks reach the regions in (10.20.0.N).
    cluster = Cluster(2, leader=0)
    cluster.networks = {
        n: networks(f'10.0.0.{n + 1}', metal_region=f'10.20.0.{n + 1}') for n in range(2)
    }
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    cluster.extra_relations = [rack]
    cluster.settle()
    out = cluster.run(0)
    data = out.get_relation(RACK_ID).local_app_data
    assert json.loads(data['api-url']) == 'http://10.20.0.1:5240/MAAS'
    assert json.loads(data['region-addresses']) == [
        {'address': '10.20.0.1'},
        {'address': '10.20.0.2'},
    ]
    inits = [c for c in cluster.hosts[1].commands if c[1:2] == ('init',)]
    assert inits and inits[0][inits[0].index('--maas-url') + 1] == 'http://10.20.0.2:5240/MAAS'


# -- metal-region ---------------------------------------------------------------------------------


def test_leader_publishes_the_region_with_the_shared_secret_as_a_juju_secret(
    host: MaasHost, active: testing.State
) -> None:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    before = dataclasses.replace(active, relations={*active.relations, rack})
    out = run(host, lambda ctx, s: ctx.on.relation_changed(rack, remote_unit=0), before)
    secret = secret_labelled(out, 'metal-region-shared-secret')
    assert secret.owner == 'app'
    assert secret.tracked_content == {'secret': SHARED_SECRET}
    assert secret.remote_grants == {RACK_ID: frozenset({'rack-agent'})}
    data = out.get_relation(RACK_ID).local_app_data
    assert {key: json.loads(value) for key, value in data.items()} == {
        'api-url': URL,
        'region-addresses': [{'address': '10.0.0.1'}],
        'maas-version': '3.6.0',
        'shared-secret': secret.id,
    }
    assert SHARED_SECRET not in json.dumps(dict(data))


def test_the_region_is_withdrawn_when_no_region_runs(
    host: MaasHost, active: testing.State
) -> None:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    before = dataclasses.replace(active, relations={*active.relations, rack})
    published = run(host, lambda ctx, s: ctx.on.relation_changed(rack, remote_unit=0), before)
    assert published.get_relation(RACK_ID).local_app_data['api-url']
    db = published.get_relation(8)
    out = run(host, lambda ctx, s: ctx.on.relation_broken(db), published)
    assert out.unit_status == NO_DATABASE
    # Racks read "nothing published" and wait instead of registering with a stopped MAAS.
    assert not out.get_relation(RACK_ID).local_app_data
    assert secret_labelled(out, 'metal-region-shared-secret').tracked_content == {
        'secret': SHARED_SECRET
    }


def test_the_published_api_url_is_maas_url(host: MaasHost) -> None:
    vip = 'http://10.0.0.100:5240/MAAS'
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    out = run(host, config_changed, with_db(config={'maas-url': vip}, relations=(rack,)))
    assert json.loads(out.get_relation(RACK_ID).local_app_data['api-url']) == vip


def test_a_new_rack_relation_gets_the_region(host: MaasHost, active: testing.State) -> None:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID, remote_units_data={})
    before = dataclasses.replace(active, relations={*active.relations, rack})
    out = run(host, lambda ctx, s: ctx.on.relation_created(rack), before)
    assert out.get_relation(RACK_ID).local_app_data['shared-secret']


def test_a_non_leader_does_not_publish() -> None:
    host = MaasHost(initialised=True)
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    out = run(host, config_changed, with_db(leader=False, relations=(rack,)))
    assert out.get_relation(RACK_ID).local_app_data == {}
    assert not [s for s in out.secrets if s.owner == 'app']


def departed_state(active: testing.State) -> tuple[testing.State, testing.Relation]:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    # Juju keeps the departing unit's data readable in relation-departed.
    return dataclasses.replace(active, relations={*active.relations, rack}), rack


def rack_api(host: MaasHost, listing: list[dict[str, str]]) -> None:
    host.expect('maas login', stdout='You are now logged in to the MAAS server')
    host.expect('maas metal-controller-internal rack-controllers read', stdout=json.dumps(listing))
    host.expect('maas metal-controller-internal rack-controller delete')
    host.expect('maas logout')


LISTING = [
    {'system_id': 'k3x7pq', 'hostname': 'rack-1', 'fqdn': 'rack-1.maas'},
    {'system_id': 'a8b9c0', 'hostname': 'rack-0', 'fqdn': 'rack-0.maas'},
]


def test_a_departed_rack_is_deleted_from_maas(host: MaasHost, active: testing.State) -> None:
    before, rack = departed_state(active)
    rack_api(host, LISTING)
    out = run(
        host,
        lambda ctx, s: ctx.on.relation_departed(rack, remote_unit=1, departing_unit=1),
        before,
    )
    assert host.maas_commands == [
        ('maas', 'apikey', '--username=metal-controller-internal'),
        ('maas', 'login', 'metal-controller-internal', URL, '-'),
        ('maas', 'metal-controller-internal', 'rack-controllers', 'read'),
        ('maas', 'metal-controller-internal', 'rack-controller', 'delete', 'k3x7pq'),
        ('maas', 'logout', 'metal-controller-internal'),
    ]
    [login] = [c for c in host.calls_to('run') if c.args[0][1] == 'login']
    assert login.kwargs == {'input': API_KEY}
    assert 'departed-racks' not in app_bag(out)


def test_a_departed_rack_whose_data_is_gone_is_deleted_by_its_remembered_hostname(
    host: MaasHost, active: testing.State
) -> None:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    before = dataclasses.replace(active, relations={*active.relations, rack})
    seen = run(host, lambda ctx, s: ctx.on.relation_changed(rack, remote_unit=1), before)
    assert json.loads(app_bag(seen)['known-racks']) == {
        'rack-agent/0': 'rack-0',
        'rack-agent/1': 'rack-1',
    }
    # the departing unit's data can no longer be read
    gone = dataclasses.replace(
        seen.get_relation(RACK_ID), remote_units_data={0: rack.remote_units_data[0]}
    )
    after = dataclasses.replace(
        seen, relations={*(r for r in seen.relations if r.id != RACK_ID), gone}
    )
    rack_api(host, LISTING)
    host.calls.clear()
    out = run(
        host, lambda ctx, s: ctx.on.relation_departed(gone, remote_unit=1, departing_unit=1), after
    )
    assert ('maas', 'metal-controller-internal', 'rack-controller', 'delete', 'k3x7pq') in (
        host.commands
    )
    assert json.loads(app_bag(out)['known-racks']) == {'rack-agent/0': 'rack-0'}


def test_a_failed_rack_deletion_is_retried(host: MaasHost, active: testing.State) -> None:
    before, rack = departed_state(active)
    rack_api(host, LISTING)
    host.expect(
        'maas metal-controller-internal rack-controller delete', returncode=1, stderr='boom'
    )
    out = run(
        host,
        lambda ctx, s: ctx.on.relation_departed(rack, remote_unit=1, departing_unit=1),
        before,
    )
    assert json.loads(app_bag(out)['departed-racks']) == ['rack-1']
    host.expect('maas metal-controller-internal rack-controller delete')
    host.calls.clear()
    gone = dataclasses.replace(
        out.get_relation(RACK_ID), remote_units_data={0: rack.remote_units_data[0]}
    )
    retry = dataclasses.replace(
        out, relations={*(r for r in out.relations if r.id != RACK_ID), gone}
    )
    out = run(host, update_status, retry)
    assert (
        'maas',
        'metal-controller-internal',
        'rack-controller',
        'delete',
        'k3x7pq',
    ) in host.commands
    assert 'departed-racks' not in app_bag(out)


def test_a_departed_rack_whose_name_is_live_again_is_kept(
    host: MaasHost, active: testing.State
) -> None:
    before, _ = departed_state(active)
    queued = dataclasses.replace(
        before.get_relation(PEER_ID),
        local_app_data={
            **before.get_relation(PEER_ID).local_app_data,
            'departed-racks': '["rack-0"]',
        },
    )
    before = dataclasses.replace(
        before, relations={*(r for r in before.relations if r.id != PEER_ID), queued}
    )
    rack_api(host, LISTING)
    out = run(host, update_status, before)
    assert all('delete' not in argv for argv in host.commands)
    assert 'departed-racks' not in app_bag(out)


def test_a_non_leader_ignores_departed_racks(host: MaasHost, active: testing.State) -> None:
    before, rack = departed_state(dataclasses.replace(active, leader=False))
    out = run(
        host,
        lambda ctx, s: ctx.on.relation_departed(rack, remote_unit=1, departing_unit=1),
        before,
    )
    assert host.maas_commands == []
    assert 'departed-racks' not in app_bag(out)


# -- the internal admin ---------------------------------------------------------------------------


def test_the_leader_creates_the_internal_admin_once(host: MaasHost) -> None:
    host.expect('maas apikey', returncode=1, stderr='CommandError: User does not exist.')
    out = run(host, config_changed, with_db())
    secret = secret_labelled(out, 'internal-admin')
    assert secret.owner == 'app'
    password = secret.tracked_content['password']
    [create] = [argv for argv in host.commands if argv[1] == 'createadmin']
    assert create == (
        'maas', 'createadmin', '--username=metal-controller-internal', f'--password={password}',
        '--email=metal-controller-internal@localhost',
    )  # fmt: skip
    assert isinstance(create[3], metal_host.Sensitive)
    assert json.loads(app_bag(out)['internal-admin-database']) == '10.0.0.41:5432/maas'
    assert not leaks(out, password)

    host.calls.clear()
    again = run(host, update_status, out)
    assert host.maas_commands == []
    assert secret_labelled(again, 'internal-admin').tracked_content['password'] == password


def test_a_non_leader_creates_no_admin() -> None:
    host = MaasHost()
    out = run(host, config_changed, with_db(leader=False))
    assert all(argv[1] not in ('apikey', 'createadmin') for argv in host.maas_commands)
    assert not [s for s in out.secrets if s.owner == 'app']


# -- actions -------------------------------------------------------------------------------------


def action(
    host: MaasHost, before: testing.State, name: str, **params: str
) -> tuple[testing.State, dict[str, Any]]:
    ctx = context()
    with metal_host.bound(host):
        out = ctx.run(ctx.on.action(name, params=params), before)
    assert not leaks(out)
    return out, dict(ctx.action_results or {})


def failed_action(host: MaasHost, before: testing.State, name: str, **params: str) -> str:
    ctx = context()
    with metal_host.bound(host), pytest.raises(testing.ActionFailed) as caught:
        ctx.run(ctx.on.action(name, params=params), before)
    return caught.value.message


def test_create_admin_with_a_generated_password(host: MaasHost, active: testing.State) -> None:
    out, results = action(host, active, 'create-admin', username='alice', email='a@example.com')
    secret = secret_labelled(out, 'admin-alice')
    assert secret.owner == 'app'
    password = secret.tracked_content['password']
    assert len(password) >= 24
    assert results == {'username': 'alice', 'password-secret-id': secret.id}
    [argv] = host.commands
    assert argv == (
        'maas', 'createadmin', '--username=alice', f'--password={password}',
        '--email=a@example.com',
    )  # fmt: skip
    assert isinstance(argv[3], metal_host.Sensitive)
    assert password not in json.dumps(results)


def test_create_admin_with_a_user_secret(host: MaasHost, active: testing.State) -> None:
    given = testing.Secret({'password': 'Ch0sen-by-the-user'}, owner=None)
    before = dataclasses.replace(active, secrets={*active.secrets, given})
    out, results = action(
        host,
        before,
        'create-admin',
        username='bob',
        email='b@example.com',
        **{'password-secret-id': given.id},
    )
    assert host.commands[0][3] == '--password=Ch0sen-by-the-user'
    assert results == {'username': 'bob', 'password-secret-id': given.id}
    assert not [s for s in out.secrets if s.label == 'admin-bob']


def test_create_admin_with_a_missing_secret_fails_naming_it(
    host: MaasHost, active: testing.State
) -> None:
    message = failed_action(
        host,
        active,
        'create-admin',
        username='bob',
        email='b@example.com',
        **{'password-secret-id': 'secret:d0esn0texist0000000'},
    )
    assert message == (
        'cannot read secret secret:d0esn0texist0000000: does it exist, and was it granted '
        '(juju grant-secret secret:d0esn0texist0000000 metal-controller)?'
    )
    assert host.commands == []


def test_create_admin_with_a_secret_without_password(
    host: MaasHost, active: testing.State
) -> None:
    given = testing.Secret({'pass': 'nope-nope'}, owner=None)
    before = dataclasses.replace(active, secrets={*active.secrets, given})
    message = failed_action(
        host,
        before,
        'create-admin',
        username='bob',
        email='b@x.io',
        **{'password-secret-id': given.id},
    )
    assert message == f"secret {given.id} has no 'password' key"


INVALID_USERNAME = (
    'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ '
    'characters.'
)


BAD_USERNAMES = ['root;rm -rf /', 'two words', 'bob\n', 'nul\0', '$(id)', 'a/b']
BAD_EMAILS = [
    'alice',
    'a@b',
    'a;b@x.io',
    'a@x.io;reboot',
    'a..b@x.io',
    '-a@-x.io',
    'a@[300.1.1.1]',
]


@pytest.mark.parametrize(
    ('username', 'email', 'message'),
    [
        *[
            (name, 'a@example.com', f'username {name!r} is refused: {INVALID_USERNAME}')
            for name in BAD_USERNAMES
        ],
        ('', 'a@example.com', "username '' is refused: This field is required."),
        (
            'a' * 151,
            'a@example.com',
            f"username '{'a' * 40}...' is refused: Ensure this value has at most 150 "
            'characters (it has 151).',
        ),
        *[
            ('alice', email, f'email {email!r} is refused: Enter a valid email address.')
            for email in BAD_EMAILS
        ],
        ('alice', '', "email '' is refused: This field is required."),
        (
            'alice',
            'a' * 71 + '@x.io',
            f"email '{'a' * 40}...' is refused: Ensure this value has at most 75 characters "
            '(it has 76).',
        ),
    ],
)
def test_create_admin_refuses_what_maas_user_form_refuses_before_running_anything(
    host: MaasHost, active: testing.State, username: str, email: str, message: str
) -> None:
    """maas createadmin runs no validator (Django's create_superuser); MAAS's user form does:
    the action holds its parameters to that form and fails naming the one it refuses."""
    failed = failed_action(host, active, 'create-admin', username=username, email=email)
    assert failed == message
    assert host.commands == []


@pytest.mark.parametrize(
    ('username', 'email'),
    [
        ('-ops.team+1@site_2', 'ops@example.com'),
        ('Zoë', 'zoe@localhost'),
        ('u' * 150, "o'brien+tag@sub.example.co.uk"),
        ('x', 'x@[192.0.2.1]'),
        ('x', 'x@[2001:db8::1]'),
        ('x', 'x@bücher.example'),
    ],
)
def test_create_admin_takes_what_maas_user_form_takes(
    host: MaasHost, active: testing.State, username: str, email: str
) -> None:
    _, results = action(host, active, 'create-admin', username=username, email=email)
    assert results['username'] == username
    [argv] = host.commands
    assert (argv[2], argv[4]) == (f'--username={username}', f'--email={email}')


def test_create_admin_refuses_a_password_with_a_nul(host: MaasHost, active: testing.State) -> None:
    given = testing.Secret({'password': 'pass\0word'}, owner=None)
    before = dataclasses.replace(active, secrets={*active.secrets, given})
    message = failed_action(
        host,
        before,
        'create-admin',
        username='bob',
        email='b@x.io',
        **{'password-secret-id': given.id},
    )
    assert message == f"secret {given.id}: its 'password' contains a NUL character"
    assert host.commands == []


def test_get_api_key_refuses_a_nul_in_the_username(host: MaasHost, active: testing.State) -> None:
    message = failed_action(host, active, 'get-api-key', username='ali\0ce')
    assert message == "username 'ali\\x00ce' contains a NUL character"
    assert host.commands == []


def test_create_admin_failure_carries_maas_message(host: MaasHost, active: testing.State) -> None:
    host.expect(
        'maas createadmin',
        returncode=1,
        stderr='Error: a user with the username alice already exists.',
    )
    message = failed_action(host, active, 'create-admin', username='alice', email='a@example.com')
    assert (
        message == 'maas createadmin failed: Error: a user with the username alice already exists.'
    )


def test_create_admin_failure_never_shows_the_password(
    host: MaasHost, active: testing.State
) -> None:
    given = testing.Secret({'password': 'Ch0sen-by-the-user'}, owner=None)
    before = dataclasses.replace(active, secrets={*active.secrets, given})
    host.expect('maas createadmin', returncode=1, stderr='bad password Ch0sen-by-the-user')
    message = failed_action(
        host,
        before,
        'create-admin',
        username='bob',
        email='b@x.io',
        **{'password-secret-id': given.id},
    )
    assert message == 'maas createadmin failed: bad password <redacted>'


PARAMS = {
    'create-admin': {'username': 'alice', 'email': 'a@b.io'},
    'get-api-key': {'username': 'alice'},
}


@pytest.mark.parametrize('name', ['create-admin', 'get-api-key'])
def test_actions_on_a_non_leader_fail(host: MaasHost, active: testing.State, name: str) -> None:
    message = failed_action(host, dataclasses.replace(active, leader=False), name, **PARAMS[name])
    assert message == (
        f'run {name} on the leader unit (metal-controller/leader): its results are kept in '
        'application secrets, which only the leader can write'
    )
    assert host.commands == []


@pytest.mark.parametrize('name', ['create-admin', 'get-api-key'])
def test_actions_before_init_fail(host: MaasHost, name: str) -> None:
    before = run(host, config_changed, state())  # no database: not initialised
    host.calls.clear()
    message = failed_action(host, before, name, **PARAMS[name])
    assert (
        message
        == f'MAAS is not initialised on metal-controller/0 yet; run {name} once it is active'
    )
    assert host.commands == []


def test_get_api_key_stores_the_key_in_a_secret(host: MaasHost, active: testing.State) -> None:
    out, results = action(host, active, 'get-api-key', username='alice')
    secret = secret_labelled(out, 'api-key-alice')
    assert secret.owner == 'app'
    assert secret.tracked_content == {'api-key': API_KEY}
    assert results == {'username': 'alice', 'api-key-secret-id': secret.id}
    assert host.commands == [('maas', 'apikey', '--username=alice')]

    # a new key: the same secret, a new revision
    host.expect('maas apikey', stdout='new:key:value-0123456789\n')
    again, results = action(host, out, 'get-api-key', username='alice')
    updated = secret_labelled(again, 'api-key-alice')
    assert updated.id == secret.id
    assert updated.latest_content == {'api-key': 'new:key:value-0123456789'}
    assert results['api-key-secret-id'] == secret.id


def test_get_api_key_for_an_unknown_user_fails(host: MaasHost, active: testing.State) -> None:
    host.expect('maas apikey', returncode=1, stderr='CommandError: User does not exist.')
    message = failed_action(host, active, 'get-api-key', username='nobody')
    assert message == 'maas apikey failed: CommandError: User does not exist.'


# -- secrets housekeeping and logs ---------------------------------------------------------------


def test_obsolete_revisions_of_our_secrets_are_removed(
    host: MaasHost, active: testing.State
) -> None:
    rack = metal_region_testing.relation_for_provider(id=RACK_ID)
    before = dataclasses.replace(active, relations={*active.relations, rack})
    out = run(host, lambda ctx, s: ctx.on.relation_changed(rack, remote_unit=0), before)
    host.files['/var/snap/maas/common/maas/secret'] = metal_host.FileEntry('0' * 32)
    out = run(host, update_status, out)  # a new shared secret: a new revision
    secret = secret_labelled(out, 'metal-region-shared-secret')
    assert secret.latest_content == {'secret': '0' * 32}
    ctx = context()
    with metal_host.bound(host):
        # Scenario numbers only the revision it tracks (1); any other stands for an old one.
        ctx.run(ctx.on.secret_remove(secret, revision=3), out)
    assert ctx.removed_secret_revisions == [3]


def test_no_credential_is_ever_logged(host: MaasHost, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    host.expect('maas init', returncode=1, stderr=f'bad {DB_PASSWORD}')
    host.expect('maas apikey', returncode=1, stderr='no such user')
    out = run(host, config_changed, with_db())
    host.expect('maas init')
    run(host, update_status, out)
    text = caplog.text
    assert 'maas init region failed' in text
    for secret in (DB_PASSWORD, SHARED_SECRET, API_KEY):
        assert secret not in text


def test_metal_region_statuses_from_the_lib_still_show(
    host: MaasHost, active: testing.State
) -> None:
    rack = metal_region_testing.relation_for_provider(
        id=RACK_ID, remote_units_data={0: {'hostname': 'not json'}}
    )
    before = dataclasses.replace(active, relations={*active.relations, rack})
    out = run(host, update_status, before)
    assert out.unit_status.name == 'blocked'
    assert 'rack-agent/0' in out.unit_status.message
