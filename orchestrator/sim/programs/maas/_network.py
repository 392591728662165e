"""Who answers at a MAAS URL: a region's machine, or why nothing does.

Said in Twisted's words for rackd and httplib2's for the CLI.
"""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .._machine_state import mapping
from ._state import LOCAL_HOSTS, region_databases, region_db

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

__all__ = ['NO_ROUTE', 'REFUSED', 'SOCKET_ERRORS', 'TWISTED_ERRORS', 'route_to']


# What a connection attempt gets, as Twisted words it for rackd and httplib2 for the CLI.
REFUSED = 'refused'
NO_ROUTE = 'noroute'
TWISTED_ERRORS = {
    REFUSED: 'Connection was refused by other side: 111: Connection refused.',
    NO_ROUTE: 'An error occurred while connecting: 113: No route to host.',
}
SOCKET_ERRORS = {
    REFUSED: '[Errno 111] Connection refused',
    NO_ROUTE: '[Errno 113] No route to host',
}


def route_to(world: World, url: str, local: SimHost) -> tuple[SimHost, str] | str:
    """Who answers at ``url``: (region machine, database key), or why nothing does.

    The URL's host is a machine's address or host name (``localhost`` is ``local``), or the host
    of the ``--maas-url`` a region was initialised with (a VIP in front of the regions).
    Ports are not checked.
    """
    name = (urlparse(url).hostname or '').lower()
    if name in LOCAL_HOSTS:
        targets = [local]
    else:
        targets = [
            host
            for _, host in sorted(world.machines.items())
            if name in host.addresses() or name == host.hostname().lower()
        ]
    for host in targets:
        key = region_db(world, host)
        if key is not None:
            return host, key
    for key, db in sorted(region_databases(world).items()):
        for record in mapping(db.get('regions')).values():
            if urlparse(str(record.get('maas_url', ''))).hostname != name:
                continue
            host = world.machines.get(str(record.get('machine')))
            if host is not None and region_db(world, host) == key:
                return host, key
    return REFUSED if targets else NO_ROUTE
