"""The snap emulation: snapd's texts, exit statuses and effects on the machine."""

from __future__ import annotations

import json

import pytest
from metal_host import CommandError, Completed

from orchestrator.sim import SIMULATED, Invocation, SimHost, SnapApp, SnapRelease, SnapSpec, World

NEEDS_CLASSIC = (
    'error: This revision of snap "k8s" was published using classic confinement and\n'
    '       thus may perform arbitrary system changes outside of the security\n'
    '       sandbox that snaps are usually confined to, which may put your system at\n'
    '       risk.\n'
    '\n'
    '       If you understand and want to proceed repeat the command including\n'
    '       --classic.\n'
)


@pytest.fixture
def host(world: World) -> SimHost:
    return world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])


def snap(host: SimHost, *args: str) -> Completed:
    return host.run(['snap', *args], check=False)


def test_fresh_machine_has_no_snaps(host: SimHost) -> None:
    result = snap(host, 'list')
    assert result == Completed(
        ('snap', 'list'), 0, '', "No snaps are installed yet. Try 'snap install hello-world'.\n"
    )
    assert snap(host, 'list', 'k8s') == Completed(
        ('snap', 'list', 'k8s'), 1, '', 'error: no matching snaps installed\n'
    )


def test_install_a_classic_snap(host: SimHost) -> None:
    assert snap(host, 'install', 'k8s').stderr == NEEDS_CLASSIC
    assert snap(host, 'install', 'k8s').returncode == 1
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    result = snap(host, 'install', 'k8s', '--classic')
    assert result.returncode == 0
    assert result.stderr == 'snap "k8s" is already installed, see \'snap help refresh\'\n'
    # The base and snapd came with it, as snapd installs them.
    assert snap(host, 'list').stdout == (
        'Name    Version   Rev    Tracking             Publisher    Notes\n'
        'core22  20250315  1908   latest/stable        canonical**  base\n'
        'k8s     v1.32.3   3640   1.32-classic/stable  canonical**  classic\n'
        'snapd   2.67.1    24505  latest/stable        canonical**  snapd\n'
    )
    assert host.exists('/snap/k8s/3640') and host.exists('/var/snap/k8s/common')


def test_install_output_and_unknown_snap(host: SimHost) -> None:
    result = snap(host, 'install', 'k8s', '--classic', '--channel=1.31-classic/stable')
    assert result.stdout == 'k8s (1.31-classic/stable) v1.31.7 from Canonical** installed\n'
    assert snap(host, 'install', 'microceph').stdout == (
        'microceph 19.2.0+snapab139d4a1f from Canonical** installed\n'
    )
    missing = snap(host, 'install', 'no-such-snap')
    assert (missing.returncode, missing.stderr) == (1, 'error: snap "no-such-snap" not found\n')
    with pytest.raises(CommandError, match=r'failed \(exit 1\): error: snap "x" not found'):
        host.snap_install('x')


def test_closed_channel_follows_to_a_stabler_risk(host: SimHost) -> None:
    result = snap(host, 'install', 'microceph', '--channel', 'squid/edge')
    assert result.stdout == (
        'microceph (squid/candidate) 19.2.1+snap6ee2b1c9b2 from Canonical** installed\n'
        'Channel squid/edge for microceph is closed; temporarily forwarding to squid/candidate.\n'
    )


def test_unavailable_channel(host: SimHost) -> None:
    result = snap(host, 'install', 'microceph', '--channel=9.9/stable')
    assert result.returncode == 1
    # channelOption (cmd/snap/error.go): the latest track's stable risk is `--stable`.
    assert result.stderr.startswith(
        'error: snap "microceph" is not available on 9.9/stable but is available to\n'
        '       install on the following tracks:\n'
        '\n'
        '       latest/stable  snap install --stable microceph\n'
    )
    assert "Get more information with 'snap info microceph'." in result.stderr


# canonical/snapd cmd/snap/cmd_snap_op_test.go @ 2.67.1, TestInstallSnapRevisionNotAvailable*:
# the store's releases, the command, and snap's exact error text (fill()ed by go/doc).
_NOT_AVAILABLE_CASES: list[tuple[tuple[str, ...], list[str], str]] = [
    (
        ('latest/beta', 'latest/edge'),
        [],
        'error: snap "foo" is not available on stable but is available to install on the\n'
        '       following channels:\n'
        '\n'
        '       beta       snap install --beta foo\n'
        '       edge       snap install --edge foo\n'
        '\n'
        '       Please be mindful pre-release channels may include features not\n'
        "       completely tested or implemented. Get more information with 'snap info\n"
        "       foo'.\n",
    ),
    (
        ('1.0/stable', '2.0/stable'),
        ['--channel=latest/stable'],
        'error: snap "foo" is not available on latest/stable but is available to install\n'
        '       on the following tracks:\n'
        '\n'
        '       1.0/stable  snap install --channel=1.0 foo\n'
        '       2.0/stable  snap install --channel=2.0 foo\n'
        '\n'
        '       Please be mindful that different tracks may include different features.\n'
        "       Get more information with 'snap info foo'.\n",
    ),
    (
        ('latest/stable',),
        ['--channel=2.0/stable'],
        'error: snap "foo" is not available on 2.0/stable but is available to install on\n'
        '       the following tracks:\n'
        '\n'
        '       latest/stable  snap install --stable foo\n'
        '\n'
        '       Please be mindful that different tracks may include different features.\n'
        "       Get more information with 'snap info foo'.\n",
    ),
    (
        ('1.0/edge',),
        ['--channel=2.0/stable'],
        'error: snap "foo" is not available on 2.0/stable but other tracks exist.\n'
        '\n'
        '       Please be mindful that different tracks may include different features.\n'
        "       Get more information with 'snap info foo'.\n",
    ),
]


@pytest.mark.parametrize(('channels', 'flags', 'expected'), _NOT_AVAILABLE_CASES)
def test_not_available_texts_match_snapd(
    world: World, host: SimHost, channels: tuple[str, ...], flags: list[str], expected: str
) -> None:
    releases = tuple(SnapRelease(c, '1.0', n) for n, c in enumerate(channels, start=1))
    world.catalog.add_snap(SnapSpec('foo', 'a test snap', releases=releases, base=None))
    result = snap(host, 'install', *flags, 'foo')
    assert (result.returncode, result.stdout, result.stderr) == (1, '', expected)


def test_usage_errors_exit_64_and_flags_are_per_command(host: SimHost) -> None:
    """go-flags refuses what a command does not have; exitCodeFromError gives 64 (EX_USAGE).

    canonical/snapd cmd/snap/main.go exitCodeFromError, cmd_snap_op.go cmdInstall/cmdRefresh,
    cmd_list.go cmdList @ 2.67.1.
    """
    for args, text in [
        (('install', '--bogus', 'k8s'), "error: unknown flag `bogus'\n"),
        (('install', '--hold', 'k8s'), "error: unknown flag `hold'\n"),
        (('list', '--classic'), "error: unknown flag `classic'\n"),
        (('get', '-x', 'k8s'), "error: unknown flag `x'\n"),
        (('install', 'k8s', '--channel'), "error: expected argument for flag `--channel'\n"),
        (
            ('refresh', '--unhold=yes', 'k8s'),
            "error: bool flag `--unhold' cannot have an argument\n",
        ),
        (
            ('install',),
            'error: the required argument `<snap> (at least 1 argument)` was not provided\n',
        ),
        (('frobnicate',), 'error: unknown command "frobnicate", see \'snap help\'.\n'),
    ]:
        result = snap(host, *args)
        assert (result.returncode, result.stderr) == (64, text), args
    # Refused before anything ran.
    assert snap(host, 'list').stdout == ''
    # The options a command does have are taken in any order, with or without '='.
    assert snap(host, 'install', '--classic', '--channel', '1.32-classic/stable', 'k8s').ok
    assert snap(host, 'refresh', 'k8s', '--hold=24h').ok
    assert snap(host, 'refresh', '--color=never', '--unicode=never', '--list').ok


def test_errors_the_client_does_not_fill_print_as_composed(host: SimHost) -> None:
    """Only errorToCmdMessage fill()s; other errors print as "error: %v" (cmd/snap/main.go)."""
    result = snap(host, 'install', 'k8s')  # needs --classic: filled
    assert result.stderr.splitlines()[1].startswith('       ')


def test_install_creates_services(host: SimHost) -> None:
    host.snap_install('k8s', classic=True)
    result = snap(host, 'services', 'k8s')
    assert result.stdout.splitlines()[:4] == [
        'Service                      Startup   Current   Notes',
        'k8s.containerd               disabled  inactive  -',
        'k8s.etcd                     disabled  inactive  -',
        'k8s.k8s-apiserver-proxy      disabled  inactive  -',
    ]
    assert 'k8s.k8sd                     enabled   active    -' in result.stdout
    unit = host.read_text('/etc/systemd/system/snap.k8s.kubelet.service')
    assert 'ExecStart=/usr/bin/snap run k8s.kubelet' in unit
    assert host.service_active('snap.k8s.k8sd')
    assert not host.service_active('snap.k8s.kubelet')


def test_start_stop_restart(host: SimHost) -> None:
    host.snap_install('k8s', classic=True)
    assert snap(host, 'start', '--enable', 'k8s.kubelet').stdout == 'Started.\n'
    assert host.service_active('snap.k8s.kubelet')
    assert host.run(['systemctl', 'is-enabled', 'snap.k8s.kubelet']).stdout == 'enabled\n'
    assert snap(host, 'restart', 'k8s').stdout == 'Restarted.\n'
    assert snap(host, 'stop', '--disable', 'k8s.kubelet').stdout == 'Stopped.\n'
    assert not host.service_active('snap.k8s.kubelet')
    no_app = snap(host, 'stop', 'k8s.nope')
    assert (no_app.returncode, no_app.stderr) == (1, 'error: snap "k8s" has no service "nope"\n')
    no_snap = snap(host, 'start', 'maas')
    assert (no_snap.returncode, no_snap.stderr) == (1, 'error: snap "maas" not found\n')
    assert snap(host, 'services', 'core22').stderr == 'error: snap "core22" has no services\n'


def test_refresh_and_hold(host: SimHost) -> None:
    not_installed = snap(host, 'refresh', 'k8s')
    assert (not_installed.returncode, not_installed.stderr) == (
        1,
        'error: snap "k8s" is not installed\n',
    )
    with pytest.raises(CommandError, match='is not installed'):
        host.snap_hold('k8s')
    host.snap_install('k8s', classic=True)
    same = snap(host, 'refresh', 'k8s')
    assert (same.returncode, same.stderr) == (0, 'snap "k8s" has no updates available\n')
    switched = snap(host, 'refresh', 'k8s', '--channel=1.33-classic/stable')
    assert switched.stdout == 'k8s (1.33-classic/stable) v1.33.0 from Canonical** refreshed\n'
    assert snap(host, 'refresh', '--hold', 'k8s').stdout == (
        'General refreshes of "k8s" held indefinitely\n'
    )
    listed = snap(host, 'list', 'k8s').stdout
    assert listed.splitlines()[1].endswith('classic,held')
    assert snap(host, 'refresh', '--unhold', 'k8s').stdout == (
        'Removed general refresh hold of "k8s"\n'
    )
    # A refresh restarts what ran and keeps the service units in step with the revision.
    assert host.service_active('snap.k8s.k8sd')
    assert '/var/snap/k8s/3811' in host.read_text('/etc/systemd/system/snap.k8s.k8sd.service')


def test_remove(host: SimHost) -> None:
    gone = snap(host, 'remove', 'k8s')
    assert (gone.returncode, gone.stderr) == (0, 'snap "k8s" is not installed\n')
    host.snap_install('k8s', classic=True)
    assert snap(host, 'remove', 'k8s').stdout == 'k8s removed\n'
    assert not host.exists('/snap/k8s')
    assert not host.exists('/etc/systemd/system/snap.k8s.k8sd.service')
    assert not host.service_active('snap.k8s.k8sd')
    assert host.run(['systemctl', 'status', 'snap.k8s.k8sd'], check=False).returncode == 4


def test_config(host: SimHost) -> None:
    host.snap_install('maas')
    assert snap(host, 'get', 'maas').stderr == 'error: snap "maas" has no configuration\n'
    assert snap(host, 'set', 'maas', 'a.b=1', 'c=text', 'd={"x": true}').returncode == 0
    assert snap(host, 'get', 'maas', 'c').stdout == 'text\n'
    assert snap(host, 'get', 'maas', 'a.b').stdout == '1\n'
    assert json.loads(snap(host, 'get', '-d', 'maas').stdout) == {
        'a': {'b': 1},
        'c': 'text',
        'd': {'x': True},
    }
    assert snap(host, 'get', '-d', 'maas', 'c').stdout == '{\n\t"c": "text"\n}\n'
    missing = snap(host, 'get', 'maas', 'zz')
    assert (missing.returncode, missing.stderr) == (
        1,
        'error: snap "maas" has no "zz" configuration option\n',
    )
    bad = snap(host, 'set', 'maas', 'novalue')
    assert bad.stderr == 'error: invalid configuration: "novalue" (want key=value)\n'
    assert snap(host, 'unset', 'maas', 'a.b').returncode == 0
    assert snap(host, 'set', 'maas', 'c!').returncode == 0
    assert json.loads(snap(host, 'get', '-d', 'maas').stdout) == {'a': {}, 'd': {'x': True}}
    assert snap(host, 'set', 'k8s', 'a=1').stderr == 'error: snap "k8s" is not installed\n'


def test_info_version_and_unknown_commands(host: SimHost) -> None:
    info = snap(host, 'info', 'maas').stdout
    assert info.startswith('name:      maas\n')
    assert '  3.6/stable:' in info and 'installed:' not in info
    assert snap(host, 'info', 'nope').stderr == 'error: no snap found for "nope"\n'
    version = snap(host, 'version').stdout
    assert version.splitlines()[0] == f'snap    2.67.1+24.04 ({SIMULATED})'
    assert 'simulated' in snap(host, '--version').stdout
    unknown = snap(host, 'frobnicate')
    assert unknown.stderr == 'error: unknown command "frobnicate", see \'snap help\'.\n'
    assert snap(host, 'install', '--bogus', 'k8s').stderr == "error: unknown flag `bogus'\n"
    assert snap(host, 'wait', 'system', 'seed.loaded').returncode == 0


def test_later_programs_add_snaps_and_run_through_snap_run(world: World, host: SimHost) -> None:
    world.catalog.add_snap(
        SnapSpec(
            'tracer',
            'a test snap',
            releases=(SnapRelease('latest/stable', '1.0', 7),),
            apps=(SnapApp('tracer', daemon=None), SnapApp('agent', install_mode='disable')),
        )
    )
    world.programs.register('tracer', lambda inv: inv.result(f'traced {" ".join(inv.args)}\n'))
    with pytest.raises(ValueError, match='already in the catalog'):
        world.catalog.add_snap(world.catalog.snaps['tracer'])
    host.snap_install('tracer')
    assert snap(host, 'run', 'tracer', '--flag', 'x').stdout == 'traced --flag x\n'
    assert snap(host, 'services').stdout.splitlines()[-1] == (
        'tracer.agent  disabled  inactive  -'
    )
    not_there = snap(host, 'run', 'nothing')
    assert not_there.returncode == 1


def test_handler_sees_invocation(world: World, host: SimHost) -> None:
    calls: list[Invocation] = []

    def spy(invocation: Invocation) -> Completed:
        calls.append(invocation)
        return invocation.result()

    world.programs.register('kubectl', spy)
    host.run(['kubectl', 'get', 'nodes'], timeout=5)
    assert calls[0].timeout == 5 and calls[0].argv == ('kubectl', 'get', 'nodes')


def test_branches_are_exact_and_list_elides_them(world: World, host: SimHost) -> None:
    """cmd_list.go fmtChannel shows a branch as '…'; cmd_info.go prints the full channel;
    a missing branch is named by snapRevisionNotAvailableMessage (cmd/snap/error.go @ 2.67.1).
    """
    releases = (SnapRelease('3.6/stable', '1.0', 1), SnapRelease('3.6/stable/hotfix', '1.1', 2))
    world.catalog.add_snap(SnapSpec('foo', 'a test snap', releases=releases, base=None))
    missing = snap(host, 'install', '--channel=3.6/stable/nope', 'foo')
    assert (missing.returncode, missing.stderr) == (
        1,
        'error: requested a non-existing branch on 3.6/stable for snap "foo": nope\n',
    )
    elsewhere = snap(host, 'install', '--channel=9.9/edge/nope', 'foo')
    assert elsewhere.stderr == (
        'error: requested a non-existing branch for snap "foo": 9.9/edge/nope\n'
    )
    done = snap(host, 'install', '--channel=3.6/stable/hotfix', 'foo')
    assert done.stdout == 'foo (3.6/stable/hotfix) 1.1 from Canonical** installed\n'
    assert snap(host, 'list', 'foo').stdout.splitlines()[1].split()[3] == '3.6/stable/…'
    assert 'tracking:     3.6/stable/hotfix\n' in snap(host, 'info', 'foo').stdout


def test_risk_or_track_alone_names_a_full_channel(world: World, host: SimHost) -> None:
    """channel.Full (snap/channel/channel.go @ 2.67.1): 'edge' is latest/edge, '2.0' is
    2.0/stable; snap list shows the full channel tracked."""
    releases = (SnapRelease('latest/edge', '1.0', 1), SnapRelease('2.0/stable', '2.0', 2))
    world.catalog.add_snap(SnapSpec('foo', 'a test snap', releases=releases, base=None))
    assert snap(host, 'install', '--channel=edge', 'foo').stdout == (
        'foo (edge) 1.0 from Canonical** installed\n'
    )
    assert snap(host, 'list', 'foo').stdout.splitlines()[1].split()[3] == 'latest/edge'
    assert snap(host, 'refresh', '--channel=2.0', 'foo').stdout == (
        'foo (2.0/stable) 2.0 from Canonical** refreshed\n'
    )
    assert snap(host, 'list', 'foo').stdout.splitlines()[1].split()[3] == '2.0/stable'


def test_help_is_go_flags_builtin(host: SimHost) -> None:
    """go-flags answers -h/--help for every command (flags.ErrHelp: the help, exit 0; snapd
    cmd/snap/main.go run @ 2.67.1): not an unknown flag."""
    result = snap(host, 'install', '--help')
    assert (result.returncode, result.stderr) == (0, '')
    assert result.stdout.startswith('Usage:\n  snap install')
    assert snap(host, 'list', '-h').returncode == 0


def test_get_warns_with_a_literal_backslash_n(host: SimHost) -> None:
    """cmd_get.go outputDefault @ 2.67.1 prints its warning from a Go raw string: the '\\n' is
    two characters and no newline follows (output not a terminal: JSON on stdout)."""
    host.snap_install('maas')
    assert snap(host, 'set', 'maas', 'a.b=1').returncode == 0
    result = snap(host, 'get', 'maas')
    assert result.stderr == (
        "WARNING: The output of 'snap get' will become a list with columns - use -d or -l to "
        'force the output format.\\n'
    )
    assert json.loads(result.stdout) == {'a': {'b': 1}}


def test_malformed_channels_are_read_or_refused_as_snap_does(host: SimHost) -> None:
    """setChannelFromCommandline (cmd/snap/cmd_snap_op.go @ 2.67.1): a channel channel.Parse
    refuses but channel.Full reads is used as Full reads it, after a warning fill()ed under
    'Warning: '; snapd then refuses what still does not parse (daemon/api_snaps.go validate)
    with Parse's error (snap/channel/channel.go)."""
    bad_risk = snap(host, 'install', 'k8s', '--classic', '--channel=1.32-classic/foo')
    assert (bad_risk.returncode, bad_risk.stdout) == (1, '')
    assert bad_risk.stderr == (
        'Warning: Specifying a channel "1.32-classic/foo" is relying on undefined\n'
        '         behaviour. Interpreting it as "1.32-classic/foo" for now, but this\n'
        '         will be an error later.\n'
        '\n'
        'error: invalid risk in channel name: 1.32-classic/foo\n'
    )
    too_many = snap(host, 'install', 'k8s', '--classic', '--channel=a/stable/b/c')
    assert (too_many.returncode, too_many.stderr) == (
        1,
        'error: channel name has too many components: a/stable/b/c\n',
    )
    # An empty component is dropped: installed from 1.32-classic/stable, with the warning.
    doubled = snap(host, 'install', 'k8s', '--classic', '--channel=1.32-classic//stable')
    assert doubled.returncode == 0
    assert doubled.stderr.startswith('Warning: Specifying a channel "1.32-classic//stable"')
    assert doubled.stdout == 'k8s (1.32-classic/stable) v1.32.3 from Canonical** installed\n'
    refreshed = snap(host, 'refresh', 'k8s', '--channel=1.33-classic/nope')
    assert refreshed.stderr.endswith('error: invalid risk in channel name: 1.33-classic/nope\n')
    # cmd_snap_op_test.go TestRefreshOneChanDeprecated's cases: what Full makes of them.
    for given, read in [
        ('/1.33-classic', '1.33-classic/stable'),
        ('///1.33-classic/stable//', '1.33-classic/stable'),
    ]:
        switched = snap(host, 'refresh', '--channel=' + given, 'k8s')
        assert ' '.join(switched.stderr.split('\n\n')[0].split()) == (
            f'Warning: Specifying a channel "{given}" is relying on undefined behaviour. '
            f'Interpreting it as "{read}" for now, but this will be an error later.'
        )
    assert snap(host, 'list', 'k8s').stdout.splitlines()[1].split()[3] == '1.33-classic/stable'


def test_hold_and_unhold_stand_alone(host: SimHost) -> None:
    """cmdRefresh.Execute (cmd/snap/cmd_snap_op.go @ 2.67.1): --hold and --unhold refuse the
    refresh options that mean something else (--list, --amend, --transaction=all-snaps ...)."""
    host.snap_install('k8s', classic=True)
    for args, text in [
        (('--hold', '--list', 'k8s'), 'cannot use --hold with other flags'),
        (('--hold', '--unhold', 'k8s'), 'cannot use --hold with other flags'),
        (('--unhold', '--amend', 'k8s'), 'cannot use --unhold with other flags'),
        (('--hold', '--transaction=all-snaps', 'k8s'), 'cannot use --hold with other flags'),
    ]:
        result = snap(host, 'refresh', *args)
        assert (result.returncode, result.stderr) == (1, f'error: {text}\n'), args
    assert snap(host, 'refresh', '--hold', '--transaction=per-snap', 'k8s').ok


def test_go_flags_unquotes_a_quoted_value(host: SimHost) -> None:
    """charms.operator_libs_linux.v2.snap passes ``--channel="C"`` as one word: go-flags
    unquotes it (jessevdk/go-flags parser.go unquoteIfPossible @ 3927b71, snapd's pin)."""
    installed = snap(host, 'install', 'microceph', '--channel="squid/stable"')

    assert (
        installed.stdout
        == 'microceph (squid/stable) 19.2.0+snapab139d4a1f from Canonical** installed\n'
    )
    broken = snap(host, 'refresh', 'microceph', '--channel="squid')
    assert (broken.returncode, broken.stderr) == (
        64,
        "error: invalid argument for flag `--channel' (expected string): invalid syntax\n",
    )


def test_a_hold_for_a_duration_ends_at_a_time_info_shows(host: SimHost) -> None:
    """cmdRefresh.holdRefreshes sends the end of a Go duration as an RFC 3339 time and prints
    it; ``snap info`` shows a hold (maybePrintHold, timeutil.Human) — what
    charms.operator_libs_linux.v2.snap's ``held`` looks for (snapd 2.67.1)."""
    snap(host, 'install', 'microceph')

    held = snap(host, 'refresh', 'microceph', '--hold=36h')

    assert held.stdout == 'General refreshes of "microceph" held until 2023-11-16T10:13:20Z\n'
    assert 'hold:         in 2 days, at 10:13 UTC\n' in snap(host, 'info', 'microceph').stdout
    snap(host, 'refresh', 'microceph', '--hold')
    assert 'hold:         forever\n' in snap(host, 'info', 'microceph').stdout
    snap(host, 'refresh', '--unhold', 'microceph')
    assert 'hold:' not in snap(host, 'info', 'microceph').stdout
    assert snap(host, 'refresh', 'microceph', '--hold=1x').stderr == (
        'error: hold value must be a number of hours, minutes or seconds, or "forever": '
        'time: invalid duration "1x"\n'
    )
    assert snap(host, 'refresh', 'microceph', '--hold=500ms').stderr == (
        'error: cannot hold refreshes for less than a second: 500ms\n'
    )


def test_system_is_always_configurable(host: SimHost) -> None:
    """``snap set system`` is core's configuration, there whether core is installed or not
    (configstate RemapSnapFromRequest, canConfigure @ 2.67.1)."""
    assert snap(host, 'set', 'system', 'refresh.hold=forever').returncode == 0

    assert snap(host, 'get', 'system', 'refresh.hold').stdout == 'forever\n'


def test_a_revision_asked_for_is_the_one_installed(host: SimHost) -> None:
    """``--revision`` picks the store's revision, from any channel when none is given (tracking
    the default one), from the channel given otherwise; a refresh to a revision always
    refreshes (daemon/api_snaps.go revnoOpts, cmd/snap/error.go @ 2.67.1)."""
    installed = snap(host, 'install', 'microceph', '--revision=1228')

    assert (
        installed.stdout
        == 'microceph (reef/stable) 18.2.4+snap7fcb5eb1c1 from Canonical** installed\n'
    )
    listed = snap(host, 'list', 'microceph').stdout.splitlines()[1].split()
    assert listed[2:4] == ['1228', 'latest/stable']
    assert snap(host, 'refresh', 'microceph', '--revision=9').stderr == (
        'error: snap "microceph" revision 9 not available (see \'snap info microceph\')\n'
    )
    refused = snap(host, 'refresh', 'microceph', '--channel=squid/stable', '--revision=1228')
    assert refused.returncode == 1
    assert snap(host, 'refresh', 'microceph', '--revision=1228').stdout.endswith(' refreshed\n')


def test_a_restart_leaves_disabled_inactive_services_alone(host: SimHost) -> None:
    """restartServicesByStatus (wrappers/services.go, AlsoEnabledNonActive @ 2.67.1): a restart
    of a snap restarts its running and enabled services, and those named, not the others."""
    snap(host, 'install', 'microceph')

    assert snap(host, 'restart', 'microceph').stdout == 'Restarted.\n'

    assert 'microceph.mon            disabled  inactive' in snap(host, 'services').stdout
    snap(host, 'restart', 'microceph.mon')
    assert 'microceph.mon            disabled  active' in snap(host, 'services').stdout
