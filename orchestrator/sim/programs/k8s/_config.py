"""The configs k8s reads: BootstrapConfig and the join configs.

Their keys per k8s-snap-api release, read strictly as yaml.v2 does, and checked as k8sd checks
them.
"""

# pyright: strict

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import yaml

from ....juju import yamlread
from ._machine import API_V2_FROM, k8s_release, mapping

if TYPE_CHECKING:
    from ...host import SimHost

DEFAULT_POD_CIDR = '10.1.0.0/16'

DEFAULT_SERVICE_CIDR = '10.152.183.0/24'

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


FEATURES = _features('apiv1')

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


def control_plane_join_keys(package: str) -> tuple[str, dict[str, Any]]:
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


def worker_join_keys(package: str) -> tuple[str, dict[str, Any]]:
    """``WorkerJoinConfig`` (``type_worker_node_join_config.go``; the same in v1 and v2)."""
    return f'{package}.WorkerJoinConfig', {
        **_pairs('kubelet kubelet-client kube-proxy-client'),
        **_service_args('kube-proxy', 'kubelet', 'containerd', 'k8s-apiserver-proxy'),
        **_NODE_FILES,
    }


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


def parse_strict(text: str, type_name: str, keys: Mapping[str, Any]) -> dict[str, Any]:
    """yaml.v2 ``UnmarshalStrict`` into a config type; raises ValueError with yaml.v2's text."""
    try:
        root = yamlread.compose(text)
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
    return mapping(yamlread.load(text))


def parse_bootstrap_config(text: str, package: str = 'apiv1') -> dict[str, Any]:
    """``yaml.UnmarshalStrict`` into ``BootstrapConfig``; raises ValueError with its text."""
    return parse_strict(text, *_bootstrap_keys(package))


def runs_kube_proxy(host: SimHost, network: Mapping[str, Any]) -> bool:
    """Whether the cluster runs kube-proxy.

    Always before 1.36; from 1.36 only when asked or without the network feature
    (canonical/k8sd ``pkg/k8sd/types/cluster_config_defaults.go``: ``KubeProxyEnabled``
    defaults to ``!Network.Enabled``).
    """
    if k8s_release(host) < API_V2_FROM:
        return True
    given = network.get('kube-proxy-enabled')
    return bool(given) if given is not None else not bool(network.get('enabled'))


def convert_datastore(
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


def validate_cidrs(pod_cidr: str, service_cidr: str) -> str | None:
    """``ClusterConfig.Validate``'s network checks, with its texts (None if they pass).

    k8s-snap ``src/k8s/pkg/k8sd/types/cluster_config_validate.go`` @ release-1.32:
    ``validateCIDRs``, ``validateCIDROverlap``, ``validateIPv6CIDRSize``.
    """
    prefix = 'invalid cluster configuration: '
    parsed: dict[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}
    for what, value in (('pod', pod_cidr), ('service', service_cidr)):
        parts = value.split(',')
        if len(parts) not in (1, 2):
            return f'{prefix}invalid {what} CIDR: must contain 1 or 2 CIDRs, but found '\
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
