"""Placement directives: a bundle's ``to:`` and ``--to``, in Juju's grammar."""

# pyright: strict

from __future__ import annotations

import dataclasses

from .._go import go_quote
from ._errors import BundleError
from ._names import CONTAINER_TYPES, PLACEMENT_RE


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """One parsed ``to`` element: ``[<container>:](<machine>|<app>[/<unit>]|new)``.

    Attributes:
        container: ``lxd``/``kvm`` for a new container on the target, None to co-locate.
        machine: a bundle machine key, or None.
        application: an application to co-locate with, or None.
        unit: that application's unit number (None for a bare application in
            :func:`parse_placement`; :attr:`ApplicationSpec.placements` fills it in).
        new: whether the target is a new machine.
    """

    container: str | None = None
    machine: str | None = None
    application: str | None = None
    unit: int | None = None
    new: bool = False


def parse_placement(text: str) -> Placement:
    """Parse one ``to`` element with Juju's grammar (juju/charm ``ParsePlacement``).

    ``new``, ``<machine>``, ``<app>``, ``<app>/<unit>``, each optionally prefixed by
    ``lxd:``/``kvm:``; a bare ``lxd`` or ``kvm`` is a new container on a new machine.

    Raises:
        BundleError: ``invalid placement syntax "x"``, or an unknown container type.
    """
    found = PLACEMENT_RE.fullmatch(text)
    if found is None:
        raise BundleError(f'invalid placement syntax {go_quote(text)}')
    container, application, unit, machine = found.groups()
    if container is not None and container not in CONTAINER_TYPES:
        raise BundleError(
            f'invalid container type {go_quote(container)} in placement {go_quote(text)} '
            f'(expected {" or ".join(CONTAINER_TYPES)})'
        )
    if application == 'new':
        if unit is not None:
            raise BundleError(f'invalid placement syntax {go_quote(text)}')
        return Placement(container=container, new=True)
    if container is None and unit is None and application in CONTAINER_TYPES:
        return Placement(container=application, new=True)
    if machine is not None:
        return Placement(container=container, machine=machine)
    return Placement(
        container=container,
        application=application,
        unit=int(unit) if unit is not None else None,
    )
