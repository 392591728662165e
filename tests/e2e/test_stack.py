"""Every charm related to the others on the lab pool converges, for several seeds (simulation).

This locks in the paths between charms that the per-charm tests cannot reach: the control
plane behind the load balancer's VIP (SANs, endpoints, kubeconfig) and backed by Ceph (CSI and
storage classes), workers joining it, and racks registering with the MAAS region.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
BUNDLE = ROOT / 'tests' / 'e2e' / 'bundles' / 'stack.yaml'
VIP = '10.246.0.250'


def olm(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'OLM_HOME': str(state), 'OLM_RETRY_DELAY': '3600'}
    env.pop('OLM_CHARMS', None)
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        capture_output=True, text=True, env=env, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_the_whole_stack_converges(tmp_path: Path, seed: int):
    assert olm(tmp_path, 'pool', 'import', str(LAB)).returncode == 0
    done = olm(tmp_path, 'deploy', str(BUNDLE), '--offers', str(ROOT / 'bundles' / 'offers'),
               '--seed', str(seed))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads(olm(tmp_path, 'status', '--format', 'json').stdout)
    for app in status['applications'].values():
        for name, unit in app['units'].items():
            assert unit['workload-status']['current'] == 'active', (name, unit)
    control_plane = status['applications']['kubernetes-control-plane']
    assert (
        'control plane, 6 nodes (storage: ceph-xfs default)'
        in control_plane['application-status']['message']
    )
    done = olm(tmp_path, 'run', 'kubernetes-control-plane/leader', 'get-kubeconfig',
               '--format', 'json')  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f'https://{VIP}:6443' in done.stdout
