"""The charm through ops.testing: every event path, statuses, tokens, departures and actions."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from typing import Any

import metal_host
import ops.hookcmds
import pytest
import yaml
from metal_interfaces import ceph_client_testing, kube_cluster, kube_cluster_testing
from metal_interfaces.kube_cluster import NodeState, RequirerUnitData
from ops import testing

import charm
import config
import manifests
import workload
from conftest import (
    ADMIN_KEY,
    APP,
    CA,
    PEER_ID,
    Cluster,
    K8sHost,
    World,
    context,
    leaks,
    networks,
    peers,
)

ACTIVE_1 = 'Kubernetes v1.32.3 control plane, 1 node (no storage: relate ceph-client)'
KUBE_ID = 10
LB_ID = 11
CEPH_ID = 12


def state(
    *relations: testing.RelationBase,
    secrets: tuple[testing.Secret, ...] = (),
    leader: bool = True,
    config: dict[str, str | bool] | None = None,
    peer: testing.PeerRelation | None = None,
    stored: frozenset[testing.StoredState] = frozenset(),
) -> testing.State:
    return testing.State(
        leader=leader,
        config=config or {},
        relations={peer or peers(), *relations},
        secrets=set(secrets),
        networks=networks('10.0.0.1'),
        stored_states=stored,
    )


def run(host: K8sHost, event_of: Any, before: testing.State, unit_id: int = 0) -> testing.State:
    """Run one event with ``host`` bound; nothing the charm wrote may hold a credential."""
    ctx = context(unit_id)
    with metal_host.bound(host):
        out = ctx.run(event_of(ctx, before), before)
    secrets = host.world.secrets() | {ceph_client_testing.DEFAULT_CLIENT_KEY}
    assert not leaks(out, secrets), leaks(out, secrets)
    return out


def config_changed(ctx: testing.Context[Any], _: testing.State) -> Any:
    return ctx.on.config_changed()


def update_status(ctx: testing.Context[Any], _: testing.State) -> Any:
    return ctx.on.update_status()


def app_bag(out: testing.State) -> dict[str, str]:
    return dict(out.get_relation(PEER_ID).local_app_data)


def unit_bag(out: testing.State) -> dict[str, str]:
    return dict(out.get_relation(PEER_ID).local_unit_data)


def bootstrapped(host: K8sHost, *relations: testing.RelationBase, **kwargs: Any) -> testing.State:
    """A leader that bootstrapped with the default config, then the given relations."""
    out = run(host, config_changed, state(**kwargs))
    assert out.unit_status == testing.ActiveStatus(ACTIVE_1), out.unit_status
    peer = peers(unit_bag(out), app_bag(out))
    host.calls.clear()
    return dataclasses.replace(
        state(*relations, peer=peer, **kwargs), stored_states=out.stored_states
    )


# -- install and bootstrap ------------------------------------------------------------------------


def test_install_installs_the_classic_snap_from_the_channel_and_holds_it() -> None:
    host = K8sHost(installed=None)
    run(host, lambda ctx, _: ctx.on.install(), state(leader=False))
    assert host.snaps['k8s'] == metal_host.SnapState('1.32-classic/stable', True, True)
    assert host.calls_to('snap_install')[0].kwargs == {
        'channel': '1.32-classic/stable',
        'classic': True,
    }


def test_snap_install_failure_blocks_naming_the_channel() -> None:
    host = K8sHost(installed=None)
    host.fail(
        'snap_install',
        metal_host.CommandError(['snap'], 1, '', 'error: requested a non-existing branch'),
    )
    out = run(host, config_changed, state(config={'channel': '9.9-classic/stable'}))
    assert out.unit_status == testing.BlockedStatus(
        'cannot install k8s from 9.9-classic/stable: error: requested a non-existing branch; '
        'will retry on the next event'
    )


def test_a_snap_not_listed_after_install_is_maintenance() -> None:
    host = K8sHost(installed=None)
    host.expect('snap list k8s', returncode=1, stderr='error: no matching snaps installed')
    out = run(host, lambda ctx, _: ctx.on.install(), state())
    assert out.unit_status == testing.MaintenanceStatus('installing k8s from 1.32-classic/stable')


def test_before_any_event_the_status_is_installing() -> None:
    ctx = context()
    with metal_host.bound(K8sHost()):
        out = ctx.run(ctx.on.collect_unit_status(), state())  # type: ignore[attr-defined]
    assert out.unit_status == testing.MaintenanceStatus('installing')


def test_the_leader_bootstraps_with_the_rendered_config(host: K8sHost) -> None:
    config: dict[str, str | bool] = {
        'bootstrap-pod-cidr': '10.2.0.0/16',
        'bootstrap-service-cidr': '10.153.0.0/24',
        'bootstrap-cluster-domain': 'k8s.example',
        'bootstrap-node-taints': 'node-role.kubernetes.io/control-plane:NoSchedule',
        'node-labels': 'tier=control zone=a',
        'extra-sans': 'api.example.com 192.0.2.7',
    }
    out = run(host, config_changed, state(config=config))
    assert (
        'k8s',
        'bootstrap',
        '--file',
        workload.BOOTSTRAP_CONFIG,
        '--name',
        'cp-0',
        '--address',
        '10.0.0.1',
    ) in host.commands
    entry = host.files[workload.BOOTSTRAP_CONFIG]
    assert entry.mode == 0o600
    assert yaml.safe_load(entry.content) == {
        'cluster-config': {
            'network': {'enabled': True},
            'dns': {'enabled': True, 'cluster-domain': 'k8s.example'},
        },
        'pod-cidr': '10.2.0.0/16',
        'service-cidr': '10.153.0.0/24',
        'datastore-type': 'etcd',
        'extra-sans': ['10.0.0.1', 'api.example.com', '192.0.2.7'],
        'control-plane-taints': ['node-role.kubernetes.io/control-plane:NoSchedule'],
        # k8s-snap's own role labels first: an extra --node-labels replaces them
        'extra-node-kubelet-args': {
            '--node-labels': 'node-role.kubernetes.io/control-plane=,'
            'node-role.kubernetes.io/worker=,k8sd.io/role=control-plane,tier=control,zone=a'
        },
    }
    record = json.loads(app_bag(out)['bootstrap'])
    assert record['bootstrap-pod-cidr'] == '10.2.0.0/16'
    assert record['extra-sans'] == ['10.0.0.1', 'api.example.com', '192.0.2.7']
    assert json.loads(unit_bag(out)['state']) == 'joined'
    assert json.loads(unit_bag(out)['node-name']) == 'cp-0'
    assert out.unit_status.name == 'active'
    assert out.opened_ports == {testing.TCPPort(6443)}
    assert out.workload_version == 'v1.32.3'


def test_bootstrap_is_not_run_twice(host: K8sHost) -> None:
    before = bootstrapped(host)
    out = run(host, update_status, before)
    assert not [c for c in host.commands if c[:2] == ('k8s', 'bootstrap')]
    assert out.unit_status == testing.ActiveStatus(ACTIVE_1)


def test_an_already_bootstrapped_node_is_recorded_without_bootstrapping() -> None:
    host = K8sHost(clustered=True)
    out = run(host, config_changed, state())
    assert not [c for c in host.commands if c[:2] == ('k8s', 'bootstrap')]
    assert 'bootstrap' in app_bag(out)


def test_a_bootstrap_failure_blocks_with_the_reason(host: K8sHost) -> None:
    host.expect(
        'k8s bootstrap',
        returncode=1,
        stderr='Error: Failed to bootstrap the cluster.\n\nThe error was: invalid pod CIDR\n',
    )
    out = run(host, config_changed, state())
    assert out.unit_status == testing.BlockedStatus(
        'k8s bootstrap failed: The error was: invalid pod CIDR; will retry on the next event'
    )
    assert 'bootstrap' not in app_bag(out)


def test_a_non_leader_waits_for_the_bootstrap(host: K8sHost) -> None:
    out = run(host, config_changed, state(leader=False))
    assert out.unit_status == testing.WaitingStatus(
        'waiting for the leader to bootstrap the cluster'
    )
    assert host.k8s_commands == []
    assert json.loads(unit_bag(out)['state']) == 'pending'


@pytest.mark.parametrize(
    ('option', 'value'),
    [
        ('bootstrap-pod-cidr', '10.9.0.0/16'),
        ('bootstrap-service-cidr', '10.9.0.0/24'),
        ('bootstrap-cluster-domain', 'other.local'),
        ('bootstrap-datastore', 'k8s-dqlite'),
        ('bootstrap-node-taints', 'a=b:NoSchedule'),
    ],
)
def test_changing_a_bootstrap_option_afterwards_blocks_naming_it(
    host: K8sHost, option: str, value: str
) -> None:
    before = bootstrapped(host)
    record = json.loads(app_bag_of(before)['bootstrap'])
    out = run(host, config_changed, dataclasses.replace(before, config={option: value}))
    assert out.unit_status == testing.BlockedStatus(
        f'{option} changed to {value!r} but can only be set before bootstrap: '
        f'set it back to {record[option]!r}'
    )
    assert not [c for c in host.commands if c[:2] == ('k8s', 'bootstrap')]


def app_bag_of(before: testing.State) -> dict[str, str]:
    return dict(before.get_relation(PEER_ID).local_app_data)


@pytest.mark.parametrize(
    ('config', 'message'),
    [
        ({'channel': '1.32'}, "invalid config: channel '1.32' is not a snap channel"),
        ({'bootstrap-pod-cidr': '10.1.0.0/33'}, "invalid config: bootstrap-pod-cidr '10.1"),
        ({'bootstrap-service-cidr': '10.0.0.1/24'}, 'invalid config: bootstrap-service-cidr'),
        ({'bootstrap-cluster-domain': 'Bad_Domain'}, 'invalid config: bootstrap-cluster-domain'),
        ({'bootstrap-datastore': 'mysql'}, "invalid config: bootstrap-datastore 'mysql'"),
        (
            {'channel': '1.33/stable'},
            "invalid config: channel '1.33/stable' holds the strictly confined k8s snap",
        ),
        (
            {'bootstrap-datastore': 'k8s-dqlite', 'channel': '1.36-classic/stable'},
            "invalid config: bootstrap-datastore 'k8s-dqlite' was removed in k8s 1.36",
        ),
        ({'bootstrap-node-taints': 'a=b:Sometimes'}, 'invalid config: bootstrap-node-taints'),
        ({'node-labels': 'novalue'}, "invalid config: node-labels 'novalue' is not key=value"),
        ({'node-labels': 'a=1 a=2'}, 'invalid config: node-labels sets a key twice'),
        ({'extra-sans': 'bad_name!'}, "invalid config: extra-sans 'bad_name!'"),
        ({'default-storage-class': 'cephfs'}, "invalid config: default-storage-class 'cephfs'"),
    ],
)
def test_invalid_config_blocks_naming_the_option(
    host: K8sHost, config: dict[str, str | bool], message: str
) -> None:
    out = run(host, config_changed, state(config=config))
    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith(message), out.unit_status.message
    assert host.k8s_commands == []


def test_cephfs_may_be_the_default_class_when_enabled() -> None:
    settings = config.Settings.load(
        {
            'channel': '1.32-classic/stable',
            'bootstrap-pod-cidr': '10.1.0.0/16,fd00::/108',
            'bootstrap-service-cidr': '10.152.183.0/24',
            'bootstrap-cluster-domain': 'cluster.local',
            'enable-cephfs': True,
            'default-storage-class': 'cephfs',
        }
    )
    assert settings.default_storage_class == 'cephfs'
    assert settings.pod_cidr == '10.1.0.0/16,fd00::/108'


def test_the_default_datastore_is_k8s_snaps_default() -> None:
    # etcd since k8s-snap 1.32 (cluster_config_convert.go); k8s-dqlite is gone in 1.36
    project = yaml.safe_load((Path(charm.__file__).parents[1] / 'charmcraft.yaml').read_text())
    default = project['config']['options']['bootstrap-datastore']['default']
    assert default == workload.DEFAULT_DATASTORE == 'etcd'


def test_k8s_dqlite_is_still_accepted_before_1_36(host: K8sHost) -> None:
    config: dict[str, str | bool] = {
        'bootstrap-datastore': 'k8s-dqlite',
        'channel': '1.35-classic/stable',
    }
    out = run(host, config_changed, state(config=config))
    assert yaml.safe_load(host.files[workload.BOOTSTRAP_CONFIG].content)['datastore-type'] == (
        'k8s-dqlite'
    )
    assert out.unit_status.name == 'active'


# -- HA: control-plane join tokens ----------------------------------------------------------------


def test_three_units_form_one_cluster_with_per_unit_tokens() -> None:
    cluster = Cluster(3)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    cluster.run(2, config_changed)
    # the leader sees the requests and mints one token per unit, granted to that unit only
    cluster.run(0)
    tokens = json.loads(cluster.app_data['join-tokens'])
    assert set(tokens) == {f'{APP}/1', f'{APP}/2'}
    for n in (1, 2):
        secret = cluster.secrets[tokens[f'{APP}/{n}']['secret']]
        assert secret.remote_grants == {PEER_ID: {f'{APP}/{n}'}}
        assert secret.tracked_content['token'].endswith(f'cp-{n}')
    assert cluster.world.tokens.keys() == {
        s.tracked_content['token'] for s in cluster.secrets.values()
    }
    assert ('k8s', 'get-join-token', 'cp-1') in cluster.hosts[0].commands
    cluster.settle()
    assert sorted(cluster.world.nodes) == ['cp-0', 'cp-1', 'cp-2']
    join = next(c for c in cluster.hosts[1].commands if c[:2] == ('k8s', 'join-cluster'))
    assert join[3:] == ('--name', 'cp-1', '--address', '10.0.0.2', '--file', workload.JOIN_CONFIG)
    # once joined, every token is revoked: no entry, no secret
    assert 'join-tokens' not in cluster.app_data
    assert cluster.secrets == {}
    for n in range(3):
        assert cluster.statuses[n] == testing.ActiveStatus(
            'Kubernetes v1.32.3 control plane, 3 nodes (no storage: relate ceph-client)'
        )


def test_the_join_token_is_passed_as_a_sensitive_argument() -> None:
    cluster = Cluster(2)
    cluster.settle()
    [call] = [
        c
        for c in cluster.hosts[1].calls_to('run')
        if tuple(c.args[0])[:2] == ('k8s', 'join-cluster')  # type: ignore[arg-type]
    ]
    argv: Any = call.args[0]
    assert isinstance(argv[2], metal_host.Sensitive)


def test_a_unit_waits_for_its_token() -> None:
    cluster = Cluster(2)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    assert cluster.statuses[1] == testing.WaitingStatus('waiting for a join token from the leader')


def test_a_rejected_token_is_reported_and_replaced() -> None:
    cluster = Cluster(2)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    cluster.run(0)
    first = json.loads(cluster.app_data['join-tokens'])[f'{APP}/1']
    cluster.world.tokens.clear()  # the token expired
    cluster.run(1)
    assert json.loads(cluster.unit_data[1]['state']) == 'token-failed'
    assert json.loads(cluster.unit_data[1]['failed-serial']) == first['serial']
    assert cluster.statuses[1] == testing.WaitingStatus(
        'k8s join-cluster failed: The error was: failed to POST /k8sd/cluster/join: failed to '
        'join k8sd cluster as control plane: 1 join attempts were unsuccessful. Last error: '
        'CoreTokenRecord not found; asked the leader for a new token'
    )
    cluster.run(1)  # no retry with the same token
    joins = [c for c in cluster.hosts[1].commands if c[:2] == ('k8s', 'join-cluster')]
    assert len(joins) == 1
    assert cluster.statuses[1] == testing.WaitingStatus(
        'join token rejected: waiting for a new one'
    )
    cluster.run(0)
    second = json.loads(cluster.app_data['join-tokens'])[f'{APP}/1']
    assert second['secret'] == first['secret']  # a new revision of the same secret
    assert second['serial'] > first['serial']
    cluster.run(0)  # no second re-issue for the same failure
    assert json.loads(cluster.app_data['join-tokens'])[f'{APP}/1'] == second
    cluster.settle()
    assert 'cp-1' in cluster.world.nodes
    assert json.loads(cluster.unit_data[1]['state']) == 'joined'


@pytest.mark.parametrize(
    'reason',
    [
        'CoreTokenRecord not found',  # unknown or spent (microcluster deletes used records)
        'Token expired',  # get-join-token --expires-in, 24 h by default
        'Joining server certificate SAN does not contain join token name',
    ],
)
def test_microclusters_token_refusals_get_a_new_token(reason: str) -> None:
    # canonical/microcluster internal/rest/resources/cluster.go clusterPost, v2 and v3
    cluster = Cluster(2)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    cluster.run(0)
    first = json.loads(cluster.app_data['join-tokens'])[f'{APP}/1']
    refused = (
        'Joining the cluster. This may take a few seconds, please wait.\n'
        'Error: Failed to join the cluster using the provided token.\n\nThe error was: failed '
        'to POST /k8sd/cluster/join: failed to join k8sd cluster as control plane: 1 join '
        f'attempts were unsuccessful. Last error: {reason}\n'
    )
    cluster.hosts[1].expect('k8s join-cluster', returncode=1, stderr=refused)
    cluster.run(1)
    assert json.loads(cluster.unit_data[1]['state']) == 'token-failed'
    cluster.hosts[1].injected.clear()
    cluster.run(0)
    assert json.loads(cluster.app_data['join-tokens'])[f'{APP}/1']['serial'] > first['serial']
    cluster.settle()
    assert json.loads(cluster.unit_data[1]['state']) == 'joined'


def test_a_join_failure_that_is_not_the_token_keeps_the_token() -> None:
    cluster = Cluster(2)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    cluster.run(0)
    issued = json.loads(cluster.app_data['join-tokens'])[f'{APP}/1']
    refused = (
        'Error: Failed to join the cluster using the provided token.\n\nThe error was: failed '
        'to POST /k8sd/cluster/join: failed to join k8sd cluster as control plane: 1 join '
        'attempts were unsuccessful. Last error: dial tcp 10.0.0.1:6400: connect: connection '
        'refused'
    )
    cluster.hosts[1].expect('k8s join-cluster', returncode=1, stderr=refused)
    cluster.run(1)
    assert json.loads(cluster.unit_data[1]['state']) == 'pending'
    status = cluster.statuses[1]
    assert status.name == 'waiting' and status.message.endswith('connection refused; will retry')
    cluster.run(0)  # the leader has nothing to re-issue: the token was not refused
    assert json.loads(cluster.app_data['join-tokens'])[f'{APP}/1'] == issued
    cluster.hosts[1].injected.clear()  # k8sd answers again
    cluster.run(1)  # the next event (update-status at worst) tries the same token, and joins
    assert 'cp-1' in cluster.world.nodes
    assert json.loads(cluster.unit_data[1]['state']) == 'joined'


def test_a_transient_join_failure_keeps_the_token() -> None:
    cluster = Cluster(2)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    cluster.run(0)
    cluster.hosts[1].expect(
        'k8s join-cluster', error=metal_host.CommandTimeoutError(['k8s', 'join-cluster'], 60)
    )
    cluster.run(1)
    assert cluster.statuses[1].name == 'maintenance'
    assert json.loads(cluster.unit_data[1]['state']) == 'pending'


def test_a_departed_unit_is_removed_from_the_cluster_and_its_token_revoked() -> None:
    cluster = Cluster(3)
    cluster.settle()
    out = cluster.depart(2)
    assert ('k8s', 'remove-node', 'cp-2') in cluster.hosts[0].commands
    assert 'cp-2' not in cluster.world.nodes
    assert 'departed-nodes' not in cluster.app_data
    assert json.loads(cluster.app_data['known-nodes']) == {
        f'{APP}/0': 'cp-0',
        f'{APP}/1': 'cp-1',
    }
    assert out.unit_status.message.endswith('2 nodes (no storage: relate ceph-client)')


def test_a_unit_departing_before_joining_loses_its_token() -> None:
    cluster = Cluster(2)
    cluster.run(0, config_changed)
    cluster.run(1, config_changed)
    cluster.run(0)
    assert cluster.secrets
    cluster.depart(1)
    assert cluster.secrets == {}
    assert 'join-tokens' not in cluster.app_data


def test_a_failed_remove_node_stays_queued() -> None:
    cluster = Cluster(2)
    cluster.settle()
    cluster.hosts[0].expect('k8s remove-node', returncode=1, stderr='Error: k8sd is busy\n')
    cluster.depart(1)
    assert json.loads(cluster.app_data['departed-nodes']) == ['cp-1']
    assert cluster.statuses[0] == testing.WaitingStatus(
        'cannot remove node cp-1: Error: k8sd is busy; will retry'
    )
    cluster.hosts[0].injected.clear()
    cluster.run(0, update_status)
    assert 'departed-nodes' not in cluster.app_data
    assert 'cp-1' not in cluster.world.nodes


def test_an_unreachable_departed_control_plane_is_removed_with_force() -> None:
    # microcluster runs the pre-remove hook on the member and, without --force, fails when it
    # does not answer (internal/rest/resources/cluster.go); k8sd wraps it (cluster_remove.go).
    cluster = Cluster(2)
    cluster.settle()
    cluster.world.unreachable.add('cp-1')
    cluster.depart(1)
    commands = [c for c in cluster.hosts[0].commands if c[:2] == ('k8s', 'remove-node')]
    assert commands == [('k8s', 'remove-node', 'cp-1'), ('k8s', 'remove-node', 'cp-1', '--force')]
    assert 'cp-1' not in cluster.world.nodes
    assert 'departed-nodes' not in cluster.app_data


def test_a_departing_leader_queues_itself_for_the_next_leader() -> None:
    # unit 1 leads (Scenario reads departing_unit=0 as "not given")
    cluster = Cluster(2, leader=1)
    cluster.settle()
    state_ = cluster.state(1)
    ctx = context(1)
    relation = state_.get_relation(PEER_ID)
    event = ctx.on.relation_departed(relation, remote_unit=0, departing_unit=1)
    with metal_host.bound(cluster.hosts[1]):
        out = ctx.run(event, state_)
    cluster.commit(1, out)
    assert json.loads(cluster.app_data['departed-nodes']) == ['cp-1']
    assert 'cp-0' in cluster.world.nodes  # the remote unit is not the one leaving
    assert not [c for c in cluster.hosts[1].commands if c[:2] == ('k8s', 'remove-node')]
    # unit 0 becomes the leader and removes the old leader's node
    cluster.members.discard(1)
    cluster.leader = 0
    cluster.run(0, lambda ctx, _: ctx.on.leader_elected())
    assert 'cp-1' not in cluster.world.nodes
    assert 'departed-nodes' not in cluster.app_data


def test_a_stopping_leader_queues_its_node() -> None:
    cluster = Cluster(2)
    cluster.settle()
    cluster.run(0, lambda ctx, _: ctx.on.stop())
    assert json.loads(cluster.app_data['departed-nodes']) == ['cp-0']


def test_a_leader_that_is_not_a_member_says_so() -> None:
    cluster = Cluster(2)
    cluster.settle()
    cluster.members.discard(0)
    cluster.leader = 1
    cluster.hosts[1].clustered = False
    cluster.run(1, lambda ctx, _: ctx.on.leader_elected())
    assert cluster.statuses[1] == testing.WaitingStatus(
        'this leader is not a cluster member and cannot mint join tokens: '
        'waiting for leadership to move to a member'
    )


def test_node_labels_are_applied_to_every_control_plane_node_and_removed() -> None:
    cluster = Cluster(2, config={'node-labels': 'tier=cp zone=a'})
    cluster.settle()
    for name in ('cp-0', 'cp-1'):
        assert cluster.world.nodes[name].labels['tier'] == 'cp'
    cluster.config = {'node-labels': 'tier=control'}
    cluster.run(0, config_changed)
    assert cluster.world.nodes['cp-1'].labels.get('tier') == 'control'
    assert 'zone' not in cluster.world.nodes['cp-1'].labels
    assert 'node-role.kubernetes.io/control-plane' in cluster.world.nodes['cp-1'].labels


# -- workers --------------------------------------------------------------------------------------


def workers(**data: RequirerUnitData) -> testing.Relation:
    by_number = {int(k.removeprefix('w')): v for k, v in data.items()}
    return kube_cluster_testing.relation_for_provider(workers=by_number, id=KUBE_ID)


def test_the_cluster_is_published_to_workers(host: K8sHost) -> None:
    before = bootstrapped(host, workers(w0=RequirerUnitData()))
    out = run(host, update_status, before)
    data = out.get_relation(KUBE_ID).local_app_data
    assert json.loads(data['api-endpoints']) == [{'url': 'https://10.0.0.1:6443'}]
    assert json.loads(data['ca-certificate']) == CA
    assert json.loads(data['cluster-name']) == APP
    assert json.loads(data['pod-cidr']) == '10.1.0.0/16'
    assert json.loads(data['service-cidr']) == '10.152.183.0/24'
    assert json.loads(data['dns-ip']) == '10.152.183.10'
    assert json.loads(data['dns-domain']) == 'cluster.local'
    assert json.loads(data['kubernetes-version']) == '1.32.3'
    assert ADMIN_KEY not in json.dumps(dict(data))


def test_each_worker_gets_its_own_worker_token(host: K8sHost) -> None:
    pending = RequirerUnitData(node_name='worker-1', state=NodeState.PENDING, version='1.32.3')
    before = bootstrapped(host, workers(w1=pending, w2=RequirerUnitData()))
    out = run(host, update_status, before)
    assert ('k8s', 'get-join-token', 'worker-1', '--worker') in host.commands
    tokens = json.loads(out.get_relation(KUBE_ID).local_app_data['join-tokens'])
    assert set(tokens) == {'kubernetes-worker/1'}  # worker/2 has no node name yet
    secret = next(s for s in out.secrets if s.id == tokens['kubernetes-worker/1'])
    assert secret.remote_grants == {KUBE_ID: {'kubernetes-worker/1'}}
    assert host.world.tokens[secret.tracked_content['token']] == ('worker-1', True)


def test_a_joined_workers_token_is_revoked(host: K8sHost) -> None:
    pending = RequirerUnitData(node_name='worker-1', state=NodeState.PENDING)
    before = bootstrapped(host, workers(w1=pending))
    out = run(host, update_status, before)
    joined = pending.model_copy(update={'state': NodeState.JOINED})
    relation = dataclasses.replace(
        out.get_relation(KUBE_ID),
        remote_units_data={1: {k: v for k, v in kube_dump(joined).items() if v}},
    )
    out = run(
        host,
        update_status,
        dataclasses.replace(
            out, relations={*(r for r in out.relations if r.id != KUBE_ID), relation}
        ),
    )
    # The spent token's secret goes; its entry stays (no rewrite of the map, which would run
    # relation-changed on every worker), until the worker departs.
    tokens = json.loads(out.get_relation(KUBE_ID).local_app_data['join-tokens'])
    assert list(tokens) == ['kubernetes-worker/1']
    assert not [s for s in out.secrets if s.label and 'kube-cluster' in s.label]
    out = run(host, update_status, out)  # retired once: nothing more to do
    assert json.loads(out.get_relation(KUBE_ID).local_app_data['join-tokens']) == tokens


def kube_dump(data: RequirerUnitData) -> dict[str, str]:
    from metal_interfaces._base import dump

    return dump(data)


def test_a_worker_token_failure_gets_a_new_token_on_its_report(host: K8sHost) -> None:
    pending = RequirerUnitData(node_name='worker-1', state=NodeState.PENDING)
    before = bootstrapped(host, workers(w1=pending))
    out = run(host, update_status, before)
    failed = RequirerUnitData(node_name='worker-1', state=NodeState.TOKEN_FAILED)
    relation = dataclasses.replace(
        out.get_relation(KUBE_ID),
        remote_units_data={1: {k: v for k, v in kube_dump(failed).items() if v}},
    )
    again = dataclasses.replace(
        out, relations={*(r for r in out.relations if r.id != KUBE_ID), relation}
    )
    run(host, update_status, again)
    assert host.commands.count(('k8s', 'get-join-token', 'worker-1', '--worker')) == 1
    run(host, lambda ctx, s: ctx.on.relation_changed(relation, remote_unit=1), again)
    assert host.commands.count(('k8s', 'get-join-token', 'worker-1', '--worker')) == 2


def goal(monkeypatch: pytest.MonkeyPatch, **workers: str) -> None:
    """goal-state lists these worker units (``w3='waiting'``) on kube-cluster."""
    since = datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)
    listed = {
        f'kubernetes-worker/{name.removeprefix("w")}': ops.hookcmds.Goal(
            status=status, since=since
        )
        for name, status in workers.items()
    }
    joined = ops.hookcmds.Goal(status='joined', since=since)
    state = ops.hookcmds.GoalState(
        units={}, relations={'kube-cluster': {'kubernetes-worker': joined, **listed}}
    )
    monkeypatch.setattr(ops.hookcmds, 'goal_state', lambda: state)


def changed(unit: int) -> Any:
    """relation-changed on kube-cluster from worker ``unit``."""
    return lambda ctx, s: ctx.on.relation_changed(s.get_relation(KUBE_ID), remote_unit=unit)


def worker_tokens(out: testing.State) -> dict[str, str]:
    return json.loads(out.get_relation(KUBE_ID).local_app_data.get('join-tokens') or '{}')


def pending(node: str) -> RequirerUnitData:
    return RequirerUnitData(node_name=node, state=NodeState.PENDING, version='1.32.3')


def test_first_worker_tokens_wait_for_every_unit_goal_state_says_is_coming(
    host: K8sHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    goal(monkeypatch, w1='waiting', w2='waiting', w3='maintenance')
    before = bootstrapped(host, workers(w1=pending('worker-1'), w2=pending('worker-2')))
    out = run(host, changed(2), before)
    assert worker_tokens(out) == {}  # worker/3 has not even entered the relation
    assert not [c for c in host.commands if c[1:2] == ('get-join-token',)]
    relation = workers(w1=pending('worker-1'), w2=pending('worker-2'), w3=pending('worker-3'))
    again = dataclasses.replace(
        out, relations={*(r for r in out.relations if r.id != KUBE_ID), relation}
    )
    out = run(host, changed(3), again)
    # one batch: every unit's own secret, one write of the map
    assert set(worker_tokens(out)) == {f'kubernetes-worker/{n}' for n in (1, 2, 3)}
    issued = [c for c in host.commands if c[1:2] == ('get-join-token',)]
    assert sorted(issued) == [
        ('k8s', 'get-join-token', f'worker-{n}', '--worker') for n in (1, 2, 3)
    ]


@pytest.mark.parametrize('status', ['error', 'blocked', 'dying'])
def test_a_unit_that_needs_an_operator_holds_no_token_back(
    host: K8sHost, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    goal(monkeypatch, w1='waiting', w2=status)
    out = run(host, changed(1), bootstrapped(host, workers(w1=pending('worker-1'))))
    assert set(worker_tokens(out)) == {'kubernetes-worker/1'}


def test_a_unit_in_the_relation_that_has_not_asked_holds_first_tokens(
    host: K8sHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unasked() -> Any:
        raise AssertionError('goal-state asked while a unit in the relation has not asked')

    monkeypatch.setattr(ops.hookcmds, 'goal_state', unasked)
    before = bootstrapped(host, workers(w1=pending('worker-1'), w2=RequirerUnitData()))
    out = run(host, changed(1), before)
    assert worker_tokens(out) == {}


def test_update_status_delivers_tokens_held_for_a_unit_that_never_asks(
    host: K8sHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    goal(monkeypatch, w1='waiting', w2='waiting', w3='waiting')
    before = bootstrapped(host, workers(w1=pending('worker-1'), w2=pending('worker-2')))
    out = run(host, changed(1), before)
    assert worker_tokens(out) == {}
    out = run(host, update_status, out)
    assert set(worker_tokens(out)) == {'kubernetes-worker/1', 'kubernetes-worker/2'}


def test_a_workers_change_reads_its_own_node_not_the_node_list(host: K8sHost) -> None:
    joined = RequirerUnitData(node_name='worker-1', state=NodeState.JOINED, version='1.32.3')
    before = bootstrapped(host, workers(w1=joined))
    host.world.nodes['worker-1'] = kube_node()
    out = run(host, update_status, before)
    assert out.unit_status.message.startswith('Kubernetes v1.32.3 control plane, 2 nodes')
    host.calls.clear()
    host.world.nodes['worker-1'].ready = False
    out = run(host, changed(1), out)
    gets = [c for c in host.commands if c[:3] == ('k8s', 'kubectl', 'get')]
    assert gets == [('k8s', 'kubectl', 'get', 'node', 'worker-1', '-o', 'json')]
    assert 'control plane, 2 nodes (1 not ready)' in out.unit_status.message
    # update-status lists every node: what changed without an event here shows there
    host.world.nodes['worker-9'] = kube_node()
    out = run(host, update_status, out)
    assert 'control plane, 3 nodes (1 not ready)' in out.unit_status.message


def test_a_departed_worker_is_removed_from_the_cluster(host: K8sHost) -> None:
    joined = RequirerUnitData(node_name='worker-0', state=NodeState.JOINED)
    before = bootstrapped(host, workers(w0=joined))
    host.world.nodes['worker-0'] = kube_node()
    out = run(host, update_status, before)
    relation = out.get_relation(KUBE_ID)
    out = run(
        host,
        lambda ctx, s: ctx.on.relation_departed(relation, remote_unit=0, departing_unit=0),
        out,
    )
    assert ('k8s', 'remove-node', 'worker-0') in host.commands
    assert 'worker-0' not in host.world.nodes


def kube_node() -> Any:
    from conftest import NodeState as Node

    return Node(False, '10.0.1.1')


def test_worker_labels_and_taints_are_applied_and_removed(host: K8sHost) -> None:
    joined = RequirerUnitData(
        node_name='worker-0',
        state=NodeState.JOINED,
        node_labels={'gpu': 'yes', 'zone': 'a'},
        node_taints=['dedicated=ml:NoSchedule'],
    )
    before = bootstrapped(host, workers(w0=joined))
    host.world.nodes['worker-0'] = kube_node()
    out = run(host, update_status, before)
    node = host.world.nodes['worker-0']
    assert node.labels == {'gpu': 'yes', 'zone': 'a'}
    assert node.taints == ['dedicated=ml:NoSchedule']
    assert (
        'k8s',
        'kubectl',
        'label',
        'node',
        'worker-0',
        'gpu=yes',
        'zone=a',
        '--overwrite',
    ) in host.commands
    host.calls.clear()
    run(host, update_status, out)
    assert not [c for c in host.commands if c[2:4] in (('label', 'node'), ('taint', 'node'))]
    changed = joined.model_copy(update={'node_labels': {'gpu': 'no'}, 'node_taints': []})
    relation = dataclasses.replace(
        out.get_relation(KUBE_ID),
        remote_units_data={0: {k: v for k, v in kube_dump(changed).items() if v}},
    )
    run(
        host,
        update_status,
        dataclasses.replace(
            out, relations={*(r for r in out.relations if r.id != KUBE_ID), relation}
        ),
    )
    assert node.labels == {'gpu': 'no'}
    assert node.taints == []
    assert (
        'k8s',
        'kubectl',
        'taint',
        'node',
        'worker-0',
        'dedicated:NoSchedule-',
    ) in host.commands


def test_labels_of_an_unregistered_node_are_retried(host: K8sHost) -> None:
    joined = RequirerUnitData(node_name='worker-0', state=NodeState.JOINED, node_labels={'a': 'b'})
    before = bootstrapped(host, workers(w0=joined))
    out = run(host, update_status, before)
    assert out.unit_status == testing.WaitingStatus(
        'cannot label node worker-0: Error from server (NotFound): nodes "worker-0" not found; '
        'will retry'
    )
    host.world.nodes['worker-0'] = kube_node()
    out = run(host, update_status, out)
    assert host.world.nodes['worker-0'].labels == {'a': 'b'}


# -- load balancer --------------------------------------------------------------------------------


def lb(ready: bool = True, addresses: tuple[str, ...] = ('10.0.0.100',)) -> testing.Relation:
    remote: dict[str, str] = {}
    if addresses:
        remote['frontends'] = json.dumps([{'address': a} for a in addresses])
        remote['port'] = '6443'
    if ready:
        remote['ready'] = 'true'
    return testing.Relation(
        'loadbalancer', interface='metal-loadbalancer', id=LB_ID, remote_app_data=remote
    )


def test_the_leader_waits_for_the_lb_address_before_bootstrapping(host: K8sHost) -> None:
    out = run(host, config_changed, state(lb(ready=False, addresses=())))
    assert out.unit_status == testing.WaitingStatus(
        'waiting for the load balancer address before bootstrapping '
        '(it goes in the API server certificate)'
    )
    assert host.k8s_commands == []
    request = out.get_relation(LB_ID).local_app_data
    assert json.loads(request['frontend-port']) == 6443
    assert json.loads(request['backend-port']) == 6443
    assert json.loads(request['health-check']) == {
        'protocol': 'https',
        'path': '/livez',
        'interval': 10,
        'statuses': [200, 401],  # k8s-snap's --anonymous-auth=false answers the check 401
    }


def test_the_lb_address_is_a_san_the_first_endpoint_and_the_backend_is_set(
    host: K8sHost,
) -> None:
    out = run(host, config_changed, state(lb(), workers(w0=RequirerUnitData())))
    config = yaml.safe_load(host.files[workload.BOOTSTRAP_CONFIG].content)
    assert config['extra-sans'] == ['10.0.0.100', '10.0.0.1']
    assert json.loads(out.get_relation(LB_ID).local_unit_data['backend-address']) == '10.0.0.1'
    endpoints = json.loads(out.get_relation(KUBE_ID).local_app_data['api-endpoints'])
    assert endpoints == [{'url': 'https://10.0.0.100:6443'}, {'url': 'https://10.0.0.1:6443'}]
    assert out.unit_status.name == 'active'


def test_on_several_nics_the_node_is_its_cluster_binding_and_the_backend_its_lb_binding(
    host: K8sHost,
) -> None:
    # The machine's first address (10.0.0.1) is its PXE/OAM one; the cluster peers are bound to
    # the Kubernetes space (10.20.0.1), the load balancer endpoint to another (10.30.0.1).
    before = dataclasses.replace(
        state(lb(), workers(w0=RequirerUnitData())),
        networks=networks('10.20.0.1', loadbalancer='10.30.0.1'),
    )
    out = run(host, config_changed, before)
    [bootstrap] = [c for c in host.commands if c[:2] == ('k8s', 'bootstrap')]
    assert bootstrap[bootstrap.index('--address') + 1] == '10.20.0.1'
    config = yaml.safe_load(host.files[workload.BOOTSTRAP_CONFIG].content)
    assert config['extra-sans'] == ['10.0.0.100', '10.20.0.1']
    assert json.loads(out.get_relation(LB_ID).local_unit_data['backend-address']) == '10.30.0.1'
    endpoints = json.loads(out.get_relation(KUBE_ID).local_app_data['api-endpoints'])
    assert endpoints == [{'url': 'https://10.0.0.100:6443'}, {'url': 'https://10.20.0.1:6443'}]


def test_a_unit_joins_on_its_cluster_binding() -> None:
    cluster = Cluster(2)
    cluster.networks = {0: networks('10.20.0.1'), 1: networks('10.20.0.2')}
    cluster.settle()
    [join] = [c for c in cluster.hosts[1].commands if c[:2] == ('k8s', 'join-cluster')]
    assert join[join.index('--address') + 1] == '10.20.0.2'
    assert json.loads(cluster.unit_data[1]['address']) == '10.20.0.2'


def test_no_address_on_the_cluster_binding_blocks(host: K8sHost) -> None:
    empty = testing.Network('cluster', bind_addresses=[], ingress_addresses=[], egress_subnets=[])
    before = state()
    before = dataclasses.replace(
        before, networks={n for n in before.networks if n.binding_name != 'cluster'} | {empty}
    )
    out = run(host, config_changed, before)
    assert out.unit_status == testing.BlockedStatus(charm.NO_ADDRESS)
    assert not any(c[:2] == ('k8s', 'bootstrap') for c in host.commands)


REFRESH = ('k8s', 'refresh-certs', '--expires-in', '20y')


def refreshes(host: K8sHost) -> list[tuple[str, ...]]:
    return [c for c in host.commands if c[:2] == ('k8s', 'refresh-certs')]


def test_an_lb_related_after_bootstrap_is_put_in_the_certificate_then_used(
    host: K8sHost,
) -> None:
    before = bootstrapped(host, lb(), workers(w0=RequirerUnitData()))
    out = run(host, update_status, before)
    assert refreshes(host) == [
        (*REFRESH, '--extra-sans', '10.0.0.100', '--extra-sans', '10.0.0.1')
    ]
    assert host.world.nodes['cp-0'].sans == ['10.0.0.1', '10.0.0.100']
    assert json.loads(unit_bag(out)['certificate-sans']) == ['10.0.0.100', '10.0.0.1']
    endpoints = json.loads(out.get_relation(KUBE_ID).local_app_data['api-endpoints'])
    assert endpoints == [{'url': 'https://10.0.0.100:6443'}, {'url': 'https://10.0.0.1:6443'}]
    assert out.unit_status == testing.ActiveStatus(ACTIVE_1)
    ctx, _ = action(host, 'get-kubeconfig', out)
    assert ctx.action_results['server'] == 'https://10.0.0.100:6443'
    assert ('k8s', 'config', '--server', 'https://10.0.0.100:6443') in host.commands
    # and once applied, never again
    host.calls.clear()
    run(host, update_status, out)
    assert refreshes(host) == []


def test_nothing_changed_nothing_refreshed(host: K8sHost) -> None:
    out = run(host, config_changed, state(lb(), config={'extra-sans': 'api.example.com'}))
    out = run(host, update_status, out)
    assert refreshes(host) == []
    assert host.world.nodes['cp-0'].sans == ['10.0.0.1', '10.0.0.100', 'api.example.com']
    assert out.unit_status == testing.ActiveStatus(ACTIVE_1)


def test_changed_extra_sans_refresh_the_certificate(host: K8sHost) -> None:
    before = bootstrapped(host, config={'extra-sans': 'api.example.com'})
    assert host.world.nodes['cp-0'].sans == ['10.0.0.1', 'api.example.com']
    changed = dataclasses.replace(before, config={'extra-sans': 'k8s.example.com 192.0.2.7'})
    out = run(host, config_changed, changed)
    assert refreshes(host) == [
        (*REFRESH, '--extra-sans', '10.0.0.1', '--extra-sans', 'k8s.example.com',
         '--extra-sans', '192.0.2.7')
    ]  # fmt: skip
    assert host.world.nodes['cp-0'].sans == ['10.0.0.1', 'k8s.example.com', '192.0.2.7']
    assert out.unit_status == testing.ActiveStatus(ACTIVE_1)
    # the bootstrap record stays what the cluster was bootstrapped with
    assert json.loads(app_bag(out)['bootstrap'])['extra-sans'] == ['10.0.0.1', 'api.example.com']


def test_a_leader_from_before_per_unit_sans_trusts_the_bootstrap_record(host: K8sHost) -> None:
    before = bootstrapped(host, config={'extra-sans': 'api.example.com'})
    relation = before.get_relation(PEER_ID)
    data = {k: v for k, v in relation.local_unit_data.items() if k != 'certificate-sans'}
    peer = peers(data, dict(relation.local_app_data))
    out = run(host, update_status, dataclasses.replace(before, relations={peer}))
    assert refreshes(host) == []
    assert json.loads(unit_bag(out)['certificate-sans']) == ['10.0.0.1', 'api.example.com']


def test_a_refresh_failure_says_why_and_keeps_the_lb_out(host: K8sHost) -> None:
    before = bootstrapped(host, lb(), workers(w0=RequirerUnitData()))
    host.expect(
        'k8s refresh-certs',
        returncode=1,
        stderr='Error: Failed to refresh the certificates.\n\nThe error was: context deadline '
        'exceeded\n',
    )
    out = run(host, update_status, before)
    assert out.unit_status == testing.BlockedStatus(
        'k8s refresh-certs failed: The error was: context deadline exceeded; will retry on the '
        'next event'
    )
    assert json.loads(unit_bag(out)['certificate-sans']) == ['10.0.0.1']
    endpoints = json.loads(out.get_relation(KUBE_ID).local_app_data['api-endpoints'])
    assert endpoints == [{'url': 'https://10.0.0.1:6443'}]
    ctx, _ = action(host, 'get-kubeconfig', out)
    assert ctx.action_results['server'] == 'https://10.0.0.1:6443'


def test_every_unit_refreshes_and_the_lb_waits_for_all_of_them() -> None:
    cluster = Cluster(3, config={'extra-sans': 'api.example.com'})
    cluster.settle()
    # joining control planes get the SANs through the join config: no refresh needed
    join_config = yaml.safe_load(cluster.hosts[1].files[workload.JOIN_CONFIG].content)
    assert join_config['extra-sans'] == ['10.0.0.2', 'api.example.com']
    assert cluster.world.nodes['cp-2'].sans == ['10.0.0.3', 'api.example.com']
    assert not any(refreshes(h) for h in cluster.hosts.values())
    kube = workers(w0=RequirerUnitData())
    cluster.extra = [lb(), kube]
    out = cluster.run(0)
    assert cluster.world.nodes['cp-0'].sans == ['10.0.0.1', '10.0.0.100', 'api.example.com']
    endpoints = json.loads(out.get_relation(KUBE_ID).local_app_data['api-endpoints'])
    assert endpoints[0] == {'url': 'https://10.0.0.1:6443'}  # cp-1 and cp-2 lack it still
    cluster.run(1)
    cluster.run(2)
    for n in (1, 2):
        address = cluster.address(n)
        assert refreshes(cluster.hosts[n]) == [
            (*REFRESH, '--extra-sans', '10.0.0.100', '--extra-sans', address,
             '--extra-sans', 'api.example.com')
        ]  # fmt: skip
    out = cluster.run(0)
    endpoints = json.loads(out.get_relation(KUBE_ID).local_app_data['api-endpoints'])
    assert endpoints[0] == {'url': 'https://10.0.0.100:6443'}
    assert len(endpoints) == 4
    assert all(s.name == 'active' for s in cluster.statuses.values()), cluster.statuses


# -- Ceph -----------------------------------------------------------------------------------------


def ceph(**kwargs: Any) -> tuple[testing.Relation, testing.Secret]:
    relation, secret = ceph_client_testing.relation_for_requirer(id=CEPH_ID, **kwargs)
    assert secret is not None
    return relation, secret


def test_ceph_csi_is_applied_with_storage_classes_and_the_default(host: K8sHost) -> None:
    relation, secret = ceph()
    before = bootstrapped(host, relation, secrets=(secret,))
    out = run(host, update_status, before)
    request = out.get_relation(CEPH_ID).local_app_data
    assert json.loads(request['client-name']) == 'kubernetes'
    assert json.loads(request['pools']) == [
        {'name': 'kubernetes', 'application': 'rbd', 'replicas': None}
    ]
    assert ('k8s', 'kubectl', 'apply', '-f', manifests.RBD_PATH) in host.commands
    entry = host.files[manifests.RBD_PATH]
    assert entry.mode == 0o600
    objects = host.world.objects
    classes = {n: o for (k, _, n), o in objects.items() if k == 'StorageClass'}
    assert set(classes) == {'ceph-xfs', 'ceph-ext4'}
    default = 'storageclass.kubernetes.io/is-default-class'
    assert classes['ceph-xfs']['metadata']['annotations'][default] == 'true'
    assert classes['ceph-ext4']['metadata']['annotations'][default] == 'false'
    assert classes['ceph-xfs']['parameters']['clusterID'] == ceph_client_testing.DEFAULT_FSID
    assert classes['ceph-ext4']['parameters']['csi.storage.k8s.io/fstype'] == 'ext4'
    key_secret = objects[('Secret', 'ceph-csi', 'csi-rbd-secret')]
    assert key_secret['stringData']['userKey'] == ceph_client_testing.DEFAULT_CLIENT_KEY
    config = json.loads(
        objects[('ConfigMap', 'ceph-csi', 'ceph-csi-config')]['data']['config.json']
    )
    assert config == [
        {
            'clusterID': ceph_client_testing.DEFAULT_FSID,
            'monitors': ['10.0.0.31', '10.0.0.32', '10.0.0.33'],
        }
    ]
    assert {k for k, _, _ in objects} >= {'Deployment', 'DaemonSet', 'CSIDriver', 'Namespace'}
    assert out.unit_status == testing.ActiveStatus(
        'Kubernetes v1.32.3 control plane, 1 node (storage: ceph-xfs default)'
    )
    host.calls.clear()
    run(host, update_status, out)
    assert not [c for c in host.commands if c[2:3] == ('apply',)]  # unchanged: not re-applied


def test_the_ceph_key_never_shows_in_logs_or_errors(
    host: K8sHost, caplog: pytest.LogCaptureFixture
) -> None:
    relation, secret = ceph()
    before = bootstrapped(host, relation, secrets=(secret,))
    host.expect(
        'k8s kubectl apply',
        returncode=1,
        stderr=f'error: bad key {ceph_client_testing.DEFAULT_CLIENT_KEY}',
    )
    out = run(host, update_status, before)
    assert out.unit_status == testing.BlockedStatus(
        f'Ceph CSI: kubectl apply -f {manifests.RBD_PATH} failed: error: bad key <redacted>; '
        'will retry on the next event'
    )
    assert ceph_client_testing.DEFAULT_CLIENT_KEY not in caplog.text


def test_cephfs_is_added_and_removed_with_enable_cephfs(host: K8sHost) -> None:
    relation, secret = ceph()
    before = bootstrapped(host, relation, secrets=(secret,))
    config: dict[str, str | bool] = {'enable-cephfs': True, 'default-storage-class': 'cephfs'}
    out = run(host, config_changed, dataclasses.replace(before, config=config))
    pools = json.loads(out.get_relation(CEPH_ID).local_app_data['pools'])
    assert {p['application'] for p in pools} == {'rbd', 'cephfs'}
    classes = {n for (k, _, n) in host.world.objects if k == 'StorageClass'}
    assert classes == {'ceph-xfs', 'ceph-ext4', 'cephfs'}
    fs = host.world.objects[('StorageClass', '', 'cephfs')]
    assert fs['metadata']['annotations']['storageclass.kubernetes.io/is-default-class'] == 'true'
    out = run(host, config_changed, dataclasses.replace(out, config={}))
    assert ('k8s', 'kubectl', 'delete', '-f', manifests.CEPHFS_PATH) in host.commands
    assert manifests.CEPHFS_PATH not in host.files
    classes = {n for (k, _, n) in host.world.objects if k == 'StorageClass'}
    assert classes == {'ceph-xfs', 'ceph-ext4'}
    assert ('Namespace', '', 'ceph-csi') in host.world.objects  # RBD's stays
    assert ('Secret', 'ceph-csi', 'csi-rbd-secret') in host.world.objects


def test_ceph_removed_deletes_the_manifests_cephfs_first(host: K8sHost) -> None:
    relation, secret = ceph()
    config: dict[str, str | bool] = {'enable-cephfs': True}
    before = bootstrapped(host, relation, secrets=(secret,), config=config)
    out = run(host, update_status, before)
    gone = dataclasses.replace(out, relations={r for r in out.relations if r.id != CEPH_ID})
    out = run(host, update_status, gone)
    deletes = [c for c in host.commands if c[2:3] == ('delete',)]
    assert [c[-1] for c in deletes] == [manifests.CEPHFS_PATH, manifests.RBD_PATH]
    assert host.world.objects == {}
    assert out.unit_status == testing.ActiveStatus(ACTIVE_1)


def test_ceph_not_ready_says_so(host: K8sHost) -> None:
    relation, secret = ceph(ready=False)
    before = bootstrapped(host, relation, secrets=(secret,))
    out = run(host, update_status, before)
    assert out.unit_status == testing.ActiveStatus(
        'Kubernetes v1.32.3 control plane, 1 node (storage: waiting for ceph-client)'
    )
    assert not [k for k in host.world.objects if k[0] == 'StorageClass']


# -- actions --------------------------------------------------------------------------------------


def action(host: K8sHost, name: str, before: testing.State, **params: Any) -> Any:
    ctx = context()
    with metal_host.bound(host):
        out = ctx.run(ctx.on.action(name, params=params), before)
    return ctx, out


def test_get_kubeconfig_returns_a_secret_id_never_the_kubeconfig(host: K8sHost) -> None:
    before = bootstrapped(host)
    ctx, out = action(host, 'get-kubeconfig', before)
    results = ctx.action_results
    assert results is not None
    [secret] = [s for s in out.secrets if s.label == 'kubeconfig']
    assert results == {'kubeconfig-secret-id': secret.id, 'server': 'https://10.0.0.1:6443'}
    kubeconfig = yaml.safe_load(secret.tracked_content['kubeconfig'])
    assert kubeconfig['clusters'][0]['cluster']['server'] == 'https://10.0.0.1:6443'
    assert ADMIN_KEY not in json.dumps(results)
    assert secret.owner == 'app'


def test_get_kubeconfig_uses_a_given_server(host: K8sHost) -> None:
    before = bootstrapped(host)
    ctx, out = action(host, 'get-kubeconfig', before, server='https://k8s.example.com:443')
    assert ('k8s', 'config', '--server', 'https://k8s.example.com:443') in host.commands
    assert ctx.action_results['server'] == 'https://k8s.example.com:443'
    ctx, out = action(host, 'get-kubeconfig', out, server='https://k8s.example.com:443')
    assert len([s for s in out.secrets if s.label == 'kubeconfig']) == 1


def test_get_kubeconfig_defaults_to_the_load_balancer(host: K8sHost) -> None:
    out = run(host, config_changed, state(lb()))
    ctx, _ = action(host, 'get-kubeconfig', out)
    assert ctx.action_results['server'] == 'https://10.0.0.100:6443'


@pytest.mark.parametrize('server', ['http://x:6443', 'https://u:p@x', 'https://x/path', 'nope'])
def test_get_kubeconfig_rejects_a_bad_server(host: K8sHost, server: str) -> None:
    before = bootstrapped(host)
    with pytest.raises(testing.ActionFailed, match='must be https://host'):
        action(host, 'get-kubeconfig', before, server=server)


def test_actions_need_the_leader(host: K8sHost) -> None:
    before = dataclasses.replace(bootstrapped(host), leader=False)
    with pytest.raises(testing.ActionFailed, match='run get-kubeconfig on the leader unit'):
        action(host, 'get-kubeconfig', before)
    with pytest.raises(testing.ActionFailed, match='run upgrade on the leader unit'):
        action(host, 'upgrade', before, channel='1.33-classic/stable')


def test_actions_need_a_cluster(host: K8sHost) -> None:
    with pytest.raises(testing.ActionFailed, match='is not a cluster member yet'):
        action(host, 'get-kubeconfig', state())
    with pytest.raises(testing.ActionFailed, match='is not a cluster member yet'):
        action(host, 'pre-upgrade-check', state())


def test_pre_upgrade_check_passes_when_every_node_is_ready(host: K8sHost) -> None:
    before = bootstrapped(host)
    ctx, _ = action(host, 'pre-upgrade-check', before)
    assert ctx.action_results == {'nodes': 1, 'result': 'all 1 nodes are Ready'}


def test_pre_upgrade_check_fails_naming_unready_nodes(host: K8sHost) -> None:
    before = bootstrapped(host)
    host.world.nodes['worker-9'] = dataclasses.replace(kube_node(), ready=False)
    with pytest.raises(testing.ActionFailed, match='nodes not Ready: worker-9'):
        action(host, 'pre-upgrade-check', before)


def with_worker_version(version: str) -> testing.Relation:
    return workers(
        w0=RequirerUnitData(node_name='worker-0', state=NodeState.JOINED, version=version)
    )


@pytest.mark.parametrize(
    ('channel', 'worker', 'message'),
    [
        (
            '1.34-classic/stable',
            '1.32.3',
            'upgrade one minor release at a time: 1.32 → 1.33 first',
        ),
        ('1.31-classic/stable', '1.31.0', 'downgrades are not supported: 1.32 → 1.31'),
        ('latest/edge', '1.32.3', 'cannot tell which Kubernetes release latest/edge holds'),
        (
            '1.33-classic/stable',
            '1.29.4',
            'workers too old for Kubernetes 1.33: worker-0 (1.29.4)',
        ),
        ('1.33-classic/stable', '1.34.0', 'workers newer than 1.33: worker-0 (1.34.0)'),
        ('not a channel', '1.32.3', "channel 'not a channel' is not a snap channel"),
        ('1.33/stable', '1.32.3', "channel '1.33/stable' holds the strictly confined k8s snap"),
    ],
)
def test_upgrade_refuses_what_breaks_the_skew_policy(
    host: K8sHost, channel: str, worker: str, message: str
) -> None:
    before = bootstrapped(host, with_worker_version(worker))
    with pytest.raises(testing.ActionFailed) as failed:
        action(host, 'upgrade', before, channel=channel)
    assert failed.value.message.startswith(message), failed.value.message
    assert host.calls_to('snap_refresh') == []


def test_upgrade_allows_workers_three_minor_releases_behind(host: K8sHost) -> None:
    before = bootstrapped(host, with_worker_version('1.30.9'))
    ctx, out = action(host, 'upgrade', before, channel='1.33-classic/stable')
    assert ctx.action_results['channel'] == '1.33-classic/stable'
    assert host.snaps['k8s'].channel == '1.33-classic/stable'
    assert host.snaps['k8s'].held
    assert json.loads(app_bag(out)['upgrade']) == '1.33-classic/stable'
    assert out.workload_version == 'v1.33.0'


def bootstrapped_on(host: K8sHost, config: dict[str, str | bool]) -> testing.State:
    """A leader that bootstrapped with ``config`` (its channel's version in the status)."""
    out = run(host, config_changed, state(config=config))
    assert out.unit_status.name == 'active', out.unit_status
    peer = peers(unit_bag(out), app_bag(out))
    host.calls.clear()
    return dataclasses.replace(state(peer=peer, config=config), stored_states=out.stored_states)


def test_upgrade_refuses_to_take_a_k8s_dqlite_cluster_to_1_36() -> None:
    # k8s-snap 1.36's post-refresh hook refuses a node with k8s-dqlite data: no migration path
    # (snap/hooks/post-refresh @ release-1.36; docs/canonicalk8s/releases/snap/1.36.md).
    host = K8sHost(installed='1.35-classic/stable')
    config: dict[str, str | bool] = {
        'channel': '1.35-classic/stable',
        'bootstrap-datastore': 'k8s-dqlite',
    }
    before = bootstrapped_on(host, config)
    with pytest.raises(testing.ActionFailed) as failed:
        action(host, 'upgrade', before, channel='1.36-classic/stable')
    assert failed.value.message.startswith(
        'cannot upgrade to 1.36-classic/stable: this cluster runs on the k8s-dqlite datastore, '
        'which k8s 1.36 and later removed with no migration path'
    )
    assert host.calls_to('snap_refresh') == []


def test_an_etcd_cluster_upgrades_to_1_36() -> None:
    host = K8sHost(installed='1.35-classic/stable')
    before = bootstrapped_on(host, {'channel': '1.35-classic/stable'})
    ctx, _ = action(host, 'upgrade', before, channel='1.36-classic/stable')
    assert ctx.action_results['channel'] == '1.36-classic/stable'
    assert host.snaps['k8s'].channel == '1.36-classic/stable'


def test_upgrade_refuses_with_unready_nodes(host: K8sHost) -> None:
    before = bootstrapped(host)
    host.world.nodes['cp-0'].ready = False
    with pytest.raises(testing.ActionFailed, match='nodes not Ready: cp-0'):
        action(host, 'upgrade', before, channel='1.33-classic/stable')


def test_upgrade_rolls_one_unit_at_a_time() -> None:
    cluster = Cluster(3)
    cluster.settle()
    ctx = context(0)
    with metal_host.bound(cluster.hosts[0]):
        out = ctx.run(
            ctx.on.action('upgrade', params={'channel': '1.33-classic/stable'}), cluster.state(0)
        )
    cluster.commit(0, out)
    assert cluster.hosts[0].snaps['k8s'].channel == '1.33-classic/stable'
    assert json.loads(cluster.app_data['turn']) == f'{APP}/1'
    cluster.run(2)
    assert cluster.hosts[2].snaps['k8s'].channel == '1.32-classic/stable'
    assert cluster.statuses[2] == testing.WaitingStatus(
        f'upgrade to 1.33-classic/stable: waiting for the upgrade turn, held by {APP}/1'
    )
    cluster.run(1)
    assert cluster.hosts[1].snaps['k8s'].channel == '1.33-classic/stable'
    cluster.settle()
    assert {h.snaps['k8s'].channel for h in cluster.hosts.values()} == {'1.33-classic/stable'}
    assert 'turn' not in cluster.app_data
    refreshes = [c for h in cluster.hosts.values() for c in h.calls_to('snap_refresh')]
    assert len(refreshes) == 3


def test_a_failed_refresh_blocks_and_gives_way() -> None:
    cluster = Cluster(2)
    cluster.settle()
    cluster.hosts[1].fail(
        'snap_refresh', metal_host.CommandError(['snap', 'refresh'], 1, '', 'error: no space')
    )
    ctx = context(0)
    with metal_host.bound(cluster.hosts[0]):
        out = ctx.run(
            ctx.on.action('upgrade', params={'channel': '1.33-classic/stable'}), cluster.state(0)
        )
    cluster.commit(0, out)
    cluster.run(1)
    assert cluster.statuses[1] == testing.BlockedStatus(
        'cannot refresh k8s to 1.33-classic/stable: error: no space; will retry on the next event'
    )
    assert json.loads(cluster.unit_data[1]['upgrade-failed']) == '1.33-classic/stable'


def test_a_new_unit_installs_the_upgraded_channel() -> None:
    host = K8sHost(installed=None)
    app = {'upgrade': json.dumps('1.33-classic/stable'), 'bootstrap': json.dumps({'x': 1})}
    run(host, lambda ctx, _: ctx.on.install(), state(leader=False, peer=peers(app_data=app)))
    assert host.snaps['k8s'].channel == '1.33-classic/stable'


# -- status details -------------------------------------------------------------------------------


def test_unready_nodes_show_in_the_active_status(host: K8sHost) -> None:
    before = bootstrapped(host)
    host.world.nodes['worker-1'] = dataclasses.replace(kube_node(), ready=False)
    out = run(host, update_status, before)
    assert out.unit_status == testing.ActiveStatus(
        'Kubernetes v1.32.3 control plane, 2 nodes (1 not ready) (no storage: relate ceph-client)'
    )


def test_an_unreachable_api_is_waiting(host: K8sHost) -> None:
    before = bootstrapped(host)
    host.expect('k8s kubectl get nodes', returncode=1, stderr='The connection was refused')
    out = run(host, update_status, before)
    assert out.unit_status == testing.WaitingStatus(
        'waiting for the Kubernetes API: cannot list nodes: The connection was refused'
    )


def test_secret_remove_drops_the_revision(host: K8sHost) -> None:
    before = bootstrapped(host)
    _, out = action(host, 'get-kubeconfig', before)
    [secret] = [s for s in out.secrets if s.label == 'kubeconfig']
    ctx = context()
    with metal_host.bound(host):
        # Scenario numbers only the revision it tracks (1); any other stands for an old one.
        ctx.run(ctx.on.secret_remove(secret, revision=3), out)
    assert ctx.removed_secret_revisions == [3]


def test_the_world_is_shared() -> None:
    world = World()
    a, b = K8sHost(world, hostname='a'), K8sHost(world, hostname='b')
    assert a.world is b.world
    assert kube_cluster.CONTENT_KEY == 'token'
