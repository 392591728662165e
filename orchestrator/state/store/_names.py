"""How olm's controller names its models: references, uuids and Juju's name rule."""

# pyright: strict

from __future__ import annotations

import dataclasses
import re
import uuid

from ._errors import StoreError

CONTROLLER = 'olm'
"""The name olm's embedded controller goes by (``olm:admin/default``)."""
DEFAULT_MODEL = 'default'
"""The model a new state directory starts with, selected."""
OWNER = 'admin'

_MODEL_NAME = re.compile(r'^[a-z0-9]+[a-z0-9-]*$')


@dataclasses.dataclass(frozen=True, slots=True)
class ModelRecord:
    """One model of olm's controller."""

    name: str
    uuid: str
    created: float

    @property
    def qualified(self) -> str:
        """``olm:admin/NAME``, as Juju names a model in its messages."""
        return f'{CONTROLLER}:{OWNER}/{self.name}'


def parse_model_ref(ref: str) -> str:
    """The model name in ``[CONTROLLER:][USER/]NAME``, as ``juju -m`` accepts it.

    Raises:
        StoreError: another controller or user, or not a valid model name.
    """
    controller, sep, rest = ref.rpartition(':')
    if sep and controller != CONTROLLER:
        raise StoreError(f'controller {controller} not found (olm has one: {CONTROLLER})')
    user, sep, name = rest.rpartition('/')
    if sep and user != OWNER:
        raise StoreError(f'model "{ref}" not found (olm\'s models belong to {OWNER})')
    check_model_name(name)
    return name


def new_model_uuid() -> str:
    """A new model's uuid: random (version 4), as Juju gives each model it creates.

    Juju makes a model's uuid with ``utils.NewUUID`` (juju/juju ``cmd/juju/commands/
    bootstrap.go`` for the first hosted model; juju/utils ``uuid.go`` at b92083f: "a new
    version 4 UUID relying only on random numbers"). A uuid derived from the model's name
    repeated across state directories and after destroy-model/add-model, and so did the secret
    ids derived from it: a secret id must name one secret of one model instance. ``--seed``
    orders hooks; it does not make identities.
    """
    return str(uuid.uuid4())


def check_model_name(name: str) -> None:
    """Juju's rule for a model name, with its message."""
    if not _MODEL_NAME.match(name):
        raise StoreError(
            f'"{name}" is not a valid name: model names may only contain lowercase letters, '
            'digits and hyphens'
        )
