"""The events olm runs on a unit, named as Juju names them.

A :class:`Hook` is what the unit agent decided to run next: its kind (``install``,
``relation-changed``, ``secret-rotate``, an action, ...) and what it is about (a relation and
remote unit, a secret and revision, an action id). It is plain data, so a failed hook can be
stored with the unit and run again after ``olm resolve`` or a restart.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ['RELATION_KINDS', 'SECRET_KINDS', 'Hook']

RELATION_KINDS = frozenset({'created', 'joined', 'changed', 'departed', 'broken'})
SECRET_KINDS = frozenset({'secret-changed', 'secret-rotate', 'secret-expired', 'secret-remove'})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Hook:
    """One event for one unit.

    Attributes:
        kind: ``install``, ``leader-elected``, ``config-changed``, ``start``, ``stop``,
            ``remove``, ``upgrade-charm``, ``update-status``, ``leader-settings-changed``,
            ``relation-<created|joined|changed|departed|broken>``, ``secret-<...>``,
            ``storage-<attached|detaching>`` or ``action``.
        endpoint: for relation hooks, the unit's own endpoint name.
        relation_id: for relation hooks, the relation.
        remote_unit: the remote unit of joined/changed/departed; None for an application
            databag change and for created/broken.
        remote_app: the application at the other end of the relation.
        departing_unit: for departed, the unit that leaves.
        secret_id: for secret hooks.
        secret_revision: for secret-remove and secret-expired.
        action_id: for actions.
        action: the action's name.
        storage_id: for storage hooks, the storage instance (``osd-devices/0``).
    """

    kind: str
    endpoint: str | None = None
    relation_id: int | None = None
    remote_unit: str | None = None
    remote_app: str | None = None
    departing_unit: str | None = None
    secret_id: str | None = None
    secret_revision: int | None = None
    action_id: str | None = None
    action: str | None = None
    storage_id: str | None = None

    @property
    def is_relation(self) -> bool:
        """Whether this is a ``<endpoint>-relation-*`` hook."""
        return self.kind.startswith('relation-')

    @property
    def juju_name(self) -> str:
        """The hook name Juju shows: ``db-relation-changed``, ``install``, an action's name."""
        if self.is_relation:
            return f'{self.endpoint}-{self.kind}'
        if self.kind == 'action':
            return str(self.action)
        if self.storage_id is not None:
            return f'{self.storage_id.partition("/")[0]}-{self.kind}'
        return self.kind

    def describe(self) -> str:
        """The hook as the event trace shows it: name, then what it is about."""
        text = self.juju_name
        if self.kind == 'action':
            return f'action {self.action} (id {self.action_id})'
        if self.kind in ('relation-created', 'relation-broken'):
            return f'{text} ({self.relation_id})'
        if self.is_relation:
            # An application-databag change has no remote unit: name the application.
            return f'{text} ({self.relation_id}, {self.remote_unit or self.remote_app})'
        if self.storage_id is not None:
            return f'{text} ({self.storage_id})'
        if self.secret_id is not None:
            revision = '' if self.secret_revision is None else f' revision {self.secret_revision}'
            return f'{text} ({self.secret_id}{revision})'
        return text

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Hook:
        """Inverse of :meth:`to_data`."""
        return cls(**data)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed hook is tried again (Juju: 5 s, doubling, at most 5 min).

    Attributes:
        automatic: Juju's ``automatically-retry-hooks`` model setting.
        initial: seconds before the first retry.
        factor: growth per attempt.
        maximum: the longest wait.
    """

    automatic: bool = True
    initial: float = 5.0
    factor: float = 2.0
    maximum: float = 300.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure."""
        return min(self.maximum, self.initial * self.factor ** min(max(0, attempts - 1), 32))
