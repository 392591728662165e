"""Driving Canonical Kubernetes: the ``k8s`` snap and the ``k8s`` command line, via metal_host.

Why a module of small functions: the charm decides *when* (leadership, tokens, turns,
statuses), this module knows *how*, with exactly the command lines of the k8s contract the
simulated machines emulate (``k8s bootstrap``, ``get-join-token``, ``join-cluster``,
``remove-node``, ``refresh-certs``, ``status``, ``config``, ``kubectl``). Nothing here keeps
state; every function asks :func:`metal_host.current` for the machine.

Credentials (join tokens, the admin kubeconfig, the Ceph client key in a manifest) are passed as
:class:`metal_host.Sensitive` arguments or only ever written to files of mode 0600, and every
error message is scrubbed of them before it leaves this module: messages end up in
``juju status``, action failures and logs. Errors form one small family::

    WorkloadError          k8s or snapd refused (``transient``: worth retrying as is)
    ├── SnapError          installing, refreshing or holding the k8s snap failed
    └── K8sError           a ``k8s`` command failed
"""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import metal_charm
import metal_host
import yaml
from metal_interfaces.kube_cluster import kubelet_may_set

__all__ = [
    'API_PORT',
    'BOOTSTRAP_CONFIG',
    'CERTIFICATE_TTL',
    'DEFAULT_DATASTORE',
    'DQLITE_DATASTORE',
    'JOIN_CONFIG',
    'SNAP',
    'BootstrapConfig',
    'K8sError',
    'Node',
    'SnapError',
    'SnapInfo',
    'Version',
    'WorkloadError',
    'apply',
    'bootstrap',
    'ca_certificate',
    'cluster_status',
    'datastore_type',
    'delete',
    'dns_ip',
    'get_join_token',
    'install',
    'join',
    'kubeconfig',
    'kubelet_may_set',
    'label_node',
    'nodes',
    'refresh',
    'refresh_certs',
    'remove_node',
    'snap_info',
    'taint_node',
    'url_for',
]

logger = logging.getLogger(__name__)

SNAP = 'k8s'
"""The Canonical Kubernetes snap (classic confinement)."""
API_PORT = 6443
"""kube-apiserver's port on every control-plane node."""
BOOTSTRAP_CONFIG = '/var/snap/k8s/common/etc/bootstrap-config.yaml'
"""Where the leader writes the BootstrapConfig YAML for ``k8s bootstrap --file``."""
JOIN_CONFIG = '/var/snap/k8s/common/etc/join-config.yaml'
"""Where a joining unit writes its join config YAML for ``k8s join-cluster --file``."""
DEFAULT_DATASTORE = 'etcd'
"""k8s-snap's default ``datastore-type`` since 1.32: an empty type is etcd
(``ClusterConfigFromBootstrapConfig``, canonical/k8s-snap
``src/k8s/pkg/k8sd/types/cluster_config_convert.go`` @ release-1.32)."""
DQLITE_DATASTORE = 'k8s-dqlite'
"""The datastore k8s-snap deprecated in 1.35 and removed in 1.36 ("no migration path",
canonical/k8s-snap ``docs/canonicalk8s/releases/snap/1.36.md``)."""
CERTIFICATE_TTL = '20y'
"""``k8s refresh-certs --expires-in``: what k8sd gives certificates at bootstrap and join."""

# libyaml's safe loader where PyYAML has it (the pure-Python one takes ~4 ms for a kubeconfig,
# and the leader reads the CA from one on every hook); the same documents either way.
_LOADER: Any = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_MEMBER_UNREACHABLE = re.compile(
    r'failed to delete node from microcluster|failed to delete cluster member'
)
"""k8sd's ``remove-node`` failure when microcluster could not remove the member: its pre-remove
hook runs on the member itself, so an unreachable member (its machine gone, k8sd down) fails
without ``--force`` (canonical/k8s-snap ``src/k8s/pkg/k8sd/api/cluster_remove.go`` @
release-1.32, canonical/k8sd ``pkg/k8sd/api/cluster_remove.go``; canonical/microcluster
``internal/rest/resources/cluster.go`` ``clusterMemberDelete``)."""
_NOT_FOUND = re.compile(
    r'not found|does not exist|is not part of the cluster|unknown node', re.IGNORECASE
)


class WorkloadError(Exception):
    """k8s or snapd refused; the message is safe to show (it never holds a credential).

    Attributes:
        transient: whether the same call may succeed later unchanged (snapd busy, a timeout).
        token_rejected: k8s refused the join token itself; a new token may succeed.
    """

    def __init__(
        self, message: str, *, transient: bool = False, token_rejected: bool = False
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.token_rejected = token_rejected


class SnapError(WorkloadError, metal_charm.SnapError):
    """Installing, refreshing or holding the k8s snap failed."""


class K8sError(WorkloadError):
    """A ``k8s`` command failed."""


_SNAP = metal_charm.Snap(SNAP, classic=True, error=SnapError)


class Version(metal_charm.KubeVersion):
    """A Kubernetes release (:class:`metal_charm.KubeVersion`), and what k8s-snap did in it."""

    def without_dqlite(self) -> bool:
        """Whether this release has no k8s-dqlite datastore (1.36 and later)."""
        return (self.major, self.minor) >= (1, 36)


@dataclass(frozen=True)
class SnapInfo:
    """The installed k8s snap, as ``snap list k8s`` shows it.

    Attributes:
        version: the snap's version column, e.g. ``v1.32.3``.
        channel: the channel it tracks, e.g. ``1.32-classic/stable``.
    """

    version: str
    channel: str

    @property
    def kubernetes(self) -> Version | None:
        """The Kubernetes release the snap ships."""
        return Version.parse(self.version)


@dataclass(frozen=True)
class BootstrapConfig:
    """What the leader bootstraps the cluster with (the parts of k8s-snap's BootstrapConfig used).

    Attributes:
        pod_cidr: the pod network (one CIDR or an IPv4,IPv6 pair).
        service_cidr: the service network (same form).
        cluster_domain: the cluster DNS domain.
        datastore: ``datastore-type`` (``etcd``, or ``k8s-dqlite`` before 1.36).
        extra_sans: extra API server certificate SANs (load balancer, unit address, config).
        control_plane_taints: taints of control-plane nodes, ``key[=value]:Effect``.
        node_labels: labels kubelet registers the node with, as ``(key, value)`` pairs.
    """

    pod_cidr: str
    service_cidr: str
    cluster_domain: str
    datastore: str
    extra_sans: tuple[str, ...] = ()
    control_plane_taints: tuple[str, ...] = ()
    node_labels: tuple[tuple[str, str], ...] = ()

    def render(self) -> str:
        """The BootstrapConfig YAML ``k8s bootstrap --file`` reads.

        Networking and DNS are enabled: a cluster without them runs no pods. Labels go through
        ``extra-node-kubelet-args`` (kubelet's own ``--node-labels``) so the node registers
        with them; the charm keeps them in line with kubectl afterwards.
        """
        config: dict[str, Any] = {
            'cluster-config': {
                'network': {'enabled': True},
                'dns': {'enabled': True, 'cluster-domain': self.cluster_domain},
            },
            'pod-cidr': self.pod_cidr,
            'service-cidr': self.service_cidr,
            'datastore-type': self.datastore,
        }
        if self.extra_sans:
            config['extra-sans'] = list(self.extra_sans)
        if self.control_plane_taints:
            config['control-plane-taints'] = list(self.control_plane_taints)
        kubelet = _kubelet_args(self.node_labels, ())
        if kubelet:
            config['extra-node-kubelet-args'] = kubelet
        return yaml.safe_dump(config, sort_keys=True)


def render_join_config(
    labels: Iterable[tuple[str, str]], taints: Sequence[str], extra_sans: Sequence[str] = ()
) -> str:
    """The control-plane join config YAML (``apiv1.ControlPlaneJoinConfig``).

    ``extra-sans`` go in the joining node's API server certificate (k8sd uses only these, not
    the bootstrap ones); ``extra-node-kubelet-args`` carry registration labels and taints.
    """
    config: dict[str, Any] = {}
    if extra_sans:
        config['extra-sans'] = list(extra_sans)
    kubelet = _kubelet_args(tuple(labels), tuple(taints))
    if kubelet:
        config['extra-node-kubelet-args'] = kubelet
    return yaml.safe_dump(config, sort_keys=True)


ROLE_LABELS: tuple[tuple[str, str], ...] = (
    ('node-role.kubernetes.io/control-plane', ''),
    ('node-role.kubernetes.io/worker', ''),
    ('k8sd.io/role', 'control-plane'),
)
"""The labels k8s-snap gives a control plane's kubelet (``kubeletControlPlaneLabels``,
canonical/k8s-snap ``src/k8s/pkg/k8sd/setup/kubelet.go`` @ release-1.32; its kubelet is patched
to accept the node-role ones, ``build-scripts/components/kubernetes/patches``)."""


def _kubelet_args(labels: tuple[tuple[str, str], ...], taints: tuple[str, ...]) -> dict[str, str]:
    """Extra kubelet arguments for registration labels and taints.

    k8s-snap writes extra arguments over its own ("so they can override them", ``kubelet.go``):
    a ``--node-labels`` replaces its role labels, so they are given again, before the charm's.
    Labels kubelet may not set itself (:func:`kubelet_may_set`) are left to kubectl.
    """
    args: dict[str, str] = {}
    labels = tuple((k, v) for k, v in labels if kubelet_may_set(k))
    if labels:
        merged = dict(ROLE_LABELS)
        merged.update(labels)
        args['--node-labels'] = ','.join(f'{k}={v}' for k, v in merged.items())
    if taints:
        args['--register-with-taints'] = ','.join(taints)
    return args


@dataclass(frozen=True)
class Node:
    """One Kubernetes node, from ``k8s kubectl get nodes -o json``.

    Attributes:
        name: the node name.
        ready: whether its Ready condition is True.
        control_plane: whether it carries the control-plane role label.
        kubelet_version: what its kubelet reports, e.g. ``v1.32.3``.
    """

    name: str
    ready: bool
    control_plane: bool
    kubelet_version: str


def url_for(address: str, port: int = API_PORT) -> str:
    """An API server URL, ``https://<address>:<port>`` (IPv6 in brackets)."""
    host = f'[{address}]' if ':' in address else address
    return f'https://{host}:{port}'


def dns_ip(service_cidr: str) -> str:
    """The cluster DNS service's address: the 10th address of the (first) service CIDR.

    That is where k8s-snap puts CoreDNS, and what kubelet's ``--cluster-dns`` must say.
    """
    network = ipaddress.ip_network(service_cidr.split(',')[0].strip(), strict=False)
    return str(network[10])


# -- the snap ----------------------------------------------------------------------------------


def snap_info() -> SnapInfo | None:
    """The installed k8s snap, or None if it is not installed.

    Raises:
        SnapError: ``snap list`` could not be run, or snapd did not answer.
    """
    snap = _SNAP.installed()
    return None if snap is None else SnapInfo(version=snap.version, channel=snap.tracking)


def install(channel: str) -> None:
    """Install the k8s snap (classic) from ``channel`` and hold it, so only the charm refreshes.

    Raises:
        SnapError: snapd refused (``transient`` when it was only busy).
    """
    _SNAP.install(channel)


def refresh(channel: str) -> None:
    """Refresh the k8s snap to ``channel`` and hold it again.

    Raises:
        SnapError: snapd refused (``transient`` when it was only busy).
    """
    _SNAP.refresh(channel)


# -- clustering ----------------------------------------------------------------------------------


def cluster_status() -> dict[str, Any] | None:
    """``k8s status --output-format json``; None when this node is in no cluster.

    Only ``ready``, ``members[].name``/``members[].cluster-role`` and ``datastore.type``
    (:func:`datastore_type`) are relied on (``apiv1.ClusterStatus``).
    """
    done = metal_host.current().run(['k8s', 'status', '--output-format', 'json'], check=False)
    if not done.ok:
        return None
    try:
        value: Any = json.loads(done.stdout)
    except ValueError:
        logger.warning('k8s status did not answer JSON')
        return None
    return cast('dict[str, Any]', value) if isinstance(value, dict) else None


def datastore_type(status: Mapping[str, Any] | None) -> str | None:
    """The cluster's datastore (``etcd``, ``k8s-dqlite``, ``external``) from its status."""
    datastore: Any = (status or {}).get('datastore')
    if not isinstance(datastore, dict):
        return None
    kind = cast('dict[str, Any]', datastore).get('type')
    return str(kind) if kind else None


def bootstrap(config: BootstrapConfig, node: str, address: str) -> None:
    """Write the bootstrap config (mode 0600) and run ``k8s bootstrap`` on this node.

    A node that is already bootstrapped counts as done: the previous hook may have bootstrapped
    and then failed before recording it.

    Raises:
        K8sError: k8s refused, with its message.
    """
    host = metal_host.current()
    host.write_text(BOOTSTRAP_CONFIG, config.render(), mode=0o600)
    argv = ['k8s', 'bootstrap', '--file', BOOTSTRAP_CONFIG, '--name', node, '--address', address]
    try:
        host.run(argv)
    except metal_host.HostError as e:
        if _matches(e, metal_charm.K8S_ALREADY_IN_CLUSTER):
            logger.info('k8s: this node is bootstrapped already')
            return
        raise K8sError(f'k8s bootstrap failed: {_reason(e)}', transient=_transient(e)) from None


def get_join_token(node: str, *, worker: bool) -> str:
    """``k8s get-join-token NODE [--worker]``: a single-use token bound to ``node`` and role.

    Raises:
        K8sError: k8s refused (this node is not a cluster member, say).
    """
    argv = ['k8s', 'get-join-token', node, *(['--worker'] if worker else [])]
    try:
        done = metal_host.current().run(argv)
    except metal_host.HostError as e:
        raise K8sError(f'cannot create a join token for {node}: {_reason(e)}') from None
    token = done.stdout.strip()
    if not token:
        raise K8sError(f'k8s get-join-token {node} printed no token')
    return token


def join(
    token: str,
    node: str,
    address: str,
    *,
    labels: Iterable[tuple[str, str]] = (),
    taints: Sequence[str] = (),
    extra_sans: Sequence[str] = (),
) -> None:
    """``k8s join-cluster TOKEN --name NODE --address ADDR --file JOIN_CONFIG``.

    A node that is in a cluster already counts as joined (as k8s-operator does): the previous
    hook may have joined and then failed before reporting it.

    Raises:
        K8sError: k8s failed, scrubbed; ``token_rejected`` when it refused the token itself
            (used, revoked, unknown, for another node), ``transient`` when a retry may do.
    """
    host = metal_host.current()
    host.write_text(JOIN_CONFIG, render_join_config(labels, taints, extra_sans), mode=0o600)
    argv = [
        'k8s',
        'join-cluster',
        metal_host.Sensitive(token),
        '--name',
        node,
        '--address',
        address,
        '--file',
        JOIN_CONFIG,
    ]
    try:
        host.run(argv)
    except metal_host.HostError as e:
        if _matches(e, metal_charm.K8S_ALREADY_IN_CLUSTER):
            logger.info('k8s: this node is in a cluster already')
            return
        raise K8sError(
            f'k8s join-cluster failed: {_reason(e, (token,))}',
            transient=_transient(e),
            token_rejected=_matches(e, metal_charm.K8S_TOKEN_REFUSED),
        ) from None


def remove_node(node: str) -> bool:
    """``k8s remove-node NODE``, with ``--force`` when microcluster cannot reach the member.

    The node's unit has left, so its machine may be gone or its k8sd down; microcluster then
    refuses a plain removal (:data:`_MEMBER_UNREACHABLE`) and ``--force`` removes it "on a
    best-effort basis even if it is not reachable" (k8sd ``postClusterRemove``). A reachable
    member is removed without force, so that it is reset cleanly.

    Returns:
        False when the cluster does not know the node (already gone), True otherwise.

    Raises:
        K8sError: k8s refused for another reason; the caller retries later.
    """
    host = metal_host.current()
    try:
        host.run(['k8s', 'remove-node', node])
    except metal_host.HostError as e:
        if _matches(e, _NOT_FOUND):
            return False
        if not _matches(e, _MEMBER_UNREACHABLE):
            raise K8sError(
                f'cannot remove node {node}: {_reason(e)}', transient=_transient(e)
            ) from None
        logger.warning('k8s: %s does not answer; removing it with --force', node)
        try:
            host.run(['k8s', 'remove-node', node, '--force'])
        except metal_host.HostError as forced:
            raise K8sError(
                f'cannot remove node {node} (--force): {_reason(forced)}',
                transient=_transient(forced),
            ) from None
    return True


def refresh_certs(extra_sans: Sequence[str], expires_in: str = CERTIFICATE_TTL) -> None:
    """``k8s refresh-certs --expires-in TTL --extra-sans SAN ...``: re-issue this node's certs.

    Node-local. k8sd puts the node's own addresses and exactly these extra SANs in the new API
    server certificate (earlier extra SANs are not kept), then restarts the control-plane
    services. ``--extra-sans`` repeats, one SAN each (a comma would be part of the SAN).

    Raises:
        K8sError: k8s refused, with its message.
    """
    argv = ['k8s', 'refresh-certs', '--expires-in', expires_in]
    for san in extra_sans:
        argv += ['--extra-sans', san]
    try:
        metal_host.current().run(argv)
    except metal_host.HostError as e:
        raise K8sError(
            f'k8s refresh-certs failed: {_reason(e)}', transient=_transient(e)
        ) from None


def kubeconfig(server: str | None = None) -> str:
    """``k8s config [--server URL]``: the admin kubeconfig (a credential: never log it).

    Raises:
        K8sError: k8s refused (this node is not a cluster member, say).
    """
    argv = ['k8s', 'config', *(['--server', server] if server else [])]
    try:
        done = metal_host.current().run(argv)
    except metal_host.HostError as e:
        raise K8sError(f'k8s config failed: {_reason(e)}') from None
    return done.stdout


def ca_certificate() -> str:
    """The cluster CA (PEM), from the admin kubeconfig's ``certificate-authority-data``.

    The rest of the kubeconfig (the admin's client credentials) is dropped here and never
    leaves this function.

    Raises:
        K8sError: ``k8s config`` failed or answered no CA.
    """
    try:
        config: Any = yaml.load(kubeconfig(), Loader=_LOADER)  # noqa: S506 - a safe loader
        cluster: Any = config['clusters'][0]['cluster']
        data = str(cluster['certificate-authority-data'])
        pem = base64.b64decode(data, validate=True).decode()
    except (yaml.YAMLError, KeyError, IndexError, TypeError, binascii.Error, UnicodeError):
        raise K8sError('k8s config answered no cluster CA') from None
    if 'BEGIN CERTIFICATE' not in pem:
        raise K8sError('k8s config answered no cluster CA')
    return pem


# -- kubectl -----------------------------------------------------------------------------------


def nodes() -> list[Node]:
    """Every node, from ``k8s kubectl get nodes -o json``.

    Raises:
        K8sError: kubectl failed or did not answer a List.
    """
    try:
        done = metal_host.current().run(['k8s', 'kubectl', 'get', 'nodes', '-o', 'json'])
        listing: Any = json.loads(done.stdout)
        items: list[Any] = listing['items']
    except metal_host.HostError as e:
        raise K8sError(f'cannot list nodes: {_reason(e)}', transient=_transient(e)) from None
    except (ValueError, KeyError, TypeError):
        raise K8sError('kubectl get nodes did not answer a List') from None
    out = [_node(cast('dict[str, Any]', item)) for item in items if isinstance(item, dict)]
    return sorted(out, key=lambda n: n.name)


def node(name: str) -> Node | None:
    """One node, from ``k8s kubectl get node NAME -o json``; None if there is no such node.

    What a hook asks when it knows which node changed, instead of listing every node: the API
    server answers a GET of one object (kubernetes ``staging/src/k8s.io/cli-runtime/pkg/
    resource/builder.go``: named resources are visited by name, each fetched with a GET, not
    a LIST), so the work does not grow with the cluster. kubectl exits 1 with ``Error from
    server (NotFound): nodes "NAME" not found`` for a missing node.

    Raises:
        K8sError: kubectl failed otherwise, or did not answer a Node.
    """
    try:
        done = metal_host.current().run(['k8s', 'kubectl', 'get', 'node', name, '-o', 'json'])
        item: Any = json.loads(done.stdout)
    except metal_host.HostError as e:
        if _matches(e, _NOT_FOUND):
            return None
        raise K8sError(f'cannot get node {name}: {_reason(e)}', transient=_transient(e)) from None
    except ValueError:
        raise K8sError(f'kubectl get node {name} did not answer a Node') from None
    if not isinstance(item, dict):
        raise K8sError(f'kubectl get node {name} did not answer a Node')
    found = cast('dict[str, Any]', item)
    if found.get('kind') not in (None, 'Node'):
        raise K8sError(f'kubectl get node {name} did not answer a Node')
    return _node(found)


def _node(item: Mapping[str, Any]) -> Node:
    """A ``v1/Node`` object as the charm needs it."""
    metadata: dict[str, Any] = item.get('metadata') or {}
    status: dict[str, Any] = item.get('status') or {}
    labels: dict[str, Any] = metadata.get('labels') or {}
    conditions: list[dict[str, Any]] = status.get('conditions') or []
    info: dict[str, Any] = status.get('nodeInfo') or {}
    return Node(
        name=str(metadata.get('name', '')),
        ready=any(c.get('type') == 'Ready' and c.get('status') == 'True' for c in conditions),
        control_plane='node-role.kubernetes.io/control-plane' in labels,
        kubelet_version=str(info.get('kubeletVersion', '')),
    )


def label_node(node: str, set_labels: Mapping[str, str], remove: Iterable[str]) -> None:
    """``k8s kubectl label node NODE k=v ... --overwrite`` and ``... k-`` for removed keys.

    Raises:
        K8sError: kubectl refused (the node is not registered yet, say).
    """
    host = metal_host.current()
    try:
        if set_labels:
            pairs = [f'{k}={v}' for k, v in sorted(set_labels.items())]
            host.run(['k8s', 'kubectl', 'label', 'node', node, *pairs, '--overwrite'])
        gone = sorted(remove)
        if gone:
            host.run(['k8s', 'kubectl', 'label', 'node', node, *(f'{k}-' for k in gone)])
    except metal_host.HostError as e:
        raise K8sError(
            f'cannot label node {node}: {_reason(e)}', transient=_transient(e)
        ) from None


def taint_node(node: str, add: Iterable[str], remove: Iterable[str]) -> None:
    """``k8s kubectl taint node NODE key=value:Effect --overwrite`` and ``key:Effect-``.

    Raises:
        K8sError: kubectl refused (the node is not registered yet, say).
    """
    host = metal_host.current()
    try:
        wanted = sorted(add)
        if wanted:
            host.run(['k8s', 'kubectl', 'taint', 'node', node, *wanted, '--overwrite'])
        gone = sorted(remove)
        if gone:
            host.run(['k8s', 'kubectl', 'taint', 'node', node, *(_untaint(t) for t in gone)])
    except metal_host.HostError as e:
        raise K8sError(
            f'cannot taint node {node}: {_reason(e)}', transient=_transient(e)
        ) from None


def _untaint(taint: str) -> str:
    """``key=value:Effect`` → ``key:Effect-``: how kubectl removes a taint."""
    key_value, _, effect = taint.rpartition(':')
    return f'{key_value.split("=", 1)[0]}:{effect}-'


def apply(path: str, manifest: str, *, secrets: Sequence[str] = ()) -> None:
    """Write ``manifest`` to ``path`` (mode 0600) and ``k8s kubectl apply -f`` it.

    Args:
        path: where the manifest lives on the machine.
        manifest: multi-document YAML.
        secrets: credentials the manifest holds, scrubbed from any error message.

    Raises:
        K8sError: kubectl refused, scrubbed of ``secrets``.
    """
    host = metal_host.current()
    host.write_text(path, manifest, mode=0o600)
    try:
        host.run(['k8s', 'kubectl', 'apply', '-f', path])
    except metal_host.HostError as e:
        raise K8sError(
            f'kubectl apply -f {path} failed: {_reason(e, secrets)}', transient=_transient(e)
        ) from None


def delete(path: str) -> None:
    """``k8s kubectl delete -f PATH``, then remove the file.

    Raises:
        K8sError: kubectl refused.
    """
    host = metal_host.current()
    try:
        host.run(['k8s', 'kubectl', 'delete', '-f', path])
    except metal_host.HostError as e:
        raise K8sError(
            f'kubectl delete -f {path} failed: {_reason(e)}', transient=_transient(e)
        ) from None
    host.remove(path)


# -- error messages ------------------------------------------------------------------------------


def _matches(error: metal_host.HostError, pattern: re.Pattern[str]) -> bool:
    if isinstance(error, metal_host.CommandError):
        return bool(pattern.search(error.stderr) or pattern.search(error.stdout))
    return False


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # k8s prints "Error: ..." and then "The error was: ..."; the last line has the cause.
    errors = [line for line in lines if line.startswith(('Error:', 'error:', 'The error was'))]
    return (errors or lines or [''])[-1] if errors else (lines or [''])[0]


def _reason(error: metal_host.HostError, secrets: Iterable[str] = ()) -> str:
    """What went wrong, in k8s's or snapd's words, with every credential replaced."""
    detail = ''
    if isinstance(error, metal_host.CommandError):
        detail = _first_line(error.stderr) or _first_line(error.stdout)
    text = detail or str(error)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '<redacted>')
    return text


def _transient(error: metal_host.HostError) -> bool:
    return metal_host.is_transient(error)
