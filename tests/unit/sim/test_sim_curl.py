"""The curl emulation: the network path through keepalived's VIP, HAProxy and kube-apiserver."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest
import yaml
from metal_host import Completed, RetryPolicy

from orchestrator.sim import SimError, SimHost, World
from orchestrator.sim.programs.keepalived import vip_holders

NOW = 1_700_000_000.0
CERT = '/root/admin.crt'
KEY = '/root/admin.key'
VIP = '10.0.0.100'
BOOTSTRAP = '/var/snap/k8s/common/etc/bootstrap-config.yaml'
HINT = (
    'More details here: https://curl.se/docs/sslcerts.html\n'
    '\n'
    'curl failed to verify the legitimacy of the server and therefore could not\n'
    'establish a secure connection to it. To learn more about this situation and\n'
    'how to fix it, please visit the web page mentioned above.\n'
)
TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n"
LIVEZ = ('-sk', '-o', '/dev/null', '-w', '%{http_code}', f'https://{VIP}:6443/livez')
UNAUTHORIZED = (
    '{\n'
    '  "kind": "Status",\n'
    '  "apiVersion": "v1",\n'
    '  "metadata": {},\n'
    '  "status": "Failure",\n'
    '  "message": "Unauthorized",\n'
    '  "reason": "Unauthorized",\n'
    '  "code": 401\n'
    '}'
)
"""kube-apiserver's answer to a request without credentials under --anonymous-auth=false."""

# What the load-balancer charm renders (templates/haproxy.cfg.j2, keepalived.conf.j2) for the
# kubernetes-control-plane's request: TCP 6443, HTTPS GET /livez health check where 401 (the
# API server answered, without credentials) counts as alive.
HAPROXY_CFG = """\
# Rendered by the load-balancer charm (templates/haproxy.cfg.j2): edits are overwritten.
global
    log /dev/log local0
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    maxconn 20000
    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners

defaults
    mode tcp
    log global
    option tcplog
    retries 3
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h

frontend fe-7-kubernetes-control-plane
    bind *:6443
    default_backend be-7-kubernetes-control-plane

backend be-7-kubernetes-control-plane
    balance leastconn
    option httpchk GET /livez
    http-check expect status 200,401
    default-server inter 10s fall 3 rise 2
SERVERS"""
SERVER = '    server {name} {address}:6443 check check-ssl verify none\n'
KEEPALIVED_CONF = """\
global_defs {{
    router_id lb-{n}
    enable_script_security
    script_user root
}}

vrrp_script chk_haproxy {{
    script "/usr/bin/pidof haproxy"
    interval 2
    fall 2
    rise 2
}}

vrrp_instance VI_LOAD_BALANCER {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    unicast_src_ip {address}
    unicast_peer {{
        {peer}
    }}
    authentication {{
        auth_type PASS
        auth_pass s3cretpw
    }}
    virtual_ipaddress {{
        10.0.0.100/24 dev eth0
    }}
    track_script {{
        chk_haproxy
    }}
}}
"""


@dataclass
class Model:
    world: World
    cp: list[SimHost]
    lb: list[SimHost]
    worker: SimHost


def run(host: SimHost, *args: str) -> Completed:
    return host.run(['curl', *args], check=False)


def out(result: Completed) -> tuple[int, str, str]:
    return result.returncode, result.stdout, result.stderr


def k8s(host: SimHost, *args: str) -> Completed:
    result = host.run(['k8s', *args], check=False)
    assert result.returncode == 0, result
    return result


def k8s_machine(world: World, n: int) -> SimHost:
    host = world.add_machine(str(n), hostname=f'node-{n}', addresses=[f'10.0.0.{n}'])
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    return host


def join(host: SimHost, cp: SimHost, *, worker: bool = False) -> None:
    name = host.hostname()
    token = k8s(cp, 'get-join-token', name, *(['--worker'] if worker else [])).stdout.strip()
    k8s(host, 'join-cluster', token, '--name', name, '--address', host.addresses()[0])


def load_balancer(world: World, n: int, priority: int, backends: list[SimHost]) -> SimHost:
    address = f'10.0.0.{n}'
    host = world.add_machine(str(n), hostname=f'node-{n}', addresses=[address])
    host.apt_install('haproxy', 'keepalived')
    servers = ''.join(SERVER.format(name=b.hostname(), address=b.addresses()[0]) for b in backends)
    host.write_text('/etc/haproxy/haproxy.cfg', HAPROXY_CFG.replace('SERVERS', servers))
    host.service('reload', 'haproxy')
    peer = '10.0.0.2' if n == 1 else '10.0.0.1'
    conf = KEEPALIVED_CONF.format(n=n, priority=priority, address=address, peer=peer)
    host.write_text('/etc/keepalived/keepalived.conf', conf, mode=0o600)
    host.service('restart', 'keepalived')
    return host


@pytest.fixture
def model() -> Model:
    """Two control planes (VIP in their SANs), two load balancers, a worker."""
    world = World(sleep=lambda _: None, clock=lambda: NOW, retry=RetryPolicy(attempts=1))
    cp0 = k8s_machine(world, 10)
    cp0.write_text(BOOTSTRAP, f'extra-sans: [{VIP}]\n', mode=0o600)
    k8s(cp0, 'bootstrap', '--file', BOOTSTRAP, '--name', 'node-10', '--address', '10.0.0.10')
    cp1 = k8s_machine(world, 11)
    join(cp1, cp0)
    lb0 = load_balancer(world, 1, 150, [cp0, cp1])
    lb1 = load_balancer(world, 2, 100, [cp0, cp1])
    worker = k8s_machine(world, 20)
    join(worker, cp0, worker=True)
    assert vip_holders(world) == {VIP: '1'}
    return Model(world, [cp0, cp1], [lb0, lb1], worker)


def stop_apiserver(host: SimHost) -> None:
    host.run(['snap', 'stop', 'k8s.kube-apiserver'])


def cluster_ca(world: World) -> str:
    (cluster,) = world.shared['k8s']['clusters'].values()
    return cluster['ca']


def admin(model: Model) -> tuple[str, ...]:
    """curl's arguments for the admin kubeconfig's client certificate (``k8s config``).

    The certificate and key are written to the worker as a user would (base64-decoded).
    """
    kubeconfig = yaml.safe_load(k8s(model.cp[0], 'config').stdout)
    (user,) = kubeconfig['users']
    for field, path in (('client-certificate-data', CERT), ('client-key-data', KEY)):
        model.worker.write_text(path, base64.b64decode(user['user'][field]).decode())
    return '--cert', CERT, '--key', KEY


# -- the path -------------------------------------------------------------------------------------


def test_direct_to_a_control_plane(model: Model) -> None:
    auth = admin(model)
    assert out(run(model.worker, '-sk', *auth, 'https://10.0.0.10:6443/livez')) == (0, 'ok', '')
    assert out(run(model.worker, '-sk', *auth, 'https://node-11:6443/readyz')) == (0, 'ok', '')


def test_through_the_vip_prints_only_the_code(model: Model) -> None:
    assert out(run(model.worker, *LIVEZ)) == (0, '401', '')
    auth = admin(model)
    assert out(run(model.worker, '-sk', *auth, f'https://{VIP}:6443/healthz')) == (0, 'ok', '')


def test_livez_without_credentials_is_401(model: Model) -> None:
    """k8s-snap's --anonymous-auth=false: the authentication filter answers before /livez."""
    for url in ('https://10.0.0.10:6443/livez', f'https://{VIP}:6443/readyz'):
        result = run(model.worker, '-sk', '-w', '\n%{http_code} %{content_type}', url)
        assert out(result) == (0, UNAUTHORIZED + '\n401 application/json', '')


def test_unauthenticated_requests_get_401_on_every_path(model: Model) -> None:
    for path in ('/', '/version', '/api/v1/namespaces/default/pods', '/apis/apps/v1/x'):
        result = run(model.worker, '-sk', f'https://{VIP}:6443{path}')
        assert out(result) == (0, UNAUTHORIZED, '')


def test_admin_client_certificate_is_accepted(model: Model) -> None:
    """The kubeconfig's client certificate authenticates; another one is refused (401)."""
    cert, cert_path, key, key_path = admin(model)
    url = f'https://{VIP}:6443/livez'
    assert out(run(model.worker, '-sk', cert, cert_path, key, key_path, url)) == (0, 'ok', '')
    assert out(run(model.worker, '-skE', cert_path, '--key', key_path, url)) == (0, 'ok', '')
    model.worker.write_text('/root/other.crt', cluster_ca(model.world))
    result = run(model.worker, '-sk', '--cert', '/root/other.crt', '--key', key_path, url)
    assert out(result) == (0, UNAUTHORIZED, '')
    with pytest.raises(SimError, match='not emulated'):
        run(model.worker, '-sk', cert, cert_path, f'https://{VIP}:6443/livez')
    with pytest.raises(SimError, match='not emulated'):
        run(model.worker, '-sk', cert, cert_path, key, key_path, f'https://{VIP}:6443/api/v1/x')


def test_health_check_expecting_200_marks_every_backend_down(model: Model) -> None:
    """HAProxy's unauthenticated GET /livez gets 401: ``expect status 200`` kills the VIP."""
    for lb in model.lb:
        text = lb.read_text('/etc/haproxy/haproxy.cfg')
        only_200 = text.replace('expect status 200,401', 'expect status 200')
        lb.write_text('/etc/haproxy/haproxy.cfg', only_200)
        lb.service('reload', 'haproxy')
    assert out(run(model.worker, *LIVEZ)) == (35, '000', '')
    # A TLS-level check (no httpchk) passes.
    for lb in model.lb:
        text = lb.read_text('/etc/haproxy/haproxy.cfg')
        tls_only = text.replace('    option httpchk GET /livez\n', '')
        lb.write_text('/etc/haproxy/haproxy.cfg', tls_only)
        lb.service('reload', 'haproxy')
    assert out(run(model.worker, *LIVEZ)) == (0, '401', '')


def test_vip_moves_when_its_holder_goes(model: Model) -> None:
    lb0, lb1 = model.lb
    lb0.service('stop', 'haproxy')  # keepalived's tracked script fails: the VIP moves
    assert vip_holders(model.world) == {VIP: '2'}
    assert out(run(model.worker, *LIVEZ)) == (0, '401', '')
    lb0.service('start', 'haproxy')
    assert vip_holders(model.world) == {VIP: '1'}
    model.world.remove_machine(lb0.machine_id)  # the unit and its machine are gone
    assert out(run(model.worker, *LIVEZ)) == (0, '401', '')
    assert model.world.shared['keepalived']['vips'][VIP]['holder'] == lb1.machine_id


def test_a_backend_down_is_skipped(model: Model) -> None:
    stop_apiserver(model.cp[0])  # the first server fails its health check
    assert out(run(model.worker, *LIVEZ)) == (0, '401', '')
    assert out(run(model.worker, '-sS', 'https://10.0.0.10:6443/livez')) == (
        7,
        '',
        "curl: (7) Failed to connect to 10.0.0.10 port 6443 after 0 ms: Couldn't connect to "
        'server\n',
    )


def test_all_backends_down(model: Model) -> None:
    for cp in model.cp:
        stop_apiserver(cp)
    assert out(run(model.worker, *LIVEZ)) == (35, '000', '')
    assert out(run(model.worker, '-k', f'https://{VIP}:6443/livez')) == (
        35,
        '',
        f'curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {VIP}:6443 \n',
    )
    assert out(run(model.worker, '-sS', f'http://{VIP}:6443/livez')) == (
        52,
        '',
        'curl: (52) Empty reply from server\n',
    )


def test_nobody_holds_the_vip(model: Model) -> None:
    for lb in model.lb:
        lb.service('stop', 'keepalived')
    assert out(run(model.worker, *LIVEZ)) == (7, '000', '')
    assert out(run(model.worker, '-k', f'https://{VIP}:6443/livez')) == (
        7,
        '',
        f"curl: (7) Failed to connect to {VIP} port 6443 after 0 ms: Couldn't connect to server\n",
    )


def test_nothing_listens(model: Model) -> None:
    result = run(model.worker, '-s', '-w', '%{http_code} %{exitcode}\\n', 'http://10.0.0.1:80/')
    assert out(result) == (7, '000 7\n', '')


def test_forwarding_loop_never_answers(model: Model) -> None:
    lb0 = model.lb[0]
    looped = HAPROXY_CFG.replace('SERVERS', SERVER.format(name='self', address='10.0.0.1'))
    lb0.write_text('/etc/haproxy/haproxy.cfg', looped)
    lb0.service('reload', 'haproxy')
    assert out(run(model.worker, '-sk', '-w', '%{http_code}', 'https://10.0.0.1:6443/')) == (
        35,
        '000',
        '',
    )
    unchecked = looped.replace(' check check-ssl verify none', '')
    lb0.write_text('/etc/haproxy/haproxy.cfg', unchecked)
    lb0.service('reload', 'haproxy')
    assert run(model.worker, '-sk', 'https://10.0.0.1:6443/').returncode == 35


def test_worker_apiserver_proxy_on_loopback(model: Model) -> None:
    auth = admin(model)
    assert out(run(model.worker, '-sk', *auth, 'https://127.0.0.1:6443/livez')) == (0, 'ok', '')
    assert out(run(model.worker, '-sk', *auth, 'https://localhost:6443/livez')) == (0, 'ok', '')
    for cp in model.cp:
        stop_apiserver(cp)
    assert run(model.worker, '-sk', 'https://127.0.0.1:6443/livez').returncode == 35
    assert run(model.lb[0], '-sk', 'https://127.0.0.1:6443/livez').returncode == 35  # HAProxy
    assert run(model.cp[0], '-sk', 'https://127.0.0.1:6443/livez').returncode == 7


# -- TLS ------------------------------------------------------------------------------------------


def test_untrusted_certificate(model: Model) -> None:
    url = f'https://{VIP}:6443/livez'
    assert out(run(model.worker, '-s', url)) == (60, '', '')
    message = 'curl: (60) SSL certificate problem: unable to get local issuer certificate\n'
    assert out(run(model.worker, '-sS', url)) == (60, '', message + HINT)
    assert out(run(model.worker, '-w', '%{http_code}', url)) == (60, '000', message + HINT)


def test_cacert(model: Model) -> None:
    model.worker.write_text('/root/ca.crt', cluster_ca(model.world))
    url = f'https://{VIP}:6443/livez'
    auth = admin(model)
    assert out(run(model.worker, '-s', *auth, '--cacert', '/root/ca.crt', url)) == (0, 'ok', '')
    # node-1 is the load balancer: it forwards, but the name is not in the certificate.
    result = run(model.worker, '--cacert', '/root/ca.crt', 'https://node-1:6443/livez')
    assert out(result) == (
        60,
        '',
        'curl: (60) SSL: no alternative certificate subject name matches target host name '
        "'node-1'\n" + HINT,
    )
    assert out(run(model.worker, '--cacert', '/root/missing.crt', url)) == (
        77,
        '',
        'curl: (77) error setting certificate file: /root/missing.crt\n',
    )


# -- what the API server answers ------------------------------------------------------------------


def test_fail_on_an_error_status(model: Model) -> None:
    url = f'https://{VIP}:6443/api/v1/pods'
    assert out(run(model.worker, '-skf', url)) == (22, '', '')
    assert out(run(model.worker, '-skfS', '-w', '%{http_code}', url)) == (
        22,
        '401',
        'curl: (22) The requested URL returned error: 401\n',
    )


def test_version(model: Model) -> None:
    result = run(model.worker, '-sk', *admin(model), f'https://{VIP}:6443/version')
    assert result.returncode == 0
    assert not result.stdout.endswith('\n')
    info = json.loads(result.stdout)
    assert (info['major'], info['minor'], info['gitVersion']) == ('1', '32', 'v1.32.3')
    assert list(info) == [
        'major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion',
        'compiler', 'platform',
    ]  # fmt: skip


def test_plain_http_to_the_api_server(model: Model) -> None:
    result = run(model.worker, '-s', '-w', '%{http_code}', 'http://10.0.0.10:6443/livez')
    assert out(result) == (0, 'Client sent an HTTP request to an HTTPS server.\n400', '')


# -- options and output ---------------------------------------------------------------------------


def test_output_file(model: Model) -> None:
    url = f'https://{VIP}:6443/livez'
    assert out(run(model.worker, '-sko/root/livez', *admin(model), url)) == (0, '', '')
    assert model.worker.read_text('/root/livez') == 'ok'
    assert out(run(model.worker, '-k', '-o', '/nowhere/livez', url)) == (
        23,
        '',
        'Warning: Failed to open the file /nowhere/livez: No such file or directory\n'
        'curl: (23) Failure writing output to destination\n',
    )


def test_write_out(model: Model) -> None:
    result = run(
        model.worker,
        '--silent',
        '--insecure',
        *admin(model),
        '--write-out',
        '%{response_code}|%{remote_ip}|%{remote_port}|%{size_download}|%{content_type}|'
        '%{url_effective}|%%|%{nope}\\t.',
        f'HTTPS://{VIP}:6443/a/../livez',
    )
    assert out(result) == (
        0,
        f'ok200|{VIP}|6443|2|text/plain; charset=utf-8|https://{VIP}:6443/livez|%|\t.',
        "curl: unknown --write-out variable: 'nope'\n",
    )


@pytest.mark.parametrize(
    ('args', 'stderr'),
    [
        (['--bogus', 'http://x/'], 'curl: option --bogus: is unknown\n'),
        (['-s9', 'http://x/'], 'curl: option -s9: is unknown\n'),
        (['--max-time=5', 'http://x/'], 'curl: option --max-time=5: is unknown\n'),
        (['-skw'], 'curl: option -skw: requires parameter\n'),
        (['-m', 'soon', 'http://x/'], 'curl: option -m: expected a proper numerical parameter\n'),
        (['-s'], 'curl: no URL specified!\n'),
        ([], ''),
    ],
)
def test_usage_errors(model: Model, args: list[str], stderr: str) -> None:
    assert out(run(model.worker, *args)) == (2, '', stderr + TRY)


def test_accepted_options(model: Model) -> None:
    url = f'https://{VIP}:6443/livez'
    auth = admin(model)
    result = run(
        model.worker, '-sSLqk', *auth, '-m', '5', '--connect-timeout', '2.5', '--fail', url
    )
    assert out(result) == (0, 'ok', '')
    result = run(model.worker, '-k', *auth, '--silent', '--no-silent', '--url', url)
    assert out(result) == (0, 'ok', '')


def test_url_errors(model: Model) -> None:
    assert out(run(model.worker, '-sS', 'gopherx://x/')) == (
        1,
        '',
        'curl: (1) Protocol "gopherx" not supported\n',
    )
    assert out(run(model.worker, '-sS', 'http://10.0.0.10:99999/')) == (
        3,
        '',
        'curl: (3) URL using bad/illegal format or missing URL\n',
    )
    assert out(run(model.worker, '-sS', 'https://nowhere.invalid/')) == (
        6,
        '',
        'curl: (6) Could not resolve host: nowhere.invalid\n',
    )


def test_not_emulated(model: Model) -> None:
    with pytest.raises(SimError, match='not emulated'):
        run(model.worker, '-H', 'X: y', f'https://{VIP}:6443/livez')
    with pytest.raises(SimError, match='not emulated'):
        run(model.worker, '-sk', *admin(model), f'https://{VIP}:6443/livez?verbose')


def test_version_and_package(model: Model) -> None:
    result = run(model.worker, '--version')
    assert result.returncode == 0
    assert result.stdout.startswith('curl 8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0 ')
    assert '(simulated machine)' in result.stdout.splitlines()[0]
    model.worker.run(['apt-get', 'remove', '-y', 'curl'])
    assert out(run(model.worker, '-V')) == (127, '', 'curl: No such file or directory')
