"""The olm engine: the operations a user asks of a model, done the way Juju's workers do them.

:class:`Engine` is a thin facade; each operation is done by one worker, named for the part of
Juju that does it:

- :mod:`._pool`: the metal pool, MAAS's side (import, release, mark broken or fixed);
- :mod:`._faults`: faults armed on the simulated machines, MAAS deployments and hooks;
- :mod:`._storage`: storage pools, and the volumes a unit's machine is allocated with;
- :mod:`._provisioner`: Juju's provisioner: machines allocated and deployed from the pool;
- :mod:`._deploy`: ``juju deploy`` of a charm or a bundle, and olm's plan of a bundle;
- :mod:`._applications`: applications and units (add-unit, remove-*, config, refresh ...);
- :mod:`._relations`: ``integrate``, ``remove-relation`` and consumed offers;
- :mod:`._agents`: the unit agents: the settle loop, resolve and update-status;
- :mod:`._operations`: ``juju run`` (actions) and ``juju exec``;
- :mod:`._secrets`: user secrets;
- :mod:`._reads` and :mod:`._undertaker`: the read-only commands, and destroy-model.

A change is validated first, so that a refusal changes nothing, and made in one store
transaction within a session (:mod:`._session`): the model and its simulated machines loaded
once under the store's writer lock. Then the unit agents *settle* it: each unit runs its next
hook (:func:`orchestrator.agent.resolver.next_hook`) through the runner, committed in its own
transaction (:mod:`orchestrator.agent.commit`), until no unit has anything left to do. Which
unit goes next is drawn from a seeded random generator, so one seed is one legal interleaving
and another seed another.

One process changes a model at a time (the store's writer lock); ``olm status`` reads alongside.
"""

# pyright: strict

from __future__ import annotations

from ..agent.hooks import RetryPolicy
from ._agents import LOOP_HOOKS_BASE, LOOP_HOOKS_PER_UNIT
from ._engine import Engine
from ._errors import EngineError, SettleInterrupted, TaskNotScheduledError
from ._faults import DEPLOY_FAULT, HOOK_FAULT
from ._machines import hardware_text
from ._provisioner import START_ATTEMPTS
from ._reports import (
    AddUnitReport,
    DeployReport,
    ExecResult,
    ImportProgress,
    ProgressReports,
    Provisioned,
    SettleProgress,
    SettleResult,
    StatusData,
)

__all__ = [
    'DEPLOY_FAULT',
    'HOOK_FAULT',
    'LOOP_HOOKS_BASE',
    'LOOP_HOOKS_PER_UNIT',
    'START_ATTEMPTS',
    'AddUnitReport',
    'DeployReport',
    'Engine',
    'EngineError',
    'ExecResult',
    'ImportProgress',
    'ProgressReports',
    'Provisioned',
    'RetryPolicy',
    'SettleInterrupted',
    'SettleProgress',
    'SettleResult',
    'StatusData',
    'TaskNotScheduledError',
    'hardware_text',
]
