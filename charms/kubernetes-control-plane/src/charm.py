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
import hashlib
import ipaddress
import json
import logging
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, cast

import metal_host
import ops
from metal_interfaces import ceph_client, kube_cluster, loadbalancer

import manifests
import turns
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

CEPH_CLIENT = 'kubernetes'
"""The cephx client the charm asks Ceph for."""
RBD_POOL = 'kubernetes'
"""The RBD pool the block storage classes use."""
CEPHFS_NAME = 'kubernetes-fs'
"""The CephFS pool (and filesystem name) the ``cephfs`` class uses."""
KUBECONFIG_LABEL = 'kubeconfig'
"""The application secret get-kubeconfig keeps the admin kubeconfig in."""
TOKEN_KEY = 'token'  # noqa: S105 - a secret content key, not a token
"""The content key of join-token secrets."""

# Peer application databag keys (all values JSON).
BOOTSTRAP_KEY = 'bootstrap'
"""The bootstrap-only settings the cluster was bootstrapped with, and the SANs applied."""
JOIN_TOKENS_KEY = 'join-tokens'
"""Control-plane unit name -> {"secret": id, "serial": n} of its join token."""
TOKEN_SERIAL_KEY = 'token-serial'  # noqa: S105 - a databag key, not a token
"""The last serial number given to a control-plane join token."""
KNOWN_NODES_KEY = 'known-nodes'
"""Unit name -> node name of every control-plane and worker unit, for removal after departure."""
DEPARTED_NODES_KEY = 'departed-nodes'
"""Node names still to remove from the cluster (``k8s remove-node``)."""
NODE_CONFIG_KEY = 'node-config'
"""Node name -> {"labels": {...}, "taints": [...]} the leader last applied with kubectl."""
UPGRADE_KEY = 'upgrade'
"""The snap channel the upgrade action asked for."""
TURN_KEY = 'turn'
"""The unit holding the upgrade turn."""

JOINED = 'joined'
PENDING = 'pending'
TOKEN_FAILED = 'token-failed'  # noqa: S105 - a state name, not a token

BOOTSTRAP_OPTIONS = (
    'bootstrap-pod-cidr',
    'bootstrap-service-cidr',
    'bootstrap-cluster-domain',
    'bootstrap-datastore',
    'bootstrap-node-taints',
)
"""Options that only take effect when the cluster is bootstrapped."""
DATASTORES = ('k8s-dqlite', 'etcd')
"""``datastore-type`` values the charm can bootstrap (external datastores need servers/certs)."""
MAX_KUBELET_SKEW = 3
"""Kubernetes' version-skew policy (since 1.28): kubelet may be 3 minor releases older than
kube-apiserver, and never newer."""

_CHANNEL = re.compile(
    r'^[a-z0-9][a-z0-9.+_-]*/(stable|candidate|beta|edge)(/[a-z0-9][a-z0-9.+_-]*)?$'
)
_LABEL_NAME = r'([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)'
_LABEL_KEY = rf'([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}'
_LABEL = re.compile(rf'^{_LABEL_KEY}={_LABEL_NAME}?$')
_TAINT = re.compile(rf'^{_LABEL_KEY}(={_LABEL_NAME})?:(NoSchedule|PreferNoSchedule|NoExecute)$')
_DNS_LABEL = r'[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?'
_DOMAIN = re.compile(rf'^{_DNS_LABEL}(\.{_DNS_LABEL})*$')


class ConfigError(Exception):
    """A config option has a value the charm cannot use; the message names it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The charm config, validated.

    Attributes:
        channel: the k8s snap channel to install from.
        pod_cidr: bootstrap-only pod network.
        service_cidr: bootstrap-only service network.
        cluster_domain: bootstrap-only cluster DNS domain.
        datastore: bootstrap-only ``datastore-type``.
        node_taints: bootstrap-only control-plane taints.
        node_labels: labels of control-plane nodes, as ``(key, value)`` pairs.
        extra_sans: extra API server certificate SANs.
        default_storage_class: the class annotated as default ('' for none).
        enable_cephfs: whether to ask for CephFS and create the ``cephfs`` class.
    """

    channel: str
    pod_cidr: str
    service_cidr: str
    cluster_domain: str
    datastore: str
    node_taints: tuple[str, ...]
    node_labels: tuple[tuple[str, str], ...]
    extra_sans: tuple[str, ...]
    default_storage_class: str
    enable_cephfs: bool

    def bootstrap_options(self) -> dict[str, str]:
        """The bootstrap-only options as configured, by option name (what gets recorded)."""
        return {
            'bootstrap-pod-cidr': self.pod_cidr,
            'bootstrap-service-cidr': self.service_cidr,
            'bootstrap-cluster-domain': self.cluster_domain,
            'bootstrap-datastore': self.datastore,
            'bootstrap-node-taints': ' '.join(self.node_taints),
        }

    @classmethod
    def load(cls, config: Mapping[str, Any]) -> Settings:
        """Validate the config.

        Raises:
            ConfigError: naming the option and its value.
        """
        channel = str(config.get('channel', ''))
        if not _CHANNEL.match(channel):
            raise ConfigError(
                f'invalid config: channel {channel!r} is not a snap channel '
                '<track>/<risk>[/<branch>], e.g. 1.32-classic/stable'
            )
        pod_cidr = _cidrs('bootstrap-pod-cidr', str(config.get('bootstrap-pod-cidr', '')))
        service_cidr = _cidrs(
            'bootstrap-service-cidr', str(config.get('bootstrap-service-cidr', ''))
        )
        domain = str(config.get('bootstrap-cluster-domain', '')).strip()
        if not _DOMAIN.match(domain):
            raise ConfigError(
                f'invalid config: bootstrap-cluster-domain {domain!r} is not a DNS domain'
            )
        datastore = str(config.get('bootstrap-datastore', workload.DEFAULT_DATASTORE)).strip()
        if datastore not in DATASTORES:
            raise ConfigError(
                f'invalid config: bootstrap-datastore {datastore!r} is not one of '
                f'{", ".join(DATASTORES)}'
            )
        taints = tuple(str(config.get('bootstrap-node-taints', '')).split())
        for taint in taints:
            if not _TAINT.match(taint):
                raise ConfigError(
                    f'invalid config: bootstrap-node-taints {taint!r} is not key[=value]:Effect '
                    '(NoSchedule, PreferNoSchedule or NoExecute)'
                )
        labels: list[tuple[str, str]] = []
        for label in str(config.get('node-labels', '')).split():
            if not _LABEL.match(label):
                raise ConfigError(f'invalid config: node-labels {label!r} is not key=value')
            key, _, value = label.partition('=')
            labels.append((key, value))
        if len({k for k, _ in labels}) != len(labels):
            raise ConfigError('invalid config: node-labels sets a key twice')
        sans = tuple(dict.fromkeys(str(config.get('extra-sans', '')).split()))
        for san in sans:
            if not (_is_ip(san) or _DOMAIN.match(san.lower())):
                raise ConfigError(
                    f'invalid config: extra-sans {san!r} is neither an IP address nor a DNS name'
                )
        cephfs = bool(config.get('enable-cephfs', False))
        default = str(config.get('default-storage-class', '')).strip()
        classes = manifests.storage_classes(cephfs)
        if default and default not in classes:
            raise ConfigError(
                f'invalid config: default-storage-class {default!r} is not one of '
                f'{", ".join(classes)}'
            )
        return cls(
            channel=channel,
            pod_cidr=pod_cidr,
            service_cidr=service_cidr,
            cluster_domain=domain,
            datastore=datastore,
            node_taints=taints,
            node_labels=tuple(labels),
            extra_sans=sans,
            default_storage_class=default,
            enable_cephfs=cephfs,
        )


def _cidrs(option: str, value: str) -> str:
    """One CIDR or an IPv4,IPv6 pair, as k8s-snap takes them."""
    value = value.replace(' ', '')
    parts = value.split(',')
    try:
        networks = [ipaddress.ip_network(part, strict=True) for part in parts]
    except ValueError:
        networks = []
    if not networks or len(networks) > 2 or len({n.version for n in networks}) != len(networks):
        raise ConfigError(
            f'invalid config: {option} {value!r} is not a CIDR (or an IPv4,IPv6 pair of CIDRs)'
        )
    return value


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Member:
    """What one control-plane unit says about itself in its peer unit databag.

    Attributes:
        node: its Kubernetes node name (the machine's host name): asking for a token.
        address: the address it serves the API and k8sd on.
        state: ``pending``, ``joined`` or ``token-failed`` (asks the leader for a new token).
        failed_serial: the serial of the token that failed (so the leader re-issues only once).
        channel: the channel its k8s snap tracks (for the upgrade turn).
        upgrade_failed: the channel whose refresh failed here.
        sans: the SANs its API server certificate was last issued with (None: not known).
    """

    node: str | None = None
    address: str | None = None
    state: str | None = None
    failed_serial: int | None = None
    channel: str | None = None
    upgrade_failed: str | None = None
    sans: tuple[str, ...] | None = None

    @property
    def joined(self) -> bool:
        """Whether the unit is a member of the cluster."""
        return self.state == JOINED

    @classmethod
    def read(cls, data: Mapping[str, str]) -> Member:
        """A unit's report; missing or malformed fields read as None (never raises)."""
        serial = _json(data.get('failed-serial'))
        raw_sans = data.get('certificate-sans')
        applied = tuple(_json_list(raw_sans)) if isinstance(_json(raw_sans), list) else None
        return cls(
            node=_json_str(data.get('node-name')),
            address=_json_str(data.get('address')),
            state=_json_str(data.get('state')),
            failed_serial=serial if isinstance(serial, int) else None,
            channel=_json_str(data.get('channel')),
            upgrade_failed=_json_str(data.get('upgrade-failed')),
            sans=applied,
        )

    def databag(self) -> dict[str, str]:
        """The databag update: JSON values, '' deletes a None field."""

        def enc(value: object) -> str:
            return '' if value is None else json.dumps(value)

        return {
            'node-name': enc(self.node),
            'address': enc(self.address),
            'state': enc(self.state),
            'failed-serial': enc(self.failed_serial),
            'channel': enc(self.channel),
            'upgrade-failed': enc(self.upgrade_failed),
            'certificate-sans': enc(list(self.sans) if self.sans is not None else None),
        }

    def covers(self, san: str) -> bool:
        """Whether its API server certificate is known to carry ``san``."""
        return self.sans is not None and san in self.sans


class KubernetesControlPlaneCharm(ops.CharmBase):
    """A Canonical Kubernetes control-plane node; the leader runs the cluster."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(statuses=None, manifests={})
        self.kube = kube_cluster.Provider(self, KUBE_CLUSTER)
        self.lb = loadbalancer.Requirer(self, LOADBALANCER)
        self.ceph = ceph_client.Requirer(self, CEPH)
        self._snap: workload.SnapInfo | None = None
        for event in (
            self.on.install,
            self.on.start,
            self.on.config_changed,
            self.on.upgrade_charm,
            self.on.update_status,
            self.on.leader_elected,
            self.on.secret_changed,
            self.on[PEERS].relation_created,
            self.on[PEERS].relation_joined,
            self.on[PEERS].relation_changed,
            self.on[PEERS].relation_departed,
            self.on[KUBE_CLUSTER].relation_created,
            self.on[KUBE_CLUSTER].relation_joined,
            self.on[KUBE_CLUSTER].relation_changed,
            self.on[KUBE_CLUSTER].relation_departed,
            self.on[KUBE_CLUSTER].relation_broken,
            self.on[LOADBALANCER].relation_created,
            self.on[LOADBALANCER].relation_changed,
            self.on[LOADBALANCER].relation_broken,
            self.on[CEPH].relation_created,
            self.on[CEPH].relation_changed,
            self.on[CEPH].relation_broken,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on.stop, self._on_stop)
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on['get-kubeconfig'].action, self._on_get_kubeconfig)
        framework.observe(self.on['pre-upgrade-check'].action, self._on_pre_upgrade_check)
        framework.observe(self.on['upgrade'].action, self._on_upgrade)
        framework.observe(self.on.collect_unit_status, self._on_collect_unit_status)

    # -- the reconcile ---------------------------------------------------------------------------

    def _reconcile(self, event: ops.EventBase) -> None:
        """Bring this unit, and on the leader the cluster, to what config and relations ask."""
        statuses = self._run(event)
        self._stored.statuses = [{'name': s.name, 'message': s.message} for s in statuses]

    def _run(self, event: ops.EventBase) -> list[ops.StatusBase]:
        peers = self.model.get_relation(PEERS)
        self.unit.set_ports(ops.Port('tcp', workload.API_PORT))
        try:
            settings = Settings.load(self.config)
        except ConfigError as e:
            return [ops.BlockedStatus(str(e))]

        app_data = peers.data[self.app] if peers is not None else None
        target = _json_str(app_data.get(UPGRADE_KEY)) if app_data is not None else None
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
            return [ops.WaitingStatus('waiting for a network address')]
        own = dataclasses.replace(
            Member.read(peers.data[self.unit]), node=node, address=address, channel=snap.channel
        )
        leader = self.unit.is_leader()
        departing = event.departing_unit if isinstance(event, ops.RelationDepartedEvent) else None
        leaving = departing == self.unit
        statuses: list[ops.StatusBase] = []

        record = _json_dict(app_data.get(BOOTSTRAP_KEY))
        clustered = workload.cluster_status() is not None
        if not clustered and leader and not record:
            lb_wait = self._lb_wait()
            if lb_wait is not None:
                self._write_member(peers, dataclasses.replace(own, state=PENDING))
                return [lb_wait]
            problem = self._bootstrap(settings, node, address)
            if problem is not None:
                self._write_member(peers, dataclasses.replace(own, state=PENDING))
                return [problem]
            clustered = True
        if clustered and leader and not record:
            record = self._record_bootstrap(peers, settings, address)
            own = dataclasses.replace(own, sans=tuple(_strings(record.get('extra-sans'))))
        if not clustered:
            if leader and record:
                self._write_member(peers, dataclasses.replace(own, state=PENDING))
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
        own = dataclasses.replace(own, state=JOINED, failed_serial=None)
        if not leaving:
            own, problem = self._ensure_sans(own, settings, address, record)
            if problem is not None:
                statuses.append(problem)
        self._write_member(peers, own)
        self.lb.set_backend(address)

        statuses += _bootstrap_changes(settings, record)
        if leader and not leaving:
            statuses += self._lead(event, peers, settings, record, node, departing)
        elif leader and leaving:
            self._queue_departed(peers, [node])
        statuses += self._upgrade_turn(peers, own)
        statuses.append(self._active(settings))
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

    def _bootstrap(self, settings: Settings, node: str, address: str) -> ops.StatusBase | None:
        """Bootstrap the cluster on this (the leader's) node; None when done."""
        sans = self._wanted_sans(settings, address)
        config = workload.BootstrapConfig(
            pod_cidr=settings.pod_cidr,
            service_cidr=settings.service_cidr,
            cluster_domain=settings.cluster_domain,
            datastore=settings.datastore,
            extra_sans=sans,
            control_plane_taints=settings.node_taints,
            node_labels=settings.node_labels,
        )
        try:
            workload.bootstrap(config, node, address)
        except workload.K8sError as e:
            logger.error('%s', e)
            return _problem(e, 'bootstrapping')
        logger.info('bootstrapped the cluster on %s (%s)', node, address)
        return None

    def _record_bootstrap(
        self, peers: ops.Relation, settings: Settings, address: str
    ) -> dict[str, Any]:
        """Remember what the cluster was bootstrapped with, so later changes are noticed."""
        record: dict[str, Any] = {
            **settings.bootstrap_options(),
            'extra-sans': list(self._wanted_sans(settings, address)),
        }
        peers.data[self.app][BOOTSTRAP_KEY] = json.dumps(record, sort_keys=True)
        return record

    def _wanted_sans(self, settings: Settings, address: str) -> tuple[str, ...]:
        """The SANs this unit's API server certificate needs: load balancer, itself, config."""
        lb = self.lb.frontends()
        sans = (*(lb.addresses if lb is not None else ()), address, *settings.extra_sans)
        return tuple(dict.fromkeys(sans))

    def _ensure_sans(
        self, own: Member, settings: Settings, address: str, record: Mapping[str, Any]
    ) -> tuple[Member, ops.StatusBase | None]:
        """Re-issue this node's API server certificate when the SANs it needs changed.

        A load balancer related after bootstrap, a changed ``extra-sans`` or a new address:
        ``k8s refresh-certs`` with every SAN wanted (k8sd keeps no earlier extra SAN). What was
        applied is kept in this unit's peer data, where the leader reads it before publishing
        the load balancer. A leader that bootstrapped before SANs were kept per unit has the
        bootstrap record; other units that joined then got no extra SANs at all.
        """
        wanted = self._wanted_sans(settings, address)
        applied = own.sans
        if applied is None:
            recorded = _strings(record.get('extra-sans'))
            applied = tuple(recorded) if self.unit.is_leader() and recorded else (address,)
        if set(applied) == set(wanted):
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
        self, peers: ops.Relation, own: Member, settings: Settings, record: dict[str, Any]
    ) -> tuple[Member, ops.StatusBase | None]:
        """Join the cluster with this unit's token, or say what it waits for."""
        if not record:
            return dataclasses.replace(own, state=PENDING), ops.WaitingStatus(
                'waiting for the leader to bootstrap the cluster'
            )
        tokens = _json_dict(peers.data[self.app].get(JOIN_TOKENS_KEY))
        secret_id, _ = _token_entry(tokens, self.unit.name)
        if secret_id is None:
            state = TOKEN_FAILED if own.state == TOKEN_FAILED else PENDING
            return dataclasses.replace(own, state=state), ops.WaitingStatus(
                'waiting for a join token from the leader'
            )
        try:
            content = self.model.get_secret(id=secret_id).get_content(refresh=True)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            logger.warning('join token secret %s unreadable: %s', secret_id, e)
            return dataclasses.replace(own, state=PENDING), ops.WaitingStatus(
                'waiting for access to the join token secret'
            )
        token = content.get(TOKEN_KEY, '')
        serial = _json(content.get('serial'))
        if own.state == TOKEN_FAILED and own.failed_serial == serial:
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
                return dataclasses.replace(own, state=PENDING), _problem(e, 'joining')
            failed = dataclasses.replace(
                own, state=TOKEN_FAILED, failed_serial=serial if isinstance(serial, int) else 0
            )
            return failed, ops.WaitingStatus(f'{e}; asked the leader for a new token')
        logger.info('joined the cluster as %s', own.node)
        return dataclasses.replace(own, state=JOINED, failed_serial=None, sans=sans), None

    def _write_member(self, peers: ops.Relation, member: Member) -> None:
        peers.data[self.unit].update(member.databag())

    def _upgrade_turn(self, peers: ops.Relation, own: Member) -> list[ops.StatusBase]:
        """Refresh the snap when this unit holds the upgrade turn; else say whose turn it is."""
        target = _json_str(peers.data[self.app].get(UPGRADE_KEY))
        if target is None or own.channel == target:
            return []
        holder = _json_str(peers.data[self.app].get(TURN_KEY))
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
        settings: Settings,
        record: dict[str, Any],
        node: str,
        departing: ops.Unit | None,
    ) -> list[ops.StatusBase]:
        """The leader's share: tokens, departures, workers, labels, load balancer, storage."""
        statuses: list[ops.StatusBase] = []
        members = self._members(peers, departing)
        self._queue_departures(event, peers, departing)
        self._remember_nodes(peers, members, node, departing)
        statuses += self._remove_departed(peers, node, members, departing)
        statuses += self._control_plane_tokens(peers, members)
        if self.lb.relations:
            self._request_lb()
        lb_url = self._lb_url(members)
        statuses += self._serve_workers(event, record, members, lb_url)
        statuses += self._apply_node_config(peers, settings, members, node)
        statuses += self._storage(settings)
        self._grant_turn(peers)
        return statuses

    def _members(self, peers: ops.Relation, departing: ops.Unit | None) -> dict[str, Member]:
        """Every other control-plane unit still in the relation, by unit name."""
        return {
            unit.name: Member.read(peers.data[unit])
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
            node = _json_str(event.relation.data[departing].get('node-name'))
        except (ops.ModelError, KeyError):
            node = None
        node = node or _json_dict(peers.data[self.app].get(KNOWN_NODES_KEY)).get(departing.name)
        if isinstance(node, str) and node:
            logger.info('%s departed: node %s will be removed', departing.name, node)
            self._queue_departed(peers, [node])
        else:
            logger.warning('%s departed without a known node name', departing.name)
        if event.relation.name == PEERS:
            self._revoke_cp_token(peers, departing.name)

    def _queue_departed(self, peers: ops.Relation, nodes: list[str]) -> None:
        pending = _json_list(peers.data[self.app].get(DEPARTED_NODES_KEY))
        _write_json(peers.data[self.app], DEPARTED_NODES_KEY, sorted({*pending, *nodes}))

    def _remember_nodes(
        self,
        peers: ops.Relation,
        members: dict[str, Member],
        node: str,
        departing: ops.Unit | None,
    ) -> None:
        """Keep each live unit's node name, for when its data is gone at departure."""
        known: dict[str, str] = {self.unit.name: node}
        known.update({name: m.node for name, m in members.items() if m.node})
        for worker in self.kube.workers():
            if worker.unit != departing and worker.data.node_name:
                known[worker.unit.name] = worker.data.node_name
        _write_json(peers.data[self.app], KNOWN_NODES_KEY, known)

    def _remove_departed(
        self,
        peers: ops.Relation,
        node: str,
        members: dict[str, Member],
        departing: ops.Unit | None,
    ) -> list[ops.StatusBase]:
        """``k8s remove-node`` every queued node; what fails stays queued for the next event.

        A queued name that a live unit reports is left alone (a new machine took the name),
        and so is this unit's own node: a departing leader queues itself for the next leader.
        """
        pending = _json_list(peers.data[self.app].get(DEPARTED_NODES_KEY))
        if not pending:
            return []
        live = {m.node for m in members.values() if m.node}
        live |= {
            w.data.node_name
            for w in self.kube.workers()
            if w.data.node_name and w.unit != departing
        }
        remaining: list[str] = []
        statuses: list[ops.StatusBase] = []
        for name in pending:
            if name == node:
                remaining.append(name)
                continue
            if name in live:
                continue
            try:
                removed = workload.remove_node(name)
            except workload.K8sError as e:
                logger.warning('%s', e)
                remaining.append(name)
                statuses.append(ops.WaitingStatus(f'{e}; will retry'))
                continue
            logger.info('node %s %s', name, 'removed' if removed else 'was already gone')
        _write_json(peers.data[self.app], DEPARTED_NODES_KEY, remaining)
        configs = _json_dict(peers.data[self.app].get(NODE_CONFIG_KEY))
        kept = {k: v for k, v in configs.items() if k not in pending or k in remaining}
        _write_json(peers.data[self.app], NODE_CONFIG_KEY, kept)
        return statuses

    def _control_plane_tokens(
        self, peers: ops.Relation, members: dict[str, Member]
    ) -> list[ops.StatusBase]:
        """Mint a token for each unit that asks, re-issue after a failure, revoke once joined."""
        tokens = _json_dict(peers.data[self.app].get(JOIN_TOKENS_KEY))
        for name in list(tokens):
            member = members.get(name)
            if member is None or member.joined:
                self._revoke_cp_token(peers, name)
        tokens = _json_dict(peers.data[self.app].get(JOIN_TOKENS_KEY))
        statuses: list[ops.StatusBase] = []
        for name, member in sorted(members.items()):
            if member.joined or not member.node:
                continue
            secret_id, serial = _token_entry(tokens, name)
            failed = member.state == TOKEN_FAILED and member.failed_serial == serial
            if secret_id is not None and not failed:
                continue
            unit = self.model.get_unit(name)
            try:
                token = workload.get_join_token(member.node, worker=False)
            except workload.K8sError as e:
                logger.warning('%s', e)
                statuses.append(ops.WaitingStatus(f'{e}; will retry'))
                continue
            secret_id, serial = self._put_cp_token(peers, unit, token)
            tokens[name] = {'secret': secret_id, 'serial': serial}
            logger.info('join token issued to %s (serial %d)', name, serial)
        _write_json(peers.data[self.app], JOIN_TOKENS_KEY, tokens)
        return statuses

    def _put_cp_token(self, peers: ops.Relation, unit: ops.Unit, token: str) -> tuple[str, int]:
        """Store one unit's token in its own application secret, granted to that unit only."""
        serial = int(_json(peers.data[self.app].get(TOKEN_SERIAL_KEY)) or 0) + 1
        peers.data[self.app][TOKEN_SERIAL_KEY] = json.dumps(serial)
        content = {TOKEN_KEY: token, 'serial': json.dumps(serial)}
        label = _token_label(unit.name)
        try:
            secret = self.model.get_secret(label=label)
        except ops.SecretNotFoundError:
            secret = self.app.add_secret(
                content, label=label, description=f'k8s control-plane join token for {unit.name}'
            )
        else:
            secret.set_content(content)
        secret.grant(peers, unit=unit)
        secret_id = secret.id or secret.get_info().id
        assert secret_id is not None  # an owner always learns the id
        return secret_id, serial

    def _revoke_cp_token(self, peers: ops.Relation, unit_name: str) -> None:
        """Remove one control-plane unit's token secret and entry (joined, or departed)."""
        tokens = _json_dict(peers.data[self.app].get(JOIN_TOKENS_KEY))
        try:
            secret = self.model.get_secret(label=_token_label(unit_name))
        except ops.SecretNotFoundError:
            pass
        else:
            secret.remove_all_revisions()
            logger.info('join token of %s revoked', unit_name)
        if tokens.pop(unit_name, None) is not None:
            _write_json(peers.data[self.app], JOIN_TOKENS_KEY, tokens)

    # -- workers ---------------------------------------------------------------------------------

    def _serve_workers(
        self,
        event: ops.EventBase,
        record: dict[str, Any],
        members: dict[str, Member],
        lb_url: str | None,
    ) -> list[ops.StatusBase]:
        """Publish the cluster to workers; issue, re-issue and revoke their tokens."""
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
        for worker in self.kube.workers():
            if worker.data.state == kube_cluster.NodeState.JOINED and worker.token_secret:
                self.kube.revoke_token(worker.relation, worker.unit.name)
                logger.info('join token of worker %s revoked: joined', worker.unit.name)
        needing = {(r.id, u.name) for r, u in self.kube.units_needing_tokens()}
        for worker in self.kube.workers():
            if (worker.relation.id, worker.unit.name) not in needing:
                continue
            node = worker.data.node_name
            if not node or worker.data.state == kube_cluster.NodeState.JOINED:
                continue
            changed_now = (
                isinstance(event, ops.RelationChangedEvent)
                and event.relation.id == worker.relation.id
                and event.unit == worker.unit
            )
            if worker.token_secret is not None and not changed_now:
                continue  # re-issue only in answer to the worker's own token-failed report
            try:
                token = workload.get_join_token(node, worker=True)
            except workload.K8sError as e:
                logger.warning('%s', e)
                statuses.append(ops.WaitingStatus(f'{e}; will retry'))
                continue
            self.kube.issue_token(worker.relation, worker.unit, token)
            logger.info('join token issued to worker %s', worker.unit.name)
        return statuses

    def _apply_node_config(
        self, peers: ops.Relation, settings: Settings, members: dict[str, Member], node: str
    ) -> list[ops.StatusBase]:
        """Keep each joined node's labels and taints as its charm asks, with kubectl.

        Control-plane nodes get ``node-labels``; worker nodes what their unit publishes. Only
        what the charm applied before is removed when it disappears: labels Kubernetes or
        others set are never touched.
        """
        wanted: dict[str, tuple[dict[str, str], list[str]]] = {}
        cp_labels = dict(settings.node_labels)
        for cp in [node, *(m.node for m in members.values() if m.joined and m.node)]:
            if cp:
                wanted[cp] = (cp_labels, [])
        for worker in self.kube.workers():
            name = worker.data.node_name
            if name and worker.data.state == kube_cluster.NodeState.JOINED:
                wanted[name] = (
                    dict(worker.data.node_labels or {}),
                    sorted(worker.data.node_taints or []),
                )
        applied = _json_dict(peers.data[self.app].get(NODE_CONFIG_KEY))
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
        _write_json(peers.data[self.app], NODE_CONFIG_KEY, applied)
        return statuses

    # -- load balancer and storage ---------------------------------------------------------------

    def _request_lb(self) -> None:
        self.lb.request(
            workload.API_PORT,
            workload.API_PORT,
            loadbalancer.HealthCheck(protocol='https', path='/livez', interval=10),
        )

    def _lb_url(self, members: Mapping[str, Member] | None = None) -> str | None:
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
            members = {u.name: Member.read(peers.data[u]) for u in peers.units}
        address = lb.addresses[0]
        own = Member.read(peers.data[self.unit])
        others = [m for m in members.values() if m.joined]
        if not own.covers(address) or not all(m.covers(address) for m in others):
            return None
        return workload.url_for(address, lb.port)

    def _storage(self, settings: Settings) -> list[ops.StatusBase]:
        """Ask Ceph for pools; apply (or delete) the Ceph CSI manifests and storage classes."""
        applied = cast('dict[str, str]', dict(self._stored.manifests))
        try:
            if not self.ceph.relations:
                # CephFS first: deleting RBD's namespace takes CephFS's objects with it.
                for path in sorted(applied, key=lambda p: p != manifests.CEPHFS_PATH):
                    workload.delete(path)
                    applied.pop(path)
                return []
            pools = [ceph_client.Pool(name=RBD_POOL, application='rbd')]
            if settings.enable_cephfs:
                pools.append(ceph_client.Pool(name=CEPHFS_NAME, application='cephfs'))
            self.ceph.request(CEPH_CLIENT, pools)
            cluster = self.ceph.cluster()
            key = self.ceph.client_key() if cluster is not None and cluster.is_ready else None
            if cluster is None or cluster.fsid is None or key is None:
                return []
            config = manifests.CephConfig(
                fsid=cluster.fsid,
                monitors=cluster.monitors,
                client=CEPH_CLIENT,
                key=key,
                rbd_pool=RBD_POOL,
                cephfs_name=CEPHFS_NAME,
                default_class=settings.default_storage_class,
            )
            wanted = {manifests.RBD_PATH: manifests.rbd_manifest(config)}
            if settings.enable_cephfs:
                wanted[manifests.CEPHFS_PATH] = manifests.cephfs_manifest(config)
            for path in [p for p in applied if p not in wanted]:
                workload.delete(path)
                applied.pop(path)
            for path, text in wanted.items():
                digest = hashlib.sha256(text.encode()).hexdigest()
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

    def _storage_note(self, settings: Settings) -> str:
        """What the active status says about storage."""
        if not self.ceph.relations:
            return ' (no storage: relate ceph-client)'
        cluster = self.ceph.cluster()
        if cluster is None or not cluster.is_ready:
            return ' (storage: waiting for ceph-client)'
        default = settings.default_storage_class
        return f' (storage: {default} default)' if default else ' (storage: Ceph, no default)'

    # -- upgrade turns ---------------------------------------------------------------------------

    def _grant_turn(self, peers: ops.Relation) -> None:
        """Hand the upgrade turn to the next joined unit that needs it (leader only)."""
        target = _json_str(peers.data[self.app].get(UPGRADE_KEY))
        if target is None:
            return
        reports: dict[str, turns.UnitReport] = {}
        for unit in [self.unit, *peers.units]:
            member = Member.read(peers.data[unit])
            if member.joined:
                reports[unit.name] = turns.UnitReport(
                    wants=target, applied=member.channel, failed=member.upgrade_failed
                )
        current = _json_str(peers.data[self.app].get(TURN_KEY))
        turn = turns.next_turn(current, reports, self.unit.name)
        peers.data[self.app][TURN_KEY] = '' if turn is None else json.dumps(turn)

    # -- status ----------------------------------------------------------------------------------

    def _active(self, settings: Settings) -> ops.StatusBase:
        """``Kubernetes v1.32.3 control plane, 3 nodes`` and a storage note; or what is wrong."""
        try:
            nodes = workload.nodes()
        except workload.K8sError as e:
            return ops.WaitingStatus(f'waiting for the Kubernetes API: {e}')
        snap = self._snap
        version = f'v{snap.kubernetes}' if snap is not None and snap.kubernetes else 'unknown'
        unready = [n.name for n in nodes if not n.ready]
        count = f'{len(nodes)} node' + ('' if len(nodes) == 1 else 's')
        if unready:
            count += f' ({len(unready)} not ready)'
        note = self._storage_note(settings)
        return ops.ActiveStatus(f'Kubernetes {version} control plane, {count}{note}')

    def _on_collect_unit_status(self, event: ops.CollectStatusEvent) -> None:
        """Show the outcome of the last reconcile (ops shows the most severe)."""
        stored = cast('list[dict[str, str]] | None', self._stored.statuses)
        if stored is None:
            event.add_status(ops.MaintenanceStatus('installing'))
            return
        for status in stored:
            event.add_status(ops.StatusBase.from_name(str(status['name']), str(status['message'])))

    # -- departures, secrets ---------------------------------------------------------------------

    def _on_stop(self, _: ops.StopEvent) -> None:
        """A leader that is being removed queues its own node for the next leader to remove."""
        peers = self.model.get_relation(PEERS)
        if peers is None or not self.unit.is_leader() or not peers.units:
            return
        node = metal_host.current().hostname()
        if Member.read(peers.data[self.unit]).joined:
            logger.info('leader leaving: node %s queued for removal by the next leader', node)
            self._queue_departed(peers, [node])

    def _on_secret_remove(self, event: ops.SecretRemoveEvent) -> None:
        """Drop revisions of our application secrets nobody tracks any more."""
        if self.unit.is_leader():
            event.remove_revision()

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
        secret_id = self._put_app_secret(
            KUBECONFIG_LABEL, {'kubeconfig': text}, 'admin kubeconfig of the Kubernetes cluster'
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
        jump is more than one minor release (kube-apiserver's rule), or when nodes are not
        Ready.
        """
        if not self._action_allowed(event):
            return
        channel = str(event.params.get('channel', '')).strip()
        if not _CHANNEL.match(channel):
            event.fail(f'channel {channel!r} is not a snap channel <track>/<risk>[/<branch>]')
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
        refusal = _skew_refusal(current, target, self.kube.workers())
        if refusal is not None:
            event.fail(refusal)
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
        self._reconcile(event)
        event.set_results(
            {
                'channel': channel,
                'result': f'upgrading to {channel} (Kubernetes {target.minor_release}), '
                'one control-plane unit at a time; workers are upgraded by their own charm',
            }
        )

    def _action_allowed(self, event: ops.ActionEvent) -> bool:
        """Fail the action unless this is the leader and a cluster member."""
        action = event.handle.kind.removesuffix('_action').replace('_', '-')
        if not self.unit.is_leader():
            event.fail(
                f'run {action} on the leader unit ({self.app.name}/leader): it writes '
                'application data and secrets, which only the leader can'
            )
            return False
        if self.model.get_relation(PEERS) is None or workload.cluster_status() is None:
            event.fail(f'{self.unit.name} is not a cluster member yet; run {action} once active')
            return False
        return True

    def _put_app_secret(self, label: str, content: dict[str, str], description: str) -> str:
        """Create the application secret ``label``, or give it a new revision if it changed."""
        try:
            secret = self.model.get_secret(label=label)
        except ops.SecretNotFoundError:
            secret = self.app.add_secret(content, label=label, description=description)
        else:
            if secret.peek_content() != content:
                secret.set_content(content)
        secret_id = secret.id or secret.get_info().id
        assert secret_id is not None  # an owner always learns the id
        return secret_id

    # -- reading ---------------------------------------------------------------------------------

    def _address(self) -> str | None:
        """The address this unit serves the API on: its cluster binding's."""
        try:
            address = self.model.get_binding(PEERS).network.ingress_address
        except (ops.ModelError, AttributeError):
            address = None
        if address is not None:
            return str(address)
        addresses = metal_host.current().addresses()
        return addresses[0] if addresses else None


def _bootstrap_changes(settings: Settings, record: Mapping[str, Any]) -> list[ops.StatusBase]:
    """Blocked statuses for bootstrap-only options changed after bootstrap (never a no-op)."""
    if not record:
        return []
    out: list[ops.StatusBase] = []
    for option, value in settings.bootstrap_options().items():
        applied = record.get(option)
        if applied is not None and str(applied) != value:
            out.append(
                ops.BlockedStatus(
                    f'{option} changed to {value!r} but can only be set before bootstrap: '
                    f'set it back to {str(applied)!r}'
                )
            )
    return out


def _skew_refusal(
    current: workload.Version, target: workload.Version, workers: list[kube_cluster.Worker]
) -> str | None:
    """Why an upgrade from ``current`` to ``target`` breaks the version-skew policy, or None."""
    if (target.major, target.minor) < (current.major, current.minor):
        return f'downgrades are not supported: {current.minor_release} → {target.minor_release}'
    if target.major != current.major or target.minor > current.minor + 1:
        return (
            f'upgrade one minor release at a time: {current.minor_release} → '
            f'{current.major}.{current.minor + 1} first'
        )
    too_old: list[str] = []
    too_new: list[str] = []
    for worker in workers:
        version = workload.Version.parse(worker.data.version)
        if version is None:
            continue
        name = worker.data.node_name or worker.unit.name
        if version.major != target.major or target.minor - version.minor > MAX_KUBELET_SKEW:
            too_old.append(f'{name} ({version})')
        elif (version.major, version.minor) > (target.major, target.minor):
            too_new.append(f'{name} ({version})')
    if too_old:
        return (
            f'workers too old for Kubernetes {target.minor_release}: {", ".join(too_old)}; '
            f'kubelet may be at most {MAX_KUBELET_SKEW} minor releases older than '
            'kube-apiserver: upgrade them first'
        )
    if too_new:
        return f'workers newer than {target.minor_release}: {", ".join(too_new)}'
    return None


def _token_entry(tokens: Mapping[str, Any], unit_name: str) -> tuple[str | None, int | None]:
    """A unit's entry in ``join-tokens``: its secret id and the token's serial."""
    entry = tokens.get(unit_name)
    if not isinstance(entry, dict):
        return None, None
    fields = cast('dict[str, Any]', entry)
    secret_id, serial = fields.get('secret'), fields.get('serial')
    return (
        secret_id if isinstance(secret_id, str) else None,
        serial if isinstance(serial, int) else None,
    )


def _token_label(unit_name: str) -> str:
    return f'{PEERS}-join-token-{unit_name.replace("/", "-")}'


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


def _json(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _json_str(raw: str | None) -> str | None:
    value = _json(raw)
    return value if isinstance(value, str) and value else None


def _json_list(raw: str | None) -> list[str]:
    return _strings(_json(raw))


def _strings(value: object) -> list[str]:
    """The strings of a JSON list ([] for anything else)."""
    if not isinstance(value, list):
        return []
    return [item for item in cast('list[Any]', value) if isinstance(item, str)]


def _json_dict(raw: str | None) -> dict[str, Any]:
    value = _json(raw)
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in cast('dict[Any, Any]', value).items()}


def _write_json(data: ops.RelationDataContent, key: str, value: object) -> None:
    raw = json.dumps(value, sort_keys=True) if value else ''
    if data.get(key, '') != raw:
        data[key] = raw


if __name__ == '__main__':  # pragma: no cover
    ops.main(KubernetesControlPlaneCharm)
