"""``maas createadmin`` and ``maas apikey``: regiond's Django management commands."""

# pyright: strict

from __future__ import annotations

import argparse
import re
import unicodedata
from typing import TYPE_CHECKING, Any, cast

from .._machine_state import mapping
from ._draws import new_token
from ._errors import ExitError, not_emulated
from ._parser import MaasParser, is_set, text_option
from ._run import Run
from ._state import DEFAULT_PORT, db_key, region_databases, regiond_config

if TYPE_CHECKING:
    pass

__all__ = ['DjangoCommands']


USERNAME_LENGTH = 150
"""``auth_user.username`` is ``varchar(150)`` (canonical/maas 3.6
``src/maasserver/migrations/auth/0003_django_1_11_update.py``)."""
EMAIL_LENGTH = 254
"""``auth_user.email`` is ``varchar(254)``, unique (canonical/maas 3.6
``src/maasserver/migrations/auth/0002_auto_20151119_1629.py``,
``0004_user_email_allow_null.py``)."""


def _traceback(last_line: str) -> ExitError:
    """An exception ``createadmin`` does not catch: Python's traceback (frames elided), exit 1."""
    return ExitError(1, f'Traceback (most recent call last):\n  ...\n{last_line}')


def _normalize_email(email: str) -> str:
    """The address as Django stores it: the domain part lowercased.

    Django 4.2 (noble's python3-django, which the 3.6 snap stages) ``BaseUserManager.
    normalize_email``: strip, split at the last ``@``, lowercase what follows. No format check.
    """
    name, at, domain = email.strip().rpartition('@')
    return f'{name}@{domain.lower()}' if at else email


def _varchar(value: str, length: int) -> str:
    """``value`` as PostgreSQL stores it in a ``varchar(length)`` column, or its DataError.

    ``createadmin`` saves the user through ``User.objects.create_superuser``, which runs no
    model validation (Django 4.2 ``UserManager._create_user``: ``normalize_username``, then
    ``save``; the username validator runs only in forms, such as MAAS's user form): the
    column's length is the only limit, and ``root;rm -rf /`` is a user name here. Characters
    past the length that are all spaces are clipped, anything else fails (postgres/postgres
    ``src/backend/utils/adt/varchar.c``, ``varchar_input`` @ REL_16). Django wraps psycopg2's
    error as ``django.db.utils.DataError`` and createadmin catches only IntegrityError, so it
    is a traceback.
    """
    if len(value) <= length:
        return value
    if value[length:].strip(' '):
        raise _traceback(
            f'django.db.utils.DataError: value too long for type character varying({length})'
        )
    return value[:length]


def _ssh_import_error(ssh_import: str) -> str | None:
    """Why ``createadmin --ssh-import`` refuses the value, or None when its form is right.

    canonical/maas 3.6 ``createadmin.py`` ``validate_ssh_import``: a value starting ``lp`` or
    ``gh`` must be ``lp:ID`` / ``gh:ID``, anything else a bare Launchpad ID; an ID is word
    characters and hyphens (``re.match`` with ``$``, so one trailing newline passes).
    """
    if ssh_import.startswith(('lp', 'gh')):
        if re.fullmatch(r'(?:lp|gh):[\w-]*\n?', ssh_import):
            return None
        return (
            'The protocol or user-id entered is not in a correct format. '
            'Your SSH keys will not be imported.'
        )
    if re.fullmatch(r'[\w-]*\n?', ssh_import):
        return None
    return 'The input entered is not in a correct format. Your SSH keys will not be imported.'


def _django_error(kind: str, message: str) -> ExitError:
    """Django's ``BaseCommand.run_from_argv`` on a CommandError: ``Class: message``, exit 1."""
    return ExitError(1, f'{kind}: {message}')


class DjangoCommands(Run):
    """The regiond management commands the charms use: ``createadmin``, ``apikey``."""

    def django_db(self) -> dict[str, Any]:
        """The database regiond.conf names, as Django connects to it."""
        config = regiond_config(self.host)
        db = region_databases(self.world).get(db_key(self.host, config))
        if db is None or not db.get('migrated'):
            name = str(config.get('database_host') or 'localhost')
            shown = f'"{name}" (127.0.0.1)' if name == 'localhost' else f'"{name}"'
            port = config.get('database_port') or DEFAULT_PORT
            raise ExitError(
                1,
                'Traceback (most recent call last):\n  ...\n'
                f'django.db.utils.OperationalError: connection to server at {shown}, port '
                f'{port} failed: Connection refused\n'
                '\tIs the server running on that host and accepting TCP/IP connections?',
            )
        return db

    def createadmin(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas createadmin``."""
        db = self.django_db()
        username = text_option(options, 'username')
        password = text_option(options, 'password')
        email = text_option(options, 'email')
        ssh_import = text_option(options, 'ssh_import')
        prompt_ssh = ssh_import is None and None in (username, password, email)
        if username is None:
            username = self.read_input('Username: ')
            if not username:
                raise _django_error(
                    'EmptyUsername', 'You must input a username or provide it with --username.'
                )
        if password is None:
            password = self.read_password('Password: ')
            if self.read_password('Again: ') != password:
                raise _django_error('InconsistentPassword', 'Passwords do not match')
            if not password:
                raise _django_error('InconsistentPassword', 'Passwords cannot be empty')
        if email is None:
            email = self.read_input('Email: ')
            if not email:
                raise _django_error(
                    'EmptyEmail', 'You must input an email or provide it with --email'
                )
        if prompt_ssh:
            ssh_import = self.read_input('Import SSH keys [] (lp:user-id or gh:user-id): ')
        users = cast('dict[str, dict[str, Any]]', db.setdefault('users', {}))
        if not username:
            # ``--username ''`` skips the prompt; Django's UserManager._create_user refuses it
            raise _traceback('ValueError: The given username must be set')
        stored_name = _varchar(unicodedata.normalize('NFKC', username), USERNAME_LENGTH)
        stored_email = _varchar(_normalize_email(email), EMAIL_LENGTH)
        taken = {str(user.get('email')) for user in users.values()}
        if stored_name in users or stored_email in taken:
            # an IntegrityError on either unique column, reported as the email's
            raise _django_error(
                'AlreadyExistingUser', f'A user with the email {email} already exists.'
            )
        if ssh_import:
            # checked after the user is saved, in the same transaction: nothing is kept
            refused = _ssh_import_error(ssh_import)
            if refused is not None:
                raise _django_error('SSHKeysError', refused)
            not_emulated('createadmin with SSH key import')
        username, email = stored_name, stored_email
        users[username] = {
            'email': email,
            'superuser': True,
            'tokens': [new_token(self.world, username)],
        }
        return 0

    def apikey(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas apikey``."""
        username = text_option(options, 'username')
        if username is None:
            raise _django_error('CommandError', 'You must provide a username with --username.')
        delete = text_option(options, 'delete')
        if is_set(options, 'generate') and delete is not None:
            raise _django_error('CommandError', 'Specify one of --generate or --delete.')
        db = self.django_db()
        user = mapping(db.get('users')).get(username)
        if user is None:
            raise _django_error('CommandError', 'User does not exist.')
        tokens = cast('list[list[str]]', user.setdefault('tokens', []))
        if is_set(options, 'generate'):
            tokens.append(new_token(self.world, username))
            self.print(':'.join(tokens[-1]))
        elif delete is not None:
            parts = delete.split(':')
            if len(parts) != 3:
                raise _django_error(
                    'CommandError',
                    'Malformed credentials string.  Expected 3 colon-separated items, got '
                    "'<redacted>'.",
                )
            kept = [token for token in tokens if token[1] != parts[1]]
            if len(kept) == len(tokens):
                raise _django_error('CommandError', 'No matching api key found.')
            tokens[:] = kept
        else:
            for token in tokens:
                self.print(':'.join(token))
        return 0
