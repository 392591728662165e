"""Endpoint bindings: which space each endpoint of an application uses, and its addresses there.

Juju (2.9 to 3.6) binds every endpoint of an application — relations and ``extra-bindings``
alike — to a space. The ``""`` key is the application's default; an endpoint not named gets
it, and an application with no default gets the model's default space, ``alpha``. A binding to
a space is a placement constraint (Juju's MAAS provider asks MAAS for a NIC in every bound space
but ``alpha``: :mod:`orchestrator.cloud.spaces`) and the answer to ``network-get``: the unit's
addresses in the bound space (juju/juju ``apiserver/facades/agent/uniter/networkinfo*.go``).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from .. import cloud
from ..cloud.spaces import ALPHA
from . import model

__all__ = [
    'ALPHA',
    'BindingError',
    'addresses_in',
    'addresses_of',
    'effective',
    'parse_bind',
    'spaces_needed',
    'validate',
]


_BIND_FORM = "--bind must be in the form '[<default-space>] [<endpoint-name>=<space> ...]'; "


class BindingError(ValueError):
    """A binding Juju would refuse, with Juju's message."""


def parse_bind(text: str) -> dict[str, str]:
    """Juju's ``--bind`` expression: ``[default-space] [endpoint=space ...]``.

    juju/juju ``cmd/juju/application`` ``parseBindExpr`` (2.9 to 3.6): space-separated fields,
    a lone name sets the default (key ``""``), ``endpoint=space`` binds one endpoint; double
    quotes around a space name are dropped. Whether each space exists is checked by
    :func:`validate` against the cloud's spaces.

    Raises:
        BindingError: with Juju's message for a malformed field.
    """
    parsed: dict[str, str] = {}
    for field in text.split():
        parts = field.split('=')
        if len(parts) == 1:
            endpoint, space = '', parts[0]
        elif len(parts) == 2:
            if not parts[0]:
                raise BindingError(
                    _BIND_FORM + 'found "=" without endpoint name. '
                    'Use a lone space name to set the default.'
                )
            endpoint, space = parts
        else:
            raise BindingError(
                _BIND_FORM + 'found multiple "=" in binding. '
                'Did you forget to space-separate the binding list?'
            )
        parsed[endpoint] = space.strip('"')
    return parsed


def validate(
    application: str,
    bindings: Mapping[str, str],
    endpoints: Collection[str],
    spaces: Collection[str],
) -> None:
    """Juju's checks of an application's bindings at deploy time.

    Args:
        application: the application's name.
        bindings: endpoint (``""`` for the default) -> space.
        endpoints: the charm's relation endpoints and extra-bindings.
        spaces: the spaces the cloud has (``alpha`` is always there).

    Raises:
        BindingError: ``space "x" not found`` (``parseBindExpr``'s ``errors.NotFoundf``) or
            Juju's message for an endpoint the charm does not define.
    """
    for endpoint, space in bindings.items():
        if endpoint and endpoint not in endpoints:
            raise BindingError(
                f'application "{application}" wants to bind endpoint "{endpoint}" to space '
                f'"{space}", but the endpoint is not defined by the charm'
            )
        if space != ALPHA and space not in spaces:
            raise BindingError(f'space "{space}" not found')


def effective(bindings: Mapping[str, str], endpoints: Iterable[str]) -> dict[str, str]:
    """Every endpoint's space (and ``""``'s), as ``juju show-application`` lists them."""
    default = bindings.get('', ALPHA) or ALPHA
    return {'': default} | {e: bindings.get(e, default) or default for e in sorted(endpoints)}


def spaces_needed(bindings: Mapping[str, str], endpoints: Iterable[str]) -> frozenset[str]:
    """The spaces a machine for this application must reach (its bound endpoints' spaces).

    Juju sends every binding, the default's included (``StartInstanceParams
    .EndpointBindings``), and skips ``alpha`` (``networkSpaceRequirements``).
    """
    return frozenset(set(effective(bindings, endpoints).values()) - {ALPHA})


def addresses_in(machine: model.Machine, space: str) -> list[model.MachineAddress]:
    """The machine's addresses in ``space``: ``network-get`` for an endpoint bound to it.

    juju/juju ``apiserver/facades/agent/uniter/networkinfo.go`` (``NetworkInfoBase
    .machineNetworkInfos``, 3.x): a named space answers the addresses of the machine's devices
    on its subnets. ``alpha`` answers the addresses on subnets in no space *and* the machine's
    preferred private address whatever its space ("we return the address as a result in the
    alpha space no matter its *real* space"), in the machine's address order; with none of
    those, the private address alone. A named space the machine has no device in is an error
    there (``machine "N" has no devices in space "x"``); here it is an empty answer (not
    emulated: Scenario answers every declared binding).
    """
    if space != ALPHA:
        return [a for a in machine.addresses if a.space == space]
    found = [a for a in machine.addresses if not a.space or a.ip == machine.address]
    if found:
        return found
    return [model.MachineAddress('', '', machine.address, '', '')] if machine.address else []


def addresses_of(machine: cloud.Machine) -> tuple[model.MachineAddress, ...]:
    """What Juju records of a provisioned machine's network, the boot address first.

    Each link's address with its device, subnet and space (MAAS's undefined space as '':
    Juju's ``alpha``).
    """
    found = [
        model.MachineAddress(
            i.name,
            i.mac,
            link.ip,
            link.subnet,
            '' if link.space == cloud.UNDEFINED_SPACE else link.space,
        )
        for i in machine.interfaces
        for link in i.links
        if link.ip
    ]
    found.sort(key=lambda a: a.ip != machine.address)
    return tuple(found)
