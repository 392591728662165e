"""Running a read command line: lists, pipelines, emulated commands and the machine's programs."""

# pyright: strict

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import TypeAlias

from metal_host import Completed

from ..host import DEFAULT_ENV, SimHost
from ._builtins import DASH_BUILTINS
from ._call import Call, CommandResult
from ._coreutils import COREUTILS
from ._syntax import SHELL_ERROR, Command, Parser, Reader, ShellError

__all__ = ['ExtraProgram', 'ShellResult', 'run_command_line']


ShellResult: TypeAlias = Completed
"""What a command line gives: argv ``('sh', '-c', COMMAND)``, the exit status of the last
command run, and the standard output and error of every command run, each in order."""

ExtraProgram: TypeAlias = Callable[[tuple[str, ...], 'str | None'], tuple[int, str, str]]
"""A program the caller serves for this line only (arguments, stdin) → (status, out, err):
the unit's hook tools for ``juju exec --unit``, which are on its PATH, not the machine's."""

_NOT_FOUND = 127


_PATH_DIRS = frozenset(DEFAULT_ENV['PATH'].split(':'))


def run_command_line(
    host: SimHost, command: str, *, extra: Mapping[str, ExtraProgram] | None = None
) -> ShellResult:
    """Run a command line on a simulated machine as ``/bin/sh -c COMMAND`` would on a real one.

    It is how ``olm exec`` reaches a simulated machine; see the module's documentation for the
    part of sh it understands. Programs run through :meth:`SimHost.call`, so the World's faults
    apply and nothing is retried, as in a shell.

    Args:
        host: the simulated machine.
        command: the command line (``juju exec``'s arguments joined, quoted for sh).
        extra: programs found before the machine's, by name (a unit's hook tools).

    Returns:
        argv ``('sh', '-c', command)``, the exit status of the last command run (2 when the
        line cannot be run at all), and the standard output and error of the commands run.

    Raises:
        CommandTimeoutError: an emulated program simulated a hang.
    """
    argv = ('sh', '-c', command)
    try:
        items = Parser(Reader(command).read()).parse()
    except ShellError as error:
        return Completed(argv, SHELL_ERROR, '', error.stderr)
    stdout: list[str] = []
    stderr: list[str] = []
    status = 0
    for connector, pipeline in items:
        if (connector == '&&' and status != 0) or (connector == '||' and status == 0):
            continue
        stdin: str | None = None
        for one in pipeline:
            result = _run(host, one, stdin, extra or {})
            stderr.append(result.stderr)
            stdin = result.stdout
            status = result.status
        stdout.append(stdin or '')
    return Completed(argv, status, ''.join(stdout), ''.join(stderr))


def _run(
    host: SimHost, command: Command, stdin: str | None, extra: Mapping[str, ExtraProgram]
) -> CommandResult:
    name = command.argv[0]
    served = extra.get(name)
    if served is not None:
        code, out, err = served(tuple(command.argv[1:]), stdin)
        return CommandResult(out, err, code)
    emulated = _emulated(host, name)
    if emulated is not None:
        try:
            return emulated(Call(host, name, command.argv[1:], stdin, command.line))
        except ShellError as error:
            return CommandResult('', error.stderr, SHELL_ERROR)
    result = host.call(command.argv, input=stdin)
    missing = f'{name}: No such file or directory'
    if result.returncode == _NOT_FOUND and result.stderr.rstrip('\n') == missing:
        return CommandResult(result.stdout, f'sh: {command.line}: {name}: not found\n', _NOT_FOUND)
    return CommandResult(result.stdout, result.stderr, result.returncode)


def _emulated(host: SimHost, name: str) -> Callable[[Call], CommandResult] | None:
    """The command this module emulates for ``name``, if it does.

    dash's own builtins always win; the coreutils-like programs give way to a program of the
    same name registered in the World. A path reaches them only from a PATH directory.
    """
    base = posixpath.basename(name)
    if name != base and posixpath.dirname(name) not in _PATH_DIRS:
        return None
    if name == base and base in DASH_BUILTINS:
        return DASH_BUILTINS[base]
    if base in host.world.programs:
        return None
    return COREUTILS.get(base) or DASH_BUILTINS.get(base)
