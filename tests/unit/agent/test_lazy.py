"""A lazily imported module is executed on first use, and fails as a plain import would."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.lazy import lazy_module

PACKAGE = 'olm_lazy_probe'


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    """An importable package of our own, forgotten afterwards."""
    root = tmp_path / PACKAGE
    root.mkdir()
    (root / '__init__.py').write_text('')
    sys.path.insert(0, str(tmp_path))
    yield root
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f'{PACKAGE}.')]:
        del sys.modules[name]


def test_a_module_runs_when_a_name_is_first_read(package: Path):
    (package / 'fine.py').write_text('import sys\nsys.modules[__name__].runs = 1\nVALUE = 42\n')
    module = lazy_module(f'{PACKAGE}.fine')
    assert 'runs' not in module.__dict__
    assert module.VALUE == 42
    assert module.runs == 1
    assert lazy_module(f'{PACKAGE}.fine') is module
    assert sys.modules[PACKAGE].fine is module  # bound in its package, as import does


def test_a_module_that_fails_raises_its_own_error_at_each_read(package: Path):
    (package / 'broken.py').write_text(
        "raise ImportError('olm needs ops 3.9.x (tested); found ops 3.3.0')\n"
    )
    module = lazy_module(f'{PACKAGE}.broken')
    for _ in range(2):
        with pytest.raises(ImportError, match=r'^olm needs ops 3\.9\.x'):
            _ = module.Runner
    # As after a failed import: gone from sys.modules and its package; importing tries again.
    assert f'{PACKAGE}.broken' not in sys.modules
    assert not hasattr(sys.modules[PACKAGE], 'broken')
    with pytest.raises(ImportError, match=r'^olm needs ops'):
        __import__(f'{PACKAGE}.broken')


def test_an_error_that_is_no_import_error_is_raised_as_it_is(package: Path):
    (package / 'typed.py').write_text('raise TypeError("type \'Runtime\' is not subscriptable")\n')
    module = lazy_module(f'{PACKAGE}.typed')
    with pytest.raises(TypeError, match='not subscriptable'):
        _ = module.Runner


def test_a_failure_met_through_another_modules_import_is_not_hidden(package: Path):
    # The engine loads runner and commit lazily, and commit does `from . import runner`:
    # the import system's own look at runner's __spec__ must not swallow runner's error.
    (package / 'runner.py').write_text("raise ImportError('the real reason')\n")
    (package / 'commit.py').write_text('from . import runner\n\ndef use():\n    return runner.X\n')
    lazy_module(f'{PACKAGE}.runner')
    commit = lazy_module(f'{PACKAGE}.commit')
    with pytest.raises(ImportError, match=r'^the real reason$'):
        commit.use()


def test_a_missing_module_is_refused_at_once():
    with pytest.raises(ModuleNotFoundError):
        lazy_module('olm_no_such_module_anywhere')
