"""The facade: one :class:`Engine` per model, each operation done by the worker Juju has for it."""

# pyright: strict

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ..agent.hooks import RetryPolicy
from ..state.store import Store, StoreError
from ._agents import UnitAgents
from ._applications import Applications
from ._context import REPO_CHARMS, Context, retry_from_environment
from ._copies import Copies
from ._crossmodel import Offers, pull, settle_linked
from ._deferred import runner
from ._deploy import Deployer
from ._faults import Faults
from ._modelconfig import ModelConfig, SSHKeys
from ._operations import Operations
from ._pool import MetalPool
from ._provisioner import Provisioner
from ._reads import ModelReads
from ._relations import Relations
from ._reports import ProgressReports
from ._secrets import UserSecrets
from ._storage import StoragePools
from ._undertaker import Undertaker

__all__ = ['Engine']

_P = ParamSpec('_P')
_R = TypeVar('_R')


class _Operation(Generic[_P, _R]):
    """An operation of the engine, done by the worker its attribute ``worker`` holds.

    Typed as the worker's method (its parameters and result) and documented by it, so the
    facade states only who does what.
    """

    def __init__(self, worker: str, method: Callable[Concatenate[Any, _P], _R]) -> None:
        self.worker = worker
        self.name = method.__name__
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, engine: None, owner: type[Engine]) -> _Operation[_P, _R]: ...
    @overload
    def __get__(self, engine: Engine, owner: type[Engine]) -> Callable[_P, _R]: ...
    def __get__(
        self, engine: Engine | None, owner: type[Engine]
    ) -> _Operation[_P, _R] | Callable[_P, _R]:
        if engine is None:
            return self
        bound: Callable[_P, _R] = getattr(getattr(engine, self.worker), self.name)
        return bound


class Engine:
    """Operations on one olm model (state directory).

    Each operation is done by one worker, named as Juju names its part: the metal pool (the
    cloud), the provisioner, the unit agents (the settle loop), applications, relations,
    user secrets, operations on units, the undertaker. They share one :class:`Context
    <orchestrator.engine._context.Context>` and, for a command that changes the model, one
    session (:mod:`orchestrator.engine._session`).

    Args:
        store: the model's state directory.
        owner: the MAAS user the model allocates machines as.
        charms_dir: where a charm named without a path is found (``OLM_CHARMS``, or the
            repository's charms/).
        clock: the time.
        sleep: waits for a hook retry that is not due yet.
        seed: the settle loop's seed (one seed, one interleaving); None draws one per settle.
        retry: when failed hooks are retried (``OLM_RETRY_DELAY``, or Juju's back-off).
        progress: told of every hook as it runs.
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
        context = Context(
            store=store,
            owner=owner,
            charms_dir=charms_dir or Path(os.environ.get('OLM_CHARMS', REPO_CHARMS)),
            clock=clock,
            sleep=sleep,
            seed=seed,
            retry=retry or retry_from_environment(),
            progress=progress,
        )
        self._context = context
        context.pull_linked = pull
        context.settle_linked = lambda linked: settle_linked(
            [store.model, *sorted(linked)], self._settle_other
        )
        self._pool = MetalPool(context)
        self._faults = Faults(context)
        self._provisioner = Provisioner(context)
        self._agents = UnitAgents(context)
        self._storage = StoragePools(context, self._agents.run)
        self._relations = Relations(context, self._agents)
        self._applications = Applications(context, self._provisioner, self._agents)
        self._deployer = Deployer(context, self._applications, self._provisioner, self._agents)
        self._secrets = UserSecrets(context, self._agents)
        self._operations = Operations(context, self._agents)
        self._reads = ModelReads(context)
        self._undertaker = Undertaker(context, self._applications)
        self._model_config = ModelConfig(context)
        self._ssh_keys = SSHKeys(context)
        self._copies = Copies(context)
        self._offers = Offers(context)

    def _settle_other(self, name: str) -> int:
        """Settle another model of the state directory (cross-model relations); hooks run."""
        ctx = self._context
        store = Store(ctx.store.state_dir, model=name)
        store.lock_wait = ctx.store.lock_wait
        try:
            engine = Engine(
                store, owner=ctx.owner, charms_dir=ctx.charms_dir, clock=ctx.clock,
                sleep=ctx.sleep, seed=ctx.seed, retry=ctx.retry,
            )  # fmt: skip
            return engine.settle().hooks
        except StoreError:
            return 0  # destroyed meanwhile
        finally:
            store.close()

    @property
    def store(self) -> Store:
        """The model's state directory."""
        return self._context.store

    @property
    def seed(self) -> int | None:
        """The settle loop's seed, if fixed."""
        return self._context.seed

    @property
    def progress(self) -> Callable[[str], None] | None:
        """What is told of every hook as it runs."""
        return self._context.progress

    @progress.setter
    def progress(self, progress: Callable[[str], None] | None) -> None:
        self._context.progress = progress

    @property
    def reports(self) -> ProgressReports | None:
        """Where a settle tells how far it has got, every so often."""
        return self._context.reports

    @reports.setter
    def reports(self, reports: ProgressReports | None) -> None:
        self._context.reports = reports

    @property
    def hook_runner(self) -> runner.Runner:
        """What runs each hook, made on the first hook: read-only commands never load it."""
        return self._context.hook_runner

    # The metal pool (MAAS's side) and the faults armed on the simulation.
    import_pool = _Operation('_pool', MetalPool.import_pool)
    add_to_pool = _Operation('_pool', MetalPool.add_to_pool)
    network = _Operation('_pool', MetalPool.network)
    pool_machines = _Operation('_pool', MetalPool.pool_machines)
    pool_machine = _Operation('_pool', MetalPool.pool_machine)
    reading_pool = _Operation('_pool', MetalPool.reading_pool)
    capacity = _Operation('_pool', MetalPool.capacity)
    release_pool_machine = _Operation('_pool', MetalPool.release_pool_machine)
    mark_broken = _Operation('_pool', MetalPool.mark_broken)
    mark_fixed = _Operation('_pool', MetalPool.mark_fixed)
    inject_fault = _Operation('_faults', Faults.inject_fault)
    faults = _Operation('_faults', Faults.faults)
    clear_faults = _Operation('_faults', Faults.clear_faults)

    # Storage pools.
    storage_pools = _Operation('_storage', StoragePools.storage_pools)
    create_storage_pool = _Operation('_storage', StoragePools.create_storage_pool)
    storage = _Operation('_storage', StoragePools.storage)
    add_storage = _Operation('_storage', StoragePools.add_storage)

    # The provisioner: the model's machines and constraints.
    model_constraints = _Operation('_provisioner', Provisioner.model_constraints)
    set_model_constraints = _Operation('_provisioner', Provisioner.set_model_constraints)
    machines = _Operation('_provisioner', Provisioner.machines)
    add_machines = _Operation('_provisioner', Provisioner.add_machines)
    remove_machines = _Operation('_applications', Applications.remove_machines)

    # Deploying, applications and units, relations.
    deploy = _Operation('_deployer', Deployer.deploy)
    plan = _Operation('_deployer', Deployer.plan)
    add_unit = _Operation('_applications', Applications.add_unit)
    headroom = _Operation('_applications', Applications.headroom)
    remove_unit = _Operation('_applications', Applications.remove_unit)
    remove_application = _Operation('_applications', Applications.remove_application)
    config = _Operation('_applications', Applications.config)
    set_config = _Operation('_applications', Applications.set_config)
    refresh = _Operation('_applications', Applications.refresh)
    set_trust = _Operation('_applications', Applications.set_trust)
    set_constraints = _Operation('_applications', Applications.set_constraints)
    constraints = _Operation('_applications', Applications.constraints)
    integrate = _Operation('_relations', Relations.integrate)
    offer = _Operation('_offers', Offers.offer)
    offers = _Operation('_offers', Offers.offers)
    remove_offer = _Operation('_offers', Offers.remove_offer)
    consume = _Operation('_offers', Offers.consume)
    remove_relation = _Operation('_relations', Relations.remove_relation)

    # The unit agents: settling, and the operator's say in it.
    settle = _Operation('_agents', UnitAgents.settle)
    wait = _Operation('_agents', UnitAgents.wait)
    resolve = _Operation('_agents', UnitAgents.resolve)
    unsettled = _Operation('_agents', UnitAgents.unsettled)
    update_status = _Operation('_agents', UnitAgents.update_status)
    advance_clock = _Operation('_agents', UnitAgents.advance_clock)
    run_action = _Operation('_operations', Operations.run_action)
    exec = _Operation('_operations', Operations.exec)
    copy_files = _Operation('_copies', Copies.copy_files)

    # User secrets.
    add_secret = _Operation('_secrets', UserSecrets.add_secret)
    grant_secret = _Operation('_secrets', UserSecrets.grant_secret)
    update_secret = _Operation('_secrets', UserSecrets.update_secret)
    remove_secret = _Operation('_secrets', UserSecrets.remove_secret)
    secrets = _Operation('_secrets', UserSecrets.secrets)
    show_secret = _Operation('_secrets', UserSecrets.show_secret)

    # Reading the model, and destroying it.
    status_view = _Operation('_reads', ModelReads.status_view)
    model_view = _Operation('_reads', ModelReads.model_view)
    show_unit = _Operation('_reads', ModelReads.show_unit)
    debug_log = _Operation('_reads', ModelReads.debug_log)
    destroy_model = _Operation('_undertaker', Undertaker.destroy_model)

    # The model's configuration.
    model_config = _Operation('_model_config', ModelConfig.model_config)
    set_model_config = _Operation('_model_config', ModelConfig.set_model_config)
    ssh_keys = _Operation('_ssh_keys', SSHKeys.ssh_keys)
    add_ssh_keys = _Operation('_ssh_keys', SSHKeys.add_ssh_keys)
    remove_ssh_keys = _Operation('_ssh_keys', SSHKeys.remove_ssh_keys)
