"""olm's changes to Scenario's stand-in for ``ops.main`` (``scenario/_ops_main_mock.py`` ``Ops``).

Each acts only during olm's own runs (:func:`._scope.olm_run`); any other Scenario run gets the
original method:

- ``Ops._load_charm_meta``: ops parses the metadata YAML on every run; olm's charm directories
  never change, so the parsed metadata is kept per directory (:meth:`CharmRoots.meta`);
- ``Ops._make_storage``: Scenario opens a fresh in-memory SQLite database per run only to copy
  stored state and deferred events in and out; olm's runs use :class:`MemoryStorage`;
- ``Ops._get_event_to_emit``: Scenario raises ``NoObserverError`` for an event the charm's
  ``on`` does not define; ``ops.main`` logs ``Event <name> not defined for <charm>.`` at debug
  and emits nothing, the hook succeeding (ops 3.9 ``ops/_main.py``
  ``_Manager._get_event_to_emit`` and ``_emit_charm_event``: "do not error out ... This is to
  support rollbacks"). olm's runs do as ops does, deferred events and collect-status included;
- Scenario tries ``import ops_tracing._mock`` on every run; where ops_tracing is not installed
  that is a failed search of every ``sys.path`` entry each time (failures are not cached). A
  None entry in ``sys.modules`` makes the import fail at once, with the same ImportError.
"""

# pyright: strict
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false, reportUnknownVariableType=false

from __future__ import annotations

import importlib.util
import pickle
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import ops
import ops.storage
from ops import _main as _ops_main
from scenario import _ops_main_mock

from . import _scope

__all__ = [
    'MemoryStorage',
    'original_get_event_to_emit',
    'original_load_charm_meta',
    'original_make_storage',
]

original_load_charm_meta: Callable[[Any], ops.CharmMeta] = _ops_main_mock.Ops._load_charm_meta
original_make_storage: Callable[[Any, Any], Any] = _ops_main_mock.Ops._make_storage
original_get_event_to_emit: Callable[[Any, str], Any] = _ops_main_mock.Ops._get_event_to_emit


class MemoryStorage:
    """ops' framework storage in a dict: what ``SQLiteStorage(':memory:')`` does, cheaper.

    Scenario opens a fresh in-memory SQLite database per run (connect, pragma, two CREATE
    TABLEs) only to copy stored state and deferred events in and out: about a sixth of a small
    hook's time. Values are pickled as SQLite storage pickles them, so a charm storing what
    Juju's storage could not keep fails here too, and nothing aliases the charm's objects.
    The methods are those of ``ops.storage.SQLiteStorage`` (ops/storage.py).
    """

    def __init__(self) -> None:
        self._snapshots: dict[str, bytes] = {}
        self._notices: list[tuple[str, str, str]] = []

    def close(self) -> None:
        """Nothing to release."""

    def commit(self) -> None:
        """Writes take effect at once."""

    def save_snapshot(self, handle_path: str, snapshot_data: Any) -> None:
        """Keep ``snapshot_data`` (pickled) under ``handle_path``."""
        self._snapshots[handle_path] = pickle.dumps(snapshot_data)

    def load_snapshot(self, handle_path: str) -> Any:
        """The snapshot kept under ``handle_path``; ops' NoSnapshotError if there is none."""
        try:
            return pickle.loads(self._snapshots[handle_path])  # noqa: S301 - the charm's own data
        except KeyError:
            raise ops.storage.NoSnapshotError(handle_path) from None

    def drop_snapshot(self, handle_path: str) -> None:
        """Forget the snapshot under ``handle_path``."""
        self._snapshots.pop(handle_path, None)

    def list_snapshots(self) -> Generator[str]:
        """Every handle path with a snapshot."""
        yield from list(self._snapshots)

    def save_notice(self, event_path: str, observer_path: str, method_name: str) -> None:
        """Record a deferred event's notice."""
        self._notices.append((event_path, observer_path, method_name))

    def drop_notice(self, event_path: str, observer_path: str, method_name: str) -> None:
        """Forget a notice."""
        notice = (event_path, observer_path, method_name)
        self._notices = [n for n in self._notices if n != notice]

    def notices(self, event_path: str | None = None) -> Generator[tuple[str, str, str]]:
        """The notices, of one event path or of all."""
        yield from [n for n in self._notices if not event_path or n[0] == event_path]


def _load_charm_meta(self: Any) -> ops.CharmMeta:
    roots = _scope.current_roots()
    root = Path(self._charm_root)
    if roots is None or root not in roots:
        return original_load_charm_meta(self)
    return roots.meta(root, lambda: original_load_charm_meta(self))


def _make_storage(self: Any, dispatcher: Any) -> Any:
    if _scope.current_roots() is None:
        return original_make_storage(self, dispatcher)
    storage = MemoryStorage()
    self.store = _ops_main_mock.UnitStateDB(storage)  # pyright: ignore[reportArgumentType]
    self.store.apply_state(self.state)
    return storage


def _get_event_to_emit(self: Any, event_name: str) -> Any:
    if _scope.current_roots() is None or self.event._is_custom_event:
        return original_get_event_to_emit(self, event_name)
    owner = self._get_owner(self.charm, self.event.owner_path)
    found = getattr(owner, event_name, None)
    if found is None:
        _ops_main.logger.debug('Event %s not defined for %s.', event_name, self.charm)
    return found


_ops_main_mock.Ops._get_event_to_emit = _get_event_to_emit  # pyright: ignore[reportAttributeAccessIssue]
_ops_main_mock.Ops._load_charm_meta = _load_charm_meta  # pyright: ignore[reportAttributeAccessIssue]
_ops_main_mock.Ops._make_storage = _make_storage  # pyright: ignore[reportAttributeAccessIssue]

if importlib.util.find_spec('ops_tracing') is None:
    sys.modules.setdefault('ops_tracing', None)  # pyright: ignore[reportArgumentType]
