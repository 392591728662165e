"""metal-loadbalancer v0: a TCP or HTTP(S) load balancer in front of a set of backend units.

Spec
====

Interface name: ``metal-loadbalancer`` (the endpoints are still called ``loadbalancer``). It is
not Charmed Kubernetes' public ``loadbalancer`` interface (charmed-kubernetes/
loadbalancer-interface, a requests/responses protocol that canonical/k8s-operator's charms
speak): a charm of that interface must not be integrated with this one, so the name differs.

Provider: ``load-balancer`` (it runs the frontend). Requirer: ``kubernetes-control-plane`` (its
units are the backends). Usually one relation per requirer endpoint.

Requirer application databag (written by the requirer's leader):

- ``frontend-port`` (int, 1-65535): the port the load balancer should listen on.
- ``backend-port`` (int, 1-65535): the port every backend unit serves on.
- ``health-check`` (object): how the load balancer probes a backend:
  ``protocol`` (``"tcp"`` | ``"http"`` | ``"https"``, default ``"tcp"``), ``path`` (str, for
  http/https; null means ``/``), ``interval`` (int seconds >= 1, default 10), ``statuses``
  (array of int HTTP status codes 100-599, for http/https: the answers that count as alive;
  null means ``[200]``). A backend that demands authentication answers an anonymous check
  with 401: it asks for ``[200, 401]`` (the Kubernetes API server of k8s-snap, which runs
  with ``--anonymous-auth=false``).

Requirer unit databag (written by every requirer unit):

- ``backend-address`` (str): the address the load balancer sends this unit's traffic to.

Provider application databag (written by the provider's leader):

- ``frontends`` (array of ``{"address": str}``, sorted by address): where clients connect: the
  virtual IP when there is one, else every load-balancer unit's address.
- ``port`` (int, 1-65535): the port the frontend listens on.
- ``ready`` (bool): the frontend is configured and forwards to the backends.

Provider unit databag: nothing. Secrets: none; this interface carries no credentials.

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

from metal_interfaces._base import Databag, Endpoint, dump, kebab, was_ready

__all__ = [
    'VERSION',
    'BackendRequest',
    'BackendsChangedEvent',
    'Frontend',
    'FrontendChangedEvent',
    'FrontendGoneEvent',
    'FrontendReadyEvent',
    'HealthCheck',
    'LoadBalancerEvent',
    'Provider',
    'ProviderAppData',
    'ProviderEvents',
    'Requirer',
    'RequirerAppData',
    'RequirerEvents',
    'RequirerUnitData',
]

VERSION = 0
"""Interface version; a removed field or a changed meaning would make it 1."""

logger = logging.getLogger(__name__)

Port = Annotated[int, pydantic.Strict(), pydantic.Field(ge=1, le=65535)]
"""A TCP port; strict so that a string or a bool on the wire is an error, not a guess."""


class HealthCheck(pydantic.BaseModel):
    """How the load balancer decides that a backend is alive.

    Defaults make a plain TCP connect check every 10 seconds, which works for any backend.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore')

    protocol: Literal['tcp', 'http', 'https'] = 'tcp'
    path: str | None = None
    interval: Annotated[int, pydantic.Strict(), pydantic.Field(ge=1)] = 10
    statuses: (
        tuple[Annotated[int, pydantic.Strict(), pydantic.Field(ge=100, le=599)], ...] | None
    ) = None
    """The HTTP statuses that mean "alive" (None: 200 only); an empty list is refused."""

    @pydantic.field_validator('statuses')
    @classmethod
    def _some_status(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is not None and not value:
            raise ValueError('statuses must name at least one status, or be null')
        return value


class RequirerAppData(Databag):
    """What the requirer's leader asks for: the ports and the health check."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    frontend_port: Port | None = None
    backend_port: Port | None = None
    health_check: HealthCheck | None = None

    @property
    def complete(self) -> bool:
        """Whether there is enough to configure a frontend (both ports)."""
        return self.frontend_port is not None and self.backend_port is not None


class RequirerUnitData(Databag):
    """What each requirer unit publishes: where to reach it."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    backend_address: Annotated[str, pydantic.Field(min_length=1)] | None = None


class Frontend(pydantic.BaseModel):
    """One frontend address; an object so that later versions can add fields per address."""

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore')

    address: Annotated[str, pydantic.Field(min_length=1)]


class ProviderAppData(Databag):
    """What the provider's leader publishes: where the frontend is and whether it works."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    frontends: list[Frontend] | None = None
    port: Port | None = None
    ready: Annotated[bool, pydantic.Strict()] | None = None

    @property
    def addresses(self) -> list[str]:
        """The frontend addresses as plain strings, in wire order (sorted)."""
        return [f.address for f in self.frontends or []]

    @property
    def is_ready(self) -> bool:
        """Whether clients can use the frontend: ready, with a port and an address."""
        return bool(self.ready) and self.port is not None and bool(self.addresses)


@dataclasses.dataclass(frozen=True)
class BackendRequest:
    """One requirer's request as the provider sees it.

    Attributes:
        relation: the relation the request came on.
        app: the requirer's application data (all None until its leader has written).
        backends: the backend addresses of the requirer's units, sorted and deduplicated;
            units with malformed data are left out (and reported as Blocked).
    """

    relation: ops.Relation
    app: RequirerAppData
    backends: list[str]


class LoadBalancerEvent(ops.RelationEvent):
    """Something changed on one loadbalancer relation; ``relation`` says which."""


class BackendsChangedEvent(LoadBalancerEvent):
    """Provider side: a request or its backends changed; re-read :meth:`Provider.requests`."""


class FrontendReadyEvent(LoadBalancerEvent):
    """Requirer side: the frontend became ready, as seen by this unit for the first time."""


class FrontendChangedEvent(LoadBalancerEvent):
    """Requirer side: the provider's data changed in any other way (addresses, port, unready)."""


class FrontendGoneEvent(LoadBalancerEvent):
    """Requirer side: the relation is going away; stop using its frontend."""


class ProviderEvents(ops.ObjectEvents):
    """Events the provider emits."""

    backends_changed = ops.EventSource(BackendsChangedEvent)


class RequirerEvents(ops.ObjectEvents):
    """Events the requirer emits."""

    frontend_ready = ops.EventSource(FrontendReadyEvent)
    frontend_changed = ops.EventSource(FrontendChangedEvent)
    frontend_gone = ops.EventSource(FrontendGoneEvent)


class Provider(Endpoint):
    """The load balancer's side: read requests and backends, publish the frontend.

    Every provider unit should observe ``backends_changed`` (each one runs a frontend); only
    the leader's :meth:`publish` writes.

    Args:
        charm: the load-balancer charm.
        endpoint: the endpoint name in its metadata.
    """

    on = ProviderEvents()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'loadbalancer') -> None:
        super().__init__(charm, endpoint)
        self._departing: set[str] = set()
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_departed, self._on_departed)
        self.framework.observe(events.relation_broken, self._on_changed)

    def requests(self) -> list[BackendRequest]:
        """Every established relation's request, in relation id order.

        A relation whose application data is malformed is left out, and a unit whose data is
        malformed contributes no backend; both are reported as Blocked, never raised.
        """
        out: list[BackendRequest] = []
        for relation in sorted(self.relations, key=lambda r: r.id):
            app = self._read(RequirerAppData, relation, relation.app)
            if app is None:
                continue
            out.append(BackendRequest(relation, app, self._backends(relation)))
        return out

    def publish(
        self, relation: ops.Relation, addresses: Iterable[str], port: int, ready: bool
    ) -> bool:
        """Publish the frontend of one relation (leader only).

        Args:
            relation: the relation to answer.
            addresses: the VIP, or every load-balancer unit's address; written sorted and
                deduplicated so that an unchanged set never triggers relation-changed.
            port: the port the frontend listens on.
            ready: whether the frontend already forwards to the backends.

        Returns:
            Whether anything was written: False on a non-leader, which must not write.

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        frontends = [Frontend(address=a) for a in sorted(set(addresses))]
        data = ProviderAppData(frontends=frontends, port=port, ready=ready)
        return self._write_app(relation, data)

    def _backends(self, relation: ops.Relation) -> list[str]:
        found: set[str] = set()
        for unit in relation.units:
            if unit.name in self._departing:
                continue
            data = self._read(RequirerUnitData, relation, unit)
            if data is not None and data.backend_address is not None:
                found.add(data.backend_address)
        return sorted(found)

    def _scan(self) -> None:
        for relation in self.relations:
            self._read(RequirerAppData, relation, relation.app)
            for unit in relation.units:
                self._read(RequirerUnitData, relation, unit)

    def _on_changed(self, event: ops.RelationEvent) -> None:
        self.on.backends_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_departed(self, event: ops.RelationDepartedEvent) -> None:
        # Juju already leaves the departing unit out of the relation; tools that model the
        # relation from fixed data may not, so leave it out here as well.
        if event.departing_unit is not None:
            self._departing.add(event.departing_unit.name)
        self.on.backends_changed.emit(event.relation, app=event.app, unit=event.unit)


class Requirer(Endpoint):
    """The backends' side: ask for a frontend, publish each unit's address, read the answer.

    The custom events compare the provider's data with what this unit last saw (kept in a
    StoredState), so ``frontend_ready`` fires once per relation when the frontend becomes
    usable and ``frontend_changed`` fires for every later change.

    Args:
        charm: the charm whose units are the backends.
        endpoint: the endpoint name in its metadata.
    """

    on = RequirerEvents()
    _stored = ops.StoredState()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'loadbalancer') -> None:
        super().__init__(charm, endpoint)
        self._stored.set_default(seen={})
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_broken, self._on_broken)

    def request(
        self,
        frontend_port: int,
        backend_port: int,
        health_check: HealthCheck | None = None,
        relation: ops.Relation | None = None,
    ) -> bool:
        """Ask for a frontend (leader only), on ``relation`` or on every relation.

        Returns:
            Whether anything was written: False on a non-leader or without a relation.

        Raises:
            pydantic.ValidationError: if a port is out of range (a charm bug).
        """
        data = RequirerAppData(
            frontend_port=frontend_port, backend_port=backend_port, health_check=health_check
        )
        relations = [relation] if relation is not None else self.relations
        written = [self._write_app(r, data) for r in relations]
        return bool(written) and all(written)

    def set_backend(self, address: str, relation: ops.Relation | None = None) -> None:
        """Publish this unit's backend address (every unit), on ``relation`` or on every one."""
        data = RequirerUnitData(backend_address=address)
        for r in [relation] if relation is not None else self.relations:
            self._write_unit(r, data)

    def frontends(self, relation: ops.Relation | None = None) -> ProviderAppData | None:
        """The provider's data on ``relation`` (default: the first relation).

        Returns:
            The typed data, which may be empty or not yet ready (see
            :attr:`ProviderAppData.is_ready`); None without a relation or if it is malformed.
        """
        relation = relation or self._first()
        if relation is None:
            return None
        return self._read(ProviderAppData, relation, relation.app)

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
            self.on.frontend_ready.emit(event.relation, app=event.app, unit=event.unit)
        else:
            self.on.frontend_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        self._stored.seen.pop(str(event.relation.id), None)
        self.on.frontend_gone.emit(event.relation, app=event.app)
