"""The commands behind the Host's convenience methods, shared by every implementation.

A :class:`~metal_host.LocalHost` runs exactly these; a fake reports them in its errors, so a
message reads the same whether the machine was real or not.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    'APT_ENV',
    'APT_LOCK_TIMEOUT',
    'apt_install',
    'argv_tuple',
    'service',
    'service_active',
    'snap_hold',
    'snap_install',
    'snap_refresh',
]

APT_ENV = {'DEBIAN_FRONTEND': 'noninteractive'}
"""Environment apt-get runs with: never stop to ask a question on a machine nobody watches."""


def snap_install(name: str, channel: str | None, classic: bool) -> list[str]:
    """``snap install NAME [--channel=C] [--classic]``."""
    argv = ['snap', 'install', name]
    if channel is not None:
        argv.append(f'--channel={channel}')
    if classic:
        argv.append('--classic')
    return argv


def snap_refresh(name: str, channel: str | None) -> list[str]:
    """``snap refresh NAME [--channel=C]``."""
    argv = ['snap', 'refresh', name]
    if channel is not None:
        argv.append(f'--channel={channel}')
    return argv


def snap_hold(name: str) -> list[str]:
    """``snap refresh --hold NAME``: hold refreshes with no end date (snapd 2.58+)."""
    return ['snap', 'refresh', '--hold', name]


APT_LOCK_TIMEOUT = 120
"""Seconds apt-get waits for the dpkg lock itself (``DPkg::Lock::Timeout``, 0 by default for
apt-get: Debian/apt ``apt-pkg/deb/debsystem.cc`` debSystem::Lock, ``apt-private/
private-cmndline.cc`` @ 2.7.14). A freshly deployed machine's unattended-upgrades can hold the
lock for minutes, longer than the Host's retries of 'Could not get lock' wait in all."""


def apt_install(packages: tuple[str, ...]) -> list[str]:
    """``apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 PACKAGE...``."""
    return [
        'apt-get',
        'install',
        '-y',
        '--no-install-recommends',
        '-o',
        f'DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}',
        *packages,
    ]


def service(action: str, name: str) -> list[str]:
    """``systemctl ACTION NAME``."""
    return ['systemctl', action, name]


def service_active(name: str) -> list[str]:
    """``systemctl is-active --quiet NAME``: exit status 0 exactly when the unit is active."""
    return ['systemctl', 'is-active', '--quiet', name]


def argv_tuple(argv: Sequence[str]) -> tuple[str, ...]:
    """Validate a command line and freeze it.

    Raises:
        TypeError: ``argv`` is a single string (``'ls -l'`` would run a program named that).
        ValueError: ``argv`` is empty.
    """
    if isinstance(argv, str):
        raise TypeError(f'argv must be a sequence of arguments, not the string {argv!r}')
    args = tuple(argv)
    if not args:
        raise ValueError('argv must name a program')
    return args
