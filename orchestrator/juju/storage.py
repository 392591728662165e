"""Juju storage on the metal pool: storage pools, storage directives, and the disks they ask for.

A Juju model on MAAS has four storage pools from the start (``juju storage-pools``): ``maas``
(whole disks of the machine, chosen by MAAS at allocation), ``loop``, ``rootfs`` and ``tmpfs``
(carved out of the machine's root filesystem). An operator adds named pools of those providers
(``juju create-storage-pool ssd maas tags=ssd``); a ``maas`` pool's ``tags`` attribute is the
block-device tags its disks must carry.

An application asks for storage with directives (bundle ``storage:``, ``juju deploy
--storage``): ``POOL,COUNT,SIZE`` in any order, each part optional. When Juju's MAAS provider
starts a machine for a unit, every volume from a ``maas``-provider pool becomes an item of the
MAAS ``storage`` allocate constraint (juju/juju ``internal/provider/maas/volumes.go``
``buildMAASVolumeParameters``)::

    storage=root:<root-disk GiB, or 0>,<volume id>:<size GiB>(<pool tags>),...

so MAAS only hands out a machine that has a distinct unused disk for every volume. Sizes go out
as ``ceil(MiB / 1024)``: Juju sends the GiB count where MAAS reads GB, and so does olm.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

__all__ = [
    'BUILTIN_POOLS',
    'PROVIDERS',
    'STORAGE_DIR',
    'Directive',
    'Instance',
    'StorageError',
    'StoragePool',
    'Volume',
    'instances',
    'maas_storage',
    'mount_point',
    'parse_directive',
    'volumes',
]

PROVIDERS: Final = ('loop', 'maas', 'rootfs', 'tmpfs')
"""The storage providers of a MAAS model: MAAS's own disks and the machine-local ones."""

_POOL_RE: Final = re.compile(r'[a-zA-Z]+[-?a-zA-Z0-9]*')  # juju/juju storage ``poolRE``
_COUNT_RE: Final = re.compile(r'-?[0-9]+')
_SIZE_RE: Final = re.compile(r'(-?[0-9]+(?:\.[0-9]+)?)([MGTPEZY])(?:i?B)?')
_SIZE_POWERS: Final = {'M': 0, 'G': 1, 'T': 2, 'P': 3, 'E': 4, 'Z': 5, 'Y': 6}
_DEFAULT_SIZE_MIB: Final = 1024
"""Juju's size for a volume when neither the directive nor the charm gives one (1 GiB)."""


class StorageError(Exception):
    """A storage pool or directive Juju would refuse; the message is Juju's."""


@dataclasses.dataclass(frozen=True)
class StoragePool:
    """A storage pool of the model.

    Attributes:
        name: the pool's name, as directives refer to it.
        provider: one of :data:`PROVIDERS`.
        attrs: the pool's attributes, as given (``tags`` for a ``maas`` pool).
    """

    name: str
    provider: str
    attrs: Mapping[str, str] = dataclasses.field(default_factory=dict[str, str])

    @property
    def tags(self) -> tuple[str, ...]:
        """The block-device tags a ``maas`` pool's disks must carry (comma-separated attr)."""
        return tuple(t.strip() for t in self.attrs.get('tags', '').split(',') if t.strip())

    def to_json(self) -> dict[str, Any]:
        """The pool as ``juju storage-pools --format yaml`` shows it."""
        document: dict[str, Any] = {'provider': self.provider}
        if self.attrs:
            document['attrs'] = dict(self.attrs)
        return document

    @classmethod
    def create(cls, name: str, provider: str, attrs: Mapping[str, object]) -> StoragePool:
        """A new pool, checked as ``juju create-storage-pool`` checks it.

        Raises:
            StorageError: ``pool name "x" not valid``, ``storage provider "x" not found``, or a
                non-string attribute.
        """
        if not _POOL_RE.fullmatch(name):
            raise StorageError(f'pool name "{name}" not valid')
        if provider not in PROVIDERS:
            raise StorageError(f'storage provider "{provider}" not found')
        values: dict[str, str] = {}
        for key, value in attrs.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise StorageError(
                    f'pool "{name}": attribute "{key}" must be a string, got {value!r}'
                )
            values[key] = str(value)
        return cls(name, provider, values)


BUILTIN_POOLS: Final = {name: StoragePool(name, name) for name in PROVIDERS}
"""The pools every MAAS model has: one per provider, named after it."""


@dataclasses.dataclass(frozen=True)
class Directive:
    """One parsed storage directive: every part is None when the directive leaves it out.

    Attributes:
        pool: the pool name.
        count: how many storage instances.
        size_mib: the size of each, MiB.
    """

    pool: str | None = None
    count: int | None = None
    size_mib: float | None = None


def parse_directive(text: str) -> Directive:
    """Parse ``POOL,COUNT,SIZE`` (any order) as juju/juju ``storage.ParseConstraints`` does.

    Raises:
        StorageError: with Juju's message for the first bad part.
    """
    pool: str | None = None
    count: int | None = None
    size: float | None = None
    for field in text.split(','):
        if not field:
            continue
        if _POOL_RE.fullmatch(field):
            if pool is not None:
                raise StorageError(
                    f'pool name is already set to "{pool}", new value "{field}" not valid'
                )
            pool = field
        elif _COUNT_RE.fullmatch(field):
            value = int(field)
            if field.startswith('-') or value <= 0:
                raise StorageError(
                    f'cannot parse count: count must be greater than zero, got "{field}"'
                )
            if count is not None:
                raise StorageError(
                    f'storage instance count is already set to {count}, new value {value} '
                    'not valid'
                )
            count = value
        elif found := _SIZE_RE.fullmatch(field):
            if found[1].startswith('-'):
                raise StorageError(
                    f'cannot parse size: expected a non-negative number, got "{field}"'
                )
            value_mib = float(found[1]) * 1024 ** _SIZE_POWERS[found[2]]
            if size is not None:
                raise StorageError(
                    f'storage size is already set to {int(size)}, new value {int(value_mib)} '
                    'not valid'
                )
            size = value_mib
        else:
            raise StorageError(f'unrecognized storage constraint "{field}" not valid')
    if pool is None and count is None and size is None:
        raise StorageError('storage constraints require at least one field to be specified')
    return Directive(pool, count, size)


@dataclasses.dataclass(frozen=True)
class Volume:
    """One disk a unit's machine must bring, from a ``maas``-provider pool.

    Attributes:
        store: the charm's storage name it serves (``osd-devices``).
        pool: the pool it comes from.
        size_mib: its minimum size, MiB.
        tags: the block-device tags it must carry (the pool's).
    """

    store: str
    pool: str
    size_mib: float
    tags: tuple[str, ...]


def volumes(
    charm: str,
    declared: Mapping[str, Mapping[str, Any]],
    directives: Mapping[str, str],
    pools: Mapping[str, StoragePool],
) -> list[Volume]:
    """The MAAS disks one unit needs: each directive, and each required store left out.

    A store without a directive gets Juju's defaults when the charm requires it (its
    ``multiple.range`` minimum, or 1 without ``multiple``): that count in the default pool
    (``maas`` for block storage; filesystems default to ``rootfs``) at the charm's
    ``minimum-size`` or 1 GiB.

    Args:
        charm: the charm's name, for messages.
        declared: the charm's ``storage`` declarations.
        directives: store name -> directive text (the application's).
        pools: the model's pools by name (the built-in ones included).

    Raises:
        StorageError: for a bad directive, an unknown pool, a store the charm does not
            declare, or a count outside the store's range; with Juju's messages.
    """
    return [
        Volume(i.store, i.pool, i.size_mib, pools[i.pool].tags)
        for i in instances(charm, declared, directives, pools)
        if i.provider == 'maas'
    ]


@dataclasses.dataclass(frozen=True)
class Instance:
    """One storage instance a unit gets: its store, pool, provider, kind and size.

    Attributes:
        store: the charm's storage name.
        pool: the pool it comes from.
        provider: the pool's provider (``maas`` volumes are the machine's disks; ``rootfs``,
            ``tmpfs`` and ``loop`` are made on the machine).
        kind: ``block`` or ``filesystem``, as the charm declares the store.
        size_mib: its size, MiB.
    """

    store: str
    pool: str
    provider: str
    kind: str
    size_mib: float


def instances(
    charm: str,
    declared: Mapping[str, Mapping[str, Any]],
    directives: Mapping[str, str],
    pools: Mapping[str, StoragePool],
) -> list[Instance]:
    """Every storage instance one unit gets, whatever its pool (see :func:`volumes`).

    Raises:
        StorageError: as :func:`volumes`; also a pool whose provider cannot give the store's
            kind (``rootfs`` and ``tmpfs`` make filesystems only: juju/juju
            ``internal/storage/provider``'s ``Supports``), with Juju's words.
    """
    out: list[Instance] = []
    for store, decl in declared.items():
        low, high = _count_range(decl)
        text = directives.get(store)
        if text is None and low == 0:
            continue
        directive = parse_directive(text) if text is not None else Directive(count=low)
        kind = str(decl.get('type', 'filesystem'))
        pool_name = directive.pool or ('maas' if kind == 'block' else 'rootfs')
        pool = pools.get(pool_name)
        if pool is None:
            raise StorageError(f'pool "{pool_name}" not found')
        count = directive.count if directive.count is not None else max(1, low)
        if count < low:
            raise StorageError(
                f'charm "{charm}" store "{store}": at least {low} instances required, '
                f'{count} specified'
            )
        if high is not None and count > high:
            raise StorageError(
                f'charm "{charm}" store "{store}": at most {high} instances supported, '
                f'{count} specified'
            )
        if kind == 'block' and pool.provider in ('rootfs', 'tmpfs'):
            raise StorageError(
                f'"{pool.provider}" storage provider does not support "block" storage'
            )
        size = directive.size_mib or _minimum_size(decl)
        out.extend(Instance(store, pool.name, pool.provider, kind, size) for _ in range(count))
    unknown = sorted(set(directives) - set(declared))
    if unknown:
        raise StorageError(f'charm "{charm}" has no store called "{unknown[0]}"')
    return out


STORAGE_DIR: Final = '/var/lib/juju/storage'
"""Where Juju mounts a filesystem whose store gives no location (``paths.StorageDir``)."""


def mount_point(storage_id: str, decl: Mapping[str, Any]) -> str:
    """Where a filesystem instance is mounted: juju/juju ``storagecommon.FilesystemMountPoint``.

    A singleton store with a ``location`` is mounted there; otherwise at
    ``<location or /var/lib/juju/storage>/<storage id>`` (``data/0``).
    """
    location = str(decl.get('location') or '')
    if location and _count_range(decl)[1] == 1:
        return location
    return f'{(location or STORAGE_DIR).rstrip("/")}/{storage_id}'


def maas_storage(volumes: Iterable[Volume], root_disk_mib: int | None) -> str:
    """The MAAS ``storage`` allocate value for a root disk and volumes ('' for neither).

    Volumes are labelled by their position, where Juju uses the volume's id: MAAS only needs
    labels unique within the request.
    """
    items = [f'{index}:{_gib(v.size_mib)}' + (f'({",".join(v.tags)})' if v.tags else '')
             for index, v in enumerate(volumes)]  # fmt: skip
    if not items:
        return f'root:{_gib(root_disk_mib)}' if root_disk_mib else ''
    return ','.join([f'root:{_gib(root_disk_mib or 0)}', *items])


def _gib(mib: float) -> int:
    return math.ceil(mib / 1024)


def _count_range(decl: Mapping[str, Any]) -> tuple[int, int | None]:
    """A store's (minimum, maximum or None) instance count, from ``multiple.range``."""
    multiple = decl.get('multiple')
    if not isinstance(multiple, Mapping):
        return 1, 1
    text = str(cast(Mapping[str, Any], multiple).get('range', '')).strip()
    low, dash, high = text.partition('-')
    if not dash:
        number = int(low) if low.isdigit() else 1
        return number, number
    return (int(low) if low.isdigit() else 0), (int(high) if high.isdigit() else None)


def _minimum_size(decl: Mapping[str, Any]) -> float:
    raw = decl.get('minimum-size')
    if raw is None:
        return _DEFAULT_SIZE_MIB
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    found = _SIZE_RE.fullmatch(str(raw))
    if found is None:
        return _DEFAULT_SIZE_MIB
    return float(found[1]) * 1024 ** _SIZE_POWERS[found[2]]
