"""What each control-plane unit reports about itself in its peer unit databag.

The join report (node name, address, join state, the serial of a failed token) is
:class:`metal_charm.Member`'s, shared with ceph-storage; a control-plane unit adds what the
leader reads for the upgrade turn (its snap channel, a failed refresh) and before publishing the
load balancer (the SANs its certificate carries). Reading a report never raises: a missing or
malformed field reads as None.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import metal_charm
from metal_charm import JOINED, PENDING, TOKEN_FAILED
from metal_interfaces import databag

__all__ = ['JOINED', 'PENDING', 'TOKEN_FAILED', 'Member']


@dataclasses.dataclass(frozen=True)
class Member(metal_charm.Member):
    """What one control-plane unit says about itself in its peer unit databag.

    Attributes:
        channel: the channel its k8s snap tracks (for the upgrade turn).
        upgrade_failed: the channel whose refresh failed here.
        sans: the SANs its API server certificate was last issued with (None: not known).
    """

    channel: str | None = None
    upgrade_failed: str | None = None
    sans: tuple[str, ...] | None = None

    @classmethod
    def fields_from(cls, data: Mapping[str, str]) -> dict[str, Any]:
        """The join fields, the channel, a failed upgrade and the certificate's SANs."""
        raw_sans = data.get('certificate-sans')
        applied = (
            tuple(databag.read_list(raw_sans))
            if isinstance(databag.read(raw_sans), list)
            else None
        )
        return {
            **super().fields_from(data),
            'channel': databag.read_str(data.get('channel')),
            'upgrade_failed': databag.read_str(data.get('upgrade-failed')),
            'sans': applied,
        }

    def databag(self) -> dict[str, str]:
        """The databag update: JSON values, '' deletes a None field."""
        return {
            **super().databag(),
            'channel': metal_charm.encode(self.channel),
            'upgrade-failed': metal_charm.encode(self.upgrade_failed),
            'certificate-sans': metal_charm.encode(
                list(self.sans) if self.sans is not None else None
            ),
        }

    def covers(self, san: str) -> bool:
        """Whether its API server certificate is known to carry ``san``."""
        return self.sans is not None and san in self.sans
