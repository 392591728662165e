"""metal_region v0: a MAAS region controller tells rack controllers how to register.

Spec
====

Provider: ``metal-controller`` (it runs the MAAS region). Requirer: ``rack-agent`` (every unit
runs a rack controller that must register with the region). A region serves many rack
applications, so the provider may have several relations on its endpoint.

Provider application databag (written by the provider's leader):

- ``api-url`` (str, ``http://`` or ``https://``): the region API the racks register with: the
  virtual IP or the load balancer's address when there is one, else a region unit's address.
- ``region-addresses`` (array of ``{"address": str}``, sorted, no duplicates): every region
  controller's address, for racks that want to fail over between them.
- ``maas-version`` (str): the MAAS version the region runs; racks must run the same.
- ``shared-secret`` (str, **Juju secret id**): a secret owned by the provider application,
  granted to the relation, with content ``{"secret": <MAAS shared secret>}``. The shared secret
  itself never appears in a databag.

Provider unit databag: nothing.

Requirer application databag: nothing.

Requirer unit databag (written by every rack unit):

- ``hostname`` (str): the rack controller's hostname as MAAS will list it.
- ``address`` (str): the address the region reaches the rack on.
- ``registration`` (``"pending"`` | ``"registered"`` | ``"failed"``): how registering with the
  region went. A value this version does not know reads as ``"unknown"``
  (:attr:`RegistrationState.UNKNOWN`), so a newer rack never breaks an older region.

Every value is JSON; every top-level field may be absent (read as None), so an empty databag is
valid and means "nothing published yet".
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import enum
import json
import logging
from collections.abc import Iterable
from typing import Annotated

import ops
import pydantic

from metal_interfaces import appsecrets
from metal_interfaces._base import (
    Databag,
    Endpoint,
    SecretId,
    dump,
    kebab,
    owned_secret_id,
    same_secret,
    was_ready,
)

__all__ = [
    'CONTENT_KEY',
    'VERSION',
    'Address',
    'MetalRegionEvent',
    'Provider',
    'ProviderAppData',
    'ProviderEvents',
    'Rack',
    'RackChangedEvent',
    'RackDepartedEvent',
    'RegionChangedEvent',
    'RegionGoneEvent',
    'RegionReadyEvent',
    'RegistrationState',
    'Requirer',
    'RequirerEvents',
    'RequirerUnitData',
]

VERSION = 0
"""Interface version; a removed field or a changed meaning would make it 1."""

CONTENT_KEY = 'secret'
"""The key of the shared-secret secret's content that holds the MAAS shared secret."""

logger = logging.getLogger(__name__)

_NonEmpty = Annotated[str, pydantic.Field(min_length=1)]
_Url = Annotated[str, pydantic.Field(pattern=r'^https?://\S+$')]


class RegistrationState(enum.StrEnum):
    """How a rack's registration with the region went.

    Unknown values read as :attr:`UNKNOWN` instead of failing: a later version may add states,
    and an older region must still read the rest of the rack's data.
    """

    PENDING = 'pending'
    REGISTERED = 'registered'
    FAILED = 'failed'
    UNKNOWN = 'unknown'

    @classmethod
    def _missing_(cls, value: object) -> RegistrationState | None:
        return cls.UNKNOWN if isinstance(value, str) else None


class Address(pydantic.BaseModel):
    """One region address; an object so that later versions can add fields per address."""

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore')

    address: _NonEmpty


class ProviderAppData(Databag):
    """What the region's leader publishes: where to register, and with which secret."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    api_url: _Url | None = None
    region_addresses: list[Address] | None = None
    maas_version: _NonEmpty | None = None
    shared_secret: SecretId | None = None

    @property
    def addresses(self) -> list[str]:
        """The region addresses as plain strings, in wire order (sorted)."""
        return [a.address for a in self.region_addresses or []]

    @property
    def is_ready(self) -> bool:
        """Whether a rack can register: there is an API URL and a shared secret to use."""
        return self.api_url is not None and self.shared_secret is not None


class RequirerUnitData(Databag):
    """What one rack unit reports about itself."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    hostname: _NonEmpty | None = None
    address: _NonEmpty | None = None
    registration: RegistrationState | None = None


@dataclasses.dataclass(frozen=True)
class Rack:
    """One rack unit as the region sees it.

    Attributes:
        relation: the relation the unit is on.
        unit: the rack unit.
        data: what it reported (all None until it has written).
    """

    relation: ops.Relation
    unit: ops.Unit
    data: RequirerUnitData


class MetalRegionEvent(ops.RelationEvent):
    """Something changed on one metal-region relation; ``relation`` says which."""


class RackChangedEvent(MetalRegionEvent):
    """Provider side: a rack unit joined or changed its data; re-read :meth:`Provider.racks`.

    It also fires for a newly joined rack with nothing written yet, so the region's leader can
    publish to (and grant the secret on) a new relation from one handler.
    """


class RackDepartedEvent(MetalRegionEvent):
    """Provider side: a rack unit left; ``unit`` is the one that left."""


class RegionReadyEvent(MetalRegionEvent):
    """Requirer side: the region became usable, as seen by this unit for the first time."""


class RegionChangedEvent(MetalRegionEvent):
    """Requirer side: the region's data or the shared secret changed in any other way."""


class RegionGoneEvent(MetalRegionEvent):
    """Requirer side: the relation is going away; the rack should stop using the region."""


class ProviderEvents(ops.ObjectEvents):
    """Events the provider emits."""

    rack_changed = ops.EventSource(RackChangedEvent)
    rack_departed = ops.EventSource(RackDepartedEvent)


class RequirerEvents(ops.ObjectEvents):
    """Events the requirer emits."""

    region_ready = ops.EventSource(RegionReadyEvent)
    region_changed = ops.EventSource(RegionChangedEvent)
    region_gone = ops.EventSource(RegionGoneEvent)


class Provider(Endpoint):
    """The region's side: publish where and how to register, read the racks.

    One application-owned secret (label :attr:`secret_label`) holds the shared secret for
    every relation, because MAAS has exactly one shared secret per region; it is granted to each
    relation it is published on, and Juju drops a relation's grant with the relation.

    Args:
        charm: the metal-controller charm.
        endpoint: the endpoint name in its metadata.
    """

    on = ProviderEvents()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'metal-region') -> None:
        super().__init__(charm, endpoint)
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_departed, self._on_departed)

    @property
    def secret_label(self) -> str:
        """The label of the application secret that holds the MAAS shared secret."""
        return f'{self.endpoint}-shared-secret'

    def publish(
        self,
        api_url: str,
        region_addresses: Iterable[str],
        maas_version: str,
        secret_content: str,
        relation: ops.Relation | None = None,
    ) -> bool:
        """Publish the region on ``relation`` or on every relation (leader only).

        Args:
            api_url: the URL racks register with (VIP or load balancer first).
            region_addresses: every region controller's address; written sorted, deduplicated.
            maas_version: the MAAS version the region runs.
            secret_content: the MAAS shared secret. It goes into the application secret
                (created, or given a new revision only when it changed), which is granted to
                each relation published on; only the secret's id is written.
            relation: the relation to publish on; by default every established one.

        Returns:
            Whether anything was written: False on a non-leader, which must not write, or
            without a relation.

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        if not self.is_leader:
            logger.debug('not the leader: application data on %s left alone', self.endpoint)
            return False
        relations = [relation] if relation is not None else self.relations
        if not relations:
            return False
        data = ProviderAppData(
            api_url=api_url,
            region_addresses=[Address(address=a) for a in sorted(set(region_addresses))],
            maas_version=maas_version,
        )
        secret = self._put_secret(secret_content)
        data = data.model_copy(update={'shared_secret': owned_secret_id(secret)})
        for each in relations:
            secret.grant(each)
            self._write_app(each, data)
        return True

    def withdraw(self, relation: ops.Relation | None = None) -> bool:
        """Stop offering the region on ``relation`` or on every relation (leader only).

        Every field is deleted, so racks read "nothing published" and wait rather than keep
        registering with a region that no longer runs. The shared-secret secret is kept: it
        is still the region's secret when the region comes back.

        Returns:
            Whether anything was written (False on a non-leader or without a relation).
        """
        if not self.is_leader:
            logger.debug('not the leader: application data on %s left alone', self.endpoint)
            return False
        relations = [relation] if relation is not None else self.relations
        for each in relations:
            self._write_app(each, ProviderAppData())
        return bool(relations)

    def racks(self) -> list[Rack]:
        """Every rack unit on every established relation, by relation id then unit name.

        A unit whose data is malformed is left out and reported as Blocked.
        """
        out: list[Rack] = []
        for relation in sorted(self.relations, key=lambda r: r.id):
            for unit in sorted(relation.units, key=lambda u: u.name):
                data = self._read(RequirerUnitData, relation, unit)
                if data is not None:
                    out.append(Rack(relation, unit, data))
        return out

    def _put_secret(self, value: str) -> ops.Secret:
        """The application secret holding ``value``, created or updated as needed."""
        return appsecrets.put(
            self.model, self.secret_label, {CONTENT_KEY: value}, 'MAAS region shared secret'
        )

    def _scan(self) -> None:
        for relation in self.relations:
            for unit in relation.units:
                self._read(RequirerUnitData, relation, unit)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        if event.unit is None:
            return  # the rack application's databag carries nothing in v0
        if self._read(RequirerUnitData, event.relation, event.unit) is None:
            return  # reported as Blocked at collect-status
        self.on.rack_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_departed(self, event: ops.RelationDepartedEvent) -> None:
        self._problems.pop((event.relation.id, event.unit.name), None)
        if event.departing_unit == self.model.unit:
            return  # this region unit is leaving; the rack is not
        self.on.rack_departed.emit(event.relation, app=event.app, unit=event.unit)


class Requirer(Endpoint):
    """The rack's side: read the region and its shared secret, report registration.

    The custom events compare the region's data with what this unit last saw (kept in a
    StoredState, secret ids only), so ``region_ready`` fires once per relation when the region
    becomes usable and ``region_changed`` fires for every later change, including a new
    revision of the shared secret.

    Args:
        charm: the rack-agent charm.
        endpoint: the endpoint name in its metadata.
    """

    on = RequirerEvents()
    _stored = ops.StoredState()

    def __init__(self, charm: ops.CharmBase, endpoint: str = 'metal-region') -> None:
        super().__init__(charm, endpoint)
        self._stored.set_default(seen={})
        events = charm.on[endpoint]
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_broken, self._on_broken)
        self.framework.observe(charm.on.secret_changed, self._on_secret_changed)

    def region(self, relation: ops.Relation | None = None) -> ProviderAppData | None:
        """The region's data on ``relation`` (default: the first relation).

        Returns:
            The typed data, which may be empty or not ready yet (see
            :attr:`ProviderAppData.is_ready`); None without a relation or if it is malformed.
        """
        relation = relation or self._first()
        if relation is None:
            return None
        return self._read(ProviderAppData, relation, relation.app)

    def shared_secret(self, relation: ops.Relation | None = None) -> str | None:
        """The MAAS shared secret, from the region's secret at its latest revision.

        Returns:
            The secret value, or None if nothing is published yet, or the secret is missing,
            not granted to this unit, or has no ``secret`` key (the last three are logged).
        """
        data = self.region(relation)
        if data is None or data.shared_secret is None:
            return None
        try:
            secret = self.model.get_secret(id=data.shared_secret)
            value = secret.get_content(refresh=True).get(CONTENT_KEY)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            logger.warning('%s: shared secret unreadable: %s', self.endpoint, e)
            return None
        if value is None:
            logger.warning('%s: shared secret has no %r', self.endpoint, CONTENT_KEY)
        return value

    def set_registration(
        self,
        state: RegistrationState | str,
        hostname: str,
        address: str,
        relation: ops.Relation | None = None,
    ) -> None:
        """Report this rack unit on ``relation`` or on every relation (any unit may).

        Raises:
            pydantic.ValidationError: if the values do not fit the interface (a charm bug).
        """
        data = RequirerUnitData(
            hostname=hostname, address=address, registration=RegistrationState(state)
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
        now = json.dumps(dump(data), sort_keys=True)
        # Never seen counts as empty: a relation nobody has written to yet is no news.
        before: str = self._stored.seen.get(key, _EMPTY)
        if now == before:
            return
        self._stored.seen[key] = now
        if data.is_ready and not was_ready(ProviderAppData, before):
            self.on.region_ready.emit(event.relation, app=event.app, unit=event.unit)
        else:
            self.on.region_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_secret_changed(self, event: ops.SecretChangedEvent) -> None:
        changed = event.secret.id
        if changed is None:
            return
        for relation in self.relations:
            data = self._read(ProviderAppData, relation, relation.app)
            if data is None or data.shared_secret is None:
                continue
            if same_secret(data.shared_secret, changed):
                self.on.region_changed.emit(relation, app=relation.app)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        self._stored.seen.pop(str(event.relation.id), None)
        self._problems.pop((event.relation.id, event.relation.app.name), None)
        self.on.region_gone.emit(event.relation, app=event.app)


_EMPTY = json.dumps(dump(ProviderAppData()), sort_keys=True)
"""The stored form of an empty provider databag."""
