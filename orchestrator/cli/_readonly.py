"""Which commands only read: they never create a state directory.

``olm --state-dir /typo/path status`` must not make an empty controller at a mistyped path and
report on it: a command that only reads opens an existing state directory or names the one that
is missing (:class:`~orchestrator.state.store.Store` with ``create=False``). Commands that
change state (``pool import``, ``deploy``, ``add-model`` ...) create it, as before. A command
not listed here is taken to change state: a new command errs on the side of working.
"""

# pyright: strict

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ['creates_state']

_READ_ONLY = frozenset({
    'constraints', 'dashboard', 'debug-log', 'faults', 'find-offers', 'list-offers',
    'list-secrets', 'list-ssh-keys', 'list-storage', 'machines', 'model-constraints', 'models',
    'offers', 'plan', 'secrets', 'show-model', 'show-secret', 'show-unit', 'spaces', 'ssh-keys',
    'status', 'storage', 'storage-pools', 'version',
})  # fmt: skip
"""Commands that read whatever their arguments (aliases included, as argparse names them)."""
_READ_ONLY_POOL = frozenset({'list', 'capacity'})
_SHOW_OR_SET = frozenset({'config', 'model-config'})
"""Commands that show without KEY=VALUE, a FILE or ``--reset``, and set with them."""


def creates_state(args: argparse.Namespace) -> bool:
    """Whether this command may create the state directory (it changes state)."""
    command = getattr(args, 'olm_command', None)
    if command in _READ_ONLY:
        return False
    if command == 'pool':
        sub = getattr(args, 'pool_command', None)
        # pool generate writes a file or prints, unless it imports what it generates.
        return not (sub in _READ_ONLY_POOL or (sub == 'generate' and not args.do_import))
    if command in _SHOW_OR_SET:
        settings: list[str] = getattr(args, 'settings', [])
        return bool(getattr(args, 'reset', [])) or any(
            '=' in s or Path(s).is_file() for s in settings
        )
    return True
