"""A machine that plays the k8s snap for kubernetes-worker's tests, and State builders.

:class:`Machine` is a ``RecordingHost`` (every call recorded, nothing run) that also answers
``snap list k8s`` from the snap it has installed and plays ``k8s join-cluster`` and
``k8s local-node-status`` the way the shared ``k8s`` contract describes them, with k8s-snap's
texts: a token the control plane minted for this node name joins once (it is single-use); any
other token fails with ``invalid token``; a machine already in a cluster says so; a machine that
is not one makes ``local-node-status`` fail with ``workload.NOT_CLUSTERED``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import metal_host
from metal_interfaces import kube_cluster
from metal_interfaces.kube_cluster_testing import DEFAULT_TOKEN, relation_for_requirer
from ops import testing

VERSIONS: Mapping[str, str] = {
    '1.31-classic/stable': 'v1.31.7',
    '1.32-classic/stable': 'v1.32.3',
    '1.32-classic/edge': 'v1.32.4',
    '1.33-classic/stable': 'v1.33.0',
    'latest/edge': 'v1.34.0',
}
"""The k8s snap's version per channel (as the simulated catalog has them)."""

HOSTNAME = 'worker-host'
OAM_ADDRESS = '10.0.0.21'
"""The machine's first address: its PXE/OAM interface's, which the node must not join with."""
ADDRESS = '10.20.0.21'
"""The unit's address in the space kube-cluster is bound to (network-get's bind address)."""
SUBNET = '10.20.0.0/24'
ENDPOINT = 'kube-cluster'
NEW_TOKEN = 'fedcba.fedcba9876543210'

TOKEN_FAILURE = (
    'Joining the cluster. This may take a few seconds, please wait.\n'
    'Error: Failed to join the cluster using the provided token.\n'
    '\n'
    'The error was: failed to POST /k8sd/cluster/join: failed to join k8sd cluster as worker: '
    'invalid token\n'
)
"""A refused worker token: k8sd's 401 ``invalid token`` (canonical/k8s-snap
``src/k8s/pkg/k8sd/api/worker_access_handler.go``, ``cluster_join.go`` @ release-1.32), worded as
olm's simulation words it (tests/contracts/k8s_steps.py checks that they agree)."""
ALREADY = 'Error: The node is already part of a cluster\n'
NOT_CLUSTERED = (
    'Error: The node is not part of a Kubernetes cluster. You can bootstrap a new cluster '
    'with:\n\n  sudo k8s bootstrap\n'
)


class Machine(metal_host.RecordingHost):
    """A RecordingHost with the k8s snap's behaviour (see the module docstring).

    Args:
        tokens: the worker tokens the control plane minted, token -> node name.
        installed: the channel the k8s snap is already installed from (None: not installed).
        member: the node name this machine is a cluster member as (None: not a member).
        addresses: the machine's addresses.
    """

    def __init__(
        self,
        *,
        tokens: Mapping[str, str] | None = None,
        installed: str | None = '1.32-classic/stable',
        member: str | None = None,
        addresses: Iterable[str] = (OAM_ADDRESS, ADDRESS, 'fd00::21'),
    ) -> None:
        super().__init__(hostname=HOSTNAME, addresses=addresses)
        self.tokens: dict[str, str] = dict(
            tokens if tokens is not None else {DEFAULT_TOKEN: HOSTNAME}
        )
        self.member = member
        self.join_failure: str | None = None
        """stderr of a join that fails for another reason (the control plane unreachable)."""
        self.k8sd_down = False
        if installed is not None:
            self.snaps['k8s'] = metal_host.SnapState(installed, classic=True, held=True)

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> metal_host.Completed:
        args = tuple(argv)
        if args == ('snap', 'list', 'k8s'):
            self._answer_snap_list()
        elif args[:2] == ('k8s', 'local-node-status'):
            self._answer_local_node_status()
        elif args[:2] == ('k8s', 'join-cluster'):
            self._answer_join(args)
        return super().run(argv, input=input, timeout=timeout, check=check)

    # -- what tests look at ----------------------------------------------------------------

    @property
    def joins(self) -> list[tuple[str, ...]]:
        """The argv of every ``k8s join-cluster``, in order."""
        return [args for args in self.commands if args[:2] == ('k8s', 'join-cluster')]

    @property
    def joined_tokens(self) -> list[str]:
        """The token of every ``k8s join-cluster``, in order."""
        return [args[2] for args in self.joins]

    def stopped(self) -> list[str]:
        """The services stopped, in order."""
        return [str(c.args[1]) for c in self.calls_to('service') if c.args[0] == 'stop']

    # -- the emulation -----------------------------------------------------------------------

    def _answer_snap_list(self) -> None:
        snap = self.snaps.get('k8s')
        if snap is None or snap.channel is None:
            self.expect('snap list k8s', returncode=1, stderr='error: no matching snaps installed')
            return
        table = (
            'Name  Version  Rev   Tracking  Publisher    Notes\n'
            f'k8s   {VERSIONS[snap.channel]}  3640  {snap.channel}  canonical**  '
            f'{"held," if snap.held else ""}classic\n'
        )
        self.expect('snap list k8s', stdout=table)

    def _answer_local_node_status(self) -> None:
        argv = 'k8s local-node-status'
        if self.k8sd_down:
            self.expect(
                argv,
                returncode=1,
                stderr='Error: Failed to create a k8sd client. Make sure that the k8sd service '
                'is running.\n\nThe error was: dial unix control.socket: connect: no such file\n',
            )
        elif self.member is None:
            self.expect(argv, returncode=1, stderr=NOT_CLUSTERED)
        else:
            # impl.GetLocalNodeStatus (canonical/k8s-snap src/k8s/pkg/k8sd/api/impl/k8sd.go
            # @ release-1.32): a worker's address is s.Address().Hostname(), without the port
            status = {'name': self.member, 'address': ADDRESS, 'cluster-role': 'worker'}
            self.expect(argv, stdout=json.dumps(status) + '\n')

    def _answer_join(self, args: tuple[str, ...]) -> None:
        token = args[2]
        name = args[args.index('--name') + 1]
        if self.member is not None:
            self.expect(args, returncode=1, stderr=ALREADY)
        elif self.join_failure is not None:
            self.expect(args, returncode=1, stderr=self.join_failure)
        elif self.tokens.get(token) == name:
            del self.tokens[token]  # single use
            self.member = name
            # JoinClusterResult.String (src/k8s/cmd/k8s/k8s_join_cluster.go @ release-1.32)
            self.expect(
                args,
                stdout=f'Cluster services have started on "{name}".\n'
                'Please allow some time for initial Kubernetes node registration.\n',
                stderr='Joining the cluster. This may take a few seconds, please wait.\n',
            )
        else:
            self.expect(args, returncode=1, stderr=TOKEN_FAILURE)


def kube_relation(
    *, kubernetes_version: str | None = '1.32.3', **kwargs: Any
) -> tuple[testing.Relation, testing.Secret | None]:
    """The kube-cluster relation as this worker unit sees it (a 1.32.3 control plane)."""
    return relation_for_requirer(ENDPOINT, kubernetes_version=kubernetes_version, **kwargs)


def kube_network(*addresses: str) -> testing.Network:
    """network-get kube-cluster: the unit's addresses in the endpoint's space, on ``eth1``.

    By default :data:`ADDRESS`, which is not the machine's first address (:data:`OAM_ADDRESS`).
    """
    values = addresses or (ADDRESS,)
    return testing.Network(
        ENDPOINT,
        bind_addresses=[
            testing.BindAddress(
                [testing.Address(value, cidr=SUBNET) for value in values], interface_name='eth1'
            )
        ],
        ingress_addresses=values,
        egress_subnets=[SUBNET],
    )


def kube_network_without_address() -> testing.Network:
    """network-get kube-cluster when the machine has no address in the endpoint's space."""
    return testing.Network(ENDPOINT, bind_addresses=[], ingress_addresses=[], egress_subnets=[])


def stored(
    *,
    channel: str = '1.32-classic/stable',
    joined: bool = False,
    left: bool = False,
    rejected: str = '',
) -> Any:
    """The charm's StoredState."""
    return testing.StoredState(
        owner_path='KubernetesWorkerCharm',
        content={'channel': channel, 'joined': joined, 'left': left, 'rejected': rejected},
    )


def charm_stored(state: testing.State) -> Mapping[str, Any]:
    """The content of the charm's own StoredState in an output state."""
    [found] = [s for s in state.stored_states if s.owner_path == 'KubernetesWorkerCharm']
    return found.content


def published(state: testing.State, relation: testing.Relation) -> kube_cluster.RequirerUnitData:
    """What the unit reported on ``relation``."""
    data = state.get_relation(relation.id).local_unit_data
    return kube_cluster.RequirerUnitData.model_validate(
        {
            key: json.loads(value)
            for key, value in data.items()
            if not key.startswith('ingress') and key not in ('egress-subnets', 'private-address')
        }
    )


def with_relation(
    state: testing.State, relation: testing.Relation, secret: testing.Secret | None
) -> testing.State:
    """``state`` with ``relation`` (and its secret) replacing the relation of the same id."""
    relations = {r for r in state.relations if r.id != relation.id} | {relation}
    secrets = (
        set(state.secrets)
        if secret is None
        else ({s for s in state.secrets if s.id != secret.id} | {secret})
    )
    return dataclasses.replace(state, relations=relations, secrets=secrets)
