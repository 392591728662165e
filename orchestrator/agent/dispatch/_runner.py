"""The dispatch runner: a unit's hook run the way Juju's unit agent runs it.

Juju runs a hook by executing the unit's ``charm/dispatch`` with the hook's environment
(juju/juju ``internal/worker/uniter/runner/runner.go``; the variables from
``internal/worker/uniter/runner/context/context.go`` ``HookVars`` @ b97f4ce and ``env.go``
``ubuntuEnv`` @ 2ba9927) and answers the hook tools it calls over the agent socket. This
runner does the same with the charm staged as charmcraft packs it (:mod:`._staging`), inside
the sandbox of its simulated machine (:mod:`._sandbox`), answering hook tools from Scenario's
model backend (:mod:`orchestrator._compat._backend`, :mod:`orchestrator.agent.hooktools`) and
emulated programs from the machine. It returns the same :class:`~..runner.Outcome` as the
in-process runner, so one commit path decides what of the hook lands.
The hook's environment is :mod:`..hook_environment`'s, with the sandbox's charm directory
and agent socket.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import posixpath
import re
import shutil
import tempfile
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import Any

import ops
from ops import testing

from ... import _compat
from ...juju import charmspec
from ...sim import HttpRequest, HttpResponse, SimHost
from ...state import model
from .. import hooktools
from ..hook_context import tool_context
from ..hook_environment import fixed_environment, tools_dir
from ..hooks import Hook
from ..projection import project
from ..runner import Outcome, Runner, event_for, juju_env_overrides
from ._agent_socket import ServeHttp, run_hook_process
from ._machine_root import materialize, read_in_root, refresh, sync_back
from ._protocol import Request
from ._sandbox import SandboxLayout, SandboxUnavailableError, bwrap_argv, find_bwrap, skeleton
from ._staging import StagedCharm, StagingError, cache_dir, install_client, stage

__all__ = ['HOOK_TIMEOUT', 'DispatchRunner']

HOOK_TIMEOUT = 1800.0
"""Seconds a hook may run. Juju has no limit; olm has one so a stuck charm cannot hang a
settle forever."""

_CLIENT_SOURCE = Path(__file__).with_name('_client.py')
_UNCAUGHT = re.compile(r'^Uncaught (\w+) in charm code: (.*)$')


class DispatchRunner(Runner):
    """Runs hooks through the packed charm's ``dispatch`` in its machine's sandbox."""

    name = 'dispatch'

    def __init__(self, *, cache: Path | None = None) -> None:
        super().__init__()
        self.cache = cache
        self._staged: dict[Path, StagedCharm] = {}
        self._bwrap: str | None = None
        self._client: Path | None = None
        self._skeletons: dict[tuple[str, ...], Path] = {}

    def charm_type(self, spec: charmspec.CharmSpec) -> type[ops.CharmBase]:
        """Metadata only: the charm's code runs in its sandbox, never imported here."""
        del spec
        return ops.CharmBase

    def staged(self, spec: charmspec.CharmSpec) -> StagedCharm:
        """The charm staged as charmcraft packs it (once per runner and content)."""
        staged = self._staged.get(spec.path)
        if staged is None:
            staged = stage(spec, cache=self.cache)
            self._staged[spec.path] = staged
        return staged

    def _skeleton(self, programs: tuple[str, ...]) -> Path:
        found = self._skeletons.get(programs)
        if found is None:
            found = skeleton(self.cache or cache_dir(), programs, sorted(hooktools.HOOK_TOOLS))
            self._skeletons[programs] = found
        return found

    def run(
        self,
        m: model.Model,
        unit: model.Unit,
        hook: Hook,
        spec: charmspec.CharmSpec,
        host: SimHost,
    ) -> Outcome:
        """Run one hook of one unit through its packed charm's ``dispatch``; the model is read.

        A missing bubblewrap or a charm that cannot be staged fails the hook (deploy refused
        both before anything changed; they can only come back later).
        """
        try:
            if self._bwrap is None:
                self._bwrap = find_bwrap()
            staged = self.staged(spec)
        except (SandboxUnavailableError, StagingError) as e:
            # Checked at deploy; should it fail later (the charm's files changed), the hook
            # fails, as a charm that cannot start does, and the rest of the model goes on.
            return Outcome(ok=False, state_in=_compat.empty_state(), error=str(e))
        if self._client is None:
            self._client = install_client(_CLIENT_SOURCE, cache=self.cache)
        machine = m.machines.get(unit.machine)
        ctx = self.context(unit, spec, machine.zone if machine else '')
        state_in = project(m, unit, hook, spec, self.projections)
        owned = tuple(s.id for s in state_in.secrets if s.owner is not None)
        event = event_for(ctx, hook, state_in, m)
        ctx.runtime_env = juju_env_overrides(hook)
        run = _compat.hook_backend(ctx, event, state_in)
        tools = tool_context(m, unit, backend=run.backend, state=run.state, env=run.env)
        work = Path(tempfile.mkdtemp(prefix='olm-hook-'))
        try:
            with _compat.machine_clock(host.world.clock):  # secret-add --expire 1h: model time
                return self._run_sandboxed(
                    work, m, unit, host, staged, ctx, state_in, run, tools, owned
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
            _compat.forget_run(ctx)

    def _run_sandboxed(
        self,
        work: Path,
        m: model.Model,
        unit: model.Unit,
        host: SimHost,
        staged: StagedCharm,
        ctx: _compat.OlmContext,
        state_in: testing.State,
        run: _compat.HookBackend,
        tools: hooktools.ToolContext,
        owned: tuple[str, ...],
    ) -> Outcome:
        root = work / 'root'
        root.mkdir()
        snapshot = materialize(host, root)
        devices: dict[str, Path] = {}
        for index, (path, entry) in enumerate(sorted(snapshot.devices.items())):
            real = work / f'device-{index}'
            real.write_text(entry.content)
            devices[path] = real
        unit_state = work / 'unit-state.db'
        _compat.write_unit_state(unit_state, state_in)
        socket_path = work / 'agent.socket'  # made by the listener, before the hook starts
        # The machine's served sockets (snapd's API), made by their listeners like the agent's.
        served = {
            path: work / f'served-{index}.socket'
            for index, path in enumerate(sorted(host.world.sockets))
        }
        app, _, number = unit.name.rpartition('/')
        layout = SandboxLayout(
            machine_root=root,
            skeleton=self._skeleton(tuple(sorted(host.world.programs))),
            charm=staged.path,
            venv=staged.venv,
            unit_state=unit_state,
            client=self._client or _CLIENT_SOURCE,
            socket=socket_path,
            unit_dir=f'/var/lib/juju/agents/unit-{app}-{number}',
            tools_dir=tools_dir(unit.name),
            devices=devices,
            hostname=host.hostname(),
            served=served,
        )
        # Juju's context ids are <unit>-<hook>-<random> (context.go ``NewHookContext``).
        context_id = (
            f'{unit.name}-{run.env.get("JUJU_HOOK_NAME") or "action"}-{uuid.uuid4().int % 10**19}'
        )
        env = _hook_env(run.env, unit.name, layout, context_id)

        def answer(request: Request) -> tuple[int, bytes, bytes]:
            if request.name in hooktools.HOOK_TOOLS:
                tools.read_file = functools.partial(_in_sandbox, layout, staged, request.cwd)
                result = hooktools.run_tool(request.name, request.args, request.stdin, tools)
                return result.returncode, result.stdout, result.stderr
            sync_back(host, root, snapshot)
            done = host.call(
                [request.name, *request.args],
                input=request.stdin.decode('utf-8', 'replace') if request.stdin else None,
            )
            refresh(host, root, snapshot)
            return done.returncode, done.stdout.encode(), done.stderr.encode()

        def serving(path: str) -> ServeHttp:
            def serve(request: HttpRequest) -> HttpResponse:
                sync_back(host, root, snapshot)
                response = host.request(path, request)
                refresh(host, root, snapshot)
                return response or HttpResponse(404, b'', 'text/plain')

            return serve

        argv = bwrap_argv(self._bwrap or 'bwrap', layout, env, [f'{layout.charm_dir}/dispatch'])
        with _scenario_quiet():
            finished = run_hook_process(
                argv,
                socket_path,
                answer,
                timeout=HOOK_TIMEOUT,
                served={real: serving(path) for path, real in served.items()},
            )
        sync_back(host, root, snapshot)
        printed = tuple(finished.output)
        if finished.returncode != 0 or finished.timed_out:
            logged = tuple((line.level, line.message) for line in ctx.juju_log)
            error = _failure(finished.returncode, logged, finished.output, finished.timed_out)
            # The traceback is in what the charm logged and printed: nothing to add.
            return Outcome(
                ok=False,
                state_in=state_in,
                error=error,
                logs=logged + printed,
                exit_code=finished.returncode if not finished.timed_out else -1,
            )
        stored, deferred = _compat.read_unit_state(unit_state)
        state_out = dataclasses.replace(run.state, stored_states=stored, deferred=deferred)
        failure = _compat.finish(ctx, state_out)
        outcome = self._outcome(ctx, state_in, state_out, owned, _Printed(printed), failure)
        return dataclasses.replace(
            outcome,
            leader_settings=dict(tools.leader_settings),
            charm_state=dict(tools.charm_state),
        )


def _in_sandbox(layout: SandboxLayout, staged: StagedCharm, cwd: str, path: str) -> bytes:
    """A file a hook tool is told to read, as the hook sees it.

    Juju's agent reads the unit's machine: here the staged charm under the charm directory,
    the machine root elsewhere.
    """
    absolute = posixpath.normpath(posixpath.join(cwd or '/', path))
    charm_dir = layout.charm_dir
    if absolute == charm_dir or absolute.startswith(charm_dir + '/'):
        relative = absolute[len(charm_dir) :].lstrip('/')
        if relative == 'venv' or relative.startswith('venv/'):
            if staged.venv is None:
                raise FileNotFoundError(2, 'No such file or directory', path)
            return read_in_root(staged.venv, '/', relative[len('venv') :])
        return read_in_root(staged.path, '/', relative)
    return read_in_root(layout.machine_root, '/', absolute)


@contextlib.contextmanager
def _scenario_quiet() -> Generator[None]:
    """Scenario's own diagnostics while it answers hook tools: not Juju's, and not olm's output.

    Its model backend logs what it thinks a charm should not do (``network_get`` of an
    extra-binding with a relation id); Juju answers those calls without a word.
    """
    scenario_logger = logging.getLogger('ops-scenario')
    level = scenario_logger.level
    scenario_logger.setLevel(logging.CRITICAL + 1)  # its children inherit the level
    try:
        yield
    finally:
        scenario_logger.setLevel(level)


class _Printed:
    """The hook process's output in the shape :meth:`Runner._outcome` reads captured lines."""

    def __init__(self, lines: tuple[tuple[str, str], ...]) -> None:
        self._lines = lines

    def lines(self) -> tuple[tuple[str, str], ...]:
        return self._lines


def _hook_env(
    scenario_env: Any, unit: str, layout: SandboxLayout, context_id: str
) -> dict[str, str]:
    env = {k: str(v) for k, v in dict(scenario_env).items() if k.startswith('JUJU_')}
    env.update(fixed_environment(unit))
    env.update(
        {
            'CHARM_DIR': layout.charm_dir,
            'JUJU_CHARM_DIR': layout.charm_dir,
            'JUJU_CONTEXT_ID': context_id,
            'JUJU_AGENT_SOCKET_ADDRESS': layout.socket_address,
            'JUJU_AGENT_SOCKET_NETWORK': 'unix',
        }
    )
    return env


def _failure(
    returncode: int,
    logged: tuple[tuple[str, str], ...],
    output: list[tuple[str, str]],
    timed_out: bool,
) -> str:
    """The one line that says why the hook failed (the event log has the whole output).

    ops logs an uncaught exception's traceback through ``juju-log`` (``ops/log.py``
    ``setup_root_logging``): its last line (``KeyError: 'x'``) is the in-process runner's
    error line too. Otherwise the last line the hook wrote on stderr, then the exit status.
    """
    if timed_out:
        return f'hook killed after {HOOK_TIMEOUT:.0f}s'
    for level, message in reversed(logged):
        if level == 'ERROR' and message.startswith('Uncaught exception while in charm code'):
            return message.rstrip().splitlines()[-1]
    errors = [line for stream, line in output if stream == 'stderr' and line.strip()]
    for line in errors:
        found = _UNCAUGHT.match(line)
        if found:
            return f'{found.group(1)}: {found.group(2)}'
    if errors:
        return errors[-1]
    return f'exit status {returncode}'
