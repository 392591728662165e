"""Machines built from checked entries, sharing their tag sets and disks across a pool."""

# pyright: strict

from __future__ import annotations

import contextlib
import gc
import hashlib
import sys
from collections.abc import Generator, Iterable
from types import MappingProxyType
from typing import Protocol

from ..machine import Disk, Machine
from ._network import (
    build_interfaces,
)
from ._schema import ID_ALPHABET, NO_PARAMS, MachineSpec


@contextlib.contextmanager
def bulk() -> Generator[None, None, None]:
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


class Interner:
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


def build_machine(spec: MachineSpec, shared: Interner) -> Machine:
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
            else NO_PARAMS
        ),
        address=spec.address or '',
        interfaces=build_interfaces(spec.hostname, spec.interfaces),
        status=spec.status,
        previous_status=spec.previous_status,
        owner=spec.owner,
        status_message=spec.status_message,
    )


class Taken(Protocol):
    """The names a derived system id must avoid, receiving each one derived."""

    def __contains__(self, name: object, /) -> bool: ...

    def add(self, name: str, /) -> None: ...


def derive_system_id(hostname: str, taken: Taken) -> str:
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
            ID_ALPHABET[(number >> shift) & 31] for shift in (0, 5, 10, 15, 20, 25)
        )
        if system_id not in taken:
            taken.add(system_id)
            return system_id
        counter += 1
