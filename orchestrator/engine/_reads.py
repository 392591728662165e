"""What the read-only commands read (status, show-unit, debug-log), each in one snapshot.

They take no writer lock and load none of ops, Scenario or the simulation, so ``olm status``
stays quick while another command changes the model.
"""

# pyright: strict

from __future__ import annotations

from typing import Any

from ..juju.version import JUJU_VERSION
from ..state import model
from ..state.store import LogEntry, holder_of
from ..views import show, status
from . import _intent, _names
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
            intent = _intent.found(txn)
        revisions = {name: app.charm_revision for name, app in m.applications.items()}
        return StatusData(model=m, charm_revisions=revisions, unfinished=self._unfinished(intent))

    def model_view(self, data: StatusData) -> status.ModelView:
        """The model as ``juju status`` draws it, from what :meth:`status_view` read.

        olm's controller and cloud, the Juju release it models, and simulated machines: what
        ``olm status`` prints and the dashboard draws.
        """
        m = data.model
        created = next((r.created for r in self.context.store.models() if r.name == m.name), 0.0)
        return status.ModelView(
            name=m.name,
            controller='olm',
            cloud='metal-pool',
            version=JUJU_VERSION,  # the Juju release olm models, as the model's agents report it
            machines=list(m.machines.values()),
            applications=list(m.applications.values()),
            # An offering model's stand-ins for consumers are not SAAS (juju status lists
            # them not).
            remote_applications=[r for r in m.remote_applications.values() if not r.consumer],
            units=list(m.units.values()),
            relations=list(m.relations.values()),
            charm_revisions=data.charm_revisions,
            simulated=True,
            # The model's status was set when the model was made (``since`` in model-status).
            model_status=model.Status('available', '', created),
        )

    def _unfinished(self, intent: _intent.Intent | None) -> str | None:
        """What status says of a recorded intent: under way while its process holds the lock.

        Status only reads: the next command that takes the writer lock deletes a dead one.
        """
        if intent is None:
            return None
        holder = holder_of(self.context.store.state_dir)
        if holder is not None and holder.pid == intent.pid:
            return f'the {intent.what} (process {intent.pid}) is under way: not committed yet'
        return intent.never_committed()

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
