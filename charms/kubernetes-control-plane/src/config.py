"""The charm config, validated: what every option means to the charm, or why it is unusable.

Why a module of its own: validating the options (snap channel, CIDRs, DNS names, labels,
taints, SANs, the storage class) is pure and the reconcile's first step; an invalid value
blocks the unit with a message naming the option. Also here: the bootstrap-only options, and
which of them changed since the cluster was bootstrapped (they are never silently ignored).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import metal_charm

import manifests
import workload

BOOTSTRAP_OPTIONS = (
    'bootstrap-pod-cidr',
    'bootstrap-service-cidr',
    'bootstrap-cluster-domain',
    'bootstrap-datastore',
    'bootstrap-node-taints',
)
"""Options that only take effect when the cluster is bootstrapped."""
DATASTORES = ('etcd', 'k8s-dqlite')
"""``datastore-type`` values the charm can bootstrap (external datastores need servers/certs).

etcd is k8s-snap's default since 1.32; k8s-dqlite is deprecated and k8s-snap 1.36 and later
refuse it (``unknown datastore type specified in bootstrap config "k8s-dqlite"``), so it is
refused here for a channel of 1.36 or later (canonical/k8s-snap
``docs/canonicalk8s/releases/snap/1.36.md``; canonical/k8sd
``pkg/k8sd/types/cluster_config_convert.go``)."""
_LABEL_NAME = r'([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)'
_LABEL_KEY = rf'([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}'
_LABEL = re.compile(rf'^{_LABEL_KEY}={_LABEL_NAME}?$')
_TAINT = re.compile(rf'^{_LABEL_KEY}(={_LABEL_NAME})?:(NoSchedule|PreferNoSchedule|NoExecute)$')
_DNS_LABEL = r'[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?'
_DOMAIN = re.compile(rf'^{_DNS_LABEL}(\.{_DNS_LABEL})*$')


class ConfigError(Exception):
    """A config option has a value the charm cannot use; the message names it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The charm config, validated.

    Attributes:
        channel: the k8s snap channel to install from.
        pod_cidr: bootstrap-only pod network.
        service_cidr: bootstrap-only service network.
        cluster_domain: bootstrap-only cluster DNS domain.
        datastore: bootstrap-only ``datastore-type``.
        node_taints: bootstrap-only control-plane taints.
        node_labels: labels of control-plane nodes, as ``(key, value)`` pairs.
        extra_sans: extra API server certificate SANs.
        default_storage_class: the class annotated as default ('' for none).
        enable_cephfs: whether to ask for CephFS and create the ``cephfs`` class.
    """

    channel: str
    pod_cidr: str
    service_cidr: str
    cluster_domain: str
    datastore: str
    node_taints: tuple[str, ...]
    node_labels: tuple[tuple[str, str], ...]
    extra_sans: tuple[str, ...]
    default_storage_class: str
    enable_cephfs: bool

    def bootstrap_options(self) -> dict[str, str]:
        """The bootstrap-only options as configured, by option name (what gets recorded)."""
        return {
            'bootstrap-pod-cidr': self.pod_cidr,
            'bootstrap-service-cidr': self.service_cidr,
            'bootstrap-cluster-domain': self.cluster_domain,
            'bootstrap-datastore': self.datastore,
            'bootstrap-node-taints': ' '.join(self.node_taints),
        }

    @classmethod
    def load(cls, config: Mapping[str, Any]) -> Settings:
        """Validate the config.

        Raises:
            ConfigError: naming the option and its value.
        """
        channel = str(config.get('channel', ''))
        try:
            metal_charm.Channel.option(channel, example='1.32-classic/stable', explicit=True)
        except metal_charm.ChannelError as e:
            raise ConfigError(f'invalid config: {e}') from None
        strict = strict_flavour(channel)
        if strict is not None:
            raise ConfigError(f'invalid config: {strict}')
        pod_cidr = _cidrs('bootstrap-pod-cidr', str(config.get('bootstrap-pod-cidr', '')))
        service_cidr = _cidrs(
            'bootstrap-service-cidr', str(config.get('bootstrap-service-cidr', ''))
        )
        domain = str(config.get('bootstrap-cluster-domain', '')).strip()
        if not _DOMAIN.match(domain):
            raise ConfigError(
                f'invalid config: bootstrap-cluster-domain {domain!r} is not a DNS domain'
            )
        datastore = str(config.get('bootstrap-datastore', workload.DEFAULT_DATASTORE)).strip()
        if datastore not in DATASTORES:
            raise ConfigError(
                f'invalid config: bootstrap-datastore {datastore!r} is not one of '
                f'{", ".join(DATASTORES)}'
            )
        release = workload.Version.of_channel(channel)
        if datastore == workload.DQLITE_DATASTORE and release and release.without_dqlite():
            raise ConfigError(
                f'invalid config: bootstrap-datastore {datastore!r} was removed in k8s 1.36 '
                f'(channel {channel}): use etcd, or a channel before 1.36'
            )
        taints = tuple(str(config.get('bootstrap-node-taints', '')).split())
        for taint in taints:
            if not _TAINT.match(taint):
                raise ConfigError(
                    f'invalid config: bootstrap-node-taints {taint!r} is not key[=value]:Effect '
                    '(NoSchedule, PreferNoSchedule or NoExecute)'
                )
        labels: list[tuple[str, str]] = []
        for label in str(config.get('node-labels', '')).split():
            if not _LABEL.match(label):
                raise ConfigError(f'invalid config: node-labels {label!r} is not key=value')
            key, _, value = label.partition('=')
            labels.append((key, value))
        if len({k for k, _ in labels}) != len(labels):
            raise ConfigError('invalid config: node-labels sets a key twice')
        sans = tuple(dict.fromkeys(str(config.get('extra-sans', '')).split()))
        for san in sans:
            if not (_is_ip(san) or _DOMAIN.match(san.lower())):
                raise ConfigError(
                    f'invalid config: extra-sans {san!r} is neither an IP address nor a DNS name'
                )
        cephfs = bool(config.get('enable-cephfs', False))
        default = str(config.get('default-storage-class', '')).strip()
        classes = manifests.storage_classes(cephfs)
        if default and default not in classes:
            raise ConfigError(
                f'invalid config: default-storage-class {default!r} is not one of '
                f'{", ".join(classes)}'
            )
        return cls(
            channel=channel,
            pod_cidr=pod_cidr,
            service_cidr=service_cidr,
            cluster_domain=domain,
            datastore=datastore,
            node_taints=taints,
            node_labels=tuple(labels),
            extra_sans=sans,
            default_storage_class=default,
            enable_cephfs=cephfs,
        )


def _cidrs(option: str, value: str) -> str:
    """One CIDR or an IPv4,IPv6 pair, as k8s-snap takes them."""
    value = value.replace(' ', '')
    parts = value.split(',')
    try:
        networks = [ipaddress.ip_network(part, strict=True) for part in parts]
    except ValueError:
        networks = []
    if not networks or len(networks) > 2 or len({n.version for n in networks}) != len(networks):
        raise ConfigError(
            f'invalid config: {option} {value!r} is not a CIDR (or an IPv4,IPv6 pair of CIDRs)'
        )
    return value


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def strict_flavour(channel: str) -> str | None:
    """Why ``channel`` is refused when it holds the strictly confined k8s snap; else None.

    The charm runs the classic snap (:func:`metal_charm.classic_channel_for` says why).
    """
    classic = metal_charm.classic_channel_for(channel)
    if classic is None:
        return None
    return (
        f'channel {channel!r} holds the strictly confined k8s snap; this charm runs the '
        f'classic one: use {classic}'
    )


def is_channel(channel: str) -> bool:
    """Whether ``channel`` is a snap channel ``<track>/<risk>[/<branch>]``."""
    try:
        metal_charm.Channel.parse_explicit(channel)
    except metal_charm.ChannelError:
        return False
    return True


def bootstrap_changes(settings: Settings, record: Mapping[str, Any]) -> list[str]:
    """Why each bootstrap-only option changed after bootstrap blocks (never a no-op)."""
    if not record:
        return []
    out: list[str] = []
    for option, value in settings.bootstrap_options().items():
        applied = record.get(option)
        if applied is not None and str(applied) != value:
            out.append(
                f'{option} changed to {value!r} but can only be set before bootstrap: '
                f'set it back to {str(applied)!r}'
            )
    return out
