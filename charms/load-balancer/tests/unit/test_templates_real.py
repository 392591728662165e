"""The templates, rendered with sample values and checked by the REAL haproxy and keepalived.

The unit tests answer ``haproxy -c`` and ``keepalived -t`` with a fake; these make sure the
files the charm renders are what the real programs accept. They need the binaries (CI installs
them: ``apt-get install haproxy keepalived``) and skip with the reason otherwise.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import metal_host
import pytest

import workload

HAPROXY = shutil.which('haproxy') or (
    '/usr/sbin/haproxy' if Path('/usr/sbin/haproxy').exists() else None
)
KEEPALIVED = shutil.which('keepalived') or (
    '/usr/sbin/keepalived' if Path('/usr/sbin/keepalived').exists() else None
)

needs_haproxy = pytest.mark.skipif(
    HAPROXY is None, reason='haproxy is not installed (apt-get install haproxy)'
)
needs_keepalived = pytest.mark.skipif(
    KEEPALIVED is None, reason='keepalived is not installed (apt-get install keepalived)'
)

SAMPLE_FRONTENDS = [
    workload.Frontend(
        'fe-5-kubernetes-control-plane',
        6443,
        workload.Backend(
            'be-5-kubernetes-control-plane',
            (
                workload.Server('kubernetes-control-plane-0', '10.0.0.11', 6443),
                workload.Server('kubernetes-control-plane-1', '10.0.0.12', 6443),
                workload.Server('kubernetes-control-plane-2', 'fd00::13', 6443),
            ),
            workload.HealthCheck('https', '/livez', 10, (200, 401)),
        ),
        ipv6=True,
    ),
    workload.Frontend(
        'fe-6-web',
        8080,
        workload.Backend(
            'be-6-web',
            (workload.Server('web-0', '10.0.1.1', 80),),
            workload.HealthCheck('http', '/healthz', 5),
        ),
    ),
    workload.Frontend(
        'fe-7-db',
        5432,
        workload.Backend('be-7-db', (), workload.HealthCheck()),
    ),
]

SAMPLE_VRRP = workload.Keepalived(
    router_id='load-balancer-0',
    interface='eth0',
    virtual_router_id=51,
    priority=150,
    source='10.0.0.1',
    peers=('10.0.0.2', '10.0.0.3'),
    vip='10.0.0.100/24',
    password='Pa55w0rd',
)


def _check(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


@needs_haproxy
@pytest.mark.parametrize(
    'frontends', [SAMPLE_FRONTENDS, []], ids=['three-frontends', 'no-frontends']
)
def test_haproxy_accepts_the_rendered_config(
    tmp_path: Path, frontends: list[workload.Frontend]
) -> None:
    assert HAPROXY is not None
    path = tmp_path / 'haproxy.cfg'
    path.write_text(workload.render_haproxy(frontends, workload.Timeouts(client='2h')))
    result = _check([HAPROXY, '-c', '-f', str(path)])
    assert result.returncode == 0, result.stderr
    assert 'Configuration file is valid' in result.stdout


@needs_haproxy
def test_haproxy_rejection_gives_an_alert_line(tmp_path: Path) -> None:
    assert HAPROXY is not None
    path = tmp_path / 'haproxy.cfg'
    path.write_text(workload.render_haproxy([], workload.Timeouts(client='soon')))
    result = _check([HAPROXY, '-c', '-f', str(path)])
    assert result.returncode != 0
    completed = metal_host.Completed((), result.returncode, result.stdout, result.stderr)
    assert "'timeout client'" in workload.first_error(completed)


@needs_keepalived
@pytest.mark.parametrize(
    'vrrp',
    [
        SAMPLE_VRRP,
        workload.Keepalived(
            router_id='load-balancer-1', interface='eth0', virtual_router_id=200,
            priority=140, source='fd00::2', peers=('fd00::1',), vip='fd00::100/64',
            password=None,
        ),
        # One unit (or the first hooks of a deploy): no peer yet. keepalived 2.2.5+ refuses
        # unicast_src_ip/unicast_peer without a peer, so none are rendered.
        dataclasses.replace(SAMPLE_VRRP, peers=()),
    ],
    ids=['ipv4-with-auth', 'ipv6', 'single-unit'],
)  # fmt: skip
def test_keepalived_accepts_the_rendered_config(tmp_path: Path, vrrp: workload.Keepalived) -> None:
    assert KEEPALIVED is not None
    path = tmp_path / 'keepalived.conf'
    path.write_text(workload.render_keepalived(vrrp))
    result = _check([KEEPALIVED, '-t', '-f', str(path)])
    assert result.returncode == 0, result.stderr + result.stdout
