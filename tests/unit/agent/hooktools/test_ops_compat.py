"""ops itself, run against olm's hook tools: what a charm in the dispatch runner sees.

``subprocess.run`` is patched so that every hook tool ops runs (``ops.hookcmds``, which ops'
real ``ops.model._ModelBackend`` calls) is answered in-process by :func:`run_tool` on a
Scenario backend. The argv and formats ops sends are those canonical/operator's
``test/test_hookcmds.py`` pins; each test checks what ops reads back and what the tools wrote
into the hook's output state.
"""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

import ops
import pytest
from ops import hookcmds, testing
from toolhook import META, MODEL_UUID, Hook, make_hook

from orchestrator.agent.hooktools import run_tool


class _Router:
    """``subprocess.run`` as ``ops.hookcmds`` calls it, answered by :func:`run_tool`."""

    def __init__(self) -> None:
        self.hook: Hook | None = None
        self.calls: list[list[str]] = []

    def __call__(
        self,
        args: Sequence[str],
        *,
        capture_output: bool = False,
        check: bool = False,
        encoding: str | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        assert capture_output and encoding == 'utf-8'
        assert self.hook is not None
        argv = list(args)
        self.calls.append(argv)
        result = run_tool(argv[0], argv[1:], (input or '').encode(), self.hook.ctx)
        out, err = result.stdout.decode(), result.stderr.decode()
        if check and result.returncode:
            raise subprocess.CalledProcessError(result.returncode, argv, out, err)
        return subprocess.CompletedProcess(argv, result.returncode, out, err)


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Router]:
    r = _Router()
    monkeypatch.setattr(subprocess, 'run', r)
    yield r


def _ops_backend(hook: Hook, env: dict[str, str] | None = None) -> ops.model._ModelBackend:
    juju_env = {**hook.ctx.env, **(env or {})}
    return ops.model._ModelBackend(juju_context=ops.JujuContext._from_dict(juju_env))


def _model(hook: Hook) -> ops.Model:
    return ops.Model(ops.CharmMeta(dict(META)), _ops_backend(hook))


def _db(**kwargs: Any) -> testing.Relation:
    return testing.Relation(
        'db',
        remote_app_name='pg',
        remote_app_data={'host': 'pg.example'},
        remote_units_data={0: {'ready': 'yes'}, 1: {}},
        **kwargs,
    )


def test_config(router: _Router) -> None:
    router.hook = make_hook(testing.State(config={'token': 's3cret', 'port': 9000}))
    model = _model(router.hook)
    assert dict(model.config) == {
        'name': 'olm',
        'port': 9000,
        'ratio': 1.5,
        'debug': False,
        'token': 's3cret',
    }
    assert hookcmds.config_get('port') == 9000
    assert hookcmds.config_get('missing') is None  # pyright: ignore[reportUnknownMemberType]
    assert router.calls[0] == ['config-get', '--format=json']


def test_relation_data_unit_and_app(router: _Router) -> None:
    db = _db(local_unit_data={'mine': '1'})
    peer = testing.PeerRelation('cluster', peers_data={1: {'seen': 'x'}})
    router.hook = hook = make_hook(
        testing.State(relations={db, peer}, leader=True),
        env={
            'JUJU_RELATION': 'db',
            'JUJU_RELATION_ID': f'db:{db.id}',
            'JUJU_REMOTE_UNIT': 'pg/0',
            'JUJU_REMOTE_APP': 'pg',
        },
    )
    model = _model(hook)
    relation = model.get_relation('db')
    assert relation is not None and relation.id == db.id
    assert relation.app is not None and relation.app.name == 'pg'
    assert sorted(u.name for u in relation.units) == ['pg/0', 'pg/1']
    assert dict(relation.data[relation.app]) == {'host': 'pg.example'}
    pg0 = next(u for u in relation.units if u.name == 'pg/0')
    assert dict(relation.data[pg0]) == {'ready': 'yes'}
    assert dict(relation.data[model.unit]) == {'mine': '1'}

    relation.data[model.unit]['url'] = 'http://app'
    relation.data[model.unit]['mine'] = ''
    relation.data[model.app]['shared'] = 'yes'
    out = hook.ctx.state.get_relation(db.id)
    assert dict(out.local_unit_data) == {'url': 'http://app'}
    assert dict(out.local_app_data) == {'shared': 'yes'}
    assert ['relation-set', '-r', f'db:{db.id}', '--app', '--file', '-'] in router.calls

    peers = model.get_relation('cluster')
    assert peers is not None
    assert [u.name for u in peers.units] == ['app/1']
    assert model.relations['website'] == []
    assert str(hookcmds.relation_model_get(db.id).uuid) == hook.ctx.state.model.uuid


@pytest.mark.filterwarnings('ignore:JujuLogHandler is not set up')
def test_relation_app_data_refused_to_a_follower(router: _Router) -> None:
    db = _db()
    router.hook = hook = make_hook(testing.State(relations={db}, leader=False))
    backend = _ops_backend(hook)
    with pytest.raises(ops.ModelError, match='cannot write relation settings'):
        backend.relation_set(db.id, {'k': 'v'}, is_app=True)
    with pytest.raises(ops.ModelError, match='permission denied'):
        backend.relation_get(db.id, 'app', is_app=True)
    with pytest.raises(ops.RelationNotFoundError):
        backend.relation_get(db.id + 100, 'pg/0', is_app=False)


def test_status(router: _Router) -> None:
    router.hook = hook = make_hook(testing.State(leader=True))
    model = _model(hook)
    model.unit.status = ops.ActiveStatus('serving')
    model.app.status = ops.BlockedStatus('needs a db')
    assert hook.ctx.state.unit_status == ops.ActiveStatus('serving')
    assert hook.ctx.state.app_status == ops.BlockedStatus('needs a db')
    backend = _ops_backend(hook)
    assert backend.status_get() == {'status': 'active', 'message': 'serving'}
    assert backend.status_get(is_app=True) == {'status': 'blocked', 'message': 'needs a db'}
    assert ['status-set', '--application=True', 'blocked', '--', 'needs a db'] in router.calls


def test_app_status_refused_to_a_follower(router: _Router) -> None:
    router.hook = hook = make_hook(testing.State(leader=False))
    backend = _ops_backend(hook)
    with pytest.raises(ops.ModelError, match='this unit is not the leader'):
        backend.status_set('active', 'x', is_app=True)
    with pytest.raises(ops.ModelError, match='this unit is not the leader'):
        backend.status_get(is_app=True)


def test_leader_log_and_version(router: _Router) -> None:
    router.hook = hook = make_hook(testing.State(leader=True))
    model = _model(hook)
    assert model.unit.is_leader() is True
    backend = _ops_backend(hook)
    backend.juju_log('DEBUG', 'hello from ops')
    backend.application_version_set('1.2.3')
    assert [(line.level, line.message) for line in hook.context.juju_log] == [
        ('DEBUG', 'hello from ops')
    ]
    assert hook.ctx.state.workload_version == '1.2.3'


def test_secrets_lifecycle(router: _Router) -> None:
    db = _db()
    router.hook = hook = make_hook(testing.State(relations={db}, leader=True))
    model = _model(hook)
    secret = model.app.add_secret(
        {'password': 'hunter2', 'user': 'admin'},
        label='creds',
        description='db creds',
        expire=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        rotate=ops.SecretRotate.MONTHLY,
    )
    assert secret.id is not None and secret.id.startswith('secret:')
    stored = hook.ctx.state.get_secret(id=secret.id)
    assert stored.owner == 'app'
    assert dict(stored.latest_content) == {'password': 'hunter2', 'user': 'admin'}

    again = model.get_secret(label='creds')
    assert again.get_content() == {'password': 'hunter2', 'user': 'admin'}
    info = again.get_info()
    assert info.label == 'creds'
    assert info.description == 'db creds'
    assert info.rotation == ops.SecretRotate.MONTHLY
    assert info.expires == datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

    again.set_content({'password': 'changed', 'user': 'admin'})
    assert dict(hook.ctx.state.get_secret(id=secret.id).latest_content)['password'] == 'changed'
    assert again.peek_content()['password'] == 'changed'

    relation = model.get_relation('db')
    assert relation is not None
    again.grant(relation)
    assert hook.ctx.state.get_secret(id=secret.id).remote_grants == {db.id: {'pg'}}
    again.revoke(relation)
    assert hook.ctx.state.get_secret(id=secret.id).remote_grants == {}
    assert hookcmds.secret_ids() == [secret.id.removeprefix('secret:')]

    again.remove_all_revisions()
    assert not [s for s in hook.ctx.state.secrets if s.id == secret.id]
    with pytest.raises(ops.SecretNotFoundError):
        model.get_secret(id=secret.id)


def test_unit_secret_and_follower(router: _Router) -> None:
    router.hook = hook = make_hook(testing.State(leader=False))
    model = _model(hook)
    with pytest.raises(ops.ModelError, match='this unit is not the leader'):
        model.app.add_secret({'k1x': 'v'})
    secret = model.unit.add_secret({'token': 'abc'})
    assert secret.id is not None
    assert hook.ctx.state.get_secret(id=secret.id).owner == 'unit'


def test_actions(router: _Router) -> None:
    router.hook = hook = make_hook(
        action=('backup', {'target': 's3', 'opts': {'level': 3, 'fast': True}})
    )
    backend = _ops_backend(hook)
    assert backend.action_get() == {'target': 's3', 'opts': {'level': 3, 'fast': True}}
    assert hookcmds.action_get('opts.level') == 3
    backend.action_set({'out': {'size': '10G', 'files': 3}, 'done': 'yes'})
    backend.action_log('halfway')
    backend.action_fail('disk full')
    assert hook.context.action_results == {'out': {'size': '10G', 'files': '3'}, 'done': 'yes'}
    assert hook.context.action_logs == ['halfway']
    assert hook.context._action_failure_message == 'disk full'


def test_action_tools_outside_an_action(router: _Router) -> None:
    router.hook = hook = make_hook()
    backend = _ops_backend(hook)
    with pytest.raises(ops.ModelError, match='not running an action'):
        backend.action_get()
    with pytest.raises(ops.ModelError, match='not running an action'):
        backend.action_log('x')


def test_ports(router: _Router) -> None:
    router.hook = hook = make_hook()
    model = _model(hook)
    model.unit.open_port('tcp', 8080)
    model.unit.open_port('udp', 53)
    model.unit.open_port('icmp')
    assert model.unit.opened_ports() == {
        ops.Port('tcp', 8080),
        ops.Port('udp', 53),
        ops.Port('icmp', None),
    }
    model.unit.close_port('udp', 53)
    model.unit.set_ports(80, 443)
    assert hook.ctx.state.opened_ports == {testing.TCPPort(80), testing.TCPPort(443)}
    assert hookcmds.opened_ports(endpoints=True) == [
        hookcmds.Port('tcp', 80, None, ['*']),
        hookcmds.Port('tcp', 443, None, ['*']),
    ]


def test_storage(router: _Router) -> None:
    data = testing.Storage('data', index=0)
    router.hook = hook = make_hook(testing.State(storages={data}))
    model = _model(hook)
    stores = model.storages['data']
    assert [s.index for s in stores] == [0]
    assert str(stores[0].location) == hook.ctx.backend.storage_get('data/0', 'location')
    got = hookcmds.storage_get('data/0')
    assert got.kind == 'filesystem'
    model.storages.request('disks', 2)
    assert hook.context.requested_storages == {'disks': 2}


def test_network_get(router: _Router) -> None:
    net = testing.Network(
        'db',
        bind_addresses=[
            testing.BindAddress(
                [testing.Address('10.1.2.3', cidr='10.1.2.0/24')],
                interface_name='eth1',
                mac_address='aa:bb:cc:dd:ee:ff',
            )
        ],
        ingress_addresses=['10.1.2.3'],
        egress_subnets=['10.1.2.0/24'],
    )
    router.hook = hook = make_hook(testing.State(networks={net}))
    model = _model(hook)
    binding = model.get_binding('db')
    assert binding is not None
    assert str(binding.network.bind_address) == '10.1.2.3'
    assert str(binding.network.ingress_address) == '10.1.2.3'
    assert [str(s) for s in binding.network.egress_subnets] == ['10.1.2.0/24']
    assert binding.network.interfaces[0].name == 'eth1'
    assert binding.network.interfaces[0].address is not None


def test_credential_get_and_planned_units(router: _Router) -> None:
    spec = testing.CloudSpec(
        type='maas',
        name='metal',
        region='default',
        endpoint='http://maas:5240/MAAS',
        credential=testing.CloudCredential(auth_type='oauth1', attributes={'maas-oauth': 'a:b:c'}),
    )
    router.hook = hook = make_hook(
        testing.State(model=testing.Model(uuid=MODEL_UUID, cloud_spec=spec)),
        trusted=True,
        goal_state={
            'units': {
                'app/0': {'status': 'active', 'since': '2026-12-07 10:00:00Z'},
                'app/1': {'status': 'dying', 'since': '2026-12-07 10:00:00Z'},
            },
            'relations': {},
        },
    )
    backend = _ops_backend(hook)
    got = backend.credential_get()
    assert got.type == 'maas'
    assert got.region == 'default'
    assert got.credential is not None
    assert got.credential.attributes == {'maas-oauth': 'a:b:c'}
    assert backend.planned_units() == 1


def test_state_and_reboot(router: _Router) -> None:
    router.hook = hook = make_hook(charm_state={'a': '1'})
    hookcmds.state_set({'b': '2', 'c': 'three words'})
    assert hookcmds.state_get(None) == {'a': '1', 'b': '2', 'c': 'three words'}
    assert hookcmds.state_get('c') == 'three words'
    hookcmds.state_delete('a')
    assert hook.ctx.charm_state == {'b': '2', 'c': 'three words'}
    hookcmds.juju_reboot()
    assert hook.ctx.reboot == ''
    hookcmds.juju_reboot(now=True)
    assert hook.ctx.reboot == 'now'


# Every command line canonical/operator's test/test_hookcmds.py pins (ops 3.9's and the
# newer options it tests), with its placeholder relation id and secret ID made real: each
# parses (no unknown flag, no missing argument) and succeeds.
_SECRET = 'd1n9aoo8abcdefghijkl'
_ARGVS: list[list[str]] = [
    ['action-fail'],
    ['action-fail', '--', 'oh no!'],
    ['action-get', '--format=json'],
    ['action-get', '--format=json', 'baz'],
    ['action-log', '--', 'progress update'],
    ['action-set', 'foo=bar', 'baz.baz2=qux'],
    ['application-version-set', '--', '1.2.3'],
    ['close-port', 'icmp'],
    ['close-port', '--endpoints', 'ep1,ep2', '8080/tcp'],
    ['config-get', '--format=json'],
    ['config-get', '--format=json', 'baz'],
    ['config-get', '--format=json', '--all'],
    ['credential-get', '--format=json'],
    ['goal-state', '--format=json'],
    ['is-leader', '--format=json'],
    ['juju-log', '--log-level', 'CRITICAL', '--', 'critical msg'],
    ['juju-reboot'],
    ['network-get', '--format=json', 'db'],
    ['network-get', '--format=json', '-r', '7', 'db'],
    ['open-port', '--endpoints', 'ep1', '8080/tcp'],
    ['opened-ports', '--format=json'],
    ['opened-ports', '--endpoints', '--format=json'],
    ['relation-get', '--format=json', '-r', '7', '--app', '-', 'pg/0'],
    ['relation-get', '--format=json', '-r', 'db:7', 'baz', 'pg/0'],
    ['relation-ids', 'db', '--format=json'],
    ['relation-list', '--format=json', '--app', '-r', '7'],
    ['relation-model-get', '--format=json', '-r', 'db:7'],
    ['relation-set', '-r', '7', '--app', '--file', '-'],
    ['secret-get', '--format=json', f'secret:{_SECRET}', '--label', 'lbl', '--refresh'],
    ['secret-get', '--format=json', '--label', 'lbl', '--peek'],
    ['secret-grant', '--relation', '7', '--unit', 'pg/0', _SECRET],
    ['secret-ids', '--format=json'],
    ['secret-info-get', '--format=json', f'secret:{_SECRET}'],
    ['secret-revoke', '--relation', '7', '--unit', 'pg/0', f'secret:{_SECRET}'],
    ['secret-revoke', '--app', 'pg', f'secret:{_SECRET}'],
    [
        'secret-set',
        '--label',
        'l2',
        '--description',
        'd',
        '--expire',
        '2025-12-31T23:59:59Z',
        '--rotate',
        'quarterly',
        f'secret:{_SECRET}',
        'foo=bar',
    ],
    ['secret-remove', _SECRET, '--revision', '2'],
    ['state-delete', 'foo'],
    ['state-get', '--format=json'],
    ['state-get', '--format=json', '--strict', 'foo'],
    ['state-set', '--file', '-'],
    ['status-get', '--include-data', '--format=json', '--application=true'],
    ['status-set', '--application=False', 'active', '--', 'msg'],
    ['storage-add', 'foo=2', 'bar=3'],
    ['storage-get', '--format=json', '-s', 'data/0'],
    ['storage-list', '--format=json', 'data'],
    ['juju-reboot', '--now'],
]


@pytest.mark.parametrize('argv', _ARGVS, ids=[' '.join(a) for a in _ARGVS])
def test_every_command_line_ops_sends_is_served(argv: list[str]) -> None:
    db = testing.Relation('db', id=7, remote_app_name='pg')
    secret = testing.Secret({'foo': 'bar'}, id=f'secret:{_SECRET}', owner='app', label='lbl')
    spec = testing.CloudSpec(type='maas', name='metal')
    state = testing.State(
        relations={db},
        secrets={secret},
        leader=True,
        storages={testing.Storage('data', index=0)},
        model=testing.Model(cloud_spec=spec),
    )
    action = ('backup', {'baz': 1}) if argv[0].startswith('action-') else None
    hook = make_hook(state, action=action, trusted=True, charm_state={'foo': 'x'})
    stdin = b'{"foo": "bar"}' if '--file' in argv else b''
    result = hook.run(*argv, stdin=stdin)
    assert (result.returncode, result.stderr) == (0, b''), result
