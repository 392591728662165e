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
  ``<class>: <message>``); so does another user's e-mail (a unique column). The user gets one
  API key, as MAAS creates one for every user. No user name is refused for its form (Django's
  ``create_superuser`` runs no validator; MAAS's user form does): only the columns' lengths
  (150, 254) are limits, as a traceback ending ``django.db.utils.DataError: value too long for
  type character varying(N)``; ``--username ''`` ends ``ValueError: The given username must be
  set``; a malformed ``--ssh-import`` is ``SSHKeysError: ...`` and keeps no user.
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

The package's modules, named for MAAS's parts: the snap's files and state (``_state``), the
controllers' own work (``_daemons``: regiond and rackd; ``_network``: who answers at a URL;
``_draws``: deterministic ids and keys), the CLI (``_parser``, ``_run``, one module per command
family: ``_init``, ``_status``, ``_config``, ``_django``, ``_api``; ``_cli`` puts them together),
database URIs (``_database_uri``) and how a run ends (``_errors``).
"""

# pyright: strict

from __future__ import annotations

from .. import journalctl
from ._cli import handle
from ._daemons import run_daemons
from ._state import (
    COMMON,
    MAAS_ID_FILE,
    MODE_FILE,
    PEBBLE_SERVICE,
    RACKD_IDENTIFIER,
    SECRET_FILE,
)

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

# rackd logs to the journal on its own time: let it catch up whenever the journal is read.
journalctl.before_reading(run_daemons)
