"""Helpers of the engine tests: a hand-moved clock and the event trace."""

from __future__ import annotations

from orchestrator import engine as olm_engine


class Clock:
    """A clock the tests move by hand; sleeping advances it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def trace(engine: olm_engine.Engine, unit: str | None = None, *, since: int = 0) -> list[str]:
    """The event trace as 'unit event' lines (or just events, for one unit)."""
    lines: list[str] = []
    for entry in engine.debug_log(after=since):
        if unit is None:
            lines.append(f'{entry.unit} {entry.event}')
        elif entry.unit == unit:
            lines.append(entry.event)
    return lines


def last_seq(engine: olm_engine.Engine) -> int:
    entries = engine.debug_log(limit=1)
    return entries[-1].seq if entries else 0
