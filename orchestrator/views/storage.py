"""``juju storage``: the model's storage instances, with their volumes and filesystems.

The JSON/YAML shape is juju/juju ``cmd/juju/storage`` (``list.go``'s ``CombinedStorage``:
``storage``, ``filesystems``, ``volumes``; ``storage.go``'s ``StorageInfo``, ``volume.go``'s
``VolumeInfo``, ``filesystem.go``'s ``FilesystemInfo``), which ``juju status --format json``
embeds under ``storage``. A machine-local instance (``loop``, ``rootfs``, ``tmpfs``) has a
machine-scoped volume or filesystem id (``0/1``), a MAAS volume a model-scoped one (``2``).
The tabular form is ``juju storage``'s default listing.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

__all__ = ['Instance', 'combined', 'rows']


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Instance:
    """One storage instance as ``juju storage`` lists it.

    Attributes:
        id: Juju's storage id (``data/0``).
        unit: the unit it is attached to.
        machine: the unit's machine.
        kind: ``block`` or ``filesystem``.
        pool: the storage pool it came from.
        provider: the pool's provider (``maas``, ``loop``, ``rootfs``, ``tmpfs``).
        location: ``storage-get location``: the device or the mount point.
        size_mib: its size, MiB.
        attached: whether the unit has run its ``storage-attached`` hook.
    """

    id: str
    unit: str
    machine: str
    kind: str
    pool: str
    provider: str
    location: str
    size_mib: float
    attached: bool


def combined(instances: Sequence[Instance]) -> dict[str, Any]:
    """``juju storage --format json``: storage, filesystems and volumes ({} for none)."""
    if not instances:
        return {}
    storage: dict[str, Any] = {}
    filesystems: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    per_machine: dict[str, int] = {}
    model_volumes = 0
    for item in instances:
        status = {'current': 'attached' if item.attached else 'pending'}
        unit_attachment = {'machine': item.machine, 'location': item.location, 'life': 'alive'}
        storage[item.id] = {
            'kind': item.kind,
            'life': 'alive',
            'status': status,
            'persistent': item.provider == 'maas',
            'attachments': {'units': {item.unit: unit_attachment}},
        }
        if item.provider == 'maas':
            object_id = str(model_volumes)
            model_volumes += 1
        else:
            index = per_machine.get(item.machine, 0)
            per_machine[item.machine] = index + 1
            object_id = f'{item.machine}/{index}'
        common: dict[str, Any] = {
            'provider-id': item.location.rsplit('/', 1)[-1] if item.kind == 'block' else object_id,
            'storage': item.id,
            'pool': item.pool,
            'size': int(item.size_mib),
            'life': 'alive',
            'status': status,
        }
        if item.kind == 'block':
            # A volume's ``persistent`` is always there (Juju's storage VolumeInfo, which
            # jubilant's statustypes.VolumeInfo requires); it follows the storage instance's
            # (olm's reading: the provider's own persistence was not checked).
            volumes[object_id] = {
                **common,
                'persistent': storage[item.id]['persistent'],
                'attachments': {
                    'machines': {item.machine: {'device-link': item.location,
                                                'read-only': False, 'life': 'alive'}},
                    'units': {item.unit: unit_attachment},
                },
            }  # fmt: skip
        else:
            filesystems[object_id] = {
                **common,
                'attachments': {
                    'machines': {item.machine: {'mount-point': item.location,
                                                'read-only': False, 'life': 'alive'}},
                    'units': {item.unit: unit_attachment},
                },
            }  # fmt: skip
    out: dict[str, Any] = {'storage': storage}
    if filesystems:
        out['filesystems'] = filesystems
    if volumes:
        out['volumes'] = volumes
    return out


def rows(instances: Sequence[Instance]) -> list[list[str]]:
    """``juju storage``'s table: Unit, Storage ID, Type, Pool, Mountpoint, Size, Status."""
    return [
        [
            item.unit,
            item.id,
            item.kind,
            item.pool,
            item.location if item.kind == 'filesystem' else '',
            _size(item.size_mib),
            'attached' if item.attached else 'pending',
        ]
        for item in instances
    ]


def _size(mib: float) -> str:
    """Juju's humanised size (``1.0 GiB``)."""
    for unit, factor in (('TiB', 1024.0**2), ('GiB', 1024.0), ('MiB', 1.0)):
        if mib >= factor:
            return f'{mib / factor:.1f} {unit}'
    return f'{mib:.0f} MiB'
