"""Event order under olm against Juju's documented order (juju-maas-semantics.md §5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from enginetools import last_seq, trace

from orchestrator import engine as olm_engine

SETUP_LEADER = [
    'install',
    'peers-relation-created (0)',
    'leader-elected',
    'config-changed',
    'start',
]
SETUP_OTHER = [
    'install',
    'peers-relation-created (0)',
    'leader-settings-changed',
    'config-changed',
    'start',
]


def _kind(event: str) -> str:
    return event.split(' ')[0]


def test_deploy_runs_the_install_phase_in_juju_order(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=3)

    assert trace(engine, 'tracer/0')[:5] == SETUP_LEADER
    for unit in ('tracer/1', 'tracer/2'):
        assert trace(engine, unit)[:5] == SETUP_OTHER
    for unit in ('tracer/0', 'tracer/1', 'tracer/2'):
        events = trace(engine, unit)
        joined = [e for e in events if 'relation-joined' in e]
        others = {f'tracer/{n}' for n in range(3)} - {unit}
        assert sorted(re.findall(r'tracer/\d', ' '.join(joined))) == sorted(others)
        # Relation hooks come only after start.
        assert all(events.index(e) > events.index('start') for e in joined)


def test_joined_is_followed_by_changed_for_the_same_unit(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=3)
    for unit in ('tracer/0', 'tracer/1', 'tracer/2'):
        events = [e for e in trace(engine, unit) if e.startswith('peers-relation-')]
        for i, event in enumerate(events):
            if 'joined' in event:
                remote = event.split(', ')[1]
                assert events[i + 1] == f'peers-relation-changed (0, {remote}'


def test_no_unit_sees_its_own_writes(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=3)
    for entry in engine.debug_log():
        if 'relation-changed' in entry.event:
            assert entry.unit not in entry.event
    # The leader writes the peer application databag but never gets relation-changed for it.
    assert 'peers-relation-changed (0, tracer)' not in trace(engine, 'tracer/0')
    assert 'peers-relation-changed (0, tracer)' in trace(engine, 'tracer/1')


def test_application_databag_is_written_by_the_leader_only(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=3)
    data = engine.status_view().model
    peers = next(r for r in data.relations.values() if r.is_peer)
    assert peers.app_data == {'tracer': {'leader': 'tracer/0'}}
    assert data.applications['tracer'].leader == 'tracer/0'
    for unit in ('tracer/0', 'tracer/1', 'tracer/2'):
        assert peers.unit_data[unit]['seen'] == '2'
        assert peers.unit_data[unit]['ingress-address']


def test_scale_down_departs_without_broken_for_peers(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=3)
    mark = last_seq(engine)
    engine.remove_unit(['tracer/2'])

    assert trace(engine, 'tracer/2', since=mark) == [
        'peers-relation-departed (0, tracer/0)',
        'peers-relation-departed (0, tracer/1)',
        'stop',
        'remove',
    ]
    for unit in ('tracer/0', 'tracer/1'):
        assert trace(engine, unit, since=mark)[0] == 'peers-relation-departed (0, tracer/2)'
    m = engine.status_view().model
    assert 'tracer/2' not in m.units
    assert not any('broken' in line for line in trace(engine, since=mark))
    peers = next(r for r in m.relations.values() if r.is_peer)
    for unit in ('tracer/0', 'tracer/1'):
        assert peers.unit_data[unit]['seen'] == '1'
        assert 'departed' not in peers.unit_data[unit]  # ops hides a departing peer's data
    # The machine provisioned for the unit went back to the pool.
    assert len(m.machines) == 2


def test_relation_departed_reads_the_departing_units_data(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=1)
    engine.deploy('tracer', application='client', num_units=2)
    key = engine.integrate('client:backend', 'tracer:db')
    engine.remove_unit(['client/1'])
    relation = next(r for r in engine.status_view().model.relations.values() if r.key() == key)
    # Juju answers relation-get for the unit that departs, though relation-list drops it.
    assert relation.unit_data['tracer/0']['departed'] == 'client/1:hello'
    assert relation.unit_data['tracer/0']['seen'] == '1'


def test_leader_is_re_elected_when_it_goes(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=3)
    mark = last_seq(engine)
    engine.remove_unit(['tracer/0'])

    assert engine.status_view().model.applications['tracer'].leader == 'tracer/1'
    assert 'leader-elected' in trace(engine, 'tracer/1', since=mark)
    assert 'leader-settings-changed' in trace(engine, 'tracer/2', since=mark)
    peers = next(r for r in engine.status_view().model.relations.values() if r.is_peer)
    assert peers.app_data['tracer'] == {'leader': 'tracer/1'}


def test_integrate_and_remove_relation(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=2)
    engine.deploy('mirror', num_units=1)
    mark = last_seq(engine)
    key = engine.integrate('mirror', 'tracer')
    assert key == 'tracer:db mirror:db'

    mirror = trace(engine, 'mirror/0', since=mark)
    assert mirror[0] == 'db-relation-created (1)'
    joined = [e for e in mirror if 'joined' in e]
    assert joined == ['db-relation-joined (1, tracer/0)', 'db-relation-joined (1, tracer/1)']
    assert 'db-relation-changed (1, tracer)' in mirror  # the leader's application data
    for unit in ('tracer/0', 'tracer/1'):
        events = trace(engine, unit, since=mark)
        assert events[0] == 'db-relation-created (1)'
        assert 'db-relation-joined (1, mirror/0)' in events

    m = engine.status_view().model
    relation = m.relations[1]
    assert relation.unit_data['mirror/0']['mirror'] == 'mirror-workload'
    assert m.units['mirror/0'].workload.message == 'mirror-workload leader=tracer/0'

    mark = last_seq(engine)
    engine.remove_relation('tracer:db', 'mirror:db')
    assert trace(engine, 'mirror/0', since=mark) == [
        'db-relation-departed (1, tracer/0)',
        'db-relation-departed (1, tracer/1)',
        'db-relation-broken (1)',
    ]
    assert trace(engine, 'tracer/0', since=mark) == [
        'db-relation-departed (1, mirror/0)',
        'db-relation-broken (1)',
    ]
    assert 1 not in engine.status_view().model.relations


def test_remove_application_tears_down_both_sides(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=1)
    engine.deploy('mirror', num_units=2)
    engine.integrate('tracer:db', 'mirror:db')
    mark = last_seq(engine)
    engine.remove_application(['mirror'])

    for unit in ('mirror/0', 'mirror/1'):
        assert trace(engine, unit, since=mark) == [
            'db-relation-departed (1, tracer/0)',
            'db-relation-broken (1)',
            'stop',
            'remove',
        ]
    assert trace(engine, 'tracer/0', since=mark) == [
        'db-relation-departed (1, mirror/0)',
        'db-relation-departed (1, mirror/1)',
        'db-relation-broken (1)',
    ]
    m = engine.status_view().model
    assert set(m.applications) == {'tracer'}
    assert set(m.relations) == {0}


def test_two_charms_with_the_same_module_names_run_side_by_side(engine: olm_engine.Engine):
    engine.deploy('tracer')
    engine.deploy('mirror')
    engine.integrate('tracer', 'mirror')
    engine.update_status()
    m = engine.status_view().model
    assert m.units['tracer/0'].workload.message.startswith('tracer-workload peers=')
    assert m.units['mirror/0'].workload.message == 'mirror-workload leader=tracer/0'


def test_each_event_runs_with_its_machine_host_bound(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=2)
    m = engine.status_view().model
    # collect-status reads the file install wrote through metal_host on the same sim machine.
    for unit in ('tracer/0', 'tracer/1'):
        assert m.units[unit].workload.current == 'active'


def test_unknown_things_are_refused_without_change(engine: olm_engine.Engine):
    engine.deploy('tracer')
    before = engine.debug_log()
    with pytest.raises(olm_engine.EngineError, match='application already exists'):
        engine.deploy('tracer')
    with pytest.raises(olm_engine.EngineError, match='application "nope" not found'):
        engine.add_unit('nope')
    with pytest.raises(olm_engine.EngineError, match='does not exist'):
        engine.remove_unit(['tracer/9'])
    assert engine.debug_log() == before


@pytest.mark.parametrize('name', ['tracer/-1', 'tracer', 'tracer/01', 'Tracer/0', ''])
def test_a_name_that_is_not_a_unit_name_is_refused_before_any_lookup(
    engine: olm_engine.Engine, name: str
):
    """juju/juju removeunit.go validateIAASRemoval and resolved.go Init: names.IsValidUnit."""
    engine.deploy('tracer')
    before = engine.debug_log()
    for act in (engine.remove_unit, engine.resolve):
        with pytest.raises(olm_engine.EngineError) as info:
            act([name])
        assert str(info.value) == f'invalid unit name "{name}"'
    assert engine.debug_log() == before


@pytest.mark.parametrize('machine_id', ['abc', '-1', '01', '0/lxd/x', '0/LXD/0', ''])
def test_a_name_that_is_not_a_machine_id_is_refused(engine: olm_engine.Engine, machine_id: str):
    """juju/juju cmd/juju/machine/remove.go Init: names.IsValidMachine."""
    with pytest.raises(olm_engine.EngineError) as info:
        engine.remove_machines([machine_id])
    assert str(info.value) == f'invalid machine id "{machine_id}"'
    with pytest.raises(olm_engine.EngineError, match='machine 0/lxd/0 not found'):
        engine.remove_machines(['0/lxd/0'])  # a valid id, which olm has not


def test_a_dry_run_refuses_what_the_deploy_would(engine: olm_engine.Engine):
    engine.deploy('tracer')
    cases = {
        'machine 99 not found': {'to': ['99']},
        'container placement "lxd:" is not supported': {'to': ['lxd:0']},
        'space "nowhere" not found': {'bind': 'nowhere'},
        'endpoint is not defined by the charm': {'bind': 'nope=oam'},
    }
    for message, kwargs in cases.items():
        with pytest.raises(olm_engine.EngineError, match=message):
            engine.deploy('tracer', application='other', dry_run=True, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(olm_engine.EngineError, match='application already exists'):
        engine.deploy('tracer', dry_run=True)
    assert 'other' not in engine.status_view().model.applications


def test_a_bundle_dry_run_refuses_a_binding_to_a_space_the_pool_lacks(
    engine: olm_engine.Engine, tmp_path: Path
):
    bundle = tmp_path / 'bundle.yaml'
    bundle.write_text('applications: {tracer: {charm: tracer, bindings: {"": nowhere}}}\n')
    for dry_run in (True, False):
        with pytest.raises(olm_engine.EngineError) as info:
            engine.deploy(str(bundle), dry_run=dry_run)
        assert str(info.value) == 'cannot add application "tracer": space "nowhere" not found'
    assert engine.status_view().model.applications == {}


@pytest.mark.parametrize('name', ['Bad_Name', 'db.x', '-db', 'x1-'])
def test_an_offer_name_juju_refuses_is_refused(engine: olm_engine.Engine, name: str):
    """juju/juju state/applicationoffers.go validateOfferArgs: offer names are app names."""
    engine.deploy('tracer')
    model_name = engine.status_view().model.name
    engine.offer(model_name, 'tracer', ['juju-info'], 'good-name')
    with pytest.raises(olm_engine.EngineError) as info:
        engine.offer(model_name, 'tracer', ['juju-info'], name)
    assert str(info.value) == (
        f'cannot add application offer "{name}": offer name "{name}" not valid'
    )
    assert [offer.name for offer, _ in engine.offers(model_name)] == ['good-name']


def test_a_module_imported_lazily_stays_with_its_charm(engine: olm_engine.Engine):
    # mirror imports its `workload` inside handlers; tracer imports its own at the top. Loading
    # mirror first and letting it import lazily must not hand mirror's module to tracer.
    engine.deploy('mirror')
    engine.update_status()
    engine.deploy('tracer')
    engine.integrate('tracer', 'mirror')
    m = engine.status_view().model
    assert m.units['tracer/0'].agent.current == 'idle'
    assert m.units['tracer/0'].workload.message.startswith('tracer-workload')
    assert m.relations[1].unit_data['mirror/0']['mirror'] == 'mirror-workload'


def test_a_saas_offer_plays_the_remote_provider(engine: olm_engine.Engine):
    bundle = Path(__file__).parent / 'bundles' / 'with-offer.yaml'
    report = engine.deploy(str(bundle))
    assert report.settle is not None and report.settle.settled
    m = engine.status_view().model
    assert set(m.remote_applications) == {'store'}
    relation = next(r for r in m.relations.values() if not r.is_peer)
    (secret,) = [s for s in m.secrets.values() if s.owner == 'store']
    # The offer's ${secret:token} became the id of a secret the remote app owns and granted.
    assert relation.app_data['store'] == {'leader': 'store/0', 'token': secret.id}
    assert secret.owner == 'store' and secret.grants == {relation.id: ['app']}
    assert set(secret.consumers) == {'app/0', 'app/1'}
    for unit in ('app/0', 'app/1'):
        events = trace(engine, unit)
        assert f'backend-relation-joined ({relation.id}, store/0)' in events
        assert f'backend-relation-changed ({relation.id}, store)' in events
        # Only the remote unit's and application's data came in; nothing leaked back.
        assert 'f00dfeedcafe' not in str(relation.unit_data[unit])


def test_refresh_runs_upgrade_charm_then_config_changed(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=2)
    mark = last_seq(engine)
    engine.refresh('tracer')
    for unit in ('tracer/0', 'tracer/1'):
        assert trace(engine, unit, since=mark) == ['upgrade-charm', 'config-changed']


def test_a_deployed_machine_has_its_pool_disks(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=1)
    m = engine.status_view().model
    (machine,) = m.machines.values()
    pool_machine = next(p for p in engine.pool_machines() if p.system_id == machine.instance_id)
    with engine.store.snapshot() as txn:
        dumped = json.loads(txn.records('sim-machine')[machine.id])
    kept = dumped['state']['block-devices']
    assert [(d['name'], d['size'], d['boot']) for d in kept] == [
        (d.name, d.size, d.boot) for d in pool_machine.disks
    ]


@pytest.mark.parametrize('target', ['tracer/-1', 'Tracer/0', 'node-01', '0/lxd/0', 'x'])
def test_scp_to_a_target_that_is_no_unit_or_machine_writes_nothing_here(
    engine: olm_engine.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
):
    """juju/juju cmd/juju/ssh/scp.go expandArgs: an argument with a colon is remote."""
    engine.deploy('tracer')
    source = tmp_path / 'a.txt'
    source.write_text('hello\n')
    work = tmp_path / 'cwd'
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(olm_engine.EngineError) as info:
        engine.copy_files([str(source)], f'{target}:/tmp/x', recursive=False)
    assert str(info.value).startswith(f'"{target}" is not a unit or machine of the model')
    assert list(work.iterdir()) == []
