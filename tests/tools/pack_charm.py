"""Pack a charm directory into a ``.charm`` file the way ``charmcraft pack`` lays it out.

Usage: ``pack_charm.py CHARM_DIR OUT_DIR`` prints the path of the ``.charm`` it wrote.

For tests that need a ``.charm`` where charmcraft (an LXD or Multipass build) cannot run, such
as jubilant's integration suite, whose ``find_charm`` globs ``*.charm``. The contents are the
dispatch runner's staging of the directory (:mod:`orchestrator.agent.dispatch._staging`: the
plugin's files, ``metadata.yaml``/``config.yaml``/``actions.yaml`` written from
``charmcraft.yaml``, ``dispatch``, the locked dependencies in ``venv/``) plus ``manifest.yaml``,
zipped as charmcraft 4.5 zips its prime directory. What models what (canonical/charmcraft
15966e9, after 4.4.0):

- the file name: ``services/package.py`` ``get_charm_name``: ``<name>_<platform>.charm``, the
  platform being the first platform's label with ``:`` turned into ``-`` (``testdb_amd64.charm``,
  ``x_ubuntu@22.04-amd64.charm``); a ``bases:`` charm's platform is
  ``models/project.py`` ``get_charm_file_platform_str`` (``ubuntu-22.04-amd64``);
- ``manifest.yaml``: ``models/manifest.py`` ``Manifest`` dumped by alias
  (``charmcraft-version``, ``charmcraft-started-at``, ``bases`` with ``name``/``channel``/
  ``architectures``, ``analysis``);
- the zip: ``utils/file.py`` ``build_zip``: ``ZIP_DEFLATED``, every file under the prime
  directory with its relative name; ``venv/bin`` holds only ``activate``
  (``utils/parts.py`` ``get_venv_cleanup_commands``).

A charm that locks an ops olm's cannot stand in for runs on its own ops with the dispatch
runner (``OLM_RUNNER=dispatch``); the in-process runner refuses it with a message that says so.
ops 2.x (jubilant's test charms lock ``ops==2.*``) runs on olm's 3.x in either runner.

Differences from a real pack: the venv is built for this computer's ``/usr/bin/python3`` (the
staging's documented deviation), not the base's CPython; the charm's own files have no
``__pycache__``; ``analysis.attributes`` is empty (charmcraft's linters do not run).
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import zipfile
from pathlib import Path
from typing import Any, cast

import yaml

from orchestrator.agent.dispatch._staging import stage
from orchestrator.juju import charmspec

CHARMCRAFT_VERSION = '4.5.0'
_ARCHES = {'x86_64': 'amd64', 'aarch64': 'arm64', 'ppc64le': 'ppc64el', 's390x': 's390x'}


def host_arch() -> str:
    """This computer's architecture in Debian's (and charmcraft's) spelling."""
    machine = platform.machine()
    return _ARCHES.get(machine, machine)


def platform_label(charmcraft: dict[str, Any], arch: str) -> str:
    """The ``<platform>`` part of the file name, as charmcraft names the first build."""
    platforms: Any = charmcraft.get('platforms')
    if isinstance(platforms, dict) and platforms:
        return str(next(iter(cast(dict[str, Any], platforms)))).replace(':', '-')
    bases: Any = charmcraft.get('bases')
    if isinstance(bases, list) and bases:
        first = cast(dict[str, Any], cast(list[Any], bases)[0])
        run_on = cast(
            list[dict[str, Any]], first.get('run-on') or first.get('build-on') or [first]
        )
        return '_'.join(
            f'{b["name"]}-{b["channel"]}-{"-".join(b.get("architectures") or [arch])}'
            for b in run_on
        )
    return arch


def manifest(spec: charmspec.CharmSpec, arch: str) -> dict[str, Any]:
    """``manifest.yaml`` as charmcraft writes it."""
    started = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    return {
        'charmcraft-version': CHARMCRAFT_VERSION,
        'charmcraft-started-at': started,
        'bases': [
            {
                'name': base.partition('@')[0],
                'channel': base.partition('@')[2],
                'architectures': [arch],
            }
            for base in spec.bases
        ],
        'analysis': {'attributes': []},
    }


def _walk(root: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for directory, dirs, names in os.walk(root, followlinks=True):
        dirs.sort()
        for name in sorted(names):
            path = Path(directory, name)
            found.append((path, str(path.relative_to(root))))
    return found


def pack(charm_dir: Path, out_dir: Path) -> Path:
    """Write ``<name>_<platform>.charm`` for the charm at ``charm_dir`` into ``out_dir``."""
    spec = charmspec.load(charm_dir)
    if spec.packed:
        raise SystemExit(f'{charm_dir} is packed already')
    staged = stage(spec)
    file = spec.path / 'charmcraft.yaml'
    charmcraft: dict[str, Any] = yaml.safe_load(file.read_text()) if file.is_file() else {}
    arch = host_arch()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f'{spec.name}_{platform_label(charmcraft or {}, arch)}.charm'
    temp = target.with_name(f'.{target.name}.{os.getpid()}')
    with zipfile.ZipFile(temp, 'w', zipfile.ZIP_DEFLATED) as archive:
        for path, name in _walk(staged.path):
            if name == '.olm' or '__pycache__' in Path(name).parts:
                continue
            archive.write(path, name)
        if staged.venv is not None:
            for path, name in _walk(staged.venv):
                parts = Path(name).parts
                if name == '.olm-complete' or (parts[0] == 'bin' and name != 'bin/activate'):
                    continue
                archive.write(path, f'venv/{name}')
        archive.writestr('manifest.yaml', yaml.safe_dump(manifest(spec, arch), sort_keys=False))
    temp.replace(target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print('usage: pack_charm.py CHARM_DIR OUT_DIR', file=sys.stderr)
        return 2
    print(pack(Path(argv[0]).resolve(), Path(argv[1]).resolve()))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
