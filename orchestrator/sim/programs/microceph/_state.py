"""What microcluster's database and the Ceph monitors know, shared by the World's machines."""

# pyright: strict

from __future__ import annotations

import base64
import hashlib
import struct
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

SNAP = 'microceph'

COMMON = '/var/snap/microceph/common'
"""``$SNAP_COMMON`` of the microceph snap."""

DAEMON_FILE = f'{COMMON}/state/daemon.yaml'
"""microcluster's record of the local member; present while initialised."""

PORT = 7443  # constants.BootstrapPortConst

MIN_OSD_SIZE = 2 << 30  # constants.MinOSDSize

MON_SERVICES = ('mds', 'mgr', 'mon')


def mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def installed(host: SimHost) -> bool:
    return SNAP in mapping(mapping(host.state.get('snap')).get('snaps'))


def clusters(world: World) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', world.namespace(SNAP).setdefault('clusters', {}))


def local_member(host: SimHost, world: World) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(local member record, its cluster) while microcluster is initialised here."""
    if not host.exists(DAEMON_FILE):
        host.state.pop(SNAP, None)  # the snap went, and its state with it
        return None
    local = mapping(host.state.get(SNAP))
    cluster = clusters(world).get(str(local.get('cluster')))
    if not local or cluster is None:
        return None
    return local, cluster


def draw(world: World, purpose: str, size: int) -> bytes:
    """``size`` bytes no other draw of this World gets (a counter in the namespace)."""
    namespace = world.namespace(SNAP)
    serial = int(namespace.get('serial', 0)) + 1
    namespace['serial'] = serial
    return hashlib.shake_256(f'olm-sim-microceph\0{purpose}\0{serial}'.encode()).digest(size)


def uuid(raw: bytes) -> str:
    h = raw.hex()
    return f'{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}'


def cephx_key(world: World, entity: str) -> str:
    """A cephx secret as ``ceph auth`` prints it: type 1, creation time, 16 bytes."""
    now = world.clock()
    header = struct.pack('<HIIH', 1, int(now), 0, 16)
    return base64.b64encode(header + draw(world, f'key\0{entity}', 16)).decode()


def members(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', mapping(cluster).setdefault('members', {}))


def monitors(cluster: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, mon IP) of the monitors: the first three members."""
    return [(name, str(m['mon-ip'])) for name, m in list(members(cluster).items())[:3]]


def osd_list(cluster: Mapping[str, Any]) -> list[dict[str, Any]]:
    return cast('list[dict[str, Any]]', mapping(cluster).setdefault('osds', []))


def pool_table(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', mapping(cluster).setdefault('pools', {}))


def bump(cluster: dict[str, Any], which: str) -> None:
    epochs = cast('dict[str, int]', cluster.setdefault('epochs', {}))
    epochs[which] = int(epochs.get(which, 1)) + 1


def epoch_of(cluster: Mapping[str, Any], which: str) -> int:
    return int(mapping(mapping(cluster).get('epochs')).get(which, 1))


def tracks_reef(host: SimHost) -> bool:
    """Whether the microceph snap here tracks reef (canonical/microceph branch ``reef``)."""
    snaps = mapping(mapping(host.state.get('snap')).get('snaps'))
    return str(mapping(snaps.get(SNAP)).get('channel', '')).startswith('reef/')


def stamp(moment: float) -> str:
    micro = int((moment - int(moment)) * 1_000_000)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(moment)) + f'.{micro:06d}+0000'
