"""``olm status --format yaml|json``: the document Juju's ``formatted.go`` defines."""

# pyright: strict

from __future__ import annotations

import time
from typing import Any

from ...state import model
from ._derive import app_workload_version, application_status, failure_label, unit_display_status
from ._format import format_since, format_timestamp, formatted_base, instance_status, natural_key
from ._view import ModelView


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
    # Both statuses were set when olm started the machine (Juju: the agent's and the
    # instance's status times).
    data: dict[str, Any] = {
        'juju-status': _status_info(
            model.Status(machine.status, '', machine.since), utc=utc, version=agent_version
        ),
    }
    if machine.hostname:
        data['hostname'] = machine.hostname
    if machine.address:
        data['dns-name'] = machine.address
        data['ip-addresses'] = [a.ip for a in machine.addresses] or [machine.address]
    data['instance-id'] = machine.instance_id or 'pending'
    data['machine-status'] = _status_info(
        model.Status(instance_status(machine), machine.message, machine.since), utc=utc
    )
    data['modification-status'] = {'current': 'idle'}
    data['base'] = formatted_base(machine.base)
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
    apps = {a.name: a for a in view.applications}
    workload, agent = unit_display_status(unit, failure_label(unit, view.relations))
    agent_version = view.version if agent.current != 'allocating' else None
    data: dict[str, Any] = {
        'workload-status': _status_info(workload, utc=utc),
        'juju-status': _status_info(agent, utc=utc, version=agent_version),
    }
    if app.leader == unit.name:
        data['leader'] = True
    if unit.machine and not unit.principal:
        # Juju reports a machine for principal units only (status_internal_test.go: a
        # subordinate shows its public address, not its machine).
        data['machine'] = unit.machine
    if unit.ports:
        data['open-ports'] = list(unit.ports)
    machine = view.machine(unit.machine)
    if machine is not None and machine.address:
        data['public-address'] = machine.address
    subordinates = view.subordinates_of(unit.name)
    if subordinates:
        # juju/juju cmd/juju/status formatted.go ``unitStatus.Subordinates``: the same shape.
        data['subordinates'] = {
            sub.name: _unit_dict(view, apps[sub.application], sub, utc=utc)
            for sub in subordinates
            if sub.application in apps
        }
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
                'scope': view.scope_of(relation),
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
        'base': formatted_base(app.base),
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
    subordinate_to = view.subordinate_to(app)
    if subordinate_to:
        data['subordinate-to'] = subordinate_to
    if units and not app.subordinate:
        # A subordinate's units are shown under their principals' units, not here (Juju's
        # API server fills ``units`` for principal applications only).
        data['units'] = {u.name: _unit_dict(view, app, u, utc=utc) for u in units}
    version = app_workload_version(units)
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
            # A model without a support level: Juju's model SLA "unsupported" (the JUJU_SLA
            # a hook sees), shown by modelStatus's ``sla`` (omitted only when empty).
            'sla': 'unsupported',
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
