"""relation-get, relation-set, relation-ids, relation-list, relation-model-get as Juju answers."""

from __future__ import annotations

from ops import testing
from toolhook import Hook, fails, make_hook, ok


def _hook(leader: bool = True, in_relation: bool = True) -> tuple[Hook, testing.Relation]:
    db = testing.Relation(
        'db',
        id=2,
        remote_app_name='pg',
        remote_app_data={'host': 'pg.example'},
        remote_units_data={0: {'ready': 'yes'}, 1: {}},
        local_unit_data={'mine': '1'},
        local_app_data={'shared': 'x'},
    )
    db10 = testing.Relation('db', id=10, remote_app_name='pg2')
    peer = testing.PeerRelation('cluster', id=3, peers_data={1: {'seen': 'x'}})
    env = (
        {
            'JUJU_RELATION': 'db',
            'JUJU_RELATION_ID': 'db:2',
            'JUJU_REMOTE_UNIT': 'pg/0',
            'JUJU_REMOTE_APP': 'pg',
        }
        if in_relation
        else {}
    )
    hook = make_hook(testing.State(relations={db, db10, peer}, leader=leader), env=env)
    return hook, db


def test_relation_get_defaults_to_the_hook_relation_and_remote_unit() -> None:
    hook, _ = _hook()
    assert ok(hook.run('relation-get')) == 'ready: "yes"\n'
    assert ok(hook.run('relation-get', 'ready')) == 'yes\n'
    assert ok(hook.run('relation-get', 'missing')) == ''
    assert ok(hook.run('relation-get', '--format=json', 'missing')) == 'null\n'
    assert ok(hook.run('relation-get', '--app')) == 'host: pg.example\n'
    assert ok(hook.run('relation-get', '--format=json', '-', 'app/0')) == '{"mine":"1"}\n'
    assert ok(hook.run('relation-get', '-r', '2', '--app', 'host', 'pg/1')) == 'pg.example\n'
    assert ok(hook.run('relation-get', '-r', 'cluster:3', '-', 'app/1')) == 'seen: x\n'


def test_relation_get_refusals() -> None:
    hook, _ = _hook(in_relation=False)
    assert fails(hook.run('relation-get'), 2) == 'no relation id specified'
    assert fails(hook.run('relation-get', '-r', '2'), 2) == 'no unit or application specified'
    assert fails(hook.run('relation-get', '-r', '2', '--app'), 2) == (
        'no unit or application specified'
    )
    assert fails(hook.run('relation-get', '-r', '2', '-', 'pg'), 2) == (
        'expected unit name, got application name "pg"'
    )
    assert fails(hook.run('relation-get', '-r', '2', '-', 'PG/0'), 2) == (
        'invalid unit name "PG/0"'
    )
    assert fails(hook.run('relation-get', '-r', '2', '-', 'pg/0', 'extra'), 2) == (
        'unrecognized args: ["extra"]'
    )
    assert fails(hook.run('relation-get', '-r', '2', '-', 'other/0'), 1) == 'permission denied'


def test_follower_reads_its_own_app_databag_only_on_a_peer_relation() -> None:
    hook, _ = _hook(leader=False)
    assert fails(hook.run('relation-get', '--app', '-', 'app'), 1) == 'permission denied'
    # an empty databag is an empty map: YAML's {}
    assert ok(hook.run('relation-get', '-r', '3', '--app', '-', 'app')) == '{}\n'
    leader, _ = _hook(leader=True)
    assert ok(leader.run('relation-get', '--app', '-', 'app')) == 'shared: x\n'


def test_relation_set() -> None:
    hook, db = _hook()
    assert ok(hook.run('relation-set', 'a=1', 'b = two ', 'mine=')) == ''
    assert dict(hook.ctx.state.get_relation(db.id).local_unit_data) == {'a': '1', 'b': 'two'}
    stdin = b'{"x": "from file", "a": "overridden", "n": null, "i": 5}'
    assert ok(hook.run('relation-set', '--file', '-', 'a=9', stdin=stdin)) == ''
    assert dict(hook.ctx.state.get_relation(db.id).local_unit_data) == {
        'a': '9',
        'b': 'two',
        'x': 'from file',
        'i': '5',
    }
    assert ok(hook.run('relation-set', '-r', '2', '--app', 'k=v')) == ''
    assert dict(hook.ctx.state.get_relation(db.id).local_app_data) == {'shared': 'x', 'k': 'v'}
    done = hook.run('relation-set', '--format', 'json', 'z=1')
    assert (done.returncode, done.stderr) == (
        0,
        b'--format flag deprecated for command "relation-set"',
    )


def test_relation_set_refusals() -> None:
    hook, _ = _hook(leader=False)
    assert fails(hook.run('relation-set', '--app', 'k=v'), 1) == 'cannot write relation settings'
    assert fails(hook.run('relation-set', 'foo'), 2) == 'expected "key=value", got "foo"'
    assert fails(hook.run('relation-set', 'a=1', 'a=2'), 2) == 'key "a" specified more than once'
    assert fails(hook.run('relation-set', '--file', '-', stdin=b'a:\n  b: c\n'), 1) == (
        'yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string'
    )
    assert fails(hook.run('relation-set', '--file', '-', stdin=b'just text'), 1) == (
        'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just text` into '
        'map[string]string'
    )
    outside, _ = _hook(in_relation=False)
    assert fails(outside.run('relation-set', 'a=1'), 2) == 'no relation id specified'


def test_relation_ids_and_list() -> None:
    hook, _ = _hook()
    assert ok(hook.run('relation-ids')) == 'db:10\ndb:2\n'
    assert ok(hook.run('relation-ids', 'cluster', '--format=json')) == '["cluster:3"]\n'
    assert ok(hook.run('relation-ids', 'website', '--format=json')) == '[]\n'
    assert ok(hook.run('relation-list')) == 'pg/0\npg/1\n'
    assert ok(hook.run('relation-list', '--app')) == 'pg\n'
    assert ok(hook.run('relation-list', '-r', '3', '--format=json')) == '["app/1"]\n'
    # Scenario gives a relation without remote units data one remote unit, /0
    assert ok(hook.run('relation-list', '-r', '10', '--format=json')) == '["pg2/0"]\n'
    outside, _ = _hook(in_relation=False)
    assert fails(outside.run('relation-ids'), 2) == 'no endpoint name specified'
    assert fails(outside.run('relation-list'), 2) == 'no relation id specified'


def test_relation_model_get() -> None:
    hook, _ = _hook()
    uuid = hook.ctx.state.model.uuid
    assert ok(hook.run('relation-model-get')) == f'uuid: {uuid}\n'
    assert ok(hook.run('relation-model-get', '--format=json')) == f'{{"uuid":"{uuid}"}}\n'
