#!/usr/bin/env python3
"""Test charm: a library-style object with its own class-level events."""

import ops


class PeersChanged(ops.EventBase):
    """The peers' data changed."""


class RingEvents(ops.ObjectEvents):
    peers_changed = ops.EventSource(PeersChanged)


class Ring(ops.Object):
    """Watches the peer relation and emits ``peers_changed``, as an interface library does."""

    on = RingEvents()

    def __init__(self, charm: ops.CharmBase):
        super().__init__(charm, 'ring')
        self.charm = charm
        charm.framework.observe(charm.on.ring_relation_joined, self._changed)
        charm.framework.observe(charm.on.ring_relation_changed, self._changed)

    def _changed(self, _: ops.EventBase) -> None:
        self.on.peers_changed.emit()


class EmitterCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.ring = Ring(self)
        framework.observe(self.ring.on.peers_changed, self._publish)
        framework.observe(self.on.start, self._publish)

    def _publish(self, _: ops.EventBase) -> None:
        relation = self.model.get_relation('ring')
        if relation is not None:
            relation.data[self.unit]['seen'] = str(len(relation.units))
        self.unit.status = ops.ActiveStatus()


if __name__ == '__main__':
    ops.main(EmitterCharm)
