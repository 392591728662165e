"""workload: the maas snap and ``maas init rack`` through a bound RecordingHost."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

import metal_host
import pytest
from metal_host import CommandError, CommandTimeoutError, FileEntry, RecordingHost, SnapState
from orchestrator.sim import SimHost, World

import workload

SECRET = '5f1e0c2a9b7d4e3f8a6c1b0d2e4f6a8c'
URL = 'http://10.0.0.10:5240/MAAS'
SNAP_LIST = (
    'Name  Version                  Rev    Tracking    Publisher    Notes\n'
    'maas  3.6.0-16377-g.dc4fc3b74  38130  3.6/stable  canonical**  held\n'
)


_STACKS: list[contextlib.ExitStack] = []
_HostT = TypeVar('_HostT', bound=metal_host.Host)


@pytest.fixture(autouse=True)
def _bindings() -> Iterator[None]:
    """Whatever :func:`bound` binds stays bound until the test ends."""
    with contextlib.ExitStack() as stack:
        _STACKS.append(stack)
        yield
        _STACKS.pop()


def bound(host: _HostT) -> _HostT:
    """Make ``host`` the machine for the rest of the test."""
    return _STACKS[-1].enter_context(metal_host.bound(host))


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
    assert str(caught.value) == ('cannot install maas from 3.6/stable: error: no')
    assert isinstance(caught.value, workload.WorkloadError)


def test_refresh_switches_channel_and_holds_again() -> None:
    host = bound(RecordingHost())
    host.snaps['maas'] = SnapState('3.6/stable', held=True)
    workload.refresh('3.6/edge')

    assert host.snaps['maas'] == SnapState('3.6/edge', held=True)
    assert [c.method for c in host.calls] == ['snap_refresh', 'snap_hold']


def test_refreshing_a_snap_that_is_not_installed_is_a_snap_error() -> None:
    bound(RecordingHost())
    with pytest.raises(workload.SnapError, match=r'cannot refresh maas to 3\.6/edge'):
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

    with pytest.raises(workload.SnapError, match='cannot read the maas snap'):
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


# -- rackd's journal, on the emulated maas snap and journalctl -------------------------------


@pytest.fixture
def world() -> World:
    return World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)


def sim_machine(world: World, number: int) -> SimHost:
    host = world.add_machine(
        str(number), hostname=f'node-{number}', addresses=[f'10.0.0.{10 + number}']
    )
    host.snap_install('maas', channel='3.6/stable')
    return host


def sim_region(world: World) -> tuple[SimHost, str]:
    """A region at http://10.0.0.10:5240/MAAS and its shared secret."""
    region = sim_machine(world, 0)
    uri = metal_host.Sensitive('postgres://maas:pw@10.0.0.5:5432/maas')
    region.run(['maas', 'init', 'region', '--database-uri', uri, '--maas-url', URL, '--force'])
    return region, region.read_text(str(workload.SECRET_FILE))


def test_registration_on_the_emulated_snap(world: World) -> None:
    _, secret = sim_region(world)
    rack = bound(sim_machine(world, 1))
    mark = workload.log_mark()
    assert mark == ''  # rackd has not run: nothing in the journal yet
    workload.begin_registration()
    workload.init_rack(URL, secret)
    assert workload.outcome(mark) is workload.Outcome.REGISTERED
    assert rack.exists(str(workload.MAAS_ID_FILE))


def test_a_rejected_secret_is_read_from_the_journal(world: World) -> None:
    sim_region(world)
    bound(sim_machine(world, 1))
    mark = workload.log_mark()
    workload.init_rack(URL, '0' * 32)
    assert workload.outcome(mark) is workload.Outcome.REJECTED


def test_an_unreachable_region_is_read_from_the_journal(world: World) -> None:
    _, secret = sim_region(world)
    bound(sim_machine(world, 1))
    workload.init_rack('http://10.0.0.99:5240/MAAS', secret)  # nobody there
    mark = workload.log_mark()
    assert mark.startswith('s=')  # a journal cursor
    assert workload.outcome('') is workload.Outcome.UNAVAILABLE
    assert workload.outcome(mark) is workload.Outcome.PENDING  # nothing new since the mark
    workload.init_rack(URL, '0' * 32)
    assert workload.outcome(mark) is workload.Outcome.REJECTED  # only what came after


def test_begin_registration_starts_the_snaps_pebble(world: World) -> None:
    host = bound(sim_machine(world, 1))
    host.run(['snap', 'stop', '--disable', 'maas'])
    workload.begin_registration()
    assert host.service_active('snap.maas.pebble')
    workload.deregister()
    assert not host.service_active('snap.maas.pebble')


# -- rackd's journal, answers as systemd prints them ------------------------------------------

JOURNAL = 'journalctl -t maas-rackd -o cat --no-pager'


def journal_host(*lines: str, **files: str) -> RecordingHost:
    """A machine whose rackd journal, read from any cursor, holds ``lines``."""
    host = bound(RecordingHost(files=dict(files)))
    host.expect(JOURNAL, stdout=''.join(f'{line}\n' for line in lines))
    return host


def test_log_mark_is_the_cursor_of_the_last_entry() -> None:
    host = bound(RecordingHost())
    host.expect(f'{JOURNAL} --lines=1 --show-cursor', stdout='two\n-- cursor: s=ab;i=2\n')
    assert workload.log_mark() == 's=ab;i=2'


@pytest.mark.parametrize('returncode', [0, 1])
def test_log_mark_is_empty_without_entries(returncode: int) -> None:
    """systemd 255 exits 0 there, systemd before 254 exits 1 silently (systemd#26899)."""
    bound(RecordingHost()).expect(f'{JOURNAL} --lines=1', returncode=returncode)
    assert workload.log_mark() == ''


def test_a_failing_journalctl_is_a_rack_error() -> None:
    bound(RecordingHost()).expect(JOURNAL, returncode=1, stderr='Failed to get journal access')
    with pytest.raises(workload.RackError, match="cannot read rackd's journal"):
        workload.log_mark()
    with pytest.raises(workload.RackError, match="cannot read rackd's journal"):
        workload.outcome('s=ab;i=2')


def test_outcome_reads_after_the_mark() -> None:
    host = journal_host('rackd starting')
    assert workload.outcome('s=ab;i=2') is workload.Outcome.PENDING
    assert host.commands[-1] == (*JOURNAL.split(), '--after-cursor=s=ab;i=2')
    workload.outcome('')
    assert host.commands[-1] == tuple(JOURNAL.split())  # no mark: every entry is new


def test_outcome_is_registered_once_maas_id_exists() -> None:
    journal_host(f'{workload.REGION_UNAVAILABLE}refused', **{str(workload.MAAS_ID_FILE): '7xw'})
    assert workload.outcome('') is workload.Outcome.REGISTERED


def test_outcome_reads_the_rejected_secret() -> None:
    journal_host(
        f"provisioningserver.rpc.clusterservice: [info] Event-loop 'r:pid=1' "
        f'{workload.SECRET_REJECTED}'
    )
    assert workload.outcome('') is workload.Outcome.REJECTED


def test_outcome_reads_an_unavailable_region() -> None:
    journal_host(f'{workload.REGION_UNAVAILABLE}Connection refused (While requesting RPC info).')
    assert workload.outcome('') is workload.Outcome.UNAVAILABLE


def test_an_unavailable_line_about_another_url_is_not_this_attempts() -> None:
    """The rackd that maas init stops may still log about the URL it had."""
    line = f'{workload.REGION_UNAVAILABLE}refused (While requesting RPC info at {URL}).'
    journal_host(line)
    assert workload.outcome('', URL) is workload.Outcome.UNAVAILABLE
    assert workload.outcome('', 'http://10.0.0.11:5240/MAAS') is workload.Outcome.PENDING


def test_a_rejected_secret_wins_over_an_unavailable_region() -> None:
    journal_host(
        f'{workload.REGION_UNAVAILABLE}refused',
        f"Event-loop 'r:pid=1' {workload.SECRET_REJECTED}",
    )
    assert workload.outcome('') is workload.Outcome.REJECTED


def test_channels_before_3_5_are_not_supported() -> None:
    assert not workload.supported('3.4')
    assert workload.supported('3.5') and workload.supported('3.6') and workload.supported('4.0')
    assert workload.supported('latest')


def test_begin_registration_starts_the_rack_and_drops_the_old_system_id() -> None:
    host = bound(RecordingHost(files={str(workload.MAAS_ID_FILE): '7xwpet'}))
    host.snaps['maas'] = SnapState('3.6/stable')  # systemd knows snap units only then
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
    host.snaps['maas'] = SnapState('3.6/stable')  # systemd knows snap units only then
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


def test_the_hostname_is_the_machines() -> None:
    bound(RecordingHost(hostname='rack-1', addresses=['10.0.0.5', 'fd00::5']))
    assert workload.hostname() == 'rack-1'
