"""What the charms' actions and application secrets share: leader-only actions, spent revisions.

An action that writes application data or application secrets can only do so on the leader
(Juju lets only the leader write them), so it fails on any other unit with a message that says
where to run it. Application secrets the charms rotate (join tokens, keys) leave revisions
behind: Juju tells the owner (for an application secret, the leader) with ``secret-remove``
once no unit tracks a revision any more, and the owner removes it (Juju's secret lifecycle;
``ops.SecretRemoveEvent.remove_revision``).
"""

# pyright: strict

from __future__ import annotations

import ops

__all__ = ['SpentRevisions', 'action_name', 'leader_only']


def action_name(event: ops.ActionEvent) -> str:
    """The action's name as the operator typed it (``get-kubeconfig``)."""
    return event.handle.kind.removesuffix('_action').replace('_', '-')


def leader_only(charm: ops.CharmBase, event: ops.ActionEvent, why: str) -> bool:
    """Fail the action unless this unit leads; whether it may go on.

    Args:
        charm: the charm running the action.
        event: the action.
        why: why it needs the leader (``it writes application secrets, which only the leader
            can``), shown after where to run it.
    """
    if charm.unit.is_leader():
        return True
    event.fail(f'run {action_name(event)} on the leader unit ({charm.app.name}/leader): {why}')
    return False


class SpentRevisions(ops.Object):
    """Removes a revision of the application's secrets as soon as no unit tracks it."""

    def __init__(self, charm: ops.CharmBase) -> None:
        super().__init__(charm, 'spent-revisions')
        self.framework.observe(charm.on.secret_remove, self._on_secret_remove)

    def _on_secret_remove(self, event: ops.SecretRemoveEvent) -> None:
        if self.model.unit.is_leader():
            event.remove_revision()
