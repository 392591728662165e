"""The emulated programs every World runs: snap, apt-get, systemctl, maas, k8s, haproxy, ip ….

Also apt-cache, dpkg, dpkg-query and keepalived.

Each is a :data:`~orchestrator.sim.host.Handler`; :data:`BUILTIN` maps program names to them and
:func:`provision` gives a freshly added machine what a deployed Ubuntu 24.04 server already has
(base packages and their running services, ``/sys/class/net``). Together with the simulated
store's and archive's entries they make :data:`UBUNTU_2404`, the
:class:`~orchestrator.sim.world.MachineImage` set here as every World's default: the World
imports no program, the programs register with it.

``maas`` is registered in every World but, as on a real machine, only runs where the ``maas``
snap is installed (exit status 127 elsewhere); so does ``k8s``, Canonical Kubernetes' CLI,
where the ``k8s`` snap is; ``haproxy`` and ``keepalived`` where their Debian packages are,
``ip`` where iproute2 is (every machine), and ``lsblk`` lists the disks the pool gave the
machine; ``microceph``, ``microceph.ceph`` and its alias ``ceph`` run where the ``microceph``
snap is; ``curl`` (a base package, so every machine) follows the network path through the
simulated machines: keepalived's VIP, HAProxy's frontends and health checks, Canonical
Kubernetes' API server.

Programs that follow each other do so through hooks the followed program defines, so each
program's behaviour is read in its own module: keepalived re-elects its VIP holders after
every ``systemctl`` run (:func:`.systemctl.after_each_run`), maas's rackd catches up before
``journalctl`` reads the journal (:func:`.journalctl.before_reading`); what several programs
read of each other's state (a package installed, a unit active, the interface names) is in
``_machine_state``. Programs added later register themselves on a World's
:attr:`~orchestrator.sim.World.programs`.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping

from ..world import Handler, MachineImage, SimHost, set_default_image
from . import (
    apt,
    curl,
    haproxy,
    iproute,
    journalctl,
    k8s,
    keepalived,
    lsblk,
    maas,
    microceph,
    snap,
    systemctl,
)

__all__ = [
    'BUILTIN',
    'UBUNTU_2404',
    'apt',
    'curl',
    'haproxy',
    'iproute',
    'journalctl',
    'k8s',
    'keepalived',
    'lsblk',
    'maas',
    'microceph',
    'provision',
    'snap',
    'systemctl',
]

BUILTIN: Mapping[str, Handler] = {
    'snap': snap.handle,
    'apt-get': apt.handle_apt_get,
    'apt-cache': apt.handle_apt_cache,
    'dpkg': apt.handle_dpkg,
    'dpkg-query': apt.handle_dpkg_query,
    'systemctl': systemctl.handle,
    'maas': maas.handle,
    'journalctl': journalctl.handle,
    'k8s': k8s.handle,
    'haproxy': haproxy.handle,
    'keepalived': keepalived.handle,
    'ip': iproute.handle,
    'lsblk': lsblk.handle,
    'microceph': microceph.handle,
    'microceph.ceph': microceph.handle_ceph,
    'ceph': microceph.handle_ceph,
    'curl': curl.handle,
}
"""Program name → handler, registered in every World."""


def provision(host: SimHost) -> None:
    """Install a fresh machine's base packages and start their services; fill /sys/class/net."""
    apt.provision(host)
    iproute.provision_sysfs(host)


UBUNTU_2404 = MachineImage(
    programs=BUILTIN,
    snaps=snap.DEFAULT_SNAPS,
    packages=apt.DEFAULT_PACKAGES,
    provision=provision,
    sockets={snap.SOCKET_PATH: snap.serve},
)
"""Ubuntu 24.04 as MAAS deploys it, with the simulated store and archive and snapd's API on its
socket: every World's default."""

set_default_image(UBUNTU_2404)
