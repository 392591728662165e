"""The init turn: which region unit may run ``maas init`` or a snap refresh right now.

Why: every region unit of one MAAS shares one PostgreSQL database, and ``maas init`` (like the
database migrations a snap refresh runs) deadlocks or corrupts the schema when several units run
it at once; upstream's maas-region charm and the MAAS playbooks hit exactly that. So units take
turns, and the leader hands the turn out through the peer relation:

- Every unit writes its own report in its peer unit databag: its ``address``; ``wants``, a
  fingerprint of the init it needs (None while it cannot init: no database, invalid config);
  ``applied``, the fingerprint it last applied successfully (None: MAAS is not running here);
  and ``failed``, the fingerprint whose last attempt failed. Fingerprints are canonical JSON
  texts (see :func:`canonical`), opaque here; they never hold a credential.
- The leader writes ``turn`` (a unit name) in the peer application databag: the one unit that
  may init or refresh now. It keeps the turn where it is while the holder still needs it, and
  otherwise moves it to the next unit that needs it: the leader itself first (it publishes the
  region to the racks, so it should be current first), then by unit number. A holder whose last
  attempt failed gives way to units that have not failed, so one broken unit cannot stall the
  others; it gets the turn back when they are done.
- A unit runs init only while ``turn`` names it, and reports ``applied`` when done; the leader
  sees that (peer relation-changed) and moves the turn on. A departed holder is simply no
  longer among the reports, so the turn moves on too.

Every value in these databags is JSON, like the metal interfaces' databags. This module is
pure: reading and writing databags is the charm's job, deciding is done here.
"""

# pyright: strict

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    'TURN_KEY',
    'UnitReport',
    'canonical',
    'next_turn',
    'read_report',
    'read_turn',
    'report_databag',
    'turn_databag',
    'unit_number',
]

TURN_KEY = 'turn'
"""The peer application databag key naming the unit that holds the turn."""

_UNIT_NAME = re.compile(r'^[a-z][a-z0-9-]*/(\d+)$')


@dataclass(frozen=True)
class UnitReport:
    """What one region unit says about itself in its peer unit databag.

    Attributes:
        address: where racks reach the unit's MAAS region (its metal-region ingress address).
        wants: fingerprint of the init the unit needs; None while it cannot init.
        applied: fingerprint of the init it last completed; None while MAAS is not running.
        failed: fingerprint whose last attempt failed; None after a success.
    """

    address: str | None = None
    wants: str | None = None
    applied: str | None = None
    failed: str | None = None

    @property
    def needs_turn(self) -> bool:
        """Whether the unit has something to init or refresh."""
        return self.wants is not None and self.wants != self.applied

    @property
    def has_failed(self) -> bool:
        """Whether its last attempt at what it wants now failed."""
        return self.needs_turn and self.failed == self.wants

    @property
    def initialised(self) -> bool:
        """Whether MAAS runs on the unit (with some settings, maybe not the latest)."""
        return self.applied is not None


def _text(data: Mapping[str, str], key: str) -> str | None:
    """A JSON string value, or None when absent or not a JSON string (never raises)."""
    value = _json(data, key)
    return value if isinstance(value, str) and value else None


def _fingerprint(data: Mapping[str, str], key: str) -> str | None:
    """A fingerprint (any JSON value but null), in canonical form; None when absent."""
    value = _json(data, key)
    return None if value is None else canonical(value)


def _json(data: Mapping[str, str], key: str) -> object:
    raw = data.get(key, '')
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def canonical(value: object) -> str:
    """The canonical JSON text of ``value``: the form fingerprints are compared in."""
    return json.dumps(value, sort_keys=True, separators=(',', ':'))


def read_report(data: Mapping[str, str]) -> UnitReport:
    """A unit's report from its databag; missing or malformed fields read as None.

    Tolerant on purpose: a unit whose report cannot be read is treated as not needing the turn
    rather than failing the leader's hook, so it cannot stall the others.
    """
    return UnitReport(
        address=_text(data, 'address'),
        wants=_fingerprint(data, 'wants'),
        applied=_fingerprint(data, 'applied'),
        failed=_fingerprint(data, 'failed'),
    )


def report_databag(report: UnitReport) -> dict[str, str]:
    """The databag update for ``report``: JSON values, '' deletes a None field.

    Fingerprints are JSON texts already and go in as they are, so the databag shows them as
    JSON objects rather than as strings holding JSON.
    """
    return {
        'address': '' if report.address is None else json.dumps(report.address),
        'wants': report.wants or '',
        'applied': report.applied or '',
        'failed': report.failed or '',
    }


def read_turn(data: Mapping[str, str]) -> str | None:
    """The unit holding the turn, from the peer application databag."""
    return _text(data, TURN_KEY)


def turn_databag(turn: str | None) -> dict[str, str]:
    """The application databag update that hands the turn to ``turn`` (None: nobody)."""
    return {TURN_KEY: '' if turn is None else json.dumps(turn)}


def unit_number(name: str) -> int:
    """The number of a unit name (``metal-controller/3`` → 3).

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
        reports: every unit of the application still in the relation, the leader included,
            by unit name; a departed unit is simply absent.
        leader: the leader's unit name, which goes first among the units that need a turn.

    Returns:
        The unit that may init or refresh now, or None when no unit needs to.
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
