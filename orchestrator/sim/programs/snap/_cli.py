"""``snap``: its commands dispatched to the mixins that implement them."""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING

from metal_host import Completed

from ...host import SIMULATED
from ._alias import AliasCommands
from ._config import Configuration
from ._errors import EXIT_USAGE, SnapError, fill_message
from ._info import Info
from ._install import Installs
from ._options import COMMAND_FLAGS, Options, parse
from ._services import Services

if TYPE_CHECKING:
    from ...host import Invocation


class _Snap(Installs, Services, Configuration, Info, AliasCommands):
    """One ``snap`` run with every command emulated."""


def handle(invocation: Invocation) -> Completed:
    """Run ``snap`` on the invocation's machine."""
    run = _Snap(invocation)
    args = list(invocation.args)
    try:
        if args[:1] in (['--version'], ['version']):
            return run.completed(run.version())
        if not args:
            # go-flags ErrCommandRequired: printShortHelp, exit 0 (cmd/snap/main.go run).
            run.stdout.append('The snap command lets you install, configure, refresh and remove')
            run.stdout.append('snaps. Snaps are packages that work across many different Linux')
            run.stdout.append(f'distributions. ({SIMULATED})')
            return run.completed(0)
        command = args[0]
        if command.startswith('-'):
            raise SnapError(f"unknown flag `{command.lstrip('-').split('=', 1)[0]}'", EXIT_USAGE)
        if command not in COMMAND_FLAGS:
            raise SnapError(f'unknown command "{command}", see \'snap help\'.', EXIT_USAGE)
        options_part = args[1 : args.index('--')] if '--' in args else args[1:]
        if command != 'run' and ('-h' in options_part or '--help' in options_part):
            # go-flags' built-in help (flags.ErrHelp): the command's help on stdout, exit 0.
            run.stdout.append(f'Usage:\n  snap {command} [<options>] ({SIMULATED})')
            return run.completed(0)
        code = _dispatch(run, command, parse(command, args[1:]))
    except SnapError as error:
        text = fill_message(str(error)) if error.filled else str(error)
        run.stderr.append(f'error: {text}')
        return run.completed(error.code)
    return run.completed(code)


def _dispatch(run: _Snap, command: str, options: Options) -> int:
    if command == 'install':
        return run.install(options)
    if command == 'refresh':
        return run.refresh(options)
    if command == 'remove':
        return run.remove(options)
    if command == 'list':
        return run.list(options)
    if command == 'services':
        return run.services(options)
    if command in ('start', 'stop', 'restart'):
        return run.control(command, options)
    if command == 'set':
        return run.set(options)
    if command == 'unset':
        return run.unset(options)
    if command == 'get':
        return run.get(options)
    if command == 'info':
        return run.info(options)
    if command == 'run':
        return run.run(options)
    if command == 'version':
        return run.version()
    if command == 'alias':
        return run.alias(options)
    if command == 'unalias':
        return run.unalias(options)
    if command == 'aliases':
        return run.aliases(options)
    return 0  # wait: the simulated system is always seeded
