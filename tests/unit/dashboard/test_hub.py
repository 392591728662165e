"""The hub: one reading per change, none when nothing changed, the last kept when a read fails."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from dashboardtools import ListSource, stack

from orchestrator.dashboard import DashboardError, Unit
from orchestrator.dashboard import _hub as hub_module
from orchestrator.dashboard._hub import READ_FAILED, Hub, Reading


def test_the_first_reading_is_revision_1_with_every_view():
    hub = Hub(ListSource(stack()))
    reading = hub.first_reading()
    assert reading.revision == 1
    assert sorted(reading.views) == ['hooks', 'metal', 'model', 'secrets']
    event = reading.event()
    assert event.startswith('event: snapshot\nid: 1\ndata: ') and event.endswith('\n\n')
    assert json.loads(event.split('data: ', 1)[1])['revision'] == 1


def test_a_source_that_cannot_be_read_fails_the_start():
    source = ListSource(stack())
    source.fail = 'juju status: controller "nope" not found'
    with pytest.raises(DashboardError, match='not found'):
        Hub(source).first_reading()


def test_streams_get_the_current_reading_then_each_new_one(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(hub_module, 'POLL_INTERVAL', 0.01)
    grown = stack(units=(*stack().units, Unit('rack/2', 'rack', '3')))
    source = ListSource(stack())
    hub = Hub(source)
    hub.first_reading()

    async def scenario() -> list[str]:
        await hub.start()
        events: list[str] = []
        stream = hub.stream()
        events.append(await anext(stream))
        source.push(stack())  # changed, but the same model: no new revision
        source.push(grown)
        events.append(await asyncio.wait_for(anext(stream), 5))
        await hub.stop()
        return events

    events = asyncio.run(scenario())
    revisions = [json.loads(e.split('data: ', 1)[1])['revision'] for e in events]
    assert revisions == [1, 2]
    assert 'rack/2' in events[1] and 'rack/2' not in events[0]
    assert source.closed


def test_a_later_failed_read_keeps_the_last_model_and_says_why(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(hub_module, 'POLL_INTERVAL', 0.01)
    source = ListSource(stack())
    hub = Hub(source)
    first = hub.first_reading()
    seen: list[Reading] = []

    async def scenario() -> None:
        await hub.start()
        source.fail = 'juju status: connection refused'
        source.push(dataclasses.replace(stack(), model='other'))
        await asyncio.sleep(0.1)
        seen.append(hub.reading)
        source.fail = None  # the controller answers again
        source.push(stack())
        await asyncio.sleep(0.1)
        seen.append(hub.reading)
        await hub.stop()

    asyncio.run(scenario())
    failed, recovered = seen
    # The model last read, unchanged, with the reason on the page.
    assert dataclasses.replace(failed.snapshot, notes=first.snapshot.notes) == first.snapshot
    assert failed.snapshot.notes == (f'{READ_FAILED} juju status: connection refused',)
    assert READ_FAILED in failed.views['model']
    assert failed.revision == 2
    assert recovered.snapshot == first.snapshot and recovered.revision == 3
