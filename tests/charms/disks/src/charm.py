#!/usr/bin/env python3
"""Storage test charm for olm: its stores shape allocation; the charm only reports active."""

import ops


class DisksCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


if __name__ == '__main__':
    ops.main(DisksCharm)
