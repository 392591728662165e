"""Checking entries: every problem counted, the first named by file, machine and field."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Final, cast

import pydantic
from pydantic_core import ErrorDetails

from ...juju.nearest import did_you_mean
from ..errors import InventoryError
from ..lifecycle import Status
from ..machine import Machine
from ._build import Interner, build_machine, bulk, derive_system_id
from ._network import (
    NetworkChecker,
)
from ._schema import (
    DISK_FIELDS,
    INTERFACE_FIELDS,
    LINK_FIELDS,
    MACHINE_FIELDS,
    MachineSpec,
    bare_name,
    shown,
)

_EXPECTED: Final = 'expected a mapping with a "machines" list'
_TOP_LEVEL_KEYS: Final = ('machines', 'storage-pools', 'spaces', 'subnets')


def parse(data: object, source: str) -> list[Machine]:
    """Check an already-loaded inventory document and build its machines.

    Args:
        data: the document, as ``yaml.safe_load`` returns it.
        source: the file name to put in messages.

    Returns:
        The machines, in document order, with system ids derived for those without one.

    Raises:
        InventoryError: naming the file, machine and field of the first problem, and how many
            more there are; raised before anything is returned.
    """
    with bulk():
        checker = Checker(source)
        items = machine_items(data, source)
        document = cast(Mapping[object, object], data)
        if 'spaces' in document:
            checker.network.set_spaces(document['spaces'])
        if 'subnets' in document:
            checker.network.set_subnets(document['subnets'])
        machines = [machine for item in items if (machine := checker.add(item)) is not None]
        checker.finish()
        return [checker.derived(machine) for machine in machines]


def machine_items(data: object, source: str) -> list[object]:
    """The ``machines`` list of a document, or the reason the document has none."""
    if not isinstance(data, Mapping):
        got = 'an empty document' if data is None else f'a {type(data).__name__}'
        raise InventoryError(f'{source}: {_EXPECTED}, got {got}')
    document = cast(Mapping[object, object], data)
    for key in document:
        if key not in _TOP_LEVEL_KEYS:
            raise unknown_key(key, source)
    if 'machines' not in document:
        raise InventoryError(f'{source}: {_EXPECTED}, got no "machines" key')
    items = document['machines']
    if not isinstance(items, list):
        raise InventoryError(f'{source}: {_EXPECTED}, got machines: {shown(items)}')
    return cast(list[object], items)


def unknown_key(key: object, source: str) -> InventoryError:
    """A top-level key the format does not have, with the known key it most resembles.

    The pool file is olm's own format (MAAS has none: it is fed machine by machine through
    its API), so the message is olm's: ``unknown top-level key 'machine' (did you mean
    "machines"?)``.
    """
    hint = did_you_mean(key, _TOP_LEVEL_KEYS) if isinstance(key, str) else ''
    return InventoryError(
        f'{source}: unknown top-level key {shown(key)}' + (hint or f'; {_EXPECTED}')
    )


class References:
    """The hostname and system id of the machine entries read so far, by first entry.

    A duplicate is found against the entries before it; the system ids derived for machines
    without one avoid those of every entry, so they are derived once the file is read
    (100,000 machines make a few MB of these).

    Attributes:
        count: entries seen.
        hostnames: hostname -> the first entry (from 1) with it.
        system_ids: system id -> the first entry with it.
    """

    def __init__(self) -> None:
        self.count = 0
        self.hostnames: dict[str, int] = {}
        self.system_ids: dict[str, int] = {}

    def add(self, hostname: str | None, system_id: str | None) -> None:
        """One more entry, with its ``hostname`` and ``system_id`` where they are strings."""
        self.count += 1
        if hostname is not None:
            self.hostnames.setdefault(hostname, self.count)
        if system_id is not None:
            self.system_ids.setdefault(system_id, self.count)

    def add_entry(self, item: object) -> None:
        """One more entry, as loaded."""
        self.add(_raw_field(item, 'hostname'), _raw_field(item, 'system_id'))


class _Taken:
    """The system ids a derived one must avoid: the file's ids and hostnames, and those derived."""

    def __init__(self, references: References) -> None:
        self._references = references
        self._derived: set[str] = set()

    def __contains__(self, name: object) -> bool:
        refs = self._references
        return name in refs.system_ids or name in refs.hostnames or name in self._derived

    def add(self, name: str) -> None:
        self._derived.add(name)


class Checker:
    """Checks machine entries one by one, then the rules that span machines.

    Each entry is validated and built as it arrives and its raw form dropped; a machine is
    handed back, its links resolved against the network known so far, while the file is
    still valid; :meth:`derived` gives it its system id once every entry is in.
    Only the first problem (by machine, then field) and a count of the others are kept: that
    is all the error reports. A problem of the machines' fields or of the references between
    them is reported before any of their links (resolving links against the network comes
    after them when a file is read whole), so those are counted apart.

    Attributes:
        source: the file name for messages.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._count = 0
        self._first: tuple[int, int, str] | None = None  # (machine, order found, text)
        self._problems = 0
        self._first_link: tuple[int, int, str] | None = None  # the same, for links
        self._link_problems = 0
        self._references = References()
        self._taken = _Taken(self._references)
        self._seen_ips: dict[str, str] = {}
        self._shared = Interner()
        self.network = NetworkChecker(source)
        self.storage_pools: dict[str, tuple[str, Mapping[str, object]]] = {}

    def set_storage_pools(self, value: object) -> None:
        """Check the ``storage-pools`` mapping: name -> {provider, attrs}."""
        where = f'{self.source}: storage-pools'
        if not isinstance(value, Mapping):
            raise InventoryError(f'{where}: expected a mapping of pool names, got {shown(value)}')
        for name, pool in cast(Mapping[object, object], value).items():
            if not isinstance(name, str) or not isinstance(pool, Mapping):
                raise InventoryError(
                    f'{where}: {shown(name)}: expected a mapping with "provider" and "attrs"'
                )
            fields = cast(Mapping[object, object], pool)
            unknown = [k for k in fields if k not in ('provider', 'attrs')]
            if unknown:
                hint = (
                    did_you_mean(unknown[0], ('provider', 'attrs'))
                    if isinstance(unknown[0], str)
                    else ''
                )
                raise InventoryError(
                    f'{where}: {name}: unknown key {shown(unknown[0])}'
                    + (hint or '; expected "provider" and "attrs"')
                )
            provider = fields.get('provider')
            attrs: object = fields.get('attrs') or {}
            if not isinstance(provider, str):
                raise InventoryError(
                    f'{where}: {name}: provider: expected a storage provider name, '
                    f'got {shown(provider)}'
                )
            if not isinstance(attrs, Mapping):
                raise InventoryError(
                    f'{where}: {name}: attrs: expected a mapping, got {shown(attrs)}'
                )
            self.storage_pools[name] = (provider, dict(cast(Mapping[str, object], attrs)))

    def add(self, item: object) -> Machine | None:
        """Check one entry of ``machines``: the machine, finished, while the file is valid."""
        self._count += 1
        index = self._count
        spec = self._check(index, item)
        refs = self._references
        for field, seen in (('hostname', refs.hostnames), ('system_id', refs.system_ids)):
            value = _raw_field(item, field)
            if value is None:
                continue
            first = seen.setdefault(value, index)
            if first != index:
                self._problem(
                    index, f'duplicate {field} {_quote(value)} (machines {first} and {index})'
                )
        if spec is None or self._problems:
            return None
        machine = build_machine(spec, self._shared)
        if machine.interfaces or machine.address:
            where = f'machine {index} ({machine.hostname})'
            resolved = self.network.resolve(machine, where, self._seen_ips)
            if isinstance(resolved, str):
                self._link_problems += 1
                key = (index, self._link_problems, resolved)
                if self._first_link is None or key < self._first_link:
                    self._first_link = key
                return None
            machine = resolved
        return None if self._first_link is not None else machine

    def derived(self, machine: Machine) -> Machine:
        """The machine with its system id derived if the file gave none (in file order)."""
        if machine.system_id:
            return machine
        return dataclasses.replace(
            machine, system_id=derive_system_id(machine.hostname, self._taken)
        )

    def _check(self, index: int, item: object) -> MachineSpec | None:
        """The entry's fields, and the rules between them; None if any is broken."""
        try:
            spec = MachineSpec.model_validate(item)
        except pydantic.ValidationError as error:
            where = _where(index, item)
            # An unknown key first: a typo'd ``memroy`` is why ``memory`` is missing.
            details = sorted(
                error.errors(include_url=False), key=lambda d: d['type'] != 'extra_forbidden'
            )
            for detail in details:
                self._problem(index, f'{where}: {_describe(detail)}')
            return None
        where = f'machine {index} ({spec.hostname})'
        before = self._problems
        if spec.owner is not None and spec.status is Status.READY:
            self._problem(
                index, f'{where}: owner: a Ready machine has no owner, got {spec.owner!r}'
            )
        if spec.previous_status is not None and spec.status is not Status.BROKEN:
            self._problem(
                index,
                f'{where}: previous_status: only a Broken machine has one, '
                f'got {spec.previous_status.label!r} on a {spec.status.label} machine',
            )
        return spec if self._problems == before else None

    def finish(self, *, links: bool = True) -> None:
        """Once every entry is added: check the rules that span machines.

        ``links=False`` leaves out the problems of links, when they were checked against a
        network the file completes after its machines.

        Raises:
            InventoryError: for the first problem of the file, with the count of the others.
        """
        refs = self._references
        for system_id, index in refs.system_ids.items():
            other = refs.hostnames.get(system_id)
            if other is not None and other != index:
                hostname = next((h for h, i in refs.hostnames.items() if i == index), '')
                where = f'machine {index}' + (f' ({bare_name(hostname)})' if hostname else '')
                self._problem(
                    index,
                    f'{where}: system_id: {system_id!r} is the hostname of machine {other}; '
                    'a reference must name exactly one machine',
                )
        tallies = [(self._first, self._problems)]
        if links:
            tallies.append((self._first_link, self._link_problems))
        for first, count in tallies:
            if first is not None:
                more = count - 1
                suffix = f' (and {more} more problem{"" if more == 1 else "s"})' if more else ''
                raise InventoryError(f'{self.source}: {first[2]}{suffix}')

    def _problem(self, index: int, text: str) -> None:
        self._problems += 1
        key = (index, self._problems, text)
        if self._first is None or key < self._first:
            self._first = key


def _raw_field(item: object, field: str) -> str | None:
    """A string field of a machine entry that may not have validated."""
    if isinstance(item, Mapping):
        value = cast(Mapping[object, object], item).get(field)
        if isinstance(value, str):
            return value
    return None


def _where(index: int, item: object) -> str:
    hostname = _raw_field(item, 'hostname')
    return f'machine {index}' + (f' ({bare_name(hostname)})' if hostname else '')


def _quote(value: str) -> str:
    return f'"{bare_name(value)}"'


def _path(loc: Sequence[int | str]) -> str:
    """``('disks', 1, 'size')`` -> ``disks[1].size``."""
    text = ''
    for part in loc:
        if isinstance(part, int):
            text += f'[{part}]'
        elif part.startswith('['):
            text += part
        else:
            text += f'.{part}' if text else part
    return text


def _describe(detail: ErrorDetails) -> str:
    """One pydantic error as ``field: what is expected, got <value>``."""
    loc = detail['loc']
    kind = detail['type']
    value = detail.get('input')
    if kind == 'value_error':
        message = str(detail.get('ctx', {}).get('error', detail['msg']))
    elif kind == 'missing':
        message = 'required'
    elif kind == 'extra_forbidden':
        in_disk = len(loc) == 3 and loc[0] == 'disks'
        in_interface = len(loc) == 3 and loc[0] == 'interfaces'
        in_link = len(loc) == 5 and loc[0] == 'interfaces'
        fields = (
            DISK_FIELDS
            if in_disk
            else INTERFACE_FIELDS
            if in_interface
            else LINK_FIELDS
            if in_link
            else MACHINE_FIELDS
        )
        hint = did_you_mean(str(loc[-1]), fields.split(', ')) if loc else ''
        message = 'unknown field' + (hint or f'; expected one of {fields}')
    elif kind == 'model_type':
        what = 'a disk' if loc else 'a machine'
        message = f'expected a mapping describing {what}, got {shown(value)}'
    else:
        message = f'{detail["msg"]}, got {shown(value)}'
    path = _path(loc)
    return f'{path}: {message}' if path else message
