#!/usr/bin/env python3
"""A subordinate for olm's tests on a custom container-scoped interface."""

import ops


class SidecarCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.backend_relation_joined, self._on_seen)
        framework.observe(self.on.backend_relation_changed, self._on_seen)

    def _on_seen(self, event: ops.RelationEvent) -> None:
        seen = sorted(u.name for u in event.relation.units)
        event.relation.data[self.unit]['seen-by-sidecar'] = ','.join(seen)
        self.unit.status = ops.ActiveStatus(f'beside {", ".join(seen)}')


if __name__ == '__main__':
    ops.main(SidecarCharm)
