"""Untyped relation databag values (peer data, mostly): every value is JSON.

The interfaces' typed models (:mod:`metal_interfaces._base`) fit data with a schema; a charm's
own peer data is looser and written by other units and older revisions of the same charm, so
reading never raises: a missing or malformed value reads as empty. Writing skips a value that
did not change, so a reconcile that changes nothing triggers no relation-changed events.
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any, cast

__all__ = ['read', 'read_dict', 'read_list', 'read_str', 'strings', 'write']


def read(raw: str | None) -> Any:
    """A JSON value (None when missing or malformed)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def read_str(raw: str | None) -> str | None:
    """A non-empty JSON string, or None."""
    value = read(raw)
    return value if isinstance(value, str) and value else None


def read_list(raw: str | None) -> list[str]:
    """The strings of a JSON list ([] for anything else)."""
    return strings(read(raw))


def strings(value: object) -> list[str]:
    """The strings of a JSON list ([] for anything else)."""
    if not isinstance(value, list):
        return []
    return [item for item in cast('list[Any]', value) if isinstance(item, str)]


def read_dict(raw: str | None) -> dict[str, Any]:
    """A JSON object with string keys ({} for anything else)."""
    value = read(raw)
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in cast('dict[Any, Any]', value).items()}


def write(data: MutableMapping[str, str], key: str, value: object) -> None:
    """Set ``key`` to ``value`` as JSON ('' deletes an empty value), only when it changed."""
    raw = json.dumps(value, sort_keys=True) if value else ''
    if data.get(key, '') != raw:
        data[key] = raw
