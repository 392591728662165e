"""load-balancer through ops.testing (Scenario), with an :class:`LbHost` bound as its Host.

Every run goes through :func:`run`, which also checks that the VRRP password shows up nowhere
but the secret and keepalived.conf: not in a databag, the status, the Juju log or the Python
log, and in no file but the 0600 keepalived.conf (and its 0600 candidate).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import metal_host
import pytest
from metal_interfaces import loadbalancer, loadbalancer_testing
from ops import testing

import charm
import workload

from .conftest import HAPROXY_ALERT, KEEPALIVED_ERROR, LbHost

PEER_ID = 3
LB_ID = 5
BACKENDS = ('10.0.0.11', '10.0.0.12', '10.0.0.13')
VIP = '10.0.0.100'
PASSWORD = 'Pa55w0rd'
PASSWORDS = (PASSWORD, 'N3wPassw', 'Th1rdPwd')
CFG = str(workload.HAPROXY_CFG)
KCONF = str(workload.KEEPALIVED_CONF)

Event = Callable[[testing.Context[charm.LoadBalancerCharm], testing.State], Any]


def address(n: int) -> str:
    return f'10.0.0.{n + 1}'


def network(n: int, endpoint: str = 'lb-peers', ip: str | None = None) -> testing.Network:
    """network-get ``endpoint`` for unit ``n`` (at ``ip``, by default its address)."""
    value = ip or address(n)
    return testing.Network(
        endpoint,
        bind_addresses=[testing.BindAddress([testing.Address(value)])],
        ingress_addresses=[value],
        egress_subnets=[f'{value}/32'],
    )


def peers(n: int, members: Iterable[int]) -> testing.PeerRelation:
    """lb-peers as unit ``n`` sees it: every other member has published its address."""
    return testing.PeerRelation(
        'lb-peers',
        id=PEER_ID,
        local_unit_data={'address': json.dumps(address(n))},
        peers_data={m: {'address': json.dumps(address(m))} for m in members if m != n},
    )


def lb(**kwargs: Any) -> testing.Relation:
    """The loadbalancer relation: kubernetes-control-plane with three units asking for 6443."""
    return loadbalancer_testing.relation_for_provider('loadbalancer', id=LB_ID, **kwargs)


def vrrp_secret(password: str = PASSWORD) -> testing.Secret:
    return testing.Secret(
        {'password': password}, owner='app', label='vrrp-password', id='secret:vrrp0000000001'
    )


def state(
    n: int = 0,
    *,
    members: Iterable[int] = (0,),
    leader: bool = True,
    config: Mapping[str, str | int] | None = None,
    relations: Iterable[testing.RelationBase] = (),
    secrets: Iterable[testing.Secret] = (),
    installed: bool = True,
) -> testing.State:
    stored = (
        [testing.StoredState(owner_path='LoadBalancerCharm', content={'installed': True})]
        if installed
        else []
    )
    return testing.State(
        leader=leader,
        config=dict(config or {}),
        relations={peers(n, members), *relations},
        networks={network(n), network(n, 'loadbalancer')},
        secrets=set(secrets),
        stored_states=set(stored),
    )


def run(
    event: Event,
    st: testing.State,
    host: LbHost,
    caplog: pytest.LogCaptureFixture | None = None,
    unit_id: int = 0,
) -> testing.State:
    """Run one event on unit ``unit_id`` with ``host`` bound; check the password never leaks."""
    ctx = testing.Context(charm.LoadBalancerCharm, unit_id=unit_id)
    with metal_host.bound(host):
        out = ctx.run(event(ctx, st), st)
    passwords = set(PASSWORDS) | {
        s.tracked_content.get('password', '') for s in out.secrets if s.label == 'vrrp-password'
    }
    passwords.discard('')
    places = {
        'status': out.unit_status.message,
        'juju log': '\n'.join(line.message for line in ctx.juju_log),
        'python log': caplog.text if caplog is not None else '',
        'stored state': repr([s.content for s in out.stored_states]),
    }
    for relation in out.relations:
        places[f'relation {relation.endpoint}'] = repr(
            (dict(relation.local_unit_data), dict(relation.local_app_data))
        )
    for path, entry in host.files.items():
        if path.startswith(KCONF):
            assert entry.mode == 0o600, path
        else:
            places[path] = entry.content
    for where, text in places.items():
        for password in passwords:
            assert password not in text, f'the VRRP password leaked into {where}'
    return out


def changed(ctx: testing.Context[charm.LoadBalancerCharm], st: testing.State) -> Any:
    return ctx.on.relation_changed(st.get_relation(LB_ID), remote_unit=0)


def config_changed(ctx: testing.Context[charm.LoadBalancerCharm], _: testing.State) -> Any:
    return ctx.on.config_changed()


def published(out: testing.State) -> dict[str, Any]:
    data = out.get_relation(LB_ID).local_app_data
    return {key: json.loads(value) for key, value in data.items()}


def cfg(host: LbHost) -> str:
    return host.files[CFG].content


# -- install and configuration -----------------------------------------------------------------


def test_install_installs_and_starts_haproxy_without_frontends(host: LbHost) -> None:
    out = run(lambda ctx, _: ctx.on.install(), state(installed=False), host)
    assert host.packages == {'haproxy', 'keepalived'}
    assert 'frontend' not in cfg(host)
    assert 'stats socket /run/haproxy/admin.sock mode 660 level admin' in cfg(host)
    assert host.services['haproxy'] == metal_host.ServiceState(active=True, enabled=True)
    assert KCONF not in host.files
    assert out.unit_status == testing.WaitingStatus(charm.NO_REQUESTS)
    assert out.get_relation(PEER_ID).local_unit_data['address'] == json.dumps('10.0.0.1')


def test_install_failure_blocks(host: LbHost) -> None:
    host.fail('apt_install', metal_host.CommandError(['apt-get'], 100, '', 'E: no network'))
    out = run(lambda ctx, _: ctx.on.install(), state(installed=False), host)
    assert out.unit_status.name == 'blocked'
    assert 'cannot install haproxy and keepalived' in out.unit_status.message
    host.fail('apt_install', None)
    out = run(lambda ctx, _: ctx.on.update_status(), out, host)
    assert out.unit_status == testing.WaitingStatus(charm.NO_REQUESTS)


def test_packages_installed_once(host: LbHost) -> None:
    out = run(lambda ctx, _: ctx.on.install(), state(installed=False), host)
    run(config_changed, out, host)
    assert len(host.calls_to('apt_install')) == 1


@pytest.mark.parametrize(
    ('option', 'value'),
    [
        ('vip', '10.0.0.300'),
        ('vip', 'not-an-ip'),
        ('vip-interface', 'eth 0'),
        ('virtual-router-id', 0),
        ('virtual-router-id', 256),
        ('client-timeout', '1 hour'),
        ('server-timeout', '0'),
        ('tunnel-timeout', '30x'),
        ('connect-timeout', '25d'),
    ],
)
def test_invalid_option_blocks_and_names_it(host: LbHost, option: str, value: str | int) -> None:
    out = run(config_changed, state(config={option: value}, relations=[lb()]), host)
    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith(f'invalid {option} ')
    assert host.calls_to('write_text') == []
    assert host.calls_to('service') == []


@pytest.mark.parametrize('value', ['500ms', '30s', '5m', '1h', '1d', '100'])
def test_valid_timeouts(value: str) -> None:
    assert charm.Config(client_timeout=value).client_timeout == value


# -- haproxy.cfg ---------------------------------------------------------------------------------


def test_request_renders_frontend_backend_and_checks(host: LbHost) -> None:
    config = {'client-timeout': '2h', 'server-timeout': '3h', 'tunnel-timeout': '4h'}
    out = run(changed, state(relations=[lb()], config=config), host)
    text = cfg(host)
    assert f'frontend fe-{LB_ID}-kubernetes-control-plane\n    bind *:6443\n' in text
    assert f'default_backend be-{LB_ID}-kubernetes-control-plane' in text
    assert f'backend be-{LB_ID}-kubernetes-control-plane\n' in text
    for i, backend in enumerate(BACKENDS):
        line = f'server kubernetes-control-plane-{i} {backend}:6443 check check-ssl verify none'
        assert line in text
    assert '    option httpchk GET /livez\n    http-check expect status 200,401\n' in text
    assert 'inter 10s' in text
    for line in ('connect 5s', 'client 2h', 'server 3h', 'tunnel 4h'):
        assert f'    timeout {line}\n' in text
    assert '    mode tcp\n' in text
    assert 'stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners' in text
    assert host.checked == [text]
    assert workload.HAPROXY_CANDIDATE.as_posix() not in host.files
    assert out.unit_status == testing.ActiveStatus(
        "HAProxy: 1 frontend, 3 backends; no VIP: clients use every unit's address"
    )


def test_tcp_and_http_health_checks(host: LbHost) -> None:
    tcp = lb(health_check=loadbalancer.HealthCheck(protocol='tcp', interval=3))
    run(changed, state(relations=[tcp]), host)
    assert 'httpchk' not in cfg(host)
    assert 'check-ssl' not in cfg(host)
    assert 'server kubernetes-control-plane-0 10.0.0.11:6443 check\n' in cfg(host)
    assert 'inter 3s' in cfg(host)
    http = lb(health_check=loadbalancer.HealthCheck(protocol='http', path='/healthz'))
    run(changed, state(relations=[http]), host)
    assert 'option httpchk GET /healthz\n    http-check expect status 200\n' in cfg(host)
    assert 'check-ssl' not in cfg(host)
    no_path = lb(health_check=loadbalancer.HealthCheck(protocol='http'))
    run(changed, state(relations=[no_path]), host)
    assert 'option httpchk GET /\n' in cfg(host)


def test_no_health_check_requested_means_tcp(host: LbHost) -> None:
    run(changed, state(relations=[lb(health_check=None)]), host)
    assert 'httpchk' not in cfg(host)
    assert 'server kubernetes-control-plane-2 10.0.0.13:6443 check\n' in cfg(host)


def test_reload_only_when_the_file_changed(host: LbHost) -> None:
    out = run(changed, state(relations=[lb()]), host)
    assert ('start', 'haproxy') in host.service_calls
    assert ('reload', 'haproxy') not in host.service_calls
    for event in (
        changed,
        config_changed,
        lambda ctx, _: ctx.on.update_status(),
        lambda ctx, _: ctx.on.leader_elected(),
        lambda ctx, _: ctx.on.start(),
    ):
        out = run(event, out, host)
    assert host.writes(CFG) == 1
    assert ('reload', 'haproxy') not in host.service_calls
    more = lb(backends=(*BACKENDS, '10.0.0.14'))
    run(changed, state(relations=[more]), host)
    assert host.writes(CFG) == 2
    assert host.service_calls.count(('reload', 'haproxy')) == 1
    assert 'server kubernetes-control-plane-3 10.0.0.14:6443' in cfg(host)


def test_rejected_config_keeps_the_old_one_and_blocks(host: LbHost) -> None:
    run(changed, state(relations=[lb()]), host)
    good = cfg(host)
    host.haproxy_error = HAPROXY_ALERT
    out = run(changed, state(relations=[lb(backends=('10.0.0.21',))]), host)
    assert cfg(host) == good
    assert len(host.checked) == 2
    assert workload.HAPROXY_CANDIDATE.as_posix() not in host.files
    assert ('reload', 'haproxy') not in host.service_calls
    assert out.unit_status == testing.BlockedStatus(
        "haproxy rejected the configuration: config : Proxy 'fe-1': unable to find required "
        "default_backend: 'b'."
    )
    assert published(out)['ready'] is False


def test_frontend_port_conflict_serves_the_first(host: LbHost) -> None:
    other = loadbalancer_testing.relation_for_provider(
        'loadbalancer', id=LB_ID + 1, remote_app_name='other', backends=('10.0.1.1',)
    )
    out = run(changed, state(relations=[lb(), other]), host)
    assert 'frontend fe-6-other' not in cfg(host)
    assert out.unit_status.name == 'blocked'
    assert 'frontend port 6443 requested by both loadbalancer:5 and loadbalancer:6' in (
        out.unit_status.message
    )


def test_two_requests_two_frontends(host: LbHost) -> None:
    other = loadbalancer_testing.relation_for_provider(
        'loadbalancer', id=LB_ID + 1, remote_app_name='other', frontend_port=8443,
        backends=('10.0.1.1',),
    )  # fmt: skip
    out = run(changed, state(relations=[lb(), other]), host)
    assert 'frontend fe-6-other\n    bind *:8443\n' in cfg(host)
    assert 'server other-0 10.0.1.1:6443' in cfg(host)
    assert out.unit_status.message.startswith('HAProxy: 2 frontends, 4 backends; ')


def test_incomplete_request_waits(host: LbHost) -> None:
    out = run(changed, state(relations=[lb(frontend_port=None)]), host)
    assert 'frontend' not in cfg(host)
    assert out.unit_status == testing.WaitingStatus(charm.NO_REQUESTS)
    assert published(out) == {}


# -- the loadbalancer relation ----------------------------------------------------------------


def test_loadbalancer_joined_reconciles(host: LbHost) -> None:
    out = run(lambda ctx, st: ctx.on.relation_joined(st.get_relation(LB_ID), remote_unit=0),
              state(relations=[lb()]), host)  # fmt: skip
    assert 'frontend fe-5' in cfg(host)
    assert published(out)['ready'] is True


def test_departed_backend_unit_loses_its_server_line(host: LbHost) -> None:
    run(changed, state(relations=[lb()]), host)
    assert 'server kubernetes-control-plane-1 10.0.0.12:6443' in cfg(host)
    gone = lb(backends=('10.0.0.11', '10.0.0.12', '10.0.0.13'))
    del gone.remote_units_data[1]
    out = run(
        lambda ctx, st: ctx.on.relation_departed(
            st.get_relation(LB_ID), remote_unit=1, departing_unit=1
        ),
        state(relations=[gone]),
        host,
    )
    assert '10.0.0.12' not in cfg(host)
    assert 'server kubernetes-control-plane-2 10.0.0.13:6443' in cfg(host)
    assert host.service_calls.count(('reload', 'haproxy')) == 1
    assert out.unit_status.message.startswith('HAProxy: 1 frontend, 2 backends; ')


def test_departing_unit_still_in_the_data_is_left_out(host: LbHost) -> None:
    out = run(
        lambda ctx, st: ctx.on.relation_departed(
            st.get_relation(LB_ID), remote_unit=2, departing_unit=2
        ),
        state(relations=[lb()]),
        host,
    )
    assert '10.0.0.13' not in cfg(host)
    assert out.unit_status.message.startswith('HAProxy: 1 frontend, 2 backends; ')


def test_broken_relation_removes_its_frontend(host: LbHost) -> None:
    out = run(changed, state(relations=[lb()]), host)
    out = run(lambda ctx, st: ctx.on.relation_broken(st.get_relation(LB_ID)), out, host)
    assert 'frontend' not in cfg(host)
    assert host.service_calls.count(('reload', 'haproxy')) == 1
    assert out.unit_status == testing.WaitingStatus(charm.NO_REQUESTS)


def test_leader_publishes_every_unit_address_without_vip(host: LbHost) -> None:
    out = run(changed, state(members=(0, 1, 2), relations=[lb()]), host)
    assert published(out) == {
        'frontends': [{'address': address(n)} for n in (0, 1, 2)],
        'port': 6443,
        'ready': True,
    }


def test_not_ready_without_backends(host: LbHost) -> None:
    out = run(changed, state(relations=[lb(backends=())]), host)
    assert published(out)['ready'] is False
    assert f'backend be-{LB_ID}-kubernetes-control-plane' in cfg(host)


def test_non_leader_configures_haproxy_but_publishes_nothing(host: LbHost) -> None:
    out = run(changed, state(1, members=(0, 1), leader=False, relations=[lb()]), host, unit_id=1)
    assert 'frontend fe-5' in cfg(host)
    assert published(out) == {}


def test_on_several_nics_clients_get_the_loadbalancer_bindings_addresses(host: LbHost) -> None:
    # The machine's first address (10.0.0.1) is its PXE/OAM one; requirers reach the load
    # balancer on the space its loadbalancer endpoint is bound to (10.20.0.N).
    before = state(members=(0, 1), relations=[lb()])
    relation = testing.PeerRelation(
        'lb-peers',
        id=PEER_ID,
        peers_data={1: {'address': json.dumps('10.0.0.2'), 'frontend-address': '"10.20.0.2"'}},
    )
    before = dataclasses.replace(
        before,
        relations={r for r in before.relations if r.id != PEER_ID} | {relation},
        networks={network(0), network(0, 'loadbalancer', '10.20.0.1')},
    )
    out = run(changed, before, host)
    assert published(out)['frontends'] == [{'address': '10.20.0.1'}, {'address': '10.20.0.2'}]
    own = out.get_relation(PEER_ID).local_unit_data
    assert json.loads(own['frontend-address']) == '10.20.0.1'


def test_vrrp_runs_from_the_lb_peers_binding_not_the_first_address() -> None:
    # PXE/OAM on eno1 first; lb-peers bound to the space on eno2, where the VIP lives too.
    host = LbHost(interfaces={'eno1': ['10.0.0.1/24'], 'eno2': ['10.10.0.1/24']})
    relation = testing.PeerRelation(
        'lb-peers', id=PEER_ID, peers_data={1: {'address': json.dumps('10.10.0.2')}}
    )
    before = testing.State(
        leader=True,
        config={'vip': '10.10.0.100/24'},
        relations={relation, lb()},
        networks={network(0, ip='10.10.0.1'), network(0, 'loadbalancer', '10.10.0.1')},
        secrets={vrrp_secret()},
        stored_states={
            testing.StoredState(owner_path='LoadBalancerCharm', content={'installed': True})
        },
    )
    run(changed, before, host)
    text = host.files[KCONF].content
    assert 'unicast_src_ip 10.10.0.1\n' in text
    assert '10.10.0.100/24 dev eno2' in text


def test_no_address_on_the_lb_peers_binding_waits(host: LbHost) -> None:
    empty = testing.Network('lb-peers', bind_addresses=[], ingress_addresses=[], egress_subnets=[])
    before = dataclasses.replace(
        state(config={'vip': VIP}, relations=[lb()], secrets=[vrrp_secret()]),
        networks={empty, network(0, 'loadbalancer')},
    )
    out = run(changed, before, host)
    assert out.unit_status == testing.WaitingStatus('waiting for a network address on lb-peers')
    assert KCONF not in host.files


# -- peers and keepalived -----------------------------------------------------------------------


def test_vip_leader_creates_password_and_configures_keepalived(
    host: LbHost, caplog: pytest.LogCaptureFixture
) -> None:
    config = {'vip': VIP, 'virtual-router-id': 42}
    out = run(changed, state(members=(0, 1, 2), config=config, relations=[lb()]), host, caplog)
    (secret,) = [s for s in out.secrets if s.label == 'vrrp-password']
    password = secret.tracked_content['password']
    assert len(password) == 8
    entry = host.files[KCONF]
    assert entry.mode == 0o600
    text = entry.content
    assert f'auth_type PASS\n        auth_pass {password}\n' in text
    assert 'unicast_src_ip 10.0.0.1\n' in text
    assert 'unicast_peer {\n        10.0.0.2\n        10.0.0.3\n    }' in text
    assert 'priority 150\n' in text
    assert 'virtual_router_id 42\n' in text
    assert 'state BACKUP\n' in text
    # vip-interface left empty: the interface carrying the unit address (a /32 VIP has no
    # subnet of its own), eno1 here as on MAAS machines, not eth0.
    assert 'interface eno1\n' in text
    assert f'{VIP}/32 dev eno1' in text
    assert 'track_script {\n        chk_haproxy\n' in text
    assert host.checked[-1] == text
    assert ('start', 'keepalived') in host.service_calls
    assert str(workload.KEEPALIVED_CANDIDATE) not in host.files
    assert published(out) == {'frontends': [{'address': VIP}], 'port': 6443, 'ready': True}
    assert out.unit_status == testing.ActiveStatus(
        f'HAProxy: 1 frontend, 3 backends; VIP {VIP} (keepalived)'
    )


def test_vip_with_prefix_and_interface(host: LbHost) -> None:
    config = {'vip': '10.0.0.100/24', 'vip-interface': 'bond0'}
    run(changed, state(config=config, relations=[lb()], secrets=[vrrp_secret()]), host)
    text = host.files[KCONF].content
    assert '10.0.0.100/24 dev bond0' in text
    assert 'interface bond0\n' in text
    assert f'auth_pass {PASSWORD}\n' in text


def test_vip_interface_found_on_the_vips_subnet() -> None:
    """A bond holding the VIP's subnet wins over the interface of the unit address."""
    host = LbHost(interfaces={'enp5s0': ['10.0.0.1/24'], 'bond0': ['192.168.7.5/24']})
    config = {'vip': '192.168.7.100/24'}
    run(changed, state(config=config, relations=[lb()], secrets=[vrrp_secret()]), host)
    text = host.files[KCONF].content
    assert 'interface bond0\n' in text
    assert '192.168.7.100/24 dev bond0' in text


def test_vip_interface_without_an_interface_for_the_address_blocks() -> None:
    host = LbHost(interfaces={'enp5s0': ['10.9.9.9/24']})
    out = run(changed, state(config={'vip': VIP}, relations=[lb()], secrets=[vrrp_secret()]), host)
    assert out.unit_status == testing.BlockedStatus(
        'no network interface carries this unit address 10.0.0.1; set vip-interface'
    )
    assert KCONF not in host.files


def test_vip_interface_default_is_empty() -> None:
    assert charm.Config().vip_interface == ''
    assert charm.Config(vip_interface='br-ex').vip_interface == 'br-ex'


@pytest.mark.parametrize(('unit', 'priority'), [(0, 150), (1, 140), (2, 130)])
def test_priority_follows_unit_order(host: LbHost, unit: int, priority: int) -> None:
    st = state(unit, members=(0, 1, 2), leader=unit == 1, config={'vip': VIP},
               secrets=[vrrp_secret()])  # fmt: skip
    run(config_changed, st, host, unit_id=unit)
    text = host.files[KCONF].content
    assert f'priority {priority}\n' in text
    assert f'unicast_src_ip {address(unit)}\n' in text
    peers_block = text.split('unicast_peer {')[1].split('}')[0]
    assert sorted(peers_block.split()) == [address(m) for m in (0, 1, 2) if m != unit]
    assert f'auth_pass {PASSWORD}\n' in text


def test_peer_departed_reranks_and_reloads_keepalived(host: LbHost) -> None:
    st = state(2, members=(0, 1, 2), leader=False, config={'vip': VIP}, secrets=[vrrp_secret()])
    out = run(config_changed, st, host, unit_id=2)
    assert 'priority 130\n' in host.files[KCONF].content
    relation = out.get_relation(PEER_ID)
    st = dataclasses.replace(
        out, relations={dataclasses.replace(relation, peers_data={0: relation.peers_data[0]})}
    )
    out = run(
        lambda ctx, s: ctx.on.relation_departed(
            s.get_relation(PEER_ID), remote_unit=1, departing_unit=1
        ),
        st,
        host,
        unit_id=2,
    )
    text = host.files[KCONF].content
    assert 'priority 140\n' in text
    assert '10.0.0.2' not in text
    # Started once, then reloaded (SIGHUP): a restart would move the VIP away and back.
    assert host.service_calls.count(('start', 'keepalived')) == 1
    assert host.service_calls.count(('reload', 'keepalived')) == 1
    assert ('restart', 'keepalived') not in host.service_calls


def test_peer_joined_and_changed_add_the_peer(host: LbHost) -> None:
    st = state(0, members=(0,), config={'vip': VIP}, secrets=[vrrp_secret()])
    out = run(config_changed, st, host)
    # Alone: no unicast keyword at all, which keepalived 2.2.5+ refuses without a peer.
    assert 'unicast' not in host.files[KCONF].content
    relation = out.get_relation(PEER_ID)
    joined = dataclasses.replace(relation, peers_data={1: {}})
    out = run(lambda ctx, s: ctx.on.relation_joined(s.get_relation(PEER_ID), remote_unit=1),
              dataclasses.replace(out, relations={joined}), host)  # fmt: skip
    assert '10.0.0.2' not in host.files[KCONF].content  # no address published yet
    filled = dataclasses.replace(joined, peers_data={1: {'address': json.dumps(address(1))}})
    out = run(lambda ctx, s: ctx.on.relation_changed(s.get_relation(PEER_ID), remote_unit=1),
              dataclasses.replace(out, relations={filled}), host)  # fmt: skip
    assert 'unicast_peer {\n        10.0.0.2\n    }' in host.files[KCONF].content
    # Started once, then reloaded (SIGHUP): a restart would move the VIP away and back.
    assert host.service_calls.count(('start', 'keepalived')) == 1
    assert host.service_calls.count(('reload', 'keepalived')) == 1
    assert ('restart', 'keepalived') not in host.service_calls


def test_non_leader_waits_for_the_password(host: LbHost) -> None:
    st = state(1, members=(0, 1), leader=False, config={'vip': VIP}, relations=[lb()])
    out = run(changed, st, host, unit_id=1)
    assert KCONF not in host.files
    assert out.unit_status == testing.WaitingStatus(charm.WAITING_PASSWORD)
    assert 'frontend fe-5' in cfg(host)  # haproxy serves meanwhile


def test_non_leader_reads_the_app_secret(host: LbHost) -> None:
    st = state(1, members=(0, 1), leader=False, config={'vip': VIP}, secrets=[vrrp_secret()])
    out = run(config_changed, st, host, unit_id=1)
    assert f'auth_pass {PASSWORD}\n' in host.files[KCONF].content
    assert out.unit_status.name == 'waiting'  # no requests yet
    assert out.unit_status.message == charm.NO_REQUESTS


def test_leader_keeps_an_existing_password(host: LbHost) -> None:
    st = state(config={'vip': VIP}, secrets=[vrrp_secret()])
    out = run(lambda ctx, _: ctx.on.leader_elected(), st, host)
    (secret,) = [s for s in out.secrets if s.label == 'vrrp-password']
    assert secret.tracked_content == {'password': PASSWORD}
    assert f'auth_pass {PASSWORD}\n' in host.files[KCONF].content


def test_secret_changed_reconciles_and_rereads_the_password(host: LbHost) -> None:
    """Juju sends the owner's units no secret-changed for their own secret: every reconcile
    re-reads it (here on a secret-changed of another secret, and on update-status)."""
    st = state(1, members=(0, 1), leader=False, config={'vip': VIP}, secrets=[vrrp_secret()])
    out = run(config_changed, st, host, unit_id=1)
    other = testing.Secret({'token': 'x'}, id='secret:other00000000001')
    st = dataclasses.replace(out, secrets={vrrp_secret('N3wPassw'), other})
    out = run(lambda ctx, _: ctx.on.secret_changed(other), st, host, unit_id=1)
    assert 'auth_pass N3wPassw\n' in host.files[KCONF].content
    # Started once, then reloaded (SIGHUP): a restart would move the VIP away and back.
    assert host.service_calls.count(('start', 'keepalived')) == 1
    assert host.service_calls.count(('reload', 'keepalived')) == 1
    assert ('restart', 'keepalived') not in host.service_calls
    st = dataclasses.replace(out, secrets={vrrp_secret('Th1rdPwd'), other})
    run(lambda ctx, _: ctx.on.update_status(), st, host, unit_id=1)
    assert 'auth_pass Th1rdPwd\n' in host.files[KCONF].content


def test_unchanged_keepalived_is_not_reloaded(host: LbHost) -> None:
    st = state(config={'vip': VIP}, secrets=[vrrp_secret()])
    out = run(config_changed, st, host)
    run(lambda ctx, _: ctx.on.update_status(), out, host)
    assert host.service_calls.count(('start', 'keepalived')) == 1
    assert ('reload', 'keepalived') not in host.service_calls
    assert host.writes(KCONF) == 1


def test_keepalived_rejected_keeps_the_old_file_and_blocks(host: LbHost) -> None:
    out = run(config_changed, state(config={'vip': VIP}, secrets=[vrrp_secret()]), host)
    old = host.files[KCONF]
    host.keepalived_error = KEEPALIVED_ERROR
    out = run(config_changed, state(config={'vip': VIP, 'virtual-router-id': 7},
                                    secrets=[vrrp_secret()]), host)  # fmt: skip
    assert host.files[KCONF] == old
    assert str(workload.KEEPALIVED_CANDIDATE) not in host.files
    assert out.unit_status == testing.BlockedStatus(
        'keepalived rejected the configuration: ' + KEEPALIVED_ERROR.strip()
    )
    assert host.service_calls.count(('start', 'keepalived')) == 1
    assert ('reload', 'keepalived') not in host.service_calls


def test_vip_removed_stops_keepalived_and_publishes_all_units(host: LbHost) -> None:
    st = state(members=(0, 1), config={'vip': VIP}, relations=[lb()], secrets=[vrrp_secret()])
    out = run(changed, st, host)
    assert host.services['keepalived'].active
    out = run(config_changed, dataclasses.replace(out, config={}), host)
    assert not host.services['keepalived'].active
    assert not host.services['keepalived'].enabled
    assert KCONF not in host.files
    assert published(out)['frontends'] == [{'address': address(0)}, {'address': address(1)}]
    assert out.unit_status.message.endswith("no VIP: clients use every unit's address")


def test_no_vip_never_touches_keepalived(host: LbHost) -> None:
    run(changed, state(relations=[lb()]), host)
    assert not [c for c in host.service_calls if c[1] == 'keepalived']


def test_ipv6_vip_against_ipv4_unit_blocks(host: LbHost) -> None:
    out = run(config_changed, state(config={'vip': 'fd00::100'}, secrets=[vrrp_secret()]), host)
    assert out.unit_status.name == 'blocked'
    assert 'not the same IP version' in out.unit_status.message


def test_stop_releases_the_vip_then_stops_haproxy(host: LbHost) -> None:
    out = run(config_changed, state(config={'vip': VIP}, secrets=[vrrp_secret()]), host)
    run(lambda ctx, _: ctx.on.stop(), out, host)
    stops = [c for c in host.service_calls if c[0] == 'stop']
    assert stops == [('stop', 'keepalived'), ('stop', 'haproxy')]
    assert KCONF not in host.files
    assert not host.services['haproxy'].active


def test_stop_failure_does_not_raise(host: LbHost) -> None:
    host.fail('service', metal_host.CommandError(['systemctl'], 1, '', 'failed'))
    out = run(lambda ctx, _: ctx.on.stop(), state(), host)
    assert out.unit_status == testing.MaintenanceStatus('stopped')


def test_systemd_failure_blocks(host: LbHost) -> None:
    host.fail('service', metal_host.CommandError(['systemctl', 'start', 'haproxy'], 1, '', 'x'))
    out = run(changed, state(relations=[lb()]), host)
    assert out.unit_status.name == 'blocked'
    assert out.unit_status.message.startswith('cannot apply the haproxy configuration')
    assert published(out)['ready'] is False


def test_ipv6_vip_on_ipv6_units_has_no_vrrp_auth() -> None:
    host = LbHost(address='fd00::1')
    v6 = testing.Network(
        'lb-peers',
        bind_addresses=[testing.BindAddress([testing.Address('fd00::1')])],
        ingress_addresses=['fd00::1'],
        egress_subnets=['fd00::1/128'],
    )
    relation = testing.PeerRelation(
        'lb-peers', id=PEER_ID, peers_data={1: {'address': json.dumps('fd00::2')}}
    )
    st = testing.State(
        leader=True,
        config={'vip': 'fd00::100/64'},
        relations={relation, lb(backends=('fd00::11',))},
        networks={v6},
        secrets={vrrp_secret()},
        stored_states={
            testing.StoredState(owner_path='LoadBalancerCharm', content={'installed': True})
        },
    )
    out = run(changed, st, host)
    text = host.files[KCONF].content
    assert 'authentication' not in text
    assert 'unicast_src_ip fd00::1\n' in text
    assert 'fd00::100/64 dev eno1' in text
    assert 'bind :::6443 v6only' in cfg(host)
    assert 'fd00::11:6443 check' in cfg(host)
    assert published(out)['frontends'] == [{'address': 'fd00::100'}]


def test_leader_shares_the_secret_id_never_the_password(host: LbHost) -> None:
    out = run(config_changed, state(config={'vip': VIP}), host)
    (secret,) = [s for s in out.secrets if s.label == 'vrrp-password']
    app_data = out.get_relation(PEER_ID).local_app_data
    assert json.loads(app_data['vrrp-secret-id']) == secret.id
    assert secret.tracked_content['password'] not in repr(dict(app_data))


def test_non_leader_finds_the_secret_by_the_shared_id(host: LbHost) -> None:
    secret = testing.Secret({'password': PASSWORD}, owner='app', id='secret:vrrp0000000002')
    relation = dataclasses.replace(
        peers(1, (0, 1)), local_app_data={'vrrp-secret-id': json.dumps(secret.id)}
    )
    st = dataclasses.replace(
        state(1, members=(0, 1), leader=False, config={'vip': VIP}, secrets=[secret]),
        relations={relation},
    )
    run(config_changed, st, host, unit_id=1)
    assert f'auth_pass {PASSWORD}\n' in host.files[KCONF].content


def test_conflicting_request_is_not_ready_but_the_first_is(host: LbHost) -> None:
    other = loadbalancer_testing.relation_for_provider(
        'loadbalancer', id=LB_ID + 1, remote_app_name='other', backends=('10.0.1.1',)
    )
    out = run(changed, state(relations=[lb(), other]), host)
    assert published(out)['ready'] is True
    other_data = out.get_relation(LB_ID + 1).local_app_data
    assert json.loads(other_data['ready']) is False


def test_keepalived_rejected_means_not_ready(host: LbHost) -> None:
    host.keepalived_error = KEEPALIVED_ERROR
    st = state(config={'vip': VIP}, relations=[lb()], secrets=[vrrp_secret()])
    out = run(changed, st, host)
    assert published(out)['ready'] is False
