"""The embedded metal pool: inventory, MAAS best-fit allocation, and the machine lifecycle.

Allocation follows MAAS: only Ready machines, every constraint ANDed, cheapest
``cpu_count + memory / 1024`` first, with the hostname as the tie-break MAAS leaves to SQL order.
On top of it sit two Juju habits: zone spreading for a distribution group (the zone holding the
fewest of the group's machines is tried first) and all-or-nothing for several machines.

Ready machines are indexed by hardware shape ``(cores, memory, arch)``. The shapes are kept in
cost order, so a request skips every shape too small for it with one bisection and tests the
remaining ones once per shape, not once per machine. A generated 100k-machine pool has a few
dozen shapes, which is what keeps an allocation near-constant in the size of the pool.
"""

# pyright: strict

from __future__ import annotations

import bisect
import collections
import functools
import heapq
from collections.abc import Collection, Iterable, Iterator

from ..juju import constraints as juju_constraints
from .errors import (
    IllegalTransitionError,
    InventoryError,
    MachineNotFoundError,
    NoMatchError,
    RequestError,
)
from .lifecycle import RELEASABLE, Status, check_transition, failed_counterpart
from .machine import KEEP, Keep, Machine
from .network import Network
from .request import AllocationRequest, Criterion

__all__ = ['Pool', 'choice_reason']

_Shape = tuple[int, int, str]  # (cores, memory MiB, arch)
_Entry = tuple[str, str]  # (hostname, system_id): bucket order is the tie-break


class _ReadyIndex:
    """Ready machines bucketed by shape, shapes ordered by MAAS cost."""

    def __init__(self) -> None:
        self.buckets: dict[_Shape, list[_Entry]] = {}
        self.cost_keys: list[int] = []  # sorted, unique
        self.shapes_at: dict[int, list[_Shape]] = {}

    def add(self, machine: Machine) -> None:
        shape = (machine.cores, machine.memory, machine.arch)
        bucket = self.buckets.get(shape)
        if bucket is None:
            bucket = self.buckets[shape] = []
            cost = machine.cost_key
            at = self.shapes_at.get(cost)
            if at is None:
                self.shapes_at[cost] = [shape]
                bisect.insort(self.cost_keys, cost)
            else:
                at.append(shape)
        bisect.insort(bucket, (machine.hostname, machine.system_id))

    def remove(self, machine: Machine) -> None:
        bucket = self.buckets[(machine.cores, machine.memory, machine.arch)]
        entry = (machine.hostname, machine.system_id)
        del bucket[bisect.bisect_left(bucket, entry)]

    def candidates(
        self, request: AllocationRequest, shape_filters: tuple[Criterion, ...]
    ) -> Iterator[str]:
        """System ids of Ready machines whose shape fits, cheapest first, then by hostname."""
        start = bisect.bisect_left(self.cost_keys, request.min_cost_key)
        for cost in self.cost_keys[start:]:
            buckets = [
                bucket
                for shape in self.shapes_at[cost]
                if (bucket := self.buckets[shape]) and _shape_fits(shape, shape_filters)
            ]
            if len(buckets) == 1:
                for _, system_id in buckets[0]:
                    yield system_id
            elif buckets:
                for _, system_id in heapq.merge(*buckets):
                    yield system_id

    def count(self, request: AllocationRequest, shape_filters: tuple[Criterion, ...]) -> int:
        start = bisect.bisect_left(self.cost_keys, request.min_cost_key)
        return sum(
            len(self.buckets[shape])
            for cost in self.cost_keys[start:]
            for shape in self.shapes_at[cost]
            if _shape_fits(shape, shape_filters)
        )


def _shape_fits(shape: _Shape, filters: tuple[Criterion, ...]) -> bool:
    return all(f.shape(*shape) for f in filters if f.shape is not None)


class Pool:
    """A MAAS-like pool of bare-metal machines, held in memory.

    The pool knows nothing of files or databases: :mod:`orchestrator.state.store` loads it, and
    writes back the machines named by :attr:`changed` in one transaction.
    """

    def __init__(
        self, machines: Iterable[Machine] = (), *, network: Network | None = None
    ) -> None:
        self.network = network or Network()
        """The pool's spaces and subnets."""
        self.network_changed = False
        self._machines: dict[str, Machine] = {}
        self._by_hostname: dict[str, str] = {}
        self._ready = _ReadyIndex()
        # Names MAAS validates a request against; hardware never changes, so these only grow.
        self._zones: set[str] = set()
        self._pools: set[str] = set()
        self._tags: set[str] = set()
        self.changed: set[str] = set()
        """System ids changed since the pool was built (or :meth:`clear_changes`)."""
        for machine in machines:
            self._insert(machine)
        self.changed.clear()

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._machines)

    def __iter__(self) -> Iterator[Machine]:
        """Every machine, in hostname order."""
        for hostname in sorted(self._by_hostname):
            yield self._machines[self._by_hostname[hostname]]

    def get(self, ref: str) -> Machine:
        """The machine with this hostname or system id.

        Raises:
            MachineNotFoundError: if there is none.
        """
        machine = self._machines.get(ref)
        if machine is None:
            system_id = self._by_hostname.get(ref)
            if system_id is None:
                raise MachineNotFoundError(ref)
            machine = self._machines[system_id]
        return machine

    @property
    def zones(self) -> frozenset[str]:
        """Every zone that holds a machine."""
        return frozenset(self._zones)

    # -- inventory -----------------------------------------------------------------------

    def add(self, machines: Iterable[Machine], network: Network | None = None) -> int:
        """Add machines to the pool, with the spaces and subnets they link to; all or none.

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
        new = list(machines)
        seen: set[str] = set()
        for machine in new:
            for ref in (machine.hostname, machine.system_id):
                if ref in self._by_hostname or ref in self._machines or ref in seen:
                    raise InventoryError(f'machine "{ref}" is already in the pool')
                seen.add(ref)
        for machine in new:
            self._insert(machine)
        if merged != self.network:
            self.network = merged
            self.network_changed = True
        return len(new)

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
        if count > sum(1 for m in self._machines.values() if m.status is Status.READY):
            # More than the pool has, whatever the constraints: refused before anything is
            # picked, so a count of any size costs one pass over the pool.
            excluded = frozenset(exclude)
            criteria = request.criteria()
            matching = sum(
                1
                for m in self._machines.values()
                if m.status is Status.READY
                and m.system_id not in excluded
                and all(c.accepts(m) for c in criteria)
            )
            raise self._no_match(request, count, matching_ready=matching)
        group = collections.Counter(self.get(ref).zone for ref in spread or ())
        filters = _filters(request)
        if exclude:
            excluded = frozenset(exclude)
            shape_filters, machine_filters = filters
            not_failed = Criterion('not failed', lambda m: m.system_id not in excluded)
            filters = shape_filters, (*machine_filters, not_failed)
        allocated: list[Machine] = []
        for _ in range(count):
            machine = self._pick(request, filters, group if spread is not None else None)
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
        shape_filters, machine_filters = _filters(request)
        if not machine_filters:
            return self._ready.count(request, shape_filters)
        return sum(
            1
            for system_id in self._ready.candidates(request, shape_filters)
            if all(f.accepts(self._machines[system_id]) for f in machine_filters)
        )

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
        unknown_tags = [t for t in request.tags if t not in self._tags]
        if unknown_tags:
            names = ', '.join(repr(t) for t in unknown_tags)
            raise RequestError('tags', f'No such tag(s): {names}.')
        for field, wanted, known in (
            ('zone', request.zones | request.not_in_zones, self._zones),
            ('pool', request.pools | request.not_in_pools, self._pools),
        ):
            unknown = sorted(wanted - known)
            if unknown:
                raise RequestError(field, f'No such {field}(s): {", ".join(unknown)}.')

    def _pick(
        self,
        request: AllocationRequest,
        filters: tuple[tuple[Criterion, ...], tuple[Criterion, ...]],
        group: collections.Counter[str] | None,
    ) -> Machine | None:
        shape_filters, machine_filters = filters
        if group is None:
            return self._first(request, shape_filters, machine_filters)
        # Juju: zones with the fewest machines of the group first; a zone with no match is
        # skipped like a zone-specific provisioning failure. Ties go by zone name here, where
        # Juju picks at random, so runs repeat.
        zones = sorted(request.zones or self._zones, key=lambda z: (group[z], z))
        for zone in zones:
            in_zone = Criterion(f'zone={zone}', lambda m, z=zone: m.zone == z)
            machine = self._first(request, shape_filters, (in_zone, *machine_filters))
            if machine is not None:
                return machine
        return None

    def _first(
        self,
        request: AllocationRequest,
        shape_filters: tuple[Criterion, ...],
        machine_filters: tuple[Criterion, ...],
    ) -> Machine | None:
        for system_id in self._ready.candidates(request, shape_filters):
            machine = self._machines[system_id]
            if all(f.accepts(machine) for f in machine_filters):
                return machine
        return None

    def _no_match(
        self, request: AllocationRequest, count: int, *, matching_ready: int
    ) -> NoMatchError:
        """Explain a no-fit: per criterion, the Ready machines it excludes on its own."""
        criteria = request.criteria()
        excluded = dict.fromkeys((c.text for c in criteria), 0)
        not_ready: collections.Counter[str] = collections.Counter()
        ready = 0
        for machine in self._machines.values():
            if machine.status is Status.READY:
                ready += 1
                for criterion in criteria:
                    if not criterion.accepts(machine):
                        excluded[criterion.text] += 1
            elif all(c.accepts(machine) for c in criteria):
                not_ready[machine.status.label] += 1
        return NoMatchError(
            request.maas_message(),
            requested=count,
            ready=ready,
            excluded=excluded,
            not_ready=not_ready,
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
        self.changed.clear()

    # -- internals -----------------------------------------------------------------------

    def _insert(self, machine: Machine) -> None:
        self._machines[machine.system_id] = machine
        self._by_hostname[machine.hostname] = machine.system_id
        self._zones.add(machine.zone)
        self._pools.add(machine.pool)
        self._tags.update(machine.tags)
        if machine.status is Status.READY:
            self._ready.add(machine)
        self.changed.add(machine.system_id)

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
        if machine.status is Status.READY:
            self._ready.remove(machine)
        if status is Status.READY:
            self._ready.add(updated)
        self._machines[machine.system_id] = updated
        self.changed.add(machine.system_id)
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
def _filters(request: AllocationRequest) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    """The request's criteria split into shape tests and per-machine tests."""
    criteria = request.criteria()
    shape = tuple(c for c in criteria if c.shape is not None)
    rest = tuple(c for c in criteria if c.shape is None)
    return shape, rest
