"""kubernetes-control-plane unit tests: ``src`` on the path (lib/ is there by the repo's config).

Also the fakes every test module shares: :class:`World`, one Kubernetes cluster as the k8s
contract describes it (nodes, single-use node-bound tokens, applied objects), and
:class:`K8sHost`, a RecordingHost whose ``snap list k8s`` follows the snaps it installed and
whose ``k8s`` commands act on the World with k8s-snap's output shapes and error texts. A test
injects a failure with :meth:`K8sHost.expect`, which wins over the emulation.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import metal_host
import ops.hookcmds
import pytest
import yaml
from ops import testing

SRC = Path(__file__).resolve().parents[2] / 'src'
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

import charm  # noqa: E402 - needs SRC on the path

VERSIONS = {
    '1.31-classic/stable': 'v1.31.7',
    '1.32-classic/stable': 'v1.32.3',
    '1.33-classic/stable': 'v1.33.0',
    '1.34-classic/stable': 'v1.34.1',
    '1.35-classic/stable': 'v1.35.1',
    '1.36-classic/stable': 'v1.36.1',
    'latest/edge': 'v1.34.0-alpha.1',
}
CA = '-----BEGIN CERTIFICATE-----\nMIIBfakeCAforTests\n-----END CERTIFICATE-----\n'
ADMIN_KEY = 'LS0tLS1BRE1JTi1DTElFTlQtS0VZLXRlc3Q='
PEER_ID = 3
APP = 'kubernetes-control-plane'


def snap_list(channel: str) -> str:
    """``snap list k8s`` as snapd prints it."""
    return (
        'Name  Version  Rev   Tracking             Publisher    Notes\n'
        f'k8s   {VERSIONS[channel]}  3640  {channel}  canonical**  classic,held\n'
    )


@dataclasses.dataclass
class NodeState:
    """One node in the World."""

    control_plane: bool
    address: str
    labels: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    taints: list[str] = dataclasses.field(default_factory=list[str])
    ready: bool = True
    version: str = 'v1.32.3'
    sans: list[str] = dataclasses.field(default_factory=list[str])
    """A control plane's API server certificate SANs: its address and the extra ones."""


@dataclasses.dataclass
class World:
    """One cluster shared by every K8sHost of a test."""

    bootstrap_config: dict[str, Any] | None = None
    nodes: dict[str, NodeState] = dataclasses.field(default_factory=dict[str, NodeState])
    tokens: dict[str, tuple[str, bool]] = dataclasses.field(
        default_factory=dict[str, tuple[str, bool]]
    )
    objects: dict[tuple[str, str, str], dict[str, Any]] = dataclasses.field(
        default_factory=dict[tuple[str, str, str], dict[str, Any]]
    )
    minted: int = 0
    unreachable: set[str] = dataclasses.field(default_factory=set[str])
    """Control-plane nodes whose k8sd does not answer (machine gone, k8sd down)."""

    def secrets(self) -> set[str]:
        """Every credential the World handed out: tokens and the admin key."""
        return {*self.tokens, ADMIN_KEY}


class K8sHost(metal_host.RecordingHost):
    """A machine with the k8s snap, as far as the charm can tell."""

    def __init__(
        self,
        world: World | None = None,
        *,
        installed: str | None = '1.32-classic/stable',
        address: str = '10.0.0.1',
        hostname: str = 'cp-0',
        clustered: bool = False,
    ) -> None:
        super().__init__(hostname=hostname, addresses=[address])
        self.world = world or World()
        self.injected: set[tuple[str, ...]] = set()
        self.emulated: set[tuple[str, ...]] = set()
        self.name = hostname
        self.address = address
        if installed is not None:
            self.snaps['k8s'] = metal_host.SnapState(installed, classic=True, held=True)
        self.clustered = clustered
        if clustered:
            self.world.bootstrap_config = self.world.bootstrap_config or {}
            self.world.nodes[hostname] = NodeState(True, address, sans=[address])

    def expect(
        self,
        argv: str | Sequence[str],
        *,
        stdout: str = '',
        stderr: str = '',
        returncode: int = 0,
        error: metal_host.HostError | None = None,
    ) -> None:
        key = tuple(argv.split()) if isinstance(argv, str) else tuple(argv)
        self.injected.add(key)
        super().expect(argv, stdout=stdout, stderr=stderr, returncode=returncode, error=error)

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> metal_host.Completed:
        args = tuple(str(a) for a in argv)
        if not any(args[: len(key)] == key for key in self.injected):
            rc, out, err = self._emulate(args)
            super()._answer(args, metal_host.Completed((), rc, out, err))
            self.emulated.add(args)
        elif args in self.emulated and args not in self.injected:
            del self.responses[args]  # the injected answer wins over an earlier emulated one
            self.emulated.discard(args)
        return super().run(argv, input=input, timeout=timeout, check=check)

    # -- the emulation ---------------------------------------------------------------------------

    def _emulate(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        if args == ('snap', 'list', 'k8s'):
            snap = self.snaps.get('k8s')
            if snap is None or snap.channel is None:
                return 1, '', 'error: no matching snaps installed'
            return 0, snap_list(snap.channel), ''
        if args[0] != 'k8s':
            return 127, '', f'{args[0]}: command not found'
        command = args[1]
        if command == 'bootstrap':
            return self._bootstrap(args)
        if command == 'join-cluster':
            return self._join(args)
        if not self.clustered:
            return (
                1,
                '',
                (
                    'Error: The node is not part of a Kubernetes cluster. You can bootstrap a new '
                    'cluster with:\n\n  sudo k8s bootstrap\n'
                ),
            )
        if command == 'status':
            members = [
                {'name': n, 'address': s.address, 'cluster-role': 'control-plane'}
                for n, s in sorted(self.world.nodes.items())
                if s.control_plane
            ]
            datastore = (self.world.bootstrap_config or {}).get('datastore-type') or 'etcd'
            status = {'ready': True, 'members': members, 'datastore': {'type': datastore}}
            return 0, json.dumps(status), ''
        if command == 'get-join-token':
            node, worker = args[2], '--worker' in args
            self.world.minted += 1
            token = f'K8SJOINTOKEN{self.world.minted:04d}{node}'
            self.world.tokens[token] = (node, worker)
            return 0, token + '\n', ''
        if command == 'remove-node':
            # k8sd postClusterRemove: an unknown node is no error (cluster_remove.go)
            node = args[2]
            if node in self.world.unreachable and '--force' not in args:
                # microcluster runs the member's pre-remove hook; without --force its transport
                # error fails the removal (internal/rest/resources/cluster.go)
                address = f'{self.world.nodes[node].address}:6400'
                return (
                    1,
                    '',
                    f'Error: Failed to remove node "{node}" from the cluster.\n\nThe error was: '
                    'failed to POST /k8sd/cluster/remove: failed to delete node from '
                    f'microcluster: failed to delete cluster member {node}: Post "https://'
                    f'{address}/core/internal/hooks/pre-remove?target={node}": dial tcp '
                    f'{address}: connect: no route to host\n',
                )
            self.world.nodes.pop(node, None)
            return 0, f'Removed {node} from cluster.\n\n', ''
        if command == 'refresh-certs':
            return self._refresh_certs(args)
        if command == 'config':
            server = args[args.index('--server') + 1] if '--server' in args else None
            return 0, self._kubeconfig(server or f'https://{self.address}:6443'), ''
        if command == 'kubectl':
            return self._kubectl(args[2:])
        return 1, '', f'Error: unknown command "{command}" for "k8s"'

    def _bootstrap(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        if self.clustered:
            return 1, '', 'Error: The node is already part of a cluster\n'
        path = args[args.index('--file') + 1]
        self.world.bootstrap_config = yaml.safe_load(self.files[path].content)
        self._register(args, control_plane=True, config=self.world.bootstrap_config)
        return 0, 'Bootstrapping the cluster. This may take a few seconds, please wait.\n', ''

    def _join(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        if self.clustered:
            return 1, '', 'Error: The node is already part of a cluster\n'
        token, name = args[2], args[args.index('--name') + 1]
        bound = self.world.tokens.get(token)
        failed = (
            'Error: Failed to join the cluster using the provided token.\n\n'
            'The error was: failed to POST /k8sd/cluster/join: failed to join k8sd cluster as '
        )
        if bound is not None and bound[1] and bound[0] != name:
            # a worker token is k8sd's: another node's gets 401 "invalid token" and stays valid
            # (database.CheckWorkerNodeToken; api/worker.go deletes it only after a join),
            # canonical/k8s-snap src/k8s/pkg/k8sd/api/worker_access_handler.go @ release-1.32;
            # the text as olm's simulation prints it
            return 1, '', failed + 'worker: invalid token\n'
        if bound is None or bound[0] != name:
            # a control-plane token, checked by microcluster's clusterPost (canonical/
            # microcluster internal/rest/resources/cluster.go @ v2): unknown or spent (the
            # record is deleted only in the transaction that adds the member), then minted for
            # another name; a refused token is not spent
            reason = (
                'CoreTokenRecord not found'
                if bound is None
                else 'Joining server certificate SAN does not contain join token name'
            )
            attempts = '1 join attempts were unsuccessful. Last error: '
            return 1, '', f'{failed}control plane: {attempts}{reason}\n'
        del self.world.tokens[token]  # single use: spent once the node joined
        config: dict[str, Any] = {}
        if '--file' in args:
            config = yaml.safe_load(self.files[args[args.index('--file') + 1]].content) or {}
        self._register(args, control_plane=not bound[1], config=config)
        return 0, f'Cluster services have started on "{name}".\n', ''

    def _register(
        self, args: tuple[str, ...], *, control_plane: bool, config: dict[str, Any]
    ) -> None:
        name, address = args[args.index('--name') + 1], args[args.index('--address') + 1]
        labels: dict[str, str] = {}
        sans: list[str] = []
        if control_plane:
            labels['node-role.kubernetes.io/control-plane'] = ''
            sans = list(dict.fromkeys([address, *config.get('extra-sans', [])]))
        self.world.nodes[name] = NodeState(control_plane, address, labels, sans=sans)
        self.clustered = True

    def _refresh_certs(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        """``k8s refresh-certs``: this node's certificate gets exactly the given extra SANs."""
        if '--expires-in' not in args:
            return 1, '', 'Error: required flag(s) "expires-in" not set\n'
        extra = [args[i + 1] for i, a in enumerate(args) if a == '--extra-sans']
        node = self.world.nodes[self.name]
        node.sans = list(dict.fromkeys([node.address, *extra]))
        return (
            0,
            'Waiting for certificates to be created...\nCertificates have been successfully '
            'refreshed, and will expire at 2045-06-01 12:00:00 +0000 UTC.\n',
            '',
        )

    def _kubeconfig(self, server: str) -> str:
        ca = base64.b64encode(CA.encode()).decode()
        return yaml.safe_dump(
            {
                'apiVersion': 'v1',
                'kind': 'Config',
                'clusters': [
                    {
                        'name': 'k8s',
                        'cluster': {'server': server, 'certificate-authority-data': ca},
                    }
                ],
                'users': [{'name': 'k8s-user', 'user': {'client-key-data': ADMIN_KEY}}],
            }
        )

    def _kubectl(self, args: tuple[str, ...]) -> tuple[int, str, str]:
        def item(name: str, node: NodeState) -> dict[str, Any]:
            return {
                'apiVersion': 'v1',
                'kind': 'Node',
                'metadata': {'name': name, 'labels': node.labels},
                'spec': {'taints': node.taints},
                'status': {
                    'conditions': [{'type': 'Ready', 'status': str(node.ready)}],
                    'nodeInfo': {'kubeletVersion': node.version},
                },
            }

        if args[:3] == ('get', 'nodes', '-o'):
            items = [item(n, s) for n, s in sorted(self.world.nodes.items())]
            return 0, json.dumps({'apiVersion': 'v1', 'kind': 'List', 'items': items}), ''
        if args[:2] == ('get', 'node') and args[3:] == ('-o', 'json'):
            found = self.world.nodes.get(args[2])
            if found is None:
                return 1, '', f'Error from server (NotFound): nodes "{args[2]}" not found\n'
            return 0, json.dumps(item(args[2], found)), ''
        if args[:2] in (('label', 'node'), ('taint', 'node')):
            node = self.world.nodes.get(args[2])
            if node is None:
                return 1, '', f'Error from server (NotFound): nodes "{args[2]}" not found\n'
            for item in args[3:]:
                if item == '--overwrite':
                    continue
                if args[0] == 'label':
                    if item.endswith('-'):
                        node.labels.pop(item[:-1], None)
                    else:
                        key, _, value = item.partition('=')
                        node.labels[key] = value
                elif item.endswith('-'):
                    key, effect = item[:-1].split(':')
                    node.taints = [
                        t
                        for t in node.taints
                        if not (t.split(':')[0].split('=')[0] == key and t.endswith(':' + effect))
                    ]
                else:
                    node.taints.append(item)
            return 0, f'node/{args[2]} labeled\n', ''
        if args[:2] in (('apply', '-f'), ('delete', '-f')):
            docs = [d for d in yaml.safe_load_all(self.files[args[2]].content) if d]
            lines: list[str] = []
            for doc in docs:
                meta = doc['metadata']
                key = (doc['kind'], meta.get('namespace', ''), meta['name'])
                if args[0] == 'apply':
                    verb = 'configured' if key in self.world.objects else 'created'
                    self.world.objects[key] = doc
                else:
                    verb = 'deleted'
                    self.world.objects.pop(key, None)
                lines.append(f'{doc["kind"].lower()}/{meta["name"]} {verb}')
            return 0, '\n'.join(lines) + '\n', ''
        return 1, '', f'error: unknown kubectl command {args}'

    @property
    def k8s_commands(self) -> list[tuple[str, ...]]:
        """Every ``k8s`` command run, but status/config/get nodes (read-only)."""
        quiet = {('k8s', 'status'), ('k8s', 'config'), ('k8s', 'kubectl', 'get')}
        return [
            c for c in self.commands if c[0] == 'k8s' and c[:2] not in quiet and c[:3] not in quiet
        ]


def network(address: str, endpoint: str = 'cluster', cidr: str = '') -> testing.Network:
    """network-get ``endpoint`` for a unit at ``address`` (on ``cidr`` when given)."""
    return testing.Network(
        endpoint,
        bind_addresses=[testing.BindAddress([testing.Address(address, cidr=cidr)])],
        ingress_addresses=[address],
        egress_subnets=[cidr or f'{address}/32'],
    )


@pytest.fixture(autouse=True)
def no_goal_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """``goal-state`` as without Juju's hook tools (the charm then holds no token back).

    A test that needs goal-state patches ``ops.hookcmds.goal_state`` itself; none runs a
    ``goal-state`` program of this computer.
    """

    def missing() -> Any:
        raise FileNotFoundError('goal-state')

    monkeypatch.setattr(ops.hookcmds, 'goal_state', missing)


ENDPOINTS = ('cluster', 'kube-cluster', 'loadbalancer', 'ceph-client')
"""The endpoints network-get answers for."""


def networks(address: str, **where: str) -> set[testing.Network]:
    """Every binding of a unit at ``address``; ``where`` moves an endpoint (``_`` for ``-``)."""
    moved = {endpoint.replace('_', '-'): ip for endpoint, ip in where.items()}
    return {network(moved.get(endpoint, address), endpoint) for endpoint in ENDPOINTS}


def peers(
    unit_data: Mapping[str, str] | None = None,
    app_data: Mapping[str, str] | None = None,
    others: Mapping[int, Mapping[str, str]] | None = None,
) -> testing.PeerRelation:
    """The cluster peer relation."""
    return testing.PeerRelation(
        'cluster',
        id=PEER_ID,
        local_unit_data=dict(unit_data or {}),
        local_app_data=dict(app_data or {}),
        peers_data={n: dict(d) for n, d in (others or {}).items()},
    )


def context(unit_id: int = 0) -> testing.Context[charm.KubernetesControlPlaneCharm]:
    """A context for the charm, its metadata read from charmcraft.yaml."""
    return testing.Context(charm.KubernetesControlPlaneCharm, unit_id=unit_id)


def leaks(state: testing.State, secrets: set[str]) -> list[str]:
    """Where a credential shows in what the charm wrote: databags and status."""
    found: list[str] = []
    for relation in state.relations:
        bags = {'app': relation.local_app_data, 'unit': relation.local_unit_data}
        for which, bag in bags.items():
            for key, value in bag.items():
                found += [f'{relation.endpoint} {which} {key}' for s in secrets if s in value]
    found += ['status' for s in secrets if s in state.unit_status.message]
    return found


@dataclasses.dataclass
class Cluster:
    """Several control-plane units sharing one peer relation, one World, and the app secrets.

    :meth:`run` runs one event (by default peer relation-changed) on one unit with its view and
    carries the output forward, the way Juju commits a hook.
    """

    size: int
    leader: int = 0
    config: dict[str, str | bool] = dataclasses.field(default_factory=dict[str, str | bool])
    networks: dict[int, set[testing.Network]] = dataclasses.field(
        default_factory=dict[int, set[testing.Network]]
    )
    """Unit number -> what network-get answers it (default: every binding on its address)."""

    def __post_init__(self) -> None:
        self.world = World()
        self.members: set[int] = set(range(self.size))
        self.hosts = {
            n: K8sHost(self.world, address=self.address(n), hostname=f'cp-{n}')
            for n in self.members
        }
        self.unit_data: dict[int, dict[str, str]] = {n: {} for n in self.members}
        self.app_data: dict[str, str] = {}
        self.stored: dict[int, frozenset[testing.StoredState]] = {
            n: frozenset() for n in self.members
        }
        self.secrets: dict[str, testing.Secret] = {}
        self.statuses: dict[int, Any] = {}
        self.extra: list[testing.RelationBase] = []
        self.extra_secrets: list[testing.Secret] = []

    @staticmethod
    def address(n: int) -> str:
        return f'10.0.0.{n + 1}'

    def state(self, n: int) -> testing.State:
        relation = peers(
            self.unit_data[n],
            self.app_data,
            {m: self.unit_data[m] for m in self.members if m != n},
        )
        return testing.State(
            leader=n == self.leader,
            config=self.config,
            relations={relation, *self.extra},
            networks=self.networks.get(n) or networks(self.address(n)),
            secrets={*self.secrets.values(), *self.extra_secrets},
            stored_states=self.stored[n],
        )

    def run(self, n: int, event: Any = None) -> testing.State:
        ctx = context(n)
        state = self.state(n)
        if event is not None:
            made = event(ctx, state)
        elif len(self.members) > 1:
            other = min(self.members - {n})
            made = ctx.on.relation_changed(state.get_relation(PEER_ID), remote_unit=other)
        else:
            made = ctx.on.update_status()
        with metal_host.bound(self.hosts[n]):
            out = ctx.run(made, state)
        self.commit(n, out)
        return out

    def commit(self, n: int, out: testing.State) -> None:
        self.unit_data[n] = dict(out.get_relation(PEER_ID).local_unit_data)
        if n == self.leader:
            self.app_data = dict(out.get_relation(PEER_ID).local_app_data)
            self.secrets = {s.id: s for s in out.secrets if s.owner == 'app'}
        self.stored[n] = out.stored_states
        self.statuses[n] = out.unit_status
        assert not leaks(out, self.world.secrets()), leaks(out, self.world.secrets())

    def settle(self, rounds: int = 10) -> None:
        """Run peer relation-changed round after round until no databag changes."""
        for _ in range(rounds):
            before = (repr(self.unit_data), repr(self.app_data))
            for n in sorted(self.members):
                self.run(n)
            if (repr(self.unit_data), repr(self.app_data)) == before:
                return
        raise AssertionError('the cluster did not settle')

    def depart(self, n: int) -> testing.State:
        """Unit ``n`` leaves: the leader sees cluster relation-departed."""
        departed_data = self.unit_data[n]
        self.members.discard(n)
        state = self.state(self.leader)
        relation = state.get_relation(PEER_ID)
        relation = dataclasses.replace(
            relation, peers_data={**relation.peers_data, n: departed_data}
        )
        state = dataclasses.replace(
            state, relations={relation, *(r for r in state.relations if r.id != PEER_ID)}
        )
        ctx = context(self.leader)
        event = ctx.on.relation_departed(relation, remote_unit=n, departing_unit=n)
        with metal_host.bound(self.hosts[self.leader]):
            out = ctx.run(event, state)
        self.commit(self.leader, out)
        return out


@pytest.fixture
def host() -> K8sHost:
    """A machine with k8s 1.32-classic/stable installed, in no cluster."""
    return K8sHost()
