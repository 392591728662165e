"""Driving MAAS: the ``maas`` snap and the ``maas`` command line, only through metal_host.

Why a module of small functions: the charm decides *when* (turns, leadership, statuses), this
module knows *how*, with the command lines of the ``maas`` snap 3.5+ (canonical/maas
``src/maascli`` @ 3.6: ``maas init``, ``createadmin``, ``apikey``,
``login``/``rack-controllers``/``logout``) and its one service, ``snap.maas.pebble``.
Nothing here keeps state; every function asks :func:`metal_host.current` for the machine.

Credentials (the database URI, passwords, API keys) are passed as :class:`metal_host.Sensitive`
arguments or on standard input, and every error message is scrubbed of them before it leaves
this module: messages end up in ``juju status``, action failures and logs. Errors form one
small family::

    WorkloadError          MAAS or snapd refused (``transient``: worth retrying as is)
    ├── SnapError          installing, refreshing or holding the maas snap failed
    ├── InitError          ``maas init`` failed
    └── MaasCommandError   an admin command (createadmin, apikey, the API) failed
"""

# pyright: strict

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.parse
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import metal_charm
import metal_host

__all__ = [
    'API_PORT',
    'MIN_SERIES',
    'PEBBLE',
    'SECRET_PATH',
    'SNAP',
    'DatabaseAccess',
    'InitError',
    'InitSpec',
    'MaasCommandError',
    'Mode',
    'SnapError',
    'SnapInfo',
    'WorkloadError',
    'api_keys',
    'create_admin',
    'credentials_tag',
    'delete_racks',
    'ensure_admin',
    'init',
    'install',
    'refresh',
    'shared_secret',
    'snap_info',
    'stop',
    'supported',
    'url_for',
]

logger = logging.getLogger(__name__)

SNAP = 'maas'
"""The MAAS snap."""
PEBBLE = 'snap.maas.pebble'
"""The systemd unit that runs every MAAS service of the snap: its only daemon since MAAS 3.5
(canonical/maas ``snap/snapcraft.yaml`` @ 3.6: epoch 4, "(3.5) supervisord -> Pebble
migration"; ``src/maascli/snap.py`` stops and restarts it as ``maas.pebble``)."""
MIN_SERIES = (3, 5)
"""The oldest MAAS series this charm drives (3.4 and older run supervisord)."""
SECRET_PATH = '/var/snap/maas/common/maas/secret'  # noqa: S105 - a path, not a secret
"""The region's RPC shared secret, written by ``maas init``."""
API_PORT = 5240
"""The region API's HTTP port."""

Mode = Literal['region', 'region+rack']
"""The ``maas init`` modes a region unit runs in."""


class WorkloadError(Exception):
    """MAAS or snapd refused; the message is safe to show (it never holds a credential).

    Attributes:
        transient: whether the same call may succeed later unchanged (snapd busy, a timeout);
            the charm shows those as maintenance rather than as a problem to fix.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class SnapError(WorkloadError, metal_charm.SnapError):
    """Installing, refreshing or holding the maas snap failed."""


class InitError(WorkloadError):
    """``maas init`` failed."""


class MaasCommandError(WorkloadError):
    """An admin command (createadmin, apikey, login, the rack-controller API) failed."""


_SNAP = metal_charm.Snap(SNAP, error=SnapError)


@dataclass(frozen=True)
class SnapInfo:
    """The installed maas snap, as ``snap list maas`` shows it.

    Attributes:
        version: the full version, e.g. ``3.6.0-16377-g.dc4fc3b74``.
        channel: the channel it tracks, e.g. ``3.6/stable``.
    """

    version: str
    channel: str

    @property
    def maas_version(self) -> str:
        """The MAAS release (``3.6.0``): what racks must match and what status shows."""
        return self.version.split('-', 1)[0]


@dataclass(frozen=True)
class DatabaseAccess:
    """Where MAAS keeps its state, and as whom it connects.

    Attributes:
        host: the PostgreSQL primary's host.
        port: its port.
        name: the database.
        user: the database user.
        password: the user's password (kept out of ``repr``; only :meth:`uri` uses it).
    """

    host: str
    port: int
    name: str
    user: str
    password: str = field(repr=False)

    def uri(self) -> metal_host.Sensitive:
        """``postgres://USER:PASSWORD@HOST:PORT/NAME``, marked sensitive for the Host.

        User and password are percent-encoded: libpq (which MAAS hands the URI to) decodes
        them, so a password with ``@`` or ``/`` still works.
        """
        user = urllib.parse.quote(self.user, safe='')
        password = urllib.parse.quote(self.password, safe='')
        host = f'[{self.host}]' if ':' in self.host else self.host
        return metal_host.Sensitive(f'postgres://{user}:{password}@{host}:{self.port}/{self.name}')


def credentials_tag(key: bytes, password: str) -> str:
    """A short keyed digest of a password, to notice a rotated password without publishing it.

    The key is the unit's own and never leaves it, so the tag says nothing about the password
    to whoever reads the peer data; it only changes when the password does.
    """
    return hmac.new(key, password.encode(), hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class InitSpec:
    """Everything a unit's ``maas init`` (and its snap channel) is made of, minus the password.

    Its :meth:`fingerprint` is what a unit publishes as the init it wants and has applied (see
    the turns module): the unit needs a turn whenever the two differ.

    Attributes:
        channel: the snap channel.
        mode: ``region`` or ``region+rack``.
        maas_url: the URL passed as ``--maas-url``.
        db_host: the database host.
        db_port: the database port.
        db_name: the database name.
        db_user: the database user.
        credentials: :func:`credentials_tag` of the password: a new password means a new init.
    """

    channel: str
    mode: Mode
    maas_url: str
    db_host: str
    db_port: int
    db_name: str
    db_user: str
    credentials: str

    def fingerprint(self) -> str:
        """A canonical JSON text of the spec (no credential in it)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(',', ':'))

    @classmethod
    def parse(cls, fingerprint: str | None) -> InitSpec | None:
        """The spec a fingerprint was made from; None if absent or of another charm version."""
        if fingerprint is None:
            return None
        try:
            raw: Any = json.loads(fingerprint)
            spec = cls(**raw)
        except (ValueError, TypeError):
            return None
        return spec if spec.fingerprint() == fingerprint else None

    def needs_init_after(self, applied: InitSpec | None) -> bool:
        """Whether ``maas init`` must run to go from ``applied`` to this spec.

        A channel change alone needs only a refresh: the snap's refresh runs the migrations.
        """
        return applied is None or replace(applied, channel=self.channel) != self


def url_for(address: str) -> str:
    """A region's own API URL: ``http://<address>:5240/MAAS`` (IPv6 in brackets)."""
    host = f'[{address}]' if ':' in address else address
    return f'http://{host}:{API_PORT}/MAAS'


# -- the snap ----------------------------------------------------------------------------------


def snap_info() -> SnapInfo | None:
    """The installed maas snap, or None if it is not installed.

    Raises:
        SnapError: ``snap list`` could not be run, or snapd did not answer.
    """
    snap = _SNAP.installed()
    return None if snap is None else SnapInfo(version=snap.version, channel=snap.tracking)


def install(channel: str) -> None:
    """Install the maas snap from ``channel`` and hold it, so only the charm refreshes it.

    Raises:
        SnapError: snapd refused (``transient`` when it was only busy).
    """
    _SNAP.install(channel)


def refresh(channel: str) -> None:
    """Refresh the maas snap to ``channel`` (running MAAS's migrations) and hold it again.

    Raises:
        SnapError: snapd refused (``transient`` when it was only busy).
    """
    _SNAP.refresh(channel)


def supported(track_or_version: str) -> bool:
    """Whether a snap track (``3.6``) or MAAS release (``3.6.0``) is 3.5 or later.

    A track that does not name a series (``latest``) is not refused here: the version
    installed from it is checked instead.
    """
    try:
        major, minor = (int(part) for part in track_or_version.split('.')[:2])
    except ValueError:
        return True
    return (major, minor) >= MIN_SERIES


def stop() -> None:
    """Stop every MAAS service and keep it stopped across reboots (the database is gone).

    ``maas init`` restarts pebble itself (``restart_pebble(restart_inactive=True)``); :func:`init`
    enables it again first.

    Raises:
        WorkloadError: systemd refused.
    """
    host = metal_host.current()
    try:
        host.service('stop', PEBBLE)
        host.service('disable', PEBBLE)
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot stop MAAS: {_reason(e)}', transient=_transient(e)) from None


# -- init ----------------------------------------------------------------------------------------


def init(spec: InitSpec, database: DatabaseAccess) -> None:
    """``maas init <mode> --database-uri URI --maas-url URL --force``.

    ``--force`` because re-initialising an initialised controller would otherwise prompt, and
    there is no terminal: MAAS would read no answer and do nothing.

    Raises:
        InitError: MAAS refused, with its message (the URI and password scrubbed).
    """
    argv = [
        'maas',
        'init',
        spec.mode,
        '--database-uri',
        database.uri(),
        '--maas-url',
        spec.maas_url,
        '--force',
    ]
    host = metal_host.current()
    try:
        # An earlier stop() disabled pebble; maas init starts it but does not enable it.
        host.service('enable', PEBBLE)
        host.run(argv)
    except metal_host.HostError as e:
        secrets = (
            database.uri(),
            database.password,
            urllib.parse.quote(database.password, safe=''),
        )
        raise InitError(
            f'maas init {spec.mode} failed: {_reason(e, secrets)}', transient=_transient(e)
        ) from None


def shared_secret() -> str:
    """The region's RPC shared secret, which racks need to register.

    Raises:
        WorkloadError: the file is missing or unreadable (MAAS is not initialised).
    """
    try:
        return metal_host.current().read_text(SECRET_PATH).strip()
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot read the MAAS shared secret: {e}') from None


# -- users and keys ------------------------------------------------------------------------------


def create_admin(username: str, password: str, email: str) -> None:
    """``maas createadmin --username=U --password=P --email=E``.

    Each value is joined to its option with ``=``: the command's parser is argparse (Django's
    ``CommandParser``), which takes a separate value starting with ``-`` for an option and
    fails (``argument --password: expected one argument``), and a generated password starts
    with ``-`` one time in 64.

    Raises:
        MaasCommandError: MAAS refused (an existing user, say), with its message.
    """
    argv = [
        'maas',
        'createadmin',
        f'--username={username}',
        metal_host.Sensitive(f'--password={password}'),
        f'--email={email}',
    ]
    try:
        metal_host.current().run(argv)
    except metal_host.HostError as e:
        raise MaasCommandError(_reason(e, (password,))) from None


def api_keys(username: str) -> list[str]:
    """``maas apikey --username=U``: the user's API keys, oldest first.

    The ``=`` keeps a name that starts with ``-`` a value (see :func:`create_admin`).

    Raises:
        MaasCommandError: MAAS refused (an unknown user, say), with its message.
    """
    try:
        done = metal_host.current().run(['maas', 'apikey', f'--username={username}'])
    except metal_host.HostError as e:
        raise MaasCommandError(_reason(e)) from None
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def ensure_admin(username: str, password: str, email: str) -> bool:
    """Make sure a MAAS administrator exists, creating it when it does not.

    An existing user keeps its password: the charm only ever uses its API key.

    Returns:
        Whether it was created now.

    Raises:
        MaasCommandError: creating it failed.
    """
    done = metal_host.current().run(['maas', 'apikey', f'--username={username}'], check=False)
    if done.ok:
        return False
    create_admin(username, password, email)
    return True


def delete_racks(api_url: str, api_key: str, hostname: str, *, profile: str) -> list[str]:
    """Delete every rack controller called ``hostname`` from MAAS, through its API.

    ``maas login PROFILE URL -`` (the key on standard input), ``maas PROFILE rack-controllers
    read``, ``maas PROFILE rack-controller delete ID`` for each match, ``maas logout PROFILE``
    (always, so no credential stays in the CLI's profile store). A rack already gone (not
    listed, or MAAS's 404 body on delete) counts as deleted.

    Returns:
        The system ids deleted.

    Raises:
        MaasCommandError: logging in, listing or deleting failed.
    """
    host = metal_host.current()
    try:
        host.run(['maas', 'login', profile, api_url, '-'], input=api_key)
    except metal_host.HostError as e:
        raise MaasCommandError(f'cannot log in to {api_url}: {_reason(e, (api_key,))}') from None
    try:
        listed = host.run(['maas', profile, 'rack-controllers', 'read'])
        ids = _rack_ids(listed.stdout, hostname)
        for system_id in ids:
            done = host.run(['maas', profile, 'rack-controller', 'delete', system_id], check=False)
            if not done.ok and _NOT_FOUND not in done.stdout:
                raise MaasCommandError(
                    f'cannot delete rack controller {hostname} ({system_id}): '
                    f'{_first_line(done.stderr) or _first_line(done.stdout)}'
                )
        return ids
    except metal_host.HostError as e:
        raise MaasCommandError(f'cannot list rack controllers: {_reason(e)}') from None
    finally:
        host.run(['maas', 'logout', profile], check=False)


_NOT_FOUND = 'No RackController matches the given query.'
"""What the CLI prints for a 404 on a rack controller (the body of ``get_node_or_404``'s answer,
canonical/maas ``src/maasserver/api/rackcontrollers.py`` @ 3.6); it exits 2 and prints the
``404 Not Found`` status line only with ``--debug`` (``src/maascli/api.py``)."""


def _rack_ids(listing: str, hostname: str) -> list[str]:
    """The system ids of the racks in a ``rack-controllers read`` listing named ``hostname``.

    MAAS lists the short hostname and the FQDN; a rack is matched by either, or by the first
    label of its FQDN.

    Raises:
        MaasCommandError: the listing is not MAAS's JSON list.
    """
    try:
        racks: Any = json.loads(listing)
    except ValueError:
        raise MaasCommandError('rack-controllers read did not answer JSON') from None
    if not isinstance(racks, list):
        raise MaasCommandError('rack-controllers read did not answer a list')
    ids: list[str] = []
    for rack in racks:  # pyright: ignore[reportUnknownVariableType]
        if not isinstance(rack, dict):
            continue
        entry: dict[str, Any] = rack  # pyright: ignore[reportUnknownVariableType]
        names = {str(entry.get('hostname', '')), str(entry.get('fqdn', '')).split('.', 1)[0]}
        if hostname in names and entry.get('system_id'):
            ids.append(str(entry['system_id']))
    return sorted(ids)


# -- error messages ------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), '')


def _reason(error: metal_host.HostError, secrets: Iterable[str] = ()) -> str:
    """What went wrong, in MAAS's or snapd's words, with every credential replaced.

    The Host already redacts sensitive arguments in its own message; the program's output is
    scrubbed here too, since a program may echo what it was given.
    """
    detail = ''
    if isinstance(error, metal_host.CommandError):
        detail = _first_line(error.stderr) or _first_line(error.stdout)
    text = detail or str(error)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '<redacted>')
    return text


def _transient(error: metal_host.HostError) -> bool:
    return metal_host.is_transient(error)
