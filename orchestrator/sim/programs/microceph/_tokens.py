"""Join tokens: their lifetime, ``--timeout`` as Go reads it, and the table that keeps them."""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._errors import ExitError
from ._state import mapping

_TOKEN_LIFETIME = 3 * 3600.0  # microceph cluster add --timeout default: 3h

_GO_UNITS = {'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0}


def duration(text: str) -> float:
    """Seconds in a Go ``time.ParseDuration`` string (``3h``, ``1h30m``, ``90s``, ``0``)."""
    if text == '0':
        return 0.0
    parts = re.findall(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)', text)
    if not parts or ''.join(n + u for n, u in parts) != text:
        raise ExitError(
            1, f'Error: Invalid value for timeout flag: time: invalid duration "{text}"'
        )
    return sum(float(number) * _GO_UNITS[unit] for number, unit in parts)


def expired(token: Mapping[str, Any], now: float) -> bool:
    """``CoreTokenRecord.Expired``: an expiry date that is before now (None: never)."""
    expires = token.get('expires')
    return expires is not None and float(expires) < now


def token_table(cluster: Mapping[str, Any]) -> str:
    """The join-token table: ``core_token_records`` (microcluster v2) or ``internal_...`` (reef).

    Reef builds with microcluster 3d587817830c (2024-07-09), from before the 'core' rename.
    """
    return str(mapping(cluster).get('token-table', 'core_token_records'))
