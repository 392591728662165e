"""Charm code imported so that two charms with the same module names live side by side.

Every charm has a module named ``charm``, most have ``workload``, and under Juju each runs in
a process of its own; olm runs them all in one, so each charm's modules are kept apart
(:class:`CharmLoader`) and put back in ``sys.modules`` only while one of its events runs.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import sys
import traceback
from collections.abc import Generator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ops

__all__ = ['CharmLoadError', 'CharmLoader', 'LoadedCharm']


class CharmLoadError(Exception):
    """A charm's code cannot be imported, or defines no charm class.

    Under Juju the same charm fails in its process, at every hook, with the traceback in the
    unit's log: the unit agent records the hook as failed (juju/juju
    ``internal/worker/uniter/uniter.go`` ``reportHookError``, commit 00771809:
    ``hook failed: "<hook>"``). The runner
    turns this error into that failed hook, so one charm that cannot load never stops a
    command; :attr:`traceback` is what goes to the event log.
    """

    def __init__(self, message: str, traceback: str = '') -> None:
        super().__init__(message)
        self.traceback = traceback or message + '\n'


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedCharm:
    """A charm class together with the modules its directory provided."""

    charm_type: type[ops.CharmBase]
    modules: dict[str, ModuleType]
    paths: tuple[str, ...]
    extra: tuple[str, ...] = ()
    """The charm's own installed packages, searched after olm's (:mod:`.charm_venv`)."""


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
        self._real: dict[Path, Path] = {}

    def _resolved(self, path: Path) -> Path:
        """``path.resolve()``, once per path a process sees (every hook asks; it is syscalls)."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = path.resolve()
        return real

    def loaded(self, path: Path) -> bool:
        """Whether the charm at ``path`` is imported already."""
        return self._resolved(path) in self._loaded

    def load(self, path: Path, *, extra: tuple[str, ...] = ()) -> LoadedCharm:
        """The charm class of a charm directory (imported once per process).

        ``extra`` are directories of the charm's own packages: they go at the *end* of
        ``sys.path`` while its code runs, so olm's ops (and any package olm has) is the one
        imported, and what only the charm has is found there.
        """
        path = self._resolved(path)
        if path in self._loaded:
            return self._loaded[path]
        paths = tuple(str(p) for p in (path / 'src', path / 'lib') if p.is_dir())
        for name in self._owned:
            sys.modules.pop(name, None)
        before = set(sys.modules)
        sys.path[:0] = paths
        sys.path.extend(extra)
        roots = (path, *(Path(e) for e in extra))
        try:
            module = importlib.import_module('charm')
        except (Exception, SystemExit) as e:  # whatever the charm's import raises
            raise CharmLoadError(
                f'cannot import charm code {path}/src/charm.py: {type(e).__name__}: {e}',
                ''.join(traceback.format_exception(e)),
            ) from e
        finally:
            del sys.path[: len(paths)]
            _drop_tail(extra)
            modules = {
                name: sys.modules[name]
                for name in set(sys.modules) - before
                if any(_within(sys.modules[name], root) for root in roots)
            }
            for name in modules:
                sys.modules.pop(name, None)
        self._owned.update(modules)
        loaded = LoadedCharm(_charm_class(module, path), modules, paths, extra)
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
        sys.path.extend(loaded.extra)
        try:
            yield
        finally:
            del sys.path[: len(loaded.paths)]
            _drop_tail(loaded.extra)
            root = Path(loaded.paths[0]).parent if loaded.paths else None
            roots = (*((root,) if root is not None else ()), *(Path(e) for e in loaded.extra))
            for name in set(sys.modules) - before:
                module = sys.modules[name]
                if any(_within(module, r) for r in roots):
                    loaded.modules[name] = module
                    self._owned.add(name)
                    saved.setdefault(name, None)
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module


def _drop_tail(extra: tuple[str, ...]) -> None:
    """Take the charm's package directories back off the end of ``sys.path``."""
    if extra and tuple(sys.path[-len(extra) :]) == extra:
        del sys.path[-len(extra) :]


def _within(module: ModuleType, path: Path) -> bool:
    file = getattr(module, '__file__', None)
    return file is not None and Path(file).resolve().is_relative_to(path)


def _charm_class(module: ModuleType, path: Path) -> type[ops.CharmBase]:
    """The charm class ``src/charm.py`` would pass to ``ops.main``: its most derived CharmBase."""
    import ops  # here: the olm command names CharmLoadError without importing ops

    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, ops.CharmBase) and c.__module__ == module.__name__
    ]
    leaves = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
    if len(leaves) != 1:
        found = ', '.join(sorted(c.__name__ for c in leaves)) or 'none'
        hint = (
            ''
            if leaves
            else ' (a class made only when charm.py runs as __main__, as Juju runs it, is not '
            "seen by olm's in-process runner, which imports it: deploy with --runner dispatch)"
        )
        raise CharmLoadError(
            f'{path}/src/charm.py must define exactly one charm class (ops.CharmBase), '
            f'found: {found}{hint}'
        )
    return leaves[0]
