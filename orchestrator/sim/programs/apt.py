"""``apt-get``, ``dpkg`` and ``dpkg-query``: Debian packages on a simulated machine.

Installing a package does what its maintainer scripts would: it creates the package's system
user, lays down its configuration files (kept across ``remove``, deleted by ``purge``) and unit
files, then enables and starts its services the way ``deb-systemd-helper`` and
``deb-systemd-invoke`` do. Output, error texts and exit statuses follow apt 2.7 (Ubuntu 24.04)
as it prints when its output is not a terminal: ``E: Unable to locate package x`` with exit
status 100, ``Do you want to continue? [Y/n] Abort.`` with exit status 1 when extra packages
need a confirmation nobody gives, ``x is already the newest version (v).``.

``DEBIAN_FRONTEND`` is honoured: without ``noninteractive``, a package that asks debconf
questions prints debconf's frontend fallback warnings, as it does on a machine with no
terminal.

The archive is :attr:`orchestrator.sim.World.catalog` ``.packages``: a small simulated one
(names, versions and sizes look like Ubuntu 24.04's, but it is not a copy of the archive).
"""

# pyright: strict

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ..catalog import PackageSpec
from ..host import SIMULATED
from .systemctl import Output, Systemd

if TYPE_CHECKING:
    from ..host import Invocation, SimHost

__all__ = [
    'APT_VERSION',
    'BASE_PACKAGES',
    'DEFAULT_PACKAGES',
    'DPKG_VERSION',
    'PackageSpec',
    'handle_apt_get',
    'handle_dpkg',
    'handle_dpkg_query',
    'provision',
]

APT_VERSION = 'apt 2.7.14build2 (amd64)'
DPKG_VERSION = "Debian 'dpkg' package management program version 1.22.6ubuntu6.1 (amd64)."

_UBUNTU = 'Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>'


# haproxy/haproxy admin/systemd/haproxy.service.in (upstream's unit). Debian's packaging, which
# noble's 2.8.5 follows, differs: Debian 12's unit has no ExecStartPre (a bad configuration then
# fails the start in ExecStart: the same failed job) and adds BindReadOnlyPaths=/dev/log:...
# Kept with ExecStartPre because the emulation runs Exec*Pre/ExecReload commands, not ExecStart.
_HAPROXY_UNIT = """\
[Unit]
Description=HAProxy Load Balancer
Documentation=man:haproxy(1)
Documentation=file:/usr/share/doc/haproxy/configuration.txt.gz
After=network-online.target rsyslog.service
Wants=network-online.target

[Service]
EnvironmentFile=-/etc/default/haproxy
EnvironmentFile=-/etc/sysconfig/haproxy
Environment="CONFIG=/etc/haproxy/haproxy.cfg" "PIDFILE=/run/haproxy.pid" \
"EXTRAOPTS=-S /run/haproxy-master.sock"
ExecStartPre=/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS
ExecStart=/usr/sbin/haproxy -Ws -f $CONFIG -p $PIDFILE $EXTRAOPTS
ExecReload=/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS
ExecReload=/bin/kill -USR2 $MAINPID
KillMode=mixed
Restart=always
SuccessExitStatus=143
Type=notify

[Install]
WantedBy=multi-user.target
"""

_HAPROXY_CFG = """\
global
\tlog /dev/log\tlocal0
\tlog /dev/log\tlocal1 notice
\tchroot /var/lib/haproxy
\tstats socket /run/haproxy/admin.sock mode 660 level admin
\tstats timeout 30s
\tuser haproxy
\tgroup haproxy
\tdaemon

defaults
\tlog\tglobal
\tmode\thttp
\toption\thttplog
\toption\tdontlognull
\ttimeout connect 5000
\ttimeout client  50000
\ttimeout server  50000
"""

# Debian's keepalived packaging (debian/keepalived.service), as Debian 12's 1:2.2.7-1 installs it
# in /lib/systemd/system; assumption: noble's 1:2.2.8-1build2, built from the same packaging,
# ships the same unit.
_KEEPALIVED_UNIT = """\
[Unit]
Description=Keepalive Daemon (LVS and VRRP)
After=network-online.target
Wants=network-online.target
Documentation=man:keepalived(8)
Documentation=man:keepalived.conf(5)
Documentation=man:genhash(1)
Documentation=https://keepalived.org
ConditionFileNotEmpty=/etc/keepalived/keepalived.conf

[Service]
Type=notify
EnvironmentFile=-/etc/default/keepalived
ExecStart=/usr/sbin/keepalived --dont-fork $DAEMON_ARGS
ExecReload=/bin/kill -HUP $MAINPID

[Install]
WantedBy=multi-user.target
"""

_CHRONY_UNIT = """\
[Unit]
Description=chrony, an NTP client/server
Documentation=man:chronyd(8) man:chronyc(1) man:chrony.conf(5)
Conflicts=openntpd.service ntp.service ntpsec.service
Wants=time-sync.target
Before=time-sync.target
After=network.target

[Service]
Type=forking
PIDFile=/run/chrony/chronyd.pid
EnvironmentFile=-/etc/default/chrony
ExecStart=!/usr/lib/systemd/scripts/chronyd-starter.sh $DAEMON_OPTS

[Install]
Alias=chronyd.service
WantedBy=multi-user.target
"""

_POSTGRESQL_UNIT = """\
[Unit]
Description=PostgreSQL RDBMS

[Service]
Type=oneshot
ExecStart=/bin/true
ExecReload=/bin/true
RemainAfterExit=on

[Install]
WantedBy=multi-user.target
"""

_SSH_UNIT = """\
[Unit]
Description=OpenBSD Secure Shell server
Documentation=man:sshd(8) man:sshd_config(5)
After=network.target auditd.service
ConditionPathExists=!/etc/ssh/sshd_not_to_be_run

[Service]
EnvironmentFile=-/etc/default/ssh
ExecStartPre=/usr/sbin/sshd -t
ExecStart=/usr/sbin/sshd -D $SSHD_OPTS
ExecReload=/usr/sbin/sshd -t
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
Type=notify

[Install]
WantedBy=multi-user.target
"""

_SNAPD_UNIT = """\
[Unit]
Description=Snap Daemon
After=snapd.socket
After=time-set.target
Wants=time-set.target
Wants=snapd.mounts.target
Requires=snapd.socket

[Service]
EnvironmentFile=-/etc/environment
ExecStart=/usr/lib/snapd/snapd
Restart=always
Type=notify

[Install]
WantedBy=multi-user.target
"""


def _spec(name: str, version: str, summary: str, **kwargs: Any) -> tuple[str, PackageSpec]:
    return name, PackageSpec(name, version, summary, **kwargs)


DEFAULT_PACKAGES: Mapping[str, PackageSpec] = dict(
    [
        _spec(
            'haproxy',
            '2.8.5-1ubuntu3.3',
            'fast and reliable load balancing reverse proxy',
            installed_size=4120,
            depends=('liblua5.4-0',),
            units={'haproxy.service': _HAPROXY_UNIT},
            conffiles={
                '/etc/haproxy/haproxy.cfg': _HAPROXY_CFG,
                '/etc/default/haproxy': (
                    '# Defaults file for HAProxy\n#\n'
                    '# Change the config file location if needed\n'
                    '#CONFIG="/etc/haproxy/haproxy.cfg"\n\n'
                    '# Add extra flags here, see haproxy(1) for a few options\n'
                    '#EXTRAOPTS="-de -m 16"\n'
                ),
            },
            directories=('/etc/haproxy/errors', '/var/lib/haproxy', '/run/haproxy'),
            users=(('haproxy', '/var/lib/haproxy'),),
        ),
        _spec(
            'keepalived',
            '1:2.2.8-1build2',
            'Failover and monitoring daemon for LVS clusters',
            section='admin',
            installed_size=1554,
            depends=('libnl-3-200', 'libnl-genl-3-200'),
            units={'keepalived.service': _KEEPALIVED_UNIT},
            conffiles={
                '/etc/default/keepalived': '# Options to pass to keepalived\n\nDAEMON_ARGS=""\n'
            },
            directories=('/etc/keepalived',),
        ),
        _spec(
            'chrony',
            '4.5-1ubuntu4.1',
            'Versatile implementation of the Network Time Protocol',
            section='net',
            installed_size=736,
            units={'chrony.service': _CHRONY_UNIT},
            conffiles={
                '/etc/chrony/chrony.conf': (
                    'confdir /etc/chrony/conf.d\npool ntp.ubuntu.com iburst maxsources 4\n'
                    'sourcedir /run/chrony-dhcp\nsourcedir /etc/chrony/sources.d\n'
                    'keyfile /etc/chrony/chrony.keys\ndriftfile /var/lib/chrony/chrony.drift\n'
                    'ntsdumpdir /var/lib/chrony\nlogdir /var/log/chrony\nmaxupdateskew 100.0\n'
                    'rtcsync\nmakestep 1 3\nleapsectz right/UTC\n'
                )
            },
            users=(('_chrony', '/var/lib/chrony'),),
        ),
        _spec(
            'postgresql',
            '16+257build1.1',
            'object-relational SQL database (supported version)',
            section='database',
            architecture='all',
            installed_size=14,
            depends=('postgresql-16',),
        ),
        _spec(
            'postgresql-16',
            '16.9-0ubuntu0.24.04.1',
            "The World's Most Advanced Open Source Relational Database",
            section='database',
            installed_size=52473,
            depends=('postgresql-common', 'libpq5'),
            conffiles={
                '/etc/postgresql/16/main/postgresql.conf': (
                    "data_directory = '/var/lib/postgresql/16/main'\n"
                    "hba_file = '/etc/postgresql/16/main/pg_hba.conf'\n"
                    'port = 5432\nmax_connections = 100\n'
                ),
                '/etc/postgresql/16/main/pg_hba.conf': (
                    'local   all             postgres                                peer\n'
                    'local   all             all                                     peer\n'
                    'host    all             all             127.0.0.1/32'
                    '            scram-sha-256\n'
                ),
            },
            directories=('/var/lib/postgresql/16/main',),
        ),
        _spec(
            'postgresql-common',
            '257build1.1',
            'PostgreSQL database-cluster manager',
            section='database',
            architecture='all',
            installed_size=739,
            units={'postgresql.service': _POSTGRESQL_UNIT},
            users=(('postgres', '/var/lib/postgresql'),),
            debconf=True,
        ),
        _spec(
            'libpq5',
            '16.9-0ubuntu0.24.04.1',
            'PostgreSQL C client library',
            section='libs',
            installed_size=524,
        ),
        _spec(
            'jq',
            '1.7.1-3build1',
            'lightweight and flexible command-line JSON processor',
            section='utils',
            installed_size=112,
            depends=('libjq1',),
        ),
        _spec(
            'libjq1',
            '1.7.1-3build1',
            'lightweight and flexible command-line JSON processor - shared library',
            section='libs',
            installed_size=432,
            depends=('libonig5',),
        ),
        _spec(
            'libonig5',
            '6.9.9-1build1',
            'regular expressions library',
            section='libs',
            installed_size=648,
        ),
        _spec(
            'liblua5.4-0',
            '5.4.6-3build2',
            'Shared library for the Lua interpreter version 5.4',
            section='libs',
            installed_size=592,
        ),
        _spec(
            'libnl-3-200',
            '3.7.0-0.3build1.1',
            'library for dealing with netlink sockets',
            section='libs',
            installed_size=204,
        ),
        _spec(
            'libnl-genl-3-200',
            '3.7.0-0.3build1.1',
            'library for dealing with netlink sockets - generic netlink',
            section='libs',
            installed_size=52,
            depends=('libnl-3-200',),
        ),
        _spec(
            'nfs-common',
            '1:2.6.4-3ubuntu5.1',
            'NFS support files common to client and server',
            installed_size=1190,
        ),
        _spec('open-iscsi', '2.1.9-3ubuntu5.4', 'iSCSI initiator tools', installed_size=1308),
        _spec(
            'socat',
            '1.8.0.0-4build3',
            'multipurpose relay for bidirectional data transfer',
            installed_size=1346,
        ),
        # What a freshly deployed Ubuntu 24.04 server already has.
        _spec(
            'bash',
            '5.2.21-2ubuntu4',
            'GNU Bourne Again SHell',
            section='shells',
            installed_size=1832,
        ),
        _spec(
            'coreutils', '9.4-3ubuntu6', 'GNU core utilities', section='utils', installed_size=7320
        ),
        _spec(
            'systemd',
            '255.4-1ubuntu8.6',
            'system and service manager',
            section='admin',
            installed_size=10664,
        ),
        _spec(
            'snapd',
            '2.67.1+24.04',
            'Daemon and tooling that enable snap packages',
            section='devel',
            installed_size=107148,
            units={'snapd.service': _SNAPD_UNIT},
        ),
        _spec(
            'openssh-server',
            '1:9.6p1-3ubuntu13.11',
            'secure shell (SSH) server, for secure access from remote machines',
            installed_size=2049,
            units={'ssh.service': _SSH_UNIT},
        ),
        _spec(
            'ca-certificates',
            '20240203',
            'Common CA certificates',
            section='misc',
            architecture='all',
            installed_size=390,
        ),
        _spec(
            'curl',
            '8.5.0-2ubuntu10.6',
            'command line tool for transferring data with URL syntax',
            section='web',
            installed_size=534,
        ),
        _spec(
            'python3',
            '3.12.3-0ubuntu2',
            'interactive high-level object-oriented language (default python3 version)',
            section='python',
            installed_size=92,
        ),
        _spec(
            'iproute2',
            '6.1.0-1ubuntu6',
            'networking and traffic control tools',
            installed_size=3442,
        ),
    ]
)
"""The simulated archive every World starts with."""

BASE_PACKAGES = (
    'bash',
    'coreutils',
    'systemd',
    'snapd',
    'openssh-server',
    'ca-certificates',
    'curl',
    'python3',
    'iproute2',
)
"""Packages a freshly deployed machine already has."""

_HEADER = (
    'Reading package lists...',
    'Building dependency tree...',
    'Reading state information...',
)
_DEBCONF_FALLBACK = (
    'debconf: unable to initialize frontend: Dialog\n'
    'debconf: (TERM is not set, so the dialog frontend is not usable.)\n'
    'debconf: falling back to frontend: Readline\n'
    'debconf: unable to initialize frontend: Readline\n'
    'debconf: (This frontend requires a controlling tty.)\n'
    'debconf: falling back to frontend: Teletype'
)
_FLAGS = frozenset(
    {
        '--yes',
        '--assume-yes',
        '--quiet',
        '--no-install-recommends',
        '--install-recommends',
        '--no-install-suggests',
        '--fix-broken',
        '--purge',
        '--allow-downgrades',
        '--allow-change-held-packages',
        '--allow-unauthenticated',
        '--no-upgrade',
        '--only-upgrade',
        '--fix-missing',
        '--simulate',
        '--dry-run',
        '--just-print',
        '--no-act',
        '--reinstall',
        '--version',
    }
)
_SHORT = frozenset('yqfsmv')


def _db(host: SimHost) -> dict[str, dict[str, Any]]:
    """The dpkg status database: package → version, status, auto-installed."""
    return cast('dict[str, dict[str, Any]]', host.namespace('dpkg').setdefault('packages', {}))


def _installed(host: SimHost, name: str) -> bool:
    record = _db(host).get(name)
    return record is not None and record['status'] == 'installed'


def provision(host: SimHost) -> None:
    """Give a fresh machine its base packages, their files and running services, silently."""
    catalog = host.world.catalog.packages
    systemd = Systemd(host, Output())
    for name in BASE_PACKAGES:
        spec = catalog.get(name)
        if spec is not None:
            _unpack(host, spec)
            _db(host)[name] = {'version': spec.version, 'status': 'installed', 'auto': False}
            _configure(host, spec, systemd)
    systemd.daemon_reload()


# -- apt-get --------------------------------------------------------------------------------------


@dataclass
class _Options:
    yes: bool = False
    quiet: int = 0
    simulate: bool = False
    purge: bool = False
    version: bool = False
    positional: list[str] = field(default_factory=list[str])


def _parse(args: Sequence[str]) -> _Options | str:
    """apt-get's options, or the error apt prints for one it does not understand."""
    options = _Options()
    skip = ''
    for arg in args:
        if skip:
            if skip in ('-o', '--option') and '=' not in arg:
                # apt-pkg/contrib/cmndline.cc HandleOpt (ConfigurationItem) @ 2.7.14
                return f'E: Option {arg}: Configuration item specification must have an =<val>.'
            skip = ''
            continue
        if arg in ('-o', '-c', '-t', '--option', '--config-file', '--target-release'):
            skip = arg
        elif arg.startswith(('-o', '--option=', '-t', '--target-release=', '--default-release')):
            continue
        elif arg.startswith('--'):
            if arg not in _FLAGS:
                return (
                    f'E: Command line option {arg} is not understood in combination with the '
                    'other options'
                )
            options.yes = options.yes or arg in ('--yes', '--assume-yes')
            options.quiet += arg == '--quiet'
            options.simulate = options.simulate or arg in (
                '--simulate',
                '--dry-run',
                '--just-print',
                '--no-act',
            )
            options.purge = options.purge or arg == '--purge'
            options.version = options.version or arg == '--version'
        elif arg.startswith('-') and len(arg) > 1:
            for letter in arg[1:]:
                if letter not in _SHORT:
                    return (
                        f"E: Command line option '{letter}' [from {arg}] is not understood in "
                        'combination with the other options.'
                    )
                options.yes = options.yes or letter == 'y'
                options.quiet += letter == 'q'
                options.simulate = options.simulate or letter == 's'
                options.version = options.version or letter == 'v'
        else:
            options.positional.append(arg)
    if skip:
        return f'E: Option {skip} requires an argument.'  # cmndline.cc @ 2.7.14
    return options


def handle_apt_get(invocation: Invocation) -> Completed:
    """Run ``apt-get`` on the invocation's machine."""
    parsed = _parse(invocation.args)
    if isinstance(parsed, str):
        return invocation.result('', parsed + '\n', 100)
    if parsed.version:
        return invocation.result(f'{APT_VERSION} ({SIMULATED})\n')
    if not parsed.positional:
        return invocation.result(
            f'{APT_VERSION} ({SIMULATED})\nUsage: apt-get [options] command\n'
            '       apt-get [options] install|remove pkg1 [pkg2 ...]\n',
            '',
            1,
        )
    command, names = parsed.positional[0], parsed.positional[1:]
    run = _AptRun(invocation, parsed)
    if command == 'update':
        run.out('Reading package lists...')
    elif command == 'install':
        run.install(names)
    elif command in ('remove', 'purge'):
        run.remove(names, purge=parsed.purge or command == 'purge')
    elif command in ('upgrade', 'dist-upgrade', 'full-upgrade', 'autoremove', 'autopurge'):
        run.header()
        if command != 'autoremove':
            run.out('Calculating upgrade...')
        run.out('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.')
    elif command in ('clean', 'autoclean', 'check'):
        if command == 'check':
            run.header()
    else:
        run.fail(100, f'E: Invalid operation {command}')
    return run.completed()


class _AptRun:
    """One apt-get run: its output and exit status."""

    def __init__(self, invocation: Invocation, options: _Options) -> None:
        self.invocation = invocation
        self.host = invocation.host
        self.options = options
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.returncode = 0
        self.catalog = invocation.world.catalog.packages
        self.systemd = Systemd(self.host, Output())

    def out(self, line: str) -> None:
        if self.options.quiet < 2:
            self.stdout.append(line)

    def fail(self, code: int, message: str) -> None:
        self.stderr.append(message)
        self.returncode = code

    def header(self) -> None:
        for line in _HEADER:
            self.out(line)

    def completed(self) -> Completed:
        return self.invocation.result(
            ''.join(f'{line}\n' for line in self.stdout),
            ''.join(f'{line}\n' for line in self.stderr),
            self.returncode,
        )

    def _lookup(self, names: Sequence[str]) -> list[PackageSpec] | None:
        specs: list[PackageSpec] = []
        for raw in names:
            name, _, version = raw.partition('=')
            name = name.removesuffix(':amd64').removesuffix(':all')
            spec = self.catalog.get(name)
            if spec is None:
                self.fail(100, f'E: Unable to locate package {name}')
                return None
            if version and version != spec.version:
                self.fail(100, f"E: Version '{version}' for '{name}' was not found")
                return None
            specs.append(spec)
        return specs

    def _confirm(self) -> bool:
        if self.options.yes:
            return True
        # Nobody answers the question on a machine without a terminal: apt reads EOF.
        self.out('Do you want to continue? [Y/n] Abort.')
        self.returncode = 1
        return False

    # -- install ----------------------------------------------------------------------------------

    def install(self, names: Sequence[str]) -> None:
        self.header()
        requested = self._lookup(names)
        if requested is None:
            return
        db = _db(self.host)
        wanted = [s.name for s in requested]
        for spec in requested:
            if _installed(self.host, spec.name):
                self.out(f'{spec.name} is already the newest version ({spec.version}).')
                if db[spec.name].get('auto'):
                    db[spec.name]['auto'] = False
                    self.out(f'{spec.name} set to manually installed.')
        new = self._closure(requested)
        if new is None:
            return
        extra = [s.name for s in new if s.name not in wanted]
        if extra:
            self.out('The following additional packages will be installed:')
            self._list(sorted(extra))
        if new:
            self.out('The following NEW packages will be installed:')
            self._list(sorted(s.name for s in new))
        self.out(f'0 upgraded, {len(new)} newly installed, 0 to remove and 0 not upgraded.')
        if not new:
            return
        if self.options.simulate:  # apt -s neither sizes nor asks
            for spec in new:
                self.out(
                    f'Inst {spec.name} ({spec.version} Ubuntu:24.04/noble [{spec.architecture}])'
                )
            for spec in new:
                self.out(
                    f'Conf {spec.name} ({spec.version} Ubuntu:24.04/noble [{spec.architecture}])'
                )
            return
        size = sum(s.installed_size for s in new)
        self.out(f'After this operation, {_kb(size)} of additional disk space will be used.')
        if extra and not self._confirm():
            return
        self._debconf(new)
        self.out(_reading_database(self.host))
        for spec in new:
            self.out(f'Selecting previously unselected package {spec.name}.')
            self.out(f'Preparing to unpack .../{_deb(spec)} ...')
            self.out(f'Unpacking {spec.name} ({spec.version}) ...')
            _unpack(self.host, spec)
            db[spec.name] = {
                'version': spec.version,
                'status': 'unpacked',
                'auto': spec.name not in wanted,
            }
        for spec in new:
            self.out(f'Setting up {spec.name} ({spec.version}) ...')
            _configure(self.host, spec, self.systemd)
            db[spec.name]['status'] = 'installed'
            # Maintainer scripts write to apt's own output: deb-systemd-helper's symlink
            # notices read as progress, a service failing to start as an error.
            for line in self.systemd.output.stderr:
                (self.stdout if line.startswith('Created symlink') else self.stderr).append(line)
            self.systemd.output.stderr.clear()

    def _closure(self, requested: Iterable[PackageSpec]) -> list[PackageSpec] | None:
        """Packages to install, dependencies before their dependents."""
        order: list[PackageSpec] = []
        seen: set[str] = set()

        def visit(spec: PackageSpec) -> bool:
            if spec.name in seen or _installed(self.host, spec.name):
                return True
            seen.add(spec.name)
            for dependency in spec.depends:
                dep = self.catalog.get(dependency)
                if dep is None:
                    self.out('Some packages could not be installed. This may mean that you have')
                    self.out('requested an impossible situation.')
                    self.fail(100, 'E: Unable to correct problems, you have held broken packages.')
                    return False
                if not visit(dep):
                    return False
            order.append(spec)
            return True

        for spec in requested:
            if not visit(spec):
                return None
        return order

    def _debconf(self, specs: Sequence[PackageSpec]) -> None:
        interactive = self.invocation.env.get('DEBIAN_FRONTEND', '') != 'noninteractive'
        if interactive and any(s.debconf for s in specs):
            self.stderr.append(_DEBCONF_FALLBACK)

    def _list(self, names: Sequence[str]) -> None:
        for line in textwrap.wrap(' '.join(names), width=78):
            self.out(f'  {line}')

    # -- remove -----------------------------------------------------------------------------------

    def remove(self, names: Sequence[str], *, purge: bool) -> None:
        self.header()
        specs = self._lookup(names)
        if specs is None:
            return
        db = _db(self.host)
        going: list[PackageSpec] = []
        for spec in specs:
            record = db.get(spec.name)
            if record is None or (record['status'] != 'installed' and not purge):
                self.out(f"Package '{spec.name}' is not installed, so not removed")
            else:
                going.append(spec)
        if going:
            self.out('The following packages will be REMOVED:')
            self._list([f'{s.name}*' if purge else s.name for s in going])
        self.out(f'0 upgraded, 0 newly installed, {len(going)} to remove and 0 not upgraded.')
        if not going:
            return
        if self.options.simulate:
            for spec in going:
                self.out(f'{"Purg" if purge else "Remv"} {spec.name} [{spec.version}]')
            return
        freed = sum(s.installed_size for s in going if db[s.name]['status'] == 'installed')
        if freed:
            self.out(f'After this operation, {_kb(freed)} disk space will be freed.')
        if not self._confirm():
            return
        self.out(_reading_database(self.host))
        for spec in going:
            if db[spec.name]['status'] == 'installed':
                self.out(f'Removing {spec.name} ({spec.version}) ...')
                _deconfigure(self.host, spec, self.systemd)
                db[spec.name]['status'] = 'config-files'
        for spec in going if purge else ():
            self.out(f'Purging configuration files for {spec.name} ({spec.version}) ...')
            for path in spec.conffiles:
                self.host.remove(path)
            del db[spec.name]


def _reading_database(host: SimHost) -> str:
    # A plausible count that moves as packages come and go; dpkg prints one like it.
    files = 68_000 + 40 * len(_db(host))
    return f'(Reading database ... {files} files and directories currently installed.)'


def _deb(spec: PackageSpec) -> str:
    version = spec.version.split(':', 1)[-1]  # the epoch is not part of the file name
    return f'{spec.name}_{version}_{spec.architecture}.deb'


def _kb(size: int) -> str:
    return f'{size:,} kB' if size < 1000 else f'{size / 1000:.1f} MB'


def _unpack(host: SimHost, spec: PackageSpec) -> None:
    """What dpkg unpacks: directories, shipped files, unit files (not the configuration)."""
    for directory in spec.directories:
        host.mkdir(directory)
    for path, content in spec.files.items():
        host.write_text(path, content)
    for name, text in spec.units.items():
        host.write_text(f'/usr/lib/systemd/system/{name}', text)


def _configure(host: SimHost, spec: PackageSpec, systemd: Systemd) -> None:
    """What the postinst does: users, conffiles (never overwriting a local one), services."""
    for user, home in spec.users:
        host.add_system_user(user, home=home)
    for path, content in spec.conffiles.items():
        if not host.exists(path):
            host.write_text(path, content)
    if spec.units:
        systemd.daemon_reload()
    for name in spec.units:
        if spec.start:
            # dh_installsystemd's snippet: deb-systemd-helper enable, then
            # deb-systemd-invoke start ... || true: a service that fails to start does not
            # fail the package.
            systemd.enable(name)
            systemd.start(name)


def _deconfigure(host: SimHost, spec: PackageSpec, systemd: Systemd) -> None:
    """What prerm and removal do: stop services, remove shipped files and units."""
    for name in spec.units:
        if systemd.active_state(name) != 'inactive':
            systemd.stop(name)
        host.remove(f'/usr/lib/systemd/system/{name}')
        systemd.forget(name)
    for path in spec.files:
        host.remove(path)
    if spec.units:
        systemd.daemon_reload()


# -- dpkg-query and dpkg --------------------------------------------------------------------------

_STATUS = {
    'installed': 'install ok installed',
    'unpacked': 'install ok unpacked',
    'config-files': 'deinstall ok config-files',
}
_ABBREV = {'installed': 'ii ', 'unpacked': 'iU ', 'config-files': 'rc '}


def _fields(spec: PackageSpec, record: Mapping[str, Any]) -> dict[str, str]:
    status = str(record['status'])
    return {
        'Package': spec.name,
        'binary:Package': spec.name,
        'Version': str(record['version']),
        'Status': _STATUS[status],
        'db:Status-Abbrev': _ABBREV[status],
        'db:Status-Status': status,
        'Architecture': spec.architecture,
        'Installed-Size': str(spec.installed_size),
        'Maintainer': spec.maintainer,
        'Section': spec.section,
        'Priority': 'optional',
        'Depends': ', '.join(spec.depends),
        'Description': spec.summary,
        'binary:Summary': spec.summary,
    }


def _format(template: str, values: Mapping[str, str]) -> str:
    """dpkg-query's ``--showformat``: ``${Field}`` (``${Field;width}``) and backslash escapes."""

    def field_value(match: re.Match[str]) -> str:
        name, _, width = match.group(1).partition(';')
        value = values.get(name, '')
        if width.lstrip('-').isdigit():
            size = int(width)
            return value.ljust(-size) if size < 0 else value.rjust(size)
        return value

    text = re.sub(r'\$\{([^}]+)\}', field_value, template)
    return text.replace('\\n', '\n').replace('\\t', '\t').replace('\\\\', '\\')


def handle_dpkg_query(invocation: Invocation) -> Completed:
    """Run ``dpkg-query`` (``-W``/``--show`` with ``-f``/``--showformat``, ``-s``/``--status``)."""
    template = '${binary:Package}\t${Version}\n'
    action = ''
    names: list[str] = []
    args = list(invocation.args)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ('-W', '--show', '-s', '--status', '-l', '--list'):
            action = {'-W': '--show', '-s': '--status', '-l': '--list'}.get(arg, arg)
        elif arg.startswith(('-f', '--showformat=')):
            if arg in ('-f', '--showformat'):
                index += 1
                template = args[index] if index < len(args) else ''
            else:
                template = arg.split('=', 1)[1] if arg.startswith('--') else arg[2:].lstrip('=')
        elif arg == '--version':
            version = DPKG_VERSION.replace(
                "'dpkg' package management", "'dpkg-query' package management"
            )
            return invocation.result(f'{version} ({SIMULATED})\n')
        else:
            names.append(arg)
        index += 1
    if action == '--status':
        return _status(invocation, names)
    if action == '--list':
        return _list_packages(invocation, names)
    if action != '--show':
        return invocation.result(
            '',
            'dpkg-query: error: need an action option\n\n'
            'Use --help for help about querying packages.\n',
            2,
        )
    db = _db(invocation.host)
    catalog = invocation.world.catalog.packages
    out: list[str] = []
    err: list[str] = []
    for name in names:
        record = db.get(name)
        spec = catalog.get(name)
        if record is None or spec is None:
            err.append(f'dpkg-query: no packages found matching {name}\n')
            continue
        out.append(_format(template, _fields(spec, record)))
    return invocation.result(''.join(out), ''.join(err), 1 if err else 0)


def _status(invocation: Invocation, names: Sequence[str]) -> Completed:
    db = _db(invocation.host)
    catalog = invocation.world.catalog.packages
    blocks: list[str] = []
    err: list[str] = []
    for name in names:
        record = db.get(name)
        spec = catalog.get(name)
        if record is None or spec is None:
            err.append(
                f"dpkg-query: package '{name}' is not installed and no information is available\n"
            )
            continue
        values = _fields(spec, record)
        keys = [
            'Package',
            'Status',
            'Priority',
            'Section',
            'Installed-Size',
            'Maintainer',
            'Architecture',
            'Version',
        ]
        lines = [f'{key}: {values[key]}' for key in keys]
        if spec.depends:
            lines.append(f'Depends: {values["Depends"]}')
        if spec.conffiles:
            lines.append('Conffiles:')
            lines.extend(f' {path} {"0" * 32}' for path in spec.conffiles)
        lines.append(f'Description: {spec.summary}')
        blocks.append('\n'.join(lines) + '\n')
    if err:
        err.append('Use dpkg --info (= dpkg-deb --info) to examine archive files.\n')
    return invocation.result('\n'.join(blocks), ''.join(err), 1 if err else 0)


def _list_packages(invocation: Invocation, names: Sequence[str]) -> Completed:
    db = _db(invocation.host)
    catalog = invocation.world.catalog.packages
    rows: list[tuple[str, str, str, str, str]] = []
    err: list[str] = []
    for name in names or sorted(db):
        record = db.get(name)
        spec = catalog.get(name)
        if record is None or spec is None:
            err.append(f'dpkg-query: no packages found matching {name}\n')
            continue
        values = _fields(spec, record)
        rows.append(
            (
                values['db:Status-Abbrev'].strip(),
                name,
                values['Version'],
                spec.architecture,
                spec.summary,
            )
        )
    if not rows:
        return invocation.result('', ''.join(err), 1)
    name_w = max(14, *(len(r[1]) for r in rows))
    version_w = max(12, *(len(r[2]) for r in rows))
    header = [
        'Desired=Unknown/Install/Remove/Purge/Hold',
        '| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend',
        '|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)',
        f'||/ {"Name":<{name_w}} {"Version":<{version_w}} Architecture Description',
        f'+++-{"=" * name_w}-{"=" * version_w}-============-{"=" * 40}',
    ]
    lines = header + [
        f'{s:<3} {n:<{name_w}} {v:<{version_w}} {a:<12} {d}' for s, n, v, a, d in rows
    ]
    return invocation.result(''.join(f'{line}\n' for line in lines), ''.join(err), 1 if err else 0)


def handle_dpkg(invocation: Invocation) -> Completed:
    """Run ``dpkg``: the query options (``-s``, ``-l``, ``-W``) and ``--version``."""
    args = invocation.args
    if '--version' in args:
        return invocation.result(f'{DPKG_VERSION} ({SIMULATED})\n')
    if args and args[0] in ('-s', '--status', '-W', '--show', '-l', '--list'):
        return handle_dpkg_query(invocation)
    return invocation.result(
        '',
        'dpkg: error: need an action option\n\n'
        'Type dpkg --help for help about installing and deinstalling packages [*];\n'
        "Use 'apt' or 'aptitude' for user-friendly package management;\n"
        'Type dpkg -Dhelp for a list of dpkg debug flag values;\n'
        'Type dpkg --force-help for a list of forcing options;\n'
        'Type dpkg-deb --help for help about manipulating *.deb files;\n\n'
        "Options marked [*] produce a lot of output - pipe it through 'less' or 'more' !\n",
        2,
    )
