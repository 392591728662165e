#!/usr/bin/env python3
"""Benchmark charm for olm: one reconcile on every event, data published once."""

import ops


class BenchCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        for event in (
            self.on.install,
            self.on.config_changed,
            self.on.start,
            self.on.leader_elected,
            self.on.cluster_relation_changed,
            self.on.api_relation_joined,
            self.on.upstream_relation_changed,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _reconcile(self, _: ops.EventBase) -> None:
        port = str(self.config['port'])
        for relation in self.model.relations['cluster'] + self.model.relations['api']:
            if relation.data[self.unit].get('port') != port:
                relation.data[self.unit]['port'] = port
            if self.unit.is_leader() and relation.data[self.app].get('port') != port:
                relation.data[self.app]['port'] = port

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        upstream = self.model.get_relation('upstream')
        if upstream is not None and upstream.app and not upstream.data[upstream.app].get('port'):
            event.add_status(ops.WaitingStatus('waiting for upstream'))
        event.add_status(ops.ActiveStatus())


if __name__ == '__main__':
    ops.main(BenchCharm)
