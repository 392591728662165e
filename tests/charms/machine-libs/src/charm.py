#!/usr/bin/env python3
"""A charm that drives its machine with Canonical's charm libraries for the machine, unchanged.

On install it makes sure the ``microceph`` snap is installed from ``squid/stable``, starts and
enables its ``mon`` service (left disabled by the snap's install), sets a snap option, holds
the snap's refreshes and aliases its ``ceph`` command, all through snapd's REST API
(charmlibs-snap); it adds the ``haproxy`` package (charmlibs-apt) and restarts its service
(charmlibs-systemd). Status says what the
libraries then report. The ``legacy`` action does the same kind of work with the older
``charms.operator_libs_linux`` libraries, when they are in ``lib/``.
"""

from __future__ import annotations

import ops
from charmlibs import apt, snap, systemd

SNAP = 'microceph'
CHANNEL = 'squid/stable'
PACKAGE = 'haproxy'


class MachineLibsCharm(ops.CharmBase):
    """Installs a snap, a package and their services through the charm libraries."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.update_status, self._on_start)
        framework.observe(self.on.legacy_action, self._on_legacy)

    def _on_install(self, event: ops.InstallEvent) -> None:
        self.unit.status = ops.MaintenanceStatus(f'installing {SNAP}')
        snap.ensure_installed(SNAP, CHANNEL)
        snap.start(SNAP, 'mon', enable=True)
        snap.set(SNAP, {'olm.test': 'machine-libs'})
        snap.hold(SNAP)
        snap.alias(SNAP, 'ceph', 'ceph')
        self.unit.status = ops.MaintenanceStatus(f'adding {PACKAGE}')
        apt.update()
        apt.add_package(PACKAGE)
        systemd.service_restart(PACKAGE)

    def _on_start(self, event: ops.EventBase) -> None:
        info = snap.list_one(SNAP)
        option = snap.get_one(SNAP, 'olm.test')
        package = apt.DebianPackage.from_installed_package(PACKAGE)
        if not systemd.service_running(PACKAGE):
            self.unit.status = ops.BlockedStatus(f'{PACKAGE} is not running')
            return
        held = 'held' if info.hold is not None else 'not held'
        self.unit.status = ops.ActiveStatus(
            f'{SNAP} {info.tracking} r{info.revision} {held} ({option}); '
            f'{PACKAGE} {package.fullversion} running'
        )

    def _on_legacy(self, event: ops.ActionEvent) -> None:
        from charms.operator_libs_linux.v0 import apt as apt_v0
        from charms.operator_libs_linux.v1 import systemd as systemd_v1
        from charms.operator_libs_linux.v2 import snap as snap_v2

        cache = snap_v2.SnapCache()
        maas = cache['maas']
        maas.ensure(snap_v2.SnapState.Latest, channel='3.6/stable')
        maas.hold()
        maas.set({'olm.legacy': 'yes'}, typed=True)
        maas.restart(['pebble'])
        maas.alias('maas', 'maas-cli')
        snap_v2.hold_refresh(forever=True)
        apt_v0.add_package('jq')
        releases = {repository.release for repository in apt_v0.RepositoryMapping()}
        event.set_results(
            {
                'apt-releases': ','.join(sorted(releases)),
                'maas-present': str(cache['maas'].present),
                'maas-held': str(maas.held),
                'maas-option': maas.get('olm.legacy'),
                'maas-services': ','.join(sorted(maas.services)),
                'jq': apt_v0.DebianPackage.from_installed_package('jq').fullversion,
                'haproxy-running': str(systemd_v1.service_running(PACKAGE)),
            }
        )


if __name__ == '__main__':  # pragma: nocover
    ops.main(MachineLibsCharm)
