"""``wait``, and how a settle shows: hook progress on standard error, then one summary line.

``deploy`` and ``add-unit`` settle the model too, and print the same way. A settle that lasts
more than ``$OLM_PROGRESS_INTERVAL`` seconds (default 5) also shows, every that many seconds,
how far it has got: hooks run and their rate, units settled of the model's, the hooks known to
be left (a lower bound: :mod:`orchestrator.agent.backlog`) and the time they would take at the
recent rate. On a terminal that line is redrawn in place; otherwise each is a line of its own.
All of it goes to standard error (tests and scripts read standard output); ``--quiet`` hides it.
"""

# pyright: strict

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..engine import Engine, ProgressReports, SettleProgress, SettleResult
from ._common import SIMULATED, UsageError, add_seed, seconds_arg

__all__ = [
    'SettleDisplay',
    'add_wait_command',
    'duration',
    'progress_interval',
    'progress_printer',
    'report_settle',
    'show_progress',
]


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
        show_progress(engine)
    result = engine.wait(timeout=args.timeout)
    report_settle(result)


def report_settle(result: SettleResult | None) -> None:
    if result is None:
        return
    state = 'settled' if result.settled else 'units in error: ' + ', '.join(result.errors)
    print(f'Ran {result.hooks} hooks on {SIMULATED}; {state} (seed {result.seed}).')


PROGRESS_INTERVAL = 5.0
"""Seconds between two progress lines of a settle, by default (``$OLM_PROGRESS_INTERVAL``)."""


def show_progress(engine: Engine, every: int = 1) -> None:
    """Show the engine's settles on standard error: hook lines, then how far they have got.

    Raises:
        UsageError: ``$OLM_PROGRESS_INTERVAL`` is not a number of seconds, 0 or more.
    """
    interval = progress_interval()
    display = SettleDisplay(every=every)
    engine.progress = display.hook
    engine.reports = ProgressReports(
        report=display.report, finish=display.finish, interval=interval
    )


def progress_interval() -> float:
    """Seconds between two progress lines: ``$OLM_PROGRESS_INTERVAL``, or the default.

    Raises:
        UsageError: ``$OLM_PROGRESS_INTERVAL`` is not a number of seconds, 0 or more.
    """
    text = os.environ.get('OLM_PROGRESS_INTERVAL')
    try:
        return PROGRESS_INTERVAL if text is None else seconds_arg('OLM_PROGRESS_INTERVAL')(text)
    except argparse.ArgumentTypeError as e:
        raise UsageError(str(e)) from None


def progress_printer(every: int = 1) -> Callable[[str], None]:
    """Print hook lines to standard error: every one, or one in ``every`` and each failure."""
    return SettleDisplay(every=every).hook


class SettleDisplay:
    """A settle on standard error: hook lines, and every so often how far it has got.

    Args:
        every: print every hook line, or one in ``every`` and each failure.
        stream: where (standard error).
    """

    def __init__(self, *, every: int = 1, stream: TextIO | None = None) -> None:
        self.every = every
        self.stream = stream or sys.stderr
        self.in_place = self.stream.isatty()
        self.hooks = 0
        self._line = ''
        self._last: tuple[float, int] | None = None
        self._rate = 0.0

    def hook(self, line: str) -> None:
        """One hook ran."""
        self.hooks += 1
        if self.every == 1 or self.hooks % self.every == 0 or line.endswith('(failed)'):
            self._write(f'[{self.hooks} hooks] {line}\n', redraw=True)

    def report(self, progress: SettleProgress) -> None:
        """How far the settle has got: one line, redrawn in place on a terminal."""
        self._line = progress_line(progress, self._recent_rate(progress))
        if self.in_place:
            # A line longer than the terminal wraps, and only its last row would be redrawn.
            self._line = self._line[: shutil.get_terminal_size().columns - 1]
        self._write('' if self.in_place else f'{self._line}\n', redraw=self.in_place)

    def finish(self) -> None:
        """The settle ended: a line drawn in place is cleared (the summary follows)."""
        if self.in_place and self._line:
            self.stream.write('\r\x1b[K')
            self.stream.flush()
        self._line = ''
        self._last = None

    def _write(self, text: str, *, redraw: bool) -> None:
        if self.in_place and self._line:
            text = f'\r\x1b[K{text}{self._line if redraw else ""}'
        self.stream.write(text)
        self.stream.flush()

    def _recent_rate(self, progress: SettleProgress) -> float:
        """Hooks a second lately: per-hook cost grows with a model, so the recent rate counts."""
        last, self._last = self._last, (progress.elapsed, progress.hooks)
        if last is None or progress.elapsed <= last[0]:
            self._rate = progress.hooks / progress.elapsed if progress.elapsed > 0 else 0.0
        else:
            recent = (progress.hooks - last[1]) / (progress.elapsed - last[0])
            self._rate = recent if not self._rate else 0.5 * recent + 0.5 * self._rate
        return self._rate


def progress_line(progress: SettleProgress, rate: float) -> str:
    """One progress line.

    ``settling: 1,204 hooks in 12s (98/s); 3 of 5 units settled; at least 40 hooks left
    (of 1,244 expected), about 0.4s at that rate``.
    """
    line = (
        f'settling: {_plural(progress.hooks, "hook")} in {duration(progress.elapsed)} '
        f'({rate:,.0f}/s); {progress.settled:,} of {_plural(progress.units, "unit")} settled; '
    )
    if not progress.queued:
        return line + 'no hook known to be left'
    line += (
        f'at least {_plural(progress.queued, "hook")} left '
        f'(of {progress.hooks + progress.queued:,} expected)'
    )
    if rate > 0:
        line += f', about {duration(progress.queued / rate)} at that rate'
    return line


def _plural(count: int, word: str) -> str:
    return f'{count:,} {word}' + ('' if count == 1 else 's')


def duration(seconds: float) -> str:
    """Seconds as a progress line shows them: ``4.2s``, ``42s``, ``4m 02s``, ``1h 04m``."""
    if seconds < 10:
        return f'{seconds:.1f}s'
    seconds = round(seconds)
    if seconds < 60:
        return f'{seconds}s'
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f'{minutes}m {seconds:02d}s'
    hours, minutes = divmod(minutes, 60)
    return f'{hours}h {minutes:02d}m'
