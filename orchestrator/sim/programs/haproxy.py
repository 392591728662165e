"""``haproxy``: HAProxy's configuration check on simulated machines (a simulation).

``haproxy`` exists on a simulated machine only while the Debian ``haproxy`` package is
installed there (``haproxy: No such file or directory``, exit status 127, elsewhere). Only the
check is emulated: ``haproxy -c -f FILE [-f FILE …]`` with ``-q``, ``-Ws`` and ``-S SOCK`` as
haproxy.service passes them (``ExecStartPre=``/``ExecReload=``, which the systemctl emulation
runs through this program, so a bad configuration fails ``systemctl start|reload haproxy``).
The real binary is the reference: the tests of the charm run it on rendered files, and every
text here was copied from HAProxy 2.6.12 (Debian bookworm) run on sample configurations and
checked in haproxy/haproxy's sources at v2.8.0 (noble's 2.8.5 is the version modelled); the
differential tests (``tests/differential``) hold the emulation to the installed binary:

- valid: ``Configuration file is valid`` on stdout, exit 0 (nothing with ``-q``);
- invalid: exit 1 and, on stderr (nothing at all with ``-q``)::

    [NOTICE]   (PID) : haproxy version is VERSION
    [NOTICE]   (PID) : path to executable is /usr/sbin/haproxy
    [ALERT]    (PID) : config : parsing [FILE:LINE] : unknown keyword 'foo' in 'defaults' section
    [ALERT]    (PID) : config : Error(s) found in configuration file : FILE
    [ALERT]    (PID) : config : Fatal errors found in configuration.

  Parse errors (all reported, then the per-file line): unknown keywords in ``global``,
  ``defaults``, ``frontend``, ``backend`` and ``listen`` and out of any section, ``unknown
  option``, ``unknown proxy mode``, ``timeout`` names and units, ``bind`` addresses and ports,
  duplicate proxy names (a frontend and a backend may share one; ``listen`` clashes with both),
  ``http-check expect status CODES`` lists (``'http-check expect' : invalid character 'C' in
  the list of status codes.``, ``src/tcpcheck.c``),
  unknown ``server`` keywords (haproxy then adds ``; did you mean 'X' maybe ?`` for near
  misses, which is not reproduced). After a clean parse, ``default_backend``/``use_backend``
  naming no backend (``Proxy 'P': unable to find required default_backend: 'B'.``) and a
  ``check``-ed server without a port; then server addresses (``could not resolve address``,
  ``Failed to initialize server(s) addr.``: an IP address, ``localhost`` or the host name of a
  simulated machine resolves). A missing file: ``Cannot open configuration file/directory FILE :
  No such file or directory``.

VERSION is the installed package's version (HAProxy prints its Debian build version); PID is
derived from the machine and the World's clock. Keywords are checked against the lists below
(what the load-balancer charm and Debian's default file use, plus common ones); a keyword
HAProxy knows but the lists lack is reported as unknown, so extend them rather than trust a
rejection blindly. Warnings (missing timeouts …) are not emulated. Running the proxy itself is
haproxy.service's job (the systemctl emulation); any other invocation raises
:class:`~orchestrator.sim.SimError`.
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from metal_host import Completed
from metal_host._retrying import NOT_FOUND

from ..errors import SimError
from ..host import SIMULATED
from . import keepalived

if TYPE_CHECKING:
    from ..host import Invocation, SimHost

__all__ = ['CONFIG', 'check', 'config_words', 'handle', 'split_address']

CONFIG = '/etc/haproxy/haproxy.cfg'
"""The configuration haproxy.service uses."""

_SECTIONS = frozenset({'global', 'defaults', 'frontend', 'backend', 'listen'})
_OTHER_SECTIONS = frozenset(
    {'userlist', 'peers', 'resolvers', 'mailers', 'program', 'http-errors', 'ring', 'cache'}
)
_GLOBAL = frozenset(
    {
        'log', 'chroot', 'stats', 'user', 'group', 'uid', 'gid', 'daemon', 'maxconn',
        'nbthread', 'pidfile', 'master-worker', 'ca-base', 'crt-base', 'hard-stop-after',
        'spread-checks', 'log-send-hostname', 'node', 'description', 'ssl-server-verify',
        'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites', 'ssl-default-bind-options',
        'ssl-default-server-ciphers', 'ssl-default-server-ciphersuites',
        'ssl-default-server-options', 'ssl-dh-param-file', 'external-check',
        'insecure-fork-wanted',
        'quiet', 'zero-warning', 'localpeer', 'unix-bind', 'setenv', 'presetenv', 'resetenv',
    }
)  # fmt: skip
_PROXY_COMMON = frozenset(
    {
        'mode', 'timeout', 'option', 'no', 'log', 'maxconn', 'retries', 'balance',
        'http-check', 'tcp-check', 'errorfile', 'default-server', 'acl', 'http-request',
        'http-response', 'tcp-request', 'tcp-response', 'stats', 'description', 'fullconn',
        'hash-type', 'log-format', 'monitor-uri', 'compression', 'http-reuse', 'rate-limit',
        'unique-id-format', 'unique-id-header', 'capture', 'filter', 'errorfiles',
        'load-server-state-from-file', 'log-tag', 'email-alert', 'external-check',
    }
)  # fmt: skip
_KEYWORDS = {
    'defaults': _PROXY_COMMON,
    'frontend': _PROXY_COMMON | {'bind', 'default_backend', 'use_backend', 'id', 'disabled'},
    'backend': _PROXY_COMMON | {'server', 'id', 'disabled', 'cookie'},
    'listen': _PROXY_COMMON
    | {'bind', 'default_backend', 'use_backend', 'server', 'id', 'disabled', 'cookie'},
}
_SERVER_FLAGS = frozenset(
    {
        'check', 'check-ssl', 'ssl', 'backup', 'disabled', 'send-proxy', 'send-proxy-v2',
        'no-check-ssl', 'no-ssl', 'no-verifyhost', 'resolve-prefer', 'agent-check', 'non-stick',
    }
)  # fmt: skip
_SERVER_ARGS = frozenset(
    {
        'verify', 'port', 'inter', 'fall', 'rise', 'weight', 'maxconn', 'ca-file', 'crt',
        'sni', 'verifyhost', 'check-sni', 'addr', 'fastinter', 'downinter', 'cookie',
        'on-marked-down', 'on-marked-up', 'init-addr', 'resolvers', 'slowstart', 'alpn',
        'check-alpn', 'id', 'agent-port', 'agent-inter', 'observe', 'error-limit', 'pool-max-conn',
    }
)  # fmt: skip
_OPTIONS = frozenset(
    {
        'httpchk', 'httplog', 'tcplog', 'dontlognull', 'forwardfor', 'http-server-close',
        'redispatch', 'tcpka', 'clitcpka', 'srvtcpka', 'log-health-checks', 'ssl-hello-chk',
        'tcp-check', 'abortonclose', 'http-keep-alive', 'httpclose', 'splice-auto',
        'log-separate-errors', 'allbackups', 'persist', 'mysql-check', 'pgsql-check',
        'redis-check', 'smtpchk', 'ldap-check', 'external-check', 'contstats', 'dontlog-normal',
        'http-buffer-request', 'independent-streams', 'nolinger', 'originalto', 'socket-stats',
        'transparent', 'http-no-delay', 'http-pretend-keepalive', 'http-use-proxy-header',
        'prefer-last-server', 'spop-check', 'checkcache', 'accept-invalid-http-request',
        'accept-invalid-http-response', 'h1-case-adjust-bogus-client',
        'h1-case-adjust-bogus-server', 'disable-h2-upgrade', 'http-restrict-req-hdr-names',
        'idle-close-on-response', 'logasap',
    }
)  # fmt: skip
_TIMEOUTS = (
    'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request',
    'tunnel', 'tarpit', 'client-fin', 'server-fin',
)  # fmt: skip
_MODES = frozenset({'tcp', 'http', 'log'})


@dataclass
class _Proxy:
    kind: str
    name: str
    where: str
    default_backend: str = ''
    use_backends: list[str] = field(default_factory=list[str])
    servers: list[tuple[str, str, str, bool, bool]] = field(
        default_factory=list[tuple[str, str, str, bool, bool]]
    )  # (where, name, address, has port, needs port)


def _not_emulated(what: str) -> NoReturn:
    raise SimError(
        f'haproxy {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/haproxy.py for what is'
    )


def config_words(line: str) -> list[str]:
    """The words of one ``haproxy.cfg`` line: comments dropped, quotes removed."""
    line = re.split(r'(?<!\\)#', line, maxsplit=1)[0]
    return [w.strip('"\'') for w in re.findall(r'"[^"]*"|\'[^\']*\'|\S+', line)]


def split_address(text: str) -> tuple[str, str | None]:
    """(host, port or None) of ``ADDR:PORT``/``[V6]:PORT``/``:PORT``/``ipv4@…``."""
    text = re.sub(r'^(ipv4|ipv6|tcp|tcp4|tcp6)@', '', text)
    match = re.fullmatch(r'\[([^\]]*)\](?::(.*))?', text)
    if match:
        return match.group(1), match.group(2)
    if text.count(':') > 1:  # bare IPv6 with the port after the last colon
        host, _, port = text.rpartition(':')
        return host, port
    host, sep, port = text.partition(':')
    return host, port if sep else None


def _valid_port(port: str) -> bool:
    return port.isdigit() and 1 <= int(port) <= 65535


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _timeout_error(value: str) -> str | None:
    match = re.fullmatch(r'(\d+)(.*)', value)
    if match is None:
        return f"unexpected character '{value[:1]}'"
    unit = match.group(2)
    if unit in ('', 'us', 'ms', 's', 'm', 'h', 'd'):
        return None
    return f"unexpected character '{unit[:1]}'"


def _status_codes_error(pattern: str) -> str | None:
    """What is wrong with ``http-check expect status CODES`` (None: a valid list).

    ``src/tcpcheck.c`` (v2.6.0 to v2.8.0) reads comma-separated codes and ``N-M`` ranges with
    ``read_uint`` (no digits read as 0) and stops at the first other character.
    """
    rest = pattern
    while True:
        match = re.match(r'(\d*)(?:-(\d*))?', rest)
        assert match is not None  # the pattern matches the empty string
        low = int(match.group(1) or 0)
        high = int(match.group(2) or 0) if match.group(2) is not None else low
        if low > high:
            return f"invalid range of status codes '{pattern}'"
        rest = rest[match.end() :]
        if not rest:
            return None
        if rest[0] != ',':
            return f"invalid character '{rest[0]}' in the list of status codes"
        rest = rest[1:]


def check(host: SimHost, files: list[str]) -> list[str]:
    """The ALERT messages (without prefix) of ``haproxy -c`` over ``files``; [] when valid."""
    alerts: list[str] = []
    proxies: list[_Proxy] = []
    for name in files:
        full = name if name.startswith('/') else posixpath.join('/', name)
        entry = host.files.get(full)
        if entry is None:
            return [
                *alerts,
                f'Cannot open configuration file/directory {name} : No such file or directory',
            ]
        before = len(alerts)
        _parse_file(name, entry.content, alerts, proxies)
        if len(alerts) > before:
            alerts.append(f'Error(s) found in configuration file : {name}')
    if alerts:
        return [*alerts, 'Fatal errors found in configuration.']
    backends = {p.name for p in proxies if p.kind in ('backend', 'listen')}
    for proxy in proxies:
        if proxy.default_backend and proxy.default_backend not in backends:
            alerts.append(
                f"Proxy '{proxy.name}': unable to find required default_backend: "
                f"'{proxy.default_backend}'."
            )
        alerts.extend(
            f"Proxy '{proxy.name}': unable to find required use_backend: '{b}'."
            for b in proxy.use_backends
            if b not in backends and '%' not in b
        )
        for _, server, _, has_port, needs_port in proxy.servers:
            if needs_port and not has_port:
                alerts.append(
                    f"config: {proxy.kind} '{proxy.name}': server '{server}' has neither "
                    "service port nor check port nor tcp_check rule 'connect' with port "
                    'information.'
                )
    if alerts:
        return [*alerts, 'Fatal errors found in configuration.']
    names = {'localhost'} | {h.hostname() for h in host.world.machines.values()}
    for proxy in proxies:
        for where, server, address, _, _ in proxy.servers:
            if not _is_ip(address) and address not in names:
                alerts.append(
                    f"{where} : 'server {proxy.name}/{server}' : could not resolve address "
                    f"'{address}'."
                )
    if alerts:
        alerts.append('Failed to initialize server(s) addr.')
    return alerts


def _parse_file(name: str, text: str, alerts: list[str], proxies: list[_Proxy]) -> None:
    section = ''
    proxy: _Proxy | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        words = config_words(raw)
        if not words:
            continue
        where = f'parsing [{name}:{number}]'
        key = words[0]
        if key in _SECTIONS or key in _OTHER_SECTIONS:
            section = key
            proxy = None
            if key in ('frontend', 'backend', 'listen') and len(words) > 1:
                proxy = _Proxy(key, words[1], f'{name}:{number}')
                for other in proxies:
                    clash = other.kind == key or 'listen' in (other.kind, key)
                    if other.name == proxy.name and clash:
                        label = 'proxy' if key == 'listen' else key
                        alerts.append(
                            f"Parsing [{name}:{number}]: {label} '{proxy.name}' has the same "
                            f"name as {other.kind} '{other.name}' declared at {other.where}."
                        )
                        break
                proxies.append(proxy)
            continue
        if not section:
            alerts.append(f'parsing [{name}:{number}]: unknown keyword {key!r} out of section.')
            continue
        if section in _OTHER_SECTIONS:
            continue
        if section == 'global':
            if key not in _GLOBAL and not key.startswith(('tune.', 'ssl-', 'lua-')):
                alerts.append(f"{where} : unknown keyword '{key}' in 'global' section")
            continue
        if key not in _KEYWORDS[section]:
            alerts.append(f"{where} : unknown keyword '{key}' in '{section}' section")
            continue
        args = words[1:]
        if key == 'mode' and args and args[0] not in _MODES:
            alerts.append(f"{where} : unknown proxy mode '{args[0]}'.")
        elif key == 'timeout' and args:
            if args[0] not in _TIMEOUTS:
                supported = ', '.join(f"'{t}'" for t in _TIMEOUTS[:-1])
                alerts.append(
                    f"{where} : 'timeout' supports {supported} and '{_TIMEOUTS[-1]}' "
                    f"(got '{args[0]}')"
                )
            elif len(args) > 1 and (error := _timeout_error(args[1])) is not None:
                alerts.append(f"{where} : {error} in 'timeout {args[0]}'")
        elif key == 'option' and args and args[0] not in _OPTIONS:
            alerts.append(f"{where} : unknown option '{args[0]}'.")
        elif key == 'bind' and args:
            for spec in args[0].split(','):
                _check_bind(where, spec, alerts)
        elif key == 'http-check' and args[:2] == ['expect', 'status'] and len(args) > 2:
            if (error := _status_codes_error(args[2])) is not None:
                alerts.append(f"{where} : 'http-check expect' : {error}.")
        elif key == 'default_backend' and proxy is not None and args:
            proxy.default_backend = args[0]
        elif key == 'use_backend' and proxy is not None and args:
            proxy.use_backends.append(args[0])
        elif key == 'server' and proxy is not None and len(args) >= 2:
            _parse_server(name, number, proxy, args, alerts)


def _check_bind(where: str, spec: str, alerts: list[str]) -> None:
    if spec.startswith(('/', 'unix@', 'abns@', 'fd@', 'sockpair@')):
        return
    host, port = split_address(spec)
    if host and host != '*' and not _is_ip(host):
        alerts.append(f"{where} : 'bind' : invalid address: '{host}' in '{spec}'")
    elif port is None or port == '':
        alerts.append(f"{where} : 'bind' : missing port specification in '{spec}'")
    else:
        for part in port.split('-', 1):
            if not _valid_port(part):
                alerts.append(f"{where} : 'bind' : invalid port '{part}'")
                break


def _parse_server(
    name: str, number: int, proxy: _Proxy, args: list[str], alerts: list[str]
) -> None:
    server, address = args[0], args[1]
    host, port = split_address(address)
    options = args[2:]
    i = 0
    has_check_port = False
    while i < len(options):
        option = options[i]
        if option in _SERVER_ARGS:
            has_check_port = has_check_port or option == 'port'
            i += 2
            continue
        if option not in _SERVER_FLAGS:
            alerts.append(
                f"[{name}:{number}] : 'server {proxy.name}/{server}' : unknown keyword '{option}'."
            )
            return
        i += 1
    proxy.servers.append(
        (f'[{name}:{number}]', server, host, bool(port) or has_check_port, 'check' in options)
    )


def _pid(host: SimHost, now: float) -> int:
    digest = hashlib.sha256(f'{host.machine_id}:haproxy:{now}'.encode()).digest()
    return 1000 + int.from_bytes(digest[:4], 'big') % 60000


def handle(invocation: Invocation) -> Completed:
    """Run ``haproxy -c`` where the haproxy package is installed."""
    host = invocation.host
    if not keepalived.installed(host, 'haproxy'):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    keepalived.reconcile(invocation.world)
    files: list[str] = []
    check_mode = quiet = False
    args = list(invocation.args)
    while args:
        arg = args.pop(0)
        if arg == '-c':
            check_mode = True
        elif arg == '-q':
            quiet = True
        elif arg in ('-Ws', '-W', '-db', '-V'):
            quiet = quiet and arg != '-V'
        elif arg in ('-f', '-S', '-p') and args:
            value = args.pop(0)
            if arg == '-f':
                files.append(value)
        else:
            _not_emulated(f'option {arg!r}')
    if not check_mode or not files:
        _not_emulated('without -c -f FILE (running the proxy is haproxy.service)')
    alerts = check(host, files)
    if not alerts:
        return invocation.result('' if quiet else 'Configuration file is valid\n')
    if quiet:
        return invocation.result('', '', 1)
    pid = _pid(host, invocation.world.clock())
    version = keepalived.package_version(host, 'haproxy')
    lines = [
        f'[NOTICE]   ({pid}) : haproxy version is {version}',
        f'[NOTICE]   ({pid}) : path to executable is /usr/sbin/haproxy',
        *(f'[ALERT]    ({pid}) : config : {alert}' for alert in alerts),
    ]
    return invocation.result('', ''.join(f'{line}\n' for line in lines), 1)
