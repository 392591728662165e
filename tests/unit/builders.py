"""Builders of pool machines for the orchestrator's unit tests."""

from __future__ import annotations

from orchestrator.cloud import GB, Disk, Machine, Status


def disk(name: str, gb: float, *tags: str, boot: bool = False) -> Disk:
    return Disk(name, int(gb * GB), frozenset(tags), boot)


def machine(
    hostname: str,
    cores: int = 4,
    mem_gib: float = 8,
    *,
    tags: tuple[str, ...] = (),
    zone: str = 'zone-a',
    pool: str = 'default',
    arch: str = 'amd64/generic',
    disks: tuple[Disk, ...] | None = None,
    status: Status = Status.READY,
    owner: str | None = None,
) -> Machine:
    if disks is None:
        disks = (disk('sda', 240, 'ssd', boot=True),)
    return Machine(
        system_id=f'id-{hostname}',
        hostname=hostname,
        arch=arch,
        cores=cores,
        memory=int(mem_gib * 1024),
        disks=disks,
        tags=frozenset(tags),
        zone=zone,
        pool=pool,
        status=status,
        owner=owner,
    )
