"""Reads and writes of one model inside one transaction."""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ... import cloud
from .. import model
from ._cipher import SecretsKey
from ._errors import StoreError
from ._log import LogEntry
from ._pool_index import StoredIndex
from ._rows import MACHINE_COLUMNS, juju_machine
from ._schema import CLOUD_LABEL, MODEL_TABLES
from ._schema import LOG_LABEL as _LOG
from ._schema import RECORDS_LABEL as _RECORDS
from ._schema import SETTINGS_LABEL as _SETTINGS


class Transaction:
    """Reads and writes inside one transaction of the store.

    Records, settings, the event log's details and the pool's power parameters are sealed
    with the state directory's key on writing and opened on reading (``_schema.SEALED``).
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        model: str | None,
        key: SecretsKey,
        *,
        read_only: bool = False,
    ) -> None:
        self._conn = conn
        self._model = model
        self._key = key
        self._read_only = read_only
        self._pool: cloud.Pool | None = None
        self._pool_index: StoredIndex | None = None

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
        for table in MODEL_TABLES:
            self._conn.execute(f'DELETE FROM {table} WHERE model = ?', (name,))  # noqa: S608
        self._conn.execute('DELETE FROM models WHERE name = ?', (name,))
        self._conn.execute("DELETE FROM meta WHERE key = 'current-model' AND value = ?", (name,))

    # -- the metal pool ------------------------------------------------------------------

    @property
    def pool(self) -> cloud.Pool:
        """The pool, read through the database's indexes; changes are saved on commit.

        Only the rows a command asks for are read (:class:`StoredIndex`). In a snapshot the
        pool can still be changed, as ``olm plan`` does to see where a bundle would land; the
        changes stay in memory and go with the snapshot.
        """
        if self._pool is None:
            network = self.get_cloud_setting('network')
            self._pool_index = StoredIndex(self._conn, self._key, read_only=self._read_only)
            self._pool = cloud.Pool(
                network=cloud.Network.from_data(json.loads(network)) if network else None,
                index=self._pool_index,
            )
        return self._pool

    def flush(self) -> None:
        """Write every pool machine changed in this transaction."""
        if self._pool is None or self._pool_index is None or self._read_only:
            return
        pool = self._pool
        if pool.network_changed:
            self.set_cloud_setting('network', json.dumps(pool.network.to_data()))
        self._pool_index.flush()
        pool.clear_changes()

    # -- the model's machines ------------------------------------------------------------

    def machines(self) -> list[model.Machine]:
        """The model's machines, by number."""
        rows = self._conn.execute(
            f'SELECT {MACHINE_COLUMNS} FROM machines WHERE model = ?',  # noqa: S608
            (self.model,),
        ).fetchall()
        return sorted((juju_machine(row) for row in rows), key=lambda m: int(m.id))

    def put_machine(self, machine: model.Machine) -> None:
        """Insert or replace one of the model's machines."""
        self._conn.execute(
            'INSERT OR REPLACE INTO machines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (
                self.model, machine.id, machine.instance_id, machine.hostname, machine.address,
                machine.zone, machine.hardware, machine.constraints, machine.base,
                machine.status, machine.message,
                json.dumps([dataclasses.astuple(a) for a in machine.addresses]), machine.since,
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
        key_ = self._key
        return {str(key): json.loads(key_.open(data, _RECORDS)) for key, data in rows}

    def put_records(self, kind: str, records: Iterable[tuple[str, Any]]) -> None:
        """Insert or replace records of one kind."""
        model = self.model
        seal = self._key.seal
        self._conn.executemany(
            'INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)',
            (
                (
                    model,
                    kind,
                    key,
                    seal(json.dumps(data, separators=(',', ':')).encode(), _RECORDS),
                )
                for key, data in records
            ),
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
            (
                (model, e.time, e.unit, e.event, e.outcome, self._key.seal_text(e.detail, _LOG))
                for e in entries
            ),
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
        open_text = self._key.open_text
        return [
            LogEntry(int(seq), float(t), str(u), str(e), str(o), open_text(d, _LOG))
            for seq, t, u, e, o, d in rows
        ]

    # -- settings ------------------------------------------------------------------------

    def get_setting(self, key: str, default: str = '') -> str:
        """A model setting (e.g. ``model-constraints``)."""
        row = self._conn.execute(
            'SELECT value FROM settings WHERE model = ? AND key = ?', (self.model, key)
        ).fetchone()
        return default if row is None else self._key.open_text(row[0], _SETTINGS)

    def get_cloud_setting(self, key: str, default: str = '') -> str:
        """A setting of the cloud, shared by every model (e.g. a pool file's storage pools)."""
        row = self._conn.execute('SELECT value FROM meta WHERE key = ?', (f'cloud:{key}',))
        found = row.fetchone()
        return default if found is None else self._key.open_text(found[0], CLOUD_LABEL)

    def set_cloud_setting(self, key: str, value: str) -> None:
        """Replace a setting of the cloud."""
        sealed = self._key.seal_text(value, CLOUD_LABEL)
        self._conn.execute('INSERT OR REPLACE INTO meta VALUES (?, ?)', (f'cloud:{key}', sealed))

    def set_setting(self, key: str, value: str) -> None:
        """Replace a model setting."""
        self._conn.execute(
            'INSERT OR REPLACE INTO settings VALUES (?, ?, ?)',
            (self.model, key, self._key.seal_text(value, _SETTINGS)),
        )

    def delete_setting(self, key: str) -> None:
        """Remove a model setting, if it is there."""
        self._conn.execute('DELETE FROM settings WHERE model = ? AND key = ?', (self.model, key))
