"""rack-agent through ops.testing (Scenario), with a :class:`Machine` bound as its Host.

Every run goes through :func:`run`, which also checks that the shared secret shows up nowhere
the charm writes: status, relation data, stored state and the Juju log.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

import metal_host
import pytest
from metal_interfaces import metal_region
from metal_interfaces.metal_region_testing import DEFAULT_SHARED_SECRET
from ops import testing

import charm
import workload

from .rack_testing import (
    ADDRESS,
    ADDRESS_URLS,
    ADDRESSES,
    API_URL,
    HOSTNAME,
    OAM_ADDRESS,
    SYSTEM_ID,
    Machine,
    charm_stored,
    region_network,
    region_relation,
    stored,
    with_relation,
)

SECRET = DEFAULT_SHARED_SECRET
NEW_SECRET = '0123456789abcdef0123456789abcdef'
CREDENTIALS = (SECRET, NEW_SECRET)
NEEDS_REGION = 'needs a MAAS region: integrate rack-agent:metal-region with metal-controller'


@pytest.fixture
def ctx() -> testing.Context[charm.RackAgentCharm]:
    return testing.Context(charm.RackAgentCharm)


def run(
    ctx: testing.Context[charm.RackAgentCharm],
    event: Any,
    state: testing.State,
    host: Machine,
    caplog: pytest.LogCaptureFixture | None = None,
) -> testing.State:
    """Run one event with ``host`` bound, then check no credential leaked anywhere."""
    with metal_host.bound(host):
        out = ctx.run(event, state)
    places = {
        'status': out.unit_status.message,
        'stored state': repr([s.content for s in out.stored_states]),
        'juju log': '\n'.join(line.message for line in ctx.juju_log),
        'python log': caplog.text if caplog is not None else '',
    }
    for relation in out.relations:
        places[f'relation {relation.id}'] = repr(
            (dict(relation.local_unit_data), dict(relation.local_app_data))
        )
    for where, text in places.items():
        for credential in CREDENTIALS:
            assert credential not in text, f'the shared secret leaked into the {where}'
    return out


def ready_state(**relation_args: Any) -> tuple[testing.State, testing.Relation]:
    """An installed unit with a region that has published everything."""
    relation, secret = region_relation(**relation_args)
    state = testing.State(
        relations={relation},
        secrets={secret} if secret is not None else set(),
        stored_states={stored()},
        networks={region_network(ADDRESS)},
    )
    return state, relation


def published(out: testing.State, relation: testing.Relation) -> metal_region.RequirerUnitData:
    data = out.get_relation(relation.id).local_unit_data
    return metal_region.RequirerUnitData.model_validate(
        {k: v.strip('"') for k, v in data.items() if k in ('hostname', 'address', 'registration')}
    )


def registered(
    ctx: testing.Context[charm.RackAgentCharm], host: Machine
) -> tuple[testing.State, testing.Relation]:
    """A unit that registered with the region's API URL; the host's calls are then cleared."""
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')
    host.calls.clear()
    return out, relation


# -- install and config-changed ------------------------------------------------------------


def test_install_installs_the_snap_from_the_channel_and_holds_it(ctx: Any) -> None:
    host = Machine(installed=None)
    out = run(ctx, ctx.on.install(), testing.State(), host)

    assert host.snaps['maas'] == metal_host.SnapState('3.6/stable', held=True)
    assert [c.method for c in host.calls if c.method.startswith('snap_')] == [
        'snap_install',
        'snap_hold',
    ]
    assert charm_stored(out)['channel'] == '3.6/stable'
    assert out.workload_version == '3.6.0'
    assert out.unit_status == testing.BlockedStatus(NEEDS_REGION)
    assert host.init_urls == []


def test_install_uses_the_configured_channel(ctx: Any) -> None:
    host = Machine(installed=None)
    run(ctx, ctx.on.install(), testing.State(config={'channel': '3.5/stable'}), host)

    assert host.snaps['maas'] == metal_host.SnapState('3.5/stable', held=True)


def test_a_snap_that_will_not_install_is_blocked_and_retried(ctx: Any) -> None:
    host = Machine(installed=None)
    host.fail(
        'snap_install',
        metal_host.CommandError(
            ['snap', 'install', 'maas'], 1, '', 'error: snap "maas" not found'
        ),
        once=True,
    )
    out = run(ctx, ctx.on.install(), testing.State(), host)

    assert out.unit_status == testing.BlockedStatus(
        'cannot install maas from 3.6/stable: error: snap "maas" not found'
    )
    assert charm_stored(out)['channel'] == ''

    out = run(ctx, ctx.on.update_status(), out, host)
    assert host.snaps['maas'] == metal_host.SnapState('3.6/stable', held=True)
    assert out.unit_status == testing.BlockedStatus(NEEDS_REGION)


def test_an_invalid_channel_is_blocked_and_touches_nothing(ctx: Any) -> None:
    host = Machine(installed=None)
    out = run(ctx, ctx.on.config_changed(), testing.State(config={'channel': '3.6 stable'}), host)

    assert out.unit_status == testing.BlockedStatus(
        "invalid config: channel '3.6 stable' is not a snap channel [<track>/]<risk>[/<branch>], "
        'e.g. 3.6/stable'
    )
    assert host.calls == []


@pytest.mark.parametrize('channel', ['3.4/stable', '3.3', '2.9/edge'])
def test_a_channel_before_maas_3_5_is_blocked_and_touches_nothing(ctx: Any, channel: str) -> None:
    """MAAS 3.4 and older run supervisord and rackd.log: not what this charm drives."""
    host = Machine(installed=None)
    out = run(ctx, ctx.on.config_changed(), testing.State(config={'channel': channel}), host)

    assert out.unit_status == testing.BlockedStatus(
        f"unsupported channel '{channel}': this charm drives MAAS 3.5 or later (pebble and the "
        'journal); use e.g. 3.6/stable'
    )
    assert host.calls == []


def test_an_attempt_stored_with_a_rackd_log_offset_is_read() -> None:
    """A pending attempt of an earlier charm version (a rackd.log offset) starts over."""
    data = {'fingerprint': 'f', 'url': 'u', 'mark': 120, 'tried': [], 'outcome': 'pending'}
    assert charm.Attempt.load(data) is None
    settled = charm.Attempt.load({**data, 'outcome': 'registered'})
    assert settled is not None and settled.mark == ''


def test_config_changed_with_the_same_channel_changes_nothing(ctx: Any) -> None:
    host = Machine()
    out, _ = registered(ctx, host)
    out = run(ctx, ctx.on.config_changed(), out, host)

    assert [c for c in host.calls if c.method.startswith('snap_')] == []
    assert host.init_urls == []
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_a_new_channel_refreshes_holds_again_and_registers_again(ctx: Any) -> None:
    host = Machine()
    out, _ = registered(ctx, host)
    out = run(
        ctx,
        ctx.on.config_changed(),
        dataclasses.replace(out, config={'channel': '3.6/edge'}),
        host,
    )

    snap_calls = [(c.method, c.kwargs) for c in host.calls if c.method.startswith('snap_')]
    assert snap_calls == [('snap_refresh', {'channel': '3.6/edge'}), ('snap_hold', {})]
    assert host.snaps['maas'] == metal_host.SnapState('3.6/edge', held=True)
    assert host.init_urls == [API_URL]
    assert charm_stored(out)['channel'] == '3.6/edge'
    assert out.workload_version == '3.6.1'
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_a_channel_of_another_series_refreshes_then_blocks_on_the_version(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    out = run(
        ctx,
        ctx.on.config_changed(),
        dataclasses.replace(out, config={'channel': '3.5/stable'}),
        host,
    )

    assert host.snaps['maas'] == metal_host.SnapState('3.5/stable', held=True)
    assert host.init_urls == []
    assert out.unit_status == testing.BlockedStatus(
        'MAAS version mismatch: the region runs 3.6.0, this unit runs 3.5.4; '
        'set the channel option to match (e.g. 3.6/stable)'
    )
    assert published(out, relation).registration == metal_region.RegistrationState.FAILED


def test_a_refused_refresh_is_blocked_and_keeps_the_old_channel(ctx: Any) -> None:
    host = Machine()
    out, _ = registered(ctx, host)
    host.fail(
        'snap_refresh',
        metal_host.CommandError(
            ['snap', 'refresh', 'maas', '--channel=9.9/stable'],
            1,
            '',
            'error: requested channel "9.9/stable" is not available',
        ),
    )
    out = run(
        ctx,
        ctx.on.config_changed(),
        dataclasses.replace(out, config={'channel': '9.9/stable'}),
        host,
    )

    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith('cannot refresh maas to 9.9/stable')
    assert charm_stored(out)['channel'] == '3.6/stable'
    assert host.init_urls == []


# -- waiting for the region ----------------------------------------------------------------


def test_a_region_that_has_published_nothing_is_waited_for(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state(api_url=None, shared_secret=None, maas_version=None)
    out = run(ctx, ctx.on.relation_joined(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(charm.WAITING_PUBLISH)
    assert out.unit_status.message == (
        'waiting for the region to publish its API URL and shared secret'
    )
    assert published(out, relation) == metal_region.RequirerUnitData(
        hostname=HOSTNAME, address=ADDRESS, registration=metal_region.RegistrationState.PENDING
    )
    assert host.init_urls == []


def test_a_secret_not_granted_yet_is_waited_for(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    state = dataclasses.replace(state, secrets=set())
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(charm.WAITING_SECRET)
    assert 'not granted' in out.unit_status.message
    assert published(out, relation).registration == metal_region.RegistrationState.PENDING
    assert host.init_urls == []


def test_a_secret_without_its_key_is_waited_for(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    [secret] = state.secrets
    wrong = testing.Secret({'password': SECRET}, id=secret.id, owner=None)
    out = run(
        ctx,
        ctx.on.relation_changed(relation, remote_unit=0),
        with_relation(state, relation, wrong),
        host,
    )

    assert out.unit_status == testing.WaitingStatus(charm.WAITING_SECRET)
    assert "no 'secret' key" in out.unit_status.message
    assert host.init_urls == []


def test_a_region_of_another_maas_series_blocks_naming_both_versions(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state(maas_version='3.5.4')
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.BlockedStatus(
        'MAAS version mismatch: the region runs 3.5.4, this unit runs 3.6.0; '
        'set the channel option to match (e.g. 3.5/stable)'
    )
    assert published(out, relation).registration == metal_region.RegistrationState.FAILED
    assert host.init_urls == []


def test_a_patch_release_difference_is_not_a_mismatch(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state(maas_version='3.6.3')
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_an_event_the_charm_does_not_reconcile_on_shows_the_last_outcome_without_acting(
    ctx: Any,
) -> None:
    host = Machine(installed=None)
    state, _ = ready_state()
    out = run(ctx, ctx.on.leader_elected(), dataclasses.replace(state, leader=True), host)
    assert out.unit_status == testing.UnknownStatus()  # nothing reconciled yet: Juju's own
    assert host.calls == []

    registered = run(ctx, ctx.on.config_changed(), state, Machine())
    assert registered.unit_status == testing.ActiveStatus(f'registered with {API_URL}')
    host = Machine()
    out = run(ctx, ctx.on.leader_elected(), dataclasses.replace(registered, leader=True), host)
    assert out.unit_status == registered.unit_status
    assert host.init_urls == []
    assert [c for c in host.calls if c.method.startswith('snap_')] == []


# -- registering -----------------------------------------------------------------------------


def test_a_ready_region_is_registered_with_and_told_so(ctx: Any, caplog: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host, caplog)

    assert host.inits == [(API_URL, SECRET)]
    assert host.content(workload.MAAS_ID_FILE) == SYSTEM_ID
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')
    assert published(out, relation) == metal_region.RequirerUnitData(
        hostname=HOSTNAME, address=ADDRESS, registration=metal_region.RegistrationState.REGISTERED
    )


def test_the_secret_is_passed_as_a_sensitive_argument(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    [argv] = [a for a in host.commands if a[:3] == ('maas', 'init', 'rack')]
    assert argv == ('maas', 'init', 'rack', '--maas-url', API_URL, '--secret', SECRET, '--force')
    assert isinstance(argv[6], metal_host.Sensitive)
    assert [a for a in argv if not isinstance(a, metal_host.Sensitive) and SECRET in a] == []


def test_the_stored_fingerprint_does_not_hold_the_secret(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    attempt = charm_stored(out)['attempt']
    assert attempt['outcome'] == 'registered'
    assert len(attempt['fingerprint']) == 64
    assert SECRET not in repr(dict(attempt))


def test_an_unavailable_region_fails_over_to_the_next_address(ctx: Any) -> None:
    host = Machine(regions={API_URL: 'down', ADDRESS_URLS[0]: 'down', ADDRESS_URLS[1]: 'up'})
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert host.init_urls == [API_URL, ADDRESS_URLS[0], ADDRESS_URLS[1]]
    assert out.unit_status == testing.ActiveStatus(f'registered with {ADDRESS_URLS[1]}')
    assert published(out, relation).registration == metal_region.RegistrationState.REGISTERED


def test_addresses_that_repeat_the_api_url_are_tried_once(ctx: Any) -> None:
    host = Machine(regions={})
    state, relation = ready_state(api_url=ADDRESS_URLS[1])
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert host.init_urls == [ADDRESS_URLS[1], ADDRESS_URLS[0], ADDRESS_URLS[2]]


def test_no_region_available_waits_listing_every_url_then_retries(ctx: Any) -> None:
    host = Machine(regions={})
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    every = [API_URL, *ADDRESS_URLS]
    assert host.init_urls == every
    assert out.unit_status == testing.WaitingStatus(
        f'no MAAS region available (tried {", ".join(every)}); retrying'
    )
    assert published(out, relation).registration == metal_region.RegistrationState.FAILED

    host.calls.clear()
    host.regions[API_URL] = 'up'
    out = run(ctx, ctx.on.update_status(), out, host)

    assert host.init_urls == [API_URL]
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')
    assert published(out, relation).registration == metal_region.RegistrationState.REGISTERED


def test_a_rejected_secret_blocks_without_trying_other_regions(ctx: Any) -> None:
    host = Machine(region_secret=NEW_SECRET)
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert host.init_urls == [API_URL]
    assert out.unit_status == testing.BlockedStatus(
        f'the MAAS region at {API_URL} rejected the shared secret; '
        'the region must publish the secret its MAAS uses'
    )
    assert published(out, relation).registration == metal_region.RegistrationState.FAILED

    host.calls.clear()
    out = run(ctx, ctx.on.update_status(), out, host)
    assert host.init_urls == []
    assert 'rejected the shared secret' in out.unit_status.message


def test_a_pending_registration_is_checked_again_on_update_status(ctx: Any) -> None:
    host = Machine(regions={API_URL: 'slow'})
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(f'registration with {API_URL} pending')
    assert published(out, relation).registration == metal_region.RegistrationState.PENDING

    out = run(ctx, ctx.on.update_status(), out, host)
    assert out.unit_status == testing.WaitingStatus(f'registration with {API_URL} pending')

    host.files[str(workload.MAAS_ID_FILE)] = metal_host.FileEntry(SYSTEM_ID)  # rackd got there
    out = run(ctx, ctx.on.update_status(), out, host)

    assert host.init_urls == [API_URL]
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')
    assert published(out, relation).registration == metal_region.RegistrationState.REGISTERED


def test_a_pending_registration_that_turns_unavailable_fails_over(ctx: Any) -> None:
    host = Machine(regions={API_URL: 'slow', ADDRESS_URLS[0]: 'up'})
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)
    assert out.unit_status == testing.WaitingStatus(f'registration with {API_URL} pending')

    host.log(f'{workload.REGION_UNAVAILABLE}refused (While requesting RPC info at {API_URL}).')
    out = run(ctx, ctx.on.update_status(), out, host)

    assert host.init_urls == [API_URL, ADDRESS_URLS[0]]
    assert out.unit_status == testing.ActiveStatus(f'registered with {ADDRESS_URLS[0]}')


def test_a_pending_registration_that_is_rejected_blocks(ctx: Any) -> None:
    host = Machine(regions={API_URL: 'slow'})
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    host.log(f"Event-loop 'region-1:pid=7' {workload.SECRET_REJECTED}")
    out = run(ctx, ctx.on.update_status(), out, host)

    assert host.init_urls == [API_URL]
    assert out.unit_status.name == 'blocked'
    assert 'rejected the shared secret' in out.unit_status.message


def test_log_lines_from_before_the_attempt_are_ignored(ctx: Any) -> None:
    host = Machine(regions={API_URL: 'slow'})
    host.log(f"Event-loop 'old:pid=1' {workload.SECRET_REJECTED}")
    host.log(f'{workload.REGION_UNAVAILABLE}an older outage')
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(f'registration with {API_URL} pending')


def test_nothing_runs_maas_init_again_when_nothing_changed(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    for event in (
        ctx.on.update_status(),
        ctx.on.config_changed(),
        ctx.on.upgrade_charm(),
        ctx.on.start(),
        ctx.on.relation_changed(out.get_relation(relation.id), remote_unit=0),
    ):
        out = run(ctx, event, out, host)
        assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')

    assert host.init_urls == []
    assert not any(c.method == 'remove' for c in host.calls)


def test_a_new_secret_revision_registers_again_with_it(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    [old] = out.secrets
    new = testing.Secret(
        {'secret': SECRET}, latest_content={'secret': NEW_SECRET}, id=old.id, owner=None
    )
    host.region_secret = NEW_SECRET
    out = run(ctx, ctx.on.secret_changed(new), with_relation(out, relation, new), host)

    assert host.inits == [(API_URL, NEW_SECRET)]
    assert host.content(workload.SECRET_FILE) == NEW_SECRET
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_a_new_secret_the_region_does_not_use_is_not_reported_registered(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    [old] = out.secrets
    new = testing.Secret(
        {'secret': SECRET}, latest_content={'secret': NEW_SECRET}, id=old.id, owner=None
    )
    out = run(ctx, ctx.on.secret_changed(new), with_relation(out, relation, new), host)

    assert host.init_urls == [API_URL]
    assert host.content(workload.MAAS_ID_FILE) is None  # the old system id proves nothing now
    assert 'rejected the shared secret' in out.unit_status.message
    assert published(out, relation).registration == metal_region.RegistrationState.FAILED


def test_new_region_addresses_register_again(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    before = out.get_relation(relation.id)
    assert isinstance(before, testing.Relation)
    data = dict(before.remote_app_data)
    data['region-addresses'] = json.dumps(
        [{'address': a} for a in (*ADDRESSES, '10.0.0.14')], sort_keys=True
    )
    moved = dataclasses.replace(before, remote_app_data=data)
    out = run(
        ctx, ctx.on.relation_changed(moved, remote_unit=0), with_relation(out, moved, None), host
    )

    assert host.init_urls == [API_URL]
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_a_registered_rack_stays_registered_while_the_secret_is_unreadable(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    out = run(
        ctx,
        ctx.on.update_status(),
        dataclasses.replace(out, secrets=set()),
        host,
    )

    assert out.unit_status == testing.WaitingStatus(charm.WAITING_SECRET)
    assert published(out, relation).registration == metal_region.RegistrationState.REGISTERED
    assert host.init_urls == []
    assert host.calls_to('service') == []


def test_without_an_address_nothing_is_published(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    state = dataclasses.replace(state, networks={region_network()})
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    written = out.get_relation(relation.id).local_unit_data
    assert {'hostname', 'address', 'registration'} & set(written) == set()
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_the_address_published_is_the_metal_region_bindings_not_the_first(ctx: Any) -> None:
    # The machine's first address is its PXE/OAM one; the region reaches the rack on the
    # space metal-region is bound to.
    host = Machine(addresses=(OAM_ADDRESS, '10.30.0.31', ADDRESS))
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert published(out, relation).address == ADDRESS


def test_a_failing_init_is_blocked_with_a_redacted_message_and_retried(ctx: Any) -> None:
    host = Machine()
    host.expect('maas init rack', returncode=1, stderr='error: the snap is busy')
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.BlockedStatus(
        f'cannot register with {API_URL}: command '
        f"'maas init rack --maas-url {API_URL} --secret <redacted> --force' failed (exit 1): "
        'error: the snap is busy'
    )
    assert published(out, relation).registration == metal_region.RegistrationState.FAILED

    host.expect('maas init rack', stdout='')
    host.calls.clear()
    out = run(ctx, ctx.on.update_status(), out, host)
    assert host.init_urls == [API_URL]
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_registration_enables_and_starts_the_rack_before_init(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state()
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    services = [c.args for c in host.calls_to('service')]
    assert services == [('enable', workload.SERVICE), ('start', workload.SERVICE)]
    kinds = [
        'init'
        if c.method == 'run' and cast(tuple[str, ...], c.args[0])[:2] == ('maas', 'init')
        else c.method
        for c in host.calls
    ]
    assert kinds.index('init') > max(i for i, kind in enumerate(kinds) if kind == 'service')


# -- leaving the region ---------------------------------------------------------------------


def test_relation_broken_stops_and_deregisters_the_rack(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    out = run(ctx, ctx.on.relation_broken(out.get_relation(relation.id)), out, host)

    assert [c.args for c in host.calls_to('service')] == [
        ('stop', workload.SERVICE),
        ('disable', workload.SERVICE),
    ]
    assert host.services[workload.SERVICE] == metal_host.ServiceState(active=False, enabled=False)
    assert host.content(workload.SECRET_FILE) is None
    assert host.content(workload.MAAS_ID_FILE) is None
    assert dict(charm_stored(out)['attempt']) == {}
    assert out.unit_status == testing.BlockedStatus(NEEDS_REGION)


def test_a_new_relation_after_deregistration_registers_again(ctx: Any) -> None:
    host = Machine()
    out, relation = registered(ctx, host)
    out = run(ctx, ctx.on.relation_broken(out.get_relation(relation.id)), out, host)
    host.calls.clear()

    again, secret = region_relation()
    out = run(
        ctx,
        ctx.on.relation_changed(again, remote_unit=0),
        dataclasses.replace(out, relations={again}, secrets={secret} if secret else set()),
        host,
    )
    assert host.init_urls == [API_URL]
    assert host.services[workload.SERVICE] == metal_host.ServiceState(active=True, enabled=True)
    assert out.unit_status == testing.ActiveStatus(f'registered with {API_URL}')


def test_relation_broken_without_a_registration_touches_nothing(ctx: Any) -> None:
    host = Machine()
    state, relation = ready_state(api_url=None, shared_secret=None)
    out = run(ctx, ctx.on.relation_broken(relation), state, host)

    assert host.calls_to('service') == []
    assert host.calls_to('remove') == []
    assert out.unit_status == testing.BlockedStatus(NEEDS_REGION)


@pytest.mark.parametrize('teardown', ['stop', 'remove'])
def test_stop_and_remove_deregister(ctx: Any, teardown: str) -> None:
    host = Machine()
    out, _ = registered(ctx, host)
    event = ctx.on.stop() if teardown == 'stop' else ctx.on.remove()
    out = run(ctx, event, out, host)

    assert [c.args for c in host.calls_to('service')] == [
        ('stop', workload.SERVICE),
        ('disable', workload.SERVICE),
    ]
    assert host.content(workload.SECRET_FILE) is None
    assert host.content(workload.MAAS_ID_FILE) is None
    assert dict(charm_stored(out)['attempt']) == {}
    assert out.unit_status == testing.MaintenanceStatus(charm.STOPPED)


def test_remove_after_stop_does_nothing_more(ctx: Any) -> None:
    host = Machine()
    out, _ = registered(ctx, host)
    out = run(ctx, ctx.on.stop(), out, host)
    host.calls.clear()
    out = run(ctx, ctx.on.remove(), out, host)

    assert host.calls_to('service') == []
    assert host.calls_to('remove') == []


def test_a_failing_deregistration_does_not_fail_the_stop_hook(ctx: Any) -> None:
    host = Machine()
    out, _ = registered(ctx, host)
    host.fail('service', metal_host.CommandError(['systemctl', 'stop', workload.SERVICE], 1))
    out = run(ctx, ctx.on.stop(), out, host)

    assert out.unit_status == testing.BlockedStatus(
        "cannot deregister the rack controller: command 'systemctl stop "
        f"{workload.SERVICE}' failed (exit 1)"
    )


# -- the secret stays secret ----------------------------------------------------------------


def test_the_secret_appears_nowhere_even_when_things_go_wrong(ctx: Any, caplog: Any) -> None:
    caplog.set_level('DEBUG')
    host = Machine(region_secret=NEW_SECRET, regions={API_URL: 'down', ADDRESS_URLS[0]: 'up'})
    state, relation = ready_state()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host, caplog)
    assert 'rejected' in out.unit_status.message

    host.expect('maas init rack', returncode=1, stderr='error: boom')
    [old] = out.secrets
    new = testing.Secret(
        {'secret': SECRET}, latest_content={'secret': NEW_SECRET}, id=old.id, owner=None
    )
    out = run(ctx, ctx.on.secret_changed(new), with_relation(out, relation, new), host, caplog)
    assert '<redacted>' in out.unit_status.message
    assert caplog.text  # the charm did log; run() checked none of it holds the secret
