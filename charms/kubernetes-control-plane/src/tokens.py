"""Join-token bookkeeping for control-plane units: who needs a token, serials, secret labels.

Why a module of its own: the protocol (README, "Control-plane join tokens") is decided here,
purely; minting tokens (``k8s get-join-token``), the secrets and the databags are the charm's.
The leader keeps ``join-tokens`` (unit name -> ``{"secret": id, "serial": n}``) in the peer
application databag and gives every token a new serial, so a unit that reports a rejected token
(``token-failed`` with ``failed-serial``) gets exactly one new revision per failure. A token is
revoked as soon as its unit has joined or has left.
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


def secret_label(endpoint: str, unit_name: str) -> str:
    """The label of the application secret holding ``unit_name``'s token."""
    return f'{endpoint}-join-token-{unit_name.replace("/", "-")}'


def next_serial(last: str | None) -> int:
    """The serial of the next token, from the last one given (the raw databag value)."""
    return int(databag.read(last) or 0) + 1


def content(token: str, serial: int) -> dict[str, str]:
    """The content of a token's secret."""
    return {TOKEN_KEY: token, SERIAL_KEY: json.dumps(serial)}


def stale(tokens: Mapping[str, Any], units: Mapping[str, membership.Member]) -> list[str]:
    """The units whose token goes: they joined, or they are no longer in the relation."""
    out: list[str] = []
    for name in tokens:
        member = units.get(name)
        if member is None or member.joined:
            out.append(name)
    return out


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
