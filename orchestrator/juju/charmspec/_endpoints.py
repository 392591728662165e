"""Relation endpoints a charm declares: ``provides``, ``requires``, ``peers`` (``meta.go``)."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

Role: TypeAlias = Literal['provider', 'requirer', 'peer']
Scope: TypeAlias = Literal['global', 'container']

ROLES: Final[Mapping[str, Role]] = {
    'provides': 'provider',
    'requires': 'requirer',
    'peers': 'peer',
}
RELATION_KEYS: Final = frozenset({'interface', 'limit', 'optional', 'scope', 'description'})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One relation endpoint of a charm (or of an offered remote application).

    Attributes:
        name: the endpoint name (``database``).
        role: ``provider`` (from ``provides``), ``requirer`` (``requires``) or ``peer``.
        interface: the interface name both ends must share.
        scope: ``container`` for subordinate attachment, else ``global``.
        limit: the declared ``limit`` (Juju does not enforce it), or None.
        optional: the declared ``optional`` flag.
    """

    name: str
    role: Role
    interface: str
    scope: Scope = 'global'
    limit: int | None = None
    optional: bool = False

    @property
    def implicit(self) -> bool:
        """Whether this is Juju's implicit ``juju-info`` provider, which inference ranks last."""
        return (
            self.name == 'juju-info'
            and self.interface == 'juju-info'
            and (self.role == 'provider')
        )
