"""``k8s``: its commands dispatched; status, local-node-status, refresh-certs, config."""

# pyright: strict

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from metal_host import Completed
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ._certs import admin_client, expiration, sans, ttl_seconds
from ._cluster import (
    cluster_members,
    datastore_roles,
    nodes,
    status_plain,
)
from ._config import (
    FEATURES,
)
from ._errors import NOT_IN_CLUSTER, RESTRICTED, ExitError, not_emulated
from ._kubectl import Kubectl
from ._machine import (
    API_V2_FROM,
    APISERVER_PORT,
    K8SD_PORT,
    k8s_release,
    snap,
)
from ._membership import Membership
from ._run import Args

if TYPE_CHECKING:
    from ...host import Invocation


class _Commands(Membership):
    """``k8s``'s commands, each a method taking its arguments and returning the exit status."""

    def main(self) -> int:
        args = list(self.invocation.args)
        if not args:
            not_emulated('without a command (help)')
        command, rest = args[0], args[1:]
        if command == 'kubectl':
            return Kubectl(self).main(rest)
        handler = {
            'bootstrap': self.bootstrap,
            'get-join-token': self.get_join_token,
            'join-cluster': self.join_cluster,
            'remove-node': self.remove_node,
            'status': self.status,
            'local-node-status': self.local_node_status,
            'config': self.config,
            'refresh-certs': self.refresh_certs,
        }.get(command)
        if handler is None:
            if command in ('enable', 'disable', 'set', 'get', 'helm'):
                not_emulated(command)
            raise ExitError(
                1, f'Error: unknown command "{command}" for "k8s"\nRun \'k8s --help\' for usage.'
            )
        return handler(rest)

    # -- the cluster and this node ----------------------------------------------------------

    def status(self, argv: Sequence[str]) -> int:
        """``k8s status``."""
        args = Args(argv, ('--output-format', '--timeout'), ('--wait-ready',))
        args.exact(0)
        local, cluster = self.local_cluster()
        if local.get('role') == 'worker':
            raise ExitError(
                1,
                'Error: Failed to retrieve the cluster status.\n\nThe error was: failed after '
                f'potential retry: wait check failed: failed to GET /k8sd/cluster: {RESTRICTED}',
            )
        members = cluster_members(cluster)
        data: dict[str, Any] = {}
        if nodes(cluster):
            data['ready'] = True
        if members:
            data['members'] = members
        data['config'] = {feature: {} for feature in FEATURES}
        data['datastore'] = {'type': cluster.get('datastore-type', 'etcd')}
        self.print_result(
            args.values.get('--output-format', 'plain'), status_plain(cluster, members), data
        )
        return 0

    def local_node_status(self, argv: Sequence[str]) -> int:
        """``k8s local-node-status``."""
        args = Args(argv, ('--output-format',))
        args.exact(0)
        local, cluster = self.local_cluster()
        name = str(local['name'])
        node = nodes(cluster).get(name)
        ip = str(node['address']) if node else self.address(None)[0]
        if local.get('role') == 'worker':
            data = {'name': name, 'address': ip, 'cluster-role': 'worker'}
        else:
            data = {
                'name': name,
                'address': f'{ip}:{K8SD_PORT}',
                'cluster-role': 'control-plane',
                'datastore-role': datastore_roles(cluster).get(name, 'unknown'),
            }
        plain = '\n'.join(f'{key}: {value}' for key, value in data.items())
        self.print_result(args.values.get('--output-format', 'plain'), plain, data)
        return 0

    def refresh_certs(self, argv: Sequence[str]) -> int:
        """``k8s refresh-certs --expires-in TTL [--extra-sans SAN ...]``: this node's certs."""
        release = k8s_release(self.host)
        values = ['--expires-in', '--extra-sans', '--timeout']
        if release >= (1, 33):  # k8s_refresh_certs.go @ release-1.33 added them
            values += ['--certificates', '--external-certificates']
        args = Args(argv, values)
        args.exact(0)
        if '--certificates' in args.values or '--external-certificates' in args.values:
            not_emulated('refresh-certs --certificates / --external-certificates')
        if '--expires-in' not in args.values:
            if release < (1, 33):  # cobra's MarkFlagRequired @ release-1.32
                raise ExitError(1, 'Error: required flag(s) "expires-in" not set')
            if release >= API_V2_FROM:  # canonical/k8sd cmd/k8s/k8s_refresh_certs.go PreRun
                raise ExitError(
                    1,
                    'Error: the --expires-in flag is required when not using '
                    '--external-certificates.',
                )
        local, cluster = self.local_cluster()
        if local.get('role') == 'worker':
            not_emulated('refresh-certs on a worker (its CertificateSigningRequests)')
        ttl = args.values.get('--expires-in', '')
        try:
            seconds = ttl_seconds(ttl)
        except ValueError as error:
            self.err(f'Error: Failed to parse TTL. \n\nThe error was: {error}\n')
            if release >= (1, 33):  # from 1.33 the CLI exits there; 1.32 goes on with 0
                return 1
            seconds = 0
        node = nodes(cluster).get(str(local['name']))
        if node is None:
            raise ExitError(1, NOT_IN_CLUSTER)
        self.out('Waiting for certificates to be created...\n')
        expires = expiration(self.world.clock(), seconds)
        node['sans'] = sans(str(node['address']), args.repeated.get('--extra-sans', []))
        node['certificates-expire'] = expires
        when = time.strftime('%Y-%m-%d %H:%M:%S +0000 UTC', time.gmtime(expires))
        self.out(f'Certificates have been successfully refreshed, and will expire at {when}.\n')
        return 0

    def config(self, argv: Sequence[str]) -> int:
        """``k8s config [--server URL]``: the admin kubeconfig."""
        args = Args(argv, ('--server', '--timeout'))
        args.exact(0)
        local, cluster = self.local_cluster()
        server = args.values.get('--server', '')
        if local.get('role') == 'worker':
            raise ExitError(
                1,
                f'Error: Failed to generate an admin kubeconfig for "{server}".\n\n'
                f'The error was: failed to GET /k8sd/kubeconfig: {RESTRICTED}',
            )
        node = nodes(cluster).get(str(local['name']), {})
        # getKubeconfig (src/k8s/pkg/k8sd/api/kubeconfig.go): the node's address and secure
        # port by default; createConfig (setup/util_kubeconfig.go) puts https:// before a
        # server without an http-like scheme.
        url = server or f'{node.get("address", self.address(None)[0])}:{APISERVER_PORT}'
        if not url.startswith('http'):
            url = f'https://{url}'
        ca = base64.b64encode(str(cluster['ca']).encode()).decode()
        crt, key = admin_client(cluster)
        self.out(
            'apiVersion: v1\n'
            'clusters:\n'
            '- cluster:\n'
            f'    certificate-authority-data: {ca}\n'
            f'    server: {url}\n'
            '  name: k8s\n'
            'contexts:\n'
            '- context:\n'
            '    cluster: k8s\n'
            '    user: k8s-user\n'
            '  name: k8s\n'
            'current-context: k8s\n'
            'kind: Config\n'
            'preferences: {}\n'
            'users:\n'
            '- name: k8s-user\n'
            '  user:\n'
            f'    client-certificate-data: {crt}\n'
            f'    client-key-data: {key}\n'
            '\n'
        )
        return 0


def handle(invocation: Invocation) -> Completed:
    """Run ``k8s`` on the invocation's machine: only where the k8s snap is installed."""
    if snap(invocation.host) is None:
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    run = _Commands(invocation)
    try:
        code = run.main()
    except ExitError as exit_:
        code = exit_.code
        if exit_.message is not None:
            run.stderr.append(exit_.message + '\n')
    return run.completed(code)
