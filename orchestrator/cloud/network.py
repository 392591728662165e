"""The pool's networks, as MAAS models them: spaces, subnets (on fabrics and VLANs) and NICs.

MAAS (canonical/maas 3.6, ``src/maasserver/models/{space,subnet,vlan,interface}.py``) puts a
space on a VLAN; a subnet belongs to one VLAN of one fabric, so its space is its VLAN's; a
machine's interfaces are physical NICs, bonds and bridges over them, and VLAN interfaces over
any of those, each with links (``interface_set[].links``: a subnet, a mode and, when MAAS
assigned one, an IP address). A subnet on no space is in MAAS's ``undefined`` space, which
Juju's MAAS provider leaves out of the spaces it imports (those subnets land in Juju's
``alpha`` space).

Allocation asks "which spaces does this machine reach": MAAS's ``interfaces=…:space=…``
filter matches an interface whose VLAN is in the space (``InterfaceQueriesMixin
._add_space_query``, ``Q(vlan__space=space)``); here an interface's VLAN is the one of the
subnets it links to, so a machine reaches the spaces of its links' subnets.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import functools
import ipaddress
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, cast

__all__ = [
    'INTERFACE_TYPES',
    'LINK_MODES',
    'UNDEFINED_SPACE',
    'Interface',
    'Link',
    'Network',
    'Space',
    'Subnet',
]

UNDEFINED_SPACE = 'undefined'
"""MAAS's name for "no space" (``Space.UNDEFINED``): a subnet whose VLAN has none."""

INTERFACE_TYPES = ('physical', 'bond', 'bridge', 'vlan')
"""MAAS ``INTERFACE_TYPE`` values a commissioned or configured machine has (``alias`` and
``unknown`` are left out: the first is an address, the second a device MAAS cannot use)."""

LINK_MODES = ('auto', 'static', 'dhcp', 'link_up')
"""MAAS ``INTERFACE_LINK_TYPE``: ``auto`` and ``static`` carry an IP once deployed; ``dhcp``
gets one from a DHCP server (the pool may record it); ``link_up`` brings the link up without
one."""


@dataclasses.dataclass(frozen=True, slots=True)
class Space:
    """A MAAS space: ``id`` is what Juju's MAAS provider sends as the space's provider id."""

    id: int
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Subnet:
    """A MAAS subnet.

    Attributes:
        id: MAAS's id (``subnets/<id>/``).
        cidr: the network, e.g. ``10.246.0.0/22``.
        name: MAAS's name (defaults to the CIDR).
        space: its VLAN's space name, or :data:`UNDEFINED_SPACE`.
        fabric: the fabric of its VLAN.
        vid: the VLAN's 802.1Q id (0: untagged).
        gateway: ``gateway_ip`` ('' for none).
    """

    id: int
    cidr: str
    name: str
    space: str
    fabric: str = 'fabric-0'
    vid: int = 0
    gateway: str = ''

    @property
    def prefixlen(self) -> int:
        """The network's prefix length."""
        return ipaddress.ip_network(self.cidr).prefixlen


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    """One of an interface's links (MAAS ``interface.links[]``).

    Attributes:
        subnet: the subnet's CIDR.
        mode: one of :data:`LINK_MODES`.
        ip: the address on it ('' for ``link_up`` or an unrecorded DHCP lease).
        space: the subnet's space (copied here so a machine answers alone).
        prefixlen: the subnet's prefix length (likewise).
    """

    subnet: str
    mode: str
    ip: str
    space: str
    prefixlen: int

    @property
    def with_prefix(self) -> str:
        """``ip/prefixlen`` as ``ip addr`` shows it ('' without an IP)."""
        return f'{self.ip}/{self.prefixlen}' if self.ip else ''


@dataclasses.dataclass(frozen=True, slots=True)
class Interface:
    """A network interface of a machine (MAAS ``interface_set[]``).

    Attributes:
        name: its name (``eno1``, ``enp65s0f0``, ``bond0``, ``br-ex``, ``bond0.20``).
        type: one of :data:`INTERFACE_TYPES`.
        mac: its MAC address (a bond, bridge or VLAN has its first parent's).
        parents: the interfaces it sits on (a bond's members, a bridge's port, a VLAN's
            device); none for a physical NIC.
        vid: the 802.1Q id of a ``vlan`` interface (0 otherwise).
        links: its links, each on a subnet.
        mtu: its MTU.
    """

    name: str
    type: str
    mac: str
    parents: tuple[str, ...] = ()
    vid: int = 0
    links: tuple[Link, ...] = ()
    mtu: int = 1500

    @property
    def addresses(self) -> tuple[str, ...]:
        """The IPs of its links, in link order."""
        return tuple(link.ip for link in self.links if link.ip)


_NO_SUBNETS: Mapping[str, Subnet] = MappingProxyType({})


@dataclasses.dataclass(frozen=True)
class Network:
    """The spaces and subnets of a pool (MAAS's ``spaces/`` and ``subnets/``).

    Space ids are assigned in name order from 1, as a fresh MAAS numbers spaces it is given
    in that order (MAAS's ``undefined`` space has id -1 and is not listed). Subnet ids follow
    the order the subnets were declared in.
    """

    spaces: tuple[Space, ...] = ()
    subnets: tuple[Subnet, ...] = ()

    def __hash__(self) -> int:
        # Allocation caches translations keyed on the network: hash it once, not every call.
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.spaces, self.subnets))

    @classmethod
    def build(cls, space_names: Iterable[str], subnets: Iterable[Subnet]) -> Network:
        """A network with these spaces (ids assigned by name) and subnets."""
        names = sorted(set(space_names))
        return cls(tuple(Space(i, n) for i, n in enumerate(names, 1)), tuple(subnets))

    @property
    def by_cidr(self) -> Mapping[str, Subnet]:
        """Subnets by CIDR."""
        return {s.cidr: s for s in self.subnets} if self.subnets else _NO_SUBNETS

    def space(self, name: str) -> Space | None:
        """The space called ``name``, or None."""
        for space in self.spaces:
            if space.name == name:
                return space
        return None

    def space_by_id(self, space_id: int) -> Space | None:
        """The space with MAAS id ``space_id``, or None."""
        for space in self.spaces:
            if space.id == space_id:
                return space
        return None

    def subnets_in(self, space: str) -> tuple[Subnet, ...]:
        """The subnets of one space, in declaration order."""
        return tuple(s for s in self.subnets if s.space == space)

    def merged(self, other: Network) -> Network:
        """This network with ``other``'s spaces and subnets added (a pool file imported).

        Ids are kept as ``other`` gives them (a MAAS region's ids are what Juju sends back in
        ``interfaces=``); one that is taken already gets the next free id.

        Raises:
            ValueError: a subnet of ``other`` has this one's CIDR with another space, fabric
                or VLAN.
        """
        known = self.by_cidr
        subnets = list(self.subnets)
        subnet_ids = {s.id for s in subnets}
        for subnet in other.subnets:
            mine = known.get(subnet.cidr)
            if mine is None:
                new_id = subnet.id if subnet.id not in subnet_ids else max(subnet_ids) + 1
                subnet_ids.add(new_id)
                subnets.append(dataclasses.replace(subnet, id=new_id))
            elif (mine.space, mine.fabric, mine.vid) != (subnet.space, subnet.fabric, subnet.vid):
                raise ValueError(
                    f'subnet {subnet.cidr} is already in the pool on space "{mine.space}", '
                    f'fabric "{mine.fabric}", VLAN {mine.vid}'
                )
        spaces = list(self.spaces)
        names = {s.name for s in spaces}
        space_ids = {s.id for s in spaces}
        for space in other.spaces:
            if space.name in names:
                continue
            new_id = space.id if space.id not in space_ids else max(space_ids) + 1
            space_ids.add(new_id)
            names.add(space.name)
            spaces.append(Space(new_id, space.name))
        return Network(tuple(spaces), tuple(subnets))

    def to_data(self) -> dict[str, object]:
        """JSON-able form (the store keeps it; the pool file format is :mod:`.inventory`'s)."""
        return {
            'spaces': [[s.id, s.name] for s in self.spaces],
            'subnets': [
                [s.id, s.cidr, s.name, s.space, s.fabric, s.vid, s.gateway] for s in self.subnets
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Network:
        """Rebuild from :meth:`to_data`."""
        spaces = tuple(Space(int(i), str(n)) for i, n in _rows(data.get('spaces')))
        subnets = tuple(
            Subnet(int(i), str(c), str(n), str(sp), str(f), int(v), str(g))
            for i, c, n, sp, f, v, g in _rows(data.get('subnets'))
        )
        return cls(spaces, subnets)


def _rows(value: object) -> list[list[Any]]:
    """The rows of a JSON list of lists ([] for anything else)."""
    if not isinstance(value, list):
        return []
    return [list(cast('list[Any]', row)) for row in cast('list[object]', value)]
