"""Storage pools and the volumes a unit's machine is allocated with.

The pools a model sees are Juju's built-in ones, the cloud's (a pool file's ``storage-pools``,
as model-defaults would give every model) and the model's own (``juju create-storage-pool``).
A unit's storage directives become MAAS storage constraints when its machine is allocated, and
the disks MAAS matched become the unit's storage instances, as Juju's storage provisioner
records them for a MAAS machine.
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from .. import cloud
from ..juju import storage as juju_storage
from ..state import model
from ..state.store import Transaction
from ._context import Context
from ._deferred import sim
from ._errors import EngineError
from ._machines import sim_disks

__all__ = ['StoragePools', 'attach', 'cloud_pools', 'model_pools', 'volumes']


class StoragePools:
    """``juju storage-pools`` and ``juju create-storage-pool``."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def storage_pools(self) -> dict[str, juju_storage.StoragePool]:
        """The model's storage pools, the built-in ones included (``juju storage-pools``)."""
        with self.context.store.snapshot() as txn:
            return model_pools(txn)

    def create_storage_pool(
        self, name: str, provider: str, attrs: Mapping[str, str]
    ) -> juju_storage.StoragePool:
        """``juju create-storage-pool NAME PROVIDER [k=v ...]``.

        Raises:
            juju_storage.StorageError: for a bad name or provider, or a name already taken.
        """
        pool = juju_storage.StoragePool.create(name, provider, attrs)
        with self.context.store.transaction() as txn:
            known = model_pools(txn)
            if name in known:
                raise juju_storage.StorageError(f'pool "{name}" already exists')
            _put_model_pools(txn, [*known.values(), pool])
        return pool


def model_pools(txn: Transaction) -> dict[str, juju_storage.StoragePool]:
    """Built-in, then the cloud's (pool files), then the model's own pools."""
    pools = dict(juju_storage.BUILTIN_POOLS)
    pools.update(cloud_pools(txn))
    pools.update(_decode(txn.get_setting('storage-pools')))
    return pools


def cloud_pools(txn: Transaction) -> dict[str, juju_storage.StoragePool]:
    """The pools the pool files brought, which every model has."""
    return _decode(txn.get_cloud_setting('storage-pools'))


def _put_model_pools(txn: Transaction, pools: Iterable[juju_storage.StoragePool]) -> None:
    shared = {*juju_storage.BUILTIN_POOLS, *cloud_pools(txn)}
    created = {p.name: p.to_json() for p in pools if p.name not in shared}
    txn.set_setting('storage-pools', json.dumps(created, sort_keys=True))


def _decode(text: str) -> dict[str, juju_storage.StoragePool]:
    return {
        name: juju_storage.StoragePool(name, data['provider'], data.get('attrs', {}))
        for name, data in json.loads(text or '{}').items()
    }


def volumes(
    context: Context, txn: Transaction, app: model.Application
) -> list[juju_storage.Volume]:
    """The MAAS volumes one unit of ``app`` asks for (its storage directives).

    Raises:
        EngineError: for a directive Juju would refuse (unknown pool, bad count).
    """
    spec = context.spec(app)
    try:
        return juju_storage.volumes(spec.name, spec.storage, app.storage, model_pools(txn))
    except juju_storage.StorageError as error:
        raise EngineError(f'cannot add application "{app.name}": {error}') from None


def attach(
    txn: Transaction,
    machine: model.Machine,
    wanted: Sequence[juju_storage.Volume],
    storage: str,
) -> dict[str, str]:
    """Storage instances for the volumes of a unit's new machine: id -> device path.

    The disks are the ones MAAS matched to the volume labels when it allocated the machine
    (``constraints_by_type.storage``); the ids are Juju's, ``<store>/<n>`` numbered across
    the model. The path (``storage-get location``) is the disk's MAAS ``id_path``, a
    ``/dev/disk/by-id`` link for a disk with a serial, as Juju reports it (see
    :func:`orchestrator.sim.host.maas_id_path`).
    """
    deployed = txn.pool.get(machine.instance_id)
    matched = cloud.storage.match(cloud.storage.parse(storage), deployed)
    if matched is None:  # the pool handed out this machine for these very items
        raise EngineError(f'machine {machine.id} lost the disks it was allocated for')
    disks = {d.name: d for d in sim_disks(deployed)}
    return {
        f'{volume.store}/{txn.next_sequence(f"storage:{volume.store}")}': (
            sim.host.maas_id_path(machine.hostname, disks[matched[str(index)]])
        )
        for index, volume in enumerate(wanted)
    }
