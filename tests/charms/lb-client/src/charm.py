#!/usr/bin/env python3
"""Test charm for olm: a loadbalancer requirer whose units are HTTPS backends on 6443."""

import ops
from metal_interfaces import loadbalancer


class LbClientCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.lb = loadbalancer.Requirer(self, 'loadbalancer')
        for event in (
            self.on.config_changed,
            self.on.leader_elected,
            self.on.loadbalancer_relation_joined,
            self.on.loadbalancer_relation_changed,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _reconcile(self, _: ops.EventBase) -> None:
        binding = self.model.get_binding('loadbalancer')
        address = binding.network.ingress_address if binding else None
        if address is not None:
            self.lb.set_backend(str(address))
        check = loadbalancer.HealthCheck(protocol='https', path='/livez', statuses=(200, 401))
        self.lb.request(6443, 6443, check)

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        frontends = self.lb.frontends()
        if frontends is None or not frontends.is_ready:
            event.add_status(ops.WaitingStatus('waiting for the load balancer'))
        else:
            event.add_status(ops.ActiveStatus(f'behind {", ".join(frontends.addresses)}'))


if __name__ == '__main__':
    ops.main(LbClientCharm)
