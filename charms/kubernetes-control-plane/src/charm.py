#!/usr/bin/env python3
"""kubernetes-control-plane: Canonical Kubernetes (the ``k8s`` snap) control plane, HA.

Every relevant event runs one idempotent reconcile
(:meth:`KubernetesControlPlaneCharm._reconcile`):

1. this unit's half: validate config, install and hold the snap, and report itself in its peer
   unit databag (node name, address, join state, snap channel, certificate SANs);
2. the leader bootstraps the cluster once and records the bootstrap settings in the peer
   application databag; any other unit joins with the token the leader minted for it; every
   member keeps its API server certificate's SANs in line (``k8s refresh-certs``);
3. the leader runs the cluster: join tokens for control-plane units (peer relation) and
   workers (``kube-cluster``), ``k8s remove-node`` for units that left, node labels and taints,
   the load balancer request, the Ceph CSI manifests and the upgrade turn;
4. a unit holding the upgrade turn refreshes its snap.

Statuses are set only at collect-status, from what the last reconcile stored, so an action or a
hook that changes nothing shows the same status as before.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.parse
from collections.abc import Mapping
from typing import Any, cast

import metal_charm
import metal_host
import ops
from metal_charm import bindings
from metal_interfaces import (
    appsecrets,
    ceph_client,
    databag,
    kube_cluster,
    loadbalancer,
)

import certificates
import config
import departures
import membership
import skew
import storage
import workload

logger = logging.getLogger(__name__)

PEERS = 'cluster'
"""The peer endpoint: join-token requests, bootstrap settings, the upgrade turn."""
KUBE_CLUSTER = 'kube-cluster'
"""The endpoint worker applications join through."""
LOADBALANCER = 'loadbalancer'
"""The endpoint of the API load balancer."""
CEPH = 'ceph-client'
"""The endpoint of the Ceph cluster that backs the storage classes."""
NO_ADDRESS = 'no address on the cluster binding for this node: check its space'
"""Juju gives the unit no address in the space the ``cluster`` peer endpoint is bound to."""

KUBECONFIG_LABEL = 'kubeconfig'
"""The application secret get-kubeconfig keeps the admin kubeconfig in."""

# Peer application databag keys (all values JSON).
BOOTSTRAP_KEY = 'bootstrap'
"""The bootstrap-only settings the cluster was bootstrapped with, and the SANs applied."""
KNOWN_NODES_KEY = 'known-nodes'
"""Unit name -> node name of every control-plane and worker unit, for removal after departure."""
DEPARTED_NODES_KEY = 'departed-nodes'
"""Node names still to remove from the cluster (``k8s remove-node``)."""
NODE_CONFIG_KEY = 'node-config'
"""Node name -> {"labels": {...}, "taints": [...]} the leader last applied with kubectl."""
UPGRADE_KEY = 'upgrade'
"""The snap channel the upgrade action asked for."""

_TRIGGERS = metal_charm.Triggers(
    leader=True,
    secrets=True,
    relations={
        PEERS: ('created', 'joined', 'changed', 'departed'),
        KUBE_CLUSTER: ('created', 'joined', 'changed', 'departed', 'broken'),
        LOADBALANCER: ('created', 'changed', 'broken'),
        CEPH: ('created', 'changed', 'broken'),
    },
)
"""What runs the reconcile: peers (tokens, turns), workers, the load balancer, Ceph."""


class KubernetesControlPlaneCharm(ops.CharmBase):
    """A Canonical Kubernetes control-plane node; the leader runs the cluster."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(manifests={}, retired_tokens=[], nodes={}, nodes_listed=False)
        self.kube = kube_cluster.Provider(self, KUBE_CLUSTER)
        self.lb = loadbalancer.Requirer(self, LOADBALANCER)
        self.ceph = ceph_client.Requirer(self, CEPH)
        self._snap: workload.SnapInfo | None = None
        self.reconciler = metal_charm.Reconciler(
            self, self._reconcile, _TRIGGERS, initial=ops.MaintenanceStatus('installing')
        )
        framework.observe(self.on.stop, self._on_stop)
        self.revisions = metal_charm.SpentRevisions(self)
        framework.observe(self.on['get-kubeconfig'].action, self._on_get_kubeconfig)
        framework.observe(self.on['pre-upgrade-check'].action, self._on_pre_upgrade_check)
        framework.observe(self.on['upgrade'].action, self._on_upgrade)

    # -- the reconcile ---------------------------------------------------------------------------

    def _reconcile(self, event: ops.EventBase) -> list[ops.StatusBase]:
        """Bring this unit, and on the leader the cluster, to what config and relations ask."""
        peers = self.model.get_relation(PEERS)
        self.unit.set_ports(ops.Port('tcp', workload.API_PORT))
        try:
            settings = config.Settings.load(self.config)
        except config.ConfigError as e:
            return [ops.BlockedStatus(str(e))]

        app_data = peers.data[self.app] if peers is not None else None
        target = databag.read_str(app_data.get(UPGRADE_KEY)) if app_data is not None else None
        snap = self._ensure_snap(target or settings.channel)
        if isinstance(snap, ops.StatusBase):
            return [snap]
        self._snap = snap
        self.unit.set_workload_version(snap.version)

        if peers is None or app_data is None:
            return [ops.WaitingStatus('waiting for the cluster peer relation')]
        host = metal_host.current()
        node = host.hostname()
        address = self._address()
        if address is None:
            return [ops.BlockedStatus(NO_ADDRESS)]
        own = dataclasses.replace(
            membership.Member.read(peers.data[self.unit]),
            node=node,
            address=address,
            channel=snap.channel,
        )
        leader = self.unit.is_leader()
        departing = event.departing_unit if isinstance(event, ops.RelationDepartedEvent) else None
        leaving = departing == self.unit
        statuses: list[ops.StatusBase] = []

        record = databag.read_dict(app_data.get(BOOTSTRAP_KEY))
        clustered = workload.cluster_status() is not None
        if not clustered and leader and not record:
            lb_wait = self._lb_wait()
            if lb_wait is not None:
                self._write_member(peers, dataclasses.replace(own, state=membership.PENDING))
                return [lb_wait]
            problem = self._bootstrap(settings, node, address)
            if problem is not None:
                self._write_member(peers, dataclasses.replace(own, state=membership.PENDING))
                return [problem]
            clustered = True
        if clustered and leader and not record:
            record = self._record_bootstrap(peers, settings, address)
            own = dataclasses.replace(own, sans=tuple(databag.strings(record.get('extra-sans'))))
        if not clustered:
            if leader and record:
                self._write_member(peers, dataclasses.replace(own, state=membership.PENDING))
                return [
                    ops.WaitingStatus(
                        'this leader is not a cluster member and cannot mint join tokens: '
                        'waiting for leadership to move to a member'
                    )
                ]
            own, problem = self._join(peers, own, settings, record)
            self._write_member(peers, own)
            if problem is not None:
                return [problem]
        own = dataclasses.replace(own, state=membership.JOINED, failed_serial=None)
        if not leaving:
            own, problem = self._ensure_sans(own, settings, address, record)
            if problem is not None:
                statuses.append(problem)
        self._write_member(peers, own)
        self.lb.set_backend(self._backend_address(address))

        statuses += [ops.BlockedStatus(m) for m in config.bootstrap_changes(settings, record)]
        if leader and not leaving:
            statuses += self._lead(event, peers, settings, record, node, departing)
        elif leader and leaving:
            self._queue_departed(peers, [node])
        statuses += self._upgrade_turn(peers, own)
        statuses.append(self._active(settings, event))
        return statuses

    # -- this unit -------------------------------------------------------------------------------

    def _ensure_snap(self, channel: str) -> workload.SnapInfo | ops.StatusBase:
        """Install and hold the k8s snap when it is missing; the snap, or why not."""
        snap = workload.snap_info()
        if snap is not None:
            return snap
        try:
            workload.install(channel)
        except workload.SnapError as e:
            logger.error('%s', e)
            return _problem(e, 'installing k8s')
        snap = workload.snap_info()
        if snap is None:
            return ops.MaintenanceStatus(f'installing k8s from {channel}')
        return snap

    def _bootstrap(
        self, settings: config.Settings, node: str, address: str
    ) -> ops.StatusBase | None:
        """Bootstrap the cluster on this (the leader's) node; None when done."""
        sans = self._wanted_sans(settings, address)
        bootstrap_config = workload.BootstrapConfig(
            pod_cidr=settings.pod_cidr,
            service_cidr=settings.service_cidr,
            cluster_domain=settings.cluster_domain,
            datastore=settings.datastore,
            extra_sans=sans,
            control_plane_taints=settings.node_taints,
            node_labels=settings.node_labels,
        )
        try:
            workload.bootstrap(bootstrap_config, node, address)
        except workload.K8sError as e:
            logger.error('%s', e)
            return _problem(e, 'bootstrapping')
        logger.info('bootstrapped the cluster on %s (%s)', node, address)
        return None

    def _record_bootstrap(
        self, peers: ops.Relation, settings: config.Settings, address: str
    ) -> dict[str, Any]:
        """Remember what the cluster was bootstrapped with, so later changes are noticed."""
        record: dict[str, Any] = {
            **settings.bootstrap_options(),
            'extra-sans': list(self._wanted_sans(settings, address)),
        }
        peers.data[self.app][BOOTSTRAP_KEY] = json.dumps(record, sort_keys=True)
        return record

    def _wanted_sans(self, settings: config.Settings, address: str) -> tuple[str, ...]:
        """The SANs this unit's API server certificate needs: load balancer, itself, config."""
        lb = self.lb.frontends()
        lb_addresses = lb.addresses if lb is not None else []
        return certificates.wanted(lb_addresses, address, settings.extra_sans)

    def _ensure_sans(
        self,
        own: membership.Member,
        settings: config.Settings,
        address: str,
        record: Mapping[str, Any],
    ) -> tuple[membership.Member, ops.StatusBase | None]:
        """Re-issue this node's API server certificate when the SANs it needs changed.

        A load balancer related after bootstrap, a changed ``extra-sans`` or a new address:
        ``k8s refresh-certs`` with every SAN wanted (k8sd keeps no earlier extra SAN). What was
        applied is kept in this unit's peer data, where the leader reads it before publishing
        the load balancer. A leader that bootstrapped before SANs were kept per unit has the
        bootstrap record; other units that joined then got no extra SANs at all.
        """
        wanted = self._wanted_sans(settings, address)
        applied = certificates.applied(
            own.sans, record, leader=self.unit.is_leader(), address=address
        )
        if not certificates.needs_refresh(applied, wanted):
            return dataclasses.replace(own, sans=applied), None
        try:
            workload.refresh_certs(wanted)
        except workload.K8sError as e:
            logger.error('%s', e)
            return dataclasses.replace(own, sans=applied), _problem(
                e, 'refreshing the API server certificate'
            )
        logger.info('API server certificate re-issued with SANs %s', ', '.join(wanted))
        return dataclasses.replace(own, sans=wanted), None

    def _lb_wait(self) -> ops.StatusBase | None:
        """Before bootstrap, wait for a related load balancer's address: it goes in the cert.

        The request is made first, so the load balancer has something to answer.
        """
        if not self.lb.relations:
            return None
        self._request_lb()
        lb = self.lb.frontends()
        if lb is not None and lb.addresses:
            return None
        return ops.WaitingStatus(
            'waiting for the load balancer address before bootstrapping '
            '(it goes in the API server certificate)'
        )

    def _join(
        self,
        peers: ops.Relation,
        own: membership.Member,
        settings: config.Settings,
        record: dict[str, Any],
    ) -> tuple[membership.Member, ops.StatusBase | None]:
        """Join the cluster with this unit's token, or say what it waits for."""
        if not record:
            return dataclasses.replace(own, state=membership.PENDING), ops.WaitingStatus(
                'waiting for the leader to bootstrap the cluster'
            )
        grant = self._tokens(peers).grant(self.unit.name)
        if not grant.issued:
            rejected = own.state == membership.TOKEN_FAILED
            state = membership.TOKEN_FAILED if rejected else membership.PENDING
            return dataclasses.replace(own, state=state), ops.WaitingStatus(
                'waiting for a join token from the leader'
            )
        token, serial = grant.token, grant.serial
        if token is None:
            return dataclasses.replace(own, state=membership.PENDING), ops.WaitingStatus(
                'waiting for access to the join token secret'
            )
        if own.state == membership.TOKEN_FAILED and own.failed_serial == serial:
            return own, ops.WaitingStatus('join token rejected: waiting for a new one')
        taints = tuple(str(record.get('bootstrap-node-taints', '')).split())
        sans = self._wanted_sans(settings, own.address or '')
        try:
            workload.join(
                token,
                own.node or '',
                own.address or '',
                labels=settings.node_labels,
                taints=taints,
                extra_sans=sans,
            )
        except workload.K8sError as e:
            logger.error('%s', e)
            if e.transient:
                return dataclasses.replace(own, state=membership.PENDING), _problem(e, 'joining')
            if not e.token_rejected:
                # A new token would fail the same way (k8sd unreachable, the node broken):
                # keep this one and try again on a later event, rather than asking the leader
                # for token after token.
                return dataclasses.replace(own, state=membership.PENDING), ops.WaitingStatus(
                    f'{e}; will retry'
                )
            failed = dataclasses.replace(
                own,
                state=membership.TOKEN_FAILED,
                failed_serial=serial,
            )
            return failed, ops.WaitingStatus(f'{e}; asked the leader for a new token')
        logger.info('joined the cluster as %s', own.node)
        joined = dataclasses.replace(own, state=membership.JOINED, failed_serial=None, sans=sans)
        return joined, None

    def _write_member(self, peers: ops.Relation, member: membership.Member) -> None:
        peers.data[self.unit].update(member.databag())

    def _upgrade_turn(self, peers: ops.Relation, own: membership.Member) -> list[ops.StatusBase]:
        """Refresh the snap when this unit holds the upgrade turn; else say whose turn it is."""
        target = databag.read_str(peers.data[self.app].get(UPGRADE_KEY))
        if target is None or own.channel == target:
            return []
        holder = metal_charm.read_turn(peers.data[self.app])
        if holder != self.unit.name:
            held = f'held by {holder}' if holder else 'waiting for the leader to grant it'
            message = f'upgrade to {target}: waiting for the upgrade turn, {held}'
            return [ops.WaitingStatus(message)]
        try:
            workload.refresh(target)
        except workload.SnapError as e:
            logger.error('%s', e)
            self._write_member(peers, dataclasses.replace(own, upgrade_failed=target))
            return [_problem(e, f'upgrading to {target}')]
        snap = workload.snap_info()
        if snap is not None:
            self._snap = snap
            self.unit.set_workload_version(snap.version)
        channel = snap.channel if snap is not None else target
        self._write_member(peers, dataclasses.replace(own, channel=channel, upgrade_failed=None))
        logger.info('upgraded k8s to %s', channel)
        if self.unit.is_leader():
            self._grant_turn(peers)
        return []

    # -- the leader ------------------------------------------------------------------------------

    def _lead(
        self,
        event: ops.EventBase,
        peers: ops.Relation,
        settings: config.Settings,
        record: dict[str, Any],
        node: str,
        departing: ops.Unit | None,
    ) -> list[ops.StatusBase]:
        """The leader's share: tokens, departures, workers, labels, load balancer, storage."""
        statuses: list[ops.StatusBase] = []
        members = self._members(peers, departing)
        scope = self._worker_scope(event)
        self._queue_departures(event, peers, departing)
        self._remember_nodes(peers, members, node, departing, scope)
        statuses += self._remove_departed(peers, node, members, departing)
        statuses += self._control_plane_tokens(peers, members)
        if self.lb.relations:
            self._request_lb()
        lb_url = self._lb_url(members)
        statuses += self._serve_workers(event, record, members, lb_url, scope)
        statuses += self._apply_node_config(peers, settings, members, node, scope)
        statuses += self._storage(settings)
        self._grant_turn(peers)
        return statuses

    def _worker_scope(self, event: ops.EventBase) -> list[kube_cluster.Worker] | None:
        """The workers this hook concerns, or None for every worker.

        A worker unit's ``kube-cluster`` relation-joined or -changed can only have changed
        that unit's data, and such hooks are most of a big cluster's: the leader then looks at
        that worker alone (its node name, token, labels and taints), so the hook's work does
        not grow with the workers. Every other hook (update-status, leader-elected, config,
        peers, departures) goes over every worker, which also catches anything an earlier
        leader left undone.
        """
        if not isinstance(event, (ops.RelationJoinedEvent, ops.RelationChangedEvent)):
            return None
        if event.relation.name != KUBE_CLUSTER or event.unit is None:
            return None
        worker = self.kube.worker(event.relation, event.unit)
        return [worker] if worker is not None else []

    def _members(
        self, peers: ops.Relation, departing: ops.Unit | None
    ) -> dict[str, membership.Member]:
        """Every other control-plane unit still in the relation, by unit name."""
        return {
            unit.name: membership.Member.read(peers.data[unit])
            for unit in peers.units
            if unit != departing and unit != self.unit
        }

    def _queue_departures(
        self, event: ops.EventBase, peers: ops.Relation, departing: ops.Unit | None
    ) -> None:
        """Queue the node of a control-plane or worker unit that departs in this hook."""
        if not isinstance(event, ops.RelationDepartedEvent) or departing is None:
            return
        if event.relation.name not in (PEERS, KUBE_CLUSTER):
            return
        node: str | None = None
        try:
            node = databag.read_str(event.relation.data[departing].get('node-name'))
        except (ops.ModelError, KeyError):
            node = None
        node = node or databag.read_dict(peers.data[self.app].get(KNOWN_NODES_KEY)).get(
            departing.name
        )
        if isinstance(node, str) and node:
            logger.info('%s departed: node %s will be removed', departing.name, node)
            self._queue_departed(peers, [node])
        else:
            logger.warning('%s departed without a known node name', departing.name)
        if event.relation.name == PEERS:
            self._tokens(peers).revoke(departing.name)

    def _queue_departed(self, peers: ops.Relation, nodes: list[str]) -> None:
        pending = databag.read_list(peers.data[self.app].get(DEPARTED_NODES_KEY))
        databag.write(peers.data[self.app], DEPARTED_NODES_KEY, departures.queue(pending, nodes))

    def _remember_nodes(
        self,
        peers: ops.Relation,
        members: dict[str, membership.Member],
        node: str,
        departing: ops.Unit | None,
        scope: list[kube_cluster.Worker] | None,
    ) -> None:
        """Keep each live unit's node name, for when its data is gone at departure.

        Rebuilt from every unit when ``scope`` is None; else the scoped workers' entries are
        updated in the map as it is (departures always rebuild it).
        """
        known: dict[str, str] = {}
        if scope is not None:
            before = databag.read_dict(peers.data[self.app].get(KNOWN_NODES_KEY))
            known = {str(k): str(v) for k, v in before.items()}
        known[self.unit.name] = node
        known.update({name: m.node for name, m in members.items() if m.node})
        for worker in self.kube.workers() if scope is None else scope:
            if worker.unit != departing and worker.data.node_name:
                known[worker.unit.name] = worker.data.node_name
        databag.write(peers.data[self.app], KNOWN_NODES_KEY, known)

    def _remove_departed(
        self,
        peers: ops.Relation,
        node: str,
        members: dict[str, membership.Member],
        departing: ops.Unit | None,
    ) -> list[ops.StatusBase]:
        """``k8s remove-node`` every queued node; what fails stays queued for the next event.

        A queued name that a live unit reports is left alone (a new machine took the name),
        and so is this unit's own node: a departing leader queues itself for the next leader.
        """
        pending = databag.read_list(peers.data[self.app].get(DEPARTED_NODES_KEY))
        if not pending:
            return []
        live = {m.node for m in members.values() if m.node}
        live |= {
            w.data.node_name
            for w in self.kube.workers()
            if w.data.node_name and w.unit != departing
        }
        failed: set[str] = set()
        statuses: list[ops.StatusBase] = []
        for name in departures.to_remove(pending, live, node):
            try:
                removed = workload.remove_node(name)
            except workload.K8sError as e:
                logger.warning('%s', e)
                failed.add(name)
                statuses.append(ops.WaitingStatus(f'{e}; will retry'))
                continue
            logger.info('node %s %s', name, 'removed' if removed else 'was already gone')
        remaining = departures.remaining(pending, node, failed)
        databag.write(peers.data[self.app], DEPARTED_NODES_KEY, remaining)
        configs = databag.read_dict(peers.data[self.app].get(NODE_CONFIG_KEY))
        kept = {k: v for k, v in configs.items() if k not in pending or k in remaining}
        databag.write(peers.data[self.app], NODE_CONFIG_KEY, kept)
        return statuses

    def _control_plane_tokens(
        self, peers: ops.Relation, members: dict[str, membership.Member]
    ) -> list[ops.StatusBase]:
        """Mint a token for each unit that asks, re-issue after a failure, revoke once joined."""
        tokens = self._tokens(peers)
        tokens.revoke_stale(members)
        failed = tokens.issue(
            members, lambda node: workload.get_join_token(node, worker=False), workload.K8sError
        )
        for _, e in failed:
            logger.warning('%s', e)
        return [ops.WaitingStatus(f'{e}; will retry') for _, e in failed]

    def _tokens(self, peers: ops.Relation) -> metal_charm.JoinTokens:
        """Control-plane join tokens (secrets labelled ``cluster-join-token-<unit>``)."""
        return metal_charm.JoinTokens(
            self.model, peers, label_prefix=f'{PEERS}-', description='k8s control-plane join token'
        )

    # -- workers ---------------------------------------------------------------------------------

    def _serve_workers(
        self,
        event: ops.EventBase,
        record: dict[str, Any],
        members: dict[str, membership.Member],
        lb_url: str | None,
        scope: list[kube_cluster.Worker] | None,
    ) -> list[ops.StatusBase]:
        """Publish the cluster to workers; issue, re-issue and revoke their tokens.

        In a hook scoped to one worker (see :meth:`_worker_scope`) only that worker's spent
        token is retired, and the tokens are looked at only when it needs one.
        """
        if not self.kube.relations:
            return []
        statuses: list[ops.StatusBase] = []
        try:
            ca = workload.ca_certificate()
        except workload.K8sError as e:
            return [ops.WaitingStatus(f'cannot publish the cluster to workers: {e}')]
        addresses = [self._address() or '', *(m.address for m in members.values() if m.joined)]
        endpoints = [workload.url_for(a) for a in addresses if a]
        service_cidr = str(record.get('bootstrap-service-cidr', ''))
        snap = self._snap
        version = snap.kubernetes if snap is not None else None
        self.kube.publish_cluster(
            api_endpoints=[*([lb_url] if lb_url else []), *sorted(endpoints)],
            cluster_name=self.app.name,
            ca_certificate=ca,
            pod_cidr=str(record.get('bootstrap-pod-cidr', '')),
            service_cidr=service_cidr,
            dns_ip=workload.dns_ip(service_cidr),
            dns_domain=str(record.get('bootstrap-cluster-domain', 'cluster.local')),
            kubernetes_version=str(version) if version is not None else 'unknown',
        )
        # A joined worker's token is spent: its secret goes, once (remembered here, so that a
        # leader does not look every joined worker's secret up on every hook), and its entry
        # stays (see kube_cluster's spec on join-tokens).
        retired = set(cast('list[str]', list(self._stored.retired_tokens)))
        current: set[str] = set()
        for worker in self.kube.workers() if scope is None else scope:
            key = f'{worker.relation.id}/{worker.unit.name}'
            current.add(key)
            if worker.data.state != kube_cluster.NodeState.JOINED or not worker.token_secret:
                retired.discard(key)  # a new token issued later is retired again
            elif key not in retired:
                if self.kube.retire_token(worker.relation, worker.unit.name):
                    logger.info('join token of worker %s removed: joined', worker.unit.name)
                retired.add(key)
        self._stored.retired_tokens = sorted(retired & current if scope is None else retired)
        if scope is not None:
            owed = [w for w in scope if _may_need_token(w)]
            if not owed:
                return statuses
            first = [w for w in owed if w.token_secret is None]
            if first and len(first) == len(owed):
                waiting = self.kube.not_asked(first[0].relation, first[0].unit)
                if waiting:
                    logger.debug(
                        'join token for %s held until %d more ask (first: %s)',
                        first[0].unit.name,
                        len(waiting),
                        waiting[0],
                    )
                    return statuses
        needing = {(r.id, u.name) for r, u in self.kube.units_needing_tokens()}
        # Tokens are issued in batches, one write of the token map per relation: each write
        # runs relation-changed on every worker unit (see kube_cluster's spec on delivery).
        # First tokens wait until every unit goal-state says is coming has asked, except on
        # update-status, Juju's periodic hook, which delivers to whoever asked so that a
        # unit that never asks cannot hold the others for longer than its interval.
        periodic = isinstance(event, ops.UpdateStatusEvent)
        for relation in self.kube.relations:
            batch: dict[ops.Unit, str] = {}
            held: list[str] = []
            waiting: list[str] | None = None
            if periodic:
                self.kube.not_asked(relation)  # what is expected, worked out afresh
                waiting = []
            for worker in self.kube.workers():
                if worker.relation.id != relation.id:
                    continue
                if (relation.id, worker.unit.name) not in needing:
                    continue
                node = worker.data.node_name
                if not node or worker.data.state == kube_cluster.NodeState.JOINED:
                    continue
                if worker.token_secret is not None:
                    changed_now = (
                        isinstance(event, ops.RelationChangedEvent)
                        and event.relation.id == relation.id
                        and event.unit == worker.unit
                    )
                    if not changed_now:
                        continue  # re-issue only in answer to the worker's own token-failed
                else:
                    if waiting is None:
                        waiting = self.kube.not_asked(relation)
                    if waiting:
                        held.append(worker.unit.name)
                        continue
                try:
                    batch[worker.unit] = workload.get_join_token(node, worker=True)
                except workload.K8sError as e:
                    logger.warning('%s', e)
                    statuses.append(ops.WaitingStatus(f'{e}; will retry'))
            if held and waiting:
                logger.info(
                    'join tokens for %d worker units held until %d more ask (first: %s)',
                    len(held),
                    len(waiting),
                    waiting[0],
                )
            if batch:
                self.kube.issue_tokens(relation, batch)
                logger.info(
                    'join tokens issued to %d worker units: %s',
                    len(batch),
                    ', '.join(sorted(u.name for u in batch)),
                )
        return statuses

    def _apply_node_config(
        self,
        peers: ops.Relation,
        settings: config.Settings,
        members: dict[str, membership.Member],
        node: str,
        scope: list[kube_cluster.Worker] | None,
    ) -> list[ops.StatusBase]:
        """Keep each joined node's labels and taints as its charm asks, with kubectl.

        Control-plane nodes get ``node-labels``; worker nodes what their unit publishes (every
        worker's when ``scope`` is None, else the scoped workers'). Only what the charm applied
        before is removed when it disappears: labels Kubernetes or others set are never
        touched.
        """
        wanted: dict[str, tuple[dict[str, str], list[str]]] = {}
        cp_labels = dict(settings.node_labels)
        for cp in [node, *(m.node for m in members.values() if m.joined and m.node)]:
            if cp:
                wanted[cp] = (cp_labels, [])
        for worker in self.kube.workers() if scope is None else scope:
            name = worker.data.node_name
            if name and worker.data.state == kube_cluster.NodeState.JOINED:
                wanted[name] = (
                    dict(worker.data.node_labels or {}),
                    sorted(worker.data.node_taints or []),
                )
        applied = databag.read_dict(peers.data[self.app].get(NODE_CONFIG_KEY))
        statuses: list[ops.StatusBase] = []
        for name, (labels, taints) in sorted(wanted.items()):
            before = applied.get(name)
            old_labels: dict[str, str] = {}
            old_taints: list[str] = []
            if isinstance(before, dict):
                raw = cast('dict[str, Any]', before)
                old_labels = {str(k): str(v) for k, v in dict(raw.get('labels') or {}).items()}
                old_taints = [str(t) for t in list(raw.get('taints') or [])]
            if before is not None and old_labels == labels and old_taints == taints:
                continue
            if before is None and not labels and not taints:
                applied[name] = {'labels': {}, 'taints': []}
                continue
            try:
                changed = {k: v for k, v in labels.items() if old_labels.get(k) != v}
                workload.label_node(name, changed, set(old_labels) - set(labels))
                new_keys = {_taint_key(t) for t in taints}
                gone = [t for t in old_taints if _taint_key(t) not in new_keys]
                added = [t for t in taints if t not in old_taints]
                workload.taint_node(name, added, gone)
            except workload.K8sError as e:
                logger.warning('%s', e)
                statuses.append(ops.WaitingStatus(f'{e}; will retry'))
                continue
            applied[name] = {'labels': labels, 'taints': taints}
        databag.write(peers.data[self.app], NODE_CONFIG_KEY, applied)
        return statuses

    # -- load balancer and storage ---------------------------------------------------------------

    def _request_lb(self) -> None:
        """Ask for the API frontend, checked by an HTTPS ``GET /livez`` where 401 means alive.

        k8s-snap runs kube-apiserver with ``--anonymous-auth=false`` (canonical/k8s-snap
        ``src/k8s/pkg/k8sd/setup/kube_apiserver.go``, release-1.32 to 1.35), so the load
        balancer's check, which has no credentials, gets 401 from the authentication filter
        even on ``/livez``; demanding 200 would mark every control plane down. A 401 still
        proves more than a TLS handshake: the API server accepted the connection, completed
        TLS and answered an HTTP request in time. Charmed Kubernetes' kubeapi-load-balancer
        (nginx, passive checks only) and canonical/k8s-operator (``add_health_check(https,
        /livez)`` for cloud load balancers) do not check anything stronger without credentials.
        """
        self.lb.request(
            workload.API_PORT,
            workload.API_PORT,
            loadbalancer.HealthCheck(
                protocol='https', path='/livez', interval=10, statuses=(200, 401)
            ),
        )

    def _lb_url(self, members: Mapping[str, membership.Member] | None = None) -> str | None:
        """The load balancer's API URL, once it is ready and every member's certificate has it.

        Clients and workers verify the API server certificate of whichever unit the load
        balancer sends them to, so the address is used only when the leader and every other
        joined unit report certificates covering it (each runs ``k8s refresh-certs`` itself).
        """
        lb = self.lb.frontends()
        if lb is None or not lb.is_ready or lb.port is None:
            return None
        peers = self.model.get_relation(PEERS)
        if peers is None:
            return None
        if members is None:
            members = {u.name: membership.Member.read(peers.data[u]) for u in peers.units}
        address = lb.addresses[0]
        own = membership.Member.read(peers.data[self.unit])
        if not certificates.all_cover(address, own, members.values()):
            return None
        return workload.url_for(address, lb.port)

    def _storage(self, settings: config.Settings) -> list[ops.StatusBase]:
        """Ask Ceph for pools; apply (or delete) the Ceph CSI manifests and storage classes."""
        applied = cast('dict[str, str]', dict(self._stored.manifests))
        try:
            if not self.ceph.relations:
                for path in storage.removal_order(applied):
                    workload.delete(path)
                    applied.pop(path)
                return []
            self.ceph.request(storage.CEPH_CLIENT, storage.pools(settings))
            cluster = self.ceph.cluster()
            key = self.ceph.client_key() if cluster is not None and cluster.is_ready else None
            if cluster is None or cluster.fsid is None or key is None:
                return []
            wanted = storage.wanted(settings, cluster.fsid, cluster.monitors, key)
            for path in [p for p in applied if p not in wanted]:
                workload.delete(path)
                applied.pop(path)
            for path, text in wanted.items():
                digest = storage.digest(text)
                if applied.get(path) != digest:
                    workload.apply(path, text, secrets=(key,))
                    applied[path] = digest
                    logger.info('Ceph CSI manifest %s applied', path)
        except workload.K8sError as e:
            logger.error('%s', e)
            return [ops.BlockedStatus(f'Ceph CSI: {e}; will retry on the next event')]
        finally:
            self._stored.manifests = applied
        return []

    def _storage_note(self, settings: config.Settings) -> str:
        """What the active status says about storage."""
        cluster = self.ceph.cluster() if self.ceph.relations else None
        return storage.note(
            settings,
            related=bool(self.ceph.relations),
            ready=cluster is not None and cluster.is_ready,
        )

    # -- upgrade turns ---------------------------------------------------------------------------

    def _grant_turn(self, peers: ops.Relation) -> None:
        """Hand the upgrade turn to the next joined unit that needs it (leader only)."""
        target = databag.read_str(peers.data[self.app].get(UPGRADE_KEY))
        if target is None:
            return
        reports: dict[str, metal_charm.TurnReport] = {}
        for unit in [self.unit, *peers.units]:
            member = membership.Member.read(peers.data[unit])
            if member.joined:
                reports[unit.name] = metal_charm.TurnReport(
                    wants=target, applied=member.channel, failed=member.upgrade_failed
                )
        current = metal_charm.read_turn(peers.data[self.app])
        turn = metal_charm.next_turn(current, reports, self.unit.name)
        peers.data[self.app].update(metal_charm.turn_databag(turn))

    # -- status ----------------------------------------------------------------------------------

    def _active(self, settings: config.Settings, event: ops.EventBase) -> ops.StatusBase:
        """``Kubernetes v1.32.3 control plane, 3 nodes`` and a storage note; or what is wrong."""
        try:
            ready = self._node_readiness(event)
        except workload.K8sError as e:
            return ops.WaitingStatus(f'waiting for the Kubernetes API: {e}')
        snap = self._snap
        version = f'v{snap.kubernetes}' if snap is not None and snap.kubernetes else 'unknown'
        unready = sorted(name for name, up in ready.items() if not up)
        count = f'{len(ready)} node' + ('' if len(ready) == 1 else 's')
        if unready:
            count += f' ({len(unready)} not ready)'
        note = self._storage_note(settings)
        return ops.ActiveStatus(f'Kubernetes {version} control plane, {count}{note}')

    def _node_readiness(self, event: ops.EventBase) -> dict[str, bool]:
        """Node name -> Ready, for the status: one node asked for when the hook names it.

        A worker unit's ``kube-cluster`` relation-joined or -changed concerns that unit's node
        only, and such hooks are most of a big cluster's (every worker's writes run them on
        every control-plane unit): there the node is read with ``kubectl get node NAME`` and
        the others are taken from this unit's last view, so the hook's work does not grow with
        the cluster. Every other hook, update-status (Juju's periodic one) included, lists
        every node, which also catches a node that went NotReady or was removed without an
        event here.
        """
        one = self._event_node(event)
        known = cast('dict[str, bool]', dict(self._stored.nodes))
        if one is None or not self._stored.nodes_listed:
            known = {n.name: n.ready for n in workload.nodes()}
        elif one:
            node = workload.node(one)
            if node is None:
                known.pop(one, None)
            else:
                known[one] = node.ready
        self._stored.nodes = known
        self._stored.nodes_listed = True
        return known

    def _event_node(self, event: ops.EventBase) -> str | None:
        """The node a worker's kube-cluster join or change concerns: its name, '' for none yet.

        None for any other event: then every node is listed.
        """
        if not isinstance(event, (ops.RelationJoinedEvent, ops.RelationChangedEvent)):
            return None
        if event.relation.name != KUBE_CLUSTER or event.unit is None:
            return None
        worker = self.kube.worker(event.relation, event.unit)
        return (worker.data.node_name or '') if worker is not None else ''

    # -- departures, secrets ---------------------------------------------------------------------

    def _on_stop(self, _: ops.StopEvent) -> None:
        """A leader that is being removed queues its own node for the next leader to remove."""
        peers = self.model.get_relation(PEERS)
        if peers is None or not self.unit.is_leader() or not peers.units:
            return
        node = metal_host.current().hostname()
        if membership.Member.read(peers.data[self.unit]).joined:
            logger.info('leader leaving: node %s queued for removal by the next leader', node)
            self._queue_departed(peers, [node])

    # -- actions ---------------------------------------------------------------------------------

    def _on_get_kubeconfig(self, event: ops.ActionEvent) -> None:
        """Put the admin kubeconfig in an application secret; only its id is returned.

        The kubeconfig holds the cluster admin's client key: like every credential here it
        travels as a Juju secret (``juju show-secret --reveal <id>``), never in action output.
        """
        if not self._action_allowed(event):
            return
        server = str(event.params.get('server') or '').strip()
        if server and not _valid_server(server):
            event.fail(f'server {server!r} must be https://host[:port]')
            return
        server = server or self._lb_url() or workload.url_for(self._address() or '')
        try:
            text = workload.kubeconfig(server)
        except workload.K8sError as e:
            event.fail(str(e))
            return
        secret_id = appsecrets.put_id(
            self.model,
            KUBECONFIG_LABEL,
            {'kubeconfig': text},
            'admin kubeconfig of the Kubernetes cluster',
        )
        event.set_results({'kubeconfig-secret-id': secret_id, 'server': server})

    def _on_pre_upgrade_check(self, event: ops.ActionEvent) -> None:
        """Check every node is Ready before an upgrade."""
        if workload.cluster_status() is None:
            event.fail(f'{self.unit.name} is not a cluster member yet')
            return
        try:
            nodes = workload.nodes()
        except workload.K8sError as e:
            event.fail(str(e))
            return
        unready = [n.name for n in nodes if not n.ready]
        if unready:
            event.fail(f'nodes not Ready: {", ".join(unready)}')
            return
        event.set_results({'nodes': len(nodes), 'result': f'all {len(nodes)} nodes are Ready'})

    def _on_upgrade(self, event: ops.ActionEvent) -> None:
        """Start a rolling upgrade to ``channel``: one control-plane unit at a time.

        Refused when a kubelet would end up outside Kubernetes' version-skew policy, when the
        jump is more than one minor release (kube-apiserver's rule), when a k8s-dqlite cluster
        would go to 1.36 or later (which have no k8s-dqlite), or when nodes are not Ready.
        """
        if not self._action_allowed(event):
            return
        channel = str(event.params.get('channel', '')).strip()
        if not config.is_channel(channel):
            event.fail(f'channel {channel!r} is not a snap channel <track>/<risk>[/<branch>]')
            return
        strict = config.strict_flavour(channel)
        if strict is not None:
            event.fail(strict)
            return
        target = workload.Version.of_channel(channel)
        snap = workload.snap_info()
        current = snap.kubernetes if snap is not None else None
        if target is None or current is None:
            event.fail(
                f'cannot tell which Kubernetes release {channel} holds: use a '
                '<major>.<minor>-classic track, e.g. 1.33-classic/stable'
            )
            return
        refusal = skew.refusal(current, target, self.kube.workers())
        if refusal is not None:
            event.fail(refusal)
            return
        datastore = workload.datastore_type(workload.cluster_status())
        if target.without_dqlite() and datastore == workload.DQLITE_DATASTORE:
            # k8s 1.36's post-refresh hook fails on a node with k8s-dqlite data and snapd
            # reverts (canonical/k8s-snap snap/hooks/post-refresh @ release-1.36).
            event.fail(
                f'cannot upgrade to {channel}: this cluster runs on the k8s-dqlite datastore, '
                'which k8s 1.36 and later removed with no migration path (their snap refuses '
                'to refresh a k8s-dqlite node); stay on 1.35, or deploy a new cluster with '
                'bootstrap-datastore=etcd'
            )
            return
        try:
            unready = [n.name for n in workload.nodes() if not n.ready]
        except workload.K8sError as e:
            event.fail(str(e))
            return
        if unready:
            event.fail(f'nodes not Ready: {", ".join(unready)}; fix them before upgrading')
            return
        peers = self.model.get_relation(PEERS)
        assert peers is not None  # _action_allowed checked it
        peers.data[self.app][UPGRADE_KEY] = json.dumps(channel)
        self.reconciler.run(event)
        event.set_results(
            {
                'channel': channel,
                'result': f'upgrading to {channel} (Kubernetes {target.minor_release}), '
                'one control-plane unit at a time; workers are upgraded by their own charm',
            }
        )

    def _action_allowed(self, event: ops.ActionEvent) -> bool:
        """Fail the action unless this is the leader and a cluster member."""
        action = metal_charm.action_name(event)
        why = 'it writes application data and secrets, which only the leader can'
        if not metal_charm.leader_only(self, event, why):
            return False
        if self.model.get_relation(PEERS) is None or workload.cluster_status() is None:
            event.fail(f'{self.unit.name} is not a cluster member yet; run {action} once active')
            return False
        return True

    # -- reading ---------------------------------------------------------------------------------

    def _address(self) -> str | None:
        """This node's address: the bind address of its ``cluster`` peer binding.

        k8sd listens there (``--address`` at bootstrap and join) and makes it kubelet's
        ``--node-ip`` and kube-apiserver's ``--advertise-address`` (canonical/k8sd
        ``pkg/k8sd/app/hooks_bootstrap.go``, ``hooks_join.go``, ``pkg/k8sd/setup/kubelet.go``,
        ``kube_apiserver.go``), so it must be an address of this machine: the bind address,
        not the ingress one (the same on MAAS). k8s-operator's control plane takes its node
        IPs from its ``cluster`` peer binding too (``_get_node_ips``). Never the machine's first
        address: on a MAAS machine with several NICs that is the PXE/OAM one. Workers reach
        the API servers at these addresses (k8sd gives a joining worker the ``kubernetes``
        endpoints: ``pkg/k8sd/api/worker.go``), so they are also what ``kube-cluster`` publishes.
        """
        return bindings.bind_address(self.model, PEERS)

    def _backend_address(self, address: str) -> str:
        """Where the load balancer reaches this unit's API server: its ``loadbalancer`` binding.

        The ingress address of that binding, as charmed-kubernetes' loadbalancer-interface
        defaults a backend to the requirer unit's ``ingress-address``
        (``loadbalancer_interface/provides.py``); kube-apiserver listens on every address (k8sd
        sets no ``--bind-address``). Without one, the node address.
        """
        return bindings.ingress_address(self.model, LOADBALANCER) or address


def _may_need_token(worker: kube_cluster.Worker) -> bool:
    """Whether a worker may be owed a token: it asked, has not joined, has none or a failed one.

    The leader's token pass decides; this only says whether a hook scoped to the worker needs
    that pass at all.
    """
    data = worker.data
    if not data.node_name or data.state == kube_cluster.NodeState.JOINED:
        return False
    return worker.token_secret is None or data.state == kube_cluster.NodeState.TOKEN_FAILED


def _taint_key(taint: str) -> tuple[str, str]:
    """A taint's identity for kubectl: its key and effect (the value may change)."""
    key_value, _, effect = taint.rpartition(':')
    return key_value.split('=', 1)[0], effect


def _valid_server(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range  # pyright: ignore[reportUnusedExpression]
    except ValueError:
        return False
    return (
        parts.scheme == 'https'
        and bool(parts.hostname)
        and '@' not in parts.netloc
        and parts.path in ('', '/')
        and not parts.query
        and not parts.fragment
    )


def _problem(error: workload.WorkloadError, doing: str) -> ops.StatusBase:
    """A transient failure is maintenance (it will go by itself); any other needs a look."""
    if error.transient:
        return ops.MaintenanceStatus(f'{doing}: {error}; will retry')
    return ops.BlockedStatus(f'{error}; will retry on the next event')


if __name__ == '__main__':  # pragma: no cover
    ops.main(KubernetesControlPlaneCharm)
