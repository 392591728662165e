"""The state directory's secrets key: what seals sensitive values before they reach sqlite.

Secret content, BMC power parameters, charm-written machine files, action parameters and
results, settings and the event log's details are sealed with AES-256-GCM (``cryptography``'s
AEAD) under a key kept in its own file, ``secrets.key``, beside ``state.db`` and never in it:
``sqlite3 state.db`` alone reads none of them, and a copy of the database without the key is
useless. Each sealed value is ``version (1 byte) | nonce (12 bytes) | ciphertext and tag``; the
associated data names the column, so a value moved to another column does not open.

AES-GCM rather than Fernet: both come from the same library, but GCM seals and opens a value in
about 1-2 µs here against Fernet's tens (base64 and a separate HMAC), and the store seals every
record a hook changes.
"""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import contextlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._errors import StoreError

KEY_FILE = 'secrets.key'
"""The key's file name in the state directory."""

_VERSION = b'\x01'
_NONCE = 12
_KEY_BYTES = 32
_CHECK = b'olm secrets key check'
CHECK_LABEL = b'key-check'
"""The associated data of the value that proves, on opening, that the key is the right one."""


class SecretsKeyError(StoreError):
    """The key file is missing, unreadable, malformed or not the database's key."""


class SecretsKey:
    """One state directory's key: seals and opens values for the store.

    Args:
        path: the key file, named in every error.
        key: the 256-bit key.
    """

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._aead = AESGCM(key)

    def seal(self, plain: bytes, label: bytes) -> bytes:
        """``plain`` encrypted and authenticated; ``label`` (the column) is associated data."""
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plain, label)

    def seal_text(self, text: str, label: bytes) -> bytes:
        """:meth:`seal` of UTF-8 text."""
        return self.seal(text.encode(), label)

    def open(self, sealed: object, label: bytes) -> bytes:
        """The plain value of what :meth:`seal` returned.

        Raises:
            SecretsKeyError: not a sealed value, or sealed under another key or column.
        """
        if not isinstance(sealed, bytes) or sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE:
            raise SecretsKeyError(
                f'a {label.decode()} value in the state database is not sealed with {self.path} '
                '(the database was changed outside olm)'
            )
        try:
            return self._aead.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], label)
        except InvalidTag:
            raise SecretsKeyError(
                f'{self.path} is not the key the state database was sealed with (a '
                f'{label.decode()} value does not open): restore the key file backed up with '
                'the database'
            ) from None

    def open_text(self, sealed: object, label: bytes) -> str:
        """:meth:`open` of UTF-8 text."""
        return self.open(sealed, label).decode()

    def check_value(self) -> bytes:
        """A sealed known value, kept in the database to recognise this key on opening."""
        return self.seal(_CHECK, CHECK_LABEL)

    def verify(self, sealed: object, database: Path) -> None:
        """Refuse a key that did not seal ``database``'s check value.

        Raises:
            SecretsKeyError: the key is not the database's.
        """
        try:
            ok = self.open(sealed, CHECK_LABEL) == _CHECK
        except SecretsKeyError:
            ok = False
        if not ok:
            raise SecretsKeyError(
                f'{self.path} is not the key {database} was encrypted with: restore the key '
                'file backed up with this database'
            )


def load_key(path: Path, database: Path) -> SecretsKey:
    """The key in ``path``, which must exist: ``database`` was encrypted with it.

    Raises:
        SecretsKeyError: the file is missing, unreadable or not a key.
    """
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise SecretsKeyError(
            f'secrets key {path} not found: {database} is encrypted with it; restore it from '
            'the backup of this state directory'
        ) from None
    except OSError as e:
        raise SecretsKeyError(f'cannot read secrets key {path}: {e.strerror}') from None
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        key = b''
    if len(key) != _KEY_BYTES:
        raise SecretsKeyError(
            f'secrets key {path} is not a key olm wrote (expected {_KEY_BYTES} bytes, base64)'
        )
    return SecretsKey(path, key)


def ensure_key(path: Path, database: Path) -> SecretsKey:
    """The key in ``path``, created (0600, atomically) when there is none yet.

    Two processes opening a new state directory at once agree on one key: each writes its own
    to a private temporary file and links it into place, which fails for the second.
    """
    if not path.exists():
        tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, base64.b64encode(AESGCM.generate_key(bit_length=256)) + b'\n')
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink()
    return load_key(path, database)
