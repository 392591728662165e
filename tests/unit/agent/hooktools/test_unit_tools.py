"""config-get, status-*, is-leader, leader-*, state-*, juju-log, unit-get, goal-state,
credential-get, juju-reboot and application-version-set as Juju answers them.
"""

from __future__ import annotations

import ops
from ops import testing
from toolhook import fails, make_hook, ok


def test_config_get() -> None:
    hook = make_hook(testing.State(config={'port': 9000}))
    assert ok(hook.run('config-get')) == 'debug: false\nname: olm\nport: 9000\nratio: 1.5\n'
    assert ok(hook.run('config-get', 'name')) == 'olm\n'
    assert ok(hook.run('config-get', 'debug')) == 'False\n'  # a Go bool in smart format
    assert ok(hook.run('config-get', 'ratio')) == '1.5\n'
    assert ok(hook.run('config-get', 'token')) == ''
    assert ok(hook.run('config-get', 'token', '--format=json')) == 'null\n'
    assert ok(hook.run('config-get', '--all', '--format=json')) == (
        '{"debug":false,"name":"olm","port":9000,"ratio":1.5,"token":null}\n'
    )
    assert fails(hook.run('config-get', '--all', 'port'), 2) == (
        'cannot use argument --all together with key "port"'
    )


def test_status_get_and_set() -> None:
    hook = make_hook(testing.State(leader=True))
    assert ok(hook.run('status-set', 'maintenance', 'installing')) == ''
    assert hook.ctx.state.unit_status == ops.MaintenanceStatus('installing')
    assert ok(hook.run('status-get')) == 'maintenance\n'
    assert ok(hook.run('status-get', '--format=json')) == '{"status":"maintenance"}\n'
    assert ok(hook.run('status-get', '--include-data')) == (
        'message: installing\nstatus: maintenance\nstatus-data: {}\n'
    )
    assert ok(hook.run('status-set', '--application', 'active')) == ''
    assert hook.ctx.state.app_status == ops.ActiveStatus('')
    assert ok(hook.run('status-get', '--application')) == 'active\n'
    assert ok(hook.run('status-get', '--application', '--include-data')) == (
        'application-status:\n'
        '  message: ""\n'
        '  status: active\n'
        '  status-data: {}\n'
        '  units:\n'
        '    app/0:\n'
        '      message: installing\n'
        '      status: maintenance\n'
        '      status-data: {}\n'
    )


def test_status_refusals() -> None:
    hook = make_hook(testing.State(leader=False))
    assert fails(hook.run('status-set'), 2) == 'invalid args, require <status> [message]'
    assert fails(hook.run('status-set', 'error'), 2) == (
        'invalid status "error", expected one of [maintenance blocked waiting active]'
    )
    assert fails(hook.run('status-set', 'active', 'a', 'b'), 2) == 'unrecognized args: ["b"]'
    assert fails(hook.run('status-set', '--application', 'active'), 1) == (
        'this unit is not the leader'
    )
    assert fails(hook.run('status-get', '--application'), 1) == (
        'finding application status: this unit is not the leader'
    )
    assert fails(hook.run('status-get', 'extra'), 2) == 'unrecognized args: ["extra"]'


def test_leadership() -> None:
    leader = make_hook(testing.State(leader=True), leader_settings={'a': '1'})
    assert ok(leader.run('is-leader')) == 'True\n'
    assert ok(leader.run('is-leader', '--format=json')) == 'true\n'
    assert ok(leader.run('leader-set', 'b=2', 'a=')) == ''
    assert leader.ctx.leader_settings == {'b': '2'}
    assert ok(leader.run('leader-get')) == 'b: "2"\n'
    assert ok(leader.run('leader-get', 'b')) == '2\n'
    assert ok(leader.run('leader-get', '-')) == 'b: "2"\n'
    assert fails(leader.run('leader-get', 'a=b'), 2) == 'invalid key "a=b"'
    follower = make_hook(testing.State(leader=False))
    assert ok(follower.run('is-leader')) == 'False\n'
    assert fails(follower.run('leader-set', 'a=1'), 1) == (
        'cannot write leadership settings: cannot write settings: not the leader'
    )
    assert fails(follower.run('is-leader', 'x'), 2) == 'unrecognized args: ["x"]'


def test_charm_state() -> None:
    hook = make_hook()
    assert ok(hook.run('state-get')) == '{}\n'
    assert ok(hook.run('state-get', '--format=json')) == 'null\n'
    assert ok(hook.run('state-set', 'a=1', 'b=two words')) == ''
    assert ok(hook.run('state-set', '--file', '-', 'c=3', stdin=b'c: 9\nd: four\n')) == ''
    assert hook.ctx.charm_state == {'a': '1', 'b': 'two words', 'c': '3', 'd': 'four'}
    assert ok(hook.run('state-get', 'b')) == 'two words\n'
    assert ok(hook.run('state-get', 'missing')) == ''
    assert ok(hook.run('state-get', 'missing', '--format=json')) == '""\n'
    assert fails(hook.run('state-get', '--strict', 'missing'), 1) == '"missing" not found'
    assert ok(hook.run('state-delete', 'a')) == ''
    assert ok(hook.run('state-delete')) == ''
    assert set(hook.ctx.charm_state) == {'b', 'c', 'd'}
    assert fails(hook.run('state-set', 'novalue'), 2) == 'expected "key=value", got "novalue"'


def test_juju_log() -> None:
    hook = make_hook(env={'JUJU_RELATION_ID': 'db:4', 'JUJU_RELATION': 'db'})
    assert ok(hook.run('juju-log', 'hello', 'world')) == ''
    assert ok(hook.run('juju-log', '--log-level', 'warn', 'careful')) == ''
    assert ok(hook.run('juju-log', '--debug', 'details')) == ''
    assert ok(hook.run('juju-log', '-l', 'LOUD', 'odd level')) == ''
    assert [(line.level, line.message) for line in hook.context.juju_log] == [
        ('INFO', 'db:4: hello world'),
        ('WARNING', 'db:4: careful'),
        ('DEBUG', 'db:4: details'),
        ('WARNING', 'Specified log level of "LOUD" is not valid'),
        ('INFO', 'db:4: odd level'),
    ]
    assert fails(hook.run('juju-log'), 2) == 'no message specified'
    done = hook.run('juju-log', '--format', 'json', 'x')
    assert done.stderr == b'--format flag deprecated for command "juju-log"'


def test_unit_get() -> None:
    hook = make_hook()
    assert ok(hook.run('unit-get', 'private-address')) == '10.0.0.10\n'
    assert ok(hook.run('unit-get', 'public-address', '--format=json')) == '"203.0.113.10"\n'
    assert fails(hook.run('unit-get'), 2) == 'no setting specified'
    assert fails(hook.run('unit-get', 'address'), 2) == 'unknown setting "address"'
    hook.ctx.public_address = ''
    assert fails(hook.run('unit-get', 'public-address'), 1) == 'public address not found'


def test_goal_state() -> None:
    goal = {
        'units': {
            'app/0': {'status': 'active', 'since': '2026-12-07 10:00:00Z'},
            'app/1': {'status': 'waiting'},
        },
        'relations': {'db': {'pg': {'status': 'joined', 'since': '2026-12-07 10:01:00Z'}}},
    }
    hook = make_hook(goal_state=goal)
    assert ok(hook.run('goal-state')) == (
        'units:\n'
        '  app/0:\n'
        '    status: active\n'
        '    since: 2026-12-07 10:00:00Z\n'
        '  app/1:\n'
        '    status: waiting\n'
        'relations:\n'
        '  db:\n'
        '    pg:\n'
        '      status: joined\n'
        '      since: 2026-12-07 10:01:00Z\n'
    )
    assert ok(hook.run('goal-state', '--format=json')) == (
        '{"units":{"app/0":{"status":"active","since":"2026-12-07 10:00:00Z"},'
        '"app/1":{"status":"waiting"}},'
        '"relations":{"db":{"pg":{"status":"joined","since":"2026-12-07 10:01:00Z"}}}}\n'
    )
    assert fails(hook.run('goal-state', '--format=smart'), 2) == (
        'invalid value "smart" for flag --format: unknown format "smart"'
    )


def test_credential_get() -> None:
    spec = testing.CloudSpec(type='maas', name='metal', endpoint='http://maas:5240/MAAS')
    trusted = make_hook(testing.State(model=testing.Model(cloud_spec=spec)), trusted=True)
    assert ok(trusted.run('credential-get', '--format=json')) == (
        '{"type":"maas","name":"metal","endpoint":"http://maas:5240/MAAS"}\n'
    )
    untrusted = make_hook(testing.State(model=testing.Model(cloud_spec=spec)))
    assert fails(untrusted.run('credential-get'), 1) == (
        'cannot access cloud credentials: permission denied'
    )


def test_juju_reboot_and_version() -> None:
    hook = make_hook()
    assert ok(hook.run('juju-reboot')) == ''
    assert hook.ctx.reboot == ''
    assert ok(hook.run('juju-reboot', '--now')) == ''
    assert hook.ctx.reboot == 'now'
    assert ok(hook.run('application-version-set', '2.0')) == ''
    assert hook.ctx.state.workload_version == '2.0'
    assert fails(hook.run('application-version-set'), 2) == 'no version specified'
    action = make_hook(action=('backup', {}))
    assert fails(action.run('juju-reboot'), 1) == (
        'juju-reboot is not supported when running an action.'
    )
