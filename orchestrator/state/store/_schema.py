"""The database's tables, and the migrations from older schemas to the current one."""

# pyright: strict

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ._cipher import SecretsKey, ensure_key, load_key
from ._names import DEFAULT_MODEL, new_model_uuid

SCHEMA_VERSION = 6
"""5: sensitive values sealed with the state directory's key (``_cipher``); 6: the pool's
machines indexed for allocation (``pool_tags``, the ``spaces`` column, the ``pool_*`` indexes)."""

_SEALED_SINCE = 5
"""The schema that sealed the sensitive values: from it on, the key must already exist."""

RECORDS_LABEL = b'records'
SETTINGS_LABEL = b'settings'
LOG_LABEL = b'log'
POWER_LABEL = b'power'
SEALED = (
    ('records', 'data', RECORDS_LABEL),
    ('settings', 'value', SETTINGS_LABEL),
    ('log', 'detail', LOG_LABEL),
    ('pool_machines', 'power_parameters', POWER_LABEL),
)
"""The sealed columns (table, column, associated data), besides the cloud's settings in
``meta``. Whole columns rather than chosen fields: a record is an application's config, a
unit's stored state and relation data, a secret's revisions, an action's parameters and
results, or a simulated machine's files, where charms write credentials into configuration
files (keepalived's auth_pass, MAAS's database password, Kubernetes tokens); any of them can
hold a secret. Their declared type stays TEXT (sqlite's types are affinities; a BLOB is kept as
it is), so that a schema 4 table needs no rebuild."""
CLOUD_LABEL = b'cloud'
"""The associated data of the cloud's settings (``meta`` rows ``cloud:*``)."""

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
    interfaces TEXT NOT NULL DEFAULT '[]',
    spaces TEXT NOT NULL DEFAULT ''
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
CREATE TABLE IF NOT EXISTS pool_tags (
    tag TEXT NOT NULL,
    system_id TEXT NOT NULL,
    PRIMARY KEY (tag, system_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pool_ready ON pool_machines
    (status, cores * 1024 + memory, hostname, system_id, cores, memory, arch, zone, pool, spaces);
CREATE INDEX IF NOT EXISTS pool_ready_in_zone ON pool_machines
    (status, zone, cores * 1024 + memory, hostname, system_id);
CREATE INDEX IF NOT EXISTS pool_by_zone ON pool_machines (zone);
CREATE INDEX IF NOT EXISTS pool_by_pool ON pool_machines (pool);
"""
_V3_COLUMNS = (
    ('pool_machines', "interfaces TEXT NOT NULL DEFAULT '[]'"),
    ('machines', "addresses TEXT NOT NULL DEFAULT '[]'"),
)
"""Columns schema 3 added: a machine's NICs and links, and a model machine's addresses."""
_V4_COLUMNS = (('machines', 'since REAL NOT NULL DEFAULT 0'),)
"""Columns schema 4 added: when a model machine's status was set (0 for older machines)."""
_POOL_INDEX_ROWS = (
    # A machine's tags, from its ``tags`` JSON list.
    'INSERT OR IGNORE INTO pool_tags SELECT t.value, m.system_id '
    'FROM pool_machines m, json_each(m.tags) t',
    # The spaces its links reach (``_rows.spaces_text``): ``interfaces`` is [[name, type, mac,
    # parents, vid, mtu, [[subnet, mode, ip, space, prefixlen], ...]], ...], as Machine.spaces.
    "UPDATE pool_machines SET spaces = coalesce((SELECT ',' || group_concat(s, ',') || ',' "
    "FROM (SELECT DISTINCT json_extract(l.value, '$[3]') AS s "
    "FROM json_each(pool_machines.interfaces) i, json_each(i.value, '$[6]') l)), '')",
)
"""Schema 6 fills the pool's tag table and spaces column from the machines already there."""
_V6_COLUMNS = (('pool_machines', "spaces TEXT NOT NULL DEFAULT ''"),)
"""Columns schema 6 added: the spaces a pool machine reaches, for the covering index."""
MODEL_TABLES = ('machines', 'sequences', 'records', 'settings', 'log')
_V1_MODEL_TABLES = ('machines', 'sequences', 'records', 'log')


def create_schema(
    conn: sqlite3.Connection, key_path: Path, database: Path
) -> tuple[SecretsKey, bool]:
    """Create or migrate the tables; the state directory's key, and whether to VACUUM.

    A new database gets a new key (or the one already beside it); a schema 1-4 database gets
    one and its sensitive values sealed, then wants a VACUUM so that no plain value stays in
    its free pages; a schema 5 or 6 one needs its key, which must be the one that sealed it. A
    schema 1-5 database also gets the pool's tag and space tables filled (schema 6).
    """
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    row = (
        conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if has_meta
        else None
    )
    version = None if row is None else int(row[0])
    if version is not None and version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f'schema version {version} is newer than this olm understands ({SCHEMA_VERSION})'
        )
    key = (
        load_key(key_path, database)
        if version is not None and version >= _SEALED_SINCE
        else ensure_key(key_path, database)
    )
    if version is not None and version < SCHEMA_VERSION:
        # Before any CREATE INDEX of _SCHEMA names it.
        _add_columns(conn, _V6_COLUMNS)
    if version == 1:
        _migrate_from_v1(conn)
    if version in (1, 2, 3):
        _migrate_to_v3(conn)
    # executescript would COMMIT the open transaction; run the statements one by one instead.
    for statement in _SCHEMA.split(';'):
        if statement.strip():
            conn.execute(statement)
    if version is not None and version < _SEALED_SINCE:
        _seal_v5(conn, key)
    if version is not None and version < SCHEMA_VERSION:
        for statement in _POOL_INDEX_ROWS:
            conn.execute(statement)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))
    if version is None:
        conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        conn.execute(
            'INSERT INTO models VALUES (?, ?, ?)',
            (DEFAULT_MODEL, new_model_uuid(), time.time()),
        )
        conn.execute("INSERT INTO meta VALUES ('current-model', ?)", (DEFAULT_MODEL,))
        conn.execute("INSERT INTO meta VALUES ('key-check', ?)", (key.check_value(),))
    else:
        check = conn.execute("SELECT value FROM meta WHERE key = 'key-check'").fetchone()
        key.verify(None if check is None else check[0], database)
    pending = conn.execute("SELECT 1 FROM meta WHERE key = 'vacuum-pending'").fetchone()
    return key, pending is not None


def vacuum(conn: sqlite3.Connection) -> None:
    """Rewrite the database so that no page keeps a value from before it was sealed.

    sqlite leaves a deleted or overwritten value's bytes in free pages and in the free space
    of the pages it changed; VACUUM rebuilds every page, and the checkpoint moves the rebuilt
    pages from the WAL into the file and truncates the WAL. The mark that asks for it goes
    last, so a process killed before the end leaves the next one to do it again.
    """
    conn.execute('VACUUM')
    conn.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    conn.execute("DELETE FROM meta WHERE key = 'vacuum-pending'")


def _seal_v5(conn: sqlite3.Connection, key: SecretsKey) -> None:
    """Seal a schema 1-4 database's sensitive values, and ask for a VACUUM (:func:`vacuum`)."""
    for table, column, label in SEALED:
        # Only text is plain: a value already sealed (a BLOB) is left as it is.
        rows = conn.execute(
            f"SELECT rowid, {column} FROM {table} WHERE typeof({column}) = 'text'"  # noqa: S608
        ).fetchall()
        conn.executemany(
            f'UPDATE {table} SET {column} = ? WHERE rowid = ?',  # noqa: S608
            ((key.seal_text(str(value), label), rowid) for rowid, value in rows),
        )
    rows = conn.execute(
        "SELECT key, value FROM meta WHERE key LIKE 'cloud:%' AND typeof(value) = 'text'"
    ).fetchall()
    conn.executemany(
        'UPDATE meta SET value = ? WHERE key = ?',
        ((key.seal_text(str(value), CLOUD_LABEL), name) for name, value in rows),
    )
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('key-check', ?)", (key.check_value(),))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('vacuum-pending', '1')")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))


def _add_columns(conn: sqlite3.Connection, columns: tuple[tuple[str, str], ...]) -> None:
    """Add each (table, column definition) the table lacks."""
    for table, column in columns:
        names = {str(c[1]) for c in conn.execute(f'PRAGMA table_info({table})')}
        if names and column.split()[0] not in names:
            conn.execute(f'ALTER TABLE {table} ADD COLUMN {column}')


def _migrate_to_v3(conn: sqlite3.Connection) -> None:
    """Bring a schema 1-3 database to the current columns.

    Schema 3 added the network columns, schema 4 a machine's status time; older machines have
    no interfaces and no status time recorded.
    """
    _add_columns(conn, _V3_COLUMNS + _V4_COLUMNS)
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
        (DEFAULT_MODEL, new_model_uuid(), time.time()),
    )
    conn.execute("INSERT INTO meta VALUES ('current-model', ?)", (DEFAULT_MODEL,))
