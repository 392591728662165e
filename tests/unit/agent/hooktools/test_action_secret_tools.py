"""action-* and secret-* as Juju answers them."""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable

import ops
from ops import testing
from toolhook import Hook, fails, make_hook, ok

from orchestrator import _compat

OWNED = 'd1n9aoo8abcdefghijkl'
OTHERS = 'c0ffee00abcdefghijkl'


def test_action_get_and_set() -> None:
    hook = make_hook(action=('backup', {'target': 's3', 'opts': {'level': 3, 'tags': ['a']}}))
    assert ok(hook.run('action-get')) == 'opts:\n  level: 3\n  tags:\n  - a\ntarget: s3\n'
    assert ok(hook.run('action-get', 'target')) == 's3\n'
    assert ok(hook.run('action-get', 'opts.level', '--format=json')) == '3\n'
    assert ok(hook.run('action-get', 'opts.missing')) == ''
    assert ok(hook.run('action-get', 'target.deeper')) == ''
    assert ok(hook.run('action-set', 'out.size=10G', 'out.files=3', 'done=yes')) == ''
    assert ok(hook.run('action-set', 'out.kind=full')) == ''
    assert hook.context.action_results == {
        'out': {'size': '10G', 'files': '3', 'kind': 'full'},
        'done': 'yes',
    }
    assert ok(hook.run('action-log', 'half', 'way')) == ''
    assert hook.context.action_logs == ['half way']
    assert ok(hook.run('action-fail')) == ''
    assert hook.context._action_failure_message == (
        'action failed without reason given, check action for errors'
    )


def test_action_refusals() -> None:
    hook = make_hook(action=('backup', {}))
    assert fails(hook.run('action-set', 'Bad=1'), 2) == (
        'key "Bad" must start and end with lowercase alphanumeric, and contain only lowercase '
        'alphanumeric, hyphens and periods'
    )
    assert (
        fails(hook.run('action-set', 'stdout=x'), 2) == 'cannot set reserved action key "stdout"'
    )
    assert fails(hook.run('action-set', 'foo'), 2) == (
        'argument "foo" must be of the form key...=value'
    )
    assert fails(hook.run('action-log'), 2) == 'no message specified'
    assert fails(hook.run('action-fail', 'a', 'b'), 2) == 'unrecognized args: ["b"]'
    assert fails(hook.run('action-get', 'a', 'b'), 2) == 'unrecognized args: ["b"]'
    outside = make_hook()
    for argv in (['action-get'], ['action-set', 'a=1'], ['action-fail', 'x'], ['action-log', 'x']):
        assert fails(outside.run(*argv), 1) == 'not running an action'
    # with nothing to set, action-set does not look for the action
    assert ok(outside.run('action-set')) == ''


def _secrets_hook(leader: bool = True, read_file: Callable[[str], bytes] | None = None) -> Hook:
    db = testing.Relation('db', id=5, remote_app_name='pg', remote_units_data={0: {}, 1: {}})
    owned = testing.Secret(
        {'user': 'admin', 'password': 'hunter2'},
        id=f'secret:{OWNED}',
        owner='app',
        label='creds',
        description='db creds',
        expire=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        rotate=ops.SecretRotate.MONTHLY,
        remote_grants={5: {'pg'}},
    )
    others = testing.Secret({'token': 'abc'}, id=f'secret:{OTHERS}', label='theirs')
    state = testing.State(relations={db}, secrets={owned, others}, leader=leader)
    return make_hook(state, read_file=read_file)


def test_secret_add() -> None:
    files = {'/tmp/cert.pem': b'-----BEGIN-----\n'}
    hook = _secrets_hook(read_file=files.__getitem__)
    done = ok(
        hook.run(
            'secret-add',
            '--label',
            'new',
            '--description',
            'a new one',
            '--rotate',
            'daily',
            '--expire',
            '2031-05-06T07:08:09Z',
            'user=me',
            'blob#base64=' + base64.b64encode(b'bytes!').decode(),
            'cert#file=/tmp/cert.pem',
        )
    )
    assert done.startswith('secret:') and done.endswith('\n')
    secret = hook.ctx.state.get_secret(id=done.strip())
    assert dict(secret.latest_content) == {
        'user': 'me',
        'blob': 'bytes!',
        'cert': '-----BEGIN-----\n',
    }
    assert secret.owner == 'app'
    assert (secret.label, secret.description) == ('new', 'a new one')
    assert secret.rotate == ops.SecretRotate.DAILY
    assert secret.expire == datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    unit_owned = ok(hook.run('secret-add', '--owner', 'unit', 'token=x1'))
    assert hook.ctx.state.get_secret(id=unit_owned.strip()).owner == 'unit'


def test_secret_add_refusals() -> None:
    hook = _secrets_hook(leader=False)
    assert fails(hook.run('secret-add'), 2) == 'missing secret value or filename'
    assert fails(hook.run('secret-add', 'x=1'), 2) == 'key "x" not valid'
    assert fails(hook.run('secret-add', '=1'), 2) == 'key value "=1" not valid'
    assert fails(hook.run('secret-add', '--owner', 'bob', 'foo=bar'), 2) == (
        'secret owner "bob" not valid'
    )
    assert fails(hook.run('secret-add', '--rotate', 'often', 'foo=bar'), 2) == (
        'rotate policy "often" not valid'
    )
    assert fails(hook.run('secret-add', '--expire', 'never', 'foo=bar'), 2) == (
        'expire time or duration "never" not valid'
    )
    assert fails(hook.run('secret-add', '--expire', '-1h', 'foo=bar'), 2) == (
        'negative expire duration "-1h" not valid'
    )
    assert fails(hook.run('secret-add', 'foo=bar'), 1) == 'this unit is not the leader'
    assert ok(hook.run('secret-add', '--expire', '1h30m', '--owner', 'unit', 'foo=bar'))


def test_secret_get() -> None:
    hook = _secrets_hook()
    assert ok(hook.run('secret-get', OWNED)) == 'password: hunter2\nuser: admin\n'
    assert ok(hook.run('secret-get', f'secret:{OWNED}', 'user')) == 'admin\n'
    assert ok(hook.run('secret-get', OWNED, 'user#base64')) == (
        base64.b64encode(b'admin').decode() + '\n'
    )
    assert ok(hook.run('secret-get', '--label', 'theirs', '--format=json')) == (
        '{"token":"abc"}\n'
    )
    assert fails(hook.run('secret-get'), 2) == 'require either a secret URI or label'
    assert fails(hook.run('secret-get', 'nope'), 2) == 'secret URI "nope" not valid'
    assert fails(hook.run('secret-get', OWNED, '--peek', '--refresh'), 2) == (
        'specify one of --peek or --refresh but not both'
    )
    assert fails(hook.run('secret-get', OWNED, '--format=smart'), 2) == (
        'invalid value "smart" for flag --format: unknown format "smart"'
    )
    assert fails(hook.run('secret-get', OWNED, 'nokey'), 1) == (
        'secret key value "nokey" not found'
    )
    assert fails(hook.run('secret-get', 'a' * 20), 1) == f'secret "{"a" * 20}" not found'


def test_secret_info_get_and_ids() -> None:
    hook = _secrets_hook()
    expected = (
        f'{OWNED}:\n'
        '  revision: 1\n'
        '  label: creds\n'
        '  owner: application\n'
        '  description: db creds\n'
        '  rotation: monthly\n'
        '  expiry: 2030-01-02T03:04:05Z\n'
    )
    assert ok(hook.run('secret-info-get', OWNED)) == expected
    assert ok(hook.run('secret-info-get', '--label', 'creds')) == expected
    assert ok(hook.run('secret-info-get', OWNED, '--format=json')) == (
        f'{{"{OWNED}":{{"revision":1,"label":"creds","owner":"application",'
        '"description":"db creds","rotation":"monthly","expiry":"2030-01-02T03:04:05Z"}}\n'
    )
    assert fails(hook.run('secret-info-get', OWNED, '--label', 'creds'), 2) == (
        'specify either a secret URI or label but not both'
    )
    assert fails(hook.run('secret-info-get', OTHERS), 1) == f'secret "{OTHERS}" not found'
    assert fails(hook.run('secret-info-get', '--label', 'theirs'), 1) == (
        'secret "theirs" not found'
    )
    assert ok(hook.run('secret-ids')) == f'{OWNED}\n'
    none = make_hook()
    assert ok(none.run('secret-ids')) == ''
    assert ok(none.run('secret-ids', '--format=json')) == 'null\n'


def test_secret_set() -> None:
    hook = _secrets_hook()
    assert ok(hook.run('secret-set', OWNED, 'password=changed', 'user=admin')) == ''
    secret = hook.ctx.state.get_secret(id=f'secret:{OWNED}')
    assert dict(secret.latest_content) == {'password': 'changed', 'user': 'admin'}
    assert ok(hook.run('secret-set', f'secret:{OWNED}', '--label', 'renamed')) == ''
    assert hook.ctx.state.get_secret(id=f'secret:{OWNED}').label == 'renamed'
    assert fails(hook.run('secret-set'), 2) == 'missing secret URI'
    assert fails(hook.run('secret-set', 'bad'), 2) == 'secret URI "bad" not valid'
    assert fails(hook.run('secret-set', OTHERS, 'token=x1z'), 1) == 'permission denied'
    follower = _secrets_hook(leader=False)
    assert fails(follower.run('secret-set', OWNED, 'password=x'), 1) == (
        'this unit is not the leader'
    )


def test_secret_grant_revoke_remove() -> None:
    hook = _secrets_hook()
    assert ok(hook.run('secret-revoke', OWNED, '--app', 'pg')) == ''
    assert hook.ctx.state.get_secret(id=f'secret:{OWNED}').remote_grants == {}
    assert ok(hook.run('secret-grant', OWNED, '-r', '5', '--unit', 'pg/1')) == ''
    assert hook.ctx.state.get_secret(id=f'secret:{OWNED}').remote_grants == {5: {'pg/1'}}
    assert ok(hook.run('secret-revoke', OWNED, '--unit', 'pg/1')) == ''
    assert ok(hook.run('secret-grant', OWNED, '--relation', 'db:5')) == ''
    assert ok(hook.run('secret-revoke', OWNED, '-r', '5')) == ''
    assert hook.ctx.state.get_secret(id=f'secret:{OWNED}').remote_grants == {}

    assert fails(hook.run('secret-grant', OWNED), 2) == 'no relation id specified'
    assert fails(hook.run('secret-grant', OWNED, '-r', '5', '--unit', 'mysql/0'), 2) == (
        'cannot specify unit "mysql/0" in relation to application "pg"'
    )
    assert fails(hook.run('secret-grant', OWNED, '-r', '5', '--unit', 'pg'), 2) == (
        'unit "pg" not valid'
    )
    assert fails(hook.run('secret-grant', OTHERS, '-r', '5'), 1) == f'secret "{OTHERS}" not found'
    assert fails(hook.run('secret-revoke', OWNED), 2) == 'missing relation or application or unit'
    assert fails(hook.run('secret-revoke', OWNED, '--app', 'pg', '--unit', 'pg/0'), 2) == (
        'specify only one of application or unit'
    )
    assert fails(hook.run('secret-revoke', OWNED, '-r', '5', '--app', 'pg'), 2) == (
        'do not specify both relation and app'
    )

    assert ok(hook.run('secret-remove', OWNED)) == ''
    assert [s.id for s in hook.ctx.state.secrets] == [f'secret:{OTHERS}']
    follower = _secrets_hook(leader=False)
    assert fails(follower.run('secret-remove', OWNED), 1) == 'this unit is not the leader'
    assert fails(follower.run('secret-remove'), 2) == 'missing secret URI'


def test_secret_info_get_of_a_secret_without_rotation() -> None:
    hook = make_hook(
        testing.State(secrets={testing.Secret({'k1x': 'v'}, id=f'secret:{OWNED}', owner='unit')})
    )
    assert ok(hook.run('secret-info-get', OWNED, '--format=json')) == (
        f'{{"{OWNED}":{{"revision":1,"label":"","owner":"unit","rotation":"never"}}}}\n'
    )


def test_secret_info_get_shows_the_next_rotation_after_the_expiry() -> None:
    """``rotates`` is metadataDisplay's NextRotateTime, after ``expiry`` (secret-info-get.go)."""
    hook = _secrets_hook()
    owned = hook.ctx.state.get_secret(id=f'secret:{OWNED}')
    _compat.set_secret_rotates(owned, datetime.datetime(2030, 2, 1, 0, 0, tzinfo=datetime.UTC))
    assert ok(hook.run('secret-info-get', OWNED)).endswith(
        '  rotation: monthly\n  expiry: 2030-01-02T03:04:05Z\n  rotates: 2030-02-01T00:00:00Z\n'
    )


def test_secret_add_expire_duration_counts_from_the_models_clock() -> None:
    hook = _secrets_hook()
    model_now = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC).timestamp()
    with _compat.machine_clock(lambda: model_now):
        uri = ok(hook.run('secret-add', '--expire', '1h30m', 'foo=bar')).strip()
    secret = hook.ctx.state.get_secret(id=uri)
    assert secret.expire == datetime.datetime(2031, 1, 1, 1, 30, tzinfo=datetime.UTC)
