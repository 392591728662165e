"""Loading a bundle: read, merge and verify, then build the result (``juju deploy ./b.yaml``)."""

# pyright: strict

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from ._bundle import ApplicationSpec, Bundle, MachineSpec, SaasSpec
from ._errors import BundleError
from ._names import SERIES_BASES
from ._overlay import apply_overlay
from ._source import CharmRef, read_parts
from ._verify import Verifier, canonical_constraints


def _base_of(base: object, series: object, default: str | None) -> str | None:
    if isinstance(base, str) and base:
        return base
    if isinstance(series, str) and series:
        return SERIES_BASES.get(series)
    return default


def _strings(value: object) -> Mapping[str, str]:
    return MappingProxyType(
        {str(k): '' if v is None else str(v) for k, v in cast(dict[str, Any], value or {}).items()}
    )


def load(
    path: str | os.PathLike[str],
    *,
    overlays: Sequence[str | os.PathLike[str]] = (),
    charms_dir: Path,
    offers_dir: Path | None = None,
) -> Bundle:
    """Read, merge and verify a bundle and its overlays (see the module docstring).

    Args:
        path: the bundle file; its first document is the base, later ones are overlays.
        overlays: overlay files, applied after the bundle's own documents, in order.
        charms_dir: where bare charm names are looked up.
        offers_dir: where ``<saas name>.yaml`` offer files are; default ``offers/`` next to
            the bundle.

    Returns:
        The verified bundle.

    Raises:
        BundleError: every problem, Juju's ``<first> (and N more errors)``; nothing is
            returned unless the whole bundle is valid.
    """
    main = Path(os.path.abspath(Path(path).expanduser()))
    errors: list[str] = []
    warnings: list[str] = []
    parts = read_parts(main, errors, warnings, role='bundle')
    for overlay in overlays:
        overlay_path = Path(os.path.abspath(Path(overlay).expanduser()))
        parts.extend(read_parts(overlay_path, errors, warnings, role='overlay'))
    if errors:
        raise BundleError(errors)
    if not parts:
        raise BundleError('malformed bundle: bundle is empty', main)
    base = parts[0]
    for name, app in cast(dict[str, Any], base.data.get('applications') or {}).items():
        errors.extend(
            f'applications.{name}.{field} can only appear in an overlay section'
            for field in ('offers', 'exposed-endpoints')
            if app is not None and cast(dict[str, Any], app).get(field)
        )
    if errors:
        raise BundleError(errors, base.file)
    data = base.data
    for part in parts[1:]:
        apply_overlay(data, part, errors)
    if errors:
        raise BundleError(errors)
    verifier = Verifier(
        data,
        main,
        Path(charms_dir),
        offers_dir if offers_dir is not None else main.parent / 'offers',
    )
    verifier.run()
    if verifier.errors:
        raise BundleError(verifier.errors, main)
    return _build(main, data, verifier, tuple(warnings + verifier.warnings))


def _build(
    main: Path, data: dict[str, Any], verifier: Verifier, warnings: tuple[str, ...]
) -> Bundle:
    """The result objects, from a bundle that passed verification."""
    default_base = _base_of(data.get('default-base'), data.get('series'), None)
    applications: dict[str, ApplicationSpec] = {}
    for name, raw in cast(dict[str, Any], data.get('applications') or {}).items():
        app = cast(dict[str, Any], raw)
        ref = cast(CharmRef, app['charm'])
        spec = verifier.specs[name]
        revision = cast(int | None, app.get('revision'))
        applications[name] = ApplicationSpec(
            name=name,
            charm=ref.text,
            charm_path=verifier.paths[name],
            spec=spec,
            channel=cast(str | None, app.get('channel')) or None,
            revision=revision,
            base=_base_of(app.get('base'), app.get('series'), default_base),
            num_units=cast(int, app.get('num_units') or 0),
            to=tuple('' if t is None else str(t) for t in cast(list[Any], app.get('to') or [])),
            constraints=canonical_constraints(cast(str, app.get('constraints') or '')),
            options=MappingProxyType(verifier.options.get(name, {})),
            expose=bool(app.get('expose')),
            storage=_strings(app.get('storage')),
            bindings=_strings(app.get('bindings')),
            trust=bool(app.get('trust')),
            annotations=_strings(app.get('annotations')),
            placements=verifier.placements.get(name, ()),
        )
    machines: dict[str, MachineSpec] = {}
    for machine_id, raw in cast(dict[str, Any], data.get('machines') or {}).items():
        machine = cast(dict[str, Any], raw or {})
        machines[machine_id] = MachineSpec(
            id=machine_id,
            constraints=canonical_constraints(cast(str, machine.get('constraints') or '')),
            base=_base_of(machine.get('base'), machine.get('series'), default_base),
            annotations=_strings(machine.get('annotations')),
        )
    saas: dict[str, SaasSpec] = {}
    for name in cast(dict[str, Any], data.get('saas') or {}):
        offer = verifier.offers[name]
        saas[name] = SaasSpec(name=name, url=offer.url, offer=offer)
    return Bundle(
        path=main,
        description=cast(str, data.get('description') or ''),
        default_base=default_base,
        applications=MappingProxyType(applications),
        machines=MappingProxyType(machines),
        relations=tuple(verifier.relations),
        saas=MappingProxyType(saas),
        warnings=warnings,
    )
