"""A broken charm or a secret with an expiry never wedges a model: the commands, as processes.

Every command after a charm that cannot load still works (status, resolved, remove-application
--force, destroy-model --force), and a secret with ``expire=``/``rotate=`` shows in
``show-secret`` and fires its hooks as ``olm advance-clock`` moves the model's time.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import olmcli
from olmcli import TEST_CHARMS

olm = partial(olmcli.olm, charms=TEST_CHARMS, timeout=300)
ok = partial(olmcli.ok, charms=TEST_CHARMS, timeout=300)
refused = partial(olmcli.refused, charms=TEST_CHARMS, timeout=300)


def test_a_broken_charm_is_in_error_and_every_later_command_works(lab: Path):
    ok(lab, 'deploy', 'broken', '--seed', '1')
    ok(lab, 'deploy', 'tracer', '--seed', '1')

    status = olmcli.status(lab, charms=TEST_CHARMS)
    unit = status['applications']['broken']['units']['broken/0']
    assert unit['workload-status']['current'] == 'error'
    assert unit['workload-status']['message'] == 'hook failed: "install"'
    tracer = status['applications']['tracer']['units']['tracer/0']
    assert tracer['juju-status']['current'] == 'idle'
    assert 'broken on purpose' in ok(lab, 'debug-log')

    ok(lab, 'resolved', 'broken/0')
    assert refused(lab, 'remove-application', 'broken', '--no-wait', returncode=2) == (
        'ERROR --no-wait without --force not valid\n'
    )
    ok(lab, 'remove-application', 'broken', '--force')
    assert 'broken' not in olmcli.status(lab, charms=TEST_CHARMS)['applications']


def test_destroy_model_force_goes_whatever_the_charms_do(lab: Path):
    ok(lab, 'add-model', 'doomed')
    ok(lab, 'deploy', 'broken', '-m', 'doomed', '--seed', '1')
    kept = olm(lab, 'destroy-model', 'doomed', '--no-prompt')
    assert kept.returncode == 1 and 'units still being removed: broken/0' in kept.stderr
    done = olm(lab, 'destroy-model', 'doomed', '--no-prompt', '--force')
    assert done.returncode == 0, done.stderr
    assert 'doomed' not in ok(lab, 'models')


def test_a_secret_with_expiry_and_rotation_shows_and_fires_as_the_clock_moves(lab: Path):
    ok(lab, 'deploy', 'keeper', '--seed', '1', '--config', 'on-expired=nothing')
    args = ['label=db', 'expire-minutes=90', 'rotate=hourly', '--format', 'json']
    added: dict[str, Any] = json.loads(ok(lab, 'run', 'keeper/0', 'add', *args))
    secret_id: str = added['keeper/0']['results']['id'].removeprefix('secret:')
    shown: dict[str, Any] = json.loads(ok(lab, 'show-secret', secret_id, '--format', 'json'))
    shown = shown[secret_id]
    assert {'expires', 'rotation', 'rotates'} <= set(shown)
    assert shown['rotation'] == 'hourly'

    report = ok(lab, 'advance-clock', '2h')
    assert report.startswith('Ran ') and 'settled' in report
    log = ok(lab, 'debug-log')
    assert f'secret-rotate (secret:{secret_id})' in log
    assert f'secret-expired (secret:{secret_id} revision 1)' in log
    assert 'time: invalid duration "2days"' in refused(lab, 'advance-clock', '2days')
