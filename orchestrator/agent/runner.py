"""Run one event of one unit through ``ops.testing`` (Scenario), with the unit's projected state.

The engine keeps the whole model; a charm sees only its unit's slice of it, as it would under
Juju: its config, whether it leads, its stored state and deferred events, each relation with
only the remote units it has already seen join, and the secrets it owns or was granted at the
revision it tracks. :func:`project` builds that ``State``; :class:`Runner` runs the event with the
machine's Host bound and returns what came out. Nothing here changes the model: the engine
decides what of the output commits.

These adjustments to Scenario keep the run faithful and cheap (Scenario 8, ``ops[testing]``):

- the virtual charm directory is built once per charm (Scenario rewrites the metadata YAML on
  every run, about a third of a run's cost) and links the charm's own files, so a charm that
  reads ``self.charm_dir / 'templates'`` finds them;
- ``JUJU_REMOTE_UNIT`` is empty for an application-databag ``relation-changed``, as Juju sets
  it (Scenario would invent a unit) and ``JUJU_DEPARTING_UNIT`` names the unit that really leaves;
- Scenario's consistency checker is skipped: the projection is built from a consistent model;
- the projection is not deep-copied (the output is compared with the model, not the input);
  of its relation databags only the local ones, which the charm writes, are copied; relations
  are found by id through an index; ops' parsed metadata is cached per charm directory, and
  its framework storage is a dict rather than a fresh in-memory SQLite database per run;
- after each run, what would keep the run's objects alive is dropped: ops' class-level cache
  of framework event emitters (it never lets a framework go) and the context's records;
- a relation event's relation is found without building every relation of its endpoint (ops
  builds them all, remote units and databag views included, to pick one by id); listing the
  endpoint later gives the same object among the others. ops' per-model cache of units and
  applications is a plain dict rather than weak references: the model lives for one hook;
- the remote databags of each relation are kept per unit between hooks
  (:class:`ProjectionCache`) and reused while its members and their databags are the same
  objects: a unit related to hundreds of others no longer rebuilds them all for every hook;
- ``observe()`` checks each observer's signature with :func:`inspect.signature` (~30 us) on
  every call, and a charm observes dozens of events in every hook: the signature of a bound
  method is computed once per function (the check's verdict depends on nothing else).

Charms are imported in isolation from each other (:class:`CharmLoader`): every charm has a
module named ``charm``, most have ``workload``, and they must not see each other's.
"""

# pyright: strict
# Scenario's private Runtime/Context seams are typed loosely.
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false, reportUnknownVariableType=false
# pyright: reportUnknownArgumentType=false, reportMissingSuperCall=false

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import functools
import importlib
import importlib.util
import inspect
import logging
import marshal
import operator
import os
import pickle
import sys
import tempfile
import traceback
import weakref
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import metal_host
import ops
import ops.framework
import ops.storage
import yaml
from ops import testing
from scenario import _ops_main_mock, _runtime, errors, state

from ..juju import charmspec
from ..sim.programs import iproute
from ..state import bindings, model
from .hooks import Hook

__all__ = ['CharmLoadError', 'CharmLoader', 'Outcome', 'ProjectionCache', 'Runner', 'project']

os.environ.setdefault('SCENARIO_SKIP_CONSISTENCY_CHECKS', '1')
# Scenario warns when a relation-changed has no remote unit; for an application-databag change
# that is exactly what Juju does.
logging.getLogger('ops-scenario').setLevel(logging.ERROR)

MODEL_UUID = '6d3a1c2e-7b0f-4c59-9f1e-0a1b2c3d4e5f'
"""The uuid of a model built without one (in tests); a stored model has its own."""

_STATUS_TYPES: dict[str, Any] = {
    'active': testing.ActiveStatus,
    'blocked': testing.BlockedStatus,
    'maintenance': testing.MaintenanceStatus,
    'waiting': testing.WaitingStatus,
}
_ROTATE = {r.value: r for r in ops.SecretRotate}


class CharmLoadError(Exception):
    """A charm's code cannot be imported, or defines no charm class."""


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedCharm:
    """A charm class together with the modules its directory provided."""

    charm_type: type[ops.CharmBase]
    modules: dict[str, ModuleType]
    paths: tuple[str, ...]


class CharmLoader:
    """Imports charms so that two charms with the same module names live side by side.

    A charm is imported with its ``src/`` and ``lib/`` first on ``sys.path``; the modules that
    came from its directory are then taken out of ``sys.modules`` and kept with the charm.
    Before each of its events they are put back (:meth:`active`), so imports done inside
    handlers find the charm's own modules, not another charm's.
    """

    def __init__(self) -> None:
        self._loaded: dict[Path, LoadedCharm] = {}
        self._owned: set[str] = set()

    def load(self, path: Path) -> LoadedCharm:
        """The charm class of a charm directory (imported once per process)."""
        path = path.resolve()
        if path in self._loaded:
            return self._loaded[path]
        paths = tuple(str(p) for p in (path / 'src', path / 'lib') if p.is_dir())
        for name in self._owned:
            sys.modules.pop(name, None)
        before = set(sys.modules)
        sys.path[:0] = paths
        try:
            module = importlib.import_module('charm')
        except Exception as e:
            raise CharmLoadError(
                f'cannot import charm code {path}/src/charm.py: {type(e).__name__}: {e}'
            ) from e
        finally:
            del sys.path[: len(paths)]
            modules = {
                name: sys.modules[name]
                for name in set(sys.modules) - before
                if _within(sys.modules[name], path)
            }
            for name in modules:
                sys.modules.pop(name, None)
        self._owned.update(modules)
        loaded = LoadedCharm(_charm_class(module, path), modules, paths)
        self._loaded[path] = loaded
        return loaded

    @contextlib.contextmanager
    def active(self, loaded: LoadedCharm) -> Generator[None]:
        """Make a charm's modules and paths the importable ones for the duration.

        A module the charm imports lazily (inside a handler) is adopted as the charm's when
        the run ends, so the next charm never sees it.
        """
        saved = {name: sys.modules.get(name) for name in self._owned}
        for name in self._owned:
            sys.modules.pop(name, None)
        sys.modules.update(loaded.modules)
        before = set(sys.modules)
        sys.path[:0] = loaded.paths
        try:
            yield
        finally:
            del sys.path[: len(loaded.paths)]
            root = Path(loaded.paths[0]).parent if loaded.paths else None
            for name in set(sys.modules) - before:
                module = sys.modules[name]
                if root is not None and _within(module, root):
                    loaded.modules[name] = module
                    self._owned.add(name)
                    saved.setdefault(name, None)
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module


def _within(module: ModuleType, path: Path) -> bool:
    file = getattr(module, '__file__', None)
    return file is not None and Path(file).resolve().is_relative_to(path)


def _charm_class(module: ModuleType, path: Path) -> type[ops.CharmBase]:
    """The charm class ``src/charm.py`` would pass to ``ops.main``: its most derived CharmBase."""
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, ops.CharmBase) and c.__module__ == module.__name__
    ]
    leaves = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
    if len(leaves) != 1:
        found = ', '.join(sorted(c.__name__ for c in leaves)) or 'none'
        raise CharmLoadError(
            f'{path}/src/charm.py must define exactly one charm class (ops.CharmBase), '
            f'found: {found}'
        )
    return leaves[0]


# -- Scenario with a cached charm root and Juju's relation environment --------------------


class _Runtime(_runtime.Runtime[ops.CharmBase]):
    charm_dirs: dict[Path, Path] = {}  # noqa: RUF012 - one virtual charm dir per charm, per process
    env_overrides: Mapping[str, str | None] = {}
    charm_path: Path = Path()

    @contextlib.contextmanager
    def _virtual_charm_root(self) -> Generator[Path]:
        root = self.charm_dirs.get(self.charm_path)
        if root is None:
            root = _make_charm_dir(self.charm_path, self._charm_spec)
            self.charm_dirs[self.charm_path] = root
        yield root

    def _get_event_env(self, state: Any, event: Any, charm_root: Path) -> dict[str, str]:
        env = super()._get_event_env(state, event, charm_root)
        for key, value in self.env_overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env


def _make_charm_dir(path: Path, spec: Any) -> Path:
    """A directory that looks like the unpacked charm: its files plus the metadata ops reads."""
    root = Path(tempfile.mkdtemp(prefix=f'olm-charm-{path.name}-'))
    generated = {'metadata.yaml', 'config.yaml', 'actions.yaml'}
    for entry in path.iterdir():
        if entry.name not in generated and entry.name != 'charmcraft.yaml':
            (root / entry.name).symlink_to(entry)
    dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)
    (root / 'metadata.yaml').write_text(yaml.dump(spec.meta, Dumper=dumper))
    (root / 'config.yaml').write_text(yaml.dump(spec.config or {}, Dumper=dumper))
    (root / 'actions.yaml').write_text(yaml.dump(spec.actions or {}, Dumper=dumper))
    return root


_original_load_meta = _ops_main_mock.Ops._load_charm_meta
_meta_cache: dict[Path, ops.CharmMeta] = {}


def _load_charm_meta(self: Any) -> ops.CharmMeta:
    # ops parses the metadata YAML on every run; olm's charm directories never change, so the
    # parsed metadata is kept per directory. Other Scenario users keep the original behaviour.
    root = Path(self._charm_root)
    if root not in _Runtime.charm_dirs.values():
        return _original_load_meta(self)
    meta = _meta_cache.get(root)
    if meta is None:
        meta = _meta_cache[root] = _original_load_meta(self)
    return meta


_ops_main_mock.Ops._load_charm_meta = _load_charm_meta  # pyright: ignore[reportAttributeAccessIssue]


class _MemoryStorage:
    """ops' framework storage in a dict: what ``SQLiteStorage(':memory:')`` does, cheaper.

    Scenario opens a fresh in-memory SQLite database per run (connect, pragma, two CREATE
    TABLEs) only to copy stored state and deferred events in and out: about a sixth of a small
    hook's time. Values are pickled as SQLite storage pickles them, so a charm storing what
    Juju's storage could not keep fails here too, and nothing aliases the charm's objects.
    """

    def __init__(self) -> None:
        self._snapshots: dict[str, bytes] = {}
        self._notices: list[tuple[str, str, str]] = []

    def close(self) -> None:
        """Nothing to release."""

    def commit(self) -> None:
        """Writes take effect at once."""

    def save_snapshot(self, handle_path: str, snapshot_data: Any) -> None:
        self._snapshots[handle_path] = pickle.dumps(snapshot_data)

    def load_snapshot(self, handle_path: str) -> Any:
        try:
            return pickle.loads(self._snapshots[handle_path])  # noqa: S301 - the charm's own data
        except KeyError:
            raise ops.storage.NoSnapshotError(handle_path) from None

    def drop_snapshot(self, handle_path: str) -> None:
        self._snapshots.pop(handle_path, None)

    def list_snapshots(self) -> Generator[str]:
        yield from list(self._snapshots)

    def save_notice(self, event_path: str, observer_path: str, method_name: str) -> None:
        self._notices.append((event_path, observer_path, method_name))

    def drop_notice(self, event_path: str, observer_path: str, method_name: str) -> None:
        notice = (event_path, observer_path, method_name)
        self._notices = [n for n in self._notices if n != notice]

    def notices(self, event_path: str | None = None) -> Generator[tuple[str, str, str]]:
        yield from [n for n in self._notices if not event_path or n[0] == event_path]


_original_make_storage = _ops_main_mock.Ops._make_storage


def _make_storage(self: Any, dispatcher: Any) -> Any:
    if Path(self._charm_root) not in _Runtime.charm_dirs.values():
        return _original_make_storage(self, dispatcher)
    storage = _MemoryStorage()
    self.store = _ops_main_mock.UnitStateDB(storage)  # pyright: ignore[reportArgumentType]
    self.store.apply_state(self.state)
    return storage


_ops_main_mock.Ops._make_storage = _make_storage  # pyright: ignore[reportAttributeAccessIssue]


# Scenario tries ``import ops_tracing._mock`` on every run; where ops_tracing is not installed
# that is a failed search of every sys.path entry each time (failures are not cached). A None
# entry in sys.modules makes the import fail at once, with the same ImportError.
if importlib.util.find_spec('ops_tracing') is None:
    sys.modules.setdefault('ops_tracing', None)  # pyright: ignore[reportArgumentType]


@functools.lru_cache(maxsize=4096)
def _bound_signature(function: Any, follow_wrapped: bool) -> inspect.Signature:
    """What :func:`inspect.signature` gives for any method bound from ``function``."""
    signature = inspect.signature(function, follow_wrapped=follow_wrapped)
    parameters = tuple(signature.parameters.values())
    if not parameters or parameters[0].kind is inspect.Parameter.VAR_POSITIONAL:
        return signature  # inspect keeps *args of a bound method as they are
    return signature.replace(parameters=parameters[1:])


def _signature(obj: Any, *, follow_wrapped: bool = True, **options: Any) -> inspect.Signature:
    function = getattr(obj, '__func__', None)
    if function is None or options or not inspect.isfunction(function):
        return inspect.signature(obj, follow_wrapped=follow_wrapped, **options)
    return _bound_signature(function, follow_wrapped)


_inspect_for_ops = ModuleType('inspect')
_inspect_for_ops.__dict__.update(inspect.__dict__)
_inspect_for_ops.signature = _signature  # pyright: ignore[reportAttributeAccessIssue]
ops.framework.__dict__['inspect'] = _inspect_for_ops  # only ops.framework's name for it


def _olm_backend(backend: Any) -> bool:
    """Whether ops' model backend is Scenario's, running one of olm's hooks."""
    return isinstance(getattr(backend, '_context', None), _Context)


_original_get_unique = ops.model.RelationMapping._get_unique
_original_relations_item = ops.model.RelationMapping.__getitem__
_original_invalidate = ops.model.RelationMapping._invalidate


def _get_unique(self: Any, relation_name: str, relation_id: int | None = None) -> Any:
    # ops finds a relation event's relation by building every relation of the endpoint (each
    # with its remote units and databag views) and picking one by id: for a unit related to
    # hundreds of others that was most of a hook the charm does not even observe. Here only
    # that relation is built; when the charm later lists the endpoint's relations, the list
    # holds this very object in its place (see ``_relations_item``), as it would in ops.
    data = self._data
    if (
        type(relation_id) is not int
        or relation_name not in data
        or data[relation_name] is not None
        or relation_id == self._broken_relation_id
        or not _olm_backend(self._backend)
    ):
        return _original_get_unique(self, relation_name, relation_id)
    ids = self._backend.relation_ids(relation_name)
    if len(ids) < 2 or relation_id not in ids:
        # One relation: building the list builds only it (and building it early would
        # build it twice if the charm then lists the endpoint).
        return _original_get_unique(self, relation_name, relation_id)
    early: dict[tuple[str, int], Any] = self.__dict__.setdefault('_olm_early', {})
    relation = early.get((relation_name, relation_id))
    if relation is None:
        relation = early[relation_name, relation_id] = ops.Relation(
            relation_name,
            relation_id,
            relation_name in self._peers,
            self._our_unit,
            self._backend,
            self._cache,
            _remote_unit=self._remote_unit,
        )
    return relation


def _relations_item(self: Any, relation_name: str) -> list[ops.Relation]:
    built = self._data.get(relation_name) is not None
    relations = _original_relations_item(self, relation_name)
    early: dict[tuple[str, int], Any] | None = self.__dict__.get('_olm_early')
    if not built and early:
        for i, relation in enumerate(relations):
            found = early.pop((relation_name, relation.id), None)
            if found is not None:
                relations[i] = found
    return relations


def _invalidate(self: Any, relation_name: str) -> None:
    _original_invalidate(self, relation_name)
    early: dict[tuple[str, int], Any] | None = self.__dict__.get('_olm_early')
    if early:
        for key in [k for k in early if k[0] == relation_name]:
            del early[key]


_original_cache_init = ops.model._ModelCache.__init__


def _cache_init(self: Any, meta: ops.CharmMeta, backend: Any) -> None:
    # ops keeps a model's Unit and Application objects in a WeakValueDictionary; an olm run's
    # model lives for one hook, so a plain dict gives the same objects for a name without a
    # weak reference per remote unit (hundreds per hook for a unit related to many).
    _original_cache_init(self, meta, backend)
    if _olm_backend(backend):
        self._weakrefs = {}


ops.model._ModelCache.__init__ = _cache_init  # pyright: ignore[reportAttributeAccessIssue]
ops.model.RelationMapping._get_unique = _get_unique  # pyright: ignore[reportAttributeAccessIssue]
ops.model.RelationMapping.__getitem__ = _relations_item  # pyright: ignore[reportAttributeAccessIssue]
ops.model.RelationMapping._invalidate = _invalidate  # pyright: ignore[reportAttributeAccessIssue]


_FRAMEWORK_EVENTS: ops.ObjectEvents = vars(ops.Framework)['on']


class _Context(testing.Context[ops.CharmBase]):
    """A Context whose runs use :class:`_Runtime`."""

    runtime_env: Mapping[str, str | None] = {}
    charm_path: Path = Path()

    @contextlib.contextmanager
    def _run(self, event: Any, state: Any) -> Generator[Any]:
        runtime = _Runtime(
            app_name=self.app_name,
            charm_spec=self._charm_spec,
            juju_version=self.juju_version,
            charm_root=self.charm_root,
            unit_id=self.unit_id,
            machine_id=self._machine_id,
            availability_zone=self._availability_zone,
            principal_unit=self._principal_unit,
        )
        runtime.env_overrides = self.runtime_env
        runtime.charm_path = self.charm_path
        if event.action:
            self.action_logs.clear()
            if self.action_results is not None:
                self.action_results.clear()
            self._action_failure_message = None
        try:
            with runtime.exec(state=state, event=event, context=self) as ops_:
                yield ops_
        finally:
            # ``Framework.on`` caches each framework's event emitters in a class-level
            # WeakKeyDictionary whose values refer back to their key, so no framework is ever
            # freed: one process per hook under Juju, but here every run's charm, model and
            # databags would stay alive (1.5 GB and 40 % slower hooks after 15k runs).
            _FRAMEWORK_EVENTS._cache.clear()  # pyright: ignore[reportPrivateUsage]
        if event.action and self._action_failure_message is not None:
            raise testing.ActionFailed(
                self._action_failure_message,
                state=self._output_state,  # pyright: ignore[reportArgumentType]
            )


# -- the run ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one run produced.

    Attributes:
        ok: the hook succeeded (an action that called ``event.fail()`` still succeeded as a
            hook: Juju commits its changes and reports the action failed).
        state_in: the projected input state (the charm ran in it: it is the output too).
        state_out: the output state (None when the hook failed).
        error: a one-line description of the uncaught exception.
        traceback: its traceback, for the event log.
        logs: ``(level, message)`` of what the charm logged.
        action_results: results set by an action.
        action_logs: messages logged by an action.
        action_failure: the message of ``event.fail()``, if called.
        removed_revisions: secret revisions the charm removed.
        owned_secrets: ids of the secrets the unit managed when the run began.
    """

    ok: bool
    state_in: testing.State
    state_out: testing.State | None = None
    error: str = ''
    traceback: str = ''
    logs: tuple[tuple[str, str], ...] = ()
    action_results: Mapping[str, Any] = dataclasses.field(default_factory=dict[str, Any])
    action_logs: tuple[str, ...] = ()
    action_failure: str | None = None
    removed_revisions: tuple[int, ...] = ()
    owned_secrets: tuple[str, ...] = ()


def _dispatch_refusal(spec: charmspec.CharmSpec, unit: model.Unit) -> str:
    """What the packed charm's ``dispatch`` prints when it cannot start the charm, or ''.

    Under the ``charm`` plugin, ``dispatch`` is ``#!/bin/sh`` whose third line ``exec``s
    ``./src/charm.py`` (charmcraft 4.4 ``const.py`` ``DISPATCH_CONTENT``); Juju runs it from the
    unit's charm directory, ``/var/lib/juju/agents/unit-<app>-<n>/charm``. Ubuntu's ``/bin/sh``
    is dash, which refuses a file without an executable bit with this text and exit 126 (dash
    0.5.12; checked with the real dash against charmcraft's script). The hook fails, as every
    later one will: the charm never runs.
    """
    if not spec.dispatch_execs_entrypoint:
        return ''
    if os.access(spec.path / spec.entrypoint, os.X_OK):
        return ''
    app, _, number = unit.name.rpartition('/')
    return (
        f'/var/lib/juju/agents/unit-{app}-{number}/charm/dispatch: 3: exec: '
        f'./{spec.entrypoint}: Permission denied'
    )


class Runner:
    """Runs events of units, one at a time (Scenario writes ``JUJU_*`` into ``os.environ``)."""

    def __init__(self, loader: CharmLoader | None = None) -> None:
        self.loader = loader or CharmLoader()
        self._contexts: dict[tuple[str, str], _Context] = {}
        self.projections = ProjectionCache()

    def context(self, unit: model.Unit, spec: charmspec.CharmSpec, zone: str) -> _Context:
        """The (cached) Scenario context of one unit."""
        key = (unit.name, unit.machine)
        ctx = self._contexts.get(key)
        if ctx is None:
            loaded = self.loader.load(spec.path)
            ctx = _Context(
                loaded.charm_type,
                meta=dict(spec.meta),
                config=dict(spec.config_meta),
                actions=dict(spec.actions_meta),
                app_name=unit.application,
                unit_id=unit.number,
                machine_id=unit.machine,
                availability_zone=zone or None,
            )
            ctx.charm_path = spec.path
            self._contexts[key] = ctx
        return ctx

    def run(
        self,
        m: model.Model,
        unit: model.Unit,
        hook: Hook,
        spec: charmspec.CharmSpec,
        host: metal_host.Host,
    ) -> Outcome:
        """Run one hook of one unit; the model is only read."""
        machine = m.machines.get(unit.machine)
        ctx = self.context(unit, spec, machine.zone if machine else '')
        state_in = project(m, unit, hook, spec, self.projections)
        owned = tuple(s.id for s in state_in.secrets if s.owner is not None)
        event = _event(ctx, hook, state_in, m)
        ctx.runtime_env = _env_overrides(hook)
        refused = _dispatch_refusal(spec, unit)
        if refused:
            return Outcome(ok=False, state_in=state_in, error=refused, traceback=refused + '\n')
        loaded = self.loader.load(spec.path)
        try:
            with self.loader.active(loaded), metal_host.bound(host):
                state_out = ctx.run(event, state_in)
            return self._outcome(ctx, state_in, state_out, owned)
        except testing.ActionFailed as failed:
            out: Any = failed.state
            return self._outcome(ctx, state_in, out, owned, action_failure=failed.message)
        except Exception as e:  # the charm's own exception, whatever it is
            cause = e.__cause__ if isinstance(e, errors.UncaughtCharmError) and e.__cause__ else e
            return Outcome(
                ok=False,
                state_in=state_in,
                error=f'{type(cause).__name__}: {cause}',
                traceback=''.join(traceback.format_exception(cause)),
                logs=_logs(ctx),
            )
        finally:
            _forget_run(ctx)

    @staticmethod
    def _outcome(
        ctx: _Context,
        state_in: testing.State,
        state_out: testing.State | None,
        owned: tuple[str, ...],
        action_failure: str | None = None,
    ) -> Outcome:
        return Outcome(
            ok=True,
            state_in=state_in,
            state_out=state_out if state_out is not None else state_in,
            logs=_logs(ctx),
            action_results=dict(ctx.action_results or {}),
            action_logs=tuple(ctx.action_logs),
            action_failure=action_failure,
            removed_revisions=tuple(ctx.removed_secret_revisions),
            owned_secrets=owned,
        )


def _forget_run(ctx: _Context) -> None:
    """Drop what the context recorded of a run once the outcome has been read.

    The context is kept per unit; its emitted events refer to the run's framework, charm and
    model, which would otherwise stay alive until the unit's next hook and be promoted to the
    collector's oldest generation by then.
    """
    for history in (ctx.juju_log, ctx.unit_status_history, ctx.app_status_history,
                    ctx.workload_version_history, ctx.removed_secret_revisions,
                    ctx.emitted_events, ctx.action_logs):  # fmt: skip
        history.clear()
    ctx._output_state = None  # pyright: ignore[reportPrivateUsage]


def _logs(ctx: _Context) -> tuple[tuple[str, str], ...]:
    return tuple((line.level, line.message) for line in ctx.juju_log)


def _env_overrides(hook: Hook) -> dict[str, str | None]:
    if hook.kind == 'relation-changed' and hook.remote_unit is None:
        # Juju sets the variable empty for an application-databag change.
        return {'JUJU_REMOTE_UNIT': ''}
    if hook.kind == 'relation-departed' and hook.departing_unit:
        return {'JUJU_DEPARTING_UNIT': hook.departing_unit}
    return {}


def _unit_number(name: str) -> int:
    return int(name.rsplit('/', 1)[1])


def _event(ctx: _Context, hook: Hook, st: testing.State, m: model.Model) -> Any:
    """The Scenario event for a hook."""
    on = ctx.on
    simple = {
        'install': on.install,
        'start': on.start,
        'stop': on.stop,
        'remove': on.remove,
        'config-changed': on.config_changed,
        'upgrade-charm': on.upgrade_charm,
        'update-status': on.update_status,
        'leader-elected': on.leader_elected,
    }
    if hook.kind in simple:
        return simple[hook.kind]()
    if hook.kind == 'leader-settings-changed':
        # ops still has the event; Scenario has no factory for it.
        return state._Event('leader_settings_changed')
    if hook.is_relation:
        relation = next(r for r in st.relations if r.id == hook.relation_id)
        remote = None if hook.remote_unit is None else _unit_number(hook.remote_unit)
        kind = hook.kind.removeprefix('relation-')
        if kind == 'created':
            return on.relation_created(relation)
        if kind == 'broken':
            return on.relation_broken(relation)
        if kind == 'joined':
            return on.relation_joined(relation, remote_unit=remote)
        if kind == 'changed':
            return on.relation_changed(relation, remote_unit=remote)
        return on.relation_departed(relation, remote_unit=remote, departing_unit=remote)
    if hook.storage_id is not None:
        name, index = _storage_key(hook.storage_id)
        attached = next(x for x in st.storages if (x.name, x.index) == (name, index))
        if hook.kind == 'storage-attached':
            return on.storage_attached(attached)
        return on.storage_detaching(attached)
    if hook.kind == 'action':
        action = m.actions[str(hook.action_id)]
        return on.action(action.name, params=dict(action.params), id=action.id)
    secret = next(s for s in st.secrets if s.id == hook.secret_id)
    if hook.kind == 'secret-changed':
        return on.secret_changed(secret)
    if hook.kind == 'secret-rotate':
        return on.secret_rotate(secret)
    if hook.kind == 'secret-expired':
        return on.secret_expired(secret, revision=hook.secret_revision or secret._latest_revision)
    return on.secret_remove(secret, revision=hook.secret_revision or 1)


# -- projection: the model as one unit sees it --------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class _AttachedStorage(testing.Storage):
    """A storage instance where Juju attached it on the machine: a block device's path.

    Scenario would make up a directory for it; ``storage-get location`` gives a MAAS volume's
    device (``/dev/sdb``), which is what a charm hands to its workload.
    """

    location: str = ''

    def get_filesystem(self, ctx: Any) -> Path:
        del ctx
        return Path(self.location)


def _storage_key(storage_id: str) -> tuple[str, int]:
    name, _, index = storage_id.partition('/')
    return name, int(index)


class _ProjectedRelation(testing.Relation):
    """A relation of a projection: only the databags the charm may write are copied.

    Scenario deep-copies and re-validates every databag it is given so a test may reuse its
    input. A projection is built from the model for one run: remote databags are read-only
    to the charm (ops refuses writes to them, as Juju does) and were validated when they were
    committed, so they are passed as they are; only the local ones, which the charm writes
    in place, are copied. This matters for a unit related to hundreds of others.

    In ``relation-departed`` the departing unit is no longer in ``relation-list``, yet Juju
    still answers ``relation-get`` for it: its databag is kept aside (:func:`_keep_departing`)
    rather than among the members.
    """

    def __post_init__(self) -> None:
        _copy_local_databags(self)

    def _get_databag_for_remote(self, unit_id: int) -> dict[str, str]:
        return _remote_databag(self, self.remote_units_data, unit_id)


class _ProjectedPeerRelation(testing.PeerRelation):
    """A peer relation of a projection (see :class:`_ProjectedRelation`)."""

    def __post_init__(self) -> None:
        _copy_local_databags(self)

    def _get_databag_for_remote(self, unit_id: int) -> dict[str, str]:
        return _remote_databag(self, self.peers_data, unit_id)


def _copy_local_databags(relation: Any) -> None:
    object.__setattr__(relation, 'local_app_data', dict(relation.local_app_data))
    object.__setattr__(relation, 'local_unit_data', dict(relation.local_unit_data))


def _keep_departing(relation: Any, unit_id: int, databag: dict[str, str]) -> Any:
    object.__setattr__(relation, '_departing', {unit_id: databag})
    return relation


def _remote_databag(relation: Any, members: Mapping[int, Any], unit_id: int) -> dict[str, str]:
    if unit_id in members:
        return members[unit_id]
    return relation.__dict__.get('_departing', {})[unit_id]


class _State(testing.State):
    """A projection Scenario runs in place.

    Scenario deep-copies its input so that a test can compare before and after; a projection
    is built fresh from the model for one run and the output is compared with the model, so
    the copy (the largest single cost of a run in a big relation) is skipped.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _State:
        return self

    def get_relation(self, relation: Any, /) -> Any:
        # Every hook tool call on a relation looks it up by id, and Scenario scans the list:
        # quadratic in a unit's relations. Relations are not replaced during a run (their
        # databags change in place), so an index built on first use stays right.
        if isinstance(relation, int):
            index = self.__dict__.get('_relations_by_id')
            if index is None:
                index = {r.id: r for r in self.relations}
                object.__setattr__(self, '_relations_by_id', index)
            found = index.get(relation)
            if found is not None:
                return found
        return super().get_relation(relation)


class ProjectionCache:
    """The remote databags of each relation as one unit sees them, kept between hooks.

    A unit related to hundreds of others is handed, hook after hook, the same ``{unit number:
    databag}`` mapping for every relation its hook is not about; building them all again was
    most of its projection. An entry is checked against the model on every use: the members
    must be the same units in the same order and each member's databag the same object (a
    commit replaces a databag, it never edits one in place; an edit in place would show anyway,
    the mapping holds the model's own databags), so a change is always seen and nothing has to
    be told to invalidate it. The mappings are shared between projections: Scenario and ops
    only read them (remote databags are read-only to a charm).
    """

    def __init__(self) -> None:
        self._model: Callable[[], model.Model | None] = lambda: None
        self._entries: dict[tuple[str, int], _RemoteEntry] = {}

    def remote_databags(
        self, m: model.Model, unit: str, relation: model.Relation, members: tuple[str, ...]
    ) -> dict[int, dict[str, str]]:
        """``{unit number: databag}`` of ``members`` in ``relation``, as ``unit`` sees it."""
        if self._model() is not m:
            # Another model (a new command's session): its databags are other objects, so
            # the old entries could never match; drop them rather than keep them alive.
            self._entries.clear()
            self._model = weakref.ref(m)
        key = (unit, relation.id)
        bags = tuple(map(relation.unit_data.get, members))
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.members == members
            and all(map(operator.is_, entry.bags, bags))
        ):
            return entry.data
        data = {_unit_number(u): relation.unit_data.get(u, {}) for u in members}
        if None in bags:
            # A member without a databag gets a fresh empty one: nothing to recognise later.
            self._entries.pop(key, None)
        else:
            self._entries[key] = _RemoteEntry(members, bags, data)
        return data

    def __len__(self) -> int:
        return len(self._entries)


@dataclasses.dataclass(frozen=True, slots=True)
class _RemoteEntry:
    members: tuple[str, ...]
    bags: tuple[dict[str, str] | None, ...]
    data: dict[int, dict[str, str]]


def project(
    m: model.Model,
    unit: model.Unit,
    hook: Hook,
    spec: charmspec.CharmSpec,
    cache: ProjectionCache | None = None,
) -> testing.State:
    """The unit's view of the model, as the ``State`` its charm runs against.

    ``cache`` keeps the remote databags between projections of the same model; without it
    they are built afresh (the same result).
    """
    app = m.applications[unit.application]
    leader = app.leader == unit.name
    machine = m.machines.get(unit.machine)
    relations: list[Any] = []
    progress = unit.progress
    for relation in m.relations_of(app.name):
        view = progress.relations.get(relation.id)
        is_hook_relation = hook.relation_id == relation.id
        if view is None or not view.created:
            if not (is_hook_relation and hook.kind == 'relation-created'):
                continue
            view = model.RelationView()
        if view.broken:
            continue
        relations.append(_relation(m, relation, unit, view, hook, leader, cache))
    default = app.bindings.get('') or bindings.ALPHA
    networks = [
        _network(name, machine, app.bindings.get(name) or default) for name in spec.bindable
    ]
    return _State(
        config=dict(app.config),
        relations=relations,
        networks=networks,
        leader=leader,
        model=testing.Model(name=m.name, uuid=m.uuid or MODEL_UUID, type='lxd'),
        secrets=_secrets(m, unit, leader),
        opened_ports=[_port(p) for p in unit.ports],
        planned_units=sum(1 for u in m.units_of(app.name) if u.life == 'alive'),
        unit_status=_status(unit.workload) if unit.workload_set else testing.UnknownStatus(),
        app_status=_status(app.status) if app.status else testing.UnknownStatus(),
        workload_version=unit.workload_version,
        storages=[
            _AttachedStorage(_storage_key(sid)[0], index=_storage_key(sid)[1], location=location)
            for sid, location in unit.storage.items()
        ],
        stored_states=[decode_stored(s) for s in unit.stored_state],
        deferred=[decode_deferred(d) for d in unit.deferred],
    )


def _relation(
    m: model.Model,
    relation: model.Relation,
    unit: model.Unit,
    view: model.RelationView,
    hook: Hook,
    leader: bool,
    cache: ProjectionCache | None,
) -> Any:
    app = unit.application
    endpoint = relation.endpoint_of(app)
    departing = None
    members = tuple(view.members)
    if hook.relation_id == relation.id:
        if hook.kind == 'relation-departed':
            departing = hook.remote_unit
            members = tuple(u for u in members if u != departing)
        elif hook.kind == 'relation-joined' and hook.remote_unit:
            members += (hook.remote_unit,)
        elif hook.kind == 'relation-broken':
            members = ()
    if cache is None:
        remote = {_unit_number(u): relation.unit_data.get(u, {}) for u in members}
    else:
        remote = cache.remote_databags(m, unit.name, relation, members)
    local_unit = relation.unit_data.get(unit.name) or default_unit_data(m, unit, relation)
    if relation.is_peer:
        projected: Any = _ProjectedPeerRelation(
            endpoint.name,
            endpoint.interface,
            id=relation.id,
            # The local databags are copied by the projected relation; the rest are read-only.
            local_app_data=relation.app_data.get(app, {}),
            local_unit_data=local_unit,
            peers_data=remote,
        )
    else:
        remote_app = relation.other_application(app)
        projected = _ProjectedRelation(
            endpoint.name,
            endpoint.interface,
            id=relation.id,
            remote_app_name=remote_app,
            local_app_data=relation.app_data.get(app, {}) if leader else {},
            local_unit_data=local_unit,
            remote_app_data=relation.app_data.get(remote_app, {}),
            remote_units_data=remote,
        )
    if departing is not None:
        _keep_departing(projected, _unit_number(departing), relation.unit_data.get(departing, {}))
    return projected


def _network(name: str, machine: model.Machine | None, space: str) -> testing.Network:
    """``network-get NAME``: the unit machine's devices and addresses in the bound space.

    Juju answers with one bind address per device (its name and MAC) holding that device's
    addresses with their subnets; the ingress address is the first of them and the egress
    subnet its host route (juju/juju ``core/network`` ``NetworkInfo``; ops' ``Network``).
    """
    found = _bound(machine, space)
    devices: dict[str, list[model.MachineAddress]] = {}
    for address in found:
        devices.setdefault(address.interface, []).append(address)
    return testing.Network(
        name,
        bind_addresses=[
            testing.BindAddress(
                [testing.Address(a.ip, cidr=a.cidr or iproute.subnet_of(a.ip)) for a in on],
                interface_name=device,
                mac_address=on[0].mac or None,
            )
            for device, on in devices.items()
        ],
        ingress_addresses=[a.ip for a in found[:1]],
        egress_subnets=[f'{a.ip}/{32 if ":" not in a.ip else 128}' for a in found[:1]],
    )


@functools.lru_cache(maxsize=4096)
def _bound(machine: model.Machine | None, space: str) -> list[model.MachineAddress]:
    if machine is None:
        return [model.MachineAddress('', '', '192.0.2.0', '192.0.2.0/24')]
    return bindings.addresses_in(machine, space)


def ingress_address(m: model.Model, unit: model.Unit, endpoint: str) -> str:
    """The unit's address for ``endpoint``: the first one in the space it is bound to."""
    app = m.applications[unit.application]
    space = app.bindings.get(endpoint) or app.bindings.get('') or bindings.ALPHA
    found = _bound(m.machines.get(unit.machine), space)
    return found[0].ip if found else ''


def default_unit_data(
    m: model.Model, unit: model.Unit, relation: model.Relation
) -> dict[str, str]:
    """What Juju puts in a unit's databag when it enters a relation's scope.

    The address is the ingress address of the unit's endpoint in that relation, by its
    binding.
    """
    endpoint = next((e.name for e in relation.endpoints if e.application == unit.application), '')
    address = ingress_address(m, unit, endpoint) or '192.0.2.0'
    return {
        'egress-subnets': f'{address}/32',
        'ingress-address': address,
        'private-address': address,
    }


def _secrets(m: model.Model, unit: model.Unit, leader: bool) -> list[testing.Secret]:
    app = unit.application
    secrets: list[testing.Secret] = []
    if not m.secrets:
        return secrets
    granted_relations = {r.id for r in m.relations_of(app)}
    for secret in m.secrets.values():
        latest = secret.revisions.get(secret.latest, {})
        if not latest:
            continue
        owned = (secret.owner_kind == 'app' and secret.owner == app) or (
            secret.owner_kind == 'unit' and secret.owner == unit.name
        )
        if owned:
            projected = testing.Secret(
                dict(latest),
                id=secret.id,
                owner='app' if secret.owner_kind == 'app' else 'unit',
                label=secret.label,
                description=secret.description,
                rotate=_ROTATE.get(secret.rotate or ''),
                expire=_datetime(secret.expire_at),
                remote_grants={rid: set(names) for rid, names in secret.grants.items()},
            )
            _set_revisions(projected, secret.latest, secret.latest)
            secrets.append(projected)
            continue
        if app not in secret.app_grants and not any(
            rid in granted_relations and (app in names or unit.name in names)
            for rid, names in secret.grants.items()
        ):
            continue
        consumer = secret.consumers.get(unit.name)
        tracked = consumer.tracked if consumer else secret.latest
        projected = testing.Secret(
            dict(secret.revisions.get(tracked, latest)),
            latest_content=dict(latest),
            id=secret.id,
            label=consumer.label if consumer else None,
        )
        _set_revisions(projected, tracked, secret.latest)
        secrets.append(projected)
    return secrets


def _set_revisions(secret: testing.Secret, tracked: int, latest: int) -> None:
    # Scenario numbers revisions from 1 per run; olm's are the model's.
    object.__setattr__(secret, '_tracked_revision', tracked)
    object.__setattr__(secret, '_latest_revision', latest)


def secret_revisions(secret: testing.Secret) -> tuple[int, int]:
    """(tracked, latest) revision of a secret in an output state."""
    return int(secret._tracked_revision), int(secret._latest_revision)


def _datetime(seconds: float | None) -> datetime.datetime | None:
    return None if seconds is None else datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _status(status: model.Status) -> Any:
    kind = _STATUS_TYPES.get(status.current)
    if kind is None:
        return testing.UnknownStatus()
    return kind(status.message)


def _port(text: str) -> Any:
    if text == 'icmp':
        return testing.ICMPPort()
    number, _, protocol = text.partition('/')
    return testing.UDPPort(int(number)) if protocol == 'udp' else testing.TCPPort(int(number))


def port_text(port: Any) -> str:
    """A Scenario port as Juju prints it (``80/tcp``, ``icmp``)."""
    if port.protocol == 'icmp':
        return 'icmp'
    return f'{port.port}/{port.protocol}'


def encode_stored(stored: testing.StoredState) -> dict[str, Any]:
    """A charm's StoredState as JSON-able data (its content is marshal-encoded, as ops does)."""
    return {
        'name': stored.name,
        'owner_path': stored.owner_path,
        'content': base64.b64encode(marshal.dumps(dict(stored.content))).decode(),
    }


def decode_stored(data: Mapping[str, Any]) -> testing.StoredState:
    """Inverse of :func:`encode_stored`."""
    content = marshal.loads(base64.b64decode(data['content']))  # noqa: S302 - our own data
    return testing.StoredState(data['name'], owner_path=data['owner_path'], content=content)


def encode_deferred(event: testing.DeferredEvent) -> dict[str, Any]:
    """A deferred event as JSON-able data."""
    return {
        'handle_path': event.handle_path,
        'owner': event.owner,
        'observer': event.observer,
        'snapshot': base64.b64encode(marshal.dumps(dict(event.snapshot_data))).decode(),
    }


def decode_deferred(data: Mapping[str, Any]) -> testing.DeferredEvent:
    """Inverse of :func:`encode_deferred`."""
    snapshot = marshal.loads(base64.b64decode(data['snapshot']))  # noqa: S302 - our own data
    return testing.DeferredEvent(
        data['handle_path'], data['owner'], data['observer'], snapshot_data=snapshot
    )
