"""The merged, verified bundle :func:`~orchestrator.juju.bundle.load` returns.

These mirror juju/charm ``bundledata.go``'s ``BundleData``, ``ApplicationSpec``,
``MachineSpec`` and ``SaasSpec``, after verification: charms loaded, options typed,
placements padded, relations resolved.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Final, TypeAlias

from .. import charmspec
from ._endpoints import RelationSpec
from ._offers import Offer
from ._placement import Placement

Value: TypeAlias = str | int | float | bool

MAX_UNITS: Final = 1_000_000
"""The most units of one application a bundle may ask for: olm's bound, not Juju's. One
placement is made per unit before the pool is asked, so the bound keeps that work small; it
matches the largest pool ``olm pool generate`` makes, and the pool refuses any count beyond its
Ready machines before a machine is picked."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationSpec:
    """One application of the merged, verified bundle.

    Attributes:
        name: the application name.
        charm: the charm reference as written.
        charm_path: the charm directory.
        spec: the charm's metadata.
        channel: the channel, if given.
        revision: the revision, if given.
        base: the application's base, else the bundle's default (``ubuntu@22.04``), or None;
            a series is turned into its base.
        num_units: units to deploy (0 for a subordinate).
        to: the placement directives as written.
        constraints: the constraints in Juju's canonical form, '' if none.
        options: config values, includes resolved, converted to the options' types.
        expose: whether to expose the application.
        storage: storage name -> Juju storage directive, as written.
        bindings: endpoint (or '' for the default) -> space.
        trust: whether the application is trusted.
        annotations: annotations, includes resolved.
        placements: one per unit, after Juju's padding rule (the last element repeats; none
            means new machines), with bare application targets given successive units.
    """

    name: str
    charm: str
    charm_path: Path
    spec: charmspec.CharmSpec
    channel: str | None
    revision: int | None
    base: str | None
    num_units: int
    to: tuple[str, ...]
    constraints: str
    options: Mapping[str, Value]
    expose: bool
    storage: Mapping[str, str]
    bindings: Mapping[str, str]
    trust: bool
    annotations: Mapping[str, str]
    placements: tuple[Placement, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MachineSpec:
    """A machine declared in the bundle (its key is a bundle-local id, not a model machine).

    Attributes:
        id: the bundle machine key (digits).
        constraints: the constraints in canonical form, '' if none.
        base: the machine's base, else the bundle's default, or None.
        annotations: annotations, includes resolved.
    """

    id: str
    constraints: str
    base: str | None
    annotations: Mapping[str, str]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SaasSpec:
    """A consumed offer.

    Attributes:
        name: the saas application name in this model.
        url: the offer URL.
        offer: the simulated remote side.
    """

    name: str
    url: str
    offer: Offer


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Bundle:
    """A merged, fully verified bundle.

    Attributes:
        path: the bundle file.
        description: its description.
        default_base: ``default-base`` (or the base of ``series``), if any.
        applications: applications by name, in file order.
        machines: bundle machines by key.
        relations: the relations, endpoints resolved.
        saas: consumed offers by saas name.
        warnings: ignored fields and other things Juju would warn about.
    """

    path: Path
    description: str
    default_base: str | None
    applications: Mapping[str, ApplicationSpec]
    machines: Mapping[str, MachineSpec]
    relations: tuple[RelationSpec, ...]
    saas: Mapping[str, SaasSpec]
    warnings: tuple[str, ...]
