"""The sqlite state directory: round trips, one transaction per change, WAL, schema guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from builders import disk, machine

from orchestrator import constraints, model
from orchestrator.cloud import NoMatchError, Status
from orchestrator.store import Store, StoreError


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


def test_a_newer_schema_is_refused(tmp_path: Path):
    first = Store(tmp_path)
    with first.transaction() as txn:
        txn.set_setting('schema', '99')
    first.close()
    with (
        pytest.raises(StoreError, match='schema version 99 is newer'),
        Store(tmp_path).transaction(),
    ):
        pass


def test_unwritable_state_dir_is_a_store_error(tmp_path: Path):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    with (
        pytest.raises(StoreError, match='cannot open state database'),
        Store(blocker / 'state').transaction(),
    ):
        pass
