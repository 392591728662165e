"""k8s on one machine: the snap's files and ports, its release, microcluster's local state."""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ...host import SimHost

COMMON = '/var/snap/k8s/common'
"""``$SNAP_COMMON`` of the k8s snap."""

DAEMON_FILE = f'{COMMON}/var/lib/k8sd/state/daemon.yaml'
"""microcluster's record of the local member (name, address); present while initialised."""

WORKER_LOCK = f'{COMMON}/lock/worker'
"""k8s-snap's marker of a worker node (``snaputil.IsWorker``)."""

K8SD_PORT = 6400  # config.DefaultPort

APISERVER_PORT = 6443

DQLITE_DIR = f'{COMMON}/var/lib/k8s-dqlite'
"""k8s-dqlite's data directory: the 1.36 post-refresh hook refuses a refresh while it is not
empty (k8s-snap ``snap/hooks/post-refresh`` @ release-1.36)."""

API_V2_FROM = (1, 36)
"""The first k8s-snap release on k8s-snap-api v2 (package ``api``), without k8s-dqlite
(``docs/canonicalk8s/releases/snap/1.36.md``; k8sd is canonical/k8sd from then on)."""


def mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def snap(host: SimHost) -> Mapping[str, Any] | None:
    """The machine's k8s snap record, or None when it is not installed."""
    record = mapping(mapping(host.state.get('snap')).get('snaps')).get('k8s')
    return mapping(record) if record is not None else None


def k8s_release(host: SimHost) -> tuple[int, int]:
    """The Kubernetes minor release of the machine's k8s snap (``v1.32.3`` → (1, 32)).

    Behaviour that changed between k8s-snap releases follows it; an unreadable version counts
    as the newest release modelled.
    """
    version = str((snap(host) or {}).get('version', '')).lstrip('v')
    parts = version.split('.')
    try:
        return int(parts[0]), int(parts[1].split('-')[0])
    except (IndexError, ValueError):
        return API_V2_FROM


def api_package(host: SimHost) -> str:
    """The Go package of k8s-snap-api the machine's k8s reads its configs into."""
    return 'api' if k8s_release(host) >= API_V2_FROM else 'apiv1'


def datastores(host: SimHost) -> tuple[str, ...]:
    """The ``datastore-type`` values the machine's k8s bootstraps (``""`` means etcd).

    k8s-snap 1.32-1.35 (``ClusterConfigFromBootstrapConfig`` in
    ``src/k8s/pkg/k8sd/types/cluster_config_convert.go``): ``k8s-dqlite``, ``etcd`` (the
    default) and ``external``; 1.36 (canonical/k8sd ``pkg/k8sd/types/cluster_config_convert.go``):
    ``etcd`` and ``external``.
    """
    if k8s_release(host) >= API_V2_FROM:
        return ('etcd', 'external')
    return ('k8s-dqlite', 'etcd', 'external')


def local_node(host: SimHost) -> dict[str, Any] | None:
    """The local node (cluster, name, role) while microcluster is initialised here."""
    if not host.exists(DAEMON_FILE):
        host.state.pop('k8s', None)  # the snap went, and its state with it
        return None
    local = mapping(host.state.get('k8s'))
    return local or None
