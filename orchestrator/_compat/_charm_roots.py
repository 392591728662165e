"""The virtual charm directories of olm's runs, made once per charm and removed at the end.

Scenario runs a charm in a "virtual charm root": a directory with the charm's metadata YAML,
which it writes afresh on every run (about a third of a run's cost; ``scenario/_runtime.py``
``Runtime._virtual_charm_root``). olm builds one per charm and keeps it: it links the charm's
own files, so a charm that reads ``self.charm_dir / 'templates'`` finds them, and holds the
metadata ops reads, which is also parsed once (:meth:`CharmRoots.meta`).

The directories belong to a :class:`CharmRoots` (one per hook runner) and are removed when it
is closed, when it is garbage-collected, or at the latest when the interpreter exits
(:class:`weakref.finalize`): a test run used to leave hundreds behind in the temporary directory.
"""

# pyright: strict

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ops
import yaml

__all__ = ['CharmRoots']

_GENERATED = frozenset({'metadata.yaml', 'config.yaml', 'actions.yaml'})


class CharmRoots:
    """One virtual charm directory per charm, and ops' parsed metadata of each."""

    def __init__(self) -> None:
        self._dirs: dict[Path, Path] = {}
        self._meta: dict[Path, ops.CharmMeta] = {}
        self._finalizer = weakref.finalize(self, _remove, self._dirs, self._meta)

    def root(self, charm: Path, meta: Mapping[str, Any], config: Any, actions: Any) -> Path:
        """The virtual charm directory of the charm at ``charm`` (made on first use)."""
        root = self._dirs.get(charm)
        if root is None:
            root = self._dirs[charm] = _make(charm, meta, config, actions)
        return root

    def meta(self, root: Path, parse: Callable[[], ops.CharmMeta]) -> ops.CharmMeta:
        """Ops' metadata of a directory made here, parsed once (``parse`` on first use)."""
        meta = self._meta.get(root)
        if meta is None:
            meta = self._meta[root] = parse()
        return meta

    def __contains__(self, root: object) -> bool:
        return root in self._dirs.values()

    def __len__(self) -> int:
        return len(self._dirs)

    def paths(self) -> tuple[Path, ...]:
        """The directories made so far."""
        return tuple(self._dirs.values())

    def close(self) -> None:
        """Remove every directory made so far (a later run makes its charm's again)."""
        _remove(self._dirs, self._meta)


def _remove(dirs: dict[Path, Path], meta: dict[Path, ops.CharmMeta]) -> None:
    # The finalizer's callback: it must not refer to the CharmRoots itself.
    for root in dirs.values():
        shutil.rmtree(root, ignore_errors=True)
    dirs.clear()
    meta.clear()


def _make(charm: Path, meta: Mapping[str, Any], config: Any, actions: Any) -> Path:
    """A directory that looks like the unpacked charm: its files plus the metadata ops reads."""
    root = Path(tempfile.mkdtemp(prefix=f'olm-charm-{charm.name}-'))
    for entry in charm.iterdir():
        if entry.name not in _GENERATED and entry.name != 'charmcraft.yaml':
            (root / entry.name).symlink_to(entry)
    dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)
    (root / 'metadata.yaml').write_text(yaml.dump(dict(meta), Dumper=dumper))
    (root / 'config.yaml').write_text(yaml.dump(config or {}, Dumper=dumper))
    (root / 'actions.yaml').write_text(yaml.dump(actions or {}, Dumper=dumper))
    return root
