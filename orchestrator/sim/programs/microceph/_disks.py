"""``microceph disk add`` and ``disk list``: OSDs on the machine's disks."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from ...host import DISK_BY_ID
from ..lsblk import SIGNATURES
from ._crush import (
    AUTO_HOST,
    AUTO_OSD,
    default_rule,
    switch_failure_domain,
)
from ._errors import (
    ExitError,
    not_emulated,
)
from ._run import Run, parse
from ._state import (
    MIN_OSD_SIZE,
    bump,
    mapping,
    members,
    osd_list,
)
from ._tables import iec, natural, render_table

_DISK_ADD_FLAGS = (
    '--encrypt', '--wal-device', '--wal-wipe', '--wal-encrypt', '--db-device', '--db-wipe',
    '--db-encrypt', '--osd-match', '--wal-match', '--wal-size', '--db-match', '--db-size',
    '--dry-run', '--json',
)  # fmt: skip
"""``disk add``'s other flags (``cmd/microceph/disk_add.go``): real, but not emulated."""


class Disks(Run):
    """``microceph disk``: OSDs on the machine's disks."""

    def disk_add(self, argv: Sequence[str]) -> int:
        paths, _, flags = parse(argv, (), ('--wipe', '--all-available'), _DISK_ADD_FLAGS)
        local, cluster = self.local()
        if '--all-available' in flags:
            if paths:
                not_emulated('microceph disk add --all-available with paths')
            paths = [a['Path'] for a in self.available(cluster, str(local['name']))]
            if not paths:
                self.out('No available disks found on this system.\n')
                return 0
        if not paths:
            not_emulated('microceph disk add without paths (help)')
        if any(p.startswith('loop,') for p in paths):
            not_emulated('microceph disk add with loop specs')
        wipe = '--wipe' in flags
        rows: list[list[str]] = []
        errors: list[str] = []
        for path in paths:
            error = self.add_osd(cluster, str(local['name']), path, wipe=wipe)
            rows.append([path, 'Failure' if error else 'Success'])
            if error:
                errors.append(error)
        self.out('\n' + render_table(['Path', 'Status'], sorted(rows, key=natural)))
        if len(errors) == 1:
            raise ExitError(1, f'Error: {errors[0]}')
        if errors:
            raise ExitError(
                1,
                f'Error: failed adding multiple ({len(errors)}) disks, please check logs for '
                'details',
            )
        return 0

    def stable_path(self, path: str) -> str | None:
        """``setStablePath``: the ``/dev/disk/by-id`` path microceph records, None if no device.

        A whole disk becomes ``/dev/disk/by-id/<DeviceID>`` (LXD's name for it), a partition
        ``…-partN``, except that a partition given by its raw ``/dev/NAME`` is kept. A disk
        without by-id links keeps the path given (its by-path link is not modelled).
        """
        found = self.host.block_device_at(path)
        if found is None:
            return None
        disk, number = found
        device_id = self.host.disk_identity(disk).device_id
        if number and path == f'/dev/{dict(disk.partitions)[number]}':
            return path
        if not device_id:
            return path
        return f'{DISK_BY_ID}/{device_id}' + (f'-part{number}' if number else '')

    def add_osd(self, cluster: dict[str, Any], member: str, path: str, *, wipe: bool) -> str:
        """Add one OSD as ``doAddOSD`` does; the failure reason, or '' on success."""
        stable = self.stable_path(path)
        if stable is None:
            return f'failed to set stable disk path: invalid disk path: {path}'
        found = self.host.block_device_at(path)
        assert found is not None
        disk, partition = found
        osds = osd_list(cluster)
        if any(o['host'] == member and o['path'] == stable for o in osds):
            return 'failed to record disk: This "disks" entry already exists'
        number = max((int(o['id']) for o in osds), default=0) + 1
        labelled = not partition and disk.name in mapping(self.host.state.get(SIGNATURES))
        if labelled and not wipe:  # checkPristineDevice: a BlueStore label is data
            return f'data device {stable} is not pristine (contains data) - use --wipe to override'
        if disk.boot and not wipe:
            if partition:
                return (
                    f'data device {stable} is not pristine (contains data) - use --wipe to '
                    'override'
                )
            return f'data device {stable} has partitions - use --wipe to override'
        if disk.boot and partition:
            return (
                f'failed to prepare data device: device {stable} is currently mounted and '
                'cannot be used - aborting'
            )
        if disk.boot:
            return (
                f'failed to bootstrap OSD: Failed to run: ceph-osd --mkfs --no-mon-config -i '
                f'{number}: exit status 1 (bluestore(/var/lib/ceph/osd/ceph-{number}) '
                f'_open_bdev failed to open {stable}: (16) Device or resource busy)'
            )
        osds.append({'id': number, 'host': member, 'path': stable})
        # ceph-osd --mkfs writes a BlueStore label, which blkid and lsblk then report
        signatures = cast('dict[str, str]', self.host.state.setdefault(SIGNATURES, {}))
        signatures[disk.name] = 'ceph_bluestore'
        bump(cluster, 'osd')
        # updateFailureDomain (no availability zones): from three members on, host
        if len(members(cluster)) >= 3 and default_rule(cluster) == AUTO_OSD:
            switch_failure_domain(cluster, AUTO_OSD, AUTO_HOST)
        return ''

    def available(self, cluster: dict[str, Any], member: str) -> list[dict[str, str]]:
        """``FilterAvailableDisks``: unpartitioned disks of 2 GiB or more not OSDs here."""
        mine = {str(o['path']) for o in osd_list(cluster) if o['host'] == member}
        out: list[dict[str, str]] = []
        for disk in self.host.block_devices:
            identity = self.host.disk_identity(disk)
            path = (
                f'{DISK_BY_ID}/{identity.device_id}' if identity.device_id else f'/dev/{disk.name}'
            )  # GetDevicePath: by-id, else (by-path, not modelled) /dev/NAME
            if disk.partitions or disk.size < MIN_OSD_SIZE or path in mine:
                continue
            kind = (
                'nvme'
                if disk.name.startswith('nvme')
                else 'virtio'
                if disk.name.startswith('vd')
                else 'scsi'
            )
            out.append({'Model': identity.model, 'Size': iec(disk.size), 'Type': kind,
                        'Path': path})  # fmt: skip
        return out

    def disk_list(self, argv: Sequence[str]) -> int:
        _, _, flags = parse(argv, (), ('--json', '--host-only'))
        local, cluster = self.local()
        member = str(local['name'])
        configured: list[dict[str, Any]] = [
            {'osd': int(o['id']), 'path': str(o['path']), 'location': str(o['host'])}
            for o in osd_list(cluster)
            if '--host-only' not in flags or o['host'] == member
        ]
        available = self.available(cluster, member)
        if '--json' in flags:
            output = {'ConfiguredDisks': configured, 'AvailableDisks': available}
            self.out(json.dumps(output, separators=(',', ':')) + '\n')
            return 0
        if configured:
            rows = [[str(o['osd']), str(o['location']), str(o['path'])] for o in configured]
            self.out('Disks configured in MicroCeph:\n')
            self.out(render_table(['OSD', 'LOCATION', 'PATH'], sorted(rows, key=natural)))
        if available:
            rows = [[a['Model'], a['Size'], a['Type'], a['Path']] for a in available]
            self.out('\nAvailable unpartitioned disks on this system:\n')
            self.out(
                render_table(['MODEL', 'CAPACITY', 'TYPE', 'PATH'], sorted(rows, key=natural))
            )
        return 0
