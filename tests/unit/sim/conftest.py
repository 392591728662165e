"""A World and one dual-stack machine in it, for the simulation tests that need nothing else."""

from __future__ import annotations

import pytest

from orchestrator.sim import SimHost, World


@pytest.fixture
def world() -> World:
    return World(sleep=lambda _: None, clock=lambda: 1_700_000_000.0)


@pytest.fixture
def host(world: World) -> SimHost:
    return world.add_machine('0', hostname='node-0', addresses=['10.0.0.10', '2001:db8::10'])
