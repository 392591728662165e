"""The model's records: machines, applications, units, relations, secrets and actions."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from ._data import DEFAULT_BASE, Life, record_fields
from ._progress import UnitProgress


@dataclasses.dataclass(frozen=True, slots=True)
class MachineAddress:
    """One address of a machine's network device, as Juju records it from the provider.

    Juju keeps a machine's link-layer devices and their addresses with each address's subnet
    and space (juju/juju ``core/network``: ``InterfaceInfo``, ``SpaceAddress``); ``network-get``
    answers from them.

    Attributes:
        interface: the device's name (``eno1``, ``bond0.30``).
        mac: its MAC address.
        ip: the address.
        cidr: its subnet.
        space: the subnet's space ('' when the subnet is in no space: Juju's ``alpha``).
    """

    interface: str
    mac: str
    ip: str
    cidr: str
    space: str = ''


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Machine:
    """A machine of the model, as ``juju machines`` shows it.

    Attributes:
        id: Juju's machine number, as a string ("0", "1", ...).
        instance_id: the cloud's id for it (a MAAS system id).
        hostname: the instance's hostname.
        address: its address.
        zone: its availability zone.
        hardware: Juju's hardware characteristics, e.g.
            ``arch=amd64 cores=8 mem=32768M tags=ssd availability-zone=zone-a``.
        constraints: the constraints the machine was provisioned with (Juju's string form).
        base: the operating system base.
        status: Juju's machine status (``pending``, ``started``, ``down``, ...).
        message: the instance status message from the cloud.
        addresses: its devices' addresses, boot address first (none for a machine whose
            cloud told only its address).
        since: when its status was set (seconds since the epoch; 0: not recorded, for a
            machine of an older olm), shown as ``since`` of its agent and instance statuses.
    """

    id: str
    instance_id: str
    hostname: str
    address: str
    zone: str
    hardware: str
    constraints: str = ''
    base: str = DEFAULT_BASE
    status: str = 'pending'
    message: str = ''
    addresses: tuple[MachineAddress, ...] = ()
    since: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class Status:
    """A status value with its message and when it was set (seconds since the epoch)."""

    current: str
    message: str = ''
    since: float = 0.0

    def to_data(self) -> list[Any]:
        """JSON-able form."""
        return [self.current, self.message, self.since]

    @classmethod
    def from_data(cls, data: list[Any]) -> Status:
        """Inverse of :meth:`to_data`."""
        return cls(str(data[0]), str(data[1]), float(data[2]))


@dataclasses.dataclass(kw_only=True)
class Application:
    """A deployed application.

    ``config`` holds only the values a user set; the charm's defaults fill the rest when an
    event runs. ``config_version`` and ``charm_version`` grow on every change so that each unit
    can tell, as Juju's uniter does, that it has a ``config-changed`` or ``upgrade-charm`` due.
    ``leader_version`` grows with every election: non-leaders then owe a
    ``leader-settings-changed``.
    """

    name: str
    charm: str
    charm_path: str
    charm_name: str
    channel: str | None = None
    revision: int | None = None
    base: str = DEFAULT_BASE
    config: dict[str, str | int | float | bool] = dataclasses.field(
        default_factory=dict[str, 'str | int | float | bool']
    )
    config_version: int = 1
    charm_version: int = 1
    constraints: str = ''
    exposed: bool = False
    trust: bool = False
    annotations: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    storage: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    bindings: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    resources: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    """The file resources uploaded at deploy or refresh (``--resource NAME=PATH``): each
    resource's name and olm's copy of the file (under the state directory), which a unit's
    ``resource-get`` finds on its machine under its agent directory."""
    life: Life = 'alive'
    leader: str | None = None
    leader_version: int = 0
    leader_settings: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    """What ``leader-set`` stored (Juju's leadership settings; ``leader-get`` reads them)."""
    runner: str = 'scenario'
    """How its units' hooks run: ``scenario`` (in olm's process) or ``dispatch`` (the packed
    charm's ``dispatch`` in its machine's sandbox)."""
    status: Status | None = None
    next_unit: int = 0
    subordinate: bool = False
    """Its charm is a subordinate (Juju's ``applicationDoc.Subordinate``): it has no units of
    its own, only one per principal unit it is related to over a container-scoped relation."""

    @property
    def charm_revision(self) -> int:
        """The revision of the application's charm, as Juju numbers a local charm.

        Juju gives each upload of a local charm the next number of a model sequence kept per
        charm URL (``charmrev-local:<name>``), starting at 0 (juju/juju ``state/charm.go``
        ``PrepareLocalCharmUpload``: ``sequenceWithMin``): ``local:<name>-0`` on the first
        deploy, one more for each refresh or further deploy of that charm. ``revision`` holds
        the number olm allocated; a model written before olm did is read as counting refreshes
        from 0.
        """
        return self.revision if self.revision is not None else self.charm_version - 1

    def resource_path(self, unit: str, name: str) -> str:
        """Where a unit's ``resource-get NAME`` puts the resource file, and prints it.

        Juju downloads it into the unit's agent directory, named as the charm's metadata
        names the file: ``/var/lib/juju/agents/unit-<app>-<n>/resources/<name>/<filename>``.
        """
        filename = self.resources[name].rsplit('/', 1)[-1]
        return f'/var/lib/juju/agents/unit-{unit.replace("/", "-")}/resources/{name}/{filename}'

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        data = record_fields(self)
        data['status'] = None if self.status is None else self.status.to_data()
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Application:
        """Inverse of :meth:`to_data`."""
        fields = dict(data)
        status = fields.pop('status')
        return cls(**fields, status=None if status is None else Status.from_data(status))


@dataclasses.dataclass(kw_only=True)
class RemoteApplication:
    """An application of another model, consumed through an offer (bundle ``saas:``).

    Under olm the remote side is simulated: its databags and secrets come from an offer file
    and never change on their own.
    """

    name: str
    url: str
    offer_path: str
    endpoints: dict[str, list[str]]  # endpoint -> [role, interface]
    units: list[str] = dataclasses.field(default_factory=list[str])
    status: Status = dataclasses.field(default_factory=lambda: Status('active'))
    peer_model: str = ''
    """For an offer of another olm model (``juju consume``): that model; its side of each
    relation is the offered application's, copied across as Juju's cross-model relation
    workers copy it. On the offering side, the consuming model. '' for an offer file."""
    peer_application: str = ''
    """The application at the other end: the offered one, or (``consumer``) the consuming."""
    consumer: bool = False
    """The offering model's stand-in for a consuming application (Juju's ``remote-<token>``
    application), which ``juju status`` does not list under SAAS."""

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        data = record_fields(self)
        data['status'] = self.status.to_data()
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RemoteApplication:
        """Inverse of :meth:`to_data`."""
        fields = dict(data)
        status = Status.from_data(fields.pop('status'))
        return cls(**fields, status=status)


@dataclasses.dataclass(kw_only=True)
class Unit:
    """A unit of an application, on one machine of the model.

    ``stored_state`` and ``deferred`` are what ops keeps in the unit's ``.unit-state.db``: the
    charm's ``StoredState`` contents and its deferred events, kept as marshal-encoded text
    because ops allows any marshallable value there.
    """

    name: str
    application: str
    machine: str
    machine_created: bool = False
    life: Life = 'alive'
    workload: Status = dataclasses.field(
        default_factory=lambda: Status('waiting', 'waiting for machine')
    )
    agent: Status = dataclasses.field(default_factory=lambda: Status('allocating'))
    workload_set: bool = False
    workload_version: str = ''
    ports: list[str] = dataclasses.field(default_factory=list[str])
    storage: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    """The unit's storage instances (``osd-devices/0``) and where they are (``/dev/sdb``)."""
    stored_state: list[dict[str, Any]] = dataclasses.field(default_factory=list[dict[str, Any]])
    deferred: list[dict[str, Any]] = dataclasses.field(default_factory=list[dict[str, Any]])
    charm_state: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    """The unit's charm state (``state-set``/``state-get``), kept by the controller."""
    progress: UnitProgress = dataclasses.field(default_factory=UnitProgress)
    principal: str = ''
    """A subordinate unit's principal unit ('' for a principal): Juju's ``unitDoc.Principal``."""

    @property
    def number(self) -> int:
        """The unit number (``app/3`` → 3)."""
        return int(self.name.rsplit('/', 1)[1])

    @property
    def container(self) -> str:
        """The unit whose container this unit lives in: its principal, or itself.

        Juju keys a container-scoped relation's scope by it (juju/juju ``state/relation.go``
        ``Relation.Unit``: ``r#<id>#<principal or unit>``), so only a principal and its own
        subordinates see each other there.
        """
        return self.principal or self.name

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        data = record_fields(self)
        data['workload'] = self.workload.to_data()
        data['agent'] = self.agent.to_data()
        data['progress'] = self.progress.to_data()
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Unit:
        """Inverse of :meth:`to_data`."""
        fields = dict(data)
        return cls(
            **{k: v for k, v in fields.items() if k not in ('workload', 'agent', 'progress')},
            workload=Status.from_data(fields['workload']),
            agent=Status.from_data(fields['agent']),
            progress=UnitProgress.from_data(fields['progress']),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class RelationEndpoint:
    """One end of a relation: ``application:endpoint`` with its role, interface and scope.

    ``scope`` is the relation's scope at this end: Juju's ``AddRelation`` makes both ends
    ``container`` when either end declares it (juju/juju ``state/state.go``, 3.x).
    """

    application: str
    name: str
    role: str
    interface: str
    scope: str = 'global'

    def __str__(self) -> str:
        return f'{self.application}:{self.name}'

    @property
    def implicit(self) -> bool:
        """Juju's implicit ``juju-info`` provider, which runs no hooks.

        juju/juju ``internal/charm`` ``Relation.IsImplicit``: named ``juju-info``, interface
        ``juju-info``, role provider; the uniter's relationer skips every hook on it
        (``internal/worker/uniter/relation/relationer.go``, "Implicit relations do not run
        hooks").
        """
        return (
            self.name == 'juju-info'
            and self.interface == 'juju-info'
            and (self.role == 'provider')
        )


@dataclasses.dataclass(kw_only=True)
class Relation:
    """A relation (Juju: integration) between two applications, or a peer relation.

    Databags are versioned: every committed change bumps the version of the bag that changed,
    which is what tells the other units' agents that they owe a ``relation-changed``.
    """

    id: int
    endpoints: list[RelationEndpoint]
    life: Life = 'alive'
    scope: list[str] = dataclasses.field(default_factory=list[str])
    app_data: dict[str, dict[str, str]] = dataclasses.field(
        default_factory=dict[str, dict[str, str]]
    )
    app_version: dict[str, int] = dataclasses.field(default_factory=dict[str, int])
    unit_data: dict[str, dict[str, str]] = dataclasses.field(
        default_factory=dict[str, dict[str, str]]
    )
    unit_version: dict[str, int] = dataclasses.field(default_factory=dict[str, int])

    @property
    def is_peer(self) -> bool:
        """A peer relation has one endpoint."""
        return len(self.endpoints) == 1

    @property
    def interface(self) -> str:
        """The relation's interface."""
        return self.endpoints[0].interface

    @property
    def container_scoped(self) -> bool:
        """Whether the relation has container scope (``juju status`` type ``subordinate``)."""
        return any(e.scope == 'container' for e in self.endpoints)

    def endpoint_of(self, application: str) -> RelationEndpoint:
        """The end an application takes part through."""
        for endpoint in self.endpoints:
            if endpoint.application == application:
                return endpoint
        raise KeyError(application)

    def other_application(self, application: str) -> str:
        """The application at the other end (itself for a peer relation)."""
        for endpoint in self.endpoints:
            if endpoint.application != application:
                return endpoint.application
        return application

    def key(self) -> str:
        """Juju's relation key, e.g. ``db:database app:db`` (provider first) or ``app:peers``."""
        ordered = sorted(self.endpoints, key=lambda e: e.role != 'provider')
        return ' '.join(str(e) for e in ordered)

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        data = record_fields(self)
        data['endpoints'] = [
            [e.application, e.name, e.role, e.interface, e.scope] for e in self.endpoints
        ]
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Relation:
        """Inverse of :meth:`to_data`."""
        fields = dict(data)
        endpoints = [RelationEndpoint(*e) for e in fields.pop('endpoints')]
        return cls(**fields, endpoints=endpoints)


@dataclasses.dataclass(kw_only=True)
class SecretConsumer:
    """A unit's view of a secret it was granted: the revision it tracks and its label."""

    tracked: int
    label: str | None = None
    notified: int = 0


@dataclasses.dataclass(kw_only=True)
class Secret:
    """A Juju secret, owned by an application, a unit or the model.

    An application's leader manages its secrets; a model's secrets are user secrets, from
    ``juju add-secret``, readable by the applications they were granted to.

    ``grants`` maps a relation id to the applications or units the secret was granted to over
    that relation; ``consumers`` records, per consuming unit, the revision it tracks. A revision
    nobody tracks any more is reported to the owner with ``secret-remove``.
    """

    id: str
    owner: str
    owner_kind: Literal['app', 'unit', 'model']
    name: str | None = None
    """A user secret's name (``juju add-secret NAME``); charms' secrets have labels instead."""
    app_grants: list[str] = dataclasses.field(default_factory=list[str])
    """Applications a user secret was granted to (``juju grant-secret``)."""
    created: float = 0.0
    updated: float = 0.0
    revision_created: dict[int, float] = dataclasses.field(default_factory=dict[int, float])
    """When each revision was made (``juju show-secret --revisions``)."""
    label: str | None = None
    description: str | None = None
    rotate: str | None = None
    """The rotation policy (``hourly`` ... ``yearly``), None for never."""
    rotate_at: float | None = None
    """When ``secret-rotate`` is next due (Juju's ``NextRotateTime``)."""
    revision_expire: dict[int, float] = dataclasses.field(default_factory=dict[int, float])
    """When each revision that has an expiry expires (Juju keeps expiry per revision)."""
    expire_retry: dict[int, float] = dataclasses.field(default_factory=dict[int, float])
    """When ``secret-expired`` of a revision that already ran is due again (the revision was
    not removed)."""
    revisions: dict[int, dict[str, str]] = dataclasses.field(
        default_factory=dict[int, dict[str, str]]
    )
    latest: int = 1
    grants: dict[int, list[str]] = dataclasses.field(default_factory=dict[int, list[str]])
    consumers: dict[str, SecretConsumer] = dataclasses.field(
        default_factory=dict[str, SecretConsumer]
    )
    removal_notified: list[int] = dataclasses.field(default_factory=list[int])

    @property
    def expire_at(self) -> float | None:
        """When the latest revision expires (Juju's ``LatestExpireTime``), if it does."""
        return self.revision_expire.get(self.latest)

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        data = record_fields(self)
        data['revisions'] = {str(k): v for k, v in self.revisions.items()}
        data['revision_created'] = {str(k): v for k, v in self.revision_created.items()}
        data['revision_expire'] = {str(k): v for k, v in self.revision_expire.items()}
        data['expire_retry'] = {str(k): v for k, v in self.expire_retry.items()}
        data['grants'] = {str(k): v for k, v in self.grants.items()}
        data['consumers'] = {k: record_fields(v) for k, v in self.consumers.items()}
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Secret:
        """Inverse of :meth:`to_data`."""
        fields = dict(data)
        keyed = ('revisions', 'revision_created', 'revision_expire', 'expire_retry', 'grants',
                 'consumers', 'expire_at', 'expiry_notified')  # fmt: skip
        expiry = {int(k): v for k, v in fields.get('revision_expire', {}).items()}
        if fields.get('expire_at') is not None:  # a store written before per-revision expiry
            expiry[int(fields.get('latest', 1))] = fields['expire_at']
        return cls(
            **{k: v for k, v in fields.items() if k not in keyed},
            revisions={int(k): v for k, v in fields['revisions'].items()},
            revision_created={int(k): v for k, v in fields.get('revision_created', {}).items()},
            revision_expire=expiry,
            expire_retry={int(k): v for k, v in fields.get('expire_retry', {}).items()},
            grants={int(k): v for k, v in fields['grants'].items()},
            consumers={k: SecretConsumer(**v) for k, v in fields['consumers'].items()},
        )


@dataclasses.dataclass(kw_only=True)
class Action:
    """An action run on a unit (``juju run``), with its outcome once it ran.

    ``returncode``, ``stdout`` and ``stderr`` are what Juju's uniter adds to an action's
    results from the hook process (juju/juju ``worker/uniter/runner/runner.go``
    ``updateActionResults``): the exit status, and what it printed on each stream.
    ``operation`` is the id of the operation the task belongs to (Juju 3 numbers operations and
    tasks from one sequence).
    """

    id: str
    unit: str
    name: str
    params: dict[str, Any]
    status: Literal['pending', 'running', 'completed', 'failed'] = 'pending'
    message: str = ''
    results: dict[str, Any] = dataclasses.field(default_factory=dict[str, Any])
    log: list[str] = dataclasses.field(default_factory=list[str])
    enqueued: float = 0.0
    completed: float = 0.0
    operation: str = ''
    returncode: int = 0
    stdout: str = ''
    stderr: str = ''

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Action:
        """Inverse of :meth:`to_data`."""
        return cls(**data)
