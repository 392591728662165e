r"""``curl``: HTTP(S) requests that follow the network path through the simulated machines.

Why: integration tests prove that the Kubernetes API answers through the load balancer's
virtual IP by running, on a unit through ``juju exec``, ``curl -sk -o /dev/null -w
'%{http_code}' https://VIP:6443/livez``. On the simulated machines the answer must come from
the machines' state, not from a canned reply: who holds the VIP, whether HAProxy runs there and
what its configuration forwards where, whether that backend's health check passes, and whether
the Kubernetes API server runs on the machine the connection lands on.

``curl`` exists on a simulated machine while the Debian ``curl`` package is installed there,
which every machine is: ``curl`` is one of Ubuntu 24.04 server's base packages (``BASE_PACKAGES``
in :mod:`.apt`). Elsewhere ``curl: No such file or directory``, exit status 127.

The path of ``curl [options] URL`` (``http``/``https``; no scheme means ``http``):

1. The host: an IP address, ``localhost``, a name in the client's ``/etc/hosts`` (so a machine's
   own host name is its ``127.0.1.1``), or a simulated machine's host name (its first address,
   as MAAS DNS answers); anything else is ``curl: (6) Could not resolve host: NAME``.
2. The machine holding the address: the client itself for a loopback address, the machine
   that has it, or the keepalived VIP holder (the election is reconciled first, as ``ip`` and
   ``haproxy`` do, see :mod:`.keepalived`). Nobody holds it, or nothing listens on the port
   there: ``curl: (7) Failed to connect to HOST port PORT after 0 ms: Couldn't connect to
   server`` (curl's text since 7.8x; HOST as written in the URL). Deviation: for an address
   nobody holds, real curl on the same subnet gets ``No route to host`` after about three
   seconds of ARP (same exit status and message, a larger "after N ms"); no simulated time
   passes here, and the connect timeouts (``-m``, ``--connect-timeout``) never expire.
3. Who listens on the port there, first match:

   - HAProxy, when the haproxy package is installed, ``haproxy.service`` is active and a
     ``frontend``/``listen`` of ``/etc/haproxy/haproxy.cfg`` binds the port on that address
     (``*:P``, ``:P``, ``0.0.0.0:P``: IPv4; ``:::P``: IPv6, and IPv4 too unless ``v6only``;
     ``ADDR:P``; port ranges; ``ipv4@``/``ipv6@`` prefixes). In ``mode tcp`` (the default, the
     charm's) it forwards the connection to its ``default_backend`` (or a ``listen``'s own
     servers): the first server in order that is up. A server with ``check`` is up when its
     health check passes now, computed through the same path from the HAProxy machine: with
     ``option httpchk [GET] URI`` (or ``http-check send meth GET uri URI``) an HTTP(S)
     (``check-ssl``, ``verify none``) ``GET URI`` whose status matches ``http-check expect
     status CODES`` (a comma-separated list of codes and ``N-M`` ranges, HAProxy 2.2+;
     default 2xx/3xx); otherwise a TCP connect (and TLS handshake with ``check-ssl``).
     A server without ``check`` is taken as up; ``disabled`` ones are skipped;
     ``backup`` ones serve only when no other is up; ``addr``/``port`` move the check. The
     ``balance`` algorithm is not modelled (the first up server takes the connection), nor
     the ``rise``/``fall`` history (a check is its steady state). No server to forward to:
     HAProxy accepts and closes the connection, so curl gets ``curl: (35) OpenSSL
     SSL_connect: SSL_ERROR_SYSCALL in connection to HOST:PORT `` (sic, trailing space) over
     https and ``curl: (52) Empty reply from server`` over http (both checked with curl
     7.88.1 against a server that accepts and closes; the code is the same in 8.5). HAProxy
     runs what ``haproxy.cfg`` holds now (the charm reloads it after every write).
   - kube-apiserver on 6443 (k8s-snap's ``--secure-port``, on every address) when the machine
     is an initialised control-plane node of a simulated Canonical Kubernetes cluster (its
     ``daemon.yaml`` and ``state['k8s']`` with role ``control-plane``, see :mod:`.k8s`) and
     ``snap.k8s.kube-apiserver.service`` is active.
   - k8s-apiserver-proxy on a worker node (``--listen 127.0.0.1:6443``, k8s-snap's
     ``K8sAPIServerProxy``): loopback only, while ``snap.k8s.k8s-apiserver-proxy.service`` is
     active; it forwards to the first control-plane node of its cluster whose API server
     answers, and closes the connection when none does.

   A forwarding loop (a proxy reached again through itself) never answers; at most eight hops
   are followed.
4. TLS with the API server (kube-apiserver serves a certificate signed by the cluster CA). With
   ``-k``/``--insecure`` nothing is checked. Otherwise the CA bundle (``--cacert FILE``, else
   Ubuntu's ``/etc/ssl/certs/ca-certificates.crt``; the simulation lays down no bundle, and a
   missing default one counts as the public CAs) must hold the cluster CA's PEM (kept by
   :mod:`.k8s` in the shared state), else ``curl: (60) SSL certificate problem: unable to get
   local issuer certificate``; and the URL's host must be one of the serving node's SANs
   (k8s-snap's ``pki.ControlPlanePKI``: the node address and its extra SANs, its host name,
   ``kubernetes``, ``kubernetes.default``, ``kubernetes.default.svc``,
   ``kubernetes.default.svc.cluster``, ``kubernetes.default.svc.cluster.local``, the first
   address of each service CIDR, the machine's addresses, ``127.0.0.1`` and ``::1``), else
   ``curl: (60) SSL: no alternative certificate subject name matches target host name
   'HOST'``. Both 60s are followed by curl's hint (also with ``-sS``)::

       More details here: https://curl.se/docs/sslcerts.html

       curl failed to verify the legitimacy of the server and therefore could not
       establish a secure connection to it. To learn more about this situation and
       how to fix it, please visit the web page mentioned above.

   A ``--cacert`` file that is not there: ``curl: (77) error setting certificate file: FILE``.
5. The API server's answer. k8s-snap runs kube-apiserver with ``--anonymous-auth=false``
   (canonical/k8s-snap ``src/k8s/pkg/k8sd/setup/kube_apiserver.go``, release-1.32 to
   release-1.35; its docs: "anonymous API access is disabled by default"), so a request that
   carries no credential the API server accepts never reaches a handler: the authentication
   filter answers 401 (kubernetes ``staging/src/k8s.io/apiserver/pkg/endpoints/filters/
   authentication.go`` ``Unauthorized``, ``apierrors.NewUnauthorized("Unauthorized")`` in
   ``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go``: no ``details``), for every
   path, ``/livez`` included; pretty-printed, as for a ``curl`` user agent::

       {
         "kind": "Status",
         "apiVersion": "v1",
         "metadata": {},
         "status": "Failure",
         "message": "Unauthorized",
         "reason": "Unauthorized",
         "code": 401
       }

   HAProxy's health checks carry no credential either, so they get the same 401. A request
   authenticated with the admin client certificate of ``k8s config``'s kubeconfig
   (``client-certificate-data``/``client-key-data``, base64-decoded into files given as
   ``--cert FILE --key FILE``; kube-apiserver checks it against ``--client-ca-file``, k8s-snap
   ``setup/kube_apiserver.go``) is the cluster admin: ``/livez``, ``/readyz``, ``/healthz``:
   200, ``ok`` (no newline). ``/version``: 200,
   ``version.Info`` as kube-apiserver writes it (``json.MarshalIndent`` with two spaces, no
   newline): ``major``, ``minor`` and ``gitVersion`` from the k8s snap installed on the
   serving machine, ``compiler`` ``gc``, ``platform`` ``linux/amd64``; ``gitCommit``,
   ``gitTreeState``, ``buildDate`` and ``goVersion`` are not known to the simulation and are
   empty; from 1.33 on also ``emulationMajor``/``emulationMinor`` (the same version) and
   ``minCompatibilityMajor``/``minCompatibilityMinor`` (one minor before). Any other
   authenticated path is not emulated (the API's resources are :mod:`.k8s`'s ``kubectl``).
   Another certificate: 401 as above. Plain http to 6443: 400, ``Client sent an HTTP request to an
   HTTPS server.`` and a newline (Go's net/http). Query strings on the health paths
   (``?verbose``) are not emulated.

Options (curl's own parser: short options combine, ``-sk``, ``-skf``; a value follows in the
same word or the next, ``-o/dev/null``, ``-o /dev/null``; ``--no-`` turns a switch off; ``=`` is
not curl syntax): ``-s``/``--silent``, ``-S``/``--show-error``, ``-k``/``--insecure``,
``-f``/``--fail``, ``-L``/``--location`` (the API server never redirects), ``-q``/``--disable``,
``-o``/``--output FILE`` (``/dev/null``, ``-`` for stdout, or an absolute path on the machine,
written after a successful transfer; a missing directory: ``Warning: Failed to open the file
FILE: No such file or directory`` and ``curl: (23) Failure writing output to destination``),
``-w``/``--write-out FORMAT`` (``%{http_code}``/``%{response_code}`` (``000`` without an
answer), ``%{exitcode}``, ``%{errormsg}``, ``%{remote_ip}``, ``%{remote_port}``,
``%{size_download}``, ``%{url_effective}``, ``%{content_type}``; ``%%``, ``\n``, ``\r``,
``\t``; a variable curl lacks prints ``curl: unknown --write-out variable: 'NAME'`` on stderr),
``-m``/``--max-time`` and ``--connect-timeout`` (numbers, accepted), ``--cacert FILE``,
``-E``/``--cert FILE`` with ``--key FILE`` (absolute paths of PEM files that exist; a missing
one is not emulated),
``--url URL``, ``-V``/``--version``. ``-f`` on a status of 400 or more: no body, exit 22,
``curl: (22) The requested URL returned error: 403``. Errors print ``curl: (N) MESSAGE``
unless ``-s`` without ``-S``. An option curl does not have: ``curl: option X: is unknown`` and
``curl: try 'curl --help' or 'curl --manual' for more information``, exit 2 (also with ``-s``);
a missing value ``curl: option X: requires parameter``; a bad number ``curl: option X: expected
a proper numerical parameter``; no URL ``curl: no URL specified!``. An unknown scheme: ``curl:
(1) Protocol "X" not supported`` (curl 8's wording); a malformed URL or port: ``curl: (3) URL
using bad/illegal format or missing URL`` (as curl 7.88.1 prints it). Texts were checked with
curl 7.88.1 and curl's sources; the version reported is the package's (8.5.0 on Ubuntu 24.04).

Not emulated (they raise :class:`~orchestrator.sim.SimError`): curl options that exist but are
not listed above (the short letters are all curl's; long ones are checked against the list
below, so a real option the list lacks is reported as unknown: extend it), other schemes curl
supports, several URLs, credentials in the URL, ``-w @FILE`` and write-out variables curl has
but the list above lacks, HAProxy ``mode http``, ``ssl`` binds or servers, ``use_backend``,
``send-proxy``, checks other than ``GET`` and ``expect status``. The progress meter curl shows
on stderr without ``-s`` is not drawn.
"""

# pyright: strict

from __future__ import annotations

import base64
import ipaddress
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, cast

from metal_host import Completed
from metal_host._retrying import NOT_FOUND

from ..host import SIMULATED
from . import haproxy, k8s, keepalived

if TYPE_CHECKING:
    from ..host import Invocation, SimHost
    from ..world import World

__all__ = ['CA_BUNDLE', 'handle']

CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
"""The CA bundle Ubuntu's curl trusts by default."""

_API_PORT = 6443  # kube-apiserver --secure-port and k8s-apiserver-proxy --listen, as k8s-snap sets
_MAX_HOPS = 8
_RELEASE_DATES = {'8.5.0': '2023-12-06'}
_HINT = (
    'More details here: https://curl.se/docs/sslcerts.html\n'
    '\n'
    'curl failed to verify the legitimacy of the server and therefore could not\n'
    'establish a secure connection to it. To learn more about this situation and\n'
    'how to fix it, please visit the web page mentioned above.\n'
)
_TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n"
_HEALTH_PATHS = frozenset({'/livez', '/readyz', '/healthz'})
_PLAIN_TEXT = 'text/plain; charset=utf-8'
_JSON = 'application/json'
_KUBERNETES_NAMES = (
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster',
    'kubernetes.default.svc.cluster.local',
)

# Options: long name -> short letter ('' if none). Switches take no value.
_SWITCHES = {
    'silent': 's',
    'show-error': 'S',
    'insecure': 'k',
    'fail': 'f',
    'location': 'L',
    'disable': 'q',
    'version': 'V',
}
_VALUED = {
    'output': 'o',
    'write-out': 'w',
    'max-time': 'm',
    'connect-timeout': '',
    'cacert': '',
    'url': '',
    'cert': 'E',
    'key': '',
}
_NUMERIC = frozenset({'max-time', 'connect-timeout'})
_SHORT = {letter: name for name, letter in {**_SWITCHES, **_VALUED}.items() if letter}
# curl's other short options (every ASCII letter is one) and long ones commonly met; they exist
# in curl 8.5 but are not emulated.
_CURL_SHORT = frozenset('0123460aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwxXyYzZ#:')
_CURL_LONG = frozenset(
    {
        'anyauth', 'append', 'basic', 'capath', 'cert-type', 'ciphers', 'compressed',
        'config', 'connect-to', 'continue-at', 'cookie', 'cookie-jar', 'create-dirs', 'data',
        'data-ascii', 'data-binary', 'data-raw', 'data-urlencode', 'digest', 'dns-servers',
        'dump-header', 'fail-early', 'fail-with-body', 'form', 'form-string', 'get', 'globoff',
        'head', 'header', 'help', 'http1.0', 'http1.1', 'http2', 'http2-prior-knowledge',
        'http3', 'include', 'interface', 'ipv4', 'ipv6', 'json', 'keepalive-time',
        'key-type', 'limit-rate', 'local-port', 'location-trusted', 'manual', 'max-filesize',
        'max-redirs', 'negotiate', 'netrc', 'netrc-file', 'netrc-optional', 'next', 'buffer',
        'noproxy', 'ntlm', 'oauth2-bearer', 'output-dir', 'parallel', 'pass', 'path-as-is',
        'pinnedpubkey', 'progress-bar', 'proto', 'proto-default', 'proxy', 'proxy-insecure',
        'proxy-user', 'proxytunnel', 'range', 'raw', 'referer', 'remote-header-name',
        'remote-name', 'remote-name-all', 'remote-time', 'remove-on-error', 'request',
        'request-target', 'resolve', 'retry', 'retry-all-errors', 'retry-connrefused',
        'retry-delay', 'retry-max-time', 'sslv2', 'sslv3', 'stderr', 'styled-output',
        'tcp-fastopen', 'tcp-nodelay', 'tls-max', 'tlsv1', 'tlsv1.0', 'tlsv1.1', 'tlsv1.2',
        'tlsv1.3', 'trace', 'trace-ascii', 'trace-config', 'trace-time', 'unix-socket',
        'upload-file', 'user', 'user-agent', 'variable', 'verbose', 'xattr', 'keepalive',
        'progress-meter', 'sessionid', 'alpn',
    }
)  # fmt: skip
_CURL_SCHEMES = frozenset(
    {
        'dict', 'file', 'ftp', 'ftps', 'gopher', 'gophers', 'imap', 'imaps', 'ldap', 'ldaps',
        'mqtt', 'pop3', 'pop3s', 'rtmp', 'rtsp', 'scp', 'sftp', 'smb', 'smbs', 'smtp', 'smtps',
        'telnet', 'tftp', 'ws', 'wss',
    }
)  # fmt: skip
_WRITE_OUT_EMULATED = frozenset(
    {
        'http_code', 'response_code', 'exitcode', 'errormsg', 'remote_ip', 'remote_port',
        'size_download', 'url_effective', 'content_type',
    }
)  # fmt: skip
_WRITE_OUT_CURL = frozenset(
    {
        'certs', 'filename_effective', 'ftp_entry_path', 'header_json', 'http_connect',
        'http_version', 'json', 'local_ip', 'local_port', 'method', 'num_certs',
        'num_connects', 'num_headers', 'num_redirects', 'onerror', 'proxy_ssl_verify_result',
        'proxy_used', 'redirect_url', 'referer', 'scheme', 'size_header', 'size_request',
        'size_upload', 'speed_download', 'speed_upload', 'ssl_verify_result', 'stderr',
        'stdout', 'time_appconnect', 'time_connect', 'time_namelookup', 'time_pretransfer',
        'time_redirect', 'time_starttransfer', 'time_total', 'url', 'urlnum', 'conn_id',
        'xfer_id',
    }
)  # fmt: skip


def _not_emulated(what: str) -> NoReturn:
    from ..world import SimError  # the World imports the programs; import it when it is built

    raise SimError(
        f'curl {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/curl.py for what is'
    )


def _mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


# -- how a run ends -------------------------------------------------------------------------------


class _UsageError(Exception):
    """A command line curl rejects: the message line, the ``try`` line, exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _TransferError(Exception):
    """A transfer that failed: curl's exit status and its error text."""

    def __init__(self, code: int, message: str, *, remote: str = '') -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.remote = remote  # the address connected to ('' when no connection was made)


# -- the command line ----------------------------------------------------------------------------


@dataclass
class _Options:
    silent: bool = False
    show_error: bool = False
    insecure: bool = False
    fail: bool = False
    version: bool = False
    output: str | None = None
    write_out: str = ''
    cacert: str | None = None
    cert: str | None = None
    key: str | None = None
    urls: list[str] = field(default_factory=list[str])


def _set_switch(options: _Options, name: str, on: bool) -> None:
    if name == 'silent':
        options.silent = on
    elif name == 'show-error':
        options.show_error = on
    elif name == 'insecure':
        options.insecure = on
    elif name == 'fail':
        options.fail = on
    elif name == 'version':
        options.version = on
    # location and disable change nothing the simulation answers


def _set_value(options: _Options, name: str, word: str, value: str) -> None:
    if name in _NUMERIC:
        if not re.fullmatch(r'\d+(\.\d*)?|\.\d+', value):
            raise _UsageError(f'curl: option {word}: expected a proper numerical parameter')
    elif name == 'output':
        options.output = value
    elif name == 'write-out':
        if value.startswith('@'):
            _not_emulated('--write-out @FILE')
        options.write_out = value
    elif name == 'cacert':
        options.cacert = value
    elif name == 'url':
        options.urls.append(value)
    elif name == 'cert':
        options.cert = value
    elif name == 'key':
        options.key = value


def _long(options: _Options, word: str, rest: list[str]) -> None:
    name = word[2:]
    if name in _SWITCHES:
        _set_switch(options, name, True)
    elif name.startswith('no-') and name[3:] in _SWITCHES:
        _set_switch(options, name[3:], False)
    elif name in _VALUED:
        if not rest:
            raise _UsageError(f'curl: option {word}: requires parameter')
        _set_value(options, name, word, rest.pop(0))
    elif name in _CURL_LONG or (name.startswith('no-') and name[3:] in _CURL_LONG):
        _not_emulated(f'option {word}')
    else:
        raise _UsageError(f'curl: option {word}: is unknown')


def _short(options: _Options, word: str, rest: list[str]) -> None:
    letters = word[1:]
    for i, letter in enumerate(letters):
        name = _SHORT.get(letter)
        if name is None:
            if letter in _CURL_SHORT:
                _not_emulated(f'option -{letter} (in {word})')
            raise _UsageError(f'curl: option {word}: is unknown')
        if name in _SWITCHES:
            _set_switch(options, name, True)
            continue
        value = letters[i + 1 :]
        if not value:
            if not rest:
                raise _UsageError(f'curl: option {word}: requires parameter')
            value = rest.pop(0)
        _set_value(options, name, word, value)
        return


def _parse(args: Sequence[str]) -> _Options:
    options = _Options()
    rest = list(args)
    if not rest:
        raise _UsageError('')  # curl alone prints only the try line
    while rest:
        word = rest.pop(0)
        if word == '--':
            options.urls.extend(rest)
            break
        if word.startswith('--'):
            _long(options, word, rest)
        elif word.startswith('-') and word != '-':
            _short(options, word, rest)
        else:
            options.urls.append(word)
    return options


# -- URLs and names ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str  # as written, without the brackets of an IPv6 literal
    port: int
    path: str
    query: str
    effective: str


def _dot_segments(path: str) -> str:
    """RFC 3986's remove_dot_segments, as curl applies it."""
    segments = path.split('/')
    kept: list[str] = []
    for index, segment in enumerate(segments[1:], 1):
        last = index == len(segments) - 1
        if segment in ('.', '..'):
            if segment == '..' and kept:
                kept.pop()
            if last:
                kept.append('')
        else:
            kept.append(segment)
    return '/' + '/'.join(kept)


def _parse_url(text: str) -> _Url:
    """The URL as curl takes it; raises :class:`_TransferError` (1, 3) as curl fails."""
    malformed = _TransferError(3, 'URL using bad/illegal format or missing URL')
    match = re.fullmatch(
        r'(?:([A-Za-z][A-Za-z0-9+.-]*)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?', text
    )
    if match is None or not text:
        raise malformed
    scheme = (match.group(1) or 'http').lower()
    authority, path = match.group(2), match.group(3) or '/'
    query, fragment = match.group(4), match.group(5) or ''
    if scheme not in ('http', 'https'):
        if scheme in _CURL_SCHEMES:
            _not_emulated(f'the {scheme}:// scheme')
        raise _TransferError(1, f'Protocol "{scheme}" not supported')
    if '@' in authority:
        _not_emulated('credentials in the URL')
    bracketed = re.fullmatch(r'\[([0-9A-Fa-f:.]+)\](?::(.*))?', authority)
    if bracketed is not None:
        host, port_text = bracketed.group(1), bracketed.group(2)
    else:
        host, sep, port_text = authority.partition(':')
        port_text = port_text if sep else None
    if not host or (port_text is not None and not re.fullmatch(r'\d{1,5}', port_text)):
        raise malformed
    port = int(port_text) if port_text else (443 if scheme == 'https' else 80)
    if port > 65535:
        raise malformed
    path = _dot_segments(path)
    shown = f'[{host}]' if bracketed is not None else host
    shown += f':{port_text}' if port_text else ''
    tail = (f'?{query}' if query is not None else '') + fragment
    return _Url(scheme, host, port, path, query or '', f'{scheme}://{shown}{path}{tail}')


def _hosts_file(host: SimHost, name: str) -> str | None:
    """The address ``/etc/hosts`` gives ``name`` (IPv4 first), or None."""
    entry = host.files.get('/etc/hosts')
    if entry is None:
        return None
    found: list[str] = []
    for line in entry.content.splitlines():
        words = line.split('#', 1)[0].split()
        if len(words) > 1 and name.lower() in (w.lower() for w in words[1:]):
            found.append(words[0])
    found.sort(key=lambda address: ':' in address)
    return found[0] if found else None


def _resolve(world: World, client: SimHost, name: str) -> str | None:
    """The address ``name`` resolves to on ``client``, or None (curl's exit status 6)."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    if name.lower() == 'localhost':
        return '127.0.0.1'  # curl resolves localhost itself
    address = _hosts_file(client, name)
    if address is not None:
        return address
    for _, machine in sorted(world.machines.items()):
        if machine.hostname().lower() == name.lower() and machine.addresses():
            return machine.addresses()[0]
    return None


# -- HAProxy's configuration, as far as forwarding goes -------------------------------------------


@dataclass(frozen=True)
class _Bind:
    host: str  # '' for any IPv4 address, '::' for any IPv6 (and IPv4 unless v6only)
    low: int
    high: int
    v6only: bool


@dataclass(frozen=True)
class _Server:
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
class _Proxy:
    kind: str
    name: str
    mode: str
    httpchk: str | None
    expect: tuple[tuple[int, int], ...] | None
    default_server: list[str]
    binds: list[_Bind] = field(default_factory=list[_Bind])
    servers: list[_Server] = field(default_factory=list[_Server])
    default_backend: str = ''
    disabled: bool = False


def _parse_bind(args: Sequence[str]) -> list[_Bind]:
    binds: list[_Bind] = []
    if not args:
        return binds
    if 'ssl' in args[1:]:
        _not_emulated('HAProxy binds with ssl (TLS terminated by HAProxy)')
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


def _parse_server(args: Sequence[str], defaults: Sequence[str]) -> _Server:
    name, address = args[0], args[1]
    host, port = haproxy.split_address(address)
    if port and not port.isdigit():
        _not_emulated(f'HAProxy server ports like {address!r}')
    options = [*defaults, *args[2:]]
    values: dict[str, str] = {}
    for i, option in enumerate(options[:-1]):
        if option in ('port', 'addr', 'verify', 'ca-file'):
            values[option] = options[i + 1]
    if 'ssl' in options or 'send-proxy' in options or 'send-proxy-v2' in options:
        _not_emulated('HAProxy servers with ssl or send-proxy')
    check_ssl = 'check-ssl' in options
    if check_ssl and values.get('verify', 'required') != 'none':
        _not_emulated('HAProxy check-ssl with certificate verification')
    check_port = values.get('port')
    return _Server(
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
        _not_emulated(f'http-check expect {" ".join(args)}')
    ranges: list[tuple[int, int]] = []
    for item in args[1].split(','):
        low, _, high = item.partition('-')
        if not low.isdigit() or (high and not high.isdigit()):
            _not_emulated(f'http-check expect status {args[1]}')
        ranges.append((int(low), int(high or low)))
    return tuple(ranges)


def _parse_httpchk(args: Sequence[str]) -> str:
    """The URI of ``option httpchk [METHOD] URI [VERSION]`` (only GET is emulated)."""
    if len(args) == 1 and args[0].startswith('/'):
        return args[0]
    if len(args) >= 2 and args[0] == 'GET':
        return args[1]
    _not_emulated(f'option httpchk {" ".join(args)} (a check other than GET URI)')


def _proxy_line(proxy: _Proxy, key: str, args: list[str]) -> None:
    """Apply one line of a frontend/backend/listen/defaults section."""
    if key == 'mode' and args:
        proxy.mode = args[0]
    elif key == 'bind':
        proxy.binds.extend(_parse_bind(args))
    elif key == 'default_backend' and args:
        proxy.default_backend = args[0]
    elif key == 'use_backend':
        _not_emulated('HAProxy use_backend rules')
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
            _not_emulated(f'http-check send meth {fields["meth"]}')
        proxy.httpchk = fields.get('uri', proxy.httpchk or '/')
    elif key == 'tcp-check':
        _not_emulated('HAProxy tcp-check rules')


def _haproxy_config(text: str) -> list[_Proxy]:
    """The frontends, backends and listens of ``haproxy.cfg``, defaults applied."""
    proxies: list[_Proxy] = []
    defaults = _Proxy('defaults', '', 'tcp', None, None, [])
    current: _Proxy | None = None
    for raw in text.splitlines():
        words = haproxy.config_words(raw)
        if not words:
            continue
        key, args = words[0], words[1:]
        if key == 'defaults':
            defaults = _Proxy('defaults', '', 'tcp', None, None, [])
            current = defaults
        elif key in ('frontend', 'backend', 'listen'):
            current = _Proxy(
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


def _bound(bind: _Bind, address: str, port: int) -> bool:
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


# -- the network ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ApiServer:
    """kube-apiserver on a control-plane machine, at the end of the path."""

    machine: SimHost
    cluster: Mapping[str, Any]
    node: Mapping[str, Any]


@dataclass(frozen=True)
class _Closed:
    """A proxy accepted the connection and closed it: nothing to forward it to."""


_Peer = _ApiServer | _Closed
_Hop = tuple[str, str, int]


def _local_k8s(machine: SimHost) -> Mapping[str, Any]:
    """The machine's k8s membership (cluster, name, role) while k8sd is initialised there."""
    if not machine.exists(k8s.DAEMON_FILE):
        return {}
    return _mapping(machine.state.get('k8s'))


def _cluster(world: World, cluster_id: object) -> Mapping[str, Any] | None:
    clusters = _mapping(_mapping(world.shared.get('k8s')).get('clusters'))
    found = clusters.get(str(cluster_id))
    return _mapping(found) if found is not None else None


class _Network:
    """The machines of a World seen as hosts on one network."""

    def __init__(self, world: World) -> None:
        self.world = world
        keepalived.reconcile(world)
        self.holders = keepalived.vip_holders(world)

    def machine_at(self, client: SimHost, address: str) -> SimHost | None:
        """The machine that answers for ``address`` (from ``client``'s point of view)."""
        if ipaddress.ip_address(address).is_loopback:
            return client
        machines = self.world.machines
        for _, machine in sorted(machines.items()):
            if address in machine.addresses():
                return machine
        holder = self.holders.get(address)
        return machines.get(holder) if holder is not None else None

    def connect(
        self, client: SimHost, address: str, port: int, hops: tuple[_Hop, ...]
    ) -> _Peer | None:
        """Who answers a connection from ``client`` to ``address:port`` (None: no one)."""
        machine = self.machine_at(client, address)
        if machine is None:
            return None
        hop = (machine.machine_id, address, port)
        if hop in hops or len(hops) >= _MAX_HOPS:
            return None  # a forwarding loop: it never gets an answer
        hops = (*hops, hop)
        served = self.frontend(machine, address, port)
        if served is not None:
            return self.forward(machine, served, port, hops)
        if port == _API_PORT:
            api = self.apiserver(machine)
            if api is not None:
                return api
            if ipaddress.ip_address(address).is_loopback:
                return self.apiserver_proxy(machine, hops)
        return None

    def frontend(self, machine: SimHost, address: str, port: int) -> _Proxy | None:
        """The HAProxy proxy holding the servers for ``address:port`` on ``machine``.

        That is the ``default_backend`` of the frontend bound there (an empty stand-in when it
        names none), or the ``listen`` section itself; None when HAProxy does not run or
        binds no such port.
        """
        if not keepalived.installed(machine, 'haproxy'):
            return None
        if not keepalived.active(machine, 'haproxy.service'):
            return None
        entry = machine.files.get(haproxy.CONFIG)
        if entry is None:
            return None
        proxies = _haproxy_config(entry.content)
        for proxy in proxies:
            if proxy.kind == 'backend' or proxy.disabled:
                continue
            if not any(_bound(bind, address, port) for bind in proxy.binds):
                continue
            if proxy.mode != 'tcp':
                _not_emulated(f'HAProxy mode {proxy.mode} (frontend {proxy.name})')
            if proxy.kind == 'listen':
                return proxy
            backend = next(
                (
                    p
                    for p in proxies
                    if p.kind in ('backend', 'listen') and p.name == proxy.default_backend
                ),
                None,
            )
            if backend is None or backend.disabled:
                return _Proxy('backend', proxy.default_backend, 'tcp', None, None, [])
            return backend
        return None

    def forward(
        self, machine: SimHost, backend: _Proxy, port: int, hops: tuple[_Hop, ...]
    ) -> _Peer:
        """HAProxy in tcp mode: the first server of ``backend`` that is up takes the connection."""
        servers = [s for s in backend.servers if not s.disabled]
        for backup in (False, True):
            for server in servers:
                if server.backup != backup or not self.healthy(
                    machine, backend, server, port, hops
                ):
                    continue
                address = _resolve(self.world, machine, server.address)
                peer = None
                if address is not None:
                    peer = self.connect(machine, address, server.port or port, hops)
                return peer if peer is not None else _Closed()
        return _Closed()

    def healthy(
        self,
        machine: SimHost,
        proxy: _Proxy,
        server: _Server,
        port: int,
        hops: tuple[_Hop, ...],
    ) -> bool:
        """Whether HAProxy's health check of ``server`` passes now (no check: it is up)."""
        if not server.check:
            return True
        address = _resolve(self.world, machine, server.check_addr or server.address)
        if address is None:
            return False
        peer = self.connect(machine, address, server.check_port or server.port or port, hops)
        if peer is None:
            return False
        if proxy.httpchk is None:
            return isinstance(peer, _ApiServer) or not server.check_ssl
        if isinstance(peer, _Closed):
            return False
        path, _, query = proxy.httpchk.partition('?')
        scheme = 'https' if server.check_ssl else 'http'
        status = _api_response(peer, scheme, path, query, False).status
        return any(low <= status <= high for low, high in proxy.expect or ((200, 399),))

    def apiserver(self, machine: SimHost) -> _ApiServer | None:
        """kube-apiserver on ``machine``, when it is a running control-plane node."""
        local = _local_k8s(machine)
        if local.get('role') != 'control-plane':
            return None
        if not keepalived.active(machine, 'snap.k8s.kube-apiserver.service'):
            return None
        cluster = _cluster(self.world, local.get('cluster'))
        if cluster is None:
            return None
        node = _mapping(_mapping(cluster.get('nodes')).get(str(local.get('name'))))
        return _ApiServer(machine, cluster, node)

    def apiserver_proxy(self, machine: SimHost, hops: tuple[_Hop, ...]) -> _Peer | None:
        """k8s-apiserver-proxy on a worker's 127.0.0.1:6443, forwarding to the control planes."""
        local = _local_k8s(machine)
        if local.get('role') != 'worker':
            return None
        if not keepalived.active(machine, 'snap.k8s.k8s-apiserver-proxy.service'):
            return None
        cluster = _cluster(self.world, local.get('cluster')) or {}
        for _, node in sorted(_mapping(cluster.get('nodes')).items()):
            record = _mapping(node)
            if record.get('role') != 'control-plane':
                continue
            peer = self.connect(machine, str(record.get('address')), _API_PORT, hops)
            if isinstance(peer, _ApiServer):
                return peer
        return _Closed()


# -- what kube-apiserver answers ------------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    status: int
    body: str
    content_type: str = ''


def _go_json(value: object) -> str:
    """``json.MarshalIndent(value, "", "  ")``: Go escapes <, > and & in strings."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    for char, escaped in (('<', '\\u003c'), ('>', '\\u003e'), ('&', '\\u0026')):
        text = text.replace(char, escaped)
    return text.replace('\u2028', '\\u2028').replace('\u2029', '\\u2029')


def _version_info(api: _ApiServer) -> dict[str, str]:
    """kube-apiserver's ``version.Info``, from the k8s snap installed on its machine."""
    snaps = _mapping(_mapping(api.machine.state.get('snap')).get('snaps'))
    version = str(_mapping(snaps.get('k8s')).get('version', ''))
    match = re.match(r'v?(\d+)\.(\d+)', version)
    major, minor = (match.group(1), match.group(2)) if match else ('', '')
    info = {'major': major, 'minor': minor}
    if match and (int(major), int(minor)) >= (1, 33):
        info |= {
            'emulationMajor': major,
            'emulationMinor': minor,
            'minCompatibilityMajor': major,
            'minCompatibilityMinor': str(int(minor) - 1),
        }
    return info | {
        'gitVersion': version if version.startswith('v') or not version else f'v{version}',
        'gitCommit': '',
        'gitTreeState': '',
        'buildDate': '',
        'goVersion': '',
        'compiler': 'gc',
        'platform': 'linux/amd64',
    }


def _unauthorized() -> _Response:
    """The 401 ``Status`` of kube-apiserver's authentication filter (no ``details``)."""
    status: dict[str, object] = {
        'kind': 'Status',
        'apiVersion': 'v1',
        'metadata': {},
        'status': 'Failure',
        'message': 'Unauthorized',
        'reason': 'Unauthorized',
        'code': 401,
    }
    return _Response(401, _go_json(status), _JSON)


def _api_response(api: _ApiServer, scheme: str, path: str, query: str, admin: bool) -> _Response:
    """What kube-apiserver answers a GET (``admin``: with the admin client certificate).

    With ``--anonymous-auth=false`` (k8s-snap) authentication comes before every handler, the
    health checks included: no accepted credential, 401.
    """
    if scheme == 'http':
        return _Response(400, 'Client sent an HTTP request to an HTTPS server.\n')
    if not admin:
        return _unauthorized()
    if path in _HEALTH_PATHS:
        if query:
            _not_emulated(f'{path}?{query} (the detailed health checks)')
        return _Response(200, 'ok', _PLAIN_TEXT)
    if path in ('/version', '/version/'):
        return _Response(200, _go_json(_version_info(api)), _JSON)
    _not_emulated(f'an authenticated GET {path} (use kubectl, emulated by k8s)')


# -- TLS ------------------------------------------------------------------------------------------


def _pem_blocks(text: str) -> set[str]:
    return {
        re.sub(r'\s+', '', body)
        for body in re.findall(
            r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', text, re.DOTALL
        )
    }


def _subject_names(api: _ApiServer) -> set[str]:
    """The API server certificate's SANs (lower-case names, normalised IP addresses)."""
    names: set[str] = {*_KUBERNETES_NAMES, api.machine.hostname().lower(), '127.0.0.1', '::1'}
    names.update(api.machine.addresses())
    for san in cast('list[object]', api.node.get('sans') or [api.node.get('address', '')]):
        names.add(str(san).lower())
    for cidr in str(api.cluster.get('service-cidr', '')).split(','):
        try:
            names.add(str(ipaddress.ip_network(cidr.strip(), strict=False).network_address + 1))
        except ValueError:
            continue
    return {_normalise(name) for name in names if name}


def _normalise(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def _verify(client: SimHost, options: _Options, url: _Url, api: _ApiServer, remote: str) -> None:
    """The certificate checks curl makes on the API server; raises :class:`_TransferError`."""
    if options.insecure:
        return
    path = options.cacert or CA_BUNDLE
    if options.cacert is not None:
        if not options.cacert.startswith('/'):
            _not_emulated('a relative --cacert path (no working directory is simulated)')
        if options.cacert not in client.files:
            raise _TransferError(
                77, f'error setting certificate file: {options.cacert}', remote=remote
            )
    entry = client.files.get(path)
    bundle = _pem_blocks(entry.content) if entry is not None else set[str]()
    if not bundle & _pem_blocks(str(api.cluster.get('ca', ''))):
        raise _TransferError(
            60, 'SSL certificate problem: unable to get local issuer certificate', remote=remote
        )
    if _normalise(url.host) not in _subject_names(api):
        raise _TransferError(
            60,
            f"SSL: no alternative certificate subject name matches target host name '{url.host}'",
            remote=remote,
        )


# -- one transfer ---------------------------------------------------------------------------------


def _transfer(invocation: Invocation, options: _Options, url: _Url) -> tuple[_Response, str]:
    """The response and the address connected to; raises :class:`_TransferError`."""
    client, world = invocation.host, invocation.world
    address = _resolve(world, client, url.host)
    if address is None:
        raise _TransferError(6, f'Could not resolve host: {url.host}')
    peer = _Network(world).connect(client, address, url.port, ())
    if peer is None:
        raise _TransferError(
            7,
            f"Failed to connect to {url.host} port {url.port} after 0 ms: Couldn't connect to "
            'server',
        )
    if isinstance(peer, _Closed):
        if url.scheme == 'https':
            raise _TransferError(
                35,
                f'OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {url.host}:{url.port} ',
                remote=address,
            )
        raise _TransferError(52, 'Empty reply from server', remote=address)
    if url.scheme == 'https':
        _verify(client, options, url, peer, address)
    admin = _is_admin(client, options, peer)
    return _api_response(peer, url.scheme, url.path, url.query, admin), address


def _is_admin(client: SimHost, options: _Options, api: _ApiServer) -> bool:
    """Whether ``--cert``/``--key`` are the admin client certificate and key of ``k8s config``.

    The certificate is the one k8sd puts in the admin kubeconfig (``KubeconfigString`` with
    ``AdminClientCert``/``AdminClientKey``); :mod:`.k8s` derives it from the cluster's state,
    and it is read from there, not derived again here.
    """
    if options.cert is None and options.key is None:
        return False
    if options.cert is None or options.key is None:
        _not_emulated('--cert without --key, or --key without --cert')
    files: list[str] = []
    for path in (options.cert, options.key):
        entry = client.files.get(path) if path.startswith('/') else None
        if entry is None:
            _not_emulated(f'--cert/--key {path!r} that is not an absolute path to a file')
        files.append(entry.content)
    crt, key = (base64.b64decode(part).decode() for part in k8s.admin_client(api.cluster))
    return _pem_blocks(files[0]) == _pem_blocks(crt) and files[1].strip() == key.strip()


def _write_out(template: str, values: Mapping[str, str], stderr: list[str]) -> str:
    r"""Expand ``--write-out``: ``%{var}``, ``%%``, ``\n``, ``\r``, ``\t``."""
    out: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        if char == '%' and template.startswith('%%', i):
            out.append('%')
            i += 2
        elif char == '%' and template.startswith('%{', i) and '}' in template[i:]:
            end = template.index('}', i)
            name = template[i + 2 : end]
            if name in _WRITE_OUT_EMULATED:
                out.append(values[name])
            elif name in _WRITE_OUT_CURL or name.startswith(('url.', 'header{')):
                _not_emulated(f'--write-out %{{{name}}}')
            else:
                stderr.append(f"curl: unknown --write-out variable: '{name}'\n")
            i = end + 1
        elif char == '\\' and i + 1 < len(template):
            escaped = {'n': '\n', 'r': '\r', 't': '\t'}.get(template[i + 1])
            out.append(escaped if escaped is not None else template[i : i + 2])
            i += 2
        else:
            out.append(char)
            i += 1
    return ''.join(out)


def _save(host: SimHost, path: str, body: str) -> str | None:
    """Write ``-o FILE``; the warning curl prints when it cannot (None: written)."""
    if path == '/dev/null':
        return None
    if not path.startswith('/'):
        _not_emulated('a relative --output path (no working directory is simulated)')
    if host.is_dir(path):
        return f'Warning: Failed to open the file {path}: Is a directory\n'
    if not host.is_dir(posixpath.dirname(path)):
        return f'Warning: Failed to open the file {path}: No such file or directory\n'
    host.write_text(path, body)
    return None


def _version(host: SimHost) -> str:
    package = keepalived.package_version(host, 'curl')
    upstream = package.split('-', 1)[0]
    date = _RELEASE_DATES.get(upstream, 'unknown')
    return (
        f'curl {upstream} (x86_64-pc-linux-gnu) libcurl/{upstream} OpenSSL/3.0.13 '
        f'({SIMULATED})\n'
        f'Release-Date: {date}, security patched: {package}\n'
        'Protocols: http https\n'
        'Features: IPv6 SSL\n'
    )


@dataclass
class _Outcome:
    """What one transfer leaves for the output and the write-out."""

    code: int = 0
    message: str = ''
    response: _Response | None = None
    remote: str = ''
    body: str = ''


def _deliver(
    invocation: Invocation, options: _Options, outcome: _Outcome
) -> tuple[list[str], list[str]]:
    """Hand the body to stdout or ``-o FILE`` (``-f`` withholds it): (stdout, stderr) text."""
    response = outcome.response
    if response is None:
        return [], []
    if options.fail and response.status >= 400:
        outcome.code = 22
        outcome.message = f'The requested URL returned error: {response.status}'
        return [], []
    outcome.body = response.body
    if options.output is None or options.output == '-':
        return [response.body], []
    warning = _save(invocation.host, options.output, response.body)
    if warning is None:
        return [], []
    outcome.code, outcome.message = 23, 'Failure writing output to destination'
    return [], ([] if options.silent else [warning])


def _values(url: _Url | None, outcome: _Outcome) -> dict[str, str]:
    """The write-out variables of a finished transfer."""
    response = outcome.response
    code = f'{response.status:03d}' if response is not None else '000'
    return {
        'http_code': code,
        'response_code': code,
        'exitcode': str(outcome.code),
        'errormsg': outcome.message,
        'remote_ip': outcome.remote,
        'remote_port': str(url.port) if outcome.remote and url is not None else '0',
        'size_download': str(len(outcome.body.encode())),
        'url_effective': url.effective if url is not None else '',
        'content_type': response.content_type if response is not None else '',
    }


def _run(invocation: Invocation, options: _Options) -> Completed:
    """One transfer with its output, write-out and error message."""
    url: _Url | None = None
    outcome = _Outcome()
    try:
        url = _parse_url(options.urls[0])
        outcome.response, outcome.remote = _transfer(invocation, options, url)
    except _TransferError as failure:
        outcome.code, outcome.message, outcome.remote = (
            failure.code,
            failure.message,
            failure.remote,
        )
    stdout, stderr = _deliver(invocation, options, outcome)
    if options.write_out:
        stdout.append(_write_out(options.write_out, _values(url, outcome), stderr))
    if outcome.code and (not options.silent or options.show_error):
        stderr.append(f'curl: ({outcome.code}) {outcome.message}\n')
        if outcome.code == 60:
            stderr.append(_HINT)
    return invocation.result(''.join(stdout), ''.join(stderr), outcome.code)


def handle(invocation: Invocation) -> Completed:
    """Run ``curl`` where the curl package is installed."""
    host = invocation.host
    if not keepalived.installed(host, 'curl'):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    try:
        options = _parse(invocation.args)
    except _UsageError as error:
        text = f'{error.message}\n' if error.message else ''
        return invocation.result('', text + _TRY, 2)
    if options.version:
        return invocation.result(_version(host))
    if not options.urls:
        return invocation.result('', 'curl: no URL specified!\n' + _TRY, 2)
    if len(options.urls) > 1:
        _not_emulated('several URLs in one run')
    return _run(invocation, options)
