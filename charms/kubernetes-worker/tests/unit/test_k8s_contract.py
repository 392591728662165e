"""The k8s contract: this charm's double (``Machine``) and olm's simulation agree with k8s-snap.

The same scripted ``k8s`` command lines (``tests/contracts/k8s_steps.py``) run on
:class:`k8s_testing.Machine` doubles sharing one table of minted worker tokens and on olm's
simulated machines (``orchestrator.sim``, tokens from ``k8s get-join-token --worker`` on a
bootstrapped control plane), each through ``host.run(argv, check=False)``, and both must give
what the charm's ``workload`` depends on: the exit status, which of its patterns
(``metal_charm.K8S_ALREADY_IN_CLUSTER``, ``metal_charm.K8S_TOKEN_REFUSED``,
:data:`workload.NOT_CLUSTERED`) the output holds, the CLI's ``Error:`` line, and what it
parses (``local-node-status``'s ``name`` and ``cluster-role``; ``snap list k8s``'s version).

Upstream: canonical/k8s-snap ``release-1.32`` @ 388c9d93a5f1 (``src/k8s/cmd/k8s/
k8s_join_cluster.go``, ``k8s_local_node_status.go``; ``src/k8s/pkg/k8sd/api/cluster_join.go``,
``worker_access_handler.go``, ``worker.go``, ``database/worker.go`` ``CheckWorkerNodeToken``:
a worker token joins only the node it was minted for, unexpired, and is deleted once that node
joined; ``api/impl/k8sd.go`` ``GetLocalNodeStatus``: a worker's address has no port).
"""

from __future__ import annotations

import sys
from pathlib import Path

import metal_host
import pytest

import workload

from .k8s_testing import ADDRESS, Machine

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / 'tests' / 'contracts'))

import k8s_steps as steps  # tests/contracts, on the path above
from k8s_steps import (
    ALREADY_CLUSTERED,
    JOIN_FAILED,
    NOT_IN_CLUSTER,
    Outcome,
    SimCluster,
    failed,
    ok,
)

JOIN = steps.JOIN
"""How ``workload.join`` reads a failure."""
STATUS: steps.Patterns = {'not-clustered': lambda text: workload.NOT_CLUSTERED in text}
"""How ``workload.local_node`` reads a failure."""
JOIN_CONFIG = workload.join_config({}, [])


class DoubleCluster:
    """The contract on :class:`k8s_testing.Machine` doubles sharing one token table."""

    label = 'Machine'

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self._count = 0

    def machine(self, name: str, *, snap: bool = True) -> Machine:
        host = Machine(installed='1.32-classic/stable' if snap else None)
        host.tokens = self.tokens  # the control plane's table, shared by every machine
        return host

    def address(self, host: metal_host.Host) -> str:
        return ADDRESS

    def mint(self, node: str, *, worker: bool) -> str:
        assert worker
        self._count += 1
        token = f'worker-token-{self._count}'
        self.tokens[token] = node
        return token


Impl = DoubleCluster | SimCluster


@pytest.fixture(params=[DoubleCluster, SimCluster], ids=['double', 'olm-sim'])
def cluster(request: pytest.FixtureRequest) -> Impl:
    return request.param()


def join(cluster: Impl, host: metal_host.Host, token: str, name: str) -> Outcome:
    return steps.outcome(steps.join(cluster, host, token, name, JOIN_CONFIG), JOIN)


def test_a_token_joins_its_node_once(cluster: Impl) -> None:
    token = cluster.mint('node-1', worker=True)
    first = join(cluster, cluster.machine('node-1'), token, 'node-1')
    # the same token a second time, from another machine under the same name: spent
    second = join(cluster, cluster.machine('node-1b'), token, 'node-1')
    assert [first, second] == [ok(), failed(JOIN_FAILED, 'token-rejected')]


def test_a_token_for_another_node_is_rejected_and_not_spent(cluster: Impl) -> None:
    token = cluster.mint('node-1', worker=True)
    other = join(cluster, cluster.machine('node-2'), token, 'node-2')
    # CheckWorkerNodeToken refuses another node's token; api/worker.go deletes a token only
    # once its node joined
    own = join(cluster, cluster.machine('node-1'), token, 'node-1')
    assert [other, own] == [failed(JOIN_FAILED, 'token-rejected'), ok()]


def test_a_clustered_machine_is_already_clustered(cluster: Impl) -> None:
    host = cluster.machine('node-1')
    assert join(cluster, host, cluster.mint('node-1', worker=True), 'node-1') == ok()
    again = join(cluster, host, cluster.mint('node-1', worker=True), 'node-1')
    assert again == failed(ALREADY_CLUSTERED, 'already-clustered')


def test_join_through_the_charm(cluster: Impl) -> None:
    token = cluster.mint('node-1', worker=True)
    host, other = cluster.machine('node-1'), cluster.machine('node-1b')
    address = cluster.address(host)
    outcomes: list[workload.JoinOutcome] = []
    for machine, new in ((host, False), (other, False), (host, True)):
        with metal_host.bound(machine):
            used = cluster.mint('node-1', worker=True) if new else token
            outcomes.append(
                workload.join(used, name='node-1', address=address, labels={}, taints=())
            )
    assert outcomes == [
        workload.JoinOutcome.JOINED,
        workload.JoinOutcome.TOKEN_REJECTED,
        workload.JoinOutcome.ALREADY_JOINED,
    ]


def test_local_node_status_outside_a_cluster(cluster: Impl) -> None:
    host = cluster.machine('node-1')
    done = steps.local_node_status(host)
    assert steps.outcome(done, STATUS) == failed(NOT_IN_CLUSTER, 'not-clustered')
    with metal_host.bound(host):
        assert workload.local_node() is None


def test_local_node_status_of_a_worker(cluster: Impl) -> None:
    host = cluster.machine('node-1')
    assert join(cluster, host, cluster.mint('node-1', worker=True), 'node-1') == ok()
    done = steps.local_node_status(host)
    assert steps.outcome(done, STATUS) == ok()
    assert workload.parse_local_node_status(done.stdout) == workload.LocalNode('node-1', 'worker')
    with metal_host.bound(host):
        assert workload.local_node() == workload.LocalNode('node-1', 'worker')
    # impl.GetLocalNodeStatus: a worker's address is its IP, without k8sd's port
    status = steps.json_object(done.stdout)
    assert status['address'] == cluster.address(host)


def test_snap_list(cluster: Impl) -> None:
    with metal_host.bound(cluster.machine('node-1')):
        assert workload.installed_version() == 'v1.32.3'
    with metal_host.bound(cluster.machine('node-2', snap=False)):
        assert workload.installed_version() is None


def test_a_corrupted_token_is_a_refused_token() -> None:
    # Only on olm's sim: the double holds tokens as opaque strings. k8sd hands a token not in
    # its worker form to microcluster, whose DecodeToken fails with Go's "illegal base64 data"
    # (k8s-snap postClusterJoin, microcluster control.go): a new token is the only remedy.
    cluster = SimCluster()
    host = cluster.machine('node-1')
    corrupted = cluster.mint('node-1', worker=True)[:-4] + '!!!!'
    with metal_host.bound(host):
        outcome = workload.join(
            corrupted, name='node-1', address=cluster.address(host), labels={}, taints=()
        )
    assert outcome is workload.JoinOutcome.TOKEN_REJECTED
