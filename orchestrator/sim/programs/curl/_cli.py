"""``curl``: a run from the command line to the output, ``-w``, ``-o`` and exit status."""

# pyright: strict

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metal_host import Completed
from metal_host._retrying import NOT_FOUND

from ...host import SIMULATED
from .. import keepalived
from ._apiserver import Response
from ._errors import TRY, TransferError, UsageError, not_emulated
from ._options import Options, parse
from ._tls import HINT
from ._transfer import transfer
from ._urls import Url, parse_url

if TYPE_CHECKING:
    from ...host import Invocation, SimHost

_RELEASE_DATES = {'8.5.0': '2023-12-06'}

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
                not_emulated(f'--write-out %{{{name}}}')
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
        not_emulated('a relative --output path (no working directory is simulated)')
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
    response: Response | None = None
    remote: str = ''
    body: str = ''


def _deliver(
    invocation: Invocation, options: Options, outcome: _Outcome
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


def _values(url: Url | None, outcome: _Outcome) -> dict[str, str]:
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


def _run(invocation: Invocation, options: Options) -> Completed:
    """One transfer with its output, write-out and error message."""
    url: Url | None = None
    outcome = _Outcome()
    try:
        url = parse_url(options.urls[0])
        outcome.response, outcome.remote = transfer(invocation, options, url)
    except TransferError as failure:
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
            stderr.append(HINT)
    return invocation.result(''.join(stdout), ''.join(stderr), outcome.code)


def handle(invocation: Invocation) -> Completed:
    """Run ``curl`` where the curl package is installed."""
    host = invocation.host
    if not keepalived.installed(host, 'curl'):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    try:
        options = parse(invocation.args)
    except UsageError as error:
        text = f'{error.message}\n' if error.message else ''
        return invocation.result('', text + TRY, 2)
    if options.version:
        return invocation.result(_version(host))
    if not options.urls:
        return invocation.result('', 'curl: no URL specified!\n' + TRY, 2)
    if len(options.urls) > 1:
        not_emulated('several URLs in one run')
    return _run(invocation, options)
