"""The apt-get, dpkg and dpkg-query emulation."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from metal_host import CommandError, Completed

from orchestrator.sim import SIMULATED, PackageSpec, SimHost, World

HEADER = 'Reading package lists...\nBuilding dependency tree...\nReading state information...\n'
NONINTERACTIVE = {'DEBIAN_FRONTEND': 'noninteractive'}


@pytest.fixture
def world() -> World:
    return World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)


@pytest.fixture
def host(world: World) -> SimHost:
    return world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])


def apt(host: SimHost, *args: str, env: Mapping[str, str] | None = None) -> Completed:
    return host._run(['apt-get', *args], check=False, env=env)  # pyright: ignore[reportPrivateUsage]


def test_unknown_package(host: SimHost) -> None:
    result = apt(host, 'install', '-y', 'no-such-package')
    assert result == Completed(
        ('apt-get', 'install', '-y', 'no-such-package'),
        100,
        HEADER,
        'E: Unable to locate package no-such-package\n',
    )
    with pytest.raises(CommandError, match='E: Unable to locate package nope'):
        host.apt_install('nope')


def test_install_sets_up_the_package(host: SimHost) -> None:
    result = apt(host, 'install', '-y', '--no-install-recommends', 'haproxy', env=NONINTERACTIVE)
    assert result.returncode == 0
    assert result.stdout.startswith(
        HEADER + 'The following additional packages will be installed:\n'
        '  liblua5.4-0\n'
        'The following NEW packages will be installed:\n'
        '  haproxy liblua5.4-0\n'
        '0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.\n'
    )
    assert 'Unpacking haproxy (2.8.5-1ubuntu3.3) ...\n' in result.stdout
    assert 'Setting up haproxy (2.8.5-1ubuntu3.3) ...\n' in result.stdout
    assert (
        'Created symlink /etc/systemd/system/multi-user.target.wants/haproxy.service → '
        '/usr/lib/systemd/system/haproxy.service.\n'
    ) in result.stdout
    assert result.stderr == ''
    assert 'chroot /var/lib/haproxy' in host.read_text('/etc/haproxy/haproxy.cfg')
    assert host.service_active('haproxy')
    again = apt(host, 'install', '-y', 'haproxy')
    assert again.stdout == (
        HEADER + 'haproxy is already the newest version (2.8.5-1ubuntu3.3).\n'
        '0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n'
    )


def test_extra_packages_need_a_yes(host: SimHost) -> None:
    result = apt(host, 'install', 'jq')
    assert result.returncode == 1
    assert result.stdout.endswith('Do you want to continue? [Y/n] Abort.\n')
    assert host.run(['dpkg-query', '-W', 'jq'], check=False).returncode == 1
    # A package with no new dependencies needs no confirmation, as with apt.
    assert apt(host, 'install', 'socat').returncode == 0


def test_conffiles_survive_remove_not_purge(host: SimHost) -> None:
    host.apt_install('haproxy')
    host.write_text('/etc/haproxy/haproxy.cfg', 'global\n')
    host.apt_install('haproxy')
    assert host.read_text('/etc/haproxy/haproxy.cfg') == 'global\n'
    asked = apt(host, 'remove', 'haproxy')
    assert asked.returncode == 1 and 'Abort.' in asked.stdout
    removed = apt(host, 'remove', '-y', 'haproxy')
    assert 'Removing haproxy (2.8.5-1ubuntu3.3) ...\n' in removed.stdout
    assert not host.service_active('haproxy')
    assert not host.exists('/usr/lib/systemd/system/haproxy.service')
    assert host.read_text('/etc/haproxy/haproxy.cfg') == 'global\n'
    status = host.run(['dpkg-query', '-W', '-f=${db:Status-Abbrev}${Version}', 'haproxy'])
    assert status.stdout == 'rc 2.8.5-1ubuntu3.3'
    not_installed = apt(host, 'remove', '-y', 'haproxy')
    assert "Package 'haproxy' is not installed, so not removed\n" in not_installed.stdout
    purged = apt(host, 'purge', '-y', 'haproxy')
    assert '  haproxy*\n' in purged.stdout
    assert 'Purging configuration files for haproxy (2.8.5-1ubuntu3.3) ...\n' in purged.stdout
    assert not host.exists('/etc/haproxy/haproxy.cfg')


def test_keepalived_waits_for_its_configuration(host: SimHost) -> None:
    host.apt_install('keepalived')
    assert not host.service_active('keepalived')  # ConditionFileNotEmpty, as on Ubuntu
    host.write_text('/etc/keepalived/keepalived.conf', 'vrrp_instance VI_1 {}\n')
    host.service('restart', 'keepalived')
    assert host.service_active('keepalived')


def test_debian_frontend_is_honoured(host: SimHost) -> None:
    interactive = apt(host, 'install', '-y', 'postgresql')
    assert interactive.returncode == 0
    assert interactive.stderr.startswith('debconf: unable to initialize frontend: Dialog\n')
    assert host.service_active('postgresql')
    quiet = apt(host, 'install', '-y', 'chrony', env=NONINTERACTIVE)
    assert quiet.stderr == ''


def test_options_and_operations(host: SimHost) -> None:
    assert apt(host, '-Z', 'install', 'jq').stderr == (
        "E: Command line option 'Z' [from -Z] is not understood in combination with the other "
        'options.\n'
    )
    assert apt(host, '--bogus', 'install').returncode == 100
    assert apt(host, 'frob').stderr == 'E: Invalid operation frob\n'
    assert apt(host, 'update').stdout == 'Reading package lists...\n'
    assert apt(host, '--version').stdout == f'apt 2.7.14build2 (amd64) ({SIMULATED})\n'
    wrong = apt(host, 'install', '-y', 'jq=9.9')
    assert (wrong.returncode, wrong.stderr) == (100, "E: Version '9.9' for 'jq' was not found\n")
    simulated = apt(host, 'install', '-s', 'jq')
    assert 'Inst jq (1.7.1-3build1 Ubuntu:24.04/noble [amd64])\n' in simulated.stdout
    assert host.run(['dpkg-query', '-W', 'jq'], check=False).returncode == 1


def test_dpkg_queries(host: SimHost) -> None:
    assert host.run(['dpkg-query', '-W', 'snapd']).stdout == 'snapd\t2.67.1+24.04\n'
    missing = host.run(['dpkg-query', '-W', 'jq'], check=False)
    assert (missing.returncode, missing.stderr) == (
        1,
        'dpkg-query: no packages found matching jq\n',
    )
    status = host.run(['dpkg', '-s', 'snapd']).stdout
    assert status.startswith('Package: snapd\nStatus: install ok installed\n')
    not_there = host.run(['dpkg', '-s', 'jq'], check=False)
    assert not_there.stderr == (
        "dpkg-query: package 'jq' is not installed and no information is available\n"
        'Use dpkg --info (= dpkg-deb --info) to examine archive files.\n'
    )
    listed = host.run(['dpkg', '-l', 'snapd']).stdout
    assert listed.splitlines()[-1].startswith('ii  snapd')
    assert 'simulated' in host.run(['dpkg', '--version']).stdout


def test_packages_can_be_added_to_the_archive(world: World, host: SimHost) -> None:
    world.catalog.add_package(
        PackageSpec(
            'tracer-agent',
            '1.0-1',
            'test agent',
            units={
                'tracer.service': '[Unit]\nDescription=Tracer\n[Service]\nExecStart=/bin/x\n'
                '[Install]\nWantedBy=multi-user.target\n'
            },
        )
    )
    host.apt_install('tracer-agent')
    assert host.service_active('tracer')
    with pytest.raises(ValueError, match='already in the catalog'):
        world.catalog.add_package(world.catalog.packages['tracer-agent'])


@pytest.mark.skipif(not Path('/usr/bin/apt-get').exists(), reason='no real apt-get to compare')
@pytest.mark.parametrize(
    'args',
    [
        ['--bogus', 'install', 'x'],
        ['install', '-y', '--no-install-recommends', '--bogus', 'haproxy'],
        ['-Z', 'install', 'x'],
        ['-yqZ', 'install'],
        ['frob'],
        ['-o', 'foo', 'install', 'x'],
        ['-o'],
    ],
)
def test_refusals_match_the_real_apt_get(host: SimHost, args: list[str]) -> None:
    """Differential: the command line errors apt-get gives before it takes any lock (Debian/apt
    @ 2.7.14 apt-pkg/contrib/cmndline.cc 'Command line option ... is not understood ...',
    'Invalid operation %s'; exit 100 from apt-private's error handling)."""
    real = subprocess.run(
        ['/usr/bin/apt-get', *args], capture_output=True, text=True, check=False, stdin=None
    )
    assert apt(host, *args) == Completed(
        ('apt-get', *args), real.returncode, real.stdout, real.stderr
    )


@pytest.mark.skipif(not Path('/usr/bin/dpkg-query').exists(), reason='no real dpkg to compare')
@pytest.mark.parametrize(
    'argv',
    [
        ['apt-get', '-s', 'install', 'no-such-package-olm'],
        ['apt-get', '-s', '-o', 'DPkg::Lock::Timeout=120', 'install', 'no-such-package-olm'],
        ['dpkg-query', '-W', 'no-such-package-olm'],
        ['dpkg', '-s', 'no-such-package-olm'],
        ['apt-cache', 'show', 'no-such-package-olm'],
        ['apt-cache', 'frob'],
        ['dpkg', '--print-architecture'],
    ],
)
def test_absent_packages_read_as_the_real_tools_say(host: SimHost, argv: list[str]) -> None:
    """Differential, read-only (a simulation takes no lock): a package the archive and the
    database lack (Debian/apt @ 2.7.14 'Unable to locate package %s', exit 100; dpkg 1.22
    src/query/main.c 'no packages found matching %s', 'package '%s' is not installed and no
    information is available')."""
    real = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert host.run(argv, check=False) == Completed(
        tuple(argv), real.returncode, real.stdout, real.stderr
    )


def test_what_charmlibs_apt_reads(host: SimHost) -> None:
    """charmlibs-apt 1.0 (and charms.operator_libs_linux.v0.apt) find a package's version and
    architecture with ``apt-cache show`` and the machine's with ``dpkg --print-architecture``,
    and refresh the lists with ``apt-get update --error-on=any``."""
    shown = host.run(['apt-cache', 'show', 'jq']).stdout
    assert shown.startswith('Package: jq\nVersion: 1.7.1-3build1\nInstalled-Size: '), shown
    assert '\nArchitecture: amd64\nDepends: libjq1\n' in shown
    assert shown.endswith('Filename: pool/main/j/jq/jq_1.7.1-3build1_amd64.deb\n\n')
    assert host.run(['dpkg', '--print-architecture']).stdout == 'amd64\n'
    assert apt(host, 'update', '--error-on=any').returncode == 0


def test_a_fresh_machine_has_noble_s_deb822_sources(host: SimHost) -> None:
    """cloud-init 24.1.3 (cc_apt_configure.py, templates/sources.list.ubuntu.deb822.tmpl):
    the sources in ``ubuntu.sources``, ``sources.list`` only a comment saying so."""
    sources = host.files['/etc/apt/sources.list.d/ubuntu.sources'].content

    assert (
        'URIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble noble-updates noble-backports\n'
        in sources
    )
    assert 'Suites: noble-security\n' in sources
    listed = host.files['/etc/apt/sources.list'].content
    assert all(line.startswith('#') for line in listed.splitlines())
