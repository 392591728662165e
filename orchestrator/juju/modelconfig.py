"""Model configuration: Juju's keys and defaults, and how a value a user gives is read.

Read in juju/juju ``environs/config/config.go`` (3.x: ``defaultConfigValues``,
``DefaultUpdateStatusHookInterval = "5m"``, ``Validate``) and ``cmd/juju/model/config.go``
(``juju model-config``). The defaults below are the provider-independent ones a machine model
shows; provider and controller keys (``type``, ``uuid``, cloud credentials, ``storage-default-*``
which MAAS's provider adds) are left out, as are Juju's developer-only keys.

A key Juju does not know is stored as the string given, with Juju's warning ("possible
misspelling"); a known key's value is coerced to the default's type as Juju's schema does
(``juju/schema`` ``Bool``, ``ForceInt``), with its messages.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ._go import GO_FALSE, GO_TRUE, go_duration, go_quote
from .charmspec import WORKLOAD_BASES
from .version import JUJU_VERSION

__all__ = [
    'AGENT_VERSION',
    'DEFAULTS',
    'UPDATE_STATUS_HOOK_INTERVAL',
    'ConfigValue',
    'ModelConfigError',
    'Setting',
    'coerce',
    'go_duration',
    'settings',
]

ConfigValue = str | int | float | bool
UPDATE_STATUS_HOOK_INTERVAL: Final = 'update-status-hook-interval'
AGENT_VERSION: Final = 'agent-version'

DEFAULTS: Final[Mapping[str, ConfigValue]] = MappingProxyType(
    {
        'agent-stream': 'released',
        'apt-ftp-proxy': '',
        'apt-http-proxy': '',
        'apt-https-proxy': '',
        'apt-mirror': '',
        'apt-no-proxy': '',
        'automatically-retry-hooks': True,
        'backup-dir': '',
        'charmhub-url': 'https://api.charmhub.io',
        'cloudinit-userdata': '',
        'container-image-stream': 'released',
        'container-inherit-properties': '',
        'container-networking-method': '',
        'default-base': '',
        'default-space': '',
        'development': False,
        'disable-network-management': False,
        'disable-telemetry': False,
        'egress-subnets': '',
        'enable-os-refresh-update': True,
        'enable-os-upgrade': True,
        'fan-config': '',
        'firewall-mode': 'instance',
        'ftp-proxy': '',
        'http-proxy': '',
        'https-proxy': '',
        'ignore-machine-addresses': False,
        'image-stream': 'released',
        'juju-ftp-proxy': '',
        'juju-http-proxy': '',
        'juju-https-proxy': '',
        'juju-no-proxy': '127.0.0.1,localhost,::1',
        'logging-config': '<root>=INFO',
        'lxd-snap-channel': '5.0/stable',
        'max-action-results-age': '336h',
        'max-action-results-size': '5G',
        'max-status-history-age': '336h',
        'max-status-history-size': '5G',
        'mode': 'requires-prompts',
        'net-bond-reconfigure-delay': 17,
        'no-proxy': '127.0.0.1,localhost,::1',
        'num-container-provision-workers': 4,
        'num-provision-workers': 16,
        'provisioner-harvest-mode': 'destroyed',
        'proxy-ssh': False,
        'resource-tags': '',
        'saas-ingress-allow': '0.0.0.0/0,::/0',
        'secret-backend': 'auto',
        'snap-http-proxy': '',
        'snap-https-proxy': '',
        'snap-store-assertions': '',
        'snap-store-proxy': '',
        'snap-store-proxy-url': '',
        'ssh-allow': '0.0.0.0/0,::/0',
        'ssl-hostname-verification': True,
        'test-mode': False,
        'transmit-vendor-metrics': True,
        UPDATE_STATUS_HOOK_INTERVAL: '5m',
    }
)
"""Juju's defaults (``defaultConfigValues``; ``logging-config`` is ``defaultLoggingConfig``,
``<root>=INFO``, set when none is given)."""


class ModelConfigError(Exception):
    """A model-config value or request Juju refuses; the message is Juju's."""


@dataclasses.dataclass(frozen=True, slots=True)
class Setting:
    """One key as ``juju model-config`` shows it: its value and where the value came from."""

    value: ConfigValue
    source: str


def coerce(key: str, text: str) -> ConfigValue:
    """A value given as ``key=text``, as the model stores it.

    Raises:
        ModelConfigError: ``agent-version``, a bool or int key with another value, or an
            update-status interval that is not a Go duration (Juju's messages).
    """
    if key == AGENT_VERSION:
        # cmd/juju/model/config.go setConfig (the doubled quote is Juju's).
        raise ModelConfigError('"agent-version"" must be set via "upgrade-model"')
    default = DEFAULTS.get(key)
    if isinstance(default, bool):
        if text in GO_TRUE:
            return True
        if text in GO_FALSE:
            return False
        raise ModelConfigError(f'{key}: expected bool, got string({go_quote(text)})')
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ModelConfigError(
                f'{key}: expected number, got string({go_quote(text)})'
            ) from None
    if key == 'logging-config':
        _check_logging_config(text)
    if key == 'default-base' and text:
        _check_default_base(text)
    if key == UPDATE_STATUS_HOOK_INTERVAL:
        try:
            go_duration(text)
        except ValueError as e:
            # environs/config Validate; its 1m..60m bounds are annotations of a nil error,
            # so Juju 3.6 accepts any duration (jubilant's own test sets 10s).
            raise ModelConfigError(
                f'invalid update status hook interval in model configuration: {e}'
            ) from None
    return text


_LOG_LEVELS: Final = frozenset(
    {'UNSPECIFIED', 'TRACE', 'DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'CRITICAL'}
)
"""juju/loggo ``ParseLevel`` (case-insensitive)."""


def _check_logging_config(text: str) -> None:
    """environs/config ``Validate``: ``logging-config`` must be a loggo specification.

    juju/loggo ``config.go`` ``ParseConfigString`` (loggo 8e1a5fe): a level alone, or
    ``module=LEVEL`` entries separated by ``;`` or ``:``; Juju returns loggo's error as is.
    """
    spec = text.strip()
    if not spec or spec.upper() in _LOG_LEVELS:
        return
    for value in (v for v in spec.replace(':', ';').split(';') if v):
        name, sep, level = value.partition('=')
        if not sep:
            raise ModelConfigError(f"config value expected '=', found {go_quote(value)}")
        name = name.strip()
        if not name:
            raise ModelConfigError(f'config value {go_quote(value)} has missing module name')
        if len(name) >= 2 and name[0] == '#' and '.' in name[1:]:
            raise ModelConfigError(f"config tag should not contain '.', found {go_quote(name)}")
        if level.strip().upper() not in _LOG_LEVELS:
            raise ModelConfigError(f'unknown severity level {go_quote(level.strip())}')


def _check_default_base(text: str) -> None:
    """environs/config ``validateDefaultBase``: a base Juju deploys workloads on.

    ``corebase.ParseBaseFromString`` then ``WorkloadBases``: ``invalid default base "x":
    expected base string to contain os and channel separated by '@'``, or
    ``errors.NotSupportedf("base %q", DisplayString())``: ``base "windows@10" not supported``.
    """
    parts = text.split('@')
    if len(parts) != 2:
        raise ModelConfigError(
            f'invalid default base {go_quote(text)}: expected base string to contain os and '
            "channel separated by '@'"
        )
    track, _, risk = parts[1].partition('/')
    if not track or parts[1].count('/') > 1 or risk not in ('', *_RISKS):
        raise ModelConfigError(f'invalid default base {go_quote(text)}: channel not valid')
    if f'{parts[0]}@{track}' not in WORKLOAD_BASES:
        shown = f'{parts[0]}@{track}' + (f'/{risk}' if risk and risk != 'stable' else '')
        raise ModelConfigError(f'base {go_quote(shown)} not supported')


_RISKS: Final = ('stable', 'candidate', 'beta', 'edge')
"""core/base ``channel.go`` ``Risks``."""


def settings(user: Mapping[str, ConfigValue]) -> dict[str, Setting]:
    """Every key ``juju model-config`` lists: Juju's defaults, the user's values over them.

    ``agent-version`` is the model's (source ``model``), as Juju lists it.
    """
    found = {key: Setting(value, 'default') for key, value in DEFAULTS.items()}
    found.update({key: Setting(value, 'model') for key, value in user.items()})
    found[AGENT_VERSION] = Setting(JUJU_VERSION, 'model')
    return dict(sorted(found.items()))
