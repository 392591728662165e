"""curl's command line: the emulated options, curl's others, and how they are read."""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._errors import UsageError, not_emulated

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


@dataclass
class Options:
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


def _set_switch(options: Options, name: str, on: bool) -> None:
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


def _set_value(options: Options, name: str, word: str, value: str) -> None:
    if name in _NUMERIC:
        if not re.fullmatch(r'\d+(\.\d*)?|\.\d+', value):
            raise UsageError(f'curl: option {word}: expected a proper numerical parameter')
    elif name == 'output':
        options.output = value
    elif name == 'write-out':
        if value.startswith('@'):
            not_emulated('--write-out @FILE')
        options.write_out = value
    elif name == 'cacert':
        options.cacert = value
    elif name == 'url':
        options.urls.append(value)
    elif name == 'cert':
        options.cert = value
    elif name == 'key':
        options.key = value


def _long(options: Options, word: str, rest: list[str]) -> None:
    name = word[2:]
    if name in _SWITCHES:
        _set_switch(options, name, True)
    elif name.startswith('no-') and name[3:] in _SWITCHES:
        _set_switch(options, name[3:], False)
    elif name in _VALUED:
        if not rest:
            raise UsageError(f'curl: option {word}: requires parameter')
        _set_value(options, name, word, rest.pop(0))
    elif name in _CURL_LONG or (name.startswith('no-') and name[3:] in _CURL_LONG):
        not_emulated(f'option {word}')
    else:
        raise UsageError(f'curl: option {word}: is unknown')


def _short(options: Options, word: str, rest: list[str]) -> None:
    letters = word[1:]
    for i, letter in enumerate(letters):
        name = _SHORT.get(letter)
        if name is None:
            if letter in _CURL_SHORT:
                not_emulated(f'option -{letter} (in {word})')
            raise UsageError(f'curl: option {word}: is unknown')
        if name in _SWITCHES:
            _set_switch(options, name, True)
            continue
        value = letters[i + 1 :]
        if not value:
            if not rest:
                raise UsageError(f'curl: option {word}: requires parameter')
            value = rest.pop(0)
        _set_value(options, name, word, value)
        return


def parse(args: Sequence[str]) -> Options:
    options = Options()
    rest = list(args)
    if not rest:
        raise UsageError('')  # curl alone prints only the try line
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
