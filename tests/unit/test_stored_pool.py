"""The state directory's pool (sqlite indexes) against the in-memory pool: the same answers.

Both are a :class:`~orchestrator.cloud.Pool`; only where the machines are kept differs. Every
request below runs on both, and the machines chosen, their order, the counts and the no-fit
explanations must be identical, so MAAS's order and tie-breaks hold whichever index answers.
"""

from __future__ import annotations

import collections
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orchestrator import cloud
from orchestrator.cloud import inventory
from orchestrator.juju import constraints
from orchestrator.state.store import Store, Transaction

POOL = inventory.generate(600, seed=7)
NETWORK = inventory.GENERATED_NETWORK

REQUESTS = [
    '',
    'mem=6G cores=2',
    'mem=16G cores=4',
    'cores=64',
    'mem=512G',
    'arch=arm64',
    'arch=amd64 cores=8',
    'tags=gpu',
    'tags=ssd,^nvme',
    'tags=nvme mem=64G',
    'zones=zone-b',
    'zones=zone-a,zone-c cores=16',
    'spaces=storage',
    'spaces=internal,^storage mem=8G',
    'root-disk=2000G',
    'cores=1000',
    'tags=gpu zones=zone-a arch=arm64',
]


@pytest.fixture(params=['transaction', 'snapshot'])
def stored(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], Transaction]]:
    """A store holding POOL, and a way to open a transaction on it.

    Both kinds: a transaction writes each change to its row at once, a snapshot keeps changes
    in memory and merges them with the rows.
    """
    store = Store(tmp_path / 'state')
    with store.transaction() as txn:
        txn.pool.add(iter(POOL), NETWORK)
    opened: list[object] = []

    def transaction() -> Transaction:
        manager = store.transaction() if request.param == 'transaction' else store.snapshot()
        opened.append(manager)
        return manager.__enter__()

    yield transaction
    for manager in opened:
        manager.__exit__(None, None, None)  # type: ignore[attr-defined]
    store.close()


def memory_pool() -> cloud.Pool:
    return cloud.Pool(POOL, network=NETWORK)


def outcome(
    pool: cloud.Pool, text: str, count: int, **kwargs: object
) -> list[str] | tuple[object, ...]:
    try:
        return [m.hostname for m in pool.allocate(constraints.parse(text), count, **kwargs)]  # type: ignore[arg-type]
    except cloud.NoMatchError as error:
        return ('no match', str(error), error.ready, error.matching_ready, error.not_ready)
    except cloud.RequestError as error:
        return ('refused', str(error))


@pytest.mark.parametrize('text', REQUESTS)
def test_the_same_machines_in_the_same_order(stored: Callable[[], Transaction], text: str):
    memory, txn = memory_pool(), stored()
    for count in (1, 3, 40):
        assert outcome(txn.pool, text, count) == outcome(memory, text, count)
    assert txn.pool.capacity(constraints.parse(text)) == memory.capacity(constraints.parse(text))


@pytest.mark.parametrize('text', REQUESTS)
def test_zone_spreading_picks_alike(stored: Callable[[], Transaction], text: str):
    memory, txn = memory_pool(), stored()
    spread: list[str] = []
    for _ in range(12):
        mine = outcome(memory, text, 1, spread=list(spread))
        assert outcome(txn.pool, text, 1, spread=list(spread)) == mine
        if not isinstance(mine, list):
            break
        spread.append(memory.get(mine[0]).system_id)


def test_changes_in_a_transaction_are_seen_by_the_next_request(
    stored: Callable[[], Transaction],
):
    # Released, broken and deployed machines move in and out of the Ready set the queries
    # read: the overlay of changed machines must be merged in MAAS's order.
    memory, txn = memory_pool(), stored()
    rng = random.Random(3)
    held: list[str] = []
    for step in range(300):
        text = rng.choice(REQUESTS[:14])
        count = rng.choice((1, 2))
        got = outcome(txn.pool, text, count)
        assert got == outcome(memory, text, count), step
        if isinstance(got, list):
            held.extend(got)
        if held and rng.random() < 0.4:
            victim = held.pop(rng.randrange(len(held)))
            assert txn.pool.release(victim) == memory.release(victim)
        if held and rng.random() < 0.1:
            broken = held.pop(rng.randrange(len(held)))
            assert txn.pool.mark_broken(broken, 'fan') == memory.mark_broken(broken, 'fan')
            assert txn.pool.mark_fixed(broken) == memory.mark_fixed(broken)
        for probe in ('mem=6G cores=2', 'tags=ssd', 'spaces=storage'):
            request = constraints.parse(probe)
            assert txn.pool.capacity(request) == memory.capacity(request)
    assert list(txn.pool) == list(memory)
    assert txn.pool.changed == memory.changed


def test_a_no_fit_is_explained_alike(stored: Callable[[], Transaction]):
    memory, txn = memory_pool(), stored()
    for text in ('cores=1000', 'tags=gpu mem=2000G', 'zones=zone-a cores=128 arch=ppc64el'):
        for pool in (memory, txn.pool):
            pool.allocate(constraints.parse('mem=6G'), 5)
        mine = outcome(memory, text, 2)
        assert mine[0] == 'no match'  # type: ignore[index]
        assert outcome(txn.pool, text, 2) == mine
    assert outcome(txn.pool, 'tags=nonesuch', 1) == outcome(memory, 'tags=nonesuch', 1)
    assert outcome(txn.pool, 'zones=nowhere', 1) == outcome(memory, 'zones=nowhere', 1)


def test_a_snapshot_allocates_in_memory_and_writes_nothing(tmp_path: Path):
    store = Store(tmp_path / 'state')
    with store.transaction() as txn:
        txn.pool.add(iter(POOL), NETWORK)
    with store.snapshot() as txn:
        planned = txn.pool.allocate(constraints.parse('mem=6G cores=2'), 50)
        assert {txn.pool.get(m.system_id).status for m in planned} == {cloud.Status.ALLOCATED}
        assert txn.pool.capacity(constraints.parse('')) == len(POOL) - 50
    with store.snapshot() as txn:
        assert txn.pool.capacity(constraints.parse('')) == len(POOL)
    store.close()


def test_only_the_rows_asked_for_are_read(tmp_path: Path):
    # The point of the index: one allocation reads a handful of rows, not the pool.
    store = Store(tmp_path / 'state')
    with store.transaction() as txn:
        txn.pool.add(iter(POOL), NETWORK)
    parsed: collections.Counter[str] = collections.Counter()
    from orchestrator.state.store import _pool_index  # pyright: ignore[reportPrivateUsage]

    original = _pool_index.machine_from_row

    def counting(row: tuple[object, ...]) -> cloud.Machine:
        parsed['rows'] += 1
        return original(row)

    _pool_index.machine_from_row = counting  # type: ignore[assignment]
    try:
        with store.transaction() as txn:
            txn.pool.allocate(constraints.parse('mem=6G cores=2'), 3, spread=[])
            txn.pool.allocate(constraints.parse('tags=gpu'), 1)
            assert txn.pool.capacity(constraints.parse('mem=16G spaces=storage')) > 0
    finally:
        _pool_index.machine_from_row = original  # type: ignore[assignment]
    assert parsed['rows'] <= 10
    store.close()


def test_a_duplicate_machine_names_it_and_nothing_is_imported(tmp_path: Path):
    store = Store(tmp_path / 'state')
    with store.transaction() as txn:
        txn.pool.add(iter(POOL[:10]), NETWORK)
    again = [*POOL[10:2500], POOL[3]]
    duplicate = f'machine "{POOL[3].hostname}" is already'
    with pytest.raises(cloud.InventoryError, match=duplicate), store.transaction() as txn:
        txn.pool.add(iter(again), NETWORK)
    with store.snapshot() as txn:
        assert len(txn.pool) == 10
    store.close()


def test_a_schema_5_pool_gains_its_tag_rows_and_spaces_column(tmp_path: Path):
    store = Store(tmp_path / 'state')
    with store.transaction() as txn:
        txn.pool.add(iter(POOL), NETWORK)
    store.close()
    conn = sqlite3.connect(tmp_path / 'state' / 'state.db')
    conn.execute('DELETE FROM pool_tags')
    conn.execute('DROP INDEX pool_ready')  # names the column schema 5 lacks
    conn.execute('ALTER TABLE pool_machines DROP COLUMN spaces')
    conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    memory = memory_pool()
    store = Store(tmp_path / 'state')
    with store.transaction() as txn:
        for text in ('tags=gpu', 'spaces=storage mem=16G', 'tags=ssd,^nvme spaces=internal'):
            assert txn.pool.capacity(constraints.parse(text)) == memory.capacity(
                constraints.parse(text)
            )
            assert outcome(txn.pool, text, 2) == outcome(memory, text, 2)
    store.close()


@pytest.mark.parametrize(
    'storage', ['root:0,0:900(ssd)', 'root:100,0:50,1:50(rotary)', '0:4000(nvme)', 'root:9000']
)
def test_storage_capacity_is_counted_alike(stored: Callable[[], Transaction], storage: str):
    # Counted per distinct disk layout in sqlite: the same as testing every machine.
    memory, txn = memory_pool(), stored()
    for pool in (memory, txn.pool):
        pool.allocate(constraints.parse('cores=8'), 20)
    for text in ('', 'cores=8 mem=16G', 'spaces=storage'):
        request = constraints.parse(text)
        assert txn.pool.capacity(request, storage=storage) == memory.capacity(
            request, storage=storage
        )
