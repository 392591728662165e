"""``maas``: the MAAS snap's command line on simulated machines (a simulation, not MAAS).

Modelled: the ``maas`` snap 3.5 and 3.6 (channels 3.5/stable, 3.6/stable, 3.6/edge), read in
canonical/maas branches 3.5 and 3.6 (``src/maascli/snap.py``, ``snap/snapcraft.yaml``,
``snap/local/tree/``). The conformance record is ``orchestrator/sim/conformance/maas.md``.

The ``maas`` program exists on a simulated machine only while the ``maas`` snap is installed
there; otherwise running it fails as a shell does, ``maas: No such file or directory`` with exit
status 127. Its controller processes follow the snap: they run under the snap's only daemon,
pebble (``snap.maas.pebble.service``; since 3.5 there is no supervisord), while it is active,
and restart whenever that service restarts: ``maas init`` stops it (``Stopping services``, on
an initialised controller) and restarts it (``snapctl restart maas.pebble``, which starts it
even when it was stopped). PostgreSQL is not emulated: it is a remote offer
the charms consume, so a database is only a key, ``HOST:PORT/DBNAME`` (a local host,
``localhost`` or a socket directory, is replaced by the machine's first address), and every
database URI that parses is taken as reachable with the credentials given.

What spans machines lives in ``World.namespace('maas')``::

    {'serial': N,                      # draws so far (deterministic ids, see below)
     'databases': {'10.0.0.5:5432/maasdb': {
         'migrated': True, 'secret': '<32 hex>',
         'regions': {SYSTEM_ID: {'hostname', 'machine', 'addresses', 'node_type',
                                 'maas_url', 'version', 'created'}},
         'racks': {SYSTEM_ID: {'hostname', 'machine', 'addresses', 'version', 'created'}},
         'users': {USERNAME: {'email', 'superuser', 'tokens': [[consumer, token, secret]]}}}}}

and what belongs to one machine lives on it: the files ``/var/snap/maas/common/snap_mode``,
``.../maas/secret``, ``.../maas/maas_id`` and ``$HOME/.maascli.db``, rackd's journal entries, and
``state['maas']`` (``config``: regiond.conf's settings, ``started``: when ``init`` last
started the services, ``rackd``: the last registration outcome, ``profiles``: the CLI's logged-in
profiles). Random values are deterministic per World: the secret, system ids and API keys are
SHAKE-256 digests of their purpose, a stable input (database key, host name) and a counter kept
in the namespace; pids hash the host, the process and its start time. No credential (a
``Sensitive`` argument, a database password, a secret, an API key) is ever written to standard
output or error, except by the commands whose job is to show one (``apikey``,
``config --show-secret``, ``config --show-database-password``); error messages that real MAAS
would print with the credential in them show ``<redacted>`` instead.

Commands, as the MAAS snap prints them when its output is not a terminal (sources in
canonical/maas, quoted texts verbatim):

- ``init region|region+rack --database-uri URI --maas-url URL [--force]``
  (``src/maascli/snap.py`` ``cmd_init``, ``get_database_settings``): a bad URI fails with exit 1
  and, on stderr, ``Database URI needs to be either 'maas-test-db:///' or start with
  'postgres://'``, ``Error parsing database URI: invalid dsn: ...`` (libpq's URI parser
  messages, e.g. ``invalid URI query parameter: "x"``), ``Error parsing database URI:
  Unsupported parameters: sslmode`` or ``No user found in URI: ...``. The first region of an
  empty database prints ``Performing database migrations``, ``Starting services`` and the
  ``MAAS has been set up.`` text; later ones only ``Starting services`` (``Stopping services``
  first on an initialised controller). The output of ``maas-region dbupgrade`` itself (Django's
  migration log, which the real command lets through when not on a terminal) is not reproduced.
- ``init rack --maas-url URL --secret SECRET [--force]``: writes the mode, the URL and the secret
  and exits 0; rackd then registers asynchronously (below).
- Without ``--force`` on an initialised controller the real command prints ``Controller has
  already been initialized.`` and prompts ``Are you sure you want to initialize again (yes/no)
  [default=no]? `` on standard output, reading the answer from standard input: an empty line or
  ``no`` exits 0 having done nothing, ``yes`` goes on. On end of input MAAS's ``read_input``
  prints an empty line and asks again, for ever: the emulation hangs the same way (a
  :class:`~metal_host.CommandTimeoutError` after the caller's timeout; with no timeout the
  simulation raises :class:`~orchestrator.sim.SimError`, since it cannot wait for ever). The
  same holds for every other prompt (a missing ``--maas-url`` or ``--secret``, ``createadmin``
  without ``--username``/``--password``/``--email``).
- ``createadmin --username U --password P --email E`` (``src/maasserver/management/commands/
  createadmin.py``): prints nothing; an existing user fails with exit 1 and
  ``AlreadyExistingUser: A user with the email E already exists.`` (Django prints
  ``<class>: <message>``). The user gets one API key, as MAAS creates one for every user.
- ``apikey --username U [--generate]`` (``.../commands/apikey.py``): keys one per line,
  ``consumer_key:token_key:token_secret`` (18, 18 and 32 letters and digits, as piston3 makes
  them); ``CommandError: User does not exist.`` / ``CommandError: You must provide a username
  with --username.`` with exit 1.
- Django commands need the database: on a controller whose regiond.conf names no known database
  (rack or unconfigured) they fail with a traceback ending in ``django.db.utils.
  OperationalError: connection to server at "localhost" (127.0.0.1), port 5432 failed:
  Connection refused`` (libpq's wording; the frames of the traceback are not reproduced).
- ``status`` (``cmd_status``): ``MAAS is not configured`` and exit 1 in mode none; otherwise
  ``run-pebble services``: pebble's table (canonical/pebble v1.10.2 ``internals/cli/
  cmd_services.go``, Go tabwriter minwidth 5 padding 2) ``Service  Startup  Current  Since``
  with one row per service of the layers ``reconfigure-pebble`` links for the mode (001 base:
  bind9, http, ntp, proxy, syslog; 002 region: regiond, apiserver, temporal, temporal-worker;
  003 rack: rackd, dhcpd, dhcpd6, agent), sorted by name, Startup from the layer, Since as
  pebble's human time (``today at 10:22 UTC``) or ``-``; exit 0 whatever is inactive. Active:
  everything but dhcpd/dhcpd6 (only to serve DHCP, not emulated); on a rack, bind9, ntp, proxy
  and syslog only once it is registered (``RackToggleableService``, the region turns them on;
  assumption: as soon as it registers). When pebble is not running, pebble's client fails
  (``error: cannot communicate with server: ... .pebble.socket: connect: no such file or
  directory`` on stderr, exit 1) and ``maas status`` prints ``Pebble exited with error code 1
  and the following output:`` and exits 1.
- ``config [--parsable] [--show-secret] [--show-database-password]`` (``print_config``):
  ``mode=...``, ``maas_url=...``, the database fields for region modes with
  ``database_pass=(hidden)`` (``database_port=None`` when the URI had no port, as MAAS prints
  it), ``secret=(hidden)`` for a rack unless ``--show-secret``. ``--maas-url``, ``--secret``,
  ``--num-workers`` and the debug flags change the settings (``Following flags are not supported
  in 'MODE' mode: ...`` and exit 1 for a flag of the wrong mode) and print ``Restarting
  services`` (``restart_pebble()``: pebble is restarted only if it runs).
- ``login PROFILE URL [-|KEY]`` (``src/maascli/cli.py`` ``cmd_login``, ``src/maascli/auth.py``):
  the URL becomes ``URL/api/2.0/`` (``api_url``) and the text is ``textwrap.fill``-ed to 70
  columns, so ``You are now logged in to the MAAS server at URL with the profile name 'NAME'.``
  wraps; a key the region does not know fails with ``The MAAS server rejected your API key.``
  and exit 1; an empty key logs in anonymously, as MAAS does. Without a key argument MAAS first
  tries a macaroon login (python-requests; an unreachable region then fails with requests'
  longer error text, which is not reproduced) and then prompts on stderr.
- ``PROFILE rack-controllers read``, ``PROFILE rack-controller read|delete SYSTEM_ID``
  (``src/maascli/api.py`` ``Action.__call__``, ``src/maascli/utils.py``
  ``print_response_content``, ``src/maasserver/api/rackcontrollers.py``): the response body as
  is, without a trailing newline (no terminal), JSON indented by 4 with a subset of MAAS's rack
  controller fields (``system_id``, ``hostname``, ``description``, ``domain``, ``fqdn``,
  ``architecture``, ``ip_addresses``, ``zone``, ``node_type``, ``node_type_name``, ``version``,
  ``resource_uri``); a missing controller answers 404 and the CLI prints the body, ``No
  RackController matches the given query.``, and exits 2 (it prints the status line ``404 Not
  Found`` only with ``--debug``, on stderr, followed here by the Content-Type header alone).
  Deleting a region+rack controller turns it into a region controller, as MAAS does. A key the
  region no longer knows answers 401, ``Authorization Error: Invalid API key.``
  (``src/maasserver/api/auth.py``). A region that cannot be reached fails as httplib2 does,
  through MAAS's argparse error: usage, then ``[Errno 111] Connection refused``, exit 2.
- ``logout PROFILE``: removes the profile, prints nothing.
- Usage errors print the usage line, an empty line and argparse's message, exit 2 (MAAS prints
  the whole help where this prints the usage line only). Real commands the charms do not
  use (``list``, ``refresh``, ``migrate``, ``configauth``, ``config-tls``, ``config-vault``,
  ``msm``, ``changepassword``, other API resources, Vault, SSH key import, ``--cacerts``)
  raise :class:`~orchestrator.sim.SimError` saying they are not emulated.

Registration of racks, as rackd does it (``src/provisioningserver/rpc/clusterservice.py``,
``ClusterClientService._doUpdate`` and ``ClusterClient.performHandshake``), is attempted whenever
a ``maas`` command runs on any machine of the World (rackd retries every few seconds; time only
passes here when something runs), for every machine in rack mode whose pebble runs. The URL's
host is looked up among the machines (address or host name): a machine running an initialised
region (its pebble active) answers; so does a region whose ``--maas-url`` named that host
(a VIP); a machine with no region refuses the connection; an address no machine has gets no
route. Outcomes go to the machine's journal when they change (rackd repeats them every few
seconds), as entries with ``SYSLOG_IDENTIFIER=maas-rackd`` (the rack pebble layer runs rackd as
``systemd-cat -t maas-rackd``; there is no rackd.log since 3.5), read with ``journalctl -t
maas-rackd`` (:mod:`.journalctl`). Each line is what MAAS's logger writes on rackd's standard
output (``src/provisioningserver/logger/_common.py`` @ 3.6: ``"%(name)s: [%(levelname)s]
%(message)s"``, no timestamp, "rely on journald instead"), the name being the module's,
``provisioningserver.rpc.clusterservice``. The messages, verbatim:

- region not available (``_doUpdate``; the error text is Twisted's ``ConnectionRefusedError``,
  ``twisted/internet/error.py``: its docstring, the errno and strerror, a full stop)::

    Region not available: Connection was refused by other side: 111: Connection refused.
    (While requesting RPC info at http://10.0.0.10:5240/MAAS).

  on one line; an address no machine has gives ``An error occurred while connecting: 113: No
  route to host.`` (Twisted's generic ``ConnectError``, as EHOSTUNREACH has no class of its own);
- the region does not share the rack's secret (``performHandshake``; the rack checks the
  region's HMAC of a challenge with its own secret)::

    Making connections to event-loops: node-0:pid=2345
    Event-loop 'node-0:pid=2345' FAILED authentication; dropping connection.

- accepted (``performHandshake``, ``registerRackWithRegion``, ``_update_connections``)::

    Making connections to event-loops: node-0:pid=2345
    Event-loop 'node-0:pid=2345' authenticated.
    Rack controller '7xwpet' registered (via node-0:pid=2345) with MAAS version 3.6.0-....
    Fully connected to all 1 event-loops on all 1 region controllers (node-0).

The region's event-loop is ``HOSTNAME:pid=PID`` (``RegionEventLoop.name``); the simulation runs
one per region where MAAS runs one per regiond worker. A rack that registers reuses its
``maas_id`` when the region knows it, else a controller of the same host name, else gets a new
system id (MAAS's ``znums`` form: 6 of ``34678abcdefghkmnpqrstwxy``), so a rack deleted through
the API while its rackd still runs comes back under a new id, as in MAAS (and a region+rack
controller turned into a region by such a delete becomes region+rack again). Regions register the
same way when their services start: the first region of a database draws its secret
(``to_hex(os.urandom(16))`` in MAAS), and every region writes it and its ``maas_id``.
"""

# pyright: strict

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import posixpath
import re
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urlparse

from metal_host import CommandTimeoutError, Completed, Sensitive
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ..errors import SimError
from ..host import SIMULATED
from . import journalctl
from .systemctl import Output, Systemd

if TYPE_CHECKING:
    from ..host import Invocation, SimHost
    from ..world import World

__all__ = [
    'COMMON',
    'MAAS_ID_FILE',
    'MODE_FILE',
    'PEBBLE_SERVICE',
    'RACKD_IDENTIFIER',
    'SECRET_FILE',
    'handle',
    'run_daemons',
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
_PEBBLE_SOCKET = (
    f'{COMMON}/pebble/.pebble.socket'  # $PEBBLE/.pebble.socket, PEBBLE=$SNAP_COMMON/pebble
)
_REGION_MODES = ('region', 'region+rack')
_DEFAULT_PORT = 5432
_LOCAL_HOSTS = frozenset({'localhost', '127.0.0.1', '::1'})
_LOGGER = 'provisioningserver.rpc.clusterservice'
_ZCHARS = '34678abcdefghkmnpqrstwxy'  # provisioningserver/utils/znums.py
_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
_TEST_DB_URI = 'maas-test-db:///'

# The pebble layers (snap/local/tree/usr/share/maas/pebble/layers/ @ 3.6): service -> startup.
_BASE_LAYER = {'bind9': 'disabled', 'http': 'disabled', 'ntp': 'disabled',
               'proxy': 'disabled', 'syslog': 'disabled'}  # fmt: skip
_REGION_LAYER = {'regiond': 'enabled', 'apiserver': 'enabled', 'temporal': 'disabled',
                 'temporal-worker': 'disabled'}  # fmt: skip
_RACK_LAYER = {'rackd': 'enabled', 'dhcpd': 'disabled', 'dhcpd6': 'disabled',
               'agent': 'disabled'}  # fmt: skip
_LAYERS: Mapping[str, Mapping[str, str]] = {
    'region': {**_BASE_LAYER, **_REGION_LAYER},
    'rack': {**_BASE_LAYER, **_RACK_LAYER},
    'region+rack': {**_BASE_LAYER, **_REGION_LAYER, **_RACK_LAYER},
}
"""What ``reconfigure-pebble`` links for each mode (001 always, 002 region, 003 rack)."""
_NEVER_STARTED = frozenset({'dhcpd', 'dhcpd6'})  # toggled on only to serve DHCP (not emulated)
_RACK_TOGGLED = frozenset({'bind9', 'ntp', 'proxy', 'syslog'})  # on once the region has the rack

_SET_UP = """\
MAAS has been set up.

If you want to configure external authentication or use
MAAS with Canonical RBAC, please run

  sudo maas configauth

To create admins when not using external authentication, run

  sudo maas createadmin

To enable TLS for secured communication, please run

  sudo maas config-tls enable

"""

_URL_HELP = (
    'URL that MAAS should use for communicate from the nodes to MAAS and other controllers '
    'of MAAS.'
)
_DB_HELP = (
    'URI for the MAAS Postgres database in the form of postgres://user:pass@host:port/dbname '
    'or maas-test-db:///. For maas-test-db:/// to work, the maas-test-db snap needs to be '
    'installed and connected'
)
_RACK_KEY_HELP = (
    'Secret token required for the rack controller to talk to the region controller(s). '
    "Only used when in 'rack' mode."
)

# libpq's connection keywords (PostgreSQL 16): anything else in a URI query is invalid.
_LIBPQ_KEYWORDS = frozenset(
    {
        'host',
        'hostaddr',
        'port',
        'dbname',
        'user',
        'password',
        'passfile',
        'channel_binding',
        'connect_timeout',
        'client_encoding',
        'options',
        'application_name',
        'fallback_application_name',
        'keepalives',
        'keepalives_idle',
        'keepalives_interval',
        'keepalives_count',
        'tcp_user_timeout',
        'sslmode',
        'sslcompression',
        'sslcert',
        'sslkey',
        'sslpassword',
        'sslcertmode',
        'sslrootcert',
        'sslcrl',
        'sslcrldir',
        'sslsni',
        'requirepeer',
        'require_auth',
        'ssl_min_protocol_version',
        'ssl_max_protocol_version',
        'gssencmode',
        'krbsrvname',
        'gsslib',
        'gssdelegation',
        'replication',
        'service',
        'target_session_attrs',
        'load_balance_hosts',
    }
)

# What a connection attempt gets, as Twisted words it for rackd and httplib2 for the CLI.
_REFUSED = 'refused'
_NO_ROUTE = 'noroute'
_TWISTED_ERRORS = {
    _REFUSED: 'Connection was refused by other side: 111: Connection refused.',
    _NO_ROUTE: 'An error occurred while connecting: 113: No route to host.',
}
_SOCKET_ERRORS = {
    _REFUSED: '[Errno 111] Connection refused',
    _NO_ROUTE: '[Errno 113] No route to host',
}


# -- how a run ends -------------------------------------------------------------------------------


class _ExitError(Exception):
    """The program exits, as Python's ``SystemExit``: a message goes to stderr with status 1."""

    def __init__(self, code: int = 0, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = 1 if message is not None and code == 0 else code
        self.message = message


class _UsageError(Exception):
    """MAAS's ArgumentParser.error: help (here the usage line), the message, exit 2."""

    def __init__(self, usage: str, message: str) -> None:
        super().__init__(message)
        self.usage = usage
        self.message = message


class _HelpRequestedError(Exception):
    """``-h``: the help text on stdout, exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class _EndOfInputError(Exception):
    """The program waits for ever for an answer on its standard input (end of input)."""


def _not_emulated(what: str) -> NoReturn:
    """Fail loudly for a real MAAS feature the simulation does not cover."""
    raise SimError(
        f'maas {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/maas.py for what is'
    )


# -- state, read without creating anything --------------------------------------------------------


def _mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def _snap(host: SimHost) -> Mapping[str, Any] | None:
    """The machine's maas snap record, or None when it is not installed."""
    snaps = _mapping(_mapping(host.state.get('snap')).get('snaps'))
    record = snaps.get('maas')
    return _mapping(record) if record is not None else None


def _state(host: SimHost) -> Mapping[str, Any]:
    """The machine's maas state, read-only."""
    return _mapping(host.state.get('maas'))


def _config(host: SimHost) -> dict[str, Any]:
    """regiond.conf's settings on the machine."""
    return _mapping(_state(host).get('config'))


def _mode(host: SimHost) -> str:
    """``get_current_mode``: the snap_mode file, or ``none``."""
    entry = host.files.get(MODE_FILE)
    return entry.content.strip() if entry is not None else 'none'


def _pebble_active(host: SimHost) -> bool:
    """Whether the snap's pebble service runs."""
    units = _mapping(_mapping(host.state.get('systemd')).get('units'))
    return _mapping(units.get(PEBBLE_SERVICE)).get('state') == 'active'


def _services_since(host: SimHost) -> float | None:
    """When the controller's processes started, or None when they are not running.

    They run under the snap's pebble service (its layers for the mode start regiond and
    rackd), which ``init`` restarts.
    """
    if _snap(host) is None or _mode(host) not in _LAYERS:
        return None
    units = _mapping(_mapping(host.state.get('systemd')).get('units'))
    unit = _mapping(units.get(PEBBLE_SERVICE))
    if unit.get('state') != 'active':
        return None
    return max(float(unit.get('since') or 0.0), float(_state(host).get('started') or 0.0))


def _databases(world: World) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', world.namespace('maas').setdefault('databases', {}))


def _db_key(host: SimHost, config: Mapping[str, Any]) -> str:
    """``HOST:PORT/DBNAME`` of the database regiond.conf names (MAAS's defaults otherwise)."""
    name = str(config.get('database_host') or 'localhost')
    if name in _LOCAL_HOSTS or name.startswith('/'):
        name = next(iter(host.addresses()), host.hostname())
    port = config.get('database_port') or _DEFAULT_PORT
    return f'{name}:{port}/{config.get("database_name") or "maasdb"}'


def _region_db(world: World, host: SimHost) -> str | None:
    """The database key of the region running on ``host``, or None."""
    if _mode(host) not in _REGION_MODES or _services_since(host) is None:
        return None
    key = _db_key(host, _config(host))
    return key if _databases(world).get(key, {}).get('migrated') else None


def _version(host: SimHost) -> str:
    return str((_snap(host) or {}).get('version', ''))


# -- deterministic draws --------------------------------------------------------------------------


def _draw(world: World, purpose: str, stable: str, size: int) -> bytes:
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


def _new_system_id(world: World, db: Mapping[str, Any], hostname: str) -> str:
    """A system id no node of the database has (``generate_node_system_id``)."""
    taken = set(_mapping(db.get('regions'))) | set(_mapping(db.get('racks')))
    while True:
        span = len(_ZCHARS) ** 6 - len(_ZCHARS) ** 5
        number = int.from_bytes(_draw(world, 'system-id', hostname, 8), 'big') % span
        system_id = _znum(len(_ZCHARS) ** 5 + number)
        if system_id not in taken:
            return system_id


def _new_token(world: World, username: str) -> list[str]:
    """An API key: consumer key, token key, token secret (piston3's sizes)."""
    raw = _draw(world, 'api-key', username, 68)
    text = ''.join(_KEY_CHARS[byte % len(_KEY_CHARS)] for byte in raw)
    return [text[:18], text[18:36], text[36:]]


def _pid(host: SimHost, program: str, since: float) -> int:
    """A stable pid for a process started at ``since`` (no counter: reading it changes nothing)."""
    seed = f'{host.machine_id}\0{host.hostname()}\0{program}\0{since!r}'.encode()
    return 1000 + int.from_bytes(hashlib.sha256(seed).digest()[:4], 'big') % 60000


def _eventloop(region: SimHost) -> str:
    """``RegionEventLoop.name``: ``HOSTNAME:pid=PID`` of the region's regiond."""
    since = _services_since(region) or 0.0
    return f'{region.hostname()}:pid={_pid(region, "regiond", since)}'


# -- the network ----------------------------------------------------------------------------------


def _route(world: World, url: str, local: SimHost) -> tuple[SimHost, str] | str:
    """Who answers at ``url``: (region machine, database key), or why nothing does.

    The URL's host is a machine's address or host name (``localhost`` is ``local``), or the host
    of the ``--maas-url`` a region was initialised with (a VIP in front of the regions).
    Ports are not checked.
    """
    name = (urlparse(url).hostname or '').lower()
    if name in _LOCAL_HOSTS:
        targets = [local]
    else:
        targets = [
            host
            for _, host in sorted(world.machines.items())
            if name in host.addresses() or name == host.hostname().lower()
        ]
    for host in targets:
        key = _region_db(world, host)
        if key is not None:
            return host, key
    for key, db in sorted(_databases(world).items()):
        for record in _mapping(db.get('regions')).values():
            if urlparse(str(record.get('maas_url', ''))).hostname != name:
                continue
            host = world.machines.get(str(record.get('machine')))
            if host is not None and _region_db(world, host) == key:
                return host, key
    return _REFUSED if targets else _NO_ROUTE


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
    _reconcile(world)


def _reconcile(world: World) -> None:
    """Let running regions and racks do what their daemons do: register.

    Regions first, so a rack finds the secret its region just drew.
    """
    machines = sorted(world.machines.items())
    for _, host in machines:
        key = _region_db(world, host)
        if key is not None:
            _register_region(world, host, key)
    for _, host in machines:
        if _mode(host) == 'rack' and _services_since(host) is not None:
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
            if _mapping(record).get('hostname') == host.hostname()
        ),
        None,
    )


def _register_region(world: World, host: SimHost, key: str) -> None:
    """What regiond does when it starts: the database's secret (drawn once), the node."""
    db = _databases(world)[key]
    if not db.get('secret'):
        db['secret'] = _draw(world, 'secret', key, 16).hex()
    regions = cast('dict[str, dict[str, Any]]', db.setdefault('regions', {}))
    system_id = _find_node(regions, host) or _new_system_id(world, db, host.hostname())
    old = regions.get(system_id, {})
    record = {
        'hostname': host.hostname(),
        'machine': host.machine_id,
        'addresses': host.addresses(),
        'node_type': _mode(host),
        'maas_url': str(_config(host).get('maas_url', '')),
        'version': _version(host),
        'created': old.get('created', world.namespace('maas').get('serial', 0)),
    }
    if old != record:
        regions[system_id] = record
    _write_if_changed(host, SECRET_FILE, str(db['secret']), 0o640)
    _write_if_changed(host, MAAS_ID_FILE, system_id, 0o644)


def _connect_rack(world: World, host: SimHost) -> None:
    """One turn of rackd's update loop: reach the region, authenticate, register, log."""
    url = str(_config(host).get('maas_url', ''))
    route = _route(world, url, host)
    state = host.namespace('maas')
    since = _services_since(host)
    if state.get('rackd_since') != since:
        state['rackd_since'] = since  # rackd restarted (pebble did): a new connection
        state.pop('rackd', None)
    if isinstance(route, str):
        outcome = f'unreachable {route} {url}'
        messages = [
            f'Region not available: {_TWISTED_ERRORS[route]} (While requesting RPC info at {url}).'
        ]
    else:
        region, key = route
        previous = str(state.get('rackd', '')).split()
        if previous[:2] == ['registered', key] and previous[-1:] == [_eventloop(region)]:
            return  # still connected to that event-loop: rackd registers once per connection
        outcome, messages = _handshake(world, host, region, key)
    if state.get('rackd') != outcome:
        state['rackd'] = outcome
        _log_rackd(world, host, messages)


def _handshake(world: World, host: SimHost, region: SimHost, key: str) -> tuple[str, list[str]]:
    """Authenticate the region with the rack's secret; register when it matches."""
    db = _databases(world)[key]
    eventloop = _eventloop(region)
    entry = host.files.get(SECRET_FILE)
    secret = entry.content.strip() if entry is not None else ''
    connecting = f'Making connections to event-loops: {eventloop}'
    if not secret or secret != db.get('secret'):
        return f'rejected {key} {eventloop}', [
            connecting,
            f"Event-loop '{eventloop}' FAILED authentication; dropping connection.",
        ]
    racks = cast('dict[str, dict[str, Any]]', db.setdefault('racks', {}))
    system_id = _find_node(racks, host) or _new_system_id(world, db, host.hostname())
    old = racks.get(system_id, {})
    record = {
        'hostname': host.hostname(),
        'machine': host.machine_id,
        'addresses': host.addresses(),
        'version': _version(host),
        'created': old.get('created', world.namespace('maas').get('serial', 0)),
    }
    if old != record:
        racks[system_id] = record
    _write_if_changed(host, MAAS_ID_FILE, system_id, 0o644)
    version = _version(region)
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


# -- database URIs (libpq's conninfo_uri_parse, as psycopg2's parse_dsn reports it) ---------------


class _DsnError(Exception):
    """libpq rejected the URI; the message is psycopg2's ``invalid dsn: ...``."""


def _redact_uri(uri: str) -> str:
    """The URI with anything that may be a password replaced: MAAS would print it as is."""
    scheme, sep, rest = uri.partition('://')
    at = rest.rfind('@')
    if not sep or at == -1:
        return uri
    user, colon, _ = rest[:at].partition(':')
    return f'{scheme}://{user}{":<redacted>" if colon else ""}@{rest[at + 1 :]}'


def _decode(text: str, shown: str) -> str:
    """Percent-decode one URI component as libpq does (``shown`` is what errors print)."""
    out = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if char != '%':
            out.extend(char.encode())
            continue
        pair = text[index : index + 2]
        index += 2
        if len(pair) < 2 or any(c not in '0123456789abcdefABCDEF' for c in pair):
            raise _DsnError(f'invalid percent-encoded token: "{shown}"')
        if pair == '00':
            raise _DsnError(f'forbidden value %00 in percent-encoded value: "{shown}"')
        out.append(int(pair, 16))
    return out.decode('utf-8', errors='replace')


def _parse_dsn(uri: str) -> dict[str, str]:
    """The keywords a ``postgres://`` URI sets, as libpq parses it."""
    start = len('postgres://')
    rest = uri[start:]
    values: dict[str, str] = {}
    stop = next((i for i, c in enumerate(rest) if c in '@/'), len(rest))
    pos = 0
    if rest[stop : stop + 1] == '@':
        user, colon, password = rest[:stop].partition(':')
        if user:
            values['user'] = _decode(user, user)
        if colon and password:
            values['password'] = _decode(password, '<redacted>')
        pos = stop + 1
    host, pos = _uri_host(uri, rest, pos, start)
    if rest[pos : pos + 1] == ':':
        end = next((i for i in range(pos + 1, len(rest)) if rest[i] in '/?'), len(rest))
        if end > pos + 1:
            values['port'] = _decode(rest[pos + 1 : end], rest[pos + 1 : end])
        pos = end
    if host:
        values['host'] = _decode(host, host)
    if rest[pos : pos + 1] == '/':
        end = rest.find('?', pos + 1)
        end = len(rest) if end == -1 else end
        if end > pos + 1:
            values['dbname'] = _decode(rest[pos + 1 : end], rest[pos + 1 : end])
        pos = end
    if rest[pos : pos + 1] == '?':
        values.update(_uri_params(rest[pos + 1 :]))
    return values


def _uri_host(uri: str, rest: str, pos: int, start: int) -> tuple[str, int]:
    """The host part: a bracketed IPv6 address, or up to ``:``, ``/`` or ``?``."""
    if rest[pos : pos + 1] != '[':
        end = next((i for i in range(pos, len(rest)) if rest[i] in ':/?'), len(rest))
        return rest[pos:end], end
    close = rest.find(']', pos)
    shown = _redact_uri(uri)
    if close == -1:
        raise _DsnError(
            'end of string reached when looking for matching "]" in IPv6 host address in URI: '
            f'"{shown}"'
        )
    if close == pos + 1:
        raise _DsnError(f'IPv6 host address may not be empty in URI: "{shown}"')
    after = close + 1
    if after < len(rest) and rest[after] not in ':/?,':
        raise _DsnError(
            f'unexpected character "{rest[after]}" at position {start + after + 1} in URI '
            f'(expected ":" or "/"): "{shown}"'
        )
    return rest[pos + 1 : close], after


def _uri_params(query: str) -> dict[str, str]:
    """``key=value&...`` as libpq's conninfo_uri_parse_params reads it."""
    values: dict[str, str] = {}
    params = query.split('&')
    if params[-1] == '':
        params.pop()  # libpq stops at the end of the string, so a trailing '&' is harmless
    for param in params:
        keyword, sep, value = param.partition('=')
        if not sep:
            raise _DsnError(f'missing key/value separator "=" in URI query parameter: "{param}"')
        if '=' in value:
            raise _DsnError(f'extra key/value separator "=" in URI query parameter: "{keyword}"')
        keyword = _decode(keyword, keyword)
        value = _decode(value, '<redacted>' if keyword == 'password' else value)
        if keyword == 'ssl' and value == 'true':
            keyword, value = 'sslmode', 'require'
        if keyword not in _LIBPQ_KEYWORDS:
            raise _DsnError(f'invalid URI query parameter: "{keyword}"')
        values[keyword] = value
    return values


def _database_settings(uri: str, common: str) -> dict[str, Any]:
    """``get_database_settings``: regiond.conf's database settings from ``--database-uri``.

    Raises:
        _ExitError: the URI is refused, with MAAS's message.
    """
    if uri != _TEST_DB_URI and not uri.startswith('postgres://'):
        raise _ExitError(
            1,
            f"Database URI needs to be either '{_TEST_DB_URI}' or start with 'postgres://'",
        )
    if uri == _TEST_DB_URI:
        uri = f'postgres:///maasdb?host={common}/test-db-socket&user=maas'
    try:
        dsn = _parse_dsn(uri)
    except _DsnError as error:
        raise _ExitError(1, f'Error parsing database URI: invalid dsn: {error}') from None
    unsupported = sorted(set(dsn) - {'user', 'password', 'host', 'dbname', 'port'})
    if unsupported:
        raise _ExitError(
            1, 'Error parsing database URI: Unsupported parameters: ' + ', '.join(unsupported)
        )
    if 'user' not in dsn:
        raise _ExitError(1, f'No user found in URI: {_redact_uri(uri)}')
    settings: dict[str, Any] = {
        'database_host': dsn.get('host', 'localhost'),
        'database_name': dsn.get('dbname', dsn['user']),
        'database_user': dsn['user'],
        'database_pass': dsn.get('password'),
    }
    if 'port' in dsn:
        try:
            settings['database_port'] = int(dsn['port'])
        except ValueError:
            # SnapCommand re-raises with always_show: Python prints the traceback.
            raise _ExitError(
                1,
                'Traceback (most recent call last):\n  ...\n'
                f'ValueError: invalid literal for int() with base 10: {dsn["port"]!r}',
            ) from None
    return settings


# -- the command line -----------------------------------------------------------------------------


def _formatter(prog: str) -> argparse.HelpFormatter:
    # Not a terminal: shutil.get_terminal_size() falls back to 80 columns.
    return argparse.RawDescriptionHelpFormatter(prog, width=78)


class _Parser(argparse.ArgumentParser):
    """maascli's ArgumentParser, reporting instead of printing and exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault('formatter_class', _formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise _UsageError(self.format_usage(), message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _ExitError(status, message)

    def print_help(self, file: Any = None) -> None:
        raise _HelpRequestedError(self.format_help())


def _name_value_pair(text: str) -> tuple[str, str]:
    """``Action.name_value_pair``: ``name=value`` (CommandError, i.e. SystemExit, otherwise)."""
    name, sep, value = text.partition('=')
    if not sep:
        raise _ExitError(1, f'{text!r} is not a name=value or name@=filename pair')
    if name.endswith('@'):
        _not_emulated('API arguments read from files (name@=filename)')
    return name, value


_NOT_EMULATED_COMMANDS = (
    'list',
    'refresh',
    'migrate',
    'configauth',
    'config-tls',
    'config-vault',
    'msm',
    'changepassword',
)


def _build_parser(profiles: Sequence[str]) -> _Parser:
    """The maascli parser: the built-in, snap and regiond commands, then one per profile."""
    top = _Parser(prog='maas', epilog='https://maas.io/')
    commands = top.add_subparsers(title='drill down', metavar='COMMAND', dest='command')
    login = commands.add_parser('login')
    login.add_argument('profile_name', metavar='profile-name')
    login.add_argument('url')
    login.add_argument('credentials', nargs='?', default=None)
    login.add_argument('--cacerts')
    login.add_argument('-k', '--insecure', action='store_true', default=False)
    logout = commands.add_parser('logout')
    logout.add_argument('profile_name', metavar='profile-name')
    for name in _NOT_EMULATED_COMMANDS[:2]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    _add_init(commands.add_parser('init'))
    _add_config(commands.add_parser('config'))
    commands.add_parser('status')
    for name in _NOT_EMULATED_COMMANDS[2:3]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    apikey = commands.add_parser('apikey')
    apikey.add_argument('--username', default=None)
    apikey.add_argument('--generate', action='store_true', default=False)
    apikey.add_argument('--delete', default=None)
    for name in _NOT_EMULATED_COMMANDS[3:7]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    createadmin = commands.add_parser('createadmin')
    for option in ('--username', '--password', '--email', '--ssh-import'):
        createadmin.add_argument(option, default=None)
    for name in _NOT_EMULATED_COMMANDS[7:]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    for profile in profiles:
        _add_profile(commands.add_parser(profile))
    top.add_argument('--debug', action='store_true', default=False, help=argparse.SUPPRESS)
    return top


def _add_init(parser: _Parser) -> None:
    modes = parser.add_subparsers(metavar=None, title='run modes', dest='run_mode')
    modes.required = True
    for mode in ('region+rack', 'region', 'rack'):
        sub = modes.add_parser(mode)
        sub.add_argument('--maas-url')
        if mode == 'rack':
            sub.add_argument('--secret')
        else:
            sub.add_argument('--database-uri')
            for option in ('--vault-uri', '--vault-approle-id', '--vault-wrapped-token'):
                sub.add_argument(option)
            sub.add_argument('--vault-secrets-path')
            sub.add_argument('--vault-secrets-mount', default='secret')
            sub.add_argument('--num-workers', type=int)
            for flag in ('debug', 'debug-queries'):
                sub.add_argument(f'--enable-{flag}', action='store_true')
                sub.add_argument(f'--disable-{flag}', action='store_true')
        sub.add_argument('--force', action='store_true')
        if mode != 'rack':
            for option in (
                '--candid-agent-file',
                '--candid-domain',
                '--candid-admin-group',
                '--rbac-url',
                '--rbac-service-name',
                '--admin-username',
                '--admin-password',
                '--admin-email',
                '--admin-ssh-import',
            ):
                sub.add_argument(option, default=None, help=argparse.SUPPRESS)
            sub.add_argument('--skip-admin', action='store_true', help=argparse.SUPPRESS)


def _add_config(parser: _Parser) -> None:
    for flag in ('--show', '--show-database-password', '--show-secret'):
        parser.add_argument(flag, action='store_true')
    parser.add_argument('--maas-url')
    for option in ('--vault-uri', '--vault-approle-id', '--vault-wrapped-token'):
        parser.add_argument(option)
    parser.add_argument('--vault-secrets-path')
    parser.add_argument('--vault-secrets-mount', default='secret')
    parser.add_argument('--secret')
    parser.add_argument('--num-workers', type=int)
    for flag in ('debug', 'debug-queries'):
        parser.add_argument(f'--enable-{flag}', action='store_true')
        parser.add_argument(f'--disable-{flag}', action='store_true')
    parser.add_argument('--parsable', action='store_true')
    parser.add_argument('--render', action='store_true', help=argparse.SUPPRESS)


def _add_profile(parser: _Parser) -> None:
    resources = parser.add_subparsers(title='drill down', metavar='COMMAND', dest='resource')
    many = resources.add_parser('rack-controllers').add_subparsers(
        title='drill down', metavar='COMMAND', dest='action'
    )
    one = resources.add_parser('rack-controller').add_subparsers(
        title='drill down', metavar='COMMAND', dest='action'
    )
    actions = [many.add_parser('read'), one.add_parser('read'), one.add_parser('delete')]
    for action in actions[1:]:
        action.add_argument('system_id')
    for action in actions:
        action.add_argument('-d', '--debug', action='store_true', default=False)
        action.add_argument('-k', '--insecure', action='store_true', default=False)
        action.add_argument('data', type=_name_value_pair, nargs='*')


def _option(options: argparse.Namespace, name: str) -> str | None:
    value = getattr(options, name, None)
    return value if isinstance(value, str) else None


def _flag(options: argparse.Namespace, name: str) -> bool:
    return bool(getattr(options, name, False))


def _api_url(url: str) -> str:
    """``maascli.utils.api_url``: the API's URL, ``/api/2.0/`` unless one is given."""
    parsed = urlparse(url)
    path = parsed.path if parsed.path.endswith('/') else parsed.path + '/'
    if re.search('/api/[0-9.]+/?$', path) is None:
        path += 'api/2.0/'
    return parsed._replace(path=path).geturl()


# -- one run --------------------------------------------------------------------------------------


class _Run:
    """One ``maas`` run on one machine: its output, its input, the World it acts on."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.host: SimHost = invocation.host
        self.world: World = invocation.world
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._input: Iterator[str] = iter((invocation.input or '').splitlines(keepends=True))

    # -- output and input -------------------------------------------------------------------------

    def print(self, text: str = '', end: str = '\n') -> None:
        """``print_msg``: to standard output."""
        self.stdout.append(text + end)

    def completed(self, code: int) -> Completed:
        """The run's result, with every Sensitive argument scrubbed from what it printed."""
        return self.invocation.result(
            self.scrub(''.join(self.stdout)), self.scrub(''.join(self.stderr)), code
        )

    def scrub(self, text: str) -> str:
        for arg in self.invocation.argv:
            if isinstance(arg, Sensitive) and arg:
                text = text.replace(str.__str__(arg), '<redacted>')
        return text

    def readline(self) -> str | None:
        """The next line of standard input, or None at its end."""
        return next(self._input, None)

    def read_input(self, prompt: str) -> str:
        """The maascli ``read_input``: ``input()``; on end of input a newline, and again."""
        self.stdout.append(prompt)
        line = self.readline()
        if line is None:
            self.print()
            raise _EndOfInputError
        return line.removesuffix('\n')

    def read_password(self, prompt: str) -> str:
        """``getpass`` with no terminal: a warning, the prompt on stderr, a line of input."""
        self.stderr.append(f'Warning: Password input may be echoed.\n{prompt}')
        line = self.readline()
        if line is None:
            self.print()
            raise _EndOfInputError
        self.stderr.append('\n')
        return line.removesuffix('\n')

    def required_prompt(self, title: str, help_text: str, default: str | None = None) -> str:
        """snap.py's ``required_prompt``: ask until there is an answer."""
        prompt = f'{title} [default={default}]: ' if default is not None else f'{title}: '
        value = ''
        while not value or value == 'help':
            value = self.read_input(prompt)
            if not value and default is not None:
                value = default
            if value == 'help':
                self.print(help_text)
        return value

    def prompt_for_choices(self, prompt: str, choices: Sequence[str], default: str) -> str:
        """The maascli ``prompt_for_choices``."""
        while True:
            value = self.read_input(prompt)
            if not value:
                return default
            if value in choices:
                return value
            self.print('Invalid input, try again.')
            self.print()

    def hang(self) -> NoReturn:
        """The program waits for input that never comes: the caller's timeout kills it."""
        timeout = self.invocation.timeout
        if timeout is None:
            raise SimError(
                f'{self.invocation.argv[0]} waits for ever for an answer on its standard input '
                f'(no terminal, end of input); with no timeout the simulation ({SIMULATED}) '
                'cannot wait with it'
            ) from None
        self.world.sleep(timeout)
        raise CommandTimeoutError(
            self.invocation.argv,
            timeout,
            self.scrub(''.join(self.stdout)),
            self.scrub(''.join(self.stderr)),
        ) from None

    # -- dispatch ---------------------------------------------------------------------------------

    def main(self) -> int:
        """Parse and run; the exit status."""
        args = [str.__str__(arg) for arg in self.invocation.args]  # values as plain strings
        profiles = sorted(_mapping(_state(self.host).get('profiles')))
        if len(args) >= 2 and args[0] in profiles and args[1] not in _PROFILE_WORDS:
            _not_emulated(f'API resource {args[1]!r}')
        parser = _build_parser(profiles)
        options = parser.parse_args(args)
        command = _option(options, 'command')
        if command is None:
            raise _UsageError(parser.format_usage(), 'too few arguments')
        if command in _NOT_EMULATED_COMMANDS:
            _not_emulated(repr(command))
        if command in profiles:
            return self.api(parser, command, options)
        return _COMMANDS[command](self, options, parser)

    # -- init -------------------------------------------------------------------------------------

    def init(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas init MODE``."""
        mode = str(options.run_mode)
        current = _mode(self.host)
        if current != 'none' and not _flag(options, 'force'):
            self.print('Controller has already been initialized.')
            question = 'Are you sure you want to initialize again (yes/no) [default=no]? '
            if self.prompt_for_choices(question, ('yes', 'no'), 'no') == 'no':
                return 0
        settings: dict[str, Any] = {}
        if mode in _REGION_MODES:
            settings = self.database_settings(_option(options, 'database_uri'))
            if _option(options, 'vault_uri'):
                _not_emulated('init with Vault')
        url = _option(options, 'maas_url') or self.required_prompt(
            'MAAS URL', _URL_HELP, self.default_url()
        )
        secret = None
        if mode == 'rack':
            secret = _option(options, 'secret') or self.required_prompt('Secret', _RACK_KEY_HELP)
        if current != 'none':
            self.print('Stopping services')
            self.systemd().stop(PEBBLE_SERVICE)  # stop_pebble: snapctl stop maas.pebble
        self.update_config({'maas_url': url, **settings})
        if secret:
            self.host.write_text(SECRET_FILE, secret, mode=0o640)
        else:
            self.host.remove(SECRET_FILE)
        self.finalize(mode)
        return 0

    def database_settings(self, uri: str | None) -> dict[str, Any]:
        if uri is None:
            socket = f'{COMMON}/test-db-socket'
            default = _TEST_DB_URI if self.host.exists(socket) else None
            uri = self.required_prompt('Database URI', _DB_HELP, default)
        return _database_settings(uri, COMMON)

    def default_url(self) -> str:
        """``get_default_url``: the address of the default route's interface."""
        address = next(iter(self.host.addresses()), 'localhost')
        return f'http://{f"[{address}]" if ":" in address else address}:5240/MAAS'

    def update_config(self, settings: Mapping[str, Any]) -> None:
        """MAASConfiguration.update: merge, dropping settings that are None."""
        state = self.host.namespace('maas')
        merged = {**_config(self.host), **settings}
        state['config'] = {key: value for key, value in merged.items() if value is not None}

    def finalize(self, mode: str) -> None:
        """``_finalize_init``: migrations on an empty database, then the services."""
        key = _db_key(self.host, _config(self.host))
        databases = _databases(self.world)
        init_db = mode in _REGION_MODES and not databases.get(key, {}).get('migrated')
        if init_db:
            self.print('Performing database migrations')
            databases.setdefault(key, {}).update(
                migrated=True, secret=None, regions={}, racks={}, users={}
            )
        self.print('Starting services')
        self.host.write_text(MODE_FILE, mode)
        # restart_pebble(restart_inactive=True): snapctl restart maas.pebble, which starts it
        # even when it was stopped ("it makes sense to start MAAS after initialization").
        self.systemd().restart(PEBBLE_SERVICE)
        state = self.host.namespace('maas')
        state['started'] = self.world.clock()
        state.pop('rackd', None)  # rackd restarts: its next attempt is logged again
        if init_db:
            self.print(_SET_UP, end='')

    # -- status and config ------------------------------------------------------------------------

    def systemd(self) -> Systemd:
        """The machine's systemd, as ``snapctl`` drives the snap's services through snapd."""
        return Systemd(self.host, Output())

    def status(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas status``: ``cmd_status`` runs ``$SNAP/bin/run-pebble services``.

        Its standard output is printed as is when pebble exits 0; otherwise ``Pebble exited
        with error code N and the following output:`` and that output, with pebble's exit
        status (pebble's standard error is not captured: it passes through).
        """
        mode = _mode(self.host)
        if mode == 'none':
            self.print('MAAS is not configured')
            return 1
        since = _services_since(self.host)
        if since is None:
            # pebble's client: GET /v1/services on a socket nobody listens on (pebble removes
            # it when it stops: Go's UnixListener unlinks on Close), error: + message, exit 1.
            self.stderr.append(
                'error: cannot communicate with server: Get '
                '"http://localhost/v1/services?names=": dial unix '
                f'{_PEBBLE_SOCKET}: connect: no such file or directory\n'
            )
            self.print('Pebble exited with error code 1 and the following output:')
            return 1
        registered = self.host.exists(MAAS_ID_FILE)
        rows = [('Service', 'Startup', 'Current', 'Since')]
        for service, startup in sorted(_LAYERS[mode].items()):
            active = service not in _NEVER_STARTED and (
                mode != 'rack' or service not in _RACK_TOGGLED or registered
            )
            when = _pebble_time(since, self.world.clock()) if active else '-'
            rows.append((service, startup, 'active' if active else 'inactive', when))
        for line in _tabwriter(rows):
            self.print(line)
        return 0

    def config(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas config``: show the settings, or change them."""
        changes = {
            name: getattr(options, name)
            for name in (
                'secret',
                'maas_url',
                'num_workers',
                'enable_debug',
                'disable_debug',
                'enable_debug_queries',
                'disable_debug_queries',
            )
            if getattr(options, name) is not None and getattr(options, name) is not False
        }
        if _flag(options, 'render'):
            return 0
        if _flag(options, 'show') or not changes:
            self.print_config(options)
            return 0
        return self.change_config(changes)

    def print_config(self, options: argparse.Namespace) -> None:
        """``print_config``."""
        mode = _mode(self.host)
        config = _config(self.host)
        parsable = _flag(options, 'parsable')
        self.print(f'mode={mode}' if parsable else f'Mode: {mode}')
        if mode == 'none':
            return
        if not parsable:
            self.print('Settings:')

        def show(key: str, hidden: bool = False) -> None:
            self.print(f'{key}=(hidden)' if hidden else f'{key}={config.get(key)}')

        show('maas_url')
        if 'debug' in config:
            show('debug')
        if mode in _REGION_MODES:
            for key in ('database_host', 'database_port', 'database_name', 'database_user'):
                show(key)
            show('database_pass', hidden=not _flag(options, 'show_database_password'))
        if mode == 'rack':
            entry = self.host.files.get(SECRET_FILE)
            secret = (entry.content.strip() or None) if entry is not None else None
            self.print(f'secret={secret if _flag(options, "show_secret") else "(hidden)"}')
        else:
            for key in ('num_workers', 'debug_queries'):
                if key in config:
                    show(key)

    def change_config(self, changes: Mapping[str, Any]) -> int:
        """The setting half of ``cmd_config``."""
        mode = _mode(self.host)
        allowed = {'rack': ('maas_url', 'secret'), 'none': ()}.get(mode, ('maas_url',))
        invalid = [
            f'--{flag.replace("_", "-")}'
            for flag in ('maas_url', 'secret')
            if flag in changes and flag not in allowed
        ]
        if invalid:
            self.print(f"Following flags are not supported in '{mode}' mode: {', '.join(invalid)}")
            return 1
        config = _config(self.host)
        restart = False
        if 'maas_url' in changes and config.get('maas_url') != changes['maas_url']:
            self.update_config({'maas_url': changes['maas_url']})
            restart = True
        if 'secret' in changes:
            self.host.write_text(SECRET_FILE, str(changes['secret']), mode=0o640)
        optional = {
            'num_workers': ('num_workers', changes.get('num_workers')),
            'enable_debug': ('debug', True),
            'disable_debug': ('debug', False),
            'enable_debug_queries': ('debug_queries', True),
            'disable_debug_queries': ('debug_queries', False),
        }
        for flag, (key, value) in optional.items():
            if flag in changes and _config(self.host).get(key) != value:
                self.update_config({key: value})
                restart = True
        if restart:
            self.print('Restarting services' if mode != 'none' else 'Stopping services')
            # restart_pebble(): nothing when ``snapctl services maas`` says inactive.
            if _pebble_active(self.host):
                self.systemd().restart(PEBBLE_SERVICE)
                self.host.namespace('maas').update(started=self.world.clock())
                self.host.namespace('maas').pop('rackd', None)
        return 0

    # -- Django management commands ---------------------------------------------------------------

    def django_db(self) -> dict[str, Any]:
        """The database regiond.conf names, as Django connects to it."""
        config = _config(self.host)
        db = _databases(self.world).get(_db_key(self.host, config))
        if db is None or not db.get('migrated'):
            name = str(config.get('database_host') or 'localhost')
            shown = f'"{name}" (127.0.0.1)' if name == 'localhost' else f'"{name}"'
            port = config.get('database_port') or _DEFAULT_PORT
            raise _ExitError(
                1,
                'Traceback (most recent call last):\n  ...\n'
                f'django.db.utils.OperationalError: connection to server at {shown}, port '
                f'{port} failed: Connection refused\n'
                '\tIs the server running on that host and accepting TCP/IP connections?',
            )
        return db

    def createadmin(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas createadmin``."""
        db = self.django_db()
        username = _option(options, 'username')
        password = _option(options, 'password')
        email = _option(options, 'email')
        ssh_import = _option(options, 'ssh_import')
        prompt_ssh = ssh_import is None and None in (username, password, email)
        if username is None:
            username = self.read_input('Username: ')
            if not username:
                raise _django_error(
                    'EmptyUsername', 'You must input a username or provide it with --username.'
                )
        if password is None:
            password = self.read_password('Password: ')
            if self.read_password('Again: ') != password:
                raise _django_error('InconsistentPassword', 'Passwords do not match')
            if not password:
                raise _django_error('InconsistentPassword', 'Passwords cannot be empty')
        if email is None:
            email = self.read_input('Email: ')
            if not email:
                raise _django_error(
                    'EmptyEmail', 'You must input an email or provide it with --email'
                )
        if prompt_ssh:
            ssh_import = self.read_input('Import SSH keys [] (lp:user-id or gh:user-id): ')
        users = cast('dict[str, dict[str, Any]]', db.setdefault('users', {}))
        if username in users:
            raise _django_error(
                'AlreadyExistingUser', f'A user with the email {email} already exists.'
            )
        if ssh_import:
            _not_emulated('createadmin with SSH key import')
        users[username] = {
            'email': email,
            'superuser': True,
            'tokens': [_new_token(self.world, username)],
        }
        return 0

    def apikey(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas apikey``."""
        username = _option(options, 'username')
        if username is None:
            raise _django_error('CommandError', 'You must provide a username with --username.')
        delete = _option(options, 'delete')
        if _flag(options, 'generate') and delete is not None:
            raise _django_error('CommandError', 'Specify one of --generate or --delete.')
        db = self.django_db()
        user = _mapping(db.get('users')).get(username)
        if user is None:
            raise _django_error('CommandError', 'User does not exist.')
        tokens = cast('list[list[str]]', user.setdefault('tokens', []))
        if _flag(options, 'generate'):
            tokens.append(_new_token(self.world, username))
            self.print(':'.join(tokens[-1]))
        elif delete is not None:
            parts = delete.split(':')
            if len(parts) != 3:
                raise _django_error(
                    'CommandError',
                    'Malformed credentials string.  Expected 3 colon-separated items, got '
                    "'<redacted>'.",
                )
            kept = [token for token in tokens if token[1] != parts[1]]
            if len(kept) == len(tokens):
                raise _django_error('CommandError', 'No matching api key found.')
            tokens[:] = kept
        else:
            for token in tokens:
                self.print(':'.join(token))
        return 0

    # -- the API client ---------------------------------------------------------------------------

    def profiles(self) -> dict[str, dict[str, Any]]:
        return cast(
            'dict[str, dict[str, Any]]', self.host.namespace('maas').setdefault('profiles', {})
        )

    def database_path(self) -> str:
        return posixpath.join(self.invocation.env.get('HOME', '/root'), '.maascli.db')

    def login(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas login PROFILE URL [CREDENTIALS]``."""
        if _option(options, 'cacerts') is not None:
            _not_emulated('login --cacerts')
        url = _api_url(str(options.url))
        given = _option(options, 'credentials')
        if given == '-':
            line = self.readline()
            text: str | None = (line or '').strip()
        elif given is None:
            self.reach(url, parser)  # MAAS first asks the region for a key by macaroon
            text = self.prompt_api_key()
        else:
            text = given
        credentials = None
        if text and not text.isspace():
            credentials = text.split(':')
            if len(credentials) != 3:
                raise _UsageError(
                    parser.format_usage(),
                    'Malformed credentials string.  Expected 3 colon-separated items, got '
                    "'<redacted>'.",
                )
        key = self.reach(url, parser)
        if credentials is not None and not _known_key(_databases(self.world)[key], credentials):
            raise _ExitError(1, 'The MAAS server rejected your API key.')
        name = str(options.profile_name)
        self.profiles()[name] = {'url': url, 'credentials': credentials}
        if not self.host.exists(self.database_path()):
            self.host.write_text(self.database_path(), '', mode=0o600)
        self.print()
        for message in (
            f"You are now logged in to the MAAS server at {url} with the profile name '{name}'.",
            'For help with the available commands, try:',
            f'  maas {name} --help',
        ):
            self.print(textwrap.fill(message))
            self.print()
        return 0

    def prompt_api_key(self) -> str | None:
        """``try_getpass``: the key typed at the prompt, None at end of input."""
        self.stderr.append(
            'Warning: Password input may be echoed.\nAPI key (leave empty for anonymous access): '
        )
        line = self.readline()
        if line is None:
            return None
        self.stderr.append('\n')
        return line.removesuffix('\n')

    def reach(self, url: str, parser: _Parser) -> str:
        """The database of the region answering at ``url``; httplib2's error otherwise."""
        route = _route(self.world, url, self.host)
        if isinstance(route, str):
            raise _UsageError(parser.format_usage(), _SOCKET_ERRORS[route])
        return route[1]

    def logout(self, options: argparse.Namespace, parser: _Parser) -> int:
        """``maas logout PROFILE``."""
        path = self.database_path()
        if not self.host.exists(path):
            raise _UsageError(parser.format_usage(), path)
        self.profiles().pop(str(options.profile_name), None)
        return 0

    def api(self, parser: _Parser, name: str, options: argparse.Namespace) -> int:
        """``maas PROFILE RESOURCE ACTION ...``: one signed request, its body printed."""
        resource, action = _option(options, 'resource'), _option(options, 'action')
        if resource is None or action is None:
            raise _UsageError(parser.format_usage(), 'too few arguments')
        profile = self.profiles()[name]
        if profile.get('credentials') is None:
            _not_emulated('anonymous API access')
        db = _databases(self.world)[self.reach(str(profile['url']), parser)]
        if not _known_key(db, cast('list[str]', profile['credentials'])):
            return self.respond(
                options, 401, 'Unauthorized', 'Authorization Error: Invalid API key.'
            )
        filters = dict(cast('list[tuple[str, str]]', options.data))
        controllers = _rack_controllers(self.world, db)
        if resource == 'rack-controllers':
            chosen = [
                node
                for node in controllers.values()
                if filters.get('hostname', node['hostname']) == node['hostname']
                and filters.get('id', node['system_id']) == node['system_id']
            ]
            return self.respond(options, 200, 'OK', json.dumps(chosen, indent=4))
        system_id = str(options.system_id)
        if system_id not in controllers:
            return self.respond(
                options, 404, 'Not Found', 'No RackController matches the given query.'
            )
        if action == 'read':
            return self.respond(options, 200, 'OK', json.dumps(controllers[system_id], indent=4))
        record = _mapping(db.get('racks')).get(system_id) or _mapping(db.get('regions'))[system_id]
        machine = self.world.machines.get(str(record.get('machine', '')))
        _delete_rack(db, system_id)
        if machine is not None:
            # The region drops a deleted rack's connection; its rackd reconnects and registers
            # again, as a new node, if it is still running.
            machine.namespace('maas').pop('rackd', None)
        return self.respond(options, 204, 'No Content', '')

    def respond(self, options: argparse.Namespace, status: int, reason: str, body: str) -> int:
        """``Action.__call__``: the body as is; ``--debug`` adds the status line; 2 if not 2xx."""
        if _flag(options, 'debug'):
            json_body = body.startswith(('[', '{'))
            kind = 'application/json' if json_body else 'text/plain; charset=utf-8'
            self.stderr.append(f'{status} {reason}\n\n  Content-Type: {kind}\n\n')
        self.stdout.append(body)
        return 0 if status // 100 == 2 else 2


def _tabwriter(rows: Sequence[Sequence[str]]) -> list[str]:
    """Go's tabwriter as pebble sets it up (minwidth 5, padding 2; the last cell unpadded)."""
    widths = [max(5, *(len(row[c]) + 2 for row in rows)) for c in range(len(rows[0]) - 1)]
    return [
        ''.join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + row[-1]
        for row in rows
    ]


def _pebble_time(then: float, now: float) -> str:
    """Pebble's ``timeutil.Human`` (v1.10.2 ``internals/timeutil/human.go``) in UTC.

    assumption: the machine's local time zone is UTC, as in MAAS-deployed Ubuntu images.
    """
    start, today = time.gmtime(then), time.gmtime(now)
    days = (
        calendar.timegm((*start[:3], 0, 0, 0)) - calendar.timegm((*today[:3], 0, 0, 0))
    ) // 86400
    clock = time.strftime('%H:%M UTC', start)
    if days < -60 or days > 60:
        return time.strftime('%Y-%m-%d', start)
    if days < -1:
        return f'{-days} days ago, at {clock}'
    if days == -1:
        return f'yesterday at {clock}'
    if days == 0:
        return f'today at {clock}'
    return f'tomorrow at {clock}' if days == 1 else f'in {days} days, at {clock}'


def _django_error(kind: str, message: str) -> _ExitError:
    """Django's ``BaseCommand.run_from_argv`` on a CommandError: ``Class: message``, exit 1."""
    return _ExitError(1, f'{kind}: {message}')


def _known_key(db: Mapping[str, Any], credentials: Sequence[str]) -> bool:
    """Whether the database has this API key (OAuth: consumer, token and secret match)."""
    return any(
        list(credentials) == list(token)
        for user in _mapping(db.get('users')).values()
        for token in _mapping(user).get('tokens', [])
    )


def _rack_controllers(world: World, db: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The API's rack controllers: racks and region+rack controllers, oldest first."""
    nodes: list[tuple[int, str, Mapping[str, Any], bool]] = []
    for system_id, record in _mapping(db.get('racks')).items():
        nodes.append((int(record.get('created', 0)), system_id, record, False))
    for system_id, record in _mapping(db.get('regions')).items():
        if record.get('node_type') == 'region+rack':
            nodes.append((int(record.get('created', 0)), system_id, record, True))
    return {
        system_id: _rack_json(system_id, record, both)
        for _, system_id, record, both in sorted(nodes, key=lambda node: node[:2])
    }


def _rack_json(system_id: str, record: Mapping[str, Any], both: bool) -> dict[str, Any]:
    """A rack controller as the MAAS API renders it (a subset of its fields)."""
    hostname = str(record.get('hostname', ''))
    return {
        'system_id': system_id,
        'hostname': hostname,
        'description': '',
        'domain': {
            'authoritative': True,
            'ttl': None,
            'resource_record_count': 0,
            'name': 'maas',
            'id': 0,
            'is_default': True,
            'resource_uri': '/MAAS/api/2.0/domains/0/',
        },
        'fqdn': f'{hostname}.maas',
        'architecture': 'amd64/generic',
        'ip_addresses': list(cast('list[str]', record.get('addresses', []))),
        'zone': {
            'name': 'default',
            'description': '',
            'id': 1,
            'resource_uri': '/MAAS/api/2.0/zones/default/',
        },
        'node_type': 4 if both else 2,
        'node_type_name': 'Region and rack controller' if both else 'Rack controller',
        'version': str(record.get('version', '')),
        'resource_uri': f'/MAAS/api/2.0/rackcontrollers/{system_id}/',
    }


def _delete_rack(db: dict[str, Any], system_id: str) -> None:
    """Delete a rack; a region+rack controller becomes a region controller."""
    racks = _mapping(db.get('racks'))
    if system_id in racks:
        del racks[system_id]
        return
    _mapping(db.get('regions'))[system_id]['node_type'] = 'region'


_PROFILE_WORDS = frozenset({'rack-controllers', 'rack-controller', '-h', '--help'})

_COMMANDS: Mapping[str, Callable[[_Run, argparse.Namespace, _Parser], int]] = {
    'init': _Run.init,
    'status': _Run.status,
    'config': _Run.config,
    'createadmin': _Run.createadmin,
    'apikey': _Run.apikey,
    'login': _Run.login,
    'logout': _Run.logout,
}


def handle(invocation: Invocation) -> Completed:
    """Run ``maas`` on the invocation's machine: only where the maas snap is installed."""
    if _snap(invocation.host) is None:
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    run = _Run(invocation)
    _reconcile(invocation.world)
    try:
        code = run.main()
    except _ExitError as exit_:
        code = exit_.code
        if exit_.message is not None:
            run.stderr.append(exit_.message + '\n')
    except _UsageError as error:
        run.stderr.append(f'{error.usage}\n{error.message}\n')
        code = 2
    except _HelpRequestedError as help_:
        run.stdout.append(help_.text + f'\n({SIMULATED}: the olm simulation of the MAAS CLI)\n')
        code = 0
    except _EndOfInputError:
        run.hang()
    _reconcile(invocation.world)
    return run.completed(code)


# rackd logs to the journal on its own time: let it catch up whenever the journal is read.
journalctl.before_reading(run_daemons)
