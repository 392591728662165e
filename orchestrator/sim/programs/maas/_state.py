"""What the maas snap keeps, and reading it without creating anything.

Its files under ``$SNAP_COMMON`` (the mode, the secret, the ``maas_id``), its pebble layers, the
machine's ``state['maas']`` (regiond.conf's settings, when the services started), and the
databases in ``World.namespace('maas')`` that regions share.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from .._machine_state import mapping

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

__all__ = [
    'COMMON',
    'DEFAULT_PORT',
    'LAYERS',
    'LOCAL_HOSTS',
    'MAAS_ID_FILE',
    'MODE_FILE',
    'NEVER_STARTED',
    'PEBBLE_SERVICE',
    'PEBBLE_SOCKET',
    'RACKD_IDENTIFIER',
    'RACK_TOGGLED',
    'REGION_MODES',
    'SECRET_FILE',
    'controller_mode',
    'db_key',
    'maas_state',
    'pebble_active',
    'region_databases',
    'region_db',
    'regiond_config',
    'services_since',
    'snap_record',
    'snap_version',
]


COMMON = '/var/snap/maas/common'
"""``$SNAP_COMMON`` of the maas snap."""
MODE_FILE = f'{COMMON}/snap_mode'
"""The controller's mode (``region``, ``region+rack``, ``rack``); absent means ``none``."""
SECRET_FILE = f'{COMMON}/maas/secret'
"""The RPC shared secret (``$MAAS_DATA/secret``)."""
MAAS_ID_FILE = f'{COMMON}/maas/maas_id'
"""The controller's system id, once registered."""
RACKD_IDENTIFIER = 'maas-rackd'
"""rackd's ``SYSLOG_IDENTIFIER`` in the journal: the rack pebble layer runs it as
``systemd-cat -t maas-rackd`` (``snap/local/tree/usr/share/maas/pebble/layers/
003-maas-rack-layer.yaml`` @ 3.5 and 3.6); there is no rackd.log since 3.5."""
PEBBLE_SERVICE = 'snap.maas.pebble.service'
"""The snap's only daemon since 3.5 (``snap/snapcraft.yaml`` @ 3.6, epoch 4: "(3.5) supervisord
-> Pebble migration"); every MAAS service runs under it."""
PEBBLE_SOCKET = (
    f'{COMMON}/pebble/.pebble.socket'  # $PEBBLE/.pebble.socket, PEBBLE=$SNAP_COMMON/pebble
)
REGION_MODES = ('region', 'region+rack')
DEFAULT_PORT = 5432
LOCAL_HOSTS = frozenset({'localhost', '127.0.0.1', '::1'})


# The pebble layers (snap/local/tree/usr/share/maas/pebble/layers/ @ 3.6): service -> startup.
_BASE_LAYER = {'bind9': 'disabled', 'http': 'disabled', 'ntp': 'disabled',
               'proxy': 'disabled', 'syslog': 'disabled'}  # fmt: skip
_REGION_LAYER = {'regiond': 'enabled', 'apiserver': 'enabled', 'temporal': 'disabled',
                 'temporal-worker': 'disabled'}  # fmt: skip
_RACK_LAYER = {'rackd': 'enabled', 'dhcpd': 'disabled', 'dhcpd6': 'disabled',
               'agent': 'disabled'}  # fmt: skip
LAYERS: Mapping[str, Mapping[str, str]] = {
    'region': {**_BASE_LAYER, **_REGION_LAYER},
    'rack': {**_BASE_LAYER, **_RACK_LAYER},
    'region+rack': {**_BASE_LAYER, **_REGION_LAYER, **_RACK_LAYER},
}
"""What ``reconfigure-pebble`` links for each mode (001 always, 002 region, 003 rack)."""
NEVER_STARTED = frozenset({'dhcpd', 'dhcpd6'})  # toggled on only to serve DHCP (not emulated)
RACK_TOGGLED = frozenset({'bind9', 'ntp', 'proxy', 'syslog'})  # on once the region has the rack


def snap_record(host: SimHost) -> Mapping[str, Any] | None:
    """The machine's maas snap record, or None when it is not installed."""
    snaps = mapping(mapping(host.state.get('snap')).get('snaps'))
    record = snaps.get('maas')
    return mapping(record) if record is not None else None


def maas_state(host: SimHost) -> Mapping[str, Any]:
    """The machine's maas state, read-only."""
    return mapping(host.state.get('maas'))


def regiond_config(host: SimHost) -> dict[str, Any]:
    """regiond.conf's settings on the machine."""
    return mapping(maas_state(host).get('config'))


def controller_mode(host: SimHost) -> str:
    """``get_current_mode``: the snap_mode file, or ``none``."""
    entry = host.files.get(MODE_FILE)
    return entry.content.strip() if entry is not None else 'none'


def pebble_active(host: SimHost) -> bool:
    """Whether the snap's pebble service runs."""
    units = mapping(mapping(host.state.get('systemd')).get('units'))
    return mapping(units.get(PEBBLE_SERVICE)).get('state') == 'active'


def services_since(host: SimHost) -> float | None:
    """When the controller's processes started, or None when they are not running.

    They run under the snap's pebble service (its layers for the mode start regiond and
    rackd), which ``init`` restarts.
    """
    if snap_record(host) is None or controller_mode(host) not in LAYERS:
        return None
    units = mapping(mapping(host.state.get('systemd')).get('units'))
    unit = mapping(units.get(PEBBLE_SERVICE))
    if unit.get('state') != 'active':
        return None
    return max(float(unit.get('since') or 0.0), float(maas_state(host).get('started') or 0.0))


def region_databases(world: World) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', world.namespace('maas').setdefault('databases', {}))


def db_key(host: SimHost, config: Mapping[str, Any]) -> str:
    """``HOST:PORT/DBNAME`` of the database regiond.conf names (MAAS's defaults otherwise)."""
    name = str(config.get('database_host') or 'localhost')
    if name in LOCAL_HOSTS or name.startswith('/'):
        name = next(iter(host.addresses()), host.hostname())
    port = config.get('database_port') or DEFAULT_PORT
    return f'{name}:{port}/{config.get("database_name") or "maasdb"}'


def region_db(world: World, host: SimHost) -> str | None:
    """The database key of the region running on ``host``, or None."""
    if controller_mode(host) not in REGION_MODES or services_since(host) is None:
        return None
    key = db_key(host, regiond_config(host))
    return key if region_databases(world).get(key, {}).get('migrated') else None


def snap_version(host: SimHost) -> str:
    return str((snap_record(host) or {}).get('version', ''))
