"""The Juju version olm models, and how Juju writes a binary version.

olm's semantics (hook order, status, messages, model config) are read from juju/juju's 3.6
series, the LTS that Juju 3.x users run and jubilant targets; what a charm, a suite or a tool
reads as "the Juju version" (``juju version``, ``show-model``'s ``agent-version``, ``status``'s
model ``version``, ``JUJU_VERSION`` in a hook) is that version, not olm's own package version
(``olm --version``), so a suite that checks Juju's major version sees 3.

The release is the one the charms olm runs already see as ``JUJU_VERSION`` in their hooks:
ops 3.9.0's Scenario (installed) defaults to it (canonical/operator
``testing/src/scenario/context.py`` @ 7989557d, ``_DEFAULT_JUJU_VERSION = '3.6.14'``), and
both hook runners now pass this constant instead,
so a charm and a suite agree on it. The juju/juju repository could not be read at a release
tag here, so no finer claim is made about which 3.6 patch each behaviour was read at.
"""

# pyright: strict

from __future__ import annotations

import platform

__all__ = ['JUJU_VERSION', 'binary_version', 'host_arch']

JUJU_VERSION = '3.6.14'
"""The Juju release olm models: reported as the client's and the model agents' version."""

_ARCHES = {
    'x86_64': 'amd64',
    'amd64': 'amd64',
    'aarch64': 'arm64',
    'arm64': 'arm64',
    'ppc64le': 'ppc64el',
    's390x': 's390x',
    'riscv64': 'riscv64',
}
"""Kernel machine names to Juju's architecture names (juju/juju ``core/arch``: ``NormaliseArch``
maps ``x86_64`` to ``amd64``, ``aarch64`` to ``arm64``, ``ppc64le`` to ``ppc64el``)."""


def host_arch() -> str:
    """The architecture of the computer olm runs on, in Juju's names (``arch.HostArch``)."""
    machine = platform.machine().lower()
    return _ARCHES.get(machine, machine)


def binary_version() -> str:
    """``juju version``: ``<number>-<os type>-<arch>`` (juju/juju ``version.Binary.String``).

    The OS type is ``ubuntu``: Juju's client reports its host's OS type (``HostOSTypeName``),
    and olm reports the one its simulated machines run rather than its own host's.
    """
    return f'{JUJU_VERSION}-ubuntu-{host_arch()}'
