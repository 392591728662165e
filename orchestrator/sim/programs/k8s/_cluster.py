"""The clusters k8sd and the API server know, shared by every machine of the World."""

# pyright: strict

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from ._machine import K8SD_PORT, local_node, mapping
from ._services import unreachable_reason

if TYPE_CHECKING:
    from ...world import World


def clusters(world: World) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', world.namespace('k8s').setdefault('clusters', {}))


def nodes(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', mapping(cluster).setdefault('nodes', {}))


def draw(world: World, purpose: str, stable: str, size: int) -> bytes:
    """``size`` bytes no other draw of this World gets (a counter in the namespace)."""
    namespace = world.namespace('k8s')
    serial = int(namespace.get('serial', 0)) + 1
    namespace['serial'] = serial
    return hashlib.shake_256(f'olm-sim-k8s\0{purpose}\0{stable}\0{serial}'.encode()).digest(size)


def uid(world: World, stable: str) -> str:
    raw = draw(world, 'uid', stable, 16).hex()
    return f'{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:32]}'


NODE_STATUS_REPORT_FREQUENCY: Final = 300.0
"""Seconds between the node status posts of an unchanged kubelet: ``nodeStatusReportFrequency``,
5m by default since node leases (kubernetes ``pkg/kubelet/apis/config/v1beta1/defaults.go``
@ v1.32.0); the Ready condition's ``lastHeartbeatTime`` moves only then."""


def heartbeat(world: World, node: Mapping[str, Any]) -> float:
    """When the node's kubelet last posted its status: every report period since it joined."""
    created = float(node.get('created', 0))
    periods = max(0.0, world.clock() - created) // NODE_STATUS_REPORT_FREQUENCY
    return created + periods * NODE_STATUS_REPORT_FREQUENCY


def api_time(world: World, when: float | None = None) -> str:
    moment = world.clock() if when is None else when
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(moment))


def answering_cluster(world: World, addresses: Sequence[str]) -> str | None:
    """The cluster whose initialised control plane answers at one of ``addresses`` (IP:port)."""
    wanted = {address.rsplit(':', 1)[0] for address in addresses}
    for _, host in sorted(world.machines.items()):
        if unreachable_reason(host) is not None:
            continue
        local = local_node(host)
        if local is None or local.get('role') != 'control-plane':
            continue
        if wanted & set(host.addresses()):
            return str(local['cluster'])
    return None


def datastore_roles(cluster: Mapping[str, Any]) -> dict[str, str]:
    """The roles dqlite gives: three voters, three stand-bys, the rest spares (oldest first)."""
    planes = sorted(
        (node for node in nodes(cluster).items() if node[1].get('role') == 'control-plane'),
        key=lambda item: (float(item[1].get('created', 0)), item[0]),
    )
    roles = ('voter', 'voter', 'voter', 'stand-by', 'stand-by', 'stand-by')
    return {name: roles[i] if i < len(roles) else 'spare' for i, (name, _) in enumerate(planes)}


def string_list(value: object) -> list[str]:
    return [str(item) for item in cast('list[Any]', value)] if isinstance(value, list) else []


def cluster_members(cluster: Mapping[str, Any]) -> list[dict[str, str]]:
    """``impl.GetClusterMembers``: microcluster's members, i.e. the control planes."""
    roles = datastore_roles(cluster)
    return [
        {
            'name': name,
            'address': f'{node["address"]}:{K8SD_PORT}',
            'cluster-role': 'control-plane',
            'datastore-role': roles[name],
        }
        for name, node in sorted(nodes(cluster).items())
        if node.get('role') == 'control-plane'
    ]


def status_plain(cluster: Mapping[str, Any], members: Sequence[Mapping[str, str]]) -> str:
    """``ClusterStatus.String`` (``k8s_status_format.go``)."""
    voters = sum(1 for member in members if member['datastore-role'] == 'voter')
    features = mapping(cluster.get('features'))

    def feature(name: str) -> str:
        return 'enabled' if features.get(name) else 'disabled'

    rows = [
        ('cluster status:', 'ready'),
        (
            'control plane nodes:',
            ', '.join(f'{m["address"]} ({m["datastore-role"]})' for m in members) or 'none',
        ),
        ('high availability:', 'yes' if voters > 2 else 'no'),
        ('datastore:', str(cluster.get('datastore-type', 'etcd'))),
        ('network:', feature('network')),
        ('dns:', feature('dns')),
        ('ingress:', feature('ingress')),
        ('load-balancer:', feature('load-balancer')),
        ('local-storage:', feature('local-storage')),
    ]
    return '\n'.join(f'{key:<25} {value}' for key, value in rows) + (
        f'\n{"gateway":<25} {feature("gateway")}'
    )
