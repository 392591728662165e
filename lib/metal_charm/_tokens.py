"""Join tokens handed from the leader to one joining unit: who needs one, serials, secrets.

The leader of a cluster the charm runs (k8sd, MicroCeph) mints a join token for each unit that
asks (:class:`metal_charm.Member` with a node name, not joined) and hands it over as an
application secret granted to that one unit, never as plain relation data (canonical/charm-
microceph keeps its tokens in peer data any unit can read; canonical/k8s-operator uses Juju
secrets). The peer application databag keeps only the ledger ``join-tokens`` (unit name ->
``{"secret": id, "serial": n}``) and ``token-serial``, the last serial given. A token's secret
goes as soon as its unit has joined or has left.

The serial rule (one rule; the two charms had two): every token gets a new serial, a positive
integer larger than every serial given before, so a unit that reports a rejected token
(``token-failed`` with ``failed-serial``) names exactly one token and gets exactly one new token
per failure. :func:`next_serial` never raises and never goes back: a malformed ``token-serial``
reads as 0 (the control-plane copy raised on it, failing every leader hook and so every join),
and the next serial is also above every serial still in the ledger (the ceph copy restarted at 1
from a malformed counter, which could hand out again the serial a unit had reported as failed).
``True`` is not a serial (Python counts it as 1) and neither is 0 or a negative number.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import ops
from metal_interfaces import appsecrets, databag

from ._membership import TOKEN_FAILED, Member, read_serial

__all__ = [
    'JOIN_TOKENS_KEY',
    'SERIAL_KEY',
    'TOKEN_KEY',
    'TOKEN_SERIAL_KEY',
    'Grant',
    'JoinTokens',
    'next_serial',
    'stale',
    'token_content',
    'wanted',
]

logger = logging.getLogger(__name__)

_M = TypeVar('_M', bound=Member)
_E = TypeVar('_E', bound=Exception)

TOKEN_KEY = 'token'  # noqa: S105 - a secret content key, not a token
"""The content key of join-token secrets."""
SERIAL_KEY = 'serial'
"""The content key of a join token's serial, in its secret."""
JOIN_TOKENS_KEY = 'join-tokens'
"""Peer app data: unit name -> {"secret": id, "serial": n} of its join token."""
TOKEN_SERIAL_KEY = 'token-serial'  # noqa: S105 - a databag key, not a token
"""Peer app data: the last serial given to a join token."""


def entry(ledger: Mapping[str, Any], unit_name: str) -> tuple[str | None, int | None]:
    """A unit's entry in the ledger: its secret id and its token's serial."""
    found = ledger.get(unit_name)
    if not isinstance(found, dict):
        return None, None
    fields = cast('dict[str, Any]', found)
    secret_id = fields.get('secret')
    return secret_id if isinstance(secret_id, str) else None, read_serial(fields.get('serial'))


def next_serial(last: str | None, ledger: Mapping[str, Any] = {}) -> int:
    """The serial of the next token: above ``last`` (the raw databag value) and the ledger's."""
    given = [read_serial(databag.read(last)) or 0]
    given += [entry(ledger, name)[1] or 0 for name in ledger]
    return max(given) + 1


def token_content(token: str, serial: int) -> dict[str, str]:
    """The content of a token's secret."""
    return {TOKEN_KEY: token, SERIAL_KEY: json.dumps(serial)}


def stale(ledger: Mapping[str, Any], units: Mapping[str, Member]) -> list[str]:
    """The units whose token goes, by name: they joined, or they are no longer in the relation."""
    return sorted(n for n in ledger if (m := units.get(n)) is None or m.joined)


def wanted(ledger: Mapping[str, Any], units: Mapping[str, _M]) -> list[tuple[str, _M]]:
    """The units to mint a token for, by name: asking without one, or after a rejection."""
    out: list[tuple[str, _M]] = []
    for name, member in sorted(units.items()):
        if member.joined or not member.node:
            continue
        secret_id, serial = entry(ledger, name)
        failed = member.state == TOKEN_FAILED and member.failed_serial == serial
        if secret_id is not None and not failed:
            continue
        out.append((name, member))
    return out


@dataclass(frozen=True)
class Grant:
    """What a joining unit finds of its token.

    Attributes:
        issued: whether the ledger names a token for the unit.
        token: the token; None while its secret cannot be read (not granted yet, removed).
        serial: the token's serial (its secret's, else the ledger's); None when unknown.
    """

    issued: bool
    token: str | None = None
    serial: int | None = None


class JoinTokens:
    """The join tokens of one peer relation: the leader's ledger and a joiner's view of it.

    Args:
        model: the charm's model.
        relation: the peer relation the ledger lives in.
        label_prefix: put before ``join-token-<unit>`` in each secret's label (labels already
            in use by deployed charms stay as they are).
        description: the secrets' description, followed by `` for <unit>``.
    """

    def __init__(
        self, model: ops.Model, relation: ops.Relation, *, label_prefix: str, description: str
    ) -> None:
        self._model = model
        self._relation = relation
        self._label_prefix = label_prefix
        self._description = description

    @property
    def _app_data(self) -> ops.RelationDataContent:
        return self._relation.data[self._model.app]

    def ledger(self) -> dict[str, Any]:
        """``join-tokens``: unit name -> its token's secret id and serial."""
        return databag.read_dict(self._app_data.get(JOIN_TOKENS_KEY))

    def label(self, unit_name: str) -> str:
        """The label of the application secret holding ``unit_name``'s token."""
        return f'{self._label_prefix}join-token-{unit_name.replace("/", "-")}'

    # -- the leader ----------------------------------------------------------------------------

    def revoke(self, unit_name: str) -> None:
        """Remove one unit's token secret and ledger entry (it joined, or it left)."""
        ledger = self.ledger()
        secret_id, _ = entry(ledger, unit_name)
        for lookup in ({'id': secret_id}, {'label': self.label(unit_name)}):
            if lookup.get('id', '') is None:
                continue
            try:
                secret = self._model.get_secret(**lookup)
            except (ops.SecretNotFoundError, ops.ModelError):
                continue
            with contextlib.suppress(ops.SecretNotFoundError, ops.ModelError):
                secret.remove_all_revisions()
                logger.info('join token of %s revoked', unit_name)
            break
        if ledger.pop(unit_name, None) is not None:
            databag.write(self._app_data, JOIN_TOKENS_KEY, ledger)

    def revoke_stale(self, units: Mapping[str, Member]) -> None:
        """Revoke the tokens of units that joined or are no longer in the relation."""
        for name in stale(self.ledger(), units):
            self.revoke(name)

    def issue(
        self,
        units: Mapping[str, _M],
        mint: Callable[[str], str],
        errors: type[_E] | tuple[type[_E], ...],
    ) -> list[tuple[str, _E]]:
        """Mint and grant a token to every unit that asks; the units whose minting failed.

        Args:
            units: every other unit in the relation, by name.
            mint: the workload's token for a node name (``k8s get-join-token``...).
            errors: what ``mint`` raises when it cannot mint now (kept for the next event).
        """
        ledger = self.ledger()
        failed: list[tuple[str, _E]] = []
        for name, member in wanted(ledger, units):
            assert member.node is not None  # wanted() skips units without a node name
            try:
                token = mint(member.node)
            except errors as e:
                failed.append((name, e))
                continue
            serial = next_serial(self._app_data.get(TOKEN_SERIAL_KEY), ledger)
            secret = appsecrets.put(
                self._model,
                self.label(name),
                token_content(token, serial),
                f'{self._description} for {name}',
            )
            unit = self._model.get_unit(name)
            secret.grant(self._relation, unit=unit)
            ledger[name] = {'secret': appsecrets.id_of(secret), 'serial': serial}
            databag.write(self._app_data, TOKEN_SERIAL_KEY, serial)
            logger.info('join token issued to %s (serial %d)', name, serial)
        databag.write(self._app_data, JOIN_TOKENS_KEY, ledger)
        return failed

    # -- a joining unit ------------------------------------------------------------------------

    def grant(self, unit_name: str) -> Grant:
        """The token the leader granted ``unit_name``, as far as it can be read now."""
        secret_id, serial = entry(self.ledger(), unit_name)
        if secret_id is None:
            return Grant(issued=False)
        try:
            content = self._model.get_secret(id=secret_id).get_content(refresh=True)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            logger.warning('join token secret %s unreadable: %s', secret_id, e)
            return Grant(issued=True, serial=serial)
        token = content.get(TOKEN_KEY) or None
        return Grant(
            issued=True,
            token=token,
            serial=read_serial(databag.read(content.get(SERIAL_KEY))) or serial,
        )
