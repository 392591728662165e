"""Writing the pool file format back: records, documents and YAML for large pools."""

# pyright: strict

from __future__ import annotations

import decimal
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, TextIO, cast

import yaml

from ..machine import Disk, Machine
from ..network import Network
from ._build import bulk
from ._network import (
    interfaces_record,
    network_record,
)
from ._schema import MASK, SECRET_WORDS

if TYPE_CHECKING:  # the stubs type libyaml's classes loosely; they behave as the pure ones
    _Dumper = yaml.SafeDumper
else:
    _Dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)


def _format_mib(mib: int) -> str:
    """MiB in the largest binary unit that keeps the value exact (``1536`` -> ``1536M``)."""
    if mib % 1024**2 == 0:
        return f'{mib // 1024**2}T'
    if mib % 1024 == 0:
        return f'{mib // 1024}G'
    return f'{mib}M'


def _format_bytes(size: int) -> int | str:
    """Bytes in the largest decimal unit that shows them exactly with at most two decimals."""
    for suffix, unit in (('T', 1000**4), ('G', 1000**3), ('M', 1000**2), ('K', 1000)):
        if size >= unit and size * 100 % unit == 0:
            return f'{(decimal.Decimal(size) / unit).normalize():f}{suffix}'
    return size


def _is_secret(key: str) -> bool:
    return any(word in key for word in SECRET_WORDS)


def to_record(machine: Machine, *, secrets: bool = False) -> dict[str, object]:
    """One machine in the file format, with its system id and status.

    Args:
        machine: the machine.
        secrets: show power credentials (``power_pass`` and the like). Off by default because a
            record is usually printed; an export that must round-trip turns it on.

    Returns:
        A mapping :func:`parse` accepts back as an entry of ``machines``.
    """
    record: dict[str, object] = {
        'hostname': machine.hostname,
        'system_id': machine.system_id,
        'arch': machine.arch,
        'cores': machine.cores,
        'memory': _format_mib(machine.memory),
        'disks': [_disk_record(disk) for disk in machine.disks],
        'tags': sorted(machine.tags),
        'zone': machine.zone,
        'pool': machine.pool,
        'power_type': machine.power_type,
    }
    if machine.power_parameters:
        record['power_parameters'] = {
            key: MASK if not secrets and _is_secret(key) else value
            for key, value in machine.power_parameters.items()
        }
    if machine.address:
        record['address'] = machine.address
    if machine.interfaces:
        record['interfaces'] = interfaces_record(machine.interfaces)
    record['status'] = machine.status.label
    if machine.owner is not None:
        record['owner'] = machine.owner
    if machine.previous_status is not None:
        record['previous_status'] = machine.previous_status.label
    if machine.status_message:
        record['status_message'] = machine.status_message
    return record


def _disk_record(disk: Disk) -> dict[str, object]:
    record: dict[str, object] = {
        'name': disk.name,
        'size': _format_bytes(disk.size),
        'tags': sorted(disk.tags),
        'boot': disk.boot,
    }
    for key in ('model', 'serial', 'wwn', 'id_path'):
        value = getattr(disk, key)
        if value:
            record[key] = value
    return record


def to_document(
    machines: Iterable[Machine], *, secrets: bool = True, network: Network | None = None
) -> dict[str, object]:
    """An inventory document holding these machines; ``parse`` rebuilds them exactly.

    Args:
        machines: the machines, written in this order.
        secrets: keep power credentials; on by default since a document is meant to be
            imported again, where a masked password would be wrong.
        network: the spaces and subnets the machines' interfaces link to.
    """
    with bulk():
        document: dict[str, object] = dict(network_record(network)) if network else {}
        document['machines'] = [to_record(m, secrets=secrets) for m in machines]
        return document


def dump_yaml(document: object) -> str:
    """YAML text for a document, keys in their order, through libyaml when it is available.

    PyYAML turns the whole document into a node tree before writing any of it, gigabytes for a
    100k-machine inventory; a document whose last key holds one long list of mappings
    (``{'subnets': [...], 'machines': [...]}``) is therefore written a slice of the list at a
    time, which gives the same text.
    """
    with bulk():
        split = _long_list(document)
        if split is None:
            return _dump(document)
        head, key, rows = split
        parts = [_dump(head)] if head else []
        parts.append(_dump({key: rows[:_CHUNK]}))
        parts.extend(
            _dump(rows[start : start + _CHUNK]) for start in range(_CHUNK, len(rows), _CHUNK)
        )
        return ''.join(parts)


def write_yaml(
    out: TextIO,
    machines: Iterable[Machine],
    *,
    network: Network | None = None,
    secrets: bool = True,
) -> int:
    """Write the document of :func:`to_document` as :func:`dump_yaml` does, holding no list.

    The machines are written a slice at a time as they come (from a generator, say), so
    writing a pool of any size takes the memory of one slice.

    Returns:
        How many machines were written.
    """
    with bulk():
        head = dict(network_record(network)) if network else {}
        if head:
            out.write(_dump(head))
        count = 0
        rows: list[object] = []
        first = True
        for machine in machines:
            rows.append(to_record(machine, secrets=secrets))
            count += 1
            if len(rows) == _CHUNK:
                out.write(_dump({'machines': rows} if first else rows))
                rows, first = [], False
        if rows or first:
            out.write(_dump({'machines': rows} if first else rows))
        return count


def _long_list(document: object) -> tuple[dict[object, object], object, list[object]] | None:
    """The other keys, last key and list of a document whose last key holds a long list."""
    if not isinstance(document, dict) or not document:
        return None
    mapping = cast(dict[object, object], document)
    *others, (key, rows) = mapping.items()
    if not isinstance(rows, list):
        return None
    items = cast(list[object], rows)
    if len(items) <= _CHUNK or not all(isinstance(item, dict) for item in items):
        return None
    return dict(others), key, items


_CHUNK: Final = 1000


def _dump(document: object) -> str:
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=None, allow_unicode=True
    )
