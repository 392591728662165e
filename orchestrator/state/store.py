"""The state directory: one sqlite database, one transaction per change.

The database runs in WAL mode and every change happens inside ``BEGIN IMMEDIATE``: a second
``olm`` process waits for the first to commit (up to :data:`LOCK_TIMEOUT`), then reads what it
wrote. A change that raises rolls back whole, so an error never leaves half a change behind.

One database holds the metal pool (the cloud, shared) and every model of olm's controller, as a
Juju controller holds many models on one MAAS cloud: a model's rows carry its name, and a
:class:`Store` reads and writes one model. A new state directory starts with the model
``default`` selected, so ``olm deploy`` works without ``olm add-model`` first.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any, TypeVar

from .. import cloud
from . import model

__all__ = [
    'CONTROLLER',
    'DEFAULT_MODEL',
    'DEFAULT_STATE_DIR',
    'LOCK_TIMEOUT',
    'OWNER',
    'SCHEMA_VERSION',
    'LogEntry',
    'ModelRecord',
    'Store',
    'StoreError',
    'Transaction',
    'check_model_name',
    'parse_model_ref',
]

DEFAULT_STATE_DIR = Path('.olm')
LOCK_TIMEOUT = 60.0
"""Seconds a process waits for another one's transaction before giving up."""
SCHEMA_VERSION = 3
CONTROLLER = 'olm'
"""The name olm's embedded controller goes by (``olm:admin/default``)."""
DEFAULT_MODEL = 'default'
"""The model a new state directory starts with, selected."""
OWNER = 'admin'

_UUID_NAMESPACE = uuid.UUID('6d3a1c2e-7b0f-4c59-9f1e-0a1b2c3d4e5f')
_MODEL_NAME = re.compile(r'^[a-z0-9]+[a-z0-9-]*$')

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
    status_message TEXT NOT NULL,
    interfaces TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS models (
    name TEXT PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS machines (
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    instance_id TEXT NOT NULL UNIQUE,
    hostname TEXT NOT NULL,
    address TEXT NOT NULL,
    zone TEXT NOT NULL,
    hardware TEXT NOT NULL,
    constraints TEXT NOT NULL,
    base TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    addresses TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (model, id)
);
CREATE TABLE IF NOT EXISTS sequences (
    model TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (model, name)
);
CREATE TABLE IF NOT EXISTS records (
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (model, kind, key)
);
CREATE TABLE IF NOT EXISTS settings (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model, key)
);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    time REAL NOT NULL,
    unit TEXT NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_by_model ON log (model, seq);
"""
_MACHINE_COLUMNS = (
    'id, instance_id, hostname, address, zone, hardware, constraints, base, status, message, '
    'addresses'
)
_V3_COLUMNS = (
    ('pool_machines', "interfaces TEXT NOT NULL DEFAULT '[]'"),
    ('machines', "addresses TEXT NOT NULL DEFAULT '[]'"),
)
"""Columns schema 3 added: a machine's NICs and links, and a model machine's addresses."""
"""A model machine's columns, in the order :func:`_juju_machine` reads them."""
_MODEL_TABLES = ('machines', 'sequences', 'records', 'settings', 'log')
_V1_MODEL_TABLES = ('machines', 'sequences', 'records', 'log')


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
    """The state directory cannot be used, or the model asked for is not there.

    Unusable: locked too long, a newer schema, unwritable.
    """


@dataclasses.dataclass(frozen=True, slots=True)
class ModelRecord:
    """One model of olm's controller."""

    name: str
    uuid: str
    created: float

    @property
    def qualified(self) -> str:
        """``olm:admin/NAME``, as Juju names a model in its messages."""
        return f'{CONTROLLER}:{OWNER}/{self.name}'


def parse_model_ref(ref: str) -> str:
    """The model name in ``[CONTROLLER:][USER/]NAME``, as ``juju -m`` accepts it.

    Raises:
        StoreError: another controller or user, or not a valid model name.
    """
    controller, sep, rest = ref.rpartition(':')
    if sep and controller != CONTROLLER:
        raise StoreError(f'controller {controller} not found (olm has one: {CONTROLLER})')
    user, sep, name = rest.rpartition('/')
    if sep and user != OWNER:
        raise StoreError(f'model "{ref}" not found (olm\'s models belong to {OWNER})')
    check_model_name(name)
    return name


def model_uuid(name: str) -> str:
    """A model's uuid, derived from its name.

    Secret ids derive from the model's uuid, so a fixed ``--seed`` gives the same model, ids
    and all, in any state directory; a name is unique within olm's one controller.
    """
    return str(uuid.uuid5(_UUID_NAMESPACE, f'{CONTROLLER}:{OWNER}/{name}'))


def check_model_name(name: str) -> None:
    """Juju's rule for a model name, with its message."""
    if not _MODEL_NAME.match(name):
        raise StoreError(
            f'"{name}" is not a valid name: model names may only contain lowercase letters, '
            'digits and hyphens'
        )


class Store:
    """The state directory, seen from one of its models.

    Args:
        state_dir: where ``state.db`` lives; created on first use.
        model: the model this store reads and writes (a bare name); None means the selected
            one (``olm switch``). Checked on the first transaction, not here.
    """

    def __init__(
        self, state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR, model: str | None = None
    ) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / 'state.db'
        self._conn: sqlite3.Connection | None = None
        self._model_ref = model
        self._model: str | None = None

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
                txn = Transaction(conn, self._resolve(conn))
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
            yield Transaction(conn, self._resolve(conn), read_only=True)
        finally:
            conn.execute('ROLLBACK')

    # -- models ----------------------------------------------------------------------------

    @property
    def model(self) -> str:
        """The name of the model this store works on.

        Raises:
            StoreError: the model does not exist, or none is selected.
        """
        with self.snapshot() as txn:
            return txn.model

    def _resolve(self, conn: sqlite3.Connection) -> str | None:
        """The model's name if it exists; None when nothing is selected.

        A model named explicitly must exist: a typo must not quietly act on another model.
        """
        if self._model is not None:
            return self._model
        name = self._model_ref
        if name is None:
            row = conn.execute("SELECT value FROM meta WHERE key = 'current-model'").fetchone()
            if row is None:
                return None
            name = str(row[0])
        if conn.execute('SELECT 1 FROM models WHERE name = ?', (name,)).fetchone() is None:
            raise StoreError(f'model {CONTROLLER}:{OWNER}/{name} not found')
        self._model = name
        return name

    def models(self) -> list[ModelRecord]:
        """Every model of the controller, by name."""
        conn = self._connect()
        rows = conn.execute('SELECT name, uuid, created FROM models ORDER BY name').fetchall()
        return [ModelRecord(str(n), str(u), float(c)) for n, u, c in rows]

    def machines_by_model(self) -> dict[str, list[model.Machine]]:
        """Every model's machines, by number, read in one query (``olm models``)."""
        rows = self._connect().execute(f'SELECT model, {_MACHINE_COLUMNS} FROM machines')  # noqa: S608
        found: dict[str, list[model.Machine]] = {r.name: [] for r in self.models()}
        for row in rows:
            found.setdefault(str(row[0]), []).append(_juju_machine(row[1:]))
        return {name: sorted(ms, key=lambda m: int(m.id)) for name, ms in found.items()}

    def units_by_model(self) -> dict[str, int]:
        """How many units each model has, in one query."""
        rows = self._connect().execute(
            "SELECT model, COUNT(*) FROM records WHERE kind = 'unit' GROUP BY model"
        )
        return {str(name): int(count) for name, count in rows}

    def current_model(self) -> str | None:
        """The selected model (``olm switch``), if any."""
        row = (
            self._connect()
            .execute("SELECT value FROM meta WHERE key = 'current-model'")
            .fetchone()
        )
        return None if row is None else str(row[0])

    def add_model(self, name: str, *, created: float, switch: bool = False) -> ModelRecord:
        """Create an empty model; with ``switch``, select it.

        Raises:
            StoreError: not a valid name, or a model of that name exists (Juju's messages).
        """
        check_model_name(name)
        conn = self._connect()
        with _immediate(conn):
            if conn.execute('SELECT 1 FROM models WHERE name = ?', (name,)).fetchone():
                raise StoreError(
                    f'failed to create new model: model "{name}" for {OWNER} already exists'
                )
            record = ModelRecord(name, model_uuid(name), created)
            conn.execute('INSERT INTO models VALUES (?, ?, ?)', dataclasses.astuple(record))
            if switch:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('current-model', ?)", (name,))
        return record

    def switch(self, name: str) -> None:
        """Select a model for the commands that name none."""
        conn = self._connect()
        with _immediate(conn):
            if conn.execute('SELECT 1 FROM models WHERE name = ?', (name,)).fetchone() is None:
                raise StoreError(f'model {CONTROLLER}:{OWNER}/{name} not found')
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('current-model', ?)", (name,))


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
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    row = (
        conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if has_meta
        else None
    )
    if row is not None and int(row[0]) > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f'schema version {row[0]} is newer than this olm understands ({SCHEMA_VERSION})'
        )
    if row is not None and int(row[0]) == 1:
        _migrate_from_v1(conn)
    if row is not None and int(row[0]) in (1, 2):
        _migrate_to_v3(conn)
    # executescript would COMMIT the open transaction; run the statements one by one instead.
    for statement in _SCHEMA.split(';'):
        if statement.strip():
            conn.execute(statement)
    if row is None:
        conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        conn.execute(
            'INSERT INTO models VALUES (?, ?, ?)',
            (DEFAULT_MODEL, model_uuid(DEFAULT_MODEL), time.time()),
        )
        conn.execute("INSERT INTO meta VALUES ('current-model', ?)", (DEFAULT_MODEL,))


def _migrate_to_v3(conn: sqlite3.Connection) -> None:
    """Schema 3 adds the network columns; older machines have no interfaces recorded."""
    for table, column in _V3_COLUMNS:
        names = {str(c[1]) for c in conn.execute(f'PRAGMA table_info({table})')}
        if column.split()[0] not in names:
            conn.execute(f'ALTER TABLE {table} ADD COLUMN {column}')
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))


def _migrate_from_v1(conn: sqlite3.Connection) -> None:
    """Schema 1 had one unnamed model: its rows become the model ``default``, selected."""
    for table in _V1_MODEL_TABLES:
        conn.execute(f'ALTER TABLE {table} RENAME TO {table}_v1')
    for statement in _SCHEMA.split(';'):
        if statement.strip():
            conn.execute(statement)
    for table in _V1_MODEL_TABLES:
        columns = [str(c[1]) for c in conn.execute(f'PRAGMA table_info({table}_v1)')]
        listed = ', '.join(columns)
        conn.execute(
            # Table and column names come from this module and the old schema, not input.
            f'INSERT INTO {table} (model, {listed}) SELECT ?, {listed} FROM {table}_v1',  # noqa: S608
            (DEFAULT_MODEL,),
        )
        conn.execute(f'DROP TABLE {table}_v1')
    conn.execute(
        "INSERT INTO settings SELECT ?, key, value FROM meta WHERE key != 'schema'",
        (DEFAULT_MODEL,),
    )
    conn.execute("DELETE FROM meta WHERE key != 'schema'")
    conn.execute(
        'INSERT INTO models VALUES (?, ?, ?)',
        (DEFAULT_MODEL, model_uuid(DEFAULT_MODEL), time.time()),
    )
    conn.execute("INSERT INTO meta VALUES ('current-model', ?)", (DEFAULT_MODEL,))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))


class Transaction:
    """Reads and writes inside one transaction of the store."""

    def __init__(
        self, conn: sqlite3.Connection, model: str | None, *, read_only: bool = False
    ) -> None:
        self._conn = conn
        self._model = model
        self._read_only = read_only
        self._pool: cloud.Pool | None = None

    @property
    def model(self) -> str:
        """The model this transaction reads and writes.

        Raises:
            StoreError: no model is selected.
        """
        if self._model is None:
            raise StoreError(
                'no selected model: use "olm switch MODEL", "olm add-model MODEL" or -m MODEL'
            )
        return self._model

    @property
    def model_uuid(self) -> str:
        """The model's uuid (``JUJU_MODEL_UUID`` in its hooks)."""
        row = self._conn.execute(
            'SELECT uuid FROM models WHERE name = ?', (self.model,)
        ).fetchone()
        return str(row[0])

    def delete_model(self) -> None:
        """Forget the model and everything in it; the caller has released its machines."""
        name = self.model
        for table in _MODEL_TABLES:
            self._conn.execute(f'DELETE FROM {table} WHERE model = ?', (name,))  # noqa: S608
        self._conn.execute('DELETE FROM models WHERE name = ?', (name,))
        self._conn.execute("DELETE FROM meta WHERE key = 'current-model' AND value = ?", (name,))

    # -- the metal pool ------------------------------------------------------------------

    @property
    def pool(self) -> cloud.Pool:
        """The pool as committed, loaded once per transaction; changes are saved on commit."""
        if self._pool is None:
            rows = self._conn.execute('SELECT * FROM pool_machines').fetchall()
            network = self.get_cloud_setting('network')
            self._pool = cloud.Pool(
                (_machine_from_row(row) for row in rows),
                network=cloud.Network.from_data(json.loads(network)) if network else None,
            )
        return self._pool

    def flush(self) -> None:
        """Write every pool machine changed in this transaction."""
        if self._pool is None or self._read_only:
            return
        pool = self._pool
        if pool.network_changed:
            self.set_cloud_setting('network', json.dumps(pool.network.to_data()))
        if not pool.changed:
            pool.clear_changes()
            return
        self._conn.executemany(
            'INSERT OR REPLACE INTO pool_machines VALUES '
            '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (_machine_to_row(pool.get(system_id)) for system_id in sorted(pool.changed)),
        )
        pool.clear_changes()

    # -- the model's machines ------------------------------------------------------------

    def machines(self) -> list[model.Machine]:
        """The model's machines, by number."""
        rows = self._conn.execute(
            f'SELECT {_MACHINE_COLUMNS} FROM machines WHERE model = ?',  # noqa: S608
            (self.model,),
        ).fetchall()
        return sorted((_juju_machine(row) for row in rows), key=lambda m: int(m.id))

    def put_machine(self, machine: model.Machine) -> None:
        """Insert or replace one of the model's machines."""
        self._conn.execute(
            'INSERT OR REPLACE INTO machines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (
                self.model, machine.id, machine.instance_id, machine.hostname, machine.address,
                machine.zone, machine.hardware, machine.constraints, machine.base,
                machine.status, machine.message,
                json.dumps([dataclasses.astuple(a) for a in machine.addresses]),
            ),
        )  # fmt: skip

    def delete_machines(self, ids: Iterable[str]) -> None:
        """Forget machines of the model."""
        model = self.model
        self._conn.executemany(
            'DELETE FROM machines WHERE model = ? AND id = ?', ((model, i) for i in ids)
        )

    def next_sequence(self, name: str) -> int:
        """The next number of a sequence; numbers are never reused, like Juju's machine ids."""
        model = self.model
        row = self._conn.execute(
            'SELECT value FROM sequences WHERE model = ? AND name = ?', (model, name)
        ).fetchone()
        value = 0 if row is None else int(row[0])
        self._conn.execute(
            'INSERT OR REPLACE INTO sequences VALUES (?, ?, ?)', (model, name, value + 1)
        )
        return value

    # -- model records -------------------------------------------------------------------

    def records(self, kind: str) -> dict[str, Any]:
        """Every record of one kind (``application``, ``unit``, ...), by key, as JSON data."""
        rows = self._conn.execute(
            'SELECT key, data FROM records WHERE model = ? AND kind = ?', (self.model, kind)
        )
        return {str(key): json.loads(str(data)) for key, data in rows}

    def put_records(self, kind: str, records: Iterable[tuple[str, Any]]) -> None:
        """Insert or replace records of one kind."""
        model = self.model
        self._conn.executemany(
            'INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)',
            ((model, kind, key, json.dumps(data, separators=(',', ':'))) for key, data in records),
        )

    def delete_records(self, kind: str, keys: Iterable[str]) -> None:
        """Forget records of one kind."""
        model = self.model
        self._conn.executemany(
            'DELETE FROM records WHERE model = ? AND kind = ? AND key = ?',
            ((model, kind, k) for k in keys),
        )

    # -- the event log (olm debug-log) ---------------------------------------------------

    def append_log(self, entries: Iterable[LogEntry]) -> None:
        """Append entries to the event log."""
        model = self.model
        self._conn.executemany(
            'INSERT INTO log (model, time, unit, event, outcome, detail) '
            'VALUES (?, ?, ?, ?, ?, ?)',
            ((model, e.time, e.unit, e.event, e.outcome, e.detail) for e in entries),
        )

    def log(self, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        """Entries of the event log after sequence number ``after``, oldest first.

        With ``limit``, only the last ``limit`` of them.
        """
        if limit is None:
            rows = self._conn.execute(
                'SELECT seq, time, unit, event, outcome, detail FROM log '
                'WHERE model = ? AND seq > ? ORDER BY seq',
                (self.model, after),
            )
        else:
            rows = self._conn.execute(
                'SELECT * FROM (SELECT seq, time, unit, event, outcome, detail FROM log '
                'WHERE model = ? AND seq > ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
                (self.model, after, limit),
            )
        return [
            LogEntry(int(seq), float(t), str(u), str(e), str(o), str(d))
            for seq, t, u, e, o, d in rows
        ]

    # -- settings ------------------------------------------------------------------------

    def get_setting(self, key: str, default: str = '') -> str:
        """A model setting (e.g. ``model-constraints``)."""
        row = self._conn.execute(
            'SELECT value FROM settings WHERE model = ? AND key = ?', (self.model, key)
        ).fetchone()
        return default if row is None else str(row[0])

    def get_cloud_setting(self, key: str, default: str = '') -> str:
        """A setting of the cloud, shared by every model (e.g. a pool file's storage pools)."""
        row = self._conn.execute('SELECT value FROM meta WHERE key = ?', (f'cloud:{key}',))
        found = row.fetchone()
        return default if found is None else str(found[0])

    def set_cloud_setting(self, key: str, value: str) -> None:
        """Replace a setting of the cloud."""
        self._conn.execute('INSERT OR REPLACE INTO meta VALUES (?, ?)', (f'cloud:{key}', value))

    def set_setting(self, key: str, value: str) -> None:
        """Replace a model setting."""
        self._conn.execute(
            'INSERT OR REPLACE INTO settings VALUES (?, ?, ?)', (self.model, key, value)
        )


def _machine_to_row(m: cloud.Machine) -> tuple[object, ...]:
    disks = [
        [d.name, d.size, sorted(d.tags), d.boot, d.model, d.serial, d.wwn, d.id_path]
        for d in m.disks
    ]
    return (
        m.system_id, m.hostname, m.arch, m.cores, m.memory, json.dumps(disks),
        json.dumps(sorted(m.tags)), m.zone, m.pool, m.power_type,
        json.dumps(dict(m.power_parameters)), m.address, int(m.status),
        None if m.previous_status is None else int(m.previous_status), m.owner,
        m.status_message, json.dumps(_interfaces_to_data(m.interfaces)) if m.interfaces else '[]',
    )  # fmt: skip


def _interfaces_to_data(interfaces: Iterable[cloud.Interface]) -> list[list[object]]:
    return [
        [i.name, i.type, i.mac, list(i.parents), i.vid, i.mtu,
         [[ln.subnet, ln.mode, ln.ip, ln.space, ln.prefixlen] for ln in i.links]]
        for i in interfaces
    ]  # fmt: skip


def _interfaces_from_data(text: str) -> tuple[cloud.Interface, ...]:
    if text == '[]':
        return ()
    return tuple(
        cloud.Interface(
            name,
            kind,
            mac,
            tuple(parents),
            vid,
            tuple(_shared(cloud.Link(*link)) for link in links),
            mtu,
        )
        for name, kind, mac, parents, vid, mtu, links in json.loads(text)
    )


_T = TypeVar('_T')
_interned: dict[object, object] = {}


def _shared(value: _T) -> _T:
    """One object per distinct value, so a large pool stores each tag set and disk once."""
    return _interned.setdefault(value, value)  # pyright: ignore[reportReturnType]


def _machine_from_row(row: tuple[object, ...]) -> cloud.Machine:
    (system_id, hostname, arch, cores, memory, disks, tags, zone, pool, power_type, power,
     address, status, previous, owner, message, interfaces) = row  # fmt: skip
    nics = _interfaces_from_data(str(interfaces))
    return cloud.Machine(
        system_id=str(system_id),
        hostname=str(hostname),
        arch=_shared(str(arch)),
        cores=int(str(cores)),
        memory=int(str(memory)),
        disks=tuple(
            _shared(cloud.Disk(name, size, _shared(frozenset(dtags)), boot, *identity))
            for name, size, dtags, boot, *identity in json.loads(str(disks))
        ),
        tags=_shared(frozenset(json.loads(str(tags)))),
        zone=_shared(str(zone)),
        pool=_shared(str(pool)),
        power_type=_shared(str(power_type)),
        power_parameters=json.loads(str(power)),
        address=str(address),
        interfaces=nics,
        spaces=_shared(frozenset(ln.space for i in nics for ln in i.links)),
        status=cloud.Status(int(str(status))),
        previous_status=None if previous is None else cloud.Status(int(str(previous))),
        owner=None if owner is None else str(owner),
        status_message=str(message),
    )


def _juju_machine(row: tuple[object, ...]) -> model.Machine:
    (id_, instance_id, hostname, address, zone, hardware, constraints, base, status,
     message, addresses) = row  # fmt: skip
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
        addresses=tuple(model.MachineAddress(*a) for a in json.loads(str(addresses))),
    )
