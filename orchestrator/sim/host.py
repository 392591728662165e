"""SimHost: a simulated machine behind the :class:`metal_host.Host` seam.

A SimHost keeps an in-memory filesystem and per-program state, and runs programs by looking
their base name up in its World's program table. Everything a charm sees through it — return
values, exit statuses, error types and messages — matches what :class:`metal_host.LocalHost`
gives on a real machine, down to the argv of the convenience methods (``snap_install`` runs
``snap install NAME ...`` through :meth:`SimHost.run`, so faults and programs see exactly what a
real machine would run).

It is a simulation and says so: its ``repr`` and the version output of every program it runs
carry the :data:`SIMULATED` label.

This module is where a machine's public names are found; they are defined by what they are:
the machine and the program run it is given in :mod:`.world` (a machine and its World refer to
each other), its disks and interfaces in :mod:`.devices`, its files in :mod:`.filesystem`, the
label in :mod:`.label`.
"""

# pyright: strict

from __future__ import annotations

from .devices import (
    DISK_BY_ID,
    NETWORK_DEVICE_TYPES,
    SIM_DISK_MODEL,
    BlockDevice,
    DiskIdentity,
    NetworkDevice,
    disk_identity,
    maas_id_path,
    udev_escape,
)
from .label import SIMULATED
from .unix_http import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    HttpRequest,
    HttpResponse,
    encode_response,
    error_response,
    parse_request,
)
from .world import DEFAULT_ENV, CommandRecord, Handler, Invocation, SimHost, SocketService

__all__ = [
    'DEFAULT_ENV',
    'DISK_BY_ID',
    'MAX_BODY_BYTES',
    'MAX_HEADER_BYTES',
    'NETWORK_DEVICE_TYPES',
    'SIMULATED',
    'SIM_DISK_MODEL',
    'BlockDevice',
    'CommandRecord',
    'DiskIdentity',
    'Handler',
    'HttpRequest',
    'HttpResponse',
    'Invocation',
    'NetworkDevice',
    'SimHost',
    'SocketService',
    'disk_identity',
    'encode_response',
    'error_response',
    'maas_id_path',
    'parse_request',
    'udev_escape',
]
