"""The model's machines as Juju records them, and as the simulation runs them.

A deployed pool machine becomes a model machine with Juju's hardware characteristics, and a
simulated machine with the pool machine's NICs, addresses and disks (labelled simulated by
:mod:`orchestrator.sim`; nothing runs on this computer).
"""

# pyright: strict

from __future__ import annotations

from .. import cloud
from ..state import bindings
from ._deferred import sim
from ._session import Session

__all__ = ['add_sim_machine', 'hardware_text', 'host', 'sim_disks']


def hardware_text(machine: cloud.Machine) -> str:
    """Juju's hardware characteristics string for a MAAS machine."""
    parts = [
        f'arch={machine.arch_name}',
        f'cores={machine.cores}',
        f'mem={machine.memory}M',
    ]
    boot = machine.boot_disk
    if boot is not None:
        parts.append(f'root-disk={boot.size // 2**20}M')
    if machine.tags:
        parts.append('tags=' + ','.join(sorted(machine.tags)))
    parts.append(f'availability-zone={machine.zone}')
    return ' '.join(parts)


def sim_disks(machine: cloud.Machine) -> list[sim.BlockDevice]:
    """The pool machine's disks as its simulated machine has them (identity included)."""
    return [
        sim.BlockDevice(
            d.name, d.size, d.boot, 'rotary' in d.tags, d.model, d.serial, d.wwn, d.id_path
        )
        for d in machine.disks
    ]


def add_sim_machine(world: sim.World, machine_id: str, machine: cloud.Machine) -> sim.SimHost:
    """The simulated machine for a deployed pool machine: its NICs, addresses and disks."""
    return world.add_machine(
        machine_id,
        hostname=machine.hostname,
        addresses=[a.ip for a in bindings.addresses_of(machine)] or [machine.address],
        disks=sim_disks(machine),
        interfaces=[
            sim.NetworkDevice(
                i.name,
                i.type,
                i.mac,
                i.parents,
                i.vid,
                i.mtu,
                tuple(link.with_prefix for link in i.links if link.ip),
            )
            for i in machine.interfaces
        ],
    )


def host(s: Session, machine_id: str) -> sim.SimHost:
    """The simulated machine a model machine runs on, made from the pool if not yet loaded."""
    try:
        return s.world.host(machine_id)
    except KeyError:
        machine = s.model.machines[machine_id]
        with s.store.snapshot() as txn:
            try:
                deployed = txn.pool.get(machine.instance_id)
            except cloud.MachineNotFoundError:  # a machine the pool no longer lists
                return s.world.add_machine(
                    machine_id, hostname=machine.hostname, addresses=[machine.address]
                )
        return add_sim_machine(s.world, machine_id, deployed)
