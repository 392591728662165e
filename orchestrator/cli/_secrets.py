"""User secrets: add-secret, update-secret, remove-secret, grant-secret, secrets, show-secret."""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import Engine
from ._common import (
    UsageError,
    add_format,
    emit,
    positive_int,
    print_table,
    split_kv,
    yaml_mapping,
)

__all__ = ['add_secret_commands']


def add_secret_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """User secrets: add-secret, grant-secret, secrets, show-secret."""
    p = commands.add_parser('add-secret', help='add a user secret; prints its URI',
                            parents=[common])  # fmt: skip
    p.add_argument('name', metavar='NAME')
    p.add_argument('content', nargs='*', metavar='KEY=VALUE')
    p.add_argument('--file', help='a YAML file of KEY: VALUE content')
    p.add_argument('--info', help='a description')
    p.set_defaults(run=_add_secret)

    p = commands.add_parser('grant-secret', help="let applications' charms read a user secret",
                            parents=[common])  # fmt: skip
    p.add_argument('secret', metavar='SECRET', help='URI or name')
    p.add_argument('applications', metavar='APP[,APP...]')
    p.set_defaults(run=_grant_secret)

    p = commands.add_parser('update-secret', help='a new revision of a user secret',
                            parents=[common])  # fmt: skip
    p.add_argument('secret', metavar='SECRET', help='URI or name')
    p.add_argument('content', nargs='*', metavar='KEY=VALUE')
    p.add_argument('--file', help='a YAML file of KEY: VALUE content')
    p.add_argument('--info', help='a new description')
    p.add_argument('--name', help='a new name')
    p.add_argument('--auto-prune', action='store_true',
                   help='accepted: olm keeps every revision until removed')  # fmt: skip
    p.set_defaults(run=_update_secret)

    p = commands.add_parser('remove-secret', help='remove a user secret, or one revision',
                            parents=[common])  # fmt: skip
    p.add_argument('secret', metavar='SECRET', help='URI or name')
    p.add_argument('--revision', type=positive_int('--revision'), default=None)
    p.set_defaults(run=_remove_secret)

    p = commands.add_parser('secrets', aliases=['list-secrets'], help="the model's secrets",
                            parents=[common])  # fmt: skip
    p.add_argument('--owner', help='only the secrets of this owner (<model> for user secrets)')
    add_format(p)
    p.set_defaults(run=_secrets)

    p = commands.add_parser('show-secret', help='show a secret', parents=[common])
    p.add_argument('secret', metavar='SECRET', help='URI or name')
    p.add_argument('--reveal', action='store_true', help='show the content')
    p.add_argument('--revision', type=positive_int('--revision'), default=None)
    p.add_argument('--revisions', action='store_true', help='list every revision')
    add_format(p, default='yaml', choices=('yaml', 'json'))
    p.set_defaults(run=_show_secret)


def _add_secret(engine: Engine, args: argparse.Namespace) -> None:
    print(engine.add_secret(args.name, _secret_content(args), info=args.info))


def _update_secret(engine: Engine, args: argparse.Namespace) -> None:
    content = _secret_content(args) if args.file or args.content else None
    if content is None and args.info is None and args.name is None:
        raise UsageError('nothing to update: give content, --file, --info or --name')
    engine.update_secret(args.secret, content, info=args.info, name=args.name)


def _remove_secret(engine: Engine, args: argparse.Namespace) -> None:
    engine.remove_secret(args.secret, revision=args.revision)


def _secret_content(args: argparse.Namespace) -> dict[str, str]:
    """KEY=VALUE arguments over a --file mapping, every value text."""
    content: dict[str, object] = {}
    if args.file:
        content.update(yaml_mapping(args.file, '--file'))
    content.update(split_kv(args.content, 'secret content'))
    text: dict[str, str] = {}
    for key, value in content.items():
        if not isinstance(value, str):
            raise UsageError(f'secret content: the value of "{key}" must be text, not {value!r}')
        text[key] = value
    return text


def _grant_secret(engine: Engine, args: argparse.Namespace) -> None:
    apps = [a for a in args.applications.split(',') if a]
    if not apps:
        raise UsageError('missing application name(s)')
    engine.grant_secret(args.secret, apps)


def _secrets(engine: Engine, args: argparse.Namespace) -> None:
    listing = engine.secrets(owner=args.owner)
    if args.format != 'tabular':
        emit(listing, args.format)
        return
    if not listing:
        print('No secrets to display.')
        return
    # juju/juju cmd/juju/secrets/list.go formatSecretsTabular: Name is a user secret's name,
    # "-" for a charm's secret (its label is not shown).
    print_table(
        ['ID', 'Name', 'Owner', 'Rotation', 'Revision', 'Last updated'],
        (
            [key, e.get('name') or '-', e['owner'], e.get('rotation', 'never'),
             str(e['revision']), e['updated']]
            for key, e in listing.items()
        ),
    )  # fmt: skip


def _show_secret(engine: Engine, args: argparse.Namespace) -> None:
    if args.revisions and (args.reveal or args.revision is not None):
        raise UsageError('--revisions cannot be used with --reveal or --revision')
    shown = engine.show_secret(
        args.secret, reveal=args.reveal or args.revision is not None, revision=args.revision,
        revisions=args.revisions,
    )  # fmt: skip
    emit(shown, args.format)
