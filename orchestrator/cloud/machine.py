"""One bare-metal machine of the pool, as MAAS describes it.

Machines are frozen: the pool replaces a machine to change it, so a snapshot handed to a caller
never changes under it. A 100k-machine pool must fit in a few hundred MB, hence ``slots`` and
shared (interned) tag sets.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from .lifecycle import Status
from .network import Interface

__all__ = ['GB', 'KEEP', 'Disk', 'Keep', 'Machine']

GB = 1000**3
"""MAAS sizes block devices and storage constraints in GB of 10^9 bytes."""

_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


class Keep:
    """The type of :data:`KEEP`: leave a field as it is."""


KEEP = Keep()


@dataclasses.dataclass(frozen=True, slots=True)
class Disk:
    """A physical block device.

    Attributes:
        name: the kernel name, e.g. ``sda`` or ``nvme0n1``.
        size: bytes.
        tags: MAAS block-device tags, e.g. ``ssd``, ``nvme``, ``rotary``.
        boot: True for the disk the default storage layout puts ``/`` on.
        model: the model its firmware reports ('' when the pool does not say: a simulated
            machine then shows ``SIMULATED DISK``).
        serial: its serial number ('' when the pool does not say: derived, see
            :func:`orchestrator.sim.host.disk_identity`).
        wwn: its World Wide Name (``0x5…`` for SATA/SAS, ``eui.…`` for NVMe; '' likewise).
        id_path: MAAS's ``id_path``, the ``/dev/disk/by-id`` link commissioning recorded
            ('' when the pool does not say: derived from model, serial and WWN).
    """

    name: str
    size: int
    tags: frozenset[str] = frozenset()
    boot: bool = False
    model: str = ''
    serial: str = ''
    wwn: str = ''
    id_path: str = ''

    @property
    def size_gb(self) -> float:
        """Size in MAAS's GB (10^9 bytes)."""
        return self.size / GB


@dataclasses.dataclass(frozen=True, slots=True)
class Machine:
    """A machine in the pool: its hardware, where it sits, and its MAAS status.

    Attributes:
        system_id: MAAS's short, stable identifier.
        hostname: unique within the pool.
        arch: MAAS architecture, ``arch/subarch`` (``amd64/generic``).
        cores: ``cpu_count``.
        memory: MiB.
        disks: block devices, the boot disk first.
        tags: machine tags.
        zone: availability zone.
        pool: resource pool.
        power_type: BMC driver (``ipmi``, ``redfish``, ``manual``, ...).
        power_parameters: driver parameters; ``power_pass`` is a credential and never shown.
        address: the boot interface's IP address (simulated machines only route to nothing).
        interfaces: its NICs, bonds, bridges and VLANs with their links, as MAAS lists them
            (empty for a machine the pool describes by its address alone).
        spaces: the spaces its interfaces reach (kept, not derived, since allocation asks it
            of every candidate).
        status: MAAS status.
        previous_status: status before ``Broken``, so ``mark-fixed`` can go back to Deployed.
        owner: who allocated the machine (the Juju model), None while it is free.
        status_message: MAAS's last status message.
    """

    system_id: str
    hostname: str
    arch: str
    cores: int
    memory: int
    disks: tuple[Disk, ...]
    tags: frozenset[str]
    zone: str
    pool: str
    power_type: str = 'manual'
    power_parameters: Mapping[str, str] = dataclasses.field(default_factory=lambda: _NO_PARAMS)
    address: str = ''
    interfaces: tuple[Interface, ...] = ()
    spaces: frozenset[str] = frozenset()
    status: Status = Status.READY
    previous_status: Status | None = None
    owner: str | None = None
    status_message: str = ''

    def with_state(
        self,
        status: Status,
        *,
        owner: str | Keep | None = KEEP,
        previous_status: Status | Keep | None = KEEP,
        status_message: str | Keep = KEEP,
    ) -> Machine:
        """A copy in another status; the pool's hot path, hence no ``dataclasses.replace``."""
        return Machine(
            self.system_id, self.hostname, self.arch, self.cores, self.memory, self.disks,
            self.tags, self.zone, self.pool, self.power_type, self.power_parameters,
            self.address, self.interfaces, self.spaces, status,
            self.previous_status if isinstance(previous_status, Keep) else previous_status,
            self.owner if isinstance(owner, Keep) else owner,
            self.status_message if isinstance(status_message, Keep) else status_message,
        )  # fmt: skip

    @property
    def cost(self) -> float:
        """MAAS's allocation cost: ``cpu_count + memory / 1024``, cheapest first."""
        return self.cores + self.memory / 1024

    @property
    def cost_key(self) -> int:
        """``cost * 1024`` as an exact integer, so equal costs compare equal."""
        return self.cores * 1024 + self.memory

    @property
    def arch_name(self) -> str:
        """The architecture without its subarchitecture, as Juju reports it."""
        return self.arch.partition('/')[0]

    @property
    def boot_disk(self) -> Disk | None:
        """The disk holding ``/`` under the default layout."""
        for disk in self.disks:
            if disk.boot:
                return disk
        return self.disks[0] if self.disks else None

    @property
    def storage(self) -> int:
        """Total block-device capacity in bytes."""
        return sum(disk.size for disk in self.disks)
