"""``olm plan``: where a bundle's units would land, what cannot be placed, and the headroom left.

A plan runs the same allocation a deploy would (Juju's constraint merge, the MAAS storage
constraint of each unit's volumes, zone spreading per application, MAAS's cheapest-fit rule) on
a copy of the pool, and changes nothing. Unlike a deploy, which is all or nothing, a plan goes on
past a unit that cannot be placed, so one run lists every unit that would not fit, each with the
pool's per-constraint explanation (:class:`orchestrator.cloud.NoMatchError`), and how many more
units of each application's shape the pool would still hold afterwards.

Units placed by the bundle on a bundle machine or beside another unit take no new machine and
are reported as such; container placements are refused by the deploy and reported here.
"""

# pyright: strict

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from .. import cloud
from ..juju import bundle as juju_bundle
from ..juju import constraints as juju_constraints
from ..juju import storage as juju_storage
from ..state import bindings as juju_bindings

__all__ = ['Headroom', 'Plan', 'PlannedUnit', 'headroom', 'make']


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlannedUnit:
    """Where one new unit (or bundle machine) would go.

    Attributes:
        unit: ``app/N``, or ``machine <key>`` for a bundle machine.
        hostname: the pool machine, or None if it cannot be placed (or goes to a machine the
            plan does not allocate).
        zone: that machine's zone.
        reason: why that machine, or where the unit goes instead.
        problem: why it cannot be placed (the pool's explanation), or ''.
        addresses: (space, address) of each address the machine has, boot address first;
            MAAS's undefined space shows as Juju's ``alpha``.
        count: how many units this entry stands for: more than one only for the units of an
            application that cannot be placed once one of them could not (``unit`` then names
            the first and the last, ``app/18..app/999999``).
    """

    unit: str
    hostname: str | None
    zone: str = ''
    reason: str = ''
    problem: str = ''
    addresses: tuple[tuple[str, str], ...] = ()
    count: int = 1

    def to_json(self) -> dict[str, Any]:
        """The unit's placement as JSON."""
        return {
            'unit': self.unit,
            'machine': self.hostname,
            'zone': self.zone or None,
            'reason': self.reason or None,
            'problem': self.problem or None,
            'addresses': [{'space': space, 'address': ip} for space, ip in self.addresses],
        } | ({'count': self.count} if self.count > 1 else {})


@dataclasses.dataclass(frozen=True, kw_only=True)
class Headroom:
    """How many more units of one application's shape the pool would still hold.

    Attributes:
        application: the application.
        constraints: its merged constraints.
        storage: the MAAS storage constraint of one unit ('' for none).
        more: Ready machines that would still fit one more unit each.
        spaces: the spaces its bindings need a machine to reach.
    """

    application: str
    constraints: str
    storage: str
    more: int
    spaces: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The headroom as JSON."""
        return {
            'constraints': self.constraints,
            'storage': self.storage or None,
            'spaces': list(self.spaces),
            'more-units': self.more,
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class Plan:
    """A bundle's placement on the pool as it stands.

    Attributes:
        bundle: the bundle file, as given.
        units: every new unit and bundle machine, in deploy order.
        headroom: per application of the bundle.
        existing: units already in the model that the deploy would keep, per application.
    """

    bundle: str
    units: tuple[PlannedUnit, ...]
    headroom: tuple[Headroom, ...]
    existing: Mapping[str, int]

    @property
    def unplaced(self) -> list[PlannedUnit]:
        """The units that cannot be placed (an entry may stand for several: ``count``)."""
        return [u for u in self.units if u.problem]

    @property
    def unplaced_count(self) -> int:
        """How many units cannot be placed."""
        return sum(u.count for u in self.unplaced)

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON (``olm plan --format json``)."""
        return {
            'bundle': self.bundle,
            'fits': not self.unplaced,
            'units': [u.to_json() for u in self.units],
            'headroom': {h.application: h.to_json() for h in self.headroom},
            'existing-units': dict(self.existing),
        }


def make(
    data: juju_bundle.Bundle,
    pool: cloud.Pool,
    *,
    model_constraints: juju_constraints.Constraints,
    storage_pools: Mapping[str, juju_storage.StoragePool],
    existing: Mapping[str, Sequence[str]],
) -> Plan:
    """Plan ``data`` on ``pool``, which it allocates from (give it a copy).

    Args:
        data: the loaded, verified bundle.
        pool: the pool to allocate from; it is changed.
        model_constraints: the model's constraints, merged under each application's.
        storage_pools: the model's storage pools.
        existing: application -> system ids of the machines its current units run on
            (they count for zone spreading, and a deploy keeps them).

    Raises:
        juju_storage.StorageError: for a storage directive the model cannot serve.
    """
    units: list[PlannedUnit] = []
    bundle_machines: dict[str, PlannedUnit] = {}
    for key, machine in data.machines.items():
        merged = juju_constraints.merge(
            model_constraints, juju_constraints.parse(machine.constraints)
        )
        planned = _allocate(pool, f'machine {key}', merged, '', [], frozenset())
        bundle_machines[key] = planned
        units.append(planned)
    placed: dict[str, PlannedUnit] = {}
    shapes: list[tuple[str, juju_constraints.Constraints, str, frozenset[str]]] = []
    for name, app in data.applications.items():
        merged = juju_constraints.merge(model_constraints, juju_constraints.parse(app.constraints))
        volumes = juju_storage.volumes(app.spec.name, app.spec.storage, app.storage, storage_pools)
        storage = juju_storage.maas_storage(volumes, merged.root_disk)
        spaces = juju_bindings.spaces_needed(app.bindings, app.spec.bindable)
        spread = list(existing.get(name, ()))
        have = len(spread)
        wanted = app.placements[have:] if have < app.num_units else ()
        # Once a new machine cannot be found for a unit, none can for the later ones (the
        # plan only takes machines): they are counted into one entry, not allocated each.
        failed: PlannedUnit | None = None
        first = last = ''
        count = 0
        for index, placement in enumerate(wanted):
            unit = f'{name}/{have + index}'
            target = _target(placement, bundle_machines, placed)
            if target is None and failed is not None:
                first, last, count = first or unit, unit, count + 1
                continue
            if target is None:
                planned = _allocate(pool, unit, merged, storage, spread, spaces)
                if planned.hostname is not None:
                    spread.append(pool.get(planned.hostname).system_id)
                else:
                    failed = planned
            else:
                planned = dataclasses.replace(target, unit=unit)
            placed[unit] = planned
            units.append(planned)
        if failed is not None and count:
            span = first if count == 1 else f'{first}..{last}'
            units.append(dataclasses.replace(failed, unit=span, count=count))
        shapes.append((name, merged, storage, spaces))
    room = [headroom(pool, *shape) for shape in shapes]
    return Plan(
        bundle=str(data.path),
        units=tuple(units),
        headroom=tuple(room),
        existing={name: len(existing[name]) for name in data.applications if existing.get(name)},
    )


def _allocate(
    pool: cloud.Pool,
    unit: str,
    merged: juju_constraints.Constraints,
    storage: str,
    spread: Sequence[str],
    spaces: frozenset[str],
) -> PlannedUnit:
    group = collections.Counter(pool.get(ref).zone for ref in spread)
    try:
        (machine,) = pool.allocate(
            merged, 1, None, spread=spread, storage=storage, bindings=spaces
        )
    except cloud.CloudError as error:  # no match, or a tag, zone or space MAAS does not know
        return PlannedUnit(unit=unit, hostname=None, problem=str(error))
    reason = cloud.choice_reason(machine, group, pool.zones, spread=True)
    addresses = tuple(
        (a.space or juju_bindings.ALPHA, a.ip) for a in juju_bindings.addresses_of(machine)
    )
    return PlannedUnit(
        unit=unit, hostname=machine.hostname, zone=machine.zone, reason=reason,
        addresses=addresses,
    )  # fmt: skip


def _target(
    placement: juju_bundle.Placement,
    bundle_machines: Mapping[str, PlannedUnit],
    placed: Mapping[str, PlannedUnit],
) -> PlannedUnit | None:
    """Where a placement puts a unit without a new machine, or None for a new machine."""
    if placement.container is not None:
        return PlannedUnit(
            unit='',
            hostname=None,
            problem=f'container placement "{placement.container}:" is not supported: olm '
            'deploys units on the metal pool machines directly',
        )
    if placement.machine is not None:
        machine = bundle_machines[placement.machine]
        return dataclasses.replace(machine, reason=f'on bundle machine {placement.machine}')
    if placement.application is not None:
        ref = f'{placement.application}/{placement.unit or 0}'
        other = placed.get(ref)
        if other is None:
            return PlannedUnit(unit='', hostname=None, reason=f'beside {ref} (already deployed)')
        return dataclasses.replace(other, reason=f'beside {ref}')
    return None


def headroom(
    pool: cloud.Pool,
    application: str,
    constraints: juju_constraints.Constraints,
    storage: str,
    spaces: frozenset[str],
) -> Headroom:
    """How many Ready machines of ``pool`` would still fit one more unit of this shape."""
    try:
        more = pool.capacity(constraints, storage=storage, bindings=spaces)
    except cloud.CloudError:  # a tag, zone or pool MAAS does not know: nothing fits
        more = 0
    return Headroom(application=application, constraints=str(constraints), storage=storage,
                    more=more, spaces=tuple(sorted(spaces)))  # fmt: skip
