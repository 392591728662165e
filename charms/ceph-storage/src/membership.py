"""What each unit reports about itself in its peer unit databag.

Why a module of its own: the report (node name, address, join state, the serial of a token that
failed) is the protocol between a joining unit and the leader who mints its token. Reading a
report never raises: a missing or malformed field reads as None.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from metal_interfaces import databag

JOINED = 'joined'
"""The unit is a member of the MicroCeph cluster."""
PENDING = 'pending'
"""The unit waits for (or is using) a join token."""
TOKEN_FAILED = 'token-failed'  # noqa: S105 - a state name, not a token
"""The unit's join token was rejected: it asks the leader for a new one."""


@dataclasses.dataclass(frozen=True)
class Member:
    """What one unit says about itself.

    Attributes:
        node: its MicroCeph node name (the machine's host name), which a token is bound to.
        address: the address it runs MicroCeph on (``--microceph-ip``).
        state: ``pending``, ``joined`` or ``token-failed``.
        failed_serial: the serial of the token that failed (so the leader re-issues once).
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
    def read(cls, data: Mapping[str, str]) -> Member:
        """A unit's report; missing or malformed fields read as None (never raises)."""
        serial = databag.read(data.get('failed-serial'))
        return cls(
            node=databag.read_str(data.get('node-name')),
            address=databag.read_str(data.get('address')),
            state=databag.read_str(data.get('state')),
            failed_serial=serial if isinstance(serial, int) and serial > 0 else None,
        )

    def databag(self) -> dict[str, str]:
        """The databag update: JSON values, '' deletes a None field."""

        def enc(value: object) -> str:
            return '' if value is None else json.dumps(value)

        return {
            'node-name': enc(self.node),
            'address': enc(self.address),
            'state': enc(self.state),
            'failed-serial': enc(self.failed_serial),
        }
