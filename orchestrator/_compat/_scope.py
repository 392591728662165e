"""Whether one of olm's own hooks is running: what scopes olm's changes to ops and Scenario.

olm's adaptations (:mod:`._ops_main`, :mod:`._ops_model`) are installed on ops' and Scenario's
classes for the whole process, but each one acts only while :func:`olm_run` is active and
behaves as the original otherwise, so a charm's own Scenario tests in the same process (the
interface tests, say) run the real thing. Scenario's consistency checker is switched off here
and only here: olm's projection is built from a consistent model, and checking it on every
hook costs more than most hooks.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator

from ._charm_roots import CharmRoots

__all__ = ['SKIP_CONSISTENCY_CHECKS', 'current_roots', 'olm_run']

SKIP_CONSISTENCY_CHECKS = 'SCENARIO_SKIP_CONSISTENCY_CHECKS'
"""Scenario's documented switch (``scenario/_consistency_checker.py``): any non-empty value."""

_running: list[CharmRoots] = []


@contextlib.contextmanager
def olm_run(roots: CharmRoots) -> Generator[None]:
    """One of olm's runs: the consistency checker off, olm's adaptations on, for the block.

    ``roots`` are the virtual charm directories (and their parsed metadata) of the runner
    that runs it. The environment variable is put back as it was, set or not.
    """
    previous = os.environ.get(SKIP_CONSISTENCY_CHECKS)
    os.environ[SKIP_CONSISTENCY_CHECKS] = '1'
    _running.append(roots)
    try:
        yield
    finally:
        _running.pop()
        if previous is None:
            os.environ.pop(SKIP_CONSISTENCY_CHECKS, None)
        else:
            os.environ[SKIP_CONSISTENCY_CHECKS] = previous


def current_roots() -> CharmRoots | None:
    """The charm directories of the olm run in progress, or None outside olm's runs."""
    return _running[-1] if _running else None
