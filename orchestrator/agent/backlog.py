"""How many hooks the units still have to run: a lower bound, for a settle's progress line.

The resolver (:mod:`.resolver`) knows each unit's *next* hook; a settle's estimate needs the
rest of its queue, counted without walking it. What the model already holds decides most of
it, in Juju's uniter order:

- a unit not yet installed still runs ``install``, ``config-changed`` and ``start`` (and
  ``leader-elected`` if it leads, ``storage-attached`` per storage instance);
- each relation it has not yet seen created runs ``relation-created``;
- each remote unit it will see join runs ``relation-joined`` then ``relation-changed`` (the
  order :mod:`.resolver` models on Juju's uniter; the uniter's source was not re-read for
  this count): in a peer relation of n units each unit sees n - 1 join, so the relation alone
  costs 2·n·(n - 1) hooks, which is what makes a large peer relation take hours;
- a dying unit departs each member it has seen, breaks its non-peer relations, stops and goes.

What the model cannot tell yet is not counted: a ``relation-changed`` for data a remote unit
has still to write, an action not queued. So the count is a lower bound that holds until
charms write relation data, and the progress line says "at least". It is O(units x
relations) with no per-member walk, so a 2,000-unit peer relation costs the same to estimate
as its member counts.
"""

# pyright: strict

from __future__ import annotations

import dataclasses

from ..state import model
from . import scope

__all__ = ['Backlog', 'backlog', 'hooks_left']


@dataclasses.dataclass(frozen=True)
class Backlog:
    """The units' queues, counted.

    Attributes:
        units: units in the model.
        settled: units with no hook known to be left (and not in error).
        hooks: hooks known to be left (a lower bound).
    """

    units: int
    settled: int
    hooks: int


def backlog(m: model.Model) -> Backlog:
    """Every unit's :func:`hooks_left`, summed, and the units with none."""
    alive = _alive_counts(m)
    settled = hooks = 0
    for unit in m.units.values():
        left = hooks_left(m, unit, alive)
        hooks += left
        if not left and unit.progress.failure is None:
            settled += 1
    return Backlog(units=len(m.units), settled=settled, hooks=hooks)


def hooks_left(m: model.Model, unit: model.Unit, alive: dict[str, int] | None = None) -> int:
    """The hooks ``unit`` is known to have left before it settles (a lower bound).

    Args:
        m: the model.
        unit: one of its units.
        alive: alive units per application (:func:`backlog` counts them once for all units).
    """
    progress = unit.progress
    if progress.removed:
        return 0
    if progress.failure is not None:
        return 1 + len(progress.actions)  # the hook it is stuck on, when retried or resolved
    if unit.life != 'alive':
        return _teardown(m, unit)
    if alive is None:
        alive = _alive_counts(m)
    app = m.applications[unit.application]
    count = len(progress.actions) + int(progress.update_status)
    count += len([s for s in unit.storage if s not in progress.storage_attached])
    if not progress.installed:
        count += 3  # install, config-changed, start
    else:
        count += int(progress.config_pending or progress.config_version < app.config_version)
        count += int(progress.start_pending) + int(progress.charm_version < app.charm_version)
    if app.leader == unit.name:
        count += int(not progress.leader_elected)
    else:
        count += int(progress.leader_version < app.leader_version)
    for relation in m.unit_relations(unit):
        if relation.life != 'alive' or scope.implicit_for(relation, unit.application):
            continue
        view = progress.relations.get(relation.id)
        seen = 0
        if view is None or not view.created:
            count += 1
        else:
            seen = len(view.members)
            count += int(view.changed_pending is not None)
        count += 2 * max(0, _members(m, relation, unit, alive) - seen)
    return count


def _members(
    m: model.Model, relation: model.Relation, unit: model.Unit, alive: dict[str, int]
) -> int:
    """How many remote units ``unit`` will see join ``relation``, once all have entered it."""
    if relation.is_peer:
        return max(0, alive.get(unit.application, 0) - 1)
    if relation.container_scoped:
        return 1  # its principal, or its principal's subordinate of the other application
    other = relation.other_application(unit.application)
    if other in m.applications:
        return alive.get(other, 0)
    # A remote (cross-model) application: its units are known as they enter the scope.
    return len([u for u in relation.scope if u.rsplit('/', 1)[0] == other])


def _teardown(m: model.Model, unit: model.Unit) -> int:
    progress = unit.progress
    count = 0
    for relation in m.unit_relations(unit):
        view = progress.relations.get(relation.id)
        if view is None or not view.created or view.broken:
            continue
        count += len(view.members) + int(not relation.is_peer)  # departed each, then broken
    count += int(progress.started) + len(progress.storage_attached)  # stop, detaching
    return count + 1  # remove


def _alive_counts(m: model.Model) -> dict[str, int]:
    counts: dict[str, int] = {}
    for unit in m.units.values():
        if unit.life == 'alive':
            counts[unit.application] = counts.get(unit.application, 0) + 1
    return counts
