"""A seeded generator of realistic pools of any size, for tests, demos and benchmarks."""

# pyright: strict

from __future__ import annotations

import dataclasses
import ipaddress
import random
from collections.abc import Iterator, Sequence
from types import MappingProxyType
from typing import Final

from ..machine import Disk, Machine
from ..network import Interface, Link, Network, Subnet
from ._build import Interner, bulk, derive_system_id
from ._schema import HOSTNAME_RE


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


def _disk_set(layout: _Layout, shared: Interner) -> tuple[Disk, ...]:
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
MAX_GENERATED: Final = 1_000_000
"""The most machines :func:`generate` makes at once. ``olm pool generate --count`` says so.
Written to a file (:func:`generate_lazily`, :func:`write_yaml`) they take little memory but
their hostnames; generated into the pool (``--import``) every machine is held until the pool
has them (about 8 KB each, measured for 50,000), so a million is some 8 GB there."""


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
    if not 0 <= count <= MAX_GENERATED:
        raise ValueError(f'count must be between 0 and {MAX_GENERATED}, got {count}')
    width = max(2, len(str(count)))
    if not HOSTNAME_RE.fullmatch(f'{prefix}-{0:0{width}d}'):
        raise ValueError(f'prefix {prefix!r} does not make valid MAAS hostnames')
    with bulk():
        return list(_generate(count, seed, prefix, width))


def generate_lazily(count: int, seed: int, *, prefix: str = 'node') -> Iterator[Machine]:
    """:func:`generate`'s machines one at a time, for a writer that holds none of them.

    Raises:
        ValueError: as :func:`generate`, at once (before any machine is made).
    """
    if not 0 <= count <= MAX_GENERATED:
        raise ValueError(f'count must be between 0 and {MAX_GENERATED}, got {count}')
    width = max(2, len(str(count)))
    if not HOSTNAME_RE.fullmatch(f'{prefix}-{0:0{width}d}'):
        raise ValueError(f'prefix {prefix!r} does not make valid MAAS hostnames')
    return _bulk(_generate(count, seed, prefix, width))


def _bulk(machines: Iterator[Machine]) -> Iterator[Machine]:
    with bulk():
        yield from machines


def _generate(count: int, seed: int, prefix: str, width: int) -> Iterator[Machine]:
    rng = random.Random(seed)
    zones = tuple(f'zone-{letter}' for letter in ('abcdef' if count >= 10_000 else 'abc'))
    shapes = rng.choices(_SHAPES, weights=[shape.weight for shape in _SHAPES], k=count)
    shared = Interner()
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
        yield (
            Machine(
                system_id=derive_system_id(hostname, taken),
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
    role: str, disks: Sequence[Disk], sriov: bool, shared: Interner
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
