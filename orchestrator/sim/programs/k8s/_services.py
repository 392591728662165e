"""The k8s snap's Kubernetes services, as k8sd starts and stops them, and whether k8sd answers."""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING

from ..systemctl import Output, Systemd
from ._machine import snap

if TYPE_CHECKING:
    from ...host import SimHost

_CONTROL_PLANE_SERVICES = (
    'containerd',
    'kube-apiserver',
    'kube-controller-manager',
    'kube-proxy',
    'kube-scheduler',
    'kubelet',
)
"""``snaputil.ControlPlaneServices`` (k8s-snap ``src/k8s/pkg/snap/util/services.go``
@ release-1.32): no k8s-apiserver-proxy on a control plane; the datastore's own service
(``k8s-dqlite`` or ``etcd``, none for ``external``) is started besides."""

_WORKER_SERVICES = ('containerd', 'k8s-apiserver-proxy', 'kube-proxy', 'kubelet')
"""``snaputil.WorkerServices`` (same file)."""


def start_services(
    host: SimHost, role: str, *, start: bool, datastore: str = '', kube_proxy: bool = True
) -> None:
    """Start (or stop) the snap's Kubernetes services, as k8sd does on bootstrap/join/reset.

    A control plane also runs its datastore's service (``StartK8sDqliteServices`` /
    ``StartEtcdServices``; an external datastore runs elsewhere). Without kube-proxy (1.36's
    default with the network feature, Cilium's replacement) its service is left out
    (canonical/k8sd ``pkg/snap/util/services.go``, ``GetKubeProxyEnabled``).
    """
    names: tuple[str, ...] = _WORKER_SERVICES
    if role == 'control-plane':
        names = _CONTROL_PLANE_SERVICES
        if datastore in ('k8s-dqlite', 'etcd'):
            names = (*names, datastore)
    if not kube_proxy:
        names = tuple(name for name in names if name != 'kube-proxy')
    verb = ['start', '--enable'] if start else ['stop', '--disable']
    host.call(['snap', *verb, *(f'k8s.{name}' for name in names)])


def unreachable_reason(host: SimHost | None) -> str | None:
    """Why a member's k8sd does not answer (the socket error), or None when it does.

    assumption: a released machine answers nothing (``no route to host``), a machine whose
    k8s snap or k8sd service is gone refuses the connection (``connection refused``): the
    kernel's texts as Go's dialer reports them.
    """
    if host is None:
        return 'no route to host'
    if snap(host) is None:
        return 'connection refused'
    if Systemd(host, Output()).active_state('snap.k8s.k8sd.service') != 'active':
        return 'connection refused'
    return None
