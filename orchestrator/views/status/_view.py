"""Everything ``olm status`` shows, gathered in one read of the model."""

# pyright: strict

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence

from ...state import model
from ._format import natural_key


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelView:
    """Everything ``olm status`` shows, gathered by the engine in one read.

    Attributes:
        name: the model name, e.g. ``olm``.
        controller: the controller name.
        cloud: the cloud name (the pool).
        version: the Juju version olm models (:data:`orchestrator.juju.version.JUJU_VERSION`),
            shown where Juju shows its agent version (model, machine and unit agents).
        machines: the model's machines.
        applications: the deployed applications.
        remote_applications: the consumed offers (SAAS).
        units: every unit of every application.
        relations: every relation, peer relations included.
        charm_revisions: the charm revision of each application (Rev); an application missing
            here falls back to ``Application.revision``, then 0.
        simulated: whether the machines are simulated (said in the model's Notes).
        region: the cloud region.
        model_status: the model's status (``available``; its message is a Note).
        timestamp: the controller's time when the view was read (seconds since the epoch);
            None means now.
        relation_scopes: the scope of each relation by id, overriding the one the relation
            records; a ``container`` relation is shown as ``subordinate``.
        charm_endpoints: the endpoints of each application's charm, for its
            ``endpoint-bindings``; when missing, the endpoints seen in relations and bindings.
    """

    name: str
    controller: str
    cloud: str
    version: str
    machines: Sequence[model.Machine]
    applications: Sequence[model.Application]
    remote_applications: Sequence[model.RemoteApplication]
    units: Sequence[model.Unit]
    relations: Sequence[model.Relation]
    charm_revisions: Mapping[str, int]
    simulated: bool = True
    region: str = 'default'
    model_status: model.Status = dataclasses.field(
        default_factory=lambda: model.Status('available')
    )
    timestamp: float | None = None
    relation_scopes: Mapping[int, str] = dataclasses.field(default_factory=dict[int, str])
    charm_endpoints: Mapping[str, Sequence[str]] = dataclasses.field(
        default_factory=dict[str, Sequence[str]]
    )

    def units_of(self, application: str) -> list[model.Unit]:
        """An application's units, in natural order."""
        return sorted(
            (u for u in self.units if u.application == application),
            key=lambda u: natural_key(u.name),
        )

    def subordinates_of(self, principal: str) -> list[model.Unit]:
        """The subordinate units in a principal unit's container, in natural order."""
        return self._subordinates.get(principal, [])

    @functools.cached_property
    def _subordinates(self) -> dict[str, list[model.Unit]]:
        # Built once per view: status asks for every unit's subordinates.
        found: dict[str, list[model.Unit]] = {}
        for unit in sorted(self.units, key=lambda u: natural_key(u.name)):
            if unit.principal:
                found.setdefault(unit.principal, []).append(unit)
        return found

    def scope_of(self, relation: model.Relation) -> str:
        """A relation's scope: ``container`` or ``global``."""
        recorded = 'container' if relation.container_scoped else 'global'
        return self.relation_scopes.get(relation.id, recorded)

    def subordinate_to(self, app: model.Application) -> list[str]:
        """The applications a subordinate serves: those across its container relations.

        juju/juju ``apiserver/facades/client/client/status.go``
        ``processApplicationRelations``: for a subordinate application, every application at
        the other end of a container-scoped relation, sorted; none for a principal.
        """
        if not app.subordinate:
            return []
        found = {
            relation.other_application(app.name)
            for relation in self.relations
            if not relation.is_peer
            and self.scope_of(relation) == 'container'
            and any(e.application == app.name for e in relation.endpoints)
        }
        return sorted(found)

    def machine(self, machine_id: str) -> model.Machine | None:
        """A machine by id, if the view has it."""
        return next((m for m in self.machines if m.id == machine_id), None)

    def charm_revision(self, app: model.Application) -> int:
        """The charm revision shown for an application."""
        if app.name in self.charm_revisions:
            return self.charm_revisions[app.name]
        return app.revision if app.revision is not None else 0
