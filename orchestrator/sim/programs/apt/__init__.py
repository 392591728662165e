"""``apt-get``, ``apt-cache``, ``dpkg`` and ``dpkg-query``: Debian packages on a simulated machine.

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

The package's modules: the archive's catalogue (``_catalogue``, a data table), the installed
packages and what maintainer scripts do (``_packages``), and the commands ``apt-get``
(``_apt_get``) and ``dpkg``/``dpkg-query`` (``_dpkg``).
"""

# pyright: strict

from __future__ import annotations

from ...catalog import PackageSpec
from ._apt_cache import handle_apt_cache
from ._apt_get import APT_VERSION, handle_apt_get
from ._catalogue import BASE_PACKAGES, DEFAULT_PACKAGES
from ._dpkg import DPKG_VERSION, handle_dpkg, handle_dpkg_query
from ._packages import provision

__all__ = [
    'APT_VERSION',
    'BASE_PACKAGES',
    'DEFAULT_PACKAGES',
    'DPKG_VERSION',
    'PackageSpec',
    'handle_apt_cache',
    'handle_apt_get',
    'handle_dpkg',
    'handle_dpkg_query',
    'provision',
]
