"""metal-ceph-client v0: a Ceph cluster hands pools and a cephx client key to a consumer.

Spec
====

Interface name: ``metal-ceph-client`` (endpoints are called ``ceph-client``). It is not the
public ``ceph-client`` interface of Charmed Ceph (openstack/charm-ceph-mon, canonical/
charm-microceph), whose consumers send broker requests (``broker_req``) and read
``auth``/``key``/``ceph-public-address``: this protocol is a different one, so it takes a name
of its own and Juju never relates it to a Charmhub consumer of that interface.

Provider: ``ceph-storage`` (it runs the cluster). Requirer: ``kubernetes-control-plane`` (it
configures the Ceph CSI drivers). Usually one relation per requirer endpoint.

Requirer application databag (written by the requirer's leader):

- ``client-name`` (str): the cephx client to create, e.g. ``kubernetes``.
- ``pools`` (array of objects, sorted by name): the pools wanted, each ``{"name": str,
  "application": "rbd" | "cephfs" (default "rbd"), "replicas": int >= 1 | null}``; null
  replicas means the cluster's default.

Requirer unit databag: nothing.

Provider application databag (written by the provider's leader):

- ``fsid`` (str): the cluster's fsid.
- ``mon-addresses`` (array of ``{"address": str}``, sorted): the monitors to connect to.
- ``pools`` (array of objects, same shape as the request, sorted by name): pools that exist.
- ``client-key-secret`` (str, **Juju secret id**): a secret with content ``{"key": <cephx key
  of client-name>}``, owned by the provider application and granted to the relation. The key
  itself never appears in a databag.
- ``ready`` (bool): the cluster serves the pools and the key is valid.

Provider unit databag: nothing.

Every value is JSON; every top-level field may be absent (read as None), so an empty databag is
valid and means "nothing published yet".
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from typing import Annotated, Literal

import ops
import pydantic

from metal_interfaces import appsecrets
from metal_interfaces._base import (
    Databag,
    Endpoint,
    SecretId,
    dump,
    kebab,
    same_secret,
    was_ready,
)

__all__ = [
    'CONTENT_KEY',
    'INTERFACE',
    'VERSION',
    'CephChangedEvent',
    'CephClientEvent',
    'CephGoneEvent',
    'CephReadyEvent',
    'CephRequest',
    'Monitor',
    'Pool',
    'PoolsRequestedEvent',
    'Provider',
    'ProviderAppData',
    'ProviderEvents',
    'Requirer',
    'RequirerAppData',
    'RequirerEvents',
]

VERSION = 0
"""Interface version; a removed field or a changed meaning would make it 1."""

INTERFACE = 'metal-ceph-client'
"""The interface name in charmcraft.yaml: ours, not Charmed Ceph's public ``ceph-client``."""

CONTENT_KEY = 'key'
"""The key of the client-key secret's content that holds the cephx key."""

logger = logging.getLogger(__name__)


class Pool(pydantic.BaseModel):
    """One pool, as requested or as created."""

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore')

    name: Annotated[str, pydantic.Field(min_length=1)]
    application: Literal['rbd', 'cephfs'] = 'rbd'
    replicas: Annotated[int, pydantic.Strict(), pydantic.Field(ge=1)] | None = None


class Monitor(pydantic.BaseModel):
    """One monitor address; an object so that later versions can add fields per monitor."""

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore')

    address: Annotated[str, pydantic.Field(min_length=1)]


class RequirerAppData(Databag):
    """What the requirer's leader asks for: a client and its pools."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    client_name: Annotated[str, pydantic.Field(min_length=1)] | None = None
    pools: list[Pool] | None = None


class ProviderAppData(Databag):
    """What the provider's leader publishes: how to reach the cluster and with which key."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    fsid: Annotated[str, pydantic.Field(min_length=1)] | None = None
    mon_addresses: list[Monitor] | None = None
    pools: list[Pool] | None = None
    client_key_secret: SecretId | None = None
    ready: Annotated[bool, pydantic.Strict()] | None = None

    @property
    def monitors(self) -> list[str]:
        """The monitor addresses as plain strings, in wire order (sorted)."""
        return [m.address for m in self.mon_addresses or []]

    @property
    def is_ready(self) -> bool:
        """Whether a client can connect: ready, with an fsid, monitors and a key secret."""
        return (
            bool(self.ready)
            and self.fsid is not None
            and bool(self.monitors)
            and self.client_key_secret is not None
        )


@dataclasses.dataclass(frozen=True)
class CephRequest:
    """One requirer's request as the provider sees it.

    Attributes:
        relation: the relation the request came on.
        app: the requirer's application data (all None until its leader has written).
    """

    relation: ops.Relation
    app: RequirerAppData


class CephClientEvent(ops.RelationEvent):
    """Something changed on one ceph-client relation; ``relation`` says which."""


class PoolsRequestedEvent(CephClientEvent):
    """Provider side: a requirer's request changed; re-read :meth:`Provider.requests`."""


class CephReadyEvent(CephClientEvent):
    """Requirer side: the cluster became usable, as seen by this unit for the first time."""


class CephChangedEvent(CephClientEvent):
    """Requirer side: the provider's data or the client key changed in any other way."""


class CephGoneEvent(CephClientEvent):
    """Requirer side: the relation is going away; stop using the cluster."""


class ProviderEvents(ops.ObjectEvents):
    """Events the provider emits."""

    pools_requested = ops.EventSource(PoolsRequestedEvent)


class RequirerEvents(ops.ObjectEvents):
    """Events the requirer emits."""

    ceph_ready = ops.EventSource(CephReadyEvent)
    ceph_changed = ops.EventSource(CephChangedEvent)
    ceph_gone = ops.EventSource(CephGoneEvent)


class Provider(Endpoint):
    """The cluster's side: read requests, publish the cluster and the client key.

    The key travels as a Juju secret owned by the application, one per relation (labelled
    ``<endpoint>-<relation id>-client-key``) so that revoking one consumer never touches
    another; the leader removes it when the relation is broken.

    Args:
        charm: the ceph-storage charm.
        endpoint: the endpoint name in its metadata.
    """

    on = ProviderEvents()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'ceph-client') -> None:
        super().__init__(charm, endpoint)
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_broken, self._on_broken)

    def requests(self) -> list[CephRequest]:
        """Every established relation's request, in relation id order.

        A relation whose application data is malformed is left out and reported as Blocked.
        """
        out: list[CephRequest] = []
        for relation in sorted(self.relations, key=lambda r: r.id):
            app = self._read(RequirerAppData, relation, relation.app)
            if app is not None:
                out.append(CephRequest(relation, app))
        return out

    def secret_label(self, relation: ops.Relation) -> str:
        """The label of the client-key secret of one relation."""
        return f'{self.endpoint}-{relation.id}-client-key'

    def publish(
        self,
        relation: ops.Relation,
        fsid: str,
        mon_addresses: Iterable[str],
        pools: Iterable[Pool],
        client_key: str | None,
        *,
        ready: bool | None = None,
    ) -> bool:
        """Publish the cluster to one relation (leader only).

        Args:
            relation: the relation to answer.
            fsid: the cluster fsid.
            mon_addresses: monitor addresses; written sorted and deduplicated.
            pools: the pools that exist for this requirer; written sorted by name.
            client_key: the cephx key of the requested client, or None if not created yet.
                It goes into the relation's secret (created, or updated only when it
                changed), which is granted to the relation; only the secret id is written.
            ready: whether the requirer may use the cluster; by default, whenever there are
                an fsid, monitors and a key.

        Returns:
            Whether anything was written: False on a non-leader, which must not write.

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        if not self.is_leader:
            logger.debug('not the leader: application data on %s left alone', self.endpoint)
            return False
        monitors = [Monitor(address=a) for a in sorted(set(mon_addresses))]
        secret_id = self._put_secret(relation, client_key) if client_key is not None else None
        data = ProviderAppData(
            fsid=fsid,
            mon_addresses=monitors,
            pools=sorted(pools, key=lambda p: p.name),
            client_key_secret=secret_id,
            ready=ready if ready is not None else bool(fsid and monitors and secret_id),
        )
        return self._write_app(relation, data)

    def _put_secret(self, relation: ops.Relation, client_key: str) -> str:
        """Create or update the relation's key secret, grant it, and answer its id."""
        secret = appsecrets.put(
            self.model,
            self.secret_label(relation),
            {CONTENT_KEY: client_key},
            f'cephx key for {relation.app.name}',
        )
        secret.grant(relation)
        secret_id = secret.id or secret.get_info().id
        assert secret_id is not None  # an owner always learns the id from secret-info-get
        return secret_id

    def _scan(self) -> None:
        for relation in self.relations:
            self._read(RequirerAppData, relation, relation.app)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        if self._read(RequirerAppData, event.relation, event.relation.app) is None:
            return  # reported as Blocked at collect-status
        self.on.pools_requested.emit(event.relation, app=event.app, unit=event.unit)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        if not self.is_leader:
            return
        try:
            secret = self.model.get_secret(label=self.secret_label(event.relation))
        except ops.SecretNotFoundError:
            return
        secret.remove_all_revisions()


class Requirer(Endpoint):
    """The consumer's side: ask for pools and a client, read the cluster and the key.

    The custom events compare the provider's data with what this unit last saw (kept in a
    StoredState), so ``ceph_ready`` fires once per relation when the cluster becomes usable
    and ``ceph_changed`` fires for every later change, including a new revision of the key.

    Args:
        charm: the consumer charm.
        endpoint: the endpoint name in its metadata.
    """

    on = RequirerEvents()
    _stored = ops.StoredState()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'ceph-client') -> None:
        super().__init__(charm, endpoint)
        self._stored.set_default(seen={})
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_broken, self._on_broken)
        self.framework.observe(charm.on.secret_changed, self._on_secret_changed)

    def request(
        self, client_name: str, pools: Iterable[Pool], relation: ops.Relation | None = None
    ) -> bool:
        """Ask for a client and pools (leader only), on ``relation`` or on every relation.

        Returns:
            Whether anything was written: False on a non-leader or without a relation.

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        data = RequirerAppData(client_name=client_name, pools=sorted(pools, key=lambda p: p.name))
        relations = [relation] if relation is not None else self.relations
        written = [self._write_app(r, data) for r in relations]
        return bool(written) and all(written)

    def cluster(self, relation: ops.Relation | None = None) -> ProviderAppData | None:
        """The provider's data on ``relation`` (default: the first relation).

        Returns:
            The typed data, which may be empty or not yet ready (see
            :attr:`ProviderAppData.is_ready`); None without a relation or if it is malformed.
        """
        relation = relation or self._first()
        if relation is None:
            return None
        return self._read(ProviderAppData, relation, relation.app)

    def client_key(self, relation: ops.Relation | None = None) -> str | None:
        """The cephx key from the provider's secret, tracking its latest revision.

        Returns:
            The key, or None if nothing is published yet, or the secret is missing, not
            granted to this unit, or has no ``key`` (the last three are logged).
        """
        relation = relation or self._first()
        data = self.cluster(relation)
        if relation is None or data is None or data.client_key_secret is None:
            return None
        try:
            secret = self.model.get_secret(id=data.client_key_secret)
            key = secret.get_content(refresh=True).get(CONTENT_KEY)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            logger.warning(
                '%s: client key secret %s unreadable: %s',
                self.endpoint,
                data.client_key_secret,
                e,
            )
            return None
        if key is None:
            logger.warning('%s: client key secret has no %r', self.endpoint, CONTENT_KEY)
        return key

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
        now = json.dumps(dump(data), sort_keys=True)
        before: str | None = self._stored.seen.get(key)
        if now == before:
            return
        self._stored.seen[key] = now
        if data.is_ready and not was_ready(ProviderAppData, before):
            self.on.ceph_ready.emit(event.relation, app=event.app, unit=event.unit)
        else:
            self.on.ceph_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_secret_changed(self, event: ops.SecretChangedEvent) -> None:
        changed = event.secret.id
        if changed is None:
            return
        for relation in self.relations:
            data = self._read(ProviderAppData, relation, relation.app)
            if data is None or data.client_key_secret is None:
                continue
            if same_secret(data.client_key_secret, changed):
                self.on.ceph_changed.emit(relation, app=relation.app)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        self._stored.seen.pop(str(event.relation.id), None)
        self.on.ceph_gone.emit(event.relation, app=event.app)
