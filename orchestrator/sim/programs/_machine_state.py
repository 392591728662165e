"""What one emulated program reads of another's state on a machine, without running it.

keepalived's election needs the interface names ``ip`` shows and whether haproxy's package and
unit are up; ``ip`` needs whether iproute2 is installed; haproxy and curl ask the same. These
readers look at the state the owning programs keep (``dpkg``'s package records, ``systemd``'s
unit records, ``iproute``'s interface names) and create nothing, so several programs share them
here rather than import each other.
"""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ..host import SimHost

__all__ = ['active', 'installed', 'interface_names', 'mapping', 'package_version']


def mapping(value: object) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one: state read without creating anything."""
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def installed(host: SimHost, package: str) -> bool:
    """Whether the Debian package's files are on the machine (unpacked or installed)."""
    record = mapping(mapping(mapping(host.state.get('dpkg')).get('packages')).get(package))
    return record.get('status') in ('installed', 'unpacked')


def package_version(host: SimHost, package: str) -> str:
    """The installed package's version ('' when not installed)."""
    record = mapping(mapping(mapping(host.state.get('dpkg')).get('packages')).get(package))
    return str(record.get('version', ''))


def active(host: SimHost, unit: str) -> bool:
    """Whether the systemd unit is active on the machine."""
    units = mapping(mapping(host.state.get('systemd')).get('units'))
    return mapping(units.get(unit)).get('state') == 'active'


def interface_names(host: SimHost) -> list[str]:
    """The machine's interface names: ``lo``, then the pool's (else ``eth0`` or the state's)."""
    devices = host.network_devices
    if devices:
        return ['lo', *(d.name for d in devices)]
    state = host.state.get('iproute')
    kept = cast('dict[str, object]', state) if isinstance(state, dict) else {}
    names = kept.get('interfaces')
    listed = [str(n) for n in cast('list[object]', names)] if isinstance(names, list) else []
    return ['lo', *(listed or ['eth0'])]
