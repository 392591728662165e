"""Juju's undertaker: a model destroyed, its units torn down and its machines released."""

# pyright: strict

from __future__ import annotations

from ..state import model
from ._applications import Applications
from ._context import Context, load_model
from ._errors import EngineError

__all__ = ['Undertaker']


class Undertaker:
    """``juju destroy-model``."""

    def __init__(self, context: Context, applications: Applications) -> None:
        self.context = context
        self.applications = applications

    def destroy_model(self, *, force: bool = False, no_wait: bool = False) -> list[model.Machine]:
        """``juju destroy-model``: tear the model down and release its machines to the pool.

        Every application is removed first, so each unit runs its teardown hooks (departing
        its relations, ``stop``, ``remove``) as under Juju. A unit whose teardown fails keeps
        the model alive unless ``force``, as Juju's ``--force`` skips what cannot finish;
        ``no_wait`` (with ``force``) runs no teardown hook at all.

        Returns:
            The model's machines, all released to the pool by the end.

        Raises:
            EngineError: a unit could not be torn down (without ``force``).
        """
        store = self.context.store
        with store.snapshot() as txn:
            m = load_model(txn)
        machines = sorted(m.machines.values(), key=lambda x: int(x.id))
        names = sorted([*m.applications, *m.remote_applications])
        if names:
            try:
                self.applications.remove_application(names, force=force, no_wait=force and no_wait)
            except Exception:
                # juju/juju cmd/juju/model/destroy.go: "--force: Force destroy model ignoring
                # any errors"; the model goes whatever its charms did.
                if not force:
                    raise
            with store.snapshot() as txn:
                m = load_model(txn)
            stuck = sorted(m.units, key=model.natural_key)
            if stuck and not force:
                raise EngineError(
                    f'cannot destroy model "{m.name}": units still being removed: '
                    + ', '.join(f'{u} ({m.units[u].agent.message or m.units[u].agent.current})'
                                for u in stuck)
                    + '; resolve them, or use --force'
                )  # fmt: skip
        with store.exclusive(), store.transaction() as txn:
            for machine in txn.machines():
                txn.pool.release(machine.instance_id, comment='Released by olm (model destroyed)')
            txn.delete_model()
        return machines
