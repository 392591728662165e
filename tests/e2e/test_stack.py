"""Every charm related to the others with no space bindings converges (simulation).

This locks in the paths between charms that the per-charm tests cannot reach: the control
plane behind the load balancer's VIP (SANs, endpoints, kubeconfig) and backed by Ceph (CSI and
storage classes), workers joining it, and racks registering with the MAAS region, here with
every endpoint on the default space, machines chosen by tags and Ceph's OSDs on the hdd
servers' disks (its ``osd-devices`` option, no Juju storage). bundles/metal-k8s.yaml, bound to
spaces and with Juju storage, is test_metal_k8s.py's, where ten seeds of it are deployed; one
seed of this unbound stack is enough here.
"""

from __future__ import annotations

import json
from pathlib import Path

from olmcli import BUNDLES, OFFERS, copy_state, ok, status

BUNDLE = BUNDLES / 'stack.yaml'
VIP = '10.246.0.250'
CP = 'kubernetes-control-plane'


def test_the_whole_unbound_stack_converges(imported_lab: Path, tmp_path: Path):
    state = copy_state(imported_lab, tmp_path)
    ok(state, 'deploy', str(BUNDLE), '--offers', str(OFFERS), '--seed', '1')
    now = status(state)
    for app in now['applications'].values():
        for name, unit in app['units'].items():
            assert unit['workload-status']['current'] == 'active', (name, unit)
    summary = now['applications'][CP]['application-status']['message']
    assert 'control plane, 6 nodes (storage: ceph-xfs default)' in summary, summary
    done = ok(state, 'run', f'{CP}/leader', 'get-kubeconfig', '--format', 'json')
    (task,) = json.loads(done).values()  # juju run --format json: the task, by unit
    assert task['results']['server'] == f'https://{VIP}:6443'
