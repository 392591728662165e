"""Machines as MAAS's JSON gives them (``GET machines/``), read into the pool's model."""

# pyright: strict

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import cast

from ..lifecycle import Status
from ..machine import Disk, Machine
from ..network import (
    Interface,
    Subnet,
)
from ._json import as_list, as_object, bad_field, get_int, get_optional_str, get_str, get_str_list
from ._network import read_interfaces

# Named for the package, as users and tests know it.
logger = logging.getLogger('orchestrator.cloud.maas')


def listed_machines(
    answer: object, subnets: Mapping[int, Subnet] | None = None, skipped: list[str] | None = None
) -> list[Machine]:
    """The machines of a ``GET machines/`` answer, leaving out those without an architecture.

    ``Node.architecture`` is ``null=True, blank=True`` (canonical/maas tag 3.6.5
    ``src/maasserver/models/node.py`` line 1086) and ``Node.split_arch`` reads a missing one
    as ``("", "")`` (line 4016): a machine enlisted but never commissioned has none. No image
    can be chosen for it and MAAS only allocates commissioned (Ready) machines, so it is of no
    use to a plan or a deploy; one such machine must not stop the listing of the others. It
    is left out with a warning (and a line in ``skipped``). Any other bad field still fails.
    """
    machines: list[Machine] = []
    for item in as_list(answer, 'machines'):
        data = as_object(item, 'machine')
        if not data.get('architecture'):
            where = f'machine "{data.get("hostname", "?")}" ({data.get("system_id", "?")})'
            note = f'{where} left out: MAAS knows no architecture for it (commission it first)'
            logger.warning('%s', note)
            if skipped is not None:
                skipped.append(note)
            continue
        machines.append(read_machine(data, subnets))
    return machines


def read_machine(value: object, subnets: Mapping[int, Subnet] | None = None) -> Machine:
    """One machine as MAAS's machine JSON describes it (``DISPLAYED_MACHINE_FIELDS``).

    With ``subnets`` (the region's, by MAAS id) every link must be to one of them and takes
    its CIDR and space from there; without, a link reads the subnet object MAAS embeds in it.
    """
    data = as_object(value, 'machine')
    system_id = get_str(data, 'system_id', 'machine')
    hostname = get_str(data, 'hostname', f'machine {system_id}')
    where = f'machine "{hostname}" ({system_id})'
    arch = get_str(data, 'architecture', where)
    if not arch:
        raise bad_field(where, 'architecture', arch, 'an architecture such as amd64/generic')
    memory = get_int(data, 'memory', where)
    interfaces = read_interfaces(data, where, subnets)
    return Machine(
        system_id=system_id,
        hostname=hostname,
        # MAAS names arch/subarch; a bare name (seen on hand-added machines) means /generic.
        arch=arch if '/' in arch else f'{arch}/generic',
        cores=get_int(data, 'cpu_count', where),
        memory=memory,
        disks=_disks(data, where),
        tags=frozenset(get_str_list(data, 'tag_names', where)),
        zone=_name(data, 'zone', where),
        pool=_name(data, 'pool', where),
        power_type=get_optional_str(data, 'power_type', where) or 'manual',
        address=_address(data, interfaces, where),
        interfaces=interfaces,
        spaces=frozenset(link.space for i in interfaces for link in i.links),
        status=_status(data, where),
        owner=get_optional_str(data, 'owner', where) or None,
        status_message=get_optional_str(data, 'status_message', where),
    )


def _status(data: Mapping[str, object], where: str) -> Status:
    value = data.get('status')
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return Status(value)
        except ValueError:
            pass
    # A status newer than olm's table: MAAS's label may still be one olm knows.
    label = data.get('status_name')
    if isinstance(label, str):
        try:
            return Status.from_label(label)
        except ValueError:
            pass
    known = f'a MAAS status {min(Status)}-{max(Status)} ({", ".join(s.label for s in Status)})'
    raise bad_field(where, 'status', f'{value!r} ({label!r})', known)


def _disks(data: Mapping[str, object], where: str) -> tuple[Disk, ...]:
    """Physical block devices, the boot disk first (``boot_disk`` is an object or an id).

    ``model``, ``serial`` and ``id_path`` are MAAS's (``PhysicalBlockDevice``, from
    commissioning's LXD resources; ``id_path`` may be null). MAAS stores no WWN: it is read off
    an ``id_path`` that is a WWN link (:func:`_wwn`), else left '' (unknown).
    """
    boot_id = data.get('boot_disk')
    if isinstance(boot_id, dict):
        boot_id = as_object(cast(object, boot_id), f'{where} boot_disk').get('id')
    if 'physicalblockdevice_set' in data:
        devices = as_list(data['physicalblockdevice_set'], f'{where} physicalblockdevice_set')
    else:
        devices = [
            d
            for d in as_list(data.get('blockdevice_set', []), f'{where} blockdevice_set')
            if as_object(d, f'{where} block device').get('type', 'physical') == 'physical'
        ]
    disks: list[Disk] = []
    for device in devices:
        item = as_object(device, f'{where} block device')
        name = get_str(item, 'name', f'{where} block device')
        here = f'{where} disk {name}'
        is_boot = boot_id is not None and item.get('id') == boot_id
        id_path = get_optional_str(item, 'id_path', here)
        disk = Disk(
            name,
            get_int(item, 'size', here),
            frozenset(get_str_list(item, 'tags', here)),
            is_boot,
            model=get_optional_str(item, 'model', here),
            serial=get_optional_str(item, 'serial', here),
            wwn=_wwn(id_path),
            id_path=id_path,
        )
        if is_boot:
            disks.insert(0, disk)
        else:
            disks.append(disk)
    return tuple(disks)


_BY_ID = '/dev/disk/by-id/'


def _wwn(id_path: str) -> str:
    """The WWN an ``id_path`` names, '' if it names none.

    MAAS sets ``id_path`` to ``/dev/disk/by-id/<device_id>`` from LXD's resources
    (canonical/maas ``src/metadataserver/builtin_scripts/hooks.py``,
    ``_update_node_physical_block_devices`` @ 3.6.5). udev's ``device_id`` is
    ``wwn-<wwn>`` for a SATA/SAS disk with a WWN and ``nvme-<wwn>`` for NVMe (``eui.`` and
    ``nvme.`` ids; see the pairs in ``builtin_scripts/tests/test_hooks.py``). Other links
    (``ata-<model>_<serial>``, ``/dev/sda`` for a disk without a serial) carry no WWN.
    """
    if not id_path.startswith(_BY_ID):
        return ''
    link = id_path.removeprefix(_BY_ID)
    if link.startswith('wwn-'):
        return link.removeprefix('wwn-')
    if link.startswith(('nvme-eui.', 'nvme-nvme.')):
        return link.removeprefix('nvme-')
    return ''


def _address(data: Mapping[str, object], interfaces: Sequence[Interface], where: str) -> str:
    """The machine's address: its boot interface's IP, else the first of ``ip_addresses``.

    The boot interface (``boot_interface``, canonical/maas ``Node.get_boot_interface``) is
    often a bond's member, which holds no address itself: then the bond and the bridge over it
    are asked, untagged devices stacked on the boot NIC (assumption: PXE boots untagged, so
    VLAN interfaces over it are on other networks and are not followed). A machine whose boot
    stack holds no IP (not deployed yet) keeps ``ip_addresses[0]``, as before.
    """
    fallback = next(iter(get_str_list(data, 'ip_addresses', where)), '')
    boot = data.get('boot_interface')
    if not isinstance(boot, dict):
        return fallback
    name = cast('dict[str, object]', boot).get('name')
    by_name = {i.name: i for i in interfaces}
    queue = [name] if isinstance(name, str) and name in by_name else []
    seen: set[str] = set()
    while queue:
        current = by_name[queue.pop(0)]
        if current.name in seen:
            continue
        seen.add(current.name)
        if current.addresses:
            return current.addresses[0]
        queue.extend(i.name for i in interfaces if current.name in i.parents and i.type != 'vlan')
    return fallback


_DEFAULT_POOL = 'default'
"""MAAS's default resource pool (canonical/maas ``src/maasserver/models/resourcepool.py``
``DEFAULT_RESOURCEPOOL_NAME`` @ 3.6.5)."""


def _name(data: Mapping[str, object], key: str, where: str) -> str:
    """``zone`` and ``pool`` are objects with a ``name`` (a bare string is accepted).

    ``Node.pool`` may be null (``null=True``, canonical/maas ``src/maasserver/models/node.py``
    line 1029 @ 3.6.5), and MAAS itself puts a machine without one in the default pool
    (``Node.clean_pool``, lines 2079-2083): so does olm. ``zone`` is never null
    (``on_delete=SET_DEFAULT``, line 1116) and stays required.
    """
    value = data.get(key)
    if isinstance(value, str):
        return value
    if value is None and key == 'pool':
        return _DEFAULT_POOL
    return get_str(as_object(value, f'{where} {key}'), 'name', f'{where} {key}')
