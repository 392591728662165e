"""``juju scp``: files copied to, from and between the model's simulated machines.

juju/juju ``cmd/juju/ssh/scp.go``: each argument is ``[[user@]target:]path``, where the target
is a unit (``app/0``, ``app/leader``) or a machine number; an argument naming no target is a
path on this computer. On a simulated machine a relative path is under ``/home/ubuntu`` (the
``ubuntu`` user's home, where OpenSSH's scp starts). Files land in the simulated machine's
filesystem, never this computer's; a simulated machine holds UTF-8 text, so other files are
refused. OpenSSH scp's rules (``scp(1)``): a directory needs ``-r``; a destination that is an
existing directory receives the source under its own name; the messages are scp's
(``scp: PATH: No such file or directory``, ``scp: PATH: not a regular file``).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path

from . import _names
from ._context import Context
from ._deferred import sim
from ._errors import EngineError
from ._machines import host
from ._session import Session

__all__ = ['Copies']

_UNIT = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]+)*/(?:\d+|leader)')
_MACHINE = re.compile(r'\d+')
HOME = '/home/ubuntu'


@dataclasses.dataclass(frozen=True, slots=True)
class _Place:
    """One argument: a path on a simulated machine (``machine`` set) or on this computer."""

    path: str
    machine: str | None = None


_Tree = list[tuple[str, str | None]]
"""Relative names under a copied source ('' for the source itself): text, or None for a dir."""


class Copies:
    """``juju scp``."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def copy_files(self, sources: Sequence[str], destination: str, *, recursive: bool) -> None:
        """Copy each source to the destination, as scp does.

        Raises:
            EngineError: a missing source, a directory without ``recursive``, a file that is
                not text, an unknown unit or machine (nothing is written then).
        """
        with self.context.session() as s:
            places = [self._place(s, text) for text in [*sources, destination]]
            *origins, to = places
            trees = [(place, self._read(s, place, recursive)) for place in origins]
            if len(origins) > 1 and not self._is_dir(s, to):
                raise EngineError(f'scp: {to.path}: Not a directory')
            machines = {p.machine for p in [to] if p.machine is not None}
            with s.transaction(machines=machines):
                for place, tree in trees:
                    self._write(s, place, tree, to)

    def _place(self, s: Session, text: str) -> _Place:
        target, sep, path = text.partition(':')
        target = target.rpartition('@')[2]
        if not sep or text.startswith('-'):
            return _Place(text)
        if not (_UNIT.fullmatch(target) or _MACHINE.fullmatch(target)):
            # juju/juju cmd/juju/ssh/scp.go expandArgs: every argument with a colon names a
            # remote target, and one that is no unit or machine is handed to ssh as a host
            # name. olm reaches no host but its simulated machines, so it refuses instead of
            # writing a local file called "api/-1:/tmp/x".
            raise EngineError(
                f'"{target}" is not a unit or machine of the model (olm copies only to and '
                'from its simulated machines)'
            )
        if '/' in target:
            machine = _names.unit(s.model, target).machine
        elif target in s.model.machines:
            machine = target
        else:
            raise EngineError(f'machine {target} not found')
        if not path:
            path = HOME
        elif not path.startswith('/'):
            path = posixpath.join(HOME, path)
        return _Place(posixpath.normpath(path), machine)

    def _host(self, s: Session, place: _Place) -> sim.SimHost:
        assert place.machine is not None
        return host(s, place.machine)

    def _is_dir(self, s: Session, place: _Place) -> bool:
        if place.machine is None:
            return Path(place.path).is_dir()
        return self._host(s, place).is_dir(place.path)

    def _read(self, s: Session, place: _Place, recursive: bool) -> _Tree:
        if place.machine is None:
            return _read_local(Path(place.path), recursive)
        host = self._host(s, place)
        if host.is_dir(place.path):
            if not recursive:
                raise EngineError(f'scp: {place.path}: not a regular file')
            return _read_remote_dir(host, place.path, '')
        if not host.exists(place.path):
            raise EngineError(f'scp: {place.path}: No such file or directory')
        return [('', host.read_text(place.path))]

    def _write(self, s: Session, source: _Place, tree: _Tree, to: _Place) -> None:
        base = to.path
        if self._is_dir(s, to):
            base = posixpath.join(to.path, posixpath.basename(source.path.rstrip('/')))
        for name, content in tree:
            path = posixpath.join(base, name) if name else base
            if to.machine is None:
                local = Path(path)
                if content is None:
                    local.mkdir(parents=True, exist_ok=True)
                else:
                    local.parent.mkdir(parents=True, exist_ok=True)
                    local.write_text(content)
                continue
            host = self._host(s, to)
            if content is None:
                host.mkdir(path)
            else:
                host.mkdir(posixpath.dirname(path))
                host.write_text(path, content)


def _read_local(path: Path, recursive: bool) -> _Tree:
    if not path.exists():
        raise EngineError(f'{path}: No such file or directory')
    if path.is_dir():
        if not recursive:
            raise EngineError(f'scp: {path}: not a regular file')
        tree: _Tree = [('', None)]
        for item in sorted(path.rglob('*')):
            name = item.relative_to(path).as_posix()
            tree.append((name, None) if item.is_dir() else (name, _text(item)))
        return tree
    return [('', _text(path))]


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode('utf-8')
    except UnicodeDecodeError:
        raise EngineError(
            f'{path}: not UTF-8 text; the simulated machines hold text files only'
        ) from None
    except OSError as error:
        raise EngineError(f'{path}: {error.strerror}') from None


def _read_remote_dir(host: sim.SimHost, path: str, prefix: str) -> _Tree:
    tree: _Tree = [(prefix, None)]
    for name in host.listdir(path):
        full = posixpath.join(path, name)
        rel = posixpath.join(prefix, name) if prefix else name
        if host.is_dir(full):
            tree.extend(_read_remote_dir(host, full, rel))
        else:
            tree.append((rel, host.read_text(full)))
    return tree
