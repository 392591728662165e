"""One command's hold on the model: loaded once, changed in memory, committed as it goes.

A session holds the store's writer lock for the whole command (see :meth:`Context.session
<orchestrator.engine._context.Context.session>`), so the model and the simulated machines are
read once and kept in memory; each change (an operation's own, then every hook) is written in
its own store transaction, which writes only what changed.
"""

# pyright: strict

from __future__ import annotations

import bisect
import contextlib
import hashlib
import random
from collections.abc import Generator, Iterable
from typing import Any

from ..state import model
from ..state.store import LogEntry, Store, Transaction
from ._deferred import runner, sim
from ._reports import Provisioned

__all__ = ['Candidates', 'Session']


class Candidates:
    """Units that may have a hook to run, kept in name order for the seeded choice.

    The settle loop picks one at random after every hook; sorting the whole set each time
    cost more than the pick as models grew (a set's order is not stable across runs, so
    some order is needed for ``--seed`` to mean anything).
    """

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._order: list[str] = []

    def add(self, name: str) -> None:
        """Add a unit (once)."""
        if name not in self._names:
            self._names.add(name)
            bisect.insort(self._order, name)

    def __ior__(self, names: Iterable[str]) -> Candidates:
        for name in names:
            self.add(name)
        return self

    def discard(self, name: str) -> None:
        """Drop a unit that has nothing left to do."""
        if name in self._names:
            self._names.remove(name)
            del self._order[bisect.bisect_left(self._order, name)]

    def choice(self, rng: random.Random) -> str:
        """The unit that goes next, drawn from ``rng``."""
        return rng.choice(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __len__(self) -> int:
        return len(self._order)


class Session:
    """One command's hold on the model: loaded once, committed hook by hook.

    Attributes:
        model: the model, as changed so far.
        world: the simulated machines the model's machines run on.
        log: event log entries not yet written.
        candidates: units that may have a hook to run.
        provisioned: the machines started in this session, and why each.
    """

    def __init__(
        self, store: Store, m: model.Model, world: sim.World, secret_sequence: int
    ) -> None:
        self.store = store
        self.model = m
        self.world = world
        self.log: list[LogEntry] = []
        self.candidates = Candidates()
        self.secret_sequence = secret_sequence
        self._sequence_dirty = False
        self.saved_machines: dict[str, str] = {}
        self.saved_shared = ''
        self.provisioned: list[Provisioned] = []
        self._shared_mark: tuple[int, int] | None = None
        self.saved_versions: dict[str, int] = {}
        self.linked_models: set[str] = set()
        """Models this one has cross-model relations with (settled after it: _crossmodel)."""

    def next_secret_id(self) -> str:
        """A Juju-shaped secret id (20 base32hex characters), unique per model instance.

        Derived from the model's uuid, which is random per model (``new_model_uuid``), and the
        model's secret sequence: no other model, in this state directory or another, makes it.
        """
        self.secret_sequence += 1
        self._sequence_dirty = True
        digest = hashlib.sha256(
            f'{self.model.uuid or runner.MODEL_UUID}:{self.secret_sequence}'.encode()
        ).digest()
        alphabet = '0123456789abcdefghijklmnopqrstuv'
        number = int.from_bytes(digest[:13])
        chars = [alphabet[(number >> (5 * i)) & 31] for i in range(20)]
        return 'secret:' + ''.join(chars)

    @contextlib.contextmanager
    def transaction(self, machines: set[str] | None = None) -> Generator[Transaction]:
        """A store transaction that also writes every model record changed inside it.

        Args:
            machines: the simulated machines that may have changed (a hook touches only its
                own); None checks them all.
        """
        with self.store.transaction() as txn:
            yield txn
            self.flush(txn, machines)

    def flush(self, txn: Transaction, machines: set[str] | None = None) -> None:
        """Write the changed model records, simulated machines and event log entries."""
        m = self.model
        puts: dict[str, list[tuple[str, Any]]] = {}
        deletes: dict[str, list[str]] = {}
        for kind, key in sorted(m.dirty):
            data = m.record(kind, key)
            if data is None:
                deletes.setdefault(kind, []).append(key)
            else:
                puts.setdefault(kind, []).append((key, data))
        for kind, keys in deletes.items():
            txn.delete_records(kind, keys)
        for kind, records in puts.items():
            txn.put_records(kind, records)
        m.dirty.clear()
        self._flush_world(txn, machines)
        if self._sequence_dirty:
            txn.set_setting('secret-sequence', str(self.secret_sequence))
            self._sequence_dirty = False
        if self.log:
            txn.append_log(self.log)
            self.log.clear()

    def _flush_world(self, txn: Transaction, machines: set[str] | None) -> None:
        # Dumping every machine after every hook would cost O(machines) per hook; a hook only
        # changes its own machine and the shared facts, so only those are compared (nor is
        # the world's machine list copied for them: that too was O(machines) per hook).
        if machines is None:
            known = set(self.world.machines)
            candidates = known | set(self.saved_machines)
        else:
            known = {machine_id for machine_id in machines if self._in_world(machine_id)}
            candidates = machines
        for machine_id in sorted(candidates):
            if machine_id not in known:
                if self.saved_machines.pop(machine_id, None) is not None:
                    txn.delete_records('sim-machine', [machine_id])
                continue
            # A machine nothing touched since its last dump (no program run, no file written:
            # SimHost.version) dumps the same; most hooks touch none.
            version = self.world.host(machine_id).version
            if self.saved_versions.get(machine_id) == version:
                continue
            self.saved_versions[machine_id] = version
            dump = self.world.dump_machine(machine_id)
            if self.saved_machines.get(machine_id) != dump:
                self.saved_machines[machine_id] = dump
                txn.put_records('sim-machine', [(machine_id, dump)])
        # The shared facts change only when a program runs or the faults change: a hook that
        # ran no program skips dumping them (a JSON of every simulated cluster).
        mark = (self.world.activity, self.world.faults.version)
        if mark == self._shared_mark:
            return
        self._shared_mark = mark
        shared = self.world.dump_shared()
        if shared != self.saved_shared:
            self.saved_shared = shared
            txn.put_records('sim-shared', [('', shared)])

    def _in_world(self, machine_id: str) -> bool:
        try:
            self.world.host(machine_id)
        except sim.UnknownMachineError:
            return False
        return True
