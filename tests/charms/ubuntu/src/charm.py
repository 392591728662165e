#!/usr/bin/env python3
"""Stand-in for Charmhub's ``ubuntu`` charm: an empty machine whose unit reports active."""

import ops


class UbuntuCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.start, self._on_start)

    def _on_start(self, _: ops.StartEvent) -> None:
        self.unit.status = ops.ActiveStatus()


if __name__ == '__main__':
    ops.main(UbuntuCharm)
