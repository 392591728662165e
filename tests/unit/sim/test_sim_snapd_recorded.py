"""The simulated snapd's answers beside a real snapd's, as charmlibs-snap recorded them.

canonical/charmlibs keeps responses of a real snapd as the fixtures of charmlibs-snap's unit
tests (``snap/tests/unit/fixtures``). Read from a local mirror of that repository (skipped
without one; nothing of it is copied here), each is compared with what the simulation answers
to the same request about a simulated snap: the envelope whole, the error's message, kind and
value with the snap's name put in, the fields of a description as a subset of the real one's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_sim_snapd_api import call, change, result

from orchestrator.sim import SimHost

MIRROR = Path('/work/.mirror/canonical+charmlibs/repo')

pytestmark = pytest.mark.skipif(not MIRROR.is_dir(), reason='needs canonical/charmlibs')


def recorded(name: str) -> dict[str, Any]:
    shown = subprocess.run(
        ['git', '-C', str(MIRROR), 'show', f'HEAD:snap/tests/unit/fixtures/{name}.json'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(shown.stdout)


def renamed(document: Any, real: str, ours: str) -> Any:
    """The recorded document about the real snap as it would read about ours."""
    return json.loads(json.dumps(document).replace(real, ours))


def test_an_async_answer(host: SimHost) -> None:
    status, answer = call(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    real = recorded('async_accepted')
    assert (status, answer) == (real['status-code'], {**real, 'change': answer['change']})


def test_a_ready_change(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    held = change(
        host, 'POST', '/v2/snaps/microceph',
        {'action': 'hold', 'time': 'forever', 'hold-level': 'general'},
    )  # fmt: skip

    real = renamed(recorded('change_done')['result'], 'hello-world', 'microceph')
    assert sorted(held) == sorted(real)
    assert {k: held[k] for k in ('kind', 'summary', 'status', 'ready', 'data')} == {
        k: real[k] for k in ('kind', 'summary', 'status', 'ready', 'data')
    }


@pytest.mark.parametrize(
    ('fixture', 'real_snap', 'method', 'path', 'body'),
    [
        ('app_not_found_error', 'hello-world', 'POST', '/v2/apps',
         {'action': 'start', 'names': ['microceph.svc']}),
        ('snap_already_installed_error', 'hello-world', 'POST', '/v2/snaps/microceph',
         {'action': 'install'}),
        ('snap_no_update_available_error', 'hello-world', 'POST', '/v2/snaps/microceph',
         {'action': 'refresh'}),
        ('conf_option_not_found_error', 'lxd', 'GET',
         '/v2/snaps/microceph/conf?keys=keydoesnotexist01', None),
    ],
)  # fmt: skip
def test_errors_about_an_installed_snap(
    host: SimHost, fixture: str, real_snap: str, method: str, path: str, body: Any
) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})

    status, answer = call(host, method, path, body)

    real = renamed(recorded(fixture), real_snap, 'microceph')
    assert (status, answer) == (real['status-code'], real)


def test_a_classic_snap_refused_without_classic(host: SimHost) -> None:
    status, answer = call(host, 'POST', '/v2/snaps/k8s', {'action': 'install'})

    real = renamed(recorded('snap_needs_classic_error'), 'just', 'k8s')
    assert (status, answer) == (real['status-code'], real)


def test_a_channel_the_store_lacks(host: SimHost) -> None:
    """snapd 2.67.1's SnapRevisionNotAvailable also sends ``snap-name`` (daemon/errors.go);
    the recording lacks it, so it is left out of the comparison, as the releases are (they
    are each store's own)."""
    status, answer = call(
        host, 'POST', '/v2/snaps/microceph', {'action': 'install', 'channel': 'garbage'}
    )

    real = recorded('snap_channel_not_available_error')
    assert status == real['status-code']
    ours, theirs = answer['result'], real['result']
    assert (ours['message'], ours['kind']) == (theirs['message'], theirs['kind'])
    assert {k: v for k, v in ours['value'].items() if k not in ('snap-name', 'releases')} == {
        k: v for k, v in theirs['value'].items() if k != 'releases'
    }
    assert ours['value']['releases'][0].keys() == theirs['value']['releases'][0].keys()


def test_an_installed_snaps_description(host: SimHost) -> None:
    """The fields snapd sends for a local snap: ours are among them (the store's media, icon,
    title and sizes are not simulated)."""
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})
    change(
        host, 'POST', '/v2/snaps/microceph',
        {'action': 'hold', 'time': 'forever', 'hold-level': 'general'},
    )  # fmt: skip

    ours = result(host, 'GET', '/v2/snaps/microceph')

    real = recorded('snap_info_hello_world_held')['result']
    with_base = recorded('snap_info_kube_proxy')['result']
    assert set(ours) <= set(real) | set(with_base)
    for key in ('status', 'type', 'confinement', 'ignore-validation', 'private', 'devmode'):
        assert type(ours[key]) is type(real[key]), key
    assert isinstance(ours['revision'], str)
    assert ours['hold'][:4].isdigit() and int(ours['hold'][:4]) - int(real['hold'][:4]) < 10
    service = next(a for a in ours['apps'] if a['name'] == 'daemon')
    assert set(service) <= set(with_base['apps'][0]) | {'enabled', 'active'}


def test_a_store_description(host: SimHost) -> None:
    (ours,) = result(host, 'GET', '/v2/find?name=microceph')

    (real,) = recorded('find_hello_world')['result']
    assert set(ours) <= set(real) | {'base', 'apps'}
    assert (ours['status'], ours['channel']) == (real['status'], real['channel'])


def test_an_alias_listing_and_a_conflict(host: SimHost) -> None:
    change(host, 'POST', '/v2/snaps/microceph', {'action': 'install'})
    change(host, 'POST', '/v2/snaps/maas', {'action': 'install'})
    change(
        host, 'POST', '/v2/aliases',
        {'action': 'alias', 'snap': 'microceph', 'app': 'ceph', 'alias': 'testlxc'},
    )  # fmt: skip

    listed = result(host, 'GET', '/v2/aliases')
    failed = change(
        host, 'POST', '/v2/aliases',
        {'action': 'alias', 'snap': 'maas', 'app': 'maas', 'alias': 'testlxc'},
    )  # fmt: skip

    real = recorded('aliases_with_entry')['result']['lxd']['testlxc']
    assert listed['microceph']['testlxc'] == renamed(real, 'lxd.lxc', 'microceph.ceph') | {
        'manual': 'ceph'
    }
    conflict = recorded('change_error_alias_conflict')['result']
    expected = (
        conflict['err']
        .replace('test-functional-lxc-alias', 'testlxc')
        .replace('hello-world', 'maas')
        .replace('"lxd"', '"microceph"')
    )
    assert (failed['status'], failed['err']) == (conflict['status'], expected)
