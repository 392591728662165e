"""A settle's memory stays flat in the number of hooks it runs (issue 23).

The settle loop turns the automatic collector off and collects the young generations after
each hook (orchestrator/engine/_agents.py): whatever a hook leaves alive past that collection
and drops later lands in the oldest generation. These tests bound what a settle keeps by
counting objects, not by time.
"""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Callable

import ops
import pytest

from orchestrator import engine as olm_engine


def _frameworks() -> list[ops.Framework]:
    gc.collect()
    # A weak proxy to a framework passes isinstance too: only the frameworks themselves.
    return [o for o in gc.get_objects()
            if isinstance(o, ops.Framework) and not isinstance(o, weakref.ProxyTypes)]  # fmt: skip


def test_no_hooks_framework_outlives_its_hook(engine: olm_engine.Engine):
    # Each unit's Scenario context is kept between its hooks; what it keeps of a run must not
    # hold the run's framework (and with it the charm, its model and every event). Only the
    # frameworks made during the deploy count: one an earlier test of this process left may
    # be freed meanwhile, so a count before and after would mislead both ways.
    before = weakref.WeakSet(_frameworks())
    engine.deploy('tracer', num_units=3)
    assert engine.status_view().model.units['tracer/2'].agent.current == 'idle'
    assert [f for f in _frameworks() if f not in before] == []


def _settle_bench(
    make_engine: Callable[..., olm_engine.Engine], units: int, told: Callable[[int], None]
) -> int:
    """Deploy ``units`` bench peers and settle them; ``told(hooks so far)`` after each hook."""
    engine = make_engine()
    engine.deploy('bench', application='upstream', settle=False)
    engine.deploy('bench', num_units=units, settle=False)
    engine.integrate('bench:upstream', 'upstream:api', settle=False)
    hooks = 0

    def progress(_line: str) -> None:
        nonlocal hooks
        hooks += 1
        told(hooks)

    engine.progress = progress
    result = engine.wait()
    assert result.settled
    return result.hooks


def test_a_long_settle_keeps_no_garbage(
    make_engine: Callable[..., olm_engine.Engine], monkeypatch: pytest.MonkeyPatch
):
    # Counted without collecting: garbage the loop's own collections missed counts too. Before
    # the fix every hook left ~160 objects (its framework, charm, model) in the oldest
    # generation until the session ended. (pytest's log capture keeps every record ops logs:
    # its handlers are taken off for the count.)
    monkeypatch.setattr(logging.getLogger(), 'handlers', [])
    counts: dict[int, int] = {}
    marks = (150, 450)

    def told(hooks: int) -> None:
        if hooks in marks:
            counts[hooks] = len(gc.get_objects())

    hooks = _settle_bench(make_engine, 15, told)
    assert hooks > marks[-1]
    growth = counts[marks[1]] - counts[marks[0]]
    assert growth < marks[1] - marks[0], counts  # under one object a hook


def test_garbage_a_hook_drops_late_is_collected_within_the_settle(
    make_engine: Callable[..., olm_engine.Engine], monkeypatch: pytest.MonkeyPatch
):
    # Something that outlives its hook's young collection and is dropped later (here made by
    # the progress callback, as a charm's module keeping its last charm would) is collected
    # in the settle, not when the session ends.
    monkeypatch.setattr('orchestrator.engine._agents.FULL_COLLECTION_EVERY', 50)

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    made: list[weakref.ref[Cycle]] = []
    holder: list[Cycle] = []
    alive_at: dict[int, int] = {}

    def told(hooks: int) -> None:
        holder.clear()
        holder.append(Cycle())
        made.append(weakref.ref(holder[0]))
        if hooks == 300:
            alive_at[hooks] = sum(1 for ref in made if ref() is not None)

    _settle_bench(make_engine, 12, told)
    # At most the objects made since the last full collection (and the one held) are alive.
    assert alive_at[300] <= 51, alive_at


def test_a_hooks_framework_is_collected_with_the_hook(
    make_engine: Callable[..., olm_engine.Engine], monkeypatch: pytest.MonkeyPatch
):
    # tests/charms/emitter's library object declares `on = RingEvents()` at class level, as
    # the metal interfaces do; ops caches each object's emitters there, from an object older
    # than the hook. Unless olm drops the run's entries, the young collection after the hook
    # finds its framework reachable and promotes it, to wait for a full collection.
    monkeypatch.setattr('orchestrator.engine._agents.FULL_COLLECTION_EVERY', 10**9)
    # pytest's log capture keeps every record, and ops logs each custom event it emits with
    # the event (and so its framework) as an argument: its handlers are taken off.
    monkeypatch.setattr(logging.getLogger(), 'handlers', [])
    engine = make_engine()
    engine.deploy('emitter', num_units=4, settle=False)
    left: list[int] = []

    def progress(_line: str) -> None:
        # Counted without collecting: a framework still in the heap after the hook's young
        # collection is either alive or garbage the collection missed.
        left.append(sum(1 for o in gc.get_objects() if isinstance(o, ops.Framework)))

    engine.progress = progress
    result = engine.wait()
    assert result.settled and result.hooks > 40
    assert all(u.workload.current == 'active' for u in engine.status_view().model.units.values())
    assert max(left) == 0, left
