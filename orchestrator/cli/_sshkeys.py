"""``add-ssh-key``, ``remove-ssh-key``, ``ssh-keys``: the model's public SSH keys.

juju/juju ``cmd/juju/commands/add_sshkeys.go``, ``list_sshkeys.go`` and the key manager
(``apiserver/facades/client/keymanager/keymanager.go``): a refused key is reported on standard
error as ``cannot add key "K": invalid ssh key: K`` (or ``duplicate ssh key``) and the command
still exits 0, as Juju's does; ``ssh-keys`` prints ``Keys used in model: OWNER/MODEL`` and one
``FINGERPRINT (COMMENT)`` per key (the keys themselves with ``--full``), or ``No keys to
display.`` on standard error. olm keeps the keys per model; its simulated machines take no
ssh connection, so nothing else reads them.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..engine import Engine
from ..state.store import OWNER
from ._common import UsageError

__all__ = ['add_ssh_key_commands']


def add_ssh_key_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``add-ssh-key``, ``remove-ssh-key`` and ``ssh-keys``."""
    p = commands.add_parser('add-ssh-key', aliases=['add-ssh-keys'],
                            help='add public SSH keys to the model', parents=[common])  # fmt: skip
    p.add_argument('keys', nargs='*', metavar='SSH-KEY')
    p.set_defaults(run=_add)

    p = commands.add_parser('remove-ssh-key', aliases=['remove-ssh-keys'],
                            help="remove public SSH keys (by fingerprint or comment)",
                            parents=[common])  # fmt: skip
    p.add_argument('ids', nargs='*', metavar='ID')
    p.set_defaults(run=_remove)

    p = commands.add_parser('ssh-keys', aliases=['list-ssh-keys'],
                            help="list the model's public SSH keys", parents=[common])  # fmt: skip
    p.add_argument(
        '--full', action='store_true', help='show full key instead of just the fingerprint'
    )
    p.set_defaults(run=_list)


def _add(engine: Engine, args: argparse.Namespace) -> None:
    if not args.keys:
        raise _usage('no ssh key specified')
    for error in engine.add_ssh_keys(args.keys):
        print(error, file=sys.stderr)


def _remove(engine: Engine, args: argparse.Namespace) -> None:
    if not args.ids:
        raise _usage('no ssh key id specified')
    for error in engine.remove_ssh_keys(args.ids):
        print(error, file=sys.stderr)


def _list(engine: Engine, args: argparse.Namespace) -> None:
    keys = engine.ssh_keys()
    if not keys:
        print('No keys to display.', file=sys.stderr)
        return
    print(f'Keys used in model: {OWNER}/{engine.store.model}')
    for key in keys:
        if args.full:
            print(key.text)
        else:
            print(key.fingerprint + (f' ({key.comment})' if key.comment else ''))


def _usage(message: str) -> Exception:
    return UsageError(message)
