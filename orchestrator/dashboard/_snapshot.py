"""What the dashboard shows, whichever source it was read from: one frozen snapshot.

Both sources fill the same types: olm's own model (simulated machines, with the pool behind
them) and a real controller read through the ``juju`` client (``juju status --format json``
and friends). So the page, its tests and its graph never ask where a fact came from, except
to say on every view whether the machines are simulated.
"""

# pyright: strict

from __future__ import annotations

import dataclasses

__all__ = [
    'Application',
    'Capacity',
    'HookRun',
    'MetalMachine',
    'Relation',
    'SecretInfo',
    'Snapshot',
    'Unit',
    'unit_order',
]


def unit_order(name: str) -> tuple[str, int]:
    """Sort key of a unit name as Juju lists units: by application, then by number."""
    app, _, number = name.partition('/')
    return app, int(number) if number.isdigit() else -1


@dataclasses.dataclass(frozen=True)
class Unit:
    """One unit as ``juju status`` shows it.

    Attributes:
        name: ``app/N``.
        application: its application.
        machine: the model machine it is on ('' for a subordinate: it is on its principal's).
        workload: workload status (``active``, ``blocked`` ...).
        agent: agent status (``idle``, ``executing``, ``error`` ...).
        message: the workload (or, on error, the agent) message.
        leader: it holds its application's leadership.
        principal: for a subordinate unit, the unit it is attached to.
    """

    name: str
    application: str
    machine: str = ''
    workload: str = 'unknown'
    agent: str = ''
    message: str = ''
    leader: bool = False
    principal: str = ''


@dataclasses.dataclass(frozen=True)
class Application:
    """A node of the model graph.

    Attributes:
        name: the application's name in the model.
        charm: the charm's name ('' for a SAAS entry).
        revision: the charm revision (None when unknown).
        status: the application status (``active``, ``blocked``, ``error`` ...).
        message: its message.
        units: its units' names (a subordinate's: every unit attached to a principal).
        subordinate_to: the principals it is attached to (empty for a principal).
        saas: a consumed offer (``application-endpoints``), not deployed here.
        url: for a SAAS entry, the offer URL.
        exposed: ``juju expose`` was run on it.
    """

    name: str
    charm: str = ''
    revision: int | None = None
    status: str = 'unknown'
    message: str = ''
    units: tuple[str, ...] = ()
    subordinate_to: tuple[str, ...] = ()
    saas: bool = False
    url: str = ''
    exposed: bool = False

    @property
    def subordinate(self) -> bool:
        return bool(self.subordinate_to)


@dataclasses.dataclass(frozen=True)
class Relation:
    """An edge of the model graph: one relation between two applications.

    Attributes:
        apps: the two applications (sorted, so a relation has one spelling).
        endpoints: each application's endpoint, in the order of ``apps`` ('' when unknown).
        interface: the interface both endpoints speak.
        scope: ``global`` or ``container`` (a subordinate's).
    """

    apps: tuple[str, str]
    endpoints: tuple[str, str]
    interface: str
    scope: str = 'global'


@dataclasses.dataclass(frozen=True)
class MetalMachine:
    """A machine of the metal view: a pool machine (olm), or a model machine (a controller).

    Attributes:
        hostname: its host name (the model machine's id when the source knows none).
        machine: the model machine id on it ('' when it is not in the model).
        system_id: MAAS's system id (olm), or the instance id Juju reports.
        zone: its availability zone ('' when unknown).
        pool: its MAAS resource pool ('' when unknown: Juju does not report it).
        status: MAAS's status (olm: Ready, Deployed, Broken ...) or Juju's machine status.
        arch: its architecture.
        cores: CPU cores (None when unknown).
        memory_mib: memory in MiB (None when unknown).
        disks: one line per disk or the root disk's size, as known.
        tags: its MAAS tags.
        units: the principal units on it.
        message: why its status is what it is (a provisioning error, a broken machine).
    """

    hostname: str
    machine: str = ''
    system_id: str = ''
    zone: str = ''
    pool: str = ''
    status: str = ''
    arch: str = ''
    cores: int | None = None
    memory_mib: int | None = None
    disks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    message: str = ''


@dataclasses.dataclass(frozen=True)
class Capacity:
    """How many more units of an application's shape the pool could take now.

    Attributes:
        application: the application.
        constraints: the constraints its new units are asked with (model's and its own).
        spaces: the spaces its bindings ask for.
        fits: how many Ready machines match.
    """

    application: str
    constraints: str
    spaces: tuple[str, ...]
    fits: int


@dataclasses.dataclass(frozen=True)
class HookRun:
    """One hook a unit ran, for the timeline.

    Attributes:
        seq: its order among the source's entries.
        time: when it ran (seconds since the epoch).
        unit: the unit.
        hook: the hook or event (``install``, ``db-relation-changed`` ...).
        outcome: ``ok``, or what went wrong (``error`` ...).
        detail: the first line of what went wrong ('' when it went right).
    """

    seq: int
    time: float
    unit: str
    hook: str
    outcome: str = 'ok'
    detail: str = ''

    @property
    def failed(self) -> bool:
        return self.outcome != 'ok'


@dataclasses.dataclass(frozen=True)
class SecretInfo:
    """A secret by its metadata (``juju secrets``); its content is never read.

    Attributes:
        uri: ``secret:…``.
        owner: the application or unit (or ``<model>``) that owns it.
        label: its label or name ('' when it has none).
        revision: its latest revision.
        rotation: its rotate policy ('' for never).
        created: when it was created, as the source prints it.
        updated: when its latest revision was made, as the source prints it.
    """

    uri: str
    owner: str
    label: str = ''
    revision: int = 0
    rotation: str = ''
    created: str = ''
    updated: str = ''


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything one refresh of the page shows.

    Attributes:
        source: where it was read (``olm`` or ``juju: CONTROLLER:MODEL``).
        model: the model's name.
        simulated: the machines are olm's simulated ones: every view says so.
        applications: the graph's nodes, SAAS entries among them.
        relations: the graph's edges (peer relations are not drawn, as Juju's dashboard
            draws none).
        units: every unit, subordinates among them.
        metal: the machines.
        capacity: free capacity for each deployed application's shape (olm only: a
            controller's MAAS is not asked).
        hooks: the hook runs, oldest first (the newest ones, bounded).
        secrets: the model's secrets, metadata only.
        offers: the offers this model makes (``juju status``'s ``offers``), by name.
        notes: what the source could not read, said on the page.
    """

    source: str
    model: str
    simulated: bool
    applications: tuple[Application, ...] = ()
    relations: tuple[Relation, ...] = ()
    units: tuple[Unit, ...] = ()
    metal: tuple[MetalMachine, ...] = ()
    capacity: tuple[Capacity, ...] = ()
    hooks: tuple[HookRun, ...] = ()
    secrets: tuple[SecretInfo, ...] = ()
    offers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
