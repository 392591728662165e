"""``wait``, and how a settle shows: hook progress on standard error, then one summary line.

``deploy`` and ``add-unit`` settle the model too, and print the same way.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..engine import Engine, SettleResult
from ._common import SIMULATED, add_seed, seconds_arg

__all__ = ['add_wait_command', 'progress_printer', 'report_settle']


def add_wait_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``wait`` command."""
    p = commands.add_parser('wait', help='settle the model, stopping at an error',
                            parents=[common])  # fmt: skip
    p.add_argument('--timeout', type=seconds_arg('--timeout'), default=600.0, metavar='SECONDS')
    p.add_argument('--quiet', action='store_true', help='no progress display')
    add_seed(p)
    p.set_defaults(run=_wait)


def _wait(engine: Engine, args: argparse.Namespace) -> None:
    if not args.quiet:
        engine.progress = progress_printer()
    result = engine.wait(timeout=args.timeout)
    report_settle(result)


def report_settle(result: SettleResult | None) -> None:
    if result is None:
        return
    state = 'settled' if result.settled else 'units in error: ' + ', '.join(result.errors)
    print(f'Ran {result.hooks} hooks on {SIMULATED}; {state} (seed {result.seed}).')


def progress_printer(every: int = 1) -> Callable[[str], None]:
    """Print hook lines to standard error: every one, or one in ``every`` and each failure."""
    count = [0]

    def show(line: str) -> None:
        count[0] += 1
        if every == 1 or count[0] % every == 0 or line.endswith('(failed)'):
            print(f'[{count[0]} hooks] {line}', file=sys.stderr, flush=True)

    return show
