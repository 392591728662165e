"""olm's own model as the dashboard's source: its status, its pool, its event log, its secrets.

The status and secrets are the very documents ``olm status --format json`` and ``olm secrets
--format json`` print, read by the same reader as a real controller's. The metal view is the
pool itself (every machine with its zone, resource pool, MAAS status, hardware and tags, the
model's machines first), which a real controller does not show; the free capacity is what
``olm plan`` reports as headroom, for each deployed application's shape. Every machine here is
simulated, and the snapshot says so.

Change is seen through sqlite's ``data_version`` (:meth:`Store.data_version
<orchestrator.state.store.Store.data_version>`): any commit by another ``olm`` process (each
hook of a settle commits) makes the next poll read the model again; an idle model costs one
pragma per poll.
"""

# pyright: strict

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

from ..cloud import Machine as PoolMachine
from ..cloud import MachineNotFoundError
from ..engine import Engine
from ..state.store import Store
from ..views import status
from ._juju_documents import StatusReading, read_secrets, read_status
from ._snapshot import Capacity, HookRun, MetalMachine, Snapshot

__all__ = ['OlmSource']

HOOKS_KEPT = 5000
"""The newest hook runs the timeline keeps: a settle of 1,000 workers runs ~22,000."""
MACHINES_DRAWN = 1000
"""The most pool machines the metal view draws (the model's first); a note counts the rest."""


class OlmSource:
    """The model of one olm state directory, read in the server's worker thread."""

    def __init__(self, store: Store) -> None:
        # Opened in the worker thread on first use: sqlite connections stay in their thread.
        self._template = store
        self._engine: Engine | None = None
        self._version: int | None = None
        self._hooks: collections.deque[HookRun] = collections.deque(maxlen=HOOKS_KEPT)
        self._last_seq = 0

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(self._template.reopened())
        return self._engine

    def describe(self) -> str:
        return f'olm model {self.engine.store.model} (simulated machines)'

    def changed(self) -> bool:
        version = self.engine.store.data_version()
        if version == self._version:
            return False
        self._version = version
        return True

    def snapshot(self) -> Snapshot:
        engine = self.engine
        data = engine.status_view()
        reading = read_status(status.to_dict(engine.model_view(data)))
        metal, notes = self._metal(reading)
        if data.unfinished:
            notes = (data.unfinished, *notes)
        return Snapshot(
            source=self.describe(),
            model=reading.model,
            simulated=True,
            applications=reading.applications,
            relations=reading.relations,
            units=reading.units,
            metal=metal,
            capacity=tuple(
                Capacity(h.application, h.constraints, h.spaces, h.more) for h in engine.headroom()
            ),
            hooks=tuple(self._new_hooks()),
            secrets=read_secrets(engine.secrets()),
            offers=tuple(offer.name for offer, _ in engine.offers(engine.store.model)),
            notes=notes,
        )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.store.close()

    def _new_hooks(self) -> collections.deque[HookRun]:
        for entry in self.engine.debug_log(after=self._last_seq):
            self._hooks.append(
                HookRun(
                    seq=entry.seq,
                    time=entry.time,
                    unit=entry.unit,
                    hook=entry.event,
                    outcome=entry.outcome,
                    # The line debug-log shows beside a failure; a success's detail is its logs.
                    detail=entry.detail.splitlines()[0]
                    if entry.detail and entry.outcome != 'ok'
                    else '',
                )
            )
            self._last_seq = max(self._last_seq, entry.seq)
        return self._hooks

    def _metal(self, reading: StatusReading) -> tuple[tuple[MetalMachine, ...], tuple[str, ...]]:
        """The pool's machines, the model's first, and a note of those not drawn."""
        # The model's machines by the MAAS system id they run on (Juju's instance id).
        in_model = {m.system_id: m for m in reading.machines if m.system_id not in ('', 'pending')}
        drawn: dict[str, MetalMachine] = {}
        with self.engine.reading_pool() as pool:
            total = len(pool)
            for system_id, used in in_model.items():
                machine = _get(pool.get, system_id)
                if machine is not None:
                    drawn[system_id] = _metal_machine(machine, used)
            # The rest by hostname, until the view holds MACHINES_DRAWN: a 100k-machine pool
            # is read no further than that.
            for machine in pool:
                if len(drawn) >= MACHINES_DRAWN:
                    break
                drawn.setdefault(machine.system_id, _metal_machine(machine, None))
        notes: tuple[str, ...] = ()
        if total > len(drawn):
            notes = (f'{total - len(drawn)} more pool machines are not drawn '
                     f'(the first {MACHINES_DRAWN}: olm pool list shows every one).',)  # fmt: skip
        return tuple(drawn.values()), notes


def _get(get: Callable[[str], PoolMachine], system_id: str) -> PoolMachine | None:
    try:
        return get(system_id)
    except MachineNotFoundError:
        return None


def _metal_machine(machine: PoolMachine, used: MetalMachine | None) -> MetalMachine:
    """A pool machine as drawn; ``used``: the model's machine on it, as status reports it."""
    return MetalMachine(
        hostname=machine.hostname,
        machine=used.machine if used else '',
        system_id=machine.system_id,
        zone=machine.zone,
        pool=machine.pool,
        status=machine.status.label,
        arch=machine.arch,
        cores=machine.cores,
        memory_mib=machine.memory,
        disks=tuple(_disk(d.name, d.size, d.tags) for d in machine.disks),
        tags=tuple(sorted(machine.tags)),
        units=used.units if used else (),
        message=machine.status_message,
    )


def _disk(name: str, size: int, tags: Iterable[str]) -> str:
    labels = ','.join(sorted(tags))
    return f'{name} {size / 1e9:.0f} GB' + (f' ({labels})' if labels else '')
