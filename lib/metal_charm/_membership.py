"""What a unit reports about itself to its leader while it joins a cluster the leader runs.

The join protocol of the charms whose leader admits the other units into a cluster (Kubernetes'
k8sd, MicroCeph): each unit writes its report in its peer unit databag (node name, address,
join state, the serial of a token that failed) and the leader answers with a join token (see
:mod:`metal_charm._tokens`). canonical/k8s-operator and canonical/charm-microceph run the same
exchange through peer data. Reading a report never raises: a missing or malformed field reads as
None, so one unit's bad data cannot fail its leader's hook.

A charm with more to report subclasses :class:`Member` with more fields and extends
:meth:`Member.fields_from` and :meth:`Member.databag`.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Self

from metal_interfaces import databag

__all__ = ['JOINED', 'PENDING', 'TOKEN_FAILED', 'Member', 'read_serial']

JOINED = 'joined'
"""The unit is a member of the cluster."""
PENDING = 'pending'
"""The unit waits for (or is using) a join token."""
TOKEN_FAILED = 'token-failed'  # noqa: S105 - a state name, not a token
"""The unit's join token was rejected: it asks the leader for a new one."""


def read_serial(value: object) -> int | None:
    """A join-token serial: a positive integer (True is not one); anything else is None.

    Serials start at 1 (:func:`metal_charm.next_serial`), so 0 or a negative number can only
    be damage, and reading it as None keeps it from matching any token.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


@dataclasses.dataclass(frozen=True)
class Member:
    """What one unit says about itself in its peer unit databag.

    Attributes:
        node: its node name in the cluster (the machine's host name), which a token is bound to.
        address: the address it runs the cluster daemon on.
        state: :data:`PENDING`, :data:`JOINED` or :data:`TOKEN_FAILED`.
        failed_serial: the serial of the token that failed, so the leader re-issues once.
    """

    node: str | None = None
    address: str | None = None
    state: str | None = None
    failed_serial: int | None = None

    @property
    def joined(self) -> bool:
        """Whether the unit is a member of the cluster."""
        return self.state == JOINED

    @classmethod
    def read(cls, data: Mapping[str, str]) -> Self:
        """A unit's report; missing or malformed fields read as None (never raises)."""
        return cls(**cls.fields_from(data))

    @classmethod
    def fields_from(cls, data: Mapping[str, str]) -> dict[str, Any]:
        """The dataclass fields read from ``data``; a subclass adds its own."""
        return {
            'node': databag.read_str(data.get('node-name')),
            'address': databag.read_str(data.get('address')),
            'state': databag.read_str(data.get('state')),
            'failed_serial': read_serial(databag.read(data.get('failed-serial'))),
        }

    def databag(self) -> dict[str, str]:
        """The databag update: JSON values, '' deletes a None field."""
        return {
            'node-name': encode(self.node),
            'address': encode(self.address),
            'state': encode(self.state),
            'failed-serial': encode(self.failed_serial),
        }

    def write(self, data: dict[str, str] | Any) -> None:
        """Write the report into ``data`` (a unit databag), touching only what changed."""
        for key, value in self.databag().items():
            if data.get(key, '') != value:
                data[key] = value


def encode(value: object) -> str:
    """A databag value: JSON, or '' (which deletes the key) for None."""
    return '' if value is None else json.dumps(value)
