"""The whole model in memory, and what changed in it since the last commit."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from ._data import natural_key
from ._records import Action, Application, Machine, Relation, RemoteApplication, Secret, Unit

_K = TypeVar('_K')
_V = TypeVar('_V')


class Registry(dict[_K, _V]):
    """A dict that counts changes to its keys, so indexes over it know when to rebuild."""

    version: int = 0

    def __setitem__(self, key: _K, value: _V) -> None:
        if key not in self:
            self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: _K) -> None:
        super().__delitem__(key)
        self.version += 1

    def pop(self, key: _K, *default: Any) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        """Remove a key (counted as a change even when absent: cheap and safe)."""
        self.version += 1
        return super().pop(key, *default)


_KINDS = ('application', 'remote-application', 'unit', 'relation', 'secret', 'action')


@dataclasses.dataclass(kw_only=True)
class Model:
    """The whole model in memory, with a record of what changed since the last commit.

    The engine loads it once per command and mutates it hook by hook; :meth:`touch` marks a
    record for the next store transaction, which writes only what changed.
    """

    name: str = 'olm'
    uuid: str = ''
    machines: dict[str, Machine] = dataclasses.field(default_factory=dict[str, Machine])
    applications: dict[str, Application] = dataclasses.field(
        default_factory=dict[str, Application]
    )
    remote_applications: dict[str, RemoteApplication] = dataclasses.field(
        default_factory=dict[str, RemoteApplication]
    )
    units: Registry[str, Unit] = dataclasses.field(default_factory=Registry[str, Unit])
    relations: Registry[int, Relation] = dataclasses.field(default_factory=Registry[int, Relation])
    secrets: dict[str, Secret] = dataclasses.field(default_factory=dict[str, Secret])
    actions: dict[str, Action] = dataclasses.field(default_factory=dict[str, Action])
    dirty: set[tuple[str, str]] = dataclasses.field(default_factory=set[tuple[str, str]])
    _index_key: tuple[int, int, int, int] = dataclasses.field(
        default=(0, -1, 0, -1), repr=False, compare=False
    )
    _index: tuple[dict[str, list[Unit]], dict[str, list[Relation]], dict[str, list[Unit]]] = (
        dataclasses.field(default_factory=lambda: ({}, {}, {}), repr=False, compare=False)
    )

    def touch(self, kind: str, key: str | int) -> None:
        """Mark a record (by kind and key) as changed or deleted."""
        self.dirty.add((kind, str(key)))

    def units_of(self, application: str) -> list[Unit]:
        """An application's units, by number (do not mutate the list)."""
        return self._indexes()[0].get(application, [])

    def relations_of(self, application: str) -> list[Relation]:
        """The relations an application takes part in, by id (do not mutate the list)."""
        return self._indexes()[1].get(application, [])

    def relation_units(self, relation: Relation) -> list[Unit]:
        """Every unit of the applications at either end of a relation."""
        ends = dict.fromkeys(e.application for e in relation.endpoints)
        return [u for application in ends for u in self.units_of(application)]

    def subordinates_of(self, principal: str) -> list[Unit]:
        """The subordinate units living in a principal unit's container, by name.

        (Do not mutate the list.)
        """
        return self._indexes()[2].get(principal, [])

    def unit_relations(self, unit: Unit) -> list[Relation]:
        """The relations a unit's agent takes part in, by id.

        A principal takes part in every relation of its application. A subordinate unit
        takes part in its application's global relations and in the container-scoped ones
        whose other end is its own principal's application or another subordinate; a
        container-scoped relation to some other principal application belongs to the
        subordinate units living with that application's units (juju/juju
        ``apiserver/facades/agent/uniter/subordinaterelationwatcher.go``,
        ``shouldSendCheck``; ``state/relationunit.go`` ``RelationUnit.Valid``).
        """
        relations = self.relations_of(unit.application)
        if not unit.principal:
            return relations
        principal_app = unit.principal.rsplit('/', 1)[0]
        return [r for r in relations if self._joins(r, unit.application, principal_app)]

    def _joins(self, relation: Relation, application: str, principal_app: str) -> bool:
        if relation.is_peer or relation.endpoint_of(application).scope != 'container':
            return True
        other = relation.other_application(application)
        if other == principal_app:
            return True
        app = self.applications.get(other)
        return app is not None and app.subordinate

    def _indexes(
        self,
    ) -> tuple[dict[str, list[Unit]], dict[str, list[Relation]], dict[str, list[Unit]]]:
        # Settling asks these questions many times per hook; scanning every unit and relation
        # each time made a hook's cost grow with the model. The registries count key changes,
        # so the indexes are rebuilt only when a unit or relation comes or goes.
        key = (id(self.units), self.units.version, id(self.relations), self.relations.version)
        if key != self._index_key:
            units: dict[str, list[Unit]] = {}
            for unit in sorted(self.units.values(), key=lambda u: u.number):
                units.setdefault(unit.application, []).append(unit)
            relations: dict[str, list[Relation]] = {}
            for relation_id in sorted(self.relations):
                relation = self.relations[relation_id]
                for application in dict.fromkeys(e.application for e in relation.endpoints):
                    relations.setdefault(application, []).append(relation)
            # A unit's principal is set when it is made and never changes.
            subordinates: dict[str, list[Unit]] = {}
            for unit in self.units.values():
                if unit.principal:
                    subordinates.setdefault(unit.principal, []).append(unit)
            for found in subordinates.values():
                found.sort(key=lambda u: natural_key(u.name))
            self._index = (units, relations, subordinates)
            self._index_key = key
        return self._index

    def record(self, kind: str, key: str) -> Any:
        """The JSON data of one record, or None when it no longer exists."""
        table: Mapping[Any, Any] = {
            'application': self.applications,
            'remote-application': self.remote_applications,
            'unit': self.units,
            'relation': self.relations,
            'secret': self.secrets,
            'action': self.actions,
        }[kind]
        lookup: Any = int(key) if kind == 'relation' else key
        item = table.get(lookup)
        return None if item is None else item.to_data()

    @classmethod
    def from_records(
        cls,
        records: Mapping[str, Mapping[str, Any]],
        machines: list[Machine],
        name: str = 'olm',
        uuid: str = '',
    ) -> Model:
        """Rebuild the model from store records (kind → key → data)."""

        def of(kind: str) -> Mapping[str, Any]:
            return records.get(kind, {})

        return cls(
            name=name,
            uuid=uuid,
            machines={m.id: m for m in machines},
            applications={k: Application.from_data(v) for k, v in of('application').items()},
            remote_applications={
                k: RemoteApplication.from_data(v) for k, v in of('remote-application').items()
            },
            units=Registry({k: Unit.from_data(v) for k, v in of('unit').items()}),
            relations=Registry({int(k): Relation.from_data(v) for k, v in of('relation').items()}),
            secrets={k: Secret.from_data(v) for k, v in of('secret').items()},
            actions={k: Action.from_data(v) for k, v in of('action').items()},
        )

    KINDS = _KINDS
