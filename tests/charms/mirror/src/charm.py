#!/usr/bin/env python3
"""Test charm for olm: mirrors what the remote application publishes."""

import ops


class MirrorCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.db_relation_changed, self._on_changed)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        # Imported here on purpose: a late import must still find this charm's module.
        import workload

        event.relation.data[self.unit]['mirror'] = workload.NAME

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        import workload

        leaders = [r.data[r.app].get('leader', '') for r in self.model.relations['db'] if r.app]
        event.add_status(ops.ActiveStatus(f'{workload.NAME} leader={",".join(leaders)}'))


if __name__ == '__main__':
    ops.main(MirrorCharm)
