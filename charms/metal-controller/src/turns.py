"""The init turn: which region unit may run ``maas init`` or a snap refresh right now.

Why: every region unit of one MAAS shares one PostgreSQL database, and ``maas init`` (like the
database migrations a snap refresh runs) deadlocks or corrupts the schema when several units run
it at once; upstream's maas-region charm and the MAAS playbooks hit exactly that. So units take
turns (:mod:`metal_charm`'s turns: the leader hands the turn out through the peer relation, to
itself first, since it publishes the region to the racks, then by unit number).

What is this charm's own: each unit's report carries its ``address`` besides ``wants``,
``applied`` and ``failed``, and those three are fingerprints of an init (canonical JSON texts,
see :func:`canonical`, opaque to the turn; they never hold a credential). Every value in these
databags is JSON, like the metal interfaces' databags.
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from metal_charm import TURN_KEY, TurnReport, next_turn, read_turn, turn_databag, unit_number

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


@dataclass(frozen=True)
class UnitReport(TurnReport):
    """What one region unit says about itself in its peer unit databag.

    Attributes:
        address: where racks reach the unit's MAAS region (its metal-region ingress address).
        wants: fingerprint of the init the unit needs; None while it cannot init.
        applied: fingerprint of the init it last completed; None while MAAS is not running.
        failed: fingerprint whose last attempt failed; None after a success.
    """

    address: str | None = None

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
