"""Modules imported on first use, so that a read-only ``olm`` command starts fast.

``olm status`` and its kin read the store and print; they never run a hook. Importing ops,
Scenario, pydantic and the emulated programs cost them about 0.3 s of each command's 0.5 s,
and jubilant runs ``status`` once a second while it waits. A module named here is executed
the first time one of its attributes is read (as :class:`importlib.util.LazyLoader` does), so
the commands that run hooks pay for it and the others do not. Type checkers see ordinary
imports (under ``TYPE_CHECKING``), so nothing is lost to them.

A module that fails to execute fails as a plain import would: the first attribute read raises
the module's own error (an untested ops release's ``OpsVersionError``, say), every later read
raises it again, and the module leaves ``sys.modules``, so that the next import tries afresh.
``LazyLoader`` left the half-executed module behind, so the next read said only ``no attribute
'Runner'``; and a load started by the import system's own look at ``__spec__`` (``from . import
runner`` in another lazily loaded module) failed silently, as ``cannot import name 'runner'``.
"""

# pyright: strict

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

__all__ = ['lazy_module']

# What the import system sets before a module runs, and reads to decide whether a module in
# sys.modules is ready (CPython's ``import_ensure_initialized`` reads ``__spec__`` and drops
# any error it raises: a load triggered there would fail silently, and ``from . import x``
# would then say only ``cannot import name 'x'``). Reading these does not run the module.
_IMPORT_ATTRIBUTES = frozenset({
    '__class__', '__dict__', '__spec__', '__name__', '__loader__', '__package__', '__path__',
    '__file__', '__cached__',
})  # fmt: skip


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, executed when one of its attributes is first read.

    A module that is already imported is returned as it is. Like ``import``, the module is
    bound in its parent package (``from . import name`` finds it).

    Raises:
        ModuleNotFoundError: there is no module ``name`` (at once, as ``import`` would).
    """
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f'No module named {name!r}', name=name)
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _LazyModule
    sys.modules[name] = module
    parent, _, child = name.rpartition('.')
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


class _LazyModule(ModuleType):
    """A module not yet executed: reading one of its names executes it first."""

    def __getattribute__(self, name: str) -> Any:
        if name in _IMPORT_ATTRIBUTES:
            return super().__getattribute__(name)
        _execute(self)
        return getattr(self, name)


class _FailedModule(ModuleType):
    """A lazily imported module whose execution failed: reading a name raises why."""

    def __getattribute__(self, name: str) -> Any:
        if name in _IMPORT_ATTRIBUTES:
            return super().__getattribute__(name)
        raise super().__getattribute__('__dict__')['__lazy_import_error__']


def _execute(module: ModuleType) -> None:
    # From here on the module is an ordinary one, being executed (as during ``import``).
    module.__class__ = ModuleType
    spec = module.__spec__
    assert spec is not None and spec.loader is not None
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        # As a failed import: the module leaves sys.modules (and its parent), so that the
        # next import runs it afresh; this object keeps raising the error it met.
        if sys.modules.get(spec.name) is module:
            del sys.modules[spec.name]
        parent, _, child = spec.name.rpartition('.')
        if parent and getattr(sys.modules.get(parent), child, None) is module:
            delattr(sys.modules[parent], child)
        module.__dict__['__lazy_import_error__'] = error
        module.__class__ = _FailedModule
        raise
