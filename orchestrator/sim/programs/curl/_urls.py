"""URLs as curl reads them, and host names as the client machine resolves them."""

# pyright: strict

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._errors import TransferError, not_emulated

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

_CURL_SCHEMES = frozenset(
    {
        'dict', 'file', 'ftp', 'ftps', 'gopher', 'gophers', 'imap', 'imaps', 'ldap', 'ldaps',
        'mqtt', 'pop3', 'pop3s', 'rtmp', 'rtsp', 'scp', 'sftp', 'smb', 'smbs', 'smtp', 'smtps',
        'telnet', 'tftp', 'ws', 'wss',
    }
)  # fmt: skip


@dataclass(frozen=True)
class Url:
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


def parse_url(text: str) -> Url:
    """The URL as curl takes it; raises :class:`~._errors.TransferError` (1, 3) as curl fails."""
    malformed = TransferError(3, 'URL using bad/illegal format or missing URL')
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
            not_emulated(f'the {scheme}:// scheme')
        raise TransferError(1, f'Protocol "{scheme}" not supported')
    if '@' in authority:
        not_emulated('credentials in the URL')
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
    return Url(scheme, host, port, path, query or '', f'{scheme}://{shown}{path}{tail}')


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


def resolve(world: World, client: SimHost, name: str) -> str | None:
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
