"""A simulated machine's hardware as the pool describes it: disks and network interfaces.

The pool (:mod:`orchestrator.cloud`) gives each machine its disks (:class:`BlockDevice`) and
interfaces (:class:`NetworkDevice`) when it is deployed; :class:`MachineDevices` is the part of
:class:`~orchestrator.sim.host.SimHost` that keeps them, and :func:`disk_identity` says what udev
and the disk's firmware make of a disk (``/dev/disk/by-id`` links, model, serial, WWN).
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

__all__ = [
    'DISK_BY_ID',
    'NETWORK_DEVICE_TYPES',
    'SIM_DISK_MODEL',
    'BlockDevice',
    'DiskIdentity',
    'MachineDevices',
    'NetworkDevice',
    'disk_identity',
    'maas_id_path',
    'udev_escape',
]


@dataclass(frozen=True)
class BlockDevice:
    """A physical disk of a simulated machine, as the pool describes it.

    Attributes:
        name: the kernel name (``sda``, ``nvme0n1``).
        size: bytes.
        boot: the disk the deployed system lives on (partitioned, ``/`` mounted); the others
            are blank, which is what a storage charm looks for.
        rotational: a spinning disk (the pool's ``rotary`` tag), as ``lsblk``'s ROTA says.
        model: the model its firmware reports, as the pool records it ('' = not recorded: the
            simulation's :data:`SIM_DISK_MODEL`).
        serial: its serial number ('' = not recorded: derived from the host and kernel names).
        wwn: its World Wide Name (``0x5…``, ``eui.…``; '' = not recorded: derived likewise).
        id_path: MAAS's ``id_path`` for it (``/dev/disk/by-id/X`` or ``/dev/NAME``; '' = not
            recorded: derived, see :func:`maas_id_path`).
    """

    name: str
    size: int
    boot: bool = False
    rotational: bool = False
    model: str = ''
    serial: str = ''
    wwn: str = ''
    id_path: str = ''

    def to_json(self) -> dict[str, Any]:
        """JSON-able form, as kept in the machine's state (identity fields only when given)."""
        data: dict[str, Any] = {
            'name': self.name,
            'size': self.size,
            'boot': self.boot,
            'rotational': self.rotational,
        }
        for key in ('model', 'serial', 'wwn', 'id_path'):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BlockDevice:
        """Rebuild from :meth:`to_json` (state dumped before disks had identities loads too)."""
        return cls(
            str(data['name']),
            int(data['size']),
            bool(data['boot']),
            bool(data['rotational']),
            str(data.get('model', '')),
            str(data.get('serial', '')),
            str(data.get('wwn', '')),
            str(data.get('id_path', '')),
        )

    @property
    def partitions(self) -> tuple[tuple[int, str], ...]:
        """(number, kernel name) of its partitions: the boot disk's ESP and root, else none.

        The kernel names a partition of a disk whose name ends in a digit with a ``p``
        (``nvme0n1p1``), others by appending the number (``sda1``).
        """
        if not self.boot:
            return ()
        sep = 'p' if self.name[-1].isdigit() else ''
        return ((1, f'{self.name}{sep}1'), (2, f'{self.name}{sep}2'))


NETWORK_DEVICE_TYPES = ('physical', 'bond', 'bridge', 'vlan')
"""The kinds of :class:`NetworkDevice` (MAAS's interface types a deployed machine has)."""


@dataclass(frozen=True)
class NetworkDevice:
    """A network interface of a simulated machine, as the pool describes it.

    The pool's MAAS interface (:class:`orchestrator.cloud.network.Interface`) as the deployed
    machine's kernel has it: ``ip``, ``/sys/class/net`` and keepalived show these.

    Attributes:
        name: the kernel name (``eno1``, ``bond0``, ``br-ex``, ``bond0.30``).
        type: ``'physical'``, ``'bond'``, ``'bridge'`` or ``'vlan'``.
        mac: its MAC address (MAAS gives a bond, bridge or VLAN its first parent's).
        parents: a bond's members, a bridge's ports, a VLAN's device; none for a NIC.
        vid: a VLAN interface's 802.1Q id (0 otherwise).
        mtu: its MTU.
        addresses: its addresses as ``ip/prefixlen``, in the order of its MAAS links.
    """

    name: str
    type: str
    mac: str
    parents: tuple[str, ...] = ()
    vid: int = 0
    mtu: int = 1500
    addresses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in NETWORK_DEVICE_TYPES:
            raise ValueError(
                f'interface {self.name!r}: type {self.type!r} is not one of {NETWORK_DEVICE_TYPES}'
            )
        for address in self.addresses:
            if '/' not in address:
                raise ValueError(f'interface {self.name!r}: {address!r} is not ip/prefixlen')
            ipaddress.ip_interface(address)  # ValueError for a malformed one

    def to_json(self) -> dict[str, Any]:
        """JSON-able form, as kept in the machine's state."""
        return {
            'name': self.name,
            'type': self.type,
            'mac': self.mac,
            'parents': list(self.parents),
            'vid': self.vid,
            'mtu': self.mtu,
            'addresses': list(self.addresses),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NetworkDevice:
        """Rebuild from :meth:`to_json`."""
        return cls(
            str(data['name']),
            str(data['type']),
            str(data['mac']),
            tuple(str(p) for p in cast('list[object]', data.get('parents', []))),
            int(data.get('vid', 0)),
            int(data.get('mtu', 1500)),
            tuple(str(a) for a in cast('list[object]', data.get('addresses', []))),
        )

    @property
    def ips(self) -> tuple[str, ...]:
        """Its IP addresses without the prefix, in link order."""
        return tuple(str(ipaddress.ip_interface(a).ip) for a in self.addresses)


DISK_BY_ID = '/dev/disk/by-id'
"""Where udev puts a disk's persistent links (systemd ``60-persistent-storage.rules``)."""
SIM_DISK_MODEL = 'SIMULATED DISK'
"""The model every simulated disk reports (sysfs ``device/model``): labelled as simulation."""


@dataclass(frozen=True)
class DiskIdentity:
    """What a disk's firmware and udev say about it: model, serial, WWN, ``by-id`` links.

    The pool records a real disk's model, serial, WWN and MAAS ``id_path``; what it does not
    record, the simulation derives from the machine's host name and the kernel name (a
    digest), so it is the same every time the pool deploys the machine. The links follow
    systemd's ``rules.d/60-persistent-storage.rules`` (systemd/systemd, as Ubuntu 24.04's
    systemd 255 ships it): a SATA disk ``sdX`` has ``ata-<MODEL>_<SERIAL>`` (``ata_id``'s
    ``ID_BUS-ID_SERIAL``, whitespace as ``_``) and ``wwn-<WWN>`` (``ID_WWN_WITH_EXTENSION``);
    an NVMe namespace ``nvmeXnY`` has ``nvme-<WWN>`` (sysfs ``wwid``), ``nvme-<MODEL>_<SERIAL>``
    and ``nvme-<MODEL>_<SERIAL>_<NSID>`` (``string_escape=replace``); a virtio disk ``vdX``
    ``virtio-<SERIAL>`` when it has a serial (a derived ``vd`` disk has none: vMAAS gives it no
    serial; assumption: a pool's ``vd`` disks are virtio without ``serial=`` unless the pool
    records one); partitions add ``-partN`` to each. A link the pool's ``id_path`` names that
    these rules do not make (a SAS disk's ``scsi-…``, say) is there too: the pool recorded it
    from the real machine. ``by-path`` links are not modelled.

    Attributes:
        model: sysfs ``device/model`` ('' for a disk without one).
        serial: the serial number ('' for none).
        wwn: lsblk's WWN (``0x5…`` or ``eui.…``; '' for none).
        links: the whole disk's ``/dev/disk/by-id`` names in directory (byte) order.
        recorded: the link MAAS commissioning recorded as the disk's ``id_path`` ('' when the
            pool records none, or a ``/dev/NAME`` one).
    """

    model: str
    serial: str
    wwn: str
    links: tuple[str, ...]
    recorded: str = ''

    @property
    def device_id(self) -> str:
        """LXD's ``DeviceID`` of the disk: the last ``by-id`` link that resolves to it.

        canonical/lxd ``lxd/resources/storage.go`` (``GetStorage``) walks ``/dev/disk/by-id``
        in ``os.ReadDir`` order (sorted by name) and keeps overwriting ``disk.DeviceID`` with
        each link whose target is the disk, so the last one wins. MAAS commissioning and
        MicroCeph both read disks through that code, so both name a disk by it. When the pool
        recorded MAAS's ``id_path``, that link is the one LXD found last on the real machine
        (whose links the simulation may not all model), so it is the ``DeviceID``.
        """
        if self.recorded:
            return self.recorded
        return self.links[-1] if self.links else ''

    @property
    def id_link(self) -> str:
        """Lsblk's ``ID-LINK``: "the shortest udev /dev/disk/by-id link name" ('' for none)."""
        return min(self.links, key=lambda link: (len(link), link)) if self.links else ''


def udev_escape(text: str) -> str:
    """A udev property as a ``by-id`` link name carries it: whitespace runs as one ``_``.

    systemd ``src/shared/udev-util.c`` ``udev_replace_whitespace`` (leading and trailing
    whitespace dropped, each run inside made one ``_``), then ``udev_replace_chars``: a
    character outside ``0-9A-Za-z#+-.:=@_`` becomes ``_`` (``ata_id`` for ``ID_SERIAL``, the
    NVMe rules with ``string_escape=replace``). Assumption: non-ASCII model strings (which
    udev would pass as valid UTF-8) do not occur in a pool.
    """
    collapsed = '_'.join(text.split())
    return re.sub(r'[^0-9A-Za-z#+\-.:=@_]', '_', collapsed)


def disk_identity(hostname: str, disk: str | BlockDevice) -> DiskIdentity:
    """The model, serial, WWN and ``by-id`` links of ``disk`` of machine ``hostname``.

    ``disk`` is a :class:`BlockDevice` (the pool's values win) or a bare kernel name (all
    derived, as for a pool that records no identity).
    """
    given = disk if isinstance(disk, BlockDevice) else BlockDevice(disk, 0)
    name = given.name
    digest = hashlib.sha256(f'olm-sim-disk\0{hostname}\0{name}'.encode()).hexdigest()
    model = given.model or SIM_DISK_MODEL
    serial = given.serial or f'SIM{digest[:12].upper()}'
    links: list[str] = []
    if re.fullmatch(r'sd[a-z]+', name):
        wwn = given.wwn or f'0x5{digest[12:27]}'
        links = [f'ata-{udev_escape(model)}_{udev_escape(serial)}', f'wwn-{wwn}']
    elif match := re.fullmatch(r'nvme\d+n(\d+)', name):
        wwn = given.wwn or f'eui.{digest[12:28]}'
        stem = f'nvme-{udev_escape(model)}_{udev_escape(serial)}'
        links = [stem, f'{stem}_{match[1]}', f'nvme-{wwn}']
    elif re.fullmatch(r'vd[a-z]+', name) and given.serial:
        model, wwn = given.model, given.wwn
        links = [f'virtio-{udev_escape(serial)}']
    else:
        model, serial, wwn = given.model, given.serial, given.wwn
    recorded = ''
    if given.id_path.startswith(f'{DISK_BY_ID}/'):
        recorded = given.id_path[len(DISK_BY_ID) + 1 :]
        links.append(recorded)
    return DiskIdentity(model, serial, wwn, tuple(sorted(set(links))), recorded)


def maas_id_path(hostname: str, disk: str | BlockDevice) -> str:
    """The ``id_path`` MAAS commissioning records for a disk, which Juju reports as its location.

    The pool's ``id_path`` when it records one. Otherwise MAAS 3.6 (canonical/maas
    ``src/metadataserver/builtin_scripts/hooks.py``, ``update_node_physical_block_devices``):
    ``/dev/disk/by-id/<device_id>`` (LXD's ``DeviceID``) when the disk has both a device id
    and a serial, else ``/dev/<name>``.
    Juju's MAAS provider (juju/juju ``provider/maas/volumes.go``, ``maasInstance.volumes``)
    turns a ``/dev/disk/by-id/wwn-X`` id_path into the volume's WWN, another
    ``/dev/disk/by-id/X`` into its hardware id and ``/dev/<name>`` into its device name, and
    ``core/blockdevice/path.go`` ``BlockDevicePath`` maps them back to
    ``/dev/disk/by-id/wwn-X``, ``/dev/disk/by-id/X`` and ``/dev/<name>``: ``storage-get
    location`` is the id_path itself.

    Args:
        hostname: the machine's host name.
        disk: the pool's disk, or a bare kernel name (no recorded identity).
    """
    if isinstance(disk, BlockDevice) and disk.id_path:
        return disk.id_path
    identity = disk_identity(hostname, disk)
    name = disk.name if isinstance(disk, BlockDevice) else disk
    if identity.device_id and identity.serial:
        return f'{DISK_BY_ID}/{identity.device_id}'
    return f'/dev/{name}'


class MachineDevices:
    """The disks and network interfaces of a machine, kept in its per-program state.

    A mixin of :class:`~orchestrator.sim.host.SimHost`: the pool gives them when the machine is
    deployed and they do not change afterwards.
    """

    state: dict[str, Any]
    version: int
    _hostname: str

    @property
    def block_devices(self) -> list[BlockDevice]:
        """The machine's disks, boot disk first (none for a machine added without any)."""
        kept = cast('list[dict[str, Any]]', self.state.get('block-devices', []))
        return [BlockDevice.from_json(d) for d in kept]

    def disk_identity(self, disk: BlockDevice) -> DiskIdentity:
        """The model, serial, WWN and ``/dev/disk/by-id`` links of one of its disks.

        The pool's values where it records them (:func:`disk_identity`), derived otherwise.
        """
        return disk_identity(self._hostname, disk)

    def block_device_at(self, path: str) -> tuple[BlockDevice, int] | None:
        """The disk a device path leads to and the partition number (0: the whole disk).

        ``/dev/NAME``, a partition's ``/dev/NAMEN`` and the ``/dev/disk/by-id`` links (with
        ``-partN`` for partitions) are followed as ``stat`` follows a symlink; anything else
        (another path, a missing device) is None.
        """
        for disk in self.block_devices:
            if path == f'/dev/{disk.name}':
                return disk, 0
            for number, name in disk.partitions:
                if path == f'/dev/{name}':
                    return disk, number
            if not path.startswith(f'{DISK_BY_ID}/'):
                continue
            link = path[len(DISK_BY_ID) + 1 :]
            for known in self.disk_identity(disk).links:
                if link == known:
                    return disk, 0
                for number, _ in disk.partitions:
                    if link == f'{known}-part{number}':
                        return disk, number
        return None

    def set_block_devices(self, disks: Sequence[BlockDevice]) -> None:
        """Give the machine its disks (when it is deployed; they do not change afterwards)."""
        self.version += 1
        if disks:
            self.state['block-devices'] = [d.to_json() for d in disks]
        else:
            self.state.pop('block-devices', None)

    def by_id_links(self) -> list[str]:
        """The names in ``/dev/disk/by-id``: each disk's links, with ``-partN`` for partitions."""
        names: set[str] = set()
        for disk in self.block_devices:
            for link in self.disk_identity(disk).links:
                names.add(link)
                names.update(f'{link}-part{number}' for number, _ in disk.partitions)
        return sorted(names)

    @property
    def network_devices(self) -> list[NetworkDevice]:
        """The machine's network interfaces in the pool's order (none: the default ``eth0``).

        A machine added without interfaces has ``lo`` and ``eth0`` carrying its addresses (or
        the names ``state['iproute']['interfaces']`` gives), see :mod:`.programs.iproute`.
        """
        kept = cast('list[dict[str, Any]]', self.state.get('network-devices', []))
        return [NetworkDevice.from_json(d) for d in kept]

    def set_network_devices(self, devices: Sequence[NetworkDevice]) -> None:
        """Give the machine its network interfaces (when it is deployed).

        Raises:
            ValueError: two interfaces share a name, or one sits on an interface the machine
                does not have.
        """
        names = [d.name for d in devices]
        if len(set(names)) != len(names):
            raise ValueError(f'interface names repeat: {names}')
        for device in devices:
            missing = [p for p in device.parents if p not in names]
            if missing:
                raise ValueError(f'interface {device.name!r} sits on missing {missing}')
        self.version += 1
        if devices:
            self.state['network-devices'] = [d.to_json() for d in devices]
        else:
            self.state.pop('network-devices', None)
