#!/usr/bin/env python3
"""A charm whose status comes from humanize, which only its requirements.txt installs."""

import humanize
import ops


class ExtrasCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)

    def _on_install(self, event: ops.InstallEvent) -> None:
        self.unit.status = ops.ActiveStatus(
            f'humanize {humanize.__version__}: {humanize.naturalsize(1_000_000)}'
        )


if __name__ == '__main__':
    ops.main(ExtrasCharm)
