"""Subordinates under olm as under Juju (juju/juju 3.x; sources in orchestrator/agent/scope.py).

A subordinate application has no units of its own; each principal unit that enters a
container-scoped relation with it gets one, on its own machine; the principal's implicit
``juju-info`` end runs no hooks; a container scope is seen per principal; the units go with
their principal, their relation or their principal's application; ``status`` shows them
under their principal as ``juju status`` does.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from enginetools import trace

from orchestrator import engine as olm_engine
from orchestrator.agent.goal_state import goal_state
from orchestrator.engine._relations import check_scope
from orchestrator.juju import bundle as juju_bundle
from orchestrator.juju import charmspec
from orchestrator.views import status


def _units(engine: olm_engine.Engine) -> dict[str, tuple[str, str]]:
    """Each unit's (machine, principal)."""
    m = engine.status_view().model
    return {u.name: (u.machine, u.principal) for u in m.units.values()}


def _view(engine: olm_engine.Engine) -> status.ModelView:
    """The status view ``olm status`` builds (cli/_status.py)."""
    data = engine.status_view()
    m = data.model
    return status.ModelView(
        name=m.name,
        controller='olm',
        cloud='metal-pool',
        version='0',
        machines=list(m.machines.values()),
        applications=list(m.applications.values()),
        remote_applications=list(m.remote_applications.values()),
        units=list(m.units.values()),
        relations=list(m.relations.values()),
        charm_revisions=data.charm_revisions,
        timestamp=0.0,
    )


def _attached(engine: olm_engine.Engine, principals: int = 2) -> None:
    engine.deploy('tracer', num_units=principals)
    engine.deploy('companion')
    engine.integrate('tracer', 'companion')


def test_a_subordinate_deploys_with_no_units_and_no_machines(engine: olm_engine.Engine):
    report = engine.deploy('companion')

    assert report.machines == []
    m = engine.status_view().model
    assert m.applications['companion'].subordinate
    assert not m.units and not m.machines
    assert 'units' not in status.to_dict(_view(engine))['applications']['companion']


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'num_units': 2}, 'cannot use --num-units or --to with subordinate application'),
        ({'to': ['0']}, 'cannot use --num-units or --to with subordinate application'),
        ({'constraints': 'mem=4G'}, 'cannot use --constraints with subordinate application'),
    ],
)
def test_a_subordinate_refuses_units_placement_and_constraints_at_deploy(
    engine: olm_engine.Engine, kwargs: dict[str, Any], message: str
):
    with pytest.raises(olm_engine.EngineError) as raised:
        engine.deploy('companion', **kwargs)
    assert str(raised.value) == message
    assert 'companion' not in engine.status_view().model.applications


def test_add_unit_of_a_subordinate_is_refused_with_jujus_message(engine: olm_engine.Engine):
    engine.deploy('companion')

    with pytest.raises(olm_engine.EngineError) as raised:
        engine.add_unit('companion', 2)

    assert str(raised.value) == (
        'cannot add unit 1/2 to application "companion": cannot add unit to application '
        '"companion": application is a subordinate'
    )
    assert not engine.status_view().model.units


def test_integrating_gives_each_principal_unit_one_subordinate_on_its_machine(
    engine: olm_engine.Engine,
):
    engine.deploy('tracer', num_units=2)
    engine.deploy('companion')
    machines = set(engine.status_view().model.machines)

    engine.integrate('tracer', 'companion')

    units = _units(engine)
    subs = {name: where for name, where in units.items() if name.startswith('companion/')}
    assert sorted(subs) == ['companion/0', 'companion/1']
    assert sorted(principal for _, principal in subs.values()) == ['tracer/0', 'tracer/1']
    for machine, principal in subs.values():
        assert machine == units[principal][0]
    assert set(engine.status_view().model.machines) == machines
    relation = next(r for r in engine.status_view().model.relations.values() if not r.is_peer)
    assert [e.scope for e in relation.endpoints] == ['container', 'container']


def test_the_principal_runs_no_hook_on_the_implicit_juju_info(engine: olm_engine.Engine):
    _attached(engine)

    for unit in ('tracer/0', 'tracer/1'):
        assert not [e for e in trace(engine, unit) if e.startswith('juju-info')]
    m = engine.status_view().model
    assert all(u.agent.current == 'idle' for u in m.units.values())
    assert all(u.progress.failure is None for u in m.units.values())


def test_a_subordinate_sees_only_its_own_principal(engine: olm_engine.Engine):
    _attached(engine, principals=3)

    m = engine.status_view().model
    relation = next(r for r in m.relations.values() if not r.is_peer)
    for sub in m.units_of('companion'):
        joined = [e for e in trace(engine, sub.name) if 'relation-joined' in e]
        assert joined == [f'juju-info-relation-joined ({relation.id}, {sub.principal})']
        assert relation.unit_data[sub.name]['principals'] == sub.principal
        address = m.machines[sub.machine].address
        assert sub.workload.message == f'attached to {sub.principal} at {address}'


def test_a_new_principal_unit_gets_a_subordinate_too(engine: olm_engine.Engine):
    _attached(engine)

    engine.add_unit('tracer')

    units = _units(engine)
    assert units['companion/2'] == (units['tracer/2'][0], 'tracer/2')


def test_removing_a_principal_unit_removes_its_subordinate_first(engine: olm_engine.Engine):
    _attached(engine)
    before = _units(engine)
    sub = next(n for n, (_, p) in before.items() if p == 'tracer/0')
    machine = before['tracer/0'][0]

    engine.remove_unit(['tracer/0'])

    after = _units(engine)
    assert 'tracer/0' not in after and sub not in after
    assert trace(engine, sub)[-2:] == ['stop', 'remove']
    assert machine not in engine.status_view().model.machines
    assert len([n for n in after if n.startswith('companion/')]) == 1


def test_removing_the_relation_removes_the_subordinate_units(engine: olm_engine.Engine):
    _attached(engine)
    m = engine.status_view().model
    relation = next(r for r in m.relations.values() if not r.is_peer)
    subs = {u.name: u.principal for u in m.units_of('companion')}

    engine.remove_relation('tracer', 'companion')

    assert sorted(_units(engine)) == ['tracer/0', 'tracer/1']
    m = engine.status_view().model
    assert 'companion' in m.applications
    assert [r.key() for r in m.relations.values()] == ['tracer:peers']
    for sub, principal in subs.items():
        assert trace(engine, sub)[-4:] == [
            f'juju-info-relation-departed ({relation.id}, {principal})',
            f'juju-info-relation-broken ({relation.id})',
            'stop',
            'remove',
        ]


def test_removing_the_principal_application_removes_the_subordinates(
    engine: olm_engine.Engine,
):
    _attached(engine)

    engine.remove_application(['tracer'])

    m = engine.status_view().model
    assert not m.units
    assert not m.machines
    assert list(m.applications) == ['companion']


def test_a_subordinate_unit_is_not_removed_on_its_own(engine: olm_engine.Engine):
    _attached(engine)

    with pytest.raises(olm_engine.EngineError) as raised:
        engine.remove_unit(['companion/0'])

    assert str(raised.value) == (
        'removing unit companion/0 failed: unit "companion/0" is a subordinate, to remove use '
        'remove-relation. Note: this will remove all units of "companion"'
    )


def test_status_shows_subordinates_under_their_principal_as_juju_does(
    engine: olm_engine.Engine,
):
    _attached(engine)
    view = _view(engine)

    apps = status.to_dict(view)['applications']

    assert apps['companion']['subordinate-to'] == ['tracer']
    assert 'units' not in apps['companion']
    assert apps['companion']['relations']['juju-info'] == [
        {'related-application': 'tracer', 'interface': 'juju-info', 'scope': 'container'}
    ]
    assert 'subordinate-to' not in apps['tracer']
    for name, unit in apps['tracer']['units'].items():
        (sub_name, sub), *more = unit['subordinates'].items()
        assert not more
        assert sub_name.startswith('companion/')
        assert 'machine' not in sub  # Juju gives a subordinate its address, not a machine
        assert sub['public-address'] == unit['public-address']
        assert sub['workload-status']['message'].startswith(f'attached to {name} ')

    lines = status.render_tabular(view, relations=True).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('Unit '))
    names = [line.split()[0] for line in lines[start + 1 : start + 5]]
    assert [n.rstrip('*') for n in names[::2]] == ['tracer/0', 'tracer/1']
    for line in lines[start + 2 : start + 5 : 2]:
        assert line.startswith('  companion/')
        assert line.split()[3] != '0' and line.split()[3].count('.') == 3  # no machine
    assert any(
        line.split()[:5] == ['tracer:juju-info', 'companion:juju-info', 'juju-info', 'subordinate']
        for line in lines
    )


def _endpoint(name: str, role: Any, interface: str, scope: Any = 'global') -> charmspec.Endpoint:
    return charmspec.Endpoint(name=name, role=role, interface=interface, scope=scope)


def test_a_container_relation_needs_a_subordinate_and_stays_in_its_model():
    spec = juju_bundle.RelationSpec(
        provider=juju_bundle.EndpointRef(application='db', endpoint='server'),
        requirer=juju_bundle.EndpointRef(application='app', endpoint='db'),
        interface='sql',
    )
    ends = {
        'db': {'server': _endpoint('server', 'provider', 'sql')},
        'app': {'db': _endpoint('db', 'requirer', 'sql', 'container')},
    }

    with pytest.raises(olm_engine.EngineError) as raised:
        check_scope(spec, ends, {'db': False, 'app': False})
    assert str(raised.value) == (
        'cannot add relation "app:db db:server": container scoped relation requires at least '
        'one subordinate application'
    )
    with pytest.raises(olm_engine.EngineError, match='globally scoped for remote relations'):
        check_scope(spec, ends, {'app': True})
    assert check_scope(spec, ends, {'db': False, 'app': True})
    ends['app']['db'] = _endpoint('db', 'requirer', 'sql')
    assert not check_scope(spec, ends, {'db': False, 'app': False})


def test_a_container_relation_needs_a_base_both_charms_support():
    """Their units share machines: Juju's ``compatibleSupportedBases``, before the rest."""
    spec = juju_bundle.RelationSpec(
        provider=juju_bundle.EndpointRef(application='db', endpoint='juju-info'),
        requirer=juju_bundle.EndpointRef(application='app', endpoint='info'),
        interface='juju-info',
    )
    ends = {
        'db': {'juju-info': _endpoint('juju-info', 'provider', 'juju-info')},
        'app': {'info': _endpoint('info', 'requirer', 'juju-info', 'container')},
    }
    subordinate = {'db': False, 'app': True}

    with pytest.raises(olm_engine.EngineError) as raised:
        check_scope(spec, ends, subordinate, {'db': ('ubuntu@22.04',), 'app': ('ubuntu@24.04',)})
    assert str(raised.value) == (
        'cannot add relation "app:info db:juju-info": principal and subordinate applications\' '
        'bases must match'
    )
    both = {'db': ('ubuntu@22.04', 'ubuntu@24.04'), 'app': ('ubuntu@24.04',)}
    assert check_scope(spec, ends, subordinate, both)
    assert check_scope(spec, ends, subordinate, {'db': (), 'app': ('ubuntu@24.04',)})


def test_a_22_04_principal_and_a_24_04_subordinate_are_refused(engine: olm_engine.Engine):
    engine.deploy('jammy')
    engine.deploy('companion')
    with pytest.raises(olm_engine.EngineError, match="subordinate applications' bases must match"):
        engine.integrate('jammy', 'companion')
    assert not [r for r in engine.status_view().model.relations.values() if not r.is_peer]


def test_goal_state_leaves_out_the_subordinates_of_other_units(engine: olm_engine.Engine):
    # goalStateUnits(app, <the asking unit>) skips units whose principal is another unit.
    _attached(engine)
    m = engine.status_view().model
    principal = m.units['tracer/0']
    (sub,) = m.subordinates_of('tracer/0')

    mine = goal_state(m, principal, now=0.0)
    theirs = goal_state(m, sub, now=0.0)

    assert set(mine['relations']['juju-info']) == {'companion', sub.name}
    assert set(theirs['relations']['juju-info']) == {'tracer', 'tracer/0', 'tracer/1'}
    assert theirs['units'] == {}


def test_on_a_custom_container_interface_both_sides_see_only_their_container(
    engine: olm_engine.Engine,
):
    # The principal's db endpoint is global-scoped, the subordinate's container-scoped: the
    # relation is container-scoped, and the principal (not implicit) runs its hooks on it.
    engine.deploy('tracer', num_units=2)
    engine.deploy('sidecar')
    engine.integrate('tracer:db', 'sidecar:backend')

    m = engine.status_view().model
    relation = next(r for r in m.relations.values() if r.key() == 'tracer:db sidecar:backend')
    assert relation.container_scoped
    for principal in ('tracer/0', 'tracer/1'):
        (sub,) = m.subordinates_of(principal)
        assert sub.application == 'sidecar'
        assert sub.machine == m.units[principal].machine
        assert relation.unit_data[principal]['seen'] == '1'
        assert relation.unit_data[sub.name]['seen-by-sidecar'] == principal
        joined = [e for e in trace(engine, principal) if e.startswith('db-relation-joined')]
        assert joined == [f'db-relation-joined ({relation.id}, {sub.name})']


def test_removing_the_subordinate_application_leaves_the_principals(engine: olm_engine.Engine):
    _attached(engine)
    machines = set(engine.status_view().model.machines)

    engine.remove_application(['companion'])

    m = engine.status_view().model
    assert sorted(m.units) == ['tracer/0', 'tracer/1']
    assert list(m.applications) == ['tracer']
    assert [r.key() for r in m.relations.values()] == ['tracer:peers']
    assert set(m.machines) == machines


@pytest.mark.parametrize('no_wait', [False, True])
def test_force_removing_a_principal_takes_its_subordinates(
    engine: olm_engine.Engine, no_wait: bool
):
    """``--force`` (and ``--no-wait``) removes a principal's subordinates with it, none left."""
    _attached(engine)
    before = _units(engine)
    sub = next(n for n, (_, p) in before.items() if p == 'tracer/0')

    engine.remove_unit(['tracer/0'], force=True, no_wait=no_wait)

    after = _units(engine)
    assert 'tracer/0' not in after and sub not in after
    assert before['tracer/0'][0] not in engine.status_view().model.machines
    assert all(p in after for _, p in after.values() if p)


def test_force_removing_the_principal_application_leaves_no_subordinate(
    engine: olm_engine.Engine,
):
    _attached(engine)

    engine.remove_application(['tracer'], force=True, no_wait=True)

    m = engine.status_view().model
    assert not m.units and not m.machines
    assert list(m.applications) == ['companion']


@pytest.mark.skipif(shutil.which('bwrap') is None, reason='the dispatch runner needs bubblewrap')
def test_a_subordinate_under_the_dispatch_runner_sees_only_its_principal(
    engine: olm_engine.Engine,
):
    """Through the hook tools (relation-list, relation-get) in the sandbox, as under Juju."""
    engine.deploy('ubuntu', num_units=2, runner='dispatch')
    engine.deploy('companion', runner='dispatch')
    engine.integrate('ubuntu', 'companion')

    m = engine.status_view().model
    subs = {u.name: u for u in m.units_of('companion')}
    assert sorted(u.principal for u in subs.values()) == ['ubuntu/0', 'ubuntu/1']
    for sub in subs.values():
        principal = m.units[sub.principal]
        assert sub.machine == principal.machine
        address = m.machines[principal.machine].address
        assert (sub.workload.current, sub.workload.message) == (
            'active',
            f'attached to {principal.name} at {address}',
        )
