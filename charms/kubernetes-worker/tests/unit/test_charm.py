"""kubernetes-worker through ops.testing (Scenario), with a :class:`Machine` bound as its Host.

Every run goes through :func:`run`, which also checks that no join token shows up anywhere the
charm writes: status, relation data, stored state and the logs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import metal_host
import pytest
from metal_interfaces import kube_cluster
from metal_interfaces.kube_cluster_testing import DEFAULT_TOKEN
from ops import testing

import charm
import workload

from .k8s_testing import (
    ADDRESS,
    HOSTNAME,
    NEW_TOKEN,
    OAM_ADDRESS,
    Machine,
    charm_stored,
    kube_network,
    kube_network_without_address,
    kube_relation,
    published,
    stored,
    with_relation,
)

TOKENS = (DEFAULT_TOKEN, NEW_TOKEN)
NEEDS_CP = (
    'needs a control plane: integrate kubernetes-worker:kube-cluster with kubernetes-control-plane'
)
ACTIVE = testing.ActiveStatus(f'Kubernetes v1.32.3 worker node {HOSTNAME}')
State = kube_cluster.NodeState


@pytest.fixture
def ctx() -> testing.Context[charm.KubernetesWorkerCharm]:
    return testing.Context(charm.KubernetesWorkerCharm)


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level('DEBUG')


def run(ctx: Any, event: Any, state: testing.State, host: Machine) -> testing.State:
    """Run one event with ``host`` bound, then check no token leaked anywhere."""
    with metal_host.bound(host):
        out = ctx.run(event, state)
    places = {
        'status': out.unit_status.message,
        'stored state': repr([s.content for s in out.stored_states]),
        'juju log': '\n'.join(line.message for line in ctx.juju_log),
        'workload version': out.workload_version,
    }
    for relation in out.relations:
        places[f'relation {relation.id}'] = repr(
            (dict(relation.local_unit_data), dict(relation.local_app_data))
        )
    for where, text in places.items():
        for token in TOKENS:
            assert token not in text, f'a join token leaked into the {where}'
    for args in host.joins:
        assert isinstance(args[2], metal_host.Sensitive), 'the token must be Sensitive'
    return out


def ready(**relation_args: Any) -> tuple[testing.State, testing.Relation]:
    """An installed unit whose control plane published the cluster and a token."""
    relation, secret = kube_relation(**relation_args)
    state = testing.State(
        relations={relation},
        secrets={secret} if secret is not None else set(),
        stored_states={stored()},
        networks={kube_network()},
    )
    return state, relation


def joined(ctx: Any, host: Machine, **config: str) -> tuple[testing.State, testing.Relation]:
    """A unit that joined the cluster; the host's calls are then cleared."""
    state, relation = ready()
    state = dataclasses.replace(state, config=config)
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)
    assert out.unit_status == ACTIVE
    host.calls.clear()
    return out, relation


# -- install and config-changed ------------------------------------------------------------


def test_install_installs_the_classic_snap_from_the_channel_and_holds_it(ctx: Any) -> None:
    host = Machine(installed=None)
    out = run(ctx, ctx.on.install(), testing.State(), host)

    assert host.snaps['k8s'] == metal_host.SnapState('1.32-classic/stable', True, True)
    assert [(c.method, dict(c.kwargs)) for c in host.calls if c.method.startswith('snap_')] == [
        ('snap_install', {'channel': '1.32-classic/stable', 'classic': True}),
        ('snap_hold', {}),
    ]
    assert charm_stored(out)['channel'] == '1.32-classic/stable'
    assert out.workload_version == 'v1.32.3'
    assert out.unit_status == testing.BlockedStatus(NEEDS_CP)
    assert host.joins == []


def test_install_uses_the_configured_channel(ctx: Any) -> None:
    host = Machine(installed=None)
    state = testing.State(config={'channel': '1.31-classic/stable'})
    out = run(ctx, ctx.on.install(), state, host)

    assert host.snaps['k8s'].channel == '1.31-classic/stable'
    assert out.workload_version == 'v1.31.7'


def test_a_snap_that_will_not_install_is_blocked_and_retried(ctx: Any) -> None:
    host = Machine(installed=None)
    host.fail(
        'snap_install',
        metal_host.CommandError(['snap', 'install', 'k8s'], 1, '', 'error: snap "k8s" not found'),
        once=True,
    )
    out = run(ctx, ctx.on.install(), testing.State(), host)

    assert out.unit_status == testing.BlockedStatus(
        'cannot install k8s from 1.32-classic/stable: error: snap "k8s" not found'
    )
    out = run(ctx, ctx.on.update_status(), out, host)
    assert host.snaps['k8s'].held
    assert out.unit_status == testing.BlockedStatus(NEEDS_CP)


def test_an_invalid_channel_is_blocked_and_touches_nothing(ctx: Any) -> None:
    host = Machine(installed=None)
    out = run(ctx, ctx.on.config_changed(), testing.State(config={'channel': '1.32 x'}), host)

    assert out.unit_status == testing.BlockedStatus(
        "invalid config: channel '1.32 x' is not a snap channel [<track>/]<risk>[/<branch>], "
        'e.g. 1.32-classic/stable'
    )
    assert host.calls == []


def test_the_strict_flavours_channel_is_blocked(ctx: Any) -> None:
    # k8s-snap's strict flavour is on <minor>/<risk>, the classic one on <minor>-classic/<risk>
    # (canonical/k8s-snap tests/integration/tests/test_util/snap.py filter_arch_and_flavor)
    host = Machine(installed=None)
    state = testing.State(config={'channel': '1.33/stable'})
    out = run(ctx, ctx.on.config_changed(), state, host)

    assert out.unit_status == testing.BlockedStatus(
        "invalid channel '1.33/stable': it holds the strictly confined k8s snap; this charm "
        'runs the classic one: use 1.33-classic/stable'
    )
    assert host.calls == []


@pytest.mark.parametrize(
    ('option', 'value', 'bad'),
    [
        ('node-labels', 'pool=metal nodash', 'nodash'),
        ('node-labels', 'Bad_Prefix/x=y', 'Bad_Prefix/x=y'),
        ('node-labels', f'k={"v" * 64}', f'k={"v" * 64}'),
        ('node-labels', 'a=-x', 'a=-x'),
        ('node-labels', 'a=1 a=2', 'a=2'),
        ('node-taints', 'dedicated=gpu:NoSchedule gpu', 'gpu'),
        ('node-taints', 'dedicated=gpu:Sometimes', 'dedicated=gpu:Sometimes'),
        ('node-taints', 'a:NoSchedule a=x:NoSchedule', 'a=x:NoSchedule'),
        ('node-taints', '=x:NoExecute', '=x:NoExecute'),
    ],
)
def test_invalid_labels_or_taints_block_naming_the_option_and_item(
    ctx: Any, option: str, value: str, bad: str
) -> None:
    host = Machine()
    state, relation = ready()
    state = dataclasses.replace(state, config={option: value})
    out = run(ctx, ctx.on.config_changed(), state, host)

    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith(f'invalid {option} item {bad!r}')
    assert host.calls == []
    assert dict(out.get_relation(relation.id).local_unit_data) == dict(relation.local_unit_data)


def test_config_changed_with_the_same_channel_refreshes_nothing(ctx: Any) -> None:
    host = Machine()
    out, _ = joined(ctx, host)
    out = run(ctx, ctx.on.config_changed(), out, host)

    assert [c for c in host.calls if c.method.startswith('snap_')] == []
    assert host.joins == []
    assert out.unit_status == ACTIVE


def test_a_new_channel_refreshes_and_holds_again(ctx: Any) -> None:
    host = Machine()
    out, relation = joined(ctx, host)
    out = run(
        ctx,
        ctx.on.config_changed(),
        dataclasses.replace(out, config={'channel': '1.31-classic/stable'}),
        host,
    )

    snap_calls = [(c.method, dict(c.kwargs)) for c in host.calls if c.method.startswith('snap_')]
    assert snap_calls == [('snap_refresh', {'channel': '1.31-classic/stable'}), ('snap_hold', {})]
    assert charm_stored(out)['channel'] == '1.31-classic/stable'
    assert out.workload_version == 'v1.31.7'
    assert published(out, relation).version == '1.31.7'
    assert out.unit_status == testing.ActiveStatus(f'Kubernetes v1.31.7 worker node {HOSTNAME}')
    assert host.joins == []


def test_a_channel_newer_than_the_control_plane_is_refused(ctx: Any) -> None:
    host = Machine()
    out, relation = joined(ctx, host)
    out = run(
        ctx,
        ctx.on.config_changed(),
        dataclasses.replace(out, config={'channel': '1.33-classic/stable'}),
        host,
    )

    assert host.calls_to('snap_refresh') == []
    assert host.snaps['k8s'].channel == '1.32-classic/stable'
    assert out.unit_status == testing.BlockedStatus(
        'channel 1.33-classic/stable is newer than the control plane (Kubernetes 1.32.3); '
        'set channel to 1.32-classic/stable or older'
    )
    assert charm_stored(out)['channel'] == '1.32-classic/stable'
    assert published(out, relation).state == State.JOINED


def test_an_installed_kubelet_newer_than_the_control_plane_is_blocked(ctx: Any) -> None:
    host = Machine(installed='1.33-classic/stable')
    state, relation = ready()
    state = dataclasses.replace(
        state,
        config={'channel': '1.33-classic/stable'},
        stored_states={stored(channel='1.33-classic/stable')},
    )
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.BlockedStatus(
        'this unit runs Kubernetes v1.33.0, which is newer than the control plane '
        '(Kubernetes 1.32.3); set channel to 1.32-classic/stable or older'
    )
    assert host.joins == []
    assert published(out, relation).state == State.PENDING


def test_a_kubelet_too_far_behind_is_blocked(ctx: Any) -> None:
    host = Machine(installed='1.31-classic/stable')
    state, relation = ready(kubernetes_version='v1.35.1')
    state = dataclasses.replace(state, stored_states={stored(channel='1.31-classic/stable')})
    state = dataclasses.replace(state, config={'channel': '1.31-classic/stable'})
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status.name == 'blocked'
    assert 'more than 3 minor versions older' in out.unit_status.message
    assert host.joins == []


# -- relation, waiting -------------------------------------------------------------------------


def test_relation_without_cluster_data_waits_and_reports_pending(ctx: Any) -> None:
    host = Machine()
    state, relation = ready(api_endpoints=(), cluster_name=None, ca_certificate=None, token=None)
    out = run(ctx, ctx.on.relation_joined(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(charm.WAITING_CLUSTER)
    assert published(out, relation) == kube_cluster.RequirerUnitData(
        node_name=HOSTNAME, state=State.PENDING, version='1.32.3', node_labels={}, node_taints=[]
    )
    assert host.joins == []


def test_a_cluster_without_a_token_waits_for_one(ctx: Any) -> None:
    host = Machine()
    state, relation = ready(token=None)
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(charm.WAITING_TOKEN)
    assert published(out, relation).state == State.PENDING
    assert host.joins == []


def test_a_token_secret_that_is_gone_asks_for_a_new_one(ctx: Any) -> None:
    # The control plane removes a token's secret once its unit has joined (single use); a unit
    # that must join again finds its entry naming nothing.
    host = Machine()
    state, relation = ready()
    state = dataclasses.replace(state, secrets=set())
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus(charm.TOKEN_GONE)
    assert published(out, relation).state == State.TOKEN_FAILED
    assert host.joins == []


# -- joining -----------------------------------------------------------------------------------


def test_a_token_joins_with_config_file_name_and_address(ctx: Any) -> None:
    host = Machine()
    state, relation = ready()
    state = dataclasses.replace(
        state,
        config={
            'node-labels': (
                'pool=metal node-role.kubernetes.io/worker= topology.kubernetes.io/zone=a'
            ),
            'node-taints': 'dedicated=gpu:NoSchedule spot:PreferNoSchedule',
        },
    )
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert host.joins == [
        (
            'k8s',
            'join-cluster',
            DEFAULT_TOKEN,
            '--name',
            HOSTNAME,
            '--address',
            ADDRESS,
            '--file',
            str(workload.JOIN_CONFIG),
        )
    ]
    entry = host.files[str(workload.JOIN_CONFIG)]
    assert entry.mode == 0o600
    assert entry.content.splitlines()[1:] == [
        'extra-node-kubelet-args:',
        '  "--node-labels": "node-role.kubernetes.io/worker=,k8sd.io/role=worker,pool=metal,'
        'topology.kubernetes.io/zone=a"',
        '  "--register-with-taints": "dedicated=gpu:NoSchedule,spot:PreferNoSchedule"',
    ]
    assert DEFAULT_TOKEN not in entry.content
    assert out.unit_status == ACTIVE
    assert published(out, relation) == kube_cluster.RequirerUnitData(
        node_name=HOSTNAME,
        state=State.JOINED,
        version='1.32.3',
        node_labels={
            'pool': 'metal',
            'node-role.kubernetes.io/worker': '',
            'topology.kubernetes.io/zone': 'a',
        },
        node_taints=['dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule'],
    )
    assert charm_stored(out)['joined'] is True


def test_the_token_is_sensitive_and_redacted_in_errors(ctx: Any) -> None:
    host = Machine()
    host.join_failure = 'Error: the control plane is down\n'
    state, relation = ready()
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    [args] = host.joins
    token = args[2]
    assert token == DEFAULT_TOKEN
    assert isinstance(token, metal_host.Sensitive)
    error = metal_host.CommandError(args, 1, '', 'x')
    assert DEFAULT_TOKEN not in str(error)
    assert '<redacted>' in str(error)


def test_without_labels_or_taints_the_join_config_is_empty(ctx: Any) -> None:
    host = Machine()
    joined(ctx, host)

    assert host.files[str(workload.JOIN_CONFIG)].content.splitlines()[1:] == [
        'extra-node-kubelet-args: {}'
    ]


def test_a_joined_node_is_checked_not_rejoined_on_later_events(ctx: Any) -> None:
    host = Machine()
    out, relation = joined(ctx, host)
    for event in (ctx.on.update_status(), ctx.on.start(), ctx.on.upgrade_charm()):
        out = run(ctx, event, out, host)
        assert out.unit_status == ACTIVE
    assert host.joins == []
    assert ('k8s', 'local-node-status', '--output-format', 'json') in host.commands
    assert published(out, relation).state == State.JOINED


def test_a_machine_already_in_the_cluster_counts_as_joined(ctx: Any) -> None:
    host = Machine()
    state, relation = ready()
    host.member = HOSTNAME
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert host.joins == []  # local-node-status said so first
    assert out.unit_status == ACTIVE
    assert published(out, relation).state == State.JOINED


def test_already_part_of_a_cluster_from_join_counts_as_joined() -> None:
    host = Machine(member=HOSTNAME)
    with metal_host.bound(host):
        outcome = workload.join(
            DEFAULT_TOKEN, name=HOSTNAME, address=ADDRESS, labels={}, taints=[]
        )
    assert outcome is workload.JoinOutcome.ALREADY_JOINED


def test_a_rejected_token_reports_token_failed_then_a_new_token_joins(ctx: Any) -> None:
    host = Machine(tokens={NEW_TOKEN: HOSTNAME})
    state, relation = ready()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.WaitingStatus('join token rejected; waiting for a new one')
    assert published(out, relation).state == State.TOKEN_FAILED
    assert charm_stored(out)['rejected'] == charm.digest(DEFAULT_TOKEN)
    assert len(host.joins) == 1

    # The same token is not tried again.
    out = run(ctx, ctx.on.update_status(), out, host)
    assert len(host.joins) == 1
    assert published(out, relation).state == State.TOKEN_FAILED

    # The leader re-issues: a new revision of the same secret.
    [secret] = out.secrets
    secret = dataclasses.replace(secret, latest_content={'token': NEW_TOKEN})
    out = dataclasses.replace(out, secrets={secret})
    out = run(ctx, ctx.on.secret_changed(secret), out, host)

    assert host.joined_tokens == [DEFAULT_TOKEN, NEW_TOKEN]
    assert out.unit_status == ACTIVE
    assert published(out, relation).state == State.JOINED
    assert charm_stored(out)['rejected'] == ''


def test_a_new_token_secret_on_relation_changed_is_tried(ctx: Any) -> None:
    host = Machine(tokens={NEW_TOKEN: HOSTNAME})
    state, relation = ready()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)
    assert published(out, relation).state == State.TOKEN_FAILED

    new_relation, new_secret = kube_relation(token=NEW_TOKEN, id=relation.id)
    new_relation = dataclasses.replace(
        new_relation, local_unit_data=out.get_relation(relation.id).local_unit_data
    )
    out = with_relation(out, new_relation, new_secret)
    out = run(ctx, ctx.on.relation_changed(new_relation, remote_unit=0), out, host)

    assert host.joined_tokens == [DEFAULT_TOKEN, NEW_TOKEN]
    assert out.unit_status == ACTIVE


def test_another_join_failure_waits_with_the_message_and_no_token(ctx: Any) -> None:
    host = Machine()
    host.join_failure = (
        'Error: Failed to join the cluster using the provided token.\n\n'
        f'The error was: Post "https://10.0.0.10:6400/...?token={DEFAULT_TOKEN}": '
        'dial tcp 10.0.0.10:6400: connect: connection refused\n'
    )
    state, relation = ready()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status.name == 'waiting'
    assert out.unit_status.message.startswith('cannot join the cluster (exit 1): Error: Failed')
    assert 'connection refused' in out.unit_status.message
    assert '<redacted>' in out.unit_status.message
    assert out.unit_status.message.endswith('; retrying')
    assert published(out, relation).state == State.PENDING

    host.join_failure = None
    out = run(ctx, ctx.on.update_status(), out, host)
    assert out.unit_status == ACTIVE


def test_k8sd_not_answering_is_blocked_with_its_message(ctx: Any) -> None:
    host = Machine()
    host.k8sd_down = True
    state, relation = ready()
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith(
        'cannot read the node status (exit 1): Error: Failed to create a k8sd client.'
    )
    assert published(out, relation).state == State.PENDING
    assert host.joins == []


def test_the_node_joins_on_its_kube_cluster_binding_not_the_first_host_address(
    ctx: Any,
) -> None:
    # A MAAS machine: the PXE/OAM address first, the kube-cluster space's on another NIC.
    host = Machine(addresses=(OAM_ADDRESS, '10.30.0.21', ADDRESS))
    state, relation = ready()
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    [join] = host.joins
    assert join[join.index('--address') + 1] == ADDRESS


def test_the_bind_address_is_joined_with_not_the_ingress_address(ctx: Any) -> None:
    # Behind NAT, other units reach this one at its ingress address, which is not local:
    # k8sd must listen on (and kubelet report) the machine's own address.
    host = Machine()
    state, relation = ready()
    network = dataclasses.replace(kube_network(), ingress_addresses=['203.0.113.21'])
    state = dataclasses.replace(state, networks={network})
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    [join] = host.joins
    assert join[join.index('--address') + 1] == ADDRESS


def test_no_address_on_the_kube_cluster_binding_is_blocked(ctx: Any) -> None:
    # The machine has addresses, none of them in kube-cluster's space: joining on another
    # network would put the node on the wrong one.
    host = Machine()
    state, relation = ready()
    state = dataclasses.replace(state, networks={kube_network_without_address()})
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.BlockedStatus(charm.NO_ADDRESS)
    assert host.joins == []


# -- labels and taints after joining -------------------------------------------------------


def test_changed_labels_and_taints_are_republished_without_rejoining(ctx: Any) -> None:
    host = Machine()
    out, relation = joined(ctx, host, **{'node-labels': 'pool=a'})
    out = run(
        ctx,
        ctx.on.config_changed(),
        dataclasses.replace(
            out, config={'node-labels': 'pool=b rack=r1', 'node-taints': 'maint:NoExecute'}
        ),
        host,
    )

    data = published(out, relation)
    assert data.node_labels == {'pool': 'b', 'rack': 'r1'}
    assert data.node_taints == ['maint:NoExecute']
    assert data.state == State.JOINED
    assert host.joins == []
    assert out.unit_status == ACTIVE

    out = run(ctx, ctx.on.config_changed(), dataclasses.replace(out, config={}), host)
    data = published(out, relation)
    assert data.node_labels == {}
    assert data.node_taints == []


# -- leaving -------------------------------------------------------------------------------


def test_relation_broken_stops_the_node_services(ctx: Any) -> None:
    host = Machine()
    out, relation = joined(ctx, host)
    out = run(ctx, ctx.on.relation_broken(out.get_relation(relation.id)), out, host)

    assert host.stopped() == list(workload.SERVICES)
    assert out.unit_status == testing.BlockedStatus(NEEDS_CP)
    assert charm_stored(out)['joined'] is False
    assert charm_stored(out)['left'] is True

    host.calls.clear()
    out = run(ctx, ctx.on.update_status(), dataclasses.replace(out, relations=set()), host)
    assert host.stopped() == []  # idempotent


def test_after_leaving_a_new_relation_cannot_rejoin_while_k8sd_remembers(ctx: Any) -> None:
    host = Machine()
    out, relation = joined(ctx, host)
    out = run(ctx, ctx.on.relation_broken(out.get_relation(relation.id)), out, host)
    state, relation = ready()
    state = dataclasses.replace(state, stored_states=out.stored_states)
    out = run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert out.unit_status == testing.BlockedStatus(charm.REJOIN)
    assert host.joins == []

    host.member = None  # the machine was reset: it may join again
    host.tokens = {DEFAULT_TOKEN: HOSTNAME}
    out = run(ctx, ctx.on.update_status(), out, host)
    assert out.unit_status == ACTIVE
    assert len(host.joins) == 1


@pytest.mark.parametrize('event', ['stop', 'remove'])
def test_stop_and_remove_stop_the_node_services(ctx: Any, event: str) -> None:
    host = Machine()
    out, _ = joined(ctx, host)
    out = run(ctx, getattr(ctx.on, event)(), out, host)

    assert host.stopped() == list(workload.SERVICES)
    assert out.unit_status == testing.MaintenanceStatus(charm.STOPPED)


def test_stop_failure_is_reported_not_raised(ctx: Any) -> None:
    host = Machine()
    out, _ = joined(ctx, host)
    host.fail('service', metal_host.CommandError(['systemctl', 'stop', 'x'], 5, '', 'nope'))
    out = run(ctx, ctx.on.stop(), out, host)

    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith('cannot stop snap.k8s.kubelet')


def test_stop_without_the_snap_touches_no_service(ctx: Any) -> None:
    host = Machine(installed=None)
    out = run(ctx, ctx.on.stop(), testing.State(), host)

    assert host.calls_to('service') == []
    assert out.unit_status == testing.MaintenanceStatus(charm.STOPPED)


# -- secrets stay secret -------------------------------------------------------------------


def test_the_token_never_reaches_logs_even_on_failures(
    ctx: Any, caplog: pytest.LogCaptureFixture
) -> None:
    host = Machine(tokens={})
    state, relation = ready()
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)
    host.join_failure = f'Error: boom {DEFAULT_TOKEN}\n'
    state, relation = ready()
    run(ctx, ctx.on.relation_changed(relation, remote_unit=0), state, host)

    assert DEFAULT_TOKEN not in caplog.text
