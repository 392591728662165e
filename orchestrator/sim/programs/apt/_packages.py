"""Installed packages: dpkg's status database, and what dpkg and maintainer scripts do.

Unpacking lays down a package's files and unit files; configuring (the postinst) adds its users,
its conffiles (never overwriting a local one) and enables and starts its services the way
``deb-systemd-helper`` and ``deb-systemd-invoke`` do; removal undoes it.
"""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ...catalog import PackageSpec
from ..systemctl import Output, Systemd
from ._catalogue import BASE_PACKAGES

if TYPE_CHECKING:
    from ...host import SimHost

__all__ = ['configure', 'deconfigure', 'dpkg_database', 'is_installed', 'provision', 'unpack']


def dpkg_database(host: SimHost) -> dict[str, dict[str, Any]]:
    """The dpkg status database: package → version, status, auto-installed."""
    return cast('dict[str, dict[str, Any]]', host.namespace('dpkg').setdefault('packages', {}))


def is_installed(host: SimHost, name: str) -> bool:
    """Whether the package is installed (not merely unpacked, nor only its conffiles left)."""
    record = dpkg_database(host).get(name)
    return record is not None and record['status'] == 'installed'


def provision(host: SimHost) -> None:
    """Give a fresh machine its base packages, their files and running services, silently."""
    catalog = host.world.catalog.packages
    systemd = Systemd(host, Output())
    for name in BASE_PACKAGES:
        spec = catalog.get(name)
        if spec is not None:
            unpack(host, spec)
            dpkg_database(host)[name] = {
                'version': spec.version,
                'status': 'installed',
                'auto': False,
            }
            configure(host, spec, systemd)
    systemd.daemon_reload()


def unpack(host: SimHost, spec: PackageSpec) -> None:
    """What dpkg unpacks: directories, shipped files, unit files (not the configuration)."""
    for directory in spec.directories:
        host.mkdir(directory)
    for path, content in spec.files.items():
        host.write_text(path, content)
    for name, text in spec.units.items():
        host.write_text(f'/usr/lib/systemd/system/{name}', text)


def configure(host: SimHost, spec: PackageSpec, systemd: Systemd) -> None:
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


def deconfigure(host: SimHost, spec: PackageSpec, systemd: Systemd) -> None:
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
