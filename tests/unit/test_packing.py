"""tools/pack.py: what a real Juju gets — staged charms with lib/, a bundle of packed files."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))

import pack  # noqa: E402

# The import name of each third-party distribution a charm may use.
DISTRIBUTIONS = {'ops': 'ops', 'pydantic': 'pydantic', 'yaml': 'pyyaml', 'jinja2': 'jinja2',
                 'tenacity': 'tenacity', 'httpx': 'httpx'}  # fmt: skip


def third_party_imports(files: list[Path], local: set[str]) -> set[str]:
    found: set[str] = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition('.')[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.add(top)
    return found


def dependencies(charm: Path) -> set[str]:
    """The distributions the charm's pyproject.toml (what the uv plugin installs) names."""
    project = tomllib.loads((charm / 'pyproject.toml').read_text())['project']
    return {_name(spec) for spec in project.get('dependencies', [])}


def _name(spec: str) -> str:
    return re.split(r'[<>=!~;\[ ]', spec, maxsplit=1)[0].strip().lower().replace('_', '-')


def test_every_charm_builds_with_the_uv_plugin():
    """The charm plugin installs with --no-binary=:all: (charmcraft charm_builder.py), so
    pydantic-core would need Rust at pack time (canonical/charmcraft#2004); uv uses wheels."""
    for name in pack.charm_names():
        part = yaml.safe_load((ROOT / 'charms' / name / 'charmcraft.yaml').read_text())
        charm = part['parts']['charm']
        assert charm['plugin'] == 'uv', f'{name}: parts.charm.plugin'
        assert 'astral-uv' in charm.get('build-snaps', []), f'{name}: uv comes as a build snap'
        assert (ROOT / 'charms' / name / 'uv.lock').is_file(), f'{name}: no uv.lock'
        assert not (ROOT / 'charms' / name / 'requirements.txt').exists(), name


@pytest.mark.parametrize('name', pack.charm_names())
def test_every_import_of_a_packed_charm_is_a_dependency(name: str):
    charm = ROOT / 'charms' / name
    lib = [p for p in (ROOT / 'lib').rglob('*.py') if not p.name.endswith('_testing.py')]
    files = [*charm.glob('src/*.py'), *lib]
    shared = {p.name for p in (ROOT / 'lib').iterdir() if (p / '__init__.py').is_file()}
    local = {p.stem for p in charm.glob('src/*.py')} | shared  # pack.py stages every lib/ package
    imported = third_party_imports(files, local)
    unknown = imported - set(DISTRIBUTIONS)
    assert not unknown, f'map these imports to distributions: {unknown}'
    missing = {DISTRIBUTIONS[m] for m in imported} - dependencies(charm)
    assert not missing, f'{name}/pyproject.toml lacks {sorted(missing)}'


def _locked(charm: Path) -> list[dict[str, Any]]:
    return tomllib.loads((charm / 'uv.lock').read_text())['package']


@pytest.mark.parametrize('name', pack.charm_names())
def test_the_lock_is_the_lock_of_pyproject(name: str):
    """``uv sync --frozen`` installs the lock as it is: a stale lock ships other versions."""
    charm = ROOT / 'charms' / name
    project = next(p for p in _locked(charm) if p['source'].get('virtual') == '.')
    locked = {
        _name(d['name']) + d.get('specifier', '') for d in project['metadata']['requires-dist']
    }
    declared = tomllib.loads((charm / 'pyproject.toml').read_text())['project']['dependencies']
    assert locked == {_name(d) + re.sub(r'^[A-Za-z0-9_.-]+', '', d) for d in declared}, (
        f'{name}/uv.lock is stale: run `uv lock` in charms/{name}'
    )


# Which wheels ubuntu@24.04's CPython 3.12 (glibc 2.39) installs, per platform (PEP 425, 600).
_ARCH = {'amd64': 'x86_64', 'arm64': 'aarch64'}
_LEGACY = {'manylinux1': (2, 5), 'manylinux2010': (2, 12), 'manylinux2014': (2, 17)}


def installs_on_noble(wheel: str, arch: str) -> bool:
    """Whether a wheel file name is one noble's python3 can install on ``arch``."""
    *_, pythons, abis, platforms = wheel.removesuffix('.whl').split('-')
    return any(
        _python_ok(python, abi) and _platform_ok(platform, _ARCH[arch])
        for python in pythons.split('.')
        for abi in abis.split('.')
        for platform in platforms.split('.')
    )


def _python_ok(python: str, abi: str) -> bool:
    if abi == 'abi3':  # the stable ABI of CPython 3.X, for every later 3.Y
        return python.startswith('cp3') and int(python[3:]) <= 12
    if abi == 'none':
        return python in {'py3', 'py312', 'cp312'}
    return python == abi == 'cp312'


def _platform_ok(platform: str, arch: str) -> bool:
    if platform == 'any':
        return True
    family, _, tail = platform.partition('_')
    if family in _LEGACY:
        return tail == arch
    match = re.fullmatch(rf'manylinux_(\d+)_(\d+)_{arch}', platform)
    return match is not None and (int(match[1]), int(match[2])) <= (2, 39)


def test_wheel_tags_are_read_as_pip_reads_them():
    assert installs_on_noble('ops-3.9.0-py3-none-any.whl', 'amd64')
    core = 'pydantic_core-2.50.5-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'
    assert installs_on_noble(core, 'amd64') and not installs_on_noble(core, 'arm64')
    assert not installs_on_noble(
        'pydantic_core-2.50.5-cp313-cp313-manylinux_2_17_x86_64.whl', 'amd64'
    )
    assert not installs_on_noble('x-1-cp312-cp312-manylinux_2_41_x86_64.whl', 'amd64')
    assert not installs_on_noble('x-1-cp312-cp312-musllinux_1_2_x86_64.whl', 'amd64')
    assert installs_on_noble('x-1-cp38-abi3-manylinux2014_aarch64.whl', 'arm64')


@pytest.mark.parametrize('name', pack.charm_names())
def test_every_locked_package_has_a_wheel_for_noble(name: str):
    """Nothing the uv plugin installs is built from source: no compiler at pack time."""
    charm = ROOT / 'charms' / name
    arches = yaml.safe_load((charm / 'charmcraft.yaml').read_text())['platforms']
    for package in _locked(charm):
        if package['source'].get('virtual'):
            continue  # the charm itself: --no-install-project
        wheels = [w['url'].rsplit('/', 1)[1] for w in package.get('wheels', [])]
        for arch in arches:
            assert any(installs_on_noble(w, arch) for w in wheels), (
                f'{name}: {package["name"]} {package["version"]} has no wheel for noble/{arch}'
            )


@pytest.mark.parametrize('name', pack.charm_names())
def test_the_entry_point_is_executable_in_git(name: str):
    """The charm plugin's dispatch execs it; a 100644 entry point fails every hook
    (canonical/charmcraft#1931: the pack still succeeds)."""
    listed = subprocess.run(
        ['git', 'ls-files', '-s', f'charms/{name}/src/charm.py'],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    if not listed:
        pytest.skip('not a git checkout')
    assert listed[0] == '100755', f'charms/{name}/src/charm.py is {listed[0]} in git'


def test_staging_and_rendering(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert pack.main(['--no-pack', '--build', str(tmp_path)]) == 0
    names = pack.charm_names()
    for name in names:
        staged = tmp_path / 'pack' / name
        assert (staged / 'charmcraft.yaml').is_file() and (staged / 'src' / 'charm.py').is_file()
        assert os.access(staged / 'src' / 'charm.py', os.X_OK)  # the uv plugin cp --archive's it
        assert (staged / 'pyproject.toml').is_file() and (staged / 'uv.lock').is_file()
        assert (staged / 'lib' / 'metal_host' / '__init__.py').is_file()
        assert (staged / 'lib' / 'metal_interfaces' / 'kube_cluster.py').is_file()
        assert not (staged / 'tests').exists()
    source = yaml.safe_load((ROOT / 'bundles' / 'metal-k8s.yaml').read_text())
    rendered = yaml.safe_load((tmp_path / 'metal-k8s.yaml').read_text())
    assert {app['charm'] for app in rendered['applications'].values()} == {
        f'./{name}_amd64.charm' for name in names
    }
    for app in source['applications'].values():
        app.pop('charm')
    for app in rendered['applications'].values():
        app.pop('charm')
    assert rendered == source  # storage, constraints, options, saas and relations kept
    assert 'juju deploy' in (tmp_path / 'metal-k8s.yaml').read_text().splitlines()[2]
    assert f'bundle  {tmp_path / "metal-k8s.yaml"}' in capsys.readouterr().out


# What a charm directory may hold beside src/ and lib/: the uv plugin packs only those two
# (charmcraft 4.5.0 utils/parts.py get_charm_copy_commands), so anything the charm reads at
# run time must live in them. The rest is for building, testing and reading.
_NOT_PACKED = {'charmcraft.yaml', 'pyproject.toml', 'uv.lock', 'README.md', 'ruff.toml', 'tests'}


@pytest.mark.parametrize('name', pack.charm_names())
def test_a_charm_keeps_what_it_reads_at_run_time_in_src_or_lib(name: str):
    beside = {p.name for p in (ROOT / 'charms' / name).iterdir()} - {'src', 'lib'}
    assert beside <= _NOT_PACKED, f'{name}: not packed by the uv plugin: {beside - _NOT_PACKED}'
