"""The network path: the VIP's holder, HAProxy's frontends and health checks, the API server."""

# pyright: strict

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import haproxy, keepalived
from ._apiserver import API_PORT, ApiServer, api_response, k8s_cluster, local_k8s, mapping
from ._errors import not_emulated
from ._haproxy_config import Proxy, Server, bound, haproxy_config
from ._urls import resolve

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

_MAX_HOPS = 8


@dataclass(frozen=True)
class Closed:
    """A proxy accepted the connection and closed it: nothing to forward it to."""


_Peer = ApiServer | Closed

_Hop = tuple[str, str, int]


class Network:
    """The machines of a World seen as hosts on one network."""

    def __init__(self, world: World) -> None:
        self.world = world
        keepalived.reconcile(world)
        self.holders = keepalived.vip_holders(world)

    def machine_at(self, client: SimHost, address: str) -> SimHost | None:
        """The machine that answers for ``address`` (from ``client``'s point of view)."""
        if ipaddress.ip_address(address).is_loopback:
            return client
        machines = self.world.machines
        for _, machine in sorted(machines.items()):
            if address in machine.addresses():
                return machine
        holder = self.holders.get(address)
        return machines.get(holder) if holder is not None else None

    def connect(
        self, client: SimHost, address: str, port: int, hops: tuple[_Hop, ...]
    ) -> _Peer | None:
        """Who answers a connection from ``client`` to ``address:port`` (None: no one)."""
        machine = self.machine_at(client, address)
        if machine is None:
            return None
        hop = (machine.machine_id, address, port)
        if hop in hops or len(hops) >= _MAX_HOPS:
            return None  # a forwarding loop: it never gets an answer
        hops = (*hops, hop)
        served = self.frontend(machine, address, port)
        if served is not None:
            return self.forward(machine, served, port, hops)
        if port == API_PORT:
            api = self.apiserver(machine)
            if api is not None:
                return api
            if ipaddress.ip_address(address).is_loopback:
                return self.apiserver_proxy(machine, hops)
        return None

    def frontend(self, machine: SimHost, address: str, port: int) -> Proxy | None:
        """The HAProxy proxy holding the servers for ``address:port`` on ``machine``.

        That is the ``default_backend`` of the frontend bound there (an empty stand-in when it
        names none), or the ``listen`` section itself; None when HAProxy does not run or
        binds no such port.
        """
        if not keepalived.installed(machine, 'haproxy'):
            return None
        if not keepalived.active(machine, 'haproxy.service'):
            return None
        entry = machine.files.get(haproxy.CONFIG)
        if entry is None:
            return None
        proxies = haproxy_config(entry.content)
        for proxy in proxies:
            if proxy.kind == 'backend' or proxy.disabled:
                continue
            if not any(bound(bind, address, port) for bind in proxy.binds):
                continue
            if proxy.mode != 'tcp':
                not_emulated(f'HAProxy mode {proxy.mode} (frontend {proxy.name})')
            if proxy.kind == 'listen':
                return proxy
            backend = next(
                (
                    p
                    for p in proxies
                    if p.kind in ('backend', 'listen') and p.name == proxy.default_backend
                ),
                None,
            )
            if backend is None or backend.disabled:
                return Proxy('backend', proxy.default_backend, 'tcp', None, None, [])
            return backend
        return None

    def forward(
        self, machine: SimHost, backend: Proxy, port: int, hops: tuple[_Hop, ...]
    ) -> _Peer:
        """HAProxy in tcp mode: the first server of ``backend`` that is up takes the connection."""
        servers = [s for s in backend.servers if not s.disabled]
        for backup in (False, True):
            for server in servers:
                if server.backup != backup or not self.healthy(
                    machine, backend, server, port, hops
                ):
                    continue
                address = resolve(self.world, machine, server.address)
                peer = None
                if address is not None:
                    peer = self.connect(machine, address, server.port or port, hops)
                return peer if peer is not None else Closed()
        return Closed()

    def healthy(
        self,
        machine: SimHost,
        proxy: Proxy,
        server: Server,
        port: int,
        hops: tuple[_Hop, ...],
    ) -> bool:
        """Whether HAProxy's health check of ``server`` passes now (no check: it is up)."""
        if not server.check:
            return True
        address = resolve(self.world, machine, server.check_addr or server.address)
        if address is None:
            return False
        peer = self.connect(machine, address, server.check_port or server.port or port, hops)
        if peer is None:
            return False
        if proxy.httpchk is None:
            return isinstance(peer, ApiServer) or not server.check_ssl
        if isinstance(peer, Closed):
            return False
        path, _, query = proxy.httpchk.partition('?')
        scheme = 'https' if server.check_ssl else 'http'
        status = api_response(peer, scheme, path, query, False).status
        return any(low <= status <= high for low, high in proxy.expect or ((200, 399),))

    def apiserver(self, machine: SimHost) -> ApiServer | None:
        """kube-apiserver on ``machine``, when it is a running control-plane node."""
        local = local_k8s(machine)
        if local.get('role') != 'control-plane':
            return None
        if not keepalived.active(machine, 'snap.k8s.kube-apiserver.service'):
            return None
        cluster = k8s_cluster(self.world, local.get('cluster'))
        if cluster is None:
            return None
        node = mapping(mapping(cluster.get('nodes')).get(str(local.get('name'))))
        return ApiServer(machine, cluster, node)

    def apiserver_proxy(self, machine: SimHost, hops: tuple[_Hop, ...]) -> _Peer | None:
        """k8s-apiserver-proxy on a worker's 127.0.0.1:6443, forwarding to the control planes."""
        local = local_k8s(machine)
        if local.get('role') != 'worker':
            return None
        if not keepalived.active(machine, 'snap.k8s.k8s-apiserver-proxy.service'):
            return None
        cluster = k8s_cluster(self.world, local.get('cluster')) or {}
        for _, node in sorted(mapping(cluster.get('nodes')).items()):
            record = mapping(node)
            if record.get('role') != 'control-plane':
                continue
            peer = self.connect(machine, str(record.get('address')), API_PORT, hops)
            if isinstance(peer, ApiServer):
                return peer
        return Closed()
