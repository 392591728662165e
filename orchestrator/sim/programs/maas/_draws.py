"""Deterministic draws: system ids, API keys, the secret and pids, the same for every run.

MAAS draws them at random; the simulation takes SHAKE-256 digests of their purpose, a stable
input and a counter kept in ``World.namespace('maas')``, so a World replays exactly.
"""

# pyright: strict

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._machine_state import mapping
from ._state import services_since

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

__all__ = ['draw', 'new_system_id', 'new_token', 'region_eventloop']


_ZCHARS = '34678abcdefghkmnpqrstwxy'  # provisioningserver/utils/znums.py
_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'


def draw(world: World, purpose: str, stable: str, size: int) -> bytes:
    """``size`` bytes no other draw of this World gets (a counter in the namespace)."""
    namespace = world.namespace('maas')
    serial = int(namespace.get('serial', 0)) + 1
    namespace['serial'] = serial
    seed = f'olm-sim-maas\0{purpose}\0{stable}\0{serial}'.encode()
    return hashlib.shake_256(seed).digest(size)


def _znum(number: int) -> str:
    digits = ''
    while number:
        number, rest = divmod(number, len(_ZCHARS))
        digits = _ZCHARS[rest] + digits
    return digits or _ZCHARS[0]


def new_system_id(world: World, db: Mapping[str, Any], hostname: str) -> str:
    """A system id no node of the database has (``generate_node_system_id``)."""
    taken = set(mapping(db.get('regions'))) | set(mapping(db.get('racks')))
    while True:
        span = len(_ZCHARS) ** 6 - len(_ZCHARS) ** 5
        number = int.from_bytes(draw(world, 'system-id', hostname, 8), 'big') % span
        system_id = _znum(len(_ZCHARS) ** 5 + number)
        if system_id not in taken:
            return system_id


def new_token(world: World, username: str) -> list[str]:
    """An API key: consumer key, token key, token secret (piston3's sizes)."""
    raw = draw(world, 'api-key', username, 68)
    text = ''.join(_KEY_CHARS[byte % len(_KEY_CHARS)] for byte in raw)
    return [text[:18], text[18:36], text[36:]]


def _pid(host: SimHost, program: str, since: float) -> int:
    """A stable pid for a process started at ``since`` (no counter: reading it changes nothing)."""
    seed = f'{host.machine_id}\0{host.hostname()}\0{program}\0{since!r}'.encode()
    return 1000 + int.from_bytes(hashlib.sha256(seed).digest()[:4], 'big') % 60000


def region_eventloop(region: SimHost) -> str:
    """``RegionEventLoop.name``: ``HOSTNAME:pid=PID`` of the region's regiond."""
    since = services_since(region) or 0.0
    return f'{region.hostname()}:pid={_pid(region, "regiond", since)}'
