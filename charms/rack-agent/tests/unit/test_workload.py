"""workload: the maas snap and ``maas init rack`` through a bound RecordingHost."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import metal_host
import pytest
from metal_host import CommandError, CommandTimeoutError, FileEntry, RecordingHost, SnapState

import workload

SECRET = '5f1e0c2a9b7d4e3f8a6c1b0d2e4f6a8c'
URL = 'http://10.0.0.10:5240/MAAS'
SNAP_LIST = (
    'Name  Version                  Rev    Tracking    Publisher    Notes\n'
    'maas  3.6.0-16377-g.dc4fc3b74  38130  3.6/stable  canonical**  held\n'
)


_STACKS: list[contextlib.ExitStack] = []


@pytest.fixture(autouse=True)
def _bindings() -> Iterator[None]:
    """Whatever :func:`bound` binds stays bound until the test ends."""
    with contextlib.ExitStack() as stack:
        _STACKS.append(stack)
        yield
        _STACKS.pop()


def bound(host: RecordingHost) -> RecordingHost:
    """Make ``host`` the machine for the rest of the test."""
    return _STACKS[-1].enter_context(metal_host.bound(host))


def log_host(*lines: str, **files: str) -> RecordingHost:
    content = ''.join(f'{line}\n' for line in lines)
    return bound(RecordingHost(files={str(workload.RACKD_LOG): content, **files}))


# -- the snap --------------------------------------------------------------------------------


def test_install_installs_from_the_channel_and_holds() -> None:
    host = bound(RecordingHost())
    workload.install('3.5/stable')

    assert host.snaps['maas'] == SnapState('3.5/stable', held=True)
    assert [(c.method, c.args, dict(c.kwargs)) for c in host.calls] == [
        ('snap_install', ('maas',), {'channel': '3.5/stable'}),
        ('snap_hold', ('maas',), {}),
    ]


def test_install_failure_is_a_snap_error_with_snapds_words() -> None:
    host = bound(RecordingHost())
    host.fail('snap_install', CommandError(['snap', 'install', 'maas'], 1, '', 'error: no'))

    with pytest.raises(workload.SnapError) as caught:
        workload.install('3.6/stable')
    assert str(caught.value) == (
        "cannot install the maas snap from 3.6/stable: command 'snap install maas' failed "
        '(exit 1): error: no'
    )
    assert isinstance(caught.value, workload.WorkloadError)


def test_refresh_switches_channel_and_holds_again() -> None:
    host = bound(RecordingHost())
    host.snaps['maas'] = SnapState('3.6/stable', held=True)
    workload.refresh('3.6/edge')

    assert host.snaps['maas'] == SnapState('3.6/edge', held=True)
    assert [c.method for c in host.calls] == ['snap_refresh', 'snap_hold']


def test_refreshing_a_snap_that_is_not_installed_is_a_snap_error() -> None:
    bound(RecordingHost())
    with pytest.raises(workload.SnapError, match=r'cannot refresh the maas snap to 3\.6/edge'):
        workload.refresh('3.6/edge')


def test_installed_version_reads_the_version_column() -> None:
    host = bound(RecordingHost({'snap list maas': SNAP_LIST}))

    assert workload.installed_version() == '3.6.0-16377-g.dc4fc3b74'
    [call] = host.calls
    assert call.args == (('snap', 'list', 'maas'),)
    assert call.kwargs['check'] is False


def test_installed_version_is_none_without_the_snap() -> None:
    host = bound(RecordingHost())
    host.expect('snap list maas', returncode=1, stderr='error: no matching snaps installed')

    assert workload.installed_version() is None


def test_installed_version_ignores_other_rows() -> None:
    bound(RecordingHost({'snap list maas': 'Name  Version\nmaas-cli  9.9\n'}))

    assert workload.installed_version() is None


def test_installed_version_that_cannot_be_read_is_a_snap_error() -> None:
    host = bound(RecordingHost())
    host.expect('snap list maas', error=CommandTimeoutError(['snap', 'list', 'maas'], 60))

    with pytest.raises(workload.SnapError, match='cannot read the maas snap version'):
        workload.installed_version()


@pytest.mark.parametrize(
    ('version', 'short', 'series'),
    [
        ('3.6.0-16377-g.dc4fc3b74', '3.6.0', '3.6'),
        ('3.5.4', '3.5.4', '3.5'),
        ('3.6', '3.6', '3.6'),
        ('3.7.0~beta1-17000-g.abc', '3.7.0~beta1', '3.7'),
    ],
)
def test_versions(version: str, short: str, series: str) -> None:
    assert workload.short_version(version) == short
    assert workload.series(version) == series


# -- registration ----------------------------------------------------------------------------


def test_candidates_start_with_the_api_url_then_each_address_once() -> None:
    urls = workload.candidate_urls(
        'http://10.0.0.11:5240/MAAS',
        ['10.0.0.11', '10.0.0.12', 'fd00::1', 'region-3', '10.0.0.12'],
    )

    assert urls == (
        'http://10.0.0.11:5240/MAAS',
        'http://10.0.0.12:5240/MAAS',
        'http://[fd00::1]:5240/MAAS',
        'http://region-3:5240/MAAS',
    )


def test_init_rack_passes_the_secret_as_sensitive() -> None:
    host = bound(RecordingHost({'maas init rack': ''}))
    workload.init_rack(URL, SECRET)

    [argv] = host.commands
    assert argv == ('maas', 'init', 'rack', '--maas-url', URL, '--secret', SECRET, '--force')
    assert isinstance(argv[6], metal_host.Sensitive)
    [call] = host.calls
    timeout = call.kwargs['timeout']
    assert isinstance(timeout, float)
    assert timeout > 0


def test_a_failing_init_is_a_rack_error_that_hides_the_secret() -> None:
    bound(RecordingHost()).expect('maas init rack', returncode=2, stderr='error: busy')

    with pytest.raises(workload.RackError) as caught:
        workload.init_rack(URL, SECRET)
    assert SECRET not in str(caught.value)
    assert str(caught.value) == (
        f"cannot register with {URL}: command 'maas init rack --maas-url {URL} "
        "--secret <redacted> --force' failed (exit 2): error: busy"
    )


def test_log_mark_is_zero_without_a_log_and_the_length_with_one() -> None:
    bound(RecordingHost())
    assert workload.log_mark() == 0

    log_host('one', 'two')
    assert workload.log_mark() == len('one\ntwo\n')


def test_an_unreadable_log_is_a_rack_error() -> None:
    host = bound(RecordingHost())
    host.fail(
        'read_text',
        metal_host.FileOperationError('read', str(workload.RACKD_LOG), 'Permission denied'),
    )
    with pytest.raises(workload.RackError, match='cannot read the rackd log'):
        workload.log_mark()


def test_outcome_is_registered_once_maas_id_exists() -> None:
    log_host(f'{workload.REGION_UNAVAILABLE}refused', **{str(workload.MAAS_ID_FILE): '7xwpet'})
    assert workload.outcome(0) is workload.Outcome.REGISTERED


def test_outcome_is_pending_with_no_verdict_yet() -> None:
    bound(RecordingHost())
    assert workload.outcome(0) is workload.Outcome.PENDING

    log_host('rackd starting')
    assert workload.outcome(0) is workload.Outcome.PENDING


def test_outcome_reads_the_rejected_secret() -> None:
    log_host(
        f"2025-05-01 provisioningserver.rpc.clusterservice: [info] Event-loop 'r:pid=1' "
        f'{workload.SECRET_REJECTED}'
    )
    assert workload.outcome(0) is workload.Outcome.REJECTED


def test_outcome_reads_an_unavailable_region() -> None:
    log_host(f'{workload.REGION_UNAVAILABLE}Connection refused (While requesting RPC info at x).')
    assert workload.outcome(0) is workload.Outcome.UNAVAILABLE


def test_a_rejected_secret_wins_over_an_unavailable_region() -> None:
    log_host(
        f'{workload.REGION_UNAVAILABLE}refused',
        f"Event-loop 'r:pid=1' {workload.SECRET_REJECTED}",
    )
    assert workload.outcome(0) is workload.Outcome.REJECTED


def test_outcome_ignores_lines_written_before_the_mark() -> None:
    old = f"Event-loop 'r:pid=1' {workload.SECRET_REJECTED}"
    log_host(old, 'rackd restarted')
    assert workload.outcome(len(old) + 1) is workload.Outcome.PENDING


def test_a_rotated_log_is_read_from_its_start() -> None:
    log_host(f'{workload.REGION_UNAVAILABLE}refused')
    assert workload.outcome(10_000) is workload.Outcome.UNAVAILABLE


def test_begin_registration_starts_the_rack_and_drops_the_old_system_id() -> None:
    host = bound(RecordingHost(files={str(workload.MAAS_ID_FILE): '7xwpet'}))
    workload.begin_registration()

    assert host.services[workload.SERVICE] == metal_host.ServiceState(active=True, enabled=True)
    assert str(workload.MAAS_ID_FILE) not in host.files


def test_deregister_stops_disables_and_forgets() -> None:
    host = bound(
        RecordingHost(
            files={
                str(workload.SECRET_FILE): FileEntry(SECRET, 0o600),
                str(workload.MAAS_ID_FILE): '7xwpet',
            }
        )
    )
    assert workload.has_registration()
    workload.deregister()

    assert [c.args for c in host.calls_to('service')] == [
        ('stop', workload.SERVICE),
        ('disable', workload.SERVICE),
    ]
    assert host.files == {}
    assert not workload.has_registration()


def test_a_deregistration_systemd_refuses_is_a_rack_error() -> None:
    host = bound(RecordingHost())
    host.fail('service', CommandError(['systemctl', 'stop', workload.SERVICE], 5))

    with pytest.raises(workload.RackError, match='cannot deregister the rack controller'):
        workload.deregister()


def test_identity_is_the_hostname_and_first_address() -> None:
    bound(RecordingHost(hostname='rack-1', addresses=['10.0.0.5', 'fd00::5']))
    assert workload.identity() == ('rack-1', '10.0.0.5')

    bound(RecordingHost(hostname='rack-2', addresses=[]))
    assert workload.identity() == ('rack-2', None)
