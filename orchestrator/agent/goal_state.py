"""What ``goal-state`` tells a unit: the units and relations its application is meant to have."""

# pyright: strict

from __future__ import annotations

from typing import Any

from ..state import model

__all__ = ['goal_state']


def goal_state(m: model.Model, unit: model.Unit) -> dict[str, Any]:
    """What ``goal-state`` reports for the unit: its application's units and its relations.

    Juju's shape (juju/juju ``apiserver/facades/agent/uniter/goal-state.go``): ``units`` maps
    each unit of the application to its goal status (``active``, or ``dying`` once it is
    going away); ``relations`` maps each endpoint to the remote application and its units.
    The ``since`` timestamps are left out (olm keeps no goal-status history).
    """

    def status(u: model.Unit) -> dict[str, str]:
        return {'status': 'active' if u.life == 'alive' else 'dying'}

    units = {u.name: status(u) for u in m.units_of(unit.application)}
    relations: dict[str, dict[str, dict[str, str]]] = {}
    for relation in m.relations.values():
        if unit.application not in {e.application for e in relation.endpoints}:
            continue
        endpoint = relation.endpoint_of(unit.application).name
        other = relation.other_application(unit.application)
        entry = relations.setdefault(endpoint, {})
        if other != unit.application:
            entry[other] = {'status': 'joined'}
        for u in m.units_of(other):
            if u.name != unit.name:
                entry[u.name] = status(u)
    return {'units': units, 'relations': relations}
