"""maascli's argument parser: the built-in, snap and regiond commands, then one per profile."""

# pyright: strict

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

from ._errors import ExitError, HelpRequestedError, UsageError, not_emulated

if TYPE_CHECKING:
    pass

__all__ = [
    'NOT_EMULATED_COMMANDS',
    'MaasParser',
    'api_url',
    'build_parser',
    'is_set',
    'text_option',
]


def _formatter(prog: str) -> argparse.HelpFormatter:
    # Not a terminal: shutil.get_terminal_size() falls back to 80 columns.
    return argparse.RawDescriptionHelpFormatter(prog, width=78)


class MaasParser(argparse.ArgumentParser):
    """maascli's ArgumentParser, reporting instead of printing and exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault('formatter_class', _formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.format_usage(), message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise ExitError(status, message)

    def print_help(self, file: Any = None) -> None:
        raise HelpRequestedError(self.format_help())


def _name_value_pair(text: str) -> tuple[str, str]:
    """``Action.name_value_pair``: ``name=value`` (CommandError, i.e. SystemExit, otherwise)."""
    name, sep, value = text.partition('=')
    if not sep:
        raise ExitError(1, f'{text!r} is not a name=value or name@=filename pair')
    if name.endswith('@'):
        not_emulated('API arguments read from files (name@=filename)')
    return name, value


NOT_EMULATED_COMMANDS = (
    'list',
    'refresh',
    'migrate',
    'configauth',
    'config-tls',
    'config-vault',
    'msm',
    'changepassword',
)


def build_parser(profiles: Sequence[str]) -> MaasParser:
    """The maascli parser: the built-in, snap and regiond commands, then one per profile."""
    top = MaasParser(prog='maas', epilog='https://maas.io/')
    commands = top.add_subparsers(title='drill down', metavar='COMMAND', dest='command')
    login = commands.add_parser('login')
    login.add_argument('profile_name', metavar='profile-name')
    login.add_argument('url')
    login.add_argument('credentials', nargs='?', default=None)
    login.add_argument('--cacerts')
    login.add_argument('-k', '--insecure', action='store_true', default=False)
    logout = commands.add_parser('logout')
    logout.add_argument('profile_name', metavar='profile-name')
    for name in NOT_EMULATED_COMMANDS[:2]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    _add_init(commands.add_parser('init'))
    _add_config(commands.add_parser('config'))
    commands.add_parser('status')
    for name in NOT_EMULATED_COMMANDS[2:3]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    apikey = commands.add_parser('apikey')
    apikey.add_argument('--username', default=None)
    apikey.add_argument('--generate', action='store_true', default=False)
    apikey.add_argument('--delete', default=None)
    for name in NOT_EMULATED_COMMANDS[3:7]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    createadmin = commands.add_parser('createadmin')
    for option in ('--username', '--password', '--email', '--ssh-import'):
        createadmin.add_argument(option, default=None)
    for name in NOT_EMULATED_COMMANDS[7:]:
        commands.add_parser(name).add_argument('rest', nargs=argparse.REMAINDER)
    for profile in profiles:
        _add_profile(commands.add_parser(profile))
    top.add_argument('--debug', action='store_true', default=False, help=argparse.SUPPRESS)
    return top


def _add_init(parser: MaasParser) -> None:
    modes = parser.add_subparsers(metavar=None, title='run modes', dest='run_mode')
    modes.required = True
    for mode in ('region+rack', 'region', 'rack'):
        sub = modes.add_parser(mode)
        sub.add_argument('--maas-url')
        if mode == 'rack':
            sub.add_argument('--secret')
        else:
            sub.add_argument('--database-uri')
            for option in ('--vault-uri', '--vault-approle-id', '--vault-wrapped-token'):
                sub.add_argument(option)
            sub.add_argument('--vault-secrets-path')
            sub.add_argument('--vault-secrets-mount', default='secret')
            sub.add_argument('--num-workers', type=int)
            for flag in ('debug', 'debug-queries'):
                sub.add_argument(f'--enable-{flag}', action='store_true')
                sub.add_argument(f'--disable-{flag}', action='store_true')
        sub.add_argument('--force', action='store_true')
        if mode != 'rack':
            for option in (
                '--candid-agent-file',
                '--candid-domain',
                '--candid-admin-group',
                '--rbac-url',
                '--rbac-service-name',
                '--admin-username',
                '--admin-password',
                '--admin-email',
                '--admin-ssh-import',
            ):
                sub.add_argument(option, default=None, help=argparse.SUPPRESS)
            sub.add_argument('--skip-admin', action='store_true', help=argparse.SUPPRESS)


def _add_config(parser: MaasParser) -> None:
    for flag in ('--show', '--show-database-password', '--show-secret'):
        parser.add_argument(flag, action='store_true')
    parser.add_argument('--maas-url')
    for option in ('--vault-uri', '--vault-approle-id', '--vault-wrapped-token'):
        parser.add_argument(option)
    parser.add_argument('--vault-secrets-path')
    parser.add_argument('--vault-secrets-mount', default='secret')
    parser.add_argument('--secret')
    parser.add_argument('--num-workers', type=int)
    for flag in ('debug', 'debug-queries'):
        parser.add_argument(f'--enable-{flag}', action='store_true')
        parser.add_argument(f'--disable-{flag}', action='store_true')
    parser.add_argument('--parsable', action='store_true')
    parser.add_argument('--render', action='store_true', help=argparse.SUPPRESS)


def _add_profile(parser: MaasParser) -> None:
    resources = parser.add_subparsers(title='drill down', metavar='COMMAND', dest='resource')
    many = resources.add_parser('rack-controllers').add_subparsers(
        title='drill down', metavar='COMMAND', dest='action'
    )
    one = resources.add_parser('rack-controller').add_subparsers(
        title='drill down', metavar='COMMAND', dest='action'
    )
    actions = [many.add_parser('read'), one.add_parser('read'), one.add_parser('delete')]
    for action in actions[1:]:
        action.add_argument('system_id')
    for action in actions:
        action.add_argument('-d', '--debug', action='store_true', default=False)
        action.add_argument('-k', '--insecure', action='store_true', default=False)
        action.add_argument('data', type=_name_value_pair, nargs='*')


def text_option(options: argparse.Namespace, name: str) -> str | None:
    value = getattr(options, name, None)
    return value if isinstance(value, str) else None


def is_set(options: argparse.Namespace, name: str) -> bool:
    return bool(getattr(options, name, False))


def api_url(url: str) -> str:
    """``maascli.utils.api_url``: the API's URL, ``/api/2.0/`` unless one is given."""
    parsed = urlparse(url)
    path = parsed.path if parsed.path.endswith('/') else parsed.path + '/'
    if re.search('/api/[0-9.]+/?$', path) is None:
        path += 'api/2.0/'
    return parsed._replace(path=path).geturl()
