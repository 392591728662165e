"""The Juju model olm keeps: for now its machines.

A model machine is Juju's view of a cloud instance: a number that is never reused, the MAAS
system id as its instance id, the hardware Juju read back from MAAS, and Juju's machine status.
"""

# pyright: strict

from __future__ import annotations

import dataclasses

__all__ = ['DEFAULT_BASE', 'Machine']

DEFAULT_BASE = 'ubuntu@24.04'


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Machine:
    """A machine of the model, as ``juju machines`` shows it.

    Attributes:
        id: Juju's machine number, as a string ("0", "1", ...).
        instance_id: the cloud's id for it (a MAAS system id).
        hostname: the instance's hostname.
        address: its address.
        zone: its availability zone.
        hardware: Juju's hardware characteristics, e.g.
            ``arch=amd64 cores=8 mem=32768M tags=ssd availability-zone=zone-a``.
        constraints: the constraints the machine was provisioned with (Juju's string form).
        base: the operating system base.
        status: Juju's machine status (``pending``, ``started``, ``down``, ...).
        message: the instance status message from the cloud.
    """

    id: str
    instance_id: str
    hostname: str
    address: str
    zone: str
    hardware: str
    constraints: str = ''
    base: str = DEFAULT_BASE
    status: str = 'pending'
    message: str = ''
