"""The loadbalancer interface, both sides, through tiny charms run by ops.testing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

import ops
import pytest
from conftest import run
from metal_interfaces import loadbalancer as lb
from metal_interfaces._base import load
from metal_interfaces.loadbalancer_testing import relation_for_provider, relation_for_requirer
from ops import testing

PROVIDER_META: dict[str, Any] = {
    'name': 'load-balancer',
    'provides': {'loadbalancer': {'interface': 'metal-loadbalancer'}},
}
REQUIRER_META: dict[str, Any] = {
    'name': 'kubernetes-control-plane',
    'requires': {'loadbalancer': {'interface': 'metal-loadbalancer'}},
}
VIP = '10.0.0.100'
SEEN: dict[str, Any] = {}
"""What the test charms observed during the last run (they live only inside ctx.run)."""


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


class ProviderCharm(ops.CharmBase):
    """A load balancer that answers every complete request with its addresses (a VIP)."""

    addresses: ClassVar[list[str]] = [VIP]

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.lb = lb.Provider(self, 'loadbalancer')
        framework.observe(self.lb.on.backends_changed, self._on_backends_changed)
        framework.observe(self.on.update_status, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _record(self, _: ops.EventBase) -> None:
        SEEN['requests'] = self.lb.requests()

    def _on_backends_changed(self, event: lb.BackendsChangedEvent) -> None:
        SEEN['event_relation'] = event.relation.id
        self._record(event)
        for request in self.lb.requests():
            if request.app.complete:
                assert request.app.frontend_port is not None
                SEEN['published'] = self.lb.publish(
                    request.relation,
                    self.addresses,
                    request.app.frontend_port,
                    bool(request.backends),
                )

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


class RequirerCharm(ops.CharmBase):
    """A control plane that asks for a frontend and remembers what it was told."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.lb = lb.Requirer(self, 'loadbalancer')
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.update_status, self._record)
        for bound in (
            self.lb.on.frontend_ready,
            self.lb.on.frontend_changed,
            self.lb.on.frontend_gone,
        ):
            framework.observe(bound, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_config_changed(self, _: ops.ConfigChangedEvent) -> None:
        check = lb.HealthCheck(protocol='https', path='/livez', interval=5)
        SEEN['requested'] = self.lb.request(6443, 6444, check)
        self.lb.set_backend(f'10.0.0.1{self.unit.name[-1]}')

    def _record(self, _: ops.EventBase) -> None:
        SEEN['frontends'] = self.lb.frontends()

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


def provider_ctx() -> testing.Context[ProviderCharm]:
    return testing.Context(ProviderCharm, meta=PROVIDER_META)


def requirer_ctx(unit_id: int = 0) -> testing.Context[RequirerCharm]:
    return testing.Context(RequirerCharm, meta=REQUIRER_META, unit_id=unit_id)


def state(*relations: testing.Relation, leader: bool = True, **kw: Any) -> testing.State:
    return testing.State(
        relations=set(relations), leader=leader, model=testing.Model(type='lxd'), **kw
    )


def emitted(ctx: testing.Context[Any]) -> list[type[ops.EventBase]]:
    return [type(e) for e in ctx.emitted_events if isinstance(e, lb.LoadBalancerEvent)]


def out_relation(out: testing.State, relation: testing.Relation) -> testing.Relation:
    found = out.get_relation(relation.id)
    assert isinstance(found, testing.Relation)
    return found


# Provider side


def test_provider_reads_helper_relation_and_publishes() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == [lb.BackendsChangedEvent]
    assert SEEN['event_relation'] == rel.id
    [request] = SEEN['requests']
    assert request.relation.id == rel.id
    assert request.app == lb.RequirerAppData(
        frontend_port=6443,
        backend_port=6443,
        health_check=lb.HealthCheck(
            protocol='https', path='/livez', interval=10, statuses=(200, 401)
        ),
    )
    assert request.backends == ['10.0.0.11', '10.0.0.12', '10.0.0.13']
    published = load(lb.ProviderAppData, out_relation(out, rel).local_app_data)
    assert published.addresses == [VIP]
    assert published.port == 6443
    assert published.is_ready
    assert out.unit_status == testing.ActiveStatus()


def test_provider_publish_sorts_and_dedups_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ProviderCharm, 'addresses', ['10.0.0.3', '10.0.0.1', '10.0.0.3'])
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    data = out_relation(out, rel).local_app_data
    assert json.loads(data['frontends']) == [{'address': '10.0.0.1'}, {'address': '10.0.0.3'}]


def test_provider_non_leader_never_writes_app_data() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, leader=False))

    assert SEEN['published'] is False
    assert out_relation(out, rel).local_app_data == {}
    # Every unit still sees the backends: each runs its own frontend.
    assert SEEN['requests'][0].backends == ['10.0.0.11', '10.0.0.12', '10.0.0.13']


def test_provider_empty_databags_parse() -> None:
    ctx = provider_ctx()
    rel = testing.Relation('loadbalancer', remote_app_data={}, remote_units_data={0: {}})
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    [request] = SEEN['requests']
    assert request.app == lb.RequirerAppData()
    assert not request.app.complete
    assert request.backends == []
    assert 'published' not in SEEN
    assert out.unit_status == testing.ActiveStatus()


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'frontend-port': 'not json'}, 'frontend-port'),
        ({'frontend-port': '"6443"'}, 'frontend-port'),
        ({'backend-port': '70000'}, 'backend-port'),
        ({'health-check': '{"protocol": "udp"}'}, 'health-check'),
        ({'health-check': '{"interval": "10s"}'}, 'health-check'),
        ({'health-check': '[1]'}, 'health-check'),
        ({'health-check': '{"statuses": []}'}, 'health-check'),
        ({'health-check': '{"statuses": [99]}'}, 'health-check'),
        ({'health-check': '{"statuses": ["401"]}'}, 'health-check'),
    ],
)
def test_provider_malformed_app_data_blocks_naming_the_field(
    app_data: dict[str, str], field: str
) -> None:
    ctx = provider_ctx()
    rel = relation_for_provider(remote_app_data=app_data)
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert SEEN['requests'] == []  # left out, not raised
    assert out_relation(out, rel).local_app_data == {}
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'kubernetes-control-plane' in out.unit_status.message


def test_provider_malformed_unit_is_reported_and_skipped() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider(
        remote_units_data={
            0: {'backend-address': '"10.0.0.12"'},
            1: {'backend-address': '42'},
            2: {'backend-address': '"10.0.0.11"'},
        }
    )
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=1), state(rel))

    assert SEEN['requests'][0].backends == ['10.0.0.11', '10.0.0.12']
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert 'kubernetes-control-plane/1' in out.unit_status.message
    assert 'field "backend-address"' in out.unit_status.message


def test_provider_departed_unit_is_no_backend() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    event = ctx.on.relation_departed(rel, remote_unit=2, departing_unit=2)
    run(ctx, event, state(rel))

    assert emitted(ctx) == [lb.BackendsChangedEvent]
    assert SEEN['requests'][0].backends == ['10.0.0.11', '10.0.0.12']


def test_provider_broken_relation_drops_its_request() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    run(ctx, ctx.on.relation_broken(rel), state(rel))

    assert emitted(ctx) == [lb.BackendsChangedEvent]
    assert SEEN['requests'] == []


# Requirer side


def test_requirer_leader_requests_and_sets_backend() -> None:
    ctx = requirer_ctx(unit_id=1)
    rel = testing.Relation('loadbalancer', remote_app_name='load-balancer')
    out = run(ctx, ctx.on.config_changed(), state(rel))

    assert SEEN['requested'] is True
    written = out_relation(out, rel)
    assert load(lb.RequirerAppData, written.local_app_data) == lb.RequirerAppData(
        frontend_port=6443,
        backend_port=6444,
        health_check=lb.HealthCheck(protocol='https', path='/livez', interval=5),
    )
    assert load(lb.RequirerUnitData, written.local_unit_data).backend_address == '10.0.0.11'


def test_requirer_non_leader_writes_only_its_unit_data() -> None:
    ctx = requirer_ctx(unit_id=2)
    rel = testing.Relation('loadbalancer', remote_app_name='load-balancer')
    out = run(ctx, ctx.on.config_changed(), state(rel, leader=False))

    assert SEEN['requested'] is False
    written = out_relation(out, rel)
    assert written.local_app_data == {}
    assert load(lb.RequirerUnitData, written.local_unit_data).backend_address == '10.0.0.12'


def test_requirer_reads_helper_relation_and_fires_ready() -> None:
    ctx = requirer_ctx()
    rel = relation_for_requirer()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == [lb.FrontendReadyEvent]
    frontends = SEEN['frontends']
    assert frontends.addresses == [VIP]
    assert frontends.port == 6443
    assert frontends.is_ready
    assert out.unit_status == testing.ActiveStatus()


def test_requirer_ready_then_changed_then_unchanged_then_gone() -> None:
    ctx = requirer_ctx()
    rel = relation_for_requirer()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))
    assert emitted(ctx) == [lb.FrontendReadyEvent]

    moved = dataclasses.replace(
        out_relation(out, rel), remote_app_data=relation_for_requirer(port=443).remote_app_data
    )
    out = run(ctx, ctx.on.relation_changed(moved), dataclasses.replace(out, relations={moved}))
    assert emitted(ctx)[-1] is lb.FrontendChangedEvent
    assert SEEN['frontends'].port == 443

    count = len(emitted(ctx))
    out = run(ctx, ctx.on.relation_changed(moved), out)  # same data: no event
    assert len(emitted(ctx)) == count

    out = run(ctx, ctx.on.relation_broken(moved), out)
    assert emitted(ctx)[-1] is lb.FrontendGoneEvent


def test_requirer_not_ready_fires_changed_not_ready() -> None:
    ctx = requirer_ctx()
    rel = relation_for_requirer(ready=False)
    run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == [lb.FrontendChangedEvent]
    assert not SEEN['frontends'].is_ready


def test_requirer_empty_databag_parses() -> None:
    ctx = requirer_ctx()
    rel = testing.Relation('loadbalancer', remote_app_data={})
    out = run(ctx, ctx.on.update_status(), state(rel))

    assert SEEN['frontends'] == lb.ProviderAppData()
    assert SEEN['frontends'].addresses == []
    assert out.unit_status == testing.ActiveStatus()


def test_requirer_without_relation_has_no_frontends() -> None:
    ctx = requirer_ctx()
    out = run(ctx, ctx.on.update_status(), state())

    assert SEEN['frontends'] is None
    assert out.unit_status == testing.ActiveStatus()


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'frontends': '[{"address": '}, 'frontends'),
        ({'frontends': '["10.0.0.1"]'}, 'frontends'),
        ({'frontends': '[{}]'}, 'frontends'),
        ({'port': 'true'}, 'port'),
        ({'ready': '"yes"'}, 'ready'),
    ],
)
def test_requirer_malformed_data_blocks_naming_the_field(
    app_data: dict[str, str], field: str
) -> None:
    ctx = requirer_ctx()
    rel = relation_for_requirer(remote_app_data=app_data)
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'load-balancer' in out.unit_status.message


# Both sides together


def test_provider_answer_round_trips_to_requirer() -> None:
    pctx = provider_ctx()
    prel = relation_for_provider()
    pout = run(pctx, pctx.on.relation_changed(prel, remote_unit=0), state(prel))

    rctx = requirer_ctx()
    rrel = testing.Relation(
        'loadbalancer',
        remote_app_name='load-balancer',
        remote_app_data=out_relation(pout, prel).local_app_data,
    )
    run(rctx, rctx.on.relation_changed(rrel), state(rrel))

    assert emitted(rctx) == [lb.FrontendReadyEvent]
    assert SEEN['frontends'] == lb.ProviderAppData(
        frontends=[lb.Frontend(address=VIP)], port=6443, ready=True
    )


def test_requirer_request_round_trips_to_provider() -> None:
    written: dict[int, testing.Relation] = {}
    app_data: dict[str, str] = {}
    for unit_id in (0, 1):
        rctx = requirer_ctx(unit_id)
        rrel = testing.Relation('loadbalancer', remote_app_name='load-balancer')
        rout = run(rctx, rctx.on.config_changed(), state(rrel, leader=unit_id == 0))
        written[unit_id] = out_relation(rout, rrel)
        app_data |= dict(written[unit_id].local_app_data)

    pctx = provider_ctx()
    prel = testing.Relation(
        'loadbalancer',
        remote_app_name='kubernetes-control-plane',
        remote_app_data=app_data,
        remote_units_data={i: dict(r.local_unit_data) for i, r in written.items()},
    )
    run(pctx, pctx.on.relation_changed(prel, remote_unit=1), state(prel))

    [request] = SEEN['requests']
    assert request.app.frontend_port == 6443
    assert request.app.backend_port == 6444
    assert request.app.health_check == lb.HealthCheck(protocol='https', path='/livez', interval=5)
    assert request.backends == ['10.0.0.10', '10.0.0.11']


def test_health_check_statuses_on_the_wire() -> None:
    """``statuses`` is a JSON array of codes; absent (older requirers) reads as None (200)."""
    check = lb.HealthCheck(protocol='https', path='/livez', statuses=(200, 401))
    assert json.loads(check.model_dump_json()) == {
        'protocol': 'https',
        'path': '/livez',
        'interval': 10,
        'statuses': [200, 401],
    }
    assert lb.HealthCheck.model_validate_json('{"protocol": "https"}').statuses is None
