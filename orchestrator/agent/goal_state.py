"""What ``goal-state`` tells a unit: the units and relations its application is meant to have."""

# pyright: strict

from __future__ import annotations

import time
from typing import Any

from ..state import model

__all__ = ['goal_state']


def _since(seconds: float) -> str:
    """A time as jujuc's goal-state prints it (UTC, ``2006-01-02 15:04:05Z``)."""
    return time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime(seconds))


def _unit_goal(u: model.Unit) -> dict[str, str]:
    """A unit's entry: its ``Unit.Status()``, or ``dying``.

    ``goalStateUnits`` reads ``unit.Status()``, which answers the *agent's* status when the
    agent is in error (a hook failed) and the workload's otherwise (juju/juju ``state/unit.go``
    ``Unit.Status``: "when a hook error occurs, the workload should be in error state ... So
    we'll do that model translation here"), then overrides the status with ``dying`` for a
    dying unit, keeping the time.
    """
    shown = u.agent if u.agent.current == 'error' else u.workload
    status = shown.current if u.life == 'alive' else 'dying'
    return {'status': status, 'since': _since(shown.since)}


def goal_state(m: model.Model, unit: model.Unit, *, now: float | None = None) -> dict[str, Any]:
    """``goal-state`` for the unit, as Juju's uniter facade works it out.

    juju/juju ``apiserver/facades/agent/uniter/uniter.go`` (``oneGoalState``,
    ``goalStateUnits``, ``goalStateRelations``) @ 6717221: ``units`` holds every unit of the
    application (olm has no dead units), with its workload status (``dying`` once it is going away)
    and when that was set; ``relations`` maps each of the unit's endpoints in a relation with
    another application (peer relations are left out) to that application (a consumed offer
    by its URL), with the relation's status, and to each of its units. Deviation: olm keeps
    no relation status, so a relation is ``joined`` since the time of the call.
    """
    now = time.time() if now is None else now
    # olm removes a unit when it dies: every unit it has is alive or dying.
    units = {u.name: _unit_goal(u) for u in _goal_units(m, unit.application, unit.name)}
    relations: dict[str, dict[str, dict[str, str]]] = {}
    for relation in m.relations.values():
        if relation.is_peer or unit.application not in {e.application for e in relation.endpoints}:
            continue
        endpoint = relation.endpoint_of(unit.application).name
        other = relation.other_application(unit.application)
        entry = relations.setdefault(endpoint, {})
        remote = m.remote_applications.get(other)
        # A consumed offer is keyed by its URL (goalStateRelations: remoteApplication.URL()).
        key = remote.url if remote is not None and remote.url else other
        entry[key] = {'status': 'joined', 'since': _since(now)}
        entry.update({u.name: _unit_goal(u) for u in _goal_units(m, other, unit.name)})
    return {'units': units, 'relations': relations}


def _goal_units(m: model.Model, application: str, asking: str) -> list[model.Unit]:
    """An application's units for ``asking``'s goal state: subordinates of others left out.

    ``goalStateUnits(app, principalName)`` is given the asking unit's own name and skips every
    unit whose principal is another unit ("Ignore subordinates belonging to other units"): a
    principal sees only its own subordinate of a related subordinate application, and a
    subordinate none of its own application's units.
    """
    return [u for u in m.units_of(application) if not u.principal or u.principal == asking]
