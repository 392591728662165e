"""The charm config, validated: what every option means to the charm, or why it is unusable.

Why a module of its own: validation is pure and the reconcile's first step; an invalid value
blocks the unit with a message naming the option instead of running microceph with it.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import metal_charm

ALL_BLANK = 'all-blank'
"""``osd-devices``: every blank whole disk."""
FAILURE_DOMAINS = ('host', 'zone')
"""``failure-domain`` values accepted (``zone``: CRUSH buckets per Juju availability zone)."""
_DEVICE = re.compile(r'^/dev/[A-Za-z0-9._/:+-]+$')


class ConfigError(Exception):
    """A config option has a value the charm cannot use; the message names it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The charm config, validated.

    Attributes:
        channel: the microceph snap channel.
        osd_devices: explicit device paths, or None for ``all-blank``.
        public_network: the configured public network CIDR ('' to derive it).
        cluster_network: the configured cluster network CIDR ('' to derive it).
        failure_domain: ``host`` or ``zone``.
        monitor_count: how many monitors the operator expects (informational).
    """

    channel: str
    osd_devices: tuple[str, ...] | None
    public_network: str
    cluster_network: str
    failure_domain: str
    monitor_count: int

    @property
    def osd_devices_option(self) -> str:
        """The option as the operator wrote it, for status messages."""
        return ALL_BLANK if self.osd_devices is None else ' '.join(self.osd_devices)

    @classmethod
    def load(cls, config: Mapping[str, Any]) -> Settings:
        """Validate the config.

        Raises:
            ConfigError: naming the option and its value.
        """
        channel = str(config.get('channel', 'squid/stable')).strip()
        try:
            metal_charm.Channel.option(channel, example='squid/stable', explicit=True)
        except metal_charm.ChannelError as e:
            raise ConfigError(f'invalid config: {e}') from None
        raw_devices = str(config.get('osd-devices', ALL_BLANK)).split()
        devices: tuple[str, ...] | None
        if raw_devices == [ALL_BLANK]:
            devices = None
        else:
            for device in raw_devices:
                if not _DEVICE.match(device):
                    raise ConfigError(
                        f'invalid config: osd-devices {device!r} is not a /dev path '
                        f'(or use {ALL_BLANK!r} alone)'
                    )
            devices = tuple(dict.fromkeys(raw_devices))
        network = _cidr(config, 'public-network')
        cluster_network = _cidr(config, 'cluster-network')
        domain = str(config.get('failure-domain', 'host')).strip()
        if domain not in FAILURE_DOMAINS:
            raise ConfigError(
                f'invalid config: failure-domain {domain!r} is not one of '
                f'{", ".join(FAILURE_DOMAINS)}'
            )
        count = config.get('monitor-count', 3)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ConfigError(f'invalid config: monitor-count {count!r} is not a positive integer')
        return cls(channel, devices, network, cluster_network, domain, count)


def _cidr(config: Mapping[str, Any], option: str) -> str:
    """A network option: empty, or one CIDR (a network address, not a host's).

    Raises:
        ConfigError: naming the option and its value.
    """
    network = str(config.get(option, '')).strip()
    if network:
        try:
            ipaddress.ip_network(network, strict=True)
        except ValueError:
            raise ConfigError(f'invalid config: {option} {network!r} is not a CIDR') from None
    return network


def public_network(configured: str, address: str, subnet: str | None = None) -> str:
    """The public network to bootstrap with: configured, else the address's subnet, else a guess.

    Why the subnet: MicroCeph puts a member's monitor on its address in the public network and
    refuses to bootstrap or join a monitor without one (``FindIpOnSubnet``), so the network must
    hold every member's address: the subnet Juju reports for the binding does. Without one,
    the address's /24 (IPv4) or /64 (IPv6) is a guess that holds only for such subnets.
    """
    if configured:
        return configured
    if subnet:
        return subnet
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_interface(f'{address}/{prefix}').network)
