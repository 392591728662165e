"""The unit's view of the model for a hook that runs in a process of its own.

The in-process runner lets Scenario run the charm (``Context.run``): ops in olm's process talks
to Scenario's ``_MockModelBackend``, which reads and writes the hook's output ``State``. The
dispatch runner runs the packed charm as its own program; its hook tools reach olm's process,
and olm answers them from the same backend on the same output state, so both runners commit
through one path (:mod:`orchestrator.agent.commit`). What this needs from Scenario beyond its
public API, all here:

- the hook's environment as Scenario computes it (``Runtime._get_event_env``, with olm's
  overrides of :class:`._context._Runtime`);
- a ``_MockModelBackend`` (``scenario/mocking.py``) on a deep copy of the input state, as
  ``Runtime.exec`` makes one (``scenario/_runtime.py``);
- the stored state and deferred events, which the charm keeps in its own ``.unit-state.db``
  (ops' ``SQLiteStorage``, ``ops/storage.py``): written from the input state before the run
  and read back after, with Scenario's ``UnitStateDB`` (``scenario/_ops_main_mock.py``);
- the output state handed to the context as ``Context.run`` would (``_set_output_state``), so
  the runner reads action results, logs and statuses from the context as it does in process.
"""

# pyright: strict
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ops
import ops.storage
from ops import testing
from scenario import _ops_main_mock
from scenario.mocking import _MockModelBackend

from ._context import OlmContext

__all__ = [
    'HookBackend',
    'finish',
    'hook_backend',
    'read_unit_state',
    'run_backend',
    'write_unit_state',
]


@dataclasses.dataclass(frozen=True, slots=True)
class HookBackend:
    """What one out-of-process hook is answered from.

    Attributes:
        backend: Scenario's model backend, writing into :attr:`state`.
        state: the hook's output state (a deep copy of the input).
        env: the ``JUJU_*`` environment Scenario gives the hook (paths are olm's: the caller
            puts the unit's own charm directory in ``JUJU_CHARM_DIR``).
    """

    backend: Any
    state: testing.State
    env: Mapping[str, str]


def hook_backend(ctx: OlmContext, event: Any, state: testing.State) -> HookBackend:
    """The backend, output state and environment of one hook of ``ctx``'s unit."""
    env = ctx.olm_runtime()._get_event_env(state=state, event=event, charm_root=Path('/'))
    if event.action:
        ctx.action_logs.clear()
        if ctx.action_results is not None:
            ctx.action_results.clear()
        ctx._action_failure_message = None
    output = copy.deepcopy(state)
    backend = _MockModelBackend(
        state=output,
        event=event,
        charm_spec=ctx._charm_spec,
        context=ctx,
        juju_context=ops.JujuContext.from_environ(env),
    )
    return HookBackend(backend=backend, state=output, env=env)


def run_backend(ops_: Any) -> tuple[Any, testing.State]:
    """The model backend and output state of an in-process run (Scenario's ``Ops``).

    ops' ``_Manager`` keeps the backend as ``_model_backend`` (ops/_main.py); Scenario's
    ``Ops`` the output state as ``state`` (scenario/_ops_main_mock.py).
    """
    return ops_._model_backend, ops_.state


def finish(ctx: OlmContext, state: testing.State) -> str | None:
    """Hand the output state to the context; the action's failure message, if it failed."""
    ctx._set_output_state(state)
    return ctx._action_failure_message


def write_unit_state(path: Path, state: testing.State) -> None:
    """Write the state's stored state and deferred events into a new ``.unit-state.db``."""
    storage = ops.storage.SQLiteStorage(path)
    try:
        _ops_main_mock.UnitStateDB(storage).apply_state(state)
        storage.commit()
    finally:
        storage.close()


def read_unit_state(
    path: Path,
) -> tuple[frozenset[testing.StoredState], list[testing.DeferredEvent]]:
    """The stored state and deferred events a run left in its ``.unit-state.db``."""
    storage = ops.storage.SQLiteStorage(path)
    try:
        db = _ops_main_mock.UnitStateDB(storage)
        return db.get_stored_states(), db.get_deferred_events()
    finally:
        storage.close()
