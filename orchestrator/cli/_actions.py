"""``olm run``: an action on a unit, printed as ``juju run`` prints it (what jubilant parses).

See :mod:`._tasks` for the output, the exit status and ``--wait``.
"""

# pyright: strict

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any, Final, cast

import yaml

from ..engine import Engine, TaskNotScheduledError
from ..juju import yamlread
from ._common import UsageError, add_format, add_seed, yaml_mapping
from ._tasks import RUN_WAIT, TaskReport, add_wait, not_scheduled, print_tasks, progress, timed_out

__all__ = ['add_action_commands']


def add_action_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``run`` command."""
    p = commands.add_parser('run', help='run an action on a unit', parents=[common])
    p.add_argument('unit')
    p.add_argument('action')
    p.add_argument('params', nargs='*', metavar='KEY=VALUE')
    p.add_argument('--params', dest='params_file', metavar='FILE',
                   help='a YAML file of parameters')  # fmt: skip
    add_wait(p, RUN_WAIT)
    p.add_argument('--utc', action='store_true', help='show times in UTC')
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    add_seed(p)
    p.set_defaults(run=_run_action)


_NAME: Final = re.compile(r'[a-z0-9](?:[a-z0-9-]*[a-z0-9])?')
"""juju/juju ``internal/charm/actions.go`` ``actionNameRule``: action names and param keys."""
_UNIT_OR_LEADER: Final = re.compile(
    r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/(?:0|[1-9][0-9]*|leader)'
)
"""juju/juju ``cmd/juju/action`` ``unitOrLeaderSnippet``."""


def _check_run_args(unit: str, action: str, params: list[str]) -> list[tuple[list[str], str]]:
    """``juju run``'s ``Init`` (juju/juju ``cmd/juju/action/run.go``), with its messages.

    The unit must be a unit name or ``APP/leader`` (a valid action name in its place means no
    unit was given), the action a valid action name, and each parameter ``key.key...=value``
    with every key a valid name. Returns each parameter as its key path and its text.
    """
    if not _UNIT_OR_LEADER.fullmatch(unit):
        if _NAME.fullmatch(unit):
            raise UsageError('no unit specified')
        raise UsageError(f'invalid unit or action name "{unit}"')
    if not _NAME.fullmatch(action):
        raise UsageError(f'invalid unit or action name "{action}"')
    parsed: list[tuple[list[str], str]] = []
    for arg in params:
        key, sep, text = arg.partition('=')
        if not sep:
            raise UsageError(f'argument "{arg}" must be of the form key.key.key...=value')
        keys = key.split('.')
        for part in keys:
            if not _NAME.fullmatch(part):
                raise UsageError(
                    f'key "{part}" must start and end with lowercase alphanumeric, and contain '
                    'only lowercase alphanumeric and hyphens'
                )
        parsed.append((keys, text))
    return parsed


def _run_action(engine: Engine, args: argparse.Namespace) -> int:
    params: dict[str, object] = {}
    given = _check_run_args(args.unit, args.action, args.params)
    if args.params_file:
        params.update(yaml_mapping(args.params_file, '--params'))
    for keys, text in given:
        # run.go addValueToMap: a dotted key names nested maps (file.kind=xz).
        inner = params
        for part in keys[:-1]:
            nested = inner.get(part)
            if not isinstance(nested, dict):
                nested = inner[part] = {}
            inner = cast('dict[str, object]', nested)
        try:
            inner[keys[-1]] = yamlread.load(text) if text else ''
        except yaml.YAMLError as e:
            name = '.'.join(keys)
            raise UsageError(f'action parameter {name}: {yamlread.describe(e)}') from None
    try:
        action = engine.run_action(args.unit, args.action, params)
    except TaskNotScheduledError as error:
        return not_scheduled(error)
    report = TaskReport(
        task=action.id, operation=action.operation, kind='unit', receiver=action.unit,
        status=action.status, message=action.message, results=action.results,
        returncode=action.returncode, stdout=action.stdout, stderr=action.stderr,
        log=action.log, enqueued=action.enqueued, completed=action.completed,
    )  # fmt: skip
    progress(report)
    if timed_out(report, args.wait):
        return 1
    for line in action.log:
        # The action's log as it streams in (logMessageHandler: the time, then the message).
        print(f'{time.strftime("%H:%M:%S", _moment(action.completed, args.utc))} {line}',
              file=sys.stderr)  # fmt: skip
    return print_tasks(report, args.format, plain='run', utc=args.utc)


def _moment(seconds: float, utc: bool) -> time.struct_time:
    return time.gmtime(seconds) if utc else time.localtime(seconds)
