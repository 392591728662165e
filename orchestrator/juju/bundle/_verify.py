"""Verification of the merged bundle: juju/charm ``bundleDataVerifier``, charms loaded.

Placements, machines, constraints, storage directives, bindings, subordinates, relations and
options are checked, and every problem is collected, so that one error lists them all.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from .. import charmspec, constraints
from .. import storage as juju_storage
from .._go import go_quote
from ._bundle import MAX_UNITS, Value
from ._decode import struct_field
from ._endpoints import Ref, RelationSpec, go_list, parse_endpoint, resolve_endpoints
from ._errors import BundleError
from ._names import (
    APP_RE,
    CHARM_REF_RE,
    DEVICE_NAME_RE,
    MACHINE_ID_RE,
    RELATION_RE,
    SERIES_BASES,
    STORAGE_NAME_RE,
)
from ._offers import Offer, load_offer, offer_url_problem
from ._placement import Placement, parse_placement
from ._source import CharmRef


def _storage_problem(text: str) -> str | None:
    """juju/juju ``storage.ParseConstraints``: None if ``POOL,COUNT,SIZE`` (any order) is ok."""
    try:
        juju_storage.parse_directive(text)
    except juju_storage.StorageError as error:
        return str(error)
    return None


def _base_ok(text: str) -> bool:
    os_name, at, channel = text.partition('@')
    return bool(at) and '@' not in channel and bool(os_name) and bool(channel)


def _workload_problem(base: object, series: object) -> str | None:
    """Juju's deploy-time refusal of a well-formed base (or series) it deploys nothing on.

    Juju's bundle verification checks only the ``os@channel`` shape; the refusal comes when
    the application is added (:func:`charmspec.workload_base_problem`). olm checks it with the
    bundle, so that ``--dry-run`` and ``plan`` refuse it too and nothing is half deployed.
    """
    if isinstance(base, str) and base:
        return charmspec.workload_base_problem(base) if _base_ok(base) else None
    if isinstance(series, str) and series in SERIES_BASES:
        problem = charmspec.workload_base_problem(SERIES_BASES[series])
        return None if problem is None else f'series {go_quote(series)}: {problem}'
    return None


def canonical_constraints(text: str) -> str:
    return str(constraints.parse(text))


class Verifier:
    """juju/charm ``bundleDataVerifier`` over the merged bundle, with the charms loaded."""

    def __init__(
        self, data: dict[str, Any], path: Path, charms_dir: Path, offers_dir: Path
    ) -> None:
        self.data = data
        self.path = path
        self.charms_dir = charms_dir
        self.offers_dir = offers_dir
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.apps = cast(dict[str, Any], data.get('applications') or {})
        self.machines = cast(dict[str, Any], data.get('machines') or {})
        self.saas = cast(dict[str, Any], data.get('saas') or {})
        self.refs: dict[str, int] = dict.fromkeys(self.machines, 0)
        self.specs: dict[str, charmspec.CharmSpec] = {}
        self.paths: dict[str, Path] = {}
        self.offers: dict[str, Offer] = {}
        self.placements: dict[str, tuple[Placement, ...]] = {}
        self.relations: list[RelationSpec] = []
        self.options: dict[str, dict[str, Value]] = {}

    def add(self, message: str) -> None:
        self.errors.append(message)

    def run(self) -> None:
        kind = self.data.get('bundle')
        if kind == 'kubernetes':
            self.add('bundle type "kubernetes" is not supported: olm deploys machine charms')
        elif kind:
            self.add(f'bundle has an invalid type {go_quote(str(kind))}')
        default_base = self.data.get('default-base')
        if default_base and not _base_ok(default_base):
            self.add(f'bundle declares an invalid base {go_quote(default_base)}')
        series = self.data.get('series')
        if series and series not in SERIES_BASES:
            self.add(f'bundle declares an invalid series {go_quote(series)}')
        problem = _workload_problem(default_base, series)
        if problem is not None:
            self.add(f'default-base: {problem}' if default_base else problem)
        self.verify_saas()
        self.verify_machines()
        self.verify_applications()
        self.verify_relations()
        self.verify_options()
        self.verify_bindings()
        for machine_id, count in self.refs.items():
            if count == 0:
                self.add(
                    f'machine {go_quote(machine_id)} is not referred to by a placement directive'
                )

    def verify_saas(self) -> None:
        for name, saas in self.saas.items():
            if name in self.apps:
                self.add(
                    f'application {go_quote(name)} already exists with SAAS {go_quote(name)} name'
                )
            if not APP_RE.fullmatch(name):
                self.add(f'invalid SAAS name {go_quote(name)} found')
                continue
            url = cast(str | None, struct_field(saas, 'url')) or ''
            if url and offer_url_problem(url) is not None:
                self.add(f'invalid offer URL {go_quote(url)} for SAAS {name}')
                continue
            file = self.offers_dir / f'{name}.yaml'
            if not file.exists():
                self.add(
                    f'saas {go_quote(name)}: offer file not found: {file} (olm simulates the '
                    'offering side of a cross-model relation from it; see '
                    'bundles/offers/README.md)'
                )
                continue
            try:
                offer = load_offer(file, name=name)
            except BundleError as error:
                self.add(f'saas {go_quote(name)}: {error}')
                continue
            if url and offer.url != url:
                self.add(
                    f'saas {go_quote(name)}: the offer file {file} is for {go_quote(offer.url)}, '
                    f'not {go_quote(url)}'
                )
                continue
            self.offers[name] = offer

    def verify_machines(self) -> None:
        for machine_id, machine in self.machines.items():
            if not MACHINE_ID_RE.fullmatch(machine_id):
                self.add(f'invalid machine id {go_quote(machine_id)} found in machines')
            if machine is None:
                continue
            spec = cast(dict[str, Any], machine)
            text = cast(str | None, spec.get('constraints'))
            if text:
                try:
                    canonical_constraints(text)
                except constraints.ConstraintsError as error:
                    self.add(
                        f'invalid constraints {go_quote(text)} in machine '
                        f'{go_quote(machine_id)}: {error}'
                    )
            base = spec.get('base')
            if base and not _base_ok(base):
                self.add(f'invalid base {go_quote(base)} for machine {go_quote(machine_id)}')
            series = spec.get('series')
            if series and series not in SERIES_BASES:
                self.add(f'invalid series {series} for machine {go_quote(machine_id)}')
            problem = _workload_problem(base, series)
            if problem is not None:
                self.add(f'machine {go_quote(machine_id)}: {problem}')

    def verify_applications(self) -> None:
        if not self.apps:
            self.add('at least one application must be specified')
            return
        for name, app in self.apps.items():
            if app is None:
                self.add(f'bundle application for key {go_quote(name)} is undefined')
                continue
            self.verify_application(name, cast(dict[str, Any], app))

    def load_charm(self, name: str, ref: CharmRef | None) -> None:
        if ref is None:
            self.add('empty charm path')
            return
        text = ref.text
        is_path = text.startswith(('.', '/', '~')) or '/' in text
        if not is_path:
            if ':' in text and not text.startswith('ch:'):
                schema = text.split(':', 1)[0]
                self.add(
                    f'invalid charm URL in application {go_quote(name)}: cannot parse URL '
                    f'{go_quote(text)}: schema {go_quote(schema)} not valid'
                )
                return
            found = CHARM_REF_RE.fullmatch(text)
            if found is None:
                bare = text.removeprefix('ch:')
                self.add(
                    f'invalid charm URL in application {go_quote(name)}: cannot parse URL '
                    f'{go_quote(text)}: name {go_quote(bare)} not valid'
                )
                return
        try:
            path = charmspec.resolve(text, charms_dir=self.charms_dir, base_dir=ref.base_dir)
        except charmspec.CharmSpecError as error:
            target = Path(text).expanduser()
            if not target.is_absolute():
                target = ref.base_dir / target
            if target.is_file():  # a .charm that cannot be read: say why
                self.add(f'application {go_quote(name)}: {error}')
            elif is_path:
                self.add(
                    f'charm path in application {go_quote(name)} does not exist: '
                    f'{os.path.abspath(target)}'
                )
            else:
                where = os.path.abspath(self.charms_dir / text.removeprefix('ch:'))
                self.add(
                    f'application {go_quote(name)} refers to non-existent charm '
                    f'{go_quote(text)} (looked for {where})'
                )
            return
        try:
            spec = charmspec.load(path)
        except charmspec.CharmSpecError as error:
            self.add(f'application {go_quote(name)}: {error}')
            return
        self.paths[name] = path
        self.specs[name] = spec

    def verify_application(self, name: str, app: dict[str, Any]) -> None:
        if not APP_RE.fullmatch(name):
            self.add(f'application name {go_quote(name)} not valid')
        if name in self.saas:
            self.add(
                f'SAAS {go_quote(name)} already exists with application {go_quote(name)} name'
            )
        charm = app.get('charm')
        ref = charm if isinstance(charm, CharmRef) else None
        self.load_charm(name, ref)
        spec = self.specs.get(name)
        revision = cast(int | None, app.get('revision'))
        if ref is not None and revision is not None:
            charmhub = CHARM_REF_RE.fullmatch(ref.text) is not None
            if charmhub and not app.get('channel'):
                self.add(
                    f'application {go_quote(name)} with a revision requires a channel for '
                    'future upgrades, please use channel'
                )
            if revision < 0:
                self.add(f'the revision for application {go_quote(name)} must be zero or greater')
        base = app.get('base')
        if base and not _base_ok(base):
            self.add(f'application {go_quote(name)} declares an invalid base {go_quote(base)}')
        series = app.get('series')
        if series and series not in SERIES_BASES:
            self.add(f'application {go_quote(name)} declares an invalid series {go_quote(series)}')
        problem = _workload_problem(base, series)
        if problem is not None:
            self.add(f'application {go_quote(name)}: {problem}')
        text = cast(str, app.get('constraints') or '')
        try:
            canonical_constraints(text)
        except constraints.ConstraintsError as error:
            self.add(
                f'invalid constraints {go_quote(text)} in application {go_quote(name)}: {error}'
            )
        for store, directive in cast(dict[str, Any], app.get('storage') or {}).items():
            if not STORAGE_NAME_RE.fullmatch(store):
                self.add(f'invalid storage name {go_quote(store)} in application {go_quote(name)}')
            problem = _storage_problem(cast(str, directive or ''))
            if problem is None and spec is not None and store not in spec.storage:
                problem = f'charm {go_quote(spec.name)} has no store called {go_quote(store)}'
            if problem is not None:
                self.add(
                    f'invalid storage {go_quote(store)} in application {go_quote(name)}: {problem}'
                )
        for device in cast(dict[str, Any], app.get('devices') or {}):
            if not DEVICE_NAME_RE.fullmatch(device):
                self.add(f'invalid device name {go_quote(device)} in application {go_quote(name)}')
        offers = cast(dict[str, Any], app.get('offers') or {})
        for offer_name, offer in offers.items():
            if not APP_RE.fullmatch(offer_name):
                self.add(
                    f'invalid offer name {go_quote(offer_name)} in application {go_quote(name)}'
                )
            for endpoint in cast(list[str], struct_field(offer, 'endpoints') or []):
                if not RELATION_RE.fullmatch(endpoint):
                    self.add(
                        f'invalid endpoint name {go_quote(endpoint)} for offer '
                        f'{go_quote(offer_name)} in application {go_quote(name)}'
                    )
        if offers:
            self.warnings.append(
                f'{self.path}: applications.{name}.offers: olm does not make offers; ignored'
            )
        num_units = cast(int, app.get('num_units') or 0)
        to = ['' if t is None else str(t) for t in cast(list[Any], app.get('to') or [])]
        if spec is not None and spec.subordinate:
            if to:
                self.add(
                    f'application {go_quote(name)} is subordinate but specifies unit placement'
                )
            if num_units > 0:
                self.add(f'application {go_quote(name)} is subordinate but has non-zero num_units')
        resources = cast(dict[str, Any], app.get('resources') or {})
        for resource, rev in resources.items():
            if not resource:
                self.add(f'missing resource name on application {go_quote(name)}')
            if isinstance(rev, bool) or not isinstance(rev, int | str):
                self.add(f'resource revision {go_quote(resource)} is not int or string')
        declared = cast(dict[str, Any], (spec.meta.get('resources') or {}) if spec else {})
        unknown = sorted(r for r in resources if r and spec is not None and r not in declared)
        if unknown:
            # juju/juju cmd/juju/resource/deploy.go deployUploader.checkExpectedResources,
            # which the bundle handler's DeployResources runs for each application.
            self.add(
                f'application {go_quote(name)}: '
                + (
                    f'unrecognized resource {go_quote(unknown[0])}'
                    if len(unknown) == 1
                    else f'unrecognized resources: {", ".join(unknown)}'
                )
            )
        if num_units < 0:
            self.add(f'negative number of units specified on application {go_quote(name)}')
        if num_units > MAX_UNITS:
            # olm's own bound, checked before one placement per unit is made (Juju has none:
            # its bundle changes list one addUnit per unit).
            self.add(
                f'application {go_quote(name)} asks for {num_units:,} units: olm deploys at '
                f'most {MAX_UNITS:,} units of an application at once'
            )
            self.placements[name] = ()
            return
        self.verify_placement(name, num_units, to)
        exposed = cast(dict[str, Any], app.get('exposed-endpoints') or {})
        if exposed:
            if app.get('expose'):
                self.add(
                    'exposed-endpoints cannot be specified together with "exposed:true" in '
                    f'application {go_quote(name)} as this poses a security risk when deploying '
                    'bundles to older controllers'
                )
            else:
                for endpoint, details in exposed.items():
                    for cidr in cast(list[str], struct_field(details, 'expose-to-cidrs') or []):
                        if not _cidr_ok(cidr):
                            self.add(
                                f'invalid CIDR {go_quote(cidr)} for expose to CIDRs field for '
                                f'endpoint {go_quote(endpoint)} in application {go_quote(name)}'
                            )

    def verify_placement(self, name: str, num_units: int, to: list[str]) -> None:
        if num_units >= 0 and len(to) > num_units:
            self.add(
                f'too many units specified in unit placement for application {go_quote(name)}'
            )
        parsed: list[Placement] = []
        for text in to:
            try:
                placement = parse_placement(text)
            except BundleError as error:
                self.add(str(error))
                continue
            parsed.append(placement)
            if placement.application is not None:
                target = self.apps.get(placement.application)
                if placement.application not in self.apps:
                    self.add(
                        f'placement {go_quote(text)} refers to an application not defined in '
                        'this bundle'
                    )
                    continue
                target_units = cast(int, struct_field(target, 'num_units') or 0)
                if placement.unit is not None and placement.unit >= target_units:
                    self.add(
                        f'placement {go_quote(text)} specifies a unit greater than the '
                        f'{target_units} unit(s) started by the target application'
                    )
            elif placement.machine is not None:
                if placement.machine not in self.machines:
                    self.add(
                        f'placement {go_quote(text)} refers to a machine not defined in this '
                        'bundle'
                    )
                    continue
                self.refs[placement.machine] += 1
        if len(parsed) != len(to) or num_units <= 0:
            self.placements[name] = ()
            return
        placements: list[Placement] = []
        last_unit: dict[str, int] = {}
        parsed_texts: dict[str, Placement] = {}
        for index in range(num_units):
            text = to[index] if index < len(to) else (to[-1] if to else 'new')
            placement = parsed_texts.get(text) or parsed_texts.setdefault(
                text, parse_placement(text)
            )
            target = placement.application
            if target is not None:
                unit = placement.unit
                if unit is None:
                    unit = last_unit.get(target, -1) + 1
                    target_units = cast(int, struct_field(self.apps.get(target), 'num_units') or 0)
                    if unit >= target_units and target in self.apps:
                        self.add(
                            f'placement {go_quote(text)} specifies a unit greater than the '
                            f'{target_units} unit(s) started by the target application'
                        )
                        break  # each later unit would only repeat it
                    placement = dataclasses.replace(placement, unit=unit)
                last_unit[target] = unit
            placements.append(placement)
        self.placements[name] = tuple(placements)

    def endpoint_specs(self) -> tuple[dict[str, Mapping[str, charmspec.Endpoint]], dict[str, str]]:
        specs: dict[str, Mapping[str, charmspec.Endpoint]] = {}
        names: dict[str, str] = {}
        for name, spec in self.specs.items():
            specs[name] = spec.endpoints
            ref = cast(CharmRef, self.apps[name]['charm'])
            names[name] = ref.text
        for name, offer in self.offers.items():
            specs[name] = offer.endpoints
            names[name] = offer.url
        return specs, names

    def verify_relations(self) -> None:
        specs, names = self.endpoint_specs()
        seen: set[tuple[tuple[str, str], tuple[str, str]]] = set()
        for entry in cast(list[Any], self.data.get('relations') or []):
            pair = [str(end) for end in cast(list[Any], entry or [])]
            shown = go_list(pair)
            if len(pair) != 2:
                self.add(f'relation {shown} has {len(pair)} endpoint(s), not 2')
                continue
            refs: list[Ref] = []
            for text in pair:
                try:
                    ref = parse_endpoint(text)
                except BundleError as error:
                    self.add(str(error))
                    continue
                in_apps, in_saas = ref.application in self.apps, ref.application in self.saas
                if not in_apps and not in_saas:
                    self.add(
                        f'relation {shown} refers to application {go_quote(ref.application)} '
                        'not defined in this bundle'
                    )
                if in_apps and in_saas:
                    self.add(
                        f'ambiguous relation {go_quote(ref.application)} refers to a application '
                        'and a SAAS in this bundle'
                    )
                refs.append(ref)
            if len(refs) != 2:
                continue
            if refs[0].application == refs[1].application:
                self.add(f'relation {shown} relates an application to itself')
                continue
            known = all(ref.application in specs for ref in refs)
            relation: RelationSpec | None = None
            if known:
                try:
                    relation = resolve_endpoints(pair[0], pair[1], specs, charms=names)
                except BundleError as error:
                    self.add(str(error))
            if relation is not None:
                ends = (
                    (relation.provider.application, relation.provider.endpoint),
                    (relation.requirer.application, relation.requirer.endpoint),
                )
            else:
                ends = (
                    (refs[0].application, refs[0].endpoint),
                    (refs[1].application, refs[1].endpoint),
                )
            key = (min(ends), max(ends))
            if key in seen:
                self.add(f'relation {shown} is defined more than once')
            seen.add(key)
            if relation is not None:
                self.relations.append(relation)

    def verify_options(self) -> None:
        for name, app in self.apps.items():
            spec = self.specs.get(name)
            if spec is None or app is None:
                continue
            ref = cast(CharmRef, app['charm'])
            typed: dict[str, Value] = {}
            for key, value in cast(dict[str, Any], app.get('options') or {}).items():
                if key not in spec.config:
                    self.add(
                        f'cannot validate application {go_quote(name)}: configuration option '
                        f'{go_quote(key)} not found in charm {go_quote(ref.text)}'
                    )
                    continue
                try:
                    typed.update(spec.parse_config({key: value}))
                except charmspec.CharmSpecError as error:
                    self.add(f'cannot validate application {go_quote(name)}: {error}')
            self.options[name] = typed

    def verify_bindings(self) -> None:
        for name, app in self.apps.items():
            spec = self.specs.get(name)
            if spec is None or app is None:
                continue
            declared = {ep for ep, e in spec.endpoints.items() if not e.implicit}
            declared |= set(cast(dict[str, Any], spec.meta.get('extra-bindings') or {}))
            for endpoint, space in cast(dict[str, Any], app.get('bindings') or {}).items():
                if endpoint and endpoint not in declared:
                    self.add(
                        f'application {go_quote(name)} wants to bind endpoint '
                        f'{go_quote(endpoint)} to space {go_quote(str(space or ""))}, but the '
                        'endpoint is not defined by the charm'
                    )


def _cidr_ok(text: str) -> bool:
    if '/' not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True
