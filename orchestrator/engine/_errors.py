"""The engine's errors: a request the model cannot carry out, and a settle interrupted."""

# pyright: strict

from __future__ import annotations

__all__ = ['EngineError', 'SettleInterrupted', 'TaskNotScheduledError']


class EngineError(Exception):
    """A request the model cannot carry out, with Juju's message where Juju has one.

    Raised before anything changes: every operation validates first, and what it changes it
    changes in one store transaction.
    """


class TaskNotScheduledError(EngineError):
    """``juju run``/``juju exec`` made an operation but could not queue its task.

    Juju creates the operation, then refuses each task on its own (a unit that does not exist,
    an action the charm does not define, parameters its schema refuses); the client says so
    and exits 0 with nothing on standard output (juju/juju ``cmd/juju/action/common.go``
    ``processOperationResults`` @ 0cdccd5: ``Operation %s failed to schedule any tasks``).

    Attributes:
        operation: the operation's id.
    """

    def __init__(self, message: str, *, operation: str) -> None:
        super().__init__(message)
        self.operation = operation


class SettleInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) while units were settling: a KeyboardInterrupt that says how far it got.

    Every hook committed before it stays committed; the hook in flight rolls back whole (its
    store transaction never commits, and what it did in memory goes with the process), so the
    next ``olm wait`` runs it again from the start. Juju's uniter does the same with a hook its
    agent was stopped in: its state file keeps the hook at step ``Pending`` and runs it again
    on restart (juju/juju ``worker/uniter/operation/deploy.go``, ``Commit``: "restores state for
    any interrupted hook", read in a charm.v5-era tree; today's ``internal/worker/uniter/
    operation`` was not checked line by line).

    Attributes:
        hooks: the hooks this settle ran and committed before the interrupt.
    """

    def __init__(self, hooks: int) -> None:
        super().__init__(f'interrupted after {hooks} hooks')
        self.hooks = hooks
