"""``juju exec --unit``: a command line on the unit's machine, with its hook tools in reach.

Juju runs the commands in a hook context of their own (juju/juju
``internal/worker/uniter/runner/runner.go`` ``RunCommands``): the unit's hook tools answer
from the unit's view of the model, there is no hook name and no relation, and the context is
flushed afterwards whatever the commands' exit status (``Flush("run commands", err)`` gets the
runner's error, not the exit code), so a ``relation-set`` or ``status-set`` in the line
commits. olm runs the line with the simulated machine's shell
(:func:`orchestrator.sim.run_command_line`), the hook tools served by
:mod:`orchestrator.agent.hooktools` from the unit's projected state; the result is an
:class:`~.runner.Outcome` for :func:`orchestrator.agent.commit.apply_success` with the
:data:`JUJU_EXEC` pseudo-hook.
"""

# pyright: strict

from __future__ import annotations

import ops
from metal_host import Completed

from .. import _compat
from ..juju import charmspec
from ..sim import SimHost, run_command_line
from ..state import model
from .commit import JUJU_EXEC
from .hook_context import as_programs, read_on_machine, tool_context
from .hooks import Hook
from .projection import ProjectionCache, project
from .runner import Outcome, unit_context

__all__ = ['JUJU_EXEC', 'juju_exec']


def juju_exec(
    m: model.Model,
    unit: model.Unit,
    spec: charmspec.CharmSpec,
    host: SimHost,
    command: str,
) -> tuple[Completed, Outcome]:
    """Run ``command`` on the unit's machine with its hook tools; what to commit."""
    machine = m.machines.get(unit.machine)
    zone = machine.zone if machine else ''
    ctx = unit_context(unit, spec, zone, ops.CharmBase, _compat.CharmRoots())
    hook = Hook(kind=JUJU_EXEC)
    state_in = project(m, unit, hook, spec, ProjectionCache())
    owned = tuple(s.id for s in state_in.secrets if s.owner is not None)
    run = _compat.hook_backend(ctx, ctx.on.update_status(), state_in)
    env = {k: v for k, v in run.env.items() if k not in ('JUJU_HOOK_NAME', 'JUJU_DISPATCH_PATH')}
    tools = tool_context(
        m, unit, backend=run.backend, state=run.state, env=env, read_file=read_on_machine(host)
    )
    result = run_command_line(host, command, extra=as_programs(tools))
    _compat.finish(ctx, run.state)
    outcome = Outcome(
        ok=True,
        state_in=state_in,
        state_out=run.state,
        logs=tuple((line.level, line.message) for line in ctx.juju_log),
        removed_revisions=tuple(ctx.removed_secret_revisions),
        owned_secrets=owned,
        leader_settings=dict(tools.leader_settings),
        charm_state=dict(tools.charm_state),
    )
    _compat.forget_run(ctx)
    ctx.roots.close()
    return result, outcome
