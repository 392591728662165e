"""What the read-only commands read (status, show-unit, debug-log), each in one snapshot.

They take no writer lock and load none of ops, Scenario or the simulation, so ``olm status``
stays quick while another command changes the model.
"""

# pyright: strict

from __future__ import annotations

from typing import Any

from ..state.store import LogEntry
from ..views import show
from . import _names
from ._context import Context, load_model
from ._reports import StatusData

__all__ = ['ModelReads']


class ModelReads:
    """``olm status``, ``juju show-unit`` and ``olm debug-log``."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def status_view(self) -> StatusData:
        """Everything ``olm status`` shows, read in one snapshot."""
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
        revisions = {name: app.charm_revision for name, app in m.applications.items()}
        return StatusData(model=m, charm_revisions=revisions)

    def show_unit(self, name: str) -> dict[str, Any]:
        """``juju show-unit --format json``: the unit, with what it sees of each relation."""
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
        unit = _names.unit(m, name)
        return {unit.name: show.unit_info(m, unit)}

    def debug_log(self, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        """The event trace (``olm debug-log``)."""
        with self.context.store.snapshot() as txn:
            return txn.log(after=after, limit=limit)
