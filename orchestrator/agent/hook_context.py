"""The unit's hook tools for one run: their context, and the tools as programs to route to.

Every runner answers a unit's hook tools from Scenario's model backend on the run's output
state (:mod:`orchestrator.agent.hooktools`); what the backend does not model (addresses,
goal state, leadership settings, charm state) comes from olm's model here, the same for the
in-process runner, the dispatch runner and ``juju exec``.
"""

# pyright: strict

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from metal_host import HostError
from ops import testing

from ..sim import ExtraProgram, SimHost
from ..state import model
from . import hooktools
from .goal_state import goal_state
from .projection import ingress_address

__all__ = ['LazyTools', 'as_programs', 'read_on_machine', 'tool_context']


def tool_context(
    m: model.Model,
    unit: model.Unit,
    *,
    backend: Any,
    state: testing.State,
    env: Mapping[str, str] | None = None,
    read_file: Callable[[str], bytes] | None = None,
) -> hooktools.ToolContext:
    """The context a unit's hook tools answer from during one run.

    ``env`` defaults to the ``JUJU_*`` variables this process has now (what Scenario set for
    an in-process run).
    """
    address = ingress_address(m, unit, '')
    app = m.applications[unit.application]
    if env is None:
        env = {k: v for k, v in os.environ.items() if k.startswith('JUJU_')}
    return hooktools.ToolContext(
        backend=backend,
        state=state,
        unit_name=unit.name,
        private_address=address,
        public_address=address,
        goal_state=_GoalState(m, unit),
        leader_settings=dict(app.leader_settings),
        charm_state=dict(unit.charm_state),
        env=env,
        read_file=read_file,
    )


class _GoalState(Mapping[str, Any]):
    """``goal-state``'s answer, worked out only if the charm asks (it reads the whole model)."""

    def __init__(self, m: model.Model, unit: model.Unit) -> None:
        self._args = (m, unit)
        self._found: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        if self._found is None:
            self._found = goal_state(*self._args)
        return self._found

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())


def as_programs(tools: hooktools.ToolContext) -> dict[str, ExtraProgram]:
    """Each hook tool as a program of text in and out, for the machine's shell and routing."""

    def program(name: str) -> ExtraProgram:
        def run(args: tuple[str, ...], stdin: str | None) -> tuple[int, str, str]:
            done = hooktools.run_tool(name, args, (stdin or '').encode(), tools)
            return done.returncode, done.stdout.decode(), done.stderr.decode()

        return run

    return {name: program(name) for name in hooktools.HOOK_TOOLS}


class LazyTools(Mapping[str, ExtraProgram]):
    """The hook tools as programs, their context made only when the charm calls one.

    Most hooks of an ops charm never run a hook tool themselves (ops' model reaches the backend
    in process), so the in-process runner does not pay for a context it will not use.

    Attributes:
        context: the tools' context once made (None: no tool was called).
    """

    def __init__(self, build: Callable[[], hooktools.ToolContext]) -> None:
        self._build = build
        self._programs: dict[str, ExtraProgram] | None = None
        self.context: hooktools.ToolContext | None = None

    def __getitem__(self, name: str) -> ExtraProgram:
        if name not in hooktools.HOOK_TOOLS:
            raise KeyError(name)
        if self._programs is None:
            self.context = self._build()
            self._programs = as_programs(self.context)
        return self._programs[name]

    def __contains__(self, name: object) -> bool:
        return name in hooktools.HOOK_TOOLS

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(hooktools.HOOK_TOOLS))

    def __len__(self) -> int:
        return len(hooktools.HOOK_TOOLS)


def read_on_machine(host: SimHost) -> Callable[[str], bytes]:
    """Reads a file a hook tool is told to read (``--file PATH``) from the unit's machine."""

    def read(path: str) -> bytes:
        try:
            return host.read_text(posixpath.normpath(posixpath.join('/', path))).encode()
        except HostError:
            raise FileNotFoundError(2, 'No such file or directory', path) from None

    return read
