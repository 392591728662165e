"""Two load balancers with a VIP in front of three backends, under olm (simulation).

The load-balancer charm renders haproxy.cfg and keepalived.conf on simulated machines; each
rendered haproxy.cfg is also checked here with the real ``haproxy -c`` when Debian's haproxy is
installed (.ci/run installs it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from olmcli import BUNDLES, copy_state, haproxy_check, haproxy_servers, ok, status, world

from orchestrator.sim.programs import keepalived

BUNDLE = BUNDLES / 'lb.yaml'
HAPROXY_CFG = '/etc/haproxy/haproxy.cfg'
VIP = '10.246.0.250'


def units(state: Path, app: str) -> dict[str, Any]:
    return status(state)['applications'][app]['units']


@pytest.fixture(scope='module')
def model(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm-lb'))
    ok(state, 'deploy', str(BUNDLE), '--seed', '11')
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
        assert haproxy_servers(config) == backends
    for config in configs.values():
        haproxy_check(config, tmp_path)


def test_one_load_balancer_holds_the_vip(model: Path):
    holders = keepalived.vip_holders(world(model))
    lb_machines = {u['machine'] for u in units(model, 'load-balancer').values()}
    assert holders.get(VIP) in lb_machines
    for unit in units(model, 'api').values():
        assert VIP in unit['workload-status']['message']


def test_removing_a_backend_unit_removes_it_from_both(model: Path, tmp_path: Path):
    api = units(model, 'api')
    gone = sorted(api)[-1]
    ok(model, 'remove-unit', gone)
    backends = sorted(f'{u["public-address"]}:6443' for u in units(model, 'api').values())
    assert len(backends) == 2
    configs = lb_configs(model)
    for config in configs.values():
        assert haproxy_servers(config) == backends
    for config in configs.values():
        haproxy_check(config, tmp_path)


def test_the_last_load_balancer_alone_keeps_the_vip(model: Path):
    """Alone, the unit renders no unicast keyword: keepalived refuses them without a peer."""
    lbs = units(model, 'load-balancer')
    ok(model, 'remove-unit', sorted(lbs)[0])
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
