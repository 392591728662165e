"""``juju run`` and ``juju exec``'s ``--wait`` (and ``--background``), honoured.

juju/juju ``cmd/juju/action/common.go`` (``runCommandBase``): ``--wait`` is a Go duration, the
maximum time to wait for the task to complete (0, the default, means 60 seconds); the client
fetches the task at once and then every 20 ms or more, and gives up when the wait is over
with ``timed out waiting for results from: unit app/0`` (``machine 0``), exit status 1, while
the task carries on. olm runs the task to its end before it answers, so a task that took
longer than the wait is one Juju's client would have given up on: olm says so the same way
(the task's outcome is kept, as the controller keeps it). ``--background`` with ``--wait``
is Juju's usage error.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from ..juju import modelconfig
from ._common import UsageError

__all__ = ['add_wait_flags', 'timed']

_T = TypeVar('_T')
_DEFAULT_WAIT = 60.0


def add_wait_flags(p: argparse.ArgumentParser) -> None:
    """``--wait DURATION`` and ``--background``."""
    p.add_argument('--wait', default='0', metavar='DURATION',
                   help='maximum wait time for the task (a Go duration; default 60s)')  # fmt: skip
    p.add_argument('--background', action='store_true',
                   help='accepted: olm runs the task before it answers')  # fmt: skip


def _seconds(args: argparse.Namespace) -> float:
    try:
        wait = modelconfig.go_duration(args.wait)
    except ValueError as error:
        raise UsageError(f'invalid value "{args.wait}" for flag --wait: {error}') from None
    if args.background and wait > 0:
        raise UsageError('cannot specify both --wait and --background')
    return wait if wait != 0 else _DEFAULT_WAIT


def timed(args: argparse.Namespace, receiver: str, task: Callable[[], _T]) -> _T | None:
    """Run the task; None (after Juju's message) when it took longer than ``--wait``.

    Args:
        args: the command's arguments (``--wait``, ``--background``).
        receiver: Juju's readable name of the task's receiver (``unit app/0``, ``machine 0``).
        task: runs the task to its end.
    """
    wait = _seconds(args)
    started = time.monotonic()
    result = task()
    if wait >= 0 and time.monotonic() - started > wait:
        print(f'ERROR timed out waiting for results from: {receiver}', file=sys.stderr)
        return None
    return result
