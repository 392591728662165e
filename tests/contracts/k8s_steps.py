"""The ``k8s`` contract's scripted steps, run alike on the olm simulation and a charm's double.

The k8s CLI of canonical/k8s-snap is emulated three times: by olm's simulation
(``orchestrator/sim/programs/k8s/``) and by the unit-test doubles of kubernetes-control-plane
(``K8sHost``) and kubernetes-worker (``Machine``). Each charm's ``tests/unit/test_k8s_contract.py``
runs the steps here on both of its implementations, each a ``metal_host`` host, through
``host.run(argv, check=False)`` only, and checks what the charm depends on: the exit status,
which of the charm's own error patterns the output matches, and the fields the charm parses.

A :class:`Cluster` is one implementation's world: a bootstrapped control plane, fresh machines
with the k8s snap, and join tokens minted for a node name. :class:`SimCluster` is the olm one
(shared by both charms' contract tests); each test module has its double's.

Upstream, as cited here and in the doubles: canonical/k8s-snap branch ``release-1.32`` @
388c9d93a5f1 (``src/k8s/cmd/k8s/k8s_join_cluster.go``, ``k8s_local_node_status.go``,
``k8s_status.go``, ``src/k8s/pkg/k8sd/api/cluster_join.go``, ``cluster_remove.go``,
``worker_access_handler.go``, ``impl/k8sd.go``) and canonical/microcluster branch ``v2`` @
54d93232565604b4 (``internal/rest/resources/cluster.go`` ``clusterPost``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

import metal_charm
import metal_host
from metal_host import Completed, RetryPolicy

from orchestrator.sim import SimHost, World

NOW = 1_700_000_000.0
CONFIG_DIR = '/var/snap/k8s/common/etc'
BOOTSTRAP_CONFIG = f'{CONFIG_DIR}/bootstrap-config.yaml'
JOIN_CONFIG = f'{CONFIG_DIR}/join-config.yaml'
CONTROL_PLANE = 'cp-0'
"""The node name of every Cluster's bootstrapped control plane."""

BOOTSTRAP = """\
cluster-config:
  network:
    enabled: true
  dns:
    enabled: true
pod-cidr: 10.1.0.0/16
service-cidr: 10.152.183.0/24
datastore-type: etcd
"""


Patterns = Mapping[str, Callable[[str], bool]]
"""The charm's ways of reading a failure, by name: whether the output (stderr + stdout) means
it (``token-rejected``: ``metal_charm.K8S_TOKEN_REFUSED.search``, say)."""

JOIN: Patterns = {
    'already-clustered': lambda text: bool(metal_charm.K8S_ALREADY_IN_CLUSTER.search(text)),
    'token-rejected': lambda text: bool(metal_charm.K8S_TOKEN_REFUSED.search(text)),
}
"""How both charms read a refused ``join-cluster`` (``metal_charm``'s one reading)."""


JOIN_FAILED = 'Error: Failed to join the cluster using the provided token.'
"""``k8s join-cluster``'s line before k8sd's reason (``k8s_join_cluster.go``)."""
ALREADY_CLUSTERED = 'Error: The node is already part of a cluster'
"""``k8s join-cluster`` and ``k8s bootstrap`` on a node in a cluster (``k8s_join_cluster.go``,
``k8s_bootstrap.go``)."""
NOT_IN_CLUSTER = (
    'Error: The node is not part of a Kubernetes cluster. You can bootstrap a new cluster with:'
)
"""``k8s status``, ``local-node-status``, ``remove-node`` ... outside a cluster (first line;
``k8s_status.go``, ``k8s_local_node_status.go``, ``k8s_remove_node.go``)."""


def remove_failed(node: str) -> str:
    """``k8s remove-node``'s line before k8sd's reason (``k8s_remove_node.go``)."""
    return f'Error: Failed to remove node "{node}" from the cluster.'


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the charm can tell from one k8s run: the exit status, which of its patterns the
    output matches, and the ``Error:`` line k8s's CLI printed (empty if none)."""

    code: int
    matched: frozenset[str] = frozenset()
    error: str = ''

    def __repr__(self) -> str:  # short in assertion diffs
        return f'Outcome({self.code}, {sorted(self.matched)}, {self.error!r})'


def outcome(done: Completed, patterns: Patterns) -> Outcome:
    text = f'{done.stderr}\n{done.stdout}'
    matched = frozenset(name for name, match in patterns.items() if match(text))
    error = next((line for line in done.stderr.splitlines() if line.startswith('Error:')), '')
    return Outcome(done.returncode, matched, error)


def ok() -> Outcome:
    return Outcome(0)


def failed(error: str, *matched: str) -> Outcome:
    """Exit status 1 with the ``error`` line, matching exactly the patterns ``matched``."""
    return Outcome(1, frozenset(matched), error)


class Cluster(Protocol):
    """One implementation of the contract: fresh machines and tokens minted for a node."""

    def machine(self, name: str, *, snap: bool = True) -> metal_host.Host:
        """A new machine in no cluster, with the k8s snap (1.32-classic/stable) if ``snap``."""
        ...

    def address(self, host: metal_host.Host) -> str:
        """The address a node on ``host`` joins with."""
        ...

    def mint(self, node: str, *, worker: bool) -> str:
        """A join token for ``node`` from the control plane (``k8s get-join-token``)."""
        ...


# -- the steps: the charms' own command lines ------------------------------------------------


def k8s(host: metal_host.Host, *args: str) -> Completed:
    return host.run(['k8s', *args], check=False)


def bootstrap(host: metal_host.Host, address: str, config: str = BOOTSTRAP) -> Completed:
    """``k8s bootstrap --file BOOTSTRAP_CONFIG --name cp-0 --address ADDR`` (the leader's)."""
    host.write_text(BOOTSTRAP_CONFIG, config, mode=0o600)
    return k8s(host, 'bootstrap', '--file', BOOTSTRAP_CONFIG, '--name', CONTROL_PLANE,
               '--address', address)  # fmt: skip


def get_join_token(host: metal_host.Host, node: str, *, worker: bool) -> Completed:
    """``k8s get-join-token NODE [--worker]`` (kubernetes-control-plane's ``get_join_token``)."""
    return k8s(host, 'get-join-token', node, *(['--worker'] if worker else []))


def join(cluster: Cluster, host: metal_host.Host, token: str, name: str, config: str) -> Completed:
    """``k8s join-cluster TOKEN --name NAME --address ADDR --file JOIN_CONFIG`` as both charms
    run it, after writing the join config they render (``config``)."""
    host.write_text(JOIN_CONFIG, config, mode=0o600)
    address = cluster.address(host)
    return k8s(host, 'join-cluster', token, '--name', name, '--address', address,
               '--file', JOIN_CONFIG)  # fmt: skip


def status(host: metal_host.Host) -> Completed:
    """``k8s status --output-format json`` (kubernetes-control-plane's ``cluster_status``)."""
    return k8s(host, 'status', '--output-format', 'json')


def local_node_status(host: metal_host.Host) -> Completed:
    """``k8s local-node-status --output-format json`` (kubernetes-worker's ``local_node``)."""
    return k8s(host, 'local-node-status', '--output-format', 'json')


def remove_node(host: metal_host.Host, node: str, *, force: bool = False) -> Completed:
    """``k8s remove-node NODE [--force]`` (kubernetes-control-plane's ``remove_node``)."""
    return k8s(host, 'remove-node', node, *(['--force'] if force else []))


def json_object(text: str) -> dict[str, Any]:
    """What ``--output-format json`` printed: one JSON object."""
    value = json.loads(text)
    assert isinstance(value, dict), text
    return cast('dict[str, Any]', value)


# -- the olm simulation ----------------------------------------------------------------------


class SimCluster:
    """The contract on olm's simulated machines: one World, each machine a :class:`SimHost`."""

    label = 'olm-sim'

    def __init__(self) -> None:
        self.world = World(sleep=lambda _: None, clock=lambda: NOW, retry=RetryPolicy(attempts=1))
        self._control_plane: SimHost | None = None
        self._count = 0

    def _add(self, hostname: str, *, snap: bool = True) -> SimHost:
        number = self._count
        self._count += 1
        host = self.world.add_machine(
            str(number), hostname=hostname, addresses=[f'10.0.0.{10 + number}']
        )
        if snap:
            host.snap_install('k8s', channel='1.32-classic/stable', classic=True)
        return host

    def control_plane(self) -> SimHost:
        if self._control_plane is None:
            host = self._add(CONTROL_PLANE)
            done = bootstrap(host, self.address(host))
            assert done.returncode == 0, done
            self._control_plane = host
        return self._control_plane

    def machine(self, name: str, *, snap: bool = True) -> SimHost:
        return self._add(name, snap=snap)

    def address(self, host: metal_host.Host) -> str:
        return host.addresses()[0]

    def mint(self, node: str, *, worker: bool) -> str:
        done = get_join_token(self.control_plane(), node, worker=worker)
        assert done.returncode == 0, done
        return done.stdout.strip()

    def unreachable(self, host: metal_host.Host) -> None:
        """The member's k8sd stops answering (``connection refused``)."""
        host.service('stop', 'snap.k8s.k8sd')
