"""Faults armed on the simulated machines: a program, a MAAS deployment or a hook fails.

Faults are shared simulation state (see :mod:`orchestrator.sim.faults`); two are the engine's
own, for what no simulated program does: :data:`DEPLOY_FAULT` fails a pool machine's MAAS
deployment, :data:`HOOK_FAULT` a unit's hook as a lost controller connection would.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Sequence

from ._context import Context
from ._deferred import sim
from ._errors import EngineError

__all__ = ['DEPLOY_FAULT', 'HOOK_FAULT', 'HOOK_FAULT_ERROR', 'Faults']

DEPLOY_FAULT = 'maas-deploy'
"""The simulated program name a deployment fault is armed on: ``match`` is the hostname."""
HOOK_FAULT = 'juju-hook'
"""The simulated program name a hook fault is armed on: ``match`` is the hook's Juju name
(``install``, ``kube-cluster-relation-changed``), ``machine`` the unit's machine."""
HOOK_FAULT_ERROR = (
    'ops.model.ModelError: ERROR connection is shut down (simulated fault: the unit agent lost '
    'its controller connection during the hook, so its hook tools failed)'
)


class Faults:
    """``olm inject-fault``, ``olm faults`` and ``olm clear-faults``."""

    def __init__(self, context: Context) -> None:
        self.context = context

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
        with self.context.store.transaction() as txn:
            world = self.context.shared_world(txn)
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
        with self.context.store.snapshot() as txn:
            return list(self.context.shared_world(txn).faults)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        with self.context.store.transaction() as txn:
            world = self.context.shared_world(txn)
            world.faults.clear()
            txn.put_records('sim-shared', [('', world.dump_shared())])
