"""The engine's machine operations: merge, spread, all-or-nothing, validation before change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import machine

from orchestrator.cloud import NoMatchError, Status
from orchestrator.engine import Engine, EngineError, hardware_text
from orchestrator.juju import constraints
from orchestrator.state.store import Store

c = constraints.parse


@pytest.fixture
def engine(tmp_path: Path):
    store = Store(tmp_path)
    e = Engine(store, owner='tester')
    e.add_to_pool([machine(f'{z}{i}', 4, 8, zone=f'zone-{z}', tags=('ssd',) if i else ())
                   for z in 'abc' for i in range(2)])  # fmt: skip
    yield e
    store.close()


def test_add_machines_spread_over_zones_and_deploy(engine: Engine):
    added = engine.add_machines(3, c('cores=2'))
    assert [m.id for m in added] == ['0', '1', '2']
    assert sorted(m.zone for m in added) == ['zone-a', 'zone-b', 'zone-c']
    pool = {m.hostname: m for m in engine.pool_machines()}
    for m in added:
        assert pool[m.hostname].status is Status.DEPLOYED
        assert pool[m.hostname].owner == 'tester'
        assert m.status == 'started' and m.message == 'Deployed'
        assert m.constraints == 'cores=2'
    assert engine.machines() == added


def test_model_constraints_are_merged_under_machine_constraints(engine: Engine):
    engine.set_model_constraints(c('tags=ssd mem=4G'))
    (m,) = engine.add_machines(1, c('mem=8G'))
    assert m.constraints == 'mem=8192M tags=ssd'
    assert 'tags=ssd' in m.hardware
    assert engine.model_constraints() == c('mem=4G tags=ssd')


def test_failed_add_changes_nothing(engine: Engine):
    before = engine.pool_machines()
    with pytest.raises(NoMatchError):
        engine.add_machines(7)
    assert engine.pool_machines() == before
    assert engine.machines() == []
    assert [m.id for m in engine.add_machines(1)] == ['0']


def test_remove_checks_every_id_first(engine: Engine):
    engine.add_machines(2)
    with pytest.raises(EngineError, match=r'^machine 5 not found$'):
        engine.remove_machines(['0', '5'])
    assert [m.id for m in engine.machines()] == ['0', '1']
    removed = engine.remove_machines(['0'])
    assert removed[0][1] is not None and removed[0][1].status is Status.READY
    kept = engine.remove_machines(['1'], keep_instance=True)
    assert kept[0][1] is None
    assert {m.hostname: m.status for m in engine.pool_machines()}[kept[0][0].hostname] is (
        Status.DEPLOYED
    )


@pytest.mark.parametrize(
    ('count', 'placement', 'message'),
    [
        (0, None, 'number of machines must be a positive integer, got 0'),
        (2, 'a0', 'cannot add 2 machines to one named machine "a0"'),
    ],
)
def test_bad_requests(engine: Engine, count: int, placement: str | None, message: str):
    with pytest.raises(EngineError, match=message):
        engine.add_machines(count, placement=placement)


def test_capacity_follows_model_constraints(engine: Engine):
    assert engine.capacity(c('')) == 6
    engine.set_model_constraints(c('tags=ssd'))
    assert engine.capacity(c('')) == 3


def test_release_of_a_model_machine_is_refused(engine: Engine):
    (m,) = engine.add_machines(1)
    with pytest.raises(EngineError, match='remove it with "olm remove-machine 0"'):
        engine.release_pool_machine(m.hostname)
    broken = engine.mark_broken('c1', 'disk')
    assert broken.status is Status.BROKEN
    assert engine.mark_fixed('c1').status is Status.READY


def test_hardware_text_is_jujus_form():
    assert hardware_text(machine('h', 8, 32, tags=('ssd', 'gpu'), zone='z1')) == (
        'arch=amd64 cores=8 mem=32768M root-disk=228881M tags=gpu,ssd availability-zone=z1'
    )


def test_secret_ids_are_unique_per_model_instance(tmp_path: Path):
    """Juju's secret ids are xids (20 base32hex characters); no two model instances share one.

    Ids derive from the model's uuid, random per model (v4, as Juju's): two state directories,
    or a model destroyed and added again under its name, number their secrets apart.
    """
    ids: list[str] = []
    for state in (tmp_path / 'one', tmp_path / 'two'):
        store = Store(state)
        try:
            ids.append(Engine(store).add_secret('s', {'password': 'x'}))
            store.add_model('again', created=0)
            again = Store(state, model='again')
            ids.append(Engine(again).add_secret('s', {'password': 'x'}))
            with again.transaction() as txn:
                txn.delete_model()
            again.close()
            store.add_model('again', created=0)
            again = Store(state, model='again')
            ids.append(Engine(again).add_secret('s', {'password': 'x'}))
            again.close()
        finally:
            store.close()
    assert all(re.fullmatch(r'secret:[0-9a-v]{20}', i) for i in ids), ids
    assert len(set(ids)) == len(ids) == 6
