"""The k8s emulation: k8s-snap's CLI texts, exit statuses and cross-machine facts."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from metal_host import Completed, RetryPolicy

from orchestrator.sim import SimError, SimHost, World
from orchestrator.sim.programs.k8s import DAEMON_FILE, DQLITE_DIR, WORKER_LOCK

NOW = 1_700_000_000.0
CONFIG = '/var/snap/k8s/common/etc/bootstrap-config.yaml'
BOOTSTRAP_CONFIG = """\
cluster-config:
  network:
    enabled: true
  dns:
    enabled: true
    cluster-domain: cluster.local
pod-cidr: 10.1.0.0/16
service-cidr: 10.152.183.0/24
datastore-type: etcd
extra-sans: [10.0.0.100, 10.0.0.10]
control-plane-taints: ["node-role.kubernetes.io/control-plane:NoSchedule"]
extra-node-kubelet-args:
  "--node-labels": "juju-application=kubernetes-control-plane"
"""
V1_BOOTSTRAP = (
    'struct { apiv1.Alias "yaml:\\",inline\\""; AltKey *string '
    '"yaml:\\"kube-controller-manager-client-key,omitempty\\"" }'
)
"""The type yaml.v2 names for apiv1.BootstrapConfig: its UnmarshalYAML decodes into this."""
NOT_IN_CLUSTER = (
    'Error: The node is not part of a Kubernetes cluster. You can bootstrap a new cluster '
    'with:\n\n  sudo k8s bootstrap\n'
)
JOIN_FAILED = (
    'Joining the cluster. This may take a few seconds, please wait.\n'
    'Error: Failed to join the cluster using the provided token.\n\n'
    'The error was: failed to POST /k8sd/cluster/join: '
)
STORAGE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: ceph-csi
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ceph-xfs
provisioner: rbd.csi.ceph.com
parameters:
  csi.storage.k8s.io/fstype: xfs
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: csi-rbdplugin-provisioner
  namespace: ceph-csi
spec:
  replicas: 1
"""


@pytest.fixture
def world() -> World:
    return World(sleep=lambda _: None, clock=lambda: NOW, retry=RetryPolicy(attempts=1))


def machine(
    world: World, number: int, *, snap: bool = True, channel: str = '1.32-classic/stable'
) -> SimHost:
    host = world.add_machine(
        str(number), hostname=f'node-{number}', addresses=[f'10.0.0.{10 + number}']
    )
    if snap:
        host.snap_install('k8s', channel=channel, classic=True)
    return host


def k8s(host: SimHost, *args: str) -> Completed:
    return host.run(['k8s', *args], check=False)


def bootstrap(host: SimHost, config: str = BOOTSTRAP_CONFIG) -> Completed:
    host.write_text(CONFIG, config, mode=0o600)
    return k8s(host, 'bootstrap', '--file', CONFIG, '--name', host.hostname(), '--address',
               host.addresses()[0])  # fmt: skip


def token(cp: SimHost, name: str, *, worker: bool = False) -> str:
    result = k8s(cp, 'get-join-token', name, *(['--worker'] if worker else []))
    assert result.returncode == 0, result
    assert result.stdout.endswith('\n') and result.stdout.count('\n') == 1
    return result.stdout.strip()


def join(host: SimHost, secret: str, name: str | None = None) -> Completed:
    return k8s(host, 'join-cluster', secret, '--name', name or host.hostname(), '--address',
               host.addresses()[0])  # fmt: skip


def status(cp: SimHost) -> dict[str, Any]:
    result = k8s(cp, 'status', '--output-format', 'json')
    assert result.returncode == 0, result
    return json.loads(result.stdout)


def nodes(cp: SimHost) -> dict[str, dict[str, Any]]:
    result = k8s(cp, 'kubectl', 'get', 'nodes', '-o', 'json')
    assert result.returncode == 0, result
    listing = json.loads(result.stdout)
    assert listing['kind'] == 'List' and listing['apiVersion'] == 'v1'
    return {item['metadata']['name']: item for item in listing['items']}


@pytest.fixture
def cp(world: World) -> SimHost:
    host = machine(world, 0)
    assert bootstrap(host).returncode == 0
    return host


@pytest.fixture
def worker(world: World, cp: SimHost) -> SimHost:
    host = machine(world, 3)
    assert join(host, token(cp, 'node-3', worker=True)).returncode == 0
    return host


# -- the program is the snap's --------------------------------------------------------------------


def test_no_snap_no_program(world: World) -> None:
    host = machine(world, 0, snap=False)
    assert k8s(host, 'status') == Completed(
        ('k8s', 'status'), 127, '', 'k8s: No such file or directory'
    )
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    assert bootstrap(host).returncode == 0
    host.run(['snap', 'remove', 'k8s'])
    assert k8s(host, 'status').returncode == 127
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    assert k8s(host, 'status') == Completed(('k8s', 'status'), 1, '', NOT_IN_CLUSTER)


# -- bootstrap ------------------------------------------------------------------------------------


def test_bootstrap(world: World) -> None:
    host = machine(world, 0)
    result = bootstrap(host)
    assert result.returncode == 0
    assert result.stdout == (
        'Bootstrapped a new Kubernetes cluster with node address "10.0.0.10:6400".\n'
        "The node will be 'Ready' to host workloads after the CNI is deployed successfully.\n\n"
    )
    assert result.stderr == (
        'Bootstrapping the cluster. This may take a few seconds, please wait.\n'
    )
    (cluster,) = world.namespace('k8s')['clusters'].values()
    assert cluster['dns-service-ip'] == '10.152.183.10'
    assert cluster['cluster-domain'] == 'cluster.local'
    assert cluster['pod-cidr'] == '10.1.0.0/16'
    assert cluster['extra-sans'] == ['10.0.0.100', '10.0.0.10']
    assert cluster['ca'].startswith('-----BEGIN CERTIFICATE-----\n')
    assert set(cluster['nodes']) == {'node-0'}
    assert host.exists(DAEMON_FILE) and not host.exists(WORKER_LOCK)
    # snaputil.ControlPlaneServices and the datastore's (services.go @ release-1.32): a
    # control plane runs no k8s-apiserver-proxy, and the default datastore is etcd.
    assert active_services(host) == {
        'containerd', 'etcd', 'k8sd', 'kube-apiserver', 'kube-controller-manager',
        'kube-proxy', 'kube-scheduler', 'kubelet',
    }  # fmt: skip
    assert status(host)['datastore'] == {'type': 'etcd'}


def active_services(host: SimHost) -> set[str]:
    rows = host.run(['snap', 'services', 'k8s']).stdout.splitlines()[1:]
    return {row.split()[0].removeprefix('k8s.') for row in rows if row.split()[2] == 'active'}


def test_bootstrap_is_deterministic() -> None:
    cas: list[str] = []
    for _ in range(2):
        world = World(sleep=lambda _: None, clock=lambda: NOW, retry=RetryPolicy(attempts=1))
        assert bootstrap(machine(world, 0)).returncode == 0
        (cluster,) = world.namespace('k8s')['clusters'].values()
        cas.append(cluster['ca'] + cluster['admin-token'])
    assert cas[0] == cas[1]


def test_bootstrap_dns_ip_is_the_tenth_address(world: World) -> None:
    host = machine(world, 0)
    assert bootstrap(host, 'service-cidr: 10.200.0.0/16\n').returncode == 0
    (cluster,) = world.namespace('k8s')['clusters'].values()
    assert cluster['dns-service-ip'] == '10.200.0.10'


def test_bootstrap_unknown_keys(world: World) -> None:
    host = machine(world, 0)
    result = bootstrap(host, 'pod-cidr: 10.1.0.0/16\nbogus: 1\ncluster-config:\n  dns:\n'
                             '    enabled: yes-please\n    colour: blue\n')  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        f'Error: Failed to read bootstrap configuration from "{CONFIG}".\n\n'
        'The error was: failed to parse YAML config file: yaml: unmarshal errors:\n'
        f'  line 2: field bogus not found in type {V1_BOOTSTRAP}\n'
        '  line 5: cannot unmarshal !!str `yes-please` into bool\n'
        '  line 6: field colour not found in type apiv1.DNSConfig\n'
    )
    assert not host.exists(DAEMON_FILE)
    assert world.namespace('k8s').get('clusters', {}) == {}


def test_bootstrap_bad_cidr_and_missing_file(world: World) -> None:
    host = machine(world, 0)
    result = bootstrap(host, 'service-cidr: 10.152.183.0/33\n')
    # verifyBootstrapConfig (validate.go) runs in the CLI, before k8sd is asked; PrintErrf
    # without a newline.
    assert result == Completed(
        result.argv,
        1,
        '',
        'Bootstrap config verification failed: invalid cluster configuration: invalid service '
        'CIDR: "10.152.183.0/33" is not a valid CIDR: invalid CIDR address: 10.152.183.0/33',
    )
    overlap = bootstrap(host, 'pod-cidr: 10.0.0.0/8\nservice-cidr: 10.152.183.0/24\n')
    assert overlap.stderr == (
        'Bootstrap config verification failed: invalid cluster configuration: invalid cidr '
        'configuration: pod CIDR "10.0.0.0/8" and service CIDR "10.152.183.0/24" overlap'
    )
    three = bootstrap(host, 'pod-cidr: 10.1.0.0/16,fd01::/108,10.2.0.0/16\n')
    assert three.stderr.endswith(
        'invalid pod CIDR: must contain 1 or 2 CIDRs, but found 3 instead'
    )
    missing = k8s(host, 'bootstrap', '--file', '/nope.yaml')
    assert missing.returncode == 1
    assert missing.stderr == (
        'Error: Failed to read bootstrap configuration from "/nope.yaml".\n\n'
        'The error was: failed to read file: open /nope.yaml: no such file or directory\n'
    )


def test_bootstrap_twice(cp: SimHost) -> None:
    result = bootstrap(cp)
    assert result == Completed(
        result.argv, 1, '', 'Error: The node is already part of a cluster\n'
    )


# -- tokens and joining ---------------------------------------------------------------------------


def test_tokens_are_bound_to_name_and_role(cp: SimHost) -> None:
    # microcluster's types.Token (internal/rest/types/tokens.go @ v2): StdEncoding JSON, no name
    control = json.loads(base64.b64decode(token(cp, 'node-1'), validate=True))
    assert control['join_addresses'] == ['10.0.0.10:6400']
    assert set(control) == {'secret', 'fingerprint', 'join_addresses'}
    # k8sd's InternalWorkerNodeToken (types/worker.go @ release-1.32): RawStdEncoding, magic
    raw = token(cp, 'node-3', worker=True)
    assert '=' not in raw
    work = json.loads(base64.b64decode(raw + '=' * (-len(raw) % 4)))
    assert set(work) == {'token', 'secret', 'join_addresses', 'fingerprint', '_'}
    assert work['_'] == 'm!!' and work['token'].startswith('worker::')
    # k8sd's GetOrCreateWorkerNodeToken inserts a new token every time (insert.sql)
    assert token(cp, 'node-3', worker=True) != token(cp, 'node-3', worker=True)
    assert token(cp, 'node-1') != token(cp, 'node-1')


def test_get_join_token_needs_a_cluster(world: World) -> None:
    host = machine(world, 0)
    assert k8s(host, 'get-join-token', 'node-1').stderr == NOT_IN_CLUSTER


def test_join_control_plane(world: World, cp: SimHost) -> None:
    host = machine(world, 1)
    result = join(host, token(cp, 'node-1'))
    assert result.returncode == 0, result
    assert result.stdout == (
        'Cluster services have started on "node-1".\n'
        'Please allow some time for initial Kubernetes node registration.\n\n'
    )
    assert result.stderr == 'Joining the cluster. This may take a few seconds, please wait.\n'
    members = status(cp)['members']
    assert [(m['name'], m['cluster-role'], m['datastore-role']) for m in members] == [
        ('node-0', 'control-plane', 'voter'),
        ('node-1', 'control-plane', 'voter'),
    ]
    assert status(host)['members'] == members
    local = json.loads(k8s(host, 'local-node-status', '--output-format', 'json').stdout)
    assert local == {'name': 'node-1', 'address': '10.0.0.11:6400',
                     'cluster-role': 'control-plane', 'datastore-role': 'voter'}  # fmt: skip
    # control-plane-taints apply to every control plane
    assert nodes(cp)['node-1']['spec']['taints'] == [
        {'effect': 'NoSchedule', 'key': 'node-role.kubernetes.io/control-plane'}
    ]


def test_join_worker(world: World, cp: SimHost) -> None:
    host = machine(world, 3)
    host.write_text('/tmp/join.yaml', 'extra-node-kubelet-args:\n  "--node-labels": "a=b,c="\n'
                    '  "--register-with-taints": "dedicated=ceph:NoSchedule"\n')  # fmt: skip
    result = k8s(host, 'join-cluster', token(cp, 'node-3', worker=True), '--name', 'node-3',
                 '--address', '10.0.0.13', '--file', '/tmp/join.yaml')  # fmt: skip
    assert result.returncode == 0, result
    assert host.exists(WORKER_LOCK)
    local = k8s(host, 'local-node-status', '--output-format', 'json')
    assert local.stdout == '{"name":"node-3","address":"10.0.0.13","cluster-role":"worker"}\n'
    # workers are not microcluster members
    assert [m['name'] for m in status(cp)['members']] == ['node-0']
    node = nodes(cp)['node-3']
    assert node['metadata']['labels']['a'] == 'b' and node['metadata']['labels']['c'] == ''
    # --node-labels replaced k8s-snap's role labels
    assert 'node-role.kubernetes.io/worker' not in node['metadata']['labels']
    assert 'node-role.kubernetes.io/control-plane' not in node['metadata']['labels']
    assert node['spec']['taints'] == [
        {'effect': 'NoSchedule', 'key': 'dedicated', 'value': 'ceph'}
    ]
    services = host.run(['snap', 'services', 'k8s']).stdout
    assert 'k8s.kube-apiserver           disabled  inactive' in services
    assert 'k8s.kubelet                  enabled   active' in services


def test_the_node_ip_is_the_join_address_not_the_first_address(world: World, cp: SimHost) -> None:
    """k8sd: kubelet's --node-ip is microcluster's address (hooks_bootstrap.go, kubelet.go)."""
    host = world.add_machine('4', hostname='node-4', addresses=['10.0.0.14', '10.20.0.14'])
    host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    secret = token(cp, 'node-4', worker=True)
    done = k8s(host, 'join-cluster', secret, '--name', 'node-4', '--address', '10.20.0.14')
    assert done.returncode == 0, done
    addresses = nodes(cp)['node-4']['status']['addresses']
    assert {'address': '10.20.0.14', 'type': 'InternalIP'} in addresses


def test_worker_is_restricted(worker: SimHost) -> None:
    result = k8s(worker, 'status', '--output-format', 'json')
    assert result.returncode == 1
    assert result.stderr == (
        'Error: Failed to retrieve the cluster status.\n\nThe error was: failed after '
        'potential retry: wait check failed: failed to GET /k8sd/cluster: this action is '
        'restricted on workers\n'
    )
    assert k8s(worker, 'get-join-token', 'x').returncode == 1
    kubectl = k8s(worker, 'kubectl', 'get', 'nodes', '-o', 'json')
    assert kubectl == Completed(
        kubectl.argv, 1, '', 'Error: k8s kubectl commands are not allowed on worker nodes.\n'
    )
    assert k8s(worker, 'config').returncode == 1


def test_reused_token(world: World, cp: SimHost) -> None:
    secret = token(cp, 'node-1')
    assert join(machine(world, 1), secret).returncode == 0
    again = join(machine(world, 2), secret, 'node-1')
    assert again.returncode == 1
    # microcluster deletes a token record once used (clusterPost, internal/rest/resources/
    # cluster.go; the mapper's "CoreTokenRecord not found").
    assert again.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: 1 join attempts were unsuccessful. '
        'Last error: CoreTokenRecord not found\n'
    )
    work = token(cp, 'node-3', worker=True)
    assert join(machine(world, 3), work).returncode == 0
    reused = join(machine(world, 4), work, 'node-3')
    assert reused.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as worker: invalid token\n'
    )


def test_token_for_another_name(world: World, cp: SimHost) -> None:
    result = join(machine(world, 2), token(cp, 'node-1'))
    assert result.returncode == 1
    assert result.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: 1 join attempts were unsuccessful. '
        'Last error: Joining server certificate SAN does not contain join token name\n'
    )
    worker = join(machine(world, 4), token(cp, 'node-3', worker=True))
    assert worker.stderr == JOIN_FAILED + 'failed to join k8sd cluster as worker: invalid token\n'


def test_token_of_a_removed_node(world: World, cp: SimHost) -> None:
    control = token(cp, 'node-1')
    work = token(cp, 'node-3', worker=True)
    host = machine(world, 3)
    assert join(host, work).returncode == 0
    spare = token(cp, 'node-3', worker=True)  # a fresh one, unused
    assert k8s(cp, 'remove-node', 'node-3').returncode == 0
    assert k8s(cp, 'remove-node', 'node-1').returncode == 0  # never joined: nothing to do
    # postClusterRemove revokes no token: an unused one still joins its node.
    assert join(machine(world, 5), spare, 'node-3').returncode == 0
    assert join(machine(world, 1), control).returncode == 0
    assert k8s(cp, 'remove-node', 'node-1').returncode == 0
    tokens = next(iter(world.namespace('k8s')['clusters'].values()))['tokens']
    assert sorted(t['state'] for t in tokens.values()) == ['used', 'used', 'used']


def test_join_after_the_cluster_is_gone(world: World, cp: SimHost) -> None:
    secret = token(cp, 'node-1')
    cp.run(['snap', 'remove', 'k8s'])
    result = join(machine(world, 1), secret)
    assert result.returncode == 1
    assert result.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: 1 join attempts were unsuccessful. '
        'Last error: dial tcp 10.0.0.10:6400: connect: connection refused\n'
    )


def test_join_garbage_token(world: World, cp: SimHost) -> None:
    # microcluster's DecodeToken error as it is (internal/rest/resources/control.go @ v2)
    result = join(machine(world, 1), 'not-a-token')
    assert result.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: illegal base64 data at input byte 3\n'
    )


def test_every_join_address_is_tried(world: World, cp: SimHost) -> None:
    # "%d join attempts were unsuccessful" counts the token's join addresses (control.go @ v2)
    assert join(machine(world, 1), token(cp, 'node-1')).returncode == 0
    spent = token(cp, 'node-2')
    assert join(machine(world, 2), spent).returncode == 0
    again = join(machine(world, 4), spent, 'node-2')
    assert again.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: 2 join attempts were unsuccessful. '
        'Last error: CoreTokenRecord not found\n'
    )


def test_join_when_already_joined(world: World, cp: SimHost, worker: SimHost) -> None:
    result = join(worker, token(cp, 'node-3', worker=True))
    assert result == Completed(
        result.argv, 1, '', 'Error: The node is already part of a cluster\n'
    )


# -- remove-node ----------------------------------------------------------------------------------


def test_remove_node(world: World, cp: SimHost, worker: SimHost) -> None:
    second = machine(world, 1)
    assert join(second, token(cp, 'node-1')).returncode == 0
    result = k8s(cp, 'remove-node', 'node-3')
    assert result.returncode == 0
    assert result.stdout == 'Removed node-3 from cluster.\n\n'
    assert result.stderr == (
        'Removing "node-3" from the Kubernetes cluster. This may take a few seconds, please '
        'wait.\n'
    )
    assert set(nodes(cp)) == {'node-0', 'node-1'}
    assert k8s(cp, 'remove-node', 'node-1', '--force').returncode == 0
    assert [m['name'] for m in status(cp)['members']] == ['node-0']
    # microcluster resets a removed control plane
    assert k8s(second, 'local-node-status').stderr == NOT_IN_CLUSTER
    assert not second.exists(DAEMON_FILE)


def test_remove_unknown_node(cp: SimHost) -> None:
    # postClusterRemove (k8s-snap cluster_remove.go @ release-1.32): Kubernetes' NotFound is
    # ignored and a name that is no microcluster member is not a control plane: success.
    result = k8s(cp, 'remove-node', 'ghost')
    assert result.returncode == 0
    assert result.stdout == 'Removed ghost from cluster.\n\n'


# -- status ---------------------------------------------------------------------------------------


def test_status_json_shape(cp: SimHost) -> None:
    result = k8s(cp, 'status', '--output-format', 'json')
    assert result.stdout == (
        '{"ready":true,"members":[{"name":"node-0","address":"10.0.0.10:6400",'
        '"cluster-role":"control-plane","datastore-role":"voter"}],"config":{"network":{},'
        '"dns":{},"ingress":{},"load-balancer":{},"local-storage":{},"gateway":{},'
        '"metrics-server":{}},"datastore":{"type":"etcd"}}\n'
    )
    plain = k8s(cp, 'status').stdout
    assert plain.startswith('cluster status:           ready\n')
    assert 'control plane nodes:      10.0.0.10:6400 (voter)\n' in plain


def test_status_and_local_status_not_in_cluster(world: World) -> None:
    host = machine(world, 0)
    for command in ('status', 'local-node-status'):
        result = k8s(host, command, '--output-format', 'json')
        assert result == Completed(result.argv, 1, '', NOT_IN_CLUSTER)


# -- kubectl --------------------------------------------------------------------------------------


def test_get_nodes(cp: SimHost, worker: SimHost) -> None:
    found = nodes(cp)
    node = found['node-0']
    assert node['kind'] == 'Node' and node['apiVersion'] == 'v1'
    labels = node['metadata']['labels']
    # the bootstrap config's kubelet --node-labels replaced k8s-snap's own role labels
    # (extra args override the defaults, setup/kubelet.go @ release-1.32)
    assert 'node-role.kubernetes.io/control-plane' not in labels
    assert labels['kubernetes.io/hostname'] == 'node-0'
    assert labels['kubernetes.io/os'] == 'linux' and labels['kubernetes.io/arch'] == 'amd64'
    assert labels['juju-application'] == 'kubernetes-control-plane'
    # without extra labels: k8s-snap's kubeletWorkerLabels / kubeletControlPlaneLabels
    worker_labels = found['node-3']['metadata']['labels']
    assert worker_labels['node-role.kubernetes.io/worker'] == ''
    assert worker_labels['k8sd.io/role'] == 'worker'
    assert 'node-role.kubernetes.io/control-plane' not in worker_labels
    ready = [c for c in node['status']['conditions'] if c['type'] == 'Ready']
    assert ready[0]['status'] == 'True'
    assert node['status']['nodeInfo']['kubeletVersion'] == 'v1.32.3'
    assert found['node-3']['spec'] == {}
    one = k8s(cp, 'kubectl', 'get', 'node', 'node-3', '-o', 'json')
    assert json.loads(one.stdout)['metadata']['name'] == 'node-3'
    missing = k8s(cp, 'kubectl', 'get', 'node', 'ghost', '-o', 'json')
    assert missing == Completed(
        missing.argv, 1, '', 'Error from server (NotFound): nodes "ghost" not found\n'
    )
    # the kubelet version follows the snap
    worker.snap_refresh('k8s', channel='1.33-classic/stable')
    assert nodes(cp)['node-3']['status']['nodeInfo']['kubeletVersion'] == 'v1.33.0'


def test_label(cp: SimHost, worker: SimHost) -> None:
    def labels() -> dict[str, str]:
        return nodes(cp)['node-3']['metadata']['labels']

    result = k8s(cp, 'kubectl', 'label', 'node', 'node-3', 'role=ceph', 'zone=a', '--overwrite')
    assert result == Completed(result.argv, 0, 'node/node-3 labeled\n', '')
    assert labels()['role'] == 'ceph' and labels()['zone'] == 'a'
    clash = k8s(cp, 'kubectl', 'label', 'node', 'node-3', 'role=mon')
    assert clash == Completed(
        clash.argv, 1, '', "error: 'role' already has a value (ceph), and --overwrite is false\n"
    )
    same = k8s(cp, 'kubectl', 'label', 'node', 'node-3', 'role=ceph')
    assert same.stdout == 'node/node-3 not labeled\n'
    removed = k8s(cp, 'kubectl', 'label', 'node', 'node-3', 'zone-')
    assert removed.stdout == 'node/node-3 unlabeled\n'
    assert 'zone' not in labels()
    standard = k8s(cp, 'kubectl', 'label', 'node', 'node-3', 'node-role.kubernetes.io/worker-')
    assert standard.returncode == 0
    assert 'node-role.kubernetes.io/worker' not in labels()
    assert k8s(cp, 'kubectl', 'label', 'node', 'ghost', 'a=b').returncode == 1


def test_taint(cp: SimHost, worker: SimHost) -> None:
    def taints() -> list[dict[str, str]]:
        return nodes(cp)['node-3']['spec'].get('taints', [])

    added = k8s(cp, 'kubectl', 'taint', 'node', 'node-3', 'dedicated=ceph:NoSchedule')
    assert added == Completed(added.argv, 0, 'node/node-3 tainted\n', '')
    assert taints() == [{'effect': 'NoSchedule', 'key': 'dedicated', 'value': 'ceph'}]
    clash = k8s(cp, 'kubectl', 'taint', 'node', 'node-3', 'dedicated=mon:NoSchedule')
    assert clash.returncode == 1
    assert clash.stderr == (
        'error: Node node-3 already has dedicated taint(s) with same effect(s) and '
        '--overwrite is false\n'
    )
    over = k8s(cp, 'kubectl', 'taint', 'node', 'node-3', 'dedicated=mon:NoSchedule',
               '--overwrite')  # fmt: skip
    assert over.stdout == 'node/node-3 modified\n'
    assert taints() == [{'effect': 'NoSchedule', 'key': 'dedicated', 'value': 'mon'}]
    gone = k8s(cp, 'kubectl', 'taint', 'node', 'node-3', 'dedicated:NoSchedule-')
    assert gone.stdout == 'node/node-3 untainted\n'
    assert taints() == []
    missing = k8s(cp, 'kubectl', 'taint', 'node', 'node-3', 'dedicated-')
    assert missing == Completed(missing.argv, 1, '', 'error: taint "dedicated" not found\n')


def test_apply_get_delete(cp: SimHost) -> None:
    cp.write_text('/tmp/storage.yaml', STORAGE)
    result = k8s(cp, 'kubectl', 'apply', '-f', '/tmp/storage.yaml')
    assert result == Completed(
        result.argv,
        0,
        'namespace/ceph-csi created\n'
        'storageclass.storage.k8s.io/ceph-xfs created\n'
        'deployment.apps/csi-rbdplugin-provisioner created\n',
        '',
    )
    again = k8s(cp, 'kubectl', 'apply', '-f', '/tmp/storage.yaml')
    assert again.stdout.count(' unchanged\n') == 3
    cp.write_text('/tmp/storage.yaml', STORAGE.replace('replicas: 1', 'replicas: 2'))
    changed = k8s(cp, 'kubectl', 'apply', '-f', '/tmp/storage.yaml')
    assert 'deployment.apps/csi-rbdplugin-provisioner configured\n' in changed.stdout
    listing = json.loads(k8s(cp, 'kubectl', 'get', 'storageclass', '-o', 'json').stdout)
    (sc,) = listing['items']
    assert sc['provisioner'] == 'rbd.csi.ceph.com'
    assert sc['metadata']['name'] == 'ceph-xfs' and sc['metadata']['uid']
    one = k8s(cp, 'kubectl', 'get', 'sc', 'ceph-xfs', '-o', 'json')
    assert json.loads(one.stdout)['parameters'] == {'csi.storage.k8s.io/fstype': 'xfs'}
    deploy = k8s(cp, 'kubectl', 'get', 'deployment', 'csi-rbdplugin-provisioner', '-n',
                 'ceph-csi', '-o', 'json')  # fmt: skip
    assert json.loads(deploy.stdout)['spec'] == {'replicas': 2}
    assert k8s(cp, 'kubectl', 'get', 'deployment', 'csi-rbdplugin-provisioner', '-o',
               'json').returncode == 1  # fmt: skip
    deleted = k8s(cp, 'kubectl', 'delete', '-f', '/tmp/storage.yaml')
    assert deleted.stdout.startswith(
        'namespace "ceph-csi" deleted\nstorageclass.storage.k8s.io "ceph-xfs" deleted\n'
    )
    empty = json.loads(k8s(cp, 'kubectl', 'get', 'storageclass', '-o', 'json').stdout)
    assert empty['items'] == []
    missing = k8s(cp, 'kubectl', 'get', 'storageclass', 'ceph-xfs', '-o', 'json')
    assert missing.stderr == (
        'Error from server (NotFound): storageclasses.storage.k8s.io "ceph-xfs" not found\n'
    )


def test_apply_into_a_missing_namespace(cp: SimHost) -> None:
    cp.write_text('/tmp/x.yaml', STORAGE.split('---\n')[2])
    result = k8s(cp, 'kubectl', 'apply', '-f', '/tmp/x.yaml')
    assert result.returncode == 1
    assert result.stderr == (
        'Error from server (NotFound): error when creating "/tmp/x.yaml": namespaces '
        '"ceph-csi" not found\n'
    )


# -- config ---------------------------------------------------------------------------------------


def test_config(world: World, cp: SimHost) -> None:
    (cluster,) = world.namespace('k8s')['clusters'].values()
    text = k8s(cp, 'config').stdout
    assert text.endswith('\n\n')
    assert '    server: https://10.0.0.10:6443\n' in text
    ca = text.split('certificate-authority-data: ')[1].split('\n')[0]
    assert base64.b64decode(ca).decode() == cluster['ca']
    # the admin-client certificate, as k8sd's KubeconfigString writes it
    user = text.split('users:\n')[1]
    assert user.startswith('- name: k8s-user\n  user:\n    client-certificate-data: ')
    key = user.split('client-key-data: ')[1].split('\n')[0]
    assert base64.b64decode(key).decode().startswith('-----BEGIN EC PRIVATE KEY-----\n')
    bare = k8s(cp, 'config', '--server', '10.0.0.100:6443').stdout
    assert '    server: https://10.0.0.100:6443\n' in bare
    custom = k8s(cp, 'config', '--server', 'https://10.0.0.100:6443').stdout
    assert '    server: https://10.0.0.100:6443\n' in custom
    assert k8s(machine(world, 1), 'config').stderr == NOT_IN_CLUSTER


def test_no_credentials_printed_elsewhere(world: World, cp: SimHost) -> None:
    (cluster,) = world.namespace('k8s')['clusters'].values()
    outputs = [k8s(cp, 'status', '--output-format', 'json'), bootstrap(cp),
               k8s(cp, 'kubectl', 'get', 'nodes', '-o', 'json')]  # fmt: skip
    for result in outputs:
        assert cluster['admin-token'] not in result.stdout + result.stderr


# -- refresh-certs --------------------------------------------------------------------------------


def sans(world: World, name: str) -> list[str]:
    [cluster] = world.namespace('k8s')['clusters'].values()
    return cluster['nodes'][name]['sans']


def test_bootstrap_and_join_record_the_certificate_sans(world: World, cp: SimHost) -> None:
    assert sans(world, 'node-0') == ['10.0.0.10', '10.0.0.100']
    host = machine(world, 1)
    host.write_text('/tmp/join.yaml', 'extra-sans: [10.0.0.100, api.example.com]\n')
    result = k8s(host, 'join-cluster', token(cp, 'node-1'), '--name', 'node-1',
                 '--address', '10.0.0.11', '--file', '/tmp/join.yaml')  # fmt: skip
    assert result.returncode == 0, result
    # only the join config's SANs: the bootstrap extra-sans are not carried over
    assert sans(world, 'node-1') == ['10.0.0.11', '10.0.0.100', 'api.example.com']
    plain = machine(world, 2)
    assert join(plain, token(cp, 'node-2')).returncode == 0
    assert sans(world, 'node-2') == ['10.0.0.12']


def test_refresh_certs_reissues_the_nodes_certificate(world: World, cp: SimHost) -> None:
    before = (status(cp), k8s(cp, 'local-node-status').stdout)
    result = k8s(cp, 'refresh-certs', '--expires-in', '20y', '--extra-sans', '10.0.0.200',
                 '--extra-sans=k8s.example.com')  # fmt: skip
    assert (result.returncode, result.stderr) == (0, '')
    assert result.stdout == (
        'Waiting for certificates to be created...\n'
        'Certificates have been successfully refreshed, and will expire at 2043-11-14 22:13:20 '
        '+0000 UTC.\n'
    )
    # exactly the given extra SANs: the bootstrap ones (10.0.0.100) are gone
    assert sans(world, 'node-0') == ['10.0.0.10', '10.0.0.200', 'k8s.example.com']
    assert (status(cp), k8s(cp, 'local-node-status').stdout) == before
    # --extra-sans is a StringArray: a comma is part of the SAN, not a separator
    assert k8s(cp, 'refresh-certs', '--expires-in', '1y', '--extra-sans', 'a,b').returncode == 0
    assert sans(world, 'node-0') == ['10.0.0.10', 'a,b']
    assert k8s(cp, 'refresh-certs', '--expires-in', '1y').returncode == 0
    assert sans(world, 'node-0') == ['10.0.0.10']


@pytest.mark.parametrize(
    ('ttl', 'expiry'),
    [
        ('1h', '2023-11-14 23:13:20'),
        ('90m', '2023-11-14 23:43:20'),
        ('2d', '2023-11-16 22:13:20'),
        ('30d', '2023-12-14 22:13:20'),  # 30 days are a month to k8s-snap
        ('3mo', '2024-02-14 22:13:20'),
        ('365d', '2024-11-14 22:13:20'),
    ],
)
def test_refresh_certs_expiry(cp: SimHost, ttl: str, expiry: str) -> None:
    result = k8s(cp, 'refresh-certs', '--expires-in', ttl)
    assert result.stdout.endswith(f'will expire at {expiry} +0000 UTC.\n'), result


@pytest.mark.parametrize(
    ('ttl', 'reason'),
    [
        ('1h30m', 'invalid TTL format: strconv.Atoi: parsing "1h30": invalid syntax'),
        ('x', 'invalid TTL length: x'),
        ('5w', 'invalid TTL unit: w'),
    ],
)
def test_refresh_certs_bad_ttl_goes_on_with_zero(cp: SimHost, ttl: str, reason: str) -> None:
    result = k8s(cp, 'refresh-certs', '--expires-in', ttl)
    assert result.returncode == 0
    assert result.stderr == f'Error: Failed to parse TTL. \n\nThe error was: {reason}\n'
    assert result.stdout.endswith('will expire at 2023-11-14 22:13:20 +0000 UTC.\n')


def test_refresh_certs_errors(world: World, cp: SimHost, worker: SimHost) -> None:
    result = k8s(cp, 'refresh-certs', '--extra-sans', '10.0.0.200')
    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == 'Error: required flag(s) "expires-in" not set\n'
    assert sans(world, 'node-0') == ['10.0.0.10', '10.0.0.100']
    lone = machine(world, 5)
    result = k8s(lone, 'refresh-certs', '--expires-in', '1y')
    assert (result.returncode, result.stderr) == (1, NOT_IN_CLUSTER)
    with pytest.raises(SimError, match='refresh-certs on a worker'):
        k8s(worker, 'refresh-certs', '--expires-in', '1y')


# -- persistence ----------------------------------------------------------------------------------


def test_persistence_round_trip(world: World, cp: SimHost, worker: SimHost) -> None:
    pending = token(cp, 'node-1')
    assert k8s(cp, 'kubectl', 'label', 'node', 'node-3', 'a=b').returncode == 0
    dumped = {mid: world.dump_machine(mid) for mid in world.machines}
    shared = world.dump_shared()
    fresh = World(sleep=lambda _: None, clock=lambda: NOW, retry=RetryPolicy(attempts=1))
    fresh.load_shared(shared)
    for mid, data in dumped.items():
        fresh.load_machine(mid, data)
    cp2 = fresh.host('0')
    assert nodes(cp2)['node-3']['metadata']['labels']['a'] == 'b'
    assert [m['name'] for m in status(cp2)['members']] == ['node-0']
    assert join(machine(fresh, 1), pending).returncode == 0
    assert [m['name'] for m in status(cp2)['members']] == ['node-0', 'node-1']
    assert fresh.changed >= {'', '1'}


def test_kubectl_json_is_kubectls_layout_and_follows_changes() -> None:
    from orchestrator.sim.programs.k8s._kubectl import kubectl_json

    node = {'kind': 'Node', 'metadata': {'name': 'n1', 'labels': {'b': '1', 'a': 'é'}}}
    assert kubectl_json(node) == json.dumps(node, indent=4, sort_keys=True)
    node['metadata']['labels']['c'] = '2'  # the cache is keyed by content, not identity
    assert '"c": "2"' in kubectl_json(node)


# -- datastores per release (k8s-snap 1.32-1.35 and 1.36) -----------------------------------------


def test_control_plane_role_labels(world: World) -> None:
    # kubeletControlPlaneLabels (src/k8s/pkg/k8sd/setup/kubelet.go @ release-1.32)
    host = machine(world, 0)
    assert bootstrap(host, 'pod-cidr: 10.1.0.0/16\n').returncode == 0
    labels = nodes(host)['node-0']['metadata']['labels']
    assert labels['node-role.kubernetes.io/control-plane'] == ''
    assert labels['node-role.kubernetes.io/worker'] == ''
    assert labels['k8sd.io/role'] == 'control-plane'


def test_bootstrap_without_a_datastore_type_is_etcd(world: World) -> None:
    # ClusterConfigFromBootstrapConfig (cluster_config_convert.go): "" is etcd since 1.32
    host = machine(world, 0)
    assert bootstrap(host, 'pod-cidr: 10.1.0.0/16\n').returncode == 0
    assert status(host)['datastore'] == {'type': 'etcd'}
    assert 'etcd' in active_services(host) and 'k8s-dqlite' not in active_services(host)
    assert not host.exists(f'{DQLITE_DIR}/cluster.yaml')


def test_bootstrap_k8s_dqlite_is_deprecated_before_1_36(world: World) -> None:
    host = machine(world, 0)
    result = bootstrap(host, 'datastore-type: k8s-dqlite\n')
    assert result.returncode == 0
    assert result.stderr == (
        'Warning: k8s-dqlite datastore is deprecated and will be removed in Canonical '
        'Kubernetes 1.36. It is recommended to bootstrap new clusters with etcd instead.\n'
        'Bootstrapping the cluster. This may take a few seconds, please wait.\n'
    )
    assert status(host)['datastore'] == {'type': 'k8s-dqlite'}
    assert 'k8s-dqlite' in active_services(host) and 'etcd' not in active_services(host)
    # what the 1.36 post-refresh hook looks for (snap/hooks/post-refresh @ release-1.36)
    assert host.exists(f'{DQLITE_DIR}/cluster.yaml')
    joining = machine(world, 1)
    assert join(joining, token(host, 'node-1')).returncode == 0
    assert 'k8s-dqlite' in active_services(joining)


def test_bootstrap_k8s_dqlite_is_refused_from_1_36(world: World) -> None:
    host = machine(world, 0, channel='1.36-classic/stable')
    result = bootstrap(host, 'datastore-type: k8s-dqlite\n')
    # canonical/k8sd pkg/k8sd/types/cluster_config_convert.go: only etcd and external remain
    assert result == Completed(
        result.argv,
        1,
        '',
        'Bootstrap config verification failed: unknown datastore type specified in bootstrap '
        'config "k8s-dqlite"',
    )
    assert not host.exists(DAEMON_FILE)
    # k8s-snap-api v2 has no k8s-dqlite keys, and its BootstrapConfig no UnmarshalYAML
    port = bootstrap(host, 'k8s-dqlite-port: 9000\n')
    assert port.stderr == (
        f'Error: Failed to read bootstrap configuration from "{CONFIG}".\n\n'
        'The error was: failed to parse YAML config file: yaml: unmarshal errors:\n'
        '  line 1: field k8s-dqlite-port not found in type api.BootstrapConfig\n'
    )
    assert bootstrap(host, 'datastore-type: etcd\n').returncode == 0


@pytest.mark.parametrize(
    ('config', 'problem'),
    [
        ('datastore-type: external\n',
         'datastore type is external but no datastore servers were set'),
        ('datastore-type: etcd\ndatastore-servers: [https://10.0.0.5:2379]\n',
         'datastore-servers needs datastore-type to be external, not "etcd"'),
        ('datastore-type: postgres\n',
         'unknown datastore type specified in bootstrap config "postgres"'),
    ],
)  # fmt: skip
def test_bootstrap_datastore_settings(world: World, config: str, problem: str) -> None:
    result = bootstrap(machine(world, 0), config)
    assert result.returncode == 1
    assert result.stderr == f'Bootstrap config verification failed: {problem}'


def test_bootstrap_keys_of_the_v1_api(world: World) -> None:
    # etcd, tuning and containerd keys of apiv1.BootstrapConfig @ k8s-snap-api v1.1.1
    config = (
        'datastore-type: etcd\netcd-port: 2379\netcd-peer-port: 2380\n'
        'disable-system-tuning: true\ncontainerd-base-dir: /opt/containerd\n'
        'extra-node-etcd-args:\n  --quota-backend-bytes: "8589934592"\n'
        'extra-node-containerd-config:\n  plugins:\n    x: {a: 1}\n'
        'kube-controller-manager-client-key: ""\n'
    )
    assert bootstrap(machine(world, 0), config).returncode == 0


# -- join configs are read strictly ---------------------------------------------------------------


def test_join_config_unknown_key(world: World, cp: SimHost) -> None:
    host = machine(world, 1)
    host.write_text('/tmp/join.yaml', 'extra-sans: [a]\npod-cidr: 10.1.0.0/16\n')
    result = k8s(host, 'join-cluster', token(cp, 'node-1'), '--name', 'node-1',
                 '--file', '/tmp/join.yaml')  # fmt: skip
    # validate.go verifyJoinConfig: UnmarshalStrict, PrintErrf without a newline
    assert result == Completed(
        result.argv,
        1,
        '',
        'Join cluster config verification failed: failed to unmarshal control plane join '
        'config: yaml: unmarshal errors:\n'
        '  line 2: field pod-cidr not found in type apiv1.ControlPlaneJoinConfig',
    )
    worker = machine(world, 3)
    worker.write_text('/tmp/join.yaml', 'extra-sans: [a]\n')
    refused = k8s(worker, 'join-cluster', token(cp, 'node-3', worker=True), '--name', 'node-3',
                  '--file', '/tmp/join.yaml')  # fmt: skip
    assert refused.stderr == (
        'Join cluster config verification failed: failed to unmarshal worker join config: '
        'yaml: unmarshal errors:\n  line 1: field extra-sans not found in type '
        'apiv1.WorkerJoinConfig'
    )
    missing = k8s(worker, 'join-cluster', token(cp, 'node-3', worker=True), '--file', '/nope')
    assert missing.stderr == (
        'Error: Failed to read join configuration from "/nope".\n\n'
        'The error was: open /nope: no such file or directory\n'
    )


# -- token expiry ---------------------------------------------------------------------------------


def test_tokens_expire_after_24_hours() -> None:
    now = [NOW]
    world = World(sleep=lambda _: None, clock=lambda: now[0], retry=RetryPolicy(attempts=1))
    cp = machine(world, 0)
    assert bootstrap(cp).returncode == 0
    control = token(cp, 'node-1')
    work = token(cp, 'node-3', worker=True)
    short = k8s(cp, 'get-join-token', 'node-2', '--expires-in', '1h30m').stdout.strip()
    now[0] += 2 * 3600
    result = join(machine(world, 2), short)
    # microcluster clusterPost: record.Expired() -> "Token expired"
    assert result.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: 1 join attempts were unsuccessful. '
        'Last error: Token expired\n'
    )
    assert join(machine(world, 1), control).returncode == 0  # 2 h < 24 h
    now[0] += 24 * 3600
    expired = join(machine(world, 3), work)
    # database.CheckWorkerNodeToken: expired -> 401 "invalid token"
    assert expired.stderr == JOIN_FAILED + 'failed to join k8sd cluster as worker: invalid token\n'
    fresh = token(cp, 'node-3', worker=True)
    assert fresh != work
    assert join(machine(world, 4), fresh, 'node-3').returncode == 0


# -- removing an unreachable control plane --------------------------------------------------------


def test_remove_unreachable_control_plane_needs_force(world: World, cp: SimHost) -> None:
    second = machine(world, 1)
    assert join(second, token(cp, 'node-1')).returncode == 0
    second.run(['snap', 'stop', 'k8s.k8sd'])
    result = k8s(cp, 'remove-node', 'node-1')
    # microcluster clusterMemberDelete: the pre-remove hook on the member fails and, without
    # force, so does the removal (internal/rest/resources/cluster.go); k8sd wraps it.
    assert result.returncode == 1
    assert result.stderr.endswith(
        'Error: Failed to remove node "node-1" from the cluster.\n\nThe error was: failed to '
        'POST /k8sd/cluster/remove: failed to delete node from microcluster: failed to delete '
        'cluster member node-1: Post "https://10.0.0.11:6400/core/internal/hooks/pre-remove?'
        'target=node-1": dial tcp 10.0.0.11:6400: connect: connection refused\n'
    )
    assert [m['name'] for m in status(cp)['members']] == ['node-0', 'node-1']
    forced = k8s(cp, 'remove-node', 'node-1', '--force')
    assert forced.returncode == 0
    assert [m['name'] for m in status(cp)['members']] == ['node-0']


def test_remove_released_control_plane(world: World, cp: SimHost) -> None:
    assert join(machine(world, 1), token(cp, 'node-1')).returncode == 0
    world.remove_machine('1')
    result = k8s(cp, 'remove-node', 'node-1')
    assert result.returncode == 1
    assert result.stderr.endswith('connect: no route to host\n')
    assert k8s(cp, 'remove-node', 'node-1', '--force').returncode == 0


def test_containerd_base_dir_only_from_1_36(world: World) -> None:
    # canonical/k8sd cmd/k8s/k8s_join_cluster.go has the flag; k8s-snap release-1.32 does not
    old = machine(world, 1)
    result = k8s(old, 'join-cluster', 'x', '--containerd-base-dir', '/opt/c')
    assert result == Completed(result.argv, 1, '', 'Error: unknown flag: --containerd-base-dir\n')
    new = machine(world, 2, channel='1.36-classic/stable')
    joined = k8s(new, 'join-cluster', 'x', '--containerd-base-dir', '/opt/c')
    assert 'unknown flag' not in joined.stderr


@pytest.mark.parametrize(
    ('channel', 'without', 'bad_ttl_code'),
    [
        # cobra's MarkFlagRequired; a bad TTL goes on with 0 (k8s_refresh_certs.go @ 1.32)
        ('1.32-classic/stable', 'Error: required flag(s) "expires-in" not set\n', 0),
        # no required flag; a bad TTL (an empty one too) exits 1 (@ release-1.35)
        (
            '1.35-classic/stable',
            'Error: Failed to parse TTL. \n\nThe error was: invalid TTL length: \n',
            1,
        ),
        # canonical/k8sd cmd/k8s/k8s_refresh_certs.go PreRun
        (
            '1.36-classic/stable',
            'Error: the --expires-in flag is required when not using --external-certificates.\n',
            1,
        ),
    ],
)
def test_refresh_certs_per_release(
    world: World, channel: str, without: str, bad_ttl_code: int
) -> None:
    host = machine(world, 0, channel=channel)
    assert bootstrap(host).returncode == 0
    missing = k8s(host, 'refresh-certs')
    assert (missing.returncode, missing.stderr) == (1, without)
    assert k8s(host, 'refresh-certs', '--expires-in', '9x').returncode == bad_ttl_code


def test_no_kube_proxy_from_1_36_with_the_network_feature(world: World) -> None:
    # canonical/k8sd cluster_config_defaults.go: kube-proxy-enabled defaults to !network.enabled
    host = machine(world, 0, channel='1.36-classic/stable')
    assert bootstrap(host).returncode == 0  # network enabled, kube-proxy-enabled not set
    assert 'kube-proxy' not in active_services(host)
    worker = machine(world, 3, channel='1.36-classic/stable')
    assert join(worker, token(host, 'node-3', worker=True)).returncode == 0
    assert active_services(worker) == {'containerd', 'k8s-apiserver-proxy', 'k8sd', 'kubelet'}
    old = machine(world, 5)
    assert bootstrap(old).returncode == 0
    assert 'kube-proxy' in active_services(old)


def test_kubelet_refuses_reserved_labels_and_the_node_never_registers(world: World) -> None:
    # kubernetes cmd/kubelet/app/options/options.go ValidateKubeletFlags; k8s-snap's kubelet
    # accepts only its own node-role labels besides kubelet's well-known ones
    host = machine(world, 0)
    config = (
        'extra-node-kubelet-args:\n'
        '  "--node-labels": "node-role.kubernetes.io/control-plane=,topology.kubernetes.io/zone=a,'
        'example.kubernetes.io/pool=x,node.kubernetes.io/exclude-from-external-load-balancers="\n'
    )
    assert bootstrap(host, config).returncode == 0  # k8sd does not wait for the kubelet
    assert nodes(host) == {}
    (cluster,) = world.namespace('k8s')['clusters'].values()
    assert cluster['nodes']['node-0']['unregistered'].endswith(
        'specified with --node-labels: [example.kubernetes.io/pool]'
    )
    labelled = k8s(host, 'kubectl', 'label', 'node', 'node-0', 'a=b')
    assert labelled.stderr == 'Error from server (NotFound): nodes "node-0" not found\n'
    fine = machine(world, 1)
    allowed = config.replace('example.kubernetes.io/pool=x,', '')
    assert bootstrap(fine, allowed).returncode == 0
    assert set(nodes(fine)) == {'node-1'}


def test_ready_heartbeat_moves_with_the_kubelets_status_report() -> None:
    """kubelet posts an unchanged node status every nodeStatusReportFrequency (5m)."""
    now = [NOW]
    world = World(sleep=lambda _: None, clock=lambda: now[0], retry=RetryPolicy(attempts=1))
    cp = machine(world, 0)
    assert bootstrap(cp).returncode == 0

    def heartbeat() -> str:
        (ready,) = [c for c in nodes(cp)['node-0']['status']['conditions'] if c['type'] == 'Ready']
        return ready['lastHeartbeatTime']

    first = heartbeat()
    now[0] += 299
    assert heartbeat() == first
    now[0] += 2
    later = heartbeat()
    assert later > first
    assert later == time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(NOW + 300))


def test_apply_refuses_excessive_aliasing_as_go_yaml_does(cp: SimHost) -> None:
    """kubectl reads manifests with sigs.k8s.io/yaml over go-yaml: its alias limit holds."""
    levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
    levels += [f'a{i}: &a{i} [' + ', '.join([f'*a{i - 1}'] * 9) + ']' for i in range(1, 9)]
    cp.write_text('/tmp/bomb.yaml', '\n'.join(levels) + '\n')
    result = k8s(cp, 'kubectl', 'apply', '-f', '/tmp/bomb.yaml')
    assert result.returncode == 1
    assert result.stderr == (
        'error: error parsing /tmp/bomb.yaml: error converting YAML to JSON: yaml: document '
        'contains excessive aliasing\n'
    )
