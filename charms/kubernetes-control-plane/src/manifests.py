"""Ceph CSI manifests: what gives the cluster persistent volumes once Ceph is related.

Why rendered here rather than shipped as files: the cluster id (fsid), the monitors, the client
name and the default class come from the ceph-client relation and config, and the client key
must go only into the Kubernetes Secret of the rendered file (written with mode 0600 by the
workload module). Two files: RBD (block: the ``ceph-xfs`` and ``ceph-ext4`` classes) and CephFS
(the ``cephfs`` class, only with ``enable-cephfs``), so turning CephFS off deletes exactly what
it added.

The objects follow upstream ceph-csi's deploy/ manifests (v3.13): a namespace, the
``ceph-csi-config`` map (cluster id and monitors), an empty ``ceph-config`` (ceph.conf and a
keyring are read from the secret instead), a Secret with the cephx user and key, service
accounts and RBAC, the CSIDriver, the provisioner Deployment, the node plugin DaemonSet, and the
storage classes.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = [
    'CEPHFS_CLASS',
    'CEPHFS_PATH',
    'CSI_IMAGE',
    'NAMESPACE',
    'RBD_CLASSES',
    'RBD_PATH',
    'CephConfig',
    'cephfs_manifest',
    'rbd_manifest',
    'storage_classes',
]

NAMESPACE = 'ceph-csi'
"""Where every Ceph CSI object lives."""
RBD_PATH = '/var/snap/k8s/common/etc/ceph-csi-rbd.yaml'
"""The rendered RBD manifest on the leader (mode 0600: it holds the client key)."""
CEPHFS_PATH = '/var/snap/k8s/common/etc/ceph-csi-cephfs.yaml'
"""The rendered CephFS manifest on the leader (mode 0600)."""
RBD_CLASSES = ('ceph-xfs', 'ceph-ext4')
"""The RBD storage classes, by filesystem."""
CEPHFS_CLASS = 'cephfs'
"""The CephFS storage class."""
CSI_IMAGE = 'quay.io/cephcsi/cephcsi:v3.13.0'
"""The ceph-csi plugin image."""
_SIDECARS = {
    'provisioner': 'registry.k8s.io/sig-storage/csi-provisioner:v5.1.0',
    'attacher': 'registry.k8s.io/sig-storage/csi-attacher:v4.8.0',
    'resizer': 'registry.k8s.io/sig-storage/csi-resizer:v1.13.1',
    'registrar': 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0',
}
_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class'
_KUBELET_DIR = '/var/lib/kubelet'


@dataclass(frozen=True)
class CephConfig:
    """What the manifests are rendered from.

    Attributes:
        fsid: the Ceph cluster id (ceph-csi's ``clusterID``).
        monitors: monitor addresses.
        client: the cephx user (without ``client.``).
        key: the cephx key: a credential, kept out of ``repr``.
        rbd_pool: the RBD pool.
        cephfs_name: the CephFS filesystem name.
        default_class: the storage class annotated as the cluster default.
    """

    fsid: str
    monitors: Sequence[str]
    client: str
    key: str = field(repr=False)
    rbd_pool: str
    cephfs_name: str
    default_class: str


def storage_classes(cephfs: bool) -> tuple[str, ...]:
    """The class names the manifests create."""
    return (*RBD_CLASSES, CEPHFS_CLASS) if cephfs else RBD_CLASSES


# libyaml's emitter, where PyYAML has it: the same text as the pure-Python one, five times
# faster, and the leader renders the manifests on every hook to compare them with what it applied.
_DUMPER: Any = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)


def _dump(objects: Sequence[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_DUMPER, sort_keys=True)


def _common(config: CephConfig) -> list[dict[str, Any]]:
    """Namespace, cluster map, ceph.conf map: shared by both drivers, shipped with RBD."""
    cluster = [{'clusterID': config.fsid, 'monitors': list(config.monitors)}]
    return [
        {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': NAMESPACE}},
        {
            'apiVersion': 'v1',
            'kind': 'ConfigMap',
            'metadata': {'name': 'ceph-csi-config', 'namespace': NAMESPACE},
            'data': {'config.json': json.dumps(cluster, sort_keys=True)},
        },
        {
            'apiVersion': 'v1',
            'kind': 'ConfigMap',
            'metadata': {'name': 'ceph-config', 'namespace': NAMESPACE},
            'data': {
                'ceph.conf': '[global]\nauth_cluster_required = cephx\n'
                'auth_service_required = cephx\nauth_client_required = cephx\n',
                'keyring': '',
            },
        },
    ]


def _rbac(name: str, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    meta = {'name': name, 'namespace': NAMESPACE}
    return [
        {'apiVersion': 'v1', 'kind': 'ServiceAccount', 'metadata': meta},
        {
            'apiVersion': 'rbac.authorization.k8s.io/v1',
            'kind': 'ClusterRole',
            'metadata': {'name': name},
            'rules': rules,
        },
        {
            'apiVersion': 'rbac.authorization.k8s.io/v1',
            'kind': 'ClusterRoleBinding',
            'metadata': {'name': name},
            'subjects': [{'kind': 'ServiceAccount', 'name': name, 'namespace': NAMESPACE}],
            'roleRef': {
                'kind': 'ClusterRole',
                'name': name,
                'apiGroup': 'rbac.authorization.k8s.io',
            },
        },
    ]


_PROVISIONER_RULES: list[dict[str, Any]] = [
    {'apiGroups': [''], 'resources': ['nodes'], 'verbs': ['get', 'list', 'watch']},
    {'apiGroups': [''], 'resources': ['secrets'], 'verbs': ['get', 'list', 'watch']},
    {'apiGroups': [''], 'resources': ['events'], 'verbs': ['list', 'watch', 'create', 'update']},
    {
        'apiGroups': [''],
        'resources': ['persistentvolumes'],
        'verbs': ['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'],
    },
    {
        'apiGroups': [''],
        'resources': ['persistentvolumeclaims'],
        'verbs': ['get', 'list', 'watch', 'update'],
    },
    {'apiGroups': [''], 'resources': ['persistentvolumeclaims/status'], 'verbs': ['patch']},
    {
        'apiGroups': ['storage.k8s.io'],
        'resources': ['storageclasses', 'csinodes'],
        'verbs': ['get', 'list', 'watch'],
    },
    {
        'apiGroups': ['storage.k8s.io'],
        'resources': ['volumeattachments'],
        'verbs': ['get', 'list', 'watch', 'update', 'patch'],
    },
    {
        'apiGroups': ['storage.k8s.io'],
        'resources': ['volumeattachments/status'],
        'verbs': ['patch'],
    },
    {
        'apiGroups': ['coordination.k8s.io'],
        'resources': ['leases'],
        'verbs': ['get', 'watch', 'list', 'delete', 'update', 'create'],
    },
    {'apiGroups': [''], 'resources': ['configmaps'], 'verbs': ['get']},
]
_NODEPLUGIN_RULES: list[dict[str, Any]] = [
    {'apiGroups': [''], 'resources': ['nodes'], 'verbs': ['get']},
    {'apiGroups': [''], 'resources': ['secrets', 'configmaps'], 'verbs': ['get']},
    {'apiGroups': [''], 'resources': ['persistentvolumes'], 'verbs': ['get']},
    {
        'apiGroups': ['storage.k8s.io'],
        'resources': ['volumeattachments'],
        'verbs': ['list', 'get'],
    },
]


def _volume_mounts(plugin: bool) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = [
        {'name': 'socket-dir', 'mountPath': '/csi'},
        {'name': 'ceph-csi-config', 'mountPath': '/etc/ceph-csi-config/'},
        {'name': 'ceph-config', 'mountPath': '/etc/ceph/'},
        {'name': 'keys-tmp-dir', 'mountPath': '/tmp/csi/keys'},  # noqa: S108 - in the pod
    ]
    if plugin:
        mounts += [
            {'name': 'host-dev', 'mountPath': '/dev'},
            {'name': 'host-sys', 'mountPath': '/sys'},
            {'name': 'lib-modules', 'mountPath': '/lib/modules', 'readOnly': True},
            {
                'name': 'pods-mount-dir',
                'mountPath': f'{_KUBELET_DIR}/pods',
                'mountPropagation': 'Bidirectional',
            },
            {
                'name': 'plugin-mount-dir',
                'mountPath': f'{_KUBELET_DIR}/plugins',
                'mountPropagation': 'Bidirectional',
            },
        ]
    return mounts


def _volumes(driver: str, plugin: bool) -> list[dict[str, Any]]:
    volumes: list[dict[str, Any]] = [
        {'name': 'ceph-csi-config', 'configMap': {'name': 'ceph-csi-config'}},
        {'name': 'ceph-config', 'configMap': {'name': 'ceph-config'}},
        {'name': 'keys-tmp-dir', 'emptyDir': {'medium': 'Memory'}},
    ]
    if plugin:
        volumes += [
            {
                'name': 'socket-dir',
                'hostPath': {
                    'path': f'{_KUBELET_DIR}/plugins/{driver}',
                    'type': 'DirectoryOrCreate',
                },
            },
            {
                'name': 'registration-dir',
                'hostPath': {'path': f'{_KUBELET_DIR}/plugins_registry/', 'type': 'Directory'},
            },
            {'name': 'host-dev', 'hostPath': {'path': '/dev'}},
            {'name': 'host-sys', 'hostPath': {'path': '/sys'}},
            {'name': 'lib-modules', 'hostPath': {'path': '/lib/modules'}},
            {
                'name': 'pods-mount-dir',
                'hostPath': {'path': f'{_KUBELET_DIR}/pods', 'type': 'DirectoryOrCreate'},
            },
            {
                'name': 'plugin-mount-dir',
                'hostPath': {'path': f'{_KUBELET_DIR}/plugins', 'type': 'Directory'},
            },
        ]
    else:
        volumes.append({'name': 'socket-dir', 'emptyDir': {'medium': 'Memory'}})
    return volumes


def _plugin_args(kind: str, driver: str, *, controller: bool) -> list[str]:
    node_args = ['--nodeserver=true'] if not controller else ['--controllerserver=true']
    return [
        '--nodeid=$(NODE_ID)',
        f'--type={kind}',
        *node_args,
        '--endpoint=$(CSI_ENDPOINT)',
        f'--drivername={driver}',
        '--pidlimit=-1',
        '--v=5',
    ]


def _env() -> list[dict[str, Any]]:
    return [
        {'name': 'NODE_ID', 'valueFrom': {'fieldRef': {'fieldPath': 'spec.nodeName'}}},
        {'name': 'POD_NAMESPACE', 'valueFrom': {'fieldRef': {'fieldPath': 'metadata.namespace'}}},
        {'name': 'CSI_ENDPOINT', 'value': 'unix:///csi/csi.sock'},
    ]


def _driver_objects(kind: str, driver: str) -> list[dict[str, Any]]:
    """CSIDriver, RBAC, provisioner Deployment and node plugin DaemonSet of one driver."""
    provisioner = f'csi-{kind}plugin-provisioner'
    nodeplugin = f'csi-{kind}plugin'
    sidecar_args = [
        '--csi-address=$(ADDRESS)',
        '--v=1',
        '--timeout=150s',
        '--leader-election=true',
    ]
    sidecar_env = [{'name': 'ADDRESS', 'value': 'unix:///csi/csi-provisioner.sock'}]
    sidecars: list[dict[str, Any]] = [
        {
            'name': f'csi-{name}',
            'image': _SIDECARS[name],
            'args': sidecar_args,
            'env': sidecar_env,
            'volumeMounts': [{'name': 'socket-dir', 'mountPath': '/csi'}],
        }
        for name in ('provisioner', 'attacher', 'resizer')
    ]
    controller_env = [*_env()[:2], {'name': 'CSI_ENDPOINT', 'value': sidecar_env[0]['value']}]
    return [
        {
            'apiVersion': 'storage.k8s.io/v1',
            'kind': 'CSIDriver',
            'metadata': {'name': driver},
            'spec': {'attachRequired': True, 'podInfoOnMount': False, 'fsGroupPolicy': 'File'},
        },
        *_rbac(provisioner, _PROVISIONER_RULES),
        *_rbac(nodeplugin, _NODEPLUGIN_RULES),
        {
            'apiVersion': 'apps/v1',
            'kind': 'Deployment',
            'metadata': {'name': provisioner, 'namespace': NAMESPACE},
            'spec': {
                'replicas': 2,
                'selector': {'matchLabels': {'app': provisioner}},
                'template': {
                    'metadata': {'labels': {'app': provisioner}},
                    'spec': {
                        'serviceAccountName': provisioner,
                        'priorityClassName': 'system-cluster-critical',
                        'containers': [
                            *sidecars,
                            {
                                'name': f'csi-{kind}plugin',
                                'image': CSI_IMAGE,
                                'args': _plugin_args(kind, driver, controller=True),
                                'env': controller_env,
                                'volumeMounts': _volume_mounts(plugin=False),
                            },
                        ],
                        'volumes': _volumes(driver, plugin=False),
                    },
                },
            },
        },
        {
            'apiVersion': 'apps/v1',
            'kind': 'DaemonSet',
            'metadata': {'name': nodeplugin, 'namespace': NAMESPACE},
            'spec': {
                'selector': {'matchLabels': {'app': nodeplugin}},
                'template': {
                    'metadata': {'labels': {'app': nodeplugin}},
                    'spec': {
                        'serviceAccountName': nodeplugin,
                        'hostNetwork': True,
                        'hostPID': True,
                        'dnsPolicy': 'ClusterFirstWithHostNet',
                        'priorityClassName': 'system-node-critical',
                        'containers': [
                            {
                                'name': 'driver-registrar',
                                'image': _SIDECARS['registrar'],
                                'args': [
                                    '--v=1',
                                    '--csi-address=/csi/csi.sock',
                                    '--kubelet-registration-path='
                                    f'{_KUBELET_DIR}/plugins/{driver}/csi.sock',
                                ],
                                'volumeMounts': [
                                    {'name': 'socket-dir', 'mountPath': '/csi'},
                                    {'name': 'registration-dir', 'mountPath': '/registration'},
                                ],
                            },
                            {
                                'name': f'csi-{kind}plugin',
                                'image': CSI_IMAGE,
                                'securityContext': {
                                    'privileged': True,
                                    'capabilities': {'add': ['SYS_ADMIN']},
                                    'allowPrivilegeEscalation': True,
                                },
                                'args': _plugin_args(kind, driver, controller=False),
                                'env': _env(),
                                'volumeMounts': _volume_mounts(plugin=True),
                            },
                        ],
                        'volumes': _volumes(driver, plugin=True),
                    },
                },
            },
        },
    ]


def _storage_class(
    name: str, provisioner: str, parameters: dict[str, str], default: bool
) -> dict[str, Any]:
    return {
        'apiVersion': 'storage.k8s.io/v1',
        'kind': 'StorageClass',
        'metadata': {
            'name': name,
            'annotations': {_DEFAULT_CLASS: 'true' if default else 'false'},
        },
        'provisioner': provisioner,
        'parameters': parameters,
        'reclaimPolicy': 'Delete',
        'allowVolumeExpansion': True,
    }


def _secret_parameters(secret: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for what in ('provisioner', 'controller-expand', 'node-stage'):
        params[f'csi.storage.k8s.io/{what}-secret-name'] = secret
        params[f'csi.storage.k8s.io/{what}-secret-namespace'] = NAMESPACE
    return params


def rbd_manifest(config: CephConfig) -> str:
    """Everything RBD needs, with ``ceph-xfs`` and ``ceph-ext4`` (multi-document YAML)."""
    return _rbd_manifest(_hashable(config))


def cephfs_manifest(config: CephConfig) -> str:
    """What CephFS adds to the RBD manifest, with the ``cephfs`` class (multi-document YAML)."""
    return _cephfs_manifest(_hashable(config))


def _hashable(config: CephConfig) -> CephConfig:
    return dataclasses.replace(config, monitors=tuple(config.monitors))


# The leader renders the manifests on every hook to compare them with what it applied; the
# same configuration renders the same text, so a process that runs many hooks (olm) keeps it.
@functools.lru_cache(maxsize=8)
def _rbd_manifest(config: CephConfig) -> str:
    driver = 'rbd.csi.ceph.com'
    secret = {
        'apiVersion': 'v1',
        'kind': 'Secret',
        'metadata': {'name': 'csi-rbd-secret', 'namespace': NAMESPACE},
        'type': 'Opaque',
        'stringData': {'userID': config.client, 'userKey': config.key},
    }
    classes = [
        _storage_class(
            name,
            driver,
            {
                'clusterID': config.fsid,
                'pool': config.rbd_pool,
                'imageFeatures': 'layering',
                'csi.storage.k8s.io/fstype': name.removeprefix('ceph-'),
                **_secret_parameters('csi-rbd-secret'),
            },
            default=config.default_class == name,
        )
        for name in RBD_CLASSES
    ]
    return _dump([*_common(config), secret, *_driver_objects('rbd', driver), *classes])


@functools.lru_cache(maxsize=8)
def _cephfs_manifest(config: CephConfig) -> str:
    driver = 'cephfs.csi.ceph.com'
    secret = {
        'apiVersion': 'v1',
        'kind': 'Secret',
        'metadata': {'name': 'csi-cephfs-secret', 'namespace': NAMESPACE},
        'type': 'Opaque',
        'stringData': {
            'userID': config.client,
            'userKey': config.key,
            'adminID': config.client,
            'adminKey': config.key,
        },
    }
    storage_class = _storage_class(
        CEPHFS_CLASS,
        driver,
        {
            'clusterID': config.fsid,
            'fsName': config.cephfs_name,
            **_secret_parameters('csi-cephfs-secret'),
        },
        default=config.default_class == CEPHFS_CLASS,
    )
    # The namespace and config maps belong to the RBD manifest (always applied first), so that
    # deleting this one when CephFS is turned off leaves RBD's alone.
    return _dump([secret, *_driver_objects('cephfs', driver), storage_class])
