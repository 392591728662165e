"""Drive the ``k8s`` snap (Canonical Kubernetes) as a worker node, through :mod:`metal_host` only.

Everything here is "how to be a Kubernetes worker"; nothing knows about Juju. Every function asks
:func:`metal_host.current` for the machine, so the same code runs on a real machine, on an olm
simulated machine and against a unit test's ``RecordingHost``. The command lines and files are
exactly the ones the shared ``k8s`` contract lists (``snap list k8s``, ``k8s join-cluster``,
``k8s local-node-status``); nothing else is used.

k8s-snap's wording lives in named constants (:data:`NOT_CLUSTERED`, :data:`CLUSTER_ROLE_KEY`
here; what ``join-cluster``'s refusals mean in :mod:`metal_charm`, shared with the control
plane), so that reconciling them with the real program or the emulation is a change in one
place.

Errors form a small family under :class:`WorkloadError`; every message is safe to show in
``juju status`` (a :class:`metal_host.Sensitive` argument is redacted by the machine seam, and
the join token is scrubbed from anything k8s printed)::

    WorkloadError          the worker could not be driven
    ├── SnapError          snapd refused to install, refresh or hold the k8s snap
    ├── JoinError          k8s join-cluster failed for a reason other than the token
    └── NodeError          the node's status could not be read, or its services not stopped
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import enum
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, Final, cast

import metal_charm
import metal_host
from metal_interfaces.kube_cluster import kubelet_may_set

SNAP: Final = 'k8s'
"""Canonical Kubernetes: one classic snap for control planes and workers alike."""

COMMON: Final = PurePosixPath('/var/snap/k8s/common')
JOIN_CONFIG: Final = COMMON / 'etc' / 'join-config.yaml'
"""The join configuration ``k8s join-cluster --file`` reads (k8s-snap's WorkerJoinConfig)."""

SERVICES: Final = (
    'snap.k8s.kubelet',
    'snap.k8s.containerd',
    'snap.k8s.kube-proxy',
    'snap.k8s.k8s-apiserver-proxy',
)
"""The systemd units a k8s worker runs (k8s-operator's ``K8S_WORKER_SERVICES``).

k8sd itself is left running: it is the snap's own agent, not part of the node's workload.
"""

NOT_CLUSTERED: Final = 'The node is not part of a Kubernetes cluster'
"""What ``k8s local-node-status`` prints (exit 1) on a machine that never joined or bootstrapped.

From ``k8s_local_node_status.go``: ``Error: The node is not part of a Kubernetes cluster. You
can bootstrap a new cluster with: ...``.
"""

CLUSTER_ROLE_KEY: Final = 'cluster-role'
"""The key of ``k8s local-node-status --output-format json`` that says the node is clustered.

The command prints k8s-snap's ``apiv1.NodeStatus``
(``{"name", "address", "cluster-role", "datastore-role"}``, every field ``omitempty``);
``cluster-role`` is ``control-plane`` or ``worker`` on a member (``unknown`` otherwise).
"""

CLUSTER_ROLES: Final = frozenset({'worker', 'control-plane'})
"""Values of :data:`CLUSTER_ROLE_KEY` that mean the node is a cluster member."""

KUBELET_SKEW: Final = metal_charm.KUBELET_SKEW
"""How many minor versions a kubelet may lag kube-apiserver (Kubernetes version skew policy)."""

ROLE_LABELS: Final = (('node-role.kubernetes.io/worker', ''), ('k8sd.io/role', 'worker'))
"""The labels k8s-snap gives a worker's kubelet (``kubeletWorkerLabels``, canonical/k8s-snap
``src/k8s/pkg/k8sd/setup/kubelet.go`` @ release-1.32)."""

_SNAP_LIST_TIMEOUT: Final = 60.0
_JOIN_TIMEOUT: Final = 600.0
"""``k8s join-cluster`` waits for k8sd (its own default timeout is 90 s); a hung one must end."""
_STATUS_TIMEOUT: Final = 60.0

logger = logging.getLogger(__name__)

__all__ = [
    'CLUSTER_ROLES',
    'CLUSTER_ROLE_KEY',
    'JOIN_CONFIG',
    'KUBELET_SKEW',
    'NOT_CLUSTERED',
    'ROLE_LABELS',
    'SERVICES',
    'SNAP',
    'JoinError',
    'JoinOutcome',
    'LocalNode',
    'NodeError',
    'SnapError',
    'WorkloadError',
    'install',
    'installed_version',
    'join',
    'join_config',
    'kubelet_may_set',
    'local_node',
    'minor',
    'node_name',
    'parse_local_node_status',
    'refresh',
    'stop_services',
]


class WorkloadError(Exception):
    """The worker could not be driven; the message is safe for ``juju status``."""


class SnapError(WorkloadError, metal_charm.SnapError):
    """snapd refused to install, refresh or hold the k8s snap."""


class JoinError(WorkloadError):
    """``k8s join-cluster`` failed for a reason a new token would not fix."""


class NodeError(WorkloadError):
    """The node's status could not be read, or its services could not be stopped."""


_SNAP = metal_charm.Snap(SNAP, classic=True, error=SnapError, list_timeout=_SNAP_LIST_TIMEOUT)


class JoinOutcome(enum.StrEnum):
    """What became of one ``k8s join-cluster``."""

    JOINED = 'joined'
    """The node joined the cluster."""
    ALREADY_JOINED = 'already-joined'
    """The machine was in a cluster already (``metal_charm.K8S_ALREADY_IN_CLUSTER``)."""
    TOKEN_REJECTED = 'token-rejected'  # noqa: S105 - an outcome, not a token
    """The control plane refused the token (``metal_charm.K8S_TOKEN_REFUSED``): ask again."""


@dataclasses.dataclass(frozen=True)
class LocalNode:
    """This machine as k8sd sees it, once it is a cluster member.

    Attributes:
        name: the node name it joined as.
        role: its cluster role (``worker`` here; ``control-plane`` would be a misplaced unit).
    """

    name: str
    role: str


# -- the snap --------------------------------------------------------------------------------


def install(channel: str) -> None:
    """Install the k8s snap (classic) from ``channel`` and hold it.

    Held because a worker must never be refreshed past its control plane behind the operator's
    back: kubelet may not be newer than kube-apiserver.

    Raises:
        SnapError: snapd refused.
    """
    _SNAP.install(channel)


def refresh(channel: str) -> None:
    """Switch the k8s snap to ``channel`` and hold it again.

    Raises:
        SnapError: snapd refused (no such channel, or the snap is not installed).
    """
    _SNAP.refresh(channel)


def installed_version() -> str | None:
    """The installed k8s snap's version (``v1.32.3``, ``snap list k8s``), None if not installed.

    Raises:
        SnapError: ``snap list`` could not be run at all.
    """
    snap = _SNAP.installed()
    return None if snap is None else snap.version


def minor(version: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a Kubernetes version or channel track, None if it has none.

    Reads ``v1.32.3``, ``1.32.3``, ``1.32`` and ``1.32-classic/stable`` alike
    (:meth:`metal_charm.KubeVersion.parse`); ``latest/edge`` has none. Version skew is a matter
    of minor versions only.
    """
    found = metal_charm.KubeVersion.parse(version)
    return None if found is None else (found.major, found.minor)


# -- joining ---------------------------------------------------------------------------------


def join_config(labels: Mapping[str, str], taints: Sequence[str]) -> str:
    """The join configuration YAML: the node's labels and taints as kubelet flags.

    Kubelet applies ``--node-labels`` and ``--register-with-taints`` only when the node
    registers, which is why this file matters once, at join; later changes reach the node
    through the control plane. Labels kubelet may not set itself (:func:`kubelet_may_set`) are
    left out. k8s-snap writes these extra arguments over its own, so a ``--node-labels`` here
    replaces its role labels (:data:`ROLE_LABELS`): they are given again, first. Values are
    JSON strings, which YAML reads as double-quoted scalars.
    """
    args: dict[str, str] = {}
    own = {key: value for key, value in labels.items() if kubelet_may_set(key)}
    if own:
        merged = {**dict(ROLE_LABELS), **own}
        args['--node-labels'] = ','.join(f'{key}={value}' for key, value in merged.items())
    if taints:
        args['--register-with-taints'] = ','.join(taints)
    lines = ['# Written by the kubernetes-worker charm; k8s join-cluster reads it at join.']
    if not args:
        lines.append('extra-node-kubelet-args: {}')
    else:
        lines.append('extra-node-kubelet-args:')
        lines.extend(f'  {json.dumps(flag)}: {json.dumps(value)}' for flag, value in args.items())
    return '\n'.join(lines) + '\n'


def join(
    token: str,
    *,
    name: str,
    address: str,
    labels: Mapping[str, str],
    taints: Sequence[str],
) -> JoinOutcome:
    """Write the join configuration and join the cluster as node ``name`` with ``token``.

    The file is written mode 0600 (it is the snap's configuration, root's business). The token
    travels as a :class:`metal_host.Sensitive` argument, and is scrubbed from anything k8s
    printed before it goes into an error message.

    Returns:
        Joined, already joined, or token rejected (see :class:`JoinOutcome`).

    Raises:
        JoinError: the file could not be written, or k8s failed for another reason (the
            control plane unreachable, k8sd not running, a timeout).
    """
    host = metal_host.current()
    try:
        host.write_text(JOIN_CONFIG, join_config(labels, taints), mode=0o600)
    except metal_host.HostError as e:
        raise JoinError(f'cannot write the join configuration: {e}') from e
    argv = [
        'k8s',
        'join-cluster',
        metal_host.Sensitive(token),
        '--name',
        name,
        '--address',
        address,
        '--file',
        str(JOIN_CONFIG),
    ]
    try:
        result = host.run(argv, check=False, timeout=_JOIN_TIMEOUT)
    except metal_host.HostError as e:
        raise JoinError(f'cannot join the cluster: {e}') from e
    output = f'{result.stderr}\n{result.stdout}'
    if result.ok:
        return JoinOutcome.JOINED
    if metal_charm.K8S_ALREADY_IN_CLUSTER.search(output):
        return JoinOutcome.ALREADY_JOINED
    if metal_charm.K8S_TOKEN_REFUSED.search(output):
        return JoinOutcome.TOKEN_REJECTED
    detail = _error_detail(output.replace(token, '<redacted>'))
    raise JoinError(f'cannot join the cluster (exit {result.returncode}): {detail}')


def _error_detail(output: str) -> str:
    """The informative part of k8s's error output: its ``Error:`` line and the cause after it.

    k8s prints ``Error: <what>`` then, after a blank line, ``The error was: <why>``; progress
    lines (``Joining the cluster...``) are left out.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    wanted = [
        line for line in lines if line.startswith('Error:') or line.startswith('The error was:')
    ]
    return ' '.join(wanted or lines[-1:]) or 'no error output'


def parse_local_node_status(output: str) -> LocalNode | None:
    """This node from ``k8s local-node-status --output-format json``, None if not clustered.

    Only :data:`CLUSTER_ROLE_KEY` decides membership (see there); the name is informative.

    Raises:
        NodeError: the output is not a JSON object.
    """
    try:
        data: object = json.loads(output)
    except json.JSONDecodeError as e:
        raise NodeError(f'cannot read k8s local-node-status output: {e}') from e
    if not isinstance(data, dict):
        raise NodeError('cannot read k8s local-node-status output: not a JSON object')
    status = cast('dict[str, Any]', data)
    role = str(status.get(CLUSTER_ROLE_KEY) or '')
    if role not in CLUSTER_ROLES:
        return None
    return LocalNode(name=str(status.get('name') or ''), role=role)


def local_node() -> LocalNode | None:
    """This machine's cluster membership (``k8s local-node-status``), None if not clustered.

    Raises:
        NodeError: k8s could not tell (k8sd not running, say); the message is k8s's.
    """
    argv = ['k8s', 'local-node-status', '--output-format', 'json']
    try:
        result = metal_host.current().run(argv, check=False, timeout=_STATUS_TIMEOUT)
    except metal_host.HostError as e:
        raise NodeError(f'cannot read the node status: {e}') from e
    if result.ok:
        return parse_local_node_status(result.stdout)
    if NOT_CLUSTERED in result.stderr or NOT_CLUSTERED in result.stdout:
        return None
    detail = _error_detail(f'{result.stderr}\n{result.stdout}')
    raise NodeError(f'cannot read the node status (exit {result.returncode}): {detail}')


# -- leaving ---------------------------------------------------------------------------------


def stop_services() -> None:
    """Stop and disable the node's kubelet, container runtime, proxy and API server proxy.

    A worker cannot remove itself from the cluster: k8sd's remove-node is a control-plane
    command. The worker's part of leaving is to stop running workloads and reporting as a
    node; the control plane's leader removes the node (``k8s remove-node``) when the unit
    departs. k8sd started these units enabled (``snap start --enable``,
    ``snaputil.StartWorkerServices``), so a stop alone would be undone by the next boot and
    kubelet would register the removed node again: they are disabled too (k8s-operator removes
    the snap instead). Stopping a stopped unit is harmless, so this is idempotent.

    Raises:
        NodeError: systemd refused.
    """
    host = metal_host.current()
    for service in SERVICES:
        try:
            host.service('stop', service)
            host.service('disable', service)
        except metal_host.HostError as e:
            raise NodeError(f'cannot stop {service}: {e}') from e


def node_name() -> str:
    """The node name: the machine's host name (kubelet's default, as k8s-operator's)."""
    return metal_host.current().hostname()
