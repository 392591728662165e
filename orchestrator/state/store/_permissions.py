"""Who may read the state directory: its owner only, or olm refuses to use it.

The directory holds the database and the key that opens its secrets; a directory, database or
key file that its group or others can reach is refused with the path, its mode and the fix,
before anything is read or written. Modelled on OpenSSH's refusal of an unprotected private
key (openssh-portable ``authfile.c``, ``sshkey_perm_ok``, OpenBSD revision 1.122: "Permissions
0644 for '...' are too open. It is required that your private key files are NOT accessible by
others."), in one line. Unlike OpenSSH, which checks only files owned by the user running it,
olm refuses whoever owns the path: the secrets are exposed all the same.
"""

# pyright: strict

from __future__ import annotations

import os
import stat
from pathlib import Path

from ._errors import StoreError


class TooOpenError(StoreError):
    """A state directory, database or key file that others than its owner can reach."""


def refuse_too_open(path: Path) -> None:
    """Raise unless ``path`` (which exists) is reachable by its owner only.

    Raises:
        TooOpenError: its group or others have any permission on it.
    """
    mode = os.stat(path).st_mode
    if stat.S_IMODE(mode) & 0o077:
        fix = '700' if stat.S_ISDIR(mode) else '600'
        raise TooOpenError(
            f"permissions 0{stat.S_IMODE(mode):03o} for '{path}' are too open: it holds "
            f"secrets and must not be accessible by others; run: chmod {fix} '{path}'"
        )
