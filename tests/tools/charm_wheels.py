"""Install each charm's locked dependencies as the uv plugin would, building nothing.

charmcraft's ``uv`` plugin runs ``uv sync`` from the charm's ``uv.lock`` into the packed charm's
``venv/`` on the base (charmcraft 4.4 ``charmcraft/parts/plugins/_uv.py``, craft-parts' uv
plugin). The base is ubuntu@24.04: CPython 3.12 and glibc 2.39, on each platform the charm
declares. This installs the same locked set (``uv export --frozen``, hashes included) for
those targets with ``uv pip install --no-build``: a package that would need a compiler (a Rust
toolchain for pydantic-core from source, canonical/charmcraft#2004) fails here instead of at
pack time. It needs the package index, so it runs in ``tox -e charmcraft`` rather than with
the unit tests; tests/unit/test_packing.py checks the lock files offline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

CHARMS = Path(__file__).resolve().parents[2] / 'charms'
PYTHON = '3.12'  # ubuntu@24.04's python3
GLIBC = '2_39'  # ubuntu@24.04's libc6
ARCHES = {'amd64': 'x86_64', 'arm64': 'aarch64'}  # charmcraft platform -> uv target triple


def platforms(charm: Path) -> list[str]:
    """The charm's platforms (charmcraft.yaml ``platforms``) as uv's manylinux targets."""
    declared = yaml.safe_load((charm / 'charmcraft.yaml').read_text()).get('platforms') or {}
    return [f'{ARCHES[name]}-manylinux_{GLIBC}' for name in declared]


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)


def main() -> int:
    uv = shutil.which('uv')
    if uv is None:
        print('uv is not installed (tox -e charmcraft installs it from PyPI)')
        return 2
    charms = sorted(p.parent for p in CHARMS.glob('*/uv.lock'))
    if len(charms) != len(list(CHARMS.glob('*/charmcraft.yaml'))):
        print('every charm needs a uv.lock next to its charmcraft.yaml (uv lock)')
        return 1
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for charm in charms:
            requirements = Path(tmp) / f'{charm.name}.txt'
            exported = run(
                uv, 'export', '--frozen', '--no-dev', '--no-emit-project', '--quiet',
                '-o', str(requirements), cwd=charm,
            )  # fmt: skip
            if exported.returncode != 0:
                failed.append(charm.name)
                print(f'FAILED  {charm.name}: uv export: {exported.stderr.strip()}')
                continue
            for target in platforms(charm):
                done = run(
                    uv, 'pip', 'install', '--quiet', '--no-build', '--no-python-downloads',
                    '--python-version', PYTHON, '--python-platform', target,
                    '--target', str(Path(tmp) / charm.name / target), '-r', str(requirements),
                    cwd=charm,
                )  # fmt: skip
                if done.returncode == 0:
                    print(f'ok      {charm.name} on {target}, CPython {PYTHON}: wheels only')
                else:
                    failed.append(f'{charm.name} ({target})')
                    print(f'FAILED  {charm.name} on {target}: {done.stderr.strip()}')
    print(f'{len(failed)} failed' if failed else 'every charm installs from wheels on noble')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
