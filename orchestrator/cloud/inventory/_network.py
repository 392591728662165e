"""The network half of the pool file: ``spaces``, ``subnets`` and each machine's ``interfaces``.

The fields are MAAS's (``subnets/``, ``interface_set[]`` and its ``links``) so that a pool
written by hand and one imported from a MAAS region read alike::

    spaces: [oam, internal, storage]     # optional; a subnet's space is declared by using it
    subnets:
      - cidr: 10.246.0.0/22              # required, a network address
        name: oam                        # default: the CIDR
        space: oam                       # default: MAAS's "undefined" (Juju's alpha space)
        fabric: fabric-0                 # default fabric-0
        vid: 0                           # the VLAN's 802.1Q id, 0..4094 (0: untagged)
        gateway: 10.246.0.1              # optional, inside the subnet
    machines:
      - hostname: node-01
        interfaces:
          - {name: eno1, type: physical, mac: '52:54:00:00:01:01',
             links: [{subnet: oam, ip: 10.246.0.11}]}
          - {name: enp65s0f0, type: physical}          # mac derived when not given
          - {name: enp65s0f1, type: physical}
          - {name: bond0, type: bond, parents: [enp65s0f0, enp65s0f1]}
          - {name: bond0.20, type: vlan, parents: [bond0], vid: 20,
             links: [{subnet: 10.247.20.0/24, ip: 10.247.20.11, mode: static}]}

Rules (MAAS's, where it has one): space names are ones Juju can use unchanged (lower-case
letters, digits and single hyphens; not ``alpha`` or ``undefined``); subnets do not overlap;
the subnets of one VLAN (fabric and vid) share a space, since MAAS keeps the space on the VLAN;
interface names are unique per machine and at most 15 characters (the kernel's IFNAMSIZ); a
physical NIC has no parents, a bond's parents are physical NICs, a bridge has one parent and a
VLAN interface one parent that is not a VLAN, with a vid; a link names a declared subnet (by
CIDR or name), its IP lies inside it and is used once in the file, a ``vlan`` interface links
only to subnets of its vid; ``static`` and ``auto`` links carry an IP, ``link_up`` ones none.
A machine's ``address`` is its first IP in interface order unless given, and must be one of
its IPs when it has interfaces.
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Final, Literal, cast

import pydantic
from pydantic import AfterValidator, ConfigDict, Field

from ...juju.nearest import did_you_mean
from ..errors import InventoryError
from ..machine import Machine
from ..network import UNDEFINED_SPACE, Interface, Link, Network, Subnet

__all__ = [
    'InterfaceSpec',
    'NetworkChecker',
    'build_interfaces',
    'check_interfaces',
    'interfaces_record',
    'network_record',
]

_SPACE_RE: Final = re.compile(r'[a-z0-9]+(?:-[a-z0-9]+)*')
"""juju/names ``IsValidSpace``: a space name Juju uses as MAAS gives it."""
_RESERVED_SPACES: Final = frozenset({'alpha', UNDEFINED_SPACE})
_FABRIC_RE: Final = re.compile(r'[a-zA-Z0-9_-]{1,256}')
_IFNAME_RE: Final = re.compile(r'[a-zA-Z0-9_.:-]{1,15}')
_MAC_RE: Final = re.compile(r'[0-9a-f]{2}(?::[0-9a-f]{2}){5}')


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _space(value: str) -> str:
    if not _SPACE_RE.fullmatch(value) or value in _RESERVED_SPACES:
        raise ValueError(
            'must be a space name Juju can use (lower-case letters, digits and single '
            f'hyphens, not "alpha" or "undefined"), got {_show(value)}'
        )
    return sys.intern(value)


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise ValueError(
            f'must be a network in CIDR form (10.0.0.0/24), got {_show(value)}'
        ) from None


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f'must be an IPv4 or IPv6 address, got {_show(value)}') from None


def _fabric(value: str) -> str:
    if not _FABRIC_RE.fullmatch(value):
        raise ValueError(f'must be a MAAS fabric name, got {_show(value)}')
    return sys.intern(value)


def _ifname(value: str) -> str:
    if not _IFNAME_RE.fullmatch(value):
        raise ValueError(
            f'must be an interface name of 1 to 15 letters, digits and "_.:-", got {_show(value)}'
        )
    return value


def _mac(value: str) -> str:
    lowered = value.lower()
    if not _MAC_RE.fullmatch(lowered):
        raise ValueError(f'must be a MAC address (52:54:00:12:34:56), got {_show(value)}')
    return lowered


class _SubnetSpec(pydantic.BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    cidr: Annotated[str, AfterValidator(_cidr)]
    name: str | None = None
    space: Annotated[str, AfterValidator(_space)] | None = None
    fabric: Annotated[str, AfterValidator(_fabric)] = 'fabric-0'
    vid: Annotated[int, Field(ge=0, le=4094)] = 0
    gateway: Annotated[str, AfterValidator(_ip)] | None = None


class _LinkSpec(pydantic.BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    subnet: str
    ip: Annotated[str, AfterValidator(_ip)] | None = None
    mode: Literal['auto', 'static', 'dhcp', 'link_up'] = 'static'


class InterfaceSpec(pydantic.BaseModel):
    """One entry of a machine's ``interfaces``, as written in the file."""

    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    name: Annotated[str, AfterValidator(_ifname)]
    type: Literal['physical', 'bond', 'bridge', 'vlan'] = 'physical'
    mac: Annotated[str, AfterValidator(_mac)] | None = None
    parents: list[str] = Field(default_factory=list[str])
    vid: Annotated[int, Field(ge=0, le=4094)] = 0
    mtu: Annotated[int, Field(ge=552, le=65535)] = 1500
    links: list[_LinkSpec] = Field(default_factory=list[_LinkSpec])


def check_interfaces(interfaces: list[InterfaceSpec]) -> list[InterfaceSpec]:
    """The rules between one machine's interfaces (pydantic ``AfterValidator``)."""
    kinds = {i.name: i.type for i in interfaces}
    if len(kinds) != len(interfaces):
        seen: set[str] = set()
        twice = next(i.name for i in interfaces if i.name in seen or seen.add(i.name))
        raise ValueError(f'interface name {twice!r} is used twice; names must be unique')
    for i in interfaces:
        unknown = [p for p in i.parents if p not in kinds]
        if unknown:
            raise ValueError(
                f'{i.name}: parent {unknown[0]!r} is not an interface of this machine'
            )
        if i.type == 'physical' and i.parents:
            raise ValueError(f'{i.name}: a physical interface has no parents')
        if i.type == 'bond' and (not i.parents or any(kinds[p] != 'physical' for p in i.parents)):
            raise ValueError(f'{i.name}: a bond needs one or more physical parents')
        if i.type == 'bridge' and (len(i.parents) != 1 or kinds[i.parents[0]] == 'bridge'):
            raise ValueError(f'{i.name}: a bridge needs exactly one parent that is not a bridge')
        if i.type == 'vlan' and (
            len(i.parents) != 1 or kinds[i.parents[0]] == 'vlan' or not i.vid
        ):
            raise ValueError(
                f'{i.name}: a vlan interface needs exactly one parent that is not a vlan, '
                'and a vid from 1 to 4094'
            )
        if i.type != 'vlan' and i.vid:
            raise ValueError(f'{i.name}: only a vlan interface has a vid')
        for n, link in enumerate(i.links):
            if link.mode in ('static', 'auto') and link.ip is None:
                raise ValueError(f'{i.name}: links[{n}]: a {link.mode} link needs an ip')
            if link.mode == 'link_up' and link.ip is not None:
                raise ValueError(f'{i.name}: links[{n}]: a link_up link has no ip')
    return interfaces


def _derived_mac(hostname: str, name: str) -> str:
    """A locally administered MAC (QEMU's 52:54:00 prefix) for a NIC the file gives none."""
    digest = hashlib.sha256(f'olm-sim-nic\0{hostname}\0{name}'.encode()).digest()
    return '52:54:00:' + ':'.join(f'{b:02x}' for b in digest[:3])


def build_interfaces(hostname: str, specs: Sequence[InterfaceSpec]) -> tuple[Interface, ...]:
    """Interfaces as written, links not yet resolved (``subnet`` as written, no space)."""
    macs: dict[str, str] = {}
    for spec in specs:
        if spec.type == 'physical':
            macs[spec.name] = spec.mac or _derived_mac(hostname, spec.name)

    by_name = {spec.name: spec for spec in specs}

    def mac_of(spec: InterfaceSpec) -> str:
        # A loop, not recursion: a closure calling itself is a reference cycle, garbage the
        # reader (which pauses the cyclic collector) would otherwise keep for every machine.
        while not (spec.mac or spec.type == 'physical'):
            spec = by_name[spec.parents[0]]
        return spec.mac or macs[spec.name]

    return tuple(
        Interface(
            name=sys.intern(spec.name),
            type=sys.intern(spec.type),
            mac=mac_of(spec),
            parents=tuple(spec.parents),
            vid=spec.vid,
            links=tuple(
                Link(ln.subnet, sys.intern(ln.mode), ln.ip or '', '', 0) for ln in spec.links
            ),
            mtu=spec.mtu,
        )
        for spec in specs
    )


class NetworkChecker:
    """Checks ``spaces`` and ``subnets``, then every machine's links against them.

    Attributes:
        network: the file's spaces and subnets, once :meth:`set_subnets` has run.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._declared: list[str] = []
        self._subnets: list[Subnet] = []
        self.network = Network()

    def set_spaces(self, value: object) -> None:
        """Check the ``spaces`` list."""
        where = f'{self.source}: spaces'
        if not isinstance(value, list):
            raise _error(f'{where}: expected a list of space names, got {_show(value)}')
        for n, name in enumerate(cast(list[object], value)):
            if not isinstance(name, str):
                raise _error(f'{where}[{n}]: expected a space name, got {_show(name)}')
            try:
                self._declared.append(_space(name))
            except ValueError as e:
                raise _error(f'{where}[{n}]: {e}') from None
        self._rebuild()

    def set_subnets(self, value: object) -> None:
        """Check the ``subnets`` list."""
        where = f'{self.source}: subnets'
        if not isinstance(value, list):
            raise _error(f'{where}: expected a list of subnets, got {_show(value)}')
        subnets: list[Subnet] = []
        networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = []
        vlan_space: dict[tuple[str, int], tuple[str, str]] = {}
        names: set[str] = set()
        for n, item in enumerate(cast(list[object], value)):
            try:
                spec = _SubnetSpec.model_validate(item)
            except pydantic.ValidationError as e:
                detail = e.errors(include_url=False)[0]
                field = '.'.join(str(p) for p in detail['loc'])
                message = str(detail.get('ctx', {}).get('error', detail['msg']))
                if detail['type'] == 'extra_forbidden':
                    known = tuple(_SubnetSpec.model_fields)
                    hint = did_you_mean(str(detail['loc'][-1]), known)
                    message = 'unknown field' + (hint or f'; expected one of {", ".join(known)}')
                raise _error(
                    f'{where}[{n}]' + (f'.{field}' if field else '') + f': {message}'
                ) from None
            network = ipaddress.ip_network(spec.cidr)
            for other, cidr in networks:
                if network.version == other.version and network.overlaps(other):
                    raise _error(f'{where}[{n}].cidr: {spec.cidr} overlaps subnet {cidr}')
            networks.append((network, spec.cidr))
            name = spec.name or spec.cidr
            if name in names:
                raise _error(f'{where}[{n}].name: {name!r} names another subnet already')
            names.add(name)
            if spec.gateway and ipaddress.ip_address(spec.gateway) not in network:
                raise _error(f'{where}[{n}].gateway: {spec.gateway} is not in {spec.cidr}')
            space = spec.space or UNDEFINED_SPACE
            vlan = (spec.fabric, spec.vid)
            first = vlan_space.setdefault(vlan, (space, spec.cidr))
            if first[0] != space:
                raise _error(
                    f'{where}[{n}].space: {spec.cidr} is on fabric {spec.fabric!r} VLAN '
                    f'{spec.vid} with {first[1]}, which is in space "{first[0]}"; MAAS keeps '
                    'the space on the VLAN, so its subnets share one'
                )
            subnets.append(
                Subnet(
                    n + 1,
                    spec.cidr,
                    sys.intern(name),
                    space,
                    spec.fabric,
                    spec.vid,
                    spec.gateway or '',
                )
            )
        self._subnets = subnets
        self._rebuild()

    def _rebuild(self) -> None:
        spaces = {*self._declared, *(s.space for s in self._subnets)} - {UNDEFINED_SPACE}
        self.network = Network.build(spaces, self._subnets)

    def resolve(self, machine: Machine, where: str, seen_ips: dict[str, str]) -> Machine | str:
        """The machine with its links resolved, or the text of its first problem."""
        if not machine.interfaces:
            return machine
        by_key = {s.cidr: s for s in self.network.subnets} | {
            s.name: s for s in self.network.subnets
        }
        interfaces: list[Interface] = []
        ips: list[str] = []
        for i, interface in enumerate(machine.interfaces):
            links: list[Link] = []
            for n, link in enumerate(interface.links):
                at = f'{where}: interfaces[{i}].links[{n}]'
                subnet = by_key.get(link.subnet)
                if subnet is None:
                    known = ', '.join(s.cidr for s in self.network.subnets) or 'none'
                    return (
                        f'{at}.subnet: unknown subnet {link.subnet!r}; the file declares {known}'
                    )
                if interface.type == 'vlan' and subnet.vid != interface.vid:
                    return (
                        f'{at}.subnet: {subnet.cidr} is on VLAN {subnet.vid}, not on this '
                        f"interface's VLAN {interface.vid}"
                    )
                if link.ip:
                    if ipaddress.ip_address(link.ip) not in ipaddress.ip_network(subnet.cidr):
                        return f'{at}.ip: {link.ip} is not in subnet {subnet.cidr}'
                    other = seen_ips.setdefault(link.ip, machine.hostname)
                    if other != machine.hostname or link.ip in ips:
                        return f'{at}.ip: {link.ip} is already the address of {other}'
                    ips.append(link.ip)
                links.append(Link(subnet.cidr, link.mode, link.ip, subnet.space, subnet.prefixlen))
            interfaces.append(
                Interface(
                    interface.name,
                    interface.type,
                    interface.mac,
                    interface.parents,
                    interface.vid,
                    tuple(links),
                    interface.mtu,
                )
            )
        address = machine.address
        if address and address not in ips:
            return f'{where}: address: {address} is not an IP of any of its interfaces'
        spaces = frozenset(ln.space for i in interfaces for ln in i.links)
        return Machine(
            machine.system_id, machine.hostname, machine.arch, machine.cores, machine.memory,
            machine.disks, machine.tags, machine.zone, machine.pool, machine.power_type,
            machine.power_parameters, address or (ips[0] if ips else ''), tuple(interfaces),
            spaces, machine.status, machine.previous_status, machine.owner,
            machine.status_message,
        )  # fmt: skip


def _error(text: str) -> InventoryError:
    return InventoryError(text)


def interfaces_record(interfaces: Iterable[Interface]) -> list[dict[str, object]]:
    """A machine's interfaces in the file format."""
    out: list[dict[str, object]] = []
    for i in interfaces:
        entry: dict[str, object] = {'name': i.name, 'type': i.type, 'mac': i.mac}
        if i.parents:
            entry['parents'] = list(i.parents)
        if i.vid:
            entry['vid'] = i.vid
        if i.mtu != 1500:
            entry['mtu'] = i.mtu
        if i.links:
            entry['links'] = [
                {'subnet': ln.subnet, **({'ip': ln.ip} if ln.ip else {}), 'mode': ln.mode}
                for ln in i.links
            ]
        out.append(entry)
    return out


def network_record(network: Network) -> dict[str, Any]:
    """The ``spaces`` and ``subnets`` keys of a pool file ({} for a pool without subnets)."""
    if not network.spaces and not network.subnets:
        return {}
    subnets: list[dict[str, object]] = []
    for s in network.subnets:
        entry: dict[str, object] = {'cidr': s.cidr}
        if s.name != s.cidr:
            entry['name'] = s.name
        if s.space != UNDEFINED_SPACE:
            entry['space'] = s.space
        entry['fabric'] = s.fabric
        entry['vid'] = s.vid
        if s.gateway:
            entry['gateway'] = s.gateway
        subnets.append(entry)
    return {'spaces': [s.name for s in network.spaces], 'subnets': subnets}
