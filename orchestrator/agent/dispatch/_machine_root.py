"""The simulated machine's filesystem as a real directory, for one sandboxed hook, and back.

A sandboxed hook sees the machine's files where the machine has them: before the hook each
regular file and directory of the :class:`~orchestrator.sim.SimHost` is written under a fresh
directory that the sandbox mounts as ``/``; after it, what the hook created, changed or removed
there goes back into the machine (:func:`sync_back`), as ``metal_host.LocalHost`` would have
done it on a real machine. Files are not part of Juju's hook commit: they stay written whether
the hook succeeds or not, as on a real machine.

What is not the machine's is left out of the walk back: the mount points the sandbox adds
(``/usr``, ``/proc``, ``/dev``..., and the sockets the machine serves, such as
``/run/snapd.socket``, whose mount point is an empty file) and Juju's own directories (the
unit's charm directory and tools under ``/var/lib/juju``). Device nodes the machine has
(``/dev/sdb``) are shown as the files the simulation keeps for them, read-only.

An emulated program the hook runs works on the simulated machine, so around each one the two
are brought level: what the hook wrote so far goes to the machine first (:func:`sync_back`),
and what the program wrote comes back under the root after (:func:`refresh`); ``haproxy -c``
then reads the candidate file the charm has just written, and the charm reads the secret
``maas init`` has just made.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import os
import posixpath
from pathlib import Path

from metal_host import FileEntry

from ...sim import SimHost

__all__ = ['NOT_THE_MACHINES', 'Snapshot', 'materialize', 'read_in_root', 'refresh', 'sync_back']

NOT_THE_MACHINES = ('usr', 'bin', 'sbin', 'lib', 'lib64', 'proc', 'dev', 'sys')
"""Top-level paths the sandbox provides itself: never synchronised with the machine."""

_JUJU = 'var/lib/juju'


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """The files as the root and the machine last agreed on them (kept up to date)."""

    files: dict[str, tuple[bytes, int]]  # machine path -> (content, mode)
    devices: dict[str, FileEntry]


def _is_machines(relative: str) -> bool:
    if relative.startswith(_JUJU + '/') or relative == _JUJU:
        return False
    return not any(relative == p or relative.startswith(p + '/') for p in NOT_THE_MACHINES)


def _write(root: Path, path: str, entry: FileEntry) -> tuple[bytes, int]:
    data = entry.content.encode('utf-8', 'surrogateescape')
    target = root / path.lstrip('/')
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()
    target.write_bytes(data)
    target.chmod(entry.mode & 0o7777)
    return data, entry.mode & 0o7777


def _machines_files(host: SimHost) -> dict[str, FileEntry]:
    return {
        path: entry
        for path, entry in host.files.items()
        if not path.startswith('/dev/') and _is_machines(path.lstrip('/'))
    }


def materialize(host: SimHost, root: Path) -> Snapshot:
    """Write the machine's files and directories under ``root`` (an empty directory)."""
    files: dict[str, tuple[bytes, int]] = {}
    devices = {p: e for p, e in host.files.items() if p.startswith('/dev/')}
    for directory in host.directories:
        relative = directory.lstrip('/')
        if relative and _is_machines(relative):
            (root / relative).mkdir(parents=True, exist_ok=True)
    for path, entry in _machines_files(host).items():
        files[path] = _write(root, path, entry)
    for name in ('tmp', 'var/tmp'):
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name).chmod(0o1777)
    return Snapshot(files, devices)


def refresh(host: SimHost, root: Path, snapshot: Snapshot) -> list[str]:
    """Bring under ``root`` what the machine's programs changed since ``snapshot``."""
    changed: list[str] = []
    now = _machines_files(host)
    for path, entry in sorted(now.items()):
        data = entry.content.encode('utf-8', 'surrogateescape')
        if snapshot.files.get(path) != (data, entry.mode & 0o7777):
            snapshot.files[path] = _write(root, path, entry)
            changed.append(path)
    for path in sorted(set(snapshot.files) - set(now)):
        (root / path.lstrip('/')).unlink(missing_ok=True)
        del snapshot.files[path]
        changed.append(path)
    return changed


def read_in_root(root: Path, cwd: str, path: str) -> bytes:
    """A file the hook names (``--file PATH``), read as the hook sees it; never outside root.

    A link that leads out of the root (to this computer's files) reads as missing.
    """
    absolute = posixpath.normpath(posixpath.join(cwd or '/', path))
    candidate = root / absolute.lstrip('/')
    real = Path(os.path.realpath(candidate))
    if real != root and not real.is_relative_to(root.resolve()):
        raise FileNotFoundError(2, 'No such file or directory', path)
    return real.read_bytes()


def _walk(root: Path, sockets: frozenset[str] = frozenset()) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory, dirs, names in os.walk(root):
        base = Path(directory)
        relative_dir = base.relative_to(root).as_posix()
        relative_dir = '' if relative_dir == '.' else relative_dir
        dirs[:] = [d for d in dirs if _is_machines(f'{relative_dir}/{d}'.lstrip('/'))]
        for name in names:
            relative = f'{relative_dir}/{name}'.lstrip('/')
            path = base / name
            if '/' + relative in sockets:
                continue
            if _is_machines(relative) and path.is_file() and not path.is_symlink():
                found['/' + relative] = path
    return found


def sync_back(host: SimHost, root: Path, before: Snapshot) -> list[str]:
    """Put what the hook did to the files under ``root`` into the machine; the paths changed.

    ``before`` is updated to what both now hold.
    """
    changed: list[str] = []
    now = _walk(root, frozenset(host.world.sockets))
    for path, real in sorted(now.items()):
        data = real.read_bytes()
        mode = real.stat().st_mode & 0o7777
        if before.files.get(path) == (data, mode):
            continue
        before.files[path] = (data, mode)
        previous = host.files.get(path)
        host.write_text(
            path,
            data.decode('utf-8', 'surrogateescape'),
            mode=mode,
            owner=previous.owner if previous else None,
            group=previous.group if previous else None,
        )
        changed.append(path)
    for path in sorted(set(before.files) - set(now)):
        host.remove(path)
        del before.files[path]
        changed.append(path)
    return changed
