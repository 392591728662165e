"""The olm engine: the operations a user asks of the model, and the settling of its units.

Provisioning machines merges the model's constraints under the request, allocates from the
metal pool with Juju's zone spreading and records the model's machines. Deploying, adding units,
integrating and configuring change the model in one store transaction, validated first so that
a refusal changes nothing; then the engine *settles*: it lets every unit agent run its next hook
(:func:`orchestrator.agent.resolver.next_hook`) one hook at a time, each through the runner and
committed in its own transaction (:mod:`orchestrator.agent.commit`), until no unit has anything
left to do. Which unit goes next is drawn from a seeded random generator, so one seed is one
legal interleaving and another seed another.

One process changes a model at a time (the store's writer lock); ``olm status`` reads alongside.
"""

# pyright: strict

from __future__ import annotations

import bisect
import collections
import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import random
import re
import time
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import cloud
from .agent.hooks import Hook, RetryPolicy
from .juju import constraints as juju_constraints
from .juju import storage as juju_storage
from .lazy import lazy_module
from .state import bindings, model, usersecrets
from .state.store import LogEntry, Store, Transaction
from .views import show

if TYPE_CHECKING:
    from . import _compat, sim
    from .agent import commit, resolver, runner
    from .cloud import inventory
    from .juju import bundle as juju_bundle
    from .juju import charmspec
    from .views import plan
else:
    # Only the commands that run hooks need these (ops, Scenario, pydantic, the emulated
    # programs): read-only commands such as olm status never load them (see lazy.py).
    juju_bundle = lazy_module('orchestrator.juju.bundle')
    charmspec = lazy_module('orchestrator.juju.charmspec')
    _compat = lazy_module('orchestrator._compat')
    commit = lazy_module('orchestrator.agent.commit')
    plan = lazy_module('orchestrator.views.plan')
    runner = lazy_module('orchestrator.agent.runner')
    sim = lazy_module('orchestrator.sim')
    resolver = lazy_module('orchestrator.agent.resolver')
    inventory = lazy_module('orchestrator.cloud.inventory')

__all__ = [
    'AddUnitReport',
    'DeployReport',
    'Engine',
    'EngineError',
    'ExecResult',
    'Provisioned',
    'RetryPolicy',
    'SettleResult',
]

REPO_CHARMS = Path(__file__).resolve().parent.parent / 'charms'
START_ATTEMPTS = 10
"""How many machines one new Juju machine may try (Juju's ``retryStrategyCount``)."""
DEPLOY_FAULT = 'maas-deploy'
"""The simulated program name a deployment fault is armed on: ``match`` is the hostname."""
HOOK_FAULT = 'juju-hook'
"""The simulated program name a hook fault is armed on: ``match`` is the hook's Juju name
(``install``, ``kube-cluster-relation-changed``), ``machine`` the unit's machine."""
HOOK_FAULT_ERROR = (
    'ops.model.ModelError: ERROR connection is shut down (simulated fault: the unit agent lost '
    'its controller connection during the hook, so its hook tools failed)'
)
LOOP_HOOKS_BASE = 200
LOOP_HOOKS_PER_UNIT = 8
"""A unit that runs more than ``LOOP_HOOKS_BASE + LOOP_HOOKS_PER_UNIT * <units in the model>``
hooks in one settle is taken to be in a hook loop: far more than its relations can explain
(a relation-joined and a few relation-changed per remote unit, plus its own lifecycle)."""


def _decode_pools(text: str) -> dict[str, juju_storage.StoragePool]:
    return {
        name: juju_storage.StoragePool(name, data['provider'], data.get('attrs', {}))
        for name, data in json.loads(text or '{}').items()
    }


class EngineError(Exception):
    """A request the model cannot carry out, with Juju's message where Juju has one."""


_T = TypeVar('_T')


@dataclasses.dataclass(frozen=True, slots=True)
class ExecResult:
    """What ``juju exec`` reports for one target: the task id and the command's outcome."""

    id: str
    target: str
    returncode: int
    stdout: str
    stderr: str


class Engine:
    """Operations on one olm model (state directory).

    Args:
        store: the model's state directory.
        owner: the MAAS user the model allocates machines as.
    """

    def __init__(
        self,
        store: Store,
        *,
        owner: str = 'admin',
        charms_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        retry: RetryPolicy | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.owner = owner
        self.charms_dir = charms_dir or Path(os.environ.get('OLM_CHARMS', REPO_CHARMS))
        self.clock = clock
        self.sleep = sleep
        self.seed = seed
        self.retry = retry or _retry_from_environment()
        self.progress = progress
        self._runner: runner.Runner | None = None
        self._specs: dict[str, charmspec.CharmSpec] = {}

    @property
    def hook_runner(self) -> runner.Runner:
        """What runs each hook, made on the first hook: read-only commands never load it."""
        if self._runner is None:
            self._runner = runner.Runner()
        return self._runner

    # -- the metal pool ------------------------------------------------------------------

    def import_pool(self, path: str | os.PathLike[str]) -> int:
        """Add every machine of an inventory file to the pool, all or none.

        Raises:
            cloud.InventoryError: for a bad file or a machine already in the pool.
        """
        loaded = inventory.load_file(path)
        pools: list[juju_storage.StoragePool] = []
        for name, (provider, attrs) in loaded.storage_pools.items():
            try:
                pools.append(juju_storage.StoragePool.create(name, provider, attrs))
            except juju_storage.StorageError as error:
                raise cloud.InventoryError(f'{os.fspath(path)}: storage-pools: {error}') from None
        with self.store.transaction() as txn:
            # A pool file's storage pools describe the cloud, so every model has them (as
            # Juju's model-defaults would give them); a model adds its own with
            # create-storage-pool.
            cloud_pools = self._cloud_storage_pools(txn)
            for pool in pools:
                if pool.name in cloud_pools and cloud_pools[pool.name] != pool:
                    raise cloud.InventoryError(
                        f'{os.fspath(path)}: storage-pools: pool "{pool.name}" already exists'
                    )
            try:
                added = txn.pool.add(loaded.machines, loaded.network)
            except cloud.InventoryError as error:  # a machine or a subnet the pool has
                raise cloud.InventoryError(f'{os.fspath(path)}: {error}') from None
            cloud_pools.update((p.name, p) for p in pools)
            txn.set_cloud_setting(
                'storage-pools',
                json.dumps({n: p.to_json() for n, p in cloud_pools.items()}, sort_keys=True),
            )
            return added

    def add_to_pool(
        self, machines: Sequence[cloud.Machine], network: cloud.Network | None = None
    ) -> int:
        """Add machines (e.g. a generated pool) and their subnets to the pool, all or none."""
        with self.store.transaction() as txn:
            return txn.pool.add(machines, network)

    def network(self) -> tuple[cloud.Network, frozenset[str]]:
        """The pool's spaces and subnets, and its zones."""
        with self.store.snapshot() as txn:
            return txn.pool.network, txn.pool.zones

    def pool_machines(self) -> list[cloud.Machine]:
        """Every machine of the pool, by hostname."""
        with self.store.snapshot() as txn:
            return list(txn.pool)

    def capacity(
        self,
        constraints: juju_constraints.Constraints,
        placement: str | None = None,
        *,
        bindings: Collection[str] = (),
    ) -> int:
        """How many more machines with these constraints (over the model's) are Ready now.

        ``bindings`` are spaces the machines must reach, as an application's bindings ask.
        """
        with self.store.snapshot() as txn:
            merged = juju_constraints.merge(self._model_constraints(txn), constraints)
            return txn.pool.capacity(merged, placement, bindings=bindings)

    def release_pool_machine(self, ref: str, *, erase: bool = False) -> cloud.Machine:
        """Release a pool machine that no model machine uses.

        Raises:
            EngineError: if a machine of the model runs on it (remove that machine instead).
        """
        with self.store.transaction() as txn:
            machine = txn.pool.get(ref)
            self._refuse_if_used(txn, machine)
            return txn.pool.release(machine.system_id, erase=erase)

    def mark_broken(self, ref: str, message: str = '') -> cloud.Machine:
        """Mark a pool machine Broken (MAAS's mark-broken)."""
        with self.store.transaction() as txn:
            return txn.pool.mark_broken(ref, message)

    def mark_fixed(self, ref: str) -> cloud.Machine:
        """Return a Broken pool machine to service (MAAS's mark-fixed)."""
        with self.store.transaction() as txn:
            return txn.pool.mark_fixed(ref)

    @staticmethod
    def _refuse_if_used(txn: Transaction, machine: cloud.Machine) -> None:
        for record in txn.machines():
            if record.instance_id == machine.system_id:
                raise EngineError(
                    f'{machine.hostname} is machine {record.id} of the model; '
                    f'remove it with "olm remove-machine {record.id}"'
                )

    def pool_machine(self, ref: str) -> cloud.Machine:
        """One pool machine by hostname or system id.

        Raises:
            cloud.MachineNotFoundError: if the pool has no such machine.
        """
        with self.store.snapshot() as txn:
            return txn.pool.get(ref)

    # -- simulation faults ---------------------------------------------------------------

    def inject_fault(
        self,
        program: str,
        kind: sim.FaultKind,
        *,
        machine: str | None = None,
        match: Sequence[str] = (),
        returncode: int = 1,
        stderr: str = '',
        delay: float = 0.0,
    ) -> sim.Fault:
        """Arm a fault on the simulated machines (see :mod:`orchestrator.sim.faults`).

        The program :data:`DEPLOY_FAULT` with the hostname as ``match`` fails the MAAS
        deployment of that pool machine instead.

        Raises:
            EngineError: for a fault that makes no sense (a slow fault without a delay ...).
        """
        with self.store.transaction() as txn:
            world = self._shared_world(txn)
            try:
                fault = world.faults.inject(
                    program, kind, machine=machine, match=match, returncode=returncode,
                    stderr=stderr, delay=delay,
                )  # fmt: skip
            except (TypeError, ValueError) as error:
                raise EngineError(f'cannot inject fault: {error}') from None
            txn.put_records('sim-shared', [('', world.dump_shared())])
            return fault

    def faults(self) -> list[sim.Fault]:
        """The armed faults, in the order they were injected."""
        with self.store.snapshot() as txn:
            return list(self._shared_world(txn).faults)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        with self.store.transaction() as txn:
            world = self._shared_world(txn)
            world.faults.clear()
            txn.put_records('sim-shared', [('', world.dump_shared())])

    def _shared_world(self, txn: Transaction) -> sim.World:
        """A World holding only the shared facts and faults (no machine is loaded)."""
        world = sim.World(clock=self.clock, sleep=self.sleep)
        shared = txn.records('sim-shared').get('')
        if shared is not None:
            world.load_shared(shared)
        return world

    # -- storage pools -------------------------------------------------------------------

    def storage_pools(self) -> dict[str, juju_storage.StoragePool]:
        """The model's storage pools, the built-in ones included (``juju storage-pools``)."""
        with self.store.snapshot() as txn:
            return self._storage_pools(txn)

    def create_storage_pool(
        self, name: str, provider: str, attrs: Mapping[str, str]
    ) -> juju_storage.StoragePool:
        """``juju create-storage-pool NAME PROVIDER [k=v ...]``.

        Raises:
            juju_storage.StorageError: for a bad name or provider, or a name already taken.
        """
        pool = juju_storage.StoragePool.create(name, provider, attrs)
        with self.store.transaction() as txn:
            known = self._storage_pools(txn)
            if name in known:
                raise juju_storage.StorageError(f'pool "{name}" already exists')
            self._put_storage_pools(txn, [*known.values(), pool])
        return pool

    @staticmethod
    def _storage_pools(txn: Transaction) -> dict[str, juju_storage.StoragePool]:
        """Built-in, then the cloud's (pool files), then the model's own pools."""
        pools = dict(juju_storage.BUILTIN_POOLS)
        pools.update(Engine._cloud_storage_pools(txn))
        pools.update(_decode_pools(txn.get_setting('storage-pools')))
        return pools

    @staticmethod
    def _cloud_storage_pools(txn: Transaction) -> dict[str, juju_storage.StoragePool]:
        return _decode_pools(txn.get_cloud_setting('storage-pools'))

    @staticmethod
    def _put_storage_pools(txn: Transaction, pools: Iterable[juju_storage.StoragePool]) -> None:
        shared = {*juju_storage.BUILTIN_POOLS, *Engine._cloud_storage_pools(txn)}
        created = {p.name: p.to_json() for p in pools if p.name not in shared}
        txn.set_setting('storage-pools', json.dumps(created, sort_keys=True))

    # -- model constraints ---------------------------------------------------------------

    def model_constraints(self) -> juju_constraints.Constraints:
        """The model's constraints (``juju model-constraints``)."""
        with self.store.snapshot() as txn:
            return self._model_constraints(txn)

    def set_model_constraints(self, constraints: juju_constraints.Constraints) -> None:
        """Replace the model's constraints entirely, as ``juju set-model-constraints`` does."""
        with self.store.transaction() as txn:
            txn.set_setting('model-constraints', str(constraints))

    @staticmethod
    def _model_constraints(txn: Transaction) -> juju_constraints.Constraints:
        return juju_constraints.parse(txn.get_setting('model-constraints'))

    # -- machines ------------------------------------------------------------------------

    def machines(self) -> list[model.Machine]:
        """The model's machines, by number."""
        with self.store.snapshot() as txn:
            return txn.machines()

    def add_machines(
        self,
        count: int = 1,
        constraints: juju_constraints.Constraints | None = None,
        placement: str | None = None,
    ) -> list[model.Machine]:
        """Provision ``count`` machines from the pool, all or none (``juju add-machine``).

        Each machine gets the machine constraints merged over the model's, goes to the zone
        holding the fewest of the model's machines, is allocated and deployed in MAAS, and is
        recorded with the next machine number.

        Raises:
            EngineError: for a bad count or placement.
            cloud.CloudError: when the pool cannot satisfy the request (nothing changes).
        """
        if count < 1:
            raise EngineError(f'number of machines must be a positive integer, got {count}')
        if placement and '=' not in placement and count > 1:
            raise EngineError(f'cannot add {count} machines to one named machine "{placement}"')
        asked = constraints or juju_constraints.Constraints()
        with self.store.transaction() as txn:
            merged = juju_constraints.merge(self._model_constraints(txn), asked)
            existing = [m.instance_id for m in txn.machines()]
            picked = txn.pool.allocate(merged, count, placement, spread=existing, owner=self.owner)
            added: list[model.Machine] = []
            for machine in picked:
                deployed = txn.pool.deploy(machine.system_id, owner=self.owner)
                record = model.Machine(
                    id=str(txn.next_sequence('machine')),
                    instance_id=deployed.system_id,
                    hostname=deployed.hostname,
                    address=deployed.address,
                    zone=deployed.zone,
                    hardware=hardware_text(deployed),
                    constraints=str(merged),
                    status='started',
                    message=deployed.status.label,
                    addresses=bindings.addresses_of(deployed),
                )
                txn.put_machine(record)
                added.append(record)
            return added

    def remove_machines(
        self, ids: Sequence[str], *, keep_instance: bool = False, erase: bool = False
    ) -> list[tuple[model.Machine, cloud.Machine | None]]:
        """Remove machines from the model and release them to the pool (``juju remove-machine``).

        Every id is checked before anything changes.

        Raises:
            EngineError: ``machine <id> not found`` for an unknown id.
        """
        if not ids:
            raise EngineError('no machines specified')
        with self.store.transaction() as txn:
            known = {m.id: m for m in txn.machines()}
            hosted: dict[str, list[str]] = {}
            for name, unit in txn.records('unit').items():
                hosted.setdefault(str(unit['machine']), []).append(name)
            for machine_id in ids:
                if machine_id not in known:
                    raise EngineError(f'machine {machine_id} not found')
                if machine_id in hosted:
                    units = ', '.join(f'"{u}"' for u in sorted(hosted[machine_id]))
                    raise EngineError(
                        f'machine {machine_id} is hosting units {units}: remove them first'
                    )
            removed: list[tuple[model.Machine, cloud.Machine | None]] = []
            for machine_id in dict.fromkeys(ids):
                record = known[machine_id]
                released = None
                if not keep_instance:
                    released = txn.pool.release(record.instance_id, erase=erase,
                                                comment='Released by olm')  # fmt: skip
                removed.append((record, released))
            txn.delete_machines(m.id for m, _ in removed)
            return removed

    # -- applications, units, relations: each change validated, committed, then settled --

    def deploy(
        self,
        ref: str,
        *,
        application: str | None = None,
        num_units: int = 1,
        to: Sequence[str] = (),
        constraints: str = '',
        config: Mapping[str, object] | None = None,
        overlays: Sequence[str | os.PathLike[str]] = (),
        offers_dir: str | os.PathLike[str] | None = None,
        dry_run: bool = False,
        settle: bool = True,
        trust: bool = False,
        base: str | None = None,
        storage: Mapping[str, str] | None = None,
        bind: str = '',
    ) -> DeployReport:
        """``juju deploy`` of a bundle file or of one charm (a path or a name under charms/).

        ``trust``, ``base`` and ``storage`` (store name -> ``POOL,COUNT,SIZE``) are the charm
        forms of the bundle's fields of the same names; ``bind`` is Juju's ``--bind``
        expression (``[default-space] [endpoint=space ...]``).

        Raises:
            EngineError, juju_bundle.BundleError, charmspec.CharmSpecError: for bad input
                (nothing changes).
            cloud.CloudError: when the pool cannot provide the machines (nothing changes).
        """
        path = Path(ref).expanduser()
        if path.is_file():
            if bind:
                raise EngineError(
                    'options provided but not supported when deploying a bundle: --bind'
                )
            return self._deploy_bundle(path, overlays, offers_dir, dry_run=dry_run, settle=settle)
        if overlays:
            raise EngineError('flags provided but not supported when deploying a charm: --overlay')
        try:
            bind_map = bindings.parse_bind(bind)
        except bindings.BindingError as error:
            raise EngineError(str(error)) from None
        if num_units < 0:
            raise EngineError(f'--num-units must be a positive integer, got {num_units}')
        charm_path = charmspec.resolve(ref, charms_dir=self.charms_dir, base_dir=Path.cwd())
        spec = charmspec.load(charm_path)
        name = application or spec.name
        _check_application_name(name)
        options = spec.parse_config(dict(config or {}), source=name)
        if base is not None and not re.fullmatch(r'[a-z]+@\d+(\.\d+)?', base):
            raise EngineError(f'invalid base "{base}": expected NAME@CHANNEL, e.g. ubuntu@24.04')
        for store, directive in (storage or {}).items():
            if store not in spec.storage:
                raise EngineError(f'charm "{spec.name}" has no store called "{store}"')
            try:
                juju_storage.parse_directive(directive)
            except juju_storage.StorageError as error:
                raise EngineError(f'--storage {store}={directive}: {error}') from None
        asked = juju_constraints.parse(constraints)
        placements = [juju_bundle.parse_placement(t) for t in to]
        report = DeployReport(changes=[f'Located local charm "{spec.name}" at {charm_path}'])
        report.changes.append(f'- deploy application {name} from {charm_path}')
        if dry_run:
            report.changes.append(f'- add {num_units} unit(s) of {name}')
            return report
        with self._session() as s:
            if name in s.model.applications or name in s.model.remote_applications:
                raise EngineError(f'cannot add application "{name}": application already exists')
            with s.transaction() as txn:
                app = self._add_application(
                    s, txn, name=name, charm=ref, spec=spec, options=options,
                    constraints=str(asked), bind=bind_map,
                )  # fmt: skip
                app.trust, app.base = trust, base or app.base
                app.storage = dict(storage or {})
                units = self._add_units(s, txn, app, num_units, placements, asked)
            report.changes += [f'- add unit {u.name} to machine {u.machine}' for u in units]
            report.machines = list(s.provisioned)
            if settle:
                report.settle = self._settle(s)
        return report

    def _deploy_bundle(
        self,
        path: Path,
        overlays: Sequence[str | os.PathLike[str]],
        offers_dir: str | os.PathLike[str] | None,
        *,
        dry_run: bool,
        settle: bool,
    ) -> DeployReport:
        data = juju_bundle.load(
            path,
            overlays=[Path(o) for o in overlays],
            charms_dir=self.charms_dir,
            offers_dir=None if offers_dir is None else Path(offers_dir),
        )
        report = DeployReport(warnings=list(data.warnings))
        report.changes.append(f'Located bundle "{path}"')
        for name, saas in data.saas.items():
            report.changes.append(f'- add consumed offer {name} from {saas.url} (simulated)')
        for key in data.machines:
            report.changes.append(f'- add new machine for bundle machine "{key}"')
        for name, app in data.applications.items():
            report.changes.append(f'- deploy application {name} from {app.charm_path}')
            if app.options:
                report.changes.append(f'- set application options for {name}')
            report.changes.append(f'- add {app.num_units} unit(s) of {name}')
            if app.expose:
                report.changes.append(f'- expose all endpoints of {name}')
        for relation in data.relations:
            report.changes.append(
                f'- add relation {relation.provider.application}:{relation.provider.endpoint} '
                f'- {relation.requirer.application}:{relation.requirer.endpoint}'
            )
        if dry_run:
            return report
        with self._session() as s:
            for name, app_spec in data.applications.items():
                existing = s.model.applications.get(name)
                if existing is not None and Path(existing.charm_path) != app_spec.charm_path:
                    raise EngineError(
                        f'cannot deploy bundle: application "{name}" already exists with '
                        f'charm {existing.charm_path}'
                    )
            with s.transaction() as txn:
                for name, saas in data.saas.items():
                    if name not in s.model.remote_applications:
                        self._add_remote_application(s, name, saas)
                bundle_machines: dict[str, str] = {}
                for key, machine in data.machines.items():
                    record = self._provision(
                        s, txn, juju_constraints.parse(machine.constraints), count=1, spread=[]
                    )[0]
                    bundle_machines[key] = record.id
                for name, app_spec in data.applications.items():
                    app = s.model.applications.get(name)
                    if app is None:
                        app = self._add_application(
                            s, txn, name=name, charm=app_spec.charm, spec=app_spec.spec,
                            options=dict(app_spec.options), constraints=app_spec.constraints,
                            bundle_app=app_spec,
                        )  # fmt: skip
                # Units after every application exists: placements may name other units.
                for name, app_spec in data.applications.items():
                    app = s.model.applications[name]
                    have = len([u for u in s.model.units_of(name) if u.life == 'alive'])
                    wanted: Sequence[juju_bundle.Placement] = (
                        app_spec.placements[have:] if have < app_spec.num_units else ()
                    )
                    placements = [_bundle_target(p, bundle_machines) for p in wanted]
                    units = self._add_units(
                        s, txn, app, len(placements), placements,
                        juju_constraints.parse(app_spec.constraints),
                    )  # fmt: skip
                    report.changes += [f'- unit {u.name} on machine {u.machine}' for u in units]
                for relation in data.relations:
                    endpoints = (
                        f'{relation.provider.application}:{relation.provider.endpoint}',
                        f'{relation.requirer.application}:{relation.requirer.endpoint}',
                    )
                    if _find_relation(s.model, *endpoints) is None:
                        self._add_relation(s, txn, relation)
            report.machines = list(s.provisioned)
            if settle:
                report.settle = self._settle(s)
        return report

    def plan(
        self,
        path: str | os.PathLike[str],
        *,
        overlays: Sequence[str | os.PathLike[str]] = (),
        offers_dir: str | os.PathLike[str] | None = None,
    ) -> plan.Plan:
        """Where a bundle's new units would land on the pool as it stands; nothing changes.

        Raises:
            juju_bundle.BundleError, charmspec.CharmSpecError, EngineError: for bad input.
        """
        data = juju_bundle.load(
            Path(path),
            overlays=[Path(o) for o in overlays],
            charms_dir=self.charms_dir,
            offers_dir=None if offers_dir is None else Path(offers_dir),
        )
        with self.store.snapshot() as txn:
            scratch = cloud.Pool(list(txn.pool), network=txn.pool.network)
            machines = {m.id: m.instance_id for m in txn.machines()}
            existing: dict[str, list[str]] = {}
            for record in txn.records('unit').values():
                unit = model.Unit.from_data(record)
                if unit.life == 'alive' and unit.machine in machines:
                    existing.setdefault(unit.application, []).append(machines[unit.machine])
            try:
                return plan.make(
                    data,
                    scratch,
                    model_constraints=self._model_constraints(txn),
                    storage_pools=self._storage_pools(txn),
                    existing=existing,
                )
            except juju_storage.StorageError as error:
                raise EngineError(f'cannot plan bundle: {error}') from None

    def add_unit(
        self,
        application: str,
        count: int = 1,
        *,
        to: Sequence[str] = (),
        constraints: str = '',
        settle: bool = True,
    ) -> AddUnitReport:
        """``juju add-unit``; ``constraints`` is olm's extension (see DESIGN.md).

        Returns the new units, the machines started for them (and why each was chosen), and
        the settle.

        Raises:
            EngineError: for bad input or a machine that could not be started (nothing
                changes).
            cloud.CloudError: when the pool has too few matches (nothing changes).
        """
        if count < 1:
            raise EngineError(f'--num-units must be a positive integer, got {count}')
        asked = juju_constraints.parse(constraints)
        placements = [juju_bundle.parse_placement(t) for t in to]
        warnings: list[str] = []
        if len(placements) > count:
            # Juju's add-unit warns and goes on with the first directives.
            warnings.append(
                f'{count} unit(s) will be deployed, extra placement directives will be ignored'
            )
            placements = placements[:count]
        with self._session() as s:
            app = self._application(s.model, application)
            with s.transaction() as txn:
                # _add_units merges the model's and the application's constraints under these.
                units = self._add_units(s, txn, app, count, placements, asked)
            report = AddUnitReport(
                units=[u.name for u in units], machines=list(s.provisioned), warnings=warnings
            )
            if settle:
                report.settle = self._settle(s)
            return report

    def remove_unit(self, names: Sequence[str], *, settle: bool = True) -> None:
        """``juju remove-unit``: each unit departs its relations, stops and is removed."""
        if not names:
            raise EngineError('no units specified')
        with self._session() as s:
            for name in names:
                if name not in s.model.units:
                    raise EngineError(f'removing unit {name} failed: unit "{name}" does not exist')
            with s.transaction():
                for name in names:
                    self._mark_dying(s, s.model.units[name])
            if settle:
                self._settle(s)

    def remove_application(self, names: Sequence[str], *, settle: bool = True) -> None:
        """``juju remove-application``: all its units and relations go, then the application."""
        if not names:
            raise EngineError('no application specified')
        with self._session() as s:
            for name in names:
                if name not in s.model.applications and name not in s.model.remote_applications:
                    raise EngineError(
                        f'removing application {name} failed: application "{name}" not found'
                    )
            with s.transaction():
                for name in names:
                    if name in s.model.remote_applications:
                        self._remove_remote(s, name)
                        continue
                    app = s.model.applications[name]
                    app.life = 'dying'
                    s.model.touch('application', name)
                    for relation in s.model.relations_of(name):
                        self._relation_dying(s, relation)
                    for unit in s.model.units_of(name):
                        self._mark_dying(s, unit)
                    if not s.model.units_of(name):
                        commit.remove_application_record(s.model, app)
            if settle:
                self._settle(s)

    def integrate(self, a: str, b: str, *, settle: bool = True) -> str:
        """``juju integrate``: relate two applications; returns the relation's key."""
        with self._session() as s:
            relation_spec = juju_bundle.resolve_endpoints(a, b, self._endpoints(s.model))
            key = (
                f'{relation_spec.provider.application}:{relation_spec.provider.endpoint} '
                f'{relation_spec.requirer.application}:{relation_spec.requirer.endpoint}'
            )
            found = _find_relation(s.model, *key.split())
            if found is not None:
                raise EngineError(f'cannot add relation "{key}": relation {key} already exists')
            with s.transaction() as txn:
                relation = self._add_relation(s, txn, relation_spec)
            if settle:
                self._settle(s)
            return relation.key()

    def remove_relation(self, a: str, b: str, *, settle: bool = True) -> str:
        """``juju remove-relation``: both sides depart, then run ``relation-broken``."""
        with self._session() as s:
            relation = _find_relation(s.model, a, b)
            if relation is None:
                raise EngineError(f'relation "{a} {b}" not found')
            if relation.life == 'dying':
                raise EngineError(f'relation "{relation.key()}" is already being removed')
            key = relation.key()
            with s.transaction():
                self._relation_dying(s, relation)
            if settle:
                self._settle(s)
            return key

    def config(self, application: str) -> dict[str, dict[str, Any]]:
        """``juju config APP``: every option with its value, default and source."""
        with self.store.snapshot() as txn:
            m = self._load_model(txn)
        app = self._application(m, application)
        spec = self._spec(app)
        settings: dict[str, dict[str, Any]] = {}
        for name, option in sorted(spec.config.items()):
            entry: dict[str, Any] = {'type': option.type, 'description': option.description}
            if name in app.config:
                entry.update(value=app.config[name], source='user')
            elif option.default is not None:
                entry.update(value=option.default, source='default')
            else:
                entry['source'] = 'unset'
            if option.default is not None:
                entry['default'] = option.default
            settings[name] = entry
        return settings

    def set_config(
        self,
        application: str,
        values: Mapping[str, object],
        *,
        reset: Sequence[str] = (),
        settle: bool = True,
    ) -> bool:
        """``juju config APP k=v ... [--reset k,...]``; returns whether anything changed.

        A reset option goes back to the charm's default. A change makes every unit of the
        application run ``config-changed``.
        """
        with self._session() as s:
            app = self._application(s.model, application)
            spec = self._spec(app)
            parsed = spec.parse_config(dict(values), source=application)
            spec.parse_config(dict.fromkeys(reset), source=application)  # known options only
            merged = {k: v for k, v in {**app.config, **parsed}.items() if k not in reset}
            if merged == app.config:
                return False
            with s.transaction():
                app.config = merged
                app.config_version += 1
                s.model.touch('application', app.name)
                s.candidates |= {u.name for u in s.model.units_of(app.name)}
            if settle:
                self._settle(s)
            return True

    def refresh(self, application: str, *, path: str | None = None, settle: bool = True) -> None:
        """``juju refresh [--path PATH]`` of a local charm: upgrade every unit to it.

        Without ``path`` the application's charm directory is read again. Each unit runs
        ``upgrade-charm`` and then ``config-changed``, as Juju's uniter queues.

        Raises:
            EngineError: the charm at ``path`` is another charm (Juju keeps the charm's name).
        """
        with self._session() as s:
            app = self._application(s.model, application)
            charm_path = (
                Path(app.charm_path)
                if path is None
                else charmspec.resolve(path, charms_dir=self.charms_dir, base_dir=Path.cwd())
            )
            spec = charmspec.load(charm_path)
            if spec.name != app.charm_name:
                raise EngineError(
                    f'cannot refresh "{app.name}" to charm "{spec.name}": its charm is '
                    f'"{app.charm_name}", and a refresh cannot change the charm\'s name'
                )
            with s.transaction():
                app.charm_path = str(spec.path)
                self._specs[app.charm_path] = spec
                app.charm_version += 1
                s.model.touch('application', app.name)
                s.candidates |= {u.name for u in s.model.units_of(app.name)}
            if settle:
                self._settle(s)

    def set_trust(self, application: str, trusted: bool) -> None:
        """``juju trust [--remove]``: trust is application config, so units see config-changed.

        olm has no cloud credential to hand a trusted charm; the flag is kept and shown as
        Juju keeps it.
        """
        with self._session() as s:
            app = self._application(s.model, application)
            if app.trust == trusted:
                return
            with s.transaction():
                app.trust = trusted
                app.config_version += 1
                s.model.touch('application', app.name)
                s.candidates |= {u.name for u in s.model.units_of(app.name)}
            self._settle(s)

    def set_constraints(self, application: str, constraints: str) -> None:
        """``juju set-constraints``: replace the application's constraints for future units."""
        parsed = juju_constraints.parse(constraints)
        with self._session() as s:
            app = self._application(s.model, application)
            with s.transaction():
                app.constraints = str(parsed)
                s.model.touch('application', app.name)

    def constraints(self, application: str) -> str:
        """``juju constraints APP``."""
        with self.store.snapshot() as txn:
            return self._application(self._load_model(txn), application).constraints

    def run_action(
        self, unit_name: str, action: str, params: Mapping[str, object]
    ) -> model.Action:
        """``juju run UNIT ACTION k=v``: queue the action, settle, return its outcome."""
        with self._session() as s:
            unit = self._unit(s.model, unit_name)
            unit_name = unit.name
            spec = self._spec(s.model.applications[unit.application])
            if action not in spec.actions:
                raise EngineError(f'action "{action}" not defined on unit "{unit_name}"')
            checked = spec.validate_action(action, params, unit=unit_name)
            with s.transaction() as txn:
                record = model.Action(
                    id=str(txn.next_sequence('action')),
                    unit=unit_name,
                    name=action,
                    params=dict(checked),
                    enqueued=self.clock(),
                )
                s.model.actions[record.id] = record
                s.model.touch('action', record.id)
                unit.progress.actions.append(record.id)
                s.model.touch('unit', unit_name)
                s.candidates.add(unit_name)
            self._settle(s)
            return s.model.actions[record.id]

    def resolve(self, names: Sequence[str], *, no_retry: bool = False) -> None:
        """``juju resolve [--no-retry]``: retry the failed hook now, or skip it.

        Skipping still commits the hook's progress (Juju's ``skip`` operation), so a unit
        stuck in ``install`` goes on to ``config-changed`` and ``start``.
        """
        if not names:
            raise EngineError('no units specified')
        with self._session() as s:
            for name in names:
                unit = s.model.units.get(name)
                if unit is None:
                    raise EngineError(f'unit "{name}" not found')
                if unit.progress.failure is None:
                    raise EngineError(f'unit "{name}" is not in an error state')
            with s.transaction():
                for name in names:
                    unit = s.model.units[name]
                    failure = unit.progress.failure
                    assert failure is not None
                    if no_retry:
                        self._skip(s, unit, Hook.from_data(failure.event))
                    else:
                        failure.retry_at = 0.0
                    s.model.touch('unit', name)
                    s.candidates.add(name)
            self._settle(s, retry_units=set(names))

    def update_status(self, targets: Sequence[str] = ()) -> None:
        """Run ``update-status`` on units (all, or those of the named applications/units)."""
        with self._session() as s:
            units = self._targets(s.model, targets)
            with s.transaction():
                for unit in units:
                    unit.progress.update_status = True
                    s.model.touch('unit', unit.name)
                    s.candidates.add(unit.name)
            self._settle(s)

    def settle(self) -> SettleResult:
        """Run every unit's due hooks once through, as a change command does after its change.

        Unlike :meth:`wait`, a unit in error is reported in the result, not raised, and its
        retry is left for later.
        """
        with self._session() as s:
            return self._settle(s)

    def wait(self, *, timeout: float = 600.0, stop_on_error: bool = True) -> SettleResult:
        """Settle until nothing is left to do; hooks in error are retried when due.

        Raises:
            EngineError: a unit is in error (with ``stop_on_error``), or the timeout passed.
        """
        deadline = self.clock() + timeout
        total = SettleResult()
        with self._session() as s:
            s.candidates |= set(s.model.units)
            while True:
                result = self._settle(s)
                total.hooks += result.hooks
                total.seed = result.seed
                failing = sorted(
                    (u for u in s.model.units.values() if u.progress.failure is not None),
                    key=lambda u: model.natural_key(u.name),
                )
                if failing and stop_on_error:
                    lines = [f'{u.name}: {u.agent.message}' for u in failing]
                    raise EngineError('units in error: ' + '; '.join(lines))
                if not failing:
                    total.settled = True
                    return total
                due = min(u.progress.failure.retry_at for u in failing if u.progress.failure)
                if due > deadline or self.clock() >= deadline:
                    raise EngineError(
                        f'timed out after {timeout:g}s; still in error: '
                        + ', '.join(u.name for u in failing)
                    )
                self.sleep(max(0.0, due - self.clock()))
                s.candidates |= {u.name for u in failing}

    def status_view(self) -> StatusData:
        """Everything ``olm status`` shows, read in one snapshot."""
        with self.store.snapshot() as txn:
            m = self._load_model(txn)
        revisions = {name: app.charm_version for name, app in m.applications.items()}
        return StatusData(model=m, charm_revisions=revisions)

    def debug_log(self, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        """The event trace (``olm debug-log``)."""
        with self.store.snapshot() as txn:
            return txn.log(after=after, limit=limit)

    # -- the model itself (olm's controller holds many) ----------------------------------

    def destroy_model(self, *, force: bool = False) -> list[model.Machine]:
        """``juju destroy-model``: tear the model down and release its machines to the pool.

        Every application is removed first, so each unit runs its teardown hooks (departing
        its relations, ``stop``, ``remove``) as under Juju. A unit whose teardown fails keeps
        the model alive unless ``force``, as Juju's ``--force`` skips what cannot finish.

        Returns:
            The model's machines, all released to the pool by the end.

        Raises:
            EngineError: a unit could not be torn down (without ``force``).
        """
        with self.store.snapshot() as txn:
            m = self._load_model(txn)
        machines = sorted(m.machines.values(), key=lambda x: int(x.id))
        names = sorted([*m.applications, *m.remote_applications])
        if names:
            self.remove_application(names)
            with self.store.snapshot() as txn:
                m = self._load_model(txn)
            stuck = sorted(m.units, key=model.natural_key)
            if stuck and not force:
                raise EngineError(
                    f'cannot destroy model "{m.name}": units still being removed: '
                    + ', '.join(f'{u} ({m.units[u].agent.message or m.units[u].agent.current})'
                                for u in stuck)
                    + '; resolve them, or use --force'
                )  # fmt: skip
        with self.store.exclusive(), self.store.transaction() as txn:
            for machine in txn.machines():
                txn.pool.release(machine.instance_id, comment='Released by olm (model destroyed)')
            txn.delete_model()
        return machines

    # -- user secrets -------------------------------------------------------------------

    def add_secret(self, name: str, content: Mapping[str, str], *, info: str | None = None) -> str:
        """``juju add-secret``: a model-owned secret; returns its URI (``secret:ID``)."""
        with self._session() as s, s.transaction():
            secret = self._secret_call(
                usersecrets.add, s.model, s.next_secret_id(), name, content,
                info=info, now=self.clock(),
            )  # fmt: skip
            return secret.id

    def grant_secret(self, ref: str, applications: Sequence[str]) -> None:
        """``juju grant-secret``: let applications' charms read a user secret."""
        with self._session() as s, s.transaction():
            secret = self._secret_call(usersecrets.find, s.model, ref)
            self._secret_call(usersecrets.grant, s.model, secret, applications)

    def update_secret(
        self,
        ref: str,
        content: Mapping[str, str] | None,
        *,
        info: str | None = None,
        name: str | None = None,
    ) -> None:
        """``juju update-secret``: a new revision; its readers run ``secret-changed``."""
        with self._session() as s:
            with s.transaction():
                secret = self._secret_call(usersecrets.find, s.model, ref)
                notify = self._secret_call(
                    usersecrets.update, s.model, secret, content, info=info, name=name,
                    now=self.clock(),
                )  # fmt: skip
                s.candidates |= notify
            self._settle(s)

    def remove_secret(self, ref: str, *, revision: int | None = None) -> None:
        """``juju remove-secret [--revision N]``."""
        with self._session() as s, s.transaction():
            secret = self._secret_call(usersecrets.find, s.model, ref)
            self._secret_call(usersecrets.remove, s.model, secret, revision)

    def secrets(self, *, owner: str | None = None) -> dict[str, Any]:
        """``juju secrets --format json``: every secret of the model, newest revision."""
        with self.store.snapshot() as txn:
            m = self._load_model(txn)
        listing: dict[str, Any] = {}
        for secret in sorted(m.secrets.values(), key=lambda x: x.id):
            entry = usersecrets.to_json(m, secret)
            if owner is None or next(iter(entry.values()))['owner'] == owner:
                listing.update(entry)
        return listing

    def show_secret(
        self, ref: str, *, reveal: bool = False, revision: int | None = None,
        revisions: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """``juju show-secret``: one secret, its content with ``reveal``."""
        with self.store.snapshot() as txn:
            m = self._load_model(txn)
        secret = self._secret_call(usersecrets.find, m, ref)
        return self._secret_call(
            usersecrets.to_json, m, secret, reveal=reveal, revision=revision, revisions=revisions
        )

    @staticmethod
    def _secret_call(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        try:
            return function(*args, **kwargs)
        except usersecrets.SecretError as e:
            raise EngineError(str(e)) from None

    # -- inspecting units and machines --------------------------------------------------

    def show_unit(self, name: str) -> dict[str, Any]:
        """``juju show-unit --format json``: the unit, with what it sees of each relation."""
        with self.store.snapshot() as txn:
            m = self._load_model(txn)
        unit = self._unit(m, name)
        return {unit.name: show.unit_info(m, unit)}

    def exec(
        self, command: str, *, unit: str | None = None, machine: str | None = None
    ) -> ExecResult:
        """``juju exec``: run a command line on a unit's (simulated) machine.

        The command runs on the simulated machine's programs and files, never on this one
        (see :mod:`orchestrator.sim.shell`). What it changes on the machine is kept.
        """
        with self._session() as s:
            if unit is not None:
                target = self._unit(s.model, unit)
                machine_id, where = target.machine, target.name
            else:
                assert machine is not None
                if machine not in s.model.machines:
                    raise EngineError(f'machine {machine} not found')
                machine_id, where = machine, f'machine-{machine}'
            try:
                host = s.world.host(machine_id)
            except sim.UnknownMachineError:
                raise EngineError(f'machine {machine_id} is not provisioned yet') from None
            with s.transaction(machines={machine_id}) as txn:
                result = sim.run_command_line(host, command)
                task = str(txn.next_sequence('action'))
                outcome = 'ok' if result.returncode == 0 else f'exit {result.returncode}'
                s.log.append(LogEntry(0, self.clock(), where, 'exec', outcome, command))
            return ExecResult(
                id=task, target=where, returncode=result.returncode, stdout=result.stdout,
                stderr=result.stderr,
            )  # fmt: skip

    def _unit(self, m: model.Model, name: str) -> model.Unit:
        """A unit by name, ``APP/leader`` resolving to the application's leader, as Juju does."""
        app_name, _, number = name.partition('/')
        if number == 'leader' and app_name in m.applications:
            leader = m.applications[app_name].leader
            if not leader:
                raise EngineError(f'could not determine leader for "{app_name}"')
            name = leader
        unit = m.units.get(name)
        if unit is None:
            raise EngineError(f'unit "{name}" not found')
        return unit

    # -- internals: loading, committing, settling --------------------------------------------

    @contextlib.contextmanager
    def _session(self) -> Generator[_Session]:
        with self.store.exclusive():
            with self.store.snapshot() as txn:
                m = self._load_model(txn)
                world = self._shared_world(txn)
                for machine_id, data in txn.records('sim-machine').items():
                    world.load_machine(machine_id, data)
                secret_sequence = int(txn.get_setting('secret-sequence', '0'))
            # The model lives as long as the session: keep the collector from re-scanning it
            # (a full collection costs time in proportion to the model). Thawed afterwards,
            # or every session of a long-lived process would leave its model frozen forever.
            freezing = gc.get_freeze_count() == 0
            if freezing:
                gc.collect()
                gc.freeze()
            try:
                session = _Session(self.store, m, world, secret_sequence)
                session.saved_machines = {mid: world.dump_machine(mid) for mid in world.machines}
                session.saved_versions = {mid: world.host(mid).version for mid in world.machines}
                session.saved_shared = world.dump_shared()
                session.candidates |= set(m.units)
                yield session
            finally:
                if freezing:
                    gc.unfreeze()

    @staticmethod
    def _load_model(txn: Transaction) -> model.Model:
        records = {kind: txn.records(kind) for kind in model.Model.KINDS}
        return model.Model.from_records(
            records, txn.machines(), name=txn.model, uuid=txn.model_uuid
        )

    def _settle(self, s: _Session, *, retry_units: set[str] | None = None) -> SettleResult:
        """Run hooks until no unit has anything to do now; one transaction per hook."""
        seed = self.seed if self.seed is not None else random.SystemRandom().randrange(2**32)
        rng = random.Random(seed)
        failed: set[str] = set()
        result = SettleResult(seed=seed)
        candidates = s.candidates
        seeded_ids = _compat.seeded_secret_ids(s.next_secret_id)
        seeded_ids.__enter__()
        # Each hook makes thousands of objects, many in reference cycles (ops' framework, charm
        # and model refer to each other), all garbage once the hook is committed. Automatic
        # collections strike mid-hook, promote that garbage to the oldest generation and then
        # re-scan the whole heap for it. One young collection after each hook finds it while
        # it is young and cheap to find.
        automatic = gc.isenabled()
        gc.disable()
        ran: collections.Counter[str] = collections.Counter()
        limit = LOOP_HOOKS_BASE + LOOP_HOOKS_PER_UNIT * len(s.model.units)
        try:
            while candidates:
                name = candidates.choice(rng)
                unit = s.model.units.get(name)
                hook = None
                if unit is not None and name not in failed:
                    retry = self.retry.automatic or name in (retry_units or ())
                    hook = resolver.next_hook(s.model, unit, now=self.clock(), retry=retry)
                if unit is None or hook is None:
                    candidates.discard(name)
                    continue
                ok, affected = self._run_one(s, unit, hook)
                gc.collect(1)
                result.hooks += 1
                if not ok:
                    failed.add(name)
                    result.errors.append(name)
                candidates |= {n for n in affected if n in s.model.units}
                if self.progress is not None:
                    self.progress(f'{name}: {hook.describe()}{"" if ok else " (failed)"}')
                ran[name] += 1
                if ran[name] > limit:
                    raise EngineError(
                        f'stopped settling: {name} ran {ran[name]} hooks in this settle (the '
                        f'last: {hook.describe()}), more than a model of '
                        f'{len(s.model.units)} units explains: its charm, or one it relates '
                        'to, looks caught in a hook loop (see olm debug-log); every hook run '
                        'so far is committed'
                    )
        finally:
            seeded_ids.__exit__(None, None, None)
            if automatic:
                gc.enable()
        result.settled = not any(u.progress.failure for u in s.model.units.values())
        return result

    def _run_one(self, s: _Session, unit: model.Unit, hook: Hook) -> tuple[bool, set[str]]:
        m = s.model
        spec = self._spec(m.applications[unit.application])
        host = self._host(s, unit.machine)
        fault = s.world.faults.take_failure(HOOK_FAULT, unit.machine, [hook.juju_name])
        if fault is None:
            outcome = self.hook_runner.run(m, unit, hook, spec, host)
        else:
            error = fault.stderr or HOOK_FAULT_ERROR
            outcome = runner.Outcome(ok=False, state_in=_compat.empty_state(), error=error)
        now = self.clock()
        with s.transaction(machines={unit.machine}) as txn:
            if outcome.ok:
                affected = commit.apply_success(m, unit, hook, outcome, now=now)
                result = 'ok' if outcome.action_failure is None else 'action failed'
                detail = outcome.action_failure or ''
            else:
                affected = commit.apply_failure(
                    m, unit, hook, outcome.error, now=now, retry=self.retry
                )
                result = 'failed' if hook.kind != 'action' else 'action failed'
                detail = f'{outcome.error}\n{outcome.traceback}'.rstrip()
            logs = '\n'.join(f'{level} {message}' for level, message in outcome.logs)
            if logs:
                detail = f'{detail}\n{logs}'.strip()
            s.log.append(LogEntry(0, now, unit.name, hook.describe(), result, detail))
            if hook.kind == 'remove' and outcome.ok:
                self._release_unit_machine(s, txn, unit)
        return outcome.ok, affected

    def _skip(self, s: _Session, unit: model.Unit, hook: Hook) -> None:
        """Commit a failed hook's progress without running it (``resolve --no-retry``)."""
        spec = self._spec(s.model.applications[unit.application])
        projected = runner.project(s.model, unit, hook, spec)
        outcome = runner.Outcome(ok=True, state_in=projected, state_out=projected)
        if hook.kind == 'action':
            unit.progress.failure = None
            return
        commit.apply_success(s.model, unit, hook, outcome, now=self.clock())
        unit.progress.failure = None
        s.log.append(LogEntry(0, self.clock(), unit.name, hook.describe(), 'skipped', ''))

    def _host(self, s: _Session, machine_id: str) -> sim.SimHost:
        try:
            return s.world.host(machine_id)
        except KeyError:
            machine = s.model.machines[machine_id]
            with s.store.snapshot() as txn:
                try:
                    deployed = txn.pool.get(machine.instance_id)
                except cloud.MachineNotFoundError:  # a machine the pool no longer lists
                    return s.world.add_machine(
                        machine_id, hostname=machine.hostname, addresses=[machine.address]
                    )
            return _add_sim_machine(s.world, machine_id, deployed)

    def _spec(self, app: model.Application) -> charmspec.CharmSpec:
        spec = self._specs.get(app.charm_path)
        if spec is None:
            spec = charmspec.load(Path(app.charm_path))
            self._specs[app.charm_path] = spec
        return spec

    @staticmethod
    def _application(m: model.Model, name: str) -> model.Application:
        app = m.applications.get(name)
        if app is None:
            raise EngineError(f'application "{name}" not found')
        return app

    def _targets(self, m: model.Model, targets: Sequence[str]) -> list[model.Unit]:
        if not targets:
            return sorted(m.units.values(), key=lambda u: model.natural_key(u.name))
        units: list[model.Unit] = []
        for target in targets:
            if '/' in target:
                if target not in m.units:
                    raise EngineError(f'unit "{target}" not found')
                units.append(m.units[target])
            else:
                units += m.units_of(self._application(m, target).name)
        return units

    def _endpoints(self, m: model.Model) -> dict[str, dict[str, charmspec.Endpoint]]:
        endpoints: dict[str, dict[str, charmspec.Endpoint]] = {
            name: dict(self._spec(app).endpoints) for name, app in m.applications.items()
        }
        for name, remote in m.remote_applications.items():
            endpoints[name] = {
                ep: charmspec.Endpoint(name=ep, role=role, interface=interface)  # pyright: ignore[reportArgumentType]
                for ep, (role, interface) in remote.endpoints.items()
            }
        return endpoints

    def _add_application(
        self,
        s: _Session,
        txn: Transaction,
        *,
        name: str,
        charm: str,
        spec: charmspec.CharmSpec,
        options: Mapping[str, str | int | float | bool],
        constraints: str,
        bundle_app: juju_bundle.ApplicationSpec | None = None,
        bind: Mapping[str, str] | None = None,
    ) -> model.Application:
        app = model.Application(
            name=name,
            charm=charm,
            charm_path=str(spec.path),
            charm_name=spec.name,
            config=dict(options),
            constraints=constraints,
        )
        if bundle_app is not None:
            app.channel, app.revision = bundle_app.channel, bundle_app.revision
            app.base = bundle_app.base or app.base
            app.exposed, app.trust = bundle_app.expose, bundle_app.trust
            app.annotations = dict(bundle_app.annotations)
            app.storage = dict(bundle_app.storage)
            app.bindings = dict(bundle_app.bindings)
        app.bindings.update(bind or {})
        known = [space.name for space in txn.pool.network.spaces]
        try:
            bindings.validate(name, app.bindings, spec.bindable, known)
        except bindings.BindingError as error:
            raise EngineError(f'cannot add application "{name}": {error}') from None
        # Juju keeps a binding for every endpoint, the default's included, from deploy on.
        app.bindings = bindings.effective(app.bindings, spec.bindable)
        s.model.applications[name] = app
        s.model.touch('application', name)
        self._specs[app.charm_path] = spec
        for endpoint in spec.endpoints.values():
            if endpoint.role == 'peer':
                relation = model.Relation(
                    id=txn.next_sequence('relation'),
                    endpoints=[
                        model.RelationEndpoint(name, endpoint.name, 'peer', endpoint.interface)
                    ],
                )
                s.model.relations[relation.id] = relation
                s.model.touch('relation', relation.id)
        return app

    def _add_units(
        self,
        s: _Session,
        txn: Transaction,
        app: model.Application,
        count: int,
        placements: Sequence[juju_bundle.Placement | str],
        constraints: juju_constraints.Constraints,
    ) -> list[model.Unit]:
        m = s.model
        targets: list[tuple[str, bool] | None] = []
        for index in range(count):
            placement = placements[index] if index < len(placements) else None
            targets.append(self._placement_machine(m, placement))
        new_count = sum(1 for t in targets if t is None)
        spread = [m.machines[u.machine].instance_id for u in m.units_of(app.name)
                  if u.machine in m.machines]  # fmt: skip
        fresh: list[model.Machine] = []
        volumes: list[juju_storage.Volume] = []
        storage = ''
        if new_count:
            merged = juju_constraints.merge(juju_constraints.parse(app.constraints), constraints)
            merged = juju_constraints.merge(self._model_constraints(txn), merged)
            volumes = self._volumes(txn, app)
            storage = juju_storage.maas_storage(volumes, merged.root_disk)
            needed = bindings.spaces_needed(app.bindings, self._spec(app).bindable)
            fresh = self._provision(
                s, txn, merged, count=new_count, spread=spread, storage=storage, spaces=needed
            )
        units: list[model.Unit] = []
        for target in targets:
            if target is None:
                machine_id, created = fresh.pop(0).id, True
            else:
                machine_id, created = target
            unit = model.Unit(
                name=f'{app.name}/{app.next_unit}',
                application=app.name,
                machine=machine_id,
                machine_created=created,
            )
            if created and volumes:
                unit.storage = self._attach(txn, m.machines[machine_id], volumes, storage)
            app.next_unit += 1
            m.units[unit.name] = unit
            m.touch('unit', unit.name)
            units.append(unit)
            s.candidates.add(unit.name)
        m.touch('application', app.name)
        s.candidates |= commit.elect_leader(m, app)
        for relation in m.relations_of(app.name):
            s.candidates |= {u.name for u in m.relation_units(relation)}
        return units

    def _volumes(self, txn: Transaction, app: model.Application) -> list[juju_storage.Volume]:
        """The MAAS volumes one unit of ``app`` asks for (its storage directives).

        Raises:
            EngineError: for a directive Juju would refuse (unknown pool, bad count).
        """
        spec = self._spec(app)
        try:
            return juju_storage.volumes(
                spec.name, spec.storage, app.storage, self._storage_pools(txn)
            )
        except juju_storage.StorageError as error:
            raise EngineError(f'cannot add application "{app.name}": {error}') from None

    @staticmethod
    def _attach(
        txn: Transaction,
        machine: model.Machine,
        volumes: Sequence[juju_storage.Volume],
        storage: str,
    ) -> dict[str, str]:
        """Storage instances for the volumes of a unit's new machine: id -> device path.

        The disks are the ones MAAS matched to the volume labels when it allocated the machine
        (``constraints_by_type.storage``); the ids are Juju's, ``<store>/<n>`` numbered across
        the model. The path (``storage-get location``) is the disk's MAAS ``id_path``, a
        ``/dev/disk/by-id`` link for a disk with a serial, as Juju reports it (see
        :func:`orchestrator.sim.host.maas_id_path`).
        """
        from .sim.host import maas_id_path  # only the commands that deploy load the sim

        deployed = txn.pool.get(machine.instance_id)
        matched = cloud.storage.match(cloud.storage.parse(storage), deployed)
        if matched is None:  # the pool handed out this machine for these very items
            raise EngineError(f'machine {machine.id} lost the disks it was allocated for')
        disks = {d.name: d for d in _sim_disks(deployed)}
        return {
            f'{volume.store}/{txn.next_sequence(f"storage:{volume.store}")}': (
                maas_id_path(machine.hostname, disks[matched[str(index)]])
            )
            for index, volume in enumerate(volumes)
        }

    def _placement_machine(
        self, m: model.Model, placement: juju_bundle.Placement | str | None
    ) -> tuple[str, bool] | None:
        """An existing machine a placement names (machine id, created-for-unit), or None."""
        if placement is None:
            return None
        if isinstance(placement, str):
            if placement not in m.machines:
                raise EngineError(f'machine {placement} not found')
            return placement, False
        if placement.container is not None:
            raise EngineError(
                f'container placement "{placement.container}:" is not supported: '
                'olm deploys units on the metal pool machines directly'
            )
        if placement.new:
            return None
        if placement.machine is not None:
            if placement.machine not in m.machines:
                raise EngineError(f'machine {placement.machine} not found')
            return placement.machine, False
        if placement.application is not None:
            units = m.units_of(placement.application)
            unit_number = placement.unit if placement.unit is not None else 0
            for unit in units:
                if unit.number == unit_number:
                    return unit.machine, False
            raise EngineError(
                f'unit {placement.application}/{unit_number} not found for placement'
            )
        return None

    def _provision(
        self,
        s: _Session,
        txn: Transaction,
        merged: juju_constraints.Constraints,
        *,
        count: int,
        spread: Sequence[str],
        storage: str = '',
        spaces: Collection[str] = (),
    ) -> list[model.Machine]:
        """Allocate and deploy ``count`` machines from the pool and record them, all or none.

        A machine whose deployment fails (an armed ``maas-deploy`` fault in the simulation) is
        left in Failed deployment, as MAAS leaves it, and the Juju machine is started on
        another match, up to :data:`START_ATTEMPTS` machines, as Juju's provisioner retries
        ``StartInstance``. Each machine's choice is explained in ``s.provisioned``.

        Raises:
            cloud.CloudError: when the pool has too few matches (nothing changes).
        """
        picked = txn.pool.allocate(
            merged, count, None, spread=spread, owner=self.owner, storage=storage,
            bindings=spaces,
        )  # fmt: skip
        zones = collections.Counter(txn.pool.get(ref).zone for ref in spread)
        added: list[model.Machine] = []
        for machine in picked:
            machine_id = str(txn.next_sequence('machine'))
            failures: list[str] = []
            failed: list[str] = []
            deployed = self._start(s, txn, machine, failures)
            while deployed is None:
                failed.append(machine.system_id)
                if len(failures) >= START_ATTEMPTS:
                    raise EngineError(
                        f'cannot start instance for machine "{machine_id}": {failures[-1]}'
                    )
                try:
                    (machine,) = txn.pool.allocate(
                        merged, 1, None, spread=[*spread, *(m.instance_id for m in added)],
                        owner=self.owner, storage=storage, exclude=failed, bindings=spaces,
                    )  # fmt: skip
                except cloud.NoMatchError as error:
                    raise EngineError(
                        f'cannot start instance for machine "{machine_id}": {failures[-1]}; '
                        f'no other machine matches ({str(error).splitlines()[0]})'
                    ) from None
                deployed = self._start(s, txn, machine, failures)
            record = model.Machine(
                id=machine_id,
                instance_id=deployed.system_id,
                hostname=deployed.hostname,
                address=deployed.address,
                zone=deployed.zone,
                hardware=hardware_text(deployed),
                constraints=str(merged),
                status='started',
                message=deployed.status.label,
                addresses=bindings.addresses_of(deployed),
            )
            s.provisioned.append(
                Provisioned(
                    machine=record.id,
                    hostname=deployed.hostname,
                    reason=cloud.choice_reason(
                        deployed, zones, txn.pool.zones, spread=bool(spread) or count > 1
                    ),
                    failures=tuple(failures),
                )
            )
            zones[deployed.zone] += 1
            txn.put_machine(record)
            s.model.machines[record.id] = record
            _add_sim_machine(s.world, record.id, deployed)
            added.append(record)
        return added

    def _start(
        self, s: _Session, txn: Transaction, machine: cloud.Machine, failures: list[str]
    ) -> cloud.Machine | None:
        """Deploy an allocated machine; None (and a line in ``failures``) if deployment fails."""
        fault = s.world.faults.take_failure(DEPLOY_FAULT, '', [machine.hostname])
        if fault is None:
            return txn.pool.deploy(machine.system_id, owner=self.owner)
        message = fault.stderr or 'Failed deployment'
        txn.pool.deploy(machine.system_id, owner=self.owner, complete=False)
        txn.pool.fail(machine.system_id, message)
        failures.append(f'{machine.hostname}: {message}')
        return None

    def _release_unit_machine(self, s: _Session, txn: Transaction, unit: model.Unit) -> None:
        """Juju removes a machine it provisioned for a unit once the unit is gone."""
        if not unit.machine_created:
            return
        if any(u.machine == unit.machine for u in s.model.units.values()):
            return
        machine = s.model.machines.pop(unit.machine, None)
        if machine is None:
            return
        txn.pool.release(machine.instance_id, comment='Released by olm')
        txn.delete_machines([machine.id])
        s.world.remove_machine(machine.id)  # its saved state goes when the hook commits

    def _add_remote_application(self, s: _Session, name: str, saas: juju_bundle.SaasSpec) -> None:
        offer = saas.offer
        units = sorted({u for per in offer.units.values() for u in per}, key=model.natural_key)
        remote = model.RemoteApplication(
            name=name,
            url=saas.url,
            offer_path=str(offer.path),
            endpoints={ep: [e.role, e.interface] for ep, e in offer.endpoints.items()},
            units=units or [f'{name}/0'],
        )
        s.model.remote_applications[name] = remote
        s.model.touch('remote-application', name)

    def _remove_remote(self, s: _Session, name: str) -> None:
        for relation in s.model.relations_of(name):
            self._relation_dying(s, relation)
        del s.model.remote_applications[name]
        s.model.touch('remote-application', name)

    def _add_relation(
        self, s: _Session, txn: Transaction, spec: juju_bundle.RelationSpec
    ) -> model.Relation:
        m = s.model
        ends: list[model.RelationEndpoint] = []
        for ref, role in ((spec.provider, 'provider'), (spec.requirer, 'requirer')):
            ends.append(
                model.RelationEndpoint(ref.application, ref.endpoint, role, spec.interface)
            )
        relation = model.Relation(id=txn.next_sequence('relation'), endpoints=ends)
        m.relations[relation.id] = relation
        m.touch('relation', relation.id)
        for end in ends:
            remote = m.remote_applications.get(end.application)
            if remote is not None:
                self._fill_remote_side(s, relation, remote, end.name)
            else:
                s.candidates |= {u.name for u in m.units_of(end.application)}
        return relation

    def _fill_remote_side(
        self, s: _Session, relation: model.Relation, remote: model.RemoteApplication, endpoint: str
    ) -> None:
        """The offer's databags and secrets, as the remote application would have written them."""
        offer = juju_bundle.load_offer(Path(remote.offer_path), name=remote.name)
        local_app = relation.other_application(remote.name)
        secret_ids: dict[str, str] = {}
        for label, content in offer.secrets.items():
            secret_id = s.next_secret_id()
            s.model.secrets[secret_id] = model.Secret(
                id=secret_id,
                owner=remote.name,
                owner_kind='app',
                label=label,
                revisions={1: dict(content)},
                grants={relation.id: [local_app]},
            )
            s.model.touch('secret', secret_id)
            secret_ids[label] = secret_id
        app_data = offer.app_data.get(endpoint, {})
        relation.app_data[remote.name] = {
            k: offer.render(v, secret_ids) for k, v in app_data.items()
        }
        relation.app_version[remote.name] = 1
        for unit_name, data in offer.units.get(endpoint, {}).items():
            relation.unit_data[unit_name] = {
                k: offer.render(v, secret_ids) for k, v in data.items()
            }
            relation.unit_version[unit_name] = 1
            relation.scope.append(unit_name)
        if not offer.units.get(endpoint):
            for unit_name in remote.units:
                relation.unit_data[unit_name] = {}
                relation.unit_version[unit_name] = 1
                relation.scope.append(unit_name)

    def _mark_dying(self, s: _Session, unit: model.Unit) -> None:
        m = s.model
        if unit.life == 'dying':
            return
        unit.life = 'dying'
        m.touch('unit', unit.name)
        s.candidates.add(unit.name)
        for relation in m.relations.values():
            if unit.name in relation.scope:
                relation.scope.remove(unit.name)
                m.touch('relation', relation.id)
                s.candidates |= {u.name for u in m.relation_units(relation)}
        app = m.applications[unit.application]
        if app.leader == unit.name:
            s.candidates |= commit.elect_leader(m, app)

    def _relation_dying(self, s: _Session, relation: model.Relation) -> None:
        m = s.model
        relation.life = 'dying'
        m.touch('relation', relation.id)
        s.candidates |= {u.name for u in m.relation_units(relation)}
        s.candidates |= commit.forget_relation_if_done(m, relation)


def hardware_text(machine: cloud.Machine) -> str:
    """Juju's hardware characteristics string for a MAAS machine."""
    parts = [
        f'arch={machine.arch_name}',
        f'cores={machine.cores}',
        f'mem={machine.memory}M',
    ]
    boot = machine.boot_disk
    if boot is not None:
        parts.append(f'root-disk={boot.size // 2**20}M')
    if machine.tags:
        parts.append('tags=' + ','.join(sorted(machine.tags)))
    parts.append(f'availability-zone={machine.zone}')
    return ' '.join(parts)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Provisioned:
    """A machine started for the model, and why it was the one.

    Attributes:
        machine: the model's machine number.
        hostname: the pool machine it runs on.
        reason: why the pool chose it (cost, zone spreading).
        failures: ``hostname: message`` of every machine that failed deployment first.
    """

    machine: str
    hostname: str
    reason: str
    failures: tuple[str, ...] = ()


@dataclasses.dataclass(kw_only=True)
class AddUnitReport:
    """What ``add-unit`` did: the new units, the machines started for them, and the settle."""

    units: list[str] = dataclasses.field(default_factory=list[str])
    machines: list[Provisioned] = dataclasses.field(default_factory=list[Provisioned])
    settle: SettleResult | None = None
    warnings: list[str] = dataclasses.field(default_factory=list[str])


@dataclasses.dataclass(kw_only=True)
class SettleResult:
    """What a settle did: hooks run, units that failed, and the seed of its interleaving."""

    hooks: int = 0
    errors: list[str] = dataclasses.field(default_factory=list[str])
    settled: bool = False
    seed: int | None = None


@dataclasses.dataclass(kw_only=True)
class DeployReport:
    """The changes a deploy made (or would make, with ``--dry-run``) and its warnings."""

    changes: list[str] = dataclasses.field(default_factory=list[str])
    warnings: list[str] = dataclasses.field(default_factory=list[str])
    machines: list[Provisioned] = dataclasses.field(default_factory=list[Provisioned])
    settle: SettleResult | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class StatusData:
    """The model as ``olm status`` shows it."""

    model: model.Model
    charm_revisions: Mapping[str, int]


class Candidates:
    """Units that may have a hook to run, kept in name order for the seeded choice.

    The settle loop picks one at random after every hook; sorting the whole set each time
    cost more than the pick as models grew (a set's order is not stable across runs, so
    some order is needed for ``--seed`` to mean anything).
    """

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._order: list[str] = []

    def add(self, name: str) -> None:
        if name not in self._names:
            self._names.add(name)
            bisect.insort(self._order, name)

    def __ior__(self, names: Iterable[str]) -> Candidates:
        for name in names:
            self.add(name)
        return self

    def discard(self, name: str) -> None:
        if name in self._names:
            self._names.remove(name)
            del self._order[bisect.bisect_left(self._order, name)]

    def choice(self, rng: random.Random) -> str:
        return rng.choice(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __len__(self) -> int:
        return len(self._order)


def _sim_disks(machine: cloud.Machine) -> list[sim.BlockDevice]:
    """The pool machine's disks as its simulated machine has them (identity included)."""
    return [
        sim.BlockDevice(
            d.name, d.size, d.boot, 'rotary' in d.tags, d.model, d.serial, d.wwn, d.id_path
        )
        for d in machine.disks
    ]


def _add_sim_machine(world: sim.World, machine_id: str, machine: cloud.Machine) -> sim.SimHost:
    """The simulated machine for a deployed pool machine: its NICs, addresses and disks."""
    return world.add_machine(
        machine_id,
        hostname=machine.hostname,
        addresses=[a.ip for a in bindings.addresses_of(machine)] or [machine.address],
        disks=_sim_disks(machine),
        interfaces=[
            sim.NetworkDevice(
                i.name,
                i.type,
                i.mac,
                i.parents,
                i.vid,
                i.mtu,
                tuple(link.with_prefix for link in i.links if link.ip),
            )
            for i in machine.interfaces
        ],
    )


class _Session:
    """One command's hold on the model: loaded once, committed hook by hook."""

    def __init__(
        self, store: Store, m: model.Model, world: sim.World, secret_sequence: int
    ) -> None:
        self.store = store
        self.model = m
        self.world = world
        self.log: list[LogEntry] = []
        self.candidates = Candidates()
        self.secret_sequence = secret_sequence
        self._sequence_dirty = False
        self.saved_machines: dict[str, str] = {}
        self.saved_shared = ''
        self.provisioned: list[Provisioned] = []
        self._shared_mark: tuple[int, int] | None = None
        self.saved_versions: dict[str, int] = {}

    def next_secret_id(self) -> str:
        """A Juju-shaped secret id (20 base32hex characters), deterministic per model."""
        self.secret_sequence += 1
        self._sequence_dirty = True
        digest = hashlib.sha256(
            f'{self.model.uuid or runner.MODEL_UUID}:{self.secret_sequence}'.encode()
        ).digest()
        alphabet = '0123456789abcdefghijklmnopqrstuv'
        number = int.from_bytes(digest[:13])
        chars = [alphabet[(number >> (5 * i)) & 31] for i in range(20)]
        return 'secret:' + ''.join(chars)

    @contextlib.contextmanager
    def transaction(self, machines: set[str] | None = None) -> Generator[Transaction]:
        """A store transaction that also writes every model record changed inside it.

        Args:
            machines: the simulated machines that may have changed (a hook touches only its
                own); None checks them all.
        """
        with self.store.transaction() as txn:
            yield txn
            self.flush(txn, machines)

    def flush(self, txn: Transaction, machines: set[str] | None = None) -> None:
        """Write the changed model records, simulated machines and event log entries."""
        m = self.model
        puts: dict[str, list[tuple[str, Any]]] = {}
        deletes: dict[str, list[str]] = {}
        for kind, key in sorted(m.dirty):
            data = m.record(kind, key)
            if data is None:
                deletes.setdefault(kind, []).append(key)
            else:
                puts.setdefault(kind, []).append((key, data))
        for kind, keys in deletes.items():
            txn.delete_records(kind, keys)
        for kind, records in puts.items():
            txn.put_records(kind, records)
        m.dirty.clear()
        self._flush_world(txn, machines)
        if self._sequence_dirty:
            txn.set_setting('secret-sequence', str(self.secret_sequence))
            self._sequence_dirty = False
        if self.log:
            txn.append_log(self.log)
            self.log.clear()

    def _flush_world(self, txn: Transaction, machines: set[str] | None) -> None:
        # Dumping every machine after every hook would cost O(machines) per hook; a hook only
        # changes its own machine and the shared facts, so only those are compared (nor is
        # the world's machine list copied for them: that too was O(machines) per hook).
        if machines is None:
            known = set(self.world.machines)
            candidates = known | set(self.saved_machines)
        else:
            known = {machine_id for machine_id in machines if self._in_world(machine_id)}
            candidates = machines
        for machine_id in sorted(candidates):
            if machine_id not in known:
                if self.saved_machines.pop(machine_id, None) is not None:
                    txn.delete_records('sim-machine', [machine_id])
                continue
            # A machine nothing touched since its last dump (no program run, no file written:
            # SimHost.version) dumps the same; most hooks touch none.
            version = self.world.host(machine_id).version
            if self.saved_versions.get(machine_id) == version:
                continue
            self.saved_versions[machine_id] = version
            dump = self.world.dump_machine(machine_id)
            if self.saved_machines.get(machine_id) != dump:
                self.saved_machines[machine_id] = dump
                txn.put_records('sim-machine', [(machine_id, dump)])
        # The shared facts change only when a program runs or the faults change: a hook that
        # ran no program skips dumping them (a JSON of every simulated cluster).
        mark = (self.world.activity, self.world.faults.version)
        if mark == self._shared_mark:
            return
        self._shared_mark = mark
        shared = self.world.dump_shared()
        if shared != self.saved_shared:
            self.saved_shared = shared
            txn.put_records('sim-shared', [('', shared)])

    def _in_world(self, machine_id: str) -> bool:
        try:
            self.world.host(machine_id)
        except sim.UnknownMachineError:
            return False
        return True


def _check_application_name(name: str) -> None:
    if not re.fullmatch(r'[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*', name):
        raise EngineError(f'invalid application name "{name}"')


def _bundle_target(
    placement: juju_bundle.Placement, bundle_machines: Mapping[str, str]
) -> juju_bundle.Placement | str:
    if placement.machine is not None and placement.container is None:
        return bundle_machines[placement.machine]
    return placement


def _find_relation(m: model.Model, a: str, b: str) -> model.Relation | None:
    """The relation between two ``app[:endpoint]`` references, if exactly one matches."""

    def matches(end: model.RelationEndpoint, ref: str) -> bool:
        app, _, endpoint = ref.partition(':')
        return end.application == app and (not endpoint or end.name == endpoint)

    found = [
        r
        for r in m.relations.values()
        if len(r.endpoints) == 2
        and (
            (matches(r.endpoints[0], a) and matches(r.endpoints[1], b))
            or (matches(r.endpoints[0], b) and matches(r.endpoints[1], a))
        )
    ]
    return found[0] if len(found) == 1 else None


def _retry_from_environment() -> RetryPolicy:
    """Juju's back-off, or ``OLM_RETRY_DELAY`` seconds (0 retries at the next settle)."""
    delay = os.environ.get('OLM_RETRY_DELAY')
    if delay is None:
        return RetryPolicy()
    try:
        seconds = float(delay)
    except ValueError:
        raise EngineError(f'OLM_RETRY_DELAY must be a number of seconds, got "{delay}"') from None
    return RetryPolicy(initial=seconds, maximum=max(seconds, 0.0))
