"""What each control-plane unit reports about itself in its peer unit databag.

Why a module of its own: the report (node name, address, join state, snap channel, the SANs
its certificate carries) is the protocol between the units and the leader, read by the join
tokens, the certificate check before the load balancer is published and the upgrade turn.
Reading a report never raises: a missing or malformed field reads as None.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from metal_interfaces import databag

JOINED = 'joined'
"""The unit is a member of the cluster."""
PENDING = 'pending'
"""The unit waits for (or is using) a join token."""
TOKEN_FAILED = 'token-failed'  # noqa: S105 - a state name, not a token
"""The unit's join token was rejected: it asks the leader for a new one."""


@dataclasses.dataclass(frozen=True)
class Member:
    """What one control-plane unit says about itself in its peer unit databag.

    Attributes:
        node: its Kubernetes node name (the machine's host name): asking for a token.
        address: the address it serves the API and k8sd on.
        state: ``pending``, ``joined`` or ``token-failed`` (asks the leader for a new token).
        failed_serial: the serial of the token that failed (so the leader re-issues only once).
        channel: the channel its k8s snap tracks (for the upgrade turn).
        upgrade_failed: the channel whose refresh failed here.
        sans: the SANs its API server certificate was last issued with (None: not known).
    """

    node: str | None = None
    address: str | None = None
    state: str | None = None
    failed_serial: int | None = None
    channel: str | None = None
    upgrade_failed: str | None = None
    sans: tuple[str, ...] | None = None

    @property
    def joined(self) -> bool:
        """Whether the unit is a member of the cluster."""
        return self.state == JOINED

    @classmethod
    def read(cls, data: Mapping[str, str]) -> Member:
        """A unit's report; missing or malformed fields read as None (never raises)."""
        serial = databag.read(data.get('failed-serial'))
        raw_sans = data.get('certificate-sans')
        applied = (
            tuple(databag.read_list(raw_sans))
            if isinstance(databag.read(raw_sans), list)
            else None
        )
        return cls(
            node=databag.read_str(data.get('node-name')),
            address=databag.read_str(data.get('address')),
            state=databag.read_str(data.get('state')),
            failed_serial=serial if isinstance(serial, int) else None,
            channel=databag.read_str(data.get('channel')),
            upgrade_failed=databag.read_str(data.get('upgrade-failed')),
            sans=applied,
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
            'channel': enc(self.channel),
            'upgrade-failed': enc(self.upgrade_failed),
            'certificate-sans': enc(list(self.sans) if self.sans is not None else None),
        }

    def covers(self, san: str) -> bool:
        """Whether its API server certificate is known to carry ``san``."""
        return self.sans is not None and san in self.sans
