"""``k8s``: Canonical Kubernetes' command line on simulated machines (a simulation, not k8s-snap).

The ``k8s`` program exists on a simulated machine only while the ``k8s`` snap is installed there;
otherwise running it fails as a shell does, ``k8s: No such file or directory`` with exit status
127. No Kubernetes runs: the emulation keeps what k8sd and the API server would know (cluster
membership, join tokens, Node objects, applied objects) in ``World.namespace('k8s')`` so that
facts hold across machines, and prints what the real commands print (canonical/k8s-snap,
``src/k8s/cmd/k8s/*.go`` of the 1.32 series, quoted verbatim where marked *real*).

Shared facts, ``World.namespace('k8s')``::

    {'serial': N,                                  # draws so far (deterministic values)
     'clusters': {CLUSTER_ID: {
         'ca': PEM, 'admin-token': TOKEN, 'created': T, 'pod-cidr', 'service-cidr',
         'cluster-domain', 'dns-service-ip', 'datastore-type', 'extra-sans': [..],
         'control-plane-taints': [..],
         'nodes': {NAME: {'machine', 'address' (IP), 'role' ('control-plane'|'worker'),
                          'labels': {..}, 'taints': [{'key','value','effect'}], 'created',
                          'sans': [..] (control planes: the API server certificate's SANs),
                          'certificates-expire': T (control planes, after refresh-certs)}},
         'tokens': {SECRET: {'name', 'role', 'state' ('unused'|'used'), 'expires': T}},
         'objects': {'GROUP/KIND/NAMESPACE/NAME': {'object', 'uid', 'created', 'version'}}}}}

and on each machine ``state['k8s']`` (``cluster``, ``name``, ``role``) which counts only while
microcluster's ``$SNAP_COMMON/var/lib/k8sd/state/daemon.yaml`` exists (it goes with the snap, so
a reinstalled snap starts fresh, as the real one does); a worker also has k8s-snap's worker lock
file ``$SNAP_COMMON/lock/worker`` (``snaputil.IsWorker``). Generated values (cluster id, the CA,
tokens, uids) are SHAKE-256 digests of their purpose and a counter kept in the namespace, so a
World replays identically. Credentials (tokens, the admin token) are printed only by
``get-join-token`` and ``config``, whose job it is.

Commands (stdout / stderr / exit status):

Releases: the machine's k8s snap version picks the behaviour. k8s-snap 1.32-1.35 (branches
release-1.32 .. release-1.35, k8s-snap-api v1.1.1/v1.2.1, microcluster v2) and 1.36
(canonical/k8sd, k8s-snap-api v2.1.1, microcluster v3) differ in the datastores (1.36 has no
k8s-dqlite) and the config types (package ``apiv1`` → ``api``; no ``k8s-dqlite-port`` or
``extra-node-k8s-dqlite-args`` in 1.36). The full list of behaviours, each with its upstream
source and its test, is ``orchestrator/sim/conformance/k8s.md``.

- ``bootstrap --file PATH --name NODE --address ADDR [--output-format F] [--timeout D]``
  (``k8s_bootstrap.go``): stderr ``Bootstrapping the cluster. This may take a few seconds,
  please wait.``; stdout (real ``BootstrapResult.String`` plus the plain formatter's newline)
  ``Bootstrapped a new Kubernetes cluster with node address "ADDR:6400".`` / ``The node will be
  'Ready' to host workloads after the CNI is deployed successfully.`` / empty line. The file is
  read with yaml.v2 ``UnmarshalStrict`` into ``BootstrapConfig``, so an unknown key fails
  (real): ``Error: Failed to read bootstrap configuration from "PATH".`` / empty line / ``The
  error was: failed to parse YAML config file: yaml: unmarshal errors:`` / ``  line N: field K
  not found in type T``, exit 1 (T is the anonymous struct api/v1's ``UnmarshalYAML`` decodes
  into, or ``api.BootstrapConfig`` from 1.36; type errors: ``cannot unmarshal !!str `x` into
  bool`` and the like). A missing file: ``... failed to read file: open PATH: no such file or
  directory``. Then the CLI's ``verifyBootstrapConfig`` (``validate.go``): the datastore
  (``""`` is etcd; ``k8s-dqlite`` only before 1.36, which says ``unknown datastore type
  specified in bootstrap config "k8s-dqlite"``), the CIDRs and their overlap; a failure prints
  ``Bootstrap config verification failed: REASON`` with no newline, exit 1. ``k8s-dqlite``
  before 1.36 prints its deprecation warning first. Already in a cluster (real): ``Error: The
  node is already part of a cluster``, exit 1. A control plane starts containerd,
  kube-apiserver, kube-controller-manager, kube-proxy, kube-scheduler, kubelet and its
  datastore's service (``etcd`` or ``k8s-dqlite``); k8s-dqlite's data directory
  :data:`DQLITE_DIR` is written (what 1.36's post-refresh hook refuses).
- ``get-join-token NODE [--worker] [--expires-in D]`` (``k8s_get_join_token.go``): the token,
  one line. Tokens are base64 JSON as k8sd/microcluster make them: control plane microcluster's
  ``{"secret","fingerprint","join_addresses"}`` (StdEncoding; the name stays in the token
  record), worker k8sd's ``{"token":"worker::HEX","secret","join_addresses","fingerprint",
  "_":"m!!"}`` (RawStdEncoding; k8sd tells them apart by decoding the worker shape,
  ``postClusterJoin``). They expire after
  ``--expires-in`` (24 h) of the World clock. Worker tokens are k8sd's
  ``GetOrCreateWorkerNodeToken``, which inserts a new token every time (earlier ones stay
  valid). On a worker: ``Error: Could not generate a join token for "NODE".`` / ... /
  ``The error was: failed to POST /k8sd/cluster/tokens: this action is restricted on workers``.
- ``join-cluster TOKEN --name NODE --address ADDR [--file PATH]`` (``k8s_join_cluster.go``):
  the join config is read strictly (``ControlPlaneJoinConfig`` or ``WorkerJoinConfig`` by the
  token's shape; ``Join cluster config verification failed: failed to unmarshal control plane
  join config: yaml: ...``, no newline, exit 1); stderr ``Joining the cluster. This may take a
  few seconds, please wait.``; stdout (real) ``Cluster services have started on "NODE".`` /
  ``Please allow some time for initial Kubernetes node registration.`` / empty line. Already in
  a cluster (real): ``Error: The node is already part of a cluster``, exit 1. A refused token
  fails with ``Error: Failed to join the cluster using the provided token.`` / empty line /
  ``The error was: failed to POST /k8sd/cluster/join: failed to join k8sd cluster as control
  plane|worker: REASON``, exit 1. REASON for a control plane is microcluster's ``clusterPost``
  (``N join attempts were unsuccessful. Last error:`` then ``CoreTokenRecord not found`` for an
  unknown or spent token, ``Token expired``, ``Joining server certificate SAN does not contain
  join token name``), for a worker k8sd's 401 ``invalid token``; ``dial tcp ADDR: connect:
  connection refused`` when no control plane of the token's cluster answers.
- ``remove-node NODE [--force]`` (``k8s_remove_node.go``, k8sd ``postClusterRemove``): stderr
  ``Removing "NODE" from the Kubernetes cluster. This may take a few seconds, please wait.``;
  stdout ``Removed NODE from cluster.`` and an empty line; an unknown node is "removed" too
  (NotFound is ignored). A control plane whose k8sd does not answer (its machine released, its
  snap or k8sd gone) is refused without ``--force``: ``... failed to delete node from
  microcluster: failed to delete cluster member NODE: Post "https://ADDR:6400/core/internal/
  hooks/pre-remove?target=NODE": dial tcp ADDR:6400: connect: connection refused`` (or ``no
  route to host``), exit 1. A removed control plane that answers is reset by microcluster (its
  daemon state goes, services stop); a removed worker's own k8sd still believes it is joined,
  as on a real machine. No token is revoked.
- ``status [--output-format json|yaml|plain] [--wait-ready] [--timeout D]`` (``k8s_status.go``):
  the JSON is ``apiv1.ClusterStatus`` with ``config`` emptied, as Go's encoder writes it (one
  line)::

      {"ready":true,"members":[{"name":"node-0","address":"10.0.0.10:6400",
        "cluster-role":"control-plane","datastore-role":"voter"}],
       "config":{"network":{},"dns":{},"ingress":{},"load-balancer":{},"local-storage":{},
                 "gateway":{},"metrics-server":{}},
       "datastore":{"type":"etcd"}}

  ``members`` are microcluster's members, i.e. control-plane nodes only (workers are not
  microcluster members; ``impl.GetClusterMembers`` sets ``ClusterRole: control-plane`` for each);
  the first three are ``voter``, the next three ``stand-by``, the rest ``spare``, as dqlite
  assigns roles. Not in a cluster (real): ``Error: The node is not part of a Kubernetes cluster.
  You can bootstrap a new cluster with:`` / empty line / ``  sudo k8s bootstrap``, exit 1. On a
  worker: ``Error: Failed to retrieve the cluster status.`` / ... / ``The error was: failed after
  potential retry: wait check failed: failed to GET /k8sd/cluster: this action is restricted on
  workers`` (as real k8s logs show it), exit 1.
- ``local-node-status [--output-format ...]`` (``k8s_local_node_status.go``, hidden): the
  ``NodeStatus`` JSON: a control plane ``{"name":"node-0","address":"10.0.0.10:6400",
  "cluster-role":"control-plane","datastore-role":"voter"}``, a worker ``{"name":"node-3",
  "address":"10.0.0.13","cluster-role":"worker"}`` (``impl.GetLocalNodeStatus``: the worker
  branch gives the address without port). Whether the node is in a cluster is the exit status
  (0; not in a cluster: the ``not part of a Kubernetes cluster`` error above, exit 1); its role
  is ``cluster-role``.
- ``config [--server URL]`` (``k8s_config.go``): the admin kubeconfig (k8sd's template: cluster
  ``k8s``, user ``k8s-user`` with a token, context ``k8s``), then ``Println``'s newline. The
  server defaults to ``https://ADDR:6443``.
- ``refresh-certs --expires-in TTL [--extra-sans SAN ...] [--timeout D]``
  (``k8s_refresh_certs.go`` in the form before ``--certificates``/``--external-certificates``;
  k8sd ``certificates_refresh.go``): node-local. On a control plane k8sd re-issues that node's
  certificates with its address and exactly the given extra SANs (``refreshCertsRunControlPlane``
  uses only ``req.ExtraSANs``: neither the bootstrap ``extra-sans`` nor earlier ones are kept),
  so the node's ``sans`` become ``[ADDR, *SANs]`` and ``certificates-expire`` the expiry.
  ``--extra-sans`` is a cobra ``StringArray``: it repeats, one SAN each; a comma is part of the
  SAN. stdout (real) ``Waiting for certificates to be created...`` / ``Certificates have been
  successfully refreshed, and will expire at 2043-11-14 22:13:20 +0000 UTC.`` (Go's
  ``time.Time`` format on a UTC machine; the expiry is ``utils.SecondsToExpirationDate`` of the
  World clock and ``utils.TTLToSeconds`` of TTL: ``5y``, ``6mo``, ``7d`` (30 days count as a
  month, 365 as a year) or an integer and ``s``/``m``/``h``). A TTL that does not parse prints
  (real) ``Error: Failed to parse TTL. `` / empty line / ``The error was: invalid TTL format:
  strconv.Atoi: parsing "X": invalid syntax`` (or ``invalid TTL length: X``, ``invalid TTL
  unit: U``) on stderr and goes on with 0 seconds, exit 0: the 1.32 command does not exit there
  (1.33 and later exit 1). Without ``--expires-in``: cobra's ``Error: required flag(s)
  "expires-in" not set``, exit 1 (1.33-1.35: an empty TTL; 1.36: its own PreRun text).
  Not in a cluster: the ``not part of a Kubernetes cluster`` error above (the text later
  releases print after their ``NodeStatus`` check), exit 1. SANs show in no other output
  (``status``, ``local-node-status`` and ``kubectl get nodes`` carry none). On a worker the real
  command files CertificateSigningRequests and waits for someone to approve them: not emulated.
- Certificate SANs at bootstrap and join: a node's ``sans`` are ``[ADDR, *extra-sans]`` of the
  BootstrapConfig, and for a joining control plane of its ``join-cluster --file`` config
  (``extra-sans`` of ``apiv1.ControlPlaneJoinConfig``; k8sd's join hook uses only
  ``joinConfig.ExtraSANS``, not the bootstrap ones). k8sd also puts the host name, the
  kubernetes service IP and the machine's addresses in; those are not kept.
- ``kubectl ...`` (``k8s_kubectl.go`` runs kubectl with ``/etc/kubernetes/admin.conf``): on a
  worker ``Error: k8s kubectl commands are not allowed on worker nodes.`` (exit 1). kubectl's
  own texts:
  ``get nodes|node NAME|RESOURCE [NAME] [-n NS|-A] -o json`` (indented by 4, keys sorted, a
  ``List`` for lists), ``apply -f PATH`` (``KIND.GROUP/NAME created|configured|unchanged``;
  objects get kubectl's ``last-applied-configuration`` annotation; a missing namespace fails
  ``Error from server (NotFound): error when creating "PATH": namespaces "NS" not found``),
  ``delete -f PATH`` / ``delete RESOURCE NAME`` (``KIND.GROUP "NAME" deleted``), ``label node
  NODE k=v|k- ... [--overwrite]`` (``node/NODE labeled|unlabeled|not labeled``; ``error: 'k'
  already has a value (v), and --overwrite is false``) and ``taint node NODE k=v:Effect|k:Effect-
  |k- ... [--overwrite]`` (``node/NODE tainted|untainted|modified`` — kubectl says
  ``modified`` when ``--overwrite`` is given; ``error: Node NODE already has k taint(s) with same
  effect(s) and --overwrite is false``; ``error: taint "k:Effect" not found``). Missing objects:
  ``Error from server (NotFound): nodes "x" not found``, exit 1.

Nodes are Kubernetes ``Node`` objects built from membership: labels ``beta.kubernetes.io/arch``,
``beta.kubernetes.io/os``, ``kubernetes.io/arch``, ``kubernetes.io/hostname``,
``kubernetes.io/os`` (kubelet's), ``node-role.kubernetes.io/control-plane`` or ``.../worker``
and ``k8sd.io/role`` (k8s-snap's), plus kubelet's ``--node-labels`` from
``extra-node-kubelet-args`` (merged with the others; the real kubelet flag would replace
k8s-snap's own label list) and ``kubectl label``; ``spec.taints`` from ``control-plane-taints``
(control planes) or ``--register-with-taints`` (which replaces them, as the extra kubelet
argument does) and ``kubectl taint``; ``Ready`` is ``True`` and ``status.nodeInfo.kubeletVersion``
is the version of the k8s snap installed on that machine now.

Anything else (``enable``, ``set``, ``kubectl`` verbs and output formats not listed, interactive
bootstrap, ``--file -``, ``refresh-certs`` on a worker) raises
:class:`~orchestrator.sim.SimError` saying it is not emulated.
"""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import hashlib
import ipaddress
import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NoReturn, cast

import yaml
from metal_host import Completed
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ..host import SIMULATED
from .systemctl import Output, Systemd

if TYPE_CHECKING:
    from ..host import Invocation, SimHost
    from ..world import World

__all__ = [
    'COMMON',
    'DAEMON_FILE',
    'DQLITE_DIR',
    'WORKER_LOCK',
    'admin_client',
    'handle',
    'worker_token',
]

COMMON = '/var/snap/k8s/common'
"""``$SNAP_COMMON`` of the k8s snap."""
DAEMON_FILE = f'{COMMON}/var/lib/k8sd/state/daemon.yaml'
"""microcluster's record of the local member (name, address); present while initialised."""
WORKER_LOCK = f'{COMMON}/lock/worker'
"""k8s-snap's marker of a worker node (``snaputil.IsWorker``)."""

_K8SD_PORT = 6400  # config.DefaultPort
_APISERVER_PORT = 6443
_DEFAULT_POD_CIDR = '10.1.0.0/16'
_DEFAULT_SERVICE_CIDR = '10.152.183.0/24'
_EFFECTS = ('NoSchedule', 'PreferNoSchedule', 'NoExecute')
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
DQLITE_DIR = f'{COMMON}/var/lib/k8s-dqlite'
"""k8s-dqlite's data directory: the 1.36 post-refresh hook refuses a refresh while it is not
empty (k8s-snap ``snap/hooks/post-refresh`` @ release-1.36)."""

_NOT_IN_CLUSTER = (
    'Error: The node is not part of a Kubernetes cluster. You can bootstrap a new cluster '
    'with:\n\n  sudo k8s bootstrap'
)
_RESTRICTED = 'this action is restricted on workers'
_DQLITE_DEPRECATED = (
    'Warning: k8s-dqlite datastore is deprecated and will be removed in Canonical Kubernetes '
    '1.36. It is recommended to bootstrap new clusters with etcd instead.'
)
"""``k8s bootstrap``'s warning for ``datastore-type: k8s-dqlite`` (``k8s_bootstrap.go``
@ release-1.32 .. release-1.35; ``PrintErrln`` joins its two arguments with a space)."""
_TOKEN_TTL = 24 * 3600
"""``k8s get-join-token --expires-in``'s default (``k8s_get_join_token.go``: 24h)."""
_API_V2_FROM = (1, 36)
"""The first k8s-snap release on k8s-snap-api v2 (package ``api``), without k8s-dqlite
(``docs/canonicalk8s/releases/snap/1.36.md``; k8sd is canonical/k8sd from then on)."""

# The config types k8s reads with yaml.v2's UnmarshalStrict (k8s-snap-api ``api/v1`` @ v1.1.1
# and v1.2.1 for k8s-snap 1.32-1.35, ``api`` @ v2.1.1 for 1.36): key -> kind of value, or the
# nested type's name and keys.
_BOOL, _STR, _INT, _LIST, _MAP = 'bool', 'string', 'int', '[]string', 'map[string]string'
_ANY_MAP = 'MapStringAny'  # extra-node-containerd-config: any mapping


def _features(package: str) -> dict[str, tuple[str, Mapping[str, str]]]:
    """``UserFacingClusterConfig``'s feature structs (``type_cluster_config.go``)."""
    network = {'enabled': _BOOL}
    if package == 'api':
        network['kube-proxy-enabled'] = _BOOL  # v2 only: the 1.36 kube-proxy replacement
    return {
        'network': (f'{package}.NetworkConfig', network),
        'dns': (
            f'{package}.DNSConfig',
            {
                'enabled': _BOOL,
                'cluster-domain': _STR,
                'service-ip': _STR,
                'upstream-nameservers': _LIST,
            },
        ),
        'ingress': (
            f'{package}.IngressConfig',
            {'enabled': _BOOL, 'default-tls-secret': _STR, 'enable-proxy-protocol': _BOOL},
        ),
        'load-balancer': (
            f'{package}.LoadBalancerConfig',
            {
                'enabled': _BOOL,
                'cidrs': _LIST,
                'l2-mode': _BOOL,
                'l2-interfaces': _LIST,
                'bgp-mode': _BOOL,
                'bgp-local-asn': _INT,
                'bgp-peer-address': _STR,
                'bgp-peer-asn': _INT,
                'bgp-peer-port': _INT,
            },
        ),
        'local-storage': (
            f'{package}.LocalStorageConfig',
            {'enabled': _BOOL, 'local-path': _STR, 'reclaim-policy': _STR, 'default': _BOOL},
        ),
        'gateway': (f'{package}.GatewayConfig', {'enabled': _BOOL}),
        'metrics-server': (f'{package}.MetricsServerConfig', {'enabled': _BOOL}),
    }


_FEATURES = _features('apiv1')
_CLUSTER_CONFIG_SCALARS: Mapping[str, str] = {'cloud-provider': _STR, 'annotations': _MAP}


def _pairs(names: str, parts: Sequence[str] = ('crt', 'key')) -> dict[str, str]:
    """``NAME-crt`` and ``NAME-key`` (or ``parts``) string keys for each space-separated NAME."""
    return {f'{name}-{part}': _STR for name in names.split() for part in parts}


def _service_args(*services: str) -> dict[str, str]:
    return {f'extra-node-{service}-args': _MAP for service in services}


_CONTROL_PLANE_ARGS = (
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kube-proxy',
    'kubelet',
    'containerd',
)
_NODE_FILES: Mapping[str, str] = {
    'disable-system-tuning': _BOOL,
    'extra-node-config-files': _MAP,
    'extra-node-containerd-config': _ANY_MAP,
    'containerd-base-dir': _STR,
}


def _bootstrap_keys(package: str) -> tuple[str, dict[str, Any]]:
    """(type name yaml.v2 reports, keys) of ``BootstrapConfig`` (``type_bootstrap_config.go``).

    api/v1 decodes through ``UnmarshalYAML`` into an anonymous struct that inlines an alias of
    ``BootstrapConfig`` and adds the ``kube-controller-manager-client-key`` spelling of its
    ``kube-ControllerManager-client-key`` field, so yaml.v2's "not found in type" names that
    struct (Go's ``reflect.Type.String``); api v2 has neither and names ``api.BootstrapConfig``.
    """
    v1 = package == 'apiv1'
    keys: dict[str, Any] = {
        'cluster-config': (
            f'{package}.UserFacingClusterConfig',
            {**_features(package), **_CLUSTER_CONFIG_SCALARS},
        ),
        'control-plane-taints': _LIST,
        'pod-cidr': _STR,
        'service-cidr': _STR,
        'disable-rbac': _BOOL,
        'secure-port': _INT,
        **({'k8s-dqlite-port': _INT} if v1 else {}),
        'datastore-type': _STR,
        'datastore-servers': _LIST,
        **_pairs('datastore', parts=('ca-crt', 'client-crt', 'client-key')),
        'etcd-port': _INT,
        'etcd-peer-port': _INT,
        **_pairs('etcd-ca etcd-server etcd-peer etcd-apiserver-client'),
        'extra-sans': _LIST,
        **_pairs(
            'ca client-ca front-proxy-ca front-proxy-client apiserver-kubelet-client '
            'admin-client kube-proxy-client kube-scheduler-client kube-controller-manager-client '
            'apiserver kubelet kubelet-client'
        ),
        **({'kube-ControllerManager-client-key': _STR} if v1 else {}),
        'service-account-key': _STR,
        **_service_args(*_CONTROL_PLANE_ARGS, *(['k8s-dqlite'] if v1 else []), 'etcd'),
        **_NODE_FILES,
    }
    if not v1:
        return f'{package}.BootstrapConfig', keys
    return (
        'struct { apiv1.Alias "yaml:\\",inline\\""; AltKey *string '
        '"yaml:\\"kube-controller-manager-client-key,omitempty\\"" }',
        keys,
    )


def _control_plane_join_keys(package: str) -> tuple[str, dict[str, Any]]:
    """``ControlPlaneJoinConfig`` (``type_control_plane_join_config.go``)."""
    v1 = package == 'apiv1'
    return f'{package}.ControlPlaneJoinConfig', {
        'extra-sans': _LIST,
        **_pairs(
            'front-proxy-client admin-client kube-proxy-client kube-scheduler-client '
            'kube-controller-manager-client apiserver kubelet kubelet-client etcd-server '
            'etcd-peer'
        ),
        **_service_args(*_CONTROL_PLANE_ARGS, *(['k8s-dqlite'] if v1 else []), 'etcd'),
        **_NODE_FILES,
    }


def _worker_join_keys(package: str) -> tuple[str, dict[str, Any]]:
    """``WorkerJoinConfig`` (``type_worker_node_join_config.go``; the same in v1 and v2)."""
    return f'{package}.WorkerJoinConfig', {
        **_pairs('kubelet kubelet-client kube-proxy-client'),
        **_service_args('kube-proxy', 'kubelet', 'containerd', 'k8s-apiserver-proxy'),
        **_NODE_FILES,
    }


# Kinds kubectl knows without discovery: resource name -> (kind, group, namespaced).
_KINDS: Mapping[str, tuple[str, str, bool]] = {
    'node': ('Node', '', False),
    'namespace': ('Namespace', '', False),
    'configmap': ('ConfigMap', '', True),
    'secret': ('Secret', '', True),
    'service': ('Service', '', True),
    'serviceaccount': ('ServiceAccount', '', True),
    'pod': ('Pod', '', True),
    'persistentvolume': ('PersistentVolume', '', False),
    'persistentvolumeclaim': ('PersistentVolumeClaim', '', True),
    'storageclass': ('StorageClass', 'storage.k8s.io', False),
    'csidriver': ('CSIDriver', 'storage.k8s.io', False),
    'deployment': ('Deployment', 'apps', True),
    'daemonset': ('DaemonSet', 'apps', True),
    'statefulset': ('StatefulSet', 'apps', True),
    'role': ('Role', 'rbac.authorization.k8s.io', True),
    'rolebinding': ('RoleBinding', 'rbac.authorization.k8s.io', True),
    'clusterrole': ('ClusterRole', 'rbac.authorization.k8s.io', False),
    'clusterrolebinding': ('ClusterRoleBinding', 'rbac.authorization.k8s.io', False),
    'customresourcedefinition': ('CustomResourceDefinition', 'apiextensions.k8s.io', False),
    'volumesnapshotclass': ('VolumeSnapshotClass', 'snapshot.storage.k8s.io', False),
    'priorityclass': ('PriorityClass', 'scheduling.k8s.io', False),
}
_SHORT_NAMES: Mapping[str, str] = {
    'no': 'node',
    'ns': 'namespace',
    'cm': 'configmap',
    'svc': 'service',
    'sa': 'serviceaccount',
    'po': 'pod',
    'pv': 'persistentvolume',
    'pvc': 'persistentvolumeclaim',
    'sc': 'storageclass',
    'deploy': 'deployment',
    'ds': 'daemonset',
    'sts': 'statefulset',
    'crd': 'customresourcedefinition',
    'pc': 'priorityclass',
}


# -- how a run ends -------------------------------------------------------------------------------


class _ExitError(Exception):
    """The program exits with ``code`` after printing ``message`` (a line) on stderr."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def _not_emulated(what: str) -> NoReturn:
    """Fail loudly for a real k8s feature the simulation does not cover."""
    from ..world import SimError  # the World imports the programs; import it when it is built

    raise SimError(
        f'k8s {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/k8s.py for what is'
    )


# -- state ----------------------------------------------------------------------------------------


def _mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def _snap(host: SimHost) -> Mapping[str, Any] | None:
    """The machine's k8s snap record, or None when it is not installed."""
    record = _mapping(_mapping(host.state.get('snap')).get('snaps')).get('k8s')
    return _mapping(record) if record is not None else None


def _release(host: SimHost) -> tuple[int, int]:
    """The Kubernetes minor release of the machine's k8s snap (``v1.32.3`` → (1, 32)).

    Behaviour that changed between k8s-snap releases follows it; an unreadable version counts
    as the newest release modelled.
    """
    version = str((_snap(host) or {}).get('version', '')).lstrip('v')
    parts = version.split('.')
    try:
        return int(parts[0]), int(parts[1].split('-')[0])
    except (IndexError, ValueError):
        return _API_V2_FROM


def _package(host: SimHost) -> str:
    """The Go package of k8s-snap-api the machine's k8s reads its configs into."""
    return 'api' if _release(host) >= _API_V2_FROM else 'apiv1'


def _datastores(host: SimHost) -> tuple[str, ...]:
    """The ``datastore-type`` values the machine's k8s bootstraps (``""`` means etcd).

    k8s-snap 1.32-1.35 (``ClusterConfigFromBootstrapConfig`` in
    ``src/k8s/pkg/k8sd/types/cluster_config_convert.go``): ``k8s-dqlite``, ``etcd`` (the
    default) and ``external``; 1.36 (canonical/k8sd ``pkg/k8sd/types/cluster_config_convert.go``):
    ``etcd`` and ``external``.
    """
    if _release(host) >= _API_V2_FROM:
        return ('etcd', 'external')
    return ('k8s-dqlite', 'etcd', 'external')


def _clusters(world: World) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', world.namespace('k8s').setdefault('clusters', {}))


def _local(host: SimHost) -> dict[str, Any] | None:
    """The local node (cluster, name, role) while microcluster is initialised here."""
    if not host.exists(DAEMON_FILE):
        host.state.pop('k8s', None)  # the snap went, and its state with it
        return None
    local = _mapping(host.state.get('k8s'))
    return local or None


def _nodes(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _mapping(cluster).setdefault('nodes', {}))


def _draw(world: World, purpose: str, stable: str, size: int) -> bytes:
    """``size`` bytes no other draw of this World gets (a counter in the namespace)."""
    namespace = world.namespace('k8s')
    serial = int(namespace.get('serial', 0)) + 1
    namespace['serial'] = serial
    return hashlib.shake_256(f'olm-sim-k8s\0{purpose}\0{stable}\0{serial}'.encode()).digest(size)


def _uid(world: World, stable: str) -> str:
    raw = _draw(world, 'uid', stable, 16).hex()
    return f'{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:32]}'


def _pem(world: World, stable: str) -> str:
    """A PEM-shaped certificate (random DER-looking bytes, not a parseable certificate)."""
    body = base64.b64encode(b'\x30\x82\x03\x0c' + _draw(world, 'ca', stable, 776)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return '-----BEGIN CERTIFICATE-----\n' + '\n'.join(lines) + '\n-----END CERTIFICATE-----\n'


NODE_STATUS_REPORT_FREQUENCY: Final = 300.0
"""Seconds between the node status posts of an unchanged kubelet: ``nodeStatusReportFrequency``,
5m by default since node leases (kubernetes ``pkg/kubelet/apis/config/v1beta1/defaults.go``
@ v1.32.0); the Ready condition's ``lastHeartbeatTime`` moves only then."""


def _heartbeat(world: World, node: Mapping[str, Any]) -> float:
    """When the node's kubelet last posted its status: every report period since it joined."""
    created = float(node.get('created', 0))
    periods = max(0.0, world.clock() - created) // NODE_STATUS_REPORT_FREQUENCY
    return created + periods * NODE_STATUS_REPORT_FREQUENCY


def _stamp(world: World, when: float | None = None) -> str:
    moment = world.clock() if when is None else when
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(moment))


def _start_services(
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


def _unreachable(host: SimHost | None) -> str | None:
    """Why a member's k8sd does not answer (the socket error), or None when it does.

    assumption: a released machine answers nothing (``no route to host``), a machine whose
    k8s snap or k8sd service is gone refuses the connection (``connection refused``): the
    kernel's texts as Go's dialer reports them.
    """
    if host is None:
        return 'no route to host'
    if _snap(host) is None:
        return 'connection refused'
    if Systemd(host, Output()).active_state('snap.k8s.k8sd.service') != 'active':
        return 'connection refused'
    return None


def _answering_cluster(world: World, addresses: Sequence[str]) -> str | None:
    """The cluster whose initialised control plane answers at one of ``addresses`` (IP:port)."""
    wanted = {address.rsplit(':', 1)[0] for address in addresses}
    for _, host in sorted(world.machines.items()):
        if _unreachable(host) is not None:
            continue
        local = _local(host)
        if local is None or local.get('role') != 'control-plane':
            continue
        if wanted & set(host.addresses()):
            return str(local['cluster'])
    return None


def _datastore_roles(cluster: Mapping[str, Any]) -> dict[str, str]:
    """The roles dqlite gives: three voters, three stand-bys, the rest spares (oldest first)."""
    planes = sorted(
        (node for node in _nodes(cluster).items() if node[1].get('role') == 'control-plane'),
        key=lambda item: (float(item[1].get('created', 0)), item[0]),
    )
    roles = ('voter', 'voter', 'voter', 'stand-by', 'stand-by', 'stand-by')
    return {name: roles[i] if i < len(roles) else 'spare' for i, (name, _) in enumerate(planes)}


# -- YAML as yaml.v2 reads it ---------------------------------------------------------------------


def _yaml_tag(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return '!!map'
    if isinstance(node, yaml.SequenceNode):
        return '!!seq'
    return '!!' + str(node.tag).rsplit(':', 1)[-1]


def _check_value(node: yaml.Node, kind: str, errors: list[str]) -> None:
    """yaml.v2's type errors for one value (``cannot unmarshal !!str `x` into bool``)."""
    line = node.start_mark.line + 1
    tag = _yaml_tag(node)
    shown = f'{tag} `{node.value}`' if isinstance(node, yaml.ScalarNode) else tag
    if tag == '!!null':
        return
    ok = {
        _BOOL: tag == '!!bool',
        _INT: tag == '!!int',
        _STR: isinstance(node, yaml.ScalarNode),
        _LIST: isinstance(node, yaml.SequenceNode),
        _MAP: isinstance(node, yaml.MappingNode),
        _ANY_MAP: isinstance(node, yaml.MappingNode),
    }[kind]
    if not ok:
        errors.append(f'line {line}: cannot unmarshal {shown} into {kind}')
    elif kind == _LIST:
        for item in cast('list[yaml.Node]', node.value):
            _check_value(item, _STR, errors)


def _check_mapping(
    node: yaml.Node, type_name: str, keys: Mapping[str, Any], errors: list[str]
) -> None:
    """Strict decoding of one struct: unknown fields and the types of known ones."""
    if not isinstance(node, yaml.MappingNode):
        if _yaml_tag(node) != '!!null':
            errors.append(
                f'line {node.start_mark.line + 1}: cannot unmarshal {_yaml_tag(node)} into '
                f'{type_name}'
            )
        return
    for key_node, value_node in cast('list[tuple[yaml.Node, yaml.Node]]', node.value):
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key not in keys:
            errors.append(f'line {line}: field {key} not found in type {type_name}')
            continue
        spec = keys[key]
        if isinstance(spec, tuple):
            nested = cast('tuple[str, Mapping[str, Any]]', spec)
            _check_mapping(value_node, nested[0], nested[1], errors)
        else:
            _check_value(value_node, str(spec), errors)


def _parse_strict(text: str, type_name: str, keys: Mapping[str, Any]) -> dict[str, Any]:
    """yaml.v2 ``UnmarshalStrict`` into a config type; raises ValueError with yaml.v2's text."""
    try:
        root = cast('yaml.Node | None', yaml.compose(text, Loader=yaml.SafeLoader))  # pyright: ignore[reportUnknownMemberType]
    except yaml.YAMLError as error:
        mark = getattr(error, 'problem_mark', None)
        line = f'line {mark.line + 1}: ' if mark is not None else ''
        raise ValueError(f'yaml: {line}{getattr(error, "problem", None) or error}') from None
    if root is None:
        return {}
    errors: list[str] = []
    _check_mapping(root, type_name, keys, errors)
    if errors:
        raise ValueError('yaml: unmarshal errors:\n' + '\n'.join(f'  {e}' for e in errors))
    return _mapping(yaml.safe_load(text))


def _parse_bootstrap_config(text: str, package: str = 'apiv1') -> dict[str, Any]:
    """``yaml.UnmarshalStrict`` into ``BootstrapConfig``; raises ValueError with its text."""
    return _parse_strict(text, *_bootstrap_keys(package))


def _kube_proxy(host: SimHost, network: Mapping[str, Any]) -> bool:
    """Whether the cluster runs kube-proxy.

    Always before 1.36; from 1.36 only when asked or without the network feature
    (canonical/k8sd ``pkg/k8sd/types/cluster_config_defaults.go``: ``KubeProxyEnabled``
    defaults to ``!Network.Enabled``).
    """
    if _release(host) < _API_V2_FROM:
        return True
    given = network.get('kube-proxy-enabled')
    return bool(given) if given is not None else not bool(network.get('enabled'))


def _convert_datastore(
    config: Mapping[str, Any], supported: Sequence[str]
) -> tuple[str, str | None]:
    """(datastore type, error) of ``ClusterConfigFromBootstrapConfig``'s datastore switch.

    k8s-snap ``src/k8s/pkg/k8sd/types/cluster_config_convert.go`` @ release-1.32..1.35 and
    canonical/k8sd ``pkg/k8sd/types/cluster_config_convert.go`` (1.36): an empty type is etcd;
    a type the release does not know is ``unknown datastore type specified in bootstrap
    config "T"``; external needs servers; the other types refuse the external settings.
    """
    given = str(config.get('datastore-type') or '')
    datastore = given or 'etcd'
    if datastore not in supported:
        return datastore, f'unknown datastore type specified in bootstrap config "{given}"'
    if datastore == 'external':
        if not config.get('datastore-servers'):
            return datastore, 'datastore type is external but no datastore servers were set'
        return datastore, None
    for key in ('datastore-servers', 'datastore-ca-crt', 'datastore-client-crt',
                'datastore-client-key'):  # fmt: skip
        if config.get(key):
            return datastore, f'{key} needs datastore-type to be external, not "{given}"'
    return datastore, None


def _go_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """Go's ``net.ParseCIDR``: an address, a slash and a prefix length; None if it fails."""
    address, slash, length = text.partition('/')
    if not slash or not length.isdigit():
        return None
    try:
        return ipaddress.ip_network(f'{address}/{int(length)}', strict=False)
    except ValueError:
        return None


def _validate_cidrs(pod_cidr: str, service_cidr: str) -> str | None:
    """``ClusterConfig.Validate``'s network checks, with its texts (None if they pass).

    k8s-snap ``src/k8s/pkg/k8sd/types/cluster_config_validate.go`` @ release-1.32:
    ``validateCIDRs``, ``validateCIDROverlap``, ``validateIPv6CIDRSize``.
    """
    prefix = 'invalid cluster configuration: '
    parsed: dict[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}
    for what, value in (('pod', pod_cidr), ('service', service_cidr)):
        parts = value.split(',')
        if len(parts) not in (1, 2):
            return f'{prefix}invalid {what} CIDR: must contain 1 or 2 CIDRs, but found ' \
                f'{len(parts)} instead'  # fmt: skip
        parsed[what] = []
        for part in parts:
            network = _go_cidr(part)
            if network is None:
                return (
                    f'{prefix}invalid {what} CIDR: "{part}" is not a valid CIDR: invalid CIDR '
                    f'address: {part}'
                )
            parsed[what].append(network)
    for pod in parsed['pod']:
        for service in parsed['service']:
            if pod.version == service.version and pod.overlaps(service):  # type: ignore[arg-type]
                return (
                    f'{prefix}invalid cidr configuration: pod CIDR "{pod_cidr}" and service '
                    f'CIDR "{service_cidr}" overlap'
                )
    for service in parsed['service']:
        if service.version == 6 and service.prefixlen < 108:
            return (
                f'{prefix}invalid service CIDR: service CIDR "{service_cidr}" cannot be larger '
                'than /108'
            )
    return None


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


def _kubelet_args(
    config: Mapping[str, Any], role: str = 'worker'
) -> tuple[dict[str, str], list[dict[str, str]] | None]:
    """The kubelet ``--node-labels`` and ``--register-with-taints`` of a joining node.

    k8s-snap writes its own arguments, then ``extra-node-kubelet-args`` over them ("so they can
    override them", ``kubelet.go``): a ``--node-labels`` given there replaces k8s-snap's role
    labels, it does not add to them.
    """
    args = _mapping(config.get('extra-node-kubelet-args'))
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


def _labels_kubelet_refuses(labels: Mapping[str, str]) -> list[str]:
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
        _parse_taint(item.strip())
        for item in str(args['--register-with-taints']).split(',')
        if item.strip()
    ]


def _parse_taint(text: str) -> dict[str, str]:
    """``key[=value]:Effect`` as kubelet and kubectl read it."""
    spec, _, effect = text.rpartition(':')
    key, _, value = spec.partition('=')
    taint = {'key': key, 'effect': effect}
    if value:
        taint['value'] = value
    return taint


# -- the command line -----------------------------------------------------------------------------


class _Args:
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
                        raise _ExitError(1, f'Error: flag needs an argument: {name}')
                    value = items.pop(0)
                self.values[name] = value
                self.repeated.setdefault(name, []).append(value)
            elif name in flags:
                self.flags.add(name)
            elif name in ('-h', '--help'):
                _not_emulated('--help')
            else:
                raise _ExitError(1, f'Error: unknown flag: {name}')

    def exact(self, count: int) -> None:
        if len(self.positional) != count:
            raise _ExitError(1, f'Error: accepts {count} arg(s), received {len(self.positional)}')


class _Run:
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

    def main(self) -> int:
        args = list(self.invocation.args)
        if not args:
            _not_emulated('without a command (help)')
        command, rest = args[0], args[1:]
        if command == 'kubectl':
            return _Kubectl(self).main(rest)
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
                _not_emulated(command)
            raise _ExitError(
                1, f'Error: unknown command "{command}" for "k8s"\nRun \'k8s --help\' for usage.'
            )
        return handler(rest)

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
            raise _ExitError(1, f'Error: Unknown --output-format "{fmt}". It must be one of: '
                             'plain, json, yaml')  # fmt: skip

    def local_cluster(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(local node, its cluster); the "not part of a Kubernetes cluster" error otherwise."""
        local = _local(self.host)
        cluster = _clusters(self.world).get(str((local or {}).get('cluster')))
        if local is None or cluster is None:
            raise _ExitError(1, _NOT_IN_CLUSTER)
        return local, cluster

    def read_config(self, path: str, what: str) -> str:
        try:
            return self.host.read_text(path)
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise _ExitError(
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
        return ip, f'{ip}:{_K8SD_PORT}'

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
        labels, taints = _kubelet_args(config, role)
        if taints is None:
            taints = (
                [_parse_taint(t) for t in cluster.get('control-plane-taints', [])]
                if role == 'control-plane'
                else []
            )
        _nodes(cluster)[name] = {
            'machine': self.host.machine_id,
            'address': ip,
            'role': role,
            'labels': labels,
            'taints': taints,
            'created': self.world.clock(),
            'uid': _uid(self.world, name),
        }
        refused = _labels_kubelet_refuses(labels)
        if refused:
            # kubelet exits at start ("failed to validate kubelet flags: ..."), so the node
            # never registers: the member has no Node object (assumption: systemd restarts
            # kubelet and it fails the same way each time, not emulated as unit states).
            _nodes(cluster)[name]['unregistered'] = (
                "failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels "
                f'specified with --node-labels: [{" ".join(refused)}]'
            )
        if role == 'control-plane':
            _nodes(cluster)[name]['sans'] = _sans(ip, _string_list(config.get('extra-sans')))
        self.host.state['k8s'] = {'cluster': cluster['id'], 'name': name, 'role': role}
        self.host.write_text(DAEMON_FILE, f'name: {name}\naddress: {ip}:{_K8SD_PORT}\n')
        datastore = str(cluster.get('datastore-type', ''))
        if role == 'worker':
            self.host.write_text(WORKER_LOCK, '')
        elif datastore == 'k8s-dqlite':
            # k8sd initialises k8s-dqlite's data directory (``setup.K8sDqlite``).
            self.host.write_text(f'{DQLITE_DIR}/cluster.yaml', f'Address: {ip}:9000\n')
        _start_services(
            self.host,
            role,
            start=True,
            datastore=datastore,
            kube_proxy=bool(cluster.get('kube-proxy', True)),
        )

    # -- commands ---------------------------------------------------------------------------

    def bootstrap(self, argv: Sequence[str]) -> int:
        """``k8s bootstrap``."""
        values = ['--file', '--name', '--address', '--output-format', '--timeout']
        if _release(self.host) >= _API_V2_FROM:  # k8s_bootstrap.go, canonical/k8sd
            values.append('--containerd-base-dir')
        args = _Args(argv, values, ('--interactive',))
        args.exact(0)
        if '--interactive' in args.flags:
            if '--file' in args.values:
                raise _ExitError(
                    1, 'Error: --interactive and --file flags cannot be set at the same time.'
                )
            _not_emulated('bootstrap --interactive')
        name = args.values.get('--name') or self.host.hostname()
        ip, address = self.address(args.values.get('--address'))
        if _local(self.host) is not None:
            raise _ExitError(1, 'Error: The node is already part of a cluster')
        path = args.values.get('--file')
        config: dict[str, Any]
        if path is None:
            config = {}
        else:
            text = self.read_config(path, 'bootstrap')
            try:
                config = _parse_bootstrap_config(text, _package(self.host))
            except ValueError as error:
                raise _ExitError(
                    1,
                    f'Error: Failed to read bootstrap configuration from "{path}".\n\n'
                    f'The error was: failed to parse YAML config file: {error}',
                ) from None
        if path is None:  # k8s_bootstrap.go's default BootstrapConfig
            enabled = ('network', 'dns', 'gateway', 'local-storage')
            config = {'cluster-config': {name: {'enabled': True} for name in enabled}}
        pod_cidr = str(config.get('pod-cidr') or _DEFAULT_POD_CIDR)
        service_cidr = str(config.get('service-cidr') or _DEFAULT_SERVICE_CIDR)
        datastore, problem = _convert_datastore(config, _datastores(self.host))
        if problem is None:
            problem = _validate_cidrs(pod_cidr, service_cidr)
        if problem is not None:
            # verifyBootstrapConfig (validate.go), printed with PrintErrf and no newline.
            self.err(f'Bootstrap config verification failed: {problem}')
            return 1
        if datastore == 'k8s-dqlite':
            self.err(_DQLITE_DEPRECATED + '\n')
        self.err('Bootstrapping the cluster. This may take a few seconds, please wait.\n')
        networks = [ipaddress.ip_network(part, strict=False) for part in service_cidr.split(',')]
        cluster_config = _mapping(config.get('cluster-config'))
        dns = _mapping(cluster_config.get('dns'))
        cluster_id = _draw(self.world, 'cluster', name, 8).hex()
        cluster: dict[str, Any] = {
            'id': cluster_id,
            'created': self.world.clock(),
            'ca': _pem(self.world, cluster_id),
            'admin-token': 'token::' + _draw(self.world, 'admin-token', cluster_id, 20).hex(),
            'pod-cidr': pod_cidr,
            'service-cidr': service_cidr,
            'cluster-domain': str(dns.get('cluster-domain') or 'cluster.local'),
            'dns-service-ip': str(dns.get('service-ip') or networks[0].network_address + 10),
            'datastore-type': datastore,
            'kube-proxy': _kube_proxy(self.host, _mapping(cluster_config.get('network'))),
            'extra-sans': [str(san) for san in cast('list[Any]', config.get('extra-sans') or [])],
            'control-plane-taints': [
                str(t) for t in cast('list[Any]', config.get('control-plane-taints') or [])
            ],
            'features': {
                feature: bool(_mapping(cluster_config.get(feature)).get('enabled'))
                for feature in _FEATURES
            },
            'nodes': {},
            'tokens': {},
            'objects': {},
        }
        _clusters(self.world)[cluster_id] = cluster
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
        args = _Args(argv, ('--timeout', '--expires-in'), ('--worker',))
        if len(args.positional) > 1:
            raise _ExitError(
                1, f'Error: accepts at most 1 arg(s), received {len(args.positional)}'
            )
        worker = '--worker' in args.flags
        if not args.positional and not worker:
            raise _ExitError(1, 'Error: A node name is required for control-plane nodes.')
        name = args.positional[0] if args.positional else ''
        ttl = args.values.get('--expires-in')
        seconds = float(_TOKEN_TTL)
        if ttl is not None:
            try:
                seconds = _go_duration(ttl)
            except ValueError:
                raise _ExitError(
                    1, f'Error: invalid argument "{ttl}" for "--expires-in" flag: '
                    f'time: invalid duration "{ttl}"'
                ) from None  # fmt: skip
        local, cluster = self.local_cluster()
        if local.get('role') == 'worker':
            raise _ExitError(
                1,
                f'Error: Could not generate a join token for "{name}".\n\nThe error was: '
                f'failed to POST /k8sd/cluster/tokens: {_RESTRICTED}',
            )
        tokens = cast('dict[str, dict[str, Any]]', cluster.setdefault('tokens', {}))
        addresses = [
            f'{node["address"]}:{_K8SD_PORT}'
            for _, node in sorted(_nodes(cluster).items())
            if node.get('role') == 'control-plane'
        ]
        expires = self.world.clock() + seconds
        if worker:
            # database.GetOrCreateWorkerNodeToken (src/k8s/pkg/k8sd/database/worker.go,
            # queries/worker-tokens/insert.sql @ release-1.32): despite its name it inserts a
            # new "worker::" + 20 random bytes token every time; earlier ones stay valid.
            secret = 'worker::' + _draw(self.world, 'worker-token', name, 20).hex()
            tokens[secret] = {'name': name, 'role': 'worker', 'state': 'unused'}
            tokens[secret]['expires'] = expires
            self.out(worker_token(secret, addresses, str(cluster['ca'])) + '\n')
            return 0
        secret = _draw(self.world, 'join-secret', name, 32).hex()
        tokens[secret] = {
            'name': name, 'role': 'control-plane', 'state': 'unused', 'expires': expires
        }  # fmt: skip
        # microcluster's types.Token (internal/rest/types/tokens.go @ v2): secret, fingerprint
        # and join addresses, base64 (StdEncoding) JSON; the name stays in the token record.
        payload = {
            'secret': secret,
            'fingerprint': _fingerprint(str(cluster['ca'])),
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
            _not_emulated('join-cluster --file -')
        try:
            text = self.host.read_text(path)
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise _ExitError(
                1,
                f'Error: Failed to read join configuration from "{path}".\n\nThe error was: '
                f'open {path}: no such file or directory',
            ) from None
        package = _package(self.host)
        kind, keys = (
            ('worker', _worker_join_keys(package))
            if worker
            else ('control plane', _control_plane_join_keys(package))
        )
        try:
            return _parse_strict(text, *keys)
        except ValueError as error:
            self.err(
                f'Join cluster config verification failed: failed to unmarshal {kind} join '
                f'config: {error}'
            )
            raise _ExitError(1) from None

    def join_cluster(self, argv: Sequence[str]) -> int:
        """``k8s join-cluster TOKEN``."""
        values = ['--name', '--address', '--file', '--output-format', '--timeout']
        if _release(self.host) >= _API_V2_FROM:  # k8s_join_cluster.go, canonical/k8sd
            values.append('--containerd-base-dir')
        args = _Args(argv, values)
        args.exact(1)
        token = args.positional[0]
        name = args.values.get('--name') or self.host.hostname()
        ip, _ = self.address(args.values.get('--address'))
        if _local(self.host) is not None:
            raise _ExitError(1, 'Error: The node is already part of a cluster')
        payload = _decode_token(token)
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
            raise _ExitError(1, prefix + _token_decode_error(token.strip()))
        # microcluster tries every join address: "%d join attempts were unsuccessful. Last
        # error: %w" with the number of addresses (control.go @ v2)
        attempts = f'{len(addresses)} join attempts were unsuccessful. Last error: '
        cluster_id = _answering_cluster(self.world, addresses)
        if cluster_id is None:
            target = addresses[-1] if addresses else f'{ip}:{_K8SD_PORT}'
            reason = f'dial tcp {target}: connect: connection refused'
            if role == 'control-plane':
                reason = attempts + reason
            raise _ExitError(1, prefix + reason)
        cluster = _clusters(self.world)[cluster_id]
        record = _mapping(cluster.get('tokens', {})).get(secret)
        if role == 'worker':
            # database.CheckWorkerNodeToken: the node's own, unexpired token, else 401
            # "invalid token" (worker_access_handler.go); a used one was deleted.
            if (
                record is None
                or record.get('state') != 'unused'
                or record.get('name') not in ('', name)
                or _expired(self.world, record)
            ):
                raise _ExitError(1, prefix + 'invalid token')
        else:
            # microcluster clusterPost (internal/rest/resources/cluster.go): the token record
            # (deleted once used), then its expiry, then the certificate's name.
            attempt = prefix + attempts
            if record is None or record.get('state') != 'unused':
                raise _ExitError(1, attempt + 'CoreTokenRecord not found')
            if _expired(self.world, record):
                raise _ExitError(1, attempt + 'Token expired')
            if record.get('name') != name:
                raise _ExitError(
                    1, attempt + 'Joining server certificate SAN does not contain join token name'
                )
        if name in _nodes(cluster):
            raise _ExitError(1, prefix + f'node "{name}" is already part of the cluster')
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
        args = _Args(argv, ('--output-format', '--timeout'), ('--force',))
        args.exact(1)
        name = args.positional[0]
        local, cluster = self.local_cluster()
        self.err(
            f'Removing "{name}" from the Kubernetes cluster. This may take a few seconds, '
            'please wait.\n'
        )
        failed = f'Error: Failed to remove node "{name}" from the cluster.\n\nThe error was: '
        if local.get('role') == 'worker':
            raise _ExitError(1, failed + f'failed to POST /k8sd/cluster/remove: {_RESTRICTED}')
        node = _nodes(cluster).get(name)
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
            unreachable = _unreachable(machine)
            if unreachable is not None:
                # microcluster clusterMemberDelete runs the member's pre-remove hook first and,
                # without force, fails with the transport error (internal/rest/resources/
                # cluster.go, RunPreRemoveHook); k8sd wraps it (removeNodeFromMicrocluster).
                address = f'{node.get("address")}:{_K8SD_PORT}'
                raise _ExitError(
                    1,
                    failed + 'failed to POST /k8sd/cluster/remove: failed to delete node from '
                    f'microcluster: failed to delete cluster member {name}: Post '
                    f'"https://{address}/core/internal/hooks/pre-remove?target={name}": '
                    f'dial tcp {address}: connect: {unreachable}',
                )
        del _nodes(cluster)[name]
        if node.get('role') == 'control-plane' and machine is not None:
            gone = _local(machine)
            if gone is not None and gone.get('name') == name and _unreachable(machine) is None:
                # microcluster resets a removed member: its daemon state goes, services stop.
                machine.remove(DAEMON_FILE)
                machine.state.pop('k8s', None)
                _start_services(
                    machine, 'control-plane', start=False,
                    datastore=str(cluster.get('datastore-type', '')),
                )  # fmt: skip
        self.print_result(
            args.values.get('--output-format', 'plain'),
            f'Removed {name} from cluster.\n',
            {'name': name},
        )
        return 0

    def status(self, argv: Sequence[str]) -> int:
        """``k8s status``."""
        args = _Args(argv, ('--output-format', '--timeout'), ('--wait-ready',))
        args.exact(0)
        local, cluster = self.local_cluster()
        if local.get('role') == 'worker':
            raise _ExitError(
                1,
                'Error: Failed to retrieve the cluster status.\n\nThe error was: failed after '
                f'potential retry: wait check failed: failed to GET /k8sd/cluster: {_RESTRICTED}',
            )
        members = _members(cluster)
        data: dict[str, Any] = {}
        if _nodes(cluster):
            data['ready'] = True
        if members:
            data['members'] = members
        data['config'] = {feature: {} for feature in _FEATURES}
        data['datastore'] = {'type': cluster.get('datastore-type', 'etcd')}
        self.print_result(
            args.values.get('--output-format', 'plain'), _status_plain(cluster, members), data
        )
        return 0

    def local_node_status(self, argv: Sequence[str]) -> int:
        """``k8s local-node-status``."""
        args = _Args(argv, ('--output-format',))
        args.exact(0)
        local, cluster = self.local_cluster()
        name = str(local['name'])
        node = _nodes(cluster).get(name)
        ip = str(node['address']) if node else self.address(None)[0]
        if local.get('role') == 'worker':
            data = {'name': name, 'address': ip, 'cluster-role': 'worker'}
        else:
            data = {
                'name': name,
                'address': f'{ip}:{_K8SD_PORT}',
                'cluster-role': 'control-plane',
                'datastore-role': _datastore_roles(cluster).get(name, 'unknown'),
            }
        plain = '\n'.join(f'{key}: {value}' for key, value in data.items())
        self.print_result(args.values.get('--output-format', 'plain'), plain, data)
        return 0

    def refresh_certs(self, argv: Sequence[str]) -> int:
        """``k8s refresh-certs --expires-in TTL [--extra-sans SAN ...]``: this node's certs."""
        release = _release(self.host)
        values = ['--expires-in', '--extra-sans', '--timeout']
        if release >= (1, 33):  # k8s_refresh_certs.go @ release-1.33 added them
            values += ['--certificates', '--external-certificates']
        args = _Args(argv, values)
        args.exact(0)
        if '--certificates' in args.values or '--external-certificates' in args.values:
            _not_emulated('refresh-certs --certificates / --external-certificates')
        if '--expires-in' not in args.values:
            if release < (1, 33):  # cobra's MarkFlagRequired @ release-1.32
                raise _ExitError(1, 'Error: required flag(s) "expires-in" not set')
            if release >= _API_V2_FROM:  # canonical/k8sd cmd/k8s/k8s_refresh_certs.go PreRun
                raise _ExitError(
                    1,
                    'Error: the --expires-in flag is required when not using '
                    '--external-certificates.',
                )
        local, cluster = self.local_cluster()
        if local.get('role') == 'worker':
            _not_emulated('refresh-certs on a worker (its CertificateSigningRequests)')
        ttl = args.values.get('--expires-in', '')
        try:
            seconds = _ttl_seconds(ttl)
        except ValueError as error:
            self.err(f'Error: Failed to parse TTL. \n\nThe error was: {error}\n')
            if release >= (1, 33):  # from 1.33 the CLI exits there; 1.32 goes on with 0
                return 1
            seconds = 0
        node = _nodes(cluster).get(str(local['name']))
        if node is None:
            raise _ExitError(1, _NOT_IN_CLUSTER)
        self.out('Waiting for certificates to be created...\n')
        expires = _expiration(self.world.clock(), seconds)
        node['sans'] = _sans(str(node['address']), args.repeated.get('--extra-sans', []))
        node['certificates-expire'] = expires
        when = time.strftime('%Y-%m-%d %H:%M:%S +0000 UTC', time.gmtime(expires))
        self.out(f'Certificates have been successfully refreshed, and will expire at {when}.\n')
        return 0

    def config(self, argv: Sequence[str]) -> int:
        """``k8s config [--server URL]``: the admin kubeconfig."""
        args = _Args(argv, ('--server', '--timeout'))
        args.exact(0)
        local, cluster = self.local_cluster()
        server = args.values.get('--server', '')
        if local.get('role') == 'worker':
            raise _ExitError(
                1,
                f'Error: Failed to generate an admin kubeconfig for "{server}".\n\n'
                f'The error was: failed to GET /k8sd/kubeconfig: {_RESTRICTED}',
            )
        node = _nodes(cluster).get(str(local['name']), {})
        # getKubeconfig (src/k8s/pkg/k8sd/api/kubeconfig.go): the node's address and secure
        # port by default; createConfig (setup/util_kubeconfig.go) puts https:// before a
        # server without an http-like scheme.
        url = server or f'{node.get("address", self.address(None)[0])}:{_APISERVER_PORT}'
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


def admin_client(cluster: Mapping[str, Any]) -> tuple[str, str]:
    """The admin client certificate and key, base64 as a kubeconfig holds them.

    k8sd's admin kubeconfig authenticates with the ``admin-client`` certificate
    (``KubeconfigString(server, CACert, AdminClientCert, AdminClientKey)``); both are derived
    from the cluster's admin credential here (shaped like PEM, not parseable).
    """
    secret = str(cluster.get('admin-token', ''))
    digest = hashlib.shake_256(f'admin-client\0{secret}'.encode()).digest(96)
    crt = '-----BEGIN CERTIFICATE-----\n' + base64.b64encode(digest).decode()
    key = '-----BEGIN EC PRIVATE KEY-----\n' + base64.b64encode(digest[::-1]).decode()
    crt += '\n-----END CERTIFICATE-----\n'
    key += '\n-----END EC PRIVATE KEY-----\n'
    return base64.b64encode(crt.encode()).decode(), base64.b64encode(key.encode()).decode()


def _expired(world: World, token: Mapping[str, Any]) -> bool:
    """Whether a join token's expiry (``--expires-in``, 24 h by default) has passed."""
    expires = token.get('expires')
    return expires is not None and world.clock() >= float(expires)


_GO_DURATION_UNITS = {
    'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0
}  # fmt: skip


def _go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` in seconds (``24h``, ``1h30m``, ``90s``); ValueError else."""
    if text == '0':
        return 0.0
    parts = re.findall(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)', text)
    if not parts or ''.join(n + u for n, u in parts) != text.lstrip('+'):
        raise ValueError(text)
    return sum(float(number) * _GO_DURATION_UNITS[unit] for number, unit in parts)


_WORKER_MAGIC = 'm!!'
"""k8sd's mark of a serialised worker token (``internalWorkerNodeTokenSerializeMagicString``)."""


def _fingerprint(ca: str) -> str:
    return hashlib.sha256(ca.encode()).hexdigest()


def worker_token(token: str, addresses: Sequence[str], ca: str) -> str:
    """A worker join token as k8sd encodes it (``InternalWorkerNodeToken.Encode``).

    canonical/k8s-snap ``src/k8s/pkg/k8sd/types/worker.go`` @ release-1.32: JSON of ``token``,
    ``secret``, ``join_addresses``, ``fingerprint`` and the magic ``"_": "m!!"``, base64
    without padding (``RawStdEncoding``).
    """
    payload = {
        'token': token,
        'secret': hashlib.sha256(f'worker-secret\0{token}'.encode()).hexdigest()[:32],
        'join_addresses': list(addresses),
        'fingerprint': _fingerprint(ca),
        '_': _WORKER_MAGIC,
    }
    raw = json.dumps(payload, separators=(',', ':')).encode()
    return base64.b64encode(raw).decode().rstrip('=')


_BASE64 = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=')


def _token_decode_error(token: str) -> str:
    """The error of microcluster's ``DecodeToken`` for a token that is not one.

    Go's ``base64.CorruptInputError`` names the first byte it cannot take (``illegal base64 data
    at input byte N``); assumption: any other failure (bad padding, not JSON) is reported as
    ``json``'s ``invalid character`` at the start, the common case for random text.
    """
    for index, char in enumerate(token):
        if char not in _BASE64:
            return f'illegal base64 data at input byte {index}'
    if len(token) % 4:
        return f'illegal base64 data at input byte {len(token) - len(token) % 4}'
    return "invalid character '\\x00' looking for beginning of value"


def _decode_token(token: str) -> dict[str, Any] | None:
    """A join token's JSON (k8sd's worker shape or microcluster's), or None if it is neither.

    k8sd tries the worker shape first (``postClusterJoin``: RawStdEncoding, the magic string),
    then leaves the token to microcluster (``DecodeToken``: StdEncoding).
    """
    text = token.strip()
    if '=' not in text:
        try:
            raw = base64.b64decode(text + '=' * (-len(text) % 4), validate=True)
            data = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            data = None
        if isinstance(data, dict) and cast('dict[str, Any]', data).get('_') == _WORKER_MAGIC:
            return cast('dict[str, Any]', data)
    try:
        data = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    payload = cast('dict[str, Any]', data)
    if 'token' in payload:  # a worker shape without k8sd's mark is no worker token
        payload = {key: value for key, value in payload.items() if key != 'token'}
    return payload if isinstance(payload.get('join_addresses'), list) else None


def _string_list(value: object) -> list[str]:
    return [str(item) for item in cast('list[Any]', value)] if isinstance(value, list) else []


def _sans(ip: str, extra: Sequence[str]) -> list[str]:
    """A control plane certificate's SANs as kept here: its address, then the extra ones."""
    return list(dict.fromkeys([ip, *extra]))


_YEAR, _MONTH, _DAY = 365 * 24 * 3600, 30 * 24 * 3600, 24 * 3600  # k8s-snap's approximations
_GO_UNITS = {'s': 1, 'm': 60, 'h': 3600}  # what ParseDuration takes after a bare integer


def _ttl_seconds(ttl: str) -> int:
    """``utils.TTLToSeconds``: ``5y``, ``6mo``, ``7d``, else Go's ParseDuration; its errors."""
    if len(ttl) < 2:
        raise ValueError(f'invalid TTL length: {ttl}')
    number, unit = (ttl[:-2], 'mo') if ttl.endswith('mo') else (ttl[:-1], ttl[-1:].lower())
    digits = number[1:] if number[:1] in ('+', '-') else number
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f'invalid TTL format: strconv.Atoi: parsing "{number}": invalid syntax')
    value = int(number)
    if unit in ('y', 'mo', 'd'):
        return value * {'y': _YEAR, 'mo': _MONTH, 'd': _DAY}[unit]
    # time.ParseDuration of the whole string: an integer and one character here, so s, m or h.
    if ttl[-1] not in _GO_UNITS:
        raise ValueError(f'invalid TTL unit: {unit}')
    return value * _GO_UNITS[ttl[-1]]


def _expiration(now: float, seconds: int) -> int:
    """``utils.SecondsToExpirationDate``: whole years, months or days on the calendar."""
    start = datetime.datetime.fromtimestamp(int(now), datetime.UTC)
    years = months = days = 0
    if seconds % _YEAR == 0:
        years = seconds // _YEAR
    elif seconds % _MONTH == 0:
        months = seconds // _MONTH
    elif seconds % _DAY == 0:
        days = seconds // _DAY
    else:
        return int(now) + seconds
    # Go's AddDate normalises overflow (Jan 31 + 1 month is Mar 3), as a day offset does.
    total = start.month - 1 + months
    year, month = start.year + years + total // 12, total % 12 + 1
    first = start.replace(year=year, month=month, day=1)
    return int((first + datetime.timedelta(days=start.day - 1 + days)).timestamp())


def _members(cluster: Mapping[str, Any]) -> list[dict[str, str]]:
    """``impl.GetClusterMembers``: microcluster's members, i.e. the control planes."""
    roles = _datastore_roles(cluster)
    return [
        {
            'name': name,
            'address': f'{node["address"]}:{_K8SD_PORT}',
            'cluster-role': 'control-plane',
            'datastore-role': roles[name],
        }
        for name, node in sorted(_nodes(cluster).items())
        if node.get('role') == 'control-plane'
    ]


def _status_plain(cluster: Mapping[str, Any], members: Sequence[Mapping[str, str]]) -> str:
    """``ClusterStatus.String`` (``k8s_status_format.go``)."""
    voters = sum(1 for member in members if member['datastore-role'] == 'voter')
    features = _mapping(cluster.get('features'))

    def feature(name: str) -> str:
        return 'enabled' if features.get(name) else 'disabled'

    rows = [
        ('cluster status:', 'ready'),
        (
            'control plane nodes:',
            ', '.join(f'{m["address"]} ({m["datastore-role"]})' for m in members) or 'none',
        ),
        ('high availability:', 'yes' if voters > 2 else 'no'),
        ('datastore:', str(cluster.get('datastore-type', 'etcd'))),
        ('network:', feature('network')),
        ('dns:', feature('dns')),
        ('ingress:', feature('ingress')),
        ('load-balancer:', feature('load-balancer')),
        ('local-storage:', feature('local-storage')),
    ]
    return '\n'.join(f'{key:<25} {value}' for key, value in rows) + (
        f'\n{"gateway":<25} {feature("gateway")}'
    )


# -- kubectl --------------------------------------------------------------------------------------


def _plural(resource: str) -> str:
    if resource.endswith('s'):
        return resource + 'es'
    if resource.endswith('y') and resource[-2:-1] not in 'aeiou':
        return resource[:-1] + 'ies'
    return resource + 's'


def _qualified(resource: str, group: str) -> str:
    return f'{resource}.{group}' if group else resource


class _Kubectl:
    """kubectl against the cluster's simulated API server."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.world = run.world
        self.cluster: dict[str, Any] = {}

    def main(self, argv: Sequence[str]) -> int:
        local = _local(self.run.host)
        if local is not None and local.get('role') == 'worker':
            # k8s_kubectl.go @ release-1.32: the CLI checks the node's role itself
            raise _ExitError(1, 'Error: k8s kubectl commands are not allowed on worker nodes.')
        _, self.cluster = self.run.local_cluster()
        args = _Args(
            argv,
            ('-o', '--output', '-n', '--namespace', '-f', '--filename', '--kubeconfig'),
            ('--overwrite', '-A', '--all-namespaces'),
        )
        if not args.positional:
            _not_emulated('kubectl without a command')
        verb, rest = args.positional[0], args.positional[1:]
        handler = {
            'get': self.get,
            'apply': self.apply,
            'delete': self.delete,
            'label': self.label,
            'taint': self.taint,
        }.get(verb)
        if handler is None:
            _not_emulated(f'kubectl {verb}')
        return handler(args, rest)

    # -- objects -----------------------------------------------------------------------------

    def objects(self) -> dict[str, dict[str, Any]]:
        return cast('dict[str, dict[str, Any]]', self.cluster.setdefault('objects', {}))

    def resolve(self, text: str) -> tuple[str, str, str, bool]:
        """(resource, kind, group, namespaced) for a kubectl resource argument."""
        word, _, group_given = text.lower().partition('.')
        word = _SHORT_NAMES.get(word, word)
        for resource, (kind, group, namespaced) in _KINDS.items():
            if word in (resource, _plural(resource)) and group_given in ('', group):
                return resource, kind, group, namespaced
        for stored in self.objects().values():
            obj = _mapping(stored.get('object'))
            kind = str(obj.get('kind', ''))
            group = str(obj.get('apiVersion', '')).rpartition('/')[0]
            resource = kind.lower()
            if word in (resource, _plural(resource)) and group_given in ('', group):
                return resource, kind, group, bool(_mapping(obj.get('metadata')).get('namespace'))
        raise _ExitError(1, f'error: the server doesn\'t have a resource type "{text}"')

    def namespace(self, args: _Args) -> str:
        return args.values.get('-n') or args.values.get('--namespace') or 'default'

    def documents(self, args: _Args) -> tuple[str, list[dict[str, Any]]]:
        path = args.values.get('-f') or args.values.get('--filename')
        if path is None:
            raise _ExitError(1, 'error: must specify one of -f and -k')
        try:
            text = self.run.host.read_text(path)
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise _ExitError(1, f'error: the path "{path}" does not exist') from None
        try:
            loaded = [doc for doc in yaml.safe_load_all(text) if doc is not None]
        except yaml.YAMLError as error:
            raise _ExitError(
                1, f'error: error parsing {path}: error converting YAML to JSON: yaml: {error}'
            ) from None
        docs: list[dict[str, Any]] = []
        for doc in loaded:
            obj = _mapping(doc)
            if obj.get('kind') == 'List':
                docs.extend(_mapping(item) for item in cast('list[Any]', obj.get('items') or []))
            elif obj:
                docs.append(obj)
        return path, docs

    def identity(self, obj: Mapping[str, Any], args: _Args) -> tuple[str, str, str, str, bool]:
        """(key, resource, group, name, namespaced) of a manifest's object."""
        kind = str(obj.get('kind', ''))
        group = str(obj.get('apiVersion', '')).rpartition('/')[0]
        known = _KINDS.get(kind.lower())
        namespaced = known[2] if known is not None and known[0] == kind else True
        metadata = _mapping(obj.get('metadata'))
        name = str(metadata.get('name', ''))
        namespace = str(metadata.get('namespace') or self.namespace(args)) if namespaced else ''
        return f'{group}/{kind}/{namespace}/{name}', kind.lower(), group, name, namespaced

    def render(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """An object as the API server returns it (kubectl apply's annotation included)."""
        obj = json.loads(json.dumps(stored['object']))
        metadata = cast('dict[str, Any]', obj.setdefault('metadata', {}))
        annotations = cast('dict[str, Any]', metadata.setdefault('annotations', {}))
        annotations['kubectl.kubernetes.io/last-applied-configuration'] = (
            json.dumps(stored['object'], separators=(',', ':'), sort_keys=True) + '\n'
        )
        metadata['creationTimestamp'] = _stamp(self.world, float(stored['created']))
        metadata['resourceVersion'] = str(stored['version'])
        metadata['uid'] = stored['uid']
        return cast('dict[str, Any]', obj)

    def apply(self, args: _Args, rest: Sequence[str]) -> int:
        path, docs = self.documents(args)
        objects = self.objects()
        for obj in docs:
            key, resource, group, name, namespaced = self.identity(obj, args)
            namespace = key.split('/')[2]
            if namespaced and f'/Namespace//{namespace}' not in objects and namespace != 'default':
                raise _ExitError(
                    1,
                    f'Error from server (NotFound): error when creating "{path}": namespaces '
                    f'"{namespace}" not found',
                )
            applied = json.loads(json.dumps(obj))
            if namespaced:
                cast('dict[str, Any]', applied.setdefault('metadata', {}))['namespace'] = namespace
            old = objects.get(key)
            serial = int(self.world.namespace('k8s').get('serial', 0))
            if old is None:
                objects[key] = {
                    'object': applied,
                    'uid': _uid(self.world, key),
                    'created': self.world.clock(),
                    'version': serial + 1,
                }
                outcome = 'created'
            elif old['object'] == applied:
                outcome = 'unchanged'
            else:
                old['object'] = applied
                old['version'] = serial + 1
                self.world.namespace('k8s')['serial'] = serial + 1
                outcome = 'configured'
            self.run.out(f'{_qualified(resource, group)}/{name} {outcome}\n')
        return 0

    def delete(self, args: _Args, rest: Sequence[str]) -> int:
        objects = self.objects()
        targets: list[tuple[str, str, str, str]] = []
        path = args.values.get('-f') or args.values.get('--filename')
        if path is not None:
            _, docs = self.documents(args)
            for obj in docs:
                key, resource, group, name, _ = self.identity(obj, args)
                targets.append((key, resource, group, name))
        else:
            if len(rest) < 2:
                _not_emulated('kubectl delete without -f or a resource and a name')
            resource, kind, group, namespaced = self.resolve(rest[0])
            namespace = self.namespace(args) if namespaced else ''
            targets.extend(
                (f'{group}/{kind}/{namespace}/{name}', resource, group, name) for name in rest[1:]
            )
        for key, resource, group, name in targets:
            if key not in objects:
                where = f'error when deleting "{path}": ' if path is not None else ''
                raise _ExitError(
                    1,
                    f'Error from server (NotFound): {where}'
                    f'{_qualified(_plural(resource), group)} "{name}" not found',
                )
            del objects[key]
            if key.startswith('/Namespace//'):
                for other in [k for k in objects if k.split('/')[2] == name]:
                    del objects[other]
            self.run.out(f'{_qualified(resource, group)} "{name}" deleted\n')
        return 0

    # -- nodes -------------------------------------------------------------------------------

    def node(self, name: str) -> dict[str, Any]:
        node = _nodes(self.cluster).get(name)
        if node is None or node.get('unregistered'):
            raise _ExitError(1, f'Error from server (NotFound): nodes "{name}" not found')
        return node

    def node_object(self, name: str, node: Mapping[str, Any]) -> dict[str, Any]:
        """A ``v1/Node`` as the API server has it."""
        machine = self.world.machines.get(str(node.get('machine')))
        version = str(((_snap(machine) or {}) if machine is not None else {}).get('version', ''))
        labels = {
            'beta.kubernetes.io/arch': 'amd64',
            'beta.kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            **cast('dict[str, str]', node.get('labels') or {}),
        }
        labels = {key: value for key, value in labels.items() if value != _REMOVED}
        spec: dict[str, Any] = {}
        taints = cast('list[dict[str, str]]', node.get('taints') or [])
        if taints:
            spec['taints'] = taints
        stamp = _stamp(self.world, float(node.get('created', 0)))
        return {
            'apiVersion': 'v1',
            'kind': 'Node',
            'metadata': {
                'creationTimestamp': stamp,
                'labels': labels,
                'name': name,
                'uid': node.get('uid', ''),
            },
            'spec': spec,
            'status': {
                'addresses': [
                    {'address': node.get('address', ''), 'type': 'InternalIP'},
                    {'address': name, 'type': 'Hostname'},
                ],
                'conditions': [
                    {
                        'lastHeartbeatTime': _stamp(self.world, _heartbeat(self.world, node)),
                        'lastTransitionTime': stamp,
                        'message': 'kubelet is posting ready status',
                        'reason': 'KubeletReady',
                        'status': 'True',
                        'type': 'Ready',
                    }
                ],
                'nodeInfo': {
                    'architecture': 'amd64',
                    'kubeProxyVersion': version,
                    'kubeletVersion': version,
                    'operatingSystem': 'linux',
                    'osImage': 'Ubuntu 24.04 LTS',
                },
            },
        }

    def get(self, args: _Args, rest: Sequence[str]) -> int:
        output = args.values.get('-o') or args.values.get('--output')
        if output != 'json':
            _not_emulated(f'kubectl get -o {output or "(table)"}')
        if not rest:
            raise _ExitError(
                1,
                'You must specify the type of resource to get. Use "kubectl api-resources" for '
                'a complete list of supported resources.\n\nerror: Required resource not '
                'specified.',
            )
        resource, kind, group, namespaced = self.resolve(rest[0])
        names = list(rest[1:])
        if resource == 'node':
            found = {name: self.node_object(name, node) for name, node in
                     sorted(_nodes(self.cluster).items())
                     if not node.get('unregistered')}  # fmt: skip
            missing = 'nodes "{}" not found'
        else:
            every = '-A' in args.flags or '--all-namespaces' in args.flags
            namespace = self.namespace(args) if namespaced else ''
            found = {}
            for key, stored in sorted(self.objects().items()):
                k_group, k_kind, k_namespace, k_name = key.split('/', 3)
                if (k_group, k_kind) != (group, kind):
                    continue
                if namespaced and not every and k_namespace != namespace:
                    continue
                found[k_name if not every else key] = self.render(stored)
            missing = f'{_qualified(_plural(resource), group)} "{{}}" not found'
        if names:
            items: list[dict[str, Any]] = []
            for name in names:
                if name not in found:
                    raise _ExitError(1, 'Error from server (NotFound): ' + missing.format(name))
                items.append(found[name])
            if len(items) == 1:
                self.run.out(_kubectl_json(items[0]) + '\n')
                return 0
        else:
            items = list(found.values())
        listing = {'apiVersion': 'v1', 'items': items, 'kind': 'List',
                   'metadata': {'resourceVersion': ''}}  # fmt: skip
        self.run.out(_kubectl_json(listing) + '\n')
        return 0

    def node_target(self, rest: Sequence[str], verb: str) -> tuple[str, list[str]]:
        if len(rest) < 2 or rest[0] not in ('node', 'nodes', 'no'):
            _not_emulated(f'kubectl {verb} of anything but a node')
        return rest[1], list(rest[2:])

    def label(self, args: _Args, rest: Sequence[str]) -> int:
        name, changes = self.node_target(rest, 'label')
        node = self.node(name)
        labels = cast('dict[str, str]', node.setdefault('labels', {}))
        current = self.node_object(name, node)['metadata']['labels']
        overwrite = '--overwrite' in args.flags
        adds: dict[str, str] = {}
        removes: list[str] = []
        for change in changes:
            if change.endswith('-') and '=' not in change:
                removes.append(change[:-1])
            elif '=' in change:
                key, _, value = change.partition('=')
                adds[key] = value
            else:
                raise _ExitError(1, 'error: at least one label update is required')
        for key, value in adds.items():
            if not overwrite and key in current and current[key] != value:
                raise _ExitError(
                    1, f"error: '{key}' already has a value ({current[key]}), and --overwrite "
                    'is false'
                )  # fmt: skip
        before = dict(current)
        after = dict(current)
        for key in removes:
            if key not in after:
                self.run.out(f'label "{key}" not found.\n')
            after.pop(key, None)
            labels.pop(key, None)
        for key, value in adds.items():
            after[key] = value
            labels[key] = value
        for key in removes:  # a standard or role label removed stays removed
            if key in before and key not in labels:
                labels[key] = _REMOVED
        message = 'not labeled'
        if after != before:
            message = 'labeled'
            if not overwrite and len(after) < len(before):
                message = 'unlabeled'
        self.run.out(f'node/{name} {message}\n')
        return 0

    def taint(self, args: _Args, rest: Sequence[str]) -> int:
        name, changes = self.node_target(rest, 'taint')
        node = self.node(name)
        taints = cast('list[dict[str, str]]', node.setdefault('taints', []))
        overwrite = '--overwrite' in args.flags
        adds: list[dict[str, str]] = []
        removes: list[tuple[str, str | None, str]] = []
        for change in changes:
            if change.endswith('-'):
                spec = change[:-1]
                key, _, effect = spec.partition(':')
                removes.append((key.partition('=')[0], effect or None, spec))
                continue
            taint = _parse_taint(change)
            if ':' not in change:
                raise _ExitError(1, f'error: invalid taint spec: {change}, unknown taint effect')
            if taint['effect'] not in _EFFECTS:
                raise _ExitError(
                    1, f'error: invalid taint spec: {change}, invalid taint effect: '
                    f'{taint["effect"]}, unsupported taint effect'
                )  # fmt: skip
            adds.append(taint)
        if not overwrite:
            for taint in adds:
                same = (
                    t['key'] == taint['key'] and t['effect'] == taint['effect'] for t in taints
                )
                if any(same):
                    raise _ExitError(
                        1,
                        f'error: Node {name} already has {taint["key"]} taint(s) with same '
                        'effect(s) and --overwrite is false',
                    )
        new = [
            t
            for t in taints
            if not any(t['key'] == a['key'] and t['effect'] == a['effect'] for a in adds)
        ]
        new = [*adds, *new]
        for key, effect, spec in removes:
            kept = [t for t in new if not (t['key'] == key and effect in (None, t['effect']))]
            if len(kept) == len(new):
                raise _ExitError(1, f'error: taint "{spec}" not found')
            new = kept
        taints[:] = new
        if overwrite or (adds and removes):
            message = 'modified'
        elif adds:
            message = 'tainted'
        else:
            message = 'untainted'
        self.run.out(f'node/{name} {message}\n')
        return 0


_REMOVED = '\0removed'
"""A label value meaning the label was removed (standard and role labels are computed)."""


def handle(invocation: Invocation) -> Completed:
    """Run ``k8s`` on the invocation's machine: only where the k8s snap is installed."""
    if _snap(invocation.host) is None:
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    run = _Run(invocation)
    try:
        code = run.main()
    except _ExitError as exit_:
        code = exit_.code
        if exit_.message is not None:
            run.stderr.append(exit_.message + '\n')
    return run.completed(code)


@functools.lru_cache(maxsize=64)
def _indented(compact: str) -> str:
    return json.dumps(json.loads(compact), indent=4, sort_keys=True)


def _kubectl_json(document: Any) -> str:
    """``kubectl -o json``'s layout (4-space indent, sorted keys), for an object.

    The indenting encoder is pure Python and every control-plane hook asks for the node list:
    the compact form (C encoder) keys a cache of the indented text, which changes only when
    the objects do.
    """
    return _indented(json.dumps(document, sort_keys=True, separators=(',', ':')))
