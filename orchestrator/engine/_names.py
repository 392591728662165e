"""The names a user types, resolved in the model as Juju resolves them.

Applications, units (``APP/leader`` included), ``juju update-status``'s targets and the
``app[:endpoint]`` pairs of ``integrate`` and ``remove-relation``; each unknown name is an
:class:`EngineError` with Juju's message.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Sequence

from ..state import model
from ._errors import EngineError

__all__ = [
    'application',
    'check_application_name',
    'check_machine_ids',
    'check_unit_names',
    'find_relation',
    'targets',
    'unit',
]


def application(m: model.Model, name: str) -> model.Application:
    """An application by name."""
    app = m.applications.get(name)
    if app is None:
        raise EngineError(f'application "{name}" not found')
    return app


def unit(m: model.Model, name: str) -> model.Unit:
    """A unit by name, ``APP/leader`` resolving to the application's leader, as Juju does."""
    app_name, _, number = name.partition('/')
    if number == 'leader' and app_name in m.applications:
        leader = m.applications[app_name].leader
        if not leader:
            raise EngineError(f'could not determine leader for "{app_name}"')
        name = leader
    found = m.units.get(name)
    if found is None:
        raise EngineError(f'unit "{name}" not found')
    return found


def targets(m: model.Model, names: Sequence[str]) -> list[model.Unit]:
    """The units of named units and applications; every unit when none is named."""
    if not names:
        return sorted(m.units.values(), key=lambda u: model.natural_key(u.name))
    units: list[model.Unit] = []
    for name in names:
        if '/' in name:
            if name not in m.units:
                raise EngineError(f'unit "{name}" not found')
            units.append(m.units[name])
        else:
            units += m.units_of(application(m, name).name)
    return units


def check_application_name(name: str) -> None:
    """Refuse a name Juju would refuse (``names.IsValidApplication``)."""
    if not re.fullmatch(r'[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*', name):
        raise EngineError(f'invalid application name "{name}"')


_UNIT_NAME = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/(?:0|[1-9][0-9]*)')
"""juju/names ``UnitSnippet``: ``ApplicationSnippet/NumberSnippet`` (``unit.go``)."""


def check_unit_names(names: Sequence[str]) -> None:
    """Refuse what cannot name a unit before looking anything up, as Juju's CLI does.

    juju/juju 3.x ``cmd/juju/application/removeunit.go`` ``validateIAASRemoval`` and
    ``cmd/juju/application/resolved.go`` ``Init``: ``invalid unit name "app/-1"`` for a name
    ``names.IsValidUnit`` refuses (an application name alone, a negative or padded number).
    """
    for name in names:
        if not _UNIT_NAME.fullmatch(name):
            raise EngineError(f'invalid unit name "{name}"')


_MACHINE_ID = re.compile(r'(?:0|[1-9][0-9]*)(?:/[a-z]+/(?:0|[1-9][0-9]*))*')
"""juju/names ``MachineSnippet`` (``machine.go``, b50ca77): a number, then container parts."""


def check_machine_ids(ids: Sequence[str]) -> None:
    """juju/juju ``cmd/juju/machine/remove.go`` ``Init``: ``invalid machine id "abc"``."""
    for machine_id in ids:
        if not _MACHINE_ID.fullmatch(machine_id):
            raise EngineError(f'invalid machine id "{machine_id}"')


def find_relation(m: model.Model, a: str, b: str) -> model.Relation | None:
    """The relation between two ``app[:endpoint]`` references, if exactly one matches."""

    def matches(end: model.RelationEndpoint, ref: str) -> bool:
        app, _, endpoint = ref.partition(':')
        return end.application == app and (not endpoint or end.name == endpoint)

    found = [
        r
        for r in m.relations.values()
        if len(r.endpoints) == 2
        and (
            (matches(r.endpoints[0], a) and matches(r.endpoints[1], b))
            or (matches(r.endpoints[0], b) and matches(r.endpoints[1], a))
        )
    ]
    return found[0] if len(found) == 1 else None
