"""The model's machines and its constraints (juju/juju ``cmd/juju/machine``, ``cmd/juju/model``).

``add-machine``, ``machines``, ``remove-machine``, ``set-model-constraints`` and
``model-constraints``.
"""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import Engine
from ..juju import constraints as juju_constraints
from ..state import model
from ._common import (
    SIMULATED,
    JoinedWords,
    add_format,
    check_no_wait,
    emit,
    positive_int,
    print_constraints,
    print_table,
)

__all__ = ['add_machine_commands']


def add_machine_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The machine commands and the model-constraints pair."""
    p = commands.add_parser('add-machine', help='provision machines from the pool',
                            parents=[common])  # fmt: skip
    p.add_argument('placement', nargs='?', help='<hostname>, system-id=<id> or zone=<zone>')
    p.add_argument('-n', '--num-machines', dest='count', type=positive_int('-n'), default=1)
    p.add_argument(
        '--constraints',
        action=JoinedWords,
        default='',
        help='Juju constraints, e.g. "mem=6G cores=2"',
    )
    p.set_defaults(run=_add_machine)

    p = commands.add_parser('machines', help="list the model's machines", parents=[common])
    add_format(p)
    p.set_defaults(run=_machines)

    p = commands.add_parser('remove-machine', help='remove machines and release them',
                            parents=[common])  # fmt: skip
    p.add_argument('ids', nargs='+', metavar='ID')
    p.add_argument('--keep-instance', action='store_true',
                   help='leave the MAAS machine allocated')  # fmt: skip
    p.add_argument('--erase', action='store_true', help='erase disks on release')
    p.add_argument('--force', action='store_true',
                   help='remove their units too, without teardown hooks')  # fmt: skip
    p.add_argument('--no-wait', action='store_true', help='with --force: accepted')
    p.set_defaults(run=_remove_machine)

    p = commands.add_parser('set-model-constraints', help="replace the model's constraints",
                            parents=[common])  # fmt: skip
    p.add_argument('constraints', nargs='*', help='key=value ...')
    p.set_defaults(run=_set_model_constraints)

    p = commands.add_parser('model-constraints', help="show the model's constraints",
                            parents=[common])  # fmt: skip
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    p.set_defaults(run=_model_constraints)


def _add_machine(engine: Engine, args: argparse.Namespace) -> None:
    constraints = juju_constraints.parse(args.constraints)
    for m in engine.add_machines(args.count, constraints, args.placement):
        print(f'created machine {m.id} on {m.hostname} ({m.instance_id}, {m.zone}): {m.hardware}')


def _machines(engine: Engine, args: argparse.Namespace) -> None:
    machines = engine.machines()
    if args.format != 'tabular':
        emit({'model': {'name': engine.store.model, 'type': 'olm', 'simulated': True},
               'machines': {m.id: _machine_record(m) for m in machines}}, args.format)  # fmt: skip
        return
    print(f'Model {engine.store.model} ({SIMULATED})')
    print()
    if not machines:
        print('No machines to display.')
        return
    rows = [
        [m.id, m.status, m.address or '-', m.instance_id, m.base, m.zone, m.message]
        for m in machines
    ]
    print_table(['Machine', 'State', 'Address', 'Inst id', 'Base', 'AZ', 'Message'], rows)


def _remove_machine(engine: Engine, args: argparse.Namespace) -> None:
    check_no_wait(args)
    removed = engine.remove_machines(args.ids, keep_instance=args.keep_instance, erase=args.erase,
                                     force=args.force, no_wait=args.no_wait)  # fmt: skip
    for record, released in removed:
        after = (
            f'released {released.hostname} to {released.status.label}'
            if released
            else (f'kept {record.hostname} allocated')
        )
        print(f'removed machine {record.id} ({after})')


def _set_model_constraints(engine: Engine, args: argparse.Namespace) -> None:
    engine.set_model_constraints(juju_constraints.parse(*args.constraints))


def _model_constraints(engine: Engine, args: argparse.Namespace) -> None:
    print_constraints(engine.model_constraints(), args.format)


def _machine_record(m: model.Machine) -> dict[str, object]:
    """One machine in ``juju machines --format yaml`` shape."""
    name, _, channel = m.base.partition('@')
    return {
        'juju-status': {'current': m.status},
        'hostname': m.hostname,
        'dns-name': m.address,
        'ip-addresses': [m.address] if m.address else [],
        'instance-id': m.instance_id,
        'machine-status': {'current': 'running', 'message': m.message},
        'base': {'name': name, 'channel': channel},
        'hardware': m.hardware,
        'constraints': m.constraints,
    }
