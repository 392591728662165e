"""Storage: ``create-storage-pool``, ``storage-pools``, ``storage``, ``add-storage``.

juju/juju ``cmd/juju/storage``: ``storage`` lists the instances (``--format json``: storage,
filesystems, volumes); ``add-storage UNIT STORE=DIRECTIVE`` adds instances to a unit and prints
``added storage ID to UNIT`` for each.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..engine import Engine
from ..views import storage as storage_view
from ._common import UsageError, add_format, add_seed, emit, print_table, split_kv

__all__ = ['add_storage_commands']


def add_storage_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``create-storage-pool`` and ``storage-pools``."""
    p = commands.add_parser('create-storage-pool', help='create a storage pool',
                            parents=[common])  # fmt: skip
    p.add_argument('name')
    p.add_argument('provider', help='maas, loop, rootfs or tmpfs')
    p.add_argument('attrs', nargs='*', metavar='KEY=VALUE', help='e.g. tags=ssd for maas')
    p.set_defaults(run=_create_storage_pool)

    p = commands.add_parser('storage-pools', help="list the model's storage pools",
                            parents=[common])  # fmt: skip
    add_format(p, default='tabular')
    p.set_defaults(run=_storage_pools)

    p = commands.add_parser('storage', aliases=['list-storage'], parents=[common],
                            help="list the model's storage instances")  # fmt: skip
    p.add_argument('--filesystem', action='store_true', help='list filesystems')
    p.add_argument('--volume', action='store_true', help='list volumes')
    add_format(p, default='tabular')
    p.set_defaults(run=_storage)

    p = commands.add_parser('add-storage', help='add storage instances to a unit',
                            parents=[common])  # fmt: skip
    p.add_argument('unit', metavar='UNIT')
    p.add_argument('directives', nargs='*', metavar='STORE=POOL,COUNT,SIZE')
    add_seed(p)
    p.set_defaults(run=_add_storage)


def _create_storage_pool(engine: Engine, args: argparse.Namespace) -> None:
    engine.create_storage_pool(args.name, args.provider, split_kv(args.attrs, 'attribute'))


def _storage_pools(engine: Engine, args: argparse.Namespace) -> None:
    pools = engine.storage_pools()
    if args.format != 'tabular':
        emit({name: pool.to_json() for name, pool in sorted(pools.items())}, args.format)
        return
    print_table(
        ['Name', 'Provider', 'Attributes'],
        (
            [p.name, p.provider, ' '.join(f'{k}={v}' for k, v in sorted(p.attrs.items()))]
            for _, p in sorted(pools.items())
        ),
    )


def _storage(engine: Engine, args: argparse.Namespace) -> None:
    instances = engine.storage()
    document = storage_view.combined(instances)
    if args.filesystem or args.volume:
        key = 'filesystems' if args.filesystem else 'volumes'
        document = {key: document.get(key, {})} if document else {}
    if args.format != 'tabular':
        emit(document, args.format)
        return
    if not instances:
        print('No storage to display.', file=sys.stderr)
        return
    print_table(['Unit', 'Storage ID', 'Type', 'Pool', 'Mountpoint', 'Size', 'Status'],
                storage_view.rows(instances))  # fmt: skip


def _add_storage(engine: Engine, args: argparse.Namespace) -> None:
    if not args.directives:
        raise UsageError('storage add requires a unit and a storage directive')
    for store, directive in split_kv(args.directives, 'storage directive').items():
        for storage_id in engine.add_storage(args.unit, store, directive):
            print(f'added storage {storage_id} to {args.unit}')
