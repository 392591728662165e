"""What ``olm status`` shows: Juju's ``juju status`` tabular output and its YAML/JSON shape.

The engine gathers everything status needs in one read into a :class:`ModelView`; this module
only formats it, so that the output can be tested without a store, a pool or charms. It follows
juju/juju ``cmd/juju/status`` (``formatter.go``, ``formatted.go``, ``output_tabular.go``) and the
server-side rules Juju applies before the client formats anything:

* a unit whose *agent* is in ``error`` (a hook failed) shows workload ``error`` with the hook
  failure message, and agent ``idle``; for relation hooks the formatter appends
  `` for <other-app>:<endpoint>``;
* an application's status is what its leader set, else the most severe unit workload status
  (Juju's ``DeriveStatus``).

Times are shown as Juju does: local time as ``21 Nov 2026 19:57:03Z`` (``Z`` or ``+01:00``), or
with ``utc`` (``juju status --utc``) as ``2026-11-21 19:57:03Z``.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import datetime
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..state import model

__all__ = [
    'MAX_MESSAGE',
    'SEVERITY',
    'SIMULATED_NOTE',
    'ModelView',
    'application_status',
    'failure_label',
    'format_ports',
    'format_since',
    'format_timestamp',
    'natural_key',
    'relation_status',
    'relation_type',
    'render_tabular',
    'to_dict',
    'unit_display_status',
]

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

MAX_MESSAGE = 120
"""Juju truncates status messages in tabular output to this many characters."""

SIMULATED_NOTE = 'embedded pool, simulated machines'
"""The model's note when its machines are simulated: nobody should mistake them for metal."""

_ELLIPSIS = '...'
_MAX_VERSION = 15  # Juju's iaasMaxVersionWidth
_GAP = 2  # Juju's tab writer pads every column with two spaces
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')
# The uniter's agent messages while it works: "running <hook> hook", "running action <name>".
_RUNNING_HOOK = re.compile(r'running ([\w-]+) hook')
_RUNNING_ACTION = re.compile(r'running action (.*)')


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelView:
    """Everything ``olm status`` shows, gathered by the engine in one read.

    Attributes:
        name: the model name, e.g. ``olm``.
        controller: the controller name.
        cloud: the cloud name (the pool).
        version: the olm version, shown where Juju shows its agent version.
        machines: the model's machines.
        applications: the deployed applications.
        remote_applications: the consumed offers (SAAS).
        units: every unit of every application.
        relations: every relation, peer relations included.
        charm_revisions: the charm revision of each application (Rev); an application missing
            here falls back to ``Application.revision``, then 0.
        simulated: whether the machines are simulated (said in the model's Notes).
        region: the cloud region.
        model_status: the model's status (``available``; its message is a Note).
        timestamp: the controller's time when the view was read (seconds since the epoch);
            None means now.
        relation_scopes: the scope of each relation by id, ``global`` unless listed; a
            ``container`` relation is shown as ``subordinate``.
        charm_endpoints: the endpoints of each application's charm, for its
            ``endpoint-bindings``; when missing, the endpoints seen in relations and bindings.
    """

    name: str
    controller: str
    cloud: str
    version: str
    machines: Sequence[model.Machine]
    applications: Sequence[model.Application]
    remote_applications: Sequence[model.RemoteApplication]
    units: Sequence[model.Unit]
    relations: Sequence[model.Relation]
    charm_revisions: Mapping[str, int]
    simulated: bool = True
    region: str = 'default'
    model_status: model.Status = dataclasses.field(
        default_factory=lambda: model.Status('available')
    )
    timestamp: float | None = None
    relation_scopes: Mapping[int, str] = dataclasses.field(default_factory=dict[int, str])
    charm_endpoints: Mapping[str, Sequence[str]] = dataclasses.field(
        default_factory=dict[str, Sequence[str]]
    )

    def units_of(self, application: str) -> list[model.Unit]:
        """An application's units, in natural order."""
        return sorted(
            (u for u in self.units if u.application == application),
            key=lambda u: natural_key(u.name),
        )

    def machine(self, machine_id: str) -> model.Machine | None:
        """A machine by id, if the view has it."""
        return next((m for m in self.machines if m.id == machine_id), None)

    def charm_revision(self, app: model.Application) -> int:
        """The charm revision shown for an application."""
        if app.name in self.charm_revisions:
            return self.charm_revisions[app.name]
        return app.revision if app.revision is not None else 0


# --- statuses ---------------------------------------------------------------------------------


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


def _scale(units: Sequence[model.Unit]) -> str:
    # Juju's applicationScale: units whose agent is up (idle/executing) and not terminated,
    # out of all of them; "N" once they agree.
    current = 0
    for unit in units:
        workload, agent = unit_display_status(unit)
        if workload.current != 'terminated' and agent.current in ('idle', 'executing', 'running'):
            current += 1
    return str(current) if current == len(units) else f'{current}/{len(units)}'


def _workload_version(units: Sequence[model.Unit]) -> str:
    # Juju shows the application version of its first unit (by name) that reported one.
    return next((u.workload_version for u in units if u.workload_version), '')


# --- small formatters -------------------------------------------------------------------------


natural_key = model.natural_key


def _offset(moment: datetime.datetime) -> str:
    # Go's "Z07:00": Z at UTC, else +hh:mm.
    delta = moment.utcoffset() or datetime.timedelta()
    if not delta:
        return 'Z'
    minutes = int(delta.total_seconds()) // 60
    sign = '+' if minutes >= 0 else '-'
    hours, minutes = divmod(abs(minutes), 60)
    return f'{sign}{hours:02d}:{minutes:02d}'


def _moment(seconds: float, utc: bool) -> datetime.datetime:
    if utc:
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return datetime.datetime.fromtimestamp(seconds).astimezone()


def format_since(seconds: float, *, utc: bool = False) -> str:
    """A status time as Juju shows it (``common.FormatTime``).

    Args:
        seconds: seconds since the epoch.
        utc: ``juju status --utc``: ``2026-11-21 19:57:03Z``; otherwise local time as
            ``21 Nov 2026 19:57:03Z`` (or ``+01:00`` away from UTC).
    """
    moment = _moment(seconds, utc)
    if utc:
        return moment.strftime('%Y-%m-%d %H:%M:%SZ')
    month = _MONTHS[moment.month - 1]  # not %b: that follows the locale, Go does not
    return f'{moment.day:02d} {month} {moment.year} {moment:%H:%M:%S}{_offset(moment)}'


def format_timestamp(seconds: float, *, utc: bool = False) -> str:
    """The controller timestamp as Juju shows it: ``19:57:03Z``, or local ``20:57:03+01:00``."""
    moment = _moment(seconds, utc)
    return f'{moment:%H:%M:%S}Z' if utc else f'{moment:%H:%M:%S}{_offset(moment)}'


def _truncate(message: str, limit: int = MAX_MESSAGE) -> str:
    if len(message) > limit:
        return message[: limit - len(_ELLIPSIS)] + _ELLIPSIS
    return message


def format_ports(ports: Iterable[str]) -> str:
    """Open ports as Juju's tabular output groups them: ``80-82,443/tcp 53/udp icmp``.

    Consecutive single ports of one protocol collapse into a range, ports are listed per
    protocol in numeric order, and protocols are separated by a space (``printPorts``).
    """

    def order(port: str) -> tuple[int, str]:
        return len(port), port  # Juju's sortablePorts: shorter first, then text

    entries: dict[str, list[str]] = {}  # protocol key -> ports not folded into a range
    ends: dict[str, dict[str, str]] = {}  # protocol key -> range start -> range end
    starts: dict[str, dict[int, str]] = {}  # protocol key -> port -> start of its range
    for port in sorted(set(ports), key=order):
        number, _, protocol = port.partition('/')
        key = f'/{protocol}' if protocol else number
        listed, runs, start_of = (
            entries.setdefault(key, []),
            ends.setdefault(key, {}),
            starts.setdefault(key, {}),
        )
        if protocol and number.isdigit():
            value = int(number)
            if value - 1 in start_of:
                start_of[value] = start_of[value - 1]
                runs[start_of[value]] = number
                continue
            start_of[value] = number
        listed.append(number)
    texts: list[str] = []
    for key in sorted(entries):
        if not key.startswith('/'):
            texts.append(key)  # a protocol without ports, e.g. icmp
            continue
        listed = [f'{n}-{ends[key][n]}' if n in ends[key] else n for n in entries[key]]
        texts.append(','.join(listed) + key)
    return ' '.join(texts)


def _base(base: str) -> dict[str, str]:
    name, _, channel = base.partition('@')
    # Juju's channel DisplayString drops the default risk.
    return {'name': name, 'channel': channel.removesuffix('/stable')}


def _zone(machine: model.Machine) -> str:
    if machine.zone:
        return machine.zone
    for item in machine.hardware.split():
        key, _, value = item.partition('=')
        if key == 'availability-zone':
            return value
    return ''


def _instance_status(machine: model.Machine) -> str:
    # The cloud's view of the instance; olm's machine records keep only the agent's.
    return {'pending': 'pending', 'error': 'provisioning error'}.get(machine.status, 'running')


def _store_and_path(url: str) -> tuple[str, str]:
    # An offer URL is [<source>:][<user>/]<model>.<application>; no source means this one.
    source, sep, path = url.partition(':')
    if sep and '/' not in source:
        return source, path
    return 'local', url


def _agent_doing(agent: model.Status) -> str:
    if agent.current != 'executing':
        return ''
    match = _RUNNING_HOOK.search(agent.message) or _RUNNING_ACTION.search(agent.message)
    return match.group(1) if match else ''


# --- YAML / JSON ------------------------------------------------------------------------------


def _status_info(status: model.Status, *, utc: bool, version: str | None = None) -> dict[str, Any]:
    # Juju's statusInfoContents, whose fields are all omitempty.
    info: dict[str, Any] = {}
    if status.current:
        info['current'] = status.current
    if status.message:
        info['message'] = status.message
    if status.since:
        info['since'] = format_since(status.since, utc=utc)
    if version:
        info['version'] = version
    return info


def _machine_dict(view: ModelView, machine: model.Machine, *, utc: bool) -> dict[str, Any]:
    agent_version = view.version if machine.status != 'pending' else None
    data: dict[str, Any] = {
        'juju-status': _status_info(model.Status(machine.status), utc=utc, version=agent_version),
    }
    if machine.hostname:
        data['hostname'] = machine.hostname
    if machine.address:
        data['dns-name'] = machine.address
        data['ip-addresses'] = [a.ip for a in machine.addresses] or [machine.address]
    data['instance-id'] = machine.instance_id or 'pending'
    data['machine-status'] = _status_info(
        model.Status(_instance_status(machine), machine.message), utc=utc
    )
    data['modification-status'] = {'current': 'idle'}
    data['base'] = _base(machine.base)
    if machine.addresses:
        data['network-interfaces'] = _network_interfaces(machine)
    if machine.constraints:
        data['constraints'] = machine.constraints
    if machine.hardware:
        data['hardware'] = machine.hardware
    return data


def _network_interfaces(machine: model.Machine) -> dict[str, Any]:
    """``network-interfaces``: each device with an address, its MAC, and its space.

    juju/juju ``cmd/juju/status`` ``NetworkInterface`` (``ip-addresses``, ``mac-address``,
    ``gateway``, ``dns-nameservers``, ``space``, ``is-up``); empty values are left out, as
    Juju's ``omitempty`` does. ``space`` is the space of the device's first address (Juju's
    ``alpha`` for a subnet in no space).
    """
    devices: dict[str, Any] = {}
    for address in machine.addresses:
        device = devices.setdefault(
            address.interface,
            {
                'ip-addresses': [],
                'mac-address': address.mac,
                'space': address.space or 'alpha',
                'is-up': True,
            },
        )
        device['ip-addresses'].append(address.ip)
    return devices


def _unit_dict(
    view: ModelView, app: model.Application, unit: model.Unit, *, utc: bool
) -> dict[str, Any]:
    workload, agent = unit_display_status(unit, failure_label(unit, view.relations))
    agent_version = view.version if agent.current != 'allocating' else None
    data: dict[str, Any] = {
        'workload-status': _status_info(workload, utc=utc),
        'juju-status': _status_info(agent, utc=utc, version=agent_version),
    }
    if app.leader == unit.name:
        data['leader'] = True
    if unit.machine:
        data['machine'] = unit.machine
    if unit.ports:
        data['open-ports'] = list(unit.ports)
    machine = view.machine(unit.machine)
    if machine is not None and machine.address:
        data['public-address'] = machine.address
    return data


def _app_relations(view: ModelView, name: str) -> dict[str, list[dict[str, str]]]:
    relations: dict[str, list[dict[str, str]]] = {}
    for relation in sorted(view.relations, key=lambda r: r.id):
        if not any(e.application == name for e in relation.endpoints):
            continue
        relations.setdefault(relation.endpoint_of(name).name, []).append(
            {
                'related-application': relation.other_application(name),
                'interface': relation.interface,
                'scope': view.relation_scopes.get(relation.id, 'global'),
            }
        )
    return {k: relations[k] for k in sorted(relations)}


def _bindings(view: ModelView, app: model.Application) -> dict[str, str]:
    default = app.bindings.get('', 'alpha')
    endpoints = set(view.charm_endpoints.get(app.name, ()))
    if app.name not in view.charm_endpoints:
        endpoints |= {
            e.name for r in view.relations for e in r.endpoints if e.application == app.name
        }
    endpoints |= set(app.bindings)
    endpoints.discard('')
    return {'': default} | {e: app.bindings.get(e, default) for e in sorted(endpoints)}


def _application_dict(view: ModelView, app: model.Application, *, utc: bool) -> dict[str, Any]:
    units = view.units_of(app.name)
    revision = view.charm_revision(app)
    data: dict[str, Any] = {
        'charm': f'local:{app.charm_name}-{revision}',
        'base': _base(app.base),
        'charm-origin': 'local',
        'charm-name': app.charm_name,
        'charm-rev': revision,
    }
    if app.channel:
        data['charm-channel'] = app.channel
    data['exposed'] = app.exposed
    if app.life == 'dying':
        data['life'] = 'dying'
    data['application-status'] = _status_info(application_status(app, units), utc=utc)
    relations = _app_relations(view, app.name)
    if relations:
        data['relations'] = relations
    if units:
        data['units'] = {u.name: _unit_dict(view, app, u, utc=utc) for u in units}
    version = _workload_version(units)
    if version:
        data['version'] = version
    data['endpoint-bindings'] = _bindings(view, app)
    return data


def _remote_dict(view: ModelView, remote: model.RemoteApplication, *, utc: bool) -> dict[str, Any]:
    relations: dict[str, list[str]] = {}
    for relation in sorted(view.relations, key=lambda r: r.id):
        if any(e.application == remote.name for e in relation.endpoints):
            endpoint = relation.endpoint_of(remote.name).name
            relations.setdefault(endpoint, []).append(relation.other_application(remote.name))
    data: dict[str, Any] = {
        'url': remote.url,
        'endpoints': {
            name: {'interface': interface, 'role': role}
            for name, (role, interface) in sorted(remote.endpoints.items())
        },
        'application-status': _status_info(remote.status, utc=utc),
    }
    if relations:
        data['relations'] = {k: relations[k] for k in sorted(relations)}
    return data


def to_dict(view: ModelView, *, utc: bool = False) -> dict[str, Any]:
    """The model as ``juju status --format yaml|json`` shows it: plain, JSON-able data.

    Keys follow Juju's ``formattedStatus``; empty optional fields are left out as Juju's
    ``omitempty`` does (a unit without open ports has no ``open-ports``).

    Args:
        view: the model.
        utc: show times in UTC (``juju status --utc``) rather than local time.
    """
    now = view.timestamp if view.timestamp is not None else time.time()
    data: dict[str, Any] = {
        'model': {
            'name': view.name,
            'type': 'iaas',
            'controller': view.controller,
            'cloud': view.cloud,
            'region': view.region,
            'version': view.version,
            'model-status': _status_info(view.model_status, utc=utc),
        },
        'machines': {
            m.id: _machine_dict(view, m, utc=utc)
            for m in sorted(view.machines, key=lambda m: natural_key(m.id))
        },
        'applications': {
            a.name: _application_dict(view, a, utc=utc)
            for a in sorted(view.applications, key=lambda a: natural_key(a.name))
        },
    }
    if view.remote_applications:
        data['application-endpoints'] = {
            r.name: _remote_dict(view, r, utc=utc)
            for r in sorted(view.remote_applications, key=lambda r: natural_key(r.name))
        }
    data['controller'] = {'timestamp': format_timestamp(now, utc=utc)}
    return data


# --- tabular ----------------------------------------------------------------------------------


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
    if notes:
        header.append('Notes')
        values.append(_truncate('; '.join(notes)))
    return _table([header, values])


def _saas_section(view: ModelView) -> list[str]:
    rows = [['SAAS', 'Status', 'Store', 'URL']]
    for remote in sorted(view.remote_applications, key=lambda r: natural_key(r.name)):
        store, path = _store_and_path(remote.url)
        rows.append([remote.name, remote.status.current, store, path])
    return _table(rows)


def _app_section(view: ModelView) -> list[str]:
    rows = [['App', 'Version', 'Status', 'Scale', 'Charm', 'Channel', 'Rev', 'Exposed', 'Message']]
    for app in sorted(view.applications, key=lambda a: natural_key(a.name)):
        units = view.units_of(app.name)
        version = _workload_version(units).split('\n')[0]
        if len(version) > _MAX_VERSION:
            version = version[: _MAX_VERSION - len(_ELLIPSIS)] + _ELLIPSIS
        status = application_status(app, units)
        rows.append(
            [
                app.name,
                version,
                status.current,
                _scale(units),
                app.charm_name,
                app.channel or '',
                str(view.charm_revision(app)),
                'yes' if app.exposed else 'no',
                _truncate(status.message),
            ]
        )
    return _table(rows, right=frozenset({3, 6}))  # Scale and Rev, as Juju aligns them


def _unit_section(view: ModelView) -> list[str]:
    leaders = {a.leader for a in view.applications if a.leader}
    known = {a.name for a in view.applications}
    rows = [['Unit', 'Workload', 'Agent', 'Machine', 'Public address', 'Ports', 'Message']]
    for unit in sorted(view.units, key=lambda u: natural_key(u.name)):
        if unit.application not in known:
            continue
        workload, agent = unit_display_status(unit, failure_label(unit, view.relations))
        message = workload.message
        if agent.current == 'allocating' and not message:
            message = agent.message
        doing = _agent_doing(agent)
        if doing:
            message = f'({doing}) {message}'
        machine = view.machine(unit.machine)
        rows.append(
            [
                unit.name + ('*' if unit.name in leaders else ''),
                workload.current,
                agent.current,
                unit.machine,
                machine.address if machine is not None else '',
                format_ports(unit.ports),
                _truncate(message),
            ]
        )
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
            _zone(machine),
            _truncate(machine.message),
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
                relation_type(relation, view.relation_scopes.get(relation.id, 'global')),
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
