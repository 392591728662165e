"""Run one event of one unit through ``ops.testing`` (Scenario), with the unit's projected state.

:class:`Runner` runs the event with the machine's Host bound and returns what came out
(:class:`Outcome`). Nothing here changes the model: the engine decides what of the output
commits. The unit's view of the model is built by :mod:`.projection`; charms are imported in
isolation from each other by :mod:`.charm_loader`.

The runner uses Scenario's public API (``Context.run``, ``ctx.on``) and, for what that does not
allow, :mod:`orchestrator._compat`, where every adaptation is named and documented: the
virtual charm directory built once per charm (and removed by :meth:`Runner.close`), Juju's
environment for relation hooks, the consistency checker off for olm's runs only, the
projection run in place, and what each run leaves behind dropped.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import os
import traceback
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import metal_host
import ops
from ops import testing

from .. import _compat
from ..juju import charmspec
from ..juju.version import JUJU_VERSION
from ..sim import SimHost
from ..state import model
from . import charm_venv, hooktools
from .charm_loader import CharmLoader, CharmLoadError, LoadedCharm
from .confinement import Captured, confined
from .hook_context import LazyTools, read_on_machine, tool_context
from .hook_environment import fixed_environment
from .hooks import Hook
from .projection import (
    MODEL_UUID,
    ProjectionCache,
    decode_deferred,
    decode_stored,
    default_unit_data,
    encode_deferred,
    encode_stored,
    ingress_address,
    port_text,
    project,
    secret_revisions,
    storage_key,
    unit_number,
)

__all__ = [
    'MODEL_UUID',
    'CharmLoadError',
    'CharmLoader',
    'Outcome',
    'PrintedLines',
    'ProjectionCache',
    'Runner',
    'decode_deferred',
    'decode_stored',
    'default_unit_data',
    'encode_deferred',
    'encode_stored',
    'event_for',
    'ingress_address',
    'juju_env_overrides',
    'port_text',
    'project',
    'secret_revisions',
    'unit_context',
]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one run produced.

    Attributes:
        ok: the hook succeeded (an action that called ``event.fail()`` still succeeded as a
            hook: Juju commits its changes and reports the action failed).
        state_in: the projected input state (the charm ran in it: it is the output too).
        state_out: the output state (None when the hook failed).
        error: a one-line description of the uncaught exception.
        traceback: its traceback, for the event log.
        logs: ``(level, message)`` of what the charm logged, then ``(stream, line)`` of what
            it printed (``stdout``, ``stderr``).
        action_results: results set by an action.
        action_logs: messages logged by an action.
        action_failure: the message of ``event.fail()``, if called.
        removed_revisions: secret revisions the charm removed.
        owned_secrets: ids of the secrets the unit managed when the run began.
        leader_settings: the application's leadership settings after the hook (None: the
            runner does not serve ``leader-set``; Scenario's charms cannot call it).
        charm_state: the unit's ``state-set`` state after the hook (None: not served).
        exit_code: the hook process's exit status: 0 when it succeeded, 1 for an uncaught
            exception in the in-process runner (Python's status after its excepthook), the
            process's own in the dispatch runner. Juju reports it as an action's
            ``return-code``.
    """

    ok: bool
    state_in: testing.State
    state_out: testing.State | None = None
    error: str = ''
    traceback: str = ''
    logs: tuple[tuple[str, str], ...] = ()
    action_results: Mapping[str, Any] = dataclasses.field(default_factory=dict[str, Any])
    action_logs: tuple[str, ...] = ()
    action_failure: str | None = None
    removed_revisions: tuple[int, ...] = ()
    owned_secrets: tuple[str, ...] = ()
    leader_settings: Mapping[str, str] | None = None
    charm_state: Mapping[str, str] | None = None
    exit_code: int = 0


def _dispatch_refusal(spec: charmspec.CharmSpec, unit: model.Unit) -> str:
    """What the packed charm's ``dispatch`` prints when it cannot start the charm, or ''.

    Under the ``charm`` plugin, ``dispatch`` is ``#!/bin/sh`` whose third line ``exec``s
    ``./src/charm.py`` (charmcraft 4.4 ``const.py`` ``DISPATCH_CONTENT``); Juju runs it from the
    unit's charm directory, ``/var/lib/juju/agents/unit-<app>-<n>/charm``. Ubuntu's ``/bin/sh``
    is dash, which refuses a file without an executable bit with this text and exit 126 (dash
    0.5.12; checked with the real dash against charmcraft's script). The hook fails, as every
    later one will: the charm never runs.
    """
    if not spec.dispatch_execs_entrypoint:
        return ''
    if os.access(spec.path / spec.entrypoint, os.X_OK):
        return ''
    app, _, number = unit.name.rpartition('/')
    return (
        f'/var/lib/juju/agents/unit-{app}-{number}/charm/dispatch: 3: exec: '
        f'./{spec.entrypoint}: Permission denied'
    )


class Runner:
    """Runs events of units, one at a time (Scenario writes ``JUJU_*`` into ``os.environ``).

    The runner owns the virtual charm directories of its runs (:attr:`charm_roots`); they are
    removed by :meth:`close`, or when the runner is garbage-collected, or at the latest when
    the interpreter exits. A closed runner can still run: it makes them again.
    """

    def __init__(self, loader: CharmLoader | None = None) -> None:
        self.loader = loader or CharmLoader()
        self._contexts: dict[tuple[str, str], _compat.OlmContext] = {}
        self.projections = ProjectionCache()
        self.charm_roots = _compat.CharmRoots()

    def close(self) -> None:
        """Remove the virtual charm directories made so far."""
        self.charm_roots.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def charm_type(self, spec: charmspec.CharmSpec) -> type[ops.CharmBase]:
        """The class Scenario instantiates: the charm's own, imported into this process."""
        return self._load(spec).charm_type

    def _load(self, spec: charmspec.CharmSpec) -> LoadedCharm:
        """The charm imported with its own packages after olm's (:mod:`.charm_venv`).

        Raises:
            CharmLoadError: its ops is one olm's cannot stand in for, or its packages cannot
                be installed.
        """
        if not self.loader.loaded(spec.path):
            try:
                charm_venv.check_scenario_ops(spec)
                extra = charm_venv.scenario_paths(spec)
            except charm_venv.VenvError as error:
                raise CharmLoadError(str(error)) from None
            return self.loader.load(spec.path, extra=extra)
        return self.loader.load(spec.path)

    def context(
        self, unit: model.Unit, spec: charmspec.CharmSpec, zone: str
    ) -> _compat.OlmContext:
        """The (cached) Scenario context of one unit."""
        key = (unit.name, unit.machine)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = unit_context(unit, spec, zone, self.charm_type(spec), self.charm_roots)
            self._contexts[key] = ctx
        return ctx

    name = 'scenario'

    def run(
        self,
        m: model.Model,
        unit: model.Unit,
        hook: Hook,
        spec: charmspec.CharmSpec,
        host: SimHost,
    ) -> Outcome:
        """Run one hook of one unit on its simulated machine; the model is only read.

        The charm's code is confined to ``host`` (:mod:`.confinement`): what it would do to
        the computer olm runs on fails inside the hook instead, and what it prints goes to
        the hook's log.
        """
        refused = _dispatch_refusal(spec, unit)
        if refused:
            return Outcome(
                ok=False, state_in=_compat.empty_state(), error=refused, traceback=refused + '\n'
            )
        machine = m.machines.get(unit.machine)
        try:
            ctx = self.context(unit, spec, machine.zone if machine else '')
            loaded = self._load(spec)
        except CharmLoadError as e:
            # Juju runs the charm in a process of its own, which dies at import: the hook
            # fails, and nothing else in the model notices (CharmLoadError's docstring).
            return Outcome(
                ok=False, state_in=_compat.empty_state(), error=str(e), traceback=e.traceback
            )
        except Exception as e:  # Scenario refusing the charm's class or metadata: the same
            return Outcome(
                ok=False,
                state_in=_compat.empty_state(),
                error=f'cannot load charm {spec.path}: {type(e).__name__}: {e}',
                traceback=''.join(traceback.format_exception(e)),
            )
        state_in = project(m, unit, hook, spec, self.projections)
        owned = tuple(s.id for s in state_in.secrets if s.owner is not None)
        event = event_for(ctx, hook, state_in, m)
        ctx.runtime_env = juju_env_overrides(hook)
        captured = Captured()
        tools: list[LazyTools] = []
        try:

            def around(ops_: Any) -> contextlib.AbstractContextManager[None]:
                def build() -> hooktools.ToolContext:
                    backend, state = _compat.run_backend(ops_)
                    return tool_context(
                        m, unit, backend=backend, state=state, read_file=read_on_machine(host)
                    )

                tools.append(LazyTools(build))
                return confined(host, captured, tools[-1])

            ctx.around_charm = around
            with (
                self.loader.active(loaded),
                metal_host.bound(host),
                _compat.machine_clock(host.world.clock),
            ):
                state_out = ctx.run(event, state_in)
            return _with_tools(self._outcome(ctx, state_in, state_out, owned, captured), tools)
        except testing.ActionFailed as failed:
            out: Any = failed.state
            outcome = self._outcome(
                ctx, state_in, out, owned, captured, action_failure=failed.message
            )
            return _with_tools(outcome, tools)
        except SystemExit as e:
            # The charm ended its own process: under Juju the hook fails with the exit status
            # (the dispatch runner's text); olm's process goes on.
            code = e.code if isinstance(e.code, int) else 1 if e.code else 0
            error = (
                f'exit status {code}'
                if code
                else 'the charm exited (sys.exit(0)) before the hook finished: the in-process '
                'runner keeps nothing of a hook it did not finish (--runner dispatch runs it '
                'as Juju does)'
            )
            return Outcome(
                ok=False,
                state_in=state_in,
                error=error,
                traceback=''.join(traceback.format_exception(e)),
                logs=_logs(ctx, captured),
            )
        except Exception as e:  # the charm's own exception, whatever it is
            cause = (
                e.__cause__
                if isinstance(e, testing.errors.UncaughtCharmError) and e.__cause__
                else e
            )
            logs = _logs(ctx, captured)
            if hook.kind == 'action':
                logs += _uncaught_on_stderr(cause)
            return Outcome(
                ok=False,
                state_in=state_in,
                error=f'{type(cause).__name__}: {cause}',
                traceback=''.join(traceback.format_exception(cause)),
                logs=logs,
                exit_code=1,
            )
        finally:
            _compat.forget_run(ctx)

    @staticmethod
    def _outcome(
        ctx: _compat.OlmContext,
        state_in: testing.State,
        state_out: testing.State | None,
        owned: tuple[str, ...],
        captured: PrintedLines,
        action_failure: str | None = None,
    ) -> Outcome:
        return Outcome(
            ok=True,
            state_in=state_in,
            state_out=state_out if state_out is not None else state_in,
            logs=_logs(ctx, captured),
            action_results=dict(ctx.action_results or {}),
            action_logs=tuple(ctx.action_logs),
            action_failure=action_failure,
            removed_revisions=tuple(ctx.removed_secret_revisions),
            owned_secrets=owned,
        )


def unit_context(
    unit: model.Unit,
    spec: charmspec.CharmSpec,
    zone: str,
    charm_type: type[ops.CharmBase],
    roots: _compat.CharmRoots,
) -> _compat.OlmContext:
    """A Scenario context for one unit of a charm, its charm directory in ``roots``."""
    ctx = _compat.OlmContext(
        charm_type,
        meta=dict(spec.meta),
        config=dict(spec.config_meta),
        actions=dict(spec.actions_meta),
        app_name=unit.application,
        unit_id=unit.number,
        machine_id=unit.machine,
        availability_zone=zone or None,
        juju_version=JUJU_VERSION,  # the Juju olm models: JUJU_VERSION in the hook
    )
    ctx.charm_path = spec.path
    ctx.roots = roots
    ctx.base_env = fixed_environment(unit.name)
    return ctx


def _with_tools(outcome: Outcome, tools: list[LazyTools]) -> Outcome:
    """The outcome with what the hook tools keep apart from Scenario's state, if any ran."""
    context = tools[-1].context if tools else None
    if context is None:
        return outcome
    return dataclasses.replace(
        outcome,
        leader_settings=dict(context.leader_settings),
        charm_state=dict(context.charm_state),
    )


class PrintedLines(Protocol):
    """What a hook printed, ``(stream, line)`` (:class:`.confinement.Captured`, or a process's)."""

    def lines(self) -> Sequence[tuple[str, str]]:
        """Every line printed, with its stream."""
        ...


def _logs(ctx: _compat.OlmContext, captured: PrintedLines) -> tuple[tuple[str, str], ...]:
    """What the charm logged (juju-log), then what it printed (``stdout``/``stderr`` lines)."""
    logged = tuple((line.level, line.message) for line in ctx.juju_log)
    return logged + tuple(captured.lines())


def _uncaught_on_stderr(cause: BaseException) -> tuple[tuple[str, str], ...]:
    """What ops prints on stderr for an uncaught exception in an action's handler.

    ops' excepthook logs the traceback through ``juju-log`` and, when the event is an action,
    also writes two lines to stderr (canonical/operator ``ops/log.py`` ``setup_root_logging``
    with ``exc_stderr``, set by ``ops/_main.py`` for actions, @ 3.8.0), which Juju returns as
    the action's ``stderr``. Scenario raises instead of running the excepthook, so the
    in-process runner writes them.
    """
    return (
        ('stderr', f'Uncaught {type(cause).__name__} in charm code: {cause}'),
        ('stderr', 'Use `juju debug-log` to see the full traceback.'),
    )


def juju_env_overrides(hook: Hook) -> dict[str, str | None]:
    """Where Juju's hook environment differs from Scenario's (None: the variable is unset)."""
    if hook.kind == 'relation-changed' and hook.remote_unit is None:
        # Juju sets the variable empty for an application-databag change.
        return {'JUJU_REMOTE_UNIT': ''}
    if hook.kind == 'relation-departed' and hook.departing_unit:
        return {'JUJU_DEPARTING_UNIT': hook.departing_unit}
    return {}


def event_for(ctx: _compat.OlmContext, hook: Hook, st: testing.State, m: model.Model) -> Any:
    """The Scenario event for a hook."""
    on = ctx.on
    simple = {
        'install': on.install,
        'start': on.start,
        'stop': on.stop,
        'remove': on.remove,
        'config-changed': on.config_changed,
        'upgrade-charm': on.upgrade_charm,
        'update-status': on.update_status,
        'leader-elected': on.leader_elected,
    }
    if hook.kind in simple:
        return simple[hook.kind]()
    if hook.kind == 'leader-settings-changed':
        return _compat.leader_settings_changed()
    if hook.is_relation:
        relation = next(r for r in st.relations if r.id == hook.relation_id)
        remote = None if hook.remote_unit is None else unit_number(hook.remote_unit)
        kind = hook.kind.removeprefix('relation-')
        if kind == 'created':
            return on.relation_created(relation)
        if kind == 'broken':
            return on.relation_broken(relation)
        if kind == 'joined':
            return on.relation_joined(relation, remote_unit=remote)
        if kind == 'changed':
            return on.relation_changed(relation, remote_unit=remote)
        return on.relation_departed(relation, remote_unit=remote, departing_unit=remote)
    if hook.storage_id is not None:
        name, index = storage_key(hook.storage_id)
        attached = next(x for x in st.storages if (x.name, x.index) == (name, index))
        if hook.kind == 'storage-attached':
            return on.storage_attached(attached)
        return on.storage_detaching(attached)
    if hook.kind == 'action':
        action = m.actions[str(hook.action_id)]
        return on.action(action.name, params=dict(action.params), id=action.id)
    secret = next(s for s in st.secrets if s.id == hook.secret_id)
    if hook.kind == 'secret-changed':
        return on.secret_changed(secret)
    if hook.kind == 'secret-rotate':
        return on.secret_rotate(secret)
    if hook.kind == 'secret-expired':
        return on.secret_expired(
            secret, revision=hook.secret_revision or secret_revisions(secret)[1]
        )
    return on.secret_remove(secret, revision=hook.secret_revision or 1)
