"""The model's configuration: ``juju model-config``, read and set.

The values a user set are kept as one model setting (JSON); Juju's defaults fill the rest
when read (:func:`orchestrator.juju.modelconfig.settings`). Settings olm honours are read
from here by the workers that honour them (the update-status interval: :mod:`._agents`).
"""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import cast

from ..juju import modelconfig, sshkeys
from ..state.store import Transaction
from ._context import Context

__all__ = ['AUTHORIZED_KEYS', 'ModelConfig', 'SSHKeys', 'setting', 'user_values']

_SETTING = 'model-config'
AUTHORIZED_KEYS = 'authorized-keys'
"""Juju's model-config key holding the model's public SSH keys."""


class ModelConfig:
    """``juju model-config``: every key with its value and source; set and reset."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def model_config(self) -> dict[str, modelconfig.Setting]:
        """Every key, Juju's defaults under what the user set (``juju model-config``)."""
        with self.context.store.snapshot() as txn:
            return modelconfig.settings(user_values(txn))

    def set_model_config(
        self, values: Mapping[str, str], *, reset: Sequence[str] = ()
    ) -> list[str]:
        """Set keys (``k=v``) and reset others to Juju's defaults, in one change.

        Returns:
            Juju's warning for each key it does not know (stored all the same).

        Raises:
            modelconfig.ModelConfigError: a value Juju refuses; nothing is changed.
        """
        coerced = {key: modelconfig.coerce(key, text) for key, text in values.items()}
        known = {*modelconfig.DEFAULTS, modelconfig.AGENT_VERSION, AUTHORIZED_KEYS}
        warnings = [
            f'key "{key}" is not defined in the current model configuration: possible misspelling'
            for key in [*reset, *values]
            if key not in known
        ]
        with self.context.store.transaction() as txn:
            current = user_values(txn)
            for key in reset:
                current.pop(key, None)
            current.update(coerced)
            txn.set_setting(_SETTING, json.dumps(current, sort_keys=True))
        return warnings


def user_values(txn: Transaction) -> dict[str, modelconfig.ConfigValue]:
    """The keys a user set on the model, with their values."""
    text = txn.get_setting(_SETTING, '{}')
    return cast('dict[str, modelconfig.ConfigValue]', json.loads(text))


def setting(txn: Transaction, key: str) -> modelconfig.ConfigValue:
    """One key's value: the user's, else Juju's default."""
    value = user_values(txn).get(key)
    return modelconfig.DEFAULTS[key] if value is None else value


class SSHKeys:
    """``juju add-ssh-key``, ``remove-ssh-key`` and ``ssh-keys``: the model's public keys.

    Juju keeps them in the model's ``authorized-keys`` config (juju/juju
    ``apiserver/facades/client/keymanager/keymanager.go``), and so does olm. Its simulated
    machines take no ssh connection, so the keys are only kept and listed: ``olm ssh`` and
    ``olm scp`` reach a machine without them.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def ssh_keys(self) -> list[sshkeys.PublicKey]:
        """The model's keys, in the order they were added."""
        with self.context.store.snapshot() as txn:
            return _keys(txn)

    def add_ssh_keys(self, keys: Sequence[str]) -> list[str]:
        """Add keys; returns Juju's error for each refused one (the others are added)."""
        errors: list[str] = []
        with self.context.store.transaction() as txn:
            current = _keys(txn)
            known = {k.fingerprint for k in current}
            for text in keys:
                try:
                    key = sshkeys.parse_key(text)
                except sshkeys.SSHKeyError:
                    errors.append(f'cannot add key "{text}": invalid ssh key: {text}')
                    continue
                if key.fingerprint in known:
                    errors.append(f'cannot add key "{text}": duplicate ssh key: {text}')
                    continue
                known.add(key.fingerprint)
                current.append(key)
            _put_keys(txn, current)
        return errors

    def remove_ssh_keys(self, ids: Sequence[str]) -> list[str]:
        """Remove keys named by fingerprint or comment (or, as jubilant sends it, the key).

        Returns Juju's error for each id that names no key. Juju always keeps its own
        internal keys, so removing every user key is allowed (its "cannot delete all keys"
        never applies to them).
        """
        errors: list[str] = []
        with self.context.store.transaction() as txn:
            current = _keys(txn)
            gone: set[str] = set()
            for key_id in ids:
                found = [
                    k for k in current if key_id in (k.fingerprint, k.text) or key_id == k.comment
                ]
                if not found or not key_id:
                    errors.append(f'cannot delete key id "{key_id}": invalid ssh key: {key_id}')
                gone |= {k.fingerprint for k in found}
            _put_keys(txn, [k for k in current if k.fingerprint not in gone])
        return errors


def _keys(txn: Transaction) -> list[sshkeys.PublicKey]:
    text = str(user_values(txn).get(AUTHORIZED_KEYS, ''))
    found: list[sshkeys.PublicKey] = []
    for line in sshkeys.split_keys(text):
        try:
            found.append(sshkeys.parse_key(line))
        except sshkeys.SSHKeyError:
            continue
    return found


def _put_keys(txn: Transaction, keys: Sequence[sshkeys.PublicKey]) -> None:
    values = user_values(txn)
    values[AUTHORIZED_KEYS] = '\n'.join(k.text for k in keys)
    if not keys:
        del values[AUTHORIZED_KEYS]
    txn.set_setting(_SETTING, json.dumps(values, sort_keys=True))
