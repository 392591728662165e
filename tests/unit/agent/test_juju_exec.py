"""``olm exec --unit``: the unit's hook tools in reach, their changes committed as Juju's are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from escaping import escaper_engine

from orchestrator import engine as olm_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[olm_engine.Engine]:
    yield from escaper_engine(tmp_path, 'scenario')


def test_hook_tools_answer_from_the_units_view(engine: olm_engine.Engine):
    done = engine.exec(
        'is-leader; unit-get private-address; relation-ids escape', unit='escaper/0'
    )

    assert done.returncode == 0
    address = engine.status_view().model.machines['0'].addresses[0].ip
    # relation-ids of an endpoint with no relation prints nothing
    assert done.stdout == f'True\n{address}\n'


def test_what_the_tools_change_commits_even_when_the_line_fails(engine: olm_engine.Engine):
    done = engine.exec(
        'status-set blocked "set by exec" && state-set k=v && false', unit='escaper/0'
    )

    assert done.returncode == 1
    unit = engine.status_view().model.units['escaper/0']
    assert (unit.workload.current, unit.workload.message) == ('blocked', 'set by exec')
    assert unit.charm_state == {'k': 'v'}
    assert engine.exec('state-get k', unit='escaper/0').stdout == 'v\n'


def test_a_machine_has_no_hook_tools(engine: olm_engine.Engine):
    done = engine.exec('is-leader', machine='0')

    assert done.returncode == 127
    assert done.stderr == 'sh: 1: is-leader: not found\n'


def test_a_file_named_to_a_tool_is_read_on_the_machine(engine: olm_engine.Engine):
    done = engine.exec('action-get --file /etc/hostname', unit='escaper/0')
    assert done.returncode != 0  # not in an action: Juju refuses before reading anything

    done = engine.exec(
        'juju-log -l INFO hello && relation-set --file /etc/passwd', unit='escaper/0'
    )
    assert 'root:x:0:0' not in done.stdout + done.stderr
