"""Drive HAProxy and keepalived, through :mod:`metal_host` only.

Everything here is "how to be a load balancer"; nothing knows about Juju. Every function asks
:func:`metal_host.current` for the machine, so the same code runs on a real machine, on an olm
simulated machine and against a unit test's ``RecordingHost``. The commands and files are
exactly those of the shared haproxy/keepalived contract: ``haproxy -c -f``, ``keepalived -t
-f``, ``/etc/haproxy/haproxy.cfg`` and ``/etc/keepalived/keepalived.conf``.

A new configuration is always written to a candidate path and checked by the program itself
before it replaces the running one, so a bad render never takes a working load balancer down:
the old file stays, and the program's first error line says what is wrong.

Errors form a small family under :class:`WorkloadError`; every message is safe to show in
``juju status`` (the VRRP password is never part of one)::

    WorkloadError          the load balancer could not be driven
    └── ConfigRejectedError     haproxy or keepalived refused a rendered configuration
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Final, Literal, cast

import jinja2
import metal_host

PACKAGES: Final = ('haproxy', 'keepalived')
HAPROXY: Final = 'haproxy'
KEEPALIVED: Final = 'keepalived'

HAPROXY_CFG: Final = PurePosixPath('/etc/haproxy/haproxy.cfg')
HAPROXY_CANDIDATE: Final = PurePosixPath('/etc/haproxy/haproxy.cfg.candidate')
KEEPALIVED_CONF: Final = PurePosixPath('/etc/keepalived/keepalived.conf')
KEEPALIVED_CANDIDATE: Final = PurePosixPath('/etc/keepalived/keepalived.conf.candidate')
STATS_SOCKET: Final = '/run/haproxy/admin.sock'
"""haproxy's admin socket: ``echo 'show stat' | socat stdio /run/haproxy/admin.sock``."""

KEEPALIVED_MODE: Final = 0o600
"""keepalived.conf holds the VRRP password: readable by root only."""

# Under src/: charmcraft's uv plugin packs src/ and lib/ only (utils/parts.py
# get_charm_copy_commands), so a templates/ beside them would be missing from the .charm.
TEMPLATES: Final = Path(__file__).resolve().parent / 'templates'

_CHECK_TIMEOUT: Final = 60.0

Protocol = Literal['tcp', 'http', 'https']

__all__ = [
    'HAPROXY_CFG',
    'KEEPALIVED_CONF',
    'KEEPALIVED_MODE',
    'PACKAGES',
    'STATS_SOCKET',
    'Backend',
    'ConfigRejectedError',
    'Frontend',
    'HealthCheck',
    'Keepalived',
    'Server',
    'Timeouts',
    'WorkloadError',
    'apply_haproxy',
    'apply_keepalived',
    'disable_keepalived',
    'find_vip_interface',
    'install',
    'is_active',
    'render_haproxy',
    'render_keepalived',
    'sanitise',
    'stop_all',
]


class WorkloadError(Exception):
    """The load balancer could not be driven; the message is safe for ``juju status``."""


class ConfigRejectedError(WorkloadError):
    """haproxy or keepalived refused a rendered configuration; the running one is untouched."""


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """haproxy's timeouts, in its time format (``5s``, ``1h``).

    Long client/server/tunnel defaults keep an idle ``kubectl exec`` or watch open: haproxy
    closes a connection that stayed silent for longer than these.
    """

    client: str = '1h'
    server: str = '1h'
    connect: str = '5s'
    tunnel: str = '1h'


@dataclasses.dataclass(frozen=True)
class HealthCheck:
    """How haproxy probes each server: a TCP connect, or an HTTP(S) GET of ``path``.

    Attributes:
        protocol: ``tcp`` (a connect), ``http`` or ``https`` (a GET of ``path``).
        path: what an HTTP(S) check asks for.
        interval: seconds between checks.
        statuses: the HTTP statuses that mean alive, rendered as ``http-check expect status
            200,401`` (a comma-separated list, haproxy 2.2+: ``doc/configuration.txt``
            ``http-check expect``). A backend that demands credentials, as k8s-snap's
            kube-apiserver (``--anonymous-auth=false``), answers the check with 401.
    """

    protocol: Protocol = 'tcp'
    path: str = '/'
    interval: int = 10
    statuses: tuple[int, ...] = (200,)

    @property
    def expect(self) -> str:
        """The codes of ``http-check expect status``, as haproxy reads them."""
        return ','.join(str(code) for code in self.statuses)


@dataclasses.dataclass(frozen=True)
class Server:
    """One backend server: a requirer unit (``name`` is already a valid haproxy name)."""

    name: str
    address: str
    port: int

    @property
    def endpoint(self) -> str:
        """``address:port`` as haproxy reads it (for IPv6 the last colon is the port's)."""
        return f'{self.address}:{self.port}'


@dataclasses.dataclass(frozen=True)
class Backend:
    """The servers behind one frontend and how they are checked."""

    name: str
    servers: tuple[Server, ...]
    check: HealthCheck


@dataclasses.dataclass(frozen=True)
class Frontend:
    """One TCP listener, forwarding to :attr:`backend`.

    Attributes:
        name: the proxy name (unique in the file).
        port: the port to listen on, on every address of the machine (so the VIP too,
            whichever unit holds it, without needing non-local binds).
        ipv6: also listen on IPv6 (when the VIP or the machine is IPv6).
        backend: where the connections go.
    """

    name: str
    port: int
    backend: Backend
    ipv6: bool = False


@dataclasses.dataclass(frozen=True)
class Keepalived:
    """One VRRP instance holding the VIP.

    Attributes:
        router_id: this machine's name in keepalived's logs.
        interface: where the VIP goes.
        virtual_router_id: the VRRP group (1-255); every unit uses the same.
        priority: the highest live priority holds the VIP.
        source: this unit's address, VRRP adverts go out from it.
        peers: the other units' addresses (unicast: no multicast needed on the network).
        vip: the VIP with its prefix (``10.0.0.100/24``).
        password: the VRRP password (left out of ``repr``); None for IPv6, where VRRPv3
            has no authentication.
    """

    router_id: str
    interface: str
    virtual_router_id: int
    priority: int
    source: str
    peers: tuple[str, ...]
    vip: str
    password: str | None = dataclasses.field(repr=False)


def sanitise(name: str) -> str:
    """A unit or application name as a haproxy identifier (``kcp/0`` → ``kcp-0``)."""
    return re.sub(r'[^A-Za-z0-9_.:-]', '-', name)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - configuration files, not HTML
    )


def render_haproxy(frontends: Sequence[Frontend], timeouts: Timeouts) -> str:
    """haproxy.cfg for these frontends (src/templates/haproxy.cfg.j2)."""
    template = _environment().get_template('haproxy.cfg.j2')
    return template.render(frontends=frontends, timeouts=timeouts, stats_socket=STATS_SOCKET)


def render_keepalived(config: Keepalived) -> str:
    """keepalived.conf for this VRRP instance (src/templates/keepalived.conf.j2)."""
    return _environment().get_template('keepalived.conf.j2').render(k=config)


def is_ipv6(address: str) -> bool:
    """Whether ``address`` (optionally with a /prefix) is IPv6; a host name is not."""
    try:
        return ipaddress.ip_interface(address).version == 6
    except ValueError:
        return False


def find_vip_interface(own: str, vip: str) -> str:
    """The interface keepalived should put ``vip`` on: the one on the VIP's subnet.

    ``ip -j addr show`` (iproute2 6.1 on noble: an array of links, each with ``ifname`` and
    ``addr_info`` entries of ``local`` and ``prefixlen``) is read, and the interface chosen is
    the first whose own address's subnet holds the VIP; failing that (a VIP given without its
    prefix, so /32), the one carrying ``own``, this unit's address, else the one whose subnet
    holds ``own``. MAAS names interfaces after the hardware or the bond/bridge (``eno1``,
    ``enp5s0``, ``bond0``, ``br-ex``), so no interface name is assumed, and keepalived refuses a
    missing one.

    Args:
        own: this unit's address, which VRRP adverts go out from (its ``lb-peers`` binding's).
        vip: the VIP with its prefix (``10.0.0.100/24``).

    Raises:
        WorkloadError: ``ip`` failed, or no interface carries ``own``.
    """
    try:
        result = metal_host.current().run(['ip', '-j', 'addr', 'show'], timeout=_CHECK_TIMEOUT)
        links: object = json.loads(result.stdout)
    except (metal_host.HostError, json.JSONDecodeError) as e:
        raise WorkloadError(f'cannot list the network interfaces (ip -j addr show): {e}') from e
    target = ipaddress.ip_interface(vip)
    own_ip = ipaddress.ip_address(own)
    carrying: str | None = None
    near: str | None = None
    for name, local in _link_addresses(links):
        if local.ip == target.ip:
            continue  # the VIP itself, held here now: not what decides
        if target.network.prefixlen < target.max_prefixlen and target.ip in local.network:
            return name
        if local.ip == own_ip and carrying is None:
            carrying = name
        if own_ip in local.network and near is None:
            near = name
    carrying = carrying or near
    if carrying is None:
        raise WorkloadError(
            f'no network interface carries this unit address {own}; set vip-interface'
        )
    return carrying


def _link_addresses(
    links: object,
) -> list[tuple[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface]]:
    """(interface, address with prefix) of every address ``ip -j addr show`` lists, but lo's."""
    out: list[tuple[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface]] = []
    for link in cast('list[object]', links) if isinstance(links, list) else []:
        if not isinstance(link, dict):
            continue
        fields = cast('dict[str, object]', link)
        name, infos = fields.get('ifname'), fields.get('addr_info')
        if not isinstance(name, str) or name == 'lo' or not isinstance(infos, list):
            continue
        for info in cast('list[object]', infos):
            entry = cast('dict[str, object]', info) if isinstance(info, dict) else {}
            try:
                out.append(
                    (name, ipaddress.ip_interface(f'{entry["local"]}/{entry["prefixlen"]}'))
                )
            except (KeyError, ValueError):
                continue
    return out


# -- packages and services -------------------------------------------------------------------


def install() -> None:
    """Install haproxy and keepalived from the archive.

    Raises:
        WorkloadError: apt refused.
    """
    try:
        metal_host.current().apt_install(*PACKAGES)
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot install haproxy and keepalived: {e}') from e


def is_active(service: str) -> bool:
    """Whether systemd has ``service`` active."""
    try:
        return metal_host.current().service_active(service)
    except metal_host.HostError:
        return False


def apply_haproxy(content: str) -> bool:
    """Install ``content`` as haproxy.cfg if haproxy accepts it; reload when it changed.

    A reload (``haproxy -Ws`` master-worker) starts new workers with the new file while the old
    ones finish their connections, so long-lived API streams survive a backend change. An
    unchanged file with haproxy stopped just starts it.

    Returns:
        Whether the installed file changed.

    Raises:
        ConfigRejectedError: haproxy rejected the candidate; its first ALERT line is the message.
        WorkloadError: the file system or systemd refused.
    """
    host = metal_host.current()
    changed = _read(HAPROXY_CFG) != content
    try:
        if changed:
            _check(
                HAPROXY_CANDIDATE, content, 0o644, [HAPROXY, '-c', '-f', str(HAPROXY_CANDIDATE)]
            )
            host.write_text(HAPROXY_CFG, content)
            host.remove(HAPROXY_CANDIDATE)
        host.service('enable', HAPROXY)
        if not host.service_active(HAPROXY):
            host.service('start', HAPROXY)
        elif changed:
            host.service('reload', HAPROXY)
    except ConfigRejectedError:
        raise
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot apply the haproxy configuration: {e}') from e
    return changed


def apply_keepalived(config: Keepalived) -> bool:
    """Install keepalived.conf (0600) if keepalived accepts it; reload it when it changed.

    A reload (``keepalived.service``'s ``ExecReload=/bin/kill -HUP $MAINPID``, keepalived's
    own ``keepalived/keepalived.service.in``) re-reads the file in place. A restart would make
    the VIP holder give the VIP up (a priority-0 advert) and take it back, so every peer
    joining or leaving would interrupt the API twice.

    Returns:
        Whether the installed file changed.

    Raises:
        ConfigRejectedError: keepalived rejected the candidate (its first error line says why).
        WorkloadError: the file system or systemd refused.
    """
    host = metal_host.current()
    content = render_keepalived(config)
    changed = _read(KEEPALIVED_CONF) != content
    try:
        if changed:
            _check(
                KEEPALIVED_CANDIDATE,
                content,
                KEEPALIVED_MODE,
                [KEEPALIVED, '-t', '-f', str(KEEPALIVED_CANDIDATE)],
            )
            host.write_text(KEEPALIVED_CONF, content, mode=KEEPALIVED_MODE)
            host.remove(KEEPALIVED_CANDIDATE)
        host.service('enable', KEEPALIVED)
        if not host.service_active(KEEPALIVED):
            host.service('start', KEEPALIVED)
        elif changed:
            host.service('reload', KEEPALIVED)
    except ConfigRejectedError:
        raise
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot apply the keepalived configuration: {e}') from e
    return changed


def disable_keepalived() -> None:
    """No VIP: stop and disable keepalived and remove its file (it holds the password).

    Raises:
        WorkloadError: the file system or systemd refused.
    """
    host = metal_host.current()
    try:
        if host.service_active(KEEPALIVED):
            host.service('stop', KEEPALIVED)
        if host.exists(KEEPALIVED_CONF):
            host.service('disable', KEEPALIVED)
            host.remove(KEEPALIVED_CONF)
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot stop keepalived: {e}') from e


def stop_all() -> None:
    """The unit is going: give up the VIP first (keepalived), then stop haproxy.

    Raises:
        WorkloadError: systemd or the file system refused.
    """
    disable_keepalived()
    host = metal_host.current()
    try:
        host.service('stop', HAPROXY)
        host.service('disable', HAPROXY)
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot stop haproxy: {e}') from e


def _read(path: PurePosixPath) -> str | None:
    try:
        return metal_host.current().read_text(path)
    except metal_host.MissingFileError:
        return None
    except metal_host.HostError as e:
        raise WorkloadError(f'cannot read {path}: {e}') from e


def _check(candidate: PurePosixPath, content: str, mode: int, argv: list[str]) -> None:
    """Write ``content`` to ``candidate`` and have the program check it; remove it if bad."""
    host = metal_host.current()
    host.write_text(candidate, content, mode=mode)
    result = host.run(argv, check=False, timeout=_CHECK_TIMEOUT)
    if result.ok:
        return
    host.remove(candidate)
    raise ConfigRejectedError(f'{argv[0]} rejected the configuration: {first_error(result)}')


def first_error(result: metal_host.Completed) -> str:
    """The line that says what is wrong: haproxy's first ALERT, else the first output line."""
    lines = [line.strip() for line in (result.stderr + '\n' + result.stdout).splitlines()]
    lines = [line for line in lines if line]
    alerts = [line for line in lines if '[ALERT]' in line]
    if alerts:
        return re.sub(r'^\[ALERT\]\s*\(\d+\)\s*:\s*', '', alerts[0])
    return lines[0] if lines else f'exit status {result.returncode}'
