"""How a settle shows on standard error: hook lines, progress lines, in place on a terminal."""

from __future__ import annotations

import io

import pytest

from orchestrator.cli._settle import SettleDisplay, progress_line
from orchestrator.engine import SettleProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def progress(hooks: int, elapsed: float, queued: int, settled: int = 0) -> SettleProgress:
    return SettleProgress(hooks=hooks, elapsed=elapsed, units=2000, settled=settled, queued=queued)


def test_the_line_says_hooks_units_what_is_left_and_how_long_at_the_recent_rate():
    line = progress_line(progress(12_000, 40.0, 7_984_000, settled=3), rate=300.0)
    assert line == (
        'settling: 12,000 hooks in 40s (300/s); 3 of 2,000 units settled; at least 7,984,000 '
        'hooks left (of 7,996,000 expected), about 7h 23m at that rate'
    )
    assert progress_line(progress(1, 0.5, 0), rate=2.0).endswith('no hook known to be left')


def test_the_rate_follows_the_recent_hooks():
    display = SettleDisplay(stream=io.StringIO())
    display.report(progress(1000, 10.0, 1000))  # 100/s so far
    display.report(progress(1100, 20.0, 900))  # 10/s lately: the estimate slows down
    lines = display.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert '(100/s)' in lines[0] and 'about 10s at that rate' in lines[0]
    assert '(55/s)' in lines[1] and 'about 16s at that rate' in lines[1]


def test_plain_lines_off_a_terminal():
    out = io.StringIO()
    display = SettleDisplay(every=2, stream=out)
    display.hook('a/0: install')
    display.hook('a/0: start')
    display.report(progress(2, 6.0, 10))
    display.hook('a/1: install (failed)')
    display.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == '[2 hooks] a/0: start'
    assert lines[1].startswith('settling: 2 hooks in 6.0s')
    assert lines[2] == '[3 hooks] a/1: install (failed)'
    assert '\r' not in out.getvalue()


def test_one_line_redrawn_in_place_on_a_terminal_and_cleared_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv('COLUMNS', '500')
    out = Terminal()
    display = SettleDisplay(stream=out)
    display.report(progress(5, 6.0, 10))
    status = progress_line(progress(5, 6.0, 10), rate=5 / 6.0)
    assert out.getvalue() == f'\r\x1b[K{status}'
    display.hook('a/0: start')  # above the progress line, which is drawn again below it
    assert out.getvalue().endswith(f'\r\x1b[K[1 hooks] a/0: start\n{status}')
    display.finish()
    assert out.getvalue().endswith('\r\x1b[K')


def test_the_line_in_place_fits_the_terminal(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('COLUMNS', '40')
    out = Terminal()
    SettleDisplay(stream=out).report(progress(5, 6.0, 10))
    assert out.getvalue() == '\r\x1b[Ksettling: 5 hooks in 6.0s (1/s); 0 of 2'  # 39 wide
