"""The snaps the simulated store offers every World, snapd among them."""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping

from ...catalog import SnapApp, SnapRelease, SnapSpec  # the store's entries, which the World holds

SNAPD_VERSION = '2.67.1+24.04'
"""The snapd the simulated machines report, before the simulated label."""


def _k8s_apps() -> tuple[SnapApp, ...]:
    off = [
        'containerd',
        'etcd',
        'k8s-apiserver-proxy',
        'k8s-dqlite',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-proxy',
        'kube-scheduler',
        'kubelet',
    ]
    return (
        SnapApp('k8s', daemon=None),
        SnapApp('k8sd'),
        *(SnapApp(name, install_mode='disable') for name in off),
    )


_SIMULATED_ENTRY = 'Simulated store entry: the olm simulation offers it, no store was asked.'

DEFAULT_SNAPS: Mapping[str, SnapSpec] = {
    spec.name: spec
    for spec in (
        SnapSpec(
            'k8s',
            'Canonical Kubernetes, a lightweight and resilient Kubernetes distribution',
            releases=(
                SnapRelease('1.31-classic/stable', 'v1.31.7', 3560, '2025-03-20', 110),
                SnapRelease('1.32-classic/stable', 'v1.32.3', 3640, '2025-03-20', 112),
                SnapRelease('1.32-classic/edge', 'v1.32.4', 3702, '2025-04-10', 112),
                SnapRelease('1.33-classic/stable', 'v1.33.0', 3811, '2025-05-02', 115),
                SnapRelease('1.34-classic/stable', 'v1.34.2', 4120, '2025-11-20', 118),
                SnapRelease('1.35-classic/stable', 'v1.35.1', 4390, '2026-02-12', 120),
                SnapRelease('1.36-classic/stable', 'v1.36.1', 4710, '2026-08-24', 124),
                SnapRelease('latest/edge', 'v1.34.0-alpha.1', 3900, '2025-05-20', 116),
            ),
            apps=_k8s_apps(),
            confinement='classic',
            default_track='1.32-classic',
            license='GPL-3.0-only',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'microceph',
            'Simple clustered Ceph deployment',
            releases=(
                SnapRelease('reef/stable', '18.2.4+snap7fcb5eb1c1', 1228, '2024-11-18', 110),
                SnapRelease('squid/stable', '19.2.0+snapab139d4a1f', 1393, '2025-03-01', 114),
                SnapRelease('squid/candidate', '19.2.1+snap6ee2b1c9b2', 1427, '2025-04-01', 114),
                SnapRelease('latest/stable', '19.2.0+snapab139d4a1f', 1393, '2025-03-01', 114),
                SnapRelease('latest/edge', '19.2.1+snap8ff2a7a41c', 1450, '2025-05-01', 115),
            ),
            # canonical/microceph snap/snapcraft.yaml @ squid: base core24 (reef: core22), the
            # daemon and the disabled services it starts as a member takes them on, the
            # log-rotate timer and the CLIs. The versions and revisions are assumptions (the
            # store is not read); the emulated behaviour is the squid branch's.
            apps=(
                SnapApp('daemon'),
                SnapApp('mds', install_mode='disable'),
                SnapApp('mon', install_mode='disable'),
                SnapApp('mgr', install_mode='disable'),
                SnapApp('nfs', install_mode='disable'),
                SnapApp('osd', install_mode='disable'),
                SnapApp('rgw', install_mode='disable'),
                SnapApp('rbd-mirror', install_mode='disable'),
                SnapApp('cephfs-mirror', install_mode='disable'),
                SnapApp('log-rotate', daemon='oneshot'),
                SnapApp('ceph', daemon=None),
                SnapApp('microceph', daemon=None),
                SnapApp('rbd', daemon=None),
                SnapApp('rados', daemon=None),
                SnapApp('ceph-bluestore-tool', daemon=None),
                SnapApp('ceph-authtool', daemon=None),
            ),
            base='core24',
            default_track='latest',
            license='AGPL-3.0',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'maas',
            'Metal as a Service: cloud-style provisioning for physical servers',
            releases=(
                SnapRelease('3.5/stable', '3.5.4-16349-g.0a67b5b9d', 37470, '2025-02-12', 180),
                SnapRelease('3.6/stable', '3.6.0-16377-g.dc4fc3b74', 38130, '2025-03-14', 185),
                SnapRelease('3.6/edge', '3.6.1-16402-g.e7c84a3f1', 38412, '2025-05-01', 186),
            ),
            # canonical/maas snap/snapcraft.yaml @ 3.5 and 3.6: pebble is the only daemon
            # (epoch 4, "(3.5) supervisord -> Pebble migration"), no reload command; 3.6 is
            # built on core24 (3.5 on core22). 3.4 and older (supervisord) are not modelled: the
            # charms refuse those tracks.
            apps=(
                SnapApp('maas', daemon=None),
                SnapApp('pebble'),
                SnapApp('power', daemon=None),
            ),
            base='core24',
            default_track='3.6',
            license='AGPL-3.0',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'core22',
            'Runtime environment based on Ubuntu 22.04',
            releases=(SnapRelease('latest/stable', '20250315', 1908, '2025-03-15', 77),),
            type='base',
            base=None,
            license='unset',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'core24',
            'Runtime environment based on Ubuntu 24.04',
            releases=(SnapRelease('latest/stable', '20250318', 888, '2025-03-18', 68),),
            type='base',
            base=None,
            license='unset',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'snapd',
            'Daemon and tooling that enable snap packages',
            releases=(SnapRelease('latest/stable', SNAPD_VERSION.split('+')[0], 24505),),
            type='snapd',
            base=None,
            license='GPL-3.0',
            description=_SIMULATED_ENTRY,
        ),
    )
}
"""The simulated store every World starts with."""
