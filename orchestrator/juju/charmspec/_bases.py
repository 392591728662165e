"""The bases a charm declares it runs on, from whichever of its files declares them.

Juju decides which machines a charm may land on from the bases the charm supports (juju/juju
3.6 ``core/charm/computedbases.go`` ``ComputedBases``: the packed charm's ``manifest.yaml``
``bases`` when it has them, else the ``series`` of a v1 ``metadata.yaml``, each turned into
its base, ``kubernetes`` aside, and an unknown series refused). A charm directory olm
deploys unpacked has no manifest yet: its ``charmcraft.yaml`` says what charmcraft would write
there (charmcraft 4.5 ``services/package.py`` ``get_manifest_bases``): the ``base`` of a
single-base project, else the base in each platform's name (``ubuntu@22.04:amd64``) or its
``build-for`` entry, or, for the older ``bases:`` form, each entry's ``run-on`` bases (an entry
without ``run-on`` runs on its own ``build-on``, which the short form is).

A base is Juju's string form ``name@channel`` (``ubuntu@24.04``); the default risk ``/stable``
is dropped, as Juju's ``DisplayString`` drops it.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from .._series import SERIES_BASES
from ._errors import CharmSpecError

__all__ = [
    'LATEST_LTS',
    'WORKLOAD_BASES',
    'charmcraft_bases',
    'display_base',
    'manifest_bases',
    'select_base',
    'series_bases',
    'workload_base_problem',
]


def display_base(base: str) -> str:
    """``ubuntu@22.04/stable`` -> ``ubuntu@22.04`` (Juju's ``Base.DisplayString``)."""
    return base.removesuffix('/stable')


def _entry_base(entry: object) -> str | None:
    """A ``{name, channel}`` mapping (charmcraft's ``Base`` model) as ``name@channel``."""
    if not isinstance(entry, dict):
        return None
    data = cast(dict[str, object], entry)
    name, channel = data.get('name'), data.get('channel')
    if not isinstance(name, str) or channel is None:
        return None
    return display_base(f'{name}@{channel}')


def _platform_base(text: str) -> str | None:
    """``ubuntu@22.04:amd64`` -> ``ubuntu@22.04``; a bare architecture names no base."""
    base, sep, _ = text.partition(':')
    return display_base(base) if sep and '@' in base else None


def charmcraft_bases(charmcraft: Mapping[str, Any]) -> tuple[str, ...]:
    """The run-on bases ``charmcraft pack`` would write in the manifest (none: undeclared)."""
    found: list[str] = []
    base = charmcraft.get('base')
    platforms = charmcraft.get('platforms')
    if isinstance(base, str) and base:
        found.append(display_base(base))
    elif isinstance(platforms, dict):
        for label, platform in cast(dict[object, object], platforms).items():
            from_label = _platform_base(str(label))
            if from_label is not None:
                found.append(from_label)
                continue
            if isinstance(platform, dict):
                build_for = cast(dict[str, object], platform).get('build-for')
                if isinstance(build_for, list) and build_for:
                    first = _platform_base(str(cast(list[object], build_for)[0]))
                    if first is not None:
                        found.append(first)
    bases = charmcraft.get('bases')
    if not found and isinstance(bases, list):
        for entry in cast(list[object], bases):
            if not isinstance(entry, dict):
                continue
            data = cast(dict[str, object], entry)
            run_on = data.get('run-on', data.get('build-on'))
            if 'build-on' not in data and 'run-on' not in data:
                run_on = [data]  # the short form: one base to build on and run on
            if isinstance(run_on, list):
                found += [b for b in map(_entry_base, cast(list[object], run_on)) if b]
    return tuple(dict.fromkeys(found))


def manifest_bases(manifest: Mapping[str, Any], file: str) -> tuple[str, ...]:
    """``manifest.yaml``'s ``bases`` (``{name, channel, architectures}`` each)."""
    raw = manifest.get('bases')
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CharmSpecError(f'{file}: bases: expected a list of bases')
    found: list[str] = []
    for index, entry in enumerate(cast(list[object], raw)):
        base = _entry_base(entry)
        if base is None:
            raise CharmSpecError(
                f'{file}: bases[{index}]: expected a mapping with name and channel'
            )
        found.append(base)
    return tuple(dict.fromkeys(found))


def series_bases(meta: Mapping[str, Any], file: str) -> tuple[str, ...]:
    """``metadata.yaml``'s legacy ``series`` list, each series as its base."""
    raw = meta.get('series')
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CharmSpecError(f'{file}: series: expected a list of series')
    found: list[str] = []
    for series in map(str, cast(list[object], raw)):
        if series == 'kubernetes':  # a legacy k8s charm: no machine base
            continue
        base = SERIES_BASES.get(series)
        if base is None:  # juju/juju core/base GetBaseFromSeries
            raise CharmSpecError(f'{file}: series: series "{series}" not valid')
        found.append(base)
    return tuple(dict.fromkeys(found))


LATEST_LTS: Final = 'ubuntu@24.04'
"""Juju 3.6's ``base.LatestLTSBase()`` (and its default supported LTS): preferred when the
charm supports it."""


WORKLOAD_BASES: Final = tuple(
    base for base in SERIES_BASES.values() if tuple(map(int, base[7:].split('.'))) >= (20, 4)
)
"""The bases Juju deploys workloads on: the Ubuntu releases olm's Juju knows (``_series``)
from 20.04, the oldest of Juju 3.6's ``ubuntuLTSes`` (``core/base/base.go``); Juju reads the
interim ones from distro-info (``core/base/supportedseries.go`` ``WorkloadSeries``)."""


def workload_base_problem(base: str) -> str | None:
    """Juju's refusal of a requested base it deploys no workload on, or None if it does.

    juju/juju 3.6 ``core/charm/baseselector.go`` ``userRequested``: a requested base (``--base``,
    a bundle's ``default-base``/``base``/``series``) that is not one of Juju's workload bases
    is ``errors.NewNotSupported(nil, fmt.Sprintf("base: %s", requestedBase))``, the base in its
    ``String()`` form with the risk normalised to ``stable`` (``core/base/channel.go``
    ``ParseChannelNormalize``): ``base: windows@10/stable``. It is checked before the charm's
    own bases, so ``--base centos@7`` gets it whatever the charm declares. olm appends the
    bases it would accept, which Juju's message leaves out.
    """
    name, _, channel = base.partition('@')
    track, _, risk = channel.partition('/')
    if f'{name}@{track}' in WORKLOAD_BASES:
        return None
    return (
        f'base: {name}@{track}/{risk or "stable"} (Juju deploys workloads on '
        f'{", ".join(WORKLOAD_BASES)})'
    )


def select_base(requested: str | None, supported: Sequence[str]) -> str:
    """The base an application of this charm gets, as Juju 3.6 chooses it.

    juju/juju 3.6 ``core/charm/baseselector.go`` ``BaseSelector.CharmBase``: the requested
    base (``--base``, a bundle's ``base``/``series``) if the charm supports it, else the
    latest LTS if the charm supports it, else the charm's first base; ``BaseForCharm`` and
    ``NewUnsupportedBaseError`` (``core/charm/computedbases.go``, ``errors.go``) refuse a
    requested base the charm does not list.

    Deviation: a charm that declares no base runs on the requested base or the latest LTS,
    where Juju refuses it (``base not specified and charm does not define any``): olm's own
    test charms written before bases mattered keep deploying.

    Raises:
        CharmSpecError: Juju's ``base "ubuntu@22.04" not supported by charm, the charm
            supported bases are: ubuntu@24.04``, or for a base Juju deploys nothing on
            (:func:`workload_base_problem`) ``base: windows@10/stable``.
    """
    if requested:
        problem = workload_base_problem(requested)
        if problem is not None:
            raise CharmSpecError(problem)
        wanted = display_base(requested)
        if supported and wanted not in supported:
            raise CharmSpecError(
                f'base "{wanted}" not supported by charm, the charm supported bases are: '
                + ', '.join(supported)
            )
        return wanted
    if not supported or LATEST_LTS in supported:
        return LATEST_LTS
    return supported[0]
