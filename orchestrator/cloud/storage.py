"""MAAS's ``storage`` allocate constraint: its grammar and its disk-picking rule.

``root:100,data:50(ssd),logs:20(ssd,nvme)`` asks for a root device of at least 100 GB and two more
unused disks. The rule is MAAS's ``nodes_by_storage``: the first item always means the disk that
holds ``/``; the others are matched most specific first (most tags), each to the *smallest* unused
disk that is big enough and carries all of its tags, and no disk serves two items.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from .errors import RequestError
from .machine import GB, Machine

__all__ = ['StorageItem', 'match', 'parse']

_ITEM = re.compile(r'(?:(?P<label>[a-zA-Z0-9]+):)?(?P<size>[0-9.]+)(?:\((?P<tags>[^)]+)\))?')


@dataclasses.dataclass(frozen=True, slots=True)
class StorageItem:
    """One ``label:size(tags)`` item.

    Attributes:
        label: the caller's name for the device; items without one are numbered.
        size: minimum size in bytes (the constraint is in GB of 10^9 bytes).
        tags: block-device tags the disk must all carry.
        text: the item as written, for messages.
    """

    label: str
    size: int
    tags: frozenset[str]
    text: str


def parse(value: str) -> tuple[StorageItem, ...]:
    """Parse a storage constraint the way MAAS's ``storage_validator`` does.

    Raises:
        RequestError: ``Malformed storage constraint, "<value>".`` unless the value is exactly
            a comma-separated list of items.
    """
    malformed = RequestError('storage', f'Malformed storage constraint, "{value}".')
    items: list[StorageItem] = []
    rendered: list[str] = []
    for index, found in enumerate(_ITEM.finditer(value)):
        label, size, tags = found.group('label'), found.group('size'), found.group('tags')
        try:
            gigabytes = float(size)
        except ValueError:
            raise malformed from None
        text = found.group(0)
        rendered.append(text)
        tag_set = frozenset[str](t.strip() for t in tags.split(',')) if tags else frozenset[str]()
        items.append(StorageItem(label or str(index), int(gigabytes * GB), tag_set, text))
    if not items or ','.join(rendered) != value:
        raise malformed
    labels = [item.label for item in items]
    if len(set(labels)) != len(labels):
        raise malformed
    return tuple(items)


def match(items: tuple[StorageItem, ...], machine: Machine) -> Mapping[str, str] | None:
    """Pick a disk for every item, or None if the machine cannot satisfy them all.

    Returns:
        label -> disk name, as MAAS reports in ``constraints_by_type.storage``.
    """
    if not items:
        return {}
    root, rest = items[0], items[1:]
    boot = machine.boot_disk
    if boot is None or boot.size < root.size or not root.tags <= boot.tags:
        return None
    picked = {root.label: boot.name}
    unused = sorted((d for d in machine.disks if d is not boot), key=lambda d: d.size)
    # Most specific first, so a tagged request is not starved by an untagged one.
    for item in sorted(rest, key=lambda i: len(i.tags), reverse=True):
        for position, disk in enumerate(unused):
            if disk.size >= item.size and item.tags <= disk.tags:
                picked[item.label] = disk.name
                del unused[position]
                break
        else:
            return None
    return picked
