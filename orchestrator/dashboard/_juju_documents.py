"""Juju's JSON documents read into the dashboard's types: ``juju status`` and ``juju secrets``.

olm writes the same documents (``olm status --format json``, ``olm secrets --format json``) as
a real client prints them, so one reader serves both sources. The shapes are Juju 3.x's:
``cmd/juju/status/formatted.go`` (juju/juju, 3.6) for status, where each application lists its
relations per endpoint as ``{related-application, interface, scope}`` and a consumed offer is
under ``application-endpoints``; ``cmd/juju/secrets/list.go`` for secrets (metadata only unless
``--reveal``, which the dashboard never passes). Juju 2.9 listed only the related applications'
names per endpoint; such an edge is drawn with the interface left blank.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, cast

from ._snapshot import Application, MetalMachine, Relation, SecretInfo, Unit

__all__ = ['StatusReading', 'read_secrets', 'read_status']

_REVISION = re.compile(r'-(\d+)$')


class StatusReading:
    """The graph, the units and the model's machines of one ``juju status`` document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.model: str = str(_map(document.get('model')).get('name', ''))
        apps = _map(document.get('applications'))
        saas = _map(document.get('application-endpoints'))
        self.units: tuple[Unit, ...] = tuple(_units(apps))
        self.applications: tuple[Application, ...] = tuple(
            [_application(name, _map(data), self.units) for name, data in apps.items()]
            + [_saas(name, _map(data)) for name, data in saas.items()]
        )
        self.relations: tuple[Relation, ...] = tuple(_relations(apps, saas))
        self.offers: tuple[str, ...] = tuple(_map(document.get('offers')))
        self.machines: tuple[MetalMachine, ...] = tuple(
            _machine(mid, _map(data), self.units)
            for mid, data in _map(document.get('machines')).items()
        )


def read_status(document: Mapping[str, Any]) -> StatusReading:
    """Read a ``juju status --format json`` document."""
    return StatusReading(document)


def read_secrets(document: Mapping[str, Any]) -> tuple[SecretInfo, ...]:
    """Read a ``juju secrets --format json`` listing (keyed by the secret's bare id)."""
    secrets: list[SecretInfo] = []
    for sid, raw in document.items():
        data = _map(raw)
        secrets.append(
            SecretInfo(
                uri=sid if sid.startswith('secret:') else f'secret:{sid}',
                owner=str(data.get('owner', '')),
                label=str(data.get('label') or data.get('name') or ''),
                revision=_int(data.get('revision')) or 0,
                rotation=str(data.get('rotation', '')),
                created=str(data.get('created', '')),
                updated=str(data.get('updated', '')),
            )
        )
    return tuple(secrets)


def _map(value: object) -> Mapping[str, Any]:
    return cast('Mapping[str, Any]', value) if isinstance(value, Mapping) else {}


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _status(data: Mapping[str, Any], key: str) -> tuple[str, str]:
    info = _map(data.get(key))
    return str(info.get('current', 'unknown') or 'unknown'), str(info.get('message', ''))


def _units(apps: Mapping[str, Any]) -> Iterator[Unit]:
    """Every unit: principals under their application, subordinates under their principal."""
    for app, raw in apps.items():
        for name, unit_raw in _map(_map(raw).get('units')).items():
            data = _map(unit_raw)
            yield _unit(name, app, data, principal='')
            for sub_name, sub_raw in _map(data.get('subordinates')).items():
                yield _unit(sub_name, sub_name.split('/')[0], _map(sub_raw), principal=name)


def _unit(name: str, app: str, data: Mapping[str, Any], *, principal: str) -> Unit:
    workload, message = _status(data, 'workload-status')
    agent, agent_message = _status(data, 'juju-status')
    if agent == 'error' and agent_message:
        message = agent_message
    return Unit(
        name=name,
        application=app,
        machine=str(data.get('machine', '')),
        workload=workload,
        agent=agent,
        message=message,
        leader=bool(data.get('leader', False)),
        principal=principal,
    )


def _application(name: str, data: Mapping[str, Any], units: tuple[Unit, ...]) -> Application:
    status, message = _status(data, 'application-status')
    charm = str(data.get('charm-name') or data.get('charm') or '')
    revision = _int(data.get('charm-rev'))
    if revision is None:  # ``local:foo-3``, ``ch:amd64/foo-12``
        match = _REVISION.search(str(data.get('charm', '')))
        revision = int(match.group(1)) if match else None
    subordinate_to = tuple(str(p) for p in cast('list[Any]', data.get('subordinate-to') or []))
    return Application(
        name=name,
        charm=charm,
        revision=revision,
        status=status,
        message=message,
        units=tuple(u.name for u in units if u.application == name),
        subordinate_to=subordinate_to,
        exposed=bool(data.get('exposed', False)),
    )


def _saas(name: str, data: Mapping[str, Any]) -> Application:
    status, message = _status(data, 'application-status')
    return Application(name=name, status=status, message=message, saas=True,
                       url=str(data.get('url', '')))  # fmt: skip


def _relations(apps: Mapping[str, Any], saas: Mapping[str, Any]) -> Iterator[Relation]:
    """One edge per related pair and interface; peer relations are not drawn.

    Each relation is listed at both of its ends; an end whose other side lists it too gives
    both endpoints. A SAAS entry lists only the names it relates to: its interface is read
    from its ``endpoints``.
    """
    ends: dict[tuple[str, str, str], dict[str, str]] = {}
    scopes: dict[tuple[str, str, str], str] = {}

    def add(app: str, endpoint: str, other: str, interface: str, scope: str) -> None:
        if other == app or not other:
            return
        pair = sorted((app, other))
        key = (pair[0], pair[1], interface)
        ends.setdefault(key, {})[app] = endpoint
        if scope:
            scopes[key] = scope

    for app, raw in apps.items():
        for endpoint, related in _map(_map(raw).get('relations')).items():
            for entry in cast('list[Any]', related or []):
                if isinstance(entry, Mapping):
                    item = cast('Mapping[str, Any]', entry)
                    add(app, endpoint, str(item.get('related-application', '')),
                        str(item.get('interface', '')), str(item.get('scope', '')))  # fmt: skip
                else:  # Juju 2.9: the related application's name only
                    add(app, endpoint, str(entry), '', '')
    for name, raw in saas.items():
        data = _map(raw)
        endpoints = _map(data.get('endpoints'))
        for endpoint, related in _map(data.get('relations')).items():
            interface = str(_map(endpoints.get(endpoint)).get('interface', ''))
            for other in cast('list[Any]', related or []):
                add(name, endpoint, str(other), interface, 'global')
    # An interface-less end (2.9) joins an edge its other end named, if there is one.
    for key in [k for k in ends if not k[2]]:
        named = [k for k in ends if k[:2] == key[:2] and k[2]]
        if named:
            ends[named[0]] = {**ends.pop(key), **ends[named[0]]}
    for (a, b, interface), by_app in sorted(ends.items()):
        yield Relation(
            apps=(a, b),
            endpoints=(by_app.get(a, ''), by_app.get(b, '')),
            interface=interface,
            scope=scopes.get((a, b, interface), 'global'),
        )


_HARDWARE_FIELD = re.compile(r'(\S+?)=(\S+)')


def _hardware(text: str) -> dict[str, str]:
    """Juju's hardware characteristics string (``arch=amd64 cores=4 mem=16384M …``) as fields.

    juju/juju core/instance ``HardwareCharacteristics.String``: space-separated ``key=value``,
    ``mem``/``root-disk`` in ``M``, ``tags`` comma-separated, ``availability-zone``.
    """
    return dict(_HARDWARE_FIELD.findall(text))


def _mib(value: str | None) -> int | None:
    if not value:
        return None
    match = re.fullmatch(r'(\d+(?:\.\d+)?)([MGTP]?)', value)
    if match is None:
        return None
    scale = {'': 1, 'M': 1, 'G': 1024, 'T': 1024**2, 'P': 1024**3}[match.group(2)]
    return int(float(match.group(1)) * scale)


def _machine(mid: str, data: Mapping[str, Any], units: tuple[Unit, ...]) -> MetalMachine:
    fields = _hardware(str(data.get('hardware', '')))
    status, message = _status(data, 'machine-status')
    agent, _ = _status(data, 'juju-status')
    root = _mib(fields.get('root-disk'))
    return MetalMachine(
        hostname=str(data.get('hostname') or data.get('display-name') or f'machine {mid}'),
        machine=mid,
        system_id=str(data.get('instance-id', '')),
        zone=fields.get('availability-zone', ''),
        status=status if status != 'unknown' else agent,
        arch=fields.get('arch', ''),
        # An LXD machine without limits reports ``cores=0 mem=0M`` (canonical/jubilant
        # tests/unit/fake_statuses.py SUBORDINATES_JSON, Juju 3.6.4): unknown, not none.
        cores=_int(fields.get('cores')) or None,
        memory_mib=_mib(fields.get('mem')) or None,
        disks=(f'root {root // 1024} GiB',) if root is not None else (),
        tags=tuple(t for t in fields.get('tags', '').split(',') if t),
        # A unit in a container (``0/lxd/0``) is on its host: ``juju status`` nests containers
        # under their machine (juju/juju cmd/juju/status/formatted.go ``machineStatus``'s
        # ``Containers``).
        units=tuple(
            u.name
            for u in units
            if (u.machine == mid or u.machine.startswith(f'{mid}/')) and not u.principal
        ),
        message=message,
    )
