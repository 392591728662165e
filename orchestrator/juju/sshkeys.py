"""Public SSH keys as Juju's key manager reads them: validity, fingerprint, comment.

juju/juju ``apiserver/facades/client/keymanager/keymanager.go``: a model's keys live in its
``authorized-keys`` config, one per line; a key is valid when juju/utils ``ssh.KeyFingerprint``
parses it (an OpenSSH authorized-keys line: type, base64 wire blob, optional comment) and is
known by its MD5 fingerprint (``aa:bb:…``) and its comment.
"""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import struct

__all__ = ['PublicKey', 'SSHKeyError', 'parse_key', 'split_keys']


class SSHKeyError(ValueError):
    """Not an OpenSSH public key line."""


@dataclasses.dataclass(frozen=True, slots=True)
class PublicKey:
    """One authorized key: its line as given, MD5 fingerprint and comment."""

    text: str
    fingerprint: str
    comment: str


def parse_key(text: str) -> PublicKey:
    """An authorized-keys line (``ssh-rsa AAAA… comment``), checked as OpenSSH parses it.

    The blob's first field must name the key's type, as the wire format has it.

    Raises:
        SSHKeyError: not a public key line.
    """
    fields = text.strip().split(None, 2)
    if len(fields) < 2:
        raise SSHKeyError(text)
    kind, encoded = fields[0], fields[1]
    try:
        blob = base64.b64decode(encoded, validate=True)
        (length,) = struct.unpack('>I', blob[:4])
        named = blob[4 : 4 + length].decode('ascii')
    except (binascii.Error, struct.error, UnicodeDecodeError):
        raise SSHKeyError(text) from None
    if named != kind:
        raise SSHKeyError(text)
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    fingerprint = ':'.join(digest[i : i + 2] for i in range(0, len(digest), 2))
    return PublicKey(text.strip(), fingerprint, fields[2].strip() if len(fields) > 2 else '')


def split_keys(text: str) -> list[str]:
    """The key lines of an ``authorized-keys`` value (juju/utils ``SplitAuthorisedKeys``)."""
    return [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith('#')
    ]
