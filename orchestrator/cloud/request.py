"""An allocate request as MAAS receives it, and the filters it stands for.

A request is built either from MAAS ``op=allocate`` form parameters or from Juju constraints
through :meth:`Constraints.to_maas_params`, exactly the path Juju's MAAS provider takes. Each
parameter value becomes one :class:`Criterion`: a named filter over machines. Allocation ANDs
them; an explanation of a no-fit evaluates each on its own (kube-scheduler's habit of reporting
every reason, not just the first).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..juju import constraints as juju_constraints
from . import spaces as maas_spaces
from . import storage
from .errors import PlacementError, RequestError
from .machine import Machine
from .network import Network

__all__ = ['KNOWN_PARAMS', 'AllocationRequest', 'Criterion', 'ShapeTest']

KNOWN_PARAMS = (
    'name', 'system_id', 'arch', 'cpu_count', 'mem', 'tags', 'not_tags', 'zone', 'not_in_zone',
    'pool', 'not_in_pool', 'storage', 'interfaces', 'subnets', 'not_subnets', 'agent_name',
    'comment', 'dry_run',
)  # fmt: skip
"""The ``allocate`` parameters the embedded pool honours (a subset of MAAS's)."""

_NON_CONSTRAINTS = frozenset({'agent_name', 'comment', 'dry_run'})
_NETWORK_PARAMS = frozenset({'interfaces', 'subnets', 'not_subnets'})
_NO_NETWORK = Network()


ShapeTest = Callable[[int, int, str], bool]
"""A test of a hardware shape: ``(cores, memory MiB, arch) -> bool``."""


@dataclasses.dataclass(frozen=True, slots=True)
class Criterion:
    """One filter of a request.

    Attributes:
        text: how the filter is named in explanations, e.g. ``mem=6144``.
        accepts: True if a machine passes.
        shape: set when the filter reads only a machine's hardware shape, so the pool can test
            it once per shape instead of once per machine.
    """

    text: str
    accepts: Callable[[Machine], bool]
    shape: ShapeTest | None = None

    @classmethod
    def on_shape(cls, text: str, test: ShapeTest) -> Criterion:
        """A criterion that reads only ``(cores, memory, arch)``."""
        return cls(text, lambda m: test(m.cores, m.memory, m.arch), test)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AllocationRequest:
    """The constraints of one ``allocate`` call; every field is optional and all are ANDed.

    Attributes:
        arch: architectures, any of which will do (bare names match every subarchitecture).
        cpu_count: minimum cores.
        mem: minimum memory, MiB.
        tags: tags the machine must all have.
        not_tags: tags the machine must have none of.
        zones: zones the machine must be in (any of them).
        not_in_zones: zones it must not be in.
        pools: resource pools it must be in (any of them).
        not_in_pools: resource pools it must not be in.
        storage: the MAAS storage items (the first is the root device).
        name: hostname placement.
        system_id: system-id placement.
        interfaces: (label, space) pairs: for each label, some interface of the machine must
            reach that space.
        subnets: CIDRs the machine must have an address on, every one.
        not_subnets: CIDRs the machine must have no address on.
        params: the parameters as given, in order, for MAAS's 409 message.
    """

    arch: frozenset[str] = frozenset()
    cpu_count: int | None = None
    mem: int | None = None
    tags: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    zones: frozenset[str] = frozenset()
    not_in_zones: frozenset[str] = frozenset()
    pools: frozenset[str] = frozenset()
    not_in_pools: frozenset[str] = frozenset()
    storage: tuple[storage.StorageItem, ...] = ()
    name: str | None = None
    system_id: str | None = None
    interfaces: tuple[tuple[str, str], ...] = ()
    subnets: frozenset[str] = frozenset()
    not_subnets: frozenset[str] = frozenset()
    params: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_maas_params(
        cls, params: Mapping[str, Sequence[str]], *, network: Network | None = None
    ) -> AllocationRequest:
        """Validate MAAS ``allocate`` form parameters the way MAAS's form does.

        Args:
            params: the form parameters.
            network: the cloud's spaces and subnets, which ``interfaces`` and ``not_subnets``
                name.

        Raises:
            RequestError: for a parameter MAAS would answer with HTTP 400 (or 404), with its
                message.
        """
        fields: dict[str, object] = {}
        for key, values in params.items():
            if key not in KNOWN_PARAMS:
                raise RequestError(key, 'No such constraint.')
            if key in _NON_CONSTRAINTS or not values:
                continue
            if key in _NETWORK_PARAMS:
                fields.update(_network_param(key, [str(v) for v in values], network))
                continue
            fields.update(_parse_param(key, [str(v) for v in values]))
        given = tuple(
            (key, tuple(str(v) for v in values))
            for key, values in params.items()
            if values and key not in _NON_CONSTRAINTS
        )
        return cls(params=given, **fields)  # pyright: ignore[reportArgumentType]

    @classmethod
    def from_constraints(
        cls,
        constraints: juju_constraints.Constraints,
        placement: str | None = None,
        *,
        extra: Mapping[str, Sequence[str]] | None = None,
        network: Network | None = None,
        bindings: Iterable[str] = (),
    ) -> AllocationRequest:
        """Translate Juju constraints and a placement directive as Juju's MAAS provider does.

        Args:
            constraints: the merged Juju constraints of the machine.
            placement: ``<hostname>``, ``system-id=<id>`` or ``zone=<zone>``.
            extra: further MAAS parameters Juju does not produce (``pool``, ``storage``).
            network: the cloud's spaces (for ``spaces=`` and bindings).
            bindings: the spaces the application's endpoints are bound to.

        Raises:
            PlacementError: ``unknown placement directive: <p>``.
            RequestError: for a value MAAS rejects, or Juju's message for a space it does not
                know.
        """
        params: dict[str, list[str]] = dict(constraints.to_maas_params())
        params.update(
            maas_spaces.maas_space_params(
                constraints.positive_spaces,
                constraints.negative_spaces,
                bindings,
                network or _NO_NETWORK,
            )
        )
        if placement:
            key, sep, value = placement.partition('=')
            if not sep:
                params['name'] = [placement]
            elif key == 'system-id' and value:
                params['system_id'] = [value]
            elif key == 'zone' and value:
                wanted = params.get('zone')
                if wanted and value not in wanted:
                    raise PlacementError(
                        f'placement zone "{value}" is not in the zones constraint '
                        f'({",".join(wanted)})'
                    )
                params['zone'] = [value]
            else:
                raise PlacementError(f'unknown placement directive: {placement}')
        for key, values in (extra or {}).items():
            if key == 'storage' and any(values):
                params[key] = [
                    _juju_storage(params.get(key, []), ','.join(v for v in values if v))
                ]
            else:
                params[key] = list(values)
        return cls.from_maas_params(params, network=network)

    @property
    def is_empty(self) -> bool:
        """True if the request constrains nothing (MAAS then says ``No machine available.``)."""
        return not self.params

    @property
    def min_cost_key(self) -> int:
        """A lower bound of ``cost * 1024`` for any machine that can match."""
        return (self.cpu_count or 0) * 1024 + (self.mem or 0)

    def criteria(self) -> list[Criterion]:
        """Every filter of the request, one per constraint value, in parameter order."""
        out: list[Criterion] = []
        if self.name is not None:
            name = self.name
            out.append(Criterion(f'name={name}', lambda m: name in (m.hostname, _short(m))))
        if self.system_id is not None:
            sid = self.system_id
            out.append(Criterion(f'system_id={sid}', lambda m: m.system_id == sid))
        if self.arch:
            arches = self.arch
            text = 'arch=' + ','.join(sorted(arches))
            out.append(Criterion.on_shape(text, lambda c, m, a: _arch_matches(a, arches)))
        if self.cpu_count is not None:
            cores = self.cpu_count
            out.append(Criterion.on_shape(f'cpu_count={cores}', lambda c, m, a: c >= cores))
        if self.mem is not None:
            mem = self.mem
            out.append(Criterion.on_shape(f'mem={mem}', lambda c, m, a: m >= mem))
        out.extend(Criterion(f'tags={tag}', _has_tag(tag)) for tag in self.tags)
        out.extend(Criterion(f'not_tags={tag}', _lacks_tag(tag)) for tag in self.not_tags)
        if self.zones:
            zones = self.zones
            text = 'zone=' + ','.join(sorted(zones))
            out.append(Criterion(text, lambda m: m.zone in zones))
        if self.not_in_zones:
            bad_zones = self.not_in_zones
            text = 'not_in_zone=' + ','.join(sorted(bad_zones))
            out.append(Criterion(text, lambda m: m.zone not in bad_zones))
        if self.pools:
            pools = self.pools
            text = 'pool=' + ','.join(sorted(pools))
            out.append(Criterion(text, lambda m: m.pool in pools))
        if self.not_in_pools:
            bad_pools = self.not_in_pools
            text = 'not_in_pool=' + ','.join(sorted(bad_pools))
            out.append(Criterion(text, lambda m: m.pool not in bad_pools))
        if self.storage:
            items = self.storage
            text = 'storage=' + ','.join(item.text for item in items)
            out.append(Criterion(text, lambda m: storage.match(items, m) is not None))
        out.extend(
            Criterion(f'interfaces={label}:space={space}', _reaches(space))
            for label, space in self.interfaces
        )
        if self.subnets:
            wanted = self.subnets
            text = 'subnets=' + ','.join(sorted(wanted))
            out.append(Criterion(text, lambda m: wanted <= _linked(m)))
        if self.not_subnets:
            cidrs = self.not_subnets
            text = 'not_subnets=' + ','.join(sorted(cidrs))
            out.append(Criterion(text, lambda m: not _linked_to(m, cidrs)))
        return out

    def maas_message(self) -> str:
        """MAAS's 409 body for this request when nothing matches."""
        if self.system_id is not None:
            return f'No machine with system ID {self.system_id} available.'
        if self.is_empty:
            return 'No machine available.'
        given = [(key, list(values)) for key, values in self.params]
        resolved = ' '.join(
            f'{key}={",".join(_resolved_value(key, v) for v in values)}'
            for key, values in sorted(self.params)
        )
        return f'No available machine matches constraints: {given} (resolved to "{resolved}")'


def _parse_param(key: str, values: list[str]) -> dict[str, object]:
    if key in ('name', 'system_id'):
        return {key: values[0]}
    if key == 'arch':
        arches: set[str] = set()
        for value in values:
            bare = 'armhf' if value == 'arm' else value
            if bare.partition('/')[0] not in juju_constraints.SUPPORTED_ARCHES:
                raise RequestError('arch', 'Architecture not recognised.')
            arches.add(bare)
        return {'arch': frozenset(arches)}
    if key == 'cpu_count':
        return {'cpu_count': _minimum(values, 'Invalid CPU count: number required.', key)}
    if key == 'mem':
        return {'mem': _minimum(values, 'Invalid memory: number of MiB required.', key)}
    if key in ('tags', 'not_tags'):
        # MAAS accepts repeated parameters and comma/space separated strings alike.
        names = [t for v in values for t in v.replace(',', ' ').split() if t]
        return {key: tuple(dict.fromkeys(names))}
    if key == 'storage':
        return {'storage': storage.parse(','.join(values))}
    field = {'zone': 'zones', 'not_in_zone': 'not_in_zones', 'pool': 'pools'}.get(key, key)
    if key == 'not_in_pool':
        field = 'not_in_pools'
    return {field: frozenset(values)}


def _network_param(key: str, values: list[str], network: Network | None) -> dict[str, object]:
    network = network or _NO_NETWORK
    if key in ('subnets', 'not_subnets'):
        specifiers = [v for value in values for v in value.split(',') if v]
        return {key: maas_spaces.resolve_subnets(key, specifiers, network)}
    pairs: list[tuple[str, str]] = []
    for value in values:
        for label, constraint in maas_spaces.parse_interfaces(value):
            unknown = [k for k in constraint if k != 'space']
            if unknown:
                raise RequestError(
                    'interfaces',
                    f'the interfaces key "{unknown[0]}" is not emulated by the olm pool '
                    '(it matches "space", the key Juju sends)',
                )
            pairs.extend(
                (label, maas_spaces.resolve_space(space, network)) for space in constraint['space']
            )
    return {'interfaces': tuple(pairs)}


def _reaches(space: str) -> Callable[[Machine], bool]:
    return lambda m: space in m.spaces


def _linked_to(machine: Machine, cidrs: frozenset[str]) -> bool:
    return any(link.subnet in cidrs for i in machine.interfaces for link in i.links)


def _linked(machine: Machine) -> frozenset[str]:
    return frozenset(link.subnet for i in machine.interfaces for link in i.links)


def _minimum(values: Iterable[str], message: str, key: str) -> int:
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        raise RequestError(key, message) from None
    # MAAS filters on >= min(values); memory and cores are whole numbers on a machine.
    low = min(numbers)
    return int(low) if low == int(low) else int(low) + 1


def _resolved_value(key: str, value: str) -> str:
    if key in ('cpu_count', 'mem'):
        return str(float(value))
    return value


def _arch_matches(arch: str, wanted: frozenset[str]) -> bool:
    return arch in wanted or arch.partition('/')[0] in wanted


def _short(machine: Machine) -> str:
    return machine.hostname.partition('.')[0]


def _has_tag(tag: str) -> Callable[[Machine], bool]:
    return lambda m: tag in m.tags


def _lacks_tag(tag: str) -> Callable[[Machine], bool]:
    return lambda m: tag not in m.tags


def _juju_storage(root: Sequence[str], value: str) -> str:
    """``storage`` as Juju sends it: the root item first, then the volumes.

    juju/juju ``internal/provider/maas/volumes.go`` ``buildMAASVolumeParameters`` puts a
    ``root`` volume first whenever there are volumes or a ``root-disk`` constraint, sized from
    ``root-disk`` (0 without one), and appends the volumes after it; ``constraints.go``
    ``addStorage`` joins them into the one ``storage`` parameter. So a ``storage`` value given
    next to ``root-disk`` (``root`` from :meth:`Constraints.to_maas_params`) follows the root
    item instead of replacing it; a value that already starts with a ``root`` item (as
    :func:`orchestrator.juju.storage.maas_storage` builds it) has that item replaced by the
    constraint's, as Juju sizes the root from the constraint alone.

    Raises:
        RequestError: MAAS's ``Malformed storage constraint`` for a value it would refuse.
    """
    items = storage.parse(value)
    has_root = items[0].label == 'root'
    volumes = [item.text for item in (items[1:] if has_root else items)]
    first = root[0] if root else (items[0].text if has_root else 'root:0')
    return ','.join([first, *volumes])
