"""Pack every charm for a real Juju, and render the bundle that deploys the packed files.

olm resolves a bundle's charm names to ``charms/<name>``; a real Juju resolves them on Charmhub.
This turns the repository into what a real ``juju deploy`` takes:

1. each charm is staged in ``build/pack/<charm>/``: the charm's files (not its tests) plus the
   shared ``lib/`` packages. charmcraft's ``uv`` plugin copies ``src/`` and ``lib/`` into the
   charm (``cp --archive``: the entry point keeps its mode; charmcraft 4.4
   ``utils/parts.py`` ``get_charm_copy_commands``) and syncs ``uv.lock`` into ``venv/`` from
   wheels; its ``dispatch`` puts ``lib/`` and ``src/`` on ``PYTHONPATH``
   (``charmcraft/dispatch.py``);
2. ``charmcraft pack`` runs in each staged directory (it needs LXD, or an Ubuntu 24.04 host with
   ``--destructive-mode``), and the ``.charm`` files are collected in ``build/``;
3. every bundle given (default ``bundles/metal-k8s.yaml``) is rendered to ``build/`` with each
   local charm name replaced by ``./<charm>_<arch>.charm``; everything else, the ``saas:``
   offer included, is kept as written.

``--no-pack`` stages and renders only (no charmcraft needed): what CI checks.

Then, on a real controller whose cloud is MAAS::

    juju add-model metal-k8s && juju create-storage-pool ssd maas tags=ssd
    juju deploy ./build/metal-k8s.yaml
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHARMS = ROOT / 'charms'
LIB = ROOT / 'lib'
BUILD = ROOT / 'build'
_SKIP = shutil.ignore_patterns('tests', '__pycache__', '*.pyc', '.ruff_cache', '*.charm')


def charm_names() -> list[str]:
    """The charms of the repository: every directory of charms/ with a charmcraft.yaml."""
    return sorted(p.parent.name for p in CHARMS.glob('*/charmcraft.yaml'))


def stage(name: str, build: Path) -> Path:
    """Copy one charm and the shared lib/ packages into ``build/pack/<name>``."""
    target = build / 'pack' / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(CHARMS / name, target, ignore=_SKIP)
    for package in sorted(p for p in LIB.iterdir() if (p / '__init__.py').is_file()):
        shutil.copytree(package, target / 'lib' / package.name, ignore=_SKIP)
    return target


def pack(staged: Path, build: Path, charmcraft: str, extra: Sequence[str]) -> list[Path]:
    """Run ``charmcraft pack`` in a staged charm; move its .charm files into ``build``.

    Raises:
        SystemExit: with charmcraft's exit status when it fails.
    """
    done = subprocess.run([charmcraft, 'pack', *extra], cwd=staged, check=False)
    if done.returncode != 0:
        print(f'charmcraft pack failed in {staged} (exit {done.returncode})', file=sys.stderr)
        raise SystemExit(done.returncode)
    return [
        Path(shutil.move(str(file), build / file.name)) for file in sorted(staged.glob('*.charm'))
    ]


def render(bundle: Path, names: Sequence[str], arch: str, build: Path) -> Path:
    """Write ``build/<bundle name>`` with every local charm name pointing at its .charm file."""
    documents: list[Any] = list(yaml.safe_load_all(bundle.read_text()))
    for document in documents:
        top = cast(dict[str, Any], document or {})
        applications = cast(dict[str, dict[str, Any]], top.get('applications') or {})
        for app in applications.values():
            charm = str(app.get('charm', ''))
            if charm in names:
                app['charm'] = f'./{charm}_{arch}.charm'
    out = build / bundle.name
    header = (
        f'# Rendered by tools/pack.py from {_shown(bundle)}: the local charms point at the\n'
        f'# .charm files packed beside this file ({arch}). Deploy with:\n'
        f'#   juju deploy {_shown(out)}\n'
    )
    out.write_text(header + yaml.safe_dump_all(documents, sort_keys=False))
    return out


def _shown(path: Path) -> str:
    """A path relative to the repository (``./build/x``) when it is inside it."""
    try:
        return f'./{path.relative_to(ROOT)}'
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Stage, pack and render; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or '').splitlines()[0])
    parser.add_argument('bundles', nargs='*', default=[str(ROOT / 'bundles' / 'metal-k8s.yaml')])
    parser.add_argument('--no-pack', action='store_true', help='stage and render only')
    parser.add_argument('--arch', default='amd64', help='the platform the bundle deploys')
    parser.add_argument('--build', default=str(BUILD), help='output directory')
    parser.add_argument('--destructive-mode', action='store_true',
                        help='pack on this host (Ubuntu 24.04) instead of in LXD')  # fmt: skip
    args = parser.parse_args(argv)
    build = Path(args.build).resolve()
    build.mkdir(parents=True, exist_ok=True)
    names = charm_names()
    charmcraft = None
    if not args.no_pack:
        charmcraft = shutil.which('charmcraft')
        if charmcraft is None:
            print('charmcraft is not installed (tox -e pack installs it)', file=sys.stderr)
            return 2
    extra = ['--destructive-mode'] if args.destructive_mode else []
    for name in names:
        staged = stage(name, build)
        print(f'staged  {name}: {staged}')
        if charmcraft is not None:
            for file in pack(staged, build, charmcraft, extra):
                print(f'packed  {file}')
    for bundle in args.bundles:
        print(f'bundle  {render(Path(bundle).resolve(), names, args.arch, build)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
