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

_UUID_NAMESPACE = uuid.UUID('6d3a1c2e-7b0f-4c59-9f1e-0a1b2c3d4e5f')
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


def model_uuid(name: str) -> str:
    """A model's uuid, derived from its name.

    Secret ids derive from the model's uuid, so a fixed ``--seed`` gives the same model, ids
    and all, in any state directory; a name is unique within olm's one controller.
    """
    return str(uuid.uuid5(_UUID_NAMESPACE, f'{CONTROLLER}:{OWNER}/{name}'))


def check_model_name(name: str) -> None:
    """Juju's rule for a model name, with its message."""
    if not _MODEL_NAME.match(name):
        raise StoreError(
            f'"{name}" is not a valid name: model names may only contain lowercase letters, '
            'digits and hyphens'
        )
