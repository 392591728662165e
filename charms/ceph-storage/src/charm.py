#!/usr/bin/env python3
"""ceph-storage: a Ceph cluster from the microceph snap, one MicroCeph node per unit.

Every relevant event runs one idempotent reconcile (:meth:`CephStorageCharm._reconcile`):

1. validate config, install and hold the snap;
2. the leader bootstraps the cluster once, on the networks of its ``public`` and ``cluster``
   bindings (or the configured ones) with MicroCeph's daemon on its ``admin`` binding's
   address; any other unit reports itself in its peer unit databag and joins, on its own
   ``admin`` address, with the token the leader minted for it (a Juju secret granted to that
   unit only: never plain peer data);
3. the leader mints and revokes join tokens, and serves ceph-client consumers (pools, a cephx
   client, the fsid and monitors, the key in the interface's secret);
4. every member turns its chosen disks into OSDs and publishes how many it runs in its peer
   unit databag, so that the other units (whose statuses show the cluster's counts) get
   ``relation-changed`` and read the cluster again;
5. with ``failure-domain: zone``, the leader puts every member's host under a CRUSH bucket for
   its Juju availability zone (each unit publishes its zone in its peer unit databag) and, once
   there are three zones, places the pools it serves with a replicated rule split by zone.

Statuses are set only at collect-status, from what the last reconcile stored, so a hook that
changes nothing shows the same status as before.
"""

# pyright: strict

from __future__ import annotations

import logging
import os

import metal_charm
import metal_host
import ops
from metal_charm import bindings
from metal_interfaces import ceph_client, databag

import clients
import config
import disks
import workload

logger = logging.getLogger(__name__)

PEERS = 'ceph-peers'
"""The peer endpoint: join-token requests and the bootstrap record."""
CEPH_CLIENT = 'ceph-client'
"""The endpoint consumers get pools and a cephx key through."""
STORAGE = 'osd-devices'
"""Juju block storage that becomes OSDs."""
NO_ADMIN_ADDRESS = 'no address on the admin binding for MicroCeph to listen on: check its space'
"""Juju gives the unit no address in the space ``admin`` is bound to."""
PUBLIC = 'public'
"""Extra binding: Ceph's public network is its subnet (canonical/charm-microceph's)."""
CLUSTER = 'cluster'
"""Extra binding: Ceph's cluster network (OSD replication) is its subnet."""
ADMIN = 'admin'
"""Extra binding: the MicroCeph daemon listens on its bind address (``--microceph-ip``)."""

BOOTSTRAP_KEY = 'bootstrap'
"""Peer app data: {"node", "public-network", "cluster-network"} once the cluster exists."""
FILESYSTEMS_KEY = 'filesystems'
"""Peer app data: CephFS volumes created for consumers (their pools have other names)."""
FAILURE_DOMAIN_KEY = 'failure-domain'
"""Peer app data: the failure domain the operator asked for."""
ZONE_RULE_POOLS_KEY = 'zone-rule-pools'
"""Peer app data: the pools the leader set the zone rule on (so a hook does not repeat it)."""
OSDS_KEY = 'osds'
"""Peer unit data: how many OSDs this unit's machine runs (JSON int, absent when none).

Every unit's status shows the cluster's OSD counts, but only the unit that adds an OSD gets an
event for it. Publishing the new count here is what tells the others: Juju runs
``ceph-peers-relation-changed`` on every peer when a unit's databag changes, and their reconcile
reads the cluster again. Peers' statuses would otherwise lag until the next ``update-status``.
canonical/charm-microceph publishes its unit facts in the peer unit databag the same way
(``src/relation_handlers.py``: ``collect_peer_data``, ``set_unit_data`` @ 6ac6e6d), though its
status does not show cluster-wide counts.
"""
ZONE_KEY = 'availability-zone'
"""Peer unit data: the unit's Juju availability zone (JSON string), absent when Juju gives none."""
ZONE_ENV = 'JUJU_AVAILABILITY_ZONE'
"""Where Juju tells a hook the unit's availability zone."""
ZONE_RULE = 'replicated-zone'
"""The CRUSH rule for ``failure-domain: zone``: replicated, root ``default``, split by zone."""
CRUSH_ROOT = 'default'
"""The CRUSH root MicroCeph's hosts and the zone buckets sit under."""
MIN_ZONES = 3
"""Zones needed before pools get the zone rule: Ceph's default pool size is 3 replicas."""

_TRIGGERS = metal_charm.Triggers(
    leader=True,
    secrets=True,
    relations={
        PEERS: ('created', 'joined', 'changed', 'departed'),
        CEPH_CLIENT: ('created', 'joined', 'changed', 'broken'),
    },
    storage={STORAGE: ('attached', 'detaching')},
)
"""What runs the reconcile: the peers' join protocol, consumers, disks coming and going."""


class CephStorageCharm(ops.CharmBase):
    """A MicroCeph node; the leader runs the cluster's bootstrap, joins and consumers."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(installed='')
        self.ceph = ceph_client.Provider(self, CEPH_CLIENT)
        self.reconciler = metal_charm.Reconciler(
            self, self._reconcile, _TRIGGERS, initial=ops.MaintenanceStatus('installing')
        )
        self.revisions = metal_charm.SpentRevisions(self)  # tokens are single-use

    # -- the reconcile ---------------------------------------------------------------------------

    def _reconcile(self, _: ops.EventBase) -> list[ops.StatusBase]:
        """Bring this unit, and on the leader the cluster, to what config and relations ask."""
        try:
            settings = config.Settings.load(self.config)
        except config.ConfigError as e:
            return [ops.BlockedStatus(str(e))]
        if not self._stored.installed:
            try:
                workload.install(settings.channel)
            except workload.WorkloadError as e:
                return [ops.BlockedStatus(f'{e}; will retry on the next event')]
            self._stored.installed = settings.channel
        peers = self.model.get_relation(PEERS)
        if peers is None:
            return [ops.WaitingStatus('waiting for the ceph-peers relation')]
        address = bindings.bind_address(self.model, ADMIN)
        if address is None:
            return [ops.BlockedStatus(NO_ADMIN_ADDRESS)]
        node = metal_host.current().hostname()
        databag.write(peers.data[self.unit], ZONE_KEY, os.environ.get(ZONE_ENV, '').strip())
        own = metal_charm.Member.read(peers.data[self.unit])
        member = workload.is_member()
        app = peers.data[self.app]
        record = databag.read_dict(app.get(BOOTSTRAP_KEY))

        if self.unit.is_leader():
            if not member:
                if record:
                    return [
                        ops.BlockedStatus(
                            f'leader is not a MicroCeph member ({record.get("node")} '
                            'bootstrapped): move leadership to a member unit'
                        )
                    ]
                network, cluster_network = self._networks(settings, address)
                try:
                    workload.bootstrap(network, address, cluster_network)
                except workload.WorkloadError as e:
                    return [ops.BlockedStatus(f'bootstrap failed: {e}; will retry')]
                made = {'node': node, 'public-network': network}
                if cluster_network:
                    made['cluster-network'] = cluster_network
                databag.write(app, BOOTSTRAP_KEY, made)
                member = True
            databag.write(app, FAILURE_DOMAIN_KEY, settings.failure_domain)
        elif not member:
            return [self._join(peers, own, node, address, bool(record))]

        metal_charm.Member(node, address, metal_charm.JOINED).write(peers.data[self.unit])
        statuses: list[ops.StatusBase] = []
        if self.unit.is_leader():
            statuses += self._manage_tokens(peers)
        statuses += self._osds(settings, node)
        summary = self._summary(settings, node)
        if isinstance(summary, ops.StatusBase):
            return [*statuses, summary]
        ceph_status, here = summary
        databag.write(peers.data[self.unit], OSDS_KEY, here)
        serving = ''
        pool_names: list[str] = []
        if self.unit.is_leader():
            served, pool_names, problems = self._serve(peers, ceph_status)
            statuses += problems
            serving = f'; serving {_count(served, "pool")}'
        message = (
            f'MicroCeph: {_count(ceph_status.mons, "mon")}, {_count(here, "OSD")} here '
            f'({ceph_status.up_osds} up of {ceph_status.osds} in cluster){serving}'
        )
        if ceph_status.mons < min(settings.monitor_count, 3):
            message += f' (monitor-count {settings.monitor_count}: add units for more mons)'
        if settings.failure_domain == 'zone':
            zones = self._zones(peers, node)
            count = len(set(zones.values()))
            message += f'; failure domain zone ({_count(count, "zone")})'
            if self.unit.is_leader():
                statuses += self._apply_zones(peers, zones, pool_names)
        elif self.unit.is_leader():
            databag.write(app, ZONE_RULE_POOLS_KEY, [])
        return [*statuses, ops.ActiveStatus(message)]

    # -- joining -----------------------------------------------------------------------------

    def _join(
        self,
        peers: ops.Relation,
        own: metal_charm.Member,
        node: str,
        address: str,
        bootstrapped: bool,
    ) -> ops.StatusBase:
        """A non-leader outside the cluster: ask for a token, and join with it once granted."""
        state = own.state if own.state == metal_charm.TOKEN_FAILED else metal_charm.PENDING
        metal_charm.Member(node, address, state, own.failed_serial).write(peers.data[self.unit])
        if not bootstrapped:
            return ops.WaitingStatus('waiting for the leader to bootstrap MicroCeph')
        grant = self._tokens(peers).grant(self.unit.name)
        if not grant.issued or grant.token is None:
            return ops.WaitingStatus('waiting for a join token from the leader')
        token, serial = grant.token, grant.serial
        if serial is None or serial == own.failed_serial:
            return ops.WaitingStatus('join token rejected; waiting for a new one')
        try:
            workload.join(token, address)
        except workload.WorkloadError as e:
            logger.warning('joining with token %s failed: %s', serial, e)
            if not workload.token_is_spent(str(e)):
                # the cluster did not refuse the token (unreachable, starting): it stays valid,
                # and microcluster would refuse a second one for this node until it expires
                return ops.WaitingStatus(f'joining MicroCeph failed: {e}; will retry')
            failed = metal_charm.Member(node, address, metal_charm.TOKEN_FAILED, serial)
            failed.write(peers.data[self.unit])
            return ops.WaitingStatus('join token rejected; asked the leader for a new one')
        metal_charm.Member(node, address, metal_charm.JOINED).write(peers.data[self.unit])
        return ops.MaintenanceStatus('joined MicroCeph; adding OSDs on the next event')

    def _tokens(self, peers: ops.Relation) -> metal_charm.JoinTokens:
        """The join tokens of the peer relation (secrets labelled ``join-token-<unit>``)."""
        return metal_charm.JoinTokens(
            self.model, peers, label_prefix='', description='MicroCeph join token'
        )

    def _manage_tokens(self, peers: ops.Relation) -> list[ops.StatusBase]:
        """Leader: revoke the tokens of joined or departed units, mint the ones asked for."""
        members = {u.name: metal_charm.Member.read(peers.data[u]) for u in peers.units}
        tokens = self._tokens(peers)
        tokens.revoke_stale(members)
        failed = tokens.issue(members, workload.add_node, workload.WorkloadError)
        return [ops.MaintenanceStatus(f'join token for {n}: {e}; will retry') for n, e in failed]

    # -- OSDs --------------------------------------------------------------------------------

    def _osds(self, settings: config.Settings, node: str) -> list[ops.StatusBase]:
        """Add this machine's chosen disks as OSDs; say which were refused and why."""
        storage = [str(s.location) for s in self.model.storages.get(STORAGE, [])]
        try:
            devices = workload.block_devices()
            existing = workload.osd_paths(node)
            aliases = workload.resolve_devices(
                [*storage, *(settings.osd_devices or ()), *existing], [d.path for d in devices]
            )
        except workload.WorkloadError as e:
            return [ops.MaintenanceStatus(f'cannot list disks: {e}; will retry')]
        choice = disks.choose(devices, settings.osd_devices, storage, existing, aliases)
        problems: list[ops.StatusBase] = []
        for path in choice.add:
            try:
                workload.add_disk(path)
            except workload.WorkloadError as e:
                problems.append(ops.BlockedStatus(f'cannot add OSD {path}: {e}'))
        if choice.refused:
            why = ', '.join(f'{path} {reason}' for path, reason in choice.refused)
            problems.append(ops.BlockedStatus(f'osd-devices: {why} (not wiped)'))
        if not existing and not choice.add and not choice.refused:
            problems.append(
                ops.BlockedStatus(
                    f'no blank disks for OSDs (osd-devices={settings.osd_devices_option!r}); '
                    'attach a disk or list devices'
                )
            )
        return problems

    def _summary(
        self, settings: config.Settings, node: str
    ) -> tuple[workload.CephStatus, int] | ops.StatusBase:
        try:
            return workload.status(), workload.count_osds(node)
        except workload.WorkloadError as e:
            return ops.MaintenanceStatus(f'cannot read the cluster status: {e}; will retry')

    # -- failure domain zone --------------------------------------------------------------

    def _zones(self, peers: ops.Relation, node: str) -> dict[str, str | None]:
        """Every joined member's node name -> its availability zone (None: Juju gave none)."""
        out: dict[str, str | None] = {node: databag.read_str(peers.data[self.unit].get(ZONE_KEY))}
        for unit in peers.units:
            data = peers.data[unit]
            member = metal_charm.Member.read(data)
            if member.joined and member.node is not None:
                out[member.node] = databag.read_str(data.get(ZONE_KEY))
        return out

    def _apply_zones(
        self, peers: ops.Relation, zones: dict[str, str | None], pool_names: list[str]
    ) -> list[ops.StatusBase]:
        """Leader: zone buckets under the root, hosts under their zone, the rule on the pools.

        Only what the CRUSH map lacks is changed, so a hook with nothing new runs just the
        two reads. Pools get the rule once there are :data:`MIN_ZONES` zones: with fewer, a
        3-replica pool split by zone could not place its replicas, so they keep their rule and
        the unit is blocked until units in more zones join (or ``failure-domain`` is ``host``).
        """
        app = peers.data[self.app]
        missing = sorted(n for n, z in zones.items() if z is None)
        named = {n: z for n, z in zones.items() if z is not None}
        try:
            buckets = workload.crush_buckets()
            for zone in sorted(set(named.values())):
                bucket = buckets.get(zone)
                if bucket is None:
                    workload.add_crush_bucket(zone, 'zone')
                if bucket is None or bucket.parent != CRUSH_ROOT:
                    workload.move_crush_bucket(zone, 'root', CRUSH_ROOT)
            for host, zone in sorted(named.items()):
                bucket = buckets.get(host)
                if bucket is not None and bucket.parent != zone:
                    workload.move_crush_bucket(host, 'zone', zone)
            if ZONE_RULE not in workload.crush_rules():
                workload.create_replicated_rule(ZONE_RULE, CRUSH_ROOT, 'zone')
            count = len(set(named.values()))
            if count < MIN_ZONES:
                return [
                    ops.BlockedStatus(
                        f'failure-domain zone: {_count(count, "availability zone")}, '
                        f'{MIN_ZONES} needed for 3 replicas; pools keep their CRUSH rule'
                        + _without_zone(missing)
                    )
                ]
            done = set(databag.read_list(app.get(ZONE_RULE_POOLS_KEY)))
            for pool in pool_names:
                if pool not in done:
                    workload.set_pool_rule(pool, ZONE_RULE)
                    done.add(pool)
                    databag.write(app, ZONE_RULE_POOLS_KEY, sorted(done))
        except workload.WorkloadError as e:
            return [ops.MaintenanceStatus(f'failure-domain zone: {e}; will retry')]
        if missing:
            return [ops.BlockedStatus('failure-domain zone:' + _without_zone(missing)[1:])]
        return []

    # -- consumers ---------------------------------------------------------------------------

    def _serve(
        self, peers: ops.Relation, ceph_status: workload.CephStatus
    ) -> tuple[int, list[str], list[ops.StatusBase]]:
        """Leader: create each consumer's pools and client, publish the cluster to it.

        Returns the number of pools served, the Ceph pools behind them (a CephFS volume has
        two), and the problems.
        """
        requests = self.ceph.requests()
        if not requests:
            return 0, [], []
        problems: list[ops.StatusBase] = []
        served = 0
        names: list[str] = []
        try:
            fsid = workload.fsid()
            mons = workload.mon_addresses()
            existing = workload.pools()
        except workload.WorkloadError as e:
            return 0, [], [ops.MaintenanceStatus(f'ceph-client: {e}; will retry')]
        app = peers.data[self.app]
        filesystems = set(databag.read_list(app.get(FILESYSTEMS_KEY)))
        for request in requests:
            name, pools = request.app.client_name, request.app.pools
            if name is None or pools is None:
                continue
            try:
                for pool in pools:
                    if pool.application == 'cephfs':
                        if pool.name not in filesystems:
                            workload.create_fs(pool.name)
                            filesystems.add(pool.name)
                    elif pool.name not in existing:
                        replicas = pool.replicas
                        if replicas == 1:
                            # MicroCeph leaves mon_allow_pool_size_one off: Ceph refuses size 1
                            problems.append(
                                ops.BlockedStatus(
                                    f'ceph-client {request.relation.app.name}: pool '
                                    f'{pool.name} asks for 1 replica, which Ceph refuses by '
                                    'default; it gets the cluster default'
                                )
                            )
                            replicas = None
                        workload.create_pool(pool.name, pool.application, replicas)
                        existing.add(pool.name)
                key = workload.client_key(name, clients.caps(pools))
            except workload.WorkloadError as e:
                problems.append(
                    ops.MaintenanceStatus(f'ceph-client {request.relation.app.name}: {e}')
                )
                continue
            ready = ceph_status.up_osds > 0
            self.ceph.publish(request.relation, fsid, mons, pools, key, ready=ready)
            served += len(pools)
            for pool in pools:
                if pool.application == 'cephfs':
                    names += [f'cephfs.{pool.name}.meta', f'cephfs.{pool.name}.data']
                else:
                    names.append(pool.name)
        databag.write(app, FILESYSTEMS_KEY, sorted(filesystems))
        return served, list(dict.fromkeys(names)), problems

    # -- other events ------------------------------------------------------------------------

    def _networks(self, settings: config.Settings, admin_address: str) -> tuple[str, str]:
        """The public and cluster networks to bootstrap with, as canonical/charm-microceph.

        ``_get_bootstrap_params`` there (``src/charm.py``): the public network is the configured
        one, else the subnet of the ``public`` binding; the cluster network the configured one,
        else the subnet of the ``cluster`` binding ('' leaves MicroCeph's default, the public
        network); ``--microceph-ip`` the ``admin`` binding's bind address. Never the machine's
        first address: on a MAAS machine with several NICs that is the PXE/OAM one. Without a
        subnet for the public binding, its address's /24 or /64 is a guess
        (:func:`config.public_network`).
        """
        public_address = bindings.bind_address(self.model, PUBLIC) or admin_address
        public = config.public_network(
            settings.public_network, public_address, bindings.bind_subnet(self.model, PUBLIC)
        )
        cluster = settings.cluster_network or bindings.bind_subnet(self.model, CLUSTER) or ''
        return public, cluster


def _without_zone(nodes: list[str]) -> str:
    """``; no availability zone for ceph-3`` (empty when every member has one)."""
    return f'; no availability zone for {", ".join(nodes)}' if nodes else ''


def _count(number: int, noun: str) -> str:
    """``1 pool``, ``2 pools``: statuses are read by people."""
    return f'{number} {noun}{"" if number == 1 else "s"}'


if __name__ == '__main__':  # pragma: no cover
    ops.main(CephStorageCharm)
