#!/usr/bin/env python3
"""A subordinate for olm's tests: it reports the principal unit(s) it sees over juju-info."""

import ops


class CompanionCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.juju_info_relation_joined, self._on_seen)
        framework.observe(self.on.juju_info_relation_changed, self._on_seen)
        framework.observe(self.on.juju_info_relation_departed, self._on_seen)

    def _on_install(self, _: ops.InstallEvent) -> None:
        self.unit.status = ops.WaitingStatus('waiting for a principal')

    def _on_seen(self, event: ops.RelationEvent) -> None:
        seen = sorted(u.name for u in event.relation.units)
        if isinstance(event, ops.RelationDepartedEvent) and event.departing_unit:
            seen = [name for name in seen if name != event.departing_unit.name]
        address = ''
        for unit in event.relation.units:
            address = event.relation.data[unit].get('ingress-address', '')
        event.relation.data[self.unit]['principals'] = ','.join(seen)
        if seen:
            self.unit.status = ops.ActiveStatus(f'attached to {", ".join(seen)} at {address}')
        else:
            self.unit.status = ops.WaitingStatus('waiting for a principal')


if __name__ == '__main__':
    ops.main(CompanionCharm)
