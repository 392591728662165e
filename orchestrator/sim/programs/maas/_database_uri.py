"""``--database-uri``: libpq's URI parser, and MAAS's ``get_database_settings`` on top.

libpq's ``conninfo_uri_parse`` as psycopg2's ``parse_dsn`` reports it.
"""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import ExitError

if TYPE_CHECKING:
    pass

__all__ = ['TEST_DB_URI', 'regiond_database_settings']


TEST_DB_URI = 'maas-test-db:///'


# libpq's connection keywords (PostgreSQL 16): anything else in a URI query is invalid.
_LIBPQ_KEYWORDS = frozenset(
    {
        'host',
        'hostaddr',
        'port',
        'dbname',
        'user',
        'password',
        'passfile',
        'channel_binding',
        'connect_timeout',
        'client_encoding',
        'options',
        'application_name',
        'fallback_application_name',
        'keepalives',
        'keepalives_idle',
        'keepalives_interval',
        'keepalives_count',
        'tcp_user_timeout',
        'sslmode',
        'sslcompression',
        'sslcert',
        'sslkey',
        'sslpassword',
        'sslcertmode',
        'sslrootcert',
        'sslcrl',
        'sslcrldir',
        'sslsni',
        'requirepeer',
        'require_auth',
        'ssl_min_protocol_version',
        'ssl_max_protocol_version',
        'gssencmode',
        'krbsrvname',
        'gsslib',
        'gssdelegation',
        'replication',
        'service',
        'target_session_attrs',
        'load_balance_hosts',
    }
)


class _DsnError(Exception):
    """libpq rejected the URI; the message is psycopg2's ``invalid dsn: ...``."""


def _redact_uri(uri: str) -> str:
    """The URI with anything that may be a password replaced: MAAS would print it as is."""
    scheme, sep, rest = uri.partition('://')
    at = rest.rfind('@')
    if not sep or at == -1:
        return uri
    user, colon, _ = rest[:at].partition(':')
    return f'{scheme}://{user}{":<redacted>" if colon else ""}@{rest[at + 1 :]}'


def _decode(text: str, shown: str) -> str:
    """Percent-decode one URI component as libpq does (``shown`` is what errors print)."""
    out = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if char != '%':
            out.extend(char.encode())
            continue
        pair = text[index : index + 2]
        index += 2
        if len(pair) < 2 or any(c not in '0123456789abcdefABCDEF' for c in pair):
            raise _DsnError(f'invalid percent-encoded token: "{shown}"')
        if pair == '00':
            raise _DsnError(f'forbidden value %00 in percent-encoded value: "{shown}"')
        out.append(int(pair, 16))
    return out.decode('utf-8', errors='replace')


def _parse_dsn(uri: str) -> dict[str, str]:
    """The keywords a ``postgres://`` URI sets, as libpq parses it."""
    start = len('postgres://')
    rest = uri[start:]
    values: dict[str, str] = {}
    stop = next((i for i, c in enumerate(rest) if c in '@/'), len(rest))
    pos = 0
    if rest[stop : stop + 1] == '@':
        user, colon, password = rest[:stop].partition(':')
        if user:
            values['user'] = _decode(user, user)
        if colon and password:
            values['password'] = _decode(password, '<redacted>')
        pos = stop + 1
    host, pos = _uri_host(uri, rest, pos, start)
    if rest[pos : pos + 1] == ':':
        end = next((i for i in range(pos + 1, len(rest)) if rest[i] in '/?'), len(rest))
        if end > pos + 1:
            values['port'] = _decode(rest[pos + 1 : end], rest[pos + 1 : end])
        pos = end
    if host:
        values['host'] = _decode(host, host)
    if rest[pos : pos + 1] == '/':
        end = rest.find('?', pos + 1)
        end = len(rest) if end == -1 else end
        if end > pos + 1:
            values['dbname'] = _decode(rest[pos + 1 : end], rest[pos + 1 : end])
        pos = end
    if rest[pos : pos + 1] == '?':
        values.update(_uri_params(rest[pos + 1 :]))
    return values


def _uri_host(uri: str, rest: str, pos: int, start: int) -> tuple[str, int]:
    """The host part: a bracketed IPv6 address, or up to ``:``, ``/`` or ``?``."""
    if rest[pos : pos + 1] != '[':
        end = next((i for i in range(pos, len(rest)) if rest[i] in ':/?'), len(rest))
        return rest[pos:end], end
    close = rest.find(']', pos)
    shown = _redact_uri(uri)
    if close == -1:
        raise _DsnError(
            'end of string reached when looking for matching "]" in IPv6 host address in URI: '
            f'"{shown}"'
        )
    if close == pos + 1:
        raise _DsnError(f'IPv6 host address may not be empty in URI: "{shown}"')
    after = close + 1
    if after < len(rest) and rest[after] not in ':/?,':
        raise _DsnError(
            f'unexpected character "{rest[after]}" at position {start + after + 1} in URI '
            f'(expected ":" or "/"): "{shown}"'
        )
    return rest[pos + 1 : close], after


def _uri_params(query: str) -> dict[str, str]:
    """``key=value&...`` as libpq's conninfo_uri_parse_params reads it."""
    values: dict[str, str] = {}
    params = query.split('&')
    if params[-1] == '':
        params.pop()  # libpq stops at the end of the string, so a trailing '&' is harmless
    for param in params:
        keyword, sep, value = param.partition('=')
        if not sep:
            raise _DsnError(f'missing key/value separator "=" in URI query parameter: "{param}"')
        if '=' in value:
            raise _DsnError(f'extra key/value separator "=" in URI query parameter: "{keyword}"')
        keyword = _decode(keyword, keyword)
        value = _decode(value, '<redacted>' if keyword == 'password' else value)
        if keyword == 'ssl' and value == 'true':
            keyword, value = 'sslmode', 'require'
        if keyword not in _LIBPQ_KEYWORDS:
            raise _DsnError(f'invalid URI query parameter: "{keyword}"')
        values[keyword] = value
    return values


def regiond_database_settings(uri: str, common: str) -> dict[str, Any]:
    """``get_database_settings``: regiond.conf's database settings from ``--database-uri``.

    Raises:
        _ExitError: the URI is refused, with MAAS's message.
    """
    if uri != TEST_DB_URI and not uri.startswith('postgres://'):
        raise ExitError(
            1,
            f"Database URI needs to be either '{TEST_DB_URI}' or start with 'postgres://'",
        )
    if uri == TEST_DB_URI:
        uri = f'postgres:///maasdb?host={common}/test-db-socket&user=maas'
    try:
        dsn = _parse_dsn(uri)
    except _DsnError as error:
        raise ExitError(1, f'Error parsing database URI: invalid dsn: {error}') from None
    unsupported = sorted(set(dsn) - {'user', 'password', 'host', 'dbname', 'port'})
    if unsupported:
        raise ExitError(
            1, 'Error parsing database URI: Unsupported parameters: ' + ', '.join(unsupported)
        )
    if 'user' not in dsn:
        raise ExitError(1, f'No user found in URI: {_redact_uri(uri)}')
    settings: dict[str, Any] = {
        'database_host': dsn.get('host', 'localhost'),
        'database_name': dsn.get('dbname', dsn['user']),
        'database_user': dsn['user'],
        'database_pass': dsn.get('password'),
    }
    if 'port' in dsn:
        try:
            settings['database_port'] = int(dsn['port'])
        except ValueError:
            # SnapCommand re-raises with always_show: Python prints the traceback.
            raise ExitError(
                1,
                'Traceback (most recent call last):\n  ...\n'
                f'ValueError: invalid literal for int() with base 10: {dsn["port"]!r}',
            ) from None
    return settings
