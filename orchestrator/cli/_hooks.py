"""Hooks on demand: ``resolve`` (``resolved``), ``update-status`` and ``advance-clock``.

``advance-clock`` moves the model's time forward, so that what falls due (a secret's rotation,
a revision's expiry, a failed hook's retry) runs now, as it would under Juju as time passes.
"""

# pyright: strict

from __future__ import annotations

import argparse
import re
from typing import Any

from ..engine import Engine
from ._common import UsageError, add_seed
from ._settle import report_settle

__all__ = ['add_hook_commands']


def add_hook_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``resolve``, ``update-status`` and ``advance-clock``."""
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

    p = commands.add_parser(
        'advance-clock',
        help="move the model's clock forward and run what falls due: secret-rotate, "
        'secret-expired, hook retries (olm extension)',
        parents=[common],
    )
    p.add_argument('duration', metavar='DURATION', type=_duration,
                   help="how far, in Go's time.ParseDuration form: 90m, 25h, 1h30m")  # fmt: skip
    add_seed(p)
    p.set_defaults(run=_advance_clock)


def _resolve(engine: Engine, args: argparse.Namespace) -> None:
    engine.resolve(args.units, no_retry=args.no_retry)


def _update_status(engine: Engine, args: argparse.Namespace) -> None:
    engine.update_status(args.targets)


def _advance_clock(engine: Engine, args: argparse.Namespace) -> None:
    report_settle(engine.advance_clock(args.duration))


_UNITS = {'ns': 1e-9, 'us': 1e-6, '\u00b5s': 1e-6, '\u03bcs': 1e-6, 'ms': 1e-3, 's': 1.0,
          'm': 60.0, 'h': 3600.0}  # fmt: skip
_PART = re.compile(r'(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')


def _duration(text: str) -> float:
    """Seconds in a Go duration (``time.ParseDuration``: ``1h30m``, ``90s``); none negative.

    The units are Go's (``ns`` to ``h``; Go has no days); "0" alone is zero, as in Go.
    """
    if text == '0':
        return 0.0
    total, pos = 0.0, 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise UsageError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or total * 1e9 > 2**63 - 1:  # Go's int64 of nanoseconds overflows
        raise UsageError(f'time: invalid duration "{text}"')
    return total
