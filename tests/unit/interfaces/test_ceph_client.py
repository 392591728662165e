"""The ceph_client interface, both sides, through tiny charms run by ops.testing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

import ops
import pytest
from conftest import remember, run
from metal_interfaces import ceph_client as ceph
from metal_interfaces._base import load
from metal_interfaces.ceph_client_testing import (
    DEFAULT_CLIENT_KEY,
    DEFAULT_FSID,
    DEFAULT_POOLS,
    relation_for_provider,
    relation_for_requirer,
)
from ops import testing

PROVIDER_META: dict[str, Any] = {
    'name': 'ceph-storage',
    'provides': {'ceph-client': {'interface': ceph.INTERFACE}},
}
REQUIRER_META: dict[str, Any] = {
    'name': 'kubernetes-control-plane',
    'requires': {'ceph-client': {'interface': ceph.INTERFACE}},
}
MONS = ['10.0.0.33', '10.0.0.31', '10.0.0.32']
KEY = 'AQBsb2FkLWJhbGFuY2VyLWtleS1vbmUtdGVzdA=='
OTHER_KEY = 'AQBhbm90aGVyLWtleS1mb3ItdGhlLXNhbWUtY2xpZW50=='
SEEN: dict[str, Any] = {}
"""What the test charms observed during the last run (they live only inside ctx.run)."""

remember(KEY, OTHER_KEY, DEFAULT_CLIENT_KEY)


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


class ProviderCharm(ops.CharmBase):
    """A Ceph cluster that creates whatever is asked and hands out ``key``."""

    key: ClassVar[str | None] = KEY

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.ceph = ceph.Provider(self, 'ceph-client')
        framework.observe(self.ceph.on.pools_requested, self._on_pools_requested)
        framework.observe(self.on.update_status, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _record(self, _: ops.EventBase) -> None:
        SEEN['requests'] = self.ceph.requests()

    def _on_pools_requested(self, event: ceph.PoolsRequestedEvent) -> None:
        self._record(event)
        for request in self.ceph.requests():
            if request.app.client_name is None:
                continue
            SEEN['published'] = self.ceph.publish(
                request.relation, DEFAULT_FSID, MONS, request.app.pools or [], self.key
            )

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


class RequirerCharm(ops.CharmBase):
    """A control plane that asks for pools and remembers the cluster it was given."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.ceph = ceph.Requirer(self, 'ceph-client')
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.update_status, self._record)
        for bound in (self.ceph.on.ceph_ready, self.ceph.on.ceph_changed, self.ceph.on.ceph_gone):
            framework.observe(bound, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_config_changed(self, _: ops.ConfigChangedEvent) -> None:
        SEEN['requested'] = self.ceph.request('kubernetes', reversed(DEFAULT_POOLS))

    def _record(self, _: ops.EventBase) -> None:
        SEEN['cluster'] = self.ceph.cluster()
        SEEN['key'] = self.ceph.client_key()

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
    return [type(e) for e in ctx.emitted_events if isinstance(e, ceph.CephClientEvent)]


def published(out: testing.State, relation: testing.Relation) -> ceph.ProviderAppData:
    return load(ceph.ProviderAppData, out.get_relation(relation.id).local_app_data)


def as_consumer(secret: testing.Secret) -> testing.Secret:
    """The provider's own secret as a granted consumer sees it."""
    return testing.Secret(dict(secret.latest_content or {}), id=secret.id, owner=None)


# Provider side


def test_provider_reads_helper_relation_and_publishes_a_granted_secret() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == [ceph.PoolsRequestedEvent]
    [request] = SEEN['requests']
    assert request.app == ceph.RequirerAppData(client_name='kubernetes', pools=list(DEFAULT_POOLS))

    [secret] = out.secrets
    assert secret.owner == 'app'
    assert secret.label == f'ceph-client-{rel.id}-client-key'
    assert secret.tracked_content == {'key': KEY}
    assert secret.remote_grants == {rel.id: frozenset({'kubernetes-control-plane'})}

    data = published(out, rel)
    assert data.client_key_secret == secret.id
    assert data.fsid == DEFAULT_FSID
    assert data.monitors == sorted(MONS)
    assert data.pools == list(DEFAULT_POOLS)
    assert data.is_ready
    assert out.unit_status == testing.ActiveStatus()


def test_provider_updates_the_same_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel), state(rel))
    [created] = first.secrets

    again = run(ctx, ctx.on.relation_changed(first.get_relation(rel.id)), first)
    assert [s.latest_content for s in again.secrets] == [{'key': KEY}]

    monkeypatch.setattr(ProviderCharm, 'key', OTHER_KEY)
    out = run(ctx, ctx.on.relation_changed(again.get_relation(rel.id)), again)
    [secret] = out.secrets
    assert secret.id == created.id
    assert secret.latest_content == {'key': OTHER_KEY}
    assert published(out, rel).client_key_secret == created.id


def test_provider_without_key_is_not_ready_and_has_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ProviderCharm, 'key', None)
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert out.secrets == frozenset()
    data = published(out, rel)
    assert data.client_key_secret is None
    assert data.ready is False


def test_provider_non_leader_writes_nothing() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel, leader=False))

    assert SEEN['published'] is False
    assert out.get_relation(rel.id).local_app_data == {}
    assert out.secrets == frozenset()


def test_provider_broken_relation_removes_its_secret() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel), state(rel))
    assert len(first.secrets) == 1

    out = run(ctx, ctx.on.relation_broken(first.get_relation(rel.id)), first)
    assert out.secrets == frozenset()


def test_provider_empty_databag_parses() -> None:
    ctx = provider_ctx()
    rel = testing.Relation('ceph-client', remote_app_data={})
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == [ceph.PoolsRequestedEvent]
    [request] = SEEN['requests']
    assert request.app == ceph.RequirerAppData()
    assert 'published' not in SEEN
    assert out.unit_status == testing.ActiveStatus()


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'pools': '[{"name": "x",'}, 'pools'),
        ({'pools': '[{"name": "x", "application": "nfs"}]'}, 'pools'),
        ({'pools': '[{"name": "x", "replicas": "3"}]'}, 'pools'),
        ({'pools': '{"name": "x"}'}, 'pools'),
        ({'client-name': '5'}, 'client-name'),
    ],
)
def test_provider_malformed_request_blocks_naming_the_field(
    app_data: dict[str, str], field: str
) -> None:
    ctx = provider_ctx()
    rel = relation_for_provider(remote_app_data=app_data)
    out = run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert emitted(ctx) == []
    assert out.secrets == frozenset()
    assert out.get_relation(rel.id).local_app_data == {}
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message


# Requirer side


def test_requirer_leader_requests_sorted_pools() -> None:
    ctx = requirer_ctx()
    rel = testing.Relation('ceph-client', remote_app_name='ceph-storage')
    out = run(ctx, ctx.on.config_changed(), state(rel))

    assert SEEN['requested'] is True
    bag = out.get_relation(rel.id).local_app_data
    assert [p['name'] for p in json.loads(bag['pools'])] == ['kubernetes', 'kubernetes-fs']
    assert load(ceph.RequirerAppData, bag) == ceph.RequirerAppData(
        client_name='kubernetes', pools=list(DEFAULT_POOLS)
    )


def test_requirer_non_leader_writes_nothing() -> None:
    ctx = requirer_ctx()
    rel = testing.Relation('ceph-client', remote_app_name='ceph-storage')
    out = run(ctx, ctx.on.config_changed(), state(rel, leader=False))

    assert SEEN['requested'] is False
    assert out.get_relation(rel.id).local_app_data == {}


def test_requirer_reads_helper_relation_and_secret() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel, secrets=(secret,)))

    assert emitted(ctx) == [ceph.CephReadyEvent]
    cluster = SEEN['cluster']
    assert cluster.fsid == DEFAULT_FSID
    assert cluster.monitors == ['10.0.0.31', '10.0.0.32', '10.0.0.33']
    assert cluster.pools == list(DEFAULT_POOLS)
    assert SEEN['key'] == DEFAULT_CLIENT_KEY
    assert out.unit_status == testing.ActiveStatus()


def test_requirer_ready_then_changed_then_gone() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    out = run(ctx, ctx.on.relation_changed(rel), state(rel, secrets=(secret,)))
    assert emitted(ctx) == [ceph.CephReadyEvent]

    moved_data = dict(rel.remote_app_data)
    moved_data['mon-addresses'] = json.dumps([{'address': '10.0.0.40'}])
    moved = dataclasses.replace(out.get_relation(rel.id), remote_app_data=moved_data)
    out = run(ctx, ctx.on.relation_changed(moved), dataclasses.replace(out, relations={moved}))
    assert emitted(ctx)[-1] is ceph.CephChangedEvent
    assert SEEN['cluster'].monitors == ['10.0.0.40']

    out = run(ctx, ctx.on.relation_broken(moved), out)
    assert emitted(ctx)[-1] is ceph.CephGoneEvent


def test_requirer_new_key_revision_fires_changed() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    assert secret is not None
    rotated = dataclasses.replace(secret, latest_content={'key': OTHER_KEY})
    run(ctx, ctx.on.secret_changed(rotated), state(rel, secrets=(rotated,)))

    assert emitted(ctx) == [ceph.CephChangedEvent]
    assert SEEN['key'] == OTHER_KEY


def test_requirer_unrelated_secret_change_is_ignored() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    other = testing.Secret({'token': 'unrelated-token-value'}, owner=None)
    run(ctx, ctx.on.secret_changed(other), state(rel, secrets=(secret, other)))

    assert emitted(ctx) == []


def test_requirer_missing_secret_gives_no_key_not_an_error() -> None:
    ctx = requirer_ctx()
    rel, _ = relation_for_requirer()
    run(ctx, ctx.on.relation_changed(rel), state(rel))

    assert SEEN['cluster'].client_key_secret is not None
    assert SEEN['key'] is None


def test_requirer_empty_databag_parses() -> None:
    ctx = requirer_ctx()
    rel = testing.Relation('ceph-client', remote_app_data={})
    out = run(ctx, ctx.on.update_status(), state(rel))

    assert SEEN['cluster'] == ceph.ProviderAppData()
    assert not SEEN['cluster'].is_ready
    assert SEEN['key'] is None
    assert out.unit_status == testing.ActiveStatus()


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'client-key-secret': '"AQBkZWFkYmVlZg=="'}, 'client-key-secret'),
        ({'client-key-secret': 'secret:abc'}, 'client-key-secret'),
        ({'fsid': '42'}, 'fsid'),
        ({'mon-addresses': '["10.0.0.31"]'}, 'mon-addresses'),
        ({'pools': '[{"name": "x", "application": "nfs"}]'}, 'pools'),
        ({'ready': '1'}, 'ready'),
    ],
)
def test_requirer_malformed_data_blocks_naming_the_field(
    app_data: dict[str, str], field: str
) -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer(remote_app_data=app_data)
    out = run(ctx, ctx.on.relation_changed(rel), state(rel, secrets=(secret,)))

    assert emitted(ctx) == []
    assert SEEN == {}  # no custom event, so the charm never looked
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'ceph-storage' in out.unit_status.message


# Both sides together


def test_provider_answer_round_trips_to_requirer() -> None:
    pctx = provider_ctx()
    prel = relation_for_provider()
    pout = run(pctx, pctx.on.relation_changed(prel), state(prel))
    [owned] = pout.secrets

    rctx = requirer_ctx()
    rrel = testing.Relation(
        'ceph-client',
        remote_app_name='ceph-storage',
        remote_app_data=pout.get_relation(prel.id).local_app_data,
    )
    run(rctx, rctx.on.relation_changed(rrel), state(rrel, secrets=(as_consumer(owned),)))

    assert emitted(rctx) == [ceph.CephReadyEvent]
    assert SEEN['cluster'] == published(pout, prel)
    assert SEEN['key'] == KEY


def test_requirer_request_round_trips_to_provider() -> None:
    rctx = requirer_ctx()
    rrel = testing.Relation('ceph-client', remote_app_name='ceph-storage')
    rout = run(rctx, rctx.on.config_changed(), state(rrel))

    pctx = provider_ctx()
    prel = testing.Relation(
        'ceph-client',
        remote_app_name='kubernetes-control-plane',
        remote_app_data=rout.get_relation(rrel.id).local_app_data,
    )
    pout = run(pctx, pctx.on.relation_changed(prel), state(prel))

    [request] = SEEN['requests']
    assert request.app == ceph.RequirerAppData(client_name='kubernetes', pools=list(DEFAULT_POOLS))
    assert published(pout, prel).pools == list(DEFAULT_POOLS)
