"""``olm run``: an action on a unit, printed as ``juju run`` prints it (what jubilant parses).

See :mod:`._tasks` for the output, the exit status and ``--wait``.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import yaml

from ..engine import Engine, TaskNotScheduledError
from ..juju import yamlread
from ._common import UsageError, add_format, add_seed, split_kv, yaml_mapping
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


def _run_action(engine: Engine, args: argparse.Namespace) -> int:
    params: dict[str, object] = {}
    if args.params_file:
        params.update(yaml_mapping(args.params_file, '--params'))
    for key, text in split_kv(args.params, 'action parameters').items():
        try:
            params[key] = yamlread.load(text) if text else ''
        except yaml.YAMLError as e:
            raise UsageError(f'action parameter {key}: {yamlread.describe(e)}') from None
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
