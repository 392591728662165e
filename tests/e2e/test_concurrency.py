"""Commands run at once on one state directory: none is lost, none corrupts the database.

One process changes the controller at a time (the writer lock); the others wait for it and then
act on what it committed, and readers never wait. Each case starts its commands together and
checks that every change landed, once, and that sqlite's integrity check passes.
"""

from __future__ import annotations

import concurrent.futures
import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import olmcli
import pytest
from olmcli import TEST_CHARMS

olm = partial(olmcli.olm, charms=TEST_CHARMS, timeout=600, retry_delay='0')
ok = partial(olmcli.ok, charms=TEST_CHARMS, timeout=600, retry_delay='0')


def _at_once(state: Path, commands: Sequence[Sequence[str]]) -> list[Any]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(commands)) as workers:
        started = [workers.submit(olm, state, *args) for args in commands]
        done = [future.result() for future in started]
    for args, run in zip(commands, done, strict=True):
        assert run.returncode == 0, (args, run.stderr)
        assert 'Traceback' not in run.stderr
    return done


def _sound(state: Path) -> None:
    with sqlite3.connect(state / 'state.db') as conn:
        assert conn.execute('PRAGMA integrity_check').fetchone() == ('ok',)


def _units(state: Path, *args: str) -> dict[str, list[str]]:
    now = olmcli.status(state, *args, charms=TEST_CHARMS)
    return {app: sorted(a.get('units') or {}) for app, a in now['applications'].items()}


def _two_add_units(state: Path) -> None:
    ok(state, 'deploy', 'tracer', '--seed', '1', '--quiet')
    _at_once(
        state, [['add-unit', 'tracer', '--quiet'], ['add-unit', 'tracer', '-n', '2', '--quiet']]
    )
    assert _units(state) == {'tracer': ['tracer/0', 'tracer/1', 'tracer/2', 'tracer/3']}


def _two_deploys(state: Path) -> None:
    _at_once(state, [['deploy', 'tracer', '--quiet'], ['deploy', 'mirror', '-n', '2', '--quiet']])
    assert _units(state) == {'mirror': ['mirror/0', 'mirror/1'], 'tracer': ['tracer/0']}


def _deploy_and_relate(state: Path) -> None:
    ok(state, 'deploy', 'tracer', '--quiet')
    ok(state, 'deploy', 'mirror', '--quiet')
    _at_once(state, [['integrate', 'tracer:db', 'mirror:db'], ['add-unit', 'mirror', '--quiet']])
    ok(state, 'wait', '--quiet')
    now = olmcli.status(state, charms=TEST_CHARMS)
    related = now['applications']['tracer']['relations']['db']
    assert [r['related-application'] for r in related] == ['mirror']
    assert sorted(now['applications']['mirror']['units']) == ['mirror/0', 'mirror/1']


def _models_at_once(state: Path) -> None:
    _at_once(state, [['add-model', f'm{i}'] for i in range(4)])
    listed = json.loads(ok(state, 'models', '--format', 'json'))['models']
    names = {m['short-name'] for m in listed}
    assert {'m0', 'm1', 'm2', 'm3'} <= names


def _deploys_in_two_models(state: Path) -> None:
    ok(state, 'add-model', 'other', '--no-switch')
    _at_once(
        state,
        [
            ['deploy', 'tracer', '-n', '2', '--quiet'],
            ['deploy', 'tracer', '-n', '2', '-m', 'other', '--quiet'],
        ],
    )
    assert _units(state) == {'tracer': ['tracer/0', 'tracer/1']}
    assert _units(state, '-m', 'other') == {'tracer': ['tracer/0', 'tracer/1']}
    machines = [
        m['hostname']
        for model in ('default', 'other')
        for m in json.loads(ok(state, 'machines', '-m', model, '--format', 'json'))[
            'machines'
        ].values()
    ]
    assert len(set(machines)) == 4, 'two models were given the same metal'


def _readers_during_a_deploy(state: Path) -> None:
    runs = _at_once(
        state, [['deploy', 'tracer', '-n', '3', '--quiet'], *[['status'] for _ in range(4)]]
    )
    assert all(r.stdout.startswith('Model') for r in runs[1:])


def _config_at_once(state: Path) -> None:
    ok(state, 'deploy', 'tracer', '--quiet')
    _at_once(state, [['config', 'tracer', 'greeting=one'], ['config', 'tracer', 'workers=3']])
    shown = json.loads(ok(state, 'config', 'tracer', '--format', 'json'))['settings']
    assert (shown['greeting']['value'], shown['workers']['value']) == ('one', 3)


def _remove_while_adding(state: Path) -> None:
    ok(state, 'deploy', 'tracer', '-n', '2', '--quiet')
    _at_once(state, [['remove-unit', 'tracer/0'], ['add-unit', 'tracer', '--quiet']])
    ok(state, 'wait', '--quiet')
    assert _units(state) == {'tracer': ['tracer/1', 'tracer/2']}


CASES: dict[str, Callable[[Path], None]] = {
    'two add-units': _two_add_units,
    'two deploys': _two_deploys,
    'relate while adding a unit': _deploy_and_relate,
    'four add-models': _models_at_once,
    'deploys in two models': _deploys_in_two_models,
    'status while deploying': _readers_during_a_deploy,
    'two config changes': _config_at_once,
    'remove-unit while add-unit': _remove_while_adding,
}


@pytest.mark.parametrize('case', CASES)
def test_commands_at_once_lose_nothing(lab: Path, case: str):
    CASES[case](lab)
    _sound(lab)
