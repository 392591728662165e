"""Kubernetes' version-skew policy, as the ``upgrade`` action applies it.

Why a module of its own: an upgrade that breaks the policy (a downgrade, a jump of more than
one minor release, a kubelet too old or newer than the new kube-apiserver) is refused before
anything changes; deciding is pure and lives here, the action is the charm's.
"""

# pyright: strict

from __future__ import annotations

from metal_charm import KUBELET_SKEW as MAX_KUBELET_SKEW
from metal_interfaces import kube_cluster

import workload


def refusal(
    current: workload.Version, target: workload.Version, workers: list[kube_cluster.Worker]
) -> str | None:
    """Why an upgrade from ``current`` to ``target`` breaks the version-skew policy, or None."""
    if (target.major, target.minor) < (current.major, current.minor):
        return f'downgrades are not supported: {current.minor_release} → {target.minor_release}'
    if target.major != current.major or target.minor > current.minor + 1:
        return (
            f'upgrade one minor release at a time: {current.minor_release} → '
            f'{current.major}.{current.minor + 1} first'
        )
    too_old: list[str] = []
    too_new: list[str] = []
    for worker in workers:
        version = workload.Version.parse(worker.data.version)
        if version is None:
            continue
        name = worker.data.node_name or worker.unit.name
        if version.kubelet_too_old_for(target):
            too_old.append(f'{name} ({version})')
        elif version.kubelet_too_new_for(target):
            too_new.append(f'{name} ({version})')
    if too_old:
        return (
            f'workers too old for Kubernetes {target.minor_release}: {", ".join(too_old)}; '
            f'kubelet may be at most {MAX_KUBELET_SKEW} minor releases older than '
            'kube-apiserver: upgrade them first'
        )
    if too_new:
        return f'workers newer than {target.minor_release}: {", ".join(too_new)}'
    return None
