"""HAProxy's configuration, as far as forwarding goes: binds, servers, health checks."""

# pyright: strict

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import haproxy
from ._errors import not_emulated


@dataclass(frozen=True)
class _Bind:
    host: str  # '' for any IPv4 address, '::' for any IPv6 (and IPv4 unless v6only)
    low: int
    high: int
    v6only: bool


@dataclass(frozen=True)
class Server:
    name: str
    address: str
    port: int | None
    check: bool
    check_ssl: bool
    backup: bool
    disabled: bool
    check_port: int | None
    check_addr: str | None


@dataclass
class Proxy:
    kind: str
    name: str
    mode: str
    httpchk: str | None
    expect: tuple[tuple[int, int], ...] | None
    default_server: list[str]
    binds: list[_Bind] = field(default_factory=list[_Bind])
    servers: list[Server] = field(default_factory=list[Server])
    default_backend: str = ''
    disabled: bool = False


def _parse_bind(args: Sequence[str]) -> list[_Bind]:
    binds: list[_Bind] = []
    if not args:
        return binds
    if 'ssl' in args[1:]:
        not_emulated('HAProxy binds with ssl (TLS terminated by HAProxy)')
    for spec in args[0].split(','):
        if spec.startswith(('/', 'unix@', 'abns@', 'fd@', 'sockpair@')):
            continue
        host, port = haproxy.split_address(spec)
        port = port or ''
        low, _, high = port.partition('-')
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        host = '' if host in ('', '*', '0.0.0.0') else host  # noqa: S104
        binds.append(_Bind(host, int(low), int(high or low), 'v6only' in args[1:]))
    return binds


def _parse_server(args: Sequence[str], defaults: Sequence[str]) -> Server:
    name, address = args[0], args[1]
    host, port = haproxy.split_address(address)
    if port and not port.isdigit():
        not_emulated(f'HAProxy server ports like {address!r}')
    options = [*defaults, *args[2:]]
    values: dict[str, str] = {}
    for i, option in enumerate(options[:-1]):
        if option in ('port', 'addr', 'verify', 'ca-file'):
            values[option] = options[i + 1]
    if 'ssl' in options or 'send-proxy' in options or 'send-proxy-v2' in options:
        not_emulated('HAProxy servers with ssl or send-proxy')
    check_ssl = 'check-ssl' in options
    if check_ssl and values.get('verify', 'required') != 'none':
        not_emulated('HAProxy check-ssl with certificate verification')
    check_port = values.get('port')
    return Server(
        name,
        host,
        int(port) if port else None,
        'check' in options,
        check_ssl,
        'backup' in options,
        'disabled' in options,
        int(check_port) if check_port and check_port.isdigit() else None,
        values.get('addr'),
    )


def _parse_expect(args: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """The status ranges of ``http-check expect status CODES``.

    HAProxy 2.2+ takes a comma-separated list of codes and ``N-M`` ranges and counts a response
    alive when its status matches any of them (haproxy ``doc/configuration.txt`` @ v2.8.0,
    ``http-check expect``; ``src/tcpcheck.c``). ``!status`` and ``rstatus`` are not emulated.
    """
    if len(args) < 2 or args[0] != 'status':
        not_emulated(f'http-check expect {" ".join(args)}')
    ranges: list[tuple[int, int]] = []
    for item in args[1].split(','):
        low, _, high = item.partition('-')
        if not low.isdigit() or (high and not high.isdigit()):
            not_emulated(f'http-check expect status {args[1]}')
        ranges.append((int(low), int(high or low)))
    return tuple(ranges)


def _parse_httpchk(args: Sequence[str]) -> str:
    """The URI of ``option httpchk [METHOD] URI [VERSION]`` (only GET is emulated)."""
    if len(args) == 1 and args[0].startswith('/'):
        return args[0]
    if len(args) >= 2 and args[0] == 'GET':
        return args[1]
    not_emulated(f'option httpchk {" ".join(args)} (a check other than GET URI)')


def _proxy_line(proxy: Proxy, key: str, args: list[str]) -> None:
    """Apply one line of a frontend/backend/listen/defaults section."""
    if key == 'mode' and args:
        proxy.mode = args[0]
    elif key == 'bind':
        proxy.binds.extend(_parse_bind(args))
    elif key == 'default_backend' and args:
        proxy.default_backend = args[0]
    elif key == 'use_backend':
        not_emulated('HAProxy use_backend rules')
    elif key == 'disabled':
        proxy.disabled = True
    elif key == 'default-server':
        proxy.default_server = [*proxy.default_server, *args]
    elif key == 'server' and len(args) >= 2:
        proxy.servers.append(_parse_server(args, proxy.default_server))
    elif key == 'option' and args and args[0] == 'httpchk':
        proxy.httpchk = _parse_httpchk(args[1:])
    elif key == 'http-check' and args[:1] == ['expect']:
        proxy.expect = _parse_expect(args[1:])
    elif key == 'http-check' and args[:1] == ['send']:
        fields = dict(zip(args[1::2], args[2::2], strict=False))
        if fields.get('meth', 'GET') != 'GET':
            not_emulated(f'http-check send meth {fields["meth"]}')
        proxy.httpchk = fields.get('uri', proxy.httpchk or '/')
    elif key == 'tcp-check':
        not_emulated('HAProxy tcp-check rules')


def haproxy_config(text: str) -> list[Proxy]:
    """The frontends, backends and listens of ``haproxy.cfg``, defaults applied."""
    proxies: list[Proxy] = []
    defaults = Proxy('defaults', '', 'tcp', None, None, [])
    current: Proxy | None = None
    for raw in text.splitlines():
        words = haproxy.config_words(raw)
        if not words:
            continue
        key, args = words[0], words[1:]
        if key == 'defaults':
            defaults = Proxy('defaults', '', 'tcp', None, None, [])
            current = defaults
        elif key in ('frontend', 'backend', 'listen'):
            current = Proxy(
                key,
                args[0] if args else '',
                defaults.mode,
                defaults.httpchk,
                defaults.expect,
                list(defaults.default_server),
            )
            proxies.append(current)
        elif key in ('global', 'userlist', 'peers', 'resolvers', 'mailers', 'program', 'ring',
                     'http-errors', 'cache'):  # fmt: skip
            current = None
        elif current is not None:
            _proxy_line(current, key, args)
    return proxies


def bound(bind: _Bind, address: str, port: int) -> bool:
    """Whether ``bind`` accepts connections to ``address``:``port``."""
    if not bind.low <= port <= bind.high:
        return False
    ip = ipaddress.ip_address(address)
    if bind.host == '':
        return ip.version == 4
    if bind.host == '::':
        return ip.version == 6 or not bind.v6only
    try:
        return ipaddress.ip_address(bind.host) == ip
    except ValueError:
        return False
