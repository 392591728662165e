"""No charm here declares a public interface name whose protocol it does not speak.

Juju relates two endpoints whenever their interface names match, so an endpoint named after a
public interface but speaking another protocol can be integrated with any Charmhub charm of
that interface, which then silently misbehaves. Each entry below is a public interface name
with the source that defines it; our charms take names of their own instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CHARMCRAFT_FILES = sorted(
    [*ROOT.glob('charms/*/charmcraft.yaml'), *ROOT.glob('tests/charms/*/charmcraft.yaml')]
)

PUBLIC_INTERFACES = {
    # A requests/responses protocol (LBProvider/LBConsumers); canonical/k8s-operator's k8s charm
    # requires it (charms/worker/k8s/charmcraft.yaml, `interface: loadbalancer`). Ours is
    # metal-loadbalancer (lib/metal_interfaces/loadbalancer.py).
    'loadbalancer': 'charmed-kubernetes/loadbalancer-interface (PyPI loadbalancer-interface)',
    # Charmed Ceph: consumers send broker requests (broker_req) and read auth/key/
    # ceph-public-address. openstack/charm-ceph-mon metadata.yaml (provides client, admin,
    # mds, osd, radosgw, rbd-mirror; peers mon: ceph) and canonical/charm-microceph
    # metadata.yaml (provides ceph: ceph-client, ceph-nfs, ceph-rgw; peers ceph-peer). Ours is
    # metal-ceph-client (lib/metal_interfaces/ceph_client.py).
    'ceph-client': 'openstack/charm-ceph-mon, canonical/charm-microceph metadata.yaml',
    'ceph-admin': 'openstack/charm-ceph-mon metadata.yaml (provides admin)',
    'ceph-mds': 'openstack/charm-ceph-mon, canonical/charm-microceph metadata.yaml',
    'ceph-osd': 'openstack/charm-ceph-mon metadata.yaml (provides osd)',
    'ceph-radosgw': 'openstack/charm-ceph-mon, canonical/charm-microceph metadata.yaml',
    'ceph-rbd-mirror': 'openstack/charm-ceph-mon metadata.yaml (provides rbd-mirror)',
    'ceph-nfs-client': 'canonical/charm-microceph metadata.yaml (provides ceph-nfs)',
    'ceph-rgw-client': 'canonical/charm-microceph metadata.yaml (provides ceph-rgw)',
    'ceph': 'openstack/charm-ceph-mon metadata.yaml (peers mon)',
    'ceph-peer': 'canonical/charm-microceph metadata.yaml (peers)',
    # Canonical Kubernetes: canonical/k8s-operator charms/worker/k8s/charmcraft.yaml.
    'k8s-cluster': 'canonical/k8s-operator charms/worker/k8s/charmcraft.yaml (cluster)',
    'kube-control': 'canonical/k8s-operator charms/worker/k8s/charmcraft.yaml (kube-control)',
    'etcd': 'canonical/k8s-operator charms/worker/k8s/charmcraft.yaml (etcd)',
    'containerd': 'canonical/k8s-operator charms/worker/k8s/charmcraft.yaml (containerd)',
    'kubernetes-info': 'canonical/k8s-operator charms/worker/k8s/charmcraft.yaml',
}
"""Public interface name -> where its protocol is defined."""


def _interfaces(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text()) or {}
    found: list[tuple[str, str]] = []
    for role in ('provides', 'requires', 'peers'):
        for endpoint, spec in (data.get(role) or {}).items():
            if isinstance(spec, dict) and 'interface' in spec:
                found.append((str(endpoint), str(spec['interface'])))
    return found


@pytest.mark.parametrize('path', CHARMCRAFT_FILES, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_no_endpoint_takes_a_public_interface_name_it_does_not_speak(path: Path) -> None:
    clashes = [
        f'{endpoint}: {interface} is {PUBLIC_INTERFACES[interface]}'
        for endpoint, interface in _interfaces(path)
        if interface in PUBLIC_INTERFACES
    ]
    assert not clashes, clashes


def test_the_loadbalancer_endpoints_speak_metal_loadbalancer() -> None:
    ours = {
        str(path.parent.relative_to(ROOT)): dict(_interfaces(path)).get('loadbalancer')
        for path in CHARMCRAFT_FILES
    }
    assert ours['charms/load-balancer'] == 'metal-loadbalancer'
    assert ours['charms/kubernetes-control-plane'] == 'metal-loadbalancer'
    assert ours['tests/charms/lb-client'] == 'metal-loadbalancer'


def test_the_ceph_client_endpoints_speak_metal_ceph_client() -> None:
    ours = {
        str(path.parent.relative_to(ROOT)): dict(_interfaces(path)).get('ceph-client')
        for path in CHARMCRAFT_FILES
    }
    assert ours['charms/ceph-storage'] == 'metal-ceph-client'
    assert ours['charms/kubernetes-control-plane'] == 'metal-ceph-client'
    assert ours['tests/charms/ceph-consumer'] == 'metal-ceph-client'
