"""The queue of nodes to remove from the cluster after their units departed.

Why a module of its own: a unit's data is gone once it has departed, and ``k8s remove-node``
can fail, so the leader queues node names (``departed-nodes`` in the peer application databag)
and works through the queue on every reconcile; what fails stays queued. Deciding what to
remove is pure and lives here; running ``k8s remove-node`` and the databags are the charm's.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Collection, Iterable


def queue(pending: Iterable[str], nodes: Iterable[str]) -> list[str]:
    """The queue with ``nodes`` added: sorted, each node once."""
    return sorted({*pending, *nodes})


def to_remove(pending: Iterable[str], live: Collection[str], own: str) -> list[str]:
    """The queued nodes to remove now.

    A queued name that a live unit reports is left alone (a new machine took the name), and so
    is this unit's own node: a departing leader queues itself for the next leader.
    """
    return [name for name in pending if name != own and name not in live]


def remaining(pending: Iterable[str], own: str, failed: Collection[str]) -> list[str]:
    """What stays queued after a pass: this unit's own node and the removals that failed."""
    return [name for name in pending if name == own or name in failed]
