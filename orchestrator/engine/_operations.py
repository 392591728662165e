"""Operations run on units and machines: ``juju run`` (an action) and ``juju exec``.

An action is queued on its unit and run by the unit agent like a hook; ``exec`` runs a
command line on a unit's simulated machine (never on this computer: see
:mod:`orchestrator.sim.shell`), and what it changes there is kept.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Mapping

from ..agent.hooks import Hook
from ..juju import charmspec
from ..state import model
from ..state.store import LogEntry
from ._agents import UnitAgents
from ._context import Context
from ._deferred import commit, juju_exec, sim
from ._errors import EngineError, TaskNotScheduledError
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
        """``juju run UNIT ACTION k=v``: queue the action, settle, return its outcome.

        Juju numbers an operation and its tasks from one sequence starting at 1 (operation 1,
        task 2 on a new model). A task Juju refuses to queue (no such unit, no leader, an
        action the charm does not define, parameters its schema refuses) still made its
        operation: :class:`TaskNotScheduledError` carries it, with the task's error as the
        apiserver words it.

        Raises:
            TaskNotScheduledError: the task could not be queued.
        """
        with self.context.session() as s:
            with s.transaction() as txn:
                operation = str(txn.next_sequence('action') + 1)
            try:
                unit = _receiver(s.model, unit_name)
                unit_name = unit.name
                spec = self.context.spec(s.model.applications[unit.application])
                if action not in spec.actions:
                    # juju/juju state/unit.go PrepareActionPayload.
                    raise EngineError(f'action "{action}" not defined on unit "{unit_name}"')
                checked = spec.validate_action(action, params, unit=unit_name)
            except (EngineError, charmspec.CharmSpecError) as error:
                raise TaskNotScheduledError(str(error), operation=operation) from None
            with s.transaction() as txn:
                record = model.Action(
                    id=str(txn.next_sequence('action') + 1),
                    operation=operation,
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
                if not _UNIT_OR_LEADER.fullmatch(unit):
                    # juju/juju cmd/juju/action/exec.go Init (names.IsValidUnit, validLeader).
                    raise EngineError(
                        f'The following exec targets are not valid:\n  "{unit}" is not a '
                        'valid unit name'
                    )
                # The leader is resolved for the whole call (juju/juju apiserver/facades/
                # client/action run.go getAllUnitNames): no leader fails the command.
                if unit.endswith('/leader'):
                    unit = _receiver(s.model, unit).name
            elif machine is None or not _MACHINE_ID.fullmatch(machine):
                # juju/juju cmd/juju/action/exec.go Init (names.IsValidMachine).
                raise EngineError(
                    f'The following exec targets are not valid:\n  "{machine}" is not a valid '
                    'machine id'
                )
            with s.transaction() as txn:
                operation = str(txn.next_sequence('action') + 1)
            if unit is not None:
                if unit not in s.model.units:
                    raise TaskNotScheduledError(_not_found('unit', unit), operation=operation)
                target = s.model.units[unit]
                machine_id, where, kind = target.machine, target.name, 'unit'
            else:
                assert machine is not None
                if machine not in s.model.machines:
                    raise TaskNotScheduledError(
                        _not_found('machine', machine), operation=operation
                    )
                machine_id, where, kind = machine, machine, 'machine'
            try:
                host = s.world.host(machine_id)
            except sim.UnknownMachineError:
                raise EngineError(f'machine {machine_id} is not provisioned yet') from None
            enqueued = self.context.clock()
            with s.transaction(machines={machine_id}) as txn:
                task = str(txn.next_sequence('action') + 1)
                if unit is not None:
                    result = self._unit_exec(s.model, s.model.units[unit], host, command)
                else:
                    result = sim.run_command_line(host, command)
                outcome = 'ok' if result.returncode == 0 else f'exit {result.returncode}'
                log_as = where if kind == 'unit' else f'machine-{where}'
                s.log.append(LogEntry(0, self.context.clock(), log_as, 'exec', outcome, command))
            return ExecResult(
                id=task, operation=operation, target=where, kind=kind,
                returncode=result.returncode, stdout=result.stdout, stderr=result.stderr,
                enqueued=enqueued, completed=self.context.clock(),
            )  # fmt: skip


_UNIT_OR_LEADER = re.compile(
    r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/(?:0|[1-9][0-9]*|leader)'
)
"""juju/names ``UnitSnippet``, or exec.go's ``validLeader`` (``APP/leader``)."""
_MACHINE_ID = re.compile(r'(?:0|[1-9][0-9]*)(?:/[a-z]+/(?:0|[1-9][0-9]*))*')
"""juju/names ``machine.go`` ``MachineSnippet``: a number, then ``/<container type>/<number>``."""


def _not_found(kind: str, name: str) -> str:
    """The apiserver's error for a task whose receiver is not in the model.

    juju/juju ``apiserver/common/action.go`` ``TagToActionReceiverFn``:
    ``errors.NotFoundf("%q", receiverTag)``, the receiver as its tag (``unit-app-0``,
    ``machine-0``).
    """
    return f'"{kind}-{name.replace("/", "-")}" not found'


def _receiver(m: model.Model, name: str) -> model.Unit:
    """The unit an action goes to, or the apiserver's error for its task.

    ``APP/leader`` resolves to the leader (``could not determine leader for "APP"``
    without one: juju/juju ``apiserver/facades/client/action/operation.go`` ``enqueue``).
    """
    app, _, number = name.partition('/')
    if number == 'leader':
        leader = m.applications[app].leader if app in m.applications else None
        if not leader:
            raise EngineError(f'could not determine leader for "{app}"')
        name = leader
    found = m.units.get(name)
    if found is None:
        raise EngineError(_not_found('unit', name))
    return found
