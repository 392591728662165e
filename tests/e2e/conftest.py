"""Fixtures shared by the e2e tests: a fresh model with the lab pool imported, cheaply.

Importing the pool is one ``olm`` process; it is done once per run and each test gets its own
copy of that state directory (one SQLite file), which is what the import would have left.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from olmcli import LAB, copy_state, ok


@pytest.fixture(scope='session')
def imported_lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model with the lab pool imported and nothing else: copied by tests, never changed."""
    state = tmp_path_factory.mktemp('lab') / 'olm'
    ok(state, 'pool', 'import', str(LAB))
    return state


@pytest.fixture
def lab(imported_lab: Path, tmp_path: Path) -> Path:
    """This test's own model with the lab pool imported (``tmp_path / 'olm'``)."""
    return copy_state(imported_lab, tmp_path)
