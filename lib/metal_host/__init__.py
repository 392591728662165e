"""The machine seam: the only way charm code touches its machine.

Every side effect a charm has on its machine — run a program, read or write a file, install a
snap or an apt package, start or reload a service — goes through one small :class:`Host`.
Charm code asks :func:`current` for it and never knows which one it got::

    import metal_host

    host = metal_host.current()
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    if host.write_text('/etc/haproxy/haproxy.cfg', rendered):
        host.service('reload', 'haproxy')

On a real machine that is a :class:`LocalHost` (subprocess and the filesystem, retrying snapd's
and apt's transient "busy" failures). The orchestrator binds a simulated machine for the event
it runs, and charm unit tests bind a :class:`RecordingHost`, both with :func:`bound`.

Errors form a small tree under :class:`HostError`; see :mod:`metal_host._errors`.
"""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING

from ._context import bound, current
from ._errors import (
    CommandError,
    CommandTimeoutError,
    FileOperationError,
    HostError,
    MissingFileError,
    Sensitive,
    UnexpectedCommandError,
)
from ._local import LocalHost
from ._protocol import Completed, Host, ServiceAction, StrPath
from ._recording import Call, FileEntry, RecordingHost, Response, ServiceState, SnapState
from ._retrying import ProgramHost, RetryPolicy, is_transient
from ._snaps import InstalledSnap, installed_snap

__all__ = [
    'Call',
    'CommandError',
    'CommandTimeoutError',
    'Completed',
    'FileEntry',
    'FileOperationError',
    'Host',
    'HostError',
    'InstalledSnap',
    'LocalHost',
    'MissingFileError',
    'ProgramHost',
    'RecordingHost',
    'Response',
    'RetryPolicy',
    'Sensitive',
    'ServiceAction',
    'ServiceState',
    'SnapState',
    'StrPath',
    'UnexpectedCommandError',
    'bound',
    'current',
    'installed_snap',
    'is_transient',
]

if TYPE_CHECKING:
    # Both implementations satisfy the protocol, checked by pyright rather than by hope.
    _local_conforms: Host = LocalHost()
    _recording_conforms: Host = RecordingHost()
