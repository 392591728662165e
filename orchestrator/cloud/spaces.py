"""Spaces in an allocation: Juju's translation to MAAS parameters, and MAAS's reading of them.

Juju's MAAS provider (juju/juju ``internal/provider/maas``, 3.6) turns the spaces a machine must
and must not reach into two ``op=allocate`` parameters:

- ``environ.go`` ``networkSpaceRequirements``: the provider ids of the spaces the application's
  endpoints are bound to (bindings to ``alpha`` are skipped: "The alpha space is not part of
  the MAAS space list") and of the ``spaces=`` constraint's positive names are the *positive*
  set; the ``^`` names are the *negative* set, and a negative one that is also positive fails
  with ``negative space "x" from constraints clashes with required spaces for instance NICs``.
  Names are looked up in the provider's spaces (``spaceNamesToSpaceInfo``); an unknown name,
  even after dropping a ``-<digits>`` suffix Juju may have added, fails with
  ``unrecognised space in constraint "x"``.
- ``constraints.go`` ``addInterfaces``: one interface spec per positive id, in sorted (string)
  order, labelled with the id itself ("space names can change after the machine gets
  provisioned so they should not be used for labeling things"); juju/gomaasapi
  ``controller.go`` renders them ``<label>:space=<id>`` joined by ``;`` as ``interfaces``,
  and the negative ids as ``not_subnets=space:<id>``, one value each.

MAAS 3.6 (canonical/maas) reads them back: ``interfaces`` is a labelled constraint map
(``src/provisioningserver/utils/constraints.py`` ``parse_labeled_constraint_map``, whose
messages :func:`parse_interfaces` repeats), each label matched by some interface of the
machine (``nodes_by_interface``), a ``space`` value naming a space by id or name
(``Space.objects.get_object_by_specifiers_or_raise``: an unknown one is HTTP 404 ``No Space
matches the given query.``); ``not_subnets`` names subnets by specifier and excludes machines
with an address on any of them, and ``subnets`` keeps only machines with an address on every
one of them (``NODE_FILTERS``/``NODE_EXCLUDES``: ``_match_all``, ``_match_any``; for either,
none found is ``No matching subnets found.``, ``clean_subnets``/``clean_not_subnets``).
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from .errors import RequestError
from .network import Network, Subnet

__all__ = ['maas_space_params', 'parse_interfaces', 'resolve_space', 'resolve_subnets']

ALPHA = 'alpha'
"""Juju's default space; a binding to it asks MAAS for nothing."""

_DASH_SUFFIX = re.compile(r'^(.*)-\d+$')
_LABEL = re.compile(r'[a-zA-Z0-9]+[a-zA-Z0-9_-]*$')


def _space_id(name: str, network: Network) -> int:
    """``spaceNamesToSpaceInfo``: a Juju space name to the MAAS space's provider id."""
    space = network.space(name)
    if space is None:
        match = _DASH_SUFFIX.match(name)
        space = network.space(match[1]) if match else None
    if space is None:
        raise RequestError('spaces', f'unrecognised space in constraint "{name}"')
    return space.id


def maas_space_params(
    positive: Sequence[str],
    negative: Sequence[str],
    bindings: Iterable[str],
    network: Network,
) -> dict[str, list[str]]:
    """The ``interfaces`` and ``not_subnets`` parameters Juju sends for these spaces.

    Args:
        positive: the ``spaces=`` constraint's names without ``^``.
        negative: its ``^`` names, without the ``^``.
        bindings: the spaces the application's endpoints are bound to.
        network: the cloud's spaces (MAAS ``spaces/``).

    Raises:
        RequestError: Juju's message for an unknown space or a clash.
    """
    required = {str(_space_id(name, network)) for name in bindings if name != ALPHA}
    required |= {str(_space_id(name, network)) for name in positive}
    excluded: set[str] = set()
    for name in negative:
        space_id = str(_space_id(name, network))
        if space_id in required:
            raise RequestError(
                'spaces',
                f'negative space "{name}" from constraints clashes with required spaces '
                'for instance NICs',
            )
        excluded.add(space_id)
    params: dict[str, list[str]] = {}
    if required:
        params['interfaces'] = [';'.join(f'{i}:space={i}' for i in sorted(required))]
    if excluded:
        params['not_subnets'] = [f'space:{i}' for i in sorted(excluded)]
    return params


def parse_interfaces(value: str) -> list[tuple[str, dict[str, list[str]]]]:
    """MAAS's ``parse_labeled_constraint_map``: ``label:key=value[,key=value];...``.

    Raises:
        RequestError: with MAAS's message for a malformed map.
    """
    if len(value) <= 1:
        return []
    result: dict[str, dict[str, list[str]]] = {}
    for constraint in value.split(';'):
        label, sep, rest = constraint.partition(':')
        if not sep:
            raise RequestError(
                'interfaces',
                f"Malformed constraint: '{constraint}' (required format: "
                "'<label>:<key>=<value>[,<key2>=<value2>[,...]]')",
            )
        if not _LABEL.match(label):
            raise RequestError(
                'interfaces',
                f"Invalid label name: '{label}' (Must begin with an alphanumeric character, "
                'and include only alphanumeric characters, dashes, and underscores.)',
            )
        if label in result:
            raise RequestError('interfaces', f"Constraint label defined more than once: '{label}'")
        pairs: dict[str, list[str]] = {}
        for kvp in rest.split(','):
            key, eq, item = kvp.partition('=')
            if not eq:
                raise RequestError(
                    'interfaces', f"Malformed key/value pair in constraint: '{kvp}'"
                )
            pairs.setdefault(key, []).append(item)
        result[label] = pairs
    return list(result.items())


def resolve_space(specifier: str, network: Network) -> str:
    """A MAAS space specifier (id, ``id:N``, ``name:X`` or a bare name) to the space's name.

    Raises:
        RequestError: ``No Space matches the given query.`` (MAAS's 404) for an unknown one.
    """
    kind, sep, value = specifier.partition(':')
    if not sep:
        kind, value = ('id', specifier) if specifier.isdigit() else ('name', specifier)
    space = None
    if kind == 'id' and value.isdigit():
        space = network.space_by_id(int(value))
    elif kind == 'name':
        space = network.space(value)
    if space is None:
        raise RequestError('interfaces', 'No Space matches the given query.')
    return space.name


def resolve_subnets(field: str, specifiers: Collection[str], network: Network) -> frozenset[str]:
    """The CIDRs ``subnets`` or ``not_subnets`` (``field``) names.

    Specifiers: ``N``, ``id:N``, ``cidr:C``, ``name:X``, ``space:S`` with S an id or name, or
    a bare CIDR or name.

    Raises:
        RequestError: ``No matching subnets found.`` when none matches; a ``fabric:``,
            ``vid:``, ``vlan:`` or ``ip:`` specifier, which the pool does not emulate, is
            named as such.
    """
    found: set[str] = set()
    for specifier in specifiers:
        kind, sep, value = specifier.partition(':')
        if not sep:
            kind, value = ('id', specifier) if specifier.isdigit() else ('any', specifier)
        found.update(s.cidr for s in _subnets(field, kind, value, network, specifier))
    if not found:
        raise RequestError(field, 'No matching subnets found.')
    return frozenset(found)


def _subnets(field: str, kind: str, value: str, network: Network, specifier: str) -> list[Subnet]:
    if kind == 'id':
        return [s for s in network.subnets if value.isdigit() and s.id == int(value)]
    if kind == 'cidr':
        return [s for s in network.subnets if s.cidr == value]
    if kind == 'name':
        return [s for s in network.subnets if s.name == value]
    if kind == 'any':
        return [s for s in network.subnets if value in (s.cidr, s.name)]
    if kind == 'space':
        space = network.space_by_id(int(value)) if value.isdigit() else network.space(value)
        return list(network.subnets_in(space.name)) if space else []
    raise RequestError(
        field,
        f'the subnet specifier "{specifier}" is not emulated by the olm pool '
        '(it knows id, cidr:, name: and space:)',
    )
