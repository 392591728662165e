"""``microceph cluster ...`` and ``microceph status``: microcluster membership, the networks."""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ..iproute import subnet_of
from ._disks import Disks
from ._errors import (
    INITIALISED,
    PRE_INIT,
    ExitError,
    not_emulated,
)
from ._run import execute, parse
from ._state import (
    DAEMON_FILE,
    MON_SERVICES,
    PORT,
    SNAP,
    bump,
    clusters,
    draw,
    local_member,
    mapping,
    members,
    osd_list,
    tracks_reef,
    uuid,
)
from ._tables import render_table
from ._tokens import duration, expired, token_table

if TYPE_CHECKING:
    from ...host import Invocation


class _MicroCeph(Disks):
    """``microceph``: cluster commands and ``status`` (``disk``: :class:`~._disks.Disks`)."""

    def main(self) -> int:
        args = list(self.invocation.args)
        if len(args) < 2 and not (args and args[0] == 'status'):
            not_emulated(f'microceph {" ".join(args)}'.strip())
        group = args[0]
        if group == 'status':
            return self.status(args[1:])
        command = f'{group} {args[1]}'
        handler = {
            'cluster bootstrap': self.bootstrap,
            'cluster add': self.add,
            'cluster join': self.join,
            'cluster config': self.cluster_config,
            'disk add': self.disk_add,
            'disk list': self.disk_list,
        }.get(command)
        if handler is None:
            not_emulated(f'microceph {command}')
        return handler(args[2:])

    def ip_on(self, public_network: str) -> str | None:
        """``FindIpOnSubnet``: the first local address in the first listed subnet that has one."""
        for network in public_network.split(','):
            subnet = ipaddress.ip_network(network.strip(), strict=False)
            for address in self.host.addresses():
                ip = ipaddress.ip_address(address.split('/')[0])
                if ip in subnet:
                    return str(ip)
        return None

    def mon_ip(self, public_network: str, fallback: str) -> str:
        """The mon address ``PopulateDefaultNetworkParams`` picks: on the public network.

        Raises:
            ExitError: no local address is on it (the pre-init hook fails, see
                :data:`~._errors.PRE_INIT`).
        """
        if not public_network:
            return fallback
        found = self.ip_on(public_network)
        if found is None:
            raise ExitError(
                1,
                f'{PRE_INIT}no local IP belongs to any of the listed subnets [{public_network}]',
            )
        return found

    def network_address(self, ip: str) -> str:
        """``FindNetworkAddress``: the local address owning ``ip``, as Go prints its IPNet.

        Go's ``net.IPNet.String()`` of an interface address is the address itself with its
        prefix length (``10.0.0.10/24``), not the network; that is what becomes the public
        network when bootstrap is given neither it nor ``--mon-ip`` (canonical/microceph
        ``microceph/common/network.go`` @ squid). A machine the pool gave no interfaces has its
        addresses on the subnets :func:`~orchestrator.sim.programs.iproute.subnet_of` assumes.
        """
        for device in self.host.network_devices:
            for address in device.addresses:
                if address.split('/')[0] == ip:
                    return address
        return f'{ip}/{ipaddress.ip_network(subnet_of(ip)).prefixlen}'

    def check_cluster_network(self, cluster_network: str) -> None:
        """``ValidateNetworkParams``: the machine must have an address on the cluster network.

        canonical/microceph ``microceph/cmd/microcephd/bootstrapper.go`` @ squid: the simple
        bootstrapper's ``Precheck`` (run by the ``PreInit`` hook, ``hooks.go``) looks the
        cluster network up with ``FindIpOnSubnet`` and fails before anything is initialised.

        Raises:
            ExitError: no local address is on it.
        """
        if self.ip_on(cluster_network) is None:
            raise ExitError(
                1,
                f'{PRE_INIT}no local IP belongs to any of the listed subnets [{cluster_network}]',
            )

    def bootstrap(self, argv: Sequence[str]) -> int:
        positional, given, _ = parse(
            argv,
            (
                '--public-network', '--microceph-ip', '--mon-ip', '--cluster-network',
                '--availability-zone',
            ),
            ('--v2-only',),
        )  # fmt: skip
        if positional:
            raise ExitError(
                1, f'Error: unknown command "{positional[0]}" for "microceph cluster bootstrap"'
            )
        name = self.host.hostname()
        address = given.get('--microceph-ip') or next(iter(self.host.addresses()), '127.0.0.1')
        public = given.get('--public-network', '')
        mon_ip = given.get('--mon-ip', '')
        try:
            if (
                mon_ip
                and public
                and not any(
                    ipaddress.ip_address(mon_ip) in ipaddress.ip_network(n.strip(), strict=False)
                    for n in public.split(',')
                )
            ):
                raise ExitError(
                    1,
                    f'Error: provided mon-ip {mon_ip} is not available on provided public '
                    f'network {public}',
                )
        except ValueError as error:
            raise ExitError(1, f'Error: {error}') from None
        if local_member(self.host, self.world) is not None:
            raise ExitError(1, INITIALISED)
        try:
            # PreInit: Prefill (PopulateDefaultNetworkParams), then Precheck (bootstrapper.go)
            mon_ip = mon_ip or self.mon_ip(public, address)
            public_network = public or self.network_address(mon_ip)
            cluster_network = given.get('--cluster-network', '') or public_network
            self.check_cluster_network(cluster_network)
        except ValueError as error:
            raise ExitError(1, f'Error: {error}') from None
        fsid = uuid(draw(self.world, 'fsid', 16))
        now = self.world.clock()
        cluster: dict[str, Any] = {
            'fsid': fsid,
            'public-network': public,
            # BootstrapCephConfigs (microceph/ceph/bootstrap.go): the mon's config database
            'config': {
                'cluster_network': cluster_network,
                'public_network': public_network,
                'rbd_default_features': '63',
            },
            'created': now,
            'cert': draw(self.world, 'cluster-cert', 32).hex(),
            'members': {},
            'tokens': {},
            'osds': [],
            'pools': {'.mgr': {'id': 1, 'size': 3, 'applications': ['mgr']}},
            'next-pool': 2,
            'clients': {},
            'volumes': [],
            'epochs': {'mon': 1, 'osd': 1, 'fs': 1},
            # reef builds with a microcluster from before the 'core' rename (v0, 2024-07)
            'token-table': 'internal_token_records'
            if tracks_reef(self.host)
            else 'core_token_records',
        }
        clusters(self.world)[fsid] = cluster
        self.register(cluster, name, address, mon_ip)
        return 0

    def register(self, cluster: dict[str, Any], name: str, address: str, mon_ip: str) -> None:
        members(cluster)[name] = {
            'machine': self.host.machine_id,
            'address': address,
            'mon-ip': mon_ip,
        }
        if len(members(cluster)) in (2, 3):
            bump(cluster, 'mon')
        self.host.state[SNAP] = {'cluster': cluster['fsid'], 'name': name}
        self.host.write_text(DAEMON_FILE, f'name: {name}\naddress: {address}:{PORT}\n')

    def add(self, argv: Sequence[str]) -> int:
        reef = tracks_reef(self.host)  # reef's cluster add has no --timeout: tokens never expire
        positional, given, _ = parse(argv, () if reef else ('--timeout', '-t'))
        if len(positional) != 1:
            not_emulated('microceph cluster add without exactly one name (help)')
        lifetime = 0.0 if reef else duration(given.get('--timeout', given.get('-t', '3h')))
        _, cluster = self.local()
        table = token_table(cluster)
        name = positional[0]
        now = self.world.clock()
        tokens = cast('dict[str, dict[str, Any]]', cluster.setdefault('tokens', {}))
        for secret in [s for s, t in tokens.items() if expired(t, now)]:
            del tokens[secret]  # DeleteExpiredCoreTokenRecords, in the same transaction
        if any(t['name'] == name for t in tokens.values()):
            raise ExitError(
                1,
                f'Error: Failed to create "{table}" entry: UNIQUE constraint failed: {table}.name',
            )
        secret = draw(self.world, f'token\0{name}', 32).hex()
        tokens[secret] = {'name': name, 'expires': now + lifetime if lifetime else None}
        body = {
            'secret': secret,
            'fingerprint': hashlib.sha256(str(cluster['cert']).encode()).hexdigest(),
            'join_addresses': [f'{m["address"]}:{PORT}' for m in members(cluster).values()],
        }
        encoded = base64.b64encode(json.dumps(body, separators=(',', ':')).encode()).decode()
        self.out(encoded + '\n')
        return 0

    def join(self, argv: Sequence[str]) -> int:
        positional, given, _ = parse(argv, ('--microceph-ip', '--availability-zone'))
        if len(positional) != 1:
            not_emulated('microceph cluster join without exactly one token (help)')
        try:
            token = mapping(json.loads(base64.b64decode(positional[0], validate=True)))
            secret = str(token['secret'])
            addresses = [str(a) for a in cast('list[object]', token['join_addresses'])]
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise ExitError(1, f'Error: invalid join token: {error}') from None
        name = self.host.hostname()
        if local_member(self.host, self.world) is not None:
            raise ExitError(1, INITIALISED)
        attempts = f'Error: {len(addresses)} join attempts were unsuccessful. Last error: '
        wanted = {a.rsplit(':', 1)[0] for a in addresses}
        cluster = next(
            (
                c
                for c in clusters(self.world).values()
                if any(m['address'] in wanted for m in members(c).values())
            ),
            None,
        )
        tokens = mapping(mapping(cluster).get('tokens'))
        record = mapping(tokens.get(secret))
        if cluster is None or not record:
            record_type = (
                'InternalTokenRecord'
                if token_table(mapping(cluster)).startswith('internal')
                else 'CoreTokenRecord'
            )
            raise ExitError(1, attempts + f'{record_type} not found')
        if expired(record, self.world.clock()):
            raise ExitError(1, attempts + 'Token expired')
        if record['name'] != name:
            raise ExitError(
                1, attempts + 'Joining server certificate SAN does not contain join token name'
            )
        address = given.get('--microceph-ip') or next(iter(self.host.addresses()), '127.0.0.1')
        public = str(cluster.get('public-network', ''))
        mon_ip = self.ip_on(public) if public else address
        if len(members(cluster)) < 3 and mon_ip is None:
            # join.go updateDbForMon: a member that is to run a mon needs an address on the
            # public network (the join is then undone: assumption, the token is not spent)
            raise ExitError(
                1,
                f'Error: failed to record mon db entries: failed to locate ip on subnet {public}: '
                f'no local IP belongs to any of the listed subnets [{public}]',
            )
        del tokens[secret]  # DeleteCoreTokenRecord: a token joins once
        self.register(cluster, name, address, mon_ip or address)
        return 0

    def cluster_config(self, argv: Sequence[str]) -> int:
        """``cluster config list``: the Ceph configs MicroCeph manages, as a table.

        canonical/microceph ``microceph/cmd/microceph/cluster_config_list.go`` and
        ``microceph/ceph/config.go`` (``ListConfigs``) @ squid: ``ceph config dump`` filtered to
        MicroCeph's config table, rendered ``#``/``KEY``/``VALUE``. Bootstrap set
        ``cluster_network``, ``public_network`` and ``rbd_default_features`` (``63``) there
        (``BootstrapCephConfigs``); ceph.conf carries only ``public_network``
        (``configwriter_ceph.go``). Ceph dumps a section's options by name.
        """
        if list(argv) != ['list']:
            not_emulated(f'microceph cluster config {" ".join(argv)}'.strip())
        _, cluster = self.local()
        config = cast('dict[str, str]', cluster.get('config', {}))
        rows = [[str(i), key, config[key]] for i, key in enumerate(sorted(config))]
        self.out(render_table(['#', 'Key', 'Value'], rows))
        return 0

    def status(self, argv: Sequence[str]) -> int:
        parse(argv, ())
        _, cluster = self.local()
        self.out('MicroCeph deployment summary:\n')
        for index, (name, member) in enumerate(members(cluster).items()):
            disks = sum(1 for o in osd_list(cluster) if o['host'] == name)
            services: list[str] = list(MON_SERVICES) if index < 3 else []
            if disks:
                services.append('osd')
            self.out(f'- {name} ({member["address"]})\n')
            self.out(f'  Services: {", ".join(services)}\n')
            self.out(f'  Disks: {disks}\n')
        return 0


def handle(invocation: Invocation) -> Completed:
    """Run ``microceph`` on the invocation's machine: only where the microceph snap is."""
    return execute(invocation, _MicroCeph)
