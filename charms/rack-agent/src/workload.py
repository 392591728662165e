"""Drive the ``maas`` snap as a MAAS rack controller, through :mod:`metal_host` only.

Everything here is "how to be a rack controller"; nothing knows about Juju. Every function
asks :func:`metal_host.current` for the machine, so the same code runs on a real machine, on an
olm simulated machine and against a unit test's ``RecordingHost``. The command lines and files
are those of the ``maas`` snap 3.5+ (``snap list maas``, ``maas init rack``,
``/var/snap/maas/common/...``, the snap's ``pebble`` service, rackd's journal); nothing else is
used.

Registration is asynchronous in MAAS: ``maas init rack`` writes the configuration, restarts
the snap's pebble (which runs rackd) and exits 0 whatever happens next. rackd then connects to
the region on its own. So the outcome is read afterwards from two places: ``maas_id`` (written
once the region accepted the rack) and the lines rackd sent to the journal since the attempt
began (:func:`outcome`). Since MAAS 3.5 there is no rackd.log: the snap's rack pebble layer runs
rackd as ``systemd-cat -t maas-rackd`` (canonical/maas ``snap/local/tree/usr/share/maas/pebble/
layers/003-maas-rack-layer.yaml`` @ 3.6), so its lines are journal entries with that
identifier, read with ``journalctl -t maas-rackd -o cat``.

Errors form a small family under :class:`WorkloadError`; every message is safe to show in
``juju status`` (a :class:`metal_host.Sensitive` argument is redacted by the machine seam)::

    WorkloadError          the rack controller could not be driven
    ├── SnapError          snapd refused to install, refresh or hold the maas snap
    └── RackError          maas init rack, or stopping the rack, failed
"""

# pyright: strict

from __future__ import annotations

import enum
import ipaddress
import logging
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Final

import metal_charm
import metal_host

SECRET_REJECTED: Final = 'FAILED authentication; dropping connection.'  # noqa: S105 - a log line
"""A rackd line saying the region rejected the shared secret.

The rack proves the region knows the shared secret (an HMAC over a random message) before it
registers; with a different secret the digests differ and rackd logs, in canonical/maas
``src/provisioningserver/rpc/clusterservice.py`` (``ClusterClient.performHandshake``)::

    Event-loop '<region event-loop>' FAILED authentication; dropping connection.

The event-loop name varies, so this is the fixed tail of that line. Every region of one MAAS
shares one secret, so another region address would reject it too.
"""

REGION_UNAVAILABLE: Final = 'Region not available: '
"""A rackd line saying no region answered at the configured URL.

From the same module (``ClusterClientService._doUpdate``), when fetching the region's RPC info
fails with a connection error::

    Region not available: <error> (While requesting RPC info at <url>).

The error and URL vary, so this is the fixed head of that line. Another region address may
still answer.
"""

SNAP: Final = 'maas'
"""The snap that carries both region and rack controllers."""

SERVICE: Final = 'snap.maas.pebble'
"""The systemd unit of the snap's only daemon, pebble, which runs rackd in rack mode.

Since MAAS 3.5 (canonical/maas ``snap/snapcraft.yaml`` @ 3.6: epoch 4, "(3.5) supervisord ->
Pebble migration") there is no ``snap.maas.supervisor``.
"""

MIN_SERIES: Final = (3, 5)
"""The oldest MAAS series this charm drives: 3.4 and older run supervisord and log to files."""

REGION_PORT: Final = 5240
"""The port a MAAS region serves its API (and the rack's RPC info) on."""

COMMON: Final = PurePosixPath('/var/snap/maas/common')
SECRET_FILE: Final = COMMON / 'maas' / 'secret'
"""The RPC shared secret the rack was given with ``--secret`` (a credential)."""
MAAS_ID_FILE: Final = COMMON / 'maas' / 'maas_id'
"""The rack's system id, written only once the region accepted the rack."""
RACKD_IDENTIFIER: Final = 'maas-rackd'
"""rackd's journal identifier (``systemd-cat -t maas-rackd``), where a failed registration
leaves its reason."""

_SNAP_LIST_TIMEOUT: Final = 60.0
_JOURNAL_TIMEOUT: Final = 60.0
_CURSOR_PREFIX: Final = '-- cursor: '
_INIT_TIMEOUT: Final = 600.0
"""``maas init rack`` restarts the snap's services; a hung one must not hold the hook forever."""

logger = logging.getLogger(__name__)

__all__ = [
    'MAAS_ID_FILE',
    'MIN_SERIES',
    'RACKD_IDENTIFIER',
    'REGION_PORT',
    'REGION_UNAVAILABLE',
    'SECRET_FILE',
    'SECRET_REJECTED',
    'SERVICE',
    'SNAP',
    'Outcome',
    'RackError',
    'SnapError',
    'WorkloadError',
    'begin_registration',
    'candidate_urls',
    'deregister',
    'has_registration',
    'hostname',
    'init_rack',
    'install',
    'installed_version',
    'log_mark',
    'outcome',
    'refresh',
    'series',
    'short_version',
    'supported',
]


class WorkloadError(Exception):
    """The rack controller could not be driven; the message is safe for ``juju status``."""


class SnapError(WorkloadError, metal_charm.SnapError):
    """snapd refused to install, refresh or hold the maas snap."""


class RackError(WorkloadError):
    """``maas init rack`` failed, or the rack could not be stopped or cleaned up."""


_SNAP = metal_charm.Snap(SNAP, error=SnapError, list_timeout=_SNAP_LIST_TIMEOUT)


class Outcome(enum.StrEnum):
    """What became of one registration attempt with one region URL."""

    REGISTERED = 'registered'
    """The region accepted the rack: ``maas_id`` is there."""
    REJECTED = 'rejected'
    """The region refused the shared secret (:data:`SECRET_REJECTED`)."""
    UNAVAILABLE = 'unavailable'
    """Nothing answered at that URL (:data:`REGION_UNAVAILABLE`)."""
    PENDING = 'pending'
    """Neither yet: rackd is still trying; look again later."""


# -- the snap --------------------------------------------------------------------------------


def install(channel: str) -> None:
    """Install the maas snap from ``channel`` and hold it.

    Held because a MAAS rack must run the region's version: an automatic refresh to a newer
    revision could break registration behind the operator's back.

    Raises:
        SnapError: snapd refused.
    """
    _SNAP.install(channel)


def refresh(channel: str) -> None:
    """Switch the maas snap to ``channel`` and hold it again.

    Raises:
        SnapError: snapd refused (no such channel, or the snap is not installed).
    """
    _SNAP.refresh(channel)


def installed_version() -> str | None:
    """The installed maas snap's full version (``snap list maas``), or None if not installed.

    The Version column reads like ``3.6.0-16377-g.dc4fc3b74``.

    Raises:
        SnapError: ``snap list`` could not be run at all.
    """
    snap = _SNAP.installed()
    return None if snap is None else snap.version


def short_version(version: str) -> str:
    """The version MAAS publishes: the part before the first ``-`` (``3.6.0``)."""
    return version.split('-', 1)[0]


def supported(track: str) -> bool:
    """Whether a snap track is a MAAS series this charm can drive (3.5 or later).

    A track that is not ``major.minor`` (``latest``, a risk alone) is left to the version check
    against the region, which reads the installed version.
    """
    try:
        major, minor = (int(part) for part in track.split('.'))
    except ValueError:
        return True
    return (major, minor) >= MIN_SERIES


def series(version: str) -> str:
    """``major.minor`` of a MAAS version (``3.6`` for ``3.6.0-16377-g.dc4fc3b74``).

    Racks and regions must agree on this much; patch releases of one series interoperate.
    """
    return '.'.join(short_version(version).split('.')[:2])


# -- registration ----------------------------------------------------------------------------


def candidate_urls(api_url: str, addresses: Iterable[str]) -> tuple[str, ...]:
    """The URLs to try, in order: the region's API URL, then each region address.

    The API URL comes first because it is the virtual IP or load balancer when there is one;
    the addresses are there to fail over to. Duplicates are dropped, keeping the first.
    """
    urls = [api_url, *(_region_url(address) for address in addresses)]
    return tuple(dict.fromkeys(urls))


def _region_url(address: str) -> str:
    try:
        is_v6 = ipaddress.ip_address(address).version == 6
    except ValueError:
        is_v6 = False  # a host name
    host = f'[{address}]' if is_v6 else address
    return f'http://{host}:{REGION_PORT}/MAAS'


def log_mark() -> str:
    """Where rackd's journal ends now (a journal cursor), so :func:`outcome` reads what follows.

    ``journalctl -t maas-rackd --lines=1 --show-cursor`` prints rackd's latest entry and then
    ``-- cursor: CURSOR``. With no rackd entry at all it prints nothing; systemd 255 (Ubuntu
    24.04) exits 0 then, systemd before 254 exits 1 (systemd/systemd#26899): both mean an empty
    mark, from which every entry is new.

    Raises:
        RackError: journalctl failed.
    """
    done = _journalctl('--lines=1', '--show-cursor', check=False)
    cursor = next(
        (
            line.removeprefix(_CURSOR_PREFIX)
            for line in reversed(done.stdout.splitlines())
            if line.startswith(_CURSOR_PREFIX)
        ),
        '',
    )
    if not done.ok and (cursor or done.stdout.strip() or done.stderr.strip()):
        said = next((line for line in done.stderr.splitlines() if line.strip()), '')
        raise RackError(f"cannot read rackd's journal: exit {done.returncode}: {said}")
    return cursor


def begin_registration() -> None:
    """Get the machine ready for a new round of registration attempts.

    The snap's pebble is enabled and started in case an earlier deregistration stopped it, and an
    earlier ``maas_id`` is removed, so that ``maas_id`` appearing means the region accepted
    *this* registration. (The region finds a re-registering rack by its hostname and
    interfaces, so the rack keeps its system id.)

    Raises:
        RackError: systemd or the file system refused.
    """
    host = metal_host.current()
    try:
        host.service('enable', SERVICE)
        host.service('start', SERVICE)
        host.remove(MAAS_ID_FILE)
    except metal_host.HostError as e:
        raise RackError(f'cannot prepare the rack controller: {e}') from e


def init_rack(url: str, secret: str) -> None:
    """Point rackd at ``url`` with the shared ``secret`` (``maas init rack ... --force``).

    ``--force`` because without a terminal ``maas init`` would otherwise ask whether to
    overwrite an existing configuration and take no for an answer. The secret travels as a
    :class:`metal_host.Sensitive` argument, so no error message or log line shows it.

    Raises:
        RackError: the command failed or timed out.
    """
    argv = [
        'maas',
        'init',
        'rack',
        '--maas-url',
        url,
        '--secret',
        metal_host.Sensitive(secret),
        '--force',
    ]
    try:
        metal_host.current().run(argv, timeout=_INIT_TIMEOUT)
    except metal_host.HostError as e:
        raise RackError(f'cannot register with {url}: {e}') from e


def outcome(since: str, url: str = '') -> Outcome:
    """What became of the attempt with ``url`` that began when rackd's journal ended at ``since``.

    A ``maas_id`` means registered. Otherwise rackd's journal entries after that cursor (all of
    them for an empty mark) decide: the secret rejected wins over unavailable (it will not get
    better by trying another region), and no verdict yet is pending. With ``url``, only an
    unavailable line about that URL counts (rackd names the URLs it asked, ``(While requesting
    RPC info at URL).``): the rackd that ``maas init`` stops may still log about the previous one.

    Raises:
        RackError: journalctl failed (a cursor it cannot seek to, say).
    """
    host = metal_host.current()
    if host.exists(MAAS_ID_FILE):
        return Outcome.REGISTERED
    after = (f'--after-cursor={since}',) if since else ()
    try:
        lines = _journalctl(*after).stdout.splitlines()
    except metal_host.HostError as e:
        raise RackError(f"cannot read rackd's journal: {e}") from e
    if any(SECRET_REJECTED in line for line in lines):
        return Outcome.REJECTED
    about = f'(While requesting RPC info at {url}).' if url else ''
    if any(REGION_UNAVAILABLE in line and about in line for line in lines):
        return Outcome.UNAVAILABLE
    return Outcome.PENDING


def has_registration() -> bool:
    """Whether the machine holds anything of a registration (the secret or a system id)."""
    host = metal_host.current()
    return host.exists(SECRET_FILE) or host.exists(MAAS_ID_FILE)


def deregister() -> None:
    """Stop the rack controller for good and forget the region.

    The snap's pebble is stopped and disabled so rackd cannot come back after a reboot with a
    secret for a region it no longer belongs to; the secret and the system id are removed.
    The region's side (deleting the rack from MAAS) is the region leader's job.

    Raises:
        RackError: systemd or the file system refused.
    """
    host = metal_host.current()
    try:
        host.service('stop', SERVICE)
        host.service('disable', SERVICE)
        host.remove(SECRET_FILE)
        host.remove(MAAS_ID_FILE)
    except metal_host.HostError as e:
        raise RackError(f'cannot deregister the rack controller: {e}') from e


def hostname() -> str:
    """This machine's hostname: MAAS lists a rack controller under it."""
    return metal_host.current().hostname()


def _journalctl(*args: str, check: bool = True) -> metal_host.Completed:
    """``journalctl -t maas-rackd -o cat --no-pager ARGS``: rackd's messages, one a line.

    Raises:
        RackError: journalctl could not be run (not raised for a failure when ``check`` is off).
    """
    argv = ['journalctl', '-t', RACKD_IDENTIFIER, '-o', 'cat', '--no-pager', *args]
    try:
        return metal_host.current().run(argv, timeout=_JOURNAL_TIMEOUT, check=check)
    except metal_host.CommandError:
        raise
    except metal_host.HostError as e:
        raise RackError(f"cannot read rackd's journal: {e}") from e
