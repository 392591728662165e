"""The ``maas`` program: parse, dispatch to the commands, report as the CLI exits."""

# pyright: strict

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from metal_host import Completed
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ...host import SIMULATED
from .._machine_state import mapping
from ._api import ApiClient
from ._config import ConfigCommand
from ._daemons import reconcile
from ._django import DjangoCommands
from ._errors import EndOfInputError, ExitError, HelpRequestedError, UsageError, not_emulated
from ._init import InitCommand
from ._parser import NOT_EMULATED_COMMANDS, MaasParser, build_parser, text_option
from ._state import maas_state, snap_record
from ._status import StatusCommand

if TYPE_CHECKING:
    from ...host import Invocation

__all__ = ['MaasRun', 'handle']


class MaasRun(InitCommand, StatusCommand, ConfigCommand, DjangoCommands, ApiClient):
    """One ``maas`` run with every emulated command."""

    def main(self) -> int:
        """Parse and run; the exit status."""
        args = [str.__str__(arg) for arg in self.invocation.args]  # values as plain strings
        profiles = sorted(mapping(maas_state(self.host).get('profiles')))
        if len(args) >= 2 and args[0] in profiles and args[1] not in _PROFILE_WORDS:
            not_emulated(f'API resource {args[1]!r}')
        parser = build_parser(profiles)
        options = parser.parse_args(args)
        command = text_option(options, 'command')
        if command is None:
            raise UsageError(parser.format_usage(), 'too few arguments')
        if command in NOT_EMULATED_COMMANDS:
            not_emulated(repr(command))
        if command in profiles:
            return self.api(parser, command, options)
        return _COMMANDS[command](self, options, parser)


_PROFILE_WORDS = frozenset({'rack-controllers', 'rack-controller', '-h', '--help'})

_COMMANDS: Mapping[str, Callable[[MaasRun, argparse.Namespace, MaasParser], int]] = {
    'init': MaasRun.init,
    'status': MaasRun.status,
    'config': MaasRun.config,
    'createadmin': MaasRun.createadmin,
    'apikey': MaasRun.apikey,
    'login': MaasRun.login,
    'logout': MaasRun.logout,
}


def handle(invocation: Invocation) -> Completed:
    """Run ``maas`` on the invocation's machine: only where the maas snap is installed."""
    if snap_record(invocation.host) is None:
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    run = MaasRun(invocation)
    reconcile(invocation.world)
    try:
        code = run.main()
    except ExitError as exit_:
        code = exit_.code
        if exit_.message is not None:
            run.stderr.append(exit_.message + '\n')
    except UsageError as error:
        run.stderr.append(f'{error.usage}\n{error.message}\n')
        code = 2
    except HelpRequestedError as help_:
        run.stdout.append(help_.text + f'\n({SIMULATED}: the olm simulation of the MAAS CLI)\n')
        code = 0
    except EndOfInputError:
        run.hang()
    reconcile(invocation.world)
    return run.completed(code)
