"""A ``.charm`` file: the zip ``charmcraft pack`` writes, unpacked once per content.

charmcraft 4.5 zips the charm's prime directory as it is (``utils/file.py`` ``build_zip``,
``ZIP_DEFLATED``, links followed): ``metadata.yaml``, ``config.yaml`` and ``actions.yaml``
written from ``charmcraft.yaml``, ``manifest.yaml`` with the run-on bases, ``dispatch``,
``src/``, ``lib/`` and ``venv/``. Juju reads such an archive where it is given one (juju/juju
3.6 ``cmd/juju/application/deployer/deployer.go`` ``localCharmDeployer``); olm unpacks it into
``$XDG_CACHE_HOME/olm/unpacked/<digest>`` (the file's SHA-256: the same file is unpacked once,
whatever its name) and reads the directory like any other charm.

A file that is not a zip gets Juju's message for it (``invalid charm or bundle provided at
"x.charm"``: the ``zip.ErrFormat`` branch of ``localCharmDeployer``); an archive whose
contents cannot be read (a bad checksum, a name that leaves the charm directory) gets one line
that names the file and says why.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Final

from ._errors import CharmSpecError

__all__ = ['ZIP_MAGIC', 'is_archive', 'unpack']

ZIP_MAGIC: Final = b'PK\x03\x04'
"""How every zip file (and so every ``.charm``) starts."""

_DONE: Final = '.olm-unpacked'


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a file to read as a packed charm: a ``.charm`` name or a zip."""
    if not path.is_file():
        return False
    if path.suffix == '.charm':
        return True
    try:
        with path.open('rb') as file:
            return file.read(4) == ZIP_MAGIC
    except OSError:
        return False


def _cache_root() -> Path:
    base = os.environ.get('XDG_CACHE_HOME') or str(Path.home() / '.cache')
    return Path(base) / 'olm' / 'unpacked'


def unpack(path: Path, *, shown: str | None = None, cache: Path | None = None) -> Path:
    """The directory holding the unpacked charm archive at ``path`` (unpacked on first use).

    Args:
        path: the ``.charm`` file.
        shown: how the user wrote it, for the messages (default: the path).
        cache: where unpacked charms live (default ``$XDG_CACHE_HOME/olm/unpacked``).

    Raises:
        CharmSpecError: not a zip, or an archive that cannot be unpacked (naming the file).
    """
    shown = shown if shown is not None else str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CharmSpecError(f'cannot read charm {shown}: {error.strerror or error}') from None
    if not data.startswith(ZIP_MAGIC):
        raise CharmSpecError(f'invalid charm or bundle provided at "{shown}"')
    digest = hashlib.sha256(data).hexdigest()[:24]
    root = cache or _cache_root()
    target = root / digest
    if (target / _DONE).exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f'.{digest}.', dir=root))
    try:
        _extract(path, shown, work)
        (work / _DONE).write_text(f'unpacked by olm from {path}\n')
        with contextlib.suppress(OSError):  # another olm unpacked it meanwhile: keep theirs
            work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _extract(path: Path, shown: str, work: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename)
                if name.is_absolute() or '..' in name.parts:
                    raise CharmSpecError(
                        f'cannot unpack charm {shown}: {info.filename!r} is outside the charm '
                        'directory'
                    )
                destination = work.joinpath(*name.parts)
                mode = info.external_attr >> 16
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                if stat.S_ISLNK(mode):
                    link = archive.read(info).decode()
                    resolved = PurePosixPath(*name.parts[:-1], link)
                    if link.startswith('/') or '..' in resolved.parts:
                        raise CharmSpecError(
                            f'cannot unpack charm {shown}: the link {info.filename!r} points '
                            'outside the charm directory'
                        )
                    destination.symlink_to(link)
                    continue
                with archive.open(info) as source, destination.open('wb') as out:
                    shutil.copyfileobj(source, out)
                # Modes as packed (dispatch and the entry point stay executable); an archive
                # made without them gets rw-r--r--.
                destination.chmod((mode & 0o777) or 0o644)
    except zipfile.BadZipFile as error:
        if 'CRC' in str(error):  # the zip's directory read, a member's content corrupt
            raise CharmSpecError(f'cannot unpack charm {shown}: {error}') from None
        raise CharmSpecError(f'invalid charm or bundle provided at "{shown}"') from None
    except OSError as error:
        raise CharmSpecError(f'cannot unpack charm {shown}: {error.strerror or error}') from None
