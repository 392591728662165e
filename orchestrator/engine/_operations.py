"""Operations run on units and machines: ``juju run`` (an action) and ``juju exec``.

An action is queued on its unit and run by the unit agent like a hook; ``exec`` runs a
command line on a unit's simulated machine (never on this computer: see
:mod:`orchestrator.sim.shell`), and what it changes there is kept.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping

from ..agent.hooks import Hook
from ..state import model
from ..state.store import LogEntry
from . import _names
from ._agents import UnitAgents
from ._context import Context
from ._deferred import commit, juju_exec, sim
from ._errors import EngineError
from ._reports import ExecResult

__all__ = ['Operations']


class Operations:
    """``juju run`` and ``juju exec``."""

    def __init__(self, context: Context, agents: UnitAgents) -> None:
        self.context = context
        self.agents = agents

    def run_action(
        self, unit_name: str, action: str, params: Mapping[str, object]
    ) -> model.Action:
        """``juju run UNIT ACTION k=v``: queue the action, settle, return its outcome."""
        with self.context.session() as s:
            unit = _names.unit(s.model, unit_name)
            unit_name = unit.name
            spec = self.context.spec(s.model.applications[unit.application])
            if action not in spec.actions:
                raise EngineError(f'action "{action}" not defined on unit "{unit_name}"')
            checked = spec.validate_action(action, params, unit=unit_name)
            with s.transaction() as txn:
                record = model.Action(
                    id=str(txn.next_sequence('action')),
                    unit=unit_name,
                    name=action,
                    params=dict(checked),
                    enqueued=self.context.clock(),
                )
                s.model.actions[record.id] = record
                s.model.touch('action', record.id)
                unit.progress.actions.append(record.id)
                s.model.touch('unit', unit_name)
                s.candidates.add(unit_name)
            self.agents.run(s)
            return s.model.actions[record.id]

    def _unit_exec(
        self, m: model.Model, unit: model.Unit, host: sim.SimHost, command: str
    ) -> sim.ShellResult:
        spec = self.context.spec(m.applications[unit.application])
        result, outcome = juju_exec.juju_exec(m, unit, spec, host, command)
        commit.apply_success(
            m, unit, Hook(kind=commit.JUJU_EXEC), outcome, now=self.context.clock()
        )
        return result

    def exec(
        self, command: str, *, unit: str | None = None, machine: str | None = None
    ) -> ExecResult:
        """``juju exec``: run a command line on a unit's (simulated) machine.

        The command runs on the simulated machine's programs and files, never on this one
        (see :mod:`orchestrator.sim.shell`). What it changes on the machine is kept. With
        ``unit``, the unit's hook tools are in reach and what they change commits, whatever
        the exit status, as Juju flushes an exec's hook context
        (:mod:`orchestrator.agent.juju_exec`).
        """
        with self.context.session() as s:
            if unit is not None:
                target = _names.unit(s.model, unit)
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
                if unit is not None:
                    result = self._unit_exec(s.model, _names.unit(s.model, unit), host, command)
                else:
                    result = sim.run_command_line(host, command)
                task = str(txn.next_sequence('action'))
                outcome = 'ok' if result.returncode == 0 else f'exit {result.returncode}'
                s.log.append(LogEntry(0, self.context.clock(), where, 'exec', outcome, command))
            return ExecResult(
                id=task, target=where, returncode=result.returncode, stdout=result.stdout,
                stderr=result.stderr,
            )  # fmt: skip
