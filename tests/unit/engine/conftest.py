"""Fixtures for the engine tests: a fresh model on the lab pool, the test charms, a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from enginetools import Clock

from orchestrator import engine as olm_engine
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[3]
TEST_CHARMS = ROOT / 'tests' / 'charms'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_engine(tmp_path: Path, clock: Clock) -> Iterator[Callable[..., olm_engine.Engine]]:
    stores: list[Store] = []

    def make(name: str = 'model', seed: int = 7, retry_delay: float = 0.0) -> olm_engine.Engine:
        store = Store(tmp_path / name)
        stores.append(store)
        engine = olm_engine.Engine(
            store,
            charms_dir=TEST_CHARMS,
            clock=clock,
            sleep=clock.sleep,
            seed=seed,
            retry=olm_engine.RetryPolicy(initial=retry_delay, maximum=retry_delay),
        )
        if not engine.pool_machines():
            engine.import_pool(LAB_POOL)
        return engine

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def engine(make_engine: Callable[..., olm_engine.Engine]) -> olm_engine.Engine:
    return make_engine()
