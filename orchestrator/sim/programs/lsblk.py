"""``lsblk``: util-linux's block-device listing on simulated machines (a simulation).

A simulated machine's disks are the ones the pool lists for it (given when it is deployed, see
:meth:`~orchestrator.sim.SimHost.set_block_devices`). The boot disk carries what MAAS's default
storage layout puts there: a 1 GiB EFI system partition mounted on ``/boot/efi`` (vfat) and the
rest as ``/`` (ext4); every other disk is blank, with no partition table or filesystem, which
is what a storage charm looks for.

Only the JSON output (``--json``/``-J``) is emulated, as util-linux 2.39 (Ubuntu 24.04) prints
it: three-space indentation, ``"blockdevices"`` at the top, partitions under ``"children"``,
``mountpoints`` a list (``[null]`` when not mounted), booleans for RM/RO/ROTA, and numbers for
sizes with ``--bytes`` (otherwise util-linux's human sizes: base 1024, one decimal, ``931.5G``).
Options: ``--json/-J``, ``--bytes/-b``, ``--output/-o LIST``, ``--paths/-p``, ``--nodeps/-d``
and device arguments (``/dev/sdb``). The default columns are util-linux's:
NAME,MAJ:MIN,RM,SIZE,RO,TYPE,MOUNTPOINTS. A device that does not exist gives util-linux's
``lsblk: /dev/x: not a block device`` and exit 32 when nothing was listed. Anything else (the
tabular output, other options) raises :class:`~orchestrator.sim.SimError`: not emulated.
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from metal_host import Completed

from ..host import BlockDevice, Invocation

__all__ = ['handle']

EFI_SIZE = 1 << 30
"""The EFI system partition MAAS's default layout makes on the boot disk (bytes)."""

_COLUMNS = (
    'NAME', 'KNAME', 'PATH', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINT', 'MOUNTPOINTS',
    'FSTYPE', 'ROTA', 'MODEL', 'SERIAL',
)  # fmt: skip
_DEFAULT = ('NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS')


def _not_emulated(what: str) -> Exception:
    from ..world import SimError  # the World imports the programs; import it when it is built

    return SimError(f'lsblk {what} is not emulated')


def handle(invocation: Invocation) -> Completed:
    """Run ``lsblk`` on the invocation's machine."""
    as_json = as_bytes = paths = nodeps = False
    columns: Sequence[str] = _DEFAULT
    devices: list[str] = []
    args = list(invocation.args)
    while args:
        arg = args.pop(0)
        if arg in ('--json', '-J'):
            as_json = True
        elif arg in ('--bytes', '-b'):
            as_bytes = True
        elif arg in ('--paths', '-p'):
            paths = True
        elif arg in ('--nodeps', '-d'):
            nodeps = True
        elif arg in ('--output', '-o') or arg.startswith('--output='):
            value = arg.partition('=')[2] if '=' in arg else (args.pop(0) if args else '')
            columns = [c.strip().upper() for c in value.split(',') if c.strip()]
            unknown = [c for c in columns if c not in _COLUMNS]
            if unknown:
                return invocation.result('', f'lsblk: unknown column: {unknown[0].lower()}\n', 1)
        elif arg.startswith('-'):
            raise _not_emulated(f'option {arg!r}')
        else:
            devices.append(arg)
    if not as_json:
        raise _not_emulated('tabular output (without --json)')
    disks = invocation.host.block_devices
    rows = [_disk(d, index) for index, d in enumerate(disks)]
    errors: list[str] = []
    if devices:
        chosen: list[dict[str, Any]] = []
        for device in devices:
            found = next((r for r in _walk(rows) if r['PATH'] == device), None)
            if found is None:
                errors.append(f'lsblk: {device}: not a block device\n')
            else:
                chosen.append(found)
        rows = chosen
    if devices and not rows:
        return invocation.result('', ''.join(errors), 32)
    listed = [_render(r, columns, as_bytes=as_bytes, paths=paths, nodeps=nodeps) for r in rows]
    text = json.dumps({'blockdevices': listed}, indent=3)
    return invocation.result(text + '\n', ''.join(errors), 64 if errors else 0)


def _walk(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in rows:
        out.append(row)
        out.extend(_walk(row['children']))
    return out


def _disk(disk: BlockDevice, index: int) -> dict[str, Any]:
    nvme = disk.name.startswith('nvme')
    major, minor = (259, index * 16) if nvme else (8, index * 16)
    row: dict[str, Any] = {
        'NAME': disk.name,
        'MAJ:MIN': f'{major}:{minor}',
        'SIZE': disk.size,
        'TYPE': 'disk',
        'MOUNTPOINTS': [None],
        'FSTYPE': None,
        'ROTA': disk.rotational,
        'MODEL': 'SIMULATED DISK',
        'SERIAL': f'SIM{index:04d}{disk.name.upper()}',
        'PATH': f'/dev/{disk.name}',
        'children': [],
    }
    if disk.boot:
        sep = 'p' if nvme or disk.name[-1].isdigit() else ''
        parts = (
            (1, EFI_SIZE, 'vfat', '/boot/efi'),
            (2, max(0, disk.size - EFI_SIZE - (1 << 20)), 'ext4', '/'),
        )
        row['children'] = [
            {
                'NAME': f'{disk.name}{sep}{n}',
                'MAJ:MIN': f'{major}:{minor + n}',
                'SIZE': size,
                'TYPE': 'part',
                'MOUNTPOINTS': [mount],
                'FSTYPE': fstype,
                'ROTA': disk.rotational,
                'MODEL': None,
                'SERIAL': None,
                'PATH': f'/dev/{disk.name}{sep}{n}',
                'children': [],
            }
            for n, size, fstype, mount in parts
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
