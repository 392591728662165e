"""What regiond and rackd do on their own: regions register, racks connect, rackd logs.

rackd's update loop (``src/provisioningserver/rpc/clusterservice.py``) runs here whenever
something runs (time only passes then): see the package's docstring for the messages.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from .. import journalctl
from .._machine_state import mapping
from ._draws import draw, new_system_id, region_eventloop
from ._network import TWISTED_ERRORS, route_to
from ._state import (
    MAAS_ID_FILE,
    RACKD_IDENTIFIER,
    SECRET_FILE,
    controller_mode,
    region_databases,
    region_db,
    regiond_config,
    services_since,
    snap_version,
)

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

__all__ = ['reconcile', 'run_daemons']


_LOGGER = 'provisioningserver.rpc.clusterservice'


def _log_rackd(world: World, host: SimHost, messages: Sequence[str]) -> None:
    """Send rackd's lines to the journal as MAAS's logger writes them on its standard output.

    ``DEFAULT_LOG_FORMAT`` is ``"%(name)s: [%(levelname)s] %(message)s"`` since 3.5 ("for
    timestamps, rely on journald instead", ``src/provisioningserver/logger/_common.py`` @ 3.6),
    and ``systemd-cat -t maas-rackd`` makes each line one journal entry.
    """
    journalctl.write(
        host, world.clock(), RACKD_IDENTIFIER, [f'{_LOGGER}: [info] {m}' for m in messages]
    )


# -- what the controllers do on their own ---------------------------------------------------------


def run_daemons(world: World) -> None:
    """Let the World's regiond and rackd catch up (:func:`_reconcile`).

    journalctl runs it before reading the journal (:func:`.journalctl.before_reading`), so
    rackd's retries are there to read.
    """
    reconcile(world)


def reconcile(world: World) -> None:
    """Let running regions and racks do what their daemons do: register.

    Regions first, so a rack finds the secret its region just drew.
    """
    machines = sorted(world.machines.items())
    for _, host in machines:
        key = region_db(world, host)
        if key is not None:
            _register_region(world, host, key)
    for _, host in machines:
        if controller_mode(host) == 'rack' and services_since(host) is not None:
            _connect_rack(world, host)


def _find_node(records: Mapping[str, Any], host: SimHost) -> str | None:
    """The node a controller registers as: its maas_id, else one with its host name."""
    entry = host.files.get(MAAS_ID_FILE)
    maas_id = entry.content.strip() if entry is not None else ''
    if maas_id in records:
        return maas_id
    return next(
        (
            system_id
            for system_id, record in records.items()
            if mapping(record).get('hostname') == host.hostname()
        ),
        None,
    )


def _register_region(world: World, host: SimHost, key: str) -> None:
    """What regiond does when it starts: the database's secret (drawn once), the node."""
    db = region_databases(world)[key]
    if not db.get('secret'):
        db['secret'] = draw(world, 'secret', key, 16).hex()
    regions = cast('dict[str, dict[str, Any]]', db.setdefault('regions', {}))
    system_id = _find_node(regions, host) or new_system_id(world, db, host.hostname())
    old = regions.get(system_id, {})
    record = {
        'hostname': host.hostname(),
        'machine': host.machine_id,
        'addresses': host.addresses(),
        'node_type': controller_mode(host),
        'maas_url': str(regiond_config(host).get('maas_url', '')),
        'version': snap_version(host),
        'created': old.get('created', world.namespace('maas').get('serial', 0)),
    }
    if old != record:
        regions[system_id] = record
    _write_if_changed(host, SECRET_FILE, str(db['secret']), 0o640)
    _write_if_changed(host, MAAS_ID_FILE, system_id, 0o644)


def _connect_rack(world: World, host: SimHost) -> None:
    """One turn of rackd's update loop: reach the region, authenticate, register, log."""
    url = str(regiond_config(host).get('maas_url', ''))
    route = route_to(world, url, host)
    state = host.namespace('maas')
    since = services_since(host)
    if state.get('rackd_since') != since:
        state['rackd_since'] = since  # rackd restarted (pebble did): a new connection
        state.pop('rackd', None)
    if isinstance(route, str):
        outcome = f'unreachable {route} {url}'
        messages = [
            f'Region not available: {TWISTED_ERRORS[route]} (While requesting RPC info at {url}).'
        ]
    else:
        region, key = route
        previous = str(state.get('rackd', '')).split()
        if previous[:2] == ['registered', key] and previous[-1:] == [region_eventloop(region)]:
            return  # still connected to that event-loop: rackd registers once per connection
        outcome, messages = _handshake(world, host, region, key)
    if state.get('rackd') != outcome:
        state['rackd'] = outcome
        _log_rackd(world, host, messages)


def _handshake(world: World, host: SimHost, region: SimHost, key: str) -> tuple[str, list[str]]:
    """Authenticate the region with the rack's secret; register when it matches."""
    db = region_databases(world)[key]
    eventloop = region_eventloop(region)
    entry = host.files.get(SECRET_FILE)
    secret = entry.content.strip() if entry is not None else ''
    connecting = f'Making connections to event-loops: {eventloop}'
    if not secret or secret != db.get('secret'):
        return f'rejected {key} {eventloop}', [
            connecting,
            f"Event-loop '{eventloop}' FAILED authentication; dropping connection.",
        ]
    racks = cast('dict[str, dict[str, Any]]', db.setdefault('racks', {}))
    system_id = _find_node(racks, host) or new_system_id(world, db, host.hostname())
    old = racks.get(system_id, {})
    record = {
        'hostname': host.hostname(),
        'machine': host.machine_id,
        'addresses': host.addresses(),
        'version': snap_version(host),
        'created': old.get('created', world.namespace('maas').get('serial', 0)),
    }
    if old != record:
        racks[system_id] = record
    _write_if_changed(host, MAAS_ID_FILE, system_id, 0o644)
    version = snap_version(region)
    return f'registered {key} {system_id} {eventloop}', [
        connecting,
        f"Event-loop '{eventloop}' authenticated.",
        f"Rack controller '{system_id}' registered (via {eventloop}) with MAAS version {version}.",
        f'Fully connected to all 1 event-loops on all 1 region controllers ({region.hostname()}).',
    ]


def _write_if_changed(host: SimHost, path: str, content: str, mode: int) -> None:
    entry = host.files.get(path)
    if entry is None or entry.content != content or entry.mode != mode:
        host.write_text(path, content, mode=mode)
