"""snapd's REST API on a simulated machine: snapd 2.67.1's responses, over the snap CLI's state.

Requests go through the machine's socket service as the runners send them (HTTP bytes read by
:func:`orchestrator.sim.parse_request`); the answers are read back as a client reads them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrator.sim import (
    HttpRequest,
    HttpResponse,
    SimHost,
    World,
    encode_response,
    parse_request,
)
from orchestrator.sim.programs.snap import SOCKET_PATH


def call(host: SimHost, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    """One request to snapd's socket on ``host``: the status and the decoded document."""
    data = b'' if body is None else json.dumps(body).encode()
    raw = (
        f'{method} {path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n'
        f'Content-Length: {len(data)}\r\nConnection: close\r\n\r\n'
    ).encode() + data
    request = parse_request(raw)
    assert request is not None
    response = host.request(SOCKET_PATH, request)
    assert response is not None
    document = json.loads(response.body)
    assert document['status-code'] == response.status
    return response.status, document


def result(host: SimHost, method: str, path: str, body: Any = None) -> Any:
    status, document = call(host, method, path, body)
    assert (status, document['type']) == (200, 'sync'), document
    return document['result']


def error(host: SimHost, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    status, document = call(host, method, path, body)
    assert document['type'] == 'error', document
    return status, document['result']


def change(host: SimHost, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """An async request, then its change as ``GET /v2/changes/{id}`` gives it."""
    status, document = call(host, method, path, body)
    assert (status, document['type'], document['status']) == (202, 'async', 'Accepted'), document
    return result(host, 'GET', f'/v2/changes/{document["change"]}')


def test_install_is_a_change_and_the_snap_is_the_clis_too(host: SimHost) -> None:
    done = change(host, 'POST', '/v2/snaps/microceph', {'action': 'install', 'channel': 'squid'})

    assert done['kind'] == 'install-snap'
    assert done['summary'] == 'Install "microceph" snap from "squid" channel'
    assert (done['status'], done['ready'], done['data']) == (
        'Done', True, {'snap-names': ['microceph']},
    )  # fmt: skip
    snap = result(host, 'GET', '/v2/snaps/microceph')
    assert (snap['name'], snap['status'], snap['tracking-channel'], snap['revision']) == (
        'microceph', 'active', 'squid/stable', '1393',
    )  # fmt: skip
    assert snap['confinement'] == 'strict'
    daemon = next(a for a in snap['apps'] if a['name'] == 'daemon')
    assert daemon == {
        'snap': 'microceph', 'name': 'daemon', 'daemon': 'simple', 'daemon-scope': 'system',
        'enabled': True, 'active': True,
    }  # fmt: skip
    assert [s['name'] for s in result(host, 'GET', '/v2/snaps')] == [
        'core24', 'microceph', 'snapd',
    ]  # fmt: skip
    listed = host.run(['snap', 'list', 'microceph']).stdout.splitlines()
    assert listed[1].split()[:4] == ['microceph', '19.2.0+snapab139d4a1f', '1393', 'squid/stable']


def test_a_snap_the_cli_installed_is_the_apis(host: SimHost) -> None:
    host.run(['snap', 'install', 'maas', '--channel=3.6/stable'])

    assert result(host, 'GET', '/v2/snaps/maas')['tracking-channel'] == '3.6/stable'
    assert result(host, 'GET', '/v2/snaps', None) != []


@pytest.mark.parametrize(
    ('body', 'status', 'expected'),
    [
        (
            {'action': 'install'},
            400,
            {'message': 'snap "k8s" requires classic confinement', 'kind': 'snap-needs-classic',
             'value': 'k8s'},
        ),
        (
            {'action': 'install', 'channel': 'no/such/thing/here'},
            400,
            {'message': 'channel name has too many components: no/such/thing/here'},
        ),
        (
            {'action': 'refresh'},
            400,
            {'message': 'cannot refresh "k8s": snap "k8s" is not installed'},
        ),
        (
            {'action': 'remove'},
            400,
            {'message': 'snap "k8s" is not installed', 'kind': 'snap-not-installed',
             'value': 'k8s'},
        ),
        (
            {'action': 'hold', 'time': 'forever', 'hold-level': 'general'},
            400,
            {'message': 'cannot hold "k8s": snap "k8s" is not installed'},
        ),
        (
            {'action': 'hold', 'time': 'soon', 'hold-level': 'general'},
            400,
            {'message': 'hold action requires time to be "forever" or in RFC3339 format'},
        ),
        ({'action': 'fly'}, 400, {'message': 'unknown action fly'}),
        (
            {'action': 'revert'},
            501,
            {'message': 'olm\'s simulated snapd does not model the "revert" action'},
        ),
    ],
)  # fmt: skip
def test_snap_instruction_errors(
    host: SimHost, body: dict[str, Any], status: int, expected: dict[str, Any]
) -> None:
    assert error(host, 'POST', '/v2/snaps/k8s', body) == (status, expected)


def test_store_refusals(host: SimHost) -> None:
    assert error(host, 'POST', '/v2/snaps/nope', {'action': 'install'}) == (
        404, {'message': 'snap not found', 'kind': 'snap-not-found', 'value': 'nope'},
    )  # fmt: skip
    status, refused = error(
        host, 'POST', '/v2/snaps/maas', {'action': 'install', 'channel': '9.9/stable'}
    )
    assert (status, refused['kind'], refused['message']) == (
        404, 'snap-channel-not-available', 'no snap revision on specified channel',
    )  # fmt: skip
    assert refused['value']['releases'][0] == {'architecture': 'amd64', 'channel': '3.5/stable'}
    assert error(host, 'GET', '/v2/snaps/maas') == (
        404, {'message': 'snap not installed', 'kind': 'snap-not-found', 'value': 'maas'},
    )  # fmt: skip


def test_already_installed_and_no_updates(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/k8s', {'action': 'install', 'classic': True})

    assert error(host, 'POST', '/v2/snaps/k8s', {'action': 'install', 'classic': True}) == (
        400,
        {'message': 'snap "k8s" is already installed', 'kind': 'snap-already-installed',
         'value': 'k8s'},
    )  # fmt: skip
    assert error(host, 'POST', '/v2/snaps/k8s', {'action': 'refresh'}) == (
        400,
        {'message': 'snap has no updates available', 'kind': 'snap-no-update-available',
         'value': ''},
    )  # fmt: skip
    # A risk alone keeps the tracked track (channel.Resolve).
    done = change(host, 'POST', '/v2/snaps/k8s', {'action': 'refresh', 'channel': 'edge'})
    assert done['summary'] == 'Refresh "k8s" snap from "edge" channel'
    snap = result(host, 'GET', '/v2/snaps/k8s')
    assert (snap['tracking-channel'], snap['revision'], snap['confinement']) == (
        '1.32-classic/edge', '3702', 'classic',
    )  # fmt: skip


def test_hold_and_unhold_show_in_the_snap_and_the_cli(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    held = change(
        host, 'POST', '/v2/snaps/microceph',
        {'action': 'hold', 'time': 'forever', 'hold-level': 'general'},
    )  # fmt: skip

    assert held['summary'] == 'Hold general refreshes for "microceph"'
    assert result(host, 'GET', '/v2/snaps/microceph')['hold'].startswith(
        '2316-02-24T'
    )  # 292 years on
    assert host.run(['snap', 'list', 'microceph']).stdout.split()[-1] == 'held'
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'unhold'})
    assert 'hold' not in result(host, 'GET', '/v2/snaps/microceph')


def test_remove(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    done = change(host, 'POST', '/v2/snaps/microceph', {'action': 'remove'})

    assert done['summary'] == 'Remove "microceph" snap'
    assert 'microceph' not in host.state['snap']['snaps']
    assert '/etc/systemd/system/snap.microceph.daemon.service' not in host.files


def test_apps_and_service_control(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    started = change(
        host, 'POST', '/v2/apps', {'action': 'start', 'names': ['microceph.mon'], 'enable': True}
    )

    assert (started['kind'], started['summary'], started['status']) == (
        'service-control', 'Running service command', 'Done',
    )  # fmt: skip
    (mon,) = result(host, 'GET', '/v2/apps?names=microceph.mon&select=service')
    assert (mon.get('enabled'), mon.get('active')) == (True, True)
    change(host, 'POST', '/v2/apps', {'action': 'stop', 'names': ['microceph'], 'disable': True})
    services = result(host, 'GET', '/v2/apps?names=microceph&select=service')
    assert not any(s.get('active') or s.get('enabled') for s in services)
    assert error(host, 'POST', '/v2/apps', {'action': 'start', 'names': []}) == (
        400,
        {'message': 'cannot perform operation on services without a list of services to '
         'operate on'},
    )  # fmt: skip
    assert error(host, 'POST', '/v2/apps', {'action': 'start', 'names': ['microceph.ceph']}) == (
        404, {'message': 'snap "microceph" has no service "ceph"', 'kind': 'app-not-found'},
    )  # fmt: skip
    assert error(host, 'POST', '/v2/apps', {'action': 'start', 'names': ['maas']}) == (
        404, {'message': 'snap "maas" not found', 'kind': 'snap-not-found', 'value': 'maas'},
    )  # fmt: skip
    assert error(host, 'GET', '/v2/apps?names=core24&select=service') == (
        404, {'message': 'snap "core24" has no services', 'kind': 'app-not-found'},
    )  # fmt: skip


def test_configuration(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    done = change(host, 'PUT', '/v2/snaps/microceph/conf', {'a.b': 1, 'c': 'x'})

    assert done['summary'] == 'Change configuration of "microceph" snap'
    assert result(host, 'GET', '/v2/snaps/microceph/conf') == {'a': {'b': 1}, 'c': 'x'}
    assert result(host, 'GET', '/v2/snaps/microceph/conf?keys=a.b,c') == {'a.b': 1, 'c': 'x'}
    assert host.run(['snap', 'get', 'microceph', 'a.b']).stdout == '1\n'
    assert error(host, 'GET', '/v2/snaps/microceph/conf?keys=zz') == (
        400,
        {'message': 'snap "microceph" has no "zz" configuration option',
         'kind': 'option-not-found', 'value': {'SnapName': 'microceph', 'Key': 'zz'}},
    )  # fmt: skip
    change(host, 'PUT', '/v2/snaps/microceph/conf', {'c': None})
    assert result(host, 'GET', '/v2/snaps/microceph/conf') == {'a': {'b': 1}}
    assert error(host, 'PUT', '/v2/snaps/maas/conf', {'a': 1}) == (
        404, {'message': 'snap "maas" is not installed', 'kind': 'snap-not-found',
              'value': 'maas'},
    )  # fmt: skip
    assert result(host, 'GET', '/v2/snaps/maas/conf') == {}
    change(host, 'PUT', '/v2/snaps/system/conf', {'refresh.hold': 'forever'})
    assert result(host, 'GET', '/v2/snaps/system/conf?keys=refresh.hold') == {
        'refresh.hold': 'forever'
    }


def test_find_by_name(host: SimHost) -> None:
    (found,) = result(host, 'GET', '/v2/find?name=maas')

    assert (found['name'], found['status'], found['channel'], found['revision']) == (
        'maas', 'available', '3.6/stable', '38130',
    )  # fmt: skip
    assert error(host, 'GET', '/v2/find?name=nope') == (
        404, {'message': 'snap not found', 'kind': 'snap-not-found', 'value': 'nope'},
    )  # fmt: skip


def test_routes_methods_and_changes(host: SimHost) -> None:
    assert error(host, 'GET', '/v2/nothing') == (404, {'message': 'not found'})
    assert error(host, 'DELETE', '/v2/snaps') == (405, {'message': 'method "DELETE" not allowed'})
    assert error(host, 'GET', '/v2/changes/99') == (
        404, {'message': 'cannot find change with id "99"'},
    )  # fmt: skip
    assert error(host, 'POST', '/v2/snaps/x', 'not an object')[0] == 400


def test_the_socket_is_every_machines(world: World) -> None:
    assert SOCKET_PATH in world.sockets
    other = world.add_machine('1', hostname='node-1', addresses=['10.0.0.11'])
    assert other.request('/run/other.socket', HttpRequest('GET', '/')) is None


def test_http_framing() -> None:
    head = b'POST /v2/snaps/a%20b?x=1&x=2 HTTP/1.1\r\nContent-Length: 4\r\n\r\n'

    assert parse_request(head) is None  # the body is not there yet
    request = parse_request(head + b'{}{}')
    assert request == HttpRequest(
        'POST', '/v2/snaps/a b', {'x': ('1', '2')}, {'content-length': '4'}, b'{}{}'
    )
    with pytest.raises(ValueError, match=r'not an HTTP/1\.x request line'):
        parse_request(b'hello\r\n\r\n')
    assert encode_response(HttpResponse(202, b'{}')) == (
        b'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 2\r\n'
        b'Connection: close\r\n\r\n{}'
    )


def test_aliases_through_the_api_and_the_cli(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    done = change(
        host, 'POST', '/v2/aliases',
        {'action': 'alias', 'snap': 'microceph', 'app': 'ceph', 'alias': 'ceph'},
    )  # fmt: skip

    assert (done['kind'], done['summary']) == (
        'alias', 'Setup alias "ceph" => "ceph" for snap "microceph"',
    )  # fmt: skip
    assert done['data']['aliases-added'] == [{'snap': 'microceph', 'app': 'ceph', 'alias': 'ceph'}]
    assert result(host, 'GET', '/v2/aliases') == {
        'microceph': {'ceph': {'command': 'microceph.ceph', 'status': 'manual', 'manual': 'ceph'}}
    }
    assert host.run(['snap', 'aliases']).stdout == (
        'Command         Alias  Notes\nmicroceph.ceph  ceph   manual\n'
    )
    again = host.run(['snap', 'alias', 'microceph.ceph', 'ceph'])
    assert (again.returncode, again.stdout) == (0, '')  # nothing changed, nothing shown
    daemon = change(
        host, 'POST', '/v2/aliases',
        {'action': 'alias', 'snap': 'microceph', 'app': 'daemon', 'alias': 'd'},
    )  # fmt: skip
    assert (daemon['status'], daemon['err']) == (
        'Error',
        'cannot perform the following tasks:\n- Setup manual alias "d" => "daemon" for snap '
        '"microceph" (cannot enable alias "d" for "microceph", target application "daemon" '
        'is a daemon)',
    )
    not_installed = {'action': 'alias', 'snap': 'maas', 'alias': 'm'}
    assert error(host, 'POST', '/v2/aliases', not_installed) == (
        400, {'message': 'snap "maas" is not installed', 'kind': 'snap-not-installed',
              'value': 'maas'},
    )  # fmt: skip
    assert host.run(['snap', 'unalias', 'ceph']).stdout == (
        'Removed:\n  - microceph.ceph as ceph\n'
    )
    assert host.run(['snap', 'unalias', 'ceph'], check=False).stderr == (
        'error: cannot find manual alias "ceph" in any snap\n'
    )
    assert host.run(['snap', 'alias', 'microceph.ceph', 'bad/name'], check=False).stderr == (
        'error: invalid alias name: "bad/name"\n'
    )


def test_a_revision_asked_for_through_the_api(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install', 'revision': '1228'})

    snap = result(host, 'GET', '/v2/snaps/microceph')
    assert (snap['revision'], snap['tracking-channel'], snap['channel']) == (
        '1228', 'latest/stable', 'reef/stable',
    )  # fmt: skip
    assert error(host, 'POST', '/v2/snaps/microceph', {'action': 'refresh', 'revision': '9'}) == (
        404,
        {'message': 'no snap revision available as specified',
         'kind': 'snap-revision-not-available', 'value': 'microceph'},
    )  # fmt: skip
    status, refused = error(
        host, 'POST', '/v2/snaps/microceph',
        {'action': 'refresh', 'channel': 'squid/stable', 'revision': '1228'},
    )  # fmt: skip
    assert (status, refused['kind']) == (404, 'snap-channel-not-available')
