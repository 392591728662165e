"""Cluster membership: ``bootstrap``, ``get-join-token``, ``join-cluster``, ``remove-node``."""

# pyright: strict

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from ._certs import pem, sans
from ._cluster import (
    answering_cluster,
    clusters,
    draw,
    nodes,
    string_list,
    uid,
)
from ._config import (
    DEFAULT_POD_CIDR,
    DEFAULT_SERVICE_CIDR,
    FEATURES,
    control_plane_join_keys,
    convert_datastore,
    parse_bootstrap_config,
    parse_strict,
    runs_kube_proxy,
    validate_cidrs,
    worker_join_keys,
)
from ._errors import DQLITE_DEPRECATED, RESTRICTED, ExitError, not_emulated
from ._kubelet import kubelet_args, labels_kubelet_refuses, parse_taint
from ._machine import (
    API_V2_FROM,
    DAEMON_FILE,
    DQLITE_DIR,
    K8SD_PORT,
    WORKER_LOCK,
    api_package,
    datastores,
    k8s_release,
    local_node,
    mapping,
)
from ._run import Args, Run
from ._services import start_services, unreachable_reason
from ._tokens import (
    TOKEN_TTL,
    decode_token,
    expired,
    fingerprint,
    go_duration,
    token_decode_error,
    worker_token,
)

if TYPE_CHECKING:
    pass


class Membership(Run):
    """The commands that make and change the cluster: nodes joining and leaving."""

    def register(
        self,
        cluster: dict[str, Any],
        name: str,
        ip: str,
        role: str,
        config: Mapping[str, Any],
    ) -> None:
        """The node joins membership; its kubelet registers the Node (labels, taints).

        A control plane's certificate gets the node address and the config's ``extra-sans``.
        """
        labels, taints = kubelet_args(config, role)
        if taints is None:
            taints = (
                [parse_taint(t) for t in cluster.get('control-plane-taints', [])]
                if role == 'control-plane'
                else []
            )
        nodes(cluster)[name] = {
            'machine': self.host.machine_id,
            'address': ip,
            'role': role,
            'labels': labels,
            'taints': taints,
            'created': self.world.clock(),
            'uid': uid(self.world, name),
        }
        refused = labels_kubelet_refuses(labels)
        if refused:
            # kubelet exits at start ("failed to validate kubelet flags: ..."), so the node
            # never registers: the member has no Node object (assumption: systemd restarts
            # kubelet and it fails the same way each time, not emulated as unit states).
            nodes(cluster)[name]['unregistered'] = (
                "failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels "
                f'specified with --node-labels: [{" ".join(refused)}]'
            )
        if role == 'control-plane':
            nodes(cluster)[name]['sans'] = sans(ip, string_list(config.get('extra-sans')))
        self.host.state['k8s'] = {'cluster': cluster['id'], 'name': name, 'role': role}
        self.host.write_text(DAEMON_FILE, f'name: {name}\naddress: {ip}:{K8SD_PORT}\n')
        datastore = str(cluster.get('datastore-type', ''))
        if role == 'worker':
            self.host.write_text(WORKER_LOCK, '')
        elif datastore == 'k8s-dqlite':
            # k8sd initialises k8s-dqlite's data directory (``setup.K8sDqlite``).
            self.host.write_text(f'{DQLITE_DIR}/cluster.yaml', f'Address: {ip}:9000\n')
        start_services(
            self.host,
            role,
            start=True,
            datastore=datastore,
            kube_proxy=bool(cluster.get('kube-proxy', True)),
        )

    def bootstrap(self, argv: Sequence[str]) -> int:
        """``k8s bootstrap``."""
        values = ['--file', '--name', '--address', '--output-format', '--timeout']
        if k8s_release(self.host) >= API_V2_FROM:  # k8s_bootstrap.go, canonical/k8sd
            values.append('--containerd-base-dir')
        args = Args(argv, values, ('--interactive',))
        args.exact(0)
        if '--interactive' in args.flags:
            if '--file' in args.values:
                raise ExitError(
                    1, 'Error: --interactive and --file flags cannot be set at the same time.'
                )
            not_emulated('bootstrap --interactive')
        name = args.values.get('--name') or self.host.hostname()
        ip, address = self.address(args.values.get('--address'))
        if local_node(self.host) is not None:
            raise ExitError(1, 'Error: The node is already part of a cluster')
        path = args.values.get('--file')
        config: dict[str, Any]
        if path is None:
            config = {}
        else:
            text = self.read_config(path, 'bootstrap')
            try:
                config = parse_bootstrap_config(text, api_package(self.host))
            except ValueError as error:
                raise ExitError(
                    1,
                    f'Error: Failed to read bootstrap configuration from "{path}".\n\n'
                    f'The error was: failed to parse YAML config file: {error}',
                ) from None
        if path is None:  # k8s_bootstrap.go's default BootstrapConfig
            enabled = ('network', 'dns', 'gateway', 'local-storage')
            config = {'cluster-config': {name: {'enabled': True} for name in enabled}}
        pod_cidr = str(config.get('pod-cidr') or DEFAULT_POD_CIDR)
        service_cidr = str(config.get('service-cidr') or DEFAULT_SERVICE_CIDR)
        datastore, problem = convert_datastore(config, datastores(self.host))
        if problem is None:
            problem = validate_cidrs(pod_cidr, service_cidr)
        if problem is not None:
            # verifyBootstrapConfig (validate.go), printed with PrintErrf and no newline.
            self.err(f'Bootstrap config verification failed: {problem}')
            return 1
        if datastore == 'k8s-dqlite':
            self.err(DQLITE_DEPRECATED + '\n')
        self.err('Bootstrapping the cluster. This may take a few seconds, please wait.\n')
        networks = [ipaddress.ip_network(part, strict=False) for part in service_cidr.split(',')]
        cluster_config = mapping(config.get('cluster-config'))
        dns = mapping(cluster_config.get('dns'))
        cluster_id = draw(self.world, 'cluster', name, 8).hex()
        cluster: dict[str, Any] = {
            'id': cluster_id,
            'created': self.world.clock(),
            'ca': pem(self.world, cluster_id),
            'admin-token': 'token::' + draw(self.world, 'admin-token', cluster_id, 20).hex(),
            'pod-cidr': pod_cidr,
            'service-cidr': service_cidr,
            'cluster-domain': str(dns.get('cluster-domain') or 'cluster.local'),
            'dns-service-ip': str(dns.get('service-ip') or networks[0].network_address + 10),
            'datastore-type': datastore,
            'kube-proxy': runs_kube_proxy(self.host, mapping(cluster_config.get('network'))),
            'extra-sans': [str(san) for san in cast('list[Any]', config.get('extra-sans') or [])],
            'control-plane-taints': [
                str(t) for t in cast('list[Any]', config.get('control-plane-taints') or [])
            ],
            'features': {
                feature: bool(mapping(cluster_config.get(feature)).get('enabled'))
                for feature in FEATURES
            },
            'nodes': {},
            'tokens': {},
            'objects': {},
        }
        clusters(self.world)[cluster_id] = cluster
        self.register(cluster, name, ip, 'control-plane', config)
        self.print_result(
            args.values.get('--output-format', 'plain'),
            f'Bootstrapped a new Kubernetes cluster with node address "{address}".\n'
            "The node will be 'Ready' to host workloads after the CNI is deployed successfully.\n",
            {'node': {'name': name, 'address': address, 'cluster-role': 'control-plane',
                      'datastore-role': 'voter'}},
        )  # fmt: skip
        return 0

    def get_join_token(self, argv: Sequence[str]) -> int:
        """``k8s get-join-token NODE [--worker] [--expires-in D]``."""
        args = Args(argv, ('--timeout', '--expires-in'), ('--worker',))
        if len(args.positional) > 1:
            raise ExitError(1, f'Error: accepts at most 1 arg(s), received {len(args.positional)}')
        worker = '--worker' in args.flags
        if not args.positional and not worker:
            raise ExitError(1, 'Error: A node name is required for control-plane nodes.')
        name = args.positional[0] if args.positional else ''
        ttl = args.values.get('--expires-in')
        seconds = float(TOKEN_TTL)
        if ttl is not None:
            try:
                seconds = go_duration(ttl)
            except ValueError:
                raise ExitError(
                    1, f'Error: invalid argument "{ttl}" for "--expires-in" flag: '
                    f'time: invalid duration "{ttl}"'
                ) from None  # fmt: skip
        local, cluster = self.local_cluster()
        if local.get('role') == 'worker':
            raise ExitError(
                1,
                f'Error: Could not generate a join token for "{name}".\n\nThe error was: '
                f'failed to POST /k8sd/cluster/tokens: {RESTRICTED}',
            )
        tokens = cast('dict[str, dict[str, Any]]', cluster.setdefault('tokens', {}))
        addresses = [
            f'{node["address"]}:{K8SD_PORT}'
            for _, node in sorted(nodes(cluster).items())
            if node.get('role') == 'control-plane'
        ]
        expires = self.world.clock() + seconds
        if worker:
            # database.GetOrCreateWorkerNodeToken (src/k8s/pkg/k8sd/database/worker.go,
            # queries/worker-tokens/insert.sql @ release-1.32): despite its name it inserts a
            # new "worker::" + 20 random bytes token every time; earlier ones stay valid.
            secret = 'worker::' + draw(self.world, 'worker-token', name, 20).hex()
            tokens[secret] = {'name': name, 'role': 'worker', 'state': 'unused'}
            tokens[secret]['expires'] = expires
            self.out(worker_token(secret, addresses, str(cluster['ca'])) + '\n')
            return 0
        secret = draw(self.world, 'join-secret', name, 32).hex()
        tokens[secret] = {
            'name': name, 'role': 'control-plane', 'state': 'unused', 'expires': expires
        }  # fmt: skip
        # microcluster's types.Token (internal/rest/types/tokens.go @ v2): secret, fingerprint
        # and join addresses, base64 (StdEncoding) JSON; the name stays in the token record.
        payload = {
            'secret': secret,
            'fingerprint': fingerprint(str(cluster['ca'])),
            'join_addresses': addresses,
        }
        encoded = base64.b64encode(json.dumps(payload, separators=(',', ':')).encode()).decode()
        self.out(encoded + '\n')
        return 0

    def read_join_config(self, path: str | None, worker: bool) -> dict[str, Any]:
        """The join config, read and checked as ``k8s join-cluster`` does (``verifyJoinConfig``).

        A missing file: ``Error: Failed to read join configuration from "PATH".`` / ``The error
        was: open PATH: no such file or directory``; a key the config type does not have:
        ``Join cluster config verification failed: failed to unmarshal control plane|worker
        join config: yaml: unmarshal errors: ...`` (``validate.go``; no newline at the end).
        """
        if path is None:
            return {}
        if path == '-':
            not_emulated('join-cluster --file -')
        try:
            text = self.host.read_text(path)
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise ExitError(
                1,
                f'Error: Failed to read join configuration from "{path}".\n\nThe error was: '
                f'open {path}: no such file or directory',
            ) from None
        package = api_package(self.host)
        kind, keys = (
            ('worker', worker_join_keys(package))
            if worker
            else ('control plane', control_plane_join_keys(package))
        )
        try:
            return parse_strict(text, *keys)
        except ValueError as error:
            self.err(
                f'Join cluster config verification failed: failed to unmarshal {kind} join '
                f'config: {error}'
            )
            raise ExitError(1) from None

    def join_cluster(self, argv: Sequence[str]) -> int:
        """``k8s join-cluster TOKEN``."""
        values = ['--name', '--address', '--file', '--output-format', '--timeout']
        if k8s_release(self.host) >= API_V2_FROM:  # k8s_join_cluster.go, canonical/k8sd
            values.append('--containerd-base-dir')
        args = Args(argv, values)
        args.exact(1)
        token = args.positional[0]
        name = args.values.get('--name') or self.host.hostname()
        ip, _ = self.address(args.values.get('--address'))
        if local_node(self.host) is not None:
            raise ExitError(1, 'Error: The node is already part of a cluster')
        payload = decode_token(token)
        role = 'worker' if payload is not None and payload.get('token') else 'control-plane'
        config = self.read_join_config(args.values.get('--file'), role == 'worker')
        self.err('Joining the cluster. This may take a few seconds, please wait.\n')
        secret = str((payload or {}).get('token' if role == 'worker' else 'secret', ''))
        addresses = [str(a) for a in cast('list[Any]', (payload or {}).get('join_addresses', []))]
        as_role = 'control plane' if role == 'control-plane' else 'worker'
        prefix = (
            'Error: Failed to join the cluster using the provided token.\n\nThe error was: '
            f'failed to POST /k8sd/cluster/join: failed to join k8sd cluster as {as_role}: '
        )
        if payload is None:
            # microcluster joinWithToken returns DecodeToken's error as it is
            # (internal/rest/resources/control.go @ v2): Go's base64 or JSON error.
            raise ExitError(1, prefix + token_decode_error(token.strip()))
        # microcluster tries every join address: "%d join attempts were unsuccessful. Last
        # error: %w" with the number of addresses (control.go @ v2)
        attempts = f'{len(addresses)} join attempts were unsuccessful. Last error: '
        cluster_id = answering_cluster(self.world, addresses)
        if cluster_id is None:
            target = addresses[-1] if addresses else f'{ip}:{K8SD_PORT}'
            reason = f'dial tcp {target}: connect: connection refused'
            if role == 'control-plane':
                reason = attempts + reason
            raise ExitError(1, prefix + reason)
        cluster = clusters(self.world)[cluster_id]
        record = mapping(cluster.get('tokens', {})).get(secret)
        if role == 'worker':
            # database.CheckWorkerNodeToken: the node's own, unexpired token, else 401
            # "invalid token" (worker_access_handler.go); a used one was deleted.
            if (
                record is None
                or record.get('state') != 'unused'
                or record.get('name') not in ('', name)
                or expired(self.world, record)
            ):
                raise ExitError(1, prefix + 'invalid token')
        else:
            # microcluster clusterPost (internal/rest/resources/cluster.go): the token record
            # (deleted once used), then its expiry, then the certificate's name.
            attempt = prefix + attempts
            if record is None or record.get('state') != 'unused':
                raise ExitError(1, attempt + 'CoreTokenRecord not found')
            if expired(self.world, record):
                raise ExitError(1, attempt + 'Token expired')
            if record.get('name') != name:
                raise ExitError(
                    1, attempt + 'Joining server certificate SAN does not contain join token name'
                )
        if name in nodes(cluster):
            raise ExitError(1, prefix + f'node "{name}" is already part of the cluster')
        record['state'] = 'used'
        self.register(cluster, name, ip, role, config)
        self.print_result(
            args.values.get('--output-format', 'plain'),
            f'Cluster services have started on "{name}".\n'
            'Please allow some time for initial Kubernetes node registration.\n',
            {'name': name},
        )
        return 0

    def remove_node(self, argv: Sequence[str]) -> int:
        """``k8s remove-node NODE [--force]``."""
        args = Args(argv, ('--output-format', '--timeout'), ('--force',))
        args.exact(1)
        name = args.positional[0]
        local, cluster = self.local_cluster()
        self.err(
            f'Removing "{name}" from the Kubernetes cluster. This may take a few seconds, '
            'please wait.\n'
        )
        failed = f'Error: Failed to remove node "{name}" from the cluster.\n\nThe error was: '
        if local.get('role') == 'worker':
            raise ExitError(1, failed + f'failed to POST /k8sd/cluster/remove: {RESTRICTED}')
        node = nodes(cluster).get(name)
        if node is None:
            # postClusterRemove (k8s-snap src/k8s/pkg/k8sd/api/cluster_remove.go @ release-1.32):
            # DeleteNode ignores NotFound and a name that is no microcluster member is no
            # control plane, so an unknown node is "removed".
            self.print_result(
                args.values.get('--output-format', 'plain'),
                f'Removed {name} from cluster.\n',
                {'name': name},
            )
            return 0
        machine = self.world.machines.get(str(node.get('machine')))
        force = '--force' in args.flags
        if node.get('role') == 'control-plane' and not force:
            unreachable = unreachable_reason(machine)
            if unreachable is not None:
                # microcluster clusterMemberDelete runs the member's pre-remove hook first and,
                # without force, fails with the transport error (internal/rest/resources/
                # cluster.go, RunPreRemoveHook); k8sd wraps it (removeNodeFromMicrocluster).
                address = f'{node.get("address")}:{K8SD_PORT}'
                raise ExitError(
                    1,
                    failed + 'failed to POST /k8sd/cluster/remove: failed to delete node from '
                    f'microcluster: failed to delete cluster member {name}: Post '
                    f'"https://{address}/core/internal/hooks/pre-remove?target={name}": '
                    f'dial tcp {address}: connect: {unreachable}',
                )
        del nodes(cluster)[name]
        if node.get('role') == 'control-plane' and machine is not None:
            gone = local_node(machine)
            if (
                gone is not None
                and gone.get('name') == name
                and unreachable_reason(machine) is None
            ):
                # microcluster resets a removed member: its daemon state goes, services stop.
                machine.remove(DAEMON_FILE)
                machine.state.pop('k8s', None)
                start_services(
                    machine, 'control-plane', start=False,
                    datastore=str(cluster.get('datastore-type', '')),
                )  # fmt: skip
        self.print_result(
            args.values.get('--output-format', 'plain'),
            f'Removed {name} from cluster.\n',
            {'name': name},
        )
        return 0
