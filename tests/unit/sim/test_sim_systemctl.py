"""The systemctl emulation: systemd 255's messages and exit statuses over unit files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from metal_host import CommandError, Completed

from orchestrator.sim import SIMULATED, Invocation, SimHost, World

UNIT = """\
[Unit]
Description=Tracer agent

[Service]
Environment="CONFIG=/etc/tracer.conf"
ExecStartPre=/usr/bin/tracer-check -c ${CONFIG}
ExecStart=/usr/bin/tracer
ExecReload=/usr/bin/tracer-check -c ${CONFIG}
ExecReload=/bin/kill -HUP $MAINPID

[Install]
WantedBy=multi-user.target
"""


@pytest.fixture
def world() -> World:
    return World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)


@pytest.fixture
def host(world: World) -> SimHost:
    return world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])


def systemctl(host: SimHost, *args: str) -> Completed:
    return host.run(['systemctl', *args], check=False)


def test_unknown_units(host: SimHost) -> None:
    expected = {
        'start': (5, 'Failed to start nope.service: Unit nope.service not found.\n'),
        'restart': (5, 'Failed to restart nope.service: Unit nope.service not found.\n'),
        'reload': (5, 'Failed to reload nope.service: Unit nope.service not found.\n'),
        'stop': (5, 'Failed to stop nope.service: Unit nope.service not loaded.\n'),
        'enable': (1, 'Failed to enable unit: Unit file nope.service does not exist.\n'),
        'disable': (1, 'Failed to disable unit: Unit file nope.service does not exist.\n'),
        'is-enabled': (
            1,
            'Failed to get unit file state for nope.service: No such file or directory\n',
        ),
        'status': (4, 'Unit nope.service could not be found.\n'),
    }
    for verb, (code, message) in expected.items():
        result = systemctl(host, verb, 'nope')
        assert (verb, result.returncode, result.stderr) == (verb, code, message)
    assert systemctl(host, 'is-active', 'nope') == Completed(
        ('systemctl', 'is-active', 'nope'), 4, 'inactive\n', ''
    )
    with pytest.raises(CommandError) as failed:
        host.service('start', 'nope')
    assert str(failed.value) == (
        "command 'systemctl start nope' failed (exit 5): "
        'Failed to start nope.service: Unit nope.service not found.'
    )
    assert host.service_active('nope') is False


def test_is_active_states(host: SimHost) -> None:
    assert systemctl(host, 'is-active', 'snapd').stdout == 'active\n'
    assert systemctl(host, 'is-active', '--quiet', 'snapd') == Completed(
        ('systemctl', 'is-active', '--quiet', 'snapd'), 0, '', ''
    )
    host.service('stop', 'ssh')
    assert systemctl(host, 'is-active', 'ssh.service') == Completed(
        ('systemctl', 'is-active', 'ssh.service'), 3, 'inactive\n', ''
    )
    # Like systemctl: success when any of the units is active.
    assert systemctl(host, 'is-active', 'ssh', 'snapd').returncode == 0


def test_unit_file_lifecycle(host: SimHost) -> None:
    host.write_text('/etc/systemd/system/tracer.service', UNIT)
    assert systemctl(host, 'is-enabled', 'tracer').stdout == 'disabled\n'
    enabled = systemctl(host, 'enable', '--now', 'tracer')
    assert enabled.stderr == (
        'Created symlink /etc/systemd/system/multi-user.target.wants/tracer.service → '
        '/etc/systemd/system/tracer.service.\n'
    )
    assert systemctl(host, 'is-enabled', 'tracer').stdout == 'enabled\n'
    assert host.service_active('tracer')
    status = systemctl(host, 'status', 'tracer')
    assert status.stdout.splitlines() == [
        '● tracer.service - Tracer agent',
        '     Loaded: loaded (/etc/systemd/system/tracer.service; enabled; preset: enabled)',
        '     Active: active (running) since Tue 2023-11-14 22:13:20 UTC; 0s ago',
    ]
    # A changed file is used only after daemon-reload, with systemd's warning meanwhile.
    host.write_text('/etc/systemd/system/tracer.service', UNIT.replace('agent', 'agent 2'))
    restarted = systemctl(host, 'restart', 'tracer')
    assert restarted.stderr == (
        'Warning: The unit file, source configuration file or drop-ins of tracer.service '
        "changed on disk. Run 'systemctl daemon-reload' to reload units.\n"
    )
    assert systemctl(host, 'daemon-reload').returncode == 0
    assert systemctl(host, 'restart', 'tracer').stderr == ''
    assert 'Tracer agent 2' in systemctl(host, 'status', 'tracer').stdout
    disabled = systemctl(host, 'disable', '--now', 'tracer')
    assert disabled.stderr == (
        'Removed "/etc/systemd/system/multi-user.target.wants/tracer.service".\n'
    )
    stopped = systemctl(host, 'status', 'tracer')
    assert stopped.returncode == 3
    assert stopped.stdout.splitlines()[0] == '○ tracer.service - Tracer agent 2'
    assert stopped.stdout.splitlines()[2] == '     Active: inactive (dead)'


def test_exec_commands_of_emulated_programs_gate_the_job(world: World, host: SimHost) -> None:
    seen: list[tuple[str, ...]] = []

    def check(invocation: Invocation) -> Completed:
        seen.append(invocation.argv)
        good = host.read_text('/etc/tracer.conf') == 'good\n'
        return invocation.result('', '' if good else 'tracer: bad config\n', 0 if good else 1)

    world.programs.register('tracer-check', check)
    host.write_text('/etc/tracer.conf', 'bad\n')
    host.write_text('/etc/systemd/system/tracer.service', UNIT)
    failed = systemctl(host, 'start', 'tracer')
    assert (failed.returncode, failed.stderr) == (
        1,
        'Job for tracer.service failed because the control process exited with error code.\n'
        'See "systemctl status tracer.service" and "journalctl -xeu tracer.service" for '
        'details.\n',
    )
    assert seen == [('/usr/bin/tracer-check', '-c', '/etc/tracer.conf')]
    assert systemctl(host, 'is-active', 'tracer').stdout == 'failed\n'
    assert systemctl(host, 'is-failed', 'tracer').returncode == 0
    assert 'Active: failed (Result: exit-code)' in systemctl(host, 'status', 'tracer').stdout
    host.write_text('/etc/tracer.conf', 'good\n')
    assert systemctl(host, 'start', 'tracer').returncode == 0
    host.write_text('/etc/tracer.conf', 'bad\n')
    reload = systemctl(host, 'reload', 'tracer')
    assert reload.returncode == 1  # a failed reload keeps the old configuration running
    assert host.service_active('tracer')
    # Commands of programs the World does not emulate are taken to work (/bin/kill here).
    host.write_text('/etc/tracer.conf', 'good\n')
    assert systemctl(host, 'reload', 'tracer').returncode == 0
    # Not the charm's commands: nested runs stay out of the history.
    assert all(record.argv[0] == 'systemctl' for record in host.history)


def test_reload_needs_a_running_reloadable_unit(host: SimHost) -> None:
    host.write_text('/etc/systemd/system/plain.service', '[Service]\nExecStart=/bin/plain\n')
    assert systemctl(host, 'start', 'plain').returncode == 0
    assert systemctl(host, 'reload', 'plain').stderr == (
        'Failed to reload plain.service: Job type reload is not applicable for unit '
        'plain.service.\n'
    )
    assert systemctl(host, 'reload', 'plain').returncode == 3
    host.write_text('/etc/systemd/system/tracer.service', UNIT)
    inactive = systemctl(host, 'reload', 'tracer')
    assert (inactive.returncode, inactive.stderr) == (
        1,
        'tracer.service is not active, cannot reload.\n',
    )
    assert systemctl(host, 'is-enabled', 'plain').stdout == 'static\n'


def test_verbs_and_options(host: SimHost) -> None:
    assert systemctl(host, '--version').stdout == f'systemd 255 (255.4-1ubuntu8.6) ({SIMULATED})\n'
    assert systemctl(host, 'frobnicate', 'x').stderr == "Unknown command verb 'frobnicate'.\n"
    # A verb systemctl has but the emulation lacks is said to be unsupported, not unknown.
    masked = systemctl(host, 'mask', 'snapd')
    assert (masked.returncode, masked.stderr) == (
        1,
        f'systemctl mask: unsupported on a {SIMULATED}\n',
    )
    assert systemctl(host, 'start').stderr == 'Too few arguments.\n'
    assert systemctl(host, '--bogus', 'start', 'x').stderr == (
        "systemctl: unrecognized option '--bogus'\n"
    )


def test_unknown_options_are_refused_with_getopts_texts(host: SimHost) -> None:
    """systemctl parses with glibc's getopt_long (systemd/systemd src/systemctl/systemctl.c
    systemctl_parse_argv, v255): a long option it lacks is 'unrecognized option', a short one
    'invalid option --', and the -EINVAL it returns exits 1, before anything runs (as
    Debian 12's systemctl 252 prints them, the same getopt)."""
    long = systemctl(host, '--frob=1', 'start', 'snapd')
    assert (long.returncode, long.stderr) == (1, "systemctl: unrecognized option '--frob=1'\n")
    short = systemctl(host, '-qZ', 'start', 'snapd')
    assert (short.returncode, short.stderr) == (1, "systemctl: invalid option -- 'Z'\n")
    quiet = systemctl(host, '-ql', 'is-active', 'no-such-unit')
    assert (quiet.returncode, quiet.stdout) == (4, '')
    cat = systemctl(host, 'cat', 'snapd')
    assert cat.stdout.startswith('# /usr/lib/systemd/system/snapd.service\n[Unit]\n')
    assert 'snapd.service' in systemctl(host).stdout


@pytest.mark.skipif(not Path('/usr/bin/systemctl').exists(), reason='no real systemctl')
@pytest.mark.parametrize(
    'args',
    [
        ['--bogus', 'start', 'x'],
        ['--frob=1', 'start', 'x'],
        ['-x', 'start', 'x'],
        ['start'],
        ['is-active'],
    ],
)
def test_refusals_match_the_real_systemctl(host: SimHost, args: list[str]) -> None:
    """Differential: what systemctl refuses before it talks to systemd (getopt, the verb
    table's argument counts) reads as the machine's real systemctl says it."""
    real = subprocess.run(
        ['systemctl', *args],
        executable='/usr/bin/systemctl',
        capture_output=True,
        text=True,
        check=False,
    )
    assert systemctl(host, *args) == Completed(
        ('systemctl', *args), real.returncode, real.stdout, real.stderr
    )
