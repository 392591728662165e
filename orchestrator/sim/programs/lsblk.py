"""``lsblk``: util-linux's block-device listing on simulated machines (a simulation).

A simulated machine's disks are the ones the pool lists for it (given when it is deployed, see
:meth:`~orchestrator.sim.SimHost.set_block_devices`). The boot disk carries what MAAS's default
storage layout puts there: a 1 GiB EFI system partition mounted on ``/boot/efi`` (vfat) and the
rest as ``/`` (ext4); every other disk is blank, with no partition table or filesystem, which
is what a storage charm looks for.

Only the JSON output (``--json``/``-J``) is emulated, as util-linux 2.39.3 (Ubuntu 24.04's
``util-linux`` package) prints it (util-linux/util-linux ``misc-utils/lsblk.c`` @ v2.39.3):
three-space indentation, ``"blockdevices"`` at the top, partitions under ``"children"``,
``mountpoints`` a list (``[null]`` when not mounted), booleans for RM/RO/ROTA (``COLTYPE_BOOL``),
and numbers for sizes with ``--bytes`` (``COLTYPE_SIZE``; otherwise util-linux's human sizes: base
1024, one decimal, ``931.5G``). Options: ``--json/-J``, ``--bytes/-b``, ``--output/-o LIST``,
``--paths/-p``, ``--nodeps/-d`` and device arguments. The default columns are util-linux's:
NAME,MAJ:MIN,RM,SIZE,RO,TYPE,MOUNTPOINTS. Columns: NAME, KNAME, PATH, MAJ:MIN, RM, SIZE, RO, TYPE,
MOUNTPOINT, MOUNTPOINTS, FSTYPE, ROTA, MODEL and SERIAL (whole disks only, as ``get_data_col``
prints them), WWN and ID-LINK ("the shortest udev /dev/disk/by-id link name",
``lsblk-properties.c``; partitions have their disk's, with ``-partN``); the identities are the
machine's (:class:`~orchestrator.sim.host.DiskIdentity`): the model, serial and WWN the pool
recorded for the disk, derived where it recorded none.

A device argument is ``stat()``-ed as ``__process_one_device`` does, so a ``/dev/disk/by-id``
link lists the disk (or partition) it points to, under its kernel name and ``/dev/NAME`` path;
a partition is listed alone. One that does not exist gives ``lsblk: /dev/x: not a block
device`` (``warnx``), exit 32 (``LSBLK_EXIT_ALLFAILED``) when nothing was listed and 64
(``LSBLK_EXIT_SOMEOK``) when some were. Anything else (the tabular output, other options)
raises :class:`~orchestrator.sim.SimError`: not emulated.
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from metal_host import Completed

from ..errors import SimError
from ..host import BlockDevice, DiskIdentity, Invocation

__all__ = ['SIGNATURES', 'handle', 'json_text']

EFI_SIZE = 1 << 30
"""The EFI system partition MAAS's default layout makes on the boot disk (bytes)."""

_COLUMNS = (
    'NAME', 'KNAME', 'PATH', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINT', 'MOUNTPOINTS',
    'FSTYPE', 'ROTA', 'MODEL', 'SERIAL', 'WWN', 'ID-LINK',
)  # fmt: skip
_DEFAULT = ('NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS')
SIGNATURES = 'disk-signatures'
"""Machine state: whole-disk name -> the signature libblkid finds on it (``FSTYPE``), written by
the programs that format disks (a BlueStore OSD: ``ceph_bluestore``, util-linux
``libblkid/src/superblocks/bluestore.c``). It stays when the program that wrote it goes, as the
data on a disk does."""


def _not_emulated(what: str) -> Exception:
    return SimError(f'lsblk {what} is not emulated')


def handle(invocation: Invocation) -> Completed:
    """Run ``lsblk`` on the invocation's machine."""
    as_json = as_bytes = paths = nodeps = False
    columns: Sequence[str] = _DEFAULT
    devices: list[str] = []
    args = list(invocation.args)
    try:
        options = _options(args)
    except _UsageError as error:
        return invocation.result('', f"{error}\nTry 'lsblk --help' for more information.\n", 1)
    for option, value in options:
        if option == 'J':
            as_json = True
        elif option == 'b':
            as_bytes = True
        elif option == 'p':
            paths = True
        elif option == 'd':
            nodeps = True
        elif option == 'o':
            given = [c.strip() for c in value.split(',') if c.strip()]
            unknown = [c for c in given if c.upper() not in _COLUMNS]
            if unknown:  # column_name_to_id: warnx("unknown column: %s") as written
                return invocation.result('', f'lsblk: unknown column: {unknown[0]}\n', 1)
            columns = [c.upper() for c in given]
        elif option == '':
            devices.append(value)
        else:
            raise _not_emulated(f'option -{option}')
    if not as_json:
        raise _not_emulated('tabular output (without --json)')
    host = invocation.host
    disks = host.block_devices
    signatures = _mapping(host.state.get(SIGNATURES))
    numbers = _device_numbers(disks)
    rows = [
        _disk(d, numbers[d.name], host.disk_identity(d), signatures.get(d.name)) for d in disks
    ]
    errors: list[str] = []
    if devices:
        chosen: list[dict[str, Any]] = []
        for device in devices:
            # lsblk stat()s the argument (following a /dev/disk/by-id link) and lists the
            # device by its kernel name, a partition without its disk.
            target = host.block_device_at(device)
            name = None
            if target is not None:
                disk, number = target
                name = disk.name if number == 0 else dict(disk.partitions)[number]
            found = next((r for r in _walk(rows) if r['NAME'] == name), None)
            if found is None:
                errors.append(f'lsblk: {device}: not a block device\n')
            else:
                chosen.append(found)
        rows = chosen
    listed = [_render(r, columns, as_bytes=as_bytes, paths=paths, nodeps=nodeps) for r in rows]
    text = json_text({'blockdevices': listed})
    code = 0 if not errors else 32 if not rows else 64  # LSBLK_EXIT_ALLFAILED, _SOMEOK
    return invocation.result(text, ''.join(errors), code)


def json_text(document: Mapping[str, Any]) -> str:
    """``document`` as libsmartcols prints JSON (util-linux ``lib/jsonwrt.c`` @ v2.39.3).

    Three spaces per level; an object in an array follows the previous one's ``}`` after a
    comma on the same line (``},{``); a bare value in an array is indented one level and a
    space (``ul_jsonwrt_open`` with no name); an empty array has an empty line.
    """
    out: list[str] = []
    state = {'indent': 0, 'after': False}

    def indent() -> None:
        out.append('   ' * state['indent'])

    def open_(name: str | None, kind: str) -> None:
        if name is not None:
            if state['after']:
                out.append(',\n')
            indent()
            out.append(json.dumps(name))
        elif state['after']:
            out.append(',')
        else:
            indent()
        prefix = ': ' if name is not None else ''
        if kind == 'value':
            out.append(prefix if name is not None else ' ')
        else:
            out.append((': ' if name is not None else '') + ('{' if kind == 'object' else '['))
            out.append('\n')
            state['indent'] += 1
        state['after'] = False

    def close(kind: str) -> None:
        if state['indent'] == 1:
            out.append('\n}\n')
            state['indent'] -= 1
        elif kind != 'value':
            state['indent'] -= 1
            out.append('\n')
            indent()
            out.append('}' if kind == 'object' else ']')
        state['after'] = True

    def value(name: str | None, data: object) -> None:
        if isinstance(data, dict):
            open_(name, 'object')
            for key, item in cast('dict[str, Any]', data).items():
                value(key, item)
            close('object')
        elif isinstance(data, list):
            open_(name, 'array')
            for item in cast('list[Any]', data):
                value(None, item)
            close('array')
        else:
            open_(name, 'value')
            out.append(json.dumps(data, ensure_ascii=False))
            close('value')

    open_(None, 'object')
    for key, item in document.items():
        value(key, item)
    close('object')
    return ''.join(out)


_LONG = {
    'all': 'a', 'bytes': 'b', 'nodeps': 'd', 'noempty': 'A', 'discard': 'D', 'dedup': 'E:',
    'zoned': 'z', 'help': 'h', 'json': 'J', 'output': 'o:', 'output-all': 'O', 'merge': 'M',
    'perms': 'm', 'noheadings': 'n', 'list': 'l', 'ascii': 'i', 'raw': 'r', 'inverse': 's',
    'fs': 'f', 'exclude': 'e:', 'include': 'I:', 'topology': 't', 'paths': 'p', 'pairs': 'P',
    'scsi': 'S', 'nvme': 'N', 'virtio': 'v', 'sort': 'x:', 'sysroot': 'sysroot:',
    'shell': 'y', 'tree': 'T::', 'version': 'V', 'width': 'w:',
}  # fmt: skip
"""lsblk 2.39's long options -> the short one (``:`` when it takes a value; ``lsblk.c``)."""
_SHORT = 'AabdDzE:e:fhJlNnMmo:OpPiI:rstVvST::w:x:y'
"""lsblk 2.39's getopt string (``lsblk.c`` main)."""


class _UsageError(Exception):
    """getopt_long's complaint about the command line (printed, then exit 1)."""


def _options(args: Sequence[str]) -> list[tuple[str, str]]:
    """The command line as getopt_long reads it: (short option, value); ('', ARG) for devices.

    Long options may be abbreviated to a unique prefix and take ``=VALUE`` or the next
    argument; short ones may be bundled (``-Jb``).
    """
    out: list[tuple[str, str]] = []
    items = list(args)
    while items:
        arg = items.pop(0)
        if arg.startswith('--') and len(arg) > 2:
            name, eq, value = arg[2:].partition('=')
            matches = [n for n in _LONG if n == name] or [n for n in _LONG if n.startswith(name)]
            if not matches:
                raise _UsageError(f"lsblk: unrecognized option '{arg}'")
            if len(matches) > 1:
                found = ' '.join(f"'--{m}'" for m in matches)
                raise _UsageError(f"lsblk: option '--{name}' is ambiguous; possibilities: {found}")
            short = _LONG[matches[0]]
            if short.endswith('::'):  # an optional argument: only as --name=VALUE
                out.append((short.rstrip(':'), value))
            elif short.endswith(':'):
                if not eq:
                    if not items:
                        raise _UsageError(f"lsblk: option '--{matches[0]}' requires an argument")
                    value = items.pop(0)
                out.append((short.rstrip(':'), value))
            elif eq:
                raise _UsageError(f"lsblk: option '--{matches[0]}' doesn't allow an argument")
            else:
                out.append((short, ''))
        elif arg.startswith('-') and len(arg) > 1:
            letters = arg[1:]
            while letters:
                letter, letters = letters[0], letters[1:]
                at = _SHORT.find(letter)
                if at < 0 or letter == ':':
                    raise _UsageError(f"lsblk: invalid option -- '{letter}'")
                if _SHORT[at + 1 : at + 3] == '::':  # optional: only attached (-Tname)
                    out.append((letter, letters))
                    letters = ''
                elif _SHORT[at + 1 : at + 2] == ':':
                    value = letters or (items.pop(0) if items else '')
                    if not letters and not value:
                        raise _UsageError(f"lsblk: option requires an argument -- '{letter}'")
                    out.append((letter, value))
                    letters = ''
                else:
                    out.append((letter, ''))
        else:
            out.append(('', arg))
    return out


def _walk(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in rows:
        out.append(row)
        out.extend(_walk(row['children']))
    return out


def _mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def _device_numbers(disks: Sequence[BlockDevice]) -> dict[str, tuple[int, int]]:
    """Each disk's (major, minor), partitions following at minor + N.

    SCSI disks (``sdX``) have 16 minors each on majors 8, 65-71, 128-135 by their letters
    (the kernel's ``Documentation/admin-guide/devices.txt``); NVMe namespaces and their
    partitions take the dynamic block major 259 in turn (assumption: in the pool's order); a
    virtio disk (``vdX``) 16 minors on major 252 (assumption: virtio-blk's usual dynamic major).
    """
    out: dict[str, tuple[int, int]] = {}
    dynamic = 0
    for disk in disks:
        name = disk.name
        if name.startswith('sd'):
            index = 0
            for letter in name[2:]:
                index = index * 26 + (ord(letter) - ord('a') + 1)
            index -= 1
            group, slot = divmod(index, 16)
            majors = [8, *range(65, 72), *range(128, 136)]
            out[name] = (majors[group % len(majors)], slot * 16)
        elif name.startswith('vd'):
            out[name] = (252, (ord(name[2]) - ord('a')) * 16)
        else:
            out[name] = (259, dynamic)
            dynamic += 1 + len(disk.partitions)
    return out


def _disk(
    disk: BlockDevice, number: tuple[int, int], identity: DiskIdentity, signature: object
) -> dict[str, Any]:
    major, minor = number
    row: dict[str, Any] = {
        'NAME': disk.name,
        'MAJ:MIN': f'{major}:{minor}',
        'SIZE': disk.size,
        'TYPE': 'disk',
        'MOUNTPOINTS': [None],
        'FSTYPE': signature if isinstance(signature, str) else None,
        'ROTA': disk.rotational,
        'MODEL': identity.model or None,
        'SERIAL': identity.serial or None,
        'WWN': identity.wwn or None,
        'ID-LINK': identity.id_link or None,
        'PATH': f'/dev/{disk.name}',
        'children': [],
    }
    layout = {
        1: (EFI_SIZE, 'vfat', '/boot/efi'),
        2: (max(0, disk.size - EFI_SIZE - (1 << 20)), 'ext4', '/'),
    }
    row['children'] = [
        {
            'NAME': name,
            'MAJ:MIN': f'{major}:{minor + n}',
            'SIZE': layout[n][0],
            'TYPE': 'part',
            'MOUNTPOINTS': [layout[n][2]],
            'FSTYPE': layout[n][1],
            'ROTA': disk.rotational,
            # MODEL and SERIAL are printed for whole disks only; WWN and ID-LINK come from
            # the udev properties a partition imports from its disk (lsblk.c get_data_col).
            'MODEL': None,
            'SERIAL': None,
            'WWN': identity.wwn or None,
            'ID-LINK': f'{identity.id_link}-part{n}' if identity.id_link else None,
            'PATH': f'/dev/{name}',
            'children': [],
        }
        for n, name in disk.partitions
    ]
    return row


def _render(
    row: dict[str, Any], columns: Sequence[str], *, as_bytes: bool, paths: bool, nodeps: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in columns:
        key = column.lower()
        if column in ('NAME', 'KNAME'):
            out[key] = row['PATH'] if paths else row['NAME']
        elif column == 'SIZE':
            out[key] = row['SIZE'] if as_bytes else _human(int(row['SIZE']))
        elif column == 'MOUNTPOINT':
            out[key] = row['MOUNTPOINTS'][0]
        elif column in ('RM', 'RO'):
            out[key] = False
        else:
            out[key] = row[column]
    if row['children'] and not nodeps:
        out['children'] = [
            _render(c, columns, as_bytes=as_bytes, paths=paths, nodeps=nodeps)
            for c in row['children']
        ]
    return out


def _human(size: int) -> str:
    """util-linux's ``size_to_human_string``: base 1024, one decimal unless it is whole."""
    units = ('B', 'K', 'M', 'G', 'T', 'P', 'E')
    value = float(size)
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f'{size}B'
    rounded = round(value, 1)
    text = f'{rounded:.1f}'.rstrip('0').rstrip('.')
    return f'{text}{units[unit]}'
