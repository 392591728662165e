"""``maas status`` (``cmd_status``: ``run-pebble services``, pebble's table)."""

# pyright: strict

from __future__ import annotations

import argparse
import calendar
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._parser import MaasParser
from ._run import Run
from ._state import (
    LAYERS,
    MAAS_ID_FILE,
    NEVER_STARTED,
    PEBBLE_SOCKET,
    RACK_TOGGLED,
    controller_mode,
    services_since,
)

if TYPE_CHECKING:
    pass

__all__ = ['StatusCommand']


def _tabwriter(rows: Sequence[Sequence[str]]) -> list[str]:
    """Go's tabwriter as pebble sets it up (minwidth 5, padding 2; the last cell unpadded)."""
    widths = [max(5, *(len(row[c]) + 2 for row in rows)) for c in range(len(rows[0]) - 1)]
    return [
        ''.join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + row[-1]
        for row in rows
    ]


def _pebble_time(then: float, now: float) -> str:
    """Pebble's ``timeutil.Human`` (v1.10.2 ``internals/timeutil/human.go``) in UTC.

    assumption: the machine's local time zone is UTC, as in MAAS-deployed Ubuntu images.
    """
    start, today = time.gmtime(then), time.gmtime(now)
    days = (
        calendar.timegm((*start[:3], 0, 0, 0)) - calendar.timegm((*today[:3], 0, 0, 0))
    ) // 86400
    clock = time.strftime('%H:%M UTC', start)
    if days < -60 or days > 60:
        return time.strftime('%Y-%m-%d', start)
    if days < -1:
        return f'{-days} days ago, at {clock}'
    if days == -1:
        return f'yesterday at {clock}'
    if days == 0:
        return f'today at {clock}'
    return f'tomorrow at {clock}' if days == 1 else f'in {days} days, at {clock}'


class StatusCommand(Run):
    """``maas status``: pebble's services table."""

    def status(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas status``: ``cmd_status`` runs ``$SNAP/bin/run-pebble services``.

        Its standard output is printed as is when pebble exits 0; otherwise ``Pebble exited
        with error code N and the following output:`` and that output, with pebble's exit
        status (pebble's standard error is not captured: it passes through).
        """
        mode = controller_mode(self.host)
        if mode == 'none':
            self.print('MAAS is not configured')
            return 1
        since = services_since(self.host)
        if since is None:
            # pebble's client: GET /v1/services on a socket nobody listens on (pebble removes
            # it when it stops: Go's UnixListener unlinks on Close), error: + message, exit 1.
            self.stderr.append(
                'error: cannot communicate with server: Get '
                '"http://localhost/v1/services?names=": dial unix '
                f'{PEBBLE_SOCKET}: connect: no such file or directory\n'
            )
            self.print('Pebble exited with error code 1 and the following output:')
            return 1
        registered = self.host.exists(MAAS_ID_FILE)
        rows = [('Service', 'Startup', 'Current', 'Since')]
        for service, startup in sorted(LAYERS[mode].items()):
            active = service not in NEVER_STARTED and (
                mode != 'rack' or service not in RACK_TOGGLED or registered
            )
            when = _pebble_time(since, self.world.clock()) if active else '-'
            rows.append((service, startup, 'active' if active else 'inactive', when))
        for line in _tabwriter(rows):
            self.print(line)
        return 0
