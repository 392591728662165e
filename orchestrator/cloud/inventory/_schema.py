"""The pool file's schema: each field's rule, as MAAS and Juju state it, and the entry models."""

# pyright: strict

from __future__ import annotations

import decimal
import ipaddress
import math
import re
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Final

import pydantic
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from ...juju import constraints
from ..lifecycle import Status
from ._network import (
    InterfaceSpec,
    check_interfaces,
)

MASK: Final = '********'
"""What :func:`to_record` shows instead of a power credential."""

HOSTNAME_RE: Final = re.compile(r'[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?')
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

SECRET_WORDS: Final = ('pass', 'secret', 'token')
"""Power parameters whose name holds one of these are credentials (``power_pass``, ...)."""

ID_ALPHABET: Final = 'abcdefghjkmnpqrstuvwxy0123456789'
"""32 symbols without the look-alikes i, l, o and z, so a derived id reads back unambiguously."""

NO_PARAMS: Final[Mapping[str, str]] = MappingProxyType({})


def shown(value: object) -> str:
    """The offending value for a message, cut short so one bad field cannot flood a terminal."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def bare_name(value: str) -> str:
    """A name from the file for a message: escaped like ``repr`` but unquoted, cut short."""
    text = repr(value)[1:-1]
    return text if len(text) <= 60 else text[:57] + '...'


def _hostname(value: str) -> str:
    if not HOSTNAME_RE.fullmatch(value):
        raise ValueError(
            'must be 1-63 lowercase letters, digits and inner hyphens (the MAAS hostname rule), '
            f'got {shown(value)}'
        )
    return value


def _system_id(value: str) -> str:
    if not _SYSTEM_ID_RE.fullmatch(value):
        raise ValueError(f'must be 6 lowercase letters or digits, got {shown(value)}')
    return value


def _arch(value: str) -> str:
    name, slash, sub = value.partition('/')
    supported: tuple[str, ...] = constraints.SUPPORTED_ARCHES
    if name not in supported or (slash and not _SUBARCH_RE.fullmatch(sub)):
        raise ValueError(
            f'must be one of {", ".join(supported)}, optionally with a /subarchitecture, '
            f'got {shown(value)}'
        )
    return sys.intern(f'{name}/{sub or "generic"}')


def _tag(value: str) -> str:
    if not _TAG_RE.fullmatch(value):
        raise ValueError(
            f'must be a MAAS tag name: 1-256 letters, digits, "-" or "_", got {shown(value)}'
        )
    return sys.intern(value)


def _name(value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise ValueError(f'must be 1-256 letters, digits, "-" or "_", got {shown(value)}')
    return sys.intern(value)


def _disk_name(value: str) -> str:
    if not _DISK_NAME_RE.fullmatch(value):
        raise ValueError(
            f'must be a kernel device name such as sda or nvme0n1, got {shown(value)}'
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
            f'must be MiB or a size with an M/G/T suffix (1G = 1024 MiB), got {shown(value)}'
        )
    if mib < 1:
        raise ValueError(f'must be at least 1 MiB, got {shown(value)}')
    return mib


def _disk_size(value: object) -> int:
    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE_RE.fullmatch(value.strip())):
        size = _scaled(match[1], _BYTES_PER[match[2].upper()] if match[2] else 1)
    if size is None:
        raise ValueError(
            f'must be bytes or a size with a K/M/G/T suffix (1G = 10^9 bytes), got {shown(value)}'
        )
    if size < 1:
        raise ValueError(f'must be at least 1 byte, got {shown(value)}')
    return size


def _status(value: object) -> Status:
    if isinstance(value, Status):
        return value
    if not isinstance(value, str):
        raise ValueError(f'must be a MAAS status label such as "Ready", got {shown(value)}')
    return Status.from_label(value)


def _power_type(value: str) -> str:
    if value not in _POWER_TYPES:
        raise ValueError(
            f'must be a MAAS power type ({", ".join(sorted(_POWER_TYPES))}), got {shown(value)}'
        )
    return sys.intern(value)


def _address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f'must be an IPv4 or IPv6 address, got {shown(value)}') from None


def _owner(value: str) -> str:
    if not _OWNER_RE.fullmatch(value):
        raise ValueError(f'must be a MAAS user name, got {shown(value)}')
    return sys.intern(value)


def _printable(value: str) -> str:
    if not _PRINTABLE_RE.fullmatch(value):
        raise ValueError(f'must be 1 to 64 printable ASCII characters, got {shown(value)}')
    return sys.intern(value)


def _wwn(value: str) -> str:
    if not _WWN_RE.fullmatch(value):
        raise ValueError(
            f'must be a WWN as lsblk shows it (0x5000c500a1b2c3d4, eui.0025385b71b2c3d4), '
            f'got {shown(value)}'
        )
    return value


def _id_path(value: str) -> str:
    if not _ID_PATH_RE.fullmatch(value):
        raise ValueError(
            'must be a /dev/disk/by-id/ link or a /dev/ device path, as MAAS records id_path, '
            f'got {shown(value)}'
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


class MachineSpec(pydantic.BaseModel):
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


DISK_FIELDS: Final = ', '.join(_DiskSpec.model_fields)
INTERFACE_FIELDS: Final = ', '.join(InterfaceSpec.model_fields)
LINK_FIELDS: Final = 'subnet, ip, mode'
MACHINE_FIELDS: Final = ', '.join(MachineSpec.model_fields)
