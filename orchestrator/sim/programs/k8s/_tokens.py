"""Join tokens as microcluster (control planes) and k8sd (workers) encode and check them."""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ...world import World

TOKEN_TTL = 24 * 3600
"""``k8s get-join-token --expires-in``'s default (``k8s_get_join_token.go``: 24h)."""


def expired(world: World, token: Mapping[str, Any]) -> bool:
    """Whether a join token's expiry (``--expires-in``, 24 h by default) has passed."""
    expires = token.get('expires')
    return expires is not None and world.clock() >= float(expires)


_GO_DURATION_UNITS = {
    'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0
}  # fmt: skip


def go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` in seconds (``24h``, ``1h30m``, ``90s``); ValueError else."""
    if text == '0':
        return 0.0
    parts = re.findall(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)', text)
    if not parts or ''.join(n + u for n, u in parts) != text.lstrip('+'):
        raise ValueError(text)
    return sum(float(number) * _GO_DURATION_UNITS[unit] for number, unit in parts)


_WORKER_MAGIC = 'm!!'
"""k8sd's mark of a serialised worker token (``internalWorkerNodeTokenSerializeMagicString``)."""


def fingerprint(ca: str) -> str:
    return hashlib.sha256(ca.encode()).hexdigest()


def worker_token(token: str, addresses: Sequence[str], ca: str) -> str:
    """A worker join token as k8sd encodes it (``InternalWorkerNodeToken.Encode``).

    canonical/k8s-snap ``src/k8s/pkg/k8sd/types/worker.go`` @ release-1.32: JSON of ``token``,
    ``secret``, ``join_addresses``, ``fingerprint`` and the magic ``"_": "m!!"``, base64
    without padding (``RawStdEncoding``).
    """
    payload = {
        'token': token,
        'secret': hashlib.sha256(f'worker-secret\0{token}'.encode()).hexdigest()[:32],
        'join_addresses': list(addresses),
        'fingerprint': fingerprint(ca),
        '_': _WORKER_MAGIC,
    }
    raw = json.dumps(payload, separators=(',', ':')).encode()
    return base64.b64encode(raw).decode().rstrip('=')


_BASE64 = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=')


def token_decode_error(token: str) -> str:
    """The error of microcluster's ``DecodeToken`` for a token that is not one.

    Go's ``base64.CorruptInputError`` names the first byte it cannot take (``illegal base64 data
    at input byte N``); assumption: any other failure (bad padding, not JSON) is reported as
    ``json``'s ``invalid character`` at the start, the common case for random text.
    """
    for index, char in enumerate(token):
        if char not in _BASE64:
            return f'illegal base64 data at input byte {index}'
    if len(token) % 4:
        return f'illegal base64 data at input byte {len(token) - len(token) % 4}'
    return "invalid character '\\x00' looking for beginning of value"


def decode_token(token: str) -> dict[str, Any] | None:
    """A join token's JSON (k8sd's worker shape or microcluster's), or None if it is neither.

    k8sd tries the worker shape first (``postClusterJoin``: RawStdEncoding, the magic string),
    then leaves the token to microcluster (``DecodeToken``: StdEncoding).
    """
    text = token.strip()
    if '=' not in text:
        try:
            raw = base64.b64decode(text + '=' * (-len(text) % 4), validate=True)
            data = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            data = None
        if isinstance(data, dict) and cast('dict[str, Any]', data).get('_') == _WORKER_MAGIC:
            return cast('dict[str, Any]', data)
    try:
        data = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    payload = cast('dict[str, Any]', data)
    if 'token' in payload:  # a worker shape without k8sd's mark is no worker token
        payload = {key: value for key, value in payload.items() if key != 'token'}
    return payload if isinstance(payload.get('join_addresses'), list) else None
