#!/usr/bin/env python3
"""A charm with a hook loop: each unit raises its count above its peers' on every change."""

import ops


class EchoCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.chatter_relation_changed, self._on_changed)
        framework.observe(self.on.chatter_relation_joined, self._on_changed)

    def _on_changed(self, event: ops.RelationEvent) -> None:
        counts = [int(event.relation.data[u].get('count', '0')) for u in event.relation.units]
        event.relation.data[self.unit]['count'] = str(max(counts, default=0) + 1)


if __name__ == '__main__':
    ops.main(EchoCharm)
