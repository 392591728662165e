"""``k8s kubectl``: kubectl against the cluster's simulated API server."""

# pyright: strict

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import yaml

from ....juju import yamlread
from ._cluster import api_time, heartbeat, nodes, uid
from ._errors import ExitError, not_emulated
from ._kubelet import parse_taint
from ._machine import local_node, mapping, snap
from ._run import Args, Run

_EFFECTS = ('NoSchedule', 'PreferNoSchedule', 'NoExecute')

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


def _plural(resource: str) -> str:
    if resource.endswith('s'):
        return resource + 'es'
    if resource.endswith('y') and resource[-2:-1] not in 'aeiou':
        return resource[:-1] + 'ies'
    return resource + 's'


def _qualified(resource: str, group: str) -> str:
    return f'{resource}.{group}' if group else resource


class Kubectl:
    """kubectl against the cluster's simulated API server."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.world = run.world
        self.cluster: dict[str, Any] = {}

    def main(self, argv: Sequence[str]) -> int:
        local = local_node(self.run.host)
        if local is not None and local.get('role') == 'worker':
            # k8s_kubectl.go @ release-1.32: the CLI checks the node's role itself
            raise ExitError(1, 'Error: k8s kubectl commands are not allowed on worker nodes.')
        _, self.cluster = self.run.local_cluster()
        args = Args(
            argv,
            ('-o', '--output', '-n', '--namespace', '-f', '--filename', '--kubeconfig'),
            ('--overwrite', '-A', '--all-namespaces'),
        )
        if not args.positional:
            not_emulated('kubectl without a command')
        verb, rest = args.positional[0], args.positional[1:]
        handler = {
            'get': self.get,
            'apply': self.apply,
            'delete': self.delete,
            'label': self.label,
            'taint': self.taint,
        }.get(verb)
        if handler is None:
            not_emulated(f'kubectl {verb}')
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
            obj = mapping(stored.get('object'))
            kind = str(obj.get('kind', ''))
            group = str(obj.get('apiVersion', '')).rpartition('/')[0]
            resource = kind.lower()
            if word in (resource, _plural(resource)) and group_given in ('', group):
                return resource, kind, group, bool(mapping(obj.get('metadata')).get('namespace'))
        raise ExitError(1, f'error: the server doesn\'t have a resource type "{text}"')

    def namespace(self, args: Args) -> str:
        return args.values.get('-n') or args.values.get('--namespace') or 'default'

    def documents(self, args: Args) -> tuple[str, list[dict[str, Any]]]:
        path = args.values.get('-f') or args.values.get('--filename')
        if path is None:
            raise ExitError(1, 'error: must specify one of -f and -k')
        try:
            text = self.run.host.read_text(path)
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise ExitError(1, f'error: the path "{path}" does not exist') from None
        try:
            loaded = [doc for doc in yamlread.load_all(text) if doc is not None]
        except yaml.YAMLError as error:
            raise ExitError(
                1, f'error: error parsing {path}: error converting YAML to JSON: yaml: {error}'
            ) from None
        docs: list[dict[str, Any]] = []
        for doc in loaded:
            obj = mapping(doc)
            if obj.get('kind') == 'List':
                docs.extend(mapping(item) for item in cast('list[Any]', obj.get('items') or []))
            elif obj:
                docs.append(obj)
        return path, docs

    def identity(self, obj: Mapping[str, Any], args: Args) -> tuple[str, str, str, str, bool]:
        """(key, resource, group, name, namespaced) of a manifest's object."""
        kind = str(obj.get('kind', ''))
        group = str(obj.get('apiVersion', '')).rpartition('/')[0]
        known = _KINDS.get(kind.lower())
        namespaced = known[2] if known is not None and known[0] == kind else True
        metadata = mapping(obj.get('metadata'))
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
        metadata['creationTimestamp'] = api_time(self.world, float(stored['created']))
        metadata['resourceVersion'] = str(stored['version'])
        metadata['uid'] = stored['uid']
        return cast('dict[str, Any]', obj)

    def apply(self, args: Args, rest: Sequence[str]) -> int:
        path, docs = self.documents(args)
        objects = self.objects()
        for obj in docs:
            key, resource, group, name, namespaced = self.identity(obj, args)
            namespace = key.split('/')[2]
            if namespaced and f'/Namespace//{namespace}' not in objects and namespace != 'default':
                raise ExitError(
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
                    'uid': uid(self.world, key),
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

    def delete(self, args: Args, rest: Sequence[str]) -> int:
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
                not_emulated('kubectl delete without -f or a resource and a name')
            resource, kind, group, namespaced = self.resolve(rest[0])
            namespace = self.namespace(args) if namespaced else ''
            targets.extend(
                (f'{group}/{kind}/{namespace}/{name}', resource, group, name) for name in rest[1:]
            )
        for key, resource, group, name in targets:
            if key not in objects:
                where = f'error when deleting "{path}": ' if path is not None else ''
                raise ExitError(
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
        node = nodes(self.cluster).get(name)
        if node is None or node.get('unregistered'):
            raise ExitError(1, f'Error from server (NotFound): nodes "{name}" not found')
        return node

    def node_object(self, name: str, node: Mapping[str, Any]) -> dict[str, Any]:
        """A ``v1/Node`` as the API server has it."""
        machine = self.world.machines.get(str(node.get('machine')))
        version = str(((snap(machine) or {}) if machine is not None else {}).get('version', ''))
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
        stamp = api_time(self.world, float(node.get('created', 0)))
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
                        'lastHeartbeatTime': api_time(self.world, heartbeat(self.world, node)),
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

    def get(self, args: Args, rest: Sequence[str]) -> int:
        output = args.values.get('-o') or args.values.get('--output')
        if output != 'json':
            not_emulated(f'kubectl get -o {output or "(table)"}')
        if not rest:
            raise ExitError(
                1,
                'You must specify the type of resource to get. Use "kubectl api-resources" for '
                'a complete list of supported resources.\n\nerror: Required resource not '
                'specified.',
            )
        resource, kind, group, namespaced = self.resolve(rest[0])
        names = list(rest[1:])
        if resource == 'node':
            # A named get is a GET of each object, not a LIST (k8s.io/cli-runtime
            # pkg/resource/builder.go visits named resources by name): only those are built.
            known = nodes(self.cluster)
            wanted = names or sorted(known)
            found = {name: self.node_object(name, known[name]) for name in wanted
                     if name in known and not known[name].get('unregistered')}  # fmt: skip
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
                    raise ExitError(1, 'Error from server (NotFound): ' + missing.format(name))
                items.append(found[name])
            if len(items) == 1:
                self.run.out(kubectl_json(items[0]) + '\n')
                return 0
        else:
            items = list(found.values())
        listing = {'apiVersion': 'v1', 'items': items, 'kind': 'List',
                   'metadata': {'resourceVersion': ''}}  # fmt: skip
        self.run.out(kubectl_json(listing) + '\n')
        return 0

    def node_target(self, rest: Sequence[str], verb: str) -> tuple[str, list[str]]:
        if len(rest) < 2 or rest[0] not in ('node', 'nodes', 'no'):
            not_emulated(f'kubectl {verb} of anything but a node')
        return rest[1], list(rest[2:])

    def label(self, args: Args, rest: Sequence[str]) -> int:
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
                raise ExitError(1, 'error: at least one label update is required')
        for key, value in adds.items():
            if not overwrite and key in current and current[key] != value:
                raise ExitError(
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

    def taint(self, args: Args, rest: Sequence[str]) -> int:
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
            taint = parse_taint(change)
            if ':' not in change:
                raise ExitError(1, f'error: invalid taint spec: {change}, unknown taint effect')
            if taint['effect'] not in _EFFECTS:
                raise ExitError(
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
                    raise ExitError(
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
                raise ExitError(1, f'error: taint "{spec}" not found')
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


@functools.lru_cache(maxsize=64)
def _indented(compact: str) -> str:
    return json.dumps(json.loads(compact), indent=4, sort_keys=True)


def kubectl_json(document: Any) -> str:
    """``kubectl -o json``'s layout (4-space indent, sorted keys), for an object.

    The indenting encoder is pure Python and every control-plane hook asks for the node list:
    the compact form (C encoder) keys a cache of the indented text, which changes only when
    the objects do.
    """
    return _indented(json.dumps(document, sort_keys=True, separators=(',', ':')))
