"""The upgrade turn: which control-plane unit may refresh the k8s snap right now.

Why: refreshing k8s restarts kube-apiserver and the datastore member on that node; doing it on
every control-plane node at once takes the API (and, with k8s-dqlite or etcd, the datastore's
quorum) down. So units take turns, and the leader hands the turn out through the peer relation,
the way metal-controller serializes ``maas init``:

- The ``upgrade`` action (on the leader) writes the target channel in the peer application
  databag (``upgrade``).
- Every joined unit reports in its peer unit databag the channel its snap tracks
  (``channel``) and, after a failed refresh, the channel that failed (``upgrade-failed``).
- The leader writes ``turn`` (a unit name) in the peer application databag: the one unit that
  may refresh now. It keeps the turn where it is while the holder still needs it, and otherwise
  moves it to the next unit that needs it: the leader first, then by unit number. A holder
  whose last attempt failed gives way to units that have not failed; it gets the turn back when
  they are done.

Every value in these databags is JSON. This module is pure: reading and writing databags is the
charm's job, deciding is done here.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ['UnitReport', 'next_turn', 'unit_number']

_UNIT_NAME = re.compile(r'^[a-z][a-z0-9-]*/(\d+)$')


@dataclass(frozen=True)
class UnitReport:
    """What one control-plane unit says about its snap, for the upgrade turn.

    Attributes:
        wants: the channel the unit should run (the upgrade target); None: nothing to do.
        applied: the channel its snap tracks.
        failed: the channel whose last refresh failed; None after a success.
    """

    wants: str | None = None
    applied: str | None = None
    failed: str | None = None

    @property
    def needs_turn(self) -> bool:
        """Whether the unit has a refresh to do."""
        return self.wants is not None and self.wants != self.applied

    @property
    def has_failed(self) -> bool:
        """Whether its last attempt at what it wants now failed."""
        return self.needs_turn and self.failed == self.wants


def unit_number(name: str) -> int:
    """The number of a unit name (``kubernetes-control-plane/3`` → 3).

    Raises:
        ValueError: if ``name`` is not a unit name.
    """
    match = _UNIT_NAME.match(name)
    if match is None:
        raise ValueError(f'not a unit name: {name!r}')
    return int(match.group(1))


def next_turn(current: str | None, reports: Mapping[str, UnitReport], leader: str) -> str | None:
    """Who holds the turn next: the leader's decision, from every live unit's report.

    Args:
        current: the unit holding the turn now (None: nobody).
        reports: every joined unit still in the relation, the leader included, by unit name.
        leader: the leader's unit name, which goes first among the units that need a turn.

    Returns:
        The unit that may refresh now, or None when no unit needs to.
    """
    waiting = {name: report for name, report in reports.items() if report.needs_turn}
    if not waiting:
        return None

    def order(name: str) -> tuple[bool, bool, int]:
        return (waiting[name].has_failed, name != leader, unit_number(name))

    holder = waiting.get(current) if current is not None else None
    if holder is not None and current is not None:
        fresh = [name for name, report in waiting.items() if not report.has_failed]
        if not holder.has_failed or not fresh:
            return current  # never take the turn from a unit that is still working on it
        return min(fresh, key=order)
    return min(waiting, key=order)
