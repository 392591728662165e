"""Where a pool keeps its machines: the :class:`PoolIndex` interface, and one held in memory.

:class:`~orchestrator.cloud.Pool` decides what MAAS would do (which machine, which transition,
why nothing fits); an index only finds machines. Two indexes satisfy it: :class:`MemoryIndex`,
built from a list (a pool file, a real region's machines to plan on, tests), and the state
directory's, which answers from sqlite's indexes and reads only the rows a command needs
(:mod:`orchestrator.state.store`), so that a command on a 100k-machine pool does not load it.

The contract is MAAS's order: Ready machines that pass every filter, cheapest
``cpu_count * 1024 + memory`` first, then by hostname (the tie-break MAAS leaves to SQL order),
then by system id. An index may narrow its search with the request's fields however it likes;
what it yields must pass every filter, and nothing that passes may be skipped.
"""

# pyright: strict

from __future__ import annotations

import bisect
import collections
import dataclasses
import heapq
from collections.abc import Iterable, Iterator
from typing import Protocol

from .errors import InventoryError
from .lifecycle import Status
from .machine import Machine
from .request import AllocationRequest, Criterion

__all__ = ['Filters', 'MemoryIndex', 'PoolIndex', 'Tally', 'maas_order', 'tally']

Filters = tuple[tuple[Criterion, ...], tuple[Criterion, ...]]
"""A request's criteria split into shape tests (``Criterion.shape``) and per-machine tests."""


def maas_order(machine: Machine) -> tuple[int, str, str]:
    """The sort key of MAAS's allocation order: cost, then hostname, then system id."""
    return (machine.cost_key, machine.hostname, machine.system_id)


@dataclasses.dataclass(frozen=True)
class Tally:
    """What a no-fit explanation counts (:class:`~orchestrator.cloud.NoMatchError`).

    Attributes:
        ready: Ready machines.
        excluded: per criterion text, the Ready machines it excludes on its own.
        not_ready: per status label, the machines that match every criterion but are not
            Ready.
    """

    ready: int
    excluded: dict[str, int]
    not_ready: collections.Counter[str]


def tally(machines: Iterable[Machine], criteria: Iterable[Criterion]) -> Tally:
    """Count :class:`Tally` by testing every machine (what an index without SQL does)."""
    criteria = list(criteria)
    excluded = dict.fromkeys((c.text for c in criteria), 0)
    not_ready: collections.Counter[str] = collections.Counter()
    ready = 0
    for machine in machines:
        if machine.status is Status.READY:
            ready += 1
            for criterion in criteria:
                if not criterion.accepts(machine):
                    excluded[criterion.text] += 1
        elif all(c.accepts(machine) for c in criteria):
            not_ready[machine.status.label] += 1
    return Tally(ready, excluded, not_ready)


class PoolIndex(Protocol):
    """The machines of a pool, found by what an allocation asks of them."""

    def __len__(self) -> int:
        """How many machines, whatever their status."""
        ...

    def get(self, ref: str) -> Machine | None:
        """The machine with this system id or hostname, or None."""
        ...

    def __iter__(self) -> Iterator[Machine]:
        """Every machine, in hostname order."""
        ...

    def has_ready(self, count: int) -> bool:
        """Whether at least ``count`` machines are Ready."""
        ...

    def candidates(
        self,
        request: AllocationRequest,
        filters: Filters,
        *,
        zone: str | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> Iterator[Machine]:
        """Ready machines passing every filter, in MAAS's order (:func:`maas_order`).

        With ``zone``, only that zone's; machines in ``exclude`` (system ids) are skipped.
        """
        ...

    def count(self, request: AllocationRequest, filters: Filters) -> int:
        """How many Ready machines pass every filter."""
        ...

    def tally(self, request: AllocationRequest) -> Tally:
        """The counts that explain why the request finds too few machines."""
        ...

    def zones(self) -> frozenset[str]:
        """Every zone that holds a machine."""
        ...

    def unknown(self, kind: str, names: Iterable[str]) -> list[str]:
        """Which of these names no machine has, in the order given.

        ``kind`` is ``zone``, ``pool`` or ``tag``: MAAS answers 400 for a name it has never
        heard of, and these only grow (a machine's hardware and place never change).
        """
        ...

    def insert(self, machines: Iterable[Machine]) -> int:
        """Add new machines; how many.

        Raises:
            InventoryError: a hostname or system id is already in the pool (or twice in
                ``machines``). The memory index then has added nothing; the state
                directory's relies on its transaction rolling back.
        """
        ...

    def replace(self, before: Machine, after: Machine) -> None:
        """Put ``after`` (the same machine in another state) where ``before`` was."""
        ...

    @property
    def changed(self) -> set[str]:
        """System ids changed or added and not yet saved."""
        ...

    def clear_changes(self) -> None:
        """Forget :attr:`changed` (they were saved)."""
        ...


_Shape = tuple[int, int, str]  # (cores, memory MiB, arch)
_Entry = tuple[str, str]  # (hostname, system_id): bucket order is the tie-break


class MemoryIndex:
    """Every machine in a dict; Ready machines bucketed by hardware shape.

    The shapes are kept in cost order, so a request skips every shape too small for it with one
    bisection and tests the remaining ones once per shape, not once per machine. A generated
    100k-machine pool has a few dozen shapes, which keeps an allocation near-constant in the
    size of the pool.
    """

    def __init__(self, machines: Iterable[Machine] = ()) -> None:
        self._machines: dict[str, Machine] = {}
        self._by_hostname: dict[str, str] = {}
        self._buckets: dict[_Shape, list[_Entry]] = {}
        self._cost_keys: list[int] = []  # sorted, unique
        self._shapes_at: dict[int, list[_Shape]] = {}
        self._ready = 0
        self._names: dict[str, set[str]] = {'zone': set(), 'pool': set(), 'tag': set()}
        self._changed: set[str] = set()
        self.insert(machines)
        self._changed.clear()

    def __len__(self) -> int:
        return len(self._machines)

    def get(self, ref: str) -> Machine | None:
        """See :meth:`PoolIndex.get`."""
        machine = self._machines.get(ref)
        if machine is None and (system_id := self._by_hostname.get(ref)) is not None:
            machine = self._machines[system_id]
        return machine

    def __iter__(self) -> Iterator[Machine]:
        for hostname in sorted(self._by_hostname):
            yield self._machines[self._by_hostname[hostname]]

    def has_ready(self, count: int) -> bool:
        """See :meth:`PoolIndex.has_ready`."""
        return self._ready >= count

    def candidates(
        self,
        request: AllocationRequest,
        filters: Filters,
        *,
        zone: str | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> Iterator[Machine]:
        """See :meth:`PoolIndex.candidates`."""
        shape_filters, machine_filters = filters
        for system_id in self._fitting_shapes(request, shape_filters):
            machine = self._machines[system_id]
            if zone is not None and machine.zone != zone:
                continue
            if system_id in exclude:
                continue
            if all(f.accepts(machine) for f in machine_filters):
                yield machine

    def count(self, request: AllocationRequest, filters: Filters) -> int:
        """See :meth:`PoolIndex.count`."""
        shape_filters, machine_filters = filters
        if machine_filters:
            return sum(1 for _ in self.candidates(request, filters))
        start = bisect.bisect_left(self._cost_keys, request.min_cost_key)
        return sum(
            len(self._buckets[shape])
            for cost in self._cost_keys[start:]
            for shape in self._shapes_at[cost]
            if _shape_fits(shape, shape_filters)
        )

    def tally(self, request: AllocationRequest) -> Tally:
        """See :meth:`PoolIndex.tally`."""
        return tally(self._machines.values(), request.criteria())

    def zones(self) -> frozenset[str]:
        """See :meth:`PoolIndex.zones`."""
        return frozenset(self._names['zone'])

    def unknown(self, kind: str, names: Iterable[str]) -> list[str]:
        """See :meth:`PoolIndex.unknown`."""
        known = self._names[kind]
        return [name for name in names if name not in known]

    def insert(self, machines: Iterable[Machine]) -> int:
        """See :meth:`PoolIndex.insert`; all or none."""
        new = list(machines)
        seen: set[str] = set()
        for machine in new:
            for ref in (machine.hostname, machine.system_id):
                if ref in self._by_hostname or ref in self._machines or ref in seen:
                    raise InventoryError(f'machine "{ref}" is already in the pool')
                seen.add(ref)
        for machine in new:
            self._machines[machine.system_id] = machine
            self._by_hostname[machine.hostname] = machine.system_id
            self._names['zone'].add(machine.zone)
            self._names['pool'].add(machine.pool)
            self._names['tag'].update(machine.tags)
            if machine.status is Status.READY:
                self._add_ready(machine)
            self._changed.add(machine.system_id)
        return len(new)

    def replace(self, before: Machine, after: Machine) -> None:
        """See :meth:`PoolIndex.replace`."""
        if before.status is Status.READY:
            bucket = self._buckets[(before.cores, before.memory, before.arch)]
            del bucket[bisect.bisect_left(bucket, (before.hostname, before.system_id))]
            self._ready -= 1
        if after.status is Status.READY:
            self._add_ready(after)
        self._machines[after.system_id] = after
        self._changed.add(after.system_id)

    @property
    def changed(self) -> set[str]:
        """See :attr:`PoolIndex.changed`."""
        return self._changed

    def clear_changes(self) -> None:
        """See :meth:`PoolIndex.clear_changes`."""
        self._changed.clear()

    def _add_ready(self, machine: Machine) -> None:
        shape = (machine.cores, machine.memory, machine.arch)
        bucket = self._buckets.get(shape)
        if bucket is None:
            bucket = self._buckets[shape] = []
            cost = machine.cost_key
            at = self._shapes_at.get(cost)
            if at is None:
                self._shapes_at[cost] = [shape]
                bisect.insort(self._cost_keys, cost)
            else:
                at.append(shape)
        bisect.insort(bucket, (machine.hostname, machine.system_id))
        self._ready += 1

    def _fitting_shapes(
        self, request: AllocationRequest, shape_filters: tuple[Criterion, ...]
    ) -> Iterator[str]:
        """System ids of Ready machines whose shape fits, cheapest first, then by hostname."""
        start = bisect.bisect_left(self._cost_keys, request.min_cost_key)
        for cost in self._cost_keys[start:]:
            buckets = [
                bucket
                for shape in self._shapes_at[cost]
                if (bucket := self._buckets[shape]) and _shape_fits(shape, shape_filters)
            ]
            if len(buckets) == 1:
                for _, system_id in buckets[0]:
                    yield system_id
            elif buckets:
                for _, system_id in heapq.merge(*buckets):
                    yield system_id


def _shape_fits(shape: _Shape, filters: tuple[Criterion, ...]) -> bool:
    return all(f.shape(*shape) for f in filters if f.shape is not None)
