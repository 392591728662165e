"""Which of a machine's disks become OSDs.

Why a module of its own: ``microceph disk add --wipe`` destroys what is on a disk, so choosing
is the charm's most dangerous decision, made here purely from ``lsblk --json`` and the devices
already OSDs. The rule: a whole disk (``type`` disk) with no partitions, no filesystem and no
mount point is blank; ``all-blank`` takes every blank disk, an explicit list (config or Juju
storage) takes the listed ones but refuses, rather than wipes, one that is not blank.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast


@dataclasses.dataclass(frozen=True)
class Device:
    """One block device from ``lsblk``.

    Attributes:
        path: its /dev path.
        type: lsblk's TYPE (``disk``, ``part``, ``rom``, ``loop``...).
        size: bytes.
        fstype: a filesystem or signature on it, if any.
        mountpoints: where it (not its children) is mounted.
        children: how many partitions or holders it has.
    """

    path: str
    type: str
    size: int = 0
    fstype: str | None = None
    mountpoints: tuple[str, ...] = ()
    children: int = 0

    @property
    def blank(self) -> bool:
        """Whether wiping it loses nothing: a whole disk without partitions, fs or mounts."""
        return (
            self.type == 'disk' and self.children == 0 and not self.fstype and not self.mountpoints
        )


@dataclasses.dataclass(frozen=True)
class Choice:
    """What to do with the disks.

    Attributes:
        add: devices to add as OSDs now.
        refused: listed devices that are not blank or do not exist, with why.
    """

    add: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


def parse_lsblk(text: str) -> list[Device]:
    """The top-level devices of ``lsblk --json --bytes -o NAME,PATH,SIZE,TYPE,...``.

    Raises:
        ValueError: the output is not lsblk's JSON.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(
        cast('dict[str, Any]', data).get('blockdevices'), list
    ):
        raise ValueError('lsblk printed no blockdevices list')
    out: list[Device] = []
    for raw in cast('list[Any]', cast('dict[str, Any]', data)['blockdevices']):
        if not isinstance(raw, dict):
            continue
        item = cast('dict[str, Any]', raw)
        path = item.get('path') or (f'/dev/{item["name"]}' if item.get('name') else None)
        if not isinstance(path, str):
            continue
        mounts = item.get('mountpoints') or (
            [item['mountpoint']] if item.get('mountpoint') else []
        )
        children: Any = item.get('children') or []
        size = item.get('size')
        out.append(
            Device(
                path=path,
                type=str(item.get('type') or ''),
                size=int(size) if isinstance(size, int | str) and str(size).isdigit() else 0,
                fstype=item.get('fstype') or None,
                mountpoints=tuple(
                    m for m in cast('list[Any]', mounts) if isinstance(m, str) and m
                ),
                children=len(cast('list[Any]', children)) if isinstance(children, list) else 0,
            )
        )
    return out


def choose(
    devices: Sequence[Device],
    listed: Iterable[str] | None,
    storage: Iterable[str],
    osds: Iterable[str],
    aliases: Mapping[str, str | None] | None = None,
) -> Choice:
    """The devices to add, and the listed ones refused.

    Paths are compared as the devices they lead to: MicroCeph records OSDs and Juju reports
    storage by ``/dev/disk/by-id`` links while lsblk names ``/dev/sdX``, so a path found in
    ``aliases`` stands for the ``/dev`` path it maps to (None: no such device).

    Args:
        devices: the machine's disks (lsblk).
        listed: ``osd-devices`` paths, or None for every blank disk.
        storage: paths of Juju ``osd-devices`` storage attached to the unit.
        osds: paths already OSDs on this machine (never added twice).
        aliases: path -> the ``/dev`` path lsblk knows it by (None: no such device).
    """
    resolved: Mapping[str, str | None] = aliases or {}

    def device_path(path: str) -> str | None:
        return resolved.get(path, path)

    by_path: Mapping[str, Device] = {d.path: d for d in devices}
    done = {device_path(o) for o in osds}
    wanted: list[str] = [d.path for d in devices if d.blank] if listed is None else list(listed)
    wanted += [s for s in storage if s not in wanted]
    add: list[str] = []
    refused: list[tuple[str, str]] = []
    for path in wanted:
        target = device_path(path)
        if target is not None and (target in done or target in add):
            continue  # an OSD already, or the same disk named twice
        device = by_path.get(target) if target is not None else None
        if device is None:
            refused.append((path, 'not found'))
        elif not device.blank:
            refused.append((path, 'not blank'))
        else:
            add.append(device.path)
    return Choice(tuple(add), tuple(refused))
