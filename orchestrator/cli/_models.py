"""The models of olm's controller: add-model, destroy-model, models, show-model, switch.

One state directory is one controller with many models on one pool, as a Juju controller
holds many models on one MAAS cloud; jubilant adds a model per test module and destroys it.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..engine import Engine, EngineError
from ..juju import modelconfig
from ..state.store import CONTROLLER, OWNER, Store, StoreError, parse_model_ref
from ..views import show
from ._common import SIMULATED, add_format, emit, print_table, split_kv

__all__ = ['add_model_commands']


def add_model_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """add-model, destroy-model, models, show-model, switch: olm's controller holds many."""
    p = commands.add_parser('add-model', help='add an empty model and select it',
                            parents=[common])  # fmt: skip
    p.add_argument('name', metavar='MODEL')
    p.add_argument('cloud', nargs='?', help=f'{show.CLOUD}[/{show.REGION}], the only cloud')
    p.add_argument('--no-switch', action='store_true', help='do not select the new model')
    p.add_argument('--controller', dest='model_controller', default=CONTROLLER,
                   help=f'accepted when it names olm\'s own controller, {CONTROLLER}')  # fmt: skip
    p.add_argument('--config', action='append', default=[], metavar='KEY=VALUE',
                   help="the new model's configuration (see olm model-config)")  # fmt: skip
    p.add_argument('--credential', default=None,
                   help=f"accepted when it names olm's one credential, {OWNER}")  # fmt: skip
    p.set_defaults(run=_add_model)

    p = commands.add_parser(
        'destroy-model',
        help="tear a model down: its units' teardown hooks run, its machines go back to the pool",
        parents=[common],
    )
    p.add_argument('name', metavar='MODEL')
    p.add_argument('--no-prompt', '-y', action='store_true', help='do not ask to confirm')
    p.add_argument('--force', action='store_true',
                   help='destroy the model even if a unit cannot be torn down')  # fmt: skip
    p.add_argument('--destroy-storage', action='store_true',
                   help="accepted: MAAS volumes are the machines' disks")  # fmt: skip
    p.add_argument('--release-storage', action='store_true',
                   help="accepted: MAAS volumes are the machines' disks")  # fmt: skip
    p.add_argument('--no-wait', action='store_true',
                   help='with --force: run no teardown hook')  # fmt: skip
    p.add_argument('--timeout', help='accepted: olm always finishes')
    p.set_defaults(run=_destroy_model)

    p = commands.add_parser('models', help="list the controller's models", parents=[common])
    add_format(p)
    p.set_defaults(run=_models)

    p = commands.add_parser('show-model', help='show a model', parents=[common])
    p.add_argument('name', nargs='?', metavar='MODEL')
    add_format(p, default='yaml', choices=('yaml', 'json'))
    p.set_defaults(run=_show_model)

    p = commands.add_parser('switch', help='select the model commands act on', parents=[common])
    p.add_argument('name', nargs='?', metavar='MODEL')
    p.set_defaults(run=_switch)


def _add_model(engine: Engine, args: argparse.Namespace) -> None:
    if args.model_controller != CONTROLLER:
        # jubilant names the controller it adds a model to; olm has only its own.
        raise StoreError(
            f'controller {args.model_controller} not found (olm has one: {CONTROLLER})'
        )
    if args.cloud is not None:
        cloud_name, _, region = args.cloud.partition('/')
        if cloud_name not in (show.CLOUD, show.REGION) or region not in ('', show.REGION):
            raise EngineError(
                f'cloud "{args.cloud}" not found: olm has one, {show.CLOUD}/{show.REGION}'
            )
    if args.credential not in (None, OWNER):
        raise StoreError(f'credential "{args.credential}" not found (olm has one: {OWNER})')
    config = split_kv(args.config, '--config')
    for key, text in config.items():
        modelconfig.coerce(key, text)  # refused before the model exists
    engine.store.add_model(args.name, created=time.time(), switch=not args.no_switch)
    if config:
        added = Store(engine.store.state_dir, model=args.name)
        try:
            Engine(added, seed=engine.seed).set_model_config(config)
        finally:
            added.close()
    print(f"Added '{args.name}' model on {show.CLOUD}/{show.REGION} with credential "
          f"'{OWNER}' for user '{OWNER}'", file=sys.stderr)  # fmt: skip


def _destroy_model(engine: Engine, args: argparse.Namespace) -> int:
    name = parse_model_ref(args.name)
    target = Engine(Store(engine.store.state_dir, model=name), seed=engine.seed)
    try:
        machines = target.machines()
        if not args.no_prompt and not _confirm(
            f'This will destroy the "{name}" model: its units run their teardown hooks and '
            f'its {len(machines)} machine(s) go back to the pool. Continue [y/N]? '
        ):
            print('ERROR destroy model: aborted', file=sys.stderr)
            return 1
        print('Destroying model', file=sys.stderr)
        released = target.destroy_model(force=args.force, no_wait=args.no_wait)
    finally:
        target.store.close()
    hosts = ', '.join(m.hostname for m in released)
    print(f'Model destroyed; released {len(released)} machine(s) to the pool'
          + (f': {hosts}' if hosts else ''), file=sys.stderr)  # fmt: skip
    return 0


def _confirm(question: str) -> bool:
    print(question, end='', file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ('y', 'yes')


def _models(engine: Engine, args: argparse.Namespace) -> None:
    store = engine.store
    records = store.models()
    current = store.current_model()
    machines = store.machines_by_model()
    units = store.units_by_model()
    if args.format != 'tabular':
        emit(show.models_listing(records, machines, current), args.format)
        return
    print(f'Controller: {CONTROLLER} ({SIMULATED})')
    print()
    if not records:
        print('No models to display: add one with olm add-model MODEL.')
        return
    print_table(
        ['Model', 'Cloud/Region', 'Type', 'Status', 'Machines', 'Units', 'Access'],
        (
            [r.name + ('*' if r.name == current else ''), f'{show.CLOUD}/{show.REGION}', 'iaas',
             'available', str(len(machines[r.name])), str(units.get(r.name, 0)), 'admin']
            for r in records
        ),
    )  # fmt: skip


def _show_model(engine: Engine, args: argparse.Namespace) -> None:
    store = engine.store
    name = parse_model_ref(args.name) if args.name else store.model
    by_name = {r.name: r for r in store.models()}
    if name not in by_name:
        raise StoreError(f'model {CONTROLLER}:{OWNER}/{name} not found')
    machines = store.machines_by_model()[name]
    info = show.model_info(by_name[name], machines, current=name == store.current_model())
    emit({name: info}, args.format)


def _switch(engine: Engine, args: argparse.Namespace) -> None:
    store = engine.store
    before = store.current_model()
    if args.name is None:
        if before is None:
            raise StoreError('no selected model: use "olm switch MODEL" or "olm add-model MODEL"')
        print(f'{CONTROLLER}:{OWNER}/{before}')
        return
    name = parse_model_ref(args.name)
    store.switch(name)
    was = f'{CONTROLLER}:{OWNER}/{before}' if before else f'{CONTROLLER} (controller)'
    print(f'{was} -> {CONTROLLER}:{OWNER}/{name}', file=sys.stderr)
