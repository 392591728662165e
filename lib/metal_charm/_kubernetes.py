"""What the two Kubernetes charms share: releases, the classic k8s snap, the skew policy.

kubernetes-control-plane and kubernetes-worker both run canonical/k8s-snap and both apply
Kubernetes' version-skew policy (kubernetes.io ``releases/version-skew-policy``: kubelet may be
up to three minor releases older than kube-apiserver, never newer) from their side: the
control plane refuses an upgrade that would leave a worker behind, a worker refuses a channel
newer than its control plane.
"""

# pyright: strict

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self

__all__ = ['KUBELET_SKEW', 'KubeVersion', 'classic_channel_for']

KUBELET_SKEW = 3
"""How many minor releases kubelet may lag kube-apiserver (the policy since Kubernetes 1.28)."""

_VERSION = re.compile(r'^v?(\d+)\.(\d+)(?:\.(\d+))?')
_STRICT_TRACK = re.compile(r'\d+\.\d+')


@dataclass(frozen=True, order=True)
class KubeVersion:
    """A Kubernetes release, ``major.minor.patch`` (pre-release suffixes dropped).

    Ordered, so that skew checks compare versions rather than strings.
    """

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str | None) -> Self | None:
        """``v1.32.3``, ``1.32.3``, ``1.32`` or a track ``1.32-classic/stable``; else None."""
        if not text:
            return None
        match = _VERSION.match(text.strip())
        if match is None:
            return None
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))

    @classmethod
    def of_channel(cls, channel: str) -> Self | None:
        """The minor release a channel's track pins (``1.33-classic/stable`` → 1.33); else None.

        ``latest`` tracks pin nothing: what they hold is only known after a refresh.
        """
        track = channel.split('/', 1)[0]
        match = re.match(r'^(\d+)\.(\d+)(-classic)?$', track)
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    def __str__(self) -> str:
        return f'{self.major}.{self.minor}.{self.patch}'

    @property
    def minor_release(self) -> str:
        """``1.32``: what version-skew rules are stated in."""
        return f'{self.major}.{self.minor}'

    def kubelet_too_old_for(self, apiserver: KubeVersion) -> bool:
        """Whether a kubelet of this release lags ``apiserver`` by more than the policy allows."""
        return self.major != apiserver.major or apiserver.minor - self.minor > KUBELET_SKEW

    def kubelet_too_new_for(self, apiserver: KubeVersion) -> bool:
        """Whether a kubelet of this release is newer than ``apiserver`` (never allowed)."""
        return (self.major, self.minor) > (apiserver.major, apiserver.minor)


def classic_channel_for(channel: str) -> str | None:
    """The classic k8s channel to use instead of ``channel`` when it holds the strict snap.

    k8s-snap publishes its classic flavour on ``<minor>-classic/<risk>`` and the strictly
    confined one on ``<minor>/<risk>`` (canonical/k8s-snap
    ``tests/integration/tests/test_util/snap.py`` ``filter_arch_and_flavor``,
    ``docs/canonicalk8s/snap/explanation/channels.md``). Both charms run the classic snap: the
    strict one needs interface connections they do not make. None when ``channel`` is fine.
    """
    track, _, rest = channel.partition('/')
    if _STRICT_TRACK.fullmatch(track) is None:
        return None
    return f'{track}-classic/{rest or "stable"}'
