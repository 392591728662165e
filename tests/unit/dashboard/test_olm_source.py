"""olm's model as the dashboard's source: it re-reads on a commit only, and bounds the metal."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli import main
from orchestrator.dashboard import OlmSource
from orchestrator.dashboard import _olm_source as olm_source
from orchestrator.state.store import Store

LAB = Path(__file__).resolve().parents[3] / 'bundles' / 'pools' / 'lab.yaml'


@pytest.fixture
def state(tmp_path: Path) -> Path:
    state = tmp_path / 'olm'
    assert main(['--state-dir', str(state), 'pool', 'import', str(LAB)]) == 0
    return state


def test_it_reads_again_only_when_another_process_committed(state: Path):
    source = OlmSource(Store(state, create=False))
    assert source.changed()  # the first look
    first = source.snapshot()
    assert not source.changed()
    assert not source.changed()
    assert main(['--state-dir', str(state), 'pool', 'mark-broken', 'node-01']) == 0
    assert source.changed()
    again = source.snapshot()
    broken = {m.hostname: m.status for m in again.metal}
    assert broken['node-01'] == 'Broken'
    assert {m.hostname: m.status for m in first.metal}['node-01'] == 'Ready'
    source.close()


def test_the_metal_view_is_bounded_and_says_how_many_it_left_out(
    state: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(olm_source, 'MACHINES_DRAWN', 5)
    source = OlmSource(Store(state, create=False))
    snapshot = source.snapshot()
    assert [m.hostname for m in snapshot.metal] == ['node-01', 'node-02', 'node-03', 'node-04',
                                                    'node-05']  # fmt: skip
    assert snapshot.notes == (
        '15 more pool machines are not drawn (the first 5: olm pool list shows every one).',
    )
    source.close()


def test_an_empty_model_is_a_page_with_the_pool_and_nothing_deployed(state: Path):
    source = OlmSource(Store(state, create=False))
    snapshot = source.snapshot()
    assert snapshot.simulated and snapshot.model == 'default'
    assert snapshot.applications == () and snapshot.hooks == () and snapshot.secrets == ()
    assert len(snapshot.metal) == 20
    assert all(m.machine == '' and m.units == () for m in snapshot.metal)
    # The lab's own statuses (a pool file may say a machine is Deployed elsewhere or Broken).
    assert {m.status for m in snapshot.metal} == {'Ready', 'Deployed', 'Broken'}
    assert {m.zone for m in snapshot.metal} == {'zone-a', 'zone-b', 'zone-c'}
    source.close()
