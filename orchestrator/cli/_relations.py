"""Relations: ``integrate`` and ``remove-relation`` (juju/juju ``cmd/juju/application``)."""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import Engine
from ._common import add_seed

__all__ = ['add_relation_commands']


def add_relation_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``integrate`` and ``remove-relation``."""
    p = commands.add_parser('integrate', help='relate two applications', parents=[common])
    p.add_argument('a', metavar='APP[:ENDPOINT]')
    p.add_argument('b', metavar='APP[:ENDPOINT]')
    add_seed(p)
    p.set_defaults(run=_integrate)

    p = commands.add_parser('remove-relation', help='remove a relation', parents=[common])
    p.add_argument('a', metavar='APP[:ENDPOINT]')
    p.add_argument('b', metavar='APP[:ENDPOINT]')
    add_seed(p)
    p.set_defaults(run=_remove_relation)


def _integrate(engine: Engine, args: argparse.Namespace) -> None:
    print(f'added relation {engine.integrate(args.a, args.b)}')


def _remove_relation(engine: Engine, args: argparse.Namespace) -> None:
    print(f'removed relation {engine.remove_relation(args.a, args.b)}')
