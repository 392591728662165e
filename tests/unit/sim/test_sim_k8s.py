"""The k8s emulation: k8s-snap's CLI texts, exit statuses and cross-machine facts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from metal_host import Completed, RetryPolicy

from orchestrator.sim import SimError, SimHost, World
from orchestrator.sim.programs.k8s import DAEMON_FILE, WORKER_LOCK

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
datastore-type: k8s-dqlite
extra-sans: [10.0.0.100, 10.0.0.10]
control-plane-taints: ["node-role.kubernetes.io/control-plane:NoSchedule"]
extra-node-kubelet-args:
  "--node-labels": "juju-application=kubernetes-control-plane"
"""
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


def machine(world: World, number: int, *, snap: bool = True) -> SimHost:
    host = world.add_machine(
        str(number), hostname=f'node-{number}', addresses=[f'10.0.0.{10 + number}']
    )
    if snap:
        host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
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
    services = host.run(['snap', 'services', 'k8s']).stdout
    assert 'k8s.kubelet                  enabled  active' in services


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
        '  line 2: field bogus not found in type apiv1.BootstrapConfig\n'
        '  line 5: cannot unmarshal !!str `yes-please` into bool\n'
        '  line 6: field colour not found in type apiv1.DNSConfig\n'
    )
    assert not host.exists(DAEMON_FILE)
    assert world.namespace('k8s').get('clusters', {}) == {}


def test_bootstrap_bad_cidr_and_missing_file(world: World) -> None:
    host = machine(world, 0)
    result = bootstrap(host, 'service-cidr: 10.152.183.0/33\n')
    assert result.returncode == 1
    assert result.stderr.endswith(
        'Error: Failed to bootstrap the cluster.\n\nThe error was: failed to POST '
        '/k8sd/cluster: invalid cluster configuration: invalid service CIDR: invalid CIDR '
        'address: 10.152.183.0/33\n'
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
    control = json.loads(base64.b64decode(token(cp, 'node-1')))
    assert control['name'] == 'node-1'
    assert control['join_addresses'] == ['10.0.0.10:6400']
    assert set(control) == {'name', 'secret', 'fingerprint', 'join_addresses'}
    work = json.loads(base64.b64decode(token(cp, 'node-3', worker=True)))
    assert set(work) == {'token', 'secret', 'join_addresses'}
    # k8sd's GetOrCreateWorkerNodeToken: the same unused token again.
    assert token(cp, 'node-3', worker=True) == token(cp, 'node-3', worker=True)
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
    assert node['metadata']['labels']['node-role.kubernetes.io/worker'] == ''
    assert 'node-role.kubernetes.io/control-plane' not in node['metadata']['labels']
    assert node['spec']['taints'] == [
        {'effect': 'NoSchedule', 'key': 'dedicated', 'value': 'ceph'}
    ]
    services = host.run(['snap', 'services', 'k8s']).stdout
    assert 'k8s.kube-apiserver           disabled  inactive' in services
    assert 'k8s.kubelet                  enabled   active' in services


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
        kubectl.argv, 1, '', 'Error: this action is restricted on workers\n'
    )
    assert k8s(worker, 'config').returncode == 1


def test_reused_token(world: World, cp: SimHost) -> None:
    secret = token(cp, 'node-1')
    assert join(machine(world, 1), secret).returncode == 0
    again = join(machine(world, 2), secret, 'node-1')
    assert again.returncode == 1
    assert again.stderr == JOIN_FAILED + (
        'failed to join k8sd cluster as control plane: 1 join attempts were unsuccessful. '
        'Last error: InternalTokenRecord not found\n'
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
    assert k8s(cp, 'remove-node', 'node-1').returncode == 1  # never joined
    assert join(machine(world, 5), spare, 'node-3').returncode == 1
    # node-1's token was not revoked (node-1 was never a member)
    assert join(machine(world, 1), control).returncode == 0
    assert k8s(cp, 'remove-node', 'node-1').returncode == 0
    tokens = next(iter(world.namespace('k8s')['clusters'].values()))['tokens']
    assert sorted(t['state'] for t in tokens.values()) == ['revoked', 'used', 'used']


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
    result = join(machine(world, 1), 'not-a-token')
    assert result.returncode == 1
    assert 'failed to join k8sd cluster as control plane' in result.stderr


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
    result = k8s(cp, 'remove-node', 'ghost')
    assert result.returncode == 1
    assert result.stderr.endswith(
        'Error: Failed to remove node "ghost" from the cluster.\n\nThe error was: failed to '
        'POST /k8sd/cluster/remove: node "ghost" is not part of the cluster\n'
    )


# -- status ---------------------------------------------------------------------------------------


def test_status_json_shape(cp: SimHost) -> None:
    result = k8s(cp, 'status', '--output-format', 'json')
    assert result.stdout == (
        '{"ready":true,"members":[{"name":"node-0","address":"10.0.0.10:6400",'
        '"cluster-role":"control-plane","datastore-role":"voter"}],"config":{"network":{},'
        '"dns":{},"ingress":{},"load-balancer":{},"local-storage":{},"gateway":{},'
        '"metrics-server":{}},"datastore":{"type":"k8s-dqlite"}}\n'
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
    assert labels['node-role.kubernetes.io/control-plane'] == ''
    assert labels['kubernetes.io/hostname'] == 'node-0'
    assert labels['kubernetes.io/os'] == 'linux' and labels['kubernetes.io/arch'] == 'amd64'
    assert labels['juju-application'] == 'kubernetes-control-plane'
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
    assert f'    token: {cluster["admin-token"]}\n' in text
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
    from orchestrator.sim.programs import k8s as program

    node = {'kind': 'Node', 'metadata': {'name': 'n1', 'labels': {'b': '1', 'a': 'é'}}}
    assert program._kubectl_json(node) == json.dumps(node, indent=4, sort_keys=True)
    node['metadata']['labels']['c'] = '2'  # the cache is keyed by content, not identity
    assert '"c": "2"' in program._kubectl_json(node)
