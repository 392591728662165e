"""The metal_region interface, both sides, through tiny charms run by ops.testing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import ops
import pytest
from conftest import remember, run
from metal_interfaces import metal_region as region
from metal_interfaces._base import load
from metal_interfaces.metal_region_testing import (
    DEFAULT_SHARED_SECRET,
    relation_for_provider,
    relation_for_requirer,
)
from ops import testing

PROVIDER_META: dict[str, Any] = {
    'name': 'metal-controller',
    'provides': {'metal-region': {'interface': 'metal-region'}},
}
REQUIRER_META: dict[str, Any] = {
    'name': 'rack-agent',
    'requires': {'metal-region': {'interface': 'metal-region'}},
}
API_URL = 'http://10.0.0.10:5240/MAAS'
ADDRESSES = ['10.0.0.13', '10.0.0.11', '10.0.0.12', '10.0.0.11']
SHARED = 'c0ffee0ddba11f00dfeedfacecafe1234'
OTHER_SHARED = 'deadbeef0123456789abcdef00112233'
SEEN: dict[str, Any] = {}
"""What the test charms observed during the last run (they live only inside ctx.run)."""

remember(SHARED, OTHER_SHARED, DEFAULT_SHARED_SECRET)


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


class ProviderCharm(ops.CharmBase):
    """A region that publishes itself to every rack that shows up."""

    shared = SHARED

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.region = region.Provider(self, 'metal-region')
        framework.observe(self.region.on.rack_changed, self._on_rack_changed)
        framework.observe(self.region.on.rack_departed, self._on_rack_departed)
        framework.observe(self.on.update_status, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _record(self, _: ops.EventBase) -> None:
        SEEN['racks'] = self.region.racks()

    def _on_rack_changed(self, event: region.RackChangedEvent) -> None:
        self._record(event)
        SEEN['published'] = self.region.publish(API_URL, ADDRESSES, '3.5.4', type(self).shared)

    def _on_rack_departed(self, event: region.RackDepartedEvent) -> None:
        SEEN['departed'] = event.unit.name if event.unit else None

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


class RequirerCharm(ops.CharmBase):
    """A rack that reports itself and remembers the region it was given."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.region = region.Requirer(self, 'metal-region')
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.update_status, self._record)
        for bound in (
            self.region.on.region_ready,
            self.region.on.region_changed,
            self.region.on.region_gone,
        ):
            framework.observe(bound, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_config_changed(self, _: ops.ConfigChangedEvent) -> None:
        self.region.set_registration('registered', 'rack-7', '10.0.0.27')

    def _record(self, _: ops.EventBase) -> None:
        SEEN['region'] = self.region.region()
        SEEN['secret'] = self.region.shared_secret()

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


def provider_ctx() -> testing.Context[ProviderCharm]:
    return testing.Context(ProviderCharm, meta=PROVIDER_META)


def requirer_ctx() -> testing.Context[RequirerCharm]:
    return testing.Context(RequirerCharm, meta=REQUIRER_META)


def state(
    *relations: testing.Relation,
    secrets: tuple[testing.Secret | None, ...] = (),
    leader: bool = True,
) -> testing.State:
    return testing.State(
        relations=set(relations),
        secrets={s for s in secrets if s is not None},
        leader=leader,
        model=testing.Model(type='lxd'),
    )


def emitted(ctx: testing.Context[Any]) -> list[type[ops.EventBase]]:
    return [type(e) for e in ctx.emitted_events if isinstance(e, region.MetalRegionEvent)]


def published(out: testing.State, relation: testing.Relation) -> region.ProviderAppData:
    return load(region.ProviderAppData, out.get_relation(relation.id).local_app_data)


def as_consumer(secret: testing.Secret) -> testing.Secret:
    """The provider's own secret as a granted consumer sees it."""
    return testing.Secret(dict(secret.latest_content or {}), id=secret.id, owner=None)


# Provider side


def test_provider_reads_racks_and_publishes_a_granted_secret() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=1), state(rel))

    assert emitted(ctx) == [region.RackChangedEvent]
    racks = SEEN['racks']
    assert [(r.unit.name, r.data) for r in racks] == [
        (
            'rack-agent/0',
            region.RequirerUnitData(
                hostname='rack-0',
                address='10.0.0.21',
                registration=region.RegistrationState.REGISTERED,
            ),
        ),
        (
            'rack-agent/1',
            region.RequirerUnitData(
                hostname='rack-1',
                address='10.0.0.22',
                registration=region.RegistrationState.PENDING,
            ),
        ),
    ]

    [secret] = out.secrets
    assert secret.owner == 'app'
    assert secret.label == 'metal-region-shared-secret'
    assert secret.tracked_content == {'secret': SHARED}
    assert secret.remote_grants == {rel.id: frozenset({'rack-agent'})}

    data = published(out, rel)
    assert data == region.ProviderAppData(
        api_url=API_URL,
        region_addresses=[region.Address(address=a) for a in sorted(set(ADDRESSES))],
        maas_version='3.5.4',
        shared_secret=secret.id,
    )
    assert data.addresses == ['10.0.0.11', '10.0.0.12', '10.0.0.13']
    assert data.is_ready
    assert out.unit_status == testing.ActiveStatus()


def test_provider_keeps_one_secret_and_grants_it_to_every_relation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))
    [created] = first.secrets

    other = relation_for_provider(remote_app_name='rack-agent-b')
    monkeypatch.setattr(ProviderCharm, 'shared', OTHER_SHARED)
    both = dataclasses.replace(first, relations={first.get_relation(rel.id), other})
    out = run(ctx, ctx.on.relation_changed(other, remote_unit=0), both)
    [secret] = out.secrets
    assert secret.id == created.id
    assert secret.latest_content == {'secret': OTHER_SHARED}
    assert secret.remote_grants == {
        rel.id: frozenset({'rack-agent'}),
        other.id: frozenset({'rack-agent-b'}),
    }
    assert published(out, rel).shared_secret == created.id
    assert published(out, other).shared_secret == created.id


def test_provider_non_leader_writes_nothing() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, leader=False))

    assert SEEN['published'] is False
    assert out.get_relation(rel.id).local_app_data == {}
    assert out.secrets == frozenset()


@pytest.mark.parametrize(
    ('unit_data', 'field'),
    [
        ({'hostname': 'rack-0'}, 'hostname'),  # not JSON
        ({'address': '42'}, 'address'),  # JSON, wrong type
        ({'registration': '["registered"]'}, 'registration'),  # a list, not a state
        ({'hostname': '""'}, 'hostname'),  # empty
    ],
)
def test_provider_reports_malformed_rack_data_as_blocked(
    unit_data: dict[str, str], field: str
) -> None:
    ctx = provider_ctx()
    rel = testing.Relation(
        'metal-region', remote_app_name='rack-agent', remote_units_data={0: unit_data}
    )
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'rack-agent/0' in out.unit_status.message

    out = run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['racks'] == []
    assert isinstance(out.unit_status, testing.BlockedStatus)


def test_provider_unknown_registration_state_reads_as_unknown() -> None:
    ctx = provider_ctx()
    rel = testing.Relation(
        'metal-region',
        remote_app_name='rack-agent',
        remote_units_data={0: {'registration': '"commissioning"', 'hostname': '"r"'}},
    )
    out = run(ctx, ctx.on.update_status(), state(rel))

    [rack] = SEEN['racks']
    assert rack.data.registration is region.RegistrationState.UNKNOWN
    assert rack.data.hostname == 'r'
    assert out.unit_status == testing.ActiveStatus()


def test_provider_empty_rack_databag_parses_and_still_publishes() -> None:
    ctx = provider_ctx()
    rel = testing.Relation('metal-region', remote_app_name='rack-agent')
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == [region.RackChangedEvent]
    [rack] = SEEN['racks']
    assert rack.data == region.RequirerUnitData()
    assert published(out, rel).is_ready
    assert out.unit_status == testing.ActiveStatus()


def test_provider_rack_departed_fires() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    run(ctx, ctx.on.relation_departed(rel, remote_unit=1, departing_unit=1), state(rel))

    assert emitted(ctx) == [region.RackDepartedEvent]
    assert SEEN['departed'] == 'rack-agent/1'


# Requirer side


def test_round_trip_provider_output_reads_back_on_the_requirer() -> None:
    pctx = provider_ctx()
    prel = relation_for_provider()
    pout = run(pctx, pctx.on.relation_changed(prel, remote_unit=0), state(prel))
    [owned] = pout.secrets

    rctx = requirer_ctx()
    rrel = testing.Relation(
        'metal-region',
        remote_app_name='metal-controller',
        remote_app_data=dict(pout.get_relation(prel.id).local_app_data),
    )
    rout = run(rctx, rctx.on.relation_changed(rrel), state(rrel, secrets=(as_consumer(owned),)))

    assert emitted(rctx) == [region.RegionReadyEvent]
    assert SEEN['region'] == published(pout, prel)
    assert SEEN['region'].api_url == API_URL
    assert SEEN['secret'] == SHARED
    assert rout.unit_status == testing.ActiveStatus()


def test_round_trip_requirer_output_reads_back_on_the_provider() -> None:
    rctx = requirer_ctx()
    rrel, secret = relation_for_requirer()
    rout = run(rctx, rctx.on.config_changed(), state(rrel, secrets=(secret,), leader=False))
    written = dict(rout.get_relation(rrel.id).local_unit_data)
    assert rout.get_relation(rrel.id).local_app_data == {}

    pctx = provider_ctx()
    prel = testing.Relation(
        'metal-region', remote_app_name='rack-agent', remote_units_data={7: written}
    )
    run(pctx, pctx.on.update_status(), state(prel))
    [rack] = SEEN['racks']
    assert rack.unit.name == 'rack-agent/7'
    assert rack.data == region.RequirerUnitData(
        hostname='rack-7',
        address='10.0.0.27',
        registration=region.RegistrationState.REGISTERED,
    )
    assert json.loads(written['registration']) == 'registered'


def test_requirer_events_ready_then_quiet_then_changed_then_gone() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    first = run(ctx, ctx.on.relation_changed(rel), state(rel, secrets=(secret,)))
    assert emitted(ctx) == [region.RegionReadyEvent]
    assert SEEN['secret'] == DEFAULT_SHARED_SECRET

    ctx = requirer_ctx()
    again = run(ctx, ctx.on.relation_changed(first.get_relation(rel.id)), first)
    assert emitted(ctx) == []

    ctx = requirer_ctx()
    moved = dataclasses.replace(
        again.get_relation(rel.id),
        remote_app_data={
            **rel.remote_app_data,
            'api-url': json.dumps('https://maas.example:5443/MAAS'),
        },
    )
    changed_state = dataclasses.replace(again, relations={moved})
    changed = run(ctx, ctx.on.relation_changed(moved), changed_state)
    assert emitted(ctx) == [region.RegionChangedEvent]
    assert SEEN['region'].api_url == 'https://maas.example:5443/MAAS'

    assert secret is not None
    ctx = requirer_ctx()
    run(ctx, ctx.on.secret_changed(secret), changed)
    assert emitted(ctx) == [region.RegionChangedEvent]

    ctx = requirer_ctx()
    run(ctx, ctx.on.relation_broken(moved), changed)
    assert emitted(ctx) == [region.RegionGoneEvent]


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'api-url': 'http://10.0.0.10:5240/MAAS'}, 'api-url'),  # not JSON
        ({'api-url': '"ftp://10.0.0.10"'}, 'api-url'),  # not http(s)
        ({'maas-version': '3.5'}, 'maas-version'),  # a number, not a string
        ({'region-addresses': '"10.0.0.11"'}, 'region-addresses'),  # not an array
        ({'shared-secret': '"the-secret-itself"'}, 'shared-secret'),  # not a secret id
    ],
)
def test_requirer_reports_malformed_region_data_as_blocked(
    app_data: dict[str, str], field: str
) -> None:
    ctx = requirer_ctx()
    rel = testing.Relation(
        'metal-region', remote_app_name='metal-controller', remote_app_data=app_data
    )
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'metal-controller' in out.unit_status.message

    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['region'] is None
    assert SEEN['secret'] is None


def test_requirer_empty_databag_parses_without_events() -> None:
    ctx = requirer_ctx()
    rel = testing.Relation('metal-region', remote_app_name='metal-controller')
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == []
    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['region'] == region.ProviderAppData()
    assert not SEEN['region'].is_ready
    assert SEEN['secret'] is None
    assert out.unit_status == testing.ActiveStatus()


def test_requirer_without_the_secret_grant_reads_no_secret() -> None:
    ctx = requirer_ctx()
    rel, _ = relation_for_requirer()
    out = run(ctx, ctx.on.update_status(), state(rel))

    assert SEEN['region'] is not None
    assert SEEN['secret'] is None
    assert out.unit_status == testing.ActiveStatus()


def test_requirer_writes_only_its_unit_databag() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    out = run(ctx, ctx.on.config_changed(), state(rel, secrets=(secret,)))

    local = out.get_relation(rel.id)
    assert local.local_app_data == {}
    assert load(region.RequirerUnitData, local.local_unit_data) == region.RequirerUnitData(
        hostname='rack-7', address='10.0.0.27', registration=region.RegistrationState.REGISTERED
    )


class WithdrawingCharm(ProviderCharm):
    """A region that stops offering itself when it stops."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.stop, self._on_stop)

    def _on_stop(self, _: ops.StopEvent) -> None:
        SEEN['withdrawn'] = self.region.withdraw()


def test_provider_withdraw_deletes_every_field_and_keeps_the_secret() -> None:
    ctx = testing.Context(WithdrawingCharm, meta=PROVIDER_META)
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=1), state(rel))
    assert published(out, rel).is_ready

    out = run(ctx, ctx.on.stop(), out)
    assert SEEN['withdrawn'] is True
    data = published(out, rel)
    assert data == region.ProviderAppData()
    assert not data.is_ready
    [secret] = out.secrets  # still the region's secret when it comes back
    assert secret.tracked_content == {'secret': SHARED}

    follower = dataclasses.replace(out, leader=False)
    run(ctx, ctx.on.stop(), follower)
    assert SEEN['withdrawn'] is False
