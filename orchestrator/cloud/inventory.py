"""Machine inventories: the pool's YAML file format, and a generator of realistic pools.

The metal pool is simulated, so its machines come from a file rather than from commissioning.
The format is what MAAS would know about a commissioned machine, in the units its users already
type: memory like Juju's ``mem=`` (binary, ``1G`` = 1024 MiB) and disk sizes like MAAS's
``storage=`` and disk vendors (decimal, ``1G`` = 10^9 bytes)::

    machines:
      - hostname: node-01        # required; MAAS hostname rule, unique in the file
        system_id: 4y3h7n        # optional; 6 chars [a-z0-9], unique; derived from the hostname
        arch: amd64              # default amd64/generic; a bare arch means <arch>/generic
        cores: 8                 # required, >= 1
        memory: 32G              # required; int = MiB, or a number with M/G/T (binary) suffix
        disks:                   # required, at least one, names unique within the machine
          - {name: sda, size: 480G, tags: [ssd], boot: true}
                                 # size: int = bytes, or a number with K/M/G/T (decimal) suffix;
                                 # at most one boot disk, the first disk if none is flagged
        tags: [ssd, gpu]         # MAAS tag names, ^[a-zA-Z0-9_-]+$, at most 256 chars
        zone: zone-a             # default 'default'
        pool: default            # resource pool, default 'default'
        power_type: ipmi         # a MAAS power driver, default 'manual'
        power_parameters: {power_address: 10.245.0.11, power_user: maas, power_pass: '...'}
        address: 10.246.0.11     # optional boot-interface IP address
        status: Ready            # a MAAS status label, default Ready
        owner: admin             # optional; a Ready machine has none
        previous_status: Deployed  # optional, Broken machines only (olm writes it on export)
        status_message: Broken   # optional (olm writes it on export)

    storage-pools:               # optional: Juju storage pools olm creates in the model on
      ssd:                       # import, as an operator would with
        provider: maas           #   juju create-storage-pool ssd maas tags=ssd
        attrs: {tags: ssd}       # (a maas pool's disks carry all its comma-separated tags)

Fractional sizes round up to the next MiB or byte. Unknown keys are errors everywhere, and so
is a key written twice, so a typo never silently becomes a default.

A file is imported whole or not at all: every machine is checked, then one
:class:`InventoryError` names the file, the machine (numbered from 1, with its hostname) and the
field of the first problem, and counts the others; nothing is returned. :func:`load` reads the
file one machine at a time and machines share their tag sets and disks (a 100k-machine pool
has a few dozen distinct ones), so a large pool costs tens of MB rather than gigabytes.

:func:`to_record` and :func:`to_document` write the same format back (with the system id and
status), and :func:`generate` makes a realistic pool of any size for tests and demos.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import decimal
import gc
import hashlib
import ipaddress
import math
import os
import random
import re
import sys
from collections.abc import Generator, Hashable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Final, cast

import pydantic
import yaml
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic_core import ErrorDetails
from yaml.composer import Composer, ComposerError
from yaml.error import Mark

from ..juju import constraints
from .errors import InventoryError
from .inventory_network import (
    InterfaceSpec,
    NetworkChecker,
    build_interfaces,
    check_interfaces,
    interfaces_record,
    network_record,
)
from .lifecycle import Status
from .machine import Disk, Machine
from .network import Interface, Link, Network, Subnet

if TYPE_CHECKING:  # the stubs type libyaml's classes loosely; they behave as the pure ones
    _BaseLoader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper
else:
    _BaseLoader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    _Dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)

__all__ = [
    'GENERATED_NETWORK',
    'InventoryFile',
    'dump_yaml',
    'generate',
    'load',
    'load_file',
    'parse',
    'to_document',
    'to_record',
]

_MASK: Final = '********'
"""What :func:`to_record` shows instead of a power credential."""

_HOSTNAME_RE: Final = re.compile(r'[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?')
_SYSTEM_ID_RE: Final = re.compile(r'[a-z0-9]{6}')
_TAG_RE: Final = re.compile(r'[a-zA-Z0-9_-]{1,256}')
_NAME_RE: Final = re.compile(r'[a-zA-Z0-9_-]{1,256}')  # zones and resource pools
_DISK_NAME_RE: Final = re.compile(r'[a-zA-Z0-9][a-zA-Z0-9._:-]{0,63}')
_PRINTABLE_RE: Final = re.compile(r'[ -~]{1,64}')
_WWN_RE: Final = re.compile(r'0x[0-9a-f]{16}(?:[0-9a-f]{16})?|(?:eui|naa)\.[0-9a-f]{16,32}')
_ID_PATH_RE: Final = re.compile(r'/dev/(?:disk/by-id/)?[a-zA-Z0-9][a-zA-Z0-9._:+-]{0,255}')
_SUBARCH_RE: Final = re.compile(r'[a-z0-9][a-z0-9._-]{0,31}')
_OWNER_RE: Final = re.compile(r'[\w.@+-]{1,150}')  # Django's username rule, which MAAS uses
_MEMORY_RE: Final = re.compile(r'(\d{1,15}(?:\.\d{1,9})?)\s?([MGTmgt])?')
_SIZE_RE: Final = re.compile(r'(\d{1,18}(?:\.\d{1,9})?)\s?([KMGTkmgt])?')
_INT32: Final = 2**31 - 1  # MAAS stores cpu_count and memory in 32-bit integer columns
_INT64: Final = 2**63 - 1  # and block device sizes in 64-bit ones
_MIB_PER: Final = {'M': 1, 'G': 1024, 'T': 1024**2}
_BYTES_PER: Final = {'K': 1000, 'M': 1000**2, 'G': 1000**3, 'T': 1000**4}

_POWER_TYPES: Final = frozenset({
    'amt', 'apc', 'dli', 'eaton', 'hmc', 'hmcz', 'ipmi', 'lxd', 'manual', 'moonshot', 'mscm',
    'msftocs', 'nova', 'openbmc', 'proxmox', 'raritan', 'recs_box', 'redfish', 'sm15k', 'ucsm',
    'virsh', 'vmware', 'webhook', 'wedge',
})  # fmt: skip
"""MAAS's power drivers; a typo here would otherwise only show when MAAS powers the machine."""

_SECRET_WORDS: Final = ('pass', 'secret', 'token')
"""Power parameters whose name holds one of these are credentials (``power_pass``, ...)."""

_ID_ALPHABET: Final = 'abcdefghjkmnpqrstuvwxy0123456789'
"""32 symbols without the look-alikes i, l, o and z, so a derived id reads back unambiguously."""

_NO_PARAMS: Final[Mapping[str, str]] = MappingProxyType({})


@contextlib.contextmanager
def _bulk() -> Generator[None, None, None]:
    """Pause the cyclic garbage collector while many acyclic objects are built.

    Reading, checking or writing a large pool allocates millions of small objects, none in a
    cycle; with the collector on, its full passes over the growing heap make a 100k-machine
    file about three times slower to load and to write.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- field validators -------------------------------------------------------------------------


def _show(value: object) -> str:
    """The offending value for a message, cut short so one bad field cannot flood a terminal."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def _bare(value: str) -> str:
    """A name from the file for a message: escaped like ``repr`` but unquoted, cut short."""
    text = repr(value)[1:-1]
    return text if len(text) <= 60 else text[:57] + '...'


def _hostname(value: str) -> str:
    if not _HOSTNAME_RE.fullmatch(value):
        raise ValueError(
            'must be 1-63 lowercase letters, digits and inner hyphens (the MAAS hostname rule), '
            f'got {_show(value)}'
        )
    return value


def _system_id(value: str) -> str:
    if not _SYSTEM_ID_RE.fullmatch(value):
        raise ValueError(f'must be 6 lowercase letters or digits, got {_show(value)}')
    return value


def _arch(value: str) -> str:
    name, slash, sub = value.partition('/')
    supported: tuple[str, ...] = constraints.SUPPORTED_ARCHES
    if name not in supported or (slash and not _SUBARCH_RE.fullmatch(sub)):
        raise ValueError(
            f'must be one of {", ".join(supported)}, optionally with a /subarchitecture, '
            f'got {_show(value)}'
        )
    return sys.intern(f'{name}/{sub or "generic"}')


def _tag(value: str) -> str:
    if not _TAG_RE.fullmatch(value):
        raise ValueError(
            f'must be a MAAS tag name: 1-256 letters, digits, "-" or "_", got {_show(value)}'
        )
    return sys.intern(value)


def _name(value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise ValueError(f'must be 1-256 letters, digits, "-" or "_", got {_show(value)}')
    return sys.intern(value)


def _disk_name(value: str) -> str:
    if not _DISK_NAME_RE.fullmatch(value):
        raise ValueError(
            f'must be a kernel device name such as sda or nvme0n1, got {_show(value)}'
        )
    return sys.intern(value)


def _scaled(number: str, unit: int) -> int:
    """``number * unit`` rounded up, computed in decimal so ``1.92T`` is exactly 1.92e12."""
    return math.ceil(decimal.Decimal(number) * unit)


def _memory(value: object) -> int:
    mib = None
    if isinstance(value, int) and not isinstance(value, bool):
        mib = value
    elif isinstance(value, str) and (match := _MEMORY_RE.fullmatch(value.strip())):
        mib = _scaled(match[1], _MIB_PER[(match[2] or 'M').upper()])
    if mib is None:
        raise ValueError(
            f'must be MiB or a size with an M/G/T suffix (1G = 1024 MiB), got {_show(value)}'
        )
    if mib < 1:
        raise ValueError(f'must be at least 1 MiB, got {_show(value)}')
    return mib


def _disk_size(value: object) -> int:
    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE_RE.fullmatch(value.strip())):
        size = _scaled(match[1], _BYTES_PER[match[2].upper()] if match[2] else 1)
    if size is None:
        raise ValueError(
            f'must be bytes or a size with a K/M/G/T suffix (1G = 10^9 bytes), got {_show(value)}'
        )
    if size < 1:
        raise ValueError(f'must be at least 1 byte, got {_show(value)}')
    return size


def _status(value: object) -> Status:
    if isinstance(value, Status):
        return value
    if not isinstance(value, str):
        raise ValueError(f'must be a MAAS status label such as "Ready", got {_show(value)}')
    return Status.from_label(value)


def _power_type(value: str) -> str:
    if value not in _POWER_TYPES:
        raise ValueError(
            f'must be a MAAS power type ({", ".join(sorted(_POWER_TYPES))}), got {_show(value)}'
        )
    return sys.intern(value)


def _address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f'must be an IPv4 or IPv6 address, got {_show(value)}') from None


def _owner(value: str) -> str:
    if not _OWNER_RE.fullmatch(value):
        raise ValueError(f'must be a MAAS user name, got {_show(value)}')
    return sys.intern(value)


def _printable(value: str) -> str:
    if not _PRINTABLE_RE.fullmatch(value):
        raise ValueError(f'must be 1 to 64 printable ASCII characters, got {_show(value)}')
    return sys.intern(value)


def _wwn(value: str) -> str:
    if not _WWN_RE.fullmatch(value):
        raise ValueError(
            f'must be a WWN as lsblk shows it (0x5000c500a1b2c3d4, eui.0025385b71b2c3d4), '
            f'got {_show(value)}'
        )
    return value


def _id_path(value: str) -> str:
    if not _ID_PATH_RE.fullmatch(value):
        raise ValueError(
            'must be a /dev/disk/by-id/ link or a /dev/ device path, as MAAS records id_path, '
            f'got {_show(value)}'
        )
    return value


# -- file models --------------------------------------------------------------------------------

_Tag = Annotated[str, AfterValidator(_tag)]


class _DiskSpec(pydantic.BaseModel):
    """One entry of a machine's ``disks`` list, as written in the file."""

    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    name: Annotated[str, AfterValidator(_disk_name)]
    size: Annotated[int, BeforeValidator(_disk_size), Field(le=_INT64)]
    tags: list[_Tag] = Field(default_factory=list[_Tag])
    boot: bool = False
    model: Annotated[str, AfterValidator(_printable)] = ''
    serial: Annotated[str, AfterValidator(_printable)] = ''
    wwn: Annotated[str, AfterValidator(_wwn)] = ''
    id_path: Annotated[str, AfterValidator(_id_path)] = ''


def _disks(disks: list[_DiskSpec]) -> list[_DiskSpec]:
    if not disks:
        raise ValueError('must list at least one disk, got []')
    seen: set[str] = set()
    for disk in disks:
        if disk.name in seen:
            raise ValueError(f'disk name {disk.name!r} is used twice; names must be unique')
        seen.add(disk.name)
    boot = [disk.name for disk in disks if disk.boot]
    if len(boot) > 1:
        raise ValueError(
            f'at most one disk can be the boot disk, got {len(boot)} ({", ".join(boot)})'
        )
    return disks


class _MachineSpec(pydantic.BaseModel):
    """One entry of the ``machines`` list, as written in the file (see the module docstring)."""

    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    hostname: Annotated[str, AfterValidator(_hostname)]
    system_id: Annotated[str, AfterValidator(_system_id)] | None = None
    arch: Annotated[str, AfterValidator(_arch)] = 'amd64/generic'
    cores: Annotated[int, Field(ge=1, le=_INT32)]
    memory: Annotated[int, BeforeValidator(_memory), Field(le=_INT32)]
    disks: Annotated[list[_DiskSpec], AfterValidator(_disks)]
    tags: list[_Tag] = Field(default_factory=list[_Tag])
    zone: Annotated[str, AfterValidator(_name)] = 'default'
    pool: Annotated[str, AfterValidator(_name)] = 'default'
    power_type: Annotated[str, AfterValidator(_power_type)] = 'manual'
    power_parameters: dict[str, str] = Field(default_factory=dict[str, str])
    address: Annotated[str, AfterValidator(_address)] | None = None
    interfaces: Annotated[list[InterfaceSpec], AfterValidator(check_interfaces)] = Field(
        default_factory=list[InterfaceSpec]
    )
    status: Annotated[Status, BeforeValidator(_status)] = Status.READY
    owner: Annotated[str, AfterValidator(_owner)] | None = None
    previous_status: Annotated[Status, BeforeValidator(_status)] | None = None
    status_message: str = ''


_DISK_FIELDS: Final = ', '.join(_DiskSpec.model_fields)
_INTERFACE_FIELDS: Final = ', '.join(InterfaceSpec.model_fields)
_LINK_FIELDS: Final = 'subnet, ip, mode'
_MACHINE_FIELDS: Final = ', '.join(_MachineSpec.model_fields)


# -- loading ------------------------------------------------------------------------------------


class _Loader(_BaseLoader, Composer):
    """libyaml's safe loader that composes one machine at a time and refuses duplicate keys.

    ``yaml.load`` builds the node tree of the whole document before constructing anything,
    which for a 100k-machine file is gigabytes; :func:`load` instead walks the events of the
    top level itself and composes each entry of ``machines`` on its own (PyYAML's composer over
    libyaml's events). A key written twice is a mistake in the file that PyYAML would otherwise
    settle silently by keeping the second value.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.anchors = {}  # the composer's state, which libyaml's parser does not set up

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in cast(list[tuple[yaml.Node, yaml.Node]], node.value):
            if key_node.tag == 'tag:yaml.org,2002:merge':
                continue
            key: object = self.construct_object(  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
                key_node, deep=deep
            )
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f'found duplicate key {_show(key)}', key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    # Typed faces of the parser's event interface, which the stubs leave untyped.

    def at(self, kind: type[yaml.Event]) -> bool:
        """Whether the next event is of this kind."""
        return bool(self.check_event(kind))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]

    def skip(self) -> None:
        """Consume the next event."""
        self.get_event()  # pyright: ignore[reportUnknownMemberType]

    def mark(self) -> Mark:
        """Where the next event starts, for messages."""
        event = self.peek_event()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return cast(Mark, event.start_mark)  # pyright: ignore[reportUnknownMemberType]

    def next_value(self) -> object:
        """Compose and construct the next node (with its children) of the stream."""
        node = self.compose_node(None, None)  # pyright: ignore[reportArgumentType]
        return self.construct_document(node)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


_EMPTY_NETWORK: Final = Network()


@dataclasses.dataclass(frozen=True)
class InventoryFile:
    """What an inventory file holds.

    Attributes:
        machines: the machines, in file order.
        storage_pools: pool name -> (provider, attributes), as the file declares them; the
            caller checks them against the storage providers it knows.
        network: its spaces and subnets.
    """

    machines: list[Machine]
    storage_pools: Mapping[str, tuple[str, Mapping[str, object]]]
    network: Network = _EMPTY_NETWORK


def load(path: str | os.PathLike[str]) -> list[Machine]:
    """Read and check an inventory file, one machine at a time; see :func:`load_file`."""
    return load_file(path).machines


def load_file(path: str | os.PathLike[str]) -> InventoryFile:
    """Read and check an inventory file, one machine at a time.

    Args:
        path: the YAML file; named as given in error messages.

    Returns:
        Its machines, in file order, and its storage pools.

    Raises:
        InventoryError: for a missing or unreadable file, invalid YAML or any invalid machine
            or storage pool; nothing is returned, so an import is all or nothing.
    """
    source = os.fspath(path)
    try:
        with open(source, encoding='utf-8') as stream:
            text = stream.read()
    except FileNotFoundError:
        raise InventoryError(f'{source}: no such file') from None
    except IsADirectoryError:
        raise InventoryError(f'{source}: is a directory, not an inventory file') from None
    except UnicodeDecodeError as error:
        raise InventoryError(
            f'{source}: not UTF-8 text ({error.reason} at byte {error.start})'
        ) from None
    except OSError as error:
        raise InventoryError(f'{source}: cannot read: {error.strerror or error}') from None
    checker = _Checker(source)
    loader = _Loader(text)
    try:
        with _bulk():
            _read_document(loader, checker)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f' (line {mark.line + 1}, column {mark.column + 1})' if mark else ''
        problem = error.problem or error.context or 'cannot be parsed'
        raise InventoryError(f'{source}: not valid YAML: {problem}{where}') from None
    except yaml.YAMLError as error:
        raise InventoryError(f'{source}: not valid YAML: {error}') from None
    finally:
        loader.dispose()  # pyright: ignore[reportUnknownMemberType]
    with _bulk():
        machines = checker.finish()
    return InventoryFile(machines, checker.storage_pools, checker.network.network)


def _read_document(loader: _Loader, checker: _Checker) -> None:
    """Feed the ``machines`` entries of a YAML stream to ``checker`` as they are read.

    Anything but a single mapping holding only a ``machines`` sequence is read whole and
    handed to :func:`_machine_items`, so both entry points describe a bad document alike.
    """
    loader.skip()  # stream start
    if loader.at(yaml.StreamEndEvent):
        _machine_items(None, checker.source)
    loader.skip()  # document start
    if not loader.at(yaml.MappingStartEvent):
        _machine_items(loader.next_value(), checker.source)
    loader.skip()
    found = False
    while not loader.at(yaml.MappingEndEvent):
        mark = loader.mark()
        key = loader.next_value()
        if key == 'storage-pools':
            checker.set_storage_pools(loader.next_value())
            continue
        if key == 'spaces':
            checker.network.set_spaces(loader.next_value())
            continue
        if key == 'subnets':
            checker.network.set_subnets(loader.next_value())
            continue
        if key != 'machines':
            raise _unknown_key(key, checker.source)
        if found:
            raise yaml.constructor.ConstructorError(
                None, None, f'found duplicate key {key!r}', mark
            )
        found = True
        if not loader.at(yaml.SequenceStartEvent):
            _machine_items({key: loader.next_value()}, checker.source)
        loader.skip()
        while not loader.at(yaml.SequenceEndEvent):
            checker.add(loader.next_value())
        loader.skip()
    loader.skip()  # mapping end
    if not found:
        _machine_items({}, checker.source)
    loader.skip()  # document end
    if not loader.at(yaml.StreamEndEvent):
        raise ComposerError(
            None, None, 'expected a single document, but found another document', loader.mark()
        )


# -- checking -----------------------------------------------------------------------------------

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
    with _bulk():
        checker = _Checker(source)
        items = _machine_items(data, source)
        document = cast(Mapping[object, object], data)
        if 'spaces' in document:
            checker.network.set_spaces(document['spaces'])
        if 'subnets' in document:
            checker.network.set_subnets(document['subnets'])
        for item in items:
            checker.add(item)
        return checker.finish()


def _machine_items(data: object, source: str) -> list[object]:
    """The ``machines`` list of a document, or the reason the document has none."""
    if not isinstance(data, Mapping):
        got = 'an empty document' if data is None else f'a {type(data).__name__}'
        raise InventoryError(f'{source}: {_EXPECTED}, got {got}')
    document = cast(Mapping[object, object], data)
    for key in document:
        if key not in _TOP_LEVEL_KEYS:
            raise _unknown_key(key, source)
    if 'machines' not in document:
        raise InventoryError(f'{source}: {_EXPECTED}, got no "machines" key')
    items = document['machines']
    if not isinstance(items, list):
        raise InventoryError(f'{source}: {_EXPECTED}, got machines: {_show(items)}')
    return cast(list[object], items)


def _unknown_key(key: object, source: str) -> InventoryError:
    return InventoryError(f'{source}: unknown top-level key {_show(key)}; {_EXPECTED}')


class _Checker:
    """Checks machine entries one by one, then the rules that span machines.

    Each entry is validated and built as it arrives and its raw form dropped, so a large file
    never holds more than its machines. Only the first problem (by machine, then field) and a
    count of the others are kept: that is all the error reports.

    Attributes:
        source: the file name for messages.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._count = 0
        self._first: tuple[int, int, str] | None = None  # (machine, order found, text)
        self._problems = 0
        self._machines: list[Machine] = []
        self._hostnames: dict[str, int] = {}
        self._system_ids: dict[str, int] = {}
        self._shared = _Interner()
        self.network = NetworkChecker(source)
        self.storage_pools: dict[str, tuple[str, Mapping[str, object]]] = {}

    def set_storage_pools(self, value: object) -> None:
        """Check the ``storage-pools`` mapping: name -> {provider, attrs}."""
        where = f'{self.source}: storage-pools'
        if not isinstance(value, Mapping):
            raise InventoryError(f'{where}: expected a mapping of pool names, got {_show(value)}')
        for name, pool in cast(Mapping[object, object], value).items():
            if not isinstance(name, str) or not isinstance(pool, Mapping):
                raise InventoryError(
                    f'{where}: {_show(name)}: expected a mapping with "provider" and "attrs"'
                )
            fields = cast(Mapping[object, object], pool)
            unknown = [k for k in fields if k not in ('provider', 'attrs')]
            if unknown:
                raise InventoryError(
                    f'{where}: {name}: unknown key {_show(unknown[0])}; '
                    'expected "provider" and "attrs"'
                )
            provider = fields.get('provider')
            attrs: object = fields.get('attrs') or {}
            if not isinstance(provider, str):
                raise InventoryError(
                    f'{where}: {name}: provider: expected a storage provider name, '
                    f'got {_show(provider)}'
                )
            if not isinstance(attrs, Mapping):
                raise InventoryError(
                    f'{where}: {name}: attrs: expected a mapping, got {_show(attrs)}'
                )
            self.storage_pools[name] = (provider, dict(cast(Mapping[str, object], attrs)))

    def add(self, item: object) -> None:
        """Check one entry of ``machines`` and, while the file is still valid, build it."""
        self._count += 1
        index = self._count
        spec = self._check(index, item)
        for field, seen in (('hostname', self._hostnames), ('system_id', self._system_ids)):
            value = _raw_field(item, field)
            if value is None:
                continue
            first = seen.setdefault(value, index)
            if first != index:
                self._problem(
                    index, f'duplicate {field} {_quote(value)} (machines {first} and {index})'
                )
        if spec is not None and not self._problems:
            self._machines.append(_machine(spec, self._shared))

    def _check(self, index: int, item: object) -> _MachineSpec | None:
        """The entry's fields, and the rules between them; None if any is broken."""
        try:
            spec = _MachineSpec.model_validate(item)
        except pydantic.ValidationError as error:
            where = _where(index, item)
            for detail in error.errors(include_url=False):
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

    def finish(self) -> list[Machine]:
        """The machines, once the cross-machine rules hold.

        Raises:
            InventoryError: for the first problem of the file, with the count of the others.
        """
        for system_id, index in self._system_ids.items():
            other = self._hostnames.get(system_id)
            if other is not None and other != index:
                hostname = next((h for h, i in self._hostnames.items() if i == index), '')
                where = f'machine {index}' + (f' ({_bare(hostname)})' if hostname else '')
                self._problem(
                    index,
                    f'{where}: system_id: {system_id!r} is the hostname of machine {other}; '
                    'a reference must name exactly one machine',
                )
        if self._first is not None:
            more = self._problems - 1
            suffix = f' (and {more} more problem{"" if more == 1 else "s"})' if more else ''
            raise InventoryError(f'{self.source}: {self._first[2]}{suffix}')
        seen_ips: dict[str, str] = {}
        for n, machine in enumerate(self._machines):
            if machine.interfaces or machine.address:
                resolved = self.network.resolve(
                    machine, f'machine {n + 1} ({machine.hostname})', seen_ips
                )
                if isinstance(resolved, str):
                    self._problem(n + 1, resolved)
                    continue
                self._machines[n] = resolved
        if self._first is not None:
            more = self._problems - 1
            suffix = f' (and {more} more problem{"" if more == 1 else "s"})' if more else ''
            raise InventoryError(f'{self.source}: {self._first[2]}{suffix}')
        taken = {*self._system_ids, *self._hostnames}
        return [
            machine
            if machine.system_id
            else dataclasses.replace(machine, system_id=_derive_system_id(machine.hostname, taken))
            for machine in self._machines
        ]

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
    return f'machine {index}' + (f' ({_bare(hostname)})' if hostname else '')


def _quote(value: str) -> str:
    return f'"{_bare(value)}"'


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
            _DISK_FIELDS
            if in_disk
            else _INTERFACE_FIELDS
            if in_interface
            else _LINK_FIELDS
            if in_link
            else _MACHINE_FIELDS
        )
        message = f'unknown field; expected one of {fields}'
    elif kind == 'model_type':
        what = 'a disk' if loc else 'a machine'
        message = f'expected a mapping describing {what}, got {_show(value)}'
    else:
        message = f'{detail["msg"]}, got {_show(value)}'
    path = _path(loc)
    return f'{path}: {message}' if path else message


class _Interner:
    """One object per distinct tag set, disk and disk layout, shared by every machine.

    A 100k-machine pool has a few dozen of each, so sharing them costs nothing and saves most
    of the memory the machines would otherwise take.
    """

    def __init__(self) -> None:
        self._tags: dict[frozenset[str], frozenset[str]] = {}
        self._disks: dict[Disk, Disk] = {}
        self._layouts: dict[tuple[Disk, ...], tuple[Disk, ...]] = {}

    def tags(self, names: Iterable[str]) -> frozenset[str]:
        key = frozenset(names)
        return self._tags.setdefault(key, key)

    def disk(self, name: str, size: int, tags: Iterable[str], boot: bool, *identity: str) -> Disk:
        disk = Disk(sys.intern(name), size, self.tags(tags), boot, *identity)
        return self._disks.setdefault(disk, disk)

    def layout(self, disks: Iterable[Disk]) -> tuple[Disk, ...]:
        key = tuple(disks)
        return self._layouts.setdefault(key, key)


def _machine(spec: _MachineSpec, shared: _Interner) -> Machine:
    """A machine from a checked entry; the system id stays empty if the file has none."""
    boot = next((i for i, disk in enumerate(spec.disks) if disk.boot), 0)
    ordered = [spec.disks[boot], *spec.disks[:boot], *spec.disks[boot + 1 :]]
    params = spec.power_parameters
    return Machine(
        system_id=spec.system_id or '',
        hostname=spec.hostname,
        arch=spec.arch,
        cores=spec.cores,
        memory=spec.memory,
        disks=shared.layout(
            shared.disk(
                disk.name,
                disk.size,
                disk.tags,
                i == 0,
                disk.model,
                disk.serial,
                disk.wwn,
                disk.id_path,
            )
            for i, disk in enumerate(ordered)
        ),
        tags=shared.tags(spec.tags),
        zone=spec.zone,
        pool=spec.pool,
        power_type=spec.power_type,
        power_parameters=(
            MappingProxyType({sys.intern(k): v for k, v in params.items()})
            if params
            else _NO_PARAMS
        ),
        address=spec.address or '',
        interfaces=build_interfaces(spec.hostname, spec.interfaces),
        status=spec.status,
        previous_status=spec.previous_status,
        owner=spec.owner,
        status_message=spec.status_message,
    )


def _derive_system_id(hostname: str, taken: set[str]) -> str:
    """A MAAS-looking system id from the hostname, stable across imports of the same file.

    Six symbols of 32 give about 10^9 ids, so a 100k pool still sees a few collisions; each is
    resolved by rehashing with a counter, in file order, which keeps the result deterministic.
    ``taken`` holds the ids (and hostnames) already used and receives the new id.
    """
    counter = 0
    while True:
        text = hostname if counter == 0 else f'{hostname}#{counter}'
        number = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest())
        system_id = ''.join(
            _ID_ALPHABET[(number >> shift) & 31] for shift in (0, 5, 10, 15, 20, 25)
        )
        if system_id not in taken:
            taken.add(system_id)
            return system_id
        counter += 1


# -- writing ------------------------------------------------------------------------------------


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
    return any(word in key for word in _SECRET_WORDS)


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
            key: _MASK if not secrets and _is_secret(key) else value
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
    with _bulk():
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
    with _bulk():
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


# -- generator ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    """A server model of the catalogue: a chassis and the memory configurations it ships with."""

    role: str
    arch: str
    cores: int
    memory_gib: tuple[int, ...]
    weight: int


# Weights are per 100 machines: mostly general-purpose x86, some arm64, a few GPU servers (~5%),
# storage servers for the storage pool (~9%). DIMM-like memory sizes only.
_SHAPES: Final = (
    _Shape('edge', 'amd64/generic', 4, (8, 16), 6),
    _Shape('edge', 'amd64/generic', 8, (16, 32), 8),
    _Shape('compute', 'amd64/generic', 16, (64, 128), 12),
    _Shape('compute', 'amd64/generic', 24, (96, 192), 8),
    _Shape('compute', 'amd64/generic', 32, (128, 256), 14),
    _Shape('compute', 'amd64/generic', 48, (192, 384), 8),
    _Shape('compute', 'amd64/generic', 64, (256, 512), 8),
    _Shape('compute', 'amd64/generic', 96, (384, 768), 4),
    _Shape('compute', 'amd64/generic', 128, (512, 1024), 2),
    _Shape('nvme', 'amd64/generic', 32, (256,), 4),
    _Shape('nvme', 'amd64/generic', 64, (512,), 4),
    _Shape('storage', 'amd64/generic', 16, (64, 128), 5),
    _Shape('storage', 'amd64/generic', 24, (128, 256), 4),
    _Shape('gpu', 'amd64/generic', 32, (256,), 2),
    _Shape('gpu', 'amd64/generic', 64, (512, 1024), 3),
    _Shape('compute', 'arm64/generic', 32, (128,), 3),
    _Shape('compute', 'arm64/generic', 64, (256,), 3),
    _Shape('compute', 'arm64/generic', 80, (256, 512), 2),
    _Shape('compute', 'arm64/generic', 128, (512,), 1),
    _Shape('compute', 'ppc64el/generic', 32, (256,), 1),
)

_GB: Final = 1000**3
_TB: Final = 1000**4
# Disk kinds: (interface, block-device tags). Sizes are the usual vendor capacities.
_SATA_SSD: Final = ('sata', ('ssd',))
_NVME: Final = ('nvme', ('nvme', 'ssd'))
_HDD: Final = ('sata', ('rotary',))
_Kind = tuple[str, tuple[str, ...]]
_Layout = tuple[tuple[_Kind, int], ...]  # (kind, bytes), boot disk first


def _layout(role: str, rng: random.Random) -> _Layout:
    """A plausible set of disks (1 to 6) for a server of this role."""
    pick = rng.random()
    if role == 'edge':
        boot = (_SATA_SSD, (240 * _GB, 480 * _GB)[pick < 0.5])
        return (boot, (_SATA_SSD, 960 * _GB)) if rng.random() < 0.4 else (boot,)
    if role == 'compute':
        boot = (_SATA_SSD, (480 * _GB, 960 * _GB)[pick < 0.3])
        data = rng.choice((0, 1, 2, 2, 4))
        kind = _HDD if pick > 0.8 else _SATA_SSD
        size = (
            rng.choice((4 * _TB, 8 * _TB))
            if kind is _HDD
            else rng.choice((960 * _GB, 1920 * _GB, 3840 * _GB))
        )
        return (boot, *((kind, size),) * data)
    if role == 'nvme':
        size = rng.choice((1920 * _GB, 3840 * _GB, 7680 * _GB))
        return ((_NVME, 960 * _GB), *((_NVME, size),) * (2 + int(pick * 3)))
    if role == 'storage':
        size = rng.choice((4 * _TB, 8 * _TB, 12 * _TB, 16 * _TB))
        cache = ((_NVME, 1600 * _GB),) if pick < 0.5 else ()
        return ((_SATA_SSD, 480 * _GB), *cache, *((_HDD, size),) * (5 - len(cache)))
    # gpu
    boot = (_NVME, (960 * _GB, 1920 * _GB)[pick < 0.5])
    return (boot, *((_NVME, 3840 * _GB),) * (1 + (pick > 0.7)))


def _disk_set(layout: _Layout, shared: _Interner) -> tuple[Disk, ...]:
    """Name the disks the way the kernel would (``sda``, ``nvme0n1``) and share them."""
    disks: list[Disk] = []
    counts = {'sata': 0, 'nvme': 0}
    for i, ((bus, tags), size) in enumerate(layout):
        n = counts[bus]
        counts[bus] = n + 1
        name = f'nvme{n}n1' if bus == 'nvme' else f'sd{chr(ord("a") + n)}'
        disks.append(shared.disk(name, size, tags, i == 0))
    return shared.layout(disks)


def _ipv4(number: int) -> str:
    return f'{number >> 24}.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}'


_BOOT_NET: Final = int(ipaddress.IPv4Address('10.64.0.0'))  # a /10: room for 4M machines
_BMC_NET: Final = int(ipaddress.IPv4Address('10.128.0.0'))
_INTERNAL_NET: Final = int(ipaddress.IPv4Address('10.192.0.0'))
_STORAGE_NET: Final = int(ipaddress.IPv4Address('100.64.0.0'))
_STORAGE_VID: Final = 30

GENERATED_NETWORK: Final = Network.build(
    ('oam', 'internal', 'storage'),
    (
        Subnet(1, '10.64.0.0/10', 'oam', 'oam', 'fabric-0', 0, '10.64.0.1'),
        Subnet(2, '10.192.0.0/10', 'internal', 'internal', 'fabric-1', 0, ''),
        Subnet(3, '100.64.0.0/10', 'storage', 'storage', 'fabric-1', _STORAGE_VID, ''),
    ),
)
"""The spaces and subnets of a generated pool: PXE/OAM on fabric-0, the internal network
untagged on fabric-1 and the storage network tagged (VLAN 30) on the same bonds."""
_MAX_GENERATED: Final = 4_000_000


def generate(count: int, seed: int, *, prefix: str = 'node') -> list[Machine]:
    """A realistic, heterogeneous pool of Ready machines, the same for the same arguments.

    Machines are drawn from a weighted catalogue of server models (edge, general compute,
    NVMe, storage and GPU servers; mostly amd64, some arm64 and ppc64el), so the number of
    distinct ``(arch, cores, memory)`` shapes stays at a few dozen however large the pool: the
    allocator indexes machines by shape. Disks and tags follow from the hardware (``ssd``,
    ``nvme``, ``hdd``, ``gpu``, plus ``sriov`` NICs on some servers); storage servers go to the
    ``storage`` resource pool, the rest to ``default``. Pools of 10,000 machines or more span six
    zones, smaller ones three. Every machine boots from ``eno1`` on the ``oam`` space
    (:data:`GENERATED_NETWORK`); edge boxes have ``eno2`` on ``internal``, bigger servers a
    bond of two ``enp65s0f*`` ports on ``internal``, and storage and NVMe servers a VLAN 30
    interface on that bond in ``storage``.

    Args:
        count: how many machines, 0 to 4,000,000.
        seed: seeds ``random.Random``; the same (count, seed) always gives the same machines.
        prefix: hostnames are ``{prefix}-{i}``, zero-padded to at least two digits.

    Raises:
        ValueError: for a count out of range or a prefix that makes invalid hostnames.
    """
    if not 0 <= count <= _MAX_GENERATED:
        raise ValueError(f'count must be between 0 and {_MAX_GENERATED}, got {count}')
    width = max(2, len(str(count)))
    if not _HOSTNAME_RE.fullmatch(f'{prefix}-{0:0{width}d}'):
        raise ValueError(f'prefix {prefix!r} does not make valid MAAS hostnames')
    with _bulk():
        return _generate(count, seed, prefix, width)


def _generate(count: int, seed: int, prefix: str, width: int) -> list[Machine]:
    rng = random.Random(seed)
    zones = tuple(f'zone-{letter}' for letter in ('abcdef' if count >= 10_000 else 'abc'))
    shapes = rng.choices(_SHAPES, weights=[shape.weight for shape in _SHAPES], k=count)
    shared = _Interner()
    layouts: dict[_Layout, tuple[Disk, ...]] = {}
    tag_sets: dict[tuple[str, int, bool], frozenset[str]] = {}
    taken: set[str] = set()
    hostnames = [f'{prefix}-{i:0{width}d}' for i in range(1, count + 1)]
    taken.update(hostnames)
    random_ = rng.random
    space_sets = {
        False: frozenset({'oam', 'internal'}),
        True: frozenset({'oam', 'internal', 'storage'}),
    }
    machines: list[Machine] = []
    for i, (hostname, shape) in enumerate(zip(hostnames, shapes, strict=True), 1):
        layout = _layout(shape.role, rng)
        disks = layouts.get(layout)
        if disks is None:
            disks = layouts[layout] = _disk_set(layout, shared)
        sriov = shape.role in ('compute', 'nvme', 'gpu') and random_() < 0.3
        key = (shape.role, id(disks), sriov)  # disk sets are shared, so their id is stable
        tags = tag_sets.get(key)
        if tags is None:
            tags = tag_sets[key] = _machine_tags(shape.role, disks, sriov, shared)
        memory = shape.memory_gib[int(random_() * len(shape.memory_gib))] * 1024
        machines.append(
            Machine(
                system_id=_derive_system_id(hostname, taken),
                hostname=hostname,
                arch=shape.arch,
                cores=shape.cores,
                memory=memory,
                disks=disks,
                tags=tags,
                zone=zones[int(random_() * len(zones))],
                pool='storage' if shape.role == 'storage' else 'default',
                power_type='ipmi',
                power_parameters=MappingProxyType(
                    {
                        'power_address': _ipv4(_BMC_NET + i),
                        'power_user': 'maas',
                        'power_pass': f'{rng.getrandbits(64):016x}',
                    }
                ),
                address=_ipv4(_BOOT_NET + i),
                interfaces=_generated_interfaces(i, shape.role),
                spaces=space_sets[shape.role in ('storage', 'nvme')],
            )
        )
    return machines


def _generated_interfaces(i: int, role: str) -> tuple[Interface, ...]:
    """NICs for generated machine ``i``: MACs and addresses follow from its number."""
    mac = f'52:54:{(i >> 24) & 255:02x}:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}'
    boot = Interface('eno1', 'physical', mac + '', (), 0, (
        Link('10.64.0.0/10', 'static', _ipv4(_BOOT_NET + i), 'oam', 10),
    ))  # fmt: skip
    internal = Link('10.192.0.0/10', 'static', _ipv4(_INTERNAL_NET + i), 'internal', 10)
    if role == 'edge':
        return (boot, Interface('eno2', 'physical', _other_mac(mac, 1), (), 0, (internal,)))
    ports = (
        Interface('enp65s0f0', 'physical', _other_mac(mac, 1)),
        Interface('enp65s0f1', 'physical', _other_mac(mac, 2)),
    )
    bond = Interface('bond0', 'bond', ports[0].mac, ('enp65s0f0', 'enp65s0f1'), 0, (internal,))
    if role not in ('storage', 'nvme'):
        return (boot, *ports, bond)
    storage = Link('100.64.0.0/10', 'static', _ipv4(_STORAGE_NET + i), 'storage', 10)
    vlan = Interface(
        f'bond0.{_STORAGE_VID}', 'vlan', bond.mac, ('bond0',), _STORAGE_VID, (storage,)
    )
    return (boot, *ports, bond, vlan)


def _other_mac(mac: str, port: int) -> str:
    """The MAC of another port of the same machine (the first octet's value differs)."""
    return f'52:{0x54 + port:02x}' + mac[5:]


def _machine_tags(
    role: str, disks: Sequence[Disk], sriov: bool, shared: _Interner
) -> frozenset[str]:
    """Machine tags as MAAS tag definitions would derive them from the hardware."""
    tags: set[str] = set()
    for disk in disks:
        tags.update({'rotary': 'hdd'}.get(tag, tag) for tag in disk.tags)
    if role == 'gpu':
        tags.add('gpu')
    if sriov:
        tags.add('sriov')
    return shared.tags(tags)
