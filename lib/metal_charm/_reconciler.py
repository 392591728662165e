"""One reconcile per hook, and the unit status from what the last reconcile found.

The pattern of canonical/k8s-operator, whose charms use ``charms.reconciler.Reconciler`` and
``charms.contextual_status`` (charmed-kubernetes/charm-lib-reconciler ``charms/reconciler.py``
@ dd7a8f5, charm-lib-contextual-status ``charms/contextual_status.py`` @ a43d666): every event
that may change what the unit should be runs the same idempotent reconcile, and a step that
cannot go on raises a status (Blocked or Waiting, with a message saying why) instead of
returning through every caller. This is that pattern for ops' collect-status:

- :class:`Reconciler` observes the events the charm names and runs its reconcile once per hook
  (one relation-changed can bring several custom events; a second pass over the same data
  would only retry a failed step at once).
- The reconcile returns the statuses it found (the problems it went past and its summary), or
  raises :class:`StatusError` (:class:`BlockedError`, :class:`WaitingError`,
  :class:`MaintenanceError`) to stop there; what it added with
  :meth:`Reconciler.add` before stopping is kept.
- The outcome is shown at collect-status (ops shows the most severe of the statuses added,
  ``ops.CollectStatusEvent``: error, blocked, maintenance, waiting, active). On a hook the
  reconcile does not run for (an action, ``stop``) nothing is added, so Juju keeps the status
  the last reconcile set rather than a guess (ops sets no status when none was collected,
  ``ops.charm._evaluate_status``); nothing needs storing between hooks.

Unlike charm-lib-reconciler, the reconcile is not skipped on ``update-status`` after a success:
update-status is how these charms notice a workload that changed under them.
"""

# pyright: strict

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import ops

__all__ = [
    'BlockedError',
    'MaintenanceError',
    'Reconciler',
    'StatusError',
    'Triggers',
    'WaitingError',
]

logger = logging.getLogger(__name__)


class StatusError(Exception):
    """Raised by a reconcile step that cannot go on: the unit shows :attr:`status`.

    Attributes:
        status: what the unit shows (with the others the reconcile added).
    """

    def __init__(self, status: ops.StatusBase) -> None:
        super().__init__(status.message)
        self.status = status


class BlockedError(StatusError):
    """The operator must act (config, relations, the machine)."""

    def __init__(self, message: str) -> None:
        super().__init__(ops.BlockedStatus(message))


class WaitingError(StatusError):
    """Another unit or application must act first; it goes by itself."""

    def __init__(self, message: str) -> None:
        super().__init__(ops.WaitingStatus(message))


class MaintenanceError(StatusError):
    """The unit is busy with something that goes by itself (a retry, a transient failure)."""

    def __init__(self, message: str) -> None:
        super().__init__(ops.MaintenanceStatus(message))


Outcome = ops.StatusBase | Iterable[ops.StatusBase] | None
"""What a reconcile returns: a status, several, or None (only what it added)."""


class Reconciler(ops.Object):
    """Runs a charm's reconcile on the events it names; turns its outcome into the unit status.

    Args:
        charm: the charm.
        reconcile: the charm's idempotent reconcile; it gets the event that triggered it.
        triggers: the charm events that run it (which events can change what the unit should
            be is the charm's knowledge).
        also: more events that run it (an interface library's custom events).
        initial: shown on a hook the reconcile does not run for while the unit has no status
            yet (Juju's ``unknown``); None: nothing is added, and Juju keeps what it has.
    """

    def __init__(
        self,
        charm: ops.CharmBase,
        reconcile: Callable[[ops.EventBase], Outcome],
        triggers: Triggers,
        *,
        also: Iterable[ops.BoundEvent] = (),
        initial: ops.StatusBase | None = None,
    ) -> None:
        super().__init__(charm, 'reconciler')
        self._reconcile = reconcile
        self._initial = initial
        self._added: list[ops.StatusBase] = []
        self._ran = False
        self._outcome: list[ops.StatusBase] | None = None
        for event in [*triggers.events(charm), *also]:
            self.framework.observe(event, self._on_event)
        self.framework.observe(charm.on.collect_unit_status, self._on_collect_unit_status)

    def add(self, status: ops.StatusBase) -> None:
        """Keep ``status`` in this reconcile's outcome, even if a later step raises."""
        self._added.append(status)

    def run(self, event: ops.EventBase) -> None:
        """Run the reconcile now (once per hook); its outcome is this hook's status."""
        if self._ran:
            return
        self._ran = True
        self._added = []
        try:
            outcome = self._reconcile(event)
        except StatusError as e:
            logger.info('reconcile stopped: %s (%s)', e.status.message, e.status.name)
            outcome = e.status
        if isinstance(outcome, ops.StatusBase):
            outcome = [outcome]
        self.show(*self._added, *(outcome or ()))

    def show(self, *statuses: ops.StatusBase) -> None:
        """Make ``statuses`` this hook's outcome (a teardown hook saying it stopped, say)."""
        self._outcome = list(statuses)

    def _on_event(self, event: ops.EventBase) -> None:
        self.run(event)

    def _on_collect_unit_status(self, event: ops.CollectStatusEvent) -> None:
        if self._outcome is not None:
            for status in self._outcome:
                event.add_status(status)
        elif self._initial is not None and isinstance(self.model.unit.status, ops.UnknownStatus):
            event.add_status(self._initial)


@dataclass(frozen=True)
class Triggers:
    """The events that run a charm's reconcile, besides the lifecycle every charm has.

    Always: install, start, config-changed, upgrade-charm, update-status (update-status is
    how a charm notices a workload that changed under it).

    Attributes:
        leader: also leader-elected (the leader's share moves with leadership).
        secrets: also secret-changed (a secret the charm reads has a new revision).
        relations: endpoint -> the relation event kinds (``created``, ``joined``, ``changed``,
            ``departed``, ``broken``) that run it.
        storage: storage name -> its event kinds (``attached``, ``detaching``).
    """

    leader: bool = False
    secrets: bool = False
    relations: Mapping[str, tuple[str, ...]] = field(default_factory=dict[str, tuple[str, ...]])
    storage: Mapping[str, tuple[str, ...]] = field(default_factory=dict[str, tuple[str, ...]])

    def events(self, charm: ops.CharmBase) -> list[ops.BoundEvent]:
        """The bound events of ``charm`` these triggers name."""
        on = charm.on
        found = [on.install, on.start, on.config_changed, on.upgrade_charm, on.update_status]
        found += [on.leader_elected] if self.leader else []
        found += [on.secret_changed] if self.secrets else []
        for endpoint, kinds in self.relations.items():
            found += [getattr(on[endpoint], f'relation_{kind}') for kind in kinds]
        for name, kinds in self.storage.items():
            found += [getattr(on[name], f'storage_{kind}') for kind in kinds]
        return found
