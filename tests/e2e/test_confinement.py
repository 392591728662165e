"""olm's output stays olm's, and the computer stays as it was, whatever a charm's code tries.

tests/charms/escaper's ``escape`` action tries one way out per run (see
tests/unit/agent/test_confinement.py for every way); here, through the ``olm`` command a user
runs, with its ``--format json`` output read by a program.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from olmcli import TEST_CHARMS, ok


def test_a_printing_charm_does_not_break_json_output(lab: Path):
    ok(lab, 'deploy', 'escaper', charms=TEST_CHARMS)

    out = ok(lab, 'run', 'escaper/0', 'escape', 'how=print', '--format', 'json',
             charms=TEST_CHARMS)  # fmt: skip

    (task,) = json.loads(out).values()  # nothing but juju run's JSON on stdout
    assert task['status'] == 'completed'
    log = ok(lab, 'debug-log', '--include', 'escaper/0', '--details', charms=TEST_CHARMS)
    assert 'stdout printed by the charm' in log


def test_a_charm_writing_under_etc_fails_its_hook_and_etc_is_unchanged(lab: Path):
    ok(lab, 'deploy', 'escaper', charms=TEST_CHARMS)
    name = f'olm-escape-{uuid.uuid4().hex}'

    out = ok(lab, 'run', 'escaper/0', 'escape', 'how=write-etc', f'target={name}',
             '--format', 'json', charms=TEST_CHARMS)  # fmt: skip

    (task,) = json.loads(out).values()
    assert task['results']['error'] == 'ConfinementError', task
    assert "olm refused writing '/etc/" in task['results']['message']
    assert not (Path('/etc') / name).exists()
