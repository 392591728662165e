"""The olm engine: the operations a user asks of the model, each one store transaction.

For now the engine provisions machines: it merges the model's constraints under the machine's,
allocates from the metal pool with Juju's zone spreading, deploys, and records the model
machines; or it releases them. Every operation validates before it changes anything, and runs
inside one transaction, so a failure leaves no partial change.
"""

# pyright: strict

from __future__ import annotations

import os
from collections.abc import Sequence

from . import cloud, model
from . import constraints as juju_constraints
from .cloud import inventory
from .store import Store, Transaction

__all__ = ['Engine', 'EngineError']


class EngineError(Exception):
    """A request the model cannot carry out, with Juju's message where Juju has one."""


class Engine:
    """Operations on one olm model (state directory).

    Args:
        store: the model's state directory.
        owner: the MAAS user the model allocates machines as.
    """

    def __init__(self, store: Store, *, owner: str = 'admin') -> None:
        self.store = store
        self.owner = owner

    # -- the metal pool ------------------------------------------------------------------

    def import_pool(self, path: str | os.PathLike[str]) -> int:
        """Add every machine of an inventory file to the pool, all or none.

        Raises:
            cloud.InventoryError: for a bad file or a machine already in the pool.
        """
        machines = inventory.load(path)
        with self.store.transaction() as txn:
            return txn.pool.add(machines)

    def add_to_pool(self, machines: Sequence[cloud.Machine]) -> int:
        """Add machines (e.g. a generated pool) to the pool, all or none."""
        with self.store.transaction() as txn:
            return txn.pool.add(machines)

    def pool_machines(self) -> list[cloud.Machine]:
        """Every machine of the pool, by hostname."""
        with self.store.snapshot() as txn:
            return list(txn.pool)

    def capacity(
        self, constraints: juju_constraints.Constraints, placement: str | None = None
    ) -> int:
        """How many more machines with these constraints (over the model's) are Ready now."""
        with self.store.snapshot() as txn:
            merged = juju_constraints.merge(self._model_constraints(txn), constraints)
            return txn.pool.capacity(merged, placement)

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
            for machine_id in ids:
                if machine_id not in known:
                    raise EngineError(f'machine {machine_id} not found')
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
