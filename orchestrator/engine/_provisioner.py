"""Juju's provisioner: the model's machines, allocated and deployed from the metal pool.

A new machine gets the model's constraints merged under the request, goes to the zone holding
the fewest of the application's (or the model's) machines, is allocated and deployed in MAAS,
and is recorded with the next machine number. A deployment that fails is retried on another
match, as Juju's provisioner retries ``StartInstance``; a machine Juju made for a unit goes
once the unit has gone.
"""

# pyright: strict

from __future__ import annotations

import collections
from collections.abc import Collection, Sequence

from .. import cloud
from ..juju import constraints as juju_constraints
from ..state import bindings, model
from ..state.store import Transaction
from ._context import Context, model_constraints
from ._deferred import juju_bundle
from ._errors import EngineError
from ._faults import DEPLOY_FAULT
from ._machines import add_sim_machine, hardware_text
from ._reports import Provisioned
from ._session import Session

__all__ = ['START_ATTEMPTS', 'Provisioner', 'placement_machine', 'release_unit_machine']

START_ATTEMPTS = 10
"""How many machines one new Juju machine may try (Juju's ``retryStrategyCount``)."""


class Provisioner:
    """The model's machines and constraints; machines started for units."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def model_constraints(self) -> juju_constraints.Constraints:
        """The model's constraints (``juju model-constraints``)."""
        with self.context.store.snapshot() as txn:
            return model_constraints(txn)

    def set_model_constraints(self, constraints: juju_constraints.Constraints) -> None:
        """Replace the model's constraints entirely, as ``juju set-model-constraints`` does."""
        with self.context.store.transaction() as txn:
            txn.set_setting('model-constraints', str(constraints))

    def machines(self) -> list[model.Machine]:
        """The model's machines, by number."""
        with self.context.store.snapshot() as txn:
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
        owner = self.context.owner
        with self.context.store.transaction() as txn:
            merged = juju_constraints.merge(model_constraints(txn), asked)
            existing = [m.instance_id for m in txn.machines()]
            picked = txn.pool.allocate(merged, count, placement, spread=existing, owner=owner)
            added: list[model.Machine] = []
            for machine in picked:
                deployed = txn.pool.deploy(machine.system_id, owner=owner)
                record = _record(
                    str(txn.next_sequence('machine')), deployed, merged, self.context.clock()
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
        with self.context.store.transaction() as txn:
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

    # -- within a session: machines for units ---------------------------------------------

    def provision(
        self,
        s: Session,
        txn: Transaction,
        merged: juju_constraints.Constraints,
        *,
        count: int,
        spread: Sequence[str],
        storage: str = '',
        spaces: Collection[str] = (),
        base: str = model.DEFAULT_BASE,
    ) -> list[model.Machine]:
        """Allocate and deploy ``count`` machines from the pool and record them, all or none.

        Each machine is deployed with ``base`` (the application's: Juju asks MAAS to deploy
        the unit's base, juju/juju ``provider/maas`` ``StartInstance``) and recorded with it.

        A machine whose deployment fails (an armed ``maas-deploy`` fault in the simulation) is
        left in Failed deployment, as MAAS leaves it, and the Juju machine is started on
        another match, up to :data:`START_ATTEMPTS` machines, as Juju's provisioner retries
        ``StartInstance``. Each machine's choice is explained in ``s.provisioned``.

        Raises:
            cloud.CloudError: when the pool has too few matches (nothing changes).
        """
        owner = self.context.owner
        picked = txn.pool.allocate(
            merged, count, None, spread=spread, owner=owner, storage=storage, bindings=spaces
        )
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
                        owner=owner, storage=storage, exclude=failed, bindings=spaces,
                    )  # fmt: skip
                except cloud.NoMatchError as error:
                    raise EngineError(
                        f'cannot start instance for machine "{machine_id}": {failures[-1]}; '
                        f'no other machine matches ({str(error).splitlines()[0]})'
                    ) from None
                deployed = self._start(s, txn, machine, failures)
            record = _record(machine_id, deployed, merged, self.context.clock(), base)
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
            add_sim_machine(s.world, record.id, deployed)
            added.append(record)
        return added

    def _start(
        self, s: Session, txn: Transaction, machine: cloud.Machine, failures: list[str]
    ) -> cloud.Machine | None:
        """Deploy an allocated machine; None (and a line in ``failures``) if deployment fails."""
        owner = self.context.owner
        fault = s.world.faults.take_failure(DEPLOY_FAULT, '', [machine.hostname])
        if fault is None:
            return txn.pool.deploy(machine.system_id, owner=owner)
        message = fault.stderr or 'Failed deployment'
        txn.pool.deploy(machine.system_id, owner=owner, complete=False)
        txn.pool.fail(machine.system_id, message)
        failures.append(f'{machine.hostname}: {message}')
        return None


def placement_machine(
    m: model.Model, placement: juju_bundle.Placement | str | None
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
        raise EngineError(f'unit {placement.application}/{unit_number} not found for placement')
    return None


def release_unit_machine(s: Session, txn: Transaction, unit: model.Unit) -> None:
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


def _record(
    machine_id: str,
    deployed: cloud.Machine,
    merged: juju_constraints.Constraints,
    now: float,
    base: str = model.DEFAULT_BASE,
) -> model.Machine:
    """The model's record of a machine deployed with these constraints and base at ``now``."""
    return model.Machine(
        base=base,
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
        since=now,
    )
