"""The state directory: one sqlite database, one transaction per change.

The database runs in WAL mode and every change happens inside ``BEGIN IMMEDIATE``: a second
``olm`` process waits for the first to commit (up to :data:`LOCK_TIMEOUT`), then reads what it
wrote. A change that raises rolls back whole, so an error never leaves half a change behind.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import sqlite3
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any, TypeVar

from . import cloud, model

__all__ = [
    'DEFAULT_STATE_DIR',
    'LOCK_TIMEOUT',
    'SCHEMA_VERSION',
    'LogEntry',
    'Store',
    'StoreError',
    'Transaction',
]

DEFAULT_STATE_DIR = Path('.olm')
LOCK_TIMEOUT = 60.0
"""Seconds a process waits for another one's transaction before giving up."""
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pool_machines (
    system_id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL UNIQUE,
    arch TEXT NOT NULL,
    cores INTEGER NOT NULL,
    memory INTEGER NOT NULL,
    disks TEXT NOT NULL,
    tags TEXT NOT NULL,
    zone TEXT NOT NULL,
    pool TEXT NOT NULL,
    power_type TEXT NOT NULL,
    power_parameters TEXT NOT NULL,
    address TEXT NOT NULL,
    status INTEGER NOT NULL,
    previous_status INTEGER,
    owner TEXT,
    status_message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS machines (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL UNIQUE,
    hostname TEXT NOT NULL,
    address TEXT NOT NULL,
    zone TEXT NOT NULL,
    hardware TEXT NOT NULL,
    constraints TEXT NOT NULL,
    base TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sequences (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    unit TEXT NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


@dataclasses.dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the event trace: which unit ran which event, and how it ended."""

    seq: int
    time: float
    unit: str
    event: str
    outcome: str
    detail: str = ''


class StoreError(Exception):
    """The state directory cannot be used (locked too long, newer schema, unwritable)."""


class Store:
    """The state directory of one ``olm`` model.

    Args:
        state_dir: where ``state.db`` lives; created on first use.
    """

    def __init__(self, state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / 'state.db'
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.state_dir.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None)
                conn.execute('PRAGMA journal_mode=WAL')
                conn.execute('PRAGMA synchronous=NORMAL')
                conn.execute('PRAGMA foreign_keys=ON')
                # sqlite caches 2 MiB of pages by default: past a few hundred units the record
                # and log B-trees no longer fit, and every hook's commit reads pages back from
                # the OS. Up to 32 MiB (used only as the database grows) keeps them cached.
                conn.execute('PRAGMA cache_size=-32768')
                with _immediate(conn):
                    _create_schema(conn)
            except (OSError, sqlite3.Error) as e:
                raise StoreError(f'cannot open state database {self.path}: {e}') from None
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the database connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextlib.contextmanager
    def exclusive(self) -> Generator[None]:
        """Hold the model's writer lock: one ``olm`` process changes and settles it at a time.

        Juju has one controller deciding what runs next; olm has whichever process holds this
        lock. Readers (``olm status``) never take it: sqlite's snapshots serve them.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / 'writer.lock', 'a+') as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def transaction(self) -> Generator[Transaction]:
        """One change: everything inside commits together, or nothing does."""
        conn = self._connect()
        try:
            with _immediate(conn):
                txn = Transaction(conn)
                yield txn
                txn.flush()
        except sqlite3.OperationalError as e:
            raise StoreError(f'state database {self.path}: {e}') from None

    @contextlib.contextmanager
    def snapshot(self) -> Generator[Transaction]:
        """A read-only view, consistent for its duration, that never blocks a writer."""
        conn = self._connect()
        conn.execute('BEGIN DEFERRED')
        try:
            yield Transaction(conn, read_only=True)
        finally:
            conn.execute('ROLLBACK')


@contextlib.contextmanager
def _immediate(conn: sqlite3.Connection) -> Generator[None]:
    conn.execute('BEGIN IMMEDIATE')
    try:
        yield
    except BaseException:
        conn.execute('ROLLBACK')
        raise
    conn.execute('COMMIT')


def _create_schema(conn: sqlite3.Connection) -> None:
    # executescript would COMMIT the open transaction; run the statements one by one instead.
    for statement in _SCHEMA.split(';'):
        if statement.strip():
            conn.execute(statement)
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None:
        conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    elif int(row[0]) > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f'schema version {row[0]} is newer than this olm understands ({SCHEMA_VERSION})'
        )


class Transaction:
    """Reads and writes inside one transaction of the store."""

    def __init__(self, conn: sqlite3.Connection, *, read_only: bool = False) -> None:
        self._conn = conn
        self._read_only = read_only
        self._pool: cloud.Pool | None = None

    # -- the metal pool ------------------------------------------------------------------

    @property
    def pool(self) -> cloud.Pool:
        """The pool as committed, loaded once per transaction; changes are saved on commit."""
        if self._pool is None:
            rows = self._conn.execute('SELECT * FROM pool_machines').fetchall()
            self._pool = cloud.Pool(_machine_from_row(row) for row in rows)
        return self._pool

    def flush(self) -> None:
        """Write every pool machine changed in this transaction."""
        if self._pool is None or not self._pool.changed or self._read_only:
            return
        pool = self._pool
        self._conn.executemany(
            'INSERT OR REPLACE INTO pool_machines VALUES '
            '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (_machine_to_row(pool.get(system_id)) for system_id in sorted(pool.changed)),
        )
        pool.clear_changes()

    # -- the model's machines ------------------------------------------------------------

    def machines(self) -> list[model.Machine]:
        """The model's machines, by number."""
        rows = self._conn.execute('SELECT * FROM machines').fetchall()
        return sorted((_juju_machine(row) for row in rows), key=lambda m: int(m.id))

    def put_machine(self, machine: model.Machine) -> None:
        """Insert or replace one of the model's machines."""
        self._conn.execute(
            'INSERT OR REPLACE INTO machines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (
                machine.id, machine.instance_id, machine.hostname, machine.address,
                machine.zone, machine.hardware, machine.constraints, machine.base,
                machine.status, machine.message,
            ),
        )  # fmt: skip

    def delete_machines(self, ids: Iterable[str]) -> None:
        """Forget machines of the model."""
        self._conn.executemany('DELETE FROM machines WHERE id = ?', ((i,) for i in ids))

    def next_sequence(self, name: str) -> int:
        """The next number of a sequence; numbers are never reused, like Juju's machine ids."""
        row = self._conn.execute('SELECT value FROM sequences WHERE name = ?', (name,)).fetchone()
        value = 0 if row is None else int(row[0])
        self._conn.execute('INSERT OR REPLACE INTO sequences VALUES (?, ?)', (name, value + 1))
        return value

    # -- model records -------------------------------------------------------------------

    def records(self, kind: str) -> dict[str, Any]:
        """Every record of one kind (``application``, ``unit``, ...), by key, as JSON data."""
        rows = self._conn.execute('SELECT key, data FROM records WHERE kind = ?', (kind,))
        return {str(key): json.loads(str(data)) for key, data in rows}

    def put_records(self, kind: str, records: Iterable[tuple[str, Any]]) -> None:
        """Insert or replace records of one kind."""
        self._conn.executemany(
            'INSERT OR REPLACE INTO records VALUES (?, ?, ?)',
            ((kind, key, json.dumps(data, separators=(',', ':'))) for key, data in records),
        )

    def delete_records(self, kind: str, keys: Iterable[str]) -> None:
        """Forget records of one kind."""
        self._conn.executemany(
            'DELETE FROM records WHERE kind = ? AND key = ?', ((kind, k) for k in keys)
        )

    # -- the event log (olm debug-log) ---------------------------------------------------

    def append_log(self, entries: Iterable[LogEntry]) -> None:
        """Append entries to the event log."""
        self._conn.executemany(
            'INSERT INTO log (time, unit, event, outcome, detail) VALUES (?, ?, ?, ?, ?)',
            ((e.time, e.unit, e.event, e.outcome, e.detail) for e in entries),
        )

    def log(self, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        """Entries of the event log after sequence number ``after``, oldest first.

        With ``limit``, only the last ``limit`` of them.
        """
        if limit is None:
            rows = self._conn.execute('SELECT * FROM log WHERE seq > ? ORDER BY seq', (after,))
        else:
            rows = self._conn.execute(
                'SELECT * FROM (SELECT * FROM log WHERE seq > ? ORDER BY seq DESC LIMIT ?) '
                'ORDER BY seq',
                (after, limit),
            )
        return [
            LogEntry(int(seq), float(t), str(u), str(e), str(o), str(d))
            for seq, t, u, e, o, d in rows
        ]

    # -- settings ------------------------------------------------------------------------

    def get_setting(self, key: str, default: str = '') -> str:
        """A model setting (e.g. ``model-constraints``)."""
        row = self._conn.execute('SELECT value FROM meta WHERE key = ?', (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Replace a model setting."""
        self._conn.execute('INSERT OR REPLACE INTO meta VALUES (?, ?)', (key, value))


def _machine_to_row(m: cloud.Machine) -> tuple[object, ...]:
    disks = [[d.name, d.size, sorted(d.tags), d.boot] for d in m.disks]
    return (
        m.system_id, m.hostname, m.arch, m.cores, m.memory, json.dumps(disks),
        json.dumps(sorted(m.tags)), m.zone, m.pool, m.power_type,
        json.dumps(dict(m.power_parameters)), m.address, int(m.status),
        None if m.previous_status is None else int(m.previous_status), m.owner,
        m.status_message,
    )  # fmt: skip


_T = TypeVar('_T')
_interned: dict[object, object] = {}


def _shared(value: _T) -> _T:
    """One object per distinct value, so a large pool stores each tag set and disk once."""
    return _interned.setdefault(value, value)  # pyright: ignore[reportReturnType]


def _machine_from_row(row: tuple[object, ...]) -> cloud.Machine:
    (system_id, hostname, arch, cores, memory, disks, tags, zone, pool, power_type, power,
     address, status, previous, owner, message) = row  # fmt: skip
    return cloud.Machine(
        system_id=str(system_id),
        hostname=str(hostname),
        arch=_shared(str(arch)),
        cores=int(str(cores)),
        memory=int(str(memory)),
        disks=tuple(
            _shared(cloud.Disk(name, size, _shared(frozenset(dtags)), boot))
            for name, size, dtags, boot in json.loads(str(disks))
        ),
        tags=_shared(frozenset(json.loads(str(tags)))),
        zone=_shared(str(zone)),
        pool=_shared(str(pool)),
        power_type=_shared(str(power_type)),
        power_parameters=json.loads(str(power)),
        address=str(address),
        status=cloud.Status(int(str(status))),
        previous_status=None if previous is None else cloud.Status(int(str(previous))),
        owner=None if owner is None else str(owner),
        status_message=str(message),
    )


def _juju_machine(row: tuple[object, ...]) -> model.Machine:
    (id_, instance_id, hostname, address, zone, hardware, constraints, base, status,
     message) = row  # fmt: skip
    return model.Machine(
        id=str(id_),
        instance_id=str(instance_id),
        hostname=str(hostname),
        address=str(address),
        zone=str(zone),
        hardware=str(hardware),
        constraints=str(constraints),
        base=str(base),
        status=str(status),
        message=str(message),
    )
