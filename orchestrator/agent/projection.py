"""The model as one unit sees it: the ``State`` its charm runs against, and back.

The engine keeps the whole model; a charm sees only its unit's slice of it, as it would under
Juju: its config, whether it leads, its stored state and deferred events, each relation with
only the remote units it has already seen join, and the secrets it owns or was granted at the
revision it tracks. :func:`project` builds that ``State``; the rest of this module turns what a
run produced (ports, stored state, deferred events) into what the model keeps. Nothing here
changes the model.

The remote databags of each relation are kept per unit between hooks (:class:`ProjectionCache`)
and reused while its members and their databags are the same objects: a unit related to
hundreds of others no longer rebuilds them all for every hook. Where a projection relies on
Scenario's private parts (run in place, local databags only, the model's secret revisions),
the types come from :mod:`orchestrator._compat`.
"""

# pyright: strict

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import marshal
import operator
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ops
from ops import testing

from .. import _compat
from ..juju import charmspec
from ..sim.programs import iproute
from ..state import bindings, model
from .hooks import Hook

__all__ = [
    'MODEL_UUID',
    'ProjectionCache',
    'decode_deferred',
    'decode_stored',
    'default_unit_data',
    'encode_deferred',
    'encode_stored',
    'ingress_address',
    'port_text',
    'project',
    'secret_revisions',
    'storage_key',
    'unit_number',
]

MODEL_UUID = '6d3a1c2e-7b0f-4c59-9f1e-0a1b2c3d4e5f'
"""The uuid of a model built without one (in tests); a stored model has its own."""

_STATUS_TYPES: dict[str, Any] = {
    'active': testing.ActiveStatus,
    'blocked': testing.BlockedStatus,
    'maintenance': testing.MaintenanceStatus,
    'waiting': testing.WaitingStatus,
}
_ROTATE = {r.value: r for r in ops.SecretRotate}


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class _AttachedStorage(testing.Storage):
    """A storage instance where Juju attached it on the machine: a block device's path.

    Scenario would make up a directory for it; ``storage-get location`` gives a MAAS volume's
    device (``/dev/sdb``), which is what a charm hands to its workload.
    """

    location: str = ''

    def get_filesystem(self, ctx: Any) -> Path:
        del ctx
        return Path(self.location)


def storage_key(storage_id: str) -> tuple[str, int]:
    """``(name, index)`` of a storage id such as ``data/0``."""
    name, _, index = storage_id.partition('/')
    return name, int(index)


def unit_number(name: str) -> int:
    """The number of a unit name (``app/3`` -> 3)."""
    return int(name.rsplit('/', 1)[1])


class ProjectionCache:
    """The remote databags of each relation as one unit sees them, kept between hooks.

    A unit related to hundreds of others is handed, hook after hook, the same ``{unit number:
    databag}`` mapping for every relation its hook is not about; building them all again was
    most of its projection. An entry is checked against the model on every use: the members
    must be the same units in the same order and each member's databag the same object (a
    commit replaces a databag, it never edits one in place; an edit in place would show anyway,
    the mapping holds the model's own databags), so a change is always seen and nothing has to
    be told to invalidate it. The mappings are shared between projections: Scenario and ops
    only read them (remote databags are read-only to a charm).
    """

    def __init__(self) -> None:
        self._model: Callable[[], model.Model | None] = lambda: None
        self._entries: dict[tuple[str, int], _RemoteEntry] = {}

    def remote_databags(
        self, m: model.Model, unit: str, relation: model.Relation, members: tuple[str, ...]
    ) -> dict[int, dict[str, str]]:
        """``{unit number: databag}`` of ``members`` in ``relation``, as ``unit`` sees it."""
        if self._model() is not m:
            # Another model (a new command's session): its databags are other objects, so
            # the old entries could never match; drop them rather than keep them alive.
            self._entries.clear()
            self._model = weakref.ref(m)
        key = (unit, relation.id)
        bags = tuple(map(relation.unit_data.get, members))
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.members == members
            and all(map(operator.is_, entry.bags, bags))
        ):
            return entry.data
        data = {unit_number(u): relation.unit_data.get(u, {}) for u in members}
        if None in bags:
            # A member without a databag gets a fresh empty one: nothing to recognise later.
            self._entries.pop(key, None)
        else:
            self._entries[key] = _RemoteEntry(members, bags, data)
        return data

    def __len__(self) -> int:
        return len(self._entries)


@dataclasses.dataclass(frozen=True, slots=True)
class _RemoteEntry:
    members: tuple[str, ...]
    bags: tuple[dict[str, str] | None, ...]
    data: dict[int, dict[str, str]]


def project(
    m: model.Model,
    unit: model.Unit,
    hook: Hook,
    spec: charmspec.CharmSpec,
    cache: ProjectionCache | None = None,
) -> testing.State:
    """The unit's view of the model, as the ``State`` its charm runs against.

    ``cache`` keeps the remote databags between projections of the same model; without it
    they are built afresh (the same result).
    """
    app = m.applications[unit.application]
    leader = app.leader == unit.name
    machine = m.machines.get(unit.machine)
    relations: list[Any] = []
    progress = unit.progress
    for relation in m.unit_relations(unit):
        view = progress.relations.get(relation.id)
        is_hook_relation = hook.relation_id == relation.id
        if view is None or not view.created:
            if not (is_hook_relation and hook.kind == 'relation-created'):
                continue
            view = model.RelationView()
        if view.broken:
            continue
        relations.append(_relation(m, relation, unit, view, hook, leader, cache))
    default = app.bindings.get('') or bindings.ALPHA
    networks = [
        _network(name, machine, app.bindings.get(name) or default) for name in spec.bindable
    ]
    return _compat.ProjectedState(
        config=dict(app.config),
        relations=relations,
        networks=networks,
        leader=leader,
        model=testing.Model(name=m.name, uuid=m.uuid or MODEL_UUID, type='lxd'),
        secrets=_secrets(m, unit, leader),
        opened_ports=[_port(p) for p in unit.ports],
        planned_units=sum(1 for u in m.units_of(app.name) if u.life == 'alive'),
        unit_status=_status(unit.workload) if unit.workload_set else testing.UnknownStatus(),
        app_status=_status(app.status) if app.status else testing.UnknownStatus(),
        workload_version=unit.workload_version,
        storages=[
            _AttachedStorage(storage_key(sid)[0], index=storage_key(sid)[1], location=location)
            for sid, location in unit.storage.items()
        ],
        resources=[
            # Where resource-get puts the file on the unit's machine (engine/_resources.py
            # writes it there before the hook).
            testing.Resource(name=name, path=app.resource_path(unit.name, name))
            for name in app.resources
        ],
        stored_states=[decode_stored(s) for s in unit.stored_state],
        deferred=[decode_deferred(d) for d in unit.deferred],
    )


def _relation(
    m: model.Model,
    relation: model.Relation,
    unit: model.Unit,
    view: model.RelationView,
    hook: Hook,
    leader: bool,
    cache: ProjectionCache | None,
) -> Any:
    app = unit.application
    endpoint = relation.endpoint_of(app)
    departing = None
    members = tuple(view.members)
    if hook.relation_id == relation.id:
        if hook.kind == 'relation-departed':
            departing = hook.remote_unit
            members = tuple(u for u in members if u != departing)
        elif hook.kind == 'relation-joined' and hook.remote_unit:
            members += (hook.remote_unit,)
        elif hook.kind == 'relation-broken':
            members = ()
    if cache is None:
        remote = {unit_number(u): relation.unit_data.get(u, {}) for u in members}
    else:
        remote = cache.remote_databags(m, unit.name, relation, members)
    local_unit = relation.unit_data.get(unit.name) or default_unit_data(m, unit, relation)
    if relation.is_peer:
        projected: Any = _compat.ProjectedPeerRelation(
            endpoint.name,
            endpoint.interface,
            id=relation.id,
            # The local databags are copied by the projected relation; the rest are read-only.
            local_app_data=relation.app_data.get(app, {}),
            local_unit_data=local_unit,
            peers_data=remote,
        )
    else:
        remote_app = relation.other_application(app)
        projected = _compat.ProjectedRelation(
            endpoint.name,
            endpoint.interface,
            id=relation.id,
            remote_app_name=remote_app,
            local_app_data=relation.app_data.get(app, {}) if leader else {},
            local_unit_data=local_unit,
            remote_app_data=relation.app_data.get(remote_app, {}),
            remote_units_data=remote,
        )
    if departing is not None:
        _compat.keep_departing(
            projected, unit_number(departing), relation.unit_data.get(departing, {})
        )
    return projected


def _network(name: str, machine: model.Machine | None, space: str) -> testing.Network:
    """``network-get NAME``: the unit machine's devices and addresses in the bound space.

    Juju answers with one bind address per device (its name and MAC) holding that device's
    addresses with their subnets; the ingress address is the first of them and the egress
    subnet its host route (juju/juju ``core/network`` ``NetworkInfo``; ops' ``Network``).
    """
    found = _bound(machine, space)
    devices: dict[str, list[model.MachineAddress]] = {}
    for address in found:
        devices.setdefault(address.interface, []).append(address)
    return testing.Network(
        name,
        bind_addresses=[
            testing.BindAddress(
                [testing.Address(a.ip, cidr=a.cidr or iproute.subnet_of(a.ip)) for a in on],
                interface_name=device,
                mac_address=on[0].mac or None,
            )
            for device, on in devices.items()
        ],
        ingress_addresses=[a.ip for a in found[:1]],
        egress_subnets=[f'{a.ip}/{32 if ":" not in a.ip else 128}' for a in found[:1]],
    )


@functools.lru_cache(maxsize=4096)
def _bound(machine: model.Machine | None, space: str) -> list[model.MachineAddress]:
    if machine is None:
        return [model.MachineAddress('', '', '192.0.2.0', '192.0.2.0/24')]
    return bindings.addresses_in(machine, space)


def ingress_address(m: model.Model, unit: model.Unit, endpoint: str) -> str:
    """The unit's address for ``endpoint``: the first one in the space it is bound to."""
    app = m.applications[unit.application]
    space = app.bindings.get(endpoint) or app.bindings.get('') or bindings.ALPHA
    found = _bound(m.machines.get(unit.machine), space)
    return found[0].ip if found else ''


def default_unit_data(
    m: model.Model, unit: model.Unit, relation: model.Relation
) -> dict[str, str]:
    """What Juju puts in a unit's databag when it enters a relation's scope.

    The address is the ingress address of the unit's endpoint in that relation, by its
    binding.
    """
    endpoint = next((e.name for e in relation.endpoints if e.application == unit.application), '')
    address = ingress_address(m, unit, endpoint) or '192.0.2.0'
    return {
        'egress-subnets': f'{address}/32',
        'ingress-address': address,
        'private-address': address,
    }


def _secrets(m: model.Model, unit: model.Unit, leader: bool) -> list[testing.Secret]:
    app = unit.application
    secrets: list[testing.Secret] = []
    if not m.secrets:
        return secrets
    granted_relations = {r.id for r in m.relations_of(app)}
    for secret in m.secrets.values():
        latest = secret.revisions.get(secret.latest, {})
        if not latest:
            continue
        owned = (secret.owner_kind == 'app' and secret.owner == app) or (
            secret.owner_kind == 'unit' and secret.owner == unit.name
        )
        if owned:
            projected = testing.Secret(
                dict(latest),
                id=secret.id,
                owner='app' if secret.owner_kind == 'app' else 'unit',
                label=secret.label,
                description=secret.description,
                rotate=_ROTATE.get(secret.rotate or ''),
                expire=_datetime(secret.expire_at),
                remote_grants={rid: set(names) for rid, names in secret.grants.items()},
            )
            _compat.set_secret_revisions(projected, secret.latest, secret.latest)
            _compat.set_secret_rotates(projected, _datetime(secret.rotate_at))
            secrets.append(projected)
            continue
        if app not in secret.app_grants and not any(
            rid in granted_relations and (app in names or unit.name in names)
            for rid, names in secret.grants.items()
        ):
            continue
        consumer = secret.consumers.get(unit.name)
        tracked = consumer.tracked if consumer else secret.latest
        projected = testing.Secret(
            dict(secret.revisions.get(tracked, latest)),
            latest_content=dict(latest),
            id=secret.id,
            label=consumer.label if consumer else None,
        )
        _compat.set_secret_revisions(projected, tracked, secret.latest)
        secrets.append(projected)
    return secrets


def secret_revisions(secret: testing.Secret) -> tuple[int, int]:
    """(tracked, latest) revision of a secret in an output state."""
    return _compat.secret_revisions(secret)


def _datetime(seconds: float | None) -> datetime.datetime | None:
    return None if seconds is None else datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _status(status: model.Status) -> Any:
    kind = _STATUS_TYPES.get(status.current)
    if kind is None:
        return testing.UnknownStatus()
    return kind(status.message)


def _port(text: str) -> Any:
    if text == 'icmp':
        return testing.ICMPPort()
    number, _, protocol = text.partition('/')
    return testing.UDPPort(int(number)) if protocol == 'udp' else testing.TCPPort(int(number))


def port_text(port: Any) -> str:
    """A Scenario port as Juju prints it (``80/tcp``, ``icmp``)."""
    if port.protocol == 'icmp':
        return 'icmp'
    return f'{port.port}/{port.protocol}'


def encode_stored(stored: testing.StoredState) -> dict[str, Any]:
    """A charm's StoredState as JSON-able data (its content is marshal-encoded, as ops does)."""
    return {
        'name': stored.name,
        'owner_path': stored.owner_path,
        'content': base64.b64encode(marshal.dumps(dict(stored.content))).decode(),
    }


def decode_stored(data: Mapping[str, Any]) -> testing.StoredState:
    """Inverse of :func:`encode_stored`."""
    content = marshal.loads(base64.b64decode(data['content']))  # noqa: S302 - our own data
    return testing.StoredState(data['name'], owner_path=data['owner_path'], content=content)


def encode_deferred(event: testing.DeferredEvent) -> dict[str, Any]:
    """A deferred event as JSON-able data."""
    return {
        'handle_path': event.handle_path,
        'owner': event.owner,
        'observer': event.observer,
        'snapshot': base64.b64encode(marshal.dumps(dict(event.snapshot_data))).decode(),
    }


def decode_deferred(data: Mapping[str, Any]) -> testing.DeferredEvent:
    """Inverse of :func:`encode_deferred`."""
    snapshot = marshal.loads(base64.b64decode(data['snapshot']))  # noqa: S302 - our own data
    return testing.DeferredEvent(
        data['handle_path'], data['owner'], data['observer'], snapshot_data=snapshot
    )
