"""The machine seam: LocalHost against real programs (no root), RecordingHost, current/bound."""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import json
import logging
import os
import pickle
import pwd
import shlex
import subprocess
import threading
import time
from pathlib import Path, PurePosixPath

import metal_host
import pytest
from metal_host import (
    Call,
    CommandError,
    CommandTimeoutError,
    Completed,
    FileEntry,
    FileOperationError,
    Host,
    HostError,
    LocalHost,
    MissingFileError,
    RecordingHost,
    RetryPolicy,
    Sensitive,
    ServiceState,
    SnapState,
    UnexpectedCommandError,
    bound,
    current,
    is_transient,
)

FAST = RetryPolicy(attempts=3, initial_wait=0, max_wait=0)
SNAP_BUSY = 'error: snap "k8s" has "install-snap" change in progress'
APT_LOCK = (
    'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)'
)
DPKG_INTERRUPTED = (
    "E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem."
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / 'root'
    path.mkdir()
    return path


@pytest.fixture
def host(root: Path) -> LocalHost:
    return LocalHost(root, retry=FAST)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory of fake programs, first on PATH."""
    path = tmp_path / 'bin'
    path.mkdir()
    monkeypatch.setenv('PATH', f'{path}{os.pathsep}{os.environ["PATH"]}')
    monkeypatch.delenv('DEBIAN_FRONTEND', raising=False)
    return path


def program(bin_dir: Path, name: str, body: str) -> Path:
    path = bin_dir / name
    path.write_text(f'#!/bin/sh\n{body}')
    path.chmod(0o755)
    return path


def failing_first(count: Path, times: int, stderr: str) -> str:
    """Shell that counts its runs in ``count`` and fails the first ``times`` of them."""
    return (
        f'n=$(cat {count} 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > {count}\n'
        f'if [ "$n" -le {times} ]; then echo {shlex.quote(stderr)} >&2; exit 1; fi\n'
    )


def runs(count: Path) -> int:
    return int(count.read_text())


def logging_program(bin_dir: Path, name: str, log: Path, tail: str = '') -> None:
    program(
        bin_dir,
        name,
        f'echo "$(basename "$0") $* [DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}}]" >> {log}\n{tail}',
    )


# -- LocalHost: programs -----------------------------------------------------------------------


def test_true_succeeds(host: LocalHost):
    assert host.run(['true']) == Completed(('true',), 0, '', '')


def test_false_raises_naming_the_command(host: LocalHost):
    with pytest.raises(CommandError) as caught:
        host.run(['false'])
    assert caught.value.argv == ('false',)
    assert caught.value.returncode == 1
    assert str(caught.value) == "command 'false' failed (exit 1)"


def test_failure_carries_output_and_first_stderr_line(host: LocalHost):
    argv = ['sh', '-c', 'echo out; echo err >&2; echo more >&2; exit 3']
    with pytest.raises(CommandError) as caught:
        host.run(argv)
    error = caught.value
    assert (error.returncode, error.stdout, error.stderr) == (3, 'out\n', 'err\nmore\n')
    assert str(error) == (
        'command "sh -c \'echo out; echo err >&2; echo more >&2; exit 3\'" failed (exit 3): err'
    )
    assert isinstance(error, HostError)


def test_check_false_returns_the_failure(host: LocalHost):
    result = host.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], check=False)
    assert result == Completed(('sh', '-c', 'echo out; echo err >&2; exit 3'), 3, 'out\n', 'err\n')
    assert not result.ok


def test_input_goes_to_stdin_and_stdin_is_otherwise_empty(host: LocalHost):
    assert host.run(['cat'], input='hello\nwörld\n').stdout == 'hello\nwörld\n'
    assert host.run(['cat'], timeout=5).stdout == ''


def test_timeout_is_retried_then_raised(host: LocalHost, tmp_path: Path):
    count = tmp_path / 'count'
    script = f'n=$(cat {count} 2>/dev/null || echo 0); echo $((n + 1)) > {count}; exec sleep 5'
    started = time.monotonic()
    with pytest.raises(CommandTimeoutError) as caught:
        host.run(['sh', '-c', script], timeout=0.2)
    assert runs(count) == FAST.attempts
    assert time.monotonic() - started < 3
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.timeout == 0.2
    assert str(caught.value).endswith('timed out after 0.2s')


def test_timeout_kills_what_the_program_started(root: Path):
    # sh waits for its child; were only sh killed, the orphan would hold the pipes for 5 s.
    host = LocalHost(root, retry=RetryPolicy(attempts=1))
    started = time.monotonic()
    with pytest.raises(CommandTimeoutError):
        host.run(['sh', '-c', 'echo partial; sleep 5; echo never'], timeout=0.3, check=False)
    assert time.monotonic() - started < 2


def test_transient_snapd_failure_is_retried_until_it_succeeds(
    host: LocalHost, bin_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    count = tmp_path / 'count'
    program(bin_dir, 'snap', failing_first(count, 2, SNAP_BUSY) + 'echo installed\n')
    caplog.set_level(logging.WARNING, logger='metal_host')
    host.snap_install('k8s', classic=True)
    assert runs(count) == 3
    retries = [r.getMessage() for r in caplog.records if r.name == 'metal_host']
    assert len(retries) == 2
    assert "command 'snap install k8s --classic' failed (exit 1): " + SNAP_BUSY in retries[0]
    assert 'attempt 2 of 3' in retries[0]
    assert 'attempt 3 of 3' in retries[1]


def test_permanent_failure_is_not_retried(host: LocalHost, bin_dir: Path, tmp_path: Path):
    count = tmp_path / 'count'
    program(bin_dir, 'snap', failing_first(count, 99, 'error: snap "nope" not found'))
    with pytest.raises(CommandError, match='snap "nope" not found'):
        host.snap_install('nope')
    assert runs(count) == 1


def test_apt_lock_is_retried(host: LocalHost, bin_dir: Path, tmp_path: Path):
    count = tmp_path / 'count'
    program(bin_dir, 'apt-get', failing_first(count, 1, APT_LOCK))
    host.apt_install('haproxy')
    assert runs(count) == 2


def test_interrupted_dpkg_is_permanent(host: LocalHost, bin_dir: Path, tmp_path: Path):
    count = tmp_path / 'count'
    program(bin_dir, 'apt-get', failing_first(count, 99, DPKG_INTERRUPTED))
    with pytest.raises(CommandError, match='dpkg was interrupted'):
        host.apt_install('haproxy')
    assert runs(count) == 1


def test_spent_retries_raise_the_last_failure_or_return_it_unchecked(
    host: LocalHost, bin_dir: Path, tmp_path: Path
):
    count = tmp_path / 'count'
    program(bin_dir, 'snap', failing_first(count, 99, SNAP_BUSY))
    with pytest.raises(CommandError) as caught:
        host.run(['snap', 'refresh', 'k8s'])
    assert type(caught.value) is CommandError
    assert caught.value.stderr == SNAP_BUSY + '\n'
    assert runs(count) == 3
    result = host.run(['snap', 'refresh', 'k8s'], check=False)
    assert (result.returncode, result.stderr) == (1, SNAP_BUSY + '\n')
    assert runs(count) == 6


def test_waits_grow_exponentially_up_to_the_cap(root: Path, bin_dir: Path, tmp_path: Path):
    count = tmp_path / 'count'
    program(bin_dir, 'snap', failing_first(count, 99, SNAP_BUSY))
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=5, initial_wait=1, max_wait=3)
    host = LocalHost(root, retry=policy, sleep=sleeps.append)
    with pytest.raises(CommandError):
        host.snap_hold('k8s')
    assert sleeps == [1, 2, 3, 3]
    assert runs(count) == 5


def test_missing_program_fails_like_a_shell_without_retry(host: LocalHost):
    with pytest.raises(CommandError) as caught:
        host.run(['metal-host-no-such-program'])
    assert caught.value.returncode == 127
    assert 'No such file or directory' in caught.value.stderr
    assert host.run(['metal-host-no-such-program'], check=False).returncode == 127


def test_argv_must_be_a_non_empty_sequence(host: LocalHost):
    with pytest.raises(TypeError, match='not the string'):
        host.run('ls -l')
    with pytest.raises(ValueError, match='must name a program'):
        host.run([])


def test_sensitive_arguments_are_redacted_in_messages_and_logs(
    host: LocalHost, bin_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    count = tmp_path / 'count'
    program(bin_dir, 'k8s', failing_first(count, 99, 'error: token was rejected'))
    caplog.set_level(logging.DEBUG, logger='metal_host')
    with pytest.raises(CommandError) as caught:
        host.run(['k8s', 'join-cluster', Sensitive('s3cret-token')])
    assert str(caught.value) == (
        "command 'k8s join-cluster <redacted>' failed (exit 1): error: token was rejected"
    )
    assert caught.value.argv == ('k8s', 'join-cluster', 's3cret-token')
    assert 's3cret-token' not in caplog.text
    assert 'k8s join-cluster <redacted>' in caplog.text


@pytest.mark.parametrize(
    ('stderr', 'transient'),
    [
        (SNAP_BUSY, True),
        ('error: snap "k8s" has "auto-refresh" change in progress', True),
        ('error: too early for operation, device not yet seeded or device model not acked', True),
        ('error: cannot communicate with server: Post "http://localhost/v2/snaps": EOF', True),
        (APT_LOCK, True),
        ('E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend)', True),
        ('E: Unable to lock directory /var/lib/apt/lists/', True),
        (DPKG_INTERRUPTED, False),
        ('error: snap "nope" not found', False),
        ('E: Unable to locate package nope', False),
        ('', False),
    ],
)
def test_is_transient(stderr: str, transient: bool):
    assert is_transient(CommandError(['x'], 1, '', stderr)) is transient


@pytest.mark.parametrize(
    'stderr',
    [
        # canonical/snapd overlord/snapstate/conflict.go @ 2.67.1: a ChangeConflictError
        # without a change kind, and the one for changes already under way.
        'error: snap "k8s" has changes in progress',
        'error: other changes in progress (conflicting change "auto-refresh"), change '
        '"install" not allowed until they are done',
    ],
)
def test_every_snapd_change_conflict_text_is_transient(stderr: str):
    # Read by its text alone (exit 1), as a fault injected without snap's exit 10 reports it.
    assert is_transient(CommandError(['snap', 'install', 'k8s'], 1, '', stderr))


def test_snap_exit_status_10_is_transient_whatever_it_says():
    """snap exits 10 exactly for the errors its client calls retryable (change conflicts).

    canonical/snapd cmd/snap/main.go exitCodeFromError, client/client.go IsRetryable @ 2.67.1;
    e.g. overlord/snapstate/conflict.go's 'remodeling in progress, no other changes allowed'.
    """
    remodel = 'error: remodeling in progress, no other changes allowed until this is done'
    assert is_transient(CommandError(['snap', 'refresh', 'k8s'], 10, '', remodel))
    assert is_transient(CommandError(['/usr/bin/snap', 'refresh', 'k8s'], 10, '', remodel))
    assert not is_transient(CommandError(['snap', 'refresh', 'k8s'], 1, '', remodel))
    # Exit 10 means that only for snap.
    assert not is_transient(CommandError(['k8s', 'bootstrap'], 10, '', remodel))


def test_timeouts_are_transient_other_errors_are_not():
    assert is_transient(CommandTimeoutError(['sleep', '5'], 1))
    assert not is_transient(CommandError(['snap'], 127, '', SNAP_BUSY))
    assert not is_transient(ValueError(SNAP_BUSY))


# -- LocalHost: snap, apt, systemctl -------------------------------------------------------------


def test_snap_apt_and_systemctl_commands(host: LocalHost, bin_dir: Path, tmp_path: Path):
    log = tmp_path / 'argv.log'
    for name in ('snap', 'apt-get', 'systemctl'):
        logging_program(bin_dir, name, log)
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    host.snap_install('microceph')
    host.snap_refresh('k8s', channel='1.33-classic/stable')
    host.snap_refresh('microceph')
    host.snap_hold('k8s')
    host.apt_install('haproxy', 'keepalived')
    host.apt_install()
    for action in ('start', 'stop', 'restart', 'reload', 'enable', 'disable'):
        host.service(action, 'haproxy')
    assert log.read_text().splitlines() == [
        'snap install k8s --channel=1.32-classic/stable --classic [DEBIAN_FRONTEND=]',
        'snap install microceph [DEBIAN_FRONTEND=]',
        'snap refresh k8s --channel=1.33-classic/stable [DEBIAN_FRONTEND=]',
        'snap refresh microceph [DEBIAN_FRONTEND=]',
        'snap refresh --hold k8s [DEBIAN_FRONTEND=]',
        'apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 haproxy'
        ' keepalived [DEBIAN_FRONTEND=noninteractive]',
        'systemctl start haproxy [DEBIAN_FRONTEND=]',
        'systemctl stop haproxy [DEBIAN_FRONTEND=]',
        'systemctl restart haproxy [DEBIAN_FRONTEND=]',
        'systemctl reload haproxy [DEBIAN_FRONTEND=]',
        'systemctl enable haproxy [DEBIAN_FRONTEND=]',
        'systemctl disable haproxy [DEBIAN_FRONTEND=]',
    ]


def test_service_active_asks_systemctl_quietly(host: LocalHost, bin_dir: Path, tmp_path: Path):
    log = tmp_path / 'argv.log'
    logging_program(bin_dir, 'systemctl', log, tail='[ "$3" = haproxy ]\n')
    assert host.service_active('haproxy') is True
    assert host.service_active('keepalived') is False
    assert log.read_text().splitlines() == [
        'systemctl is-active --quiet haproxy [DEBIAN_FRONTEND=]',
        'systemctl is-active --quiet keepalived [DEBIAN_FRONTEND=]',
    ]


def test_failed_service_action_raises(host: LocalHost, bin_dir: Path):
    program(bin_dir, 'systemctl', 'echo "Unit nope.service not found." >&2; exit 5\n')
    with pytest.raises(CommandError, match=r"'systemctl start nope' failed \(exit 5\): Unit nope"):
        host.service('start', 'nope')


def test_unknown_service_action_is_refused(host: LocalHost):
    with pytest.raises(ValueError, match='unknown service action'):
        host.service('explode', 'haproxy')  # type: ignore[arg-type]


# -- LocalHost: files ----------------------------------------------------------------------------


def test_write_creates_parents_under_root_with_mode(host: LocalHost, root: Path):
    assert host.write_text('/etc/haproxy/haproxy.cfg', 'global\n', mode=0o640) is True
    real = root / 'etc/haproxy/haproxy.cfg'
    assert real.read_text() == 'global\n'
    assert real.stat().st_mode & 0o7777 == 0o640
    assert host.read_text('/etc/haproxy/haproxy.cfg') == 'global\n'
    assert host.read_text(PurePosixPath('/etc/haproxy') / 'haproxy.cfg') == 'global\n'


def test_write_reports_only_real_changes(host: LocalHost):
    path = '/etc/keepalived/keepalived.conf'
    assert host.write_text(path, 'a\n') is True
    assert host.write_text(path, 'a\n') is False
    assert host.write_text(path, 'b\n') is True
    assert host.write_text(path, 'b\n', mode=0o600) is True
    assert host.write_text(path, 'b\n', mode=0o600) is False
    assert host.write_text(path, 'b\r\n', mode=0o600) is True
    assert host.read_text(path) == 'b\r\n'


def test_write_is_atomic_replacement(host: LocalHost, root: Path):
    host.write_text('/etc/app.conf', 'old\n')
    with (root / 'etc/app.conf').open() as reader:
        host.write_text('/etc/app.conf', 'new\n')
        assert reader.read() == 'old\n'  # the old inode was replaced, not rewritten
    assert host.read_text('/etc/app.conf') == 'new\n'
    assert sorted(p.name for p in (root / 'etc').iterdir()) == ['app.conf']


def test_failed_write_leaves_the_old_file_and_no_debris(
    host: LocalHost, root: Path, monkeypatch: pytest.MonkeyPatch
):
    host.write_text('/etc/app.conf', 'old\n')

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'replace', broken_replace)
    with pytest.raises(FileOperationError) as caught:
        host.write_text('/etc/app.conf', 'new\n')
    assert str(caught.value) == "cannot write '/etc/app.conf': No space left on device"
    assert (root / 'etc/app.conf').read_text() == 'old\n'
    assert sorted(p.name for p in (root / 'etc').iterdir()) == ['app.conf']


def test_write_follows_symlinks(host: LocalHost, root: Path):
    host.write_text('/run/real.conf', 'a\n')
    (root / 'etc').mkdir()
    (root / 'etc/link.conf').symlink_to(root / 'run/real.conf')
    assert host.write_text('/etc/link.conf', 'b\n') is True
    assert (root / 'etc/link.conf').is_symlink()
    assert (root / 'run/real.conf').read_text() == 'b\n'


def test_owner_and_group(host: LocalHost, root: Path):
    me = pwd.getpwuid(os.getuid())
    group = str(os.getgid())
    assert host.write_text('/etc/owned', 'x', owner=me.pw_name, group=group) is True
    assert host.write_text('/etc/owned', 'x', owner=me.pw_name, group=group) is False
    info = (root / 'etc/owned').stat()
    assert (info.st_uid, info.st_gid) == (os.getuid(), os.getgid())
    with pytest.raises(FileOperationError, match="no user named 'no-such-user-here'"):
        host.write_text('/etc/owned', 'x', owner='no-such-user-here')
    with pytest.raises(FileOperationError, match="no group named 'no-such-group-here'"):
        host.write_text('/etc/owned', 'x', group='no-such-group-here')


def test_remove_and_exists(host: LocalHost):
    assert host.exists('/etc/app.conf') is False
    host.write_text('/etc/app.conf', 'x')
    assert host.exists('/etc/app.conf') is True
    assert host.exists('/etc') is True
    assert host.remove('/etc/app.conf') is True
    assert host.exists('/etc/app.conf') is False
    assert host.remove('/etc/app.conf') is False


def test_missing_file_and_directories_are_typed_errors(host: LocalHost):
    with pytest.raises(MissingFileError) as caught:
        host.read_text('/etc/nope')
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, FileOperationError)
    assert str(caught.value) == "cannot read '/etc/nope': no such file"
    host.write_text('/etc/dir/file', 'x')
    with pytest.raises(FileOperationError, match="cannot write '/etc/dir'"):
        host.write_text('/etc/dir', 'x')
    with pytest.raises(FileOperationError, match="cannot remove '/etc/dir'"):
        host.remove('/etc/dir')
    with pytest.raises(FileOperationError, match="cannot read '/etc/dir'"):
        host.read_text('/etc/dir')


def test_paths_are_absolute_and_stay_under_root(host: LocalHost, root: Path, tmp_path: Path):
    with pytest.raises(ValueError, match='must be absolute'):
        host.write_text('etc/app.conf', 'x')
    host.write_text('/../../escape.conf', 'x')
    assert (root / 'escape.conf').exists()
    assert not (tmp_path / 'escape.conf').exists()
    with pytest.raises(ValueError, match='permission mode'):
        host.write_text('/etc/app.conf', 'x', mode=0o100644)


# -- LocalHost: identity -------------------------------------------------------------------------


def test_hostname_is_the_kernels(host: LocalHost):
    uname = subprocess.run(['uname', '-n'], capture_output=True, text=True, check=True)
    assert host.hostname() == uname.stdout.strip()


def test_addresses_are_usable_ips(host: LocalHost):
    found = host.addresses()
    parsed = [ipaddress.ip_address(a) for a in found]
    assert len(set(found)) == len(found)
    assert not any(a.is_loopback or a.is_link_local for a in parsed)
    assert [a.version for a in parsed] == sorted(a.version for a in parsed)


def test_addresses_parse_ip_json(host: LocalHost, bin_dir: Path):
    links = [
        {'ifname': 'lo', 'flags': ['LOOPBACK', 'UP'], 'addr_info': [
            {'family': 'inet', 'local': '127.0.0.1', 'scope': 'host'},
            {'family': 'inet', 'local': '10.99.0.1', 'scope': 'global'}]},
        {'ifname': 'eno1', 'flags': ['UP'], 'addr_info': [
            {'family': 'inet6', 'local': '2001:db8::5', 'scope': 'global'},
            {'family': 'inet6', 'local': 'fe80::1', 'scope': 'link'},
            {'family': 'inet', 'local': '10.0.0.5', 'scope': 'global'}]},
        {'ifname': 'br0', 'flags': ['UP'], 'addr_info': [
            {'family': 'inet', 'local': '10.0.0.5', 'scope': 'global'},
            {'family': 'inet', 'local': '192.168.7.2', 'scope': 'global'}]},
    ]  # fmt: skip
    program(bin_dir, 'ip', f'echo {shlex.quote(json.dumps(links))}\n')
    assert host.addresses() == ['10.0.0.5', '192.168.7.2', '2001:db8::5']


def test_addresses_fall_back_to_sockets(host: LocalHost, bin_dir: Path):
    real = subprocess.run(['hostname', '-I'], capture_output=True, text=True, check=False)
    program(bin_dir, 'ip', 'exit 1\n')
    program(bin_dir, 'hostname', 'exit 1\n')
    found = host.addresses()
    assert set(found) <= set(real.stdout.split())
    if any(not ipaddress.ip_address(a).is_loopback for a in real.stdout.split()):
        assert found  # the route to the outside names one of the machine's addresses


def test_addresses_fall_back_to_hostname_i(host: LocalHost, bin_dir: Path):
    program(bin_dir, 'ip', 'echo "ip: no netlink" >&2; exit 1\n')
    program(bin_dir, 'hostname', 'echo "fd00::9 10.1.2.3 127.0.1.1 10.1.2.3 "\n')
    assert host.addresses() == ['10.1.2.3', 'fd00::9']


# -- RecordingHost -------------------------------------------------------------------------------


def test_recording_host_satisfies_the_protocol():
    recording: Host = RecordingHost()
    local: Host = LocalHost()
    assert isinstance(recording, Host)
    assert isinstance(local, Host)
    assert not isinstance(object(), Host)


def test_records_every_call_with_non_default_options():
    host = RecordingHost({'k8s status': 'ready'})
    host.snap_install('k8s', classic=True)
    host.run(['k8s', 'status'], timeout=30)
    host.write_text('/etc/x', 'y', mode=0o600)
    host.service('restart', 'haproxy')
    host.exists('/etc/x')
    host.hostname()
    assert host.calls == [
        Call('snap_install', ('k8s',), {'classic': True}),
        Call('run', (('k8s', 'status'),), {'timeout': 30}),
        Call('write_text', ('/etc/x', 'y'), {'mode': 0o600}),
        Call('service', ('restart', 'haproxy')),
        Call('exists', ('/etc/x',)),
        Call('hostname'),
    ]
    assert host.commands == [('k8s', 'status')]
    assert host.calls_to('service') == [Call('service', ('restart', 'haproxy'))]


def test_answers_exact_then_longest_prefix():
    host = RecordingHost(
        {
            ('k8s',): Completed((), 0, 'generic'),
            'k8s status': 'status',
            'k8s status --wait-ready': 'waited',
        }
    )
    assert host.run(['k8s', 'status', '--wait-ready']).stdout == 'waited'
    assert host.run(['k8s', 'status', '--output-format', 'yaml']).stdout == 'status'
    assert host.run(['k8s', 'get-join-token']).stdout == 'generic'
    assert host.run(['k8s', 'status']) == Completed(('k8s', 'status'), 0, 'status', '')


def test_answers_failures_like_a_machine():
    host = RecordingHost()
    host.expect(['microceph', 'status'], stderr='not bootstrapped\n', returncode=1)
    host.expect('sleep 100', error=CommandTimeoutError(['sleep', '100'], 5))
    with pytest.raises(CommandError, match=r"'microceph status' failed \(exit 1\): not boot"):
        host.run(['microceph', 'status'])
    assert host.run(['microceph', 'status'], check=False).returncode == 1
    with pytest.raises(CommandTimeoutError):
        host.run(['sleep', '100'], check=False)
    host.expect(['microceph', 'status'], stdout='ok')
    assert host.run(['microceph', 'status']).stdout == 'ok'


def test_unexpected_command_says_which():
    host = RecordingHost({'k8s status': '', ('snap', 'list'): ''})
    with pytest.raises(UnexpectedCommandError) as caught:
        host.run(['k8s', 'bootstrap', '--file', '/tmp/x y'])
    assert str(caught.value) == (
        'unexpected command: "k8s bootstrap --file \'/tmp/x y\'" '
        "(expected one of: 'k8s status', 'snap list')"
    )
    assert isinstance(caught.value, AssertionError)
    assert host.commands == [('k8s', 'bootstrap', '--file', '/tmp/x y')]
    with pytest.raises(UnexpectedCommandError, match=r"'true' \(no commands were expected\)"):
        RecordingHost().run(['true'])


def test_recording_files():
    host = RecordingHost(files={'/etc/hosts': '127.0.0.1 localhost\n'})
    assert host.read_text('/etc/hosts') == '127.0.0.1 localhost\n'
    assert host.write_text('/etc/haproxy/haproxy.cfg', 'a', mode=0o640, owner='haproxy') is True
    assert host.write_text('/etc/haproxy/haproxy.cfg', 'a', mode=0o640) is False
    assert host.files['/etc/haproxy/haproxy.cfg'] == FileEntry('a', 0o640, 'haproxy', None)
    assert host.write_text('/etc/haproxy//./haproxy.cfg', 'b', mode=0o640) is True
    assert host.exists('/etc/haproxy') is True
    assert host.exists('/etc/hap') is False
    with pytest.raises(FileOperationError, match='Is a directory'):
        host.remove('/etc/haproxy')
    assert host.remove('/etc/haproxy/haproxy.cfg') is True
    assert host.remove('/etc/haproxy/haproxy.cfg') is False
    with pytest.raises(MissingFileError, match=r"cannot read '/etc/haproxy/haproxy\.cfg'"):
        host.read_text('/etc/haproxy/haproxy.cfg')
    with pytest.raises(ValueError, match='must be absolute'):
        host.exists('relative')


def test_recording_snaps_packages_and_services():
    host = RecordingHost()
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    host.snap_install('k8s', channel='1.33-classic/stable')  # installed: snapd leaves it
    assert host.snaps == {'k8s': SnapState('1.32-classic/stable', classic=True)}
    host.snap_refresh('k8s', channel='1.33-classic/stable')
    host.snap_hold('k8s')
    assert host.snaps['k8s'] == SnapState('1.33-classic/stable', classic=True, held=True)
    with pytest.raises(CommandError) as caught:
        host.snap_refresh('microceph', channel='squid/stable')
    assert str(caught.value) == (
        "command 'snap refresh microceph --channel=squid/stable' failed (exit 1): "
        'error: snap "microceph" is not installed'
    )
    host.apt_install('haproxy', 'keepalived')
    assert host.packages == {'haproxy', 'keepalived'}
    assert host.service_active('haproxy') is False
    host.service('enable', 'haproxy')
    host.service('start', 'haproxy')
    host.service('reload', 'haproxy')
    assert host.services['haproxy'] == ServiceState(active=True, enabled=True)
    assert host.service_active('haproxy') is True
    host.service('stop', 'haproxy')
    host.service('disable', 'haproxy')
    assert host.services['haproxy'] == ServiceState(active=False, enabled=False)
    host.service('reload', 'keepalived')
    assert host.services['keepalived'] == ServiceState()


def test_injected_failures():
    host = RecordingHost()
    busy = CommandError(['snap', 'install', 'k8s'], 1, '', SNAP_BUSY)
    host.fail('snap_install', busy, once=True)
    with pytest.raises(CommandError, match='change in progress'):
        host.snap_install('k8s')
    host.snap_install('k8s')
    assert 'k8s' in host.snaps
    assert len(host.calls_to('snap_install')) == 2
    host.fail('service', CommandError(['systemctl', 'start', 'x'], 1))
    for _ in range(2):
        with pytest.raises(CommandError):
            host.service('start', 'x')
    host.fail('service', None)
    host.service('start', 'x')
    with pytest.raises(ValueError, match='not a Host method'):
        host.fail('snap_instal', busy)


def test_identity_answers():
    host = RecordingHost(hostname='node-1', addresses=['10.0.0.7', 'fd00::7'])
    assert host.hostname() == 'node-1'
    assert host.addresses() == ['10.0.0.7', 'fd00::7']
    assert RecordingHost().addresses() == ['10.0.0.10']


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'error',
    [
        CommandError(['snap', 'install', 'k8s'], 1, 'o', 'e'),
        CommandTimeoutError(['sleep', '5'], 0.5, 'o', 'e'),
        FileOperationError('write', '/etc/x', 'Permission denied'),
        MissingFileError('read', '/etc/x', 'no such file'),
        UnexpectedCommandError(['x'], [['y']]),
    ],
)
def test_errors_survive_pickling(error: HostError):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


# -- current() and bound() -----------------------------------------------------------------------


def test_current_defaults_to_one_local_host():
    host = current()
    assert isinstance(host, LocalHost)
    assert host.root == Path('/')
    assert current() is host


def test_bound_nests_and_resets_even_on_error():
    outer, inner = RecordingHost(), RecordingHost()
    with bound(outer) as got:
        assert got is outer
        assert current() is outer
        with pytest.raises(RuntimeError), bound(inner):
            assert current() is inner
            raise RuntimeError
        assert current() is outer
    assert isinstance(current(), LocalHost)
    assert metal_host.current is current


def test_binding_belongs_to_its_context():
    host, other = RecordingHost(), RecordingHost()
    seen: dict[str, Host] = {}

    def in_thread() -> None:
        seen['thread'] = current()
        with bound(other):
            seen['thread bound'] = current()

    with bound(host):
        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()
        assert current() is host
        copied = contextvars.copy_context()
        assert copied.run(current) is host
        stack = contextlib.ExitStack()
        assert copied.run(stack.enter_context, bound(other)) is other  # left open in the copy
        assert current() is host
        assert copied.run(current) is other
    assert copied.run(current) is other
    copied.run(stack.close)
    assert copied.run(current) is host
    assert isinstance(seen['thread'], LocalHost)
    assert seen['thread bound'] is other


def test_installed_snap_reads_snap_list_through_the_current_host() -> None:
    listing = (
        'Name  Version  Rev   Tracking             Publisher   Notes\n'
        'k8s   v1.32.3  3640  1.32-classic/stable  canonical** classic\n'
    )
    missing = metal_host.Completed(('snap',), 1, '', 'error: no matching snaps installed\n')
    host = metal_host.RecordingHost({'snap list k8s': listing, 'snap list maas': missing})
    with metal_host.bound(host):
        assert metal_host.installed_snap('k8s') == metal_host.InstalledSnap(
            'k8s', 'v1.32.3', '3640', '1.32-classic/stable'
        )
        assert metal_host.installed_snap('maas') is None


def test_installed_snap_tells_not_installed_from_snapd_failing() -> None:
    """Only snapd's 'no matching snaps installed' (canonical/snapd cmd/snap/cmd_list.go
    ErrNoMatchingSnaps @ 2.67.1) means not installed; snapd away is an error, not an absence."""
    away = metal_host.Completed(
        ('snap',), 1, '', 'error: cannot communicate with server: Get "http://localhost": EOF\n'
    )
    host = metal_host.RecordingHost({'snap list k8s': away})
    with metal_host.bound(host), pytest.raises(CommandError, match='cannot communicate'):
        metal_host.installed_snap('k8s')


def test_programs_speak_the_untranslated_texts_the_charms_match(
    host: LocalHost, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    """snap (snapd's i18n.G, gettext) and apt (gettext) translate their messages by the locale;
    the retry patterns and the charms match their English originals, so every program runs
    under the C locale whatever the hook's environment says (LC_ALL overrides LANG)."""
    monkeypatch.setenv('LANG', 'de_DE.UTF-8')
    monkeypatch.setenv('LC_ALL', 'de_DE.UTF-8')
    program(bin_dir, 'locale-probe', 'echo "$LC_ALL"')
    assert host.run(['locale-probe']).stdout == 'C.UTF-8\n'


def test_recording_host_has_no_snap_units_before_the_snap() -> None:
    """snapd writes snap.SNAP.APP.service when it installs SNAP; until then systemctl has no
    such unit (systemd src/systemctl/systemctl-start-unit.c, src/shared/install.c, v255), so a
    charm driving a snap's service before installing it fails in tests as on a machine."""
    host = metal_host.RecordingHost()
    with pytest.raises(CommandError) as started:
        host.service('start', 'snap.maas.pebble')
    assert (started.value.returncode, started.value.stderr) == (
        5,
        'Failed to start snap.maas.pebble.service: Unit snap.maas.pebble.service not found.',
    )
    with pytest.raises(CommandError, match='not loaded') as stopped:
        host.service('stop', 'snap.maas.pebble')
    assert stopped.value.returncode == 5
    with pytest.raises(CommandError, match=r'Unit file snap\.maas\.pebble\.service does not'):
        host.service('enable', 'snap.maas.pebble')
    host.snap_install('maas', channel='3.6/stable')
    host.service('enable', 'snap.maas.pebble')
    host.service('start', 'snap.maas.pebble')
    assert host.services['snap.maas.pebble'] == metal_host.ServiceState(True, True)
    host.service('start', 'haproxy')  # not a snap's unit: the fake cannot tell, it lets it be
