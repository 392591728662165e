"""Turns: one unit at a time runs an operation that must not run on several units at once.

Why: some operations break when units run them together: refreshing k8s restarts
kube-apiserver and the datastore member on its node (all at once would take the API and the
datastore's quorum down), and ``maas init`` or a maas snap refresh migrate one shared database
(several at once deadlock or corrupt the schema). So units take turns, and the leader hands the
turn out through the peer relation (the way canonical/k8s-operator's upgrade and the MAAS
playbooks serialise per-node work):

- Every unit reports in its peer unit databag what it ``wants`` (an opaque text: a channel, a
  fingerprint), what it last ``applied`` successfully and what ``failed`` last.
- The leader writes ``turn`` (a unit name) in the peer application databag: the one unit that
  may run the operation now. It keeps the turn where it is while the holder still needs it, and
  otherwise moves it to the next unit that needs it: the leader first, then by unit number. A
  holder whose last attempt failed gives way to units that have not failed, so one broken unit
  cannot stall the others; it gets the turn back when they are done.
- A unit runs the operation only while ``turn`` names it, then reports ``applied``; the leader
  sees that (peer relation-changed) and moves the turn on. A departed holder is simply no longer
  among the reports, so the turn moves on too.

Deciding is pure and lives here; reading and writing the reports is the charm's.
"""

# pyright: strict

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from metal_interfaces import databag

__all__ = ['TURN_KEY', 'TurnReport', 'next_turn', 'read_turn', 'turn_databag', 'unit_number']

TURN_KEY = 'turn'
"""The peer application databag key naming the unit that holds the turn."""

_UNIT_NAME = re.compile(r'^[a-z][a-z0-9-]*/(\d+)$')


@dataclass(frozen=True)
class TurnReport:
    """What one unit says about the operation that needs turns.

    Attributes:
        wants: what the unit should have (the target); None: nothing to do.
        applied: what it last applied successfully.
        failed: what its last attempt failed at; None after a success.
    """

    wants: str | None = None
    applied: str | None = None
    failed: str | None = None

    @property
    def needs_turn(self) -> bool:
        """Whether the unit has the operation to run."""
        return self.wants is not None and self.wants != self.applied

    @property
    def has_failed(self) -> bool:
        """Whether its last attempt at what it wants now failed."""
        return self.needs_turn and self.failed == self.wants


def unit_number(name: str) -> int:
    """The number of a unit name (``metal-controller/3`` → 3).

    Raises:
        ValueError: if ``name`` is not a unit name.
    """
    match = _UNIT_NAME.match(name)
    if match is None:
        raise ValueError(f'not a unit name: {name!r}')
    return int(match.group(1))


def next_turn(current: str | None, reports: Mapping[str, TurnReport], leader: str) -> str | None:
    """Who holds the turn next: the leader's decision, from every live unit's report.

    Args:
        current: the unit holding the turn now (None: nobody).
        reports: every unit still in the relation, the leader included, by unit name; a
            departed unit is simply absent.
        leader: the leader's unit name, which goes first among the units that need a turn.

    Returns:
        The unit that may run the operation now, or None when no unit needs to.
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


def read_turn(data: Mapping[str, str]) -> str | None:
    """The unit holding the turn, from the peer application databag (never raises)."""
    return databag.read_str(data.get(TURN_KEY))


def turn_databag(turn: str | None) -> dict[str, str]:
    """The application databag update that hands the turn to ``turn`` (None: nobody)."""
    return {TURN_KEY: '' if turn is None else json.dumps(turn)}
