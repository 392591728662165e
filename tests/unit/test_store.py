"""The sqlite state directory: round trips, one transaction per change, WAL, schema guard."""

from __future__ import annotations

import base64
import dataclasses
import os
import sqlite3
import stat
import uuid
from pathlib import Path

import pytest
from builders import disk, machine

from orchestrator.cloud import NoMatchError, Status
from orchestrator.juju import constraints
from orchestrator.state import model
from orchestrator.state.store import LogEntry, Store, StoreError, Transaction, parse_model_ref
from orchestrator.state.store import _rows as rows  # pyright: ignore[reportPrivateUsage]
from orchestrator.state.store import _schema as schema  # pyright: ignore[reportPrivateUsage]


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / 'state')
    yield s
    s.close()


def test_pool_round_trips_every_field(store: Store):
    m = machine(
        'n1', 12, 48, tags=('gpu', 'ssd'), zone='zone-b', pool='storage',
        disks=(disk('nvme0n1', 960, 'nvme', 'ssd', boot=True), disk('sdb', 8000, 'rotary')),
    )  # fmt: skip
    m = type(m)(**{**{f: getattr(m, f) for f in m.__slots__},  # type: ignore[attr-defined]
                   'power_type': 'ipmi', 'address': '10.0.0.5',
                   'power_parameters': {'power_address': '10.1.0.5', 'power_pass': 's3cret'},
                   'status': Status.BROKEN, 'previous_status': Status.DEPLOYED,
                   'status_message': 'fan'})  # fmt: skip
    with store.transaction() as txn:
        txn.pool.add([m, machine('n2')])
    reopened = Store(store.state_dir)
    with reopened.snapshot() as txn:
        assert txn.pool.get('n1') == m
        assert len(txn.pool) == 2
    reopened.close()


def test_only_changed_machines_are_written_and_changes_commit(store: Store):
    with store.transaction() as txn:
        txn.pool.add([machine('a'), machine('b')])
    with store.transaction() as txn:
        txn.pool.allocate(constraints.parse(''))
        assert txn.pool.changed == {'id-a'}
    with store.snapshot() as txn:
        assert txn.pool.get('a').status is Status.ALLOCATED
        assert txn.pool.get('b').status is Status.READY


def test_an_error_rolls_the_whole_change_back(store: Store):
    with store.transaction() as txn:
        txn.pool.add([machine('a')])
    with pytest.raises(NoMatchError), store.transaction() as txn:
        txn.pool.allocate(constraints.parse(''))
        txn.put_machine(model.Machine(id='0', instance_id='id-a', hostname='a', address='',
                                      zone='zone-a', hardware=''))  # fmt: skip
        txn.pool.allocate(constraints.parse(''))  # nothing left: raises
    with store.snapshot() as txn:
        assert txn.pool.get('a').status is Status.READY
        assert txn.machines() == []


def test_sequences_never_reuse_numbers(store: Store):
    with store.transaction() as txn:
        assert [txn.next_sequence('machine') for _ in range(3)] == [0, 1, 2]
    with pytest.raises(RuntimeError), store.transaction() as txn:
        txn.next_sequence('machine')
        raise RuntimeError('boom')
    with store.transaction() as txn:
        assert txn.next_sequence('machine') == 3


def test_wal_mode_and_settings(store: Store):
    with store.transaction() as txn:
        txn.set_setting('model-constraints', 'cores=2')
    conn = sqlite3.connect(store.path)
    assert conn.execute('PRAGMA journal_mode').fetchone() == ('wal',)
    conn.close()
    with store.snapshot() as txn:
        assert txn.get_setting('model-constraints') == 'cores=2'
        assert txn.get_setting('missing', 'x') == 'x'


def test_a_new_state_directory_is_its_owners_alone(tmp_path: Path):
    """Secret content and BMC passwords live in state.db: no other local user may read it."""
    store = Store(tmp_path / 'new' / 'state')
    with store.transaction() as txn:
        txn.set_setting('model-constraints', 'cores=2')
    with store.exclusive():
        pass
    modes = {
        path.name: path.stat().st_mode & 0o777
        for path in [store.state_dir, *store.state_dir.iterdir()]
    }
    store.close()
    assert modes['state'] == 0o700
    assert modes['state.db'] == 0o600
    assert modes['state.db-wal'] == 0o600
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_a_newer_schema_is_refused(tmp_path: Path):
    Store(tmp_path).close()
    Store(tmp_path).models()  # creates the database
    conn = sqlite3.connect(tmp_path / 'state.db')
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with (
        pytest.raises(StoreError, match='schema version 99 is newer'),
        Store(tmp_path).transaction(),
    ):
        pass


def test_unwritable_state_dir_is_a_store_error(tmp_path: Path):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    with (
        pytest.raises(StoreError, match=r'cannot create state directory .*/file/state'),
        Store(blocker / 'state').transaction(),
    ):
        pass


# -- models ----------------------------------------------------------------------------------


def test_a_new_state_dir_has_the_default_model_selected(store: Store):
    assert [m.name for m in store.models()] == ['default']
    assert store.current_model() == 'default'
    assert store.model == 'default'


def test_models_keep_their_rows_apart_and_share_the_pool(tmp_path: Path):
    default = Store(tmp_path)
    with default.transaction() as txn:
        txn.pool.add([machine('a'), machine('b')])
        txn.put_records('unit', [('app/0', {'in': 'default'})])
        txn.set_setting('model-constraints', 'cores=2')
        assert txn.next_sequence('machine') == 0
    default.add_model('other', created=1.0)
    other = Store(tmp_path, model='other')
    with other.transaction() as txn:
        assert len(txn.pool) == 2  # the cloud is shared
        assert txn.records('unit') == {}
        assert txn.get_setting('model-constraints') == ''
        assert txn.next_sequence('machine') == 0  # machine numbers are per model
        txn.put_records('unit', [('app/0', {'in': 'other'})])
    with default.snapshot() as txn:
        assert txn.records('unit') == {'app/0': {'in': 'default'}}
    with other.transaction() as txn:
        txn.delete_model()
    assert [m.name for m in default.models()] == ['default']
    with default.snapshot() as txn:
        assert txn.records('unit') == {'app/0': {'in': 'default'}}
        assert len(txn.pool) == 2
    default.close()
    other.close()


def test_add_model_refuses_a_taken_or_invalid_name_with_jujus_words(store: Store):
    with pytest.raises(StoreError, match='model "default" for admin already exists'):
        store.add_model('default', created=0.0)
    with pytest.raises(StoreError, match='"Foo_1" is not a valid name: model names may only'):
        store.add_model('Foo_1', created=0.0)
    assert [m.name for m in store.models()] == ['default']


def test_a_named_model_must_exist(tmp_path: Path):
    Store(tmp_path).models()
    with pytest.raises(StoreError, match='model olm:admin/typo not found'):
        _ = Store(tmp_path, model='typo').model


def test_destroying_the_selected_model_leaves_none_selected(store: Store):
    store.add_model('next', created=0.0, switch=True)
    assert store.current_model() == 'next'
    selected = Store(store.state_dir)
    with selected.transaction() as txn:
        txn.delete_model()
    assert store.current_model() is None
    with (
        pytest.raises(StoreError, match='no selected model'),
        Store(store.state_dir).snapshot() as txn,
    ):
        txn.records('unit')
    store.switch('default')
    assert Store(store.state_dir).model == 'default'


@pytest.mark.parametrize(
    ('ref', 'name'),
    [('m1', 'm1'), ('admin/m1', 'm1'), ('olm:admin/m1', 'm1'), ('olm:m1', 'm1')],
)
def test_model_references_take_jujus_forms(ref: str, name: str):
    assert parse_model_ref(ref) == name


@pytest.mark.parametrize(
    ('ref', 'message'),
    [
        ('lxd:admin/m1', 'controller lxd not found'),
        ('bob/m1', 'model "bob/m1" not found'),
        ('M1', '"M1" is not a valid name'),
    ],
)
def test_model_references_to_elsewhere_are_refused(ref: str, message: str):
    with pytest.raises(StoreError, match=message):
        parse_model_ref(ref)


def test_a_schema_1_state_dir_becomes_the_default_model(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / 'state.db')
    for statement in _V1_SCHEMA.split(';'):
        conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema', '1'), ('model-constraints', 'mem=4G')")
    conn.execute(
        "INSERT INTO machines VALUES ('0', 'id-a', 'a', '10.0.0.1', 'zone-a', 'cores=2', '', "
        "'ubuntu@24.04', 'started', '')"
    )
    conn.execute("INSERT INTO sequences VALUES ('machine', 1)")
    conn.execute("INSERT INTO records VALUES ('unit', 'app/0', '{\"x\": 1}')")
    conn.execute(
        'INSERT INTO log (time, unit, event, outcome, detail) '
        "VALUES (1, 'app/0', 'install', 'ok', '')"
    )
    conn.commit()
    conn.close()
    (tmp_path / 'state.db').chmod(0o600)  # olm before schema 5 made it 0644: refused as it is
    store = Store(tmp_path)
    assert store.model == 'default'
    with store.transaction() as txn:
        assert [m.instance_id for m in txn.machines()] == ['id-a']
        assert txn.next_sequence('machine') == 1
        assert txn.records('unit') == {'app/0': {'x': 1}}
        assert txn.get_setting('model-constraints') == 'mem=4G'
        assert [(e.unit, e.event) for e in txn.log()] == [('app/0', 'install')]
    store.close()


_V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE machines (id TEXT PRIMARY KEY, instance_id TEXT NOT NULL UNIQUE,
    hostname TEXT NOT NULL, address TEXT NOT NULL, zone TEXT NOT NULL, hardware TEXT NOT NULL,
    constraints TEXT NOT NULL, base TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, key));
CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, unit TEXT NOT NULL,
    event TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL)
"""


def test_a_schema_2_state_dir_gains_the_network_columns(tmp_path: Path):
    store = Store(tmp_path)
    with store.transaction() as txn:
        txn.pool.add([machine('n1')])
        txn.put_machine(
            model.Machine(
                id='0',
                instance_id='id-n1',
                hostname='n1',
                address='10.0.0.1',
                zone='zone-a',
                hardware='cores=4',
            )
        )
    store.close()
    conn = sqlite3.connect(tmp_path / 'state.db')
    conn.execute('ALTER TABLE pool_machines DROP COLUMN interfaces')
    conn.execute('ALTER TABLE machines DROP COLUMN since')
    conn.execute('ALTER TABLE machines DROP COLUMN addresses')
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    with store.transaction() as txn:
        (pooled,) = list(txn.pool)
        assert pooled.hostname == 'n1' and pooled.interfaces == () and pooled.spaces == set()
        (recorded,) = txn.machines()
        assert recorded.addresses == () and recorded.since == 0.0
    store.close()
    conn = sqlite3.connect(tmp_path / 'state.db')
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ('6',)
    conn.close()


def test_a_schema_3_state_dir_gains_the_machines_status_time(tmp_path: Path):
    store = Store(tmp_path)
    with store.transaction() as txn:
        txn.put_machine(
            model.Machine(id='0', instance_id='id-n1', hostname='n1', address='10.0.0.1',
                          zone='zone-a', hardware='cores=4', since=1_800_000_000.0)
        )  # fmt: skip
        assert [m.since for m in txn.machines()] == [1_800_000_000.0]
    store.close()
    conn = sqlite3.connect(tmp_path / 'state.db')
    conn.execute('ALTER TABLE machines DROP COLUMN since')
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    with store.transaction() as txn:
        (recorded,) = txn.machines()
        assert (recorded.hostname, recorded.since) == ('n1', 0.0)
    store.close()


# -- secrets at rest ---------------------------------------------------------------------------

CANARY = 'canary-7f3a9c51e2'
"""A value every sealed column holds in these tests: it must never show in the raw database."""


def _raw(state: Path) -> bytes:
    """Every byte of the state directory's files but the key's, and sqlite's dump of it."""
    raw = b''.join(
        p.read_bytes() for p in sorted(state.iterdir()) if p.name not in ('secrets.key',)
    )
    conn = sqlite3.connect(f'file:{state / "state.db"}?mode=ro', uri=True)
    try:
        return raw + '\n'.join(conn.iterdump()).encode()
    finally:
        conn.close()


def _write_canaries(txn: Transaction) -> None:
    txn.put_records('secret', [('s1', {'content': {'password': CANARY}})])
    txn.set_setting('model-config', f'{{"http-proxy": "http://u:{CANARY}@proxy"}}')
    txn.append_log([LogEntry(0, 1.0, 'app/0', 'exec', 'ok', f'echo {CANARY}')])
    txn.set_cloud_setting('storage-pools', f'{{"x": "{CANARY}"}}')
    txn.pool.add([dataclasses.replace(machine('n1'), power_parameters={'power_pass': CANARY})])


def _read_canaries(txn: Transaction) -> list[str]:
    return [
        txn.records('secret')['s1']['content']['password'],
        txn.get_setting('model-config'),
        txn.log()[-1].detail,
        txn.get_cloud_setting('storage-pools'),
        str(txn.pool.get('id-n1').power_parameters['power_pass']),
    ]


def test_sensitive_values_are_sealed_with_a_key_kept_apart(tmp_path: Path):
    state = tmp_path / 'state'
    store = Store(state)
    with store.transaction() as txn:
        _write_canaries(txn)
    with store.snapshot() as txn:
        assert all(CANARY in value for value in _read_canaries(txn))
    reader = sqlite3.connect(state / 'state.db')  # keeps the WAL when the store closes
    reader.execute('SELECT COUNT(*) FROM sqlite_master').fetchone()
    store.close()
    try:
        assert (state / 'state.db-wal').stat().st_size > 0
        assert CANARY.encode() not in _raw(state)
    finally:
        reader.close()
    key = state / 'secrets.key'
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().strip() not in _raw(state)


def test_a_schema_4_database_is_sealed_and_vacuumed_on_opening(tmp_path: Path):
    # A database olm wrote before schema 5: the same tables, every value in plain text, and a
    # deleted row's bytes (another canary) left in a free page, as sqlite leaves them.
    state = tmp_path / 'state'
    state.mkdir(mode=0o700)
    conn = sqlite3.connect(state / 'state.db')
    conn.execute('PRAGMA secure_delete=OFF')  # sqlite's default where not built otherwise
    for statement in schema._SCHEMA.split(';'):  # pyright: ignore[reportPrivateUsage]
        if statement.strip():
            conn.execute(statement)
    deleted = 'deleted-canary-0b1d2e'
    conn.executemany(
        'INSERT INTO meta VALUES (?, ?)',
        [('schema', '4'), ('current-model', 'default'), ('cloud:storage-pools', f'"{CANARY}"')],
    )
    conn.execute(
        "INSERT INTO models VALUES ('default', 'e2a5c3f0-0000-4000-8000-000000000000', 0)"
    )
    conn.execute("INSERT INTO records VALUES ('default', 'secret', 's1', ?)",
                 (f'{{"password": "{CANARY}"}}',))  # fmt: skip
    # Enough deleted rows to free whole pages: sqlite keeps a free page's old bytes.
    conn.executemany(
        "INSERT INTO records VALUES ('default', 'old', ?, ?)",
        ((f'o{i}', f'{{"password": "{deleted}", "pad": "{"x" * 400}"}}') for i in range(40)),
    )
    conn.execute("INSERT INTO settings VALUES ('default', 'model-config', ?)", (CANARY,))
    conn.execute("INSERT INTO log (model, time, unit, event, outcome, detail) "
                 "VALUES ('default', 1, 'app/0', 'exec', 'ok', ?)", (CANARY,))  # fmt: skip
    row = list(rows.machine_to_row(
        dataclasses.replace(machine('n1'), power_parameters={'power_pass': CANARY})
    ))  # fmt: skip
    conn.execute(
        f'INSERT INTO pool_machines ({rows.POOL_COLUMNS}) VALUES ({", ".join("?" * len(row))})',
        row,
    )
    conn.commit()
    conn.execute("DELETE FROM records WHERE kind = 'old'")
    conn.commit()
    conn.close()
    (state / 'state.db').chmod(0o600)
    assert deleted.encode() in (state / 'state.db').read_bytes()  # what the VACUUM is for
    assert not (state / 'secrets.key').exists()

    store = Store(state)
    with store.snapshot() as txn:
        assert txn.records('secret') == {'s1': {'password': CANARY}}
        assert txn.get_setting('model-config') == CANARY
        assert txn.log()[-1].detail == CANARY
        assert txn.get_cloud_setting('storage-pools') == f'"{CANARY}"'
        assert txn.pool.get('id-n1').power_parameters == {'power_pass': CANARY}
    reader = sqlite3.connect(state / 'state.db')
    reader.execute('SELECT COUNT(*) FROM sqlite_master').fetchone()
    store.close()
    try:
        raw = _raw(state)
        assert CANARY.encode() not in raw
        assert deleted.encode() not in raw
    finally:
        reader.close()
    conn = sqlite3.connect(state / 'state.db')
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ('6',)
    assert conn.execute("SELECT 1 FROM meta WHERE key = 'vacuum-pending'").fetchone() is None
    conn.close()
    assert stat.S_IMODE((state / 'secrets.key').stat().st_mode) == 0o600


def test_a_lost_or_wrong_key_is_one_error_naming_the_key_file(tmp_path: Path):
    state = tmp_path / 'state'
    store = Store(state)
    with store.transaction() as txn:
        _write_canaries(txn)
    store.close()
    key = state / 'secrets.key'
    key.rename(tmp_path / 'kept.key')
    with pytest.raises(StoreError, match=f'secrets key {key} not found: .*state.db is encrypted'):
        Store(state).models()
    assert not key.exists()
    key.write_bytes(base64.b64encode(os.urandom(32)))
    key.chmod(0o600)
    with pytest.raises(StoreError, match=f'{key} is not the key .*state.db was encrypted with'):
        Store(state).models()
    (tmp_path / 'kept.key').replace(key)
    with Store(state).snapshot() as txn:
        assert all(CANARY in value for value in _read_canaries(txn))


# -- who may read the state directory ----------------------------------------------------------


@pytest.mark.parametrize(
    ('name', 'mode'),
    [('.', 0o755), ('.', 0o701), ('state.db', 0o640), ('state.db', 0o606), ('secrets.key', 0o644)],
)
def test_a_state_directory_others_can_reach_is_refused_untouched(
    tmp_path: Path, name: str, mode: int
):
    state = tmp_path / 'state'
    first = Store(state)
    first.models()
    first.close()  # its WAL files checkpointed now, not whenever the garbage collector runs
    path = state if name == '.' else state / name
    path.chmod(mode)
    before = {p.name: p.read_bytes() for p in state.iterdir()}
    with pytest.raises(StoreError) as refused:
        Store(state).add_model('other', created=0)
    assert str(refused.value) == (
        f"permissions 0{mode:03o} for '{path}' are too open: it holds secrets and must not be "
        f"accessible by others; run: chmod {'700' if name == '.' else '600'} '{path}'"
    )
    assert {p.name: p.read_bytes() for p in state.iterdir()} == before
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_store_that_may_not_create_names_the_missing_directory(tmp_path: Path):
    missing = tmp_path / 'typo' / 'olm'
    with pytest.raises(StoreError, match=f'state directory {missing} does not exist'):
        Store(missing, create=False).models()
    with (
        pytest.raises(StoreError, match=f'state directory {missing} does not exist'),
        Store(missing, create=False).exclusive(),
    ):
        pass
    assert not (tmp_path / 'typo').exists()
    (tmp_path / 'empty').mkdir(mode=0o700)
    with pytest.raises(StoreError, match=r'no olm state in .*empty'):
        Store(tmp_path / 'empty', create=False).models()
    assert list((tmp_path / 'empty').iterdir()) == []


# -- identity ----------------------------------------------------------------------------------


def test_model_uuids_are_random_per_model_instance(tmp_path: Path):
    one, two = Store(tmp_path / 'one'), Store(tmp_path / 'two')
    (first,), (second,) = one.models(), two.models()
    assert first.name == second.name == 'default'
    assert first.uuid != second.uuid
    assert uuid.UUID(first.uuid).version == 4
    again = one.add_model('again', created=0)
    with Store(tmp_path / 'one', model='again').transaction() as txn:
        txn.delete_model()
    assert one.add_model('again', created=0).uuid != again.uuid
    one.close()
    two.close()
