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

from ..juju import modelconfig
from ..state.store import Transaction
from ._context import Context

__all__ = ['ModelConfig', 'setting', 'user_values']

_SETTING = 'model-config'


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
        known = {*modelconfig.DEFAULTS, modelconfig.AGENT_VERSION}
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
