#!/usr/bin/env python3
"""Test charm for olm: a ceph_client requirer; active once it has its pool and its key."""

import hashlib

import ops
from metal_interfaces import ceph_client


class CephConsumerCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.ceph = ceph_client.Requirer(self, 'ceph-client')
        for event in (
            self.on.config_changed,
            self.on.leader_elected,
            self.on.ceph_client_relation_joined,
            self.on.ceph_client_relation_changed,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _reconcile(self, _: ops.EventBase) -> None:
        self.ceph.request('olm-test', [ceph_client.Pool(name='olm-test')])

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        cluster = self.ceph.cluster()
        key = self.ceph.client_key()
        if cluster is None or not cluster.is_ready or key is None:
            event.add_status(ops.WaitingStatus('waiting for ceph'))
            return
        pools = ','.join(p.name for p in cluster.pools or [])
        # Never the key itself: a digest shows the unit holds the one the cluster made.
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        event.add_status(
            ops.ActiveStatus(f'fsid {cluster.fsid}; pools {pools}; key sha256 {digest}')
        )


if __name__ == '__main__':
    ops.main(CephConsumerCharm)
