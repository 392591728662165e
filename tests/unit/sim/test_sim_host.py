"""SimHost against the Host protocol, side by side with LocalHost where the two must agree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

import metal_host
import pytest
from metal_host import (
    CommandError,
    Completed,
    FileOperationError,
    LocalHost,
    MissingFileError,
    RetryPolicy,
    Sensitive,
)

from orchestrator.sim import SIMULATED, CommandRecord, Invocation, SimHost, World


@pytest.fixture
def local(tmp_path: Path) -> LocalHost:
    root = tmp_path / 'root'
    root.mkdir()
    return LocalHost(root, retry=RetryPolicy(attempts=1))


def test_conforms_to_the_protocol_and_says_it_is_simulated(host: SimHost) -> None:
    assert isinstance(host, metal_host.Host)
    assert SIMULATED in repr(host)
    assert 'node-0' in repr(host)


def test_bound_makes_it_current(host: SimHost) -> None:
    with metal_host.bound(host) as bound:
        assert bound is host
        assert metal_host.current() is host
    assert metal_host.current() is not host


def test_identity(host: SimHost) -> None:
    assert host.hostname() == 'node-0'
    assert host.addresses() == ['10.0.0.10', '2001:db8::10']
    assert host.read_text('/etc/hostname') == 'node-0\n'
    assert '127.0.1.1 node-0' in host.read_text('/etc/hosts')
    os_release = host.read_text('/etc/os-release')
    assert 'VERSION_ID="24.04"' in os_release
    assert os_release.startswith('# simulated machine')


# -- files: the same answers as LocalHost ---------------------------------------------------------


@pytest.mark.parametrize('which', ['local', 'sim'])
def test_write_reports_changes_like_localhost(which: str, host: SimHost, local: LocalHost) -> None:
    machine: metal_host.Host = host if which == 'sim' else local
    path = '/etc/haproxy/haproxy.cfg'
    assert machine.write_text(path, 'a\n') is True
    assert machine.write_text(path, 'a\n') is False
    assert machine.write_text(path, 'b\n') is True
    assert machine.write_text(path, 'b\n', mode=0o600) is True
    assert machine.write_text(PurePosixPath(path), 'b\n', mode=0o600) is False
    assert machine.read_text(path) == 'b\n'
    assert machine.exists('/etc/haproxy')
    assert machine.exists(path)
    assert machine.remove(path) is True
    assert machine.remove(path) is False
    assert not machine.exists(path)


@pytest.mark.parametrize('which', ['local', 'sim'])
def test_file_errors_like_localhost(which: str, host: SimHost, local: LocalHost) -> None:
    machine: metal_host.Host = host if which == 'sim' else local
    with pytest.raises(MissingFileError) as missing:
        machine.read_text('/etc/nope.conf')
    assert str(missing.value) == "cannot read '/etc/nope.conf': no such file"
    assert isinstance(missing.value, FileNotFoundError)
    machine.write_text('/srv/dir/file', 'x')
    with pytest.raises(FileOperationError, match="cannot read '/srv/dir': Is a directory"):
        machine.read_text('/srv/dir')
    with pytest.raises(FileOperationError, match="cannot write '/srv/dir': Is a directory"):
        machine.write_text('/srv/dir', 'x')
    with pytest.raises(FileOperationError, match="cannot remove '/srv/dir': Is a directory"):
        machine.remove('/srv/dir')
    with pytest.raises(ValueError, match='must be absolute'):
        machine.read_text('relative/path')
    with pytest.raises(ValueError, match='permission mode'):
        machine.write_text('/srv/x', 'x', mode=0o10000)
    with pytest.raises(FileOperationError, match="no user named 'no-such-user'"):
        machine.write_text('/srv/y', 'x', owner='no-such-user')
    with pytest.raises(FileOperationError, match="no group named 'no-such-group'"):
        machine.write_text('/srv/y', 'x', group='no-such-group')


def test_mode_and_owner_are_recorded(host: SimHost) -> None:
    assert host.write_text('/etc/k8s/token', 's3cret', mode=0o600, owner='ubuntu', group='adm')
    entry = host.files['/etc/k8s/token']
    assert (entry.mode, entry.owner, entry.group) == (0o600, 'ubuntu', 'adm')
    # No owner given: it stays; a numeric id maps to the machine's name for it.
    assert host.write_text('/etc/k8s/token', 's3cret', mode=0o600) is False
    assert host.write_text('/etc/k8s/token', 's3cret', mode=0o600, owner='1000') is False
    assert host.write_text('/etc/k8s/token', 's3cret', mode=0o600, owner='root') is True
    assert host.files['/etc/k8s/token'].owner == 'root'
    assert host.write_text('/etc/new', 'x')
    assert (host.files['/etc/new'].owner, host.files['/etc/new'].group) == ('root', 'root')


def test_package_users_exist_once_installed(host: SimHost) -> None:
    with pytest.raises(FileOperationError, match="no user named 'haproxy'"):
        host.write_text('/etc/haproxy/x.pem', 'x', owner='haproxy')
    host.apt_install('haproxy')
    assert host.write_text('/etc/haproxy/x.pem', 'x', owner='haproxy', group='haproxy')
    assert host.users()['haproxy'] >= 100


def test_a_file_in_the_way_of_a_directory(host: SimHost) -> None:
    host.write_text('/srv/file', 'x')
    with pytest.raises(FileOperationError, match='Not a directory'):
        host.write_text('/srv/file/inner', 'x')
    with pytest.raises(FileOperationError, match='Not a directory'):
        host.read_text('/srv/file/inner')


def test_directory_helpers(host: SimHost) -> None:
    host.mkdir('/var/snap/x/common')
    assert host.exists('/var/snap/x') and host.is_dir('/var/snap/x/common')
    host.write_text('/var/snap/x/common/a', 'a')
    assert host.listdir('/var/snap/x') == ['common']
    host.remove_tree('/var/snap/x')
    assert not host.exists('/var/snap/x')
    assert host.listdir('/var/snap/x') == []


# -- programs -------------------------------------------------------------------------------------


def test_missing_program_fails_like_localhost(host: SimHost, local: LocalHost) -> None:
    argv = ['olm-sim-no-such-program', '--flag']
    with pytest.raises(CommandError) as real:
        local.run(argv)
    with pytest.raises(CommandError) as sim:
        host.run(argv)
    assert str(sim.value) == str(real.value)
    assert (sim.value.returncode, sim.value.stderr) == (real.value.returncode, real.value.stderr)
    assert sim.value.returncode == 127
    unchecked = host.run(argv, check=False)
    assert unchecked == Completed(tuple(argv), 127, '', real.value.stderr)
    assert host.history[-1] == CommandRecord(tuple(argv), 127)


def test_argv_validation_like_localhost(host: SimHost) -> None:
    with pytest.raises(TypeError, match='not the string'):
        host.run('snap list')
    with pytest.raises(ValueError, match='must name a program'):
        host.run([])


def test_check_semantics_and_sensitive_arguments(world: World, host: SimHost) -> None:
    seen: list[Invocation] = []

    def tool(invocation: Invocation) -> Completed:
        seen.append(invocation)
        if invocation.args[:1] == ('fail',):
            return invocation.result('partial\n', 'tool: it broke\nmore\n', 3)
        return invocation.result((invocation.input or '').upper())

    world.programs.register('tool', tool)
    assert host.run(['/usr/bin/tool', 'up'], input='hi').stdout == 'HI'
    assert seen[0].program == 'tool' and seen[0].args == ('up',) and seen[0].host is host
    assert seen[0].world is world and seen[0].env['LANG'] == 'C.UTF-8'
    with pytest.raises(CommandError) as failed:
        host.run(['tool', 'fail', Sensitive('token-123')])
    assert str(failed.value) == "command 'tool fail <redacted>' failed (exit 3): tool: it broke"
    assert (failed.value.stdout, failed.value.returncode) == ('partial\n', 3)
    result = host.run(['tool', 'fail'], check=False)
    assert (result.returncode, result.ok, result.argv) == (3, False, ('tool', 'fail'))


def test_convenience_methods_run_what_localhost_runs(
    monkeypatch: pytest.MonkeyPatch, host: SimHost
) -> None:
    ran: list[tuple[tuple[str, ...], Mapping[str, str] | None]] = []

    def record(
        self: LocalHost, argv: Sequence[str], *, env: Mapping[str, str] | None = None, **_: object
    ) -> Completed:
        ran.append((tuple(argv), env))
        return Completed(tuple(argv))

    monkeypatch.setattr(LocalHost, '_run', record)
    local = LocalHost()

    def drive(machine: metal_host.Host) -> None:
        machine.snap_install('k8s', channel='1.32-classic/stable', classic=True)
        machine.snap_refresh('k8s', channel='1.31-classic/stable')
        machine.snap_hold('k8s')
        machine.apt_install('haproxy', 'keepalived')
        machine.apt_install()
        machine.service('restart', 'haproxy')
        machine.service_active('haproxy')

    drive(local)
    drive(host)
    assert [argv for argv, _ in ran] == [record.argv for record in host.history]
    assert [r.returncode for r in host.history] == [0] * len(host.history)
    assert ran[3][1] == {'DEBIAN_FRONTEND': 'noninteractive'}
    with pytest.raises(ValueError, match='unknown service action'):
        host.service('explode', 'haproxy')  # type: ignore[arg-type]


def test_service_active(host: SimHost) -> None:
    assert host.service_active('snapd') is True
    assert host.service_active('haproxy') is False
    host.apt_install('haproxy')
    assert host.service_active('haproxy') is True
    host.service('stop', 'haproxy')
    assert host.service_active('haproxy') is False


def test_installed_snap_reads_a_branch_in_full(world: World, host: SimHost) -> None:
    """`snap list` elides a tracked branch (snapd cmd_list.go fmtChannel: '3.6/stable/…'), so a
    charm comparing it with its configured channel would refresh on every hook; `snap info`'s
    tracking line has it whole (cmd_info.go maybePrintTrackingChannel @ 2.67.1)."""
    from orchestrator.sim import SnapRelease, SnapSpec

    releases = (SnapRelease('3.6/stable', '1.0', 1), SnapRelease('3.6/stable/hotfix', '1.1', 2))
    world.catalog.add_snap(SnapSpec('foo', 'a test snap', releases=releases, base=None))
    with metal_host.bound(host):
        host.snap_install('foo', channel='3.6/stable/hotfix')
        assert metal_host.installed_snap('foo') == metal_host.InstalledSnap(
            'foo', '1.1', '2', '3.6/stable/hotfix'
        )
        host.snap_refresh('foo', channel='3.6/stable')
        assert metal_host.installed_snap('foo') == metal_host.InstalledSnap(
            'foo', '1.0', '1', '3.6/stable'
        )
