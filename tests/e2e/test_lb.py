"""Two load balancers with a VIP in front of three backends, under olm (simulation).

The load-balancer charm renders haproxy.cfg and keepalived.conf on simulated machines; each
rendered haproxy.cfg is also checked here with the real ``haproxy -c`` when Debian's haproxy is
installed (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrator import sim
from orchestrator.sim.programs import keepalived
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
BUNDLE = ROOT / 'tests' / 'e2e' / 'bundles' / 'lb.yaml'
HAPROXY_CFG = '/etc/haproxy/haproxy.cfg'
VIP = '10.246.0.250'


def olm(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'OLM_HOME': str(state), 'OLM_RETRY_DELAY': '3600'}
    return subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', *args],
        capture_output=True, text=True, env=env, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip


def world(state: Path) -> sim.World:
    store = Store(state)
    try:
        with store.snapshot() as txn:
            loaded = sim.World()
            loaded.load_shared(txn.records('sim-shared')[''])
            for machine_id, data in txn.records('sim-machine').items():
                loaded.load_machine(machine_id, data)
    finally:
        store.close()
    return loaded


def status(state: Path) -> dict[str, Any]:
    return json.loads(olm(state, 'status', '--format', 'json').stdout)


def units(state: Path, app: str) -> dict[str, Any]:
    return status(state)['applications'][app]['units']


def servers(config: str) -> list[str]:
    """The backend server addresses of a rendered haproxy.cfg."""
    return sorted(m.group(1) for m in re.finditer(r'^\s*server\s+\S+\s+(\S+)', config, re.M))


def real_haproxy_check(config: str, tmp: Path) -> None:
    haproxy = shutil.which('haproxy', path=f'{os.environ.get("PATH", "")}:/usr/sbin:/sbin')
    if haproxy is None:
        if os.environ.get('CI'):
            pytest.fail('CI must install haproxy (.ci/run does) to check the rendered config')
        return
    path = tmp / 'haproxy.cfg'
    path.write_text(config)
    done = subprocess.run([haproxy, '-c', '-f', str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope='module')
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp('olm-lb')
    assert olm(state, 'pool', 'import', str(LAB)).returncode == 0
    done = olm(state, 'deploy', str(BUNDLE), '--seed', '11')
    assert done.returncode == 0, done.stdout + done.stderr
    return state


def lb_configs(state: Path) -> dict[str, str]:
    loaded = world(state)
    return {
        unit: loaded.host(info['machine']).read_text(HAPROXY_CFG)
        for unit, info in units(state, 'load-balancer').items()
    }


def test_both_load_balancers_list_the_three_backends_and_pass_haproxy_check(
    model: Path, tmp_path: Path
):
    for app in ('load-balancer', 'api'):
        for name, unit in units(model, app).items():
            assert unit['workload-status']['current'] == 'active', (name, unit)
    backends = sorted(f'{u["public-address"]}:6443' for u in units(model, 'api').values())
    configs = lb_configs(model)
    assert len(configs) == 2
    for config in configs.values():
        assert servers(config) == backends
        real_haproxy_check(config, tmp_path)


def test_one_load_balancer_holds_the_vip(model: Path):
    holders = keepalived.vip_holders(world(model))
    lb_machines = {u['machine'] for u in units(model, 'load-balancer').values()}
    assert holders.get(VIP) in lb_machines
    for unit in units(model, 'api').values():
        assert VIP in unit['workload-status']['message']


def test_removing_a_backend_unit_removes_it_from_both(model: Path, tmp_path: Path):
    api = units(model, 'api')
    gone = sorted(api)[-1]
    done = olm(model, 'remove-unit', gone)
    assert done.returncode == 0, done.stdout + done.stderr
    backends = sorted(f'{u["public-address"]}:6443' for u in units(model, 'api').values())
    assert len(backends) == 2
    for config in lb_configs(model).values():
        assert servers(config) == backends
        real_haproxy_check(config, tmp_path)


def test_the_last_load_balancer_alone_keeps_the_vip(model: Path):
    """Alone, the unit renders no unicast keyword: keepalived refuses them without a peer."""
    lbs = units(model, 'load-balancer')
    done = olm(model, 'remove-unit', sorted(lbs)[0])
    assert done.returncode == 0, done.stdout + done.stderr
    (survivor,) = units(model, 'load-balancer').values()
    assert survivor['workload-status']['current'] == 'active', survivor
    loaded = world(model)
    text = loaded.host(survivor['machine']).read_text(keepalived.CONFIG)
    assert 'unicast' not in text
    # keepalived's interface is the NIC on the VIP's subnet, found with ip -j addr: the pool's
    # firmware name for the machine's oam NIC, never a default eth0.
    shown = loaded.host(survivor['machine']).run(['ip', '-j', 'addr', 'show'])
    (nic,) = [
        link['ifname']
        for link in json.loads(shown.stdout)
        if any(a['local'] == survivor['public-address'] for a in link['addr_info'])
    ]
    assert nic != 'eth0' and f'interface {nic}\n' in text
    assert keepalived.vip_holders(loaded) == {VIP: survivor['machine']}
