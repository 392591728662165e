"""The statuses Juju derives on the server before any formatter sees them."""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ...state import model
from ._format import natural_key

SEVERITY: Mapping[str, int] = {
    'error': 100,
    'blocked': 90,
    'maintenance': 80,
    'waiting': 70,
    'active': 60,
    'terminated': 50,
    'unknown': 40,
}
"""Juju's ``statusSeverities`` (``core/status``): the worst unit status is the application's."""


def unit_display_status(
    unit: model.Unit, relation_label: str | None = None
) -> tuple[model.Status, model.Status]:
    """A unit's (workload, agent) status as ``juju status`` shows them.

    Juju's API server reports a unit whose agent is in ``error`` as workload ``error`` with
    the agent's message (``hook failed: "install"``) and agent ``idle``: the failure is the
    workload's problem to the operator, while the agent itself is fine and waiting.

    Args:
        unit: the unit.
        relation_label: for a failed relation hook, the other end (``mysql:db``); it is
            appended as `` for mysql:db``, as Juju's status formatter does.

    Returns:
        The workload and agent statuses to show.
    """
    if unit.agent.current != 'error':
        return unit.workload, unit.agent
    message = unit.agent.message
    if relation_label:
        message = f'{message} for {relation_label}'
    return (
        model.Status('error', message, unit.agent.since),
        model.Status('idle', '', unit.agent.since),
    )


def failure_label(unit: model.Unit, relations: Iterable[model.Relation]) -> str | None:
    """The other end (``app:endpoint``) of the relation whose hook failed on a unit, if any.

    Like Juju's ``findOtherEndpoint``, the label names the first endpoint of another
    application, so peer relations have none.
    """
    failure = unit.progress.failure
    if unit.agent.current != 'error' or failure is None or failure.relation_id is None:
        return None
    for relation in relations:
        if relation.id != failure.relation_id:
            continue
        for endpoint in relation.endpoints:
            if endpoint.application != unit.application:
                return str(endpoint)
    return None


def application_status(app: model.Application, units: Sequence[model.Unit]) -> model.Status:
    """An application's status: the leader's, else the worst of its units' (``DeriveStatus``).

    Units are weighed by the workload status ``juju status`` shows, so a unit with a failed
    hook counts as ``error`` with the failure message. Ties keep the first unit (in natural
    order) and an application without units is ``unknown``.
    """
    if app.status is not None:
        return app.status
    result = model.Status('unknown')
    for unit in sorted(units, key=lambda u: natural_key(u.name)):
        workload, _ = unit_display_status(unit)
        if SEVERITY.get(workload.current, 0) > SEVERITY.get(result.current, 0):
            result = workload
    return result


def relation_type(relation: model.Relation, scope: str = 'global') -> str:
    """Juju's relation type: ``subordinate`` (container scope), ``peer`` or ``regular``."""
    if scope == 'container':
        return 'subordinate'
    return 'peer' if relation.is_peer else 'regular'


def relation_status(relation: model.Relation) -> str:
    """Juju's relation status: ``joining`` until a unit enters scope, ``broken`` once dying."""
    if relation.life == 'dying':
        return 'broken'
    return 'joined' if relation.scope else 'joining'


def scale(units: Sequence[model.Unit]) -> str:
    # Juju's applicationScale: units whose agent is up (idle/executing) and not terminated,
    # out of all of them; "N" once they agree.
    current = 0
    for unit in units:
        workload, agent = unit_display_status(unit)
        if workload.current != 'terminated' and agent.current in ('idle', 'executing', 'running'):
            current += 1
    return str(current) if current == len(units) else f'{current}/{len(units)}'


def app_workload_version(units: Sequence[model.Unit]) -> str:
    # Juju shows the application version of its first unit (by name) that reported one.
    return next((u.workload_version for u in units if u.workload_version), '')
