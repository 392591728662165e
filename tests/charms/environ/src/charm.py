#!/usr/bin/env python3
"""A charm that reports the environment its hooks and actions run with."""

import json
import os

import ops


class EnvironCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.environment_action, self._on_environment)

    def _on_install(self, _: ops.InstallEvent) -> None:
        names = sorted(k for k in os.environ if not k.startswith('JUJU_'))
        self.unit.status = ops.ActiveStatus(' '.join(names))

    def _on_environment(self, event: ops.ActionEvent) -> None:
        event.set_results({'environment': json.dumps(dict(os.environ), sort_keys=True)})


if __name__ == '__main__':
    ops.main(EnvironCharm)
