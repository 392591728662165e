"""The database's tables, and the migrations from older schemas to the current one."""

# pyright: strict

from __future__ import annotations

import sqlite3
import time

from ._names import DEFAULT_MODEL, model_uuid

SCHEMA_VERSION = 4

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
    since REAL NOT NULL DEFAULT 0,
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
_V3_COLUMNS = (
    ('pool_machines', "interfaces TEXT NOT NULL DEFAULT '[]'"),
    ('machines', "addresses TEXT NOT NULL DEFAULT '[]'"),
)
"""Columns schema 3 added: a machine's NICs and links, and a model machine's addresses."""
_V4_COLUMNS = (('machines', 'since REAL NOT NULL DEFAULT 0'),)
"""Columns schema 4 added: when a model machine's status was set (0 for older machines)."""
MODEL_TABLES = ('machines', 'sequences', 'records', 'settings', 'log')
_V1_MODEL_TABLES = ('machines', 'sequences', 'records', 'log')


def create_schema(conn: sqlite3.Connection) -> None:
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
    if row is not None and int(row[0]) in (1, 2, 3):
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
    """Bring a schema 1-3 database to the current columns.

    Schema 3 added the network columns, schema 4 a machine's status time; older machines have
    no interfaces and no status time recorded.
    """
    for table, column in _V3_COLUMNS + _V4_COLUMNS:
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
