"""User secrets: ``juju add-secret``, ``grant-secret``, ``secrets`` and ``show-secret``.

A user secret belongs to the model, not to a charm. An operator adds it, grants it to
applications, and their charms read it by id (``secret-get``) like any secret granted to them.
The JSON shapes are Juju's (``cmd/juju/secrets``), which jubilant parses into its ``Secret``
and ``RevealedSecret``.
"""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import model

__all__ = ['SecretError', 'add', 'check_content', 'find', 'grant', 'remove', 'to_json', 'update']

# Juju's rule for a content key (secrets/secret.go): lowercase, starting with a letter, at
# least three characters, single hyphens between; a "_b64" suffix marks a base64 value.
_KEY = re.compile(r'^[a-z](?:-?[a-z0-9]){2,}(?:_b64)?$')


class SecretError(Exception):
    """A secret request that cannot be carried out, in Juju's words where it has them."""


def check_content(content: Mapping[str, object]) -> dict[str, str]:
    """The content of a new revision, checked by Juju's rules.

    Raises:
        SecretError: no content, a key that breaks Juju's rule, or a value that is not text.
    """
    if not content:
        raise SecretError('missing secret value')
    checked: dict[str, str] = {}
    for key, value in content.items():
        if not _KEY.match(key):
            raise SecretError(
                f'key "{key}" not valid: keys are at least 3 lowercase letters, digits or '
                'hyphens, starting with a letter'
            )
        if not isinstance(value, str) or not value:
            raise SecretError(f'value of key "{key}" must be non-empty text')
        if key.endswith('_b64'):
            try:
                value = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise SecretError(f'value of key "{key}" is not base64-encoded text') from None
        checked[key.removesuffix('_b64')] = value
    return checked


def find(m: model.Model, ref: str) -> model.Secret:
    """A secret by URI (``secret:ID``, ``secret://UUID/ID`` or the bare ID) or user-secret name.

    Raises:
        SecretError: ``secret "REF" not found``.
    """
    bare = ref.rsplit('/', 1)[-1].removeprefix('secret:')
    by_id = m.secrets.get(f'secret:{bare}')
    if by_id is not None:
        return by_id
    for secret in m.secrets.values():
        if secret.owner_kind == 'model' and secret.name == ref:
            return secret
    raise SecretError(f'secret "{ref}" not found')


def add(
    m: model.Model,
    secret_id: str,
    name: str,
    content: Mapping[str, str],
    *,
    info: str | None,
    now: float,
) -> model.Secret:
    """Add a user secret at revision 1.

    Raises:
        SecretError: the name is taken (Juju's message), or the content breaks Juju's rules.
    """
    if any(s.owner_kind == 'model' and s.name == name for s in m.secrets.values()):
        raise SecretError(f'secret with name "{name}" already exists')
    secret = model.Secret(
        id=secret_id,
        owner=m.name,
        owner_kind='model',
        name=name,
        description=info,
        revisions={1: check_content(content)},
        latest=1,
        created=now,
        updated=now,
        revision_created={1: now},
    )
    m.secrets[secret_id] = secret
    m.touch('secret', secret_id)
    return secret


def update(
    m: model.Model,
    secret: model.Secret,
    content: Mapping[str, str] | None,
    *,
    info: str | None = None,
    name: str | None = None,
    now: float,
) -> set[str]:
    """``juju update-secret``: new content becomes a new revision; returns who must hear it.

    The units that read an older revision are returned: each owes a ``secret-changed``. The
    same content again makes no revision, as Juju keeps one revision per distinct content.

    Raises:
        SecretError: not a user secret, a name taken, or content that breaks Juju's rules.
    """
    _own(secret)
    if name is not None and name != secret.name:
        if any(s.owner_kind == 'model' and s.name == name for s in m.secrets.values()):
            raise SecretError(f'secret with name "{name}" already exists')
        secret.name = name
    if info is not None:
        secret.description = info
    notify: set[str] = set()
    if content is not None:
        checked = check_content(content)
        if checked != secret.revisions.get(secret.latest):
            secret.latest += 1
            secret.revisions[secret.latest] = checked
            secret.revision_created[secret.latest] = now
            notify = set(secret.consumers)
    secret.updated = now
    m.touch('secret', secret.id)
    return notify


def remove(m: model.Model, secret: model.Secret, revision: int | None = None) -> None:
    """``juju remove-secret [--revision N]``: the whole secret, or one revision of it.

    Raises:
        SecretError: not a user secret, or a revision that is not there or still the latest.
    """
    _own(secret)
    if revision is None:
        del m.secrets[secret.id]
    elif revision not in secret.revisions:
        raise SecretError(f'secret revision {revision} not found')
    elif revision == secret.latest:
        raise SecretError(f'cannot remove revision {revision}: it is the latest')
    else:
        del secret.revisions[revision]
        secret.revision_created.pop(revision, None)
    m.touch('secret', secret.id)


def _own(secret: model.Secret) -> None:
    if secret.owner_kind != 'model':
        raise SecretError(
            f'secret "{secret.id}" belongs to {secret.owner}: only its owner can change it'
        )


def grant(m: model.Model, secret: model.Secret, applications: Iterable[str]) -> None:
    """Let applications' charms read a user secret.

    Raises:
        SecretError: not a user secret, or an application that is not in the model.
    """
    _own(secret)
    for name in applications:
        if name not in m.applications:
            raise SecretError(f'application "{name}" not found')
        if name not in secret.app_grants:
            secret.app_grants.append(name)
    m.touch('secret', secret.id)


def to_json(
    m: model.Model,
    secret: model.Secret,
    *,
    reveal: bool = False,
    revision: int | None = None,
    revisions: bool = False,
) -> dict[str, Any]:
    """One entry of ``juju secrets --format json`` / ``show-secret``, keyed by the bare id.

    Raises:
        SecretError: the revision asked for does not exist.
    """
    # The fields in secretDisplayDetails' order, as Go's encoders write a struct (juju/juju
    # cmd/juju/secrets/list.go, commit 02e55382): the latest revision's ``expires``, the
    # policy as ``rotation`` and the next rotation as ``rotates`` are left out when unset.
    data: dict[str, str] | None = None
    if reveal:
        number = secret.latest if revision is None else revision
        if number not in secret.revisions:
            raise SecretError(f'secret revision {number} not found')
        data = secret.revisions[number]
    entry: dict[str, Any] = {'revision': secret.latest}
    if data is not None:
        entry['checksum'] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    if secret.expire_at is not None:
        entry['expires'] = _timestamp(secret.expire_at)
    if secret.rotate:
        entry['rotation'] = secret.rotate
    if secret.rotate_at is not None:
        entry['rotates'] = _timestamp(secret.rotate_at)
    entry['owner'] = _owner(m, secret)
    if secret.description:
        entry['description'] = secret.description
    if secret.name:
        entry['name'] = secret.name
    if secret.label:
        entry['label'] = secret.label
    entry['created'] = _timestamp(secret.created)
    entry['updated'] = _timestamp(secret.updated)
    if data is not None:
        entry['content'] = {'Data': dict(data)}
    if revisions:
        made = secret.revision_created
        entry['revisions'] = [
            {'revision': number, 'backend': 'internal',
             'created': _timestamp(made.get(number, secret.created)),
             'updated': _timestamp(made.get(number, secret.created)),
             **({'expires': _timestamp(secret.revision_expire[number])}
                if number in secret.revision_expire else {})}
            for number in sorted(secret.revisions)
        ]  # fmt: skip
    access = [
        {'target': f'application-{app}', 'scope': f'model-{m.uuid}', 'role': 'view'}
        for app in secret.app_grants
    ] + [
        {
            'target': f'unit-{name.replace("/", "-")}' if '/' in name else f'application-{name}',
            'scope': f'relation-{relation_id}',
            'role': 'view',
        }
        for relation_id, names in sorted(secret.grants.items())
        for name in names
    ]
    if access:
        entry['access'] = access
    return {secret.id.removeprefix('secret:'): entry}


def _owner(m: model.Model, secret: model.Secret) -> str:
    # Juju shows a user secret's owner as <model> and a charm's as its application or unit.
    return '<model>' if secret.owner_kind == 'model' else secret.owner


def _timestamp(when: float) -> str:
    moment = datetime.datetime.fromtimestamp(when, datetime.UTC)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')
