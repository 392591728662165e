"""Hooks on demand: ``resolve`` (``resolved``) a failed hook, run ``update-status`` now."""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import Engine
from ._common import add_seed

__all__ = ['add_hook_commands']


def add_hook_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``resolve`` and ``update-status``."""
    p = commands.add_parser('resolve', aliases=['resolved'], help='retry or skip a failed hook',
                            parents=[common])  # fmt: skip
    p.add_argument('units', nargs='+', metavar='UNIT')
    p.add_argument('--no-retry', action='store_true', help='skip the failed hook')
    add_seed(p)
    p.set_defaults(run=_resolve)

    p = commands.add_parser('update-status', help='run update-status now (olm extension)',
                            parents=[common])  # fmt: skip
    p.add_argument('targets', nargs='*', metavar='APP|UNIT')
    add_seed(p)
    p.set_defaults(run=_update_status)


def _resolve(engine: Engine, args: argparse.Namespace) -> None:
    engine.resolve(args.units, no_retry=args.no_retry)


def _update_status(engine: Engine, args: argparse.Namespace) -> None:
    engine.update_status(args.targets)
