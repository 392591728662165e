"""The update-status timer: each started unit runs ``update-status`` once per interval.

juju/juju ``worker/uniter/timer.go`` (``NewUpdateStatusTimer``): a unit's uniter waits the
model's ``update-status-hook-interval`` (default ``5m``) randomised to 80-120% of it, then
runs ``update-status`` when it is idle. olm has no resident agents: the timer is read when a
command settles the model (deploy, config, integrate, run, wait …), and every unit whose
wait has passed runs its ``update-status`` then. A model nobody touches runs none, where
Juju's would keep running them; ``olm update-status`` runs them on demand.
"""

# pyright: strict

from __future__ import annotations

import json
import random

from ..juju import modelconfig
from ._modelconfig import setting
from ._session import Session

__all__ = ['schedule_update_status']

_DUE = 'update-status-due'
"""The model setting holding, per unit, when its next update-status is due."""


def schedule_update_status(s: Session, now: float, rng: random.Random) -> None:
    """Mark the units whose update-status wait has passed; start the wait of new ones."""
    with s.store.snapshot() as txn:
        interval = modelconfig.go_duration(
            str(setting(txn, modelconfig.UPDATE_STATUS_HOOK_INTERVAL))
        )
        due: dict[str, float] = json.loads(txn.get_setting(_DUE, '{}'))
    before = dict(due)
    ready = {
        name
        for name, unit in s.model.units.items()
        if unit.life == 'alive' and unit.progress.started and unit.progress.failure is None
    }
    due = {name: when for name, when in due.items() if name in ready}
    fired: list[str] = []
    for name in sorted(ready):
        when = due.get(name)
        if when is not None and now >= when:
            fired.append(name)
        if when is None or now >= when:
            due[name] = now + interval * (0.8 + 0.4 * rng.random())
    if due == before:
        return
    with s.transaction(machines=set()) as txn:
        txn.set_setting(_DUE, json.dumps(due, sort_keys=True))
        for name in fired:
            unit = s.model.units[name]
            unit.progress.update_status = True
            s.model.touch('unit', name)
            s.candidates.add(name)
