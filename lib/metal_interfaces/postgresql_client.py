"""postgresql_client v0 (requirer side only): ask any Charmhub PostgreSQL charm for a database.

Spec
====

This is Charmhub's public ``postgresql_client`` interface, spoken the way
``charms.data_platform_libs.v0.data_interfaces`` speaks it, so that ``metal-controller`` can
use ``postgresql`` or any other provider built on that library. Only the requirer is
implemented; the provider is someone else's charm. Unlike the rest of this package, values are
**plain strings**, not JSON (the one exception is ``requested-secrets``).

Provider: a PostgreSQL charm. Requirer: ``metal-controller`` (MAAS keeps its state there).

Requirer application databag (written by the requirer's leader):

- ``database`` (plain str): the database to create.
- ``extra-user-roles`` (plain str, optional): extra roles for the user, e.g. ``CREATEDB``.
- ``requested-secrets`` (JSON array of str): the fields the provider must send as Juju secrets
  rather than plain data. data_interfaces providers only use secrets for fields listed here,
  so this requirer always lists every credential-bearing field
  (:data:`REQUESTED_SECRETS`).

Requirer unit databag: nothing.

Provider application databag (read by this requirer; other keys are ignored):

- ``database`` (plain str): the database created, echoed back.
- ``endpoints`` (plain str): comma-separated ``host:port`` of the primary.
- ``read-only-endpoints`` (plain str): comma-separated ``host:port`` of the replicas.
- ``version`` (plain str): the PostgreSQL version.
- ``secret-user`` (plain str, **Juju secret id**): a secret granted to the relation with content
  ``{"username": ..., "password": ...}`` (plus ``uris`` on newer providers).
- ``secret-tls`` (plain str, **Juju secret id**): a secret with ``tls`` and ``tls-ca``, when the
  provider has TLS enabled.

Old providers (or Juju without secrets) send ``username``/``password`` (and ``uris``) as plain
relation data. That is not supported: the requirer reports Blocked ("provider sent credentials
in plain relation data") and uses nothing from that databag, and never copies those values
anywhere. Every top-level field may be absent (read as None), so an empty databag is valid and
means "nothing created yet".
"""

# pyright: strict

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Annotated, Any

import ops
import pydantic

from metal_interfaces._base import Databag, DatabagError, Endpoint, SecretId, kebab, same_secret

__all__ = [
    'PLAINTEXT_CREDENTIALS',
    'REQUESTED_SECRETS',
    'VERSION',
    'CredentialsChangedEvent',
    'DatabaseCreatedEvent',
    'DatabaseGoneEvent',
    'EndpointsChangedEvent',
    'PostgresqlClientEvent',
    'ProviderAppData',
    'Requirer',
    'RequirerAppData',
    'RequirerEvents',
    'parse_provider',
]

VERSION = 0
"""Interface version (of this library; the public interface itself is also v0)."""

REQUESTED_SECRETS: tuple[str, ...] = (
    'username',
    'password',
    'tls',
    'tls-ca',
    'uris',
    'read-only-uris',
)
"""Fields asked for as secrets: data_interfaces' own default list, every credential among them."""

PLAINTEXT_CREDENTIALS: tuple[str, ...] = ('password', 'uris', 'read-only-uris')
"""Provider keys that carry a password when sent as plain data (a URI embeds one)."""

logger = logging.getLogger(__name__)


_HostPort = Annotated[str, pydantic.Field(pattern=r'^\S+:\d{1,5}$')]


class RequirerAppData(Databag):
    """What this requirer's leader asks for (plain strings on the wire, see the spec)."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    database: Annotated[str, pydantic.Field(min_length=1)] | None = None
    extra_user_roles: str | None = None
    requested_secrets: list[str] | None = None

    def to_databag(self) -> dict[str, str]:
        """The databag update: plain strings, one JSON array, '' to delete an absent field."""
        return {
            'database': self.database or '',
            'extra-user-roles': self.extra_user_roles or '',
            'requested-secrets': (
                json.dumps(self.requested_secrets) if self.requested_secrets is not None else ''
            ),
        }


class ProviderAppData(Databag):
    """What the PostgreSQL provider published, parsed from its plain-string databag."""

    model_config = pydantic.ConfigDict(alias_generator=kebab)

    database: str | None = None
    endpoints: list[_HostPort] | None = None
    read_only_endpoints: list[_HostPort] | None = None
    version: str | None = None
    secret_user: SecretId | None = None
    secret_tls: SecretId | None = None

    @property
    def is_created(self) -> bool:
        """Whether the database can be used: there is somewhere to connect and a user secret."""
        return bool(self.endpoints) and self.secret_user is not None

    def fingerprint(self) -> str:
        """A stable JSON form of this data (secret ids only, no credential), for diffing."""
        return json.dumps(self.model_dump(mode='json', by_alias=True), sort_keys=True)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(',') if part.strip()]


def parse_provider(data: Mapping[str, str]) -> ProviderAppData:
    """Parse a provider application databag in data_interfaces' plain-string format.

    Raises:
        DatabagError: naming the field, if the provider sent a credential as plain data or a
            value does not fit (a malformed endpoint, a secret id that is not one). The error
            never quotes a credential.
    """
    for key in PLAINTEXT_CREDENTIALS:
        if data.get(key):
            raise DatabagError(
                key,
                'provider sent credentials in plain relation data; only Juju secrets are '
                'supported (is the provider too old, or Juju without secrets?)',
            )
    decoded: dict[str, Any] = {}
    for key in ('database', 'version', 'secret-user', 'secret-tls'):
        if data.get(key):
            decoded[key] = data[key]
    for key in ('endpoints', 'read-only-endpoints'):
        if data.get(key):
            decoded[key] = _split(data[key])
    try:
        return ProviderAppData.model_validate(decoded)
    except pydantic.ValidationError as e:
        first = e.errors()[0]
        key = str(first['loc'][0])
        raise DatabagError(key, first['msg']) from None  # never quote: it may be a credential


class PostgresqlClientEvent(ops.RelationEvent):
    """Something changed on one database relation; ``relation`` says which."""


class DatabaseCreatedEvent(PostgresqlClientEvent):
    """The database is usable: endpoints and the user secret arrived (once per relation)."""


class EndpointsChangedEvent(PostgresqlClientEvent):
    """The primary or replica endpoints changed after the database was created."""


class CredentialsChangedEvent(PostgresqlClientEvent):
    """The user secret changed (a new secret id, or a new revision: password rotation)."""


class DatabaseGoneEvent(PostgresqlClientEvent):
    """The relation is going away; stop using the database."""


class RequirerEvents(ops.ObjectEvents):
    """Events the requirer emits."""

    database_created = ops.EventSource(DatabaseCreatedEvent)
    endpoints_changed = ops.EventSource(EndpointsChangedEvent)
    credentials_changed = ops.EventSource(CredentialsChangedEvent)
    database_gone = ops.EventSource(DatabaseGoneEvent)


class Requirer(Endpoint):
    """The database consumer's side of ``postgresql_client``.

    Reading never raises: a malformed provider databag, or one with plain credentials, is
    reported as Blocked through collect-status and reads as None. The custom events compare
    the provider's data with what this unit last saw (a StoredState of the parsed data: secret
    ids, never credentials).

    Args:
        charm: the consumer charm.
        endpoint: the endpoint name in its metadata.
        database: if given, the leader requests it by itself when a relation is created and
            when it becomes leader; otherwise the charm calls :meth:`request`.
        extra_user_roles: extra roles to request along with ``database``.
    """

    on = RequirerEvents()
    _stored = ops.StoredState()

    def __init__(
        self,
        charm: ops.CharmBase,
        endpoint: str = 'database',
        *,
        database: str | None = None,
        extra_user_roles: str | None = None,
    ) -> None:
        super().__init__(charm, endpoint)
        self._database = database
        self._extra_user_roles = extra_user_roles
        self._stored.set_default(seen={})
        events = charm.on[endpoint]
        self.framework.observe(events.relation_created, self._on_created)
        self.framework.observe(events.relation_changed, self._on_changed)
        self.framework.observe(events.relation_broken, self._on_broken)
        self.framework.observe(charm.on.leader_elected, self._on_leader_elected)
        self.framework.observe(charm.on.secret_changed, self._on_secret_changed)

    def request(
        self,
        database: str,
        extra_user_roles: str | None = None,
        relation: ops.Relation | None = None,
    ) -> bool:
        """Ask for ``database`` on ``relation`` or on every relation (leader only).

        It also lists :data:`REQUESTED_SECRETS`, without which a data_interfaces provider
        would send the password as plain data.

        Returns:
            Whether anything was written: False on a non-leader or without a relation.

        Raises:
            pydantic.ValidationError: if ``database`` is empty (a charm bug).
        """
        data = RequirerAppData(
            database=database,
            extra_user_roles=extra_user_roles,
            requested_secrets=list(REQUESTED_SECRETS),
        )
        relations = [relation] if relation is not None else self.relations
        if not self.is_leader or not relations:
            logger.debug('not the leader or no relation: nothing requested on %s', self.endpoint)
            return False
        for each in relations:
            each.data[self.model.app].update(data.to_databag())
        return True

    def provider(self, relation: ops.Relation | None = None) -> ProviderAppData | None:
        """The provider's data on ``relation`` (default: the first relation).

        Returns:
            The typed data, which may be empty (see :attr:`ProviderAppData.is_created`); None
            without a relation, or if the data is malformed or holds plain credentials.
        """
        relation = relation or self._first()
        if relation is None:
            return None
        return self._read_provider(relation)

    def endpoints(self, relation: ops.Relation | None = None) -> list[str] | None:
        """The primary's ``host:port`` endpoints, or None if there are none (yet)."""
        data = self.provider(relation)
        return data.endpoints if data is not None and data.endpoints else None

    def read_only_endpoints(self, relation: ops.Relation | None = None) -> list[str] | None:
        """The replicas' ``host:port`` endpoints, or None if there are none."""
        data = self.provider(relation)
        return data.read_only_endpoints if data is not None and data.read_only_endpoints else None

    def credentials(self, relation: ops.Relation | None = None) -> tuple[str, str] | None:
        """``(username, password)`` from the provider's user secret, at its latest revision.

        Returns:
            The pair, or None if there is no user secret yet, or it is missing, not granted to
            this unit, or lacks either key (the last three are logged).
        """
        data = self.provider(relation)
        if data is None or data.secret_user is None:
            return None
        try:
            secret = self.model.get_secret(id=data.secret_user)
            content = secret.get_content(refresh=True)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            logger.warning('%s: user secret %s unreadable: %s', self.endpoint, data.secret_user, e)
            return None
        username, password = content.get('username'), content.get('password')
        if not username or not password:
            logger.warning('%s: user secret lacks username or password', self.endpoint)
            return None
        return username, password

    def _first(self) -> ops.Relation | None:
        relations = sorted(self.relations, key=lambda r: r.id)
        return relations[0] if relations else None

    def _read_provider(self, relation: ops.Relation) -> ProviderAppData | None:
        """Like ``Endpoint._read``, with this interface's plain-string parser."""
        key = (relation.id, relation.app.name)
        try:
            value = parse_provider(relation.data[relation.app])
        except DatabagError as e:
            self._problems[key] = f'{self.endpoint}: application {relation.app.name} data {e}'
            logger.warning('%s', self._problems[key])
            return None
        self._problems.pop(key, None)
        return value

    def _scan(self) -> None:
        for relation in self.relations:
            self._read_provider(relation)

    def _on_created(self, event: ops.RelationCreatedEvent) -> None:
        if self._database is not None:
            self.request(self._database, self._extra_user_roles, event.relation)

    def _on_leader_elected(self, _: ops.LeaderElectedEvent) -> None:
        if self._database is not None:
            self.request(self._database, self._extra_user_roles)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        data = self._read_provider(event.relation)
        if data is None:
            return  # reported as Blocked at collect-status
        key = str(event.relation.id)
        before_raw: str | None = self._stored.seen.get(key)
        before = _restore(before_raw)
        now = data.fingerprint()
        if now == before_raw:
            return
        self._stored.seen[key] = now
        if not data.is_created:
            return
        if before is None or not before.is_created:
            self.on.database_created.emit(event.relation, app=event.app, unit=event.unit)
            return
        if (data.endpoints, data.read_only_endpoints) != (
            before.endpoints,
            before.read_only_endpoints,
        ):
            self.on.endpoints_changed.emit(event.relation, app=event.app, unit=event.unit)
        if data.secret_user != before.secret_user:
            self.on.credentials_changed.emit(event.relation, app=event.app, unit=event.unit)

    def _on_secret_changed(self, event: ops.SecretChangedEvent) -> None:
        changed = event.secret.id
        if changed is None:
            return
        for relation in self.relations:
            data = self._read_provider(relation)
            if data is not None and data.secret_user and same_secret(data.secret_user, changed):
                self.on.credentials_changed.emit(relation, app=relation.app)

    def _on_broken(self, event: ops.RelationBrokenEvent) -> None:
        self._stored.seen.pop(str(event.relation.id), None)
        self._problems.pop((event.relation.id, event.relation.app.name), None)
        self.on.database_gone.emit(event.relation, app=event.app)


def _restore(fingerprint: str | None) -> ProviderAppData | None:
    """The provider data last seen, from its stored fingerprint."""
    if fingerprint is None:
        return None
    try:
        return ProviderAppData.model_validate_json(fingerprint)
    except pydantic.ValidationError:
        return None
