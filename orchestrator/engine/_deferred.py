"""The modules the engine needs only to change the model or run hooks, loaded on first use.

Read-only commands such as ``olm status`` never load them: ops, Scenario, pydantic and the
emulated programs cost most of a short command's start-up (see :mod:`orchestrator.lazy`).
Type checkers see ordinary imports.
"""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_module

if TYPE_CHECKING:
    from .. import _compat, sim
    from ..agent import charm_venv, commit, dispatch, juju_exec, resolver, runner
    from ..cloud import inventory
    from ..juju import bundle as juju_bundle
    from ..juju import charmspec
    from ..views import plan
else:
    _compat = lazy_module('orchestrator._compat')
    charm_venv = lazy_module('orchestrator.agent.charm_venv')
    charmspec = lazy_module('orchestrator.juju.charmspec')
    commit = lazy_module('orchestrator.agent.commit')
    dispatch = lazy_module('orchestrator.agent.dispatch')
    inventory = lazy_module('orchestrator.cloud.inventory')
    juju_exec = lazy_module('orchestrator.agent.juju_exec')
    juju_bundle = lazy_module('orchestrator.juju.bundle')
    plan = lazy_module('orchestrator.views.plan')
    resolver = lazy_module('orchestrator.agent.resolver')
    runner = lazy_module('orchestrator.agent.runner')
    sim = lazy_module('orchestrator.sim')

__all__ = [
    '_compat',
    'charm_venv',
    'charmspec',
    'commit',
    'dispatch',
    'inventory',
    'juju_bundle',
    'juju_exec',
    'plan',
    'resolver',
    'runner',
    'sim',
]
