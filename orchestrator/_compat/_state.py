"""Every place olm leans on ops or Scenario beyond their public API, in one module.

olm runs charm code the way Juju's unit agent does, which Scenario's public ``Context.run``
does not quite allow; the adaptations that makes necessary live here, each named and
documented, so that a new ops release breaks one named seam (tests/unit/agent) and not a
dozen hook-order tests. Like httpx's ``_compat``, nothing else in olm reaches into ops' or
Scenario's private modules.

Imported only by the code that runs hooks (ops and Scenario are heavy; see lazy.py).
"""

# pyright: strict

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator

from scenario import state as scenario_state

__all__ = ['empty_state', 'seeded_secret_ids']


@contextlib.contextmanager
def seeded_secret_ids(next_id: Callable[[], str]) -> Generator[None]:
    """Make Scenario draw new secret ids from ``next_id`` while the block runs.

    Why: a secret a charm creates gets its id from Scenario's module-level
    ``scenario.state._generate_secret_id`` (a random uuid). olm wants one seed to be one
    settle, ids included, so it swaps in the session's seeded generator and puts the original
    back afterwards.
    """
    previous = scenario_state._generate_secret_id  # pyright: ignore[reportPrivateUsage]
    scenario_state._generate_secret_id = next_id  # pyright: ignore[reportPrivateUsage]
    try:
        yield
    finally:
        scenario_state._generate_secret_id = previous  # pyright: ignore[reportPrivateUsage]


def empty_state() -> scenario_state.State:
    """A Scenario state with nothing in it: the input of a hook that never reached the charm."""
    return scenario_state.State()
