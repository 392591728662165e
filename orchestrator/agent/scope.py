"""A unit entering and leaving a relation's scope, and the subordinate units that come with it.

Juju's ``RelationUnit.EnterScope`` (juju/juju ``state/relationunit.go``, 3.x) puts a unit in a
relation's scope with its settings; when the unit is a principal and the relation has container
scope, the same transaction creates the subordinate unit that must join it, on the principal's
machine (``subordinateOps``, ``Application.addUnitOps`` with the principal's name). The unit is
numbered by its application's unit sequence, as any unit is.

Which units see each other follows Juju's scope keys (``state/relation.go`` ``Relation.Unit``):
a global relation's units all share one scope; a container-scoped relation keys its scope by
the principal unit, so a principal and its own subordinates see each other and no one else.

Juju's implicit ``juju-info`` provider runs no hooks (``internal/worker/uniter/relation``
``relationer.go``): its units enter scope as soon as their uniters know the relation (after
install) and leave it as soon as it dies.

Nothing here runs a hook; the committing of hooks (:mod:`.commit`) and the engine's changes
call these.
"""

# pyright: strict

from __future__ import annotations

from ..state import model

__all__ = [
    'enter',
    'implicit_for',
    'in_container',
    'leave_implicit',
    'orphaned_subordinates',
    'visible_members',
]


def implicit_for(relation: model.Relation, application: str) -> bool:
    """Whether ``application`` takes part in ``relation`` through the implicit ``juju-info``."""
    if relation.is_peer:
        return False
    try:
        return relation.endpoint_of(application).implicit
    except KeyError:
        return False


def in_container(m: model.Model, relation: model.Relation, unit: model.Unit, other: str) -> bool:
    """Whether ``other`` (a unit name) shares ``unit``'s scope in ``relation``."""
    if not relation.container_scoped:
        return True
    found = m.units.get(other)
    return found is not None and found.container == unit.container


def visible_members(m: model.Model, relation: model.Relation, unit: model.Unit) -> list[str]:
    """The remote units in ``relation``'s scope that ``unit`` sees (its container's only)."""
    if relation.life == 'dying':
        return []
    if relation.is_peer:
        return [u for u in relation.scope if u != unit.name]
    other = relation.other_application(unit.application)
    if relation.container_scoped:
        members = [u for u in relation.scope if u.rsplit('/', 1)[0] == other]
        return [u for u in members if in_container(m, relation, unit, u)]
    return list(_other_end(relation.id, relation.scope, other))


_OTHER_ENDS: dict[tuple[int, str], tuple[list[str], tuple[str, ...]]] = {}
"""Per (relation id, application): the scope last seen, and its units of the application."""


def _other_end(relation_id: int, scope: list[str], application: str) -> tuple[str, ...]:
    """The units of ``application`` in ``scope``, in scope order.

    Asked for every hook of every unit; picking them out of a scope of a thousand workers took
    a Python loop over the whole scope each time, for a worker that sees three control-plane
    units. The answer is kept with a copy of the scope it came from and used again while the
    scope is equal (a list comparison, done in C): the answer depends on nothing else.
    """
    key = (relation_id, application)
    found = _OTHER_ENDS.get(key)
    if found is not None and found[0] == scope:
        return found[1]
    prefix = application + '/'
    members = tuple(u for u in scope if u.startswith(prefix) and '/' not in u[len(prefix) :])
    if len(_OTHER_ENDS) >= 4096:  # many models in one process: keep it bounded
        _OTHER_ENDS.clear()
    _OTHER_ENDS[key] = (list(scope), members)
    return members


def enter(
    m: model.Model, relation: model.Relation, unit: model.Unit, settings: dict[str, str]
) -> tuple[set[str], list[model.Unit]]:
    """``unit`` enters ``relation``'s scope with ``settings`` (Juju's ``EnterScope``).

    Returns:
        The units whose next hook may have changed, and the subordinate units created (their
        applications' leadership is the caller's to settle).
    """
    if unit.life != 'alive' or relation.life != 'alive' or unit.name in relation.scope:
        return set(), []
    relation.scope.append(unit.name)
    relation.unit_data.setdefault(unit.name, settings)
    m.touch('relation', relation.id)
    affected = {u.name for u in m.relation_units(relation) if u.name != unit.name}
    created: list[model.Unit] = []
    sub = _subordinate_needed(m, relation, unit)
    if sub is not None:
        created.append(_add_subordinate(m, sub, unit))
        affected.add(created[-1].name)
    return affected, created


def _subordinate_needed(
    m: model.Model, relation: model.Relation, unit: model.Unit
) -> model.Application | None:
    """The subordinate application a principal entering a container scope must get a unit of.

    None when the unit is itself a subordinate, the relation is global, the other end is
    not a subordinate, or that application already has a unit in this principal's container.
    """
    if unit.principal or not relation.container_scoped or relation.is_peer:
        return None
    other = m.applications.get(relation.other_application(unit.application))
    if other is None or not other.subordinate or other.life != 'alive':
        return None
    if any(u.application == other.name for u in m.subordinates_of(unit.name)):
        return None
    return other


def _add_subordinate(m: model.Model, app: model.Application, principal: model.Unit) -> model.Unit:
    """A new unit of subordinate ``app`` in ``principal``'s container (its machine)."""
    unit = model.Unit(
        name=f'{app.name}/{app.next_unit}',
        application=app.name,
        machine=principal.machine,
        principal=principal.name,
    )
    app.next_unit += 1
    m.units[unit.name] = unit
    m.touch('unit', unit.name)
    m.touch('application', app.name)
    return unit


def leave_implicit(m: model.Model, relation: model.Relation) -> set[str]:
    """Units on an implicit end of a dying relation leave its scope, hooks none (Juju)."""
    affected: set[str] = set()
    for end in relation.endpoints:
        if not implicit_for(relation, end.application):
            continue
        for unit in m.units_of(end.application):
            view = unit.progress.relations.get(relation.id)
            if view is not None and not view.broken:
                view.broken = True
                m.touch('unit', unit.name)
            if unit.name in relation.scope:
                relation.scope.remove(unit.name)
                m.touch('relation', relation.id)
                affected |= {u.name for u in m.relation_units(relation)}
    return affected


def orphaned_subordinates(m: model.Model, relation: model.Relation) -> list[model.Unit]:
    """Alive subordinate units left with no live container relation to their principal's app.

    juju/juju ``internal/worker/uniter/relation/statetracker.go``
    ``maybeSetSubordinateDying``: such a unit destroys itself.
    """
    if not relation.container_scoped or relation.is_peer:
        return []
    found: list[model.Unit] = []
    for end in relation.endpoints:
        for unit in m.units_of(end.application):
            if not unit.principal or unit.life != 'alive':
                continue
            principal_app = unit.principal.rsplit('/', 1)[0]
            if relation.other_application(unit.application) != principal_app:
                continue
            if not any(
                r.life == 'alive'
                and r.container_scoped
                and r.other_application(unit.application) == principal_app
                for r in m.relations_of(unit.application)
            ):
                found.append(unit)
    return found
