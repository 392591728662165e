"""The pool's machines in the state database, found through sqlite's indexes.

A command reads the rows it needs and no more: ``olm add-machine`` on a 100k-machine pool reads
the cheapest Ready row that fits, not 100k rows. MAAS does the same in SQL (its allocation is a
Django query over ``maasserver_node`` with ``ORDER BY`` on the cost; canonical/maas
``src/maasserver/node_constraint_filter_forms.py``, ``AcquireNodeForm.filter_nodes`` then
``reorder_nodes_by_cost``; reference/juju-maas-semantics.md §MAAS allocate); the
pool's own rules (:class:`~orchestrator.cloud.Pool`) still decide, since every row read is
tested again with the request's filters in Python, so the SQL only narrows and orders.

In a transaction that may write, a machine's new state goes to its row at once (one UPDATE of
its status columns), so every query sees it through the indexes. In a read-only snapshot
(``olm plan``, which allocates to see where a bundle would land) changes stay in memory
(``_overlay``) and queries merge them with the rows, in MAAS's order; they go with the
snapshot. New machines (``olm pool import``) go to the database as they come, in the
transaction, so that a 100k-machine file never sits in memory.
"""

# pyright: strict

from __future__ import annotations

import collections
import heapq
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator

from ... import cloud
from ...cloud.index import Filters, Tally, maas_order, tally
from ._cipher import SecretsKey
from ._rows import (
    POOL_COLUMNS,
    POWER_INDEX,
    disks_from_data,
    machine_from_row,
    machine_to_row,
    spaces_text,
)
from ._schema import POWER_LABEL

_READY = int(cloud.Status.READY)
_COST = 'cores * 1024 + memory'
"""MAAS's cost times 1024, as the ``pool_ready`` indexes spell it (sqlite uses an expression
index only for the same expression)."""
_ORDER = f'ORDER BY {_COST}, hostname, system_id'
_NAME_TABLES = {
    'zone': 'SELECT 1 FROM pool_machines WHERE zone = ? LIMIT 1',
    'pool': 'SELECT 1 FROM pool_machines WHERE pool = ? LIMIT 1',
    'tag': 'SELECT 1 FROM pool_tags WHERE tag = ? LIMIT 1',
}
_INSERT = (
    f'INSERT INTO pool_machines ({POOL_COLUMNS}, spaces) '  # noqa: S608
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
)


class StoredIndex:
    """A :class:`~orchestrator.cloud.index.PoolIndex` over the ``pool_machines`` table.

    Args:
        conn: the connection, inside the transaction this index lives in.
        key: the state directory's key (power parameters are sealed).
        read_only: the transaction is a snapshot: changes stay in memory.
    """

    def __init__(
        self, conn: sqlite3.Connection, key: SecretsKey, *, read_only: bool = False
    ) -> None:
        self._conn = conn
        self._key = key
        self._read_only = read_only
        self._written: set[str] = set()
        """Machines changed in this transaction and already written (``read_only`` False)."""
        self._overlay: dict[str, cloud.Machine] = {}
        """Machines changed in this transaction, by system id."""
        self._committed: dict[str, cloud.Machine] = {}
        """The rows' versions of the machines in ``_overlay`` (what sqlite still holds)."""

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._conn.execute('SELECT COUNT(*) FROM pool_machines').fetchone()[0])

    def get(self, ref: str) -> cloud.Machine | None:
        """See :meth:`PoolIndex.get`."""
        found = self._overlay.get(ref)
        if found is not None:
            return found
        for column in ('system_id', 'hostname'):
            row = self._conn.execute(
                f'SELECT {POOL_COLUMNS} FROM pool_machines WHERE {column} = ?',  # noqa: S608
                (ref,),
            ).fetchone()
            if row is not None:
                return self._overlay.get(str(row[0])) or self._machine(row)
        return None

    def __iter__(self) -> Iterator[cloud.Machine]:
        cursor = self._conn.execute(
            f'SELECT {POOL_COLUMNS} FROM pool_machines ORDER BY hostname'  # noqa: S608
        )
        try:
            for row in cursor:
                yield self._overlay.get(str(row[0])) or self._machine(row)
        finally:
            cursor.close()

    def has_ready(self, count: int) -> bool:
        """See :meth:`PoolIndex.has_ready`: counts no further than it needs to."""
        ready = cloud.Status.READY
        committed = sum(1 for m in self._committed.values() if m.status is ready)
        # Up to ``count`` more rows than the changed machines can take away: enough to answer.
        limit = count + len(self._committed)
        (rows,) = self._conn.execute(
            'SELECT COUNT(*) FROM (SELECT 1 FROM pool_machines WHERE status = ? LIMIT ?)',
            (_READY, limit),
        ).fetchone()
        now = sum(1 for m in self._overlay.values() if m.status is ready)
        return int(rows) - committed + now >= count

    def candidates(
        self,
        request: cloud.AllocationRequest,
        filters: Filters,
        *,
        zone: str | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> Iterator[cloud.Machine]:
        """See :meth:`PoolIndex.candidates`."""
        passes = _passes(filters)
        rows = (
            machine
            for machine in self._rows(request, zone)
            if machine.system_id not in exclude and passes(machine)
        )
        changed = sorted(
            (
                m
                for m in self._overlay.values()
                if m.status is cloud.Status.READY
                and (zone is None or m.zone == zone)
                and m.system_id not in exclude
                and passes(m)
            ),
            key=maas_order,
        )
        if not changed:
            return rows
        return heapq.merge(rows, changed, key=maas_order)

    def count(self, request: cloud.AllocationRequest, filters: Filters) -> int:
        """See :meth:`PoolIndex.count`.

        Counted by sqlite when every criterion is indexed. A storage constraint reads a
        machine's disks alone (:func:`cloud.storage.match`), so it is tested once per distinct
        disk layout sqlite groups the indexed matches by, not once per machine; only subnets
        (a machine's links) make the count read and test each matching row.
        """
        if not _indexed(request):
            return sum(1 for _ in self.candidates(request, filters))
        where, params = _where(request, None)
        if request.storage:
            grouped = self._conn.execute(
                f'SELECT disks, COUNT(*) FROM pool_machines WHERE {where} GROUP BY disks',  # noqa: S608
                params,
            )
            count = sum(
                int(n)
                for disks, n in grouped
                if cloud.storage.match(request.storage, _with_disks(str(disks))) is not None
            )
        else:
            (count,) = self._conn.execute(
                f'SELECT COUNT(*) FROM pool_machines WHERE {where}',  # noqa: S608
                params,
            ).fetchone()
        passes = _passes(filters)
        ready = cloud.Status.READY
        return (
            int(count)
            - sum(1 for m in self._committed.values() if m.status is ready and passes(m))
            + sum(1 for m in self._overlay.values() if m.status is ready and passes(m))
        )

    def tally(self, request: cloud.AllocationRequest) -> Tally:
        """See :meth:`PoolIndex.tally`: counted by sqlite when the request is all indexed."""
        criteria = request.criteria()
        if not _exact(request):
            return tally(self, criteria)
        clauses = _criterion_clauses(request)
        assert len(clauses) == len(criteria), 'one clause per criterion, in the same order'
        conn = self._conn
        ready = int(
            conn.execute(
                'SELECT COUNT(*) FROM pool_machines WHERE status = ?', (_READY,)
            ).fetchone()[0]
        )
        excluded = dict.fromkeys((c.text for c in criteria), 0)
        for criterion, (clause, params) in zip(criteria, clauses, strict=True):
            query = f'SELECT COUNT(*) FROM pool_machines WHERE status = ? AND NOT {clause}'  # noqa: S608
            excluded[criterion.text] += int(conn.execute(query, (_READY, *params)).fetchone()[0])
        every = ' AND '.join(['status != ?', *(clause for clause, _ in clauses)])
        rows = conn.execute(
            f'SELECT status, COUNT(*) FROM pool_machines WHERE {every} GROUP BY status',  # noqa: S608
            [_READY, *(p for _, params in clauses for p in params)],
        )
        not_ready = collections.Counter(
            {cloud.Status(int(status)).label: int(n) for status, n in rows}
        )
        # The rows still hold the changed machines' committed versions: count those out and
        # the machines as they are now in.
        before, after = (
            tally(self._committed.values(), criteria),
            tally(self._overlay.values(), criteria),
        )
        for text in excluded:
            excluded[text] += after.excluded[text] - before.excluded[text]
        not_ready.update(after.not_ready)
        not_ready.subtract(before.not_ready)
        return Tally(ready + after.ready - before.ready, excluded, +not_ready)

    def zones(self) -> frozenset[str]:
        """See :meth:`PoolIndex.zones`."""
        rows = self._conn.execute('SELECT DISTINCT zone FROM pool_machines')
        return frozenset(str(zone) for (zone,) in rows)

    def unknown(self, kind: str, names: Iterable[str]) -> list[str]:
        """See :meth:`PoolIndex.unknown`."""
        query = _NAME_TABLES[kind]
        return [n for n in names if self._conn.execute(query, (n,)).fetchone() is None]

    # -- writing -------------------------------------------------------------------------

    def insert(self, machines: Iterable[cloud.Machine]) -> int:
        """See :meth:`PoolIndex.insert`; streamed, 1,000 rows at a time."""
        added = 0
        seal = self._seal_power
        given = iter(machines)
        while typed := tuple(itertools.islice(given, 1000)):
            for machine in typed:
                try:
                    self._conn.execute(
                        _INSERT, (*seal(machine_to_row(machine)), spaces_text(machine))
                    )
                except sqlite3.IntegrityError:
                    raise cloud.InventoryError(
                        f'machine "{self._duplicate(machine)}" is already in the pool'
                    ) from None
            self._conn.executemany(
                'INSERT OR IGNORE INTO pool_tags VALUES (?, ?)',
                ((tag, m.system_id) for m in typed for tag in m.tags),
            )
            added += len(typed)
        return added

    def replace(self, before: cloud.Machine, after: cloud.Machine) -> None:
        """See :meth:`PoolIndex.replace`."""
        if self._read_only:
            self._committed.setdefault(before.system_id, before)
            self._overlay[after.system_id] = after
            return
        # Hardware, names and power parameters never change with the state: four columns.
        self._conn.execute(
            'UPDATE pool_machines SET status = ?, previous_status = ?, owner = ?, '
            'status_message = ? WHERE system_id = ?',
            (
                int(after.status),
                None if after.previous_status is None else int(after.previous_status),
                after.owner,
                after.status_message,
                after.system_id,
            ),
        )
        self._written.add(after.system_id)

    @property
    def changed(self) -> set[str]:
        """See :attr:`PoolIndex.changed`."""
        return set(self._overlay) | self._written

    def clear_changes(self) -> None:
        """See :meth:`PoolIndex.clear_changes`."""
        self._overlay.clear()
        self._committed.clear()
        self._written.clear()

    def flush(self) -> None:
        """Forget the changes: a transaction's rows were written as its machines changed."""
        self.clear_changes()

    # -- internals -----------------------------------------------------------------------

    def _rows(self, request: cloud.AllocationRequest, zone: str | None) -> Iterator[cloud.Machine]:
        """Committed Ready rows the request's indexed fields allow, unchanged since, in order."""
        where, params = _where(request, zone)
        cursor = self._conn.execute(
            f'SELECT {POOL_COLUMNS} FROM pool_machines WHERE {where} {_ORDER}',  # noqa: S608
            params,
        )
        overlay = self._overlay
        try:
            for row in cursor:
                if row[0] not in overlay:
                    yield self._machine(row)
        finally:
            cursor.close()

    def _duplicate(self, machine: cloud.Machine) -> str:
        """Which of the machine's names is taken (the hostname first, as the memory index)."""
        for column, ref in (('hostname', machine.hostname), ('system_id', machine.system_id)):
            query = f'SELECT 1 FROM pool_machines WHERE {column} = ?'  # noqa: S608
            if self._conn.execute(query, (ref,)).fetchone() is not None:
                return ref
        return machine.hostname

    def _machine(self, row: tuple[object, ...]) -> cloud.Machine:
        opened = self._key.open_text(row[POWER_INDEX], POWER_LABEL)
        return machine_from_row((*row[:POWER_INDEX], opened, *row[POWER_INDEX + 1 :]))

    def _seal_power(self, row: tuple[object, ...]) -> tuple[object, ...]:
        sealed = self._key.seal_text(str(row[POWER_INDEX]), POWER_LABEL)
        return (*row[:POWER_INDEX], sealed, *row[POWER_INDEX + 1 :])


def _with_disks(text: str) -> cloud.Machine:
    """A stand-in machine with these disks and nothing else, for the storage test alone."""
    return cloud.Machine('', '', '', 0, 0, disks_from_data(text), frozenset(), '', '')


def _passes(filters: Filters) -> Callable[[cloud.Machine], bool]:
    shape, rest = filters
    every = shape + rest
    return lambda m: all(f.accepts(m) for f in every)


def _indexed(request: cloud.AllocationRequest) -> bool:
    """Whether :func:`_where` decides every criterion but storage (which reads disks alone)."""
    # ``spaces`` holds names between commas: a name with one in it could be found inside two.
    commas = any(',' in space for _, space in request.interfaces)
    return not (request.subnets or request.not_subnets or commas)


def _exact(request: cloud.AllocationRequest) -> bool:
    """Whether :func:`_where` decides the request alone (a count needs no row read)."""
    return _indexed(request) and not request.storage


def _where(request: cloud.AllocationRequest, zone: str | None) -> tuple[str, list[object]]:
    """The SQL of a Ready machine the request's indexed fields allow, in the cost's index."""
    clauses = ['status = ?', f'{_COST} >= ?']
    params: list[object] = [_READY, request.min_cost_key]
    if zone is not None:
        clauses.append('zone = ?')
        params.append(zone)
    for clause, values in _criterion_clauses(request):
        clauses.append(clause)
        params += values
    return ' AND '.join(clauses), params


def _criterion_clauses(request: cloud.AllocationRequest) -> list[tuple[str, list[object]]]:
    """The SQL of each of the request's indexed criteria, in :meth:`criteria`'s order.

    Each clause is the exact SQL of the Python filter of the same field
    (:meth:`AllocationRequest.criteria`), which still tests every row read; storage and
    subnets, which read disks and links, have none (:func:`_exact`).
    """
    out: list[tuple[str, list[object]]] = []
    if request.name is not None:
        # The hostname, or its first label (MAAS matches ``name`` against both).
        short = "substr(hostname, 1, instr(hostname || '.', '.') - 1)"
        out.append((f'(hostname = ? OR {short} = ?)', [request.name, request.name]))
    if request.system_id is not None:
        out.append(('system_id = ?', [request.system_id]))
    if request.arch:
        arches: list[object] = [*sorted(request.arch)]
        marks = ', '.join('?' * len(arches))
        bare = "substr(arch, 1, instr(arch || '/', '/') - 1)"
        out.append((f'(arch IN ({marks}) OR {bare} IN ({marks}))', arches + arches))
    if request.cpu_count is not None:
        out.append(('cores >= ?', [request.cpu_count]))
    if request.mem is not None:
        out.append(('memory >= ?', [request.mem]))
    # The table and column names below come from this function, never from the request.
    out.extend(
        ('system_id IN (SELECT system_id FROM pool_tags WHERE tag = ?)', [tag])
        for tag in request.tags
    )
    out.extend(
        ('system_id NOT IN (SELECT system_id FROM pool_tags WHERE tag = ?)', [tag])
        for tag in request.not_tags
    )
    for column, wanted, negated in (
        ('zone', request.zones, False),
        ('zone', request.not_in_zones, True),
        ('pool', request.pools, False),
        ('pool', request.not_in_pools, True),
    ):
        if wanted:
            values: list[object] = [*sorted(wanted)]
            marks = ', '.join('?' * len(values))
            out.append((f'{column} {"NOT IN" if negated else "IN"} ({marks})', values))
    out.extend(('instr(spaces, ?) > 0', [f',{space},']) for _, space in request.interfaces)
    return out
