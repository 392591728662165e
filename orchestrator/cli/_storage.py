"""Storage pools: ``create-storage-pool``, ``storage-pools`` (juju/juju ``cmd/juju/storage``)."""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import Engine
from ._common import add_format, emit, print_table, split_kv

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
