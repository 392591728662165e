"""``olm run``: an action on a unit, printed as ``juju run`` prints it (what jubilant parses)."""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml

from ..engine import Engine
from ._common import add_format, add_seed, emit, iso, split_kv, task_failed, yaml_mapping
from ._waitflag import add_wait_flags, timed

__all__ = ['add_action_commands']


def add_action_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``run`` command."""
    p = commands.add_parser('run', help='run an action on a unit', parents=[common])
    p.add_argument('unit')
    p.add_argument('action')
    p.add_argument('params', nargs='*', metavar='KEY=VALUE')
    p.add_argument('--params', dest='params_file', metavar='FILE',
                   help='a YAML file of parameters')  # fmt: skip
    add_wait_flags(p)
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    add_seed(p)
    p.set_defaults(run=_run_action)


def _run_action(engine: Engine, args: argparse.Namespace) -> int:
    params: dict[str, object] = {}
    if args.params_file:
        params.update(yaml_mapping(args.params_file, '--params'))
    for key, text in split_kv(args.params, 'action parameters').items():
        params[key] = yaml.safe_load(text) if text else ''
    action = timed(
        args, f'unit {args.unit}', lambda: engine.run_action(args.unit, args.action, params)
    )
    if action is None:
        return 1
    failed = action.status != 'completed'
    if args.format == 'plain':
        for line in action.log:
            print(line, file=sys.stderr)
        if action.results:
            emit(action.results, 'yaml')
    else:
        # juju run --format json|yaml: the whole task, keyed by unit (what jubilant parses).
        task: dict[str, object] = {
            'id': action.id,
            'results': {**action.results, 'return-code': 1 if failed else 0},
            'status': action.status,
            'timing': {
                'enqueued': iso(action.enqueued),
                'started': iso(action.enqueued),
                'completed': iso(action.completed),
            },
            'unit': action.unit,
        }
        if action.log:
            task['log'] = list(action.log)
        if action.message:
            task['message'] = action.message
        emit({action.unit: task}, args.format)
    if failed:
        print(f'Action id {action.id} failed: {action.message}', file=sys.stderr)
        task_failed(action.id, 1)
        return 1
    return 0
