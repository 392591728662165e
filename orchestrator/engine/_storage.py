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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast

from .. import cloud
from ..juju import storage as juju_storage
from ..state import model
from ..state.store import Transaction
from ..views import storage as storage_view
from . import _names
from ._context import Context, load_model
from ._deferred import sim
from ._errors import EngineError
from ._machines import sim_disks
from ._session import Session

__all__ = [
    'StorageInstance',
    'StoragePools',
    'attach',
    'attach_local',
    'cloud_pools',
    'model_pools',
    'place_storage',
    'volumes',
]


StorageInstance = storage_view.Instance
"""One storage instance as ``juju storage`` lists it."""


class StoragePools:
    """``juju storage-pools``, ``create-storage-pool``, ``storage`` and ``add-storage``."""

    def __init__(
        self, context: Context, settle: Callable[[Session], object] | None = None
    ) -> None:
        self.context = context
        self._settle = settle

    def agents_run(self, s: Session) -> None:
        """Settle after a change (the unit agents' loop, given by the engine)."""
        if self._settle is not None:
            self._settle(s)

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

    def storage(self) -> list[StorageInstance]:
        """Every storage instance of the model (``juju storage``), by id."""
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
            pools = model_pools(txn)
        found: list[StorageInstance] = []
        for unit in m.units.values():
            app = m.applications.get(unit.application)
            if app is None:
                continue
            spec = self.context.spec(app)
            try:
                wanted = juju_storage.instances(spec.name, spec.storage, app.storage, pools)
            except juju_storage.StorageError:
                wanted = []
            for storage_id, location in unit.storage.items():
                store = storage_id.split('/')[0]
                instance = next((i for i in wanted if i.store == store), None)
                kind = str(spec.storage.get(store, {}).get('type', 'filesystem'))
                found.append(
                    StorageInstance(
                        id=storage_id,
                        unit=unit.name,
                        machine=unit.machine,
                        kind=kind,
                        pool=instance.pool if instance else 'maas',
                        provider=instance.provider if instance else 'maas',
                        location=location,
                        size_mib=instance.size_mib if instance else 0.0,
                        attached=storage_id in unit.progress.storage_attached,
                    )
                )
        return sorted(found, key=lambda i: model.natural_key(i.id))

    def add_storage(self, unit_name: str, store: str, directive: str) -> list[str]:
        """``juju add-storage UNIT STORE=DIRECTIVE``: new instances; the unit attaches them.

        Machine-local pools only: a ``maas`` volume is a disk MAAS matched when it allocated
        the machine, and a deployed machine gets no new disk.

        Raises:
            EngineError: no such unit or store, a bad directive, a MAAS pool, or more
                instances than the store takes (nothing is added).
        """
        with self.context.session() as s:
            unit = _names.unit(s.model, unit_name)
            app = s.model.applications[unit.application]
            spec = self.context.spec(app)
            decl = spec.storage.get(store)
            if decl is None:
                raise EngineError(
                    f'adding storage to unit {unit.name}: charm storage "{store}" not found'
                )
            with s.transaction() as txn:
                pools = model_pools(txn)
                try:
                    # The count range is checked below, against the instances the unit has.
                    unbounded = {**decl, 'multiple': {'range': '0-'}}
                    wanted = juju_storage.instances(
                        spec.name, {store: unbounded}, {store: directive}, pools
                    )
                except juju_storage.StorageError as error:
                    raise EngineError(f'adding storage to unit {unit.name}: {error}') from None
                have = sum(1 for sid in unit.storage if sid.split('/')[0] == store)
                high = _store_maximum(decl)
                if high is not None and have + len(wanted) > high:
                    raise EngineError(
                        f'adding storage to unit {unit.name}: charm "{spec.name}" store '
                        f'"{store}": at most {high} instances supported, '
                        f'{have + len(wanted)} specified'
                    )
                if any(i.provider == 'maas' for i in wanted):
                    raise EngineError(
                        f'adding storage to unit {unit.name}: pool "{wanted[0].pool}" is a MAAS '
                        'pool, whose volumes are disks MAAS matched when it allocated the '
                        'machine; add storage from a loop, rootfs or tmpfs pool'
                    )
                added: list[str] = []
                for instance in wanted:
                    storage_id = f'{store}/{txn.next_sequence(f"storage:{store}")}'
                    unit.storage[storage_id] = local_location(
                        txn, unit.machine, storage_id, instance, decl
                    )
                    added.append(storage_id)
                s.model.touch('unit', unit.name)
                s.candidates.add(unit.name)
            self.agents_run(s)
            return added


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


def attach_local(
    context: Context, txn: Transaction, app: model.Application, machine: str
) -> dict[str, str]:
    """The storage instances made on the unit's machine itself: id -> location.

    ``rootfs`` and ``tmpfs`` filesystems, and ``loop`` devices: Juju's machine-scoped
    providers (juju/juju ``internal/storage/provider``), which need nothing of MAAS. A
    filesystem's location is its mount point (:func:`orchestrator.juju.storage.mount_point`); a
    loop device's is ``/dev/loopN``. The directories are made on the simulated machine before
    the unit's next hook (:func:`place_storage`).

    Raises:
        EngineError: for a directive Juju would refuse.
    """
    spec = context.spec(app)
    try:
        wanted = juju_storage.instances(spec.name, spec.storage, app.storage, model_pools(txn))
    except juju_storage.StorageError as error:
        raise EngineError(f'cannot add application "{app.name}": {error}') from None
    found: dict[str, str] = {}
    for instance in wanted:
        if instance.provider == 'maas':
            continue
        storage_id = f'{instance.store}/{txn.next_sequence(f"storage:{instance.store}")}'
        found[storage_id] = local_location(
            txn, machine, storage_id, instance, spec.storage[instance.store]
        )
    return found


def local_location(
    txn: Transaction,
    machine: str,
    storage_id: str,
    instance: juju_storage.Instance,
    decl: Mapping[str, object],
) -> str:
    """Where a machine-local instance is: a filesystem's mount point, a loop device's node."""
    if instance.kind == 'block':
        return f'/dev/loop{txn.next_sequence(f"loop:{machine}")}'
    return juju_storage.mount_point(storage_id, decl)


def place_storage(unit: model.Unit, host: sim.SimHost) -> None:
    """Make the unit's filesystem mount points on its machine, where missing."""
    for location in unit.storage.values():
        if not location.startswith('/dev/') and not host.is_dir(location):
            host.mkdir(location)


def _store_maximum(decl: Mapping[str, object]) -> int | None:
    multiple = decl.get('multiple')
    if not isinstance(multiple, dict):
        return 1
    text = str(cast('dict[str, object]', multiple).get('range', '')).strip()
    low, dash, high = text.partition('-')
    if not dash:
        return int(low) if low.isdigit() else 1
    return int(high) if high.isdigit() else None
