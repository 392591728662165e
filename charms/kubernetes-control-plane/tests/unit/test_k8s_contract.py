"""The k8s contract: this charm's double (``K8sHost``) and olm's simulation agree with k8s-snap.

The same scripted ``k8s`` command lines (``tests/contracts/k8s_steps.py``) run on a World of
:class:`conftest.K8sHost` and on olm's simulated machines (``orchestrator.sim``), each through
``host.run(argv, check=False)``, and both must give what the charm's ``workload`` depends on:
the exit status, which of the error patterns it uses (``metal_charm.K8S_ALREADY_IN_CLUSTER``,
``metal_charm.K8S_TOKEN_REFUSED``,
``_MEMBER_UNREACHABLE``, ``_NOT_FOUND``) the output matches, and what it parses (``k8s status``'s
``ready``, ``members[].name``/``cluster-role`` and ``datastore.type``; the CA of ``k8s config``;
``kubectl get nodes``; ``snap list k8s``).

Upstream: canonical/k8s-snap ``release-1.32`` @ 388c9d93a5f1 (``src/k8s/cmd/k8s/
k8s_join_cluster.go``, ``k8s_bootstrap.go``, ``k8s_status.go``, ``k8s_remove_node.go``;
``src/k8s/pkg/k8sd/api/cluster_join.go``, ``cluster_remove.go``, ``worker_access_handler.go``)
and canonical/microcluster ``v2`` @ 54d93232565604b4 (``internal/rest/resources/cluster.go``
``clusterPost``: a token's record is read, its expiry and name checked, and deleted in the same
transaction as the member is created, so a refused join spends no token).
"""

from __future__ import annotations

import sys
from pathlib import Path

import metal_host
import pytest

import workload
from conftest import K8sHost, World

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / 'tests' / 'contracts'))

import k8s_steps as steps  # tests/contracts, on the path above
from k8s_steps import (
    ALREADY_CLUSTERED,
    CONTROL_PLANE,
    JOIN_FAILED,
    NOT_IN_CLUSTER,
    Outcome,
    SimCluster,
    failed,
    ok,
    remove_failed,
)

JOIN = steps.JOIN
"""How ``workload.join`` and ``workload.bootstrap`` read a failure."""
REMOVE: steps.Patterns = {
    'not-found': lambda text: bool(workload._NOT_FOUND.search(text)),
    'member-unreachable': lambda text: bool(workload._MEMBER_UNREACHABLE.search(text)),
}
"""How ``workload.remove_node`` reads a failure."""
JOIN_CONFIG = workload.render_join_config((), (), ())


class DoubleCluster:
    """The contract on :class:`conftest.K8sHost` machines sharing one :class:`conftest.World`."""

    label = 'K8sHost'

    def __init__(self) -> None:
        self.world = World()
        self._control_plane: K8sHost | None = None
        self._count = 0

    def machine(self, name: str) -> K8sHost:
        self._count += 1
        return K8sHost(self.world, hostname=name, address=f'10.0.0.{self._count}')

    def control_plane(self) -> K8sHost:
        if self._control_plane is None:
            host = self.machine(CONTROL_PLANE)
            done = steps.bootstrap(host, host.address)
            assert done.returncode == 0, done
            self._control_plane = host
        return self._control_plane

    def address(self, host: metal_host.Host) -> str:
        return host.addresses()[0]

    def mint(self, node: str, *, worker: bool) -> str:
        done = steps.get_join_token(self.control_plane(), node, worker=worker)
        assert done.returncode == 0, done
        return done.stdout.strip()

    def unreachable(self, host: metal_host.Host) -> None:
        assert isinstance(host, K8sHost)
        self.world.unreachable.add(host.name)


Impl = DoubleCluster | SimCluster


@pytest.fixture(params=[DoubleCluster, SimCluster], ids=['double', 'olm-sim'])
def cluster(request: pytest.FixtureRequest) -> Impl:
    return request.param()


@pytest.fixture(params=[False, True], ids=['control-plane-token', 'worker-token'])
def worker(request: pytest.FixtureRequest) -> bool:
    return request.param


def join(cluster: Impl, host: metal_host.Host, token: str, name: str) -> Outcome:
    return steps.outcome(steps.join(cluster, host, token, name, JOIN_CONFIG), JOIN)


def joined(cluster: Impl, name: str, *, worker: bool) -> Outcome:
    """A new machine joins as ``name`` with a token minted for it."""
    return join(cluster, cluster.machine(name), cluster.mint(name, worker=worker), name)


# -- joining -------------------------------------------------------------------------------------


def test_bootstrap_then_again_is_already_clustered(cluster: Impl) -> None:
    host = cluster.machine(CONTROL_PLANE)
    first = steps.bootstrap(host, cluster.address(host))
    again = steps.bootstrap(host, cluster.address(host))
    assert [steps.outcome(first, JOIN), steps.outcome(again, JOIN)] == [
        ok(),
        failed(ALREADY_CLUSTERED, 'already-clustered'),
    ]


def test_get_join_token_prints_one_line(cluster: Impl, worker: bool) -> None:
    done = steps.get_join_token(cluster.control_plane(), 'cp-1', worker=worker)
    assert done.returncode == 0
    assert done.stdout.endswith('\n') and done.stdout.count('\n') == 1 and done.stdout.strip()


def test_a_token_joins_its_node_once(cluster: Impl, worker: bool) -> None:
    token = cluster.mint('node-1', worker=worker)
    first = join(cluster, cluster.machine('node-1'), token, 'node-1')
    # the same token a second time, from another machine under the same name: spent
    second = join(cluster, cluster.machine('node-1b'), token, 'node-1')
    assert [first, second] == [ok(), failed(JOIN_FAILED, 'token-rejected')]


def test_a_token_for_another_node_is_rejected_and_not_spent(cluster: Impl, worker: bool) -> None:
    token = cluster.mint('node-1', worker=worker)
    host = cluster.machine('node-2')
    other = join(cluster, host, token, 'node-2')
    # microcluster deletes the record only with the member it creates (clusterPost, v2), and
    # k8sd deletes a worker token only once it joined (CheckWorkerNodeToken): still good.
    own = join(cluster, cluster.machine('node-1'), token, 'node-1')
    assert [other, own] == [failed(JOIN_FAILED, 'token-rejected'), ok()]


def test_a_token_that_is_no_token_is_rejected(cluster: Impl) -> None:
    cluster.control_plane()
    got = join(cluster, cluster.machine('node-1'), 'not-a-token', 'node-1')
    assert got == failed(JOIN_FAILED, 'token-rejected')


def test_a_clustered_machine_is_already_clustered(cluster: Impl, worker: bool) -> None:
    control_plane = cluster.control_plane()
    node = cluster.machine('node-1')
    assert join(cluster, node, cluster.mint('node-1', worker=worker), 'node-1') == ok()
    token = cluster.mint('node-1', worker=worker)
    assert join(cluster, node, token, 'node-1') == failed(ALREADY_CLUSTERED, 'already-clustered')
    token = cluster.mint(CONTROL_PLANE, worker=False)
    again = join(cluster, control_plane, token, CONTROL_PLANE)
    assert again == failed(ALREADY_CLUSTERED, 'already-clustered')


def test_join_through_the_charm(cluster: Impl, worker: bool) -> None:
    """``workload.join`` itself: joined, then token_rejected for a spent token."""
    token = cluster.mint('node-1', worker=worker)
    with metal_host.bound(cluster.machine('node-1')):
        workload.join(token, 'node-1', '10.9.9.9')
    with metal_host.bound(cluster.machine('node-1b')), pytest.raises(workload.K8sError) as e:
        workload.join(token, 'node-1', '10.9.9.8')
    assert e.value.token_rejected
    assert token not in str(e.value)


# -- status --------------------------------------------------------------------------------------


def test_outside_a_cluster_status_fails(cluster: Impl) -> None:
    host = cluster.machine('node-1')
    done = steps.status(host)
    assert steps.outcome(done, JOIN) == failed(NOT_IN_CLUSTER)
    with metal_host.bound(host):
        assert workload.cluster_status() is None
    done = steps.get_join_token(host, 'node-2', worker=True)
    assert steps.outcome(done, JOIN) == failed(NOT_IN_CLUSTER)
    assert steps.outcome(steps.remove_node(host, 'node-2'), REMOVE) == failed(NOT_IN_CLUSTER)


def test_status_lists_the_control_planes(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    assert joined(cluster, 'cp-1', worker=False) == ok()
    assert joined(cluster, 'worker-1', worker=True) == ok()
    with metal_host.bound(control_plane):
        status = workload.cluster_status()
    assert status is not None
    members = [(m['name'], m['cluster-role']) for m in status['members']]
    assert (status['ready'], members, workload.datastore_type(status)) == (
        True,
        [('cp-0', 'control-plane'), ('cp-1', 'control-plane')],
        'etcd',
    )


# -- remove-node ---------------------------------------------------------------------------------


def test_removing_an_unknown_node_is_no_error(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    done = steps.remove_node(control_plane, 'nobody')
    assert steps.outcome(done, REMOVE) == ok()
    with metal_host.bound(control_plane):
        assert workload.remove_node('nobody') is True


def test_removed_nodes_leave_the_members(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    assert joined(cluster, 'cp-1', worker=False) == ok()
    assert joined(cluster, 'worker-1', worker=True) == ok()
    removed = [steps.remove_node(control_plane, name) for name in ('cp-1', 'worker-1')]
    assert [steps.outcome(done, REMOVE) for done in removed] == [ok(), ok()]
    with metal_host.bound(control_plane):
        status = workload.cluster_status()
        names = [node.name for node in workload.nodes()]
    assert status is not None
    assert ([m['name'] for m in status['members']], names) == (['cp-0'], ['cp-0'])


def test_an_unreachable_member_needs_force(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    member = cluster.machine('cp-1')
    assert join(cluster, member, cluster.mint('cp-1', worker=False), 'cp-1') == ok()
    cluster.unreachable(member)
    plain = steps.remove_node(control_plane, 'cp-1')
    forced = steps.remove_node(control_plane, 'cp-1', force=True)
    assert [steps.outcome(plain, REMOVE), steps.outcome(forced, REMOVE)] == [
        failed(remove_failed('cp-1'), 'member-unreachable'),
        ok(),
    ]


# -- the rest the double emulates ----------------------------------------------------------------


def test_snap_list(cluster: Impl) -> None:
    with metal_host.bound(cluster.machine('node-1')):
        info = workload.snap_info()
    assert info is not None
    assert (info.version, info.channel) == ('v1.32.3', '1.32-classic/stable')


def test_refresh_certs(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    missing = steps.k8s(control_plane, 'refresh-certs', '--extra-sans', '10.0.0.100')
    assert (missing.returncode, missing.stderr) == (
        1,
        'Error: required flag(s) "expires-in" not set\n',
    )
    with metal_host.bound(control_plane):
        workload.refresh_certs(['10.0.0.100'])


def test_config_has_the_ca(cluster: Impl) -> None:
    with metal_host.bound(cluster.control_plane()):
        assert 'BEGIN CERTIFICATE' in workload.ca_certificate()
        server = 'https://10.0.0.100:6443'
        assert f'server: {server}' in workload.kubeconfig(server).replace("'", '')


def test_nodes(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    assert joined(cluster, 'worker-1', worker=True) == ok()
    with metal_host.bound(control_plane):
        nodes = [(n.name, n.control_plane, n.ready, n.kubelet_version) for n in workload.nodes()]
    assert nodes == [('cp-0', True, True, 'v1.32.3'), ('worker-1', False, True, 'v1.32.3')]


def test_kubectl_on_an_unknown_node_is_not_found(cluster: Impl) -> None:
    control_plane = cluster.control_plane()
    done = steps.k8s(control_plane, 'kubectl', 'label', 'node', 'nobody', 'a=b', '--overwrite')
    assert (done.returncode, done.stderr) == (
        1,
        'Error from server (NotFound): nodes "nobody" not found\n',
    )
