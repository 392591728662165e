"""The kube_cluster interface, both sides, through tiny charms run by ops.testing."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

import ops
import ops.hookcmds
import pytest
from conftest import remember, run
from metal_interfaces import kube_cluster as kube
from metal_interfaces._base import load
from metal_interfaces.kube_cluster_testing import (
    DEFAULT_CA,
    DEFAULT_TOKEN,
    relation_for_provider,
    relation_for_requirer,
)
from ops import testing

PROVIDER_META: dict[str, Any] = {
    'name': 'kubernetes-control-plane',
    'provides': {'kube-cluster': {'interface': 'kube-cluster'}},
}
REQUIRER_META: dict[str, Any] = {
    'name': 'kubernetes-worker',
    'requires': {'kube-cluster': {'interface': 'kube-cluster'}},
}
CLUSTER: dict[str, Any] = {
    'api_endpoints': ['https://10.0.0.100:6443', 'https://10.0.0.10:6443'],
    'cluster_name': 'metal-k8s',
    'ca_certificate': DEFAULT_CA,
    'pod_cidr': '10.1.0.0/16',
    'service_cidr': '10.152.183.0/24,fd00:10:152::/112',
    'dns_ip': '10.152.183.10',
    'kubernetes_version': '1.31.2',
}
SEEN: dict[str, Any] = {}
"""What the test charms observed during the last run (they live only inside ctx.run)."""


def token_for(unit_name: str) -> str:
    """A distinct made-up token per unit (and a credential to the leak scan)."""
    return f'tok{unit_name[-1]:0>3}.{unit_name.replace("/", "x"):0>16}'[:23]


remember(DEFAULT_TOKEN, *(token_for(f'kubernetes-worker/{n}') for n in range(4)))


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


class ProviderCharm(ops.CharmBase):
    """A control plane that publishes the cluster and gives every worker that needs one a token."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.kube = kube.Provider(self, 'kube-cluster')
        framework.observe(self.kube.on.worker_changed, self._on_worker_changed)
        framework.observe(self.kube.on.worker_departed, self._on_worker_departed)
        framework.observe(self.on.update_status, self._on_update_status)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.collect_unit_status, self._on_collect)
        framework.observe(self.on.leader_elected, self._on_leader_elected)

    def _on_leader_elected(self, _: ops.LeaderElectedEvent) -> None:
        """Issue the needed tokens in one batch per relation, unless a unit is still coming."""
        SEEN['not_asked'] = {r.id: self.kube.not_asked(r) for r in self.kube.relations}
        SEEN['issued'] = {}
        for relation in self.kube.relations:
            if SEEN['not_asked'][relation.id]:
                continue
            batch = {
                unit: token_for(unit.name)
                for r, unit in self.kube.units_needing_tokens()
                if r.id == relation.id
            }
            SEEN['issued'].update(self.kube.issue_tokens(relation, batch))

    def _record(self, _: ops.EventBase) -> None:
        SEEN['workers'] = self.kube.workers()
        SEEN['needing'] = [u.name for _, u in self.kube.units_needing_tokens()]

    def _on_update_status(self, event: ops.UpdateStatusEvent) -> None:
        """Record, then retire the tokens of joined units (as the control plane does)."""
        self._record(event)
        SEEN['retired'] = [
            w.unit.name
            for w in SEEN['workers']
            if w.data.state == kube.NodeState.JOINED
            and self.kube.retire_token(w.relation, w.unit.name)
        ]

    def _on_worker_changed(self, event: kube.WorkerChangedEvent) -> None:
        self._record(event)
        SEEN['published'] = self.kube.publish_cluster(**CLUSTER)
        SEEN['issued'] = [
            self.kube.issue_token(relation, unit, token_for(unit.name))
            for relation, unit in self.kube.units_needing_tokens()
        ]

    def _on_config_changed(self, _: ops.ConfigChangedEvent) -> None:
        """Reissue every worker's token, needed or not (as an operator action would)."""
        SEEN['issued'] = [
            self.kube.issue_token(relation, unit, token_for(unit.name))
            for relation in self.kube.relations
            for unit in sorted(relation.units, key=lambda u: u.name)
        ]

    def _on_worker_departed(self, event: kube.WorkerDepartedEvent) -> None:
        SEEN['departed'] = event.unit.name if event.unit else None

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


class RequirerCharm(ops.CharmBase):
    """A worker that reports its node and remembers the cluster and its token."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.kube = kube.Requirer(self, 'kube-cluster')
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.update_status, self._record)
        for bound in (
            self.kube.on.cluster_ready,
            self.kube.on.cluster_changed,
            self.kube.on.token_available,
            self.kube.on.cluster_gone,
        ):
            framework.observe(bound, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_config_changed(self, _: ops.ConfigChangedEvent) -> None:
        self.kube.set_node_state('node-a', 'token-failed', '1.31.1')

    def _record(self, _: ops.EventBase) -> None:
        SEEN['cluster'] = self.kube.cluster()
        SEEN['token'] = self.kube.join_token()
        SEEN['gone'] = self.kube.token_gone()

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


def relation_in(out: testing.State, relation: testing.Relation) -> testing.Relation:
    """The output state's version of ``relation`` (typed: get_relation answers any kind)."""
    found = out.get_relation(relation.id)
    assert isinstance(found, testing.Relation)
    return found


def emitted(ctx: testing.Context[Any]) -> list[type[ops.EventBase]]:
    return [type(e) for e in ctx.emitted_events if isinstance(e, kube.KubeClusterEvent)]


def published(out: testing.State, relation: testing.Relation) -> kube.ProviderAppData:
    return load(kube.ProviderAppData, relation_in(out, relation).local_app_data)


def as_consumer(secret: testing.Secret) -> testing.Secret:
    """The provider's own secret as a granted consumer sees it."""
    return testing.Secret(dict(secret.latest_content or {}), id=secret.id, owner=None)


def by_label(out: testing.State) -> dict[str, testing.Secret]:
    return {s.label or '': s for s in out.secrets}


# Provider side


def test_provider_publishes_cluster_and_one_secret_per_unit() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == [kube.WorkerChangedEvent]
    assert SEEN['needing'] == ['kubernetes-worker/0', 'kubernetes-worker/1']
    assert [(w.unit.name, w.data.state) for w in SEEN['workers']] == [
        ('kubernetes-worker/0', kube.NodeState.JOINED),
        ('kubernetes-worker/1', kube.NodeState.PENDING),
    ]

    secrets = by_label(out)
    assert set(secrets) == {
        f'kube-cluster-{rel.id}-join-token-kubernetes-worker-0',
        f'kube-cluster-{rel.id}-join-token-kubernetes-worker-1',
    }
    data = published(out, rel)
    assert data.join_tokens is not None
    for n in (0, 1):
        name = f'kubernetes-worker/{n}'
        secret = secrets[f'kube-cluster-{rel.id}-join-token-kubernetes-worker-{n}']
        assert secret.owner == 'app'
        assert secret.tracked_content == {'token': token_for(name)}
        assert secret.remote_grants == {rel.id: frozenset({name})}  # that unit only
        assert data.join_tokens[name] == secret.id

    assert data.cluster_only() == kube.ProviderAppData(
        api_endpoints=[kube.ApiEndpoint(url=u) for u in CLUSTER['api_endpoints']],
        cluster_name='metal-k8s',
        ca_certificate=DEFAULT_CA,
        pod_cidr='10.1.0.0/16',
        service_cidr='10.152.183.0/24,fd00:10:152::/112',
        dns_ip='10.152.183.10',
        dns_domain='cluster.local',
        kubernetes_version='1.31.2',
    )
    assert data.urls[0] == 'https://10.0.0.100:6443'  # load balancer first, order kept
    assert out.unit_status == testing.ActiveStatus()


def test_provider_reissues_only_for_failed_or_missing_tokens() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))
    ids = published(first, rel).join_tokens
    assert ids is not None

    # Every unit has a token and none failed: nothing to do, and publishing keeps the map.
    ctx = provider_ctx()
    again = run(ctx, ctx.on.relation_changed(relation_in(first, rel), remote_unit=0), first)
    assert SEEN['needing'] == []
    assert SEEN['issued'] == []
    assert published(again, rel).join_tokens == ids

    # Unit 1 reports token-failed and unit 2 shows up: both need one, unit 0 does not.
    units = dict(relation_in(again, rel).remote_units_data)
    units[1] = {**units[1], 'state': json.dumps('token-failed')}
    units[2] = {}
    grown = dataclasses.replace(relation_in(again, rel), remote_units_data=units)
    ctx = provider_ctx()
    out = run(
        ctx,
        ctx.on.relation_changed(grown, remote_unit=1),
        dataclasses.replace(again, relations={grown}),
    )
    assert SEEN['needing'] == ['kubernetes-worker/1', 'kubernetes-worker/2']
    tokens = published(out, rel).join_tokens
    assert tokens is not None
    assert set(tokens) == {f'kubernetes-worker/{n}' for n in range(3)}
    assert tokens['kubernetes-worker/1'] == ids['kubernetes-worker/1']  # same secret, reissued
    assert len(out.secrets) == 3


def test_provider_retires_a_joined_units_token_and_keeps_its_entry() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()  # unit 0 has joined, unit 1 is pending
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))
    ids = published(first, rel).join_tokens
    ctx = provider_ctx()
    out = run(ctx, ctx.on.update_status(), first)
    assert SEEN['retired'] == ['kubernetes-worker/0']
    assert set(by_label(out)) == {f'kube-cluster-{rel.id}-join-token-kubernetes-worker-1'}
    assert published(out, rel).join_tokens == ids  # no rewrite: no relation-changed storm
    ctx = provider_ctx()
    run(ctx, ctx.on.update_status(), out)
    assert SEEN['retired'] == []  # already gone


def test_requirer_knows_its_token_is_gone() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, secrets=(secret,)))
    assert SEEN['token'] == DEFAULT_TOKEN and SEEN['gone'] is False
    ctx = requirer_ctx()
    run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))  # the secret was removed
    assert SEEN['token'] is None and SEEN['gone'] is True


def test_provider_departed_unit_loses_its_token() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))
    assert len(first.secrets) == 2

    left = dataclasses.replace(
        relation_in(first, rel),
        remote_units_data={0: relation_in(first, rel).remote_units_data[0]},
    )
    ctx = provider_ctx()
    out = run(
        ctx,
        ctx.on.relation_departed(left, remote_unit=1, departing_unit=1),
        dataclasses.replace(first, relations={left}),
    )

    assert emitted(ctx) == [kube.WorkerDepartedEvent]
    assert SEEN['departed'] == 'kubernetes-worker/1'
    [kept] = out.secrets
    assert kept.remote_grants == {rel.id: frozenset({'kubernetes-worker/0'})}
    tokens = published(out, rel).join_tokens
    assert tokens == {'kubernetes-worker/0': kept.id}


def test_provider_prunes_tokens_of_units_gone_while_leaderless() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    # Unit 1 left without the leader noticing; unit 3 arrives and gets a token.
    units = {0: dict(relation_in(first, rel).remote_units_data[0]), 3: {}}
    changed = dataclasses.replace(relation_in(first, rel), remote_units_data=units)
    ctx = provider_ctx()
    out = run(
        ctx,
        ctx.on.relation_changed(changed, remote_unit=3),
        dataclasses.replace(first, relations={changed}),
    )
    tokens = published(out, rel).join_tokens
    assert tokens is not None
    assert set(tokens) == {'kubernetes-worker/0', 'kubernetes-worker/3'}
    assert {s.id for s in out.secrets} == set(tokens.values())


def test_provider_broken_relation_removes_every_token_secret() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    ctx = provider_ctx()
    out = run(ctx, ctx.on.relation_broken(relation_in(first, rel)), first)
    assert out.secrets == frozenset()


def test_provider_non_leader_writes_nothing() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, leader=False))

    assert SEEN['published'] is False
    assert SEEN['needing'] == []  # only the leader can tell
    assert relation_in(out, rel).local_app_data == {}
    assert out.secrets == frozenset()

    out = run(ctx, ctx.on.config_changed(), state(rel, leader=False))
    assert SEEN['issued'] == [None, None]
    assert relation_in(out, rel).local_app_data == {}
    assert out.secrets == frozenset()


def test_provider_forced_reissue_reuses_each_units_secret() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))
    before = {s.id for s in first.secrets}

    ctx = provider_ctx()
    out = run(ctx, ctx.on.config_changed(), first)
    assert set(SEEN['issued']) == before
    assert {s.id for s in out.secrets} == before


@pytest.mark.parametrize(
    ('unit_data', 'field'),
    [
        ({'node-name': 'worker-0'}, 'node-name'),  # not JSON
        ({'state': '5'}, 'state'),  # a number, not a state
        ({'version': '{"major": 1}'}, 'version'),  # an object, not a string
    ],
)
def test_provider_reports_malformed_worker_data_as_blocked(
    unit_data: dict[str, str], field: str
) -> None:
    ctx = provider_ctx()
    rel = testing.Relation(
        'kube-cluster', remote_app_name='kubernetes-worker', remote_units_data={0: unit_data}
    )
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'kubernetes-worker/0' in out.unit_status.message

    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['workers'] == []
    assert SEEN['needing'] == ['kubernetes-worker/0']  # still owed a first token


def test_provider_unknown_state_reads_as_unknown() -> None:
    ctx = provider_ctx()
    rel = relation_for_provider(
        workers={0: kube.RequirerUnitData()},
        remote_units_data={0: {'state': '"draining"', 'node-name': '"n0"'}},
    )
    out = run(ctx, ctx.on.update_status(), state(rel))

    [worker] = SEEN['workers']
    assert worker.data.state is kube.NodeState.UNKNOWN
    assert worker.data.node_name == 'n0'
    assert out.unit_status == testing.ActiveStatus()


# Requirer side


def test_round_trip_provider_output_reads_back_on_the_requirer() -> None:
    pctx = provider_ctx()
    prel = relation_for_provider()
    pout = run(pctx, pctx.on.relation_changed(prel, remote_unit=0), state(prel))
    mine = by_label(pout)[f'kube-cluster-{prel.id}-join-token-kubernetes-worker-0']

    rctx = requirer_ctx()
    rrel = testing.Relation(
        'kube-cluster',
        remote_app_name='kubernetes-control-plane',
        remote_app_data=dict(relation_in(pout, prel).local_app_data),
    )
    rout = run(
        rctx,
        rctx.on.relation_changed(rrel, remote_unit=0),
        state(rrel, secrets=(as_consumer(mine),)),
    )

    assert emitted(rctx) == [kube.ClusterReadyEvent, kube.TokenAvailableEvent]
    assert SEEN['cluster'] == published(pout, prel)
    assert SEEN['token'] == token_for('kubernetes-worker/0')
    assert rout.unit_status == testing.ActiveStatus()


def test_round_trip_requirer_output_reads_back_on_the_provider() -> None:
    rctx = requirer_ctx()
    rrel, secret = relation_for_requirer()
    rout = run(rctx, rctx.on.config_changed(), state(rrel, secrets=(secret,), leader=False))
    written = dict(relation_in(rout, rrel).local_unit_data)
    assert relation_in(rout, rrel).local_app_data == {}

    pctx = provider_ctx()
    prel = testing.Relation(
        'kube-cluster', remote_app_name='kubernetes-worker', remote_units_data={0: written}
    )
    run(pctx, pctx.on.update_status(), state(prel))
    [worker] = SEEN['workers']
    assert worker.data == kube.RequirerUnitData(
        node_name='node-a', state=kube.NodeState.TOKEN_FAILED, version='1.31.1'
    )
    assert SEEN['needing'] == ['kubernetes-worker/0']


def test_requirer_sees_only_its_own_token() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer(unit_name='kubernetes-worker/5')
    run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, secrets=(secret,)))

    assert emitted(ctx) == [kube.ClusterReadyEvent]
    assert SEEN['cluster'].is_ready
    assert SEEN['token'] is None


def test_requirer_events_follow_changes() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    assert secret is not None
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, secrets=(secret,)))
    assert emitted(ctx) == [kube.ClusterReadyEvent, kube.TokenAvailableEvent]
    assert SEEN['token'] == DEFAULT_TOKEN

    ctx = requirer_ctx()
    run(ctx, ctx.on.relation_changed(relation_in(first, rel), remote_unit=0), first)
    assert emitted(ctx) == []

    # Another unit's token appearing is not news for this unit.
    tokens = json.loads(rel.remote_app_data['join-tokens'])
    others = {**tokens, 'kubernetes-worker/9': 'secret:cq5v1e7mp25c77an1m0g'}
    other_rel = dataclasses.replace(
        relation_in(first, rel),
        remote_app_data={**rel.remote_app_data, 'join-tokens': json.dumps(others)},
    )
    ctx = requirer_ctx()
    quiet = run(
        ctx,
        ctx.on.relation_changed(other_rel, remote_unit=0),
        dataclasses.replace(first, relations={other_rel}),
    )
    assert emitted(ctx) == []

    # A new API endpoint is.
    moved = dataclasses.replace(
        relation_in(quiet, rel),
        remote_app_data={
            **other_rel.remote_app_data,
            'api-endpoints': json.dumps([{'url': 'https://10.0.0.200:6443'}]),
        },
    )
    ctx = requirer_ctx()
    changed = run(
        ctx,
        ctx.on.relation_changed(moved, remote_unit=0),
        dataclasses.replace(quiet, relations={moved}),
    )
    assert emitted(ctx) == [kube.ClusterChangedEvent]
    assert SEEN['cluster'].urls == ['https://10.0.0.200:6443']

    # A new revision of this unit's token secret.
    ctx = requirer_ctx()
    run(ctx, ctx.on.secret_changed(secret), changed)
    assert emitted(ctx) == [kube.TokenAvailableEvent]

    ctx = requirer_ctx()
    run(ctx, ctx.on.relation_broken(moved), changed)
    assert emitted(ctx) == [kube.ClusterGoneEvent]


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'cluster-name': 'metal-k8s'}, 'cluster-name'),  # not JSON
        ({'pod-cidr': '"10.1.0.0/33"'}, 'pod-cidr'),  # not a network
        ({'dns-ip': '"ten.dot"'}, 'dns-ip'),  # not an address
        ({'api-endpoints': '[{"url": "http://10.0.0.10:6443"}]'}, 'api-endpoints'),  # not https
        ({'join-tokens': '{"kubernetes-worker/0": "abcdef.0123456789abcdef"}'}, 'join-tokens'),
        ({'join-tokens': '["secret:cq5v1e7mp25c77an1m0g"]'}, 'join-tokens'),  # not a mapping
    ],
)
def test_requirer_reports_malformed_cluster_data_as_blocked(
    app_data: dict[str, str], field: str
) -> None:
    ctx = requirer_ctx()
    rel = testing.Relation(
        'kube-cluster', remote_app_name='kubernetes-control-plane', remote_app_data=app_data
    )
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert DEFAULT_TOKEN not in out.unit_status.message  # never quoted into a status

    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['cluster'] is None
    assert SEEN['token'] is None


def test_requirer_empty_databag_parses_without_events() -> None:
    ctx = requirer_ctx()
    rel = testing.Relation('kube-cluster', remote_app_name='kubernetes-control-plane')
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['cluster'] == kube.ProviderAppData()
    assert SEEN['token'] is None
    assert out.unit_status == testing.ActiveStatus()


def test_requirer_writes_only_its_unit_databag_even_as_leader() -> None:
    ctx = requirer_ctx()
    rel, secret = relation_for_requirer()
    out = run(ctx, ctx.on.config_changed(), state(rel, secrets=(secret,)))

    local = relation_in(out, rel)
    assert local.local_app_data == {}
    assert load(kube.RequirerUnitData, local.local_unit_data).state is (
        kube.NodeState.TOKEN_FAILED
    )


def test_worker_labels_and_taints_round_trip_and_are_checked() -> None:
    data = kube.RequirerUnitData(
        node_name='node-3',
        node_labels={'topology.kubernetes.io/zone': 'zone-a', 'gpu': ''},
        node_taints=['dedicated=gpu:NoSchedule', 'maintenance:NoExecute'],
    )
    wire = {k: json.dumps(v) for k, v in data.model_dump(by_alias=True, exclude_none=True).items()}
    assert json.loads(wire['node-labels']) == {'topology.kubernetes.io/zone': 'zone-a', 'gpu': ''}
    assert load(kube.RequirerUnitData, wire) == data
    for bad in (
        {'node_taints': ['dedicated=gpu']},  # no effect
        {'node_taints': ['x:Sometimes']},
        {'node_labels': {'-bad': 'x'}},
        {'node_labels': {'ok': 'v' * 64}},
    ):
        with pytest.raises(ValueError, match='validation error'):
            kube.RequirerUnitData(**bad)


def test_remote_databags_are_parsed_once_per_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    from metal_interfaces import _base

    parsed: list[str] = []
    real_load = _base.load

    def counting_load(model: Any, data: Any) -> Any:
        parsed.append(model.__name__)
        return real_load(model, data)

    monkeypatch.setattr(_base, 'load', counting_load)
    _base.load_by_content.cache_clear()
    ctx = provider_ctx()
    rel = relation_for_provider()
    run(ctx, ctx.on.update_status(), state(rel))
    # workers(), units_needing_tokens() and the status scan all read both workers' data.
    assert parsed.count('RequirerUnitData') == 2
    assert len(SEEN['workers']) == 2 and len(SEEN['needing']) == 2
    # A later hook in the same process (olm runs many) does not parse unchanged data again.
    run(ctx, ctx.on.update_status(), state(rel))
    assert parsed.count('RequirerUnitData') == 2
    assert len(SEEN['workers']) == 2


# Batches and goal-state


def goal_state(monkeypatch: pytest.MonkeyPatch, **units: str) -> None:
    """goal-state lists these units (``'kubernetes-worker/3'``-style keys as ``w3``)."""
    since = datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)
    listed = {
        f'kubernetes-worker/{key.removeprefix("w")}'
        if key.startswith('w')
        else key.replace('_', '/'): ops.hookcmds.Goal(status=status, since=since)
        for key, status in units.items()
    }
    found = ops.hookcmds.GoalState(units={}, relations={'kube-cluster': listed})
    monkeypatch.setattr(ops.hookcmds, 'goal_state', lambda: found)


def test_provider_issues_a_batch_in_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[int] = []
    real = kube.Provider._write_app  # pyright: ignore[reportPrivateUsage]

    def counting(self: kube.Provider, relation: ops.Relation, value: Any) -> bool:
        writes.append(relation.id)
        return real(self, relation, value)

    monkeypatch.setattr(kube.Provider, '_write_app', counting)
    goal_state(monkeypatch, w0='active', w1='waiting')
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.leader_elected(), state(rel))
    assert SEEN['not_asked'] == {rel.id: []}
    assert sorted(SEEN['issued']) == ['kubernetes-worker/0', 'kubernetes-worker/1']
    assert writes == [rel.id]  # one write of the map for the whole batch
    data = published(out, rel)
    assert data.join_tokens == SEEN['issued']
    secrets = by_label(out)
    for n in (0, 1):
        secret = secrets[f'kube-cluster-{rel.id}-join-token-kubernetes-worker-{n}']
        assert secret.remote_grants == {rel.id: frozenset({f'kubernetes-worker/{n}'})}


def test_provider_not_asked_waits_for_units_goal_state_says_are_coming(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    goal_state(
        monkeypatch,
        w0='active',
        w1='waiting',
        w3='waiting',
        w4='error',
        w5='blocked',
        w6='dying',
        w7='maintenance',
        other_0='waiting',  # another application's unit on the same endpoint
    )
    ctx = provider_ctx()
    rel = relation_for_provider()
    out = run(ctx, ctx.on.leader_elected(), state(rel))
    assert SEEN['not_asked'] == {rel.id: ['kubernetes-worker/3', 'kubernetes-worker/7']}
    assert SEEN['issued'] == {}
    assert published(out, rel).join_tokens is None


def test_provider_not_asked_names_units_in_the_relation_without_asking_goal_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unasked() -> Any:
        raise AssertionError('goal-state asked')

    monkeypatch.setattr(ops.hookcmds, 'goal_state', unasked)
    workers = {
        0: kube.RequirerUnitData(node_name='worker-0', state=kube.NodeState.PENDING),
        2: kube.RequirerUnitData(),
    }
    ctx = provider_ctx()
    rel = relation_for_provider(workers=workers)
    run(ctx, ctx.on.leader_elected(), state(rel))
    assert SEEN['not_asked'] == {rel.id: ['kubernetes-worker/2']}


def test_provider_without_goal_state_holds_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Any:
        raise FileNotFoundError('goal-state')

    monkeypatch.setattr(ops.hookcmds, 'goal_state', missing)
    ctx = provider_ctx()
    rel = relation_for_provider()
    run(ctx, ctx.on.leader_elected(), state(rel))
    assert SEEN['not_asked'] == {rel.id: []}
    assert sorted(SEEN['issued']) == ['kubernetes-worker/0', 'kubernetes-worker/1']


def test_provider_worker_hook_reads_that_worker_and_the_malformed_ones_only() -> None:
    ok = {'node-name': '"worker-0"', 'state': '"pending"'}
    bad = {'node-name': '42'}
    ctx = provider_ctx()
    rel = testing.Relation(
        'kube-cluster',
        remote_app_name='kubernetes-worker',
        remote_units_data={0: ok, 1: bad, 2: ok},
    )
    out = run(ctx, ctx.on.update_status(), state(rel))  # every worker read
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert 'kubernetes-worker/1' in out.unit_status.message
    # worker/0's change: worker/1, remembered as malformed, is read again and still shown
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), out)
    assert 'kubernetes-worker/1' in out.unit_status.message
    # worker/1 fixed its data: its own hook clears the problem, and later hooks stay clear
    fixed = dataclasses.replace(relation_in(out, rel), remote_units_data={0: ok, 1: ok, 2: ok})
    after = dataclasses.replace(out, relations={fixed})
    out = run(ctx, ctx.on.relation_changed(fixed, remote_unit=1), after)
    assert out.unit_status == testing.ActiveStatus()
    out = run(ctx, ctx.on.relation_changed(fixed, remote_unit=2), out)
    assert out.unit_status == testing.ActiveStatus()


def test_provider_worker_hook_does_not_read_the_other_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from metal_interfaces import _base

    read: list[str] = []
    real = _base.Endpoint._read  # pyright: ignore[reportPrivateUsage]

    def counting(self: Any, model: Any, relation: ops.Relation, entity: Any) -> Any:
        read.append(entity.name)
        return real(self, model, relation, entity)

    monkeypatch.setattr(_base.Endpoint, '_read', counting)
    ok = {'node-name': '"worker-0"', 'state': '"joined"'}
    ctx = testing.Context(ScanOnly, meta=PROVIDER_META)
    rel = testing.Relation(
        'kube-cluster',
        remote_app_name='kubernetes-worker',
        remote_units_data={n: ok for n in range(5)},
    )
    run(ctx, ctx.on.relation_changed(rel, remote_unit=3), state(rel))
    assert set(read) == {'kubernetes-worker/3'}


class ScanOnly(ops.CharmBase):
    """A control plane that only has the provider: what the endpoint itself reads."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.kube = kube.Provider(self, 'kube-cluster')
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


class Expecting(ops.CharmBase):
    """A control plane that asks, in each worker's hook, which units it still waits for."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.kube = kube.Provider(self, 'kube-cluster')
        framework.observe(self.on['kube-cluster'].relation_changed, self._on_changed)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        SEEN['not_asked'] = self.kube.not_asked(event.relation, event.unit)


def test_provider_keeps_what_goal_state_said_until_those_units_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    since = datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)
    listed = {
        f'kubernetes-worker/{n}': ops.hookcmds.Goal(status='waiting', since=since)
        for n in range(4)
    }
    found = ops.hookcmds.GoalState(units={}, relations={'kube-cluster': listed})

    def goal() -> ops.hookcmds.GoalState:
        asked.append(1)
        return found

    monkeypatch.setattr(ops.hookcmds, 'goal_state', goal)
    pending = {'node-name': '"w"', 'state': '"pending"'}
    ctx = testing.Context(Expecting, meta=PROVIDER_META)
    rel = testing.Relation(
        'kube-cluster', remote_app_name='kubernetes-worker', remote_units_data={0: pending}
    )
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))
    assert SEEN['not_asked'] == [f'kubernetes-worker/{n}' for n in (1, 2, 3)]
    assert len(asked) == 1
    # worker/1 and worker/2 ask: each hook takes its unit off the list, without goal-state
    for n in (1, 2):
        data = {m: pending for m in range(n + 1)}
        rel = dataclasses.replace(relation_in(out, rel), remote_units_data=data)
        out = run(
            ctx,
            ctx.on.relation_changed(rel, remote_unit=n),
            dataclasses.replace(out, relations={rel}),
        )
        assert SEEN['not_asked'] == [f'kubernetes-worker/{m}' for m in range(n + 1, 4)]
    assert len(asked) == 1
    # the last one asks: the list is empty, so it is worked out afresh (goal-state again)
    rel = dataclasses.replace(
        relation_in(out, rel), remote_units_data=dict.fromkeys(range(4), pending)
    )
    out = run(
        ctx, ctx.on.relation_changed(rel, remote_unit=3), dataclasses.replace(out, relations={rel})
    )
    assert SEEN['not_asked'] == []
    assert len(asked) == 2
