"""tools/pack.py: what a real Juju gets — staged charms with lib/, a bundle of packed files."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

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


def requirements(charm: Path) -> set[str]:
    names: set[str] = set()
    for line in (charm / 'requirements.txt').read_text().splitlines():
        line = line.split('#')[0].strip()
        if line:
            names.add(line.split('>')[0].split('<')[0].split('=')[0].split('[')[0].lower())
    return names


@pytest.mark.parametrize('name', pack.charm_names())
def test_every_import_of_a_packed_charm_is_a_requirement(name: str):
    charm = ROOT / 'charms' / name
    lib = [p for p in (ROOT / 'lib').rglob('*.py') if not p.name.endswith('_testing.py')]
    files = [*charm.glob('src/*.py'), *lib]
    local = {p.stem for p in charm.glob('src/*.py')} | {'metal_host', 'metal_interfaces'}
    imported = third_party_imports(files, local)
    unknown = imported - set(DISTRIBUTIONS)
    assert not unknown, f'map these imports to distributions: {unknown}'
    missing = {DISTRIBUTIONS[m] for m in imported} - requirements(charm)
    assert not missing, f'{name}/requirements.txt lacks {sorted(missing)}'


def test_staging_and_rendering(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert pack.main(['--no-pack', '--build', str(tmp_path)]) == 0
    names = pack.charm_names()
    for name in names:
        staged = tmp_path / 'pack' / name
        assert (staged / 'charmcraft.yaml').is_file() and (staged / 'src' / 'charm.py').is_file()
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
