"""What ``snap list`` says about one installed snap, read through the current Host.

Every charm here needs the installed version and the channel a snap tracks (to publish the
version, to decide whether a refresh is due); snapd answers both in ``snap list NAME``, whose
columns are ``Name Version Rev Tracking Publisher Notes`` (canonical/snapd cmd/snap/cmd_list.go
@ 2.67.1). That column shows a branch as ``…`` (``3.6/stable/…``), so a tracked branch is read
from ``snap info NAME``'s ``tracking:`` line instead.
"""

# pyright: strict

from __future__ import annotations

from dataclasses import dataclass

from ._context import current
from ._errors import CommandError

__all__ = ['InstalledSnap', 'installed_snap']

_NOT_INSTALLED = 'no matching snaps installed'
"""``snap list NAME``'s error when NAME is not installed (cmd_list.go ErrNoMatchingSnaps)."""


@dataclass(frozen=True)
class InstalledSnap:
    """One installed snap.

    Attributes:
        name: the snap's name.
        version: its version string (``v1.32.3``, ``3.6.0-16377-g.dc4fc3b74``).
        revision: the installed revision.
        tracking: the channel it tracks (``3.6/stable``), ``-`` when it tracks none.
    """

    name: str
    version: str
    revision: str
    tracking: str


def installed_snap(name: str, *, timeout: float | None = None) -> InstalledSnap | None:
    """The installed snap ``name``, or None when it is not installed (``snap list`` fails).

    Raises:
        HostError: ``snap`` could not be run at all (a timeout, no such program), or it failed
            otherwise than saying the snap is not installed (snapd unreachable, say).
    """
    host = current()
    done = host.run(['snap', 'list', name], check=False, timeout=timeout)
    if not done.ok:
        if _NOT_INSTALLED in done.stderr:
            return None
        # snapd away or refusing is not an absence: installing again would not help.
        raise CommandError(done.argv, done.returncode, done.stdout, done.stderr)
    for line in done.stdout.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 4 and columns[0] == name:
            tracking = columns[3]
            if tracking.endswith('/…'):
                # snap list elides a branch (cmd_list.go fmtChannel); snap info has it whole.
                tracking = _info_tracking(host.run(['snap', 'info', name], timeout=timeout).stdout)
            return InstalledSnap(name, columns[1], columns[2], tracking or columns[3])
    return None


def _info_tracking(info: str) -> str | None:
    """The ``tracking:`` line of ``snap info`` (cmd_info.go maybePrintTrackingChannel)."""
    for line in info.splitlines():
        key, _, value = line.partition(':')
        if key == 'tracking':
            return value.strip()
    return None
