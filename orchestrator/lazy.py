"""Modules imported on first use, so that a read-only ``olm`` command starts fast.

``olm status`` and its kin read the store and print; they never run a hook. Importing ops,
Scenario, pydantic and the emulated programs cost them about 0.3 s of each command's 0.5 s,
and jubilant runs ``status`` once a second while it waits. A module named here is executed the
first time one of its attributes is read (:class:`importlib.util.LazyLoader`), so the commands
that run hooks pay for it and the others do not. Type checkers see ordinary imports (under
``TYPE_CHECKING``), so nothing is lost to them.
"""

# pyright: strict

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

__all__ = ['lazy_module']


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, executed when one of its attributes is first read.

    A module that is already imported is returned as it is.
    """
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f'No module named {name!r}', name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
