"""Ceph's networks on a machine with a NIC per space, with the charm driving emulated MicroCeph.

The emulation models MicroCeph squid (orchestrator/sim/conformance/microceph.md): bootstrap's
PreInit hook refuses a cluster network the machine has no address on, and bootstrap records the
networks in the mon's config database (``microceph cluster config list``).
"""

from __future__ import annotations

from typing import Any

import metal_host
from ops import testing
from orchestrator.sim import BlockDevice, SimHost, World
from orchestrator.sim.host import NetworkDevice

from conftest import PEER_ID, context, network

TB = 1_000_204_886_016
SPACES = {'oam': ('eno1', '10.0.0.10/24'), 'admin': ('eno2', '10.10.0.10/24')}
SPACES |= {'public': ('eno3', '10.20.0.10/22'), 'cluster': ('eno4', '10.30.0.10/24')}


def machine() -> SimHost:
    """A MAAS machine: PXE/OAM first, then one NIC per Ceph space."""
    return World().add_machine(
        '0',
        hostname='node-0',
        addresses=[cidr.split('/')[0] for _, cidr in SPACES.values()],
        disks=[BlockDevice('sda', 480_103_981_056, boot=True), BlockDevice('sdb', TB)],
        interfaces=[
            NetworkDevice(name, 'physical', f'52:54:00:00:00:0{i}', addresses=(cidr,))
            for i, (name, cidr) in enumerate(SPACES.values())
        ],
    )


def bindings() -> set[testing.Network]:
    """network-get as Juju answers it with the endpoints bound to their spaces."""
    where = {'ceph-peers': 'oam', 'admin': 'admin', 'public': 'public', 'cluster': 'cluster'}
    found: set[testing.Network] = set()
    for endpoint, space in where.items():
        _, cidr = SPACES[space]
        ip, prefix = cidr.split('/')
        subnet = f'{".".join(ip.split(".")[:3])}.0/{prefix}'
        found.add(network(ip, endpoint, subnet))
    return found


def reconcile(host: SimHost, **kwargs: Any) -> testing.State:
    state = testing.State(
        leader=True,
        relations={testing.PeerRelation('ceph-peers', id=PEER_ID)},
        networks=bindings(),
        **kwargs,
    )
    ctx = context()
    with metal_host.bound(host):
        return ctx.run(ctx.on.config_changed(), state)


def config_list(host: SimHost) -> dict[str, str]:
    table = host.run(['microceph', 'cluster', 'config', 'list']).stdout
    rows = [line.strip('|').split('|') for line in table.splitlines() if line.startswith('| ')]
    return {key.strip(): value.strip() for _, key, value in rows[1:]}


def test_the_cluster_runs_on_the_bindings_networks() -> None:
    host = machine()
    out = reconcile(host)
    assert out.unit_status.name == 'active', out.unit_status
    assert config_list(host) == {
        'cluster_network': '10.30.0.0/24',
        'public_network': '10.20.0.0/22',
        'rbd_default_features': '63',
    }
    status = host.run(['microceph', 'status']).stdout
    assert '- node-0 (10.10.0.10)' in status, 'the daemon listens on the admin binding'


def test_a_cluster_network_the_machine_is_not_on_blocks_the_bootstrap() -> None:
    host = machine()
    out = reconcile(host, config={'cluster-network': '10.40.0.0/24'})
    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith('bootstrap failed: ')
    assert out.unit_status.message.endswith(
        'Error: Failed to run pre-init hook before starting the API: no local IP belongs to '
        'any of the listed subnets [10.40.0.0/24]; will retry'
    )
    assert host.run(['microceph', 'status'], check=False).returncode == 1, 'not bootstrapped'
