"""What a joining node's kubelet registers with: its labels and taints."""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._machine import mapping

_ROLE_LABELS: Mapping[str, Mapping[str, str]] = {
    'control-plane': {
        'node-role.kubernetes.io/control-plane': '',
        'node-role.kubernetes.io/worker': '',
        'k8sd.io/role': 'control-plane',
    },
    'worker': {'node-role.kubernetes.io/worker': '', 'k8sd.io/role': 'worker'},
}
"""kubelet's ``--node-labels`` as k8s-snap sets them (``kubeletControlPlaneLabels`` and
``kubeletWorkerLabels``, ``src/k8s/pkg/k8sd/setup/kubelet.go`` @ release-1.32)."""


def kubelet_args(
    config: Mapping[str, Any], role: str = 'worker'
) -> tuple[dict[str, str], list[dict[str, str]] | None]:
    """The kubelet ``--node-labels`` and ``--register-with-taints`` of a joining node.

    k8s-snap writes its own arguments, then ``extra-node-kubelet-args`` over them ("so they can
    override them", ``kubelet.go``): a ``--node-labels`` given there replaces k8s-snap's role
    labels, it does not add to them.
    """
    args = mapping(config.get('extra-node-kubelet-args'))
    if args.get('--node-labels') is None:
        return dict(_ROLE_LABELS.get(role, {})), _register_taints(args)
    labels: dict[str, str] = {}
    for item in str(args.get('--node-labels') or '').split(','):
        if item.strip():
            key, _, value = item.strip().partition('=')
            labels[key] = value
    return labels, _register_taints(args)


_KUBELET_LABELS = frozenset(
    {
        'kubernetes.io/hostname',
        'kubernetes.io/arch',
        'kubernetes.io/os',
        'beta.kubernetes.io/arch',
        'beta.kubernetes.io/os',
        'beta.kubernetes.io/instance-type',
        'node.kubernetes.io/instance-type',
        'topology.kubernetes.io/region',
        'topology.kubernetes.io/zone',
        'failure-domain.beta.kubernetes.io/region',
        'failure-domain.beta.kubernetes.io/zone',
        # k8s-snap's kubelet patch (build-scripts/components/kubernetes/patches/*/
        # 0002-Allow-node-role-labels-on-kubelet-registration.patch @ release-1.32)
        'node-role.kubernetes.io/control-plane',
        'node-role.kubernetes.io/worker',
    }
)
"""The labels kubelet may give itself in the reserved namespaces (kubernetes
``staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go`` kubeletLabels, with k8s-snap's
additions)."""

_KUBELET_LABEL_NAMESPACES = ('kubelet.kubernetes.io', 'node.kubernetes.io')


def labels_kubelet_refuses(labels: Mapping[str, str]) -> list[str]:
    """The ``--node-labels`` keys kubelet refuses to start with, sorted.

    kubernetes ``cmd/kubelet/app/options/options.go`` ValidateKubeletFlags: a key in the
    ``kubernetes.io`` or ``k8s.io`` namespaces (or a subdomain of them) that is neither a
    kubelet label nor under ``kubelet.kubernetes.io`` / ``node.kubernetes.io``.
    """

    def within(namespace: str, domain: str) -> bool:
        return namespace == domain or namespace.endswith(f'.{domain}')

    refused: list[str] = []
    for key in labels:
        namespace = key.rpartition('/')[0]
        if not namespace or key in _KUBELET_LABELS:
            continue
        if any(within(namespace, own) for own in _KUBELET_LABEL_NAMESPACES):
            continue
        if within(namespace, 'kubernetes.io') or within(namespace, 'k8s.io'):
            refused.append(key)
    return sorted(refused)


def _register_taints(args: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """``--register-with-taints`` of the extra kubelet arguments; None when not given."""
    if args.get('--register-with-taints') is None:
        return None
    return [
        parse_taint(item.strip())
        for item in str(args['--register-with-taints']).split(',')
        if item.strip()
    ]


def parse_taint(text: str) -> dict[str, str]:
    """``key[=value]:Effect`` as kubelet and kubectl read it."""
    spec, _, effect = text.rpartition(':')
    key, _, value = spec.partition('=')
    taint = {'key': key, 'effect': effect}
    if value:
        taint['value'] = value
    return taint
