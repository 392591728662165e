#!/usr/bin/env python3
"""kubernetes-worker: a Canonical Kubernetes (``k8s`` snap) worker node for each unit.

Every event runs one idempotent reconcile (:meth:`KubernetesWorkerCharm._reconcile`):

1. the ``k8s`` snap is installed from the ``channel`` option (classic) and held, or refreshed
   (and held again) when the option changed, unless that channel is newer than the control
   plane: kubelet must never be newer than kube-apiserver;
2. without a ``kube-cluster`` relation, a node that had joined stops its services (the control
   plane's leader removes the node from the cluster);
3. with one, ``k8s local-node-status`` says whether the machine is a cluster member; if not,
   once the control plane has published the cluster and granted this unit a join token, the
   unit writes its join configuration (labels and taints as kubelet flags) and runs
   ``k8s join-cluster`` with the bind address of its ``kube-cluster`` binding (k8sd listens
   there, and makes it kubelet's ``--node-ip``, the node's InternalIP);
4. the unit reports its node (name, state, version, labels, taints) on the relation, so the
   control plane's leader issues a token, re-issues a rejected one, and keeps the node's labels
   and taints in line with the options (kubelet applies them only at registration).

A rejected token is remembered by a SHA-256 digest (never the token) in StoredState, so the
same token is not tried twice; a new one (``token_available``) is. Statuses are only set at
collect-status, from what this event's reconcile found. The token is never logged, published
or shown.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from typing import Final

import metal_charm
import ops
from metal_charm import bindings
from metal_interfaces import kube_cluster

import workload

logger = logging.getLogger(__name__)

ENDPOINT: Final = 'kube-cluster'
"""The endpoint that integrates with the control plane (kubernetes-control-plane)."""

WAITING_CLUSTER: Final = 'waiting for the control plane to publish the cluster'
WAITING_TOKEN: Final = 'waiting for a join token from the control plane'  # noqa: S105 - a status, not a token
TOKEN_REJECTED: Final = 'join token rejected; waiting for a new one'  # noqa: S105 - a status, not a token
TOKEN_GONE: Final = 'join token spent or removed; waiting for a new one'  # noqa: S105 - a status, not a token
REJOIN: Final = (
    'this machine left a cluster and cannot join another: remove the unit and add a new one'
)
NO_ADDRESS: Final = 'no address on the kube-cluster binding to join with: check its space'
"""Juju gives this unit no address in the space ``kube-cluster`` is bound to."""
STOPPED: Final = 'left the cluster: kubelet and the node services are stopped'

NodeState = kube_cluster.NodeState


# Kubernetes' syntax (apimachinery validation): a qualified name is an optional DNS-1123
# subdomain prefix (at most 253 characters) and '/', then a name of at most 63 characters; a
# label value is empty or such a name; a taint is key[=value]:Effect.
_NAME: Final = r'[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?'
_SUBDOMAIN: Final = r'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'
_KEY: Final = re.compile(rf'^(?:(?P<prefix>{_SUBDOMAIN})/)?{_NAME}$')
_VALUE: Final = re.compile(rf'^({_NAME})?$')
_EFFECTS: Final = ('NoSchedule', 'PreferNoSchedule', 'NoExecute')


def _valid_key(key: str) -> bool:
    match = _KEY.match(key)
    return match is not None and len(match['prefix'] or '') <= 253


def parse_labels(text: str) -> dict[str, str]:
    """The ``node-labels`` option: space-separated ``key=value``, in Kubernetes' label syntax.

    Raises:
        ValueError: naming the option and the first bad item.
    """
    labels: dict[str, str] = {}
    for item in text.split():
        key, equals, value = item.partition('=')
        if not equals or not _valid_key(key) or not _VALUE.match(value):
            raise ValueError(
                f'invalid node-labels item {item!r}: expected key=value with a Kubernetes '
                'label key ([prefix/]name) and value (at most 63 of A-Z a-z 0-9 - _ .)'
            )
        if key in labels:
            raise ValueError(f'invalid node-labels item {item!r}: label {key!r} given twice')
        labels[key] = value
    return labels


def parse_taints(text: str) -> list[str]:
    """The ``node-taints`` option: space-separated ``key[=value]:Effect``, as kubelet takes them.

    Raises:
        ValueError: naming the option and the first bad item.
    """
    taints: list[str] = []
    seen: set[tuple[str, str]] = set()
    for item in text.split():
        rest, colon, effect = item.rpartition(':')
        key, _, value = rest.partition('=')
        if not colon or effect not in _EFFECTS or not _valid_key(key) or not _VALUE.match(value):
            raise ValueError(
                f'invalid node-taints item {item!r}: expected key[=value]:Effect with a '
                f'Kubernetes label key and value, and Effect one of {", ".join(_EFFECTS)}'
            )
        if (key, effect) in seen:
            raise ValueError(
                f'invalid node-taints item {item!r}: taint {key}:{effect} given twice'
            )
        seen.add((key, effect))
        taints.append(item)
    return taints


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config:
    """The charm's options, validated once per event.

    Attributes:
        channel: the k8s snap channel; its Kubernetes version must not be newer than the
            control plane's.
        node_labels: space-separated ``key=value`` labels for this unit's node.
        node_taints: space-separated ``key[=value]:Effect`` taints for this unit's node.
    """

    channel: str = '1.32-classic/stable'
    node_labels: str = ''
    node_taints: str = ''

    def __post_init__(self) -> None:
        try:
            metal_charm.Channel.option(self.channel, example='1.32-classic/stable')
        except metal_charm.ChannelError as e:
            raise ValueError(f'invalid config: {e}') from None
        classic = metal_charm.classic_channel_for(self.channel)
        if classic is not None:
            raise ValueError(
                f'invalid channel {self.channel!r}: it holds the strictly confined k8s snap; '
                f'this charm runs the classic one: use {classic}'
            )
        parse_labels(self.node_labels)
        parse_taints(self.node_taints)

    @property
    def labels(self) -> dict[str, str]:
        """The labels, parsed (already valid)."""
        return parse_labels(self.node_labels)

    @property
    def taints(self) -> list[str]:
        """The taints, parsed (already valid)."""
        return parse_taints(self.node_taints)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What one reconcile found: the state to report and the status to show.

    Attributes:
        state: the node state for the control plane.
        status: the unit's status.
    """

    state: kube_cluster.NodeState
    status: ops.StatusBase


def digest(token: str) -> str:
    """SHA-256 of a join token: remembers a rejected token without keeping the credential."""
    return hashlib.sha256(token.encode()).hexdigest()


def skew_problem(local: str, control_plane: str | None, *, what: str) -> str | None:
    """Why a kubelet of version ``local`` may not serve a control plane of ``control_plane``.

    Kubelet must not be newer than kube-apiserver, and may lag it by at most
    :data:`workload.KUBELET_SKEW` minor versions. None when fine, or when either version is
    unknown (nothing to compare).
    """
    ours = metal_charm.KubeVersion.parse(local)
    theirs = metal_charm.KubeVersion.parse(control_plane)
    if ours is None or theirs is None:
        return None
    track = f'{theirs.minor_release}-classic/stable'
    if ours.kubelet_too_new_for(theirs):
        return (
            f'{what} is newer than the control plane (Kubernetes {control_plane}); '
            f'set channel to {track} or older'
        )
    if ours.kubelet_too_old_for(theirs):
        return (
            f'{what} is more than {workload.KUBELET_SKEW} minor versions older than the '
            f'control plane (Kubernetes {control_plane}); set channel to {track}'
        )
    return None


class KubernetesWorkerCharm(ops.CharmBase):
    """A Kubernetes worker node in the cluster of the control plane on ``kube-cluster``."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(channel='', joined=False, left=False, rejected='')
        self.kube = kube_cluster.Requirer(self, ENDPOINT)
        cluster = self.kube.on
        self.reconciler = metal_charm.Reconciler(
            self,
            self._reconcile,
            metal_charm.Triggers(relations={ENDPOINT: ('joined',)}),
            also=[
                cluster.cluster_ready,
                cluster.cluster_changed,
                cluster.token_available,
                cluster.cluster_gone,
            ],
        )
        framework.observe(self.on.stop, self._on_teardown)
        framework.observe(self.on.remove, self._on_teardown)

    # -- events ----------------------------------------------------------------------------

    def _reconcile(self, _: ops.EventBase) -> ops.StatusBase:
        """Bring the machine to what the config and the relation ask for, whatever the event.

        A workload failure is not raised: Juju would retry the same hook, while the next
        event's reconcile retries anyway and the status says what went wrong meanwhile.
        The Reconciler runs it once per hook: one relation-changed may bring both
        ``cluster_ready`` and ``token_available``.
        """
        try:
            config = self.load_config(Config)
        except ValueError as e:
            raise metal_charm.BlockedError(str(e)) from None
        relation = self._relation()
        cluster = self.kube.cluster(relation) if relation is not None else None
        control_plane = cluster.kubernetes_version if cluster is not None else None
        refused: ops.StatusBase | None = None
        version: str | None = None
        try:
            refused = self._ensure_snap(config.channel, control_plane)
            version = workload.installed_version()
            if version is not None:
                self.unit.set_workload_version(version)
            if relation is None:
                self._leave()
                return ops.BlockedStatus(
                    f'needs a control plane: integrate {self.app.name}:{ENDPOINT} with '
                    'kubernetes-control-plane'
                )
            verdict = self._converge(relation, cluster, config, version)
        except workload.WorkloadError as e:
            logger.error('%s', e)
            state = NodeState.JOINED if self._stored.joined else NodeState.PENDING
            if isinstance(e, workload.JoinError):
                verdict = Verdict(state, ops.WaitingStatus(f'{e}; retrying'))
            else:
                verdict = Verdict(state, ops.BlockedStatus(str(e)))
        if relation is not None:
            self._publish(relation, verdict.state, version, config)
        return refused or verdict.status

    def _on_teardown(self, _: ops.EventBase) -> None:
        """The unit is going: stop the node's services now, whatever the relation's state."""
        try:
            if workload.installed_version() is not None:
                logger.info('unit stopping: stopping the node services')
                workload.stop_services()
            self._stored.joined = False
            self.reconciler.show(ops.MaintenanceStatus(STOPPED))
        except workload.WorkloadError as e:
            # Raising would block the unit's removal; the operator sees it in the status.
            logger.error('%s', e)
            self.reconciler.show(ops.BlockedStatus(str(e)))

    # -- steps -----------------------------------------------------------------------------

    def _ensure_snap(self, channel: str, control_plane: str | None) -> ops.StatusBase | None:
        """Install the snap, or refresh it when the channel option moved.

        A refresh to a channel whose track is newer than the control plane is refused (the
        snap stays where it is): kubelet must never be newer than kube-apiserver.

        Returns:
            The Blocked status saying why a refresh was refused, else None.
        """
        installed = workload.installed_version()
        if installed is not None and self._stored.channel == channel:
            return None
        if installed is None:
            logger.info('installing the k8s snap from %s', channel)
            workload.install(channel)
        else:
            problem = skew_problem(channel, control_plane, what=f'channel {channel}')
            if problem is not None:
                logger.warning('not refreshing the k8s snap: %s', problem)
                return ops.BlockedStatus(problem)
            logger.info('refreshing the k8s snap to %s', channel)
            workload.refresh(channel)
        self._stored.channel = channel
        return None

    def _converge(
        self,
        relation: ops.Relation,
        cluster: kube_cluster.ProviderAppData | None,
        config: Config,
        version: str | None,
    ) -> Verdict:
        """Join the cluster if this machine is not a member yet, and say where things stand."""
        if version is None:
            return Verdict(NodeState.PENDING, ops.WaitingStatus('waiting for the k8s snap'))
        control_plane = cluster.kubernetes_version if cluster is not None else None
        skew = skew_problem(
            version, control_plane, what=f'this unit runs Kubernetes {version}, which'
        )
        member = workload.local_node()
        if member is not None:
            if self._stored.left:
                return Verdict(NodeState.PENDING, ops.BlockedStatus(REJOIN))
            self._stored.joined = True
            self._stored.rejected = ''
            if skew is not None:
                return Verdict(NodeState.JOINED, ops.BlockedStatus(skew))
            return Verdict(
                NodeState.JOINED, self._active(member.name or self._node_name(), version)
            )
        # Not a member (never joined, or removed and reset): any earlier leave is behind us.
        self._stored.joined = False
        self._stored.left = False
        if cluster is None or not cluster.is_ready:
            return Verdict(NodeState.PENDING, ops.WaitingStatus(WAITING_CLUSTER))
        if skew is not None:
            return Verdict(NodeState.PENDING, ops.BlockedStatus(skew))
        token = self.kube.join_token(relation)
        if token is None:
            if self.kube.token_gone(relation):
                # Spent and removed after an earlier join (or removed by the leader): ask for
                # a new one.
                return Verdict(NodeState.TOKEN_FAILED, ops.WaitingStatus(TOKEN_GONE))
            return Verdict(NodeState.PENDING, ops.WaitingStatus(WAITING_TOKEN))
        if digest(token) == self._stored.rejected:
            return Verdict(NodeState.TOKEN_FAILED, ops.WaitingStatus(TOKEN_REJECTED))
        name = self._node_name()
        # The bind address, not the machine's first: on a multi-NIC machine that is the PXE/OAM
        # one. k8sd listens on the join --address and gives it to kubelet as --node-ip
        # (canonical/k8sd pkg/k8sd/app/hooks_bootstrap.go onBootstrapWorkerNode, nodeIP from
        # s.Address(); pkg/k8sd/setup/kubelet.go), so it must be an address of this machine:
        # network-get's bind address. k8s-operator's worker takes the kube-cluster ("cluster")
        # binding's ingress addresses (node_base.address.by_relation_preferred), the same
        # address on MAAS; the bind address stays right behind NAT, where ingress is not local.
        address = bindings.bind_address(self.model, ENDPOINT)
        if address is None:
            return Verdict(NodeState.PENDING, ops.BlockedStatus(NO_ADDRESS))
        logger.info('joining the cluster as %s (%s)', name, address)
        outcome = workload.join(
            token, name=name, address=address, labels=config.labels, taints=config.taints
        )
        if outcome is workload.JoinOutcome.TOKEN_REJECTED:
            logger.warning('the control plane rejected the join token; asking for a new one')
            self._stored.rejected = digest(token)
            return Verdict(NodeState.TOKEN_FAILED, ops.WaitingStatus(TOKEN_REJECTED))
        if outcome is workload.JoinOutcome.ALREADY_JOINED:
            logger.info('this machine is already in the cluster')
        self._stored.joined = True
        self._stored.rejected = ''
        return Verdict(NodeState.JOINED, self._active(name, version))

    def _leave(self) -> None:
        """Without a control plane, a node that had joined stops its services (idempotent).

        The control plane's leader removes the node from the cluster when this unit departs;
        a worker has no way to remove itself. The machine is remembered as having left, since
        k8sd still counts it as a member: it cannot join another cluster as it is.
        """
        if not self._stored.joined:
            return
        logger.info('no control plane: stopping the node services')
        workload.stop_services()
        self._stored.joined = False
        self._stored.left = True

    def _publish(
        self,
        relation: ops.Relation,
        state: kube_cluster.NodeState,
        version: str | None,
        config: Config,
    ) -> None:
        """Report the node: its name, where joining stands, its version, labels and taints.

        Labels and taints are published even when empty, so the control plane's leader
        removes from the node whatever the options no longer list.
        """
        self.kube.set_node_state(
            self._node_name(),
            state,
            version.removeprefix('v') if version else None,
            relation,
            labels=config.labels,
            taints=config.taints,
        )

    # -- reads -----------------------------------------------------------------------------

    def _relation(self) -> ops.Relation | None:
        relations = self.kube.relations
        return relations[0] if relations else None

    @staticmethod
    def _node_name() -> str:
        return workload.node_name()

    @staticmethod
    def _active(name: str, version: str) -> ops.ActiveStatus:
        shown = version if version.startswith('v') else f'v{version}'
        return ops.ActiveStatus(f'Kubernetes {shown} worker node {name}')


if __name__ == '__main__':  # pragma: nocover
    ops.main(KubernetesWorkerCharm)
