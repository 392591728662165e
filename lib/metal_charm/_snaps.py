"""Install, refresh and hold one snap through the machine seam, with one error family.

Every charm here runs its workload from one snap and holds it (``snap refresh --hold``), so that
only the charm refreshes it: an automatic refresh behind the operator's back could move a kubelet
past its API server, a MAAS rack past its region, or run migrations on every region unit at once.
The host calls and the listing are :mod:`metal_host`'s (``snap_install``, ``snap_refresh``,
``snap_hold``, :func:`metal_host.installed_snap`); this adds the charms' shared policy: hold
after every install and refresh, and one :class:`SnapError` whose message is safe for
``juju status`` and says whether trying again unchanged may work (snapd busy, a timeout:
:func:`metal_host.is_transient`).
"""

# pyright: strict

from __future__ import annotations

from dataclasses import dataclass

import metal_host

__all__ = ['Snap', 'SnapError']


class SnapError(Exception):
    """snapd refused to install, refresh, hold or list a snap.

    A charm's workload module may subclass it together with its own error base (``class
    SnapError(WorkloadError, metal_charm.SnapError)``) and hand the subclass to :class:`Snap`,
    so its reconcile catches snap failures with its other workload failures.

    Attributes:
        transient: whether the same call may succeed later unchanged (snapd busy, a timeout).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Snap:
    """One snap a charm runs its workload from.

    Attributes:
        name: the snap's name (``k8s``, ``maas``, ``microceph``).
        classic: whether it is installed with classic confinement.
        error: the :class:`SnapError` subclass raised (the charm's own, see there).
        list_timeout: how long ``snap list`` may take (None: the host's default).
    """

    name: str
    classic: bool = False
    error: type[SnapError] = SnapError
    list_timeout: float | None = None

    def install(self, channel: str) -> None:
        """Install from ``channel`` and hold it.

        Raises:
            SnapError: snapd refused (``transient`` when it was only busy).
        """
        host = metal_host.current()
        try:
            host.snap_install(self.name, channel=channel, classic=self.classic)
            host.snap_hold(self.name)
        except metal_host.HostError as e:
            raise self._error(f'cannot install {self.name} from {channel}', e) from None

    def refresh(self, channel: str) -> None:
        """Switch to ``channel`` and hold it again.

        Raises:
            SnapError: snapd refused (no such channel, not installed; ``transient`` when busy).
        """
        host = metal_host.current()
        try:
            host.snap_refresh(self.name, channel=channel)
            host.snap_hold(self.name)
        except metal_host.HostError as e:
            raise self._error(f'cannot refresh {self.name} to {channel}', e) from None

    def installed(self) -> metal_host.InstalledSnap | None:
        """What ``snap list`` says of the snap; None when it is not installed.

        Raises:
            SnapError: ``snap list`` could not be run, or snapd did not answer.
        """
        try:
            return metal_host.installed_snap(self.name, timeout=self.list_timeout)
        except metal_host.HostError as e:
            raise self._error(f'cannot read the {self.name} snap', e) from None

    def _error(self, doing: str, error: metal_host.HostError) -> SnapError:
        return self.error(f'{doing}: {reason(error)}', transient=metal_host.is_transient(error))


def reason(error: metal_host.HostError) -> str:
    """What went wrong in the program's words: its first output line, else the host's message.

    The host's message already redacts sensitive arguments; snap's output holds none.
    """
    if isinstance(error, metal_host.CommandError):
        for text in (error.stderr, error.stdout):
            line = next((s.strip() for s in text.splitlines() if s.strip()), '')
            if line:
                return line
    return str(error)
