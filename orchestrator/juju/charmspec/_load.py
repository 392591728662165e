"""Finding a charm directory and loading its spec (cached until one of its files changes)."""

# pyright: strict

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from .._go import go_quote
from ._archive import is_archive, unpack
from ._errors import CharmSpecError
from ._reader import Reader
from ._spec import CharmSpec

_CACHE: dict[Path, tuple[tuple[tuple[str, int, int], ...], CharmSpec]] = {}
"""Loaded specs by directory, with the (file, mtime, size) they were read from."""

_FILES: Final = (
    'charmcraft.yaml',
    'metadata.yaml',
    'config.yaml',
    'actions.yaml',
    'manifest.yaml',
)


def resolve(ref: str, *, charms_dir: Path, base_dir: Path) -> Path:
    """Find the charm directory a bundle or command line refers to.

    A path (starting with ``.``, ``/`` or ``~``, or containing ``/``) is used as it is, relative
    to ``base_dir``; a bare name (optionally ``ch:``-prefixed) is ``charms_dir/<name>``. A
    path to a ``.charm`` file (or any zip) is unpacked (:func:`._archive.unpack`) and the
    unpacked directory returned.

    Args:
        ref: the reference as written.
        charms_dir: where bare charm names live.
        base_dir: what a relative path is relative to (the bundle file's directory).

    Returns:
        The absolute charm directory.

    Raises:
        CharmSpecError: the directory does not exist (the message says where olm looked), or
            the ``.charm`` file cannot be unpacked.
    """
    if ref.startswith(('.', '/', '~')) or '/' in ref or ref.endswith('.charm'):
        path = Path(ref).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        path = Path(os.path.abspath(path))
        if is_archive(path):
            return unpack(path, shown=ref)
        if not path.is_dir():
            raise CharmSpecError(f'charm path does not exist: {path}')
        return path
    name = ref.removeprefix('ch:')
    path = Path(os.path.abspath(charms_dir / name))
    if not path.is_dir():
        raise CharmSpecError(
            f'charm {go_quote(name)} not found: looked for the directory {path} '
            f'(a bare charm name is looked up in {os.path.abspath(charms_dir)})'
        )
    return path


def load(path: str | os.PathLike[str]) -> CharmSpec:
    """Read a charm directory (cached until one of its YAML files changes).

    Args:
        path: the charm directory.

    Returns:
        Its spec.

    Raises:
        CharmSpecError: naming the file and field of the first problem.
    """
    root = Path(os.path.abspath(Path(path).expanduser()))
    if not root.is_dir():
        raise CharmSpecError(f'{root}: not a charm directory (no such directory)')
    stamp: list[tuple[str, int, int]] = []
    for name in _FILES:
        try:
            info = (root / name).stat()
        except OSError:
            continue
        stamp.append((name, info.st_mtime_ns, info.st_size))
    key = tuple(stamp)
    cached = _CACHE.get(root)
    if cached is not None and cached[0] == key:
        return cached[1]
    spec = Reader(root).read()
    _CACHE[root] = (key, spec)
    return spec
