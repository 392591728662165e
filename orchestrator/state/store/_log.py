"""The event trace's entries (``olm debug-log``)."""

# pyright: strict

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the event trace: which unit ran which event, and how it ended."""

    seq: int
    time: float
    unit: str
    event: str
    outcome: str
    detail: str = ''
