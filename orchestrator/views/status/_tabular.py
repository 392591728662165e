"""``olm status``'s tables, as Juju's ``output_tabular.go`` lays them out."""

# pyright: strict

from __future__ import annotations

import time
from collections.abc import Sequence

from ...state import model
from ._derive import (
    app_workload_version,
    application_status,
    failure_label,
    relation_status,
    relation_type,
    scale,
    unit_display_status,
)
from ._format import (
    ELLIPSIS,
    agent_doing,
    format_ports,
    format_timestamp,
    machine_zone,
    natural_key,
    store_and_path,
    truncate,
)
from ._view import ModelView

SIMULATED_NOTE = 'embedded pool, simulated machines'
"""The model's note when its machines are simulated: nobody should mistake them for metal."""
_MAX_VERSION = 15  # Juju's iaasMaxVersionWidth
_GAP = 2  # Juju's tab writer pads every column with two spaces


def _table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Align rows as Juju's tab writer does.

    Every column but the last is padded to its widest cell plus two spaces; ``right`` columns
    are right-aligned within their width (the two spaces still follow). The last column is
    free text, as in Juju, and trailing spaces are dropped.
    """
    columns = max(len(r) for r in rows) - 1
    widths = [max(len(r[j]) for r in rows if len(r) > j) for j in range(columns)]
    lines: list[str] = []
    for row in rows:
        cells: list[str] = []
        for j, cell in enumerate(row):
            if j == columns:
                cells.append(cell)
            elif j in right:
                cells.append(cell.rjust(widths[j]) + ' ' * _GAP)
            else:
                cells.append(cell.ljust(widths[j] + _GAP))
        lines.append(''.join(cells).rstrip())
    return lines


def runner_note(view: ModelView) -> str:
    """How the applications' hooks run: ``hooks: scenario``, or each runner with its apps."""
    by_runner: dict[str, list[str]] = {}
    for app in sorted(view.applications, key=lambda a: a.name):
        by_runner.setdefault(app.runner, []).append(app.name)
    if len(by_runner) == 1:
        return f'hooks: {next(iter(by_runner))}'
    return 'hooks: ' + ', '.join(f'{r} ({" ".join(a)})' for r, a in sorted(by_runner.items()))


def _model_section(view: ModelView, *, utc: bool) -> list[str]:
    now = view.timestamp if view.timestamp is not None else time.time()
    header = ['Model', 'Controller', 'Cloud/Region', 'Version', 'Timestamp']
    values = [
        view.name,
        view.controller,
        f'{view.cloud}/{view.region}' if view.region else view.cloud,
        view.version,
        format_timestamp(now, utc=utc),
    ]
    notes = [n for n in (view.model_status.message, SIMULATED_NOTE if view.simulated else '') if n]
    # How olm runs the hooks: a real controller's units run under Juju, nothing to say.
    notes += [runner_note(view)] if view.simulated and view.applications else []
    if notes:
        header.append('Notes')
        values.append(truncate('; '.join(notes)))
    return _table([header, values])


def _saas_section(view: ModelView) -> list[str]:
    rows = [['SAAS', 'Status', 'Store', 'URL']]
    for remote in sorted(view.remote_applications, key=lambda r: natural_key(r.name)):
        store, path = store_and_path(remote.url)
        rows.append([remote.name, remote.status.current, store, path])
    return _table(rows)


def _app_section(view: ModelView) -> list[str]:
    rows = [['App', 'Version', 'Status', 'Scale', 'Charm', 'Channel', 'Rev', 'Exposed', 'Message']]
    for app in sorted(view.applications, key=lambda a: natural_key(a.name)):
        units = view.units_of(app.name)
        version = app_workload_version(units).split('\n')[0]
        if len(version) > _MAX_VERSION:
            version = version[: _MAX_VERSION - len(ELLIPSIS)] + ELLIPSIS
        status = application_status(app, units)
        rows.append(
            [
                app.name,
                version,
                status.current,
                scale(units),
                app.charm_name,
                app.channel or '',
                str(view.charm_revision(app)),
                'yes' if app.exposed else 'no',
                truncate(status.message),
            ]
        )
    return _table(rows, right=frozenset({3, 6}))  # Scale and Rev, as Juju aligns them


def _unit_section(view: ModelView) -> list[str]:
    """The units, each principal followed by its subordinates indented two spaces.

    As Juju's ``printApplications`` (``pUnit`` with ``recurseUnits``): a subordinate's row
    has no machine, only its principal's address.
    """
    leaders = {a.leader for a in view.applications if a.leader}
    known = {a.name for a in view.applications}
    rows = [['Unit', 'Workload', 'Agent', 'Machine', 'Public address', 'Ports', 'Message']]

    def add(unit: model.Unit, level: int) -> None:
        workload, agent = unit_display_status(unit, failure_label(unit, view.relations))
        message = workload.message
        if agent.current == 'allocating' and not message:
            message = agent.message
        doing = agent_doing(agent)
        if doing:
            message = f'({doing}) {message}'
        machine = view.machine(unit.machine)
        rows.append(
            [
                ' ' * (2 * level) + unit.name + ('*' if unit.name in leaders else ''),
                workload.current,
                agent.current,
                '' if unit.principal else unit.machine,
                machine.address if machine is not None else '',
                format_ports(unit.ports),
                truncate(message),
            ]
        )
        for sub in view.subordinates_of(unit.name):
            if sub.application in known:
                add(sub, level + 1)

    for unit in sorted(view.units, key=lambda u: natural_key(u.name)):
        if unit.application in known and not unit.principal:
            add(unit, 0)
    return _table(rows) if len(rows) > 1 else []


def _machine_section(view: ModelView) -> list[str]:
    rows = [['Machine', 'State', 'Address', 'Inst id', 'Base', 'AZ', 'Message']]
    rows.extend(
        [
            machine.id,
            machine.status,
            machine.address,
            machine.instance_id or 'pending',  # Juju's placeholder until the cloud answers
            machine.base,
            machine_zone(machine),
            truncate(machine.message),
        ]
        for machine in sorted(view.machines, key=lambda m: natural_key(m.id))
    )
    return _table(rows)


def _relation_section(view: ModelView) -> list[str]:
    entries: list[tuple[str, str, str, str, str]] = []
    for relation in view.relations:
        provider = requirer = relation.endpoints[0]
        for endpoint in relation.endpoints:
            if endpoint.role == 'provider':
                provider = endpoint
            elif endpoint.role == 'requirer':
                requirer = endpoint
        status = relation_status(relation)
        entries.append(
            (
                str(provider),
                str(requirer),
                relation.interface,
                relation_type(relation, view.scope_of(relation)),
                '' if status == 'joined' else status,  # Juju shows only the unusual ones
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    rows = [['Integration provider', 'Requirer', 'Interface', 'Type', 'Message']]
    rows.extend(list(e) for e in entries)
    return _table(rows)


def render_tabular(view: ModelView, *, relations: bool = False, utc: bool = True) -> str:
    """The model as ``juju status`` shows it by default: aligned sections, blank-line separated.

    Sections: Model (with a Note that the machines are simulated), SAAS (if any), App, Unit,
    Machine and, with ``relations`` (``--relations``), the integrations. An empty model ends
    with ``Model "<name>" is empty.``, which Juju writes after the model section.

    Args:
        view: the model.
        relations: add the integrations section.
        utc: show the timestamp in UTC (``juju status --utc``) rather than local time.

    Returns:
        The text, ending with a newline.
    """
    sections = [_model_section(view, utc=utc)]
    if not (view.applications or view.remote_applications or view.machines):
        sections.append([f'Model "{view.name}" is empty.'])
        return '\n\n'.join('\n'.join(s) for s in sections) + '\n'
    if view.remote_applications:
        sections.append(_saas_section(view))
    if view.applications:
        sections.append(_app_section(view))
        sections.append(_unit_section(view))
    if view.machines:
        sections.append(_machine_section(view))
    if relations and view.relations:
        sections.append(_relation_section(view))
    return '\n\n'.join('\n'.join(s) for s in sections if s) + '\n'
