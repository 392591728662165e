"""One run of ``k8s``: cobra's flags, the output so far, and what every command needs."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml
from metal_host import Completed

from ._cluster import clusters
from ._errors import NOT_IN_CLUSTER, ExitError, not_emulated
from ._machine import K8SD_PORT, local_node

if TYPE_CHECKING:
    from ...host import Invocation


class Args:
    """cobra's flag parsing for one command: ``--flag value``, ``--flag=value``, booleans."""

    def __init__(
        self, argv: Sequence[str], values: Sequence[str], flags: Sequence[str] = ()
    ) -> None:
        self.positional: list[str] = []
        self.values: dict[str, str] = {}
        self.repeated: dict[str, list[str]] = {}  # every value of each flag (StringArray)
        self.flags: set[str] = set()
        items = list(argv)
        while items:
            item = items.pop(0)
            if not item.startswith('-') or item == '-':
                self.positional.append(item)
                continue
            name, eq, value = item.partition('=')
            if name in values:
                if not eq:
                    if not items:
                        raise ExitError(1, f'Error: flag needs an argument: {name}')
                    value = items.pop(0)
                self.values[name] = value
                self.repeated.setdefault(name, []).append(value)
            elif name in flags:
                self.flags.add(name)
            elif name in ('-h', '--help'):
                not_emulated('--help')
            else:
                raise ExitError(1, f'Error: unknown flag: {name}')

    def exact(self, count: int) -> None:
        if len(self.positional) != count:
            raise ExitError(1, f'Error: accepts {count} arg(s), received {len(self.positional)}')


class Run:
    """One run of ``k8s``: its output so far, the machine and the World."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.host = invocation.host
        self.world = invocation.world
        self.stdout: list[str] = []
        self.stderr: list[str] = []

    def completed(self, code: int) -> Completed:
        return self.invocation.result(''.join(self.stdout), ''.join(self.stderr), code)

    def out(self, text: str) -> None:
        self.stdout.append(text)

    def err(self, text: str) -> None:
        self.stderr.append(text)

    # -- helpers ----------------------------------------------------------------------------

    def print_result(self, fmt: str, plain: str, data: object) -> None:
        """Print as ``--output-format`` says: plain adds a newline, json is one line."""
        if fmt == 'plain':
            self.out(plain + '\n')
        elif fmt == 'json':
            self.out(json.dumps(data, separators=(',', ':')) + '\n')
        elif fmt == 'yaml':
            self.out(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
        else:
            raise ExitError(1, f'Error: Unknown --output-format "{fmt}". It must be one of: '
                             'plain, json, yaml')  # fmt: skip

    def local_cluster(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(local node, its cluster); the "not part of a Kubernetes cluster" error otherwise."""
        local = local_node(self.host)
        cluster = clusters(self.world).get(str((local or {}).get('cluster')))
        if local is None or cluster is None:
            raise ExitError(1, NOT_IN_CLUSTER)
        return local, cluster

    def read_config(self, path: str, what: str) -> str:
        try:
            return self.host.read_text(path)
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise ExitError(
                1,
                f'Error: Failed to read {what} configuration from "{path}".\n\nThe error was: '
                f'failed to read file: open {path}: no such file or directory',
            ) from None

    def address(self, given: str | None) -> tuple[str, str]:
        """(IP, IP:6400) of ``--address`` (default: the machine's first address).

        That IP is the node's: k8sd takes the node IP from microcluster's address and gives it
        to kubelet as ``--node-ip`` (and kube-apiserver as ``--advertise-address``), so it is
        the Node's ``InternalIP`` (canonical/k8sd ``pkg/k8sd/app/hooks_bootstrap.go``
        ``onBootstrapWorkerNode``/``onBootstrapControlPlane``, ``hooks_join.go``,
        ``pkg/k8sd/setup/kubelet.go``, ``kube_apiserver.go``).
        """
        ip = (given or next(iter(self.host.addresses()), '127.0.0.1')).rsplit('/', 1)[0]
        if ip.count(':') == 1:
            ip = ip.split(':')[0]
        return ip, f'{ip}:{K8SD_PORT}'
