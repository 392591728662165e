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

import posixpath

import ops
from metal_host import Completed, HostError

from .. import _compat
from ..juju import charmspec
from ..sim import ExtraProgram, SimHost, run_command_line
from ..state import model
from . import hooktools
from .commit import JUJU_EXEC
from .goal_state import goal_state
from .hooks import Hook
from .projection import ProjectionCache, ingress_address, project
from .runner import Outcome

__all__ = ['JUJU_EXEC', 'juju_exec']


def _read_on_machine(host: SimHost, path: str) -> bytes:
    """A file a hook tool is told to read (``--file PATH``), from the unit's machine."""
    try:
        return host.read_text(posixpath.normpath(posixpath.join('/', path))).encode()
    except HostError:
        raise FileNotFoundError(2, 'No such file or directory', path) from None


def juju_exec(
    m: model.Model,
    unit: model.Unit,
    spec: charmspec.CharmSpec,
    host: SimHost,
    command: str,
) -> tuple[Completed, Outcome]:
    """Run ``command`` on the unit's machine with its hook tools; what to commit."""
    machine = m.machines.get(unit.machine)
    ctx = _compat.OlmContext(
        ops.CharmBase,
        meta=dict(spec.meta),
        config=dict(spec.config_meta),
        actions=dict(spec.actions_meta),
        app_name=unit.application,
        unit_id=unit.number,
        machine_id=unit.machine,
        availability_zone=(machine.zone if machine else '') or None,
    )
    ctx.roots = _compat.CharmRoots()
    hook = Hook(kind=JUJU_EXEC)
    state_in = project(m, unit, hook, spec, ProjectionCache())
    owned = tuple(s.id for s in state_in.secrets if s.owner is not None)
    run = _compat.hook_backend(ctx, ctx.on.update_status(), state_in)
    env = {k: v for k, v in run.env.items() if k not in ('JUJU_HOOK_NAME', 'JUJU_DISPATCH_PATH')}
    address = ingress_address(m, unit, '')
    app = m.applications[unit.application]
    tools = hooktools.ToolContext(
        backend=run.backend,
        state=run.state,
        unit_name=unit.name,
        private_address=address,
        public_address=address,
        goal_state=goal_state(m, unit),
        leader_settings=dict(app.leader_settings),
        charm_state=dict(unit.charm_state),
        env=env,
        read_file=lambda path: _read_on_machine(host, path),
    )

    def served(name: str) -> ExtraProgram:
        def program(args: tuple[str, ...], stdin: str | None) -> tuple[int, str, str]:
            done = hooktools.run_tool(name, args, (stdin or '').encode(), tools)
            return done.returncode, done.stdout.decode(), done.stderr.decode()

        return program

    result = run_command_line(
        host, command, extra={name: served(name) for name in hooktools.HOOK_TOOLS}
    )
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
