"""Machines as rows: the pool's and the model's, with shared values interned on reading."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TypeVar

from ... import cloud
from .. import model

MACHINE_COLUMNS = (
    'id, instance_id, hostname, address, zone, hardware, constraints, base, status, message, '
    'addresses, since'
)
"""A model machine's columns, in the order :func:`juju_machine` reads them."""
POOL_COLUMNS = (
    'system_id, hostname, arch, cores, memory, disks, tags, zone, pool, power_type, '
    'power_parameters, address, status, previous_status, owner, status_message, interfaces'
)
"""A pool machine's columns, in the order :func:`machine_from_row` reads them (the table also
has ``spaces``, an index column :func:`spaces_text` fills, which no machine is read from)."""
POWER_INDEX = 10
"""Where a pool machine's power parameters (BMC credentials: sealed) are in its row."""


def machine_to_row(m: cloud.Machine) -> tuple[object, ...]:
    disks = [
        [d.name, d.size, sorted(d.tags), d.boot, d.model, d.serial, d.wwn, d.id_path]
        for d in m.disks
    ]
    return (
        m.system_id, m.hostname, m.arch, m.cores, m.memory, json.dumps(disks),
        json.dumps(sorted(m.tags)), m.zone, m.pool, m.power_type,
        json.dumps(dict(m.power_parameters)), m.address, int(m.status),
        None if m.previous_status is None else int(m.previous_status), m.owner,
        m.status_message, json.dumps(_interfaces_to_data(m.interfaces)) if m.interfaces else '[]',
    )  # fmt: skip


def spaces_text(m: cloud.Machine) -> str:
    """The ``spaces`` column: the spaces a machine reaches, each between commas (``,a,b,``).

    So that "reaches space S" is ``instr(spaces, ',S,')``, read from the covering index of
    Ready machines rather than from a table lookup per machine.
    """
    return f',{",".join(sorted(m.spaces))},' if m.spaces else ''


def _interfaces_to_data(interfaces: Iterable[cloud.Interface]) -> list[list[object]]:
    return [
        [i.name, i.type, i.mac, list(i.parents), i.vid, i.mtu,
         [[ln.subnet, ln.mode, ln.ip, ln.space, ln.prefixlen] for ln in i.links]]
        for i in interfaces
    ]  # fmt: skip


def _interfaces_from_data(text: str) -> tuple[cloud.Interface, ...]:
    if text == '[]':
        return ()
    return tuple(
        cloud.Interface(
            name,
            kind,
            mac,
            tuple(parents),
            vid,
            tuple(cloud.Link(*link) for link in links),
            mtu,
        )
        for name, kind, mac, parents, vid, mtu, links in json.loads(text)
    )


_T = TypeVar('_T')
_interned: dict[object, object] = {}
_INTERNED_MAX = 8192
"""Past this many values (a real inventory's disks carry their serial numbers) new ones are
not kept: the table must not grow with every row a command reads."""


def _shared(value: _T) -> _T:
    """One object per distinct value, so a large pool stores each tag set and disk once.

    Only for values a pool repeats (a few dozen hardware shapes, tag and space sets, zones):
    the table lives as long as the process, so a per-machine value (a link with its address)
    is not offered, and the table stops growing at :data:`_INTERNED_MAX`.
    """
    found = _interned.get(value)
    if found is not None:
        return found  # pyright: ignore[reportReturnType]
    if len(_interned) < _INTERNED_MAX:
        _interned[value] = value
    return value


def disks_from_data(text: str) -> tuple[cloud.Disk, ...]:
    """A machine's block devices from its ``disks`` column."""
    return tuple(
        _shared(cloud.Disk(name, size, _shared(frozenset(dtags)), boot, *identity))
        for name, size, dtags, boot, *identity in json.loads(text)
    )


def machine_from_row(row: tuple[object, ...]) -> cloud.Machine:
    (system_id, hostname, arch, cores, memory, disks, tags, zone, pool, power_type, power,
     address, status, previous, owner, message, interfaces) = row  # fmt: skip
    nics = _interfaces_from_data(str(interfaces))
    return cloud.Machine(
        system_id=str(system_id),
        hostname=str(hostname),
        arch=_shared(str(arch)),
        cores=int(str(cores)),
        memory=int(str(memory)),
        disks=disks_from_data(str(disks)),
        tags=_shared(frozenset(json.loads(str(tags)))),
        zone=_shared(str(zone)),
        pool=_shared(str(pool)),
        power_type=_shared(str(power_type)),
        power_parameters=json.loads(str(power)),
        address=str(address),
        interfaces=nics,
        spaces=_shared(frozenset(ln.space for i in nics for ln in i.links)),
        status=cloud.Status(int(str(status))),
        previous_status=None if previous is None else cloud.Status(int(str(previous))),
        owner=None if owner is None else str(owner),
        status_message=str(message),
    )


def juju_machine(row: tuple[object, ...]) -> model.Machine:
    (id_, instance_id, hostname, address, zone, hardware, constraints, base, status,
     message, addresses, since) = row  # fmt: skip
    return model.Machine(
        id=str(id_),
        instance_id=str(instance_id),
        hostname=str(hostname),
        address=str(address),
        zone=str(zone),
        hardware=str(hardware),
        constraints=str(constraints),
        base=str(base),
        status=str(status),
        message=str(message),
        addresses=tuple(model.MachineAddress(*a) for a in json.loads(str(addresses))),
        since=float(str(since)),
    )
