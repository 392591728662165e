"""Certificates: the cluster CA, a control plane's SANs, the admin client, their expiry."""

# pyright: strict

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._cluster import draw

if TYPE_CHECKING:
    from ...world import World


def pem(world: World, stable: str) -> str:
    """A PEM-shaped certificate (random DER-looking bytes, not a parseable certificate)."""
    body = base64.b64encode(b'\x30\x82\x03\x0c' + draw(world, 'ca', stable, 776)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return '-----BEGIN CERTIFICATE-----\n' + '\n'.join(lines) + '\n-----END CERTIFICATE-----\n'


def admin_client(cluster: Mapping[str, Any]) -> tuple[str, str]:
    """The admin client certificate and key, base64 as a kubeconfig holds them.

    k8sd's admin kubeconfig authenticates with the ``admin-client`` certificate
    (``KubeconfigString(server, CACert, AdminClientCert, AdminClientKey)``); both are derived
    from the cluster's admin credential here (shaped like PEM, not parseable).
    """
    secret = str(cluster.get('admin-token', ''))
    digest = hashlib.shake_256(f'admin-client\0{secret}'.encode()).digest(96)
    crt = '-----BEGIN CERTIFICATE-----\n' + base64.b64encode(digest).decode()
    key = '-----BEGIN EC PRIVATE KEY-----\n' + base64.b64encode(digest[::-1]).decode()
    crt += '\n-----END CERTIFICATE-----\n'
    key += '\n-----END EC PRIVATE KEY-----\n'
    return base64.b64encode(crt.encode()).decode(), base64.b64encode(key.encode()).decode()


def sans(ip: str, extra: Sequence[str]) -> list[str]:
    """A control plane certificate's SANs as kept here: its address, then the extra ones."""
    return list(dict.fromkeys([ip, *extra]))


_YEAR, _MONTH, _DAY = 365 * 24 * 3600, 30 * 24 * 3600, 24 * 3600  # k8s-snap's approximations

_GO_UNITS = {'s': 1, 'm': 60, 'h': 3600}  # what ParseDuration takes after a bare integer


def ttl_seconds(ttl: str) -> int:
    """``utils.TTLToSeconds``: ``5y``, ``6mo``, ``7d``, else Go's ParseDuration; its errors."""
    if len(ttl) < 2:
        raise ValueError(f'invalid TTL length: {ttl}')
    number, unit = (ttl[:-2], 'mo') if ttl.endswith('mo') else (ttl[:-1], ttl[-1:].lower())
    digits = number[1:] if number[:1] in ('+', '-') else number
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f'invalid TTL format: strconv.Atoi: parsing "{number}": invalid syntax')
    value = int(number)
    if unit in ('y', 'mo', 'd'):
        return value * {'y': _YEAR, 'mo': _MONTH, 'd': _DAY}[unit]
    # time.ParseDuration of the whole string: an integer and one character here, so s, m or h.
    if ttl[-1] not in _GO_UNITS:
        raise ValueError(f'invalid TTL unit: {unit}')
    return value * _GO_UNITS[ttl[-1]]


def expiration(now: float, seconds: int) -> int:
    """``utils.SecondsToExpirationDate``: whole years, months or days on the calendar."""
    start = datetime.datetime.fromtimestamp(int(now), datetime.UTC)
    years = months = days = 0
    if seconds % _YEAR == 0:
        years = seconds // _YEAR
    elif seconds % _MONTH == 0:
        months = seconds // _MONTH
    elif seconds % _DAY == 0:
        days = seconds // _DAY
    else:
        return int(now) + seconds
    # Go's AddDate normalises overflow (Jan 31 + 1 month is Mar 3), as a day offset does.
    total = start.month - 1 + months
    year, month = start.year + years + total // 12, total % 12 + 1
    first = start.replace(year=year, month=month, day=1)
    return int((first + datetime.timedelta(days=start.day - 1 + days)).timestamp())
