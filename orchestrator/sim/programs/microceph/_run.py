"""One run of ``microceph`` or ``ceph``: cobra's flags, the output so far, how it ends."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from metal_host import Completed
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ._errors import NOT_INITIALISED, ExitError, not_emulated
from ._state import installed, local_member

if TYPE_CHECKING:
    from ...host import Invocation

_GLOBAL_FLAGS = (
    '--state-dir', '--help', '-h', '--version', '--debug', '-d', '--verbose', '-v',
)  # fmt: skip
"""microceph's persistent flags (``cmd/microceph/main.go``): real, but not emulated."""


def parse(
    argv: Sequence[str],
    values: Sequence[str],
    flags: Sequence[str] = (),
    real: Sequence[str] = (),
) -> tuple[list[str], dict[str, str], set[str]]:
    """Parse as cobra does: (positional, ``--flag value``/``--flag=value``, booleans).

    A flag the command does not have is cobra's ``Error: unknown flag: --X`` (``unknown
    shorthand flag: 'X' in -X``), exit 1; a real one that is not emulated (``real`` and the
    global flags) raises SimError.
    """
    positional: list[str] = []
    given: dict[str, str] = {}
    set_flags: set[str] = set()
    items = list(argv)
    while items:
        item = items.pop(0)
        if not item.startswith('-') or item == '-':
            positional.append(item)
            continue
        name, eq, value = item.partition('=')
        if name in values:
            if not eq:
                if not items:
                    raise ExitError(1, f'Error: flag needs an argument: {name}')
                value = items.pop(0)
            given[name] = value
        elif name in flags:
            set_flags.add(name)
        elif name in (*_GLOBAL_FLAGS, *real):
            not_emulated(f'microceph option {name!r}')
        elif name.startswith('--'):
            raise ExitError(1, f'Error: unknown flag: {name}')
        else:
            raise ExitError(1, f"Error: unknown shorthand flag: '{name[1]}' in {name}")
    return positional, given, set_flags


class Run:
    """One run of ``microceph`` or ``ceph``: its output so far, the machine and the World."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.host = invocation.host
        self.world = invocation.world
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.fmt = 'plain'

    def out(self, text: str) -> None:
        self.stdout.append(text)

    def err(self, text: str) -> None:
        self.stderr.append(text)

    def completed(self, code: int) -> Completed:
        return self.invocation.result(''.join(self.stdout), ''.join(self.stderr), code)

    def local(self) -> tuple[dict[str, Any], dict[str, Any]]:
        found = local_member(self.host, self.world)
        if found is None:
            raise ExitError(1, NOT_INITIALISED)
        return found

    def emit(self, plain: str, data: object) -> int:
        if self.fmt == 'json':
            self.out(json.dumps(data, separators=(',', ':')) + '\n')
        elif self.fmt == 'json-pretty':
            self.out(json.dumps(data, indent=4) + '\n')
        elif plain:
            self.out(plain + '\n')
        return 0

    def main(self) -> int:
        """Run the program; its exit status."""
        raise NotImplementedError


def execute(invocation: Invocation, program: type[Run]) -> Completed:
    """Run ``program`` where the microceph snap is installed; elsewhere it is not there."""
    if not installed(invocation.host):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    run = program(invocation)
    try:
        code = run.main()
    except ExitError as exit_:
        code = exit_.code
        run.stderr.append(exit_.message + '\n')
    return run.completed(code)
