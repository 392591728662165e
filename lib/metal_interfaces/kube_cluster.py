"""kube_cluster v0: a Kubernetes control plane lets worker units join its cluster.

Spec
====

Provider: ``kubernetes-control-plane``. Requirer: ``kubernetes-worker`` (every unit joins the
cluster as a node). A control plane serves several worker applications, so the provider may have
several relations on its endpoint.

Provider application databag (written by the provider's leader):

- ``api-endpoints`` (array of ``{"url": str}``, in order of preference): the API server URLs;
  the load balancer's first when there is one, then every control-plane unit's. Order matters
  here, unlike in the other arrays of this package.
- ``cluster-name`` (str): the cluster's name, for kubeconfig contexts and node labels.
- ``ca-certificate`` (str, PEM): the cluster CA, to verify the API servers (public, not a
  credential).
- ``pod-cidr`` / ``service-cidr`` (str): the pod and service networks; one CIDR, or two
  comma-separated ones (IPv4 and IPv6) for a dual-stack cluster, as Kubernetes takes them.
- ``dns-ip`` (str, an IP address): the cluster DNS service's address, for kubelet.
- ``dns-domain`` (str): the cluster DNS domain, e.g. ``cluster.local``.
- ``kubernetes-version`` (str): the control plane's version; workers must not be newer.
- ``join-tokens`` (object, worker unit name -> **Juju secret id**): one secret per worker unit,
  owned by the provider application and granted to that unit only, with content
  ``{"token": <bootstrap token>}``. A unit finds its own entry; tokens never appear in a
  databag, and a unit cannot read another unit's token. A token is single use: once the unit
  has joined, the provider removes its secret but keeps the entry, because every rewrite of
  this map runs ``relation-changed`` on every worker unit (with N workers joining, rewriting it
  on each join as well as on each issue would double an N² storm of hooks). A unit whose entry
  names a secret that no longer exists and which needs to join (again) reports
  ``token-failed`` and gets a new token. The entry goes when the unit departs.

Delivery of join tokens (provider behaviour; the data above is unchanged by it, so this needs
no new version): every write of the provider's application databag runs ``relation-changed`` on
every worker unit (Juju coalesces a unit's pending changes, so a unit that was busy sees several
writes as one hook, but each write still wakes every unit that is idle). The leader therefore
issues tokens in batches, one write of ``join-tokens`` per relation for every unit it serves in
that hook, and holds *first* tokens (a unit with no entry yet) while a unit it expects has not
asked (published its ``node-name``):

- a unit already in the relation that has not asked is expected: its first relation hook asks;
- once every unit in the relation has asked, Juju's ``goal-state`` says which units of the
  worker application are still to enter it (every unit of the related application, whether it
  entered the relation or not, with its workload status: juju/juju ``apiserver/facades/agent/
  uniter/uniter.go`` ``goalStateRelations``); those are expected too, unless their status is
  ``error``, ``blocked`` or ``dying`` (they need an operator, not a token, and get theirs in a
  later batch once they ask);
- ``update-status`` (Juju's periodic hook, every 5 minutes by default) issues to every unit that
  has asked, whatever is expected, so a unit that never asks holds the others at most that long;
  without ``goal-state`` (a Juju older than 2.4, which added it: kubernetes/kubernetes#65187
  notes the charms of the day falling back; a harness without hook tools) only units in the
  relation are waited for;
- a re-issue (``token-failed``) is never held: it answers that unit's own report.

The trade, measured with olm on the metal-k8s bundle plus ``add-unit -n N`` (benchmarks/
workers.py): a token per write ran ``relation-changed`` on every worker for every new worker,
O(N) hooks per added worker (83 per worker at +100, 9,878 hooks in all); batched, about 5 per
worker whatever N (2,224 hooks at +100). The cost is latency to the first token: no worker joins
before the last expected one has asked (with N units added at once they all ask within the same
few hooks), or the next update-status if one of them fails before asking.

Provider unit databag: nothing.

Requirer application databag: nothing.

Requirer unit databag (written by every worker unit):

- ``node-name`` (str): the Kubernetes node name the unit registers as.
- ``state`` (``"pending"`` | ``"joined"`` | ``"token-failed"``): ``token-failed`` asks the
  leader for a new token. A value this version does not know reads as ``"unknown"``
  (:attr:`NodeState.UNKNOWN`).
- ``version`` (str): the kubelet version the unit runs.
- ``node-labels`` (object, label key -> value) and ``node-taints`` (array of
  ``key[=value]:Effect``): what the unit wants on its node. Kubelet applies labels and taints
  only when a node registers, so the control plane's leader keeps the node in line with these
  (kubectl label/taint); a key that disappears is removed from the node.

Every value is JSON; every top-level field may be absent (read as None), so an empty databag is
valid and means "nothing published yet".
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Final, cast

import ops
import pydantic

from metal_interfaces import appsecrets

if TYPE_CHECKING:
    from ops.hookcmds import GoalState
from metal_interfaces._base import (
    Databag,
    DatabagError,
    Endpoint,
    SecretId,
    dump,
    kebab,
    load_by_content,
    owned_secret_id,
    same_secret,
    was_ready,
)

__all__ = [
    'CONTENT_KEY',
    'VERSION',
    'ApiEndpoint',
    'ClusterChangedEvent',
    'ClusterGoneEvent',
    'ClusterReadyEvent',
    'KubeClusterEvent',
    'NodeState',
    'Provider',
    'ProviderAppData',
    'ProviderEvents',
    'Requirer',
    'RequirerEvents',
    'RequirerUnitData',
    'TokenAvailableEvent',
    'Worker',
    'WorkerChangedEvent',
    'WorkerDepartedEvent',
    'kubelet_may_set',
]

VERSION = 0
"""Interface version; a removed field or a changed meaning would make it 1."""

CONTENT_KEY = 'token'
"""The key of a join-token secret's content that holds the bootstrap token."""

logger = logging.getLogger(__name__)


def _cidrs(value: str) -> str:
    """One CIDR, or a comma-separated dual-stack pair, as kube-apiserver takes them."""
    parts = value.split(',')
    if len(parts) > 2:
        raise ValueError('at most two comma-separated CIDRs (dual stack)')
    for part in parts:
        ipaddress.ip_network(part.strip(), strict=True)
    return value


def _ip(value: str) -> str:
    ipaddress.ip_address(value)
    return value


_KUBELET_LABELS: Final = frozenset(
    {
        'kubernetes.io/hostname',
        'kubernetes.io/arch',
        'kubernetes.io/os',
        'beta.kubernetes.io/arch',
        'beta.kubernetes.io/os',
        'beta.kubernetes.io/instance-type',
        'node.kubernetes.io/instance-type',
        'topology.kubernetes.io/region',
        'topology.kubernetes.io/zone',
        'failure-domain.beta.kubernetes.io/region',
        'failure-domain.beta.kubernetes.io/zone',
        # k8s-snap patches its kubelet to accept these (build-scripts/components/kubernetes/
        # patches/*/0002-Allow-node-role-labels-on-kubelet-registration.patch @ release-1.32)
        'node-role.kubernetes.io/control-plane',
        'node-role.kubernetes.io/worker',
    }
)
"""Reserved-namespace labels kubelet may give its own node: kubernetes' ``kubeletLabels``
(``staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go``) and k8s-snap's node-role ones."""


def kubelet_may_set(key: str) -> bool:
    """Whether kubelet may give its own node the label ``key`` at registration.

    Kubelet refuses to start with a ``--node-labels`` key in the ``kubernetes.io`` or ``k8s.io``
    namespaces (or their subdomains) unless it is a well-known one or under
    ``kubelet.kubernetes.io`` / ``node.kubernetes.io`` (kubernetes
    ``cmd/kubelet/app/options/options.go`` ValidateKubeletFlags, ``IsKubeletLabel``; the
    NodeRestriction admission plugin enforces the same). Both sides of this interface need it:
    a node registers with only such labels, and the control plane applies the others
    (``node-labels`` above) with kubectl once the node exists.
    """
    namespace = key.rpartition('/')[0]
    if not namespace or key in _KUBELET_LABELS:
        return True

    def within(domain: str) -> bool:
        return namespace == domain or namespace.endswith(f'.{domain}')

    if within('kubelet.kubernetes.io') or within('node.kubernetes.io'):
        return True
    return not (within('kubernetes.io') or within('k8s.io'))


_NonEmpty = Annotated[str, pydantic.Field(min_length=1)]
# Kubernetes' label and taint syntax: an optional DNS-subdomain prefix, a name of at most 63
# characters; a value of at most 63; a taint is key[=value]:Effect.
_LABEL_NAME = r'([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)'
_LABEL_KEY = rf'^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$'
_LabelKey = Annotated[str, pydantic.Field(pattern=_LABEL_KEY)]
_LabelValue = Annotated[str, pydantic.Field(pattern=rf'^{_LABEL_NAME}?$')]
_Taint = Annotated[
    str,
    pydantic.Field(
        pattern=rf'{_LABEL_KEY[:-1]}(={_LABEL_NAME})?:(NoSchedule|PreferNoSchedule|NoExecute)$'
    ),
]
_Cidrs = Annotated[str, pydantic.AfterValidator(_cidrs)]
_Ip = Annotated[str, pydantic.AfterValidator(_ip)]


class NodeState(enum.StrEnum):
    """Where a worker unit is in joining the cluster.

    Unknown values read as :attr:`UNKNOWN` instead of failing: a later version may add states,
    and an older control plane must still read the rest of the worker's data.
    """

    PENDING = 'pending'
    JOINED = 'joined'
    TOKEN_FAILED = 'token-failed'  # noqa: S105 - a state name, not a token
    UNKNOWN = 'unknown'

    @classmethod
    def _missing_(cls, value: object) -> NodeState | None:
        return cls.UNKNOWN if isinstance(value, str) else None


class ApiEndpoint(pydantic.BaseModel):
    """One API server URL; an object so that later versions can add fields per endpoint."""

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore')

    url: Annotated[str, pydantic.Field(pattern=r'^https://\S+$')]


class ProviderAppData(Databag):
    """What the control plane's leader publishes: the cluster, and a token per worker unit."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    api_endpoints: list[ApiEndpoint] | None = None
    cluster_name: _NonEmpty | None = None
    ca_certificate: _NonEmpty | None = None
    pod_cidr: _Cidrs | None = None
    service_cidr: _Cidrs | None = None
    dns_ip: _Ip | None = None
    dns_domain: _NonEmpty | None = None
    kubernetes_version: _NonEmpty | None = None
    join_tokens: dict[str, SecretId] | None = None

    @property
    def urls(self) -> list[str]:
        """The API server URLs in order of preference (load balancer first)."""
        return [e.url for e in self.api_endpoints or []]

    @property
    def is_ready(self) -> bool:
        """Whether a worker can reach and trust the cluster: URLs, a name, and the CA."""
        return bool(self.urls) and self.cluster_name is not None and bool(self.ca_certificate)

    def cluster_only(self) -> ProviderAppData:
        """This data without the join tokens: what every worker unit shares."""
        return self.model_copy(update={'join_tokens': None})


class RequirerUnitData(Databag):
    """What one worker unit reports about itself."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    node_name: _NonEmpty | None = None
    state: NodeState | None = None
    version: _NonEmpty | None = None
    node_labels: dict[_LabelKey, _LabelValue] | None = None
    node_taints: list[_Taint] | None = None


@dataclasses.dataclass(frozen=True)
class Worker:
    """One worker unit as the control plane sees it.

    Attributes:
        relation: the relation the unit is on.
        unit: the worker unit.
        data: what it reported (all None until it has written).
        token_secret: the id of its join-token secret, or None if none was issued (always
            None on a non-leader, which cannot read its application's databag).
    """

    relation: ops.Relation
    unit: ops.Unit
    data: RequirerUnitData
    token_secret: str | None


class KubeClusterEvent(ops.RelationEvent):
    """Something changed on one kube-cluster relation; ``relation`` says which."""


class WorkerChangedEvent(KubeClusterEvent):
    """Provider side: a worker unit joined or changed its data.

    The leader re-reads :meth:`Provider.units_needing_tokens` and issues tokens. It also fires
    for a newly joined worker with nothing written yet.
    """


class WorkerDepartedEvent(KubeClusterEvent):
    """Provider side: a worker unit left (its token is already revoked by the leader)."""


class ClusterReadyEvent(KubeClusterEvent):
    """Requirer side: the cluster became reachable, as seen by this unit for the first time."""


class ClusterChangedEvent(KubeClusterEvent):
    """Requirer side: the cluster's shared data changed (other units' tokens do not count)."""


class TokenAvailableEvent(KubeClusterEvent):
    """Requirer side: this unit has a new join token (new secret or new revision)."""


class ClusterGoneEvent(KubeClusterEvent):
    """Requirer side: the relation is going away; the node should leave the cluster."""


class ProviderEvents(ops.ObjectEvents):
    """Events the provider emits."""

    worker_changed = ops.EventSource(WorkerChangedEvent)
    worker_departed = ops.EventSource(WorkerDepartedEvent)


class RequirerEvents(ops.ObjectEvents):
    """Events the requirer emits."""

    cluster_ready = ops.EventSource(ClusterReadyEvent)
    cluster_changed = ops.EventSource(ClusterChangedEvent)
    token_available = ops.EventSource(TokenAvailableEvent)
    cluster_gone = ops.EventSource(ClusterGoneEvent)


class Provider(Endpoint):
    """The control plane's side: publish the cluster, issue and revoke per-unit join tokens.

    Each worker unit's token is its own application secret (label from :meth:`token_label`),
    granted to that unit only, so one worker can never join as another and revoking one never
    touches the rest. The leader removes a unit's secret and map entry when the unit departs,
    and any entry of a unit no longer related whenever it issues a token (which also tidies up
    after a departure that happened while there was no leader).

    Args:
        charm: the kubernetes-control-plane charm.
        endpoint: the endpoint name in its metadata.
    """

    on = ProviderEvents()
    _stored = ops.StoredState()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'kube-cluster') -> None:
        super().__init__(charm, endpoint)
        self._goal: object = _UNASKED
        self._hook_unit: tuple[str, str] | None = None
        self._stored.set_default(malformed=[], expected={})
        events = charm.on[endpoint]
        self.framework.observe(events.relation_joined, self._on_unit_event)
        self.framework.observe(events.relation_changed, self._on_unit_event)
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_departed, self._on_departed)
        self.framework.observe(events.relation_broken, self._on_broken)

    def token_label(self, relation: ops.Relation, unit_name: str) -> str:
        """The label of one worker unit's join-token secret."""
        return f'{self.endpoint}-{relation.id}-join-token-{unit_name.replace("/", "-")}'

    def publish_cluster(
        self,
        *,
        api_endpoints: Sequence[str],
        cluster_name: str,
        ca_certificate: str,
        pod_cidr: str,
        service_cidr: str,
        dns_ip: str,
        dns_domain: str = 'cluster.local',
        kubernetes_version: str,
        relation: ops.Relation | None = None,
    ) -> bool:
        """Publish the cluster on ``relation`` or on every relation (leader only).

        The join tokens already issued are kept as they are.

        Args:
            api_endpoints: API server URLs in order of preference, the load balancer first;
                duplicates after the first are dropped.
            cluster_name: the cluster's name.
            ca_certificate: the cluster CA (PEM).
            pod_cidr: the pod network (one CIDR, or an IPv4,IPv6 pair).
            service_cidr: the service network (same form).
            dns_ip: the cluster DNS service's address.
            dns_domain: the cluster DNS domain.
            kubernetes_version: the control plane's version.
            relation: the relation to publish on; by default every established one.

        Returns:
            Whether anything was written: False on a non-leader, or without a relation.

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        if not self.is_leader:
            logger.debug('not the leader: application data on %s left alone', self.endpoint)
            return False
        cluster = ProviderAppData(
            api_endpoints=[ApiEndpoint(url=u) for u in dict.fromkeys(api_endpoints)],
            cluster_name=cluster_name,
            ca_certificate=ca_certificate,
            pod_cidr=pod_cidr,
            service_cidr=service_cidr,
            dns_ip=dns_ip,
            dns_domain=dns_domain,
            kubernetes_version=kubernetes_version,
        )
        relations = [relation] if relation is not None else self.relations
        for each in relations:
            tokens = self._own(each).join_tokens
            self._write_app(each, cluster.model_copy(update={'join_tokens': tokens}))
        return bool(relations)

    def issue_token(self, relation: ops.Relation, unit: ops.Unit, token: str) -> str | None:
        """Give one worker unit a join token (leader only): :meth:`issue_tokens` for one.

        Returns:
            The secret id, or None on a non-leader (which writes nothing).
        """
        return self.issue_tokens(relation, {unit: token}).get(unit.name)

    def issue_tokens(
        self, relation: ops.Relation, tokens: Mapping[ops.Unit, str]
    ) -> dict[str, str]:
        """Give several worker units their join tokens in one write (leader only).

        Each token goes into its unit's own secret (created, or given a new revision when it
        changed), granted to that unit alone; the ids go into ``join-tokens`` in one write of
        the application databag, so the whole batch wakes every worker unit once (see the spec
        on delivery). Entries of units no longer on the relation are removed on the way.

        Returns:
            Unit name -> secret id of what was issued; empty on a non-leader (which writes
            nothing) or when ``tokens`` is empty.
        """
        if not self.is_leader:
            logger.debug('not the leader: no token issued on %s', self.endpoint)
            return {}
        if not tokens:
            return {}
        issued: dict[str, str] = {}
        for unit, token in tokens.items():
            secret = appsecrets.put(
                self.model,
                self.token_label(relation, unit.name),
                {CONTENT_KEY: token},
                f'kubernetes join token for {unit.name}',
            )
            secret.grant(relation, unit=unit)
            issued[unit.name] = owned_secret_id(secret)
        entries = self._prune(relation, dict(self._own(relation).join_tokens or {}))
        entries.update(issued)
        self._write_tokens(relation, entries)
        return issued

    def not_asked(self, relation: ops.Relation, unit: ops.Unit | None = None) -> list[str]:
        """Units expected on ``relation`` that have not asked for a token yet.

        A worker unit asks for a token by publishing its ``node-name``. The leader holds first
        tokens while this is not empty, so that one write of the token map serves every unit
        that is coming (see the spec on delivery). A unit already in the relation that has
        not asked is expected: its first relation hook publishes its node name (a unit whose
        hook fails before that holds the others until update-status, see the spec). When
        every unit in the relation has asked, goal-state says which units are still to enter
        it; those whose goal status is ``dying``, ``error`` or ``blocked`` are not waited for:
        they need an operator, not a token, and get theirs in a later batch once they ask.
        Nobody waits when goal-state cannot be had (an older Juju, a test harness without
        hook tools).

        What was found is kept (StoredState) until every unit in it has asked: a hook scoped
        to one worker (``unit``, the worker whose relation-joined or -changed it is) takes
        that unit off the list and reads nothing else, so the leader's hooks while N units
        join do not each read N databags and ask goal-state (which lists every unit of the
        related application). Without ``unit``, or once the list is empty, it is worked out
        afresh. A unit kept on the list that goes away without ever entering the relation
        holds the others until that happens (update-status does it).

        juju/juju ``apiserver/facades/agent/uniter/uniter.go`` (``goalStateRelations``,
        ``goalStateUnits``) lists, under each endpoint of the asking unit, every unit of each
        related application, whether or not it has entered the relation yet, with its
        workload status (``dying`` once its life is dying); Juju 3.6's hook-command reference
        (``goal-state``) documents the same statuses: allocating, active, waiting, blocked,
        error, dying.
        """
        key = str(relation.id)
        if unit is not None:
            remaining = set(self._stored.expected.get(key, []))
            if unit.name in remaining:
                data = self._read(RequirerUnitData, relation, unit)
                if data is not None and data.node_name:
                    remaining.discard(unit.name)
                    self._keep_expected(key, remaining)
            if remaining:
                return sorted(remaining, key=_unit_number)
        asked: set[str] = set()
        silent: set[str] = set()
        for each in relation.units:
            data = self._read(RequirerUnitData, relation, each)
            if data is not None and data.node_name:
                asked.add(each.name)
            else:
                silent.add(each.name)
        if silent:
            # Units in the relation that have not asked yet are expected (they publish their
            # node name in their first relation hook): no need to ask goal-state.
            self._keep_expected(key, silent)
            return sorted(silent, key=_unit_number)
        goal = self._goal_state()
        if goal is None:
            self._keep_expected(key, set())
            return []
        prefix = f'{relation.app.name}/'
        coming = {
            name
            for name, each in goal.relations.get(self.endpoint, {}).items()
            if name.startswith(prefix) and each.status not in _NOT_COMING
        }
        self._keep_expected(key, coming - asked)
        return sorted(coming - asked, key=_unit_number)

    def _keep_expected(self, key: str, names: set[str]) -> None:
        expected = dict(self._stored.expected)
        if names:
            expected[key] = sorted(names)
        else:
            expected.pop(key, None)
        self._stored.expected = expected

    def _goal_state(self) -> GoalState | None:
        """Juju's ``goal-state`` for this unit, asked once per hook; None if unavailable.

        Through ``ops.hookcmds`` (ops 3.4 and later; the charms allow older ops, which have
        no goal-state call: then nobody is waited for).
        """
        if self._goal is _UNASKED:
            self._goal = None
            try:
                from ops import hookcmds  # absent before ops 3.4
            except ImportError:
                logger.debug('%s: no ops.hookcmds: tokens not held', self.endpoint)
                return None
            try:
                self._goal = hookcmds.goal_state()
            except (hookcmds.Error, OSError, ValueError, KeyError, TypeError) as e:
                logger.debug('%s: goal-state unavailable (%s): tokens not held', self.endpoint, e)
        return cast('GoalState | None', self._goal)

    def retire_token(self, relation: ops.Relation, unit_name: str) -> bool:
        """Remove a joined unit's spent token secret, keeping its map entry (leader only).

        No application-databag write, so no ``relation-changed`` on every worker (see the
        spec on ``join-tokens``).

        Returns:
            Whether a secret was removed.
        """
        if not self.is_leader:
            return False
        return self._remove_secret(relation, unit_name, revoke=True)

    def revoke_token(self, relation: ops.Relation, unit_name: str) -> bool:
        """Revoke and remove one unit's join token and its map entry (leader only).

        Returns:
            Whether the unit had a token that was removed.
        """
        if not self.is_leader:
            return False
        tokens = dict(self._own(relation).join_tokens or {})
        removed = self._remove_secret(relation, unit_name, revoke=True)
        if tokens.pop(unit_name, None) is not None:
            removed = True
            self._write_tokens(relation, tokens)
        return removed

    def workers(self) -> list[Worker]:
        """Every worker unit on every established relation, by relation id then unit name.

        A unit whose data is malformed is left out and reported as Blocked.
        """
        out: list[Worker] = []
        for relation in sorted(self.relations, key=lambda r: r.id):
            tokens = self._own(relation).join_tokens or {}
            for unit in sorted(relation.units, key=lambda u: u.name):
                data = self._read(RequirerUnitData, relation, unit)
                if data is not None:
                    out.append(Worker(relation, unit, data, tokens.get(unit.name)))
        return out

    def worker(self, relation: ops.Relation, unit: ops.Unit) -> Worker | None:
        """One worker unit as :meth:`workers` has it, reading its databag alone.

        None if its data is malformed or it is not on the relation.
        """
        if unit not in relation.units:
            return None
        data = self._read(RequirerUnitData, relation, unit)
        if data is None:
            return None
        tokens = self._own(relation).join_tokens or {}
        return Worker(relation, unit, data, tokens.get(unit.name))

    def units_needing_tokens(self) -> list[tuple[ops.Relation, ops.Unit]]:
        """Worker units the leader should issue a token to, by relation id then unit name.

        A unit needs one when it has none yet, or when it reports ``token-failed`` (its token
        expired or was rejected). A unit with malformed data still gets its first token: the
        token does not depend on what the unit wrote. Only the leader can tell (it alone can
        read the token map), so a non-leader gets an empty list.
        """
        out: list[tuple[ops.Relation, ops.Unit]] = []
        if not self.is_leader:
            return out
        for relation in sorted(self.relations, key=lambda r: r.id):
            tokens = self._own(relation).join_tokens or {}
            for unit in sorted(relation.units, key=lambda u: u.name):
                data = self._read(RequirerUnitData, relation, unit)
                failed = data is not None and data.state == NodeState.TOKEN_FAILED
                if unit.name not in tokens or failed:
                    out.append((relation, unit))
        return out

    def _own(self, relation: ops.Relation) -> ProviderAppData:
        """This application's published data on a relation; empty on a non-leader.

        Juju lets only the leader read its own application databag.
        """
        if not self.is_leader:
            return ProviderAppData()
        try:
            # By content: the token map has an entry per worker, and a leader reads it
            # several times in a hook (and, under olm, in hook after hook).
            items = tuple(relation.data[self.model.app].items())
            return load_by_content(ProviderAppData, items)
        except ops.ModelError as e:  # e.g. a relation Juju no longer lets us read
            logger.warning('%s: own application data unreadable: %s', self.endpoint, e)
            return ProviderAppData()
        except DatabagError as e:
            logger.warning('%s: own application data unreadable, rewritten: %s', self.endpoint, e)
            return ProviderAppData()

    def _write_tokens(self, relation: ops.Relation, tokens: dict[str, str]) -> None:
        data = self._own(relation).model_copy(update={'join_tokens': tokens or None})
        self._write_app(relation, data)

    def _prune(self, relation: ops.Relation, tokens: dict[str, str]) -> dict[str, str]:
        """``tokens`` without units that left the relation, whose secrets are removed."""
        present = {u.name for u in relation.units}
        for name in [n for n in tokens if n not in present]:
            self._remove_secret(relation, name, revoke=False)
            del tokens[name]
        return tokens

    def _remove_secret(self, relation: ops.Relation, unit_name: str, *, revoke: bool) -> bool:
        try:
            secret = self.model.get_secret(label=self.token_label(relation, unit_name))
        except ops.SecretNotFoundError:
            return False
        if revoke and relation.active:
            unit = self.model.get_unit(unit_name)
            try:
                secret.revoke(relation, unit=unit)
            except ops.ModelError as e:  # the grant may be gone with the unit already
                logger.debug('%s: revoking %s: %s', self.endpoint, unit_name, e)
        secret.remove_all_revisions()
        return True

    def _scan(self) -> None:
        """Find malformed worker data for the status: the hook's own worker, or every one.

        A worker's relation-joined or -changed can only have changed that worker's data, and
        those hooks are most of a big cluster's (every worker's writes run them on every
        control-plane unit): they read that unit and the units last found malformed (to clear
        a fixed one), so the hook's work does not grow with the workers. Every other hook
        reads every worker's data. The malformed ones are kept in StoredState between hooks.
        """
        if self._hook_unit is None:
            for relation in self.relations:
                for unit in relation.units:
                    self._read(RequirerUnitData, relation, unit)
        else:
            again = {self._hook_unit, *(tuple(k.split(' ', 1)) for k in self._stored.malformed)}
            by_id = {r.id: r for r in self.relations}
            for relation_id, unit_name in sorted(again):
                relation = by_id.get(int(relation_id))
                unit = (
                    next((u for u in relation.units if u.name == unit_name), None)
                    if relation
                    else None
                )
                if relation is None or unit is None:
                    self._problems.pop((int(relation_id), unit_name), None)
                    continue
                self._read(RequirerUnitData, relation, unit)
        self._stored.malformed = sorted(f'{rid} {name}' for rid, name in self._problems)

    def _on_unit_event(self, event: ops.RelationEvent) -> None:
        if event.unit is not None:
            self._hook_unit = (str(event.relation.id), event.unit.name)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        if event.unit is None:
            return  # the worker application's databag carries nothing in v0
        if self._read(RequirerUnitData, event.relation, event.unit) is None:
            return  # reported as Blocked at collect-status
        self.on.worker_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_departed(self, event: ops.RelationDepartedEvent) -> None:
        departed = event.unit
        self._problems.pop((event.relation.id, departed.name), None)
        key = str(event.relation.id)
        self._keep_expected(key, set(self._stored.expected.get(key, [])) - {departed.name})
        if event.departing_unit == self.model.unit:
            return  # this unit is leaving: the worker stays, and so does its token
        if self.is_leader:
            self.revoke_token(event.relation, departed.name)
        self.on.worker_departed.emit(event.relation, app=event.app, unit=departed)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        self._keep_expected(str(event.relation.id), set())
        if not self.is_leader:
            return
        for name in self._own(event.relation).join_tokens or {}:
            self._remove_secret(event.relation, name, revoke=False)


class Requirer(Endpoint):
    """The worker's side: read the cluster and this unit's join token, report the node.

    The custom events compare what this unit last saw (kept in a StoredState: the cluster data
    without tokens, and this unit's token secret id, never a token) with the provider's data,
    so ``cluster_ready`` fires once per relation when the cluster becomes reachable,
    ``cluster_changed`` for every later change that concerns every worker, and
    ``token_available`` when this unit's token secret appears or gets a new revision.

    Args:
        charm: the kubernetes-worker charm.
        endpoint: the endpoint name in its metadata.
    """

    on = RequirerEvents()
    _stored = ops.StoredState()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'kube-cluster') -> None:
        super().__init__(charm, endpoint)
        self._stored.set_default(seen={}, tokens={})
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_broken, self._on_broken)
        self.framework.observe(charm.on.secret_changed, self._on_secret_changed)

    def cluster(self, relation: ops.Relation | None = None) -> ProviderAppData | None:
        """The control plane's data on ``relation`` (default: the first relation).

        Returns:
            The typed data, which may be empty or not ready yet (see
            :attr:`ProviderAppData.is_ready`); None without a relation or if it is malformed.
        """
        relation = relation or self._first()
        if relation is None:
            return None
        return self._read(ProviderAppData, relation, relation.app)

    def token_secret(self, relation: ops.Relation | None = None) -> str | None:
        """The id of this unit's join-token secret, or None if none was issued yet."""
        data = self.cluster(relation)
        if data is None or data.join_tokens is None:
            return None
        return data.join_tokens.get(self.model.unit.name)

    def token_gone(self, relation: ops.Relation | None = None) -> bool:
        """Whether this unit's entry names a secret that no longer exists.

        The provider removes a token's secret once the unit has joined (a token is single
        use); a unit that must join again reports ``token-failed`` to get a new one. A secret
        that exists but is not readable yet is not gone.
        """
        secret_id = self.token_secret(relation)
        if secret_id is None:
            return False
        try:
            self.model.get_secret(id=secret_id)
        except ops.SecretNotFoundError:
            return True
        except ops.ModelError:
            return False
        return False

    def join_token(self, relation: ops.Relation | None = None) -> str | None:
        """This unit's join token, from its secret at the latest revision.

        Returns:
            The token, or None if none was issued yet, or the secret is missing, not granted
            to this unit, or has no ``token`` key (the last three are logged).
        """
        secret_id = self.token_secret(relation)
        if secret_id is None:
            return None
        try:
            secret = self.model.get_secret(id=secret_id)
            token = secret.get_content(refresh=True).get(CONTENT_KEY)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            logger.warning('%s: join token secret %s unreadable: %s', self.endpoint, secret_id, e)
            return None
        if token is None:
            logger.warning('%s: join token secret has no %r', self.endpoint, CONTENT_KEY)
        return token

    def set_node_state(
        self,
        node_name: str,
        state: NodeState | str,
        version: str | None = None,
        relation: ops.Relation | None = None,
        *,
        labels: dict[str, str] | None = None,
        taints: list[str] | None = None,
    ) -> None:
        """Report this node on ``relation`` or on every relation (any unit may).

        Args:
            node_name: the node name the unit registers as.
            state: where joining stands.
            version: the kubelet version.
            relation: the relation to write on; by default every one.
            labels: the node labels this unit wants (the control plane applies them).
            taints: the node taints this unit wants, as ``key[=value]:Effect``.

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        data = RequirerUnitData(
            node_name=node_name,
            state=NodeState(state),
            version=version,
            node_labels=labels,
            node_taints=taints,
        )
        for each in [relation] if relation is not None else self.relations:
            self._write_unit(each, data)

    def _first(self) -> ops.Relation | None:
        relations = sorted(self.relations, key=lambda r: r.id)
        return relations[0] if relations else None

    def _scan(self) -> None:
        for relation in self.relations:
            self._read(ProviderAppData, relation, relation.app)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        data = self._read(ProviderAppData, event.relation, event.relation.app)
        if data is None:
            return  # reported as Blocked at collect-status
        key = str(event.relation.id)
        now = json.dumps(dump(data.cluster_only()), sort_keys=True)
        # Never seen counts as empty: a relation nobody has written to yet is no news.
        before: str = self._stored.seen.get(key, _EMPTY)
        if now != before:
            self._stored.seen[key] = now
            if data.is_ready and not was_ready(ProviderAppData, before):
                self.on.cluster_ready.emit(event.relation, app=event.app, unit=event.unit)
            else:
                self.on.cluster_changed.emit(event.relation, app=event.app, unit=event.unit)
        token = (data.join_tokens or {}).get(self.model.unit.name)
        if token != self._stored.tokens.get(key):
            if token is None:
                self._stored.tokens.pop(key, None)
            else:
                self._stored.tokens[key] = token
                self.on.token_available.emit(event.relation, app=event.app, unit=event.unit)

    def _on_secret_changed(self, event: ops.SecretChangedEvent) -> None:
        changed = event.secret.id
        if changed is None:
            return
        for relation in self.relations:
            token = self.token_secret(relation)
            if token is not None and same_secret(token, changed):
                self.on.token_available.emit(relation, app=relation.app)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        self._stored.seen.pop(str(event.relation.id), None)
        self._stored.tokens.pop(str(event.relation.id), None)
        self._problems.pop((event.relation.id, event.relation.app.name), None)
        self.on.cluster_gone.emit(event.relation, app=event.app)


_EMPTY = json.dumps(dump(ProviderAppData()), sort_keys=True)
"""The stored form of an empty provider databag."""

_UNASKED = object()
"""goal-state not asked yet in this hook."""

_NOT_COMING: Final = frozenset({'dying', 'error', 'blocked'})
"""Goal statuses of units the leader does not wait for before issuing tokens."""


def _unit_number(name: str) -> tuple[str, int]:
    app, _, number = name.rpartition('/')
    return app, int(number) if number.isdigit() else -1
