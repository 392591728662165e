"""Applications and their units: what ``juju add-unit``, ``remove-*``, ``config`` and kin do.

Each change is validated first, made in one store transaction, then settled by the unit
agents (unless the caller asks not to). A new unit's machine is one the placement names or a
new one from the provisioner, allocated with the application's constraints and storage and
the spaces its bindings need; a unit that goes departs its relations, and the application
elects another leader if it led.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import cloud
from ..juju import constraints as juju_constraints
from ..juju import storage as juju_storage
from ..state import bindings, model
from ..state.store import LogEntry, Transaction
from ..views import plan
from ..views.plan import Headroom
from . import _names
from ._agents import UnitAgents
from ._context import Context, load_model, model_constraints
from ._deferred import charm_venv, charmspec, commit, juju_bundle
from ._errors import EngineError
from ._provisioner import Provisioner, placement_machine, release_unit_machine
from ._relations import mark_dying, relation_dying, remove_remote
from ._reports import AddUnitReport
from ._resources import check_resources, store_resources
from ._session import Session
from ._storage import attach, attach_local, volumes

__all__ = ['Applications']


class Applications:
    """The model's applications and units."""

    def __init__(self, context: Context, provisioner: Provisioner, agents: UnitAgents) -> None:
        self.context = context
        self.provisioner = provisioner
        self.agents = agents

    def add_unit(
        self,
        application: str,
        count: int = 1,
        *,
        to: Sequence[str] = (),
        constraints: str = '',
        settle: bool = True,
    ) -> AddUnitReport:
        """``juju add-unit``; ``constraints`` is olm's extension (see DESIGN.md).

        Returns the new units, the machines started for them (and why each was chosen), and
        the settle.

        Raises:
            EngineError: for bad input or a machine that could not be started (nothing
                changes).
            cloud.CloudError: when the pool has too few matches (nothing changes).
        """
        if count < 1:
            raise EngineError(f'--num-units must be a positive integer, got {count}')
        asked = juju_constraints.parse(constraints)
        placements = [juju_bundle.parse_placement(t) for t in to]
        warnings: list[str] = []
        if len(placements) > count:
            # Juju's add-unit warns and goes on with the first directives.
            warnings.append(
                f'{count} unit(s) will be deployed, extra placement directives will be ignored'
            )
            placements = placements[:count]
        with self.context.session() as s:
            app = _names.application(s.model, application)
            if app.subordinate:
                # juju/juju 3.x: apiserver ``addUnits`` wraps state's ``AddUnit`` refusal.
                raise EngineError(
                    f'cannot add unit 1/{count} to application "{app.name}": cannot add unit '
                    f'to application "{app.name}": application is a subordinate'
                )
            with s.transaction() as txn:
                # add_units merges the model's and the application's constraints under these.
                units = self.add_units(s, txn, app, count, placements, asked)
            report = AddUnitReport(
                units=[u.name for u in units], machines=list(s.provisioned), warnings=warnings
            )
            if settle:
                report.settle = self.agents.run(s)
            return report

    def remove_unit(
        self,
        names: Sequence[str],
        *,
        settle: bool = True,
        force: bool = False,
        no_wait: bool = False,
    ) -> None:
        """``juju remove-unit [--force [--no-wait]]``: each unit departs, stops and goes.

        ``force`` removes what its teardown hooks could not (see :meth:`remove_application`).
        """
        if not names:
            raise EngineError('no units specified')
        _names.check_unit_names(names)
        _check_no_wait(force, no_wait)
        with self.context.session() as s:
            for name in names:
                if name not in s.model.units:
                    raise EngineError(f'removing unit {name} failed: unit "{name}" does not exist')
                if s.model.units[name].principal:
                    # juju/juju 3.x apiserver ``DestroyUnit``: subordinates go with a relation.
                    raise EngineError(
                        f'removing unit {name} failed: unit "{name}" is a subordinate, to '
                        'remove use remove-relation. Note: this will remove all units of '
                        f'"{s.model.units[name].application}"'
                    )
            with s.transaction():
                for name in names:
                    mark_dying(s, s.model.units[name])
            self._teardown(s, set(names), settle=settle, force=force, no_wait=no_wait)

    def remove_application(
        self,
        names: Sequence[str],
        *,
        settle: bool = True,
        force: bool = False,
        no_wait: bool = False,
    ) -> None:
        """``juju remove-application [--force [--no-wait]]``: its units, relations, then it.

        Without ``force`` a unit whose teardown hook fails stays, in error, until resolved
        (Juju: "Juju will not remove an application if there are hook failures"). With
        ``force`` its units run their teardown hooks, and those that could not finish (a hook
        failed, the charm cannot load) are removed all the same; with ``no_wait`` too, no
        teardown hook runs (juju/juju ``cmd/juju/application/removeapplication.go``, commit
        0134c137: ``--force`` removes "all units of the application ... without giving them
        the opportunity to shutdown cleanly"; ``--no-wait`` does not wait for each step).
        """
        if not names:
            raise EngineError('no application specified')
        _check_no_wait(force, no_wait)
        with self.context.session() as s:
            for name in names:
                if name not in s.model.applications and name not in s.model.remote_applications:
                    raise EngineError(
                        f'removing application {name} failed: application "{name}" not found'
                    )
            targets: set[str] = set()
            with s.transaction():
                for name in names:
                    if name in s.model.remote_applications:
                        remove_remote(s, name)
                        continue
                    app = s.model.applications[name]
                    app.life = 'dying'
                    s.model.touch('application', name)
                    for relation in s.model.relations_of(name):
                        relation_dying(s, relation)
                    for unit in s.model.units_of(name):
                        mark_dying(s, unit)
                        targets.add(unit.name)
                    if not s.model.units_of(name):
                        commit.remove_application_record(s.model, app)
            self._teardown(s, targets, settle=settle, force=force, no_wait=no_wait)

    def force_remove_units(
        self, s: Session, names: set[str], why: str, *, release: bool = True
    ) -> None:
        """Remove units outright, without their teardown hooks (``--force``), in one change.

        As Juju's forced unit removal (juju/juju ``state/unit.go`` ``DestroyWithForce``, "does
        the same thing as Destroy() but ignores errors", and removes the unit after its
        max-wait whatever its agent did; ``--no-wait`` makes that wait zero): the unit leaves
        its relations (the units it related to still depart it), its application elects
        another leader or goes if it was the last, and a machine made for it is released
        (unless ``release`` is False: the caller removes the machines).
        """
        # A principal's subordinates go with it, first (Juju destroys them before it).
        subordinates = {sub.name for name in names for sub in s.model.subordinates_of(name)}
        ordered = sorted(subordinates - names, key=model.natural_key) + sorted(
            names, key=model.natural_key
        )
        with s.transaction() as txn:
            for name in ordered:
                unit = s.model.units.get(name)
                if unit is None:
                    continue
                mark_dying(s, unit)
                s.candidates |= commit.remove_unit_record(s.model, unit)
                if release:
                    release_unit_machine(s, txn, unit)
                s.log.append(LogEntry(0, self.context.clock(), name, 'removed', 'forced', why))

    def _teardown(
        self, s: Session, targets: set[str], *, settle: bool, force: bool, no_wait: bool
    ) -> None:
        """Run the dying units' teardown; with ``force``, remove those it did not."""
        if force and no_wait:
            self.force_remove_units(s, targets, 'remove --force --no-wait: no teardown hook ran')
        if settle or force:
            try:
                self.agents.run(s)
            except EngineError:
                if not force:
                    raise
        if not force:
            return
        left = {name for name in targets if name in s.model.units}
        if left:
            self.force_remove_units(s, left, 'remove --force: its teardown did not finish')
            with contextlib.suppress(EngineError):  # forced: what the others do is theirs
                self.agents.run(s)

    def remove_machines(
        self,
        ids: Sequence[str],
        *,
        keep_instance: bool = False,
        erase: bool = False,
        force: bool = False,
        no_wait: bool = False,
    ) -> list[tuple[model.Machine, cloud.Machine | None]]:
        """``juju remove-machine [--force [--no-wait]]``: release machines to the pool.

        A machine that hosts units is refused unless ``force``, which removes its units
        without their teardown hooks first (juju/juju ``cmd/juju/machine/remove.go``, commit
        5c910215: "Machines running units or containers can be removed using the --force
        option; this will also remove those units and containers without giving them an
        opportunity to shut down cleanly").
        """
        _names.check_machine_ids(ids)
        _check_no_wait(force, no_wait)
        if force and ids:
            with self.context.session() as s:
                missing = [i for i in ids if i not in s.model.machines]
                if missing:
                    raise EngineError(f'machine {missing[0]} not found')
                hosted = {u.name for u in s.model.units.values() if u.machine in ids}
                if hosted:
                    self.force_remove_units(s, hosted, 'remove-machine --force', release=False)
                    with contextlib.suppress(EngineError):
                        self.agents.run(s)
        return self.provisioner.remove_machines(ids, keep_instance=keep_instance, erase=erase)

    def config(self, application: str) -> dict[str, dict[str, Any]]:
        """``juju config APP``: every option with its value, default and source."""
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
        app = _names.application(m, application)
        spec = self.context.spec(app)
        settings: dict[str, dict[str, Any]] = {}
        for name, option in sorted(spec.config.items()):
            entry: dict[str, Any] = {'type': option.type, 'description': option.description}
            if name in app.config:
                entry.update(value=app.config[name], source='user')
            elif option.default is not None:
                entry.update(value=option.default, source='default')
            else:
                entry['source'] = 'unset'
            if option.default is not None:
                entry['default'] = option.default
            settings[name] = entry
        return settings

    def set_config(
        self,
        application: str,
        values: Mapping[str, object],
        *,
        reset: Sequence[str] = (),
        settle: bool = True,
    ) -> bool:
        """``juju config APP k=v ... [--reset k,...]``; returns whether anything changed.

        A reset option goes back to the charm's default. A change makes every unit of the
        application run ``config-changed``.
        """
        with self.context.session() as s:
            app = _names.application(s.model, application)
            spec = self.context.spec(app)
            parsed = spec.parse_config(dict(values), source=application)
            spec.parse_config(dict.fromkeys(reset), source=application)  # known options only
            merged = {k: v for k, v in {**app.config, **parsed}.items() if k not in reset}
            if merged == app.config:
                return False
            with s.transaction():
                app.config = merged
                _config_changed(s, app)
            if settle:
                self.agents.run(s)
            return True

    def refresh(
        self,
        application: str,
        *,
        path: str | None = None,
        settle: bool = True,
        resources: Mapping[str, str] | None = None,
    ) -> None:
        """``juju refresh [--path PATH] [--resource NAME=PATH]`` of a local charm.

        Without ``path`` the application's charm directory is read again. Each unit runs
        ``upgrade-charm`` and then ``config-changed``, as Juju's uniter queues. A resource
        given replaces the one uploaded before (:mod:`._resources`).

        Raises:
            EngineError: the charm at ``path`` is another charm (Juju keeps the charm's name),
                or a resource Juju refuses.
        """
        with self.context.session() as s:
            app = _names.application(s.model, application)
            charm_path = (
                Path(app.charm_path)
                if path is None
                else charmspec.resolve(
                    path, charms_dir=self.context.charms_dir, base_dir=Path.cwd()
                )
            )
            spec = charmspec.load(charm_path)
            if spec.name != app.charm_name:
                raise EngineError(
                    f'cannot refresh "{app.name}" to charm "{spec.name}": its charm is '
                    f'"{app.charm_name}", and a refresh cannot change the charm\'s name'
                )
            if app.runner == 'scenario':
                prepare_scenario([spec])
            if spec.bases and app.base.removesuffix('/stable') not in spec.bases:
                # juju/juju 3.6 state/application.go SetCharm: the new charm must support the
                # application's base (core/charm/errors.go NewUnsupportedBaseError's text).
                raise EngineError(
                    f'cannot upgrade application "{app.name}" to charm "local:{spec.name}": '
                    f'base "{app.base}" not supported by charm, the charm supported bases are: '
                    + ', '.join(spec.bases)
                )
            check_resources(spec, resources or {})
            with s.transaction() as txn:
                app.resources = {
                    **app.resources,
                    **store_resources(
                        self.context.store.state_dir, s.model.name, app.name, spec,
                        resources or {},
                    ),
                }  # fmt: skip
                app.charm_path = str(spec.path)
                if path is not None and charmspec.is_archive(Path(path).expanduser()):
                    app.charm = os.path.abspath(Path(path).expanduser())
                self.context.remember(spec)
                app.charm_version += 1
                app.revision = txn.next_sequence(local_revision_sequence(spec.name))
                s.model.touch('application', app.name)
                s.candidates |= {u.name for u in s.model.units_of(app.name)}
            if settle:
                self.agents.run(s)

    def set_trust(self, application: str, trusted: bool) -> None:
        """``juju trust [--remove]``: trust is application config, so units see config-changed.

        olm has no cloud credential to hand a trusted charm; the flag is kept and shown as
        Juju keeps it.
        """
        with self.context.session() as s:
            app = _names.application(s.model, application)
            if app.trust == trusted:
                return
            with s.transaction():
                app.trust = trusted
                _config_changed(s, app)
            self.agents.run(s)

    def set_constraints(self, application: str, constraints: str) -> None:
        """``juju set-constraints``: replace the application's constraints for future units."""
        parsed = juju_constraints.parse(constraints)
        with self.context.session() as s:
            app = _names.application(s.model, application)
            with s.transaction():
                app.constraints = str(parsed)
                s.model.touch('application', app.name)

    def constraints(self, application: str) -> str:
        """``juju constraints APP``."""
        with self.context.store.snapshot() as txn:
            return _names.application(load_model(txn), application).constraints

    # -- within a session (deploy's too) ----------------------------------------------------

    def headroom(self) -> list[Headroom]:
        """How many more units of each principal application's shape the pool holds now.

        The shape is what ``add-unit`` would ask of a new machine (the model's constraints
        under the application's, its storage, the spaces its bindings need), counted as
        ``olm plan`` counts its headroom: Ready machines that would fit one more unit each.
        """
        shapes: list[Headroom] = []
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
            for app in sorted(m.applications.values(), key=lambda a: a.name):
                if app.subordinate or app.life != 'alive':
                    continue
                merged, _, storage, spaces = self._shape(txn, app)
                shapes.append(plan.headroom(txn.pool, app.name, merged, storage, spaces))
        return shapes

    def _shape(
        self,
        txn: Transaction,
        app: model.Application,
        constraints: juju_constraints.Constraints | None = None,
    ) -> tuple[juju_constraints.Constraints, list[juju_storage.Volume], str, frozenset[str]]:
        """What a new machine for a unit of ``app`` is asked for.

        The constraints (``constraints`` over the application's over the model's), the
        volumes its storage directives want, MAAS's storage constraint for them, and the
        spaces its bindings need.
        """
        merged = juju_constraints.parse(app.constraints)
        if constraints is not None:
            merged = juju_constraints.merge(merged, constraints)
        merged = juju_constraints.merge(model_constraints(txn), merged)
        wanted = volumes(self.context, txn, app)
        storage = juju_storage.maas_storage(wanted, merged.root_disk)
        spaces = bindings.spaces_needed(app.bindings, self.context.spec(app).bindable)
        return merged, wanted, storage, spaces

    def add_application(
        self,
        s: Session,
        txn: Transaction,
        *,
        name: str,
        charm: str,
        spec: charmspec.CharmSpec,
        options: Mapping[str, str | int | float | bool],
        constraints: str,
        bundle_app: juju_bundle.ApplicationSpec | None = None,
        bind: Mapping[str, str] | None = None,
    ) -> model.Application:
        """A new application (its peer relations with it), its bindings checked as Juju's."""
        app = model.Application(
            name=name,
            charm=charm,
            charm_path=str(spec.path),
            charm_name=spec.name,
            config=dict(options),
            constraints=constraints,
            subordinate=spec.subordinate,
        )
        if bundle_app is not None:
            app.channel, app.revision = bundle_app.channel, bundle_app.revision
            app.base = bundle_app.base or app.base
            app.exposed, app.trust = bundle_app.expose, bundle_app.trust
            app.annotations = dict(bundle_app.annotations)
            app.storage = dict(bundle_app.storage)
            app.bindings = dict(bundle_app.bindings)
        app.revision = txn.next_sequence(local_revision_sequence(spec.name))
        app.bindings.update(bind or {})
        known = [space.name for space in txn.pool.network.spaces]
        try:
            bindings.validate(name, app.bindings, spec.bindable, known)
        except bindings.BindingError as error:
            raise EngineError(f'cannot add application "{name}": {error}') from None
        # Juju keeps a binding for every endpoint, the default's included, from deploy on.
        app.bindings = bindings.effective(app.bindings, spec.bindable)
        s.model.applications[name] = app
        s.model.touch('application', name)
        self.context.remember(spec)
        for endpoint in spec.endpoints.values():
            if endpoint.role == 'peer':
                relation = model.Relation(
                    id=txn.next_sequence('relation'),
                    endpoints=[
                        model.RelationEndpoint(name, endpoint.name, 'peer', endpoint.interface)
                    ],
                )
                s.model.relations[relation.id] = relation
                s.model.touch('relation', relation.id)
        return app

    def add_units(
        self,
        s: Session,
        txn: Transaction,
        app: model.Application,
        count: int,
        placements: Sequence[juju_bundle.Placement | str],
        constraints: juju_constraints.Constraints,
    ) -> list[model.Unit]:
        """``count`` new units of ``app``, on the machines placed or on new ones.

        New machines get ``constraints`` over the application's over the model's, the
        application's storage and the spaces its bindings need, spread over zones away from
        its other units' machines.
        """
        m = s.model
        # Only the placed units are listed: the rest go to new machines, and the pool refuses
        # a count it cannot give before anything is built for it.
        placed = [placement_machine(m, p) for p in placements[:count]]
        for number, target in enumerate(placed, start=app.next_unit):
            if target is not None:
                _check_base(app, number, m.machines[target[0]])
        new_count = count - len(placed) + sum(1 for t in placed if t is None)
        spread = [m.machines[u.machine].instance_id for u in m.units_of(app.name)
                  if u.machine in m.machines]  # fmt: skip
        fresh: list[model.Machine] = []
        wanted: list[juju_storage.Volume] = []
        storage = ''
        if new_count:
            merged, wanted, storage, needed = self._shape(txn, app, constraints)
            try:
                fresh = self.provisioner.provision(
                    s, txn, merged, count=new_count, spread=spread, storage=storage,
                    spaces=needed, base=app.base,
                )  # fmt: skip
            except cloud.NoMatchError as error:
                error.note(
                    f'for {new_count} new unit{"" if new_count == 1 else "s"} of application '
                    f'"{app.name}"'
                )
                raise
        units: list[model.Unit] = []
        for index in range(count):
            target = placed[index] if index < len(placed) else None
            if target is None:
                machine_id, created = fresh.pop(0).id, True
            else:
                machine_id, created = target
            unit = model.Unit(
                name=f'{app.name}/{app.next_unit}',
                application=app.name,
                machine=machine_id,
                machine_created=created,
            )
            if created and wanted:
                unit.storage = attach(txn, m.machines[machine_id], wanted, storage)
            unit.storage.update(attach_local(self.context, txn, app, machine_id))
            app.next_unit += 1
            m.units[unit.name] = unit
            m.touch('unit', unit.name)
            units.append(unit)
            s.candidates.add(unit.name)
        m.touch('application', app.name)
        s.candidates |= commit.elect_leader(m, app)
        for relation in m.relations_of(app.name):
            s.candidates |= {u.name for u in m.relation_units(relation)}
        return units


def prepare_scenario(specs: Sequence[charmspec.CharmSpec]) -> None:
    """Check each charm's ops and install its own packages for the scenario runner, now.

    A deploy or refresh that could not run changes nothing (:mod:`..agent.charm_venv`).
    """
    try:
        for spec in specs:
            charm_venv.check_scenario_ops(spec)
            charm_venv.scenario_paths(spec)
    except charm_venv.VenvError as error:
        raise EngineError(str(error)) from None


def _check_base(app: model.Application, number: int, machine: model.Machine) -> None:
    """A unit goes only to a machine of its application's base.

    juju/juju 3.6 ``state/unit.go`` ``validateUnitMachineAssignment`` and ``assignContextf``.

    Raises:
        EngineError: ``cannot assign unit "db/0" to machine 0: base does not match: unit has
            "ubuntu@22.04", machine has "ubuntu@24.04"``.
    """
    unit_base = app.base.removesuffix('/stable')
    machine_base = machine.base.removesuffix('/stable')
    if unit_base != machine_base:
        raise EngineError(
            f'cannot assign unit "{app.name}/{number}" to machine {machine.id}: base does not '
            f'match: unit has "{unit_base}", machine has "{machine_base}"'
        )


def _check_no_wait(force: bool, no_wait: bool) -> None:
    """Juju's ``Init`` check: ``errors.NotValidf("--no-wait without --force")``."""
    if no_wait and not force:
        raise EngineError('--no-wait without --force not valid')


def _config_changed(s: Session, app: model.Application) -> None:
    """Every unit of the application runs ``config-changed`` (trust is config too)."""
    app.config_version += 1
    s.model.touch('application', app.name)
    s.candidates |= {u.name for u in s.model.units_of(app.name)}


def local_revision_sequence(charm_name: str) -> str:
    """The model sequence Juju numbers uploads of a local charm from (``charmRevSeqName``)."""
    return f'charmrev-local:{charm_name}'
