"""A unit agent's local state: the hooks its uniter has run, and the one it is stuck on."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._data import record_fields


@dataclasses.dataclass(kw_only=True)
class HookFailure:
    """The hook a unit is stuck on: Juju keeps it pending until it succeeds or is resolved."""

    hook: str
    """Juju's hook name, e.g. ``db-relation-changed``."""
    event: dict[str, Any]
    """The event to run again (the engine's description of it)."""
    relation_id: int | None = None
    remote_unit: str | None = None
    attempts: int = 1
    retry_at: float = 0.0
    error: str = ''

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> HookFailure:
        """Inverse of :meth:`to_data`."""
        return cls(**data)


@dataclasses.dataclass(kw_only=True)
class RelationView:
    """One unit's knowledge of one relation: what its uniter has already run hooks for.

    ``members`` maps each remote unit the unit has seen join to the version of that unit's
    databag it last saw; ``app_version`` is the version of the remote application databag it
    last saw. The engine compares them with the relation to decide the next relation hook.
    """

    created: bool = False
    members: dict[str, int] = dataclasses.field(default_factory=dict[str, int])
    app_version: int = 0
    changed_pending: str | None = None
    broken: bool = False

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return record_fields(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RelationView:
        """Inverse of :meth:`to_data`."""
        return cls(**data)


@dataclasses.dataclass(kw_only=True)
class UnitProgress:
    """A unit agent's local state (Juju's uniter state file), persisted with every hook.

    Juju's uniter decides the next hook by comparing this with the model; so does olm. After
    a crash the engine reads it back and continues where the last committed hook left off.
    """

    installed: bool = False
    started: bool = False
    config_version: int = 0
    charm_version: int = 0
    leader_version: int = 0
    leader_elected: bool = False
    start_pending: bool = False
    config_pending: bool = False
    relations: dict[int, RelationView] = dataclasses.field(default_factory=dict[int, RelationView])
    failure: HookFailure | None = None
    actions: list[str] = dataclasses.field(default_factory=list[str])
    secret_events: list[dict[str, Any]] = dataclasses.field(default_factory=list[dict[str, Any]])
    update_status: bool = False
    storage_attached: list[str] = dataclasses.field(default_factory=list[str])
    """Storage instances (``osd-devices/0``) whose ``storage-attached`` hook has run."""
    removed: bool = False
    """The ``remove`` hook ran but the unit waits for its subordinates to go first (Juju's
    uniter ``terminate``: a principal becomes Dead only once it has no subordinates)."""

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        data = record_fields(self)
        data['relations'] = {str(k): v.to_data() for k, v in self.relations.items()}
        data['failure'] = None if self.failure is None else self.failure.to_data()
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> UnitProgress:
        """Inverse of :meth:`to_data`."""
        fields = dict(data)
        relations = {int(k): RelationView.from_data(v) for k, v in fields.pop('relations').items()}
        failure = fields.pop('failure')
        return cls(
            **fields,
            relations=relations,
            failure=None if failure is None else HookFailure.from_data(failure),
        )
