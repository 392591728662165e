"""The metal pool the model allocates from: MAAS's side of olm (the cloud, not the model).

Importing pool files, listing, releasing and marking machines broken or fixed are what a MAAS
administrator does; the pool is shared by every model of the controller.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Collection, Generator, Iterable, Iterator, Sequence

from .. import cloud
from ..juju import constraints as juju_constraints
from ..juju import storage as juju_storage
from ..state.store import Transaction
from ._context import Context, model_constraints
from ._deferred import inventory
from ._errors import EngineError
from ._reports import ImportProgress, ProgressReports
from ._storage import cloud_pools

__all__ = ['MetalPool']


class MetalPool:
    """The pool's machines, subnets and zones, and MAAS's operations on them."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def import_pool(self, path: str | os.PathLike[str]) -> int:
        """Add every machine of an inventory file to the pool, all or none.

        The file is read without holding it (:mod:`orchestrator.cloud.inventory`): its machines
        checked one by one and set aside on disk, so a bad file is refused before anything
        changes, then added from there in one transaction. Memory does not grow
        with the file. Progress goes to ``context.reports``.

        Raises:
            cloud.InventoryError: for a bad file or a machine already in the pool.
        """
        reports = self.context.reports
        ticker = _Ticker(os.fspath(path), reports) if reports and reports.imported else None
        try:
            with inventory.check_file(path, ticker.tick if ticker else None) as checked:
                return self._import(path, checked, ticker.adding(checked) if ticker else checked)
        finally:
            if ticker:
                ticker.finish()

    def _import(
        self,
        path: str | os.PathLike[str],
        loaded: inventory.CheckedFile,
        machines: Iterable[cloud.Machine],
    ) -> int:
        pools: list[juju_storage.StoragePool] = []
        for name, (provider, attrs) in loaded.storage_pools.items():
            try:
                pools.append(juju_storage.StoragePool.create(name, provider, attrs))
            except juju_storage.StorageError as error:
                raise cloud.InventoryError(f'{os.fspath(path)}: storage-pools: {error}') from None
        with self.context.store.transaction() as txn:
            # A pool file's storage pools describe the cloud, so every model has them (as
            # Juju's model-defaults would give them); a model adds its own with
            # create-storage-pool.
            known = cloud_pools(txn)
            for pool in pools:
                if pool.name in known and known[pool.name] != pool:
                    raise cloud.InventoryError(
                        f'{os.fspath(path)}: storage-pools: pool "{pool.name}" already exists'
                    )
            try:
                added = txn.pool.add(machines, loaded.network)
            except cloud.InventoryError as error:  # a machine or a subnet the pool has
                raise cloud.InventoryError(f'{os.fspath(path)}: {error}') from None
            known.update((p.name, p) for p in pools)
            txn.set_cloud_setting(
                'storage-pools',
                json.dumps({n: p.to_json() for n, p in known.items()}, sort_keys=True),
            )
            return added

    def add_to_pool(
        self, machines: Sequence[cloud.Machine], network: cloud.Network | None = None
    ) -> int:
        """Add machines (e.g. a generated pool) and their subnets to the pool, all or none."""
        with self.context.store.transaction() as txn:
            return txn.pool.add(machines, network)

    def network(self) -> tuple[cloud.Network, frozenset[str]]:
        """The pool's spaces and subnets, and its zones."""
        with self.context.store.snapshot() as txn:
            return txn.pool.network, txn.pool.zones

    def pool_machines(self) -> list[cloud.Machine]:
        """Every machine of the pool, by hostname."""
        with self.context.store.snapshot() as txn:
            return list(txn.pool)

    @contextlib.contextmanager
    def reading_pool(self) -> Generator[cloud.Pool]:
        """The pool as committed, for as many passes as a listing needs.

        One snapshot throughout, so the passes agree; the machines are read from the database
        as they are iterated, so a 100k-machine pool is never in memory at once.
        """
        with self.context.store.snapshot() as txn:
            yield txn.pool

    def pool_machine(self, ref: str) -> cloud.Machine:
        """One pool machine by hostname or system id.

        Raises:
            cloud.MachineNotFoundError: if the pool has no such machine.
        """
        with self.context.store.snapshot() as txn:
            return txn.pool.get(ref)

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
        with self.context.store.snapshot() as txn:
            merged = juju_constraints.merge(model_constraints(txn), constraints)
            return txn.pool.capacity(merged, placement, bindings=bindings)

    def release_pool_machine(self, ref: str, *, erase: bool = False) -> cloud.Machine:
        """Release a pool machine that no model machine uses.

        Raises:
            EngineError: if a machine of the model runs on it (remove that machine instead).
        """
        with self.context.store.transaction() as txn:
            machine = txn.pool.get(ref)
            _refuse_if_used(txn, machine)
            return txn.pool.release(machine.system_id, erase=erase)

    def mark_broken(self, ref: str, message: str = '') -> cloud.Machine:
        """Mark a pool machine Broken (MAAS's mark-broken)."""
        with self.context.store.transaction() as txn:
            return txn.pool.mark_broken(ref, message)

    def mark_fixed(self, ref: str) -> cloud.Machine:
        """Return a Broken pool machine to service (MAAS's mark-fixed)."""
        with self.context.store.transaction() as txn:
            return txn.pool.mark_fixed(ref)


class _Ticker:
    """Tells ``reports.imported`` how an import goes, every ``reports.interval`` seconds."""

    def __init__(self, file: str, reports: ProgressReports) -> None:
        self.file = file
        self.reports = reports
        self.began = self.stage_began = time.monotonic()
        self.next = self.began + reports.interval
        self.stage = ''
        self.machines = 0
        self.size = 0
        self.told = False
        with contextlib.suppress(OSError):
            self.size = os.stat(file).st_size

    def adding(self, machines: inventory.CheckedFile) -> Iterator[cloud.Machine]:
        """The machines of a checked file, ticking as the pool takes them."""
        for n, machine in enumerate(machines, 1):
            yield machine
            self.tick('add', n, self.size, machines.count)

    def tick(self, stage: str, machines: int, read: int, total: int = 0) -> None:
        now = time.monotonic()
        if stage != self.stage or machines < self.machines:  # a stage, or a pass, begins
            self.stage, self.stage_began = stage, now
        self.machines = machines
        if now < self.next or self.reports.imported is None:
            return
        self.next = now + self.reports.interval
        self.told = True
        self.reports.imported(
            ImportProgress(
                file=self.file, stage=stage, machines=machines, total=total, read=read,
                size=self.size,
                elapsed=now - self.began, stage_elapsed=now - self.stage_began,
            )
        )  # fmt: skip

    def finish(self) -> None:
        if self.told:
            self.reports.finish()


def _refuse_if_used(txn: Transaction, machine: cloud.Machine) -> None:
    for record in txn.machines():
        if record.instance_id == machine.system_id:
            raise EngineError(
                f'{machine.hostname} is machine {record.id} of the model; '
                f'remove it with "olm remove-machine {record.id}"'
            )
