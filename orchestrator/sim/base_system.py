"""What a freshly deployed Ubuntu 24.04 machine has on disk, as MAAS leaves it.

The directories, accounts and identity files a simulated machine starts with
(:meth:`~orchestrator.sim.host.SimHost.provision`); packages and their services come on top
from the built-in programs (:func:`orchestrator.sim.programs.provision`).
"""

# pyright: strict

from __future__ import annotations

__all__ = ['BASE_DIRECTORIES', 'base_files']

BASE_DIRECTORIES = frozenset(
    {
        '/bin',
        '/boot',
        '/dev',
        '/etc/apt',
        '/etc/apt/sources.list.d',
        '/etc/default',
        '/etc/systemd/system',
        '/home/ubuntu',
        '/opt',
        '/proc',
        '/root',
        '/run',
        '/snap/bin',
        '/srv',
        '/sys',
        '/tmp',  # noqa: S108  # a simulated machine's directory, not a file we write
        '/usr/bin',
        '/usr/lib/systemd/system',
        '/usr/local/bin',
        '/usr/sbin',
        '/var/cache',
        '/var/lib/dpkg',
        '/var/lib/snapd',
        '/var/log',
        '/var/snap',
        '/var/tmp',  # noqa: S108  # likewise
    }
)

_USERS = (
    ('root', 0, 0, 'root', '/root', '/bin/bash'),
    ('daemon', 1, 1, 'daemon', '/usr/sbin', '/usr/sbin/nologin'),
    ('bin', 2, 2, 'bin', '/bin', '/usr/sbin/nologin'),
    ('sys', 3, 3, 'sys', '/dev', '/usr/sbin/nologin'),
    ('sync', 4, 65534, 'sync', '/bin', '/bin/sync'),
    ('man', 6, 12, 'man', '/var/cache/man', '/usr/sbin/nologin'),
    ('mail', 8, 8, 'mail', '/var/mail', '/usr/sbin/nologin'),
    ('proxy', 13, 13, 'proxy', '/bin', '/usr/sbin/nologin'),
    ('www-data', 33, 33, 'www-data', '/var/www', '/usr/sbin/nologin'),
    ('backup', 34, 34, 'backup', '/var/backups', '/usr/sbin/nologin'),
    ('_apt', 42, 65534, '', '/nonexistent', '/usr/sbin/nologin'),
    ('nobody', 65534, 65534, 'nobody', '/nonexistent', '/usr/sbin/nologin'),
    ('systemd-network', 998, 998, 'systemd Network Management', '/', '/usr/sbin/nologin'),
    ('systemd-timesync', 996, 996, 'systemd Time Synchronization', '/', '/usr/sbin/nologin'),
    ('messagebus', 100, 101, '', '/nonexistent', '/usr/sbin/nologin'),
    ('syslog', 101, 102, '', '/nonexistent', '/usr/sbin/nologin'),
    ('sshd', 102, 65534, '', '/run/sshd', '/usr/sbin/nologin'),
    ('ubuntu', 1000, 1000, 'Ubuntu', '/home/ubuntu', '/bin/bash'),
)

_GROUPS = (
    ('root', 0),
    ('daemon', 1),
    ('bin', 2),
    ('sys', 3),
    ('adm', 4),
    ('tty', 5),
    ('disk', 6),
    ('mail', 8),
    ('man', 12),
    ('proxy', 13),
    ('www-data', 33),
    ('backup', 34),
    ('systemd-journal', 999),
    ('systemd-network', 998),
    ('systemd-timesync', 996),
    ('messagebus', 101),
    ('syslog', 102),
    ('sudo', 27),
    ('users', 100),
    ('nogroup', 65534),
    ('ubuntu', 1000),
)

_OS_RELEASE = """\
# simulated machine (olm): an in-memory stand-in for Ubuntu 24.04, not a real installation
PRETTY_NAME="Ubuntu 24.04.2 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.2 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
"""


_APT_SOURCES_LIST = (
    '# Ubuntu sources have moved to the /etc/apt/sources.list.d/ubuntu.sources\n'
    '# file, which uses the deb822 format. Use deb822-formatted .sources files\n'
    '# to manage package sources in the /etc/apt/sources.list.d/ directory.\n'
    '# See the sources.list(5) manual page for details.\n'
)
"""``/etc/apt/sources.list`` as cloud-init leaves it where the sources are deb822
(canonical/cloud-init ``cloudinit/config/cc_apt_configure.py`` UBUNTU_DEFAULT_APT_SOURCES_LIST
@ 24.1.3, noble's cloud-init)."""

_UBUNTU_SOURCES = (
    'Types: deb\n'
    'URIs: http://archive.ubuntu.com/ubuntu/\n'
    'Suites: noble noble-updates noble-backports\n'
    'Components: main universe restricted multiverse\n'
    'Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n'
    '\n'
    'Types: deb\n'
    'URIs: http://security.ubuntu.com/ubuntu/\n'
    'Suites: noble-security\n'
    'Components: main universe restricted multiverse\n'
    'Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n'
)
"""``/etc/apt/sources.list.d/ubuntu.sources``: the stanzas of cloud-init's
``templates/sources.list.ubuntu.deb822.tmpl`` @ 24.1.3 rendered with its default amd64 mirrors
(``PRIMARY_ARCH_MIRRORS`` in cc_apt_configure.py). Assumptions: MAAS's default archive is the
Ubuntu archive cloud-init defaults to, and the template's comment lines are left out."""


def base_files(hostname: str) -> dict[str, str]:
    """Path → content of the identity, account and OS files a machine named ``hostname`` has."""
    hosts = (
        '127.0.0.1 localhost\n'
        f'127.0.1.1 {hostname}\n'
        '\n'
        '# The following lines are desirable for IPv6 capable hosts\n'
        '::1 ip6-localhost ip6-loopback\n'
        'fe00::0 ip6-localnet\n'
        'ff00::0 ip6-mcastprefix\n'
        'ff02::1 ip6-allnodes\n'
        'ff02::2 ip6-allrouters\n'
    )
    passwd = ''.join(f'{n}:x:{u}:{g}:{c}:{h}:{s}\n' for n, u, g, c, h, s in _USERS)
    group = ''.join(f'{n}:x:{g}:{"ubuntu" if n in ("adm", "sudo") else ""}\n' for n, g in _GROUPS)
    return {
        '/etc/hostname': f'{hostname}\n',
        '/etc/hosts': hosts,
        '/etc/os-release': _OS_RELEASE,
        '/usr/lib/os-release': _OS_RELEASE,
        '/etc/passwd': passwd,
        '/etc/group': group,
        '/etc/apt/sources.list': _APT_SOURCES_LIST,
        '/etc/apt/sources.list.d/ubuntu.sources': _UBUNTU_SOURCES,
        '/etc/environment': (
            'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:'
            '/usr/games:/usr/local/games:/snap/bin"\n'
        ),
    }
