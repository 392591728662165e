"""workload's pure helpers and its validate-then-install steps, against an LbHost."""

from __future__ import annotations

import metal_host
import pytest

import charm
import workload

from .conftest import HAPROXY_ALERT, LbHost


def test_first_error_prefers_haproxy_alert() -> None:
    result = metal_host.Completed(('haproxy',), 1, '', HAPROXY_ALERT)
    assert workload.first_error(result) == (
        "config : Proxy 'fe-1': unable to find required default_backend: 'b'."
    )


def test_first_error_falls_back_to_first_line_then_status() -> None:
    result = metal_host.Completed(('keepalived',), 5, '', '\n(f: Line 3) Unknown keyword\nmore')
    assert workload.first_error(result) == '(f: Line 3) Unknown keyword'
    assert workload.first_error(metal_host.Completed((), 5, '', '')) == 'exit status 5'


@pytest.mark.parametrize(
    ('name', 'sanitised'),
    [('kubernetes-control-plane/0', 'kubernetes-control-plane-0'), ('a b/c', 'a-b-c')],
)
def test_sanitise(name: str, sanitised: str) -> None:
    assert workload.sanitise(name) == sanitised


def test_is_ipv6() -> None:
    assert workload.is_ipv6('fd00::1')
    assert workload.is_ipv6('fd00::1/64')
    assert not workload.is_ipv6('10.0.0.1/24')
    assert not workload.is_ipv6('lb.example.com')


def test_vip_forms() -> None:
    assert charm.Config(vip='10.0.0.100').vip_with_prefix == '10.0.0.100/32'
    assert charm.Config(vip='10.0.0.100/24').vip_address == '10.0.0.100'
    assert charm.Config(vip='fd00::100').vip_with_prefix == 'fd00::100/128'
    assert charm.Config().vip_address == ''


def test_keepalived_repr_hides_the_password() -> None:
    vrrp = workload.Keepalived('r', 'eth0', 1, 150, '10.0.0.1', (), '10.0.0.9/32', 'secretpw')
    assert 'secretpw' not in repr(vrrp)


def test_apply_haproxy_unchanged_and_running_does_nothing(host: LbHost) -> None:
    text = workload.render_haproxy([], workload.Timeouts())
    with metal_host.bound(host):
        assert workload.apply_haproxy(text) is True
        assert workload.apply_haproxy(text) is False
    assert [c for c in host.service_calls if c[0] in ('start', 'reload')] == [('start', 'haproxy')]
    assert host.commands == [('haproxy', '-c', '-f', '/etc/haproxy/haproxy.cfg.candidate')]


def test_apply_haproxy_starts_a_stopped_haproxy_with_an_unchanged_file(host: LbHost) -> None:
    text = workload.render_haproxy([], workload.Timeouts())
    with metal_host.bound(host):
        workload.apply_haproxy(text)
        host.service('stop', 'haproxy')
        assert workload.apply_haproxy(text) is False
    assert host.services['haproxy'].active
    assert ('reload', 'haproxy') not in host.service_calls


def test_disable_keepalived_when_never_configured_is_a_no_op(host: LbHost) -> None:
    with metal_host.bound(host):
        workload.disable_keepalived()
    assert host.service_calls == []
