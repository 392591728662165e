"""``juju deploy`` of a charm or a bundle, and olm's plan of where a bundle would land.

A bundle is read whole first (overlays, offers, Juju's verifier: :mod:`orchestrator.juju.
bundle`), so a bad bundle changes nothing; it is then deployed as Juju's bundle handler
deploys it: consumed offers, the bundle's machines, applications, units (after every
application exists, since placements may name other units), relations; an application or
relation the model has already is kept.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from ..juju import constraints as juju_constraints
from ..juju import storage as juju_storage
from ..state import bindings, model
from . import _intent, _names
from ._agents import UnitAgents
from ._applications import Applications, prepare_scenario
from ._context import Context, load_model, model_constraints
from ._deferred import charmspec, dispatch, juju_bundle, plan
from ._errors import EngineError
from ._provisioner import Provisioner, placement_machine
from ._relations import (
    add_relation,
    add_remote_application,
    charm_bases,
    check_scope,
    endpoints,
)
from ._reports import DeployReport
from ._resources import check_resources, store_resources
from ._storage import model_pools

RUNNERS = ('scenario', 'dispatch')
"""How an application's hooks can run (:attr:`model.Application.runner`)."""

__all__ = ['Deployer', 'check_local_charm']


_P = ParamSpec('_P')
_R = TypeVar('_R')


def _recorded(
    method: Callable[Concatenate[Deployer, str, _P], _R],
) -> Callable[Concatenate[Deployer, str, _P], _R]:
    """A deploy whose intent is recorded until its applications commit (:mod:`._intent`).

    A deploy killed before then is reported by the next command as never committed, instead
    of leaving no trace; a dry run changes nothing and records nothing.
    """

    @functools.wraps(method)
    def deploy(self: Deployer, ref: str, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with contextlib.ExitStack() as stack:
            if not kwargs.get('dry_run'):
                stack.enter_context(self.context.operation(f'deploy of {ref}'))
            return method(self, ref, *args, **kwargs)

    return deploy


class Deployer:
    """``juju deploy`` and ``olm plan``."""

    def __init__(
        self,
        context: Context,
        applications: Applications,
        provisioner: Provisioner,
        agents: UnitAgents,
    ) -> None:
        self.context = context
        self.applications = applications
        self.provisioner = provisioner
        self.agents = agents

    @_recorded
    def deploy(
        self,
        ref: str,
        *,
        application: str | None = None,
        num_units: int = 1,
        to: Sequence[str] = (),
        constraints: str = '',
        config: Mapping[str, object] | None = None,
        overlays: Sequence[str | os.PathLike[str]] = (),
        offers_dir: str | os.PathLike[str] | None = None,
        dry_run: bool = False,
        settle: bool = True,
        trust: bool = False,
        base: str | None = None,
        storage: Mapping[str, str] | None = None,
        bind: str = '',
        runner: str | None = None,
        resources: Mapping[str, str] | None = None,
    ) -> DeployReport:
        """``juju deploy`` of a bundle file or of one charm (a path or a name under charms/).

        Done under the writer lock, with its intent recorded until the applications commit
        (:func:`_recorded`). ``trust``, ``base`` and ``storage`` (store name ->
        ``POOL,COUNT,SIZE``) are the charm
        forms of the bundle's fields of the same names; ``bind`` is Juju's ``--bind``
        expression (``[default-space] [endpoint=space ...]``). ``runner`` says how the new
        applications' hooks run (``scenario`` or ``dispatch``; default ``$OLM_RUNNER``, else
        ``scenario``); the dispatch runner's sandbox and staging are checked first.

        Raises:
            EngineError, juju_bundle.BundleError, charmspec.CharmSpecError: for bad input
                (nothing changes).
            cloud.CloudError: when the pool cannot provide the machines (nothing changes).
        """
        how = self._runner(runner)
        path = Path(ref).expanduser()
        # A .charm is a zip: read as a charm, never as a bundle (juju/juju 3.6
        # cmd/juju/application/deployer/deployer.go tries the local charm reader on it).
        if path.is_file() and not charmspec.is_archive(path):
            if bind:
                raise EngineError(
                    'options provided but not supported when deploying a bundle: --bind'
                )
            return self._deploy_bundle(
                path, overlays, offers_dir, dry_run=dry_run, settle=settle, runner=how
            )
        if overlays:
            raise EngineError('flags provided but not supported when deploying a charm: --overlay')
        check_local_charm(ref, self.context.charms_dir)
        try:
            bind_map = bindings.parse_bind(bind)
        except bindings.BindingError as error:
            raise EngineError(str(error)) from None
        if num_units < 0:
            raise EngineError(f'--num-units must be a positive integer, got {num_units}')
        charm_path = charmspec.resolve(
            ref, charms_dir=self.context.charms_dir, base_dir=Path.cwd()
        )
        spec = charmspec.load(charm_path)
        name = application or spec.name
        _names.check_application_name(name)
        options = spec.parse_config(dict(config or {}), source=name)
        if base is not None and not re.fullmatch(r'[a-z]+@\d+(\.\d+)?', base):
            raise EngineError(f'invalid base "{base}": expected NAME@CHANNEL, e.g. ubuntu@24.04')
        chosen_base = charmspec.select_base(base, spec.bases)
        for store, directive in (storage or {}).items():
            if store not in spec.storage:
                raise EngineError(f'charm "{spec.name}" has no store called "{store}"')
            try:
                juju_storage.parse_directive(directive)
            except juju_storage.StorageError as error:
                raise EngineError(f'--storage {store}={directive}: {error}') from None
        check_resources(spec, resources or {})
        asked = juju_constraints.parse(constraints)
        placements = [juju_bundle.parse_placement(t) for t in to]
        if spec.subordinate:
            num_units = _subordinate_units(num_units, to, str(asked))
        # A .charm is shown as the file the user named, not where olm unpacked it.
        archive = charmspec.is_archive(path)
        shown = os.path.abspath(path) if archive else str(charm_path)
        report = DeployReport(changes=[f'Located local charm "{spec.name}" at {shown}'])
        report.changes.append(f'- deploy application {name} from {shown}')
        if how == 'dispatch':
            self._prepare_dispatch([spec])
        else:
            prepare_scenario([spec])
        if dry_run:
            self._dry_run_checks(name, spec, bind_map, placements[:num_units])
            report.changes.append(f'- add {num_units} unit(s) of {name}')
            return report
        with self.context.session() as s:
            if name in s.model.applications or name in s.model.remote_applications:
                raise EngineError(f'cannot add application "{name}": application already exists')
            with s.transaction() as txn:
                _intent.complete(txn)
                app = self.applications.add_application(
                    s, txn, name=name, charm=shown if archive else ref, spec=spec,
                    options=options,
                    constraints=str(asked), bind=bind_map,
                )  # fmt: skip
                app.trust, app.base = trust, chosen_base
                app.storage = dict(storage or {})
                app.runner = how
                app.resources = store_resources(
                    self.context.store.state_dir, s.model.name, name, spec, resources or {}
                )
                units = self.applications.add_units(s, txn, app, num_units, placements, asked)
            report.changes += [f'- add unit {u.name} to machine {u.machine}' for u in units]
            report.machines = list(s.provisioned)
            if settle:
                report.settle = self.agents.run(s)
        return report

    def _dry_run_checks(
        self,
        name: str,
        spec: charmspec.CharmSpec,
        bind: Mapping[str, str],
        placements: Sequence[juju_bundle.Placement],
    ) -> None:
        """What the deploy itself would refuse, checked on a read-only snapshot.

        ``--dry-run`` that prints the changes of a deploy the real one refuses (an unknown
        space or endpoint in ``--bind``, a ``--to`` naming no machine or a container) would
        tell the user it works; the same messages as the deploy's are raised instead.
        """
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
            if name in m.applications or name in m.remote_applications:
                raise EngineError(f'cannot add application "{name}": application already exists')
            known = [space.name for space in txn.pool.network.spaces]
            try:
                bindings.validate(name, dict(bind), spec.bindable, known)
            except bindings.BindingError as error:
                raise EngineError(f'cannot add application "{name}": {error}') from None
            for placement in placements:
                placement_machine(m, placement)

    def _dry_run_bundle_checks(self, data: juju_bundle.Bundle) -> None:
        """A bundle's bindings against the pool's spaces, as its deploy checks them."""
        with self.context.store.snapshot() as txn:
            known = [space.name for space in txn.pool.network.spaces]
        for name, app in data.applications.items():
            try:
                bindings.validate(name, dict(app.bindings), app.spec.bindable, known)
            except bindings.BindingError as error:
                raise EngineError(f'cannot add application "{name}": {error}') from None

    @staticmethod
    def _runner(asked: str | None) -> str:
        """The runner a deploy uses: the one asked for, else ``$OLM_RUNNER``, else scenario."""
        how = asked or os.environ.get('OLM_RUNNER') or 'scenario'
        if how not in RUNNERS:
            source = '--runner' if asked else 'OLM_RUNNER'
            raise EngineError(f'invalid {source} "{how}": expected scenario or dispatch')
        return how

    def _prepare_dispatch(self, specs: Sequence[charmspec.CharmSpec]) -> None:
        """Check the sandbox and stage each charm now: a deploy that cannot run changes nothing."""
        try:
            dispatch.find_bwrap()
            runner = self.context.dispatch_runner
            for spec in specs:
                runner.staged(spec)
        except (dispatch.SandboxUnavailableError, dispatch.StagingError) as error:
            raise EngineError(str(error)) from None

    def _deploy_bundle(
        self,
        path: Path,
        overlays: Sequence[str | os.PathLike[str]],
        offers_dir: str | os.PathLike[str] | None,
        *,
        dry_run: bool,
        settle: bool,
        runner: str,
    ) -> DeployReport:
        data = self._load(path, overlays, offers_dir)
        if runner == 'dispatch':
            self._prepare_dispatch([a.spec for a in data.applications.values()])
        else:
            prepare_scenario([a.spec for a in data.applications.values()])
        report = DeployReport(warnings=list(data.warnings))
        report.changes.append(f'Located bundle "{path}"')
        for name, saas in data.saas.items():
            report.changes.append(f'- add consumed offer {name} from {saas.url} (simulated)')
        for key in data.machines:
            report.changes.append(f'- add new machine for bundle machine "{key}"')
        for name, app in data.applications.items():
            report.changes.append(f'- deploy application {name} from {app.charm_path}')
            if app.options:
                report.changes.append(f'- set application options for {name}')
            report.changes.append(f'- add {app.num_units} unit(s) of {name}')
            if app.expose:
                report.changes.append(f'- expose all endpoints of {name}')
        for relation in data.relations:
            report.changes.append(
                f'- add relation {relation.provider.application}:{relation.provider.endpoint} '
                f'- {relation.requirer.application}:{relation.requirer.endpoint}'
            )
        bases = _bundle_bases(data)
        if dry_run:
            self._dry_run_bundle_checks(data)
            return report
        applications = self.applications
        with self.context.session() as s:
            for name, app_spec in data.applications.items():
                existing = s.model.applications.get(name)
                if existing is not None and Path(existing.charm_path) != app_spec.charm_path:
                    raise EngineError(
                        f'cannot deploy bundle: application "{name}" already exists with '
                        f'charm {existing.charm_path}'
                    )
            with s.transaction() as txn:
                _intent.complete(txn)
                for name, saas in data.saas.items():
                    if name not in s.model.remote_applications:
                        add_remote_application(s, name, saas)
                bundle_machines: dict[str, str] = {}
                for key, machine in data.machines.items():
                    record = self.provisioner.provision(
                        s, txn, juju_constraints.parse(machine.constraints), count=1, spread=[],
                        base=_machine_base(key, machine.base, data, bases),
                    )[0]  # fmt: skip
                    bundle_machines[key] = record.id
                for name, app_spec in data.applications.items():
                    if name not in s.model.applications:
                        added = applications.add_application(
                            s, txn, name=name, charm=app_spec.charm, spec=app_spec.spec,
                            options=dict(app_spec.options), constraints=app_spec.constraints,
                            bundle_app=app_spec,
                        )  # fmt: skip
                        added.runner, added.base = runner, bases[name]
                # Units after every application exists: placements may name other units.
                for name, app_spec in data.applications.items():
                    app = s.model.applications[name]
                    have = len([u for u in s.model.units_of(name) if u.life == 'alive'])
                    wanted: Sequence[juju_bundle.Placement] = (
                        app_spec.placements[have:] if have < app_spec.num_units else ()
                    )
                    placements = [_bundle_target(p, bundle_machines) for p in wanted]
                    units = applications.add_units(
                        s, txn, app, len(placements), placements,
                        juju_constraints.parse(app_spec.constraints),
                    )  # fmt: skip
                    report.changes += [f'- unit {u.name} on machine {u.machine}' for u in units]
                ends = endpoints(self.context, s.model)
                subordinate = {n: a.subordinate for n, a in s.model.applications.items()}
                bases = charm_bases(self.context, s.model)
                for relation in data.relations:
                    keys = (
                        f'{relation.provider.application}:{relation.provider.endpoint}',
                        f'{relation.requirer.application}:{relation.requirer.endpoint}',
                    )
                    if _names.find_relation(s.model, *keys) is None:
                        container = check_scope(relation, ends, subordinate, bases)
                        add_relation(s, txn, relation, container=container)
            report.machines = list(s.provisioned)
            if settle:
                report.settle = self.agents.run(s)
        return report

    def plan(
        self,
        path: str | os.PathLike[str],
        *,
        overlays: Sequence[str | os.PathLike[str]] = (),
        offers_dir: str | os.PathLike[str] | None = None,
    ) -> plan.Plan:
        """Where a bundle's new units would land on the pool as it stands; nothing changes.

        Raises:
            juju_bundle.BundleError, charmspec.CharmSpecError, EngineError: for bad input.
        """
        data = self._load(Path(path), overlays, offers_dir)
        with self.context.store.snapshot() as txn:
            # The snapshot's pool: the plan's allocations stay in memory and go with it, and
            # only the rows the plan reads are loaded.
            scratch = txn.pool
            machines = {m.id: m.instance_id for m in txn.machines()}
            existing: dict[str, list[str]] = {}
            for record in txn.records('unit').values():
                unit = model.Unit.from_data(record)
                if unit.life == 'alive' and unit.machine in machines:
                    existing.setdefault(unit.application, []).append(machines[unit.machine])
            try:
                return plan.make(
                    data,
                    scratch,
                    model_constraints=model_constraints(txn),
                    storage_pools=model_pools(txn),
                    existing=existing,
                )
            except juju_storage.StorageError as error:
                raise EngineError(f'cannot plan bundle: {error}') from None

    def _load(
        self,
        path: Path,
        overlays: Sequence[str | os.PathLike[str]],
        offers_dir: str | os.PathLike[str] | None,
    ) -> juju_bundle.Bundle:
        return juju_bundle.load(
            path,
            overlays=[Path(o) for o in overlays],
            charms_dir=self.context.charms_dir,
            offers_dir=None if offers_dir is None else Path(offers_dir),
        )


def _subordinate_units(num_units: int, to: Sequence[str], constraints: str) -> int:
    """A subordinate is deployed with no units (they come with its container relations).

    As ``juju deploy`` does (juju/juju 3.x ``cmd/juju/application/deployer/charm.go``): the
    default single unit becomes none; constraints, a unit count or a placement are refused.

    Raises:
        EngineError: Juju's message for what a subordinate cannot take.
    """
    if constraints:
        raise EngineError('cannot use --constraints with subordinate application')
    if num_units != 1 or to:
        raise EngineError('cannot use --num-units or --to with subordinate application')
    return 0


def _bundle_bases(data: juju_bundle.Bundle) -> dict[str, str]:
    """Each application's base, chosen as ``juju deploy`` chooses it, before anything changes.

    Raises:
        EngineError: an application's ``base``/``series`` its charm does not support.
    """
    bases: dict[str, str] = {}
    for name, app_spec in data.applications.items():
        try:
            bases[name] = charmspec.select_base(app_spec.base, app_spec.spec.bases)
        except charmspec.CharmSpecError as error:
            raise EngineError(f'cannot deploy bundle: application "{name}": {error}') from None
    return bases


def _machine_base(
    key: str, declared: str | None, data: juju_bundle.Bundle, bases: Mapping[str, str]
) -> str:
    """A bundle machine's base: its own, else that of the first application placed on it.

    olm's reading (the bundle-changes source was not checked): a machine entry without a base
    takes the base of what the bundle puts on it, so a 22.04-only charm placed on ``"0"`` gets
    a 22.04 machine; with nothing placed on it, the latest LTS.
    """
    if declared:
        return charmspec.display_base(declared)
    for name, app_spec in data.applications.items():
        for placement in app_spec.placements:
            if placement.machine == key and placement.container is None:
                return bases[name]
    return charmspec.LATEST_LTS


def _bundle_target(
    placement: juju_bundle.Placement, bundle_machines: Mapping[str, str]
) -> juju_bundle.Placement | str:
    """A placement on a bundle machine becomes the model machine made for it."""
    if placement.machine is not None and placement.container is None:
        return bundle_machines[placement.machine]
    return placement


def check_local_charm(ref: str, charms_dir: Path) -> None:
    """Refuse, clearly, a charm that would come from Charmhub: olm deploys local charms only.

    Juju deploys a name that is not a local path from Charmhub (juju/juju
    ``cmd/juju/application/deployer/deployer.go``: the local-charm and local-bundle readers
    fall through to ``repositoryCharm``). olm has no Charmhub: a bare name is looked up under
    its charms directory (``$OLM_CHARMS``) and, when absent there, refused here before
    anything changes.

    Raises:
        EngineError: the name is neither a path nor a charm under ``charms_dir``.
    """
    is_path = ref.startswith(('.', '/', '~')) or '/' in ref or ref.endswith('.charm')
    name = ref.removeprefix('ch:')
    if is_path or (charms_dir / name).exists():
        return
    raise EngineError(
        f'charm "{name}" would come from Charmhub, which olm cannot reach: olm deploys local '
        f'charms only (a charm directory or .charm file by path, or a charm named under '
        f'{charms_dir}, $OLM_CHARMS)'
    )
