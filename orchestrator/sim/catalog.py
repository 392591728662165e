"""What the simulated snap store and apt archive offer: their entries and the Catalog.

The entry types (:class:`SnapSpec` and its :class:`SnapRelease` and :class:`SnapApp`,
:class:`PackageSpec`) are data both the World (which owns a :class:`Catalog`) and the ``snap``
and ``apt-get`` emulations (which read it) need, so they live here, below both. What a World's
catalog holds at first comes from its machine image (``DEFAULT_SNAPS`` and
``DEFAULT_PACKAGES`` of the built-in programs).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ['Catalog', 'PackageSpec', 'SnapApp', 'SnapRelease', 'SnapSpec']

_UBUNTU = 'Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>'


@dataclass(frozen=True)
class SnapApp:
    """An app of a snap.

    Attributes:
        name: the app name (``kubelet`` in ``k8s.kubelet``).
        daemon: its daemon type (``simple``, ``notify``, ``forking``, ``oneshot``); None for
            a plain command.
        install_mode: ``enable`` to start it on install, ``disable`` to leave it off until
            something starts it (as the k8s snap does until the cluster is bootstrapped).
        reload: whether it has a reload command (``snap restart --reload`` uses it).
    """

    name: str
    daemon: str | None = 'simple'
    install_mode: Literal['enable', 'disable'] = 'enable'
    reload: bool = False


@dataclass(frozen=True)
class SnapRelease:
    """What a channel of a snap holds.

    Attributes:
        channel: the full channel, ``track/risk`` (``1.32-classic/stable``).
        version: the snap's version there.
        revision: its revision there.
        released: the release date, ``YYYY-MM-DD``.
        size_mb: its download size in MB.
    """

    channel: str
    version: str
    revision: int
    released: str = '2025-01-01'
    size_mb: int = 50


@dataclass(frozen=True)
class SnapSpec:
    """A snap in the simulated store.

    Attributes:
        name: the snap name.
        summary: its one-line summary.
        releases: what each channel holds.
        apps: its apps; those with a ``daemon`` are services.
        publisher: the publisher's display name.
        publisher_id: the publisher's account name.
        verified: whether the publisher is verified.
        confinement: ``strict`` or ``classic`` (classic needs ``--classic``).
        type: ``app``, ``base`` or ``snapd``.
        base: the base snap it runs on, installed with it.
        default_track: the track a risk-only or missing channel means.
        license: its licence.
        description: its description.
    """

    name: str
    summary: str
    releases: tuple[SnapRelease, ...]
    apps: tuple[SnapApp, ...] = ()
    publisher: str = 'Canonical'
    publisher_id: str = 'canonical'
    verified: bool = True
    confinement: Literal['strict', 'classic'] = 'strict'
    type: Literal['app', 'base', 'snapd'] = 'app'
    base: str | None = 'core22'
    default_track: str = 'latest'
    license: str = 'Apache-2.0'
    description: str = ''

    @property
    def services(self) -> tuple[SnapApp, ...]:
        """The apps that are daemons."""
        return tuple(app for app in self.apps if app.daemon is not None)


@dataclass(frozen=True)
class PackageSpec:
    """A Debian package in the simulated archive.

    Attributes:
        name: the package name.
        version: its version (with epoch, if any: ``1:2.2.8-1build2``).
        summary: the one-line description.
        section: the archive section.
        architecture: ``amd64`` or ``all``.
        installed_size: ``Installed-Size`` in kB.
        depends: packages it needs (installed first, as dependencies).
        units: systemd unit name → unit file, installed to ``/usr/lib/systemd/system``.
        conffiles: path → default content of configuration files (left alone if they exist,
            kept on remove, deleted on purge).
        files: path → content of other files it ships.
        directories: directories it creates.
        users: system users its postinst adds, as (name, home).
        debconf: whether it asks debconf questions when configured.
        start: whether its postinst enables and starts its units.
        maintainer: the ``Maintainer`` field.
    """

    name: str
    version: str
    summary: str
    section: str = 'net'
    architecture: str = 'amd64'
    installed_size: int = 100
    depends: tuple[str, ...] = ()
    units: Mapping[str, str] = field(default_factory=dict[str, str])
    conffiles: Mapping[str, str] = field(default_factory=dict[str, str])
    files: Mapping[str, str] = field(default_factory=dict[str, str])
    directories: tuple[str, ...] = ()
    users: tuple[tuple[str, str], ...] = ()
    debconf: bool = False
    start: bool = True
    maintainer: str = _UBUNTU


@dataclass
class Catalog:
    """What the simulated snap store and apt archive offer. Simulated data, not real releases.

    Attributes:
        snaps: snap name → what the store knows about it.
        packages: package name → what the archive knows about it.
    """

    snaps: dict[str, SnapSpec] = field(default_factory=dict[str, SnapSpec])
    packages: dict[str, PackageSpec] = field(default_factory=dict[str, PackageSpec])

    def add_snap(self, spec: SnapSpec, *, replace: bool = False) -> None:
        """Offer a snap in the simulated store.

        Raises:
            ValueError: a snap of that name is offered and ``replace`` is false.
        """
        if spec.name in self.snaps and not replace:
            raise ValueError(f'snap {spec.name!r} is already in the catalog')
        self.snaps[spec.name] = spec

    def add_package(self, spec: PackageSpec, *, replace: bool = False) -> None:
        """Offer a Debian package in the simulated archive.

        Raises:
            ValueError: a package of that name is offered and ``replace`` is false.
        """
        if spec.name in self.packages and not replace:
            raise ValueError(f'package {spec.name!r} is already in the catalog')
        self.packages[spec.name] = spec
