"""Application-owned Juju secrets kept under a label: created once, revised only on change.

Every credential here travels as a secret the leader owns: join tokens, cephx keys, the MAAS
shared secret, admin passwords, kubeconfigs. Each is found by its label, created on first use,
and given a new revision only when its content really changed, so consumers see
``secret-changed`` exactly when there is something new to read.
"""

# pyright: strict

from __future__ import annotations

import ops

from metal_interfaces._base import owned_secret_id

__all__ = ['id_of', 'put', 'put_id']


def put(model: ops.Model, label: str, content: dict[str, str], description: str) -> ops.Secret:
    """The application secret ``label`` holding ``content`` (leader only, as Juju requires).

    Args:
        model: the charm's model.
        label: the secret's label, unique within the application.
        content: what the secret must hold.
        description: shown by ``juju secrets``; used only when the secret is created.
    """
    try:
        secret = model.get_secret(label=label)
    except ops.SecretNotFoundError:
        return model.app.add_secret(content, label=label, description=description)
    if secret.peek_content() != content:
        secret.set_content(content)
    return secret


def put_id(model: ops.Model, label: str, content: dict[str, str], description: str) -> str:
    """:func:`put`, answering the secret's id (what a databag or an action result carries)."""
    return id_of(put(model, label, content, description))


def id_of(secret: ops.Secret) -> str:
    """An owned secret's id, asking Juju when ops does not know it yet (found by label)."""
    return owned_secret_id(secret)
