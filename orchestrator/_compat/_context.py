"""The Scenario context olm runs each hook in: Scenario's ``Context`` with olm's runtime.

Scenario's public ``Context.run`` builds a fresh ``Runtime`` per run
(``scenario/context.py`` ``Context._run``); olm overrides that private step so that its runs

- use the runner's virtual charm directory (:class:`CharmRoots`) instead of writing one per run
  (``Runtime._virtual_charm_root``);
- see the environment Juju gives the hook (``Runtime._get_event_env``): ``JUJU_REMOTE_UNIT``
  empty for an application-databag ``relation-changed`` (Scenario would invent a unit),
  ``JUJU_DEPARTING_UNIT`` naming the unit that really leaves;
- run inside :func:`._scope.olm_run` (the consistency checker off, olm's adaptations on);
- run the charm's own code (ops' main: the charm's ``__init__``, its handlers) inside the
  context manager the runner gives (:attr:`OlmContext.around_charm`: olm confines a hook to
  its simulated machine there), after Scenario has set the run up and before it reads the
  output state;
- let go of the run's objects afterwards (:func:`forget_run`,
  :func:`._ops_model.forget_framework_events`).

Scenario logs a warning when a relation-changed has no remote unit; for an application-databag
change that is exactly what Juju does, so Scenario's logger is set to errors only (at import).
"""

# pyright: strict
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false
# pyright: reportIncompatibleMethodOverride=false

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any

import ops
from ops import testing
from scenario import _runtime

from . import _ops_model, _scope
from ._charm_roots import CharmRoots

__all__ = ['OlmContext', 'forget_run']

logging.getLogger('ops-scenario').setLevel(logging.ERROR)


class _Runtime(_runtime.Runtime[ops.CharmBase]):
    """Scenario's runtime with the runner's charm directory and Juju's hook environment."""

    roots: CharmRoots
    charm_path: Path = Path()
    env_overrides: Mapping[str, str | None] = {}
    base_env: Mapping[str, str] | None = None

    @contextlib.contextmanager
    def _virtual_charm_root(self) -> Generator[Path]:
        # Entered after the consistency checker read its switch and before Scenario saves
        # os.environ and adds the hook's variables, so the charm sees base_env and those only.
        spec = self._charm_spec
        root = self.roots.root(self.charm_path, spec.meta, spec.config, spec.actions)
        if self.base_env is None:
            yield root
            return
        with _only_environment(self.base_env):
            yield root

    def _get_event_env(self, state: Any, event: Any, charm_root: Path) -> dict[str, str]:
        env = super()._get_event_env(state, event, charm_root)
        if self.base_env is not None:
            env['CHARM_DIR'] = env['JUJU_CHARM_DIR']
        for key, value in self.env_overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env


class OlmContext(testing.Context[ops.CharmBase]):
    """A Scenario ``Context`` whose runs are olm's (see the module's docstring).

    Attributes:
        roots: the runner's virtual charm directories.
        charm_path: the charm's own directory (its files are linked into the virtual one).
        runtime_env: environment variables to set (or, with None, unset) for the next run.
        base_env: the whole environment of a run apart from Scenario's ``JUJU_*`` variables
            (Juju's hooks see no other); None leaves os.environ as it is, as Scenario does.
        around_charm: made anew for each run, given Scenario's ``Ops`` of the run (its model
            backend is what the unit's hook tools answer from); the charm's code runs inside.
    """

    roots: CharmRoots
    charm_path: Path = Path()
    runtime_env: Mapping[str, str | None] = {}
    base_env: Mapping[str, str] | None = None
    around_charm: Callable[[Any], contextlib.AbstractContextManager[None]] = lambda ops_: (
        contextlib.nullcontext()
    )

    def olm_runtime(self) -> _Runtime:
        """Scenario's runtime for the next run, as ``Context._run`` makes it, with olm's parts."""
        runtime = _Runtime(
            app_name=self.app_name,
            charm_spec=self._charm_spec,
            juju_version=self.juju_version,
            charm_root=self.charm_root,
            unit_id=self.unit_id,
            machine_id=self._machine_id,
            availability_zone=self._availability_zone,
            principal_unit=self._principal_unit,
        )
        runtime.roots = self.roots
        runtime.env_overrides = self.runtime_env
        runtime.base_env = self.base_env
        runtime.charm_path = self.charm_path
        return runtime

    @contextlib.contextmanager
    def _run(self, event: Any, state: Any) -> Generator[Any]:
        # As scenario/context.py Context._run, with olm's runtime and scope.
        runtime = self.olm_runtime()
        if event.action:
            self.action_logs.clear()
            if self.action_results is not None:
                self.action_results.clear()
            self._action_failure_message = None
        framework = None
        try:
            with (
                _scope.olm_run(self.roots),
                runtime.exec(state=state, event=event, context=self) as ops_,
                self.around_charm(ops_),
            ):
                framework = ops_.framework
                yield ops_
        finally:
            _ops_model.forget_framework_events(framework)
        if event.action and self._action_failure_message is not None:
            raise testing.ActionFailed(
                self._action_failure_message,
                state=self._output_state,  # pyright: ignore[reportArgumentType]
            )


@contextlib.contextmanager
def _only_environment(env: Mapping[str, str]) -> Generator[None]:
    """os.environ is ``env`` alone for the block, then as it was."""
    saved = os.environ.copy()
    for key in saved.keys() - env.keys():
        del os.environ[key]
    os.environ.update(env)
    try:
        yield
    finally:
        for key in os.environ.keys() - saved.keys():
            del os.environ[key]
        os.environ.update(saved)


def forget_run(ctx: OlmContext) -> None:
    """Drop what the context recorded of a run once the outcome has been read.

    The context is kept per unit; its emitted events refer to the run's framework, charm and
    model, and so does the run's :attr:`~OlmContext.around_charm` (through the hook tools it
    made from the run's ``Ops``): kept until the unit's next hook, they would be promoted to
    the collector's oldest generation by then, which the settle loop collects only now and
    then (one framework, charm and model, ~160 objects and ~20 kB, per hook run).
    """
    for history in (ctx.juju_log, ctx.unit_status_history, ctx.app_status_history,
                    ctx.workload_version_history, ctx.removed_secret_revisions,
                    ctx.emitted_events, ctx.action_logs):  # fmt: skip
        history.clear()
    ctx._output_state = None
    # Back to the class's no-op: the run's closure holds the run's Ops (its framework).
    vars(ctx).pop('around_charm', None)
