"""Where a dashboard reads its model: the protocol olm's model and a real controller share."""

# pyright: strict

from __future__ import annotations

from typing import Protocol

from ._snapshot import Snapshot

__all__ = ['DashboardError', 'Source']


class DashboardError(Exception):
    """The dashboard cannot start or cannot read its source; the message says which and why."""


class Source(Protocol):
    """One model the page shows, read whole on each change.

    The server calls every method from one worker thread, never two at once: a source may
    keep a database connection or a client that is not thread-safe.
    """

    def describe(self) -> str:
        """What the page says it shows, in a few words (``olm model k8s``)."""
        ...

    def changed(self) -> bool:
        """Whether :meth:`snapshot` may now answer something new; cheap, called often.

        A source that cannot tell cheaply answers True at the pace it can afford to re-read.
        """
        ...

    def snapshot(self) -> Snapshot:
        """The model now.

        Raises:
            DashboardError: the source cannot be read (the first read: the command fails;
                later ones: the page says so and keeps the last snapshot).
        """
        ...

    def close(self) -> None:
        """Let go of what the source holds."""
        ...
