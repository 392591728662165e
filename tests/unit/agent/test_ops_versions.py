"""olm refuses an untested ops release in one line, and its pins agree on what is tested."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from orchestrator import _ops_versions

ROOT = Path(__file__).resolve().parents[3]
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'
ECHO = ROOT / 'tests' / 'charms' / 'echo'


def _fake(monkeypatch: pytest.MonkeyPatch, **versions: str | None) -> None:
    real = importlib.metadata.version

    def version(name: str) -> str:
        key = name.replace('-', '_')
        if key not in versions:
            return real(name)
        found = versions[key]
        if found is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return found

    monkeypatch.setattr(importlib.metadata, 'version', version)
    monkeypatch.delenv(_ops_versions.ALLOW_UNTESTED, raising=False)


def test_the_installed_releases_are_tested():
    assert _ops_versions.untested_releases() == {}
    _ops_versions.check_installed()


def test_an_untested_ops_is_refused_in_one_line_naming_both(monkeypatch: pytest.MonkeyPatch):
    _fake(monkeypatch, ops='3.3.0', ops_scenario='8.9.0')
    with pytest.raises(_ops_versions.OpsVersionError) as refused:
        _ops_versions.check_installed()
    message = str(refused.value)
    assert '\n' not in message
    assert message == (
        'olm needs ops 3.8.x or 3.9.x and ops-scenario 8.8.x or 8.9.x (tested); '
        "found ops 3.3.0: pip install 'ops[testing]>=3.8,<3.10'"
    )
    assert isinstance(refused.value, ImportError)


@pytest.mark.parametrize(
    ('ops', 'scenario', 'refused'),
    [
        ('3.9.0', '8.9.0', {}),
        ('3.8.3', '8.8.3', {}),
        ('3.9.1', '8.8.0', {}),
        ('3.7.1', '8.7.1', {'ops': '3.7.1', 'ops-scenario': '8.7.1'}),
        ('3.10.0', '8.10.0', {'ops': '3.10.0', 'ops-scenario': '8.10.0'}),
        ('3.10.0.dev0', '8.9.0', {'ops': '3.10.0.dev0'}),
        ('2.17.1', None, {'ops': '2.17.1', 'ops-scenario': None}),
    ],
)
def test_only_the_tested_series_pass(
    monkeypatch: pytest.MonkeyPatch, ops: str, scenario: str | None, refused: dict[str, str]
):
    _fake(monkeypatch, ops=ops, ops_scenario=scenario)
    assert _ops_versions.untested_releases() == refused


def test_a_missing_scenario_is_named(monkeypatch: pytest.MonkeyPatch):
    _fake(monkeypatch, ops_scenario=None)
    with pytest.raises(_ops_versions.OpsVersionError, match=r'ops-scenario \(not installed\)'):
        _ops_versions.check_installed()


def test_the_newest_ops_env_is_warned_not_refused(monkeypatch: pytest.MonkeyPatch):
    _fake(monkeypatch, ops='3.10.0', ops_scenario='8.10.0')
    monkeypatch.setenv(_ops_versions.ALLOW_UNTESTED, '1')
    with pytest.warns(RuntimeWarning, match='olm needs ops'):
        _ops_versions.check_installed()


def test_pyproject_pins_the_tested_series():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
    ops_pins = [d for d in project['dependencies'] if re.match(r'ops\b', d)]
    assert ops_pins == [_ops_versions.PIN]
    bounds = re.fullmatch(r'ops\[testing\]>=(\d+\.\d+),<(\d+\.\d+)', _ops_versions.PIN)
    assert bounds is not None
    low, high = bounds.groups()
    series = _ops_versions.TESTED['ops']
    assert low == series[0]
    major, minor = series[-1].split('.')
    assert high == f'{major}.{int(minor) + 1}'


def test_the_ci_lock_holds_a_tested_release():
    lock = (ROOT / 'requirements' / 'ci.txt').read_text()
    for name, series in _ops_versions.TESTED.items():
        found = re.search(rf'^{re.escape(name)}==(\d+\.\d+)\.', lock, re.MULTILINE)
        assert found is not None, name
        assert found[1] in series, name


def test_olm_says_it_in_one_line_and_exits_non_zero(tmp_path: Path):
    env = {**os.environ, 'OLM_HOME': str(tmp_path / 'olm'), 'PYTHONPATH': str(ROOT / 'lib')}
    env.pop(_ops_versions.ALLOW_UNTESTED, None)
    olm = [sys.executable, '-m', 'orchestrator.cli']
    subprocess.run([*olm, 'pool', 'import', str(LAB_POOL)], env=env, check=True, cwd=ROOT,
                   capture_output=True)  # fmt: skip
    # ops 3.3.0 as importlib.metadata reports it.
    fake = (
        'import importlib.metadata as m, runpy, sys; real = m.version; '
        "m.version = lambda n: '3.3.0' if n == 'ops' else real(n); "
        "sys.argv = ['olm', 'deploy', sys.argv[1]]; "
        "runpy.run_module('orchestrator.cli', run_name='__main__')"
    )
    done = subprocess.run([sys.executable, '-c', fake, str(ECHO)], env=env, cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == [
        'ERROR olm needs ops 3.8.x or 3.9.x and ops-scenario 8.8.x or 8.9.x (tested); '
        "found ops 3.3.0: pip install 'ops[testing]>=3.8,<3.10'"
    ]
    # Refused before the deploy changed anything (not at its first hook, after its commit).
    shown = subprocess.run([*olm, 'status'], env=env, cwd=ROOT, capture_output=True, text=True,
                           check=True)  # fmt: skip
    assert 'is empty' in shown.stdout, shown.stdout
