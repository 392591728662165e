"""``goal-state`` as Juju's uniter facade works it out, from olm's model."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from escaping import lab_engine

from orchestrator import engine as olm_engine
from orchestrator.agent.goal_state import goal_state


def _tracer_and_mirror(e: olm_engine.Engine) -> None:
    e.deploy('tracer', num_units=2)
    e.deploy('mirror')
    e.integrate('tracer:db', 'mirror:db')


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[olm_engine.Engine]:
    yield from lab_engine(tmp_path, _tracer_and_mirror)


def test_units_and_related_applications_with_their_units(engine: olm_engine.Engine):
    m = engine.status_view().model
    tracer0 = m.units['tracer/0']

    found = goal_state(m, tracer0, now=0.0)

    since = {name: u.workload.since for name, u in m.units.items()}
    assert set(found['units']) == {'tracer/0', 'tracer/1'}  # the peers relation is left out
    assert found['units']['tracer/0']['status'] == tracer0.workload.current
    assert found['relations'] == {
        'db': {
            'mirror': {'status': 'joined', 'since': '1970-01-01 00:00:00Z'},
            'mirror/0': {
                'status': m.units['mirror/0'].workload.current,
                'since': _utc(since['mirror/0']),
            },
        }
    }


def _utc(seconds: float) -> str:
    return time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime(seconds))


def test_a_unit_whose_hook_failed_is_in_error_with_its_agents_time(engine: olm_engine.Engine):
    # juju/juju state/unit.go Unit.Status(): the agent's error stands for the unit's status.
    from orchestrator.state import model

    m = engine.status_view().model
    failed = m.units['mirror/0']
    failed.agent = model.Status('error', 'hook failed: "db-relation-changed"', 86400.0)

    found = goal_state(m, m.units['tracer/0'], now=0.0)

    assert found['relations']['db']['mirror/0'] == {
        'status': 'error',
        'since': '1970-01-02 00:00:00Z',
    }
    assert goal_state(m, failed, now=0.0)['units']['mirror/0']['status'] == 'error'
