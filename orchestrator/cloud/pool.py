"""The embedded metal pool: inventory, MAAS best-fit allocation, and the machine lifecycle.

Allocation follows MAAS: only Ready machines, every constraint ANDed, cheapest
``cpu_count + memory / 1024`` first, with the hostname as the tie-break MAAS leaves to SQL order.
On top of it sit two Juju habits: zone spreading for a distribution group (the zone holding the
fewest of the group's machines is tried first) and all-or-nothing for several machines.

The machines themselves sit in a :class:`~orchestrator.cloud.index.PoolIndex`: in memory for
a pool built from a list, in the state directory's database for olm's own pool (which then
reads only the machines a command needs).
"""

# pyright: strict

from __future__ import annotations

import collections
import functools
from collections.abc import Collection, Iterable, Iterator

from ..juju import constraints as juju_constraints
from .errors import (
    IllegalTransitionError,
    InventoryError,
    MachineNotFoundError,
    NoMatchError,
    RequestError,
)
from .index import Filters, MemoryIndex, PoolIndex
from .lifecycle import RELEASABLE, Status, check_transition, failed_counterpart
from .machine import KEEP, Keep, Machine
from .network import Network
from .request import AllocationRequest

__all__ = ['Pool', 'choice_reason']


class Pool:
    """A MAAS-like pool of bare-metal machines.

    The pool knows nothing of files or databases: its machines are in ``index`` (in memory,
    built from ``machines``, when none is given). :mod:`orchestrator.state.store` gives it the
    database's index, and writes back the machines named by :attr:`changed` in one
    transaction.
    """

    def __init__(
        self,
        machines: Iterable[Machine] = (),
        *,
        network: Network | None = None,
        index: PoolIndex | None = None,
    ) -> None:
        self.network = network or Network()
        """The pool's spaces and subnets."""
        self.network_changed = False
        if index is None:
            index = MemoryIndex(machines)
        elif machines:
            raise ValueError('give the machines or an index, not both')
        self._index = index
        self._zones: frozenset[str] | None = None

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Machine]:
        """Every machine, in hostname order."""
        return iter(self._index)

    def get(self, ref: str) -> Machine:
        """The machine with this hostname or system id.

        Raises:
            MachineNotFoundError: if there is none.
        """
        machine = self._index.get(ref)
        if machine is None:
            raise MachineNotFoundError(ref)
        return machine

    @property
    def zones(self) -> frozenset[str]:
        """Every zone that holds a machine."""
        if self._zones is None:
            self._zones = self._index.zones()
        return self._zones

    @property
    def changed(self) -> set[str]:
        """System ids changed or added since the pool was built (or :meth:`clear_changes`)."""
        return self._index.changed

    # -- inventory -----------------------------------------------------------------------

    def add(self, machines: Iterable[Machine], network: Network | None = None) -> int:
        """Add machines to the pool, with the spaces and subnets they link to; all or none.

        ``machines`` is read once, as it comes: a pool file's machines need not all be in memory.

        Raises:
            InventoryError: if a hostname or system id is already in the pool, or a subnet is
                in the pool on another space or VLAN.
        """
        merged = self.network
        if network is not None:
            try:
                merged = self.network.merged(network)
            except ValueError as error:
                raise InventoryError(str(error)) from None
        added = self._index.insert(machines)
        self._zones = None
        if merged != self.network:
            self.network = merged
            self.network_changed = True
        return added

    # -- allocation ----------------------------------------------------------------------

    def allocate(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        count: int = 1,
        placement: str | None = None,
        spread: Collection[str] | None = None,
        *,
        owner: str = 'admin',
        storage: str = '',
        exclude: Collection[str] = (),
        bindings: Collection[str] = (),
    ) -> list[Machine]:
        """Allocate ``count`` Ready machines, all or none, the way MAAS and Juju do.

        Args:
            constraints: Juju constraints (translated as Juju's MAAS provider does) or a
                MAAS request.
            count: how many machines; either all are allocated or none is.
            placement: ``<hostname>``, ``system-id=<id>`` or ``zone=<zone>``.
            spread: the system ids already in the distribution group (the application's or
                the model's machines). When given, each machine goes to the zone holding the
                fewest of the group, the way Juju's provisioner picks zones.
            owner: recorded as the MAAS owner of the machines.
            storage: the MAAS ``storage`` value Juju builds from the root disk and the
                unit's volumes (:func:`orchestrator.juju.storage.maas_storage`); '' for none.
            exclude: system ids not to hand out (machines that already failed this request).
            bindings: the spaces the application's endpoints are bound to; each machine
                must reach them all (Juju sends them with the ``spaces=`` constraint's).

        Returns:
            The allocated machines, in allocation order.

        Raises:
            NoMatchError: if fewer than ``count`` Ready machines match; nothing is allocated.
            RequestError: for a parameter MAAS rejects (unknown tag, zone or pool), or an
                unknown space.
            PlacementError: for a placement directive MAAS does not understand.
        """
        if count < 1:
            raise RequestError('count', f'must be a positive integer, got {count}')
        request = self._request(constraints, placement, storage, bindings)
        filters = _filters(request)
        excluded = frozenset(exclude)
        if not self._index.has_ready(count):
            # More than the pool has, whatever the constraints: refused before anything is
            # picked, so a count of any size costs one count of the pool.
            matching = self._index.count(request, filters) - sum(
                1
                for ref in excluded
                if (m := self._index.get(ref)) is not None
                and m.status is Status.READY
                and all(c.accepts(m) for c in request.criteria())
            )
            raise self._no_match(request, count, matching_ready=matching)
        group = collections.Counter(self.get(ref).zone for ref in spread or ())
        allocated: list[Machine] = []
        for _ in range(count):
            machine = self._pick(request, filters, group if spread is not None else None, excluded)
            if machine is None:
                for done in reversed(allocated):
                    self._set(done, Status.READY, owner=None)
                raise self._no_match(request, count, matching_ready=len(allocated))
            allocated.append(self._set(machine, Status.ALLOCATED, owner=owner))
            group[machine.zone] += 1
        return allocated

    def capacity(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        placement: str | None = None,
        *,
        storage: str = '',
        bindings: Collection[str] = (),
    ) -> int:
        """How many more machines matching the request are Ready now."""
        request = self._request(constraints, placement, storage, bindings)
        return self._index.count(request, _filters(request))

    def _request(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        placement: str | None,
        storage: str = '',
        bindings: Collection[str] = (),
    ) -> AllocationRequest:
        if isinstance(constraints, AllocationRequest):
            if placement or storage or bindings:
                raise RequestError(
                    'placement', 'give placement, storage and spaces inside the request'
                )
            request = constraints
        else:
            request = _translate(
                constraints, placement, storage, tuple(sorted(set(bindings))), self.network
            )
        self._validate_names(request)
        return request

    def _validate_names(self, request: AllocationRequest) -> None:
        """MAAS answers 400 for tags, zones and pools it has never heard of."""
        unknown_tags = self._index.unknown('tag', request.tags)
        if unknown_tags:
            names = ', '.join(repr(t) for t in unknown_tags)
            raise RequestError('tags', f'No such tag(s): {names}.')
        for field, wanted in (
            ('zone', request.zones | request.not_in_zones),
            ('pool', request.pools | request.not_in_pools),
        ):
            unknown = sorted(self._index.unknown(field, wanted))
            if unknown:
                raise RequestError(field, f'No such {field}(s): {", ".join(unknown)}.')

    def _pick(
        self,
        request: AllocationRequest,
        filters: Filters,
        group: collections.Counter[str] | None,
        excluded: frozenset[str],
    ) -> Machine | None:
        if group is None:
            return next(self._index.candidates(request, filters, exclude=excluded), None)
        # Juju: zones with the fewest machines of the group first; a zone with no match is
        # skipped like a zone-specific provisioning failure. Ties go by zone name here, where
        # Juju picks at random, so runs repeat.
        zones = sorted(request.zones or self.zones, key=lambda z: (group[z], z))
        for zone in zones:
            found = self._index.candidates(request, filters, zone=zone, exclude=excluded)
            machine = next(found, None)
            if machine is not None:
                return machine
        return None

    def _no_match(
        self, request: AllocationRequest, count: int, *, matching_ready: int
    ) -> NoMatchError:
        """Explain a no-fit: per criterion, the Ready machines it excludes on its own."""
        counted = self._index.tally(request)
        return NoMatchError(
            request.maas_message(),
            requested=count,
            ready=counted.ready,
            excluded=counted.excluded,
            not_ready=counted.not_ready,
            matching_ready=matching_ready,
        )

    # -- lifecycle -----------------------------------------------------------------------

    def deploy(self, ref: str, *, owner: str = 'admin', complete: bool = True) -> Machine:
        """Deploy a Ready or Allocated machine: Allocated → Deploying → Deployed.

        A Ready machine is allocated first, as MAAS does. With ``complete=False`` the machine
        stays Deploying, as a real one does until it has booted; :meth:`fail` can then fail it.
        The simulated machines boot at once, so ``complete`` defaults to True.

        Raises:
            IllegalTransitionError: ``Can't deploy a machine that is in the '<status>' state``.
        """
        machine = self.get(ref)
        if machine.status not in (Status.READY, Status.ALLOCATED):
            raise IllegalTransitionError(
                machine.status.label,
                Status.DEPLOYING.label,
                machine=machine.hostname,
                message=f"Can't deploy a machine that is in the '{machine.status.label}' state",
            )
        if machine.status is Status.READY:
            machine = self._set(machine, Status.ALLOCATED, owner=owner)
        machine = self._set(machine, Status.DEPLOYING, status_message='Deploying')
        if complete:
            machine = self._set(machine, Status.DEPLOYED, status_message='Deployed')
        return machine

    def release(self, ref: str, *, erase: bool = False, comment: str = '') -> Machine:
        """Release a machine: Releasing (or Disk erasing) → Ready, owner cleared.

        A Releasing or Ready machine is left as it is, as MAAS does. The simulated BMC powers
        off at once, so release completes in the same call.

        Raises:
            IllegalTransitionError: ``Machine cannot be released in its current state ('<s>').``
        """
        machine = self.get(ref)
        if machine.status in (Status.READY, Status.RELEASING):
            return machine
        if machine.status not in RELEASABLE:
            raise IllegalTransitionError(
                machine.status.label,
                Status.RELEASING.label,
                machine=machine.hostname,
                message=(
                    f"Machine cannot be released in its current state ('{machine.status.label}')."
                ),
            )
        if erase:
            # MAAS erases first (every releasable status may go to Disk erasing), then frees.
            machine = self._set(machine, Status.DISK_ERASING, status_message='Erasing disks')
        else:
            machine = self._set(machine, Status.RELEASING, status_message=comment or 'Releasing')
        return self._set(machine, Status.READY, owner=None, status_message='')

    def mark_broken(self, ref: str, message: str = '') -> Machine:
        """Mark a machine Broken, releasing it first if it is releasable (MAAS's order).

        Raises:
            IllegalTransitionError: if NODE_TRANSITIONS has no way from its status to Broken.
        """
        machine = self.get(ref)
        before = machine.status
        check_transition(before, Status.BROKEN, machine=machine.hostname)
        if before in RELEASABLE:
            machine = self._set(machine, Status.RELEASING, owner=None)
        return self._set(
            machine, Status.BROKEN, previous_status=before, status_message=message or 'Broken'
        )

    def mark_fixed(self, ref: str) -> Machine:
        """Take a Broken machine back to Ready, or to Deployed if it was Deployed.

        Raises:
            IllegalTransitionError: ``Can't mark a non-broken node as 'Ready'.``
        """
        machine = self.get(ref)
        if machine.status is not Status.BROKEN:
            raise IllegalTransitionError(
                machine.status.label,
                Status.READY.label,
                machine=machine.hostname,
                message="Can't mark a non-broken node as 'Ready'.",
            )
        target = Status.DEPLOYED if machine.previous_status is Status.DEPLOYED else Status.READY
        return self._set(machine, target, previous_status=None, status_message='')

    def fail(self, ref: str, message: str = '') -> Machine:
        """Move an in-progress machine to its failed status (Deploying → Failed deployment).

        Raises:
            IllegalTransitionError: if the status has no failed counterpart.
        """
        machine = self.get(ref)
        target = failed_counterpart(machine.status, machine=machine.hostname)
        return self._set(machine, target, status_message=message or target.label)

    def clear_changes(self) -> None:
        """Forget which machines (and whether the network) changed, after they were saved."""
        self.network_changed = False
        self._index.clear_changes()

    # -- internals -----------------------------------------------------------------------

    def _set(
        self,
        machine: Machine,
        status: Status,
        *,
        owner: str | Keep | None = KEEP,
        previous_status: Status | Keep | None = KEEP,
        status_message: str | Keep = KEEP,
    ) -> Machine:
        """Replace a machine with its next status; every status change comes through here."""
        check_transition(machine.status, status, machine=machine.hostname)
        updated = machine.with_state(
            status, owner=owner, previous_status=previous_status, status_message=status_message
        )
        self._index.replace(machine, updated)
        return updated


def choice_reason(
    machine: Machine,
    group: collections.Counter[str],
    zones: Iterable[str],
    *,
    spread: bool,
) -> str:
    """Why :meth:`Pool.allocate` handed out this machine, in the terms of its rule.

    Args:
        machine: the machine chosen.
        group: zone -> the application's machines there before this one.
        zones: every zone of the pool.
        spread: whether zone spreading applied (the application had or got other machines).
    """
    cost = machine.cores + machine.memory / 1024
    reason = (
        f'{machine.cores} cores, {machine.memory // 1024} GiB: '
        f'the cheapest Ready match (cores + GiB = {cost:g})'
    )
    if not spread:
        return f'{reason}, {machine.zone}'
    held = group[machine.zone]
    fewest = min((group[z] for z in zones), default=held)
    where = f"{machine.zone}, which held {held} of the application's machines"
    if held > fewest:
        where += ' (zones with fewer had no match)'
    else:
        where += ' (the fewest of any zone)'
    return f'{reason} in {where}'


# A model asks for the same few shapes again and again (add-unit -n, one application's units):
# translating and compiling a request once per distinct value keeps allocation cheap.
@functools.lru_cache(maxsize=256)
def _translate(
    constraints: juju_constraints.Constraints,
    placement: str | None,
    storage: str,
    bindings: tuple[str, ...],
    network: Network,
) -> AllocationRequest:
    extra = {'storage': [storage]} if storage else None
    return AllocationRequest.from_constraints(
        constraints, placement, extra=extra, network=network, bindings=bindings
    )


@functools.lru_cache(maxsize=256)
def _filters(request: AllocationRequest) -> Filters:
    """The request's criteria split into shape tests and per-machine tests."""
    criteria = request.criteria()
    shape = tuple(c for c in criteria if c.shape is not None)
    rest = tuple(c for c in criteria if c.shape is None)
    return shape, rest
