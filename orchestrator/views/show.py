"""Juju's ``show-unit``, ``show-model`` and ``models`` documents, from olm's model.

The shapes follow Juju's JSON output (``cmd/juju/application/showunit.go``,
``cmd/juju/model/show.go``, ``cmd/juju/controller/listmodels.go``) closely enough that jubilant
parses them into its ``UnitInfo`` and ``ModelInfo``.
"""

# pyright: strict

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from ..juju.version import JUJU_VERSION
from ..state import model
from ..state.store import CONTROLLER, OWNER, ModelRecord

__all__ = ['CLOUD', 'CONTROLLER_UUID', 'REGION', 'model_info', 'models_listing', 'unit_info']

CLOUD = 'metal-pool'
REGION = 'default'
CONTROLLER_UUID = '0b7e3c1a-5d2f-4e8b-9c6a-1f2e3d4c5b6a'
"""olm's embedded controller has one fixed uuid: there is only ever one per state directory."""


def unit_info(m: model.Model, unit: model.Unit) -> dict[str, Any]:
    """One unit as ``juju show-unit --format json`` shows it (the value under its name)."""
    app = m.applications[unit.application]
    machine = m.machines.get(unit.machine)
    info: dict[str, Any] = {
        'opened-ports': list(unit.ports),
        'charm': f'local:{app.charm_name}-{app.charm_revision}',
        'leader': app.leader == unit.name,
        'life': unit.life,
        'relation-info': [_relation_info(m, unit, r) for r in m.relations_of(unit.application)],
    }
    if unit.machine:
        info['machine'] = unit.machine
    if machine is not None and machine.address:
        info['public-address'] = machine.address
        info['address'] = machine.address
    if unit.workload_version:
        info['workload-version'] = unit.workload_version
    return info


def _relation_info(m: model.Model, unit: model.Unit, relation: model.Relation) -> dict[str, Any]:
    local = relation.endpoint_of(unit.application)
    other = relation.other_application(unit.application)
    remote = local if relation.is_peer else relation.endpoint_of(other)
    info: dict[str, Any] = {
        'relation-id': relation.id,
        'endpoint': local.name,
        'related-endpoint': remote.name,
        'application-data': dict(relation.app_data.get(unit.application, {})),
    }
    if unit.name in relation.scope:
        info['local-unit'] = {
            'in-scope': True,
            'data': dict(relation.unit_data.get(unit.name, {})),
        }
    related = [n for n in relation.scope if n != unit.name and n.split('/')[0] == other]
    if related:
        info['related-units'] = {
            name: {'in-scope': True, 'data': dict(relation.unit_data.get(name, {}))}
            for name in sorted(related, key=model.natural_key)
        }
    return info


def model_info(
    record: ModelRecord, machines: Sequence[model.Machine], *, current: bool
) -> dict[str, Any]:
    """One model as ``juju show-model`` and ``juju models --format json`` show it."""
    return {
        'name': f'{OWNER}/{record.name}',
        'short-name': record.name,
        'model-uuid': record.uuid,
        'model-type': 'iaas',
        'controller-uuid': CONTROLLER_UUID,
        'controller-name': CONTROLLER,
        'is-controller': False,
        'owner': OWNER,
        'cloud': CLOUD,
        'region': REGION,
        'type': 'iaas',
        'life': 'alive',
        'status': {'current': 'available', 'since': _timestamp(record.created)},
        'users': {
            OWNER: {'display-name': OWNER, 'access': 'admin', 'last-connection': 'just now'}
        },
        'machines': {m.id: {'cores': _cores(m.hardware)} for m in machines},
        'agent-version': JUJU_VERSION,
        'is-current': current,
    }


def models_listing(
    records: Sequence[ModelRecord],
    machines: Mapping[str, Sequence[model.Machine]],
    current: str | None,
) -> dict[str, Any]:
    """``juju models --format json``."""
    listing: dict[str, Any] = {
        'models': [
            model_info(r, machines.get(r.name, ()), current=r.name == current) for r in records
        ]
    }
    if current is not None:
        listing['current-model'] = current
    return listing


def _cores(hardware: str) -> int:
    for field in hardware.split():
        key, _, value = field.partition('=')
        if key == 'cores' and value.isdigit():
            return int(value)
    return 0


def _timestamp(when: float) -> str:
    return datetime.datetime.fromtimestamp(when, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
