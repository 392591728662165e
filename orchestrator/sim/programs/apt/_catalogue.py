"""The simulated apt archive: the packages it offers and those every machine starts with.

A data table: names, versions and sizes look like Ubuntu 24.04's (noble), but it is not a copy of
the archive; the unit files are the packages' own, each cited where it is defined.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...catalog import PackageSpec

if TYPE_CHECKING:
    pass

__all__ = ['BASE_PACKAGES', 'DEFAULT_PACKAGES']


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
