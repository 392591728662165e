"""SimHost: a simulated machine behind the :class:`metal_host.Host` seam.

A SimHost keeps an in-memory filesystem and per-program state, and runs programs by looking
their base name up in its World's program table. Everything a charm sees through it — return
values, exit statuses, error types and messages — matches what :class:`metal_host.LocalHost`
gives on a real machine, down to the argv of the convenience methods (``snap_install`` runs
``snap install NAME ...`` through :meth:`SimHost.run`, so faults and programs see exactly what a
real machine would run).

It is a simulation and says so: its ``repr`` and the version output of every program it runs
carry the :data:`SIMULATED` label.
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import logging
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import metal_host
from metal_host import (
    CommandError,
    CommandTimeoutError,
    Completed,
    FileEntry,
    FileOperationError,
    MissingFileError,
    RetryPolicy,
    StrPath,
    _commands,  # the very argv LocalHost runs, so the simulation cannot drift from it
)
from metal_host._protocol import machine_path

if TYPE_CHECKING:
    from .world import World

__all__ = [
    'DEFAULT_ENV',
    'DISK_BY_ID',
    'NETWORK_DEVICE_TYPES',
    'SIMULATED',
    'BlockDevice',
    'CommandRecord',
    'DiskIdentity',
    'Handler',
    'Invocation',
    'NetworkDevice',
    'SimHost',
    'disk_identity',
    'maas_id_path',
    'udev_escape',
]

logger = logging.getLogger(__name__)

SIMULATED = 'simulated machine'
"""The label every simulated thing carries: a SimHost's repr, every program's version output,
the persisted state. Nothing here may ever pass for a real machine."""

DEFAULT_ENV: Mapping[str, str] = {
    'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin',
    'LANG': 'C.UTF-8',
}
"""The environment a program sees on a simulated machine, before a command's own additions
(``DEBIAN_FRONTEND`` for apt-get)."""

_NOT_FOUND = 127  # what a shell, and LocalHost, report for a program that is not there
_KILLED = -9  # what subprocess reports for a program killed by SIGKILL after its timeout
_FORMAT = 1


class CommandRecord(NamedTuple):
    """One program run on a SimHost, as kept in :attr:`SimHost.history`.

    Attributes:
        argv: the command (Sensitive arguments stay Sensitive, so a log can redact them).
        returncode: its exit status; 127 when no such program exists, -9 when it was killed
            for outliving its timeout.
    """

    argv: tuple[str, ...]
    returncode: int


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


@dataclass(frozen=True)
class Invocation:
    """What a program handler is given: one run of one program on one machine.

    Attributes:
        host: the machine it runs on (its files and per-program state).
        world: the World, for facts shared between machines.
        argv: the command line; ``argv[0]`` as the caller wrote it.
        input: the text on its standard input (None: empty).
        env: its environment (the machine's defaults plus the command's additions).
        timeout: the caller's timeout in seconds, or None.
    """

    host: SimHost
    world: World
    argv: tuple[str, ...]
    input: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENV))
    timeout: float | None = None

    @property
    def program(self) -> str:
        """The program's base name (``'snap'`` for ``/usr/bin/snap``)."""
        return posixpath.basename(self.argv[0])

    @property
    def args(self) -> tuple[str, ...]:
        """The arguments after the program name."""
        return self.argv[1:]

    def result(self, stdout: str = '', stderr: str = '', returncode: int = 0) -> Completed:
        """A :class:`~metal_host.Completed` for this invocation."""
        return Completed(self.argv, returncode, stdout, stderr)


Handler = Callable[[Invocation], Completed]
"""A simulated program: takes an :class:`Invocation`, returns what the program printed and its
exit status (a non-zero status is returned, not raised; the Host applies ``check``). It may
raise :class:`~metal_host.CommandTimeoutError` to simulate a hang."""


class SimHost(metal_host.ProgramHost):
    """A simulated machine; implements :class:`metal_host.Host` exactly.

    Make one with :meth:`orchestrator.sim.World.add_machine`, never directly. Programs run as
    LocalHost runs real ones (the retries and the snap/apt-get/systemctl verbs are the same
    :class:`metal_host.ProgramHost` code): a program is looked up by base name in the World's
    program table, a missing one fails with exit status 127 and ``NAME: No such file or
    directory``, armed faults apply first, and transient failures retry under the World's
    policy, waiting with the World's ``sleep``. Beyond the Host
    protocol it offers what tests and emulated programs need: :attr:`files`,
    :attr:`directories`, per-program :attr:`state`, the command :attr:`history`, :meth:`call`
    for one program to run another, and small filesystem helpers.

    Attributes:
        machine_id: the machine's id in its World (a Juju machine id such as ``'0'``).
        files: path → file, for every regular file on the machine.
        directories: directories that exist without holding any file.
        state: per-program state, namespaced by program (``state['snap']``); JSON-able.
        history: every program run through :meth:`run` (each attempt, retries included), in
            order. Kept for the running process only; it is not part of the dumped state.
    """

    def __init__(
        self,
        world: World,
        machine_id: str,
        *,
        hostname: str,
        addresses: Sequence[str],
    ) -> None:
        self.world = world
        self.machine_id = machine_id
        self._log_prefix = f'{machine_id}: '
        self._hostname = hostname
        self._addresses = list(addresses)
        self.files: dict[str, FileEntry] = {}
        self.directories: set[str] = set()
        self.state: dict[str, Any] = {}
        self.history: list[CommandRecord] = []
        self.version = 0
        """Counts what may have changed the machine (a program run, a file or directory written
        or removed, a user added, program state handed out), so that a caller who saw it not
        move knows the machine's dump would be the same as before."""

    def __repr__(self) -> str:
        return f'<SimHost {self.machine_id!r} hostname={self._hostname!r} ({SIMULATED})>'

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

    # -- programs ------------------------------------------------------------------------------

    @property
    def retry_policy(self) -> RetryPolicy:
        """The World's retry policy: transient failures retry as on a real machine."""
        return self.world.retry

    def _sleep_between(self, seconds: float) -> None:
        self.world.sleep(seconds)

    def call(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        """Run a program from inside another one (systemd running ``ExecStartPre=``).

        Unlike :meth:`run` it never raises for an exit status, does not retry and is not
        recorded in :attr:`history` (which holds what the charm ran). Faults still apply.

        Raises:
            CommandTimeoutError: a slow fault outlived ``timeout``.
        """
        args = _commands.argv_tuple(argv)
        return self._attempt(args, input, timeout, env, record=False)

    def _once(
        self,
        argv: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
    ) -> Completed:
        result = self._attempt(argv, input, timeout, env, record=True)
        if result.returncode != 0:
            raise CommandError(argv, result.returncode, result.stdout, result.stderr)
        return result

    def _attempt(
        self,
        args: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
        *,
        record: bool,
    ) -> Completed:
        """One run of one program: faults, then the handler.

        A non-zero exit status is returned, never raised.
        """
        program = posixpath.basename(args[0])
        self.world.activity += 1
        self.version += 1
        faults = self.world.faults
        slow = faults.slow(program, self.machine_id, args[1:])
        if slow is not None:
            if timeout is not None and slow.delay > timeout:
                self.world.sleep(timeout)
                if record:
                    self.history.append(CommandRecord(args, _KILLED))
                raise CommandTimeoutError(args, timeout)
            self.world.sleep(slow.delay)
        failure = faults.take_failure(program, self.machine_id, args[1:])
        if failure is not None:
            result = Completed(args, failure.returncode, '', failure.stderr)
        else:
            result = self._dispatch(program, args, input, timeout, env, record)
        if record:
            self.history.append(CommandRecord(args, result.returncode))
        return result

    def _dispatch(
        self,
        program: str,
        args: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
        record: bool,
    ) -> Completed:
        handler = self.world.programs.get(program)
        if handler is None:
            return Completed(args, _NOT_FOUND, '', f'{args[0]}: No such file or directory')
        invocation = Invocation(
            self, self.world, args, input, {**DEFAULT_ENV, **(env or {})}, timeout
        )
        try:
            result = handler(invocation)
        except CommandTimeoutError:
            if record:
                self.history.append(CommandRecord(args, _KILLED))
            raise
        except CommandError as error:  # a handler may raise rather than return a failure
            return Completed(args, error.returncode, error.stdout, error.stderr)
        return Completed(args, result.returncode, result.stdout, result.stderr)

    # -- files ---------------------------------------------------------------------------------

    def read_text(self, path: StrPath) -> str:
        """The file's content (see :meth:`metal_host.Host.read_text`)."""
        name = machine_path(path)
        entry = self.files.get(name)
        if entry is not None:
            return entry.content
        if self._under_file(name):
            raise FileOperationError('read', name, 'Not a directory')
        if self.is_dir(name):
            raise FileOperationError('read', name, 'Is a directory')
        raise MissingFileError('read', name, 'no such file')

    def write_text(
        self,
        path: StrPath,
        content: str,
        *,
        mode: int = 0o644,
        owner: str | None = None,
        group: str | None = None,
    ) -> bool:
        """Write a file, only if it changes (see :meth:`metal_host.Host.write_text`).

        As on a real machine, a new file belongs to root unless ``owner``/``group`` say
        otherwise, and naming a user or group the machine does not have fails (packages add
        their users: ``haproxy`` exists once the haproxy package is installed).
        """
        if not 0 <= mode <= 0o7777:
            raise ValueError(f'mode must be a permission mode such as 0o644, got {mode:#o}')
        name = machine_path(path)
        content.encode('utf-8')  # LocalHost encodes before writing; fail the same way
        user = self._account(owner, name, 'user', self.users())
        grp = self._account(group, name, 'group', self.groups())
        if self._under_file(name):
            raise FileOperationError('write', name, 'Not a directory')
        if name == '/' or self.is_dir(name):
            raise FileOperationError('write', name, 'Is a directory')
        old = self.files.get(name)
        new = FileEntry(
            content,
            mode,
            user if user is not None else (old.owner if old else 'root'),
            grp if grp is not None else (old.group if old else 'root'),
        )
        if new == old:
            return False
        self.files[name] = new
        self.version += 1
        return True

    def remove(self, path: StrPath) -> bool:
        """Remove a file; False if it was not there (see :meth:`metal_host.Host.remove`)."""
        self.version += 1
        name = machine_path(path)
        if self.files.pop(name, None) is not None:
            return True
        if self._under_file(name):
            raise FileOperationError('remove', name, 'Not a directory')
        if name == '/' or self.is_dir(name):
            raise FileOperationError('remove', name, 'Is a directory')
        return False

    def exists(self, path: StrPath) -> bool:
        """Whether the file or directory exists (a disk's device node or by-id link too)."""
        name = machine_path(path)
        if name in self.files or self.is_dir(name):
            return True
        return name.startswith('/dev/') and self.block_device_at(name) is not None

    def is_dir(self, path: StrPath) -> bool:
        """Whether ``path`` is a directory: explicit, or holding a file or directory.

        ``/dev/disk/by-id`` is one while the machine has a disk with a link there.
        """
        name = machine_path(path)
        if name == '/' or name in self.directories:
            return True
        if name in ('/dev/disk', DISK_BY_ID) and self.by_id_links():
            return True
        prefix = name + '/'
        return any(p.startswith(prefix) for p in self.files) or any(
            d.startswith(prefix) for d in self.directories
        )

    def mkdir(self, path: StrPath) -> None:
        """Create a directory and its parents (``mkdir -p``).

        Raises:
            FileOperationError: a file is in the way.
        """
        self.version += 1
        name = machine_path(path)
        if name in self.files or self._under_file(name):
            raise FileOperationError('mkdir', name, 'File exists')
        if name != '/':
            self.directories.add(name)

    def remove_tree(self, path: StrPath) -> None:
        """Remove a directory and everything under it (``rm -rf``); nothing if absent."""
        self.version += 1
        name = machine_path(path)
        prefix = name.rstrip('/') + '/'
        for file in [p for p in self.files if p == name or p.startswith(prefix)]:
            del self.files[file]
        self.directories = {d for d in self.directories if not (d == name or d.startswith(prefix))}

    def listdir(self, path: StrPath) -> list[str]:
        """The names directly inside a directory, sorted ([] if it does not exist)."""
        prefix = machine_path(path).rstrip('/') + '/'
        names = {
            p[len(prefix) :].split('/', 1)[0]
            for p in (*self.files, *self.directories)
            if p.startswith(prefix)
        }
        links = self.by_id_links() if prefix in ('/dev/', '/dev/disk/', f'{DISK_BY_ID}/') else []
        if links:
            names.update({'/dev/': ['disk'], '/dev/disk/': ['by-id']}.get(prefix, links))
        if prefix == '/dev/':
            for disk in self.block_devices:
                names.add(disk.name)
                names.update(name for _, name in disk.partitions)
        return sorted(names)

    def _under_file(self, name: str) -> bool:
        """Whether some ancestor of ``name`` is a regular file."""
        parent = posixpath.dirname(name)
        while parent not in ('/', ''):
            if parent in self.files:
                return True
            parent = posixpath.dirname(parent)
        return False

    def _account(
        self, name: str | None, path: str, kind: str, known: Mapping[str, int]
    ) -> str | None:
        """A user or group name to store: numeric ids map to names when the machine has one."""
        if name is None:
            return None
        if name.isdigit():
            return next((n for n, i in known.items() if i == int(name)), name)
        if name not in known:
            raise FileOperationError('write', path, f'no {kind} named {name!r}')
        return name

    # -- accounts --------------------------------------------------------------------------------

    def users(self) -> dict[str, int]:
        """User name → uid, from the machine's ``/etc/passwd``."""
        return _accounts(self.files.get('/etc/passwd'), uid_field=2)

    def groups(self) -> dict[str, int]:
        """Group name → gid, from the machine's ``/etc/group``."""
        return _accounts(self.files.get('/etc/group'), uid_field=2)

    def add_system_user(self, name: str, *, home: str = '/nonexistent', gecos: str = '') -> int:
        """Add a system user with a group of the same name, as ``adduser --system --group``.

        Nothing happens when the user exists. The uid and gid are the first free ones from
        100, as adduser picks them.

        Returns:
            The user's uid.
        """
        self.version += 1
        users = self.users()
        if name in users:
            return users[name]
        groups = self.groups()
        uid = next(i for i in range(100, 1000) if i not in users.values())
        gid = groups.get(name)
        if gid is None:
            gid = next(i for i in range(100, 1000) if i not in groups.values())
            self._append('/etc/group', f'{name}:x:{gid}:\n')
        self._append('/etc/passwd', f'{name}:x:{uid}:{gid}:{gecos}:{home}:/usr/sbin/nologin\n')
        return uid

    def _append(self, path: str, line: str) -> None:
        entry = self.files.get(path)
        text = entry.content if entry is not None else ''
        if text and not text.endswith('\n'):
            text += '\n'
        self.write_text(path, text + line, mode=entry.mode if entry else 0o644)

    # -- identity --------------------------------------------------------------------------------

    def hostname(self) -> str:
        """The host name the machine was added with."""
        return self._hostname

    def addresses(self) -> list[str]:
        """The machine's addresses, IPv4 first (see :meth:`metal_host.Host.addresses`).

        A machine with network interfaces has the addresses of all of them, in the order
        ``ip -j address`` lists them, as LocalHost reads them (IPv4 first, otherwise in
        order); one without has those it was added with. Deviation: a keepalived VIP the
        machine holds is not among them (LocalHost would list it after the machine's own).
        """
        devices = self.network_devices
        if not devices:
            return list(self._addresses)
        found = list(dict.fromkeys(ip for d in devices for ip in d.ips))
        return sorted(found, key=lambda a: ipaddress.ip_address(a).version)

    # -- per-program state ------------------------------------------------------------------------

    def namespace(self, program: str) -> dict[str, Any]:
        """The program's slice of :attr:`state`, created empty on first use."""
        self.version += 1
        return cast('dict[str, Any]', self.state.setdefault(program, {}))

    # -- persistence ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Everything that makes this machine what it is, JSON-able (not the history)."""
        return {
            'format': _FORMAT,
            'label': SIMULATED,
            'machine_id': self.machine_id,
            'hostname': self._hostname,
            'addresses': list(self._addresses),
            'files': {
                path: [entry.content, entry.mode, entry.owner, entry.group]
                for path, entry in sorted(self.files.items())
            },
            'directories': sorted(self.directories),
            'state': self.state,
        }

    @classmethod
    def from_json(cls, world: World, data: Mapping[str, Any]) -> SimHost:
        """Rebuild a machine from :meth:`to_json`'s output.

        Raises:
            KeyError, TypeError, ValueError: the data is not a dumped machine.
        """
        if data.get('format') != _FORMAT:
            raise ValueError(f'unsupported machine state format {data.get("format")!r}')
        host = cls(
            world,
            str(data['machine_id']),
            hostname=str(data['hostname']),
            addresses=[str(a) for a in cast('list[object]', data['addresses'])],
        )
        files = cast('dict[str, list[Any]]', data['files'])
        for path, (content, mode, owner, group) in files.items():
            host.files[str(path)] = FileEntry(str(content), int(mode), owner, group)
        host.directories = {str(d) for d in cast('list[object]', data['directories'])}
        host.state = dict(cast('dict[str, Any]', data['state']))
        return host

    def provision(self) -> None:
        """Lay down what a freshly deployed Ubuntu 24.04 machine has on disk."""
        self.version += 1
        for path, content in _base_files(self._hostname).items():
            self.files[path] = FileEntry(content, 0o644, 'root', 'root')
        self.directories.update(_BASE_DIRECTORIES)


def _accounts(entry: FileEntry | None, *, uid_field: int) -> dict[str, int]:
    found: dict[str, int] = {'root': 0}
    if entry is None:
        return found
    for line in entry.content.splitlines():
        fields = line.split(':')
        if len(fields) > uid_field and fields[uid_field].isdigit():
            found[fields[0]] = int(fields[uid_field])
    return found


_BASE_DIRECTORIES = frozenset(
    {
        '/bin',
        '/boot',
        '/dev',
        '/etc/apt',
        '/etc/default',
        '/etc/systemd/system',
        '/home/ubuntu',
        '/opt',
        '/proc',
        '/root',
        '/run',
        '/snap/bin',
        '/srv',
        '/sys',
        '/tmp',  # noqa: S108  # a simulated machine's directory, not a file we write
        '/usr/bin',
        '/usr/lib/systemd/system',
        '/usr/local/bin',
        '/usr/sbin',
        '/var/cache',
        '/var/lib/dpkg',
        '/var/lib/snapd',
        '/var/log',
        '/var/snap',
        '/var/tmp',  # noqa: S108  # likewise
    }
)

_USERS = (
    ('root', 0, 0, 'root', '/root', '/bin/bash'),
    ('daemon', 1, 1, 'daemon', '/usr/sbin', '/usr/sbin/nologin'),
    ('bin', 2, 2, 'bin', '/bin', '/usr/sbin/nologin'),
    ('sys', 3, 3, 'sys', '/dev', '/usr/sbin/nologin'),
    ('sync', 4, 65534, 'sync', '/bin', '/bin/sync'),
    ('man', 6, 12, 'man', '/var/cache/man', '/usr/sbin/nologin'),
    ('mail', 8, 8, 'mail', '/var/mail', '/usr/sbin/nologin'),
    ('proxy', 13, 13, 'proxy', '/bin', '/usr/sbin/nologin'),
    ('www-data', 33, 33, 'www-data', '/var/www', '/usr/sbin/nologin'),
    ('backup', 34, 34, 'backup', '/var/backups', '/usr/sbin/nologin'),
    ('_apt', 42, 65534, '', '/nonexistent', '/usr/sbin/nologin'),
    ('nobody', 65534, 65534, 'nobody', '/nonexistent', '/usr/sbin/nologin'),
    ('systemd-network', 998, 998, 'systemd Network Management', '/', '/usr/sbin/nologin'),
    ('systemd-timesync', 996, 996, 'systemd Time Synchronization', '/', '/usr/sbin/nologin'),
    ('messagebus', 100, 101, '', '/nonexistent', '/usr/sbin/nologin'),
    ('syslog', 101, 102, '', '/nonexistent', '/usr/sbin/nologin'),
    ('sshd', 102, 65534, '', '/run/sshd', '/usr/sbin/nologin'),
    ('ubuntu', 1000, 1000, 'Ubuntu', '/home/ubuntu', '/bin/bash'),
)

_GROUPS = (
    ('root', 0),
    ('daemon', 1),
    ('bin', 2),
    ('sys', 3),
    ('adm', 4),
    ('tty', 5),
    ('disk', 6),
    ('mail', 8),
    ('man', 12),
    ('proxy', 13),
    ('www-data', 33),
    ('backup', 34),
    ('systemd-journal', 999),
    ('systemd-network', 998),
    ('systemd-timesync', 996),
    ('messagebus', 101),
    ('syslog', 102),
    ('sudo', 27),
    ('users', 100),
    ('nogroup', 65534),
    ('ubuntu', 1000),
)

_OS_RELEASE = """\
# simulated machine (olm): an in-memory stand-in for Ubuntu 24.04, not a real installation
PRETTY_NAME="Ubuntu 24.04.2 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.2 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
"""


def _base_files(hostname: str) -> dict[str, str]:
    hosts = (
        '127.0.0.1 localhost\n'
        f'127.0.1.1 {hostname}\n'
        '\n'
        '# The following lines are desirable for IPv6 capable hosts\n'
        '::1 ip6-localhost ip6-loopback\n'
        'fe00::0 ip6-localnet\n'
        'ff00::0 ip6-mcastprefix\n'
        'ff02::1 ip6-allnodes\n'
        'ff02::2 ip6-allrouters\n'
    )
    passwd = ''.join(f'{n}:x:{u}:{g}:{c}:{h}:{s}\n' for n, u, g, c, h, s in _USERS)
    group = ''.join(f'{n}:x:{g}:{"ubuntu" if n in ("adm", "sudo") else ""}\n' for n, g in _GROUPS)
    return {
        '/etc/hostname': f'{hostname}\n',
        '/etc/hosts': hosts,
        '/etc/os-release': _OS_RELEASE,
        '/usr/lib/os-release': _OS_RELEASE,
        '/etc/passwd': passwd,
        '/etc/group': group,
        '/etc/environment': (
            'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:'
            '/usr/games:/usr/local/games:/snap/bin"\n'
        ),
    }


if TYPE_CHECKING:
    # SimHost satisfies the protocol, checked by pyright rather than by hope.
    from .world import World as _World

    _conforms: metal_host.Host = SimHost(_World(), '0', hostname='h', addresses=())
