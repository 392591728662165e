"""The region's network as MAAS's JSON gives it: spaces under Juju's names, subnets, interfaces."""

# pyright: strict

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping
from typing import cast

from ..network import (
    INTERFACE_TYPES,
    LINK_MODES,
    UNDEFINED_SPACE,
    Interface,
    Link,
    Network,
    Space,
    Subnet,
)
from ._json import as_list, as_object, bad_field, get_int, get_optional_str, get_str, get_str_list

_JUJU_DEFAULT_SPACE = 'alpha'
_INVALID_SPACE_CHARS = re.compile(r'[^0-9a-z-]')
_DASHES = re.compile(r'--+')


def juju_space_name(name: str, existing: Collection[str] = ()) -> str:
    r"""The Juju space name Juju gives a MAAS space: ``ConvertSpaceName``.

    juju/juju ``core/network/space.go`` (``ConvertSpaceName``): spaces become dashes, the name
    is lower-cased, every character outside ``[0-9a-z-]`` is removed (not replaced), leading
    and trailing dashes go, runs of dashes become one; nothing left is ``empty``; a name in
    ``existing`` gets the first free suffix ``-2``, ``-3``, ... MAAS allows ``[\w-]+``
    (canonical/maas ``src/maasserver/models/space.py`` ``validate_space_name`` @ 3.6.5), so
    what changes in practice is upper case (``OAM`` -> ``oam``) and underscores
    (``ceph_public`` -> ``cephpublic``).
    """
    converted = _INVALID_SPACE_CHARS.sub('', name.replace(' ', '-').lower())
    converted = _DASHES.sub('-', converted.strip('-')) or 'empty'
    if converted in existing:
        counter = 2
        while f'{converted}-{counter}' in existing:
            counter += 1
        converted = f'{converted}-{counter}'
    return converted


def read_network(spaces_answer: object, subnets_answer: object) -> Network:
    """The region's spaces and subnets (``GET spaces/``, ``GET subnets/``).

    Names are converted as Juju's space discovery does on a new model (juju/juju
    ``domain/network/service/space.go``, ``saveSpaces``): in the order MAAS lists them, each
    against the names already taken, which start with Juju's default space ``alpha``. (Juju
    skips spaces without subnets, ``provider/maas/environ.go`` ``Spaces``; they are kept
    here, as the pool is the region.)
    """
    juju_names: dict[str, str] = {}
    taken = {_JUJU_DEFAULT_SPACE}
    spaces: list[Space] = []
    for value in as_list(spaces_answer, 'spaces'):
        item = as_object(value, 'space')
        maas_name = get_str(item, 'name', 'space')
        if maas_name == UNDEFINED_SPACE:
            continue  # the placeholder for VLANs on no space (id -1)
        where = f'space "{maas_name}"'
        space_id = get_int(item, 'id', where)
        if maas_name in juju_names or any(s.id == space_id for s in spaces):
            raise bad_field('spaces', '', f'{maas_name} ({space_id})', 'each space listed once')
        name = juju_space_name(maas_name, taken)
        taken.add(name)
        juju_names[maas_name] = name
        spaces.append(Space(space_id, name))
    subnets: list[Subnet] = []
    seen: dict[int, str] = {}
    for value in as_list(subnets_answer, 'subnets'):
        subnet = _subnet(as_object(value, 'subnet'), juju_names)
        if subnet.id in seen:
            raise bad_field(
                f'subnet {subnet.id}', 'id', subnet.id, f'an id {seen[subnet.id]} lacks'
            )
        seen[subnet.id] = subnet.cidr
        subnets.append(subnet)
    return Network(tuple(spaces), tuple(subnets))


def _subnet(item: Mapping[str, object], juju_names: Mapping[str, str]) -> Subnet:
    """One subnet of ``subnets/`` (``DISPLAYED_SUBNET_FIELDS``, its ``vlan`` an object)."""
    subnet_id = get_int(item, 'id', 'subnet')
    cidr = read_cidr(item, f'subnet {subnet_id}')
    where = f'subnet {subnet_id} ({cidr})'
    vlan = as_object(item.get('vlan'), f'{where} vlan')
    raw_space = item['space'] if 'space' in item else vlan.get('space')
    if raw_space is None or raw_space == UNDEFINED_SPACE:
        space = UNDEFINED_SPACE
    elif isinstance(raw_space, str) and raw_space in juju_names:
        space = juju_names[raw_space]
    else:
        known = ', '.join(sorted(juju_names)) or 'none'
        raise bad_field(
            where, 'space', raw_space, f'"undefined" or a space spaces/ lists ({known})'
        )
    return Subnet(
        id=subnet_id,
        cidr=cidr,
        name=get_optional_str(item, 'name', where) or cidr,
        space=space,
        fabric=get_str(vlan, 'fabric', f'{where} vlan'),
        vid=get_int(vlan, 'vid', f'{where} vlan'),
        gateway=get_optional_str(item, 'gateway_ip', where),
    )


def read_cidr(item: Mapping[str, object], where: str) -> str:
    value = get_str(item, 'cidr', where)
    try:
        return str(ipaddress.ip_network(value))
    except ValueError:
        raise bad_field(where, 'cidr', value, 'a network such as 10.0.0.0/24') from None


_SKIPPED_TYPES = ('alias', 'unknown')
"""MAAS ``INTERFACE_TYPE`` values that are no device a machine's own network uses (an alias
is an address; ``unknown`` is an interface linked to no node): read past."""


def read_interfaces(
    data: Mapping[str, object], where: str, subnets: Mapping[int, Subnet] | None
) -> tuple[Interface, ...]:
    """``interface_set``: NICs, bonds, bridges and VLANs with their links, in MAAS's order."""
    interfaces: list[Interface] = []
    for value in as_list(data.get('interface_set', []), f'{where} interface_set'):
        item = as_object(value, f'{where} interface')
        name = get_str(item, 'name', f'{where} interface')
        here = f'{where} interface {name}'
        kind = get_str(item, 'type', here)
        if kind in _SKIPPED_TYPES:
            continue
        if kind not in INTERFACE_TYPES:
            raise bad_field(
                here, 'type', kind, f'one of {", ".join((*INTERFACE_TYPES, *_SKIPPED_TYPES))}'
            )
        raw_vlan = item.get('vlan')
        vlan = None if raw_vlan is None else as_object(raw_vlan, f'{here} vlan')
        vid = 0
        if kind == 'vlan':
            if vlan is None:
                raise bad_field(here, 'vlan', raw_vlan, 'the VLAN object of a vlan interface')
            vid = get_int(vlan, 'vid', f'{here} vlan')
        links: list[Link] = []
        for link in as_list(item.get('links', []), f'{here} links'):
            read = _link(as_object(link, f'{here} link'), here, subnets)
            if read is not None:
                links.append(read)
        interfaces.append(
            Interface(
                name=name,
                type=kind,
                mac=get_optional_str(item, 'mac_address', here),
                parents=tuple(get_str_list(item, 'parents', here)),
                vid=vid,
                links=tuple(links),
                mtu=_mtu(item, vlan, here),
            )
        )
    names = {i.name for i in interfaces}
    for interface in interfaces:
        for parent in interface.parents:
            if parent not in names:
                raise bad_field(
                    f'{where} interface {interface.name}',
                    'parents',
                    parent,
                    f'names of its interfaces ({", ".join(sorted(names))})',
                )
    return tuple(interfaces)


def _mtu(item: Mapping[str, object], vlan: Mapping[str, object] | None, where: str) -> int:
    """``effective_mtu``; else as MAAS derives it: ``params.mtu``, the VLAN's, 1500.

    canonical/maas ``src/maasserver/models/interface.py`` (``get_effective_mtu``) @ 3.6.5;
    ``params`` is an object, or '' when empty (``examples/machines.json``).
    """
    if item.get('effective_mtu') is not None:
        return get_int(item, 'effective_mtu', where)
    params = item.get('params')
    if isinstance(params, dict) and cast('dict[str, object]', params).get('mtu') is not None:
        return get_int(cast('dict[str, object]', params), 'mtu', f'{where} params')
    if vlan is not None and vlan.get('mtu') is not None:
        return get_int(vlan, 'mtu', f'{where} vlan')
    return 1500  # maasserver.models.vlan.DEFAULT_MTU


def _link(
    item: Mapping[str, object], interface: str, subnets: Mapping[int, Subnet] | None
) -> Link | None:
    """One of ``links``; None for a link on no subnet (it reaches no space).

    Without the region's subnets the space is the embedded subnet's ``space`` converted as
    Juju converts an address's space (``ConvertSpaceName(sub.Space, nil)``, juju/juju
    ``provider/maas/interfaces.go``); Juju likewise keeps no address for a link without a
    subnet ("missing subnet").
    """
    where = f'{interface} link {item.get("id", "?")}'
    mode = get_str(item, 'mode', where)
    if mode not in LINK_MODES:
        raise bad_field(where, 'mode', mode, f'one of {", ".join(LINK_MODES)}')
    raw_subnet = item.get('subnet')
    if raw_subnet is None:
        return None
    subnet = as_object(raw_subnet, f'{where} subnet')
    if subnets is None:
        cidr = read_cidr(subnet, f'{where} subnet')
        raw_space = subnet.get('space')
        space = (
            juju_space_name(raw_space)
            if isinstance(raw_space, str) and raw_space != UNDEFINED_SPACE
            else UNDEFINED_SPACE
        )
    else:
        subnet_id = get_int(subnet, 'id', f'{where} subnet')
        known = subnets.get(subnet_id)
        if known is None:
            listed = ', '.join(str(i) for i in sorted(subnets)) or 'none'
            raise bad_field(
                f'{where} subnet', 'id', subnet_id, f'a subnet subnets/ lists ({listed})'
            )
        cidr, space = known.cidr, known.space
    network = ipaddress.ip_network(cidr)
    ip = get_optional_str(item, 'ip_address', where)
    if ip:
        try:
            inside = ipaddress.ip_address(ip) in network
        except ValueError:
            inside = False
        if not inside:
            raise bad_field(where, 'ip_address', ip, f'an address in its subnet {cidr}')
    return Link(cidr, mode, ip, space, network.prefixlen)
