"""What olm needs of a cloud: list machines, allocate, deploy and release them.

Two clouds satisfy it: the embedded :class:`~orchestrator.cloud.Pool`, which simulates a MAAS
region, and :class:`~orchestrator.cloud.maas.MaasCloud`, which talks to a real one. The
signatures are the pool's, so code written against the pool runs unchanged on a region; the
pool's extras (``capacity``, ``mark_broken``, ``fail``, ``changed``) are simulation and
planning tools a real region does not offer in the same form, and are left out.

The protocol is structural (``typing.Protocol``), the way kube-scheduler's small extension-point
interfaces are: neither cloud inherits from it, and ``isinstance(x, Cloud)`` checks that the
methods are there (not their signatures, which pyright checks).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..juju import constraints as juju_constraints
from .machine import Machine
from .request import AllocationRequest

__all__ = ['Cloud']


@runtime_checkable
class Cloud(Protocol):
    """A pool of bare-metal machines with MAAS's ``machines`` verbs.

    Every method raises :class:`~orchestrator.cloud.CloudError` subclasses only.
    """

    def __iter__(self) -> Iterator[Machine]:
        """Every machine of the cloud, whatever its status."""
        ...

    def get(self, ref: str) -> Machine:
        """The machine with this hostname or system id (``MachineNotFoundError`` if none)."""
        ...

    def allocate(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        count: int = 1,
        placement: str | None = None,
        spread: Collection[str] | None = None,
        *,
        owner: str = ...,
        storage: str = ...,
        exclude: Collection[str] = ...,
        bindings: Collection[str] = ...,
    ) -> list[Machine]:
        """Allocate ``count`` Ready machines, all or none, translating constraints as Juju does.

        ``spread`` is the distribution group's system ids (zone spreading, fewest first);
        ``owner`` names who holds the machines (MAAS's ``agent_name``); ``storage`` is MAAS's
        storage constraint; ``exclude`` names machines that already failed this request;
        ``bindings`` are the spaces the application's endpoints are bound to. Raises
        ``NoMatchError`` (409), ``RequestError`` (400) or ``PlacementError``.
        """
        ...

    def deploy(self, ref: str, *, owner: str = ...) -> Machine:
        """Deploy a Ready or Allocated machine (``IllegalTransitionError`` from other states)."""
        ...

    def release(self, ref: str, *, erase: bool = ..., comment: str = ...) -> Machine:
        """Release a machine back to Ready (``IllegalTransitionError`` if MAAS refuses)."""
        ...


if TYPE_CHECKING:
    # Compile-time interface check, as kube-scheduler's ``var _ FilterPlugin = &Fit{}``: pyright
    # fails here if the pool drifts from the protocol.
    from .pool import Pool

    _POOL_IS_A_CLOUD: type[Cloud] = Pool
