"""Join-token bookkeeping: who needs a token, serials, secret labels.

Why a module of its own: the protocol is decided here, purely; minting (``microceph cluster
add``), the secrets and the databags are the charm's. The upstream microceph charm keeps join
tokens in plain peer data, readable by every unit and by anyone who can read relation data;
here the leader keeps only ``join-tokens`` (unit name -> ``{"secret": id, "serial": n}``) in
the peer application databag, and the token itself in an application secret granted to that one
unit. Every token has a new serial, so a unit reporting a rejected token (``token-failed`` with
``failed-serial``) gets exactly one new token per failure. A token's secret is removed as soon
as its unit has joined or has left.
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from metal_interfaces import databag

import membership

TOKEN_KEY = 'token'  # noqa: S105 - a secret content key, not a token
"""The content key of join-token secrets."""
SERIAL_KEY = 'serial'
"""The content key of a join token's serial, in its secret."""


def entry(tokens: Mapping[str, Any], unit_name: str) -> tuple[str | None, int | None]:
    """A unit's entry in ``join-tokens``: its secret id and the token's serial."""
    found = tokens.get(unit_name)
    if not isinstance(found, dict):
        return None, None
    fields = cast('dict[str, Any]', found)
    secret_id, serial = fields.get('secret'), fields.get('serial')
    return (
        secret_id if isinstance(secret_id, str) else None,
        serial if isinstance(serial, int) else None,
    )


def secret_label(unit_name: str) -> str:
    """The label of the application secret holding ``unit_name``'s token."""
    return f'join-token-{unit_name.replace("/", "-")}'


def next_serial(last: str | None) -> int:
    """The serial of the next token, from the last one given (the raw databag value)."""
    value = databag.read(last)
    return (value if isinstance(value, int) else 0) + 1


def content(token: str, serial: int) -> dict[str, str]:
    """The content of a token's secret."""
    return {TOKEN_KEY: token, SERIAL_KEY: json.dumps(serial)}


def read_content(content: Mapping[str, str]) -> tuple[str | None, int | None]:
    """A token secret's token and serial (None for what is missing or malformed)."""
    token = content.get(TOKEN_KEY) or None
    serial = databag.read(content.get(SERIAL_KEY))
    return token, serial if isinstance(serial, int) else None


def stale(tokens: Mapping[str, Any], units: Mapping[str, membership.Member]) -> list[str]:
    """The units whose token goes: they joined, or they are no longer in the relation."""
    return sorted(n for n in tokens if (m := units.get(n)) is None or m.joined)


def wanted(
    tokens: Mapping[str, Any], units: Mapping[str, membership.Member]
) -> list[tuple[str, membership.Member]]:
    """The units to mint a token for, by name: asking without one, or after a rejection."""
    out: list[tuple[str, membership.Member]] = []
    for name, member in sorted(units.items()):
        if member.joined or not member.node:
            continue
        secret_id, serial = entry(tokens, name)
        failed = member.state == membership.TOKEN_FAILED and member.failed_serial == serial
        if secret_id is not None and not failed:
            continue
        out.append((name, member))
    return out
