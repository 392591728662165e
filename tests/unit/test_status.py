"""`olm status`: Juju's status derivation, tabular layout and YAML/JSON shape."""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from orchestrator.state import model
from orchestrator.views import status
from orchestrator.views.status import ModelView

T0 = datetime.datetime(2026, 11, 21, 19, 57, 3, tzinfo=datetime.UTC).timestamp()


def machine(mid: str, address: str | None = None, **kw: Any) -> model.Machine:
    fields: dict[str, Any] = {
        'id': mid,
        'instance_id': f'sys-{mid}',
        'hostname': f'node-{mid}',
        'address': f'10.0.0.{int(mid) + 10}' if address is None else address,
        'zone': 'zone-a',
        'hardware': 'arch=amd64 cores=4 mem=8192M availability-zone=zone-a',
        'status': 'started',
        'message': 'Deployed',
    }
    return model.Machine(**(fields | kw))


def app(name: str, **kw: Any) -> model.Application:
    fields: dict[str, Any] = {
        'name': name,
        'charm': name,
        'charm_path': f'/charms/{name}',
        'charm_name': name,
    }
    return model.Application(**(fields | kw))


def unit(
    name: str,
    workload: tuple[str, str] = ('active', ''),
    agent: tuple[str, str] = ('idle', ''),
    *,
    machine_id: str = '0',
    since: float = T0,
    **kw: Any,
) -> model.Unit:
    return model.Unit(
        name=name,
        application=name.split('/')[0],
        machine=machine_id,
        workload=model.Status(*workload, since),
        agent=model.Status(*agent, since),
        **kw,
    )


def ep(application: str, name: str, role: str, interface: str) -> model.RelationEndpoint:
    return model.RelationEndpoint(application, name, role, interface)


def view(
    *,
    machines: Sequence[model.Machine] = (),
    applications: Sequence[model.Application] = (),
    remote_applications: Sequence[model.RemoteApplication] = (),
    units: Sequence[model.Unit] = (),
    relations: Sequence[model.Relation] = (),
    **kw: Any,
) -> ModelView:
    fields: dict[str, Any] = {
        'name': 'olm',
        'controller': 'olm',
        'cloud': 'metal-pool',
        'version': '0.1.0',
        'machines': machines,
        'applications': applications,
        'remote_applications': remote_applications,
        'units': units,
        'relations': relations,
        'charm_revisions': {},
        'timestamp': T0,
    }
    return ModelView(**(fields | kw))


def failed(u: model.Unit, hook: str, relation_id: int | None = None) -> model.Unit:
    u.agent = model.Status('error', f'hook failed: "{hook}"', T0 + 5)
    u.progress.failure = model.HookFailure(hook=hook, event={}, relation_id=relation_id)
    return u


def section(text: str, header: str) -> list[str]:
    """The lines of the section whose header starts with ``header``."""
    for block in text.rstrip('\n').split('\n\n'):
        if block.startswith(header):
            return block.split('\n')
    raise AssertionError(f'no {header!r} section in:\n{text}')


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv('TZ', 'UTC-2')  # POSIX: two hours east of UTC
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# --- derivation -------------------------------------------------------------------------------

ORDER = ['error', 'blocked', 'maintenance', 'waiting', 'active', 'terminated', 'unknown']


@pytest.mark.parametrize(
    ('worse', 'better'), [(w, b) for i, w in enumerate(ORDER) for b in ORDER[i + 1 :]]
)
@pytest.mark.parametrize('worse_first', [True, False])
def test_application_status_is_the_most_severe_unit_status(
    worse: str, better: str, worse_first: bool
):
    units = [
        unit('a/0', (better, 'b msg')),
        unit('a/1', (worse, 'w msg'), since=T0 + 1),
    ]
    if worse_first:
        units.reverse()
    derived = status.application_status(app('a'), units)
    assert derived == model.Status(worse, 'w msg', T0 + 1)


def test_severity_table_is_jujus():
    assert sorted(status.SEVERITY, key=lambda s: -status.SEVERITY[s]) == ORDER
    assert status.SEVERITY['error'] == 100
    assert status.SEVERITY['unknown'] == 40


def test_no_units_is_unknown_and_unknown_units_keep_it_unset():
    assert status.application_status(app('a'), []) == model.Status('unknown')
    assert status.application_status(app('a'), [unit('a/0', ('unknown', 'x'))]) == model.Status(
        'unknown'
    )


def test_ties_keep_the_first_unit_in_natural_order():
    units = [unit('a/10', ('blocked', 'ten')), unit('a/2', ('blocked', 'two'))]
    assert status.application_status(app('a'), units).message == 'two'


def test_leader_set_status_wins_even_over_errors():
    leader_set = model.Status('active', 'ready', T0)
    a = app('a', status=leader_set)
    units = [failed(unit('a/0'), 'install'), unit('a/1', ('blocked', 'no'))]
    assert status.application_status(a, units) is leader_set


def test_failed_hook_counts_as_workload_error():
    units = [unit('a/0', ('blocked', 'no db')), failed(unit('a/1'), 'install')]
    assert status.application_status(app('a'), units) == model.Status(
        'error', 'hook failed: "install"', T0 + 5
    )


# --- unit display -----------------------------------------------------------------------------


def test_error_shows_as_workload_error_and_agent_idle():
    u = failed(unit('a/0', ('maintenance', 'installing')), 'install')
    workload, agent = status.unit_display_status(u)
    assert workload == model.Status('error', 'hook failed: "install"', T0 + 5)
    assert agent == model.Status('idle', '', T0 + 5)


def test_healthy_unit_shows_as_is():
    u = unit('a/0', ('active', 'up'), ('executing', 'running start hook'))
    assert status.unit_display_status(u) == (u.workload, u.agent)


def test_relation_hook_failure_names_the_other_end():
    rel = model.Relation(id=3, endpoints=[ep('db', 'database', 'provider', 'pg'),
                                          ep('a', 'db', 'requirer', 'pg')])  # fmt: skip
    u = failed(unit('a/0'), 'db-relation-changed', relation_id=3)
    label = status.failure_label(u, [rel])
    assert label == 'db:database'
    workload, _ = status.unit_display_status(u, label)
    assert workload.message == 'hook failed: "db-relation-changed" for db:database'


def test_no_relation_suffix_for_peers_plain_hooks_or_healthy_units():
    peer = model.Relation(id=1, endpoints=[ep('a', 'peers', 'peer', 'a-peers')])
    assert status.failure_label(failed(unit('a/0'), 'peers-relation-joined', 1), [peer]) is None
    assert status.failure_label(failed(unit('a/0'), 'install'), [peer]) is None
    assert status.failure_label(unit('a/0'), [peer]) is None
    assert status.unit_display_status(failed(unit('a/0'), 'install'), None)[0].message == (
        'hook failed: "install"'
    )


# --- small formatters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('ports', 'text'),
    [
        ([], ''),
        (['80/tcp'], '80/tcp'),
        (['82/tcp', '80/tcp', '81/tcp'], '80-82/tcp'),
        (['80/tcp', '81/tcp', '443/tcp'], '80-81,443/tcp'),
        (['8000-8002/tcp', '22/tcp'], '22,8000-8002/tcp'),
        (['53/udp', '53/tcp', 'icmp'], '53/tcp 53/udp icmp'),
        (['9/tcp', '10/tcp', '11/tcp', '100/tcp'], '9-11,100/tcp'),
        (['199/tcp', '2-3/tcp', '200/tcp'], '199-200,2-3/tcp'),
        (['80/tcp', '80/tcp'], '80/tcp'),
    ],
)
def test_ports_group_like_juju(ports: list[str], text: str):
    assert status.format_ports(ports) == text


def test_natural_sort():
    names = ['app/10', 'app/2', 'app/1', 'b', 'a10', 'a9']
    assert sorted(names, key=status.natural_key) == ['a9', 'a10', 'app/1', 'app/2', 'app/10', 'b']
    assert sorted(['10', '2', '0', '1'], key=status.natural_key) == ['0', '1', '2', '10']


def test_since_formats_like_juju(local_tz: None):
    assert status.format_since(T0, utc=True) == '2026-11-21 19:57:03Z'
    assert status.format_since(T0) == '21 Nov 2026 21:57:03+02:00'
    assert status.format_since(T0 + 0.9, utc=True) == '2026-11-21 19:57:03Z'  # Go truncates
    assert status.format_timestamp(T0, utc=True) == '19:57:03Z'
    assert status.format_timestamp(T0) == '21:57:03+02:00'


def test_since_in_a_utc_zone_says_z(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('TZ', 'UTC')
    time.tzset()
    try:
        assert status.format_since(T0) == '21 Nov 2026 19:57:03Z'
        assert status.format_timestamp(T0) == '19:57:03Z'
    finally:
        monkeypatch.undo()
        time.tzset()


# --- tabular ----------------------------------------------------------------------------------


def rich_view(**kw: Any) -> ModelView:
    machines = [machine('0'), machine('1'), machine('2'), machine('10', message='')]
    apps = [
        app('pg', leader='pg/0', channel='14/stable'),
        app('web', leader='web/10', exposed=True),
        app('k8s', leader='k8s/0', status=model.Status('blocked', 'need more', T0)),
    ]
    units = [
        unit('pg/0', ('active', 'primary'), machine_id='0', workload_version='14.9',
             ports=['5432/tcp']),
        unit('web/2', ('active', ''), ('executing', 'running config-changed hook'),
             machine_id='1', ports=['80/tcp', '81/tcp', '82/tcp', '443/tcp']),
        unit('web/10', ('waiting', 'waiting for db'), machine_id='2'),
        failed(unit('k8s/0', machine_id='10'), 'db-relation-changed', relation_id=1),
    ]  # fmt: skip
    relations = [
        model.Relation(id=1, endpoints=[ep('pg', 'database', 'provider', 'pgsql'),
                                        ep('k8s', 'db', 'requirer', 'pgsql')], scope=['pg/0']),
        model.Relation(id=0, endpoints=[ep('web', 'peers', 'peer', 'web-peers')], scope=['web/2']),
        model.Relation(id=2, endpoints=[ep('pg', 'database', 'provider', 'pgsql'),
                                        ep('web', 'db', 'requirer', 'pgsql')]),
    ]  # fmt: skip
    fields: dict[str, Any] = {
        'machines': machines,
        'applications': apps,
        'units': units,
        'relations': relations,
        'charm_revisions': {'pg': 3, 'web': 12},
    }
    return view(**(fields | kw))


EXPECTED = """\
Model  Controller  Cloud/Region        Version  Timestamp  Notes
olm    olm         metal-pool/default  0.1.0    19:57:03Z  embedded pool, simulated machines; hooks: scenario

App  Version  Status   Scale  Charm  Channel    Rev  Exposed  Message
k8s           blocked      1  k8s                 0  no       need more
pg   14.9     active       1  pg     14/stable    3  no       primary
web           waiting      2  web                12  yes      waiting for db

Unit     Workload  Agent      Machine  Public address  Ports          Message
k8s/0*   error     idle       10       10.0.0.20                      hook failed: "db-relation-changed" for pg:database
pg/0*    active    idle       0        10.0.0.10       5432/tcp       primary
web/2    active    executing  1        10.0.0.11       80-82,443/tcp  (config-changed)
web/10*  waiting   idle       2        10.0.0.12                      waiting for db

Machine  State    Address    Inst id  Base          AZ      Message
0        started  10.0.0.10  sys-0    ubuntu@24.04  zone-a  Deployed
1        started  10.0.0.11  sys-1    ubuntu@24.04  zone-a  Deployed
2        started  10.0.0.12  sys-2    ubuntu@24.04  zone-a  Deployed
10       started  10.0.0.20  sys-10   ubuntu@24.04  zone-a
"""  # noqa: E501


def test_tabular_matches_juju_layout():
    assert status.render_tabular(rich_view()) == EXPECTED


def test_tabular_relations_section():
    text = status.render_tabular(rich_view(relation_scopes={2: 'container'}), relations=True)
    assert section(text, 'Integration provider') == [
        'Integration provider  Requirer   Interface  Type         Message',
        'pg:database           k8s:db     pgsql      regular',
        'pg:database           web:db     pgsql      subordinate  joining',
        'web:peers             web:peers  web-peers  peer',
    ]
    assert 'Integration provider' not in status.render_tabular(rich_view())


def test_relation_rows_sort_by_provider_then_requirer():
    rels = [
        model.Relation(id=i, endpoints=[ep(p, 'x', 'provider', 'i'), ep(r, 'y', 'requirer', 'i')],
                       scope=['u'])
        for i, (p, r) in enumerate([('b', 'a'), ('a', 'c'), ('a', 'b')])
    ]  # fmt: skip
    rows = section(status.render_tabular(rich_view(relations=rels), relations=True), 'Integ')
    assert [r.split()[:2] for r in rows[1:]] == [['a:x', 'b:y'], ['a:x', 'c:y'], ['b:x', 'a:y']]


def test_dying_relation_shows_broken():
    rel = model.Relation(id=5, endpoints=[ep('web', 'peers', 'peer', 'p')], life='dying')
    rows = section(status.render_tabular(rich_view(relations=[rel]), relations=True), 'Integ')
    assert rows[1].split() == ['web:peers', 'web:peers', 'p', 'peer', 'broken']


def test_natural_order_of_units_apps_and_machines():
    text = status.render_tabular(rich_view())
    units = [line.split()[0] for line in section(text, 'Unit')[1:]]
    assert units == ['k8s/0*', 'pg/0*', 'web/2', 'web/10*']
    assert [line.split()[0] for line in section(text, 'Machine')[1:]] == ['0', '1', '2', '10']


def test_scale_counts_units_whose_agent_is_up():
    v = rich_view(
        applications=[app('a')],
        units=[unit('a/0'), unit('a/1', ('waiting', 'waiting for machine'), ('allocating', '')),
               unit('a/2', ('terminated', ''))],
    )  # fmt: skip
    row = section(status.render_tabular(v), 'App')[1].split()
    assert row[:3] == ['a', 'waiting', '1/3']


def test_allocating_unit_shows_agent_message_when_workload_has_none():
    v = rich_view(
        applications=[app('a')],
        units=[unit('a/0', ('waiting', ''), ('allocating', 'installing agent'))],
    )
    assert section(status.render_tabular(v), 'Unit')[1].endswith('installing agent')


def test_executing_prefix_names_actions_too():
    v = rich_view(
        applications=[app('a')],
        units=[unit('a/0', ('active', 'ok'), ('executing', 'running action backup'))],
    )
    assert section(status.render_tabular(v), 'Unit')[1].endswith('(backup) ok')


def test_messages_truncate_at_120():
    long = 'x' * 200
    v = rich_view(
        applications=[app('a', status=model.Status('blocked', long))],
        units=[unit('a/0', ('blocked', long))],
        machines=[machine('0', message=long)],
    )
    text = status.render_tabular(v)
    for header in ('App', 'Unit', 'Machine'):
        message = section(text, header)[1].split()[-1]
        assert message == 'x' * 117 + '...'


def test_long_workload_version_is_cut_to_15():
    v = rich_view(
        applications=[app('a')], units=[unit('a/0', workload_version='1.2.3-very-long-build')]
    )
    assert section(status.render_tabular(v), 'App')[1].split()[1] == '1.2.3-very-l...'


def test_saas_section():
    remotes = [
        model.RemoteApplication(name='mysql', url='admin/other.mysql', offer_path='/o',
                                endpoints={'db': ['provider', 'mysql']}),
        model.RemoteApplication(name='cos', url='ctl:admin/cos.prom', offer_path='/o',
                                endpoints={}, status=model.Status('waiting')),
    ]  # fmt: skip
    text = status.render_tabular(rich_view(remote_applications=remotes))
    assert section(text, 'SAAS') == [
        'SAAS   Status   Store  URL',
        'cos    waiting  ctl    admin/cos.prom',
        'mysql  active   local  admin/other.mysql',
    ]
    # Sections come in Juju's order.
    headers = [block.split()[0] for block in text.split('\n\n')]
    assert headers == ['Model', 'SAAS', 'App', 'Unit', 'Machine']


def test_empty_model():
    assert status.render_tabular(view()) == (
        'Model  Controller  Cloud/Region        Version  Timestamp  Notes\n'
        'olm    olm         metal-pool/default  0.1.0    19:57:03Z  '
        'embedded pool, simulated machines\n'
        '\n'
        'Model "olm" is empty.\n'
    )


def test_notes_only_when_simulated_or_model_has_a_message():
    real = status.render_tabular(view(simulated=False))
    assert real.splitlines()[0].split() == [
        'Model', 'Controller', 'Cloud/Region', 'Version', 'Timestamp'
    ]  # fmt: skip
    busy = status.render_tabular(view(model_status=model.Status('busy', 'migrating')))
    assert busy.splitlines()[1].endswith('migrating; embedded pool, simulated machines')


def test_notes_say_how_the_hooks_run():
    apps = rich_view().applications
    dispatched = [
        dataclasses.replace(a, runner='dispatch') if a.name == 'web' else a for a in apps
    ]

    mixed = status.render_tabular(rich_view(applications=dispatched))
    real = status.render_tabular(rich_view(simulated=False))

    assert mixed.splitlines()[1].endswith('; hooks: dispatch (web), scenario (k8s pg)')
    assert 'hooks:' not in real


def test_machines_without_apps_are_not_an_empty_model():
    text = status.render_tabular(view(machines=[machine('0')]))
    assert 'is empty' not in text
    assert [b.split()[0] for b in text.split('\n\n')] == ['Model', 'Machine']


def test_local_timestamp(local_tz: None):
    first = status.render_tabular(view(), utc=False).splitlines()[1]
    assert '21:57:03+02:00' in first


# --- YAML / JSON ------------------------------------------------------------------------------


def test_dict_shape():
    data = status.to_dict(rich_view(), utc=True)
    json.dumps(data)
    assert list(data) == ['model', 'machines', 'applications', 'controller']
    assert data['model'] == {
        'name': 'olm',
        'type': 'iaas',
        'controller': 'olm',
        'cloud': 'metal-pool',
        'region': 'default',
        'version': '0.1.0',
        'model-status': {'current': 'available'},
        'sla': 'unsupported',  # modelStatus.SLA: a model without a support level
    }
    assert data['controller'] == {'timestamp': '19:57:03Z'}
    assert list(data['machines']) == ['0', '1', '2', '10']
    assert data['machines']['0'] == {
        'juju-status': {'current': 'started', 'version': '0.1.0'},
        'hostname': 'node-0',
        'dns-name': '10.0.0.10',
        'ip-addresses': ['10.0.0.10'],
        'instance-id': 'sys-0',
        'machine-status': {'current': 'running', 'message': 'Deployed'},
        'modification-status': {'current': 'idle'},
        'base': {'name': 'ubuntu', 'channel': '24.04'},
        'hardware': 'arch=amd64 cores=4 mem=8192M availability-zone=zone-a',
    }
    pg = data['applications']['pg']
    assert pg == {
        'charm': 'local:pg-3',
        'base': {'name': 'ubuntu', 'channel': '24.04'},
        'charm-origin': 'local',
        'charm-name': 'pg',
        'charm-rev': 3,
        'charm-channel': '14/stable',
        'exposed': False,
        'application-status': {
            'current': 'active',
            'message': 'primary',
            'since': '2026-11-21 19:57:03Z',
        },
        'relations': {
            'database': [
                {'related-application': 'k8s', 'interface': 'pgsql', 'scope': 'global'},
                {'related-application': 'web', 'interface': 'pgsql', 'scope': 'global'},
            ]
        },
        'units': {
            'pg/0': {
                'workload-status': {
                    'current': 'active',
                    'message': 'primary',
                    'since': '2026-11-21 19:57:03Z',
                },
                'juju-status': {
                    'current': 'idle',
                    'since': '2026-11-21 19:57:03Z',
                    'version': '0.1.0',
                },
                'leader': True,
                'machine': '0',
                'open-ports': ['5432/tcp'],
                'public-address': '10.0.0.10',
            }
        },
        'version': '14.9',
        'endpoint-bindings': {'': 'alpha', 'database': 'alpha'},
    }


def test_dict_units_errors_leaders_and_life():
    web_app = app('web', leader='web/10', life='dying', bindings={'': 'space-a', 'db': 'db-net'})
    v = rich_view(applications=[app('pg'), app('k8s'), web_app])
    data = status.to_dict(v, utc=True)
    web = data['applications']['web']
    assert web['life'] == 'dying'
    assert 'charm-channel' not in web
    assert web['exposed'] is False
    assert 'leader' not in web['units']['web/2']
    assert web['units']['web/10']['leader'] is True
    assert web['relations']['peers'] == [
        {'related-application': 'web', 'interface': 'web-peers', 'scope': 'global'}
    ]
    assert web['endpoint-bindings'] == {'': 'space-a', 'db': 'db-net', 'peers': 'space-a'}
    k8s = status.to_dict(rich_view(), utc=True)['applications']['k8s']
    assert k8s['units']['k8s/0']['workload-status'] == {
        'current': 'error',
        'message': 'hook failed: "db-relation-changed" for pg:database',
        'since': '2026-11-21 19:57:08Z',
    }
    assert k8s['units']['k8s/0']['juju-status']['current'] == 'idle'
    assert 'open-ports' not in k8s['units']['k8s/0']
    assert k8s['application-status']['current'] == 'blocked'  # the leader set it


def test_dict_charm_endpoints_and_scopes():
    v = rich_view(
        charm_endpoints={'pg': ['database', 'metrics']}, relation_scopes={1: 'container'}
    )
    pg = status.to_dict(v)['applications']['pg']
    assert pg['endpoint-bindings'] == {'': 'alpha', 'database': 'alpha', 'metrics': 'alpha'}
    assert pg['relations']['database'][0]['scope'] == 'container'


def test_dict_saas_and_local_since(local_tz: None):
    remote = model.RemoteApplication(
        name='mysql',
        url='admin/other.mysql',
        offer_path='/o',
        endpoints={'db': ['provider', 'mysql']},
        status=model.Status('active', '', T0),
    )
    rel = model.Relation(
        id=7,
        endpoints=[ep('mysql', 'db', 'provider', 'mysql'), ep('web', 'db', 'requirer', 'mysql')],
    )
    data = status.to_dict(rich_view(remote_applications=[remote], relations=[rel]))
    json.dumps(data)
    assert list(data) == ['model', 'machines', 'applications', 'application-endpoints',
                          'controller']  # fmt: skip
    assert data['application-endpoints'] == {
        'mysql': {
            'url': 'admin/other.mysql',
            'endpoints': {'db': {'interface': 'mysql', 'role': 'provider'}},
            'application-status': {'current': 'active', 'since': '21 Nov 2026 21:57:03+02:00'},
            'relations': {'db': ['web']},
        }
    }
    assert data['controller'] == {'timestamp': '21:57:03+02:00'}


def test_dict_of_empty_model_and_pending_machine():
    data = status.to_dict(view(machines=[machine('0', status='pending', instance_id='',
                                                 address='', message='')]))  # fmt: skip
    assert data['applications'] == {}
    m = data['machines']['0']
    assert m['juju-status'] == {'current': 'pending'}
    assert m['instance-id'] == 'pending'
    assert m['machine-status'] == {'current': 'pending'}
    assert 'dns-name' not in m


def test_dict_machine_and_model_statuses_carry_since():
    when = T0
    data = status.to_dict(
        view(
            machines=[machine('0', since=when)],
            model_status=model.Status('available', '', when),
        ),
        utc=True,
    )
    assert data['model']['model-status'] == {
        'current': 'available',
        'since': '2026-11-21 19:57:03Z',
    }
    assert data['machines']['0']['juju-status']['since'] == '2026-11-21 19:57:03Z'
    assert data['machines']['0']['machine-status'] == {
        'current': 'running', 'message': 'Deployed', 'since': '2026-11-21 19:57:03Z'
    }  # fmt: skip
