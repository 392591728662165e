"""A count beyond the pool's Ready machines is refused in one pass, whatever its size (issue 22).

The refusal is the pool's usual no-fit explanation, with the same numbers a request that ran
out would give; nothing is picked or allocated first.
"""

from __future__ import annotations

import pytest
from builders import machine

from orchestrator.cloud import NoMatchError, Pool, Status
from orchestrator.juju import constraints

c = constraints.parse


def pool() -> Pool:
    return Pool(
        [
            machine('big', 32, 128, tags=('ssd',)),
            machine('mid', 8, 32, tags=('ssd',)),
            machine('tiny', 2, 4),
            machine('busy', 64, 256, tags=('ssd',), status=Status.DEPLOYED, owner='admin'),
        ]
    )


@pytest.mark.parametrize('count', [4, 10**9, 10**30])
def test_more_than_the_ready_machines_is_refused_before_picking(count: int):
    machines = pool()
    picked: list[str] = []
    original = machines._pick  # pyright: ignore[reportPrivateUsage]
    machines._pick = lambda *a, **k: picked.append('x') or original(*a, **k)  # type: ignore[method-assign]  # pyright: ignore
    with pytest.raises(NoMatchError) as info:
        machines.allocate(c('tags=ssd'), count=count)
    assert picked == []
    assert (info.value.requested, info.value.matching_ready, info.value.ready) == (count, 2, 3)
    assert info.value.not_ready == {'Deployed': 1}
    assert f'  {count} machines requested, 2 Ready machines match' in str(info.value)
    assert {m.hostname: m.status for m in machines}['big'] is Status.READY


def test_within_the_ready_machines_the_request_runs_as_before():
    machines = pool()
    with pytest.raises(NoMatchError, match='3 machines requested, 2 Ready machines match'):
        machines.allocate(c('tags=ssd'), count=3)
    assert len(machines.allocate(c(''), count=3)) == 3


def test_the_explanation_can_name_what_the_machines_were_for():
    with pytest.raises(NoMatchError) as info:
        pool().allocate(c(''), count=5)
    info.value.note('for 5 new units of application "web"')
    assert str(info.value).endswith('\n  for 5 new units of application "web"')
