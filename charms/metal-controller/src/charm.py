#!/usr/bin/env python3
"""metal-controller: the MAAS region controller, highly available over one PostgreSQL database.

Every relevant event runs one idempotent reconcile (:meth:`MetalControllerCharm._reconcile`):

1. this unit's half: validate config, install the snap, find the database, and publish in peer
   data the init it wants (a fingerprint, see :mod:`turns`);
2. the leader grants the init turn (itself first);
3. if this unit holds the turn: refresh the snap to the configured channel and run ``maas init``
   as needed, then report what it applied;
4. the leader moves the turn on, publishes the region to the racks (``metal-region``), keeps
   the internal admin user, and deletes the rack controllers of departed racks from MAAS.

Statuses are set only at collect-status, from the outcome the last reconcile stored, so an
action or a hook that changes nothing shows the same status as before.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import urllib.parse
from typing import Any, cast

import metal_charm
import ops
from metal_charm import bindings
from metal_interfaces import appsecrets, metal_region, postgresql_client

import turns
import users
import workload

logger = logging.getLogger(__name__)

PEERS = 'region-peers'
"""The peer endpoint the init turns go through."""
DATABASE_ENDPOINT = 'database'
"""The postgresql_client endpoint."""
REGION_ENDPOINT = 'metal-region'
"""The endpoint rack controllers register through."""
DATABASE_NAME = 'maas'
"""The database requested from the PostgreSQL provider."""

INTERNAL_ADMIN = 'metal-controller-internal'
"""The MAAS administrator the leader uses for API calls (deleting departed racks)."""
INTERNAL_ADMIN_EMAIL = 'metal-controller-internal@localhost'
"""Its e-mail address (MAAS requires one)."""
INTERNAL_ADMIN_LABEL = 'internal-admin'
"""The application secret that holds the internal administrator's password."""
API_PROFILE = 'metal-controller-internal'
"""The ``maas login`` profile of the internal administrator, logged out after each use."""

ADMIN_DATABASE_KEY = 'internal-admin-database'
"""Peer application databag: the database (``host:port/name``) the internal admin exists in."""
DEPARTED_RACKS_KEY = 'departed-racks'
"""Peer application databag: hostnames of departed racks still to delete from MAAS."""
KNOWN_RACKS_KEY = 'known-racks'
"""Peer application databag: each rack unit's hostname, for when its data is gone at departure."""

PASSWORD_KEY = 'password'  # noqa: S105 - a secret content key, not a password
"""The content key of password secrets (user secrets given to create-admin, admin-* secrets)."""
API_KEY_KEY = 'api-key'
"""The content key of api-key-* secrets."""


_TRIGGERS = metal_charm.Triggers(
    leader=True,
    secrets=True,
    relations={
        PEERS: ('created', 'joined', 'changed', 'departed'),
        DATABASE_ENDPOINT: ('created', 'changed', 'broken'),
        REGION_ENDPOINT: ('created', 'joined', 'changed', 'departed', 'broken'),
    },
)
"""What runs the reconcile: the init turn, the database, racks coming and going."""


class ConfigError(Exception):
    """A config option has a value the charm cannot use; the message names it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The charm config, validated.

    Attributes:
        channel: the maas snap channel, ``<track>/<risk>[/<branch>]``.
        maas_url: the URL racks and clients use; '' for each unit's own address.
        rack_mode: whether every region unit also runs a rack controller.
    """

    channel: str
    maas_url: str
    rack_mode: bool

    @property
    def mode(self) -> workload.Mode:
        """The ``maas init`` mode."""
        return 'region+rack' if self.rack_mode else 'region'

    @classmethod
    def load(cls, config: ops.ConfigData) -> Settings:
        """Validate the config.

        The channel must name a track and a risk: a bare ``3.6`` or ``stable`` makes snapd
        pick one, and the charm could then never tell whether the snap tracks the option.

        Raises:
            ConfigError: naming the option and its value.
        """
        channel = str(config.get('channel', ''))
        try:
            metal_charm.Channel.option(channel, example='3.6/stable', explicit=True)
        except metal_charm.ChannelError as e:
            raise ConfigError(f'invalid config: {e}') from None
        if not workload.supported(channel.split('/', 1)[0]):
            raise ConfigError(
                f'invalid config: channel {channel!r} is not MAAS 3.5 or later (the snap runs '
                'its services under pebble since 3.5), e.g. 3.6/stable'
            )
        maas_url = str(config.get('maas-url', '')).strip()
        if maas_url and not _valid_maas_url(maas_url):
            shown = '(a URL with credentials)' if '@' in maas_url else repr(maas_url)
            raise ConfigError(
                f'invalid config: maas-url {shown} must be http(s)://host[:port]/MAAS'
            )
        return cls(
            channel=channel,
            maas_url=maas_url.rstrip('/'),
            rack_mode=bool(config.get('enable-rack-mode', False)),
        )


def _valid_maas_url(url: str) -> bool:
    """Whether ``url`` is ``http(s)://host[:port]/MAAS`` (no credentials, query or fragment)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range  # pyright: ignore[reportUnusedExpression]
    except ValueError:
        return False
    return (
        parts.scheme in ('http', 'https')
        and bool(parts.hostname)
        and '@' not in parts.netloc
        and parts.path.rstrip('/') == '/MAAS'
        and not parts.query
        and not parts.fragment
    )


def _ports(rack_mode: bool) -> list[ops.Port]:
    """The region API always; TFTP and HTTP boot when the unit is also a rack."""
    ports = [ops.Port('tcp', workload.API_PORT)]
    if rack_mode:
        ports += [ops.Port('udp', 69), ops.Port('tcp', 5248)]
    return ports


@dataclasses.dataclass(frozen=True)
class Plan:
    """What this unit found and wants before taking turns: the reconcile's first half.

    Attributes:
        settings: the validated config.
        snap: the installed maas snap.
        database: where and as whom MAAS connects.
        spec: the init this unit wants.
    """

    settings: Settings
    snap: workload.SnapInfo
    database: workload.DatabaseAccess
    spec: workload.InitSpec


class MetalControllerCharm(ops.CharmBase):
    """The MAAS region controller; several units share one database and take turns to init."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(credentials_key='')
        self.database = postgresql_client.Requirer(self, DATABASE_ENDPOINT, database=DATABASE_NAME)
        self.region = metal_region.Provider(self, REGION_ENDPOINT)
        self._snap: workload.SnapInfo | None = None
        # Before the raw relation-departed observer: the departed rack is queued, then the
        # same hook's reconcile deletes it.
        framework.observe(self.region.on.rack_departed, self._on_rack_departed)
        self.reconciler = metal_charm.Reconciler(
            self, self._reconcile, _TRIGGERS, initial=ops.MaintenanceStatus('starting')
        )
        self.revisions = metal_charm.SpentRevisions(self)
        framework.observe(self.on['create-admin'].action, self._on_create_admin)
        framework.observe(self.on['get-api-key'].action, self._on_get_api_key)

    # -- the reconcile ---------------------------------------------------------------------------

    def _reconcile(self, event: ops.EventBase) -> ops.StatusBase:
        """Bring this unit, and on the leader the application, to what config and relations ask."""
        peers = self.model.get_relation(PEERS)
        report, outcome = self._plan(self._own_report(peers))
        self._write_report(peers, report)
        leader = self.unit.is_leader()
        if leader and peers is not None:
            self._grant_turn(peers, report)
        if isinstance(outcome, Plan):
            report, status = self._apply(peers, report, outcome)
            self._write_report(peers, report)
        else:
            status = outcome
        if self._snap is not None:
            self.unit.set_workload_version(self._snap.maas_version)
        if leader and peers is not None:
            departing = (
                event.departing_unit if isinstance(event, ops.RelationDepartedEvent) else None
            )
            self._lead(peers, report, departing)
        return status

    def _plan(self, report: turns.UnitReport) -> tuple[turns.UnitReport, Plan | ops.StatusBase]:
        """Validate, install, find the database; the report says what this unit wants."""
        address = self._address()
        report = dataclasses.replace(report, address=address)
        try:
            settings = Settings.load(self.config)
        except ConfigError as e:
            self.unit.set_ports(*_ports(bool(self.config.get('enable-rack-mode', False))))
            return dataclasses.replace(report, wants=None), ops.BlockedStatus(str(e))
        self.unit.set_ports(*_ports(settings.rack_mode))

        self._snap = workload.snap_info()
        if self._snap is None:
            try:
                workload.install(settings.channel)
            except workload.SnapError as e:
                logger.error('%s', e)
                return dataclasses.replace(report, wants=None), _problem(e, 'installing MAAS')
            self._snap = workload.snap_info()
            if self._snap is None:
                status = ops.MaintenanceStatus(f'installing MAAS from {settings.channel}')
                return dataclasses.replace(report, wants=None), status
        if not workload.supported(self._snap.maas_version):
            status = ops.BlockedStatus(
                f'MAAS {self._snap.maas_version} (from {self._snap.channel}) is older than 3.5, '
                'which this charm needs (pebble); set channel to e.g. 3.6/stable'
            )
            return dataclasses.replace(report, wants=None), status

        database = self._database_access()
        if isinstance(database, ops.StatusBase):
            if not self.database.relations and report.initialised:
                logger.info('database relation gone: stopping MAAS')
                try:
                    workload.stop()
                except workload.WorkloadError as e:
                    logger.error('%s', e)
                    return dataclasses.replace(report, wants=None), _problem(e, 'stopping MAAS')
                report = dataclasses.replace(report, applied=None, failed=None)
            return dataclasses.replace(report, wants=None), database

        maas_url = settings.maas_url or (workload.url_for(address) if address else None)
        if maas_url is None:
            status = ops.WaitingStatus('waiting for a network address on metal-region')
            return dataclasses.replace(report, wants=None), status
        spec = workload.InitSpec(
            channel=settings.channel,
            mode=settings.mode,
            maas_url=maas_url,
            db_host=database.host,
            db_port=database.port,
            db_name=database.name,
            db_user=database.user,
            credentials=workload.credentials_tag(self._credentials_key(), database.password),
        )
        plan = Plan(settings=settings, snap=self._snap, database=database, spec=spec)
        return dataclasses.replace(report, wants=spec.fingerprint()), plan

    def _apply(
        self, peers: ops.Relation | None, report: turns.UnitReport, plan: Plan
    ) -> tuple[turns.UnitReport, ops.StatusBase]:
        """Refresh and init while holding the turn; otherwise say whose turn it is."""
        if not report.needs_turn:
            return report, _active(plan.snap, plan.spec)
        if peers is None:
            status = ops.WaitingStatus(
                f'waiting for the {PEERS} relation: init runs in turns granted through it'
            )
            return report, status
        holder = turns.read_turn(peers.data[self.app])
        if holder != self.unit.name:
            return report, _waiting_for_turn(holder, report)

        applied = workload.InitSpec.parse(report.applied)
        try:
            if plan.snap.channel != plan.spec.channel:
                logger.info('refreshing maas %s -> %s', plan.snap.channel, plan.spec.channel)
                workload.refresh(plan.spec.channel)
                self._snap = workload.snap_info() or plan.snap
            if plan.spec.needs_init_after(applied):
                logger.info('initialising MAAS %s at %s', plan.spec.mode, plan.spec.maas_url)
                workload.init(plan.spec, plan.database)
        except workload.WorkloadError as e:
            logger.error('%s', e)
            return dataclasses.replace(report, failed=report.wants), _problem(
                e, 'initialising MAAS'
            )
        done = dataclasses.replace(report, applied=report.wants, failed=None)
        return done, _active(self._snap or plan.snap, plan.spec)

    # -- the leader's half -----------------------------------------------------------------------

    def _grant_turn(self, peers: ops.Relation, own: turns.UnitReport) -> None:
        """Hand the init turn on (leader only), from every live unit's report."""
        current = turns.read_turn(peers.data[self.app])
        granted = turns.next_turn(current, self._reports(peers, own), self.unit.name)
        if granted != current:
            logger.info('init turn: %s -> %s', current or 'nobody', granted or 'nobody')
            peers.data[self.app].update(turns.turn_databag(granted))

    def _lead(
        self, peers: ops.Relation, own: turns.UnitReport, departing: ops.Unit | None
    ) -> None:
        """The application's duties (leader only).

        Turns and the rack list always; the rest needs the leader's own MAAS running: the
        shared secret file, the API and its URL are the leader's.
        """
        self._grant_turn(peers, own)
        self._remember_racks(peers, departing)
        applied = workload.InitSpec.parse(own.applied)
        if applied is None or own.address is None:
            if not any(r.initialised for r in self._reports(peers, own).values()):
                # No region runs (the database went): racks must not keep registering with
                # the URL and secret of a stopped MAAS.
                self.region.withdraw()
            return
        self._publish(peers, own, applied)
        if self._ensure_internal_admin(peers, applied):
            self._delete_departed_racks(peers, own.address, departing)

    def _publish(
        self, peers: ops.Relation, own: turns.UnitReport, applied: workload.InitSpec
    ) -> None:
        """Tell the racks where to register and with which secret (on every relation)."""
        snap = self._snap or workload.snap_info()
        if snap is None:
            return
        try:
            content = workload.shared_secret()
        except workload.WorkloadError as e:
            logger.warning('not publishing the region yet: %s', e)
            return
        addresses = [
            report.address
            for report in self._reports(peers, own).values()
            if report.initialised and report.address
        ]
        self.region.publish(applied.maas_url, addresses, snap.maas_version, content)

    def _ensure_internal_admin(self, peers: ops.Relation, applied: workload.InitSpec) -> bool:
        """Keep the internal administrator in the database MAAS runs on; whether it exists."""
        database = f'{applied.db_host}:{applied.db_port}/{applied.db_name}'
        if _json_str(peers.data[self.app].get(ADMIN_DATABASE_KEY)) == database:
            return True
        password = self._internal_admin_password()
        try:
            created = workload.ensure_admin(INTERNAL_ADMIN, password, INTERNAL_ADMIN_EMAIL)
        except workload.MaasCommandError as e:
            logger.warning('cannot create the internal MAAS administrator: %s', e)
            return False
        logger.info('internal MAAS administrator %s', 'created' if created else 'found')
        peers.data[self.app][ADMIN_DATABASE_KEY] = json.dumps(database)
        return True

    def _internal_admin_password(self) -> str:
        """The internal administrator's password, from its application secret (made once)."""
        try:
            secret = self.model.get_secret(label=INTERNAL_ADMIN_LABEL)
            password = secret.get_content(refresh=True).get(PASSWORD_KEY)
            if password:
                return password
        except ops.SecretNotFoundError:
            pass
        password = secrets.token_urlsafe(24)
        appsecrets.put(
            self.model,
            INTERNAL_ADMIN_LABEL,
            {'username': INTERNAL_ADMIN, PASSWORD_KEY: password},
            'MAAS administrator the charm uses for API calls',
        )
        return password

    def _delete_departed_racks(
        self, peers: ops.Relation, address: str, departing: ops.Unit | None
    ) -> None:
        """Delete queued departed racks from MAAS; what fails stays queued for the next event.

        A queued hostname that a rack still in the relation reports is left alone: a new rack
        took the name, and deleting would unregister it.
        """
        pending = _json_list(peers.data[self.app].get(DEPARTED_RACKS_KEY))
        if not pending:
            return
        live = {rack.data.hostname for rack in self.region.racks() if rack.unit != departing}
        try:
            api_key = workload.api_keys(INTERNAL_ADMIN)[0]
        except (workload.MaasCommandError, IndexError):
            logger.warning('no API key for %s: departed racks stay queued', INTERNAL_ADMIN)
            return
        remaining: list[str] = []
        for hostname in pending:
            if hostname in live:
                continue  # a rack that is here now has that name: never delete it
            try:
                deleted = workload.delete_racks(
                    workload.url_for(address), api_key, hostname, profile=API_PROFILE
                )
            except workload.MaasCommandError as e:
                logger.warning('cannot delete departed rack %s yet: %s', hostname, e)
                remaining.append(hostname)
                continue
            logger.info(
                'departed rack %s deleted from MAAS: %s', hostname, deleted or 'not listed'
            )
        _write_json_list(peers.data[self.app], DEPARTED_RACKS_KEY, remaining)

    def _remember_racks(self, peers: ops.Relation, departing: ops.Unit | None) -> None:
        """Keep each live rack unit's hostname in peer data (leader only).

        Juju still lets relation-departed read the departing unit's data, but a rack whose data
        cannot be read then (or an orchestrator that drops it early) must still be deleted: the
        hostname it reported while it was here is the fallback.
        """
        known = {
            rack.unit.name: rack.data.hostname
            for rack in self.region.racks()
            if rack.unit != departing and rack.data.hostname
        }
        raw = json.dumps(known, sort_keys=True) if known else ''
        if peers.data[self.app].get(KNOWN_RACKS_KEY, '') != raw:
            peers.data[self.app][KNOWN_RACKS_KEY] = raw

    def _on_rack_departed(self, event: metal_region.RackDepartedEvent) -> None:
        """Queue the departed rack's hostname for deletion from MAAS (leader only)."""
        if not self.unit.is_leader() or event.unit is None:
            return
        peers = self.model.get_relation(PEERS)
        hostname = _json_str(event.relation.data[event.unit].get('hostname'))
        if hostname is None and peers is not None:
            hostname = _json_dict(peers.data[self.app].get(KNOWN_RACKS_KEY)).get(event.unit.name)
        if peers is None or hostname is None:
            logger.warning('rack %s left without a known hostname: nothing to delete', event.unit)
            return
        pending = _json_list(peers.data[self.app].get(DEPARTED_RACKS_KEY))
        _write_json_list(peers.data[self.app], DEPARTED_RACKS_KEY, [*pending, hostname])

    # -- actions ---------------------------------------------------------------------------------

    def _on_create_admin(self, event: ops.ActionEvent) -> None:
        """Create a MAAS administrator; only the password's secret id is returned."""
        if not self._action_allowed(event):
            return
        username = str(event.params['username'])
        email = str(event.params['email'])
        try:
            users.check_username(username)
            users.check_email(email)
        except users.ParamError as e:
            event.fail(str(e))
            return
        given = event.params.get('password-secret-id')
        if given:
            password = self._user_password(event, str(given))
            if password is None:
                return
        else:
            password = secrets.token_urlsafe(24)
        try:
            workload.create_admin(username, password, email)
        except workload.MaasCommandError as e:
            event.fail(f'maas createadmin failed: {e}')
            return
        if given:
            secret_id = str(given)
        else:
            secret_id = appsecrets.put_id(
                self.model,
                f'admin-{username}',
                {'username': username, PASSWORD_KEY: password},
                f'MAAS administrator {username}',
            )
        event.set_results({'username': username, 'password-secret-id': secret_id})

    def _on_get_api_key(self, event: ops.ActionEvent) -> None:
        """Fetch a user's API key into an application secret; only its id is returned."""
        if not self._action_allowed(event):
            return
        username = str(event.params['username'])
        if '\0' in username:
            # any name MAAS has may be asked for, but no command line can carry a NUL
            event.fail(f'username {username!r} contains a NUL character')
            return
        try:
            keys = workload.api_keys(username)
        except workload.MaasCommandError as e:
            event.fail(f'maas apikey failed: {e}')
            return
        if not keys:
            event.fail(f'MAAS has no API key for {username}')
            return
        secret_id = appsecrets.put_id(
            self.model,
            f'api-key-{username}',
            {API_KEY_KEY: keys[0]},
            f'MAAS API key of {username}',
        )
        event.set_results({'username': username, 'api-key-secret-id': secret_id})

    def _action_allowed(self, event: ops.ActionEvent) -> bool:
        """Fail the action unless this is the leader and its MAAS is initialised."""
        action = metal_charm.action_name(event)
        why = 'its results are kept in application secrets, which only the leader can write'
        if not metal_charm.leader_only(self, event, why):
            return False
        if not self._own_report(self.model.get_relation(PEERS)).initialised:
            event.fail(
                f'MAAS is not initialised on {self.unit.name} yet; run {action} once it is active'
            )
            return False
        return True

    def _user_password(self, event: ops.ActionEvent, secret_id: str) -> str | None:
        """The password from a user secret, or None after failing the action."""
        try:
            content = self.model.get_secret(id=secret_id).get_content(refresh=True)
        except (ops.SecretNotFoundError, ops.ModelError):
            event.fail(
                f'cannot read secret {secret_id}: does it exist, and was it granted '
                f'(juju grant-secret {secret_id} {self.app.name})?'
            )
            return None
        password = content.get(PASSWORD_KEY)
        if not password:
            event.fail(f'secret {secret_id} has no {PASSWORD_KEY!r} key')
            return None
        if '\0' in password:
            # no command line can carry it (execve's arguments are C strings)
            event.fail(f'secret {secret_id}: its {PASSWORD_KEY!r} contains a NUL character')
            return None
        return password

    # -- reading ---------------------------------------------------------------------------------

    def _own_report(self, peers: ops.Relation | None) -> turns.UnitReport:
        return (
            turns.read_report(peers.data[self.unit]) if peers is not None else turns.UnitReport()
        )

    def _write_report(self, peers: ops.Relation | None, report: turns.UnitReport) -> None:
        if peers is not None:
            peers.data[self.unit].update(turns.report_databag(report))

    def _reports(self, peers: ops.Relation, own: turns.UnitReport) -> dict[str, turns.UnitReport]:
        """Every live unit's report by unit name, this one's from ``own``."""
        reports = {unit.name: turns.read_report(peers.data[unit]) for unit in peers.units}
        reports[self.unit.name] = own
        return reports

    def _address(self) -> str | None:
        """Where rack controllers reach this unit's region: its ``metal-region`` binding's.

        The ingress address of that binding (the address other units reach this one at on the
        relation racks register through), never the machine's first address: on a MAAS machine
        with several NICs that is the PXE/OAM one. The region listens on every address
        (regiond's ``0.0.0.0:5240``), so no bind address is needed. It is this unit's default
        ``maas-url`` and what the leader publishes to the racks.
        """
        return bindings.ingress_address(self.model, REGION_ENDPOINT)

    def _database_access(self) -> workload.DatabaseAccess | ops.StatusBase:
        """Where MAAS's database is and how to log in, or the status saying what is missing."""
        relations = self.database.relations
        if not relations:
            return ops.BlockedStatus(
                f'needs a PostgreSQL database: integrate {self.app.name}:{DATABASE_ENDPOINT} '
                'with a postgresql_client provider (e.g. postgresql)'
            )
        provider_app = relations[0].app.name
        provider = self.database.provider()
        if provider is None or not provider.is_created or not provider.endpoints:
            return ops.WaitingStatus(
                f'waiting for {provider_app} to create database {DATABASE_NAME}'
            )
        credentials = self.database.credentials()
        if credentials is None:
            return ops.WaitingStatus(f'waiting for the database user secret of {provider_app}')
        host, _, port = provider.endpoints[0].rpartition(':')
        user, password = credentials
        return workload.DatabaseAccess(
            host=host.strip('[]'),
            port=int(port),
            name=provider.database or DATABASE_NAME,
            user=user,
            password=password,
        )

    def _credentials_key(self) -> bytes:
        """This unit's own key for :func:`workload.credentials_tag` (made once, never shared)."""
        key = str(self._stored.credentials_key)
        if not key:
            key = secrets.token_hex(32)
            self._stored.credentials_key = key
        return bytes.fromhex(key)


def _active(snap: workload.SnapInfo, spec: workload.InitSpec) -> ops.StatusBase:
    """``MAAS 3.6.0 region at http://10.0.0.1:5240/MAAS`` (``(region+rack)`` in rack mode)."""
    suffix = ' (region+rack)' if spec.mode == 'region+rack' else ''
    return ops.ActiveStatus(f'MAAS {snap.maas_version} region at {spec.maas_url}{suffix}')


def _waiting_for_turn(holder: str | None, report: turns.UnitReport) -> ops.StatusBase:
    """Whose turn it is, so an operator sees why this unit waits."""
    what = 'new settings' if report.initialised else 'init'
    if holder is None:
        return ops.WaitingStatus(f'{what}: waiting for the leader to grant the init turn')
    return ops.WaitingStatus(f'{what}: waiting for the init turn, held by {holder}')


def _problem(error: workload.WorkloadError, doing: str) -> ops.StatusBase:
    """A transient failure is maintenance (it will go by itself); any other needs a look."""
    if error.transient:
        return ops.MaintenanceStatus(f'{doing}: {error}; will retry')
    return ops.BlockedStatus(f'{error}; will retry on the next event')


def _json_str(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, str) and value else None


def _json_list(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [str(item) for item in cast('list[Any]', value) if isinstance(item, str)]


def _json_dict(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    items = cast('dict[Any, Any]', value).items()
    return {str(k): v for k, v in items if isinstance(v, str)}


def _write_json_list(data: ops.RelationDataContent, key: str, values: list[str]) -> None:
    data[key] = json.dumps(sorted(set(values))) if values else ''


if __name__ == '__main__':  # pragma: no cover
    ops.main(MetalControllerCharm)
