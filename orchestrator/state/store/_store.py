"""The state directory's database: one connection, locked transactions, the models in it."""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
from collections.abc import Generator
from pathlib import Path

from .. import model
from ._cipher import KEY_FILE, SecretsKey
from ._errors import StoreError
from ._names import CONTROLLER, OWNER, ModelRecord, check_model_name, new_model_uuid
from ._permissions import refuse_too_open
from ._rows import MACHINE_COLUMNS, juju_machine
from ._schema import create_schema, vacuum
from ._transaction import Transaction
from ._writer_lock import LockWait, hold

DEFAULT_STATE_DIR = Path('.olm')
LOCK_TIMEOUT = 60.0
"""Seconds a process waits for another one's transaction before giving up."""


class Store:
    """The state directory, seen from one of its models.

    Args:
        state_dir: where ``state.db`` lives; created on first use.
        model: the model this store reads and writes (a bare name); None means the selected
            one (``olm switch``). Checked on the first transaction, not here.
    """

    def __init__(
        self,
        state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR,
        model: str | None = None,
        *,
        create: bool = True,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / 'state.db'
        self.key_path = self.state_dir / KEY_FILE
        self._create = create
        self._conn: sqlite3.Connection | None = None
        self._key: SecretsKey | None = None
        self._model_ref = model
        self._model: str | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self._open_dir()
            self._open_database_file()
            try:
                conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None)
                conn.execute('PRAGMA journal_mode=WAL')
                conn.execute('PRAGMA synchronous=NORMAL')
                conn.execute('PRAGMA foreign_keys=ON')
                # sqlite caches 2 MiB of pages by default: past a few hundred units the record
                # and log B-trees no longer fit, and every hook's commit reads pages back from
                # the OS. Up to 32 MiB (used only as the database grows) keeps them cached.
                conn.execute('PRAGMA cache_size=-32768')
                with _immediate(conn):
                    self._key, dirty = create_schema(conn, self.key_path, self.path)
                if dirty:
                    vacuum(conn)
            except (OSError, sqlite3.Error) as e:
                raise StoreError(f'cannot open state database {self.path}: {e}') from None
            self._conn = conn
        return self._conn

    def _open_dir(self) -> None:
        """Create the state directory 0700 (when this store may), or check an existing one.

        A read-only command (``create=False``) never makes an empty controller out of a typo'd
        ``--state-dir``: it names the directory instead, as ``juju status`` says "No
        controllers registered" and points to ``juju bootstrap`` rather than making one
        (juju/juju ``cmd/modelcmd/base.go``, ``ErrNoControllersDefined``).

        Raises:
            StoreError: it does not exist and may not be created, or others can reach it.
        """
        if self.state_dir.is_dir():
            refuse_too_open(self.state_dir)
            return
        if self.state_dir.exists():
            raise StoreError(f'state directory {self.state_dir} is not a directory')
        if not self._create:
            raise StoreError(
                f'state directory {self.state_dir} does not exist: commands that change state '
                '(olm pool import, olm deploy, olm add-model ...) create it; read-only '
                'commands do not'
            )
        try:
            self.state_dir.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            refuse_too_open(self.state_dir)
        except OSError as e:
            raise StoreError(
                f'cannot create state directory {self.state_dir}: {e.strerror}'
            ) from None

    def _open_database_file(self) -> None:
        """Create the database 0600 if it is not there yet (when this store may), or check it.

        The database holds secret content and BMC credentials (sealed, see ``_cipher``), so
        only its owner may read it. sqlite creates the ``-wal`` and ``-shm`` files with the
        database file's permissions (its unix VFS, ``findCreateFileMode``), so creating the
        file first, 0600, covers them. An existing database, its ``-wal`` and ``-shm`` and
        the key file must be private already (:func:`refuse_too_open`).

        Raises:
            StoreError: no database and none may be created, or others can reach a file.
        """
        if not self.path.exists():
            if not self._create:
                raise StoreError(
                    f'no olm state in {self.state_dir} ({self.path.name} does not exist): '
                    'commands that change state create it; read-only commands do not'
                )
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            except OSError as e:
                raise StoreError(
                    f'cannot create state database {self.path}: {e.strerror}'
                ) from None
        for path in (self.path, Path(f'{self.path}-wal'), Path(f'{self.path}-shm'), self.key_path):
            with contextlib.suppress(FileNotFoundError):
                refuse_too_open(path)

    def close(self) -> None:
        """Close the database connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def reopened(self) -> Store:
        """The same state directory and model, on a connection of its own.

        sqlite's connections belong to the thread that opened them: a reader working in
        another thread (the dashboard's) opens its own.
        """
        return Store(self.state_dir, model=self._model_ref, create=self._create)

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the database.

        sqlite's ``PRAGMA data_version`` (sqlite.org/pragma.html#pragma_data_version): a
        reader's cheap test for "is there anything new?", without reading a table.
        """
        with self._database_errors():
            row = self._connect().execute('PRAGMA data_version').fetchone()
            return int(row[0])

    lock_wait: LockWait = LockWait()
    """How :meth:`exclusive` waits for another process's lock (the CLI sets its own)."""
    _lock_depth: int = 0

    @contextlib.contextmanager
    def exclusive(self) -> Generator[None]:
        """Hold the model's writer lock: one ``olm`` process changes and settles it at a time.

        Juju has one controller deciding what runs next; olm has whichever process holds this
        lock. Readers (``olm status``) never take it: sqlite's snapshots serve them. Held
        again inside itself (an operation that takes it before its session), it is one hold.
        A process that waits says who holds it and gives up after :attr:`lock_wait`'s timeout
        (:mod:`._writer_lock`).

        Raises:
            LockTimeoutError: another process held it for longer than the timeout.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        self._open_dir()
        with hold(self.state_dir, self.lock_wait):
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    @contextlib.contextmanager
    def transaction(self) -> Generator[Transaction]:
        """One change: everything inside commits together, or nothing does."""
        with self._database_errors():
            conn = self._connect()
            with _immediate(conn):
                txn = Transaction(conn, self._resolve(conn), self._secrets_key())
                yield txn
                txn.flush()

    @contextlib.contextmanager
    def snapshot(self) -> Generator[Transaction]:
        """A read-only view, consistent for its duration, that never blocks a writer."""
        with self._database_errors():
            conn = self._connect()
            conn.execute('BEGIN DEFERRED')
            try:
                yield Transaction(conn, self._resolve(conn), self._secrets_key(), read_only=True)
            finally:
                conn.execute('ROLLBACK')

    def _secrets_key(self) -> SecretsKey:
        assert self._key is not None, 'opened with the connection'
        return self._key

    @contextlib.contextmanager
    def _database_errors(self) -> Generator[None]:
        """The database's failures as one line naming it: busy, unwritable, or corrupt.

        A corrupt or truncated file opens, and fails on the first page it lacks ("database
        disk image is malformed"); that is the user's file to restore, not olm's bug. sqlite's
        other errors (a programming error, a constraint) stay what they are.
        """
        try:
            yield
        except sqlite3.OperationalError as e:
            raise StoreError(f'state database {self.path}: {e}') from None
        except sqlite3.DatabaseError as e:
            if type(e) is not sqlite3.DatabaseError:
                raise
            raise StoreError(
                f'state database {self.path} is damaged ({e}): restore it from a backup'
            ) from None

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
        with self._database_errors():
            conn = self._connect()
            rows = conn.execute('SELECT name, uuid, created FROM models ORDER BY name').fetchall()
        return [ModelRecord(str(n), str(u), float(c)) for n, u, c in rows]

    def machines_by_model(self) -> dict[str, list[model.Machine]]:
        """Every model's machines, by number, read in one query (``olm models``)."""
        found: dict[str, list[model.Machine]] = {r.name: [] for r in self.models()}
        with self._database_errors():
            rows = self._connect().execute(f'SELECT model, {MACHINE_COLUMNS} FROM machines')  # noqa: S608
            for row in rows:
                found.setdefault(str(row[0]), []).append(juju_machine(row[1:]))
        return {name: sorted(ms, key=lambda m: int(m.id)) for name, ms in found.items()}

    def units_by_model(self) -> dict[str, int]:
        """How many units each model has, in one query."""
        with self._database_errors():
            rows = self._connect().execute(
                "SELECT model, COUNT(*) FROM records WHERE kind = 'unit' GROUP BY model"
            )
            return {str(name): int(count) for name, count in rows}

    def current_model(self) -> str | None:
        """The selected model (``olm switch``), if any."""
        with self._database_errors():
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
        with self._database_errors(), _immediate(conn := self._connect()):
            if conn.execute('SELECT 1 FROM models WHERE name = ?', (name,)).fetchone():
                raise StoreError(
                    f'failed to create new model: model "{name}" for {OWNER} already exists'
                )
            record = ModelRecord(name, new_model_uuid(), created)
            conn.execute('INSERT INTO models VALUES (?, ?, ?)', dataclasses.astuple(record))
            if switch:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('current-model', ?)", (name,))
        return record

    def switch(self, name: str) -> None:
        """Select a model for the commands that name none."""
        with self._database_errors(), _immediate(conn := self._connect()):
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
