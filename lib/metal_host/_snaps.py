"""What ``snap list`` says about one installed snap, read through the current Host.

Every charm here needs the installed version and the channel a snap tracks (to publish the
version, to decide whether a refresh is due); snapd answers both in ``snap list NAME``, whose
columns are ``Name Version Rev Tracking Publisher Notes``.
"""

# pyright: strict

from __future__ import annotations

from dataclasses import dataclass

from ._context import current

__all__ = ['InstalledSnap', 'installed_snap']


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
        HostError: ``snap`` could not be run at all (a timeout, no such program).
    """
    done = current().run(['snap', 'list', name], check=False, timeout=timeout)
    if not done.ok:
        return None
    for line in done.stdout.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 4 and columns[0] == name:
            return InstalledSnap(name, columns[1], columns[2], columns[3])
    return None
